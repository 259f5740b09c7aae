"""The budget page (figures, burn-up, ledger) and the roadmap: read by every role."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action
from budgets.models import Quarter
from budgets.selectors import company_today, quarter_current, quarter_list
from commitments.budget_selectors import budget_page_for, roadmap_for
from commitments.burnup import burnup_charts


@allowed_to(Action.VIEW_BUDGET)
@require_safe
def budget_current(request: AuthenticatedHttpRequest) -> HttpResponse:
    quarter = quarter_current()
    if quarter is None:
        messages.info(request, "No quarter is under way today, so there is no budget to show.")
        return redirect("budgets:quarter_list")
    return redirect("commitments:budget", label=quarter.label)


@allowed_to(Action.VIEW_BUDGET)
@require_safe
def budget_page(request: AuthenticatedHttpRequest, label: str) -> HttpResponse:
    quarter = get_object_or_404(Quarter, label=label)
    page = budget_page_for(quarter=quarter)
    chart = burnup_charts(
        weeks=page.weeks, title=f"Burn-up of {quarter.label}'s sales budget by week"
    )
    return render(
        request,
        "commitments/budget.html",
        {"quarter": quarter, "page": page, "chart": chart, "quarters": quarter_list()},
    )


@allowed_to(Action.VIEW_BUDGET)
@require_safe
def roadmap(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = company_today()
    return render(
        request, "commitments/roadmap.html", {"columns": roadmap_for(today=today), "today": today}
    )
