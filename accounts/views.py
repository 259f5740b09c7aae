from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import LoginForm, NotificationEmailForm, QueuedPasswordResetForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Notification
from accounts.notifications import (
    EMAIL_CHOICES,
    notification_emails_choose,
    notifications_mark_read,
)
from config.celery import QueueUnavailable

NOTIFICATIONS_PER_PAGE = 50


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        try:
            return super().form_valid(form)
        except QueueUnavailable:
            messages.error(
                self.request,
                "We could not queue the e-mail just now. Please try again in a few minutes.",
            )
            return render(
                self.request,
                self.get_template_names(),
                self.get_context_data(form=form),
                status=503,
            )


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own notifications, newest first, unread ones marked; 50 a page.

    Looking does not mark anything read, only "Mark all as read" does: someone who pages
    through in a hurry still finds the unread ones marked when they come back.
    """
    notifications = Notification.objects.filter(user=request.user)  # newest first (Meta)
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark all the user's unread notifications as read, then back to the list."""
    marked = notifications_mark_read(user=request.user)
    if marked:
        messages.success(
            request, f"Marked {marked} notification{'s' if marked != 1 else ''} as read."
        )
    return redirect("notification_list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_emails(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Which notices also come by e-mail: each person chooses their own."""
    user = request.user
    if request.method == "POST":
        form = NotificationEmailForm(request.POST)
        if form.is_valid():
            notification_emails_choose(user=user, kinds=form.cleaned_data["kinds"])
            messages.success(request, "Your e-mail choices are saved.")
            return redirect("notification_emails")
        status = 400
    else:
        muted = set(user.email_muted_kinds)
        form = NotificationEmailForm(
            initial={"kinds": [kind for kind, _ in EMAIL_CHOICES if kind not in muted]}
        )
        status = 200
    return render(request, "accounts/notification_emails.html", {"form": form}, status=status)
