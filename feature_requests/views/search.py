"""The search page (the header's search box submits here), and the request form's duplicate
hints (an htmx fragment while a rep types a title)."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, require
from config.forms import errors_text, has_visible_text
from feature_requests.search import MAX_QUERY_LENGTH, duplicate_candidates, search

SEARCH_TEMPLATE = "feature_requests/search.html"
HINTS_TEMPLATE = "feature_requests/requests/form.html#duplicate-hints"


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": "Search with at most %(limit_value)d characters (this has "
            "%(show_value)d): a few words of the title or a name are enough."
        },
    )

    def clean_q(self) -> str:
        text: str = self.cleaned_data["q"].strip()
        return text if has_visible_text(text) else ""


@allowed_to(Action.VIEW_REQUESTS)
@require_safe
def search_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Requests, customers and deals matching `q`, grouped by kind, the best first."""
    require(request.user, Action.VIEW_CUSTOMERS)
    form = SearchForm(request.GET)
    if not form.is_valid():
        context = {"q": request.GET.get("q", "")[:MAX_QUERY_LENGTH], "problem": errors_text(form)}
        return render(request, SEARCH_TEMPLATE, context, status=400)
    text = form.cleaned_data["q"]
    results = search(user=request.user, text=text) if text else None
    return render(request, SEARCH_TEMPLATE, {"q": text, "results": results})


class HintForm(forms.Form):
    title = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH)


@allowed_to(Action.SUBMIT_REQUEST)
@require_safe
def duplicate_hints(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The open requests closest to the title being typed, for the request form (a fragment).
    A longer title than a request may have is refused with a 400 and an empty fragment."""
    form = HintForm(request.GET)
    if not form.is_valid():
        return render(request, HINTS_TEMPLATE, {"hints": []}, status=400)
    hints = duplicate_candidates(title=form.cleaned_data["title"])
    return render(request, HINTS_TEMPLATE, {"hints": hints})
