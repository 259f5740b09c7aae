from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.http import HttpRequest

from accounts.notifications import EMAIL_CHOICES
from accounts.tasks import send_password_reset_email
from config.celery import enqueue


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": "That e-mail and password do not match an account. Check both and try again.",
        "inactive": "This account is disabled. Ask an admin to re-enable it.",
    }


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the e-mail sent by a Celery task instead of in the request.

    `save` takes Django's arguments; the task renders its own templates and makes the token
    when it sends, so only the domain and the scheme are passed on.
    """

    def save(
        self,
        domain_override: str | None = None,
        subject_template_name: str = "registration/password_reset_subject.txt",
        email_template_name: str = "registration/password_reset_email.html",
        use_https: bool = False,
        token_generator: PasswordResetTokenGenerator = default_token_generator,
        from_email: str | None = None,
        request: HttpRequest | None = None,
        html_email_template_name: str | None = None,
        extra_email_context: dict[str, str] | None = None,
    ) -> None:
        domain = domain_override or (request.get_host() if request else "localhost")
        for user in self.get_users(self.cleaned_data["email"]):
            enqueue(send_password_reset_email, user.pk, domain, use_https)


class NotificationEmailForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label="Also e-mail me when",
        choices=EMAIL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every notice stays in the app; these also come by e-mail.",
        error_messages={"invalid_choice": "That is not a kind of notice Forcerank sends."},
    )
