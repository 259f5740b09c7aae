"""Form helpers every app's views share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Form


def add_service_errors(form: Form, error: ValidationError) -> None:
    """Put a service's refusal next to the field it is about (or above the form)."""
    if hasattr(error, "error_dict"):
        for name, field_errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


def errors_text(form: Form) -> str:
    """All of a form's errors in one sentence, for a message at the top of the page."""
    return " ".join(message for errors in form.errors.values() for message in errors)
