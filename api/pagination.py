# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any
"""Page-number pagination: `?page=2`, `?page_size=` up to 200; `count`, `next`, `previous`."""

from __future__ import annotations

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
