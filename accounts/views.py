from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import selectors as account_selectors
from accounts.decorators import allowed_to
from accounts.forms import LoginForm, QueuedPasswordResetForm
from accounts.models import Role
from accounts.permissions import Action, can
from budgets import selectors as budget_selectors
from config.celery import QueueUnavailable


@allowed_to(Action.VIEW_DASHBOARD)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Everyone's start page: the current quarter's budget, then what the role works on."""
    user = request.user
    today = budget_selectors.company_today()
    current = budget_selectors.quarter_current(today=today)
    context = {
        "today": today,
        "current": current,
        "next_quarter": budget_selectors.quarter_next(after=current.end if current else today),
        "may_manage_quarters": can(user, Action.MANAGE_QUARTERS),
        "Role": Role,
    }
    if user.role == Role.SALES_LEADER:
        context["team"] = account_selectors.user_team(leader=user)
    if user.role == Role.ADMIN:
        context["people"] = account_selectors.user_counts_by_role()
    return render(request, "accounts/dashboard.html", context)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm

    def form_valid(self, form: QueuedPasswordResetForm) -> HttpResponse:
        try:
            return super().form_valid(form)
        except QueueUnavailable:
            messages.error(
                self.request,
                "We could not queue the e-mail just now. Please try again in a few minutes.",
            )
            return render(
                self.request, self.template_name, self.get_context_data(form=form), status=503
            )
