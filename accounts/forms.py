from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.notifications import EMAIL_CHOICES


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": "That e-mail and password do not match an account. Check both and try again.",
        "inactive": "This account is disabled. Ask an admin to re-enable it.",
    }


class NotificationEmailForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label="Also e-mail me when",
        choices=EMAIL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every notice stays in the app; these also come by e-mail.",
        error_messages={"invalid_choice": "That is not a kind of notice Forcerank sends."},
    )
