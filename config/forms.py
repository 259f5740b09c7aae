"""Form helpers every app's views share."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.forms import BaseForm, Field
from django.http import QueryDict

_FieldT = TypeVar("_FieldT", bound=Field)


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Put a service's refusal next to the field it is about (or above the form)."""
    if hasattr(error, "error_dict"):
        for name, field_errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


def errors_text(form: BaseForm) -> str:
    """All of a form's errors in one sentence, for a message at the top of the page."""
    # An ErrorList yields its messages as text; its type also allows a ValidationError.
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


def form_field(form: BaseForm, name: str, kind: type[_FieldT]) -> _FieldT:
    """The form's own copy of field `name`, as the `kind` of field it was declared as.

    `form.fields` maps names to plain `Field`s; this is how an `__init__` reaches, say, a
    ModelChoiceField's queryset. A field of another kind is a programming error: TypeError.
    """
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(
            f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}"
        )
    return field


@dataclass(frozen=True)
class RowFailure:
    """A refused action on one row of a list page: shown in that row, with what was typed.

    The commitments' decision views set it on a board row or a Commitment.
    """

    pk: int
    action: str
    data: QueryDict
    errors: dict[str, str] = dataclass_field(default_factory=dict)  # field name -> message
