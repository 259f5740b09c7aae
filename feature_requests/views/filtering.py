"""What the filtered request pages share: the filter bar, saved views and fragment answers.

The pages (request list, triage, estimates, board, decision queue) read their filters with
`feature_requests.filters.RequestFilterForm`, pass `filter_context(...)` to their template,
which includes `feature_requests/_filters.html`, and answer with `filtered_response`: htmx
asks for the `#filtered` fragment (the results), everything else gets the whole page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.utils.cache import patch_vary_headers
from django_htmx.http import push_url

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, can
from budgets.models import Quarter
from feature_requests import saved_views
from feature_requests.filters import KEPT_PARAMS, Page, RequestFilterForm


def filter_form(request: AuthenticatedHttpRequest, page: Page) -> RequestFilterForm:
    return RequestFilterForm(request.GET, page=page)


def filter_context(
    request: AuthenticatedHttpRequest,
    form: RequestFilterForm,
    *,
    quarter: Quarter | None = None,
) -> dict[str, Any]:
    """The filter bar's context: the form, the saved views of this page and what "Save this
    view" posts. One query for the views."""
    views = saved_views.saved_views_for(user=request.user, page=form.page)
    query = form.query_string()
    for view in views:
        view.url = saved_views.saved_view_url(view)
    kept = {
        name: request.GET[name] for name in KEPT_PARAMS.get(form.page, ()) if request.GET.get(name)
    }
    return {
        "filters": form,
        "filter_page": form.page,
        "filter_query": query,
        "filter_kept": kept,
        "filter_clear_url": f"{request.path}?{urlencode(kept)}" if kept else request.path,
        "filter_quarter": quarter,
        "saved_views": views,
        "may_share_view": can(request.user, Action.SHARE_VIEW),
        "share_team": saved_views.team_name(request.user.role),
        "pager_query": query,
        "filter_target": "#board" if form.page == "board" else "#filtered",
    }


def matching_text(count: int, what: str = "request", *, then: str = "") -> str:
    """ "1 request matches these filters." / "3 ranked requests match these filters; `then`." """
    verb = "matches" if count == 1 else "match"
    return f"{count} {what}{pluralize(count)} {verb} these filters{then}."


def filtered_response(
    request: AuthenticatedHttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    fragment: str = "filtered",
) -> HttpResponse:
    """The page, or for htmx its results only (the partial `fragment`, whose element has that
    id). A history restore (the back button after htmx changed the URL) gets the whole page."""
    fragment_only = request.htmx and not request.htmx.history_restore_request
    if fragment_only:
        template += f"#{fragment}"
    response = render(request, template, context, status=status)
    if fragment_only and "filter_query" in context:
        # The address bar shows the filters applied, not every empty field the form sent.
        query = context["filter_query"]
        response = push_url(response, f"{request.path}?{query}" if query else request.path)
    # The same URL answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response
