"""Customers and deals: everyone reads them, sales keeps them up to date."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role
from accounts.permissions import Action, can, require
from config.uploads import upload_too_large
from feature_requests import crm_import as crm_csv
from feature_requests import customers as customer_services
from feature_requests.forms.customers import CrmImportForm, CustomerForm, DealFilterForm, DealForm
from feature_requests.models import Customer, Deal

TEMPLATES = "feature_requests/customers/"
PAGE_SIZE = 50

_Saved = TypeVar("_Saved")


def _form_page(request: HttpRequest, template: str, context: Mapping[str, object]) -> HttpResponse:
    """Re-render a form; a 400 when it was submitted with errors."""
    status = 400 if request.method == "POST" else 200
    return render(request, TEMPLATES + template, context, status=status)


def _saved(form: BaseForm, save: Callable[[], _Saved]) -> _Saved | None:
    """Call the service; a rule it enforces that the form could not see (a rep made
    inactive meanwhile, a name taken a moment ago) becomes a form error, not a 500."""
    try:
        return save()
    except ValidationError as error:
        form.add_error(None, error)
        return None


@allowed_to(Action.VIEW_CUSTOMERS)
@require_GET
def customer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Customers by name, 50 a page; the totals are over all of them, not the page."""
    page = Paginator(customer_services.customer_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    totals = customer_services.customer_totals()
    return render(
        request,
        TEMPLATES + "customer_list.html",
        {
            "page": page,
            "total_arr": totals["arr"],
            "total_pipeline": totals["open_pipeline"],
        },
    )


@allowed_to(Action.VIEW_CUSTOMERS)
@require_GET
def customer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A customer and its deals, 50 a page; the open pipeline is over all its deals."""
    customer = get_object_or_404(Customer, pk=pk)
    page = Paginator(customer_services.customer_deals(customer=customer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        TEMPLATES + "customer_detail.html",
        {
            "customer": customer,
            "page": page,
            "editable": _editable(request, page),
            "open_pipeline": customer_services.open_pipeline(customer.deals.all()),
        },
    )


@allowed_to(Action.EDIT_CUSTOMERS)
@require_http_methods(["GET", "POST"])
def customer_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        customer = _saved(
            form, lambda: customer_services.customer_create(actor=request.user, **form.cleaned_data)
        )
        if customer is not None:
            messages.success(request, f"Customer “{customer.name}” created.")
            return redirect("requests:customer_detail", pk=customer.pk)
    return _form_page(request, "customer_form.html", {"form": form, "customer": None})


@allowed_to(Action.EDIT_CUSTOMERS)
@require_http_methods(["GET", "POST"])
def customer_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = CustomerForm(request.POST if request.method == "POST" else None, instance=customer)
    if request.method == "POST" and form.is_valid():
        saved = _saved(
            form,
            lambda: customer_services.customer_update(
                actor=request.user, customer=customer, **form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(request, f"Customer “{saved.name}” saved.")
            return redirect("requests:customer_detail", pk=saved.pk)
    # The heading shows the saved name, not the one being typed.
    saved_customer = Customer.objects.get(pk=customer.pk)
    return _form_page(request, "customer_form.html", {"form": form, "customer": saved_customer})


@allowed_to(Action.VIEW_CUSTOMERS)
@require_GET
def deal_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """All deals, or a rep's own by default; filterable by stage; 50 a page."""
    filters = DealFilterForm(request.GET)
    data = filters.cleaned_data if filters.is_valid() else {}
    is_rep = request.user.role == Role.SALES_REP
    # Only reps own deals, so only they get "mine", and it is where they start.
    show = (data.get("show") or "mine") if is_rep else "all"
    stage = data.get("stage", "")
    deals = customer_services.deal_list(stage=stage, owner=request.user if show == "mine" else None)
    page = Paginator(deals, PAGE_SIZE).get_page(request.GET.get("page"))
    # The pager keeps the filters as they were understood, not as they were typed.
    kept = {"stage": stage, "show": show if is_rep else ""}
    context = {
        "page": page,
        "pager_query": urlencode({name: value for name, value in kept.items() if value}),
        "editable": _editable(request, page),
        # Of every matching deal, not just this page's.
        "total_amount": customer_services.deal_amount_total(deals),
        "filters": DealFilterForm(initial={"stage": stage, "show": show}),
        "stage": stage,
        "show": show,
        "is_rep": is_rep,
        "may_edit": can(request.user, Action.EDIT_CUSTOMERS),
    }
    template = TEMPLATES + "deal_list.html"
    if request.htmx:
        template += "#deal-table"
    return render(request, template, context)


def _editable(request: AuthenticatedHttpRequest, page: Page[Deal]) -> set[int]:
    """The page's deals this user may edit."""
    return {deal.pk for deal in page if can(request.user, Action.EDIT_CUSTOMERS, deal)}


def _deal_form_page(request: HttpRequest, form: DealForm, *, deal: Deal | None) -> HttpResponse:
    context = {"form": form, "deal": deal, "owner_is_actor": "owner" not in form.fields}
    return _form_page(request, "deal_form.html", context)


@allowed_to(Action.EDIT_CUSTOMERS)
@require_http_methods(["GET", "POST"])
def deal_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial: dict[str, str] = {}
    customer_id = request.GET.get("customer", "")
    if customer_id.isdigit():
        initial["customer"] = customer_id
    form = DealForm(
        request.POST if request.method == "POST" else None, initial=initial, actor=request.user
    )
    if request.method == "POST" and form.is_valid():
        deal = _saved(
            form, lambda: customer_services.deal_create(actor=request.user, **form.cleaned_data)
        )
        if deal is not None:
            messages.success(request, f"Deal “{deal.name}” created.")
            return redirect("requests:customer_detail", pk=deal.customer_id)
    return _deal_form_page(request, form, deal=None)


@allowed_to(Action.EDIT_CUSTOMERS)
@require_http_methods(["GET", "POST"])
def deal_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = get_object_or_404(Deal.objects.select_related("customer", "owner"), pk=pk)
    # Before binding the form: it writes the submitted owner onto the deal.
    require(request.user, Action.EDIT_CUSTOMERS, deal)
    form = DealForm(
        request.POST if request.method == "POST" else None, instance=deal, actor=request.user
    )
    if request.method == "POST" and form.is_valid():
        saved = _saved(
            form,
            lambda: customer_services.deal_update(
                actor=request.user, deal=deal, **form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(request, f"Deal “{saved.name}” saved.")
            return redirect("requests:customer_detail", pk=saved.customer_id)
    saved_deal = Deal.objects.select_related("customer").get(pk=deal.pk)
    return _deal_form_page(request, form, deal=saved_deal)


@allowed_to(Action.IMPORT_CUSTOMERS)
@require_http_methods(["GET", "POST"])
def crm_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        # A file over the limit was dropped unread (config.uploads): the form says so.
        form = CrmImportForm(request.POST, request.FILES, too_large=upload_too_large(request))
    else:
        form = CrmImportForm()
    problems: list[crm_csv.ImportProblem] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = crm_csv.crm_import(actor=request.user, csv_file=form.cleaned_data["csv_file"])
        except crm_csv.CrmImportError as error:
            problems = error.problems
        else:
            messages.success(request, result.summary())
            return redirect("requests:customer_list")
    return _form_page(
        request,
        "crm_import.html",
        {
            "form": form,
            "problems": problems,
            "columns": ",".join(crm_csv.IMPORT_COLUMNS),
            "required_columns": crm_csv.REQUIRED_IMPORT_COLUMNS,
            "example": crm_csv.IMPORT_EXAMPLE,
            "segments": Customer.Segment.choices,
            "stages": Deal.Stage.choices,
        },
    )
