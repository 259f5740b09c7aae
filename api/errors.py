# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any
"""One error body for every 4xx of the API: `{"message": "...", "errors": {field: [...]}}`.

Domain refusals arrive as Django's ValidationError (400, with the service's messages under
their fields) and PermissionDenied (403, with the permission module's message).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"


class Conflict(exceptions.APIException):
    """409: the request was made on data that has changed; `extra` goes into the body."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The data changed since you read it."
    default_code = "conflict"

    def __init__(self, detail: str, extra: Mapping[str, Any]) -> None:
        super().__init__(detail)
        self.extra = dict(extra)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field" or "field.sub": [messages]}."""
    errors: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for name, value in detail.items():
            key = f"{prefix}.{name}" if prefix else str(name)
            for field, messages in _flatten(value, key).items():
                errors.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, Mapping | list):
                for field, messages in _flatten(value, f"{prefix}.{index}").items():
                    errors.setdefault(field, []).extend(messages)
            else:
                errors.setdefault(prefix or NON_FIELD, []).append(str(value))
    else:
        errors.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return errors


def _django_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            NON_FIELD if name == NON_FIELD_ERRORS else name: list(messages)
            for name, messages in error.message_dict.items()
        }
    return {NON_FIELD: list(error.messages)}


def _message(errors: Mapping[str, list[str]]) -> str:
    return " ".join(message for messages in errors.values() for message in messages)


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF's handler, then the body reshaped; domain ValidationErrors become 400s."""
    if isinstance(exc, DjangoValidationError):
        # A domain refusal: its messages, under the fields they are about.
        errors = _django_errors(exc)
        return Response(
            {
                "message": _message(errors),
                "errors": {k: v for k, v in errors.items() if k != NON_FIELD},
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    # Django's own refusals carry their message as the exception's text ("No request with
    # that number."); DRF's equivalents carry it as `detail`, which the body below uses.
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "You do not have access to this.")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        body: dict[str, Any] = {
            "message": "The input is not valid: " + _message(errors),
            # What is about no one field is said in the message only.
            "errors": {name: messages for name, messages in errors.items() if name != NON_FIELD},
        }
    else:
        detail = getattr(exc, "detail", "")
        body = {"message": str(detail) if detail else str(exc), "errors": {}}
    if isinstance(exc, Conflict):
        body |= exc.extra
    response.data = body
    return response


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other address under /api/: a JSON 404, never the site's HTML page."""
    return JsonResponse(
        {"message": f"There is no API endpoint at {request.path}.", "errors": {}}, status=404
    )
