"""The history of a quarter's ranking: every move, addition and removal."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action
from budgets.models import Quarter
from feature_requests.models import RankEvent

PAGE_SIZE = 50


@allowed_to(Action.VIEW_REQUESTS)
def ranking_history(request: AuthenticatedHttpRequest, label: str) -> HttpResponse:
    """Every change to the quarter's ranking, newest first, 50 a page: the weekly review reads
    this."""
    quarter = get_object_or_404(Quarter, label=label)
    events = (
        RankEvent.objects.filter(quarter=quarter).select_related("request", "actor").order_by("-id")
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "feature_requests/ranking_history.html", {"quarter": quarter, "page": page}
    )
