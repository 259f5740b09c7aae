"""Quarters and company settings."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action
from budgets import selectors, services, spending
from budgets.forms import CompanySettingsForm, QuarterEditForm, QuarterForm
from budgets.models import CompanySettings, Quarter
from config.forms import add_service_errors


@allowed_to(Action.VIEW_QUARTERS)
def quarter_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "budgets/quarter_list.html",
        {
            "quarters": selectors.quarter_list(),
            "current": selectors.quarter_current(),
        },
    )


@allowed_to(Action.VIEW_QUARTERS)
def quarter_detail(request: AuthenticatedHttpRequest, label: str) -> HttpResponse:
    quarter = get_object_or_404(Quarter, label=label)
    return render(
        request,
        "budgets/quarter_detail.html",
        {
            "quarter": quarter,
            "today": selectors.company_today(),
            "remaining": quarter.sales_budget - spending.quarter_spent(quarter),
            "history": selectors.quarter_history(quarter=quarter),
        },
    )


def _form_page(request: HttpRequest, template: str, context: Mapping[str, object]) -> HttpResponse:
    """Re-render a form; a 400 when it was submitted with errors."""
    status = 400 if request.method == "POST" else 200
    return render(request, template, context, status=status)


@allowed_to(Action.MANAGE_QUARTERS)
@require_http_methods(["GET", "POST"])
def quarter_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial: dict[str, object] = {
        "sales_share_percent": CompanySettings.load().default_sales_share_percent
    }
    # The roadmap's "Set up" link fills in the quarter it shows; the form checks them on save.
    for name in ("label", "start", "end"):
        if request.GET.get(name):
            initial[name] = request.GET[name][:20]
    form = QuarterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            quarter = services.quarter_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:  # another quarter saved meanwhile: say which
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{quarter.label} created: a sales budget of {quarter.sales_budget} point{pluralize(quarter.sales_budget)}.",
            )
            return redirect("budgets:quarter_detail", label=quarter.label)
    return _form_page(request, "budgets/quarter_form.html", {"form": form, "quarter": None})


@allowed_to(Action.MANAGE_QUARTERS)
@require_http_methods(["GET", "POST"])
def quarter_edit(request: AuthenticatedHttpRequest, label: str) -> HttpResponse:
    quarter = get_object_or_404(Quarter, label=label)
    form = QuarterEditForm(request.POST or None, instance=quarter)
    if request.method == "POST" and form.is_valid():
        try:
            quarter = services.quarter_update(
                actor=request.user, quarter=quarter, **form.cleaned_data
            )
        except ValidationError as error:
            # Refused under the row lock (a budget below what is committed, or a change
            # another editor made meanwhile): the form again, with the reason.
            asks = any(
                problem.code == services.BELOW_SPENT
                for problem in getattr(error, "error_dict", {}).get("below_spent_reason", [])
            )
            form = QuarterEditForm(request.POST, instance=quarter, ask_reason=asks)
            form.is_valid()
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{quarter.label} saved: a sales budget of {quarter.sales_budget} point{pluralize(quarter.sales_budget)}.",
            )
            return redirect("budgets:quarter_detail", label=quarter.label)
    # Show the saved label in the heading, not the one being typed.
    saved = Quarter.objects.get(pk=quarter.pk)
    return _form_page(request, "budgets/quarter_form.html", {"form": form, "quarter": saved})


@allowed_to(Action.EDIT_SETTINGS)
@require_http_methods(["GET", "POST"])
def settings_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CompanySettingsForm(request.POST or None, instance=CompanySettings.load())
    if request.method == "POST" and form.is_valid():
        try:
            services.company_settings_update(actor=request.user, **form.cleaned_data)
        except ValidationError as error:  # refused under the row lock: say so, never a 500
            add_service_errors(form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("budgets:settings")
    return _form_page(
        request, "budgets/settings.html", {"form": form, "history": selectors.settings_history()}
    )
