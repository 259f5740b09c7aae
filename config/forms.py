"""Form helpers every app's views share."""

from __future__ import annotations

import unicodedata
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


# What shows nothing on its own: control and format characters (U+200B zero-width space,
# U+2060 word joiner, U+FEFF, bidi marks), combining marks with no letter to sit on, and
# separators; plus the letters fonts draw blank (Hangul fillers, the blank Braille pattern).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Mn", "Me", "Zs", "Zl", "Zp"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def has_visible_text(value: str) -> bool:
    """Does `value` show anything? A title of zero-width spaces is as empty as no title;
    the text itself is kept as typed (a joiner inside an emoji or a name stays)."""
    return any(
        not char.isspace()
        and char not in _BLANK_LETTERS
        and unicodedata.category(char) not in _INVISIBLE_CATEGORIES
        for char in value
    )


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
