from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import LoginForm, NotificationEmailForm
from accounts.http import AuthenticatedHttpRequest
from accounts.lockout import forget_failures
from accounts.models import Notification, User
from accounts.notifications import (
    EMAIL_CHOICES,
    notification_emails_choose,
    notifications_mark_read,
)
from accounts.services import ResetLimited, password_reset_request
from accounts.sessions import sign_out_everywhere
from config.celery import QueueUnavailable

NOTIFICATIONS_PER_PAGE = 50


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    """Django's "forgot my password" page; the e-mail goes out from a task, and requests are
    limited per address and per client (accounts.services.password_reset_request)."""

    form_class = PasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        try:
            password_reset_request(
                email=form.cleaned_data["email"],
                client=get_client_ip_address(self.request) or "0.0.0.0",  # noqa: S104
                domain=self.request.get_host(),
                use_https=self.request.is_secure(),
            )
        except ResetLimited as limit:
            return self._again(form, str(limit), status=429)
        except QueueUnavailable:
            message = "We could not queue the e-mail just now. Please try again in a few minutes."
            return self._again(form, message, status=503)
        return redirect(self.get_success_url())

    def _again(self, form: PasswordResetForm, message: str, *, status: int) -> HttpResponse:
        messages.error(self.request, message)
        context = self.get_context_data(form=form)
        return render(self.request, self.get_template_names(), context, status=status)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's "set a new password" page from the reset e-mail; a password set here also
    lifts the account's sign-in lock (accounts.lockout.forget_failures)."""

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        forget_failures(form.user.email)
        return response


@login_required
@require_POST
def sign_out_everywhere_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """End every other session of the user (a lost phone, a shared computer); this one stays."""
    sign_out_everywhere(request.user, keep=request)
    messages.success(
        request,
        "Signed out everywhere else: every other browser and device has to sign in again.",
    )
    return redirect("password_change")


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
