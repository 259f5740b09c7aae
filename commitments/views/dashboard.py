"""Everyone's start page: the current quarter's budget, then the work waiting for the role.

It lives here, above budgets and requests, because it counts what waits in their queues.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from accounts import selectors as account_selectors
from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role
from accounts.permissions import Action
from budgets import selectors as budget_selectors
from commitments.selectors import budget_figures
from feature_requests import selectors as request_selectors


@allowed_to(Action.VIEW_DASHBOARD)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    today = budget_selectors.company_today()
    current = budget_selectors.quarter_current(today=today)
    context: dict[str, object] = {
        "today": today,
        "current": current,
        "remaining": budget_figures(quarter=current, today=today).remaining if current else None,
        "next_quarter": budget_selectors.quarter_next(after=current.end if current else today),
        "Role": Role,
    }
    if user.role == Role.SALES_LEADER:
        context["team"] = account_selectors.user_team(leader=user)
        context["triage_waiting"] = request_selectors.triage_queue_for(leader=user).count()
    if user.role == Role.PRODUCT_MANAGER:
        context["estimates_needed"] = request_selectors.estimates_needed_count()
        context["assigned_to_me"] = request_selectors.owned_open_count(owner=user)
    if user.role == Role.ADMIN:
        context["people"] = account_selectors.user_counts_by_role()
    return render(request, "commitments/dashboard.html", context)
