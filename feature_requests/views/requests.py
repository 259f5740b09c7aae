"""Request pages: submit and follow requests, comment, triage (sales leaders), estimate (PMs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role
from accounts.permissions import Action, can, require
from budgets.models import Quarter
from budgets.selectors import company_today, quarter_current
from config.forms import add_service_errors, errors_text
from feature_requests import selectors, services
from feature_requests.filters import requests_filtered, requests_sorted
from feature_requests.forms.requests import (
    DEAL_PICK_LIMIT,
    AcceptForm,
    BaseDealLinkFormSet,
    BulkTriageForm,
    CommentForm,
    DealSearchForm,
    DeclineForm,
    EstimateForm,
    MergeForm,
    OwnerForm,
    RequestForm,
    deal_link_formset,
    deals_matching,
    linkable_deal,
)
from feature_requests.models import MAX_EXTERNAL_ID_LENGTH, Deal, FeatureRequest
from feature_requests.ranking import ranking_place
from feature_requests.search import duplicate_candidates, duplicate_candidates_for
from feature_requests.views.filtering import (
    filter_context,
    filter_form,
    filtered_response,
    matching_text,
)

Status = FeatureRequest.Status
PAGE_SIZE = 50
MERGE_SUGGESTIONS = 500
LIST_TEMPLATE = "feature_requests/requests/list.html"
FORM_TEMPLATE = "feature_requests/requests/form.html"
DEAL_OPTIONS_TEMPLATE = f"{FORM_TEMPLATE}#deal-options"
DETAIL_TEMPLATE = "feature_requests/requests/detail.html"
TRIAGE_TEMPLATE = "feature_requests/requests/triage.html"
ESTIMATES_TEMPLATE = "feature_requests/requests/estimates.html"
CRM_DEAL_MISSING_TEMPLATE = "feature_requests/customers/crm_deal_missing.html"
CRM_DEAL_MISSING = (
    "No deal with that CRM id is in Forcerank yet: it appears after the next CRM sync."
)


# --- helpers -----------------------------------------------------------------------------------


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


def errors_text_list(errors: Iterable[object]) -> str:
    return " ".join(str(error) for error in errors) or "pick your deal first."


def _redirect_back(request: HttpRequest, fallback: str, *args: Any) -> HttpResponse:
    """Back to the page the form was on (a same-site `next`), else to `fallback`."""
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect(fallback, *args)


def _page_request(pk: int) -> FeatureRequest:
    try:
        return selectors.request_for_page(pk=pk)
    except FeatureRequest.DoesNotExist:
        raise Http404("No request with that number.") from None


def _default_quarter(
    feature: FeatureRequest, today: dt.date, current: Quarter | None
) -> Quarter | None:
    """Accept into the request's target quarter, or the current one if it has none (or ended)."""
    if feature.quarter is not None and feature.quarter.end >= today:
        return feature.quarter
    return current


# --- submit, edit, follow ------------------------------------------------------------------------


@allowed_to(Action.VIEW_REQUESTS)
@require_safe
def request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A rep's own requests; everyone else's view of all of them. Filtered and sorted by the
    query string (newest first by default), 50 a page."""
    form = filter_form(request, "requests")
    requests = requests_sorted(
        requests_filtered(selectors.request_list_for(user=request.user), form.criteria),
        form.sort_key,
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return filtered_response(
        request,
        LIST_TEMPLATE,
        {
            "page": page,
            "mine": request.user.role == Role.SALES_REP,
            "filter_summary": matching_text(page.paginator.count),
            **filter_context(request, form),
        },
    )


def _request_form_page(
    request: HttpRequest,
    form: RequestForm,
    formset: BaseDealLinkFormSet,
    feature: FeatureRequest | None,
) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        FORM_TEMPLATE,
        {"form": form, "formset": formset, "feature": feature},
        status=status,
    )


@allowed_to(Action.SUBMIT_REQUEST)
@require_http_methods(["GET", "POST"])
def request_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = company_today()
    form = RequestForm(
        request.POST or None,
        quarters=selectors.quarters_open(today=today),
        initial={"quarter": quarter_current(today=today)},
    )
    # Duplicate hints: as the title is typed, the closest open requests appear under it.
    form.fields["title"].widget.attrs.update(
        {
            "hx-get": reverse("requests:duplicate_hints"),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": "#duplicate-hints",
            "hx-sync": "this:replace",
            "aria-describedby": "duplicate-hints",
            "autocomplete": "off",
        }
    )
    # From a CRM's deal (`deal_request`): the deal comes picked, if this user may link it.
    deal = linkable_deal(user=request.user, value=request.GET.get("deal"))
    formset = deal_link_formset(user=request.user, data=request.POST or None, deal=deal)
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        try:
            feature = services.request_submit(
                actor=request.user, deal_links=formset.links(), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"“{feature.title}” submitted. It is in your sales leader's triage queue."
            )
            return redirect("requests:request_detail", feature.pk)
    return _request_form_page(request, form, formset, None)


@allowed_to(Action.SUBMIT_REQUEST)
@require_safe
def deal_request(request: AuthenticatedHttpRequest, external_id: str) -> HttpResponse:
    """The link a CRM shows on a deal (`feature_requests.links.deal_request_path`): the
    request form with that deal picked. The deal is found by its CRM id; it must be one the
    user may link (a rep: their own open deals)."""
    deal = None
    # No stored id is longer, or holds a NUL (which PostgreSQL refuses in a query).
    if len(external_id) <= MAX_EXTERNAL_ID_LENGTH and "\x00" not in external_id:
        deal = Deal.objects.select_related("owner").filter(external_id=external_id).first()
    if deal is None:
        return render(
            request,
            CRM_DEAL_MISSING_TEMPLATE,
            {"message": CRM_DEAL_MISSING},
            status=404,
        )
    if linkable_deal(user=request.user, value=deal.pk) is None:
        if not deal.is_open:
            raise PermissionDenied(
                f"“{deal.name}” is {deal.get_stage_display().lower()}: a request is submitted "
                "for open deals only, since a closed deal no longer waits on anything."
            )
        raise PermissionDenied(
            f"“{deal.name}” is {deal.owner.full_name}’s deal: a rep submits requests for their "
            "own deals only. Ask its owner, or your sales leader, to submit it."
        )
    return redirect(reverse("requests:request_create") + f"?deal={deal.pk}")


@allowed_to(Action.EDIT_REQUEST)
@require_http_methods(["GET", "POST"])
def request_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    feature = get_object_or_404(FeatureRequest.objects.select_related("quarter"), pk=pk)
    require(request.user, Action.EDIT_REQUEST, feature)
    form = RequestForm(
        request.POST or None,
        quarters=selectors.quarters_open(today=company_today(), keep=feature.quarter),
        initial={"title": feature.title, "problem": feature.problem, "quarter": feature.quarter},
    )
    formset = deal_link_formset(user=request.user, data=request.POST or None, request=feature)
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        try:
            services.request_update(
                actor=request.user, request=feature, deal_links=formset.links(), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect("requests:request_detail", feature.pk)
    # The heading names the saved title, not the one being typed.
    saved = FeatureRequest.objects.get(pk=feature.pk)
    return _request_form_page(request, form, formset, saved)


@allowed_to(Action.SUBMIT_REQUEST)
@require_POST
def request_add_deals(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """ "Add my deal to this one instead": the request form's duplicate hint posts the form's
    deal rows here (with htmx: its buttons are not the form's submit buttons, so Enter in the
    title still submits the new request), and they are linked to the existing request instead.

    A refusal goes back into the hints (htmx) or onto the request's page, with a 400."""
    feature = _page_request(pk)
    formset = deal_link_formset(user=request.user, data=request.POST)
    problem = ""
    if not formset.is_valid():
        problem = " ".join(
            str(error)
            for form in formset.forms
            for errors in form.errors.values()
            for error in errors
        ) or errors_text_list(formset.non_form_errors())
    else:
        try:
            services.request_link_deals(
                actor=request.user, request=feature, deal_links=formset.links()
            )
        except ValidationError as error:
            problem = _message(error)
    if problem:
        refusal = f"Your deal was not added to “{feature.title}”: {problem}"
        if request.htmx:
            hints = duplicate_candidates(title=request.POST.get("title", ""))
            context = {"hints": hints, "problem": refusal}
            return render(request, f"{FORM_TEMPLATE}#duplicate-hints", context, status=400)
        messages.error(request, refusal)
        return _detail_page(request, feature, status=400)
    names = ", ".join(str(deal) for deal, _ in formset.links())
    messages.success(request, f"{names} added to “{feature.title}”: no new request was submitted.")
    if request.htmx:
        return HttpResponseClientRedirect(feature.get_absolute_url())
    return redirect("requests:request_detail", feature.pk)


@allowed_to(Action.SUBMIT_REQUEST)
@require_safe
def deal_pick(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The request form's deal picker: the deals the user may link whose name or customer
    matches `q`, at most DEAL_PICK_LIMIT, as the options of its list (an htmx fragment)."""
    form = DealSearchForm(request.GET)
    if not form.is_valid():
        return render(request, DEAL_OPTIONS_TEMPLATE, {"problem": errors_text(form)}, status=400)
    text = form.cleaned_data["q"]
    # One more than shown, to say when typing more would narrow the list.
    deals = deals_matching(user=request.user, text=text, limit=DEAL_PICK_LIMIT + 1) if text else []
    return render(
        request,
        DEAL_OPTIONS_TEMPLATE,
        {"q": text, "deals": deals[:DEAL_PICK_LIMIT], "more": len(deals) > DEAL_PICK_LIMIT},
    )


def _detail_page(
    request: AuthenticatedHttpRequest, feature: FeatureRequest, *, status: int = 200, **forms: Form
) -> HttpResponse:
    """The request page; a form that failed is passed in bound, to show its errors."""
    user = request.user
    may_triage = can(user, Action.TRIAGE, feature) and feature.status == Status.SUBMITTED
    context: dict[str, Any] = {
        "feature": feature,
        "detail": selectors.request_detail(request=feature),
        "place": ranking_place(request=feature),
        "may_triage": may_triage,
        "comment_form": forms.get("comment_form") or CommentForm(),
    }
    if can(user, Action.ASSIGN_OWNER, feature) and not may_triage:
        # At triage the accept form chooses the owner; afterwards, this form.
        context["owner_form"] = forms.get("owner_form") or OwnerForm(
            initial={"owner": feature.owner_id}
        )
    if may_triage:
        today = company_today()
        quarters = selectors.quarters_open(today=today)
        default = _default_quarter(feature, today, quarter_current(today=today))
        context |= {
            "accept_form": forms.get("accept_form")
            or AcceptForm(quarters=quarters, initial={"quarter": default}),
            "decline_form": forms.get("decline_form") or DeclineForm(),
            "merge_form": forms.get("merge_form") or MergeForm(),
            "candidates": selectors.merge_candidates(exclude=feature),
            "similar": duplicate_candidates(title=feature.title, exclude=feature, limit=3),
        }
    return render(request, DETAIL_TEMPLATE, context, status=status)


@allowed_to(Action.VIEW_REQUESTS)
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _page_request(pk))


@allowed_to(Action.COMMENT)
@require_POST
def comment_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    feature = _page_request(pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
                actor=request.user, request=feature, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Comment posted.")
            return redirect(f"{feature.get_absolute_url()}#comments")
    messages.error(request, "The comment was not posted: " + errors_text(form))
    return _detail_page(request, feature, status=400, comment_form=form)


# --- triage (sales leaders) ----------------------------------------------------------------------


def _triage_refused(
    request: AuthenticatedHttpRequest, feature: FeatureRequest, message: str, **forms: Form
) -> HttpResponse:
    """Show why a triage action failed on the request's page, with a 400."""
    messages.error(request, message)
    return _detail_page(request, feature, status=400, **forms)


@allowed_to(Action.TRIAGE)
@require_POST
def request_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    feature = _page_request(pk)
    # Any quarter parses; the service refuses one that has ended, and says so.
    form = AcceptForm(request.POST, quarters=Quarter.objects.all())
    if not form.is_valid():
        return _triage_refused(
            request, feature, f"“{feature.title}” was not accepted: {errors_text(form)}"
        )
    quarter = form.cleaned_data["quarter"]
    try:
        position = services.request_accept(
            actor=request.user, request=feature, quarter=quarter, owner=form.cleaned_data["owner"]
        )
    except ValidationError as error:
        return _triage_refused(
            request, feature, f"“{feature.title}” was not accepted: {_message(error)}"
        )
    messages.success(
        request,
        f"“{feature.title}” accepted into {quarter.label}, ranked #{position} (the bottom).",
    )
    return _redirect_back(request, "requests:request_detail", feature.pk)


@allowed_to(Action.TRIAGE)
@require_POST
def request_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    feature = _page_request(pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.request_decline_by_sales(
                actor=request.user, request=feature, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{feature.title}” declined; the rep sees your reason.")
            return _redirect_back(request, "requests:request_detail", feature.pk)
    return _triage_refused(
        request,
        feature,
        f"“{feature.title}” was not declined: {errors_text(form)}",
        decline_form=form,
    )


@allowed_to(Action.TRIAGE)
@require_POST
def request_merge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    feature = _page_request(pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        keep = form.cleaned_data["keep"]
        try:
            services.request_merge(actor=request.user, duplicate=feature, keep=keep)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"“{feature.title}” merged into #{keep.pk} “{keep.title}”: its deals and comments moved there.",
            )
            return _redirect_back(request, "requests:request_detail", feature.pk)
    return _triage_refused(
        request,
        feature,
        f"“{feature.title}” was not merged: {errors_text(form)}",
        merge_form=form,
    )


@allowed_to(Action.ASSIGN_OWNER)
@require_POST
def request_owner(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The request page's owner form: choose or clear its owning product manager."""
    feature = _page_request(pk)
    form = OwnerForm(request.POST)
    if form.is_valid():
        owner = form.cleaned_data["owner"]
        try:
            changed = services.request_set_owner(actor=request.user, request=feature, owner=owner)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if changed:
                messages.success(
                    request,
                    f"{owner.full_name} now owns “{feature.title}”."
                    if owner
                    else f"“{feature.title}” has no owning product manager now.",
                )
            return redirect("requests:request_detail", feature.pk)
    messages.error(request, f"The owner was not changed: {errors_text(form)}")
    return _detail_page(request, feature, status=400, owner_form=form)


def _triage_page(
    request: AuthenticatedHttpRequest, *, status: int = 200, bulk_form: BulkTriageForm | None = None
) -> HttpResponse:
    everyone = request.GET.get("all") == "1"
    form = filter_form(request, "triage")
    requests = requests_sorted(
        requests_filtered(
            selectors.triage_queue_for(leader=request.user, everyone=everyone), form.criteria
        ),
        form.sort_key,
        default="oldest",
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    today = company_today()
    current = quarter_current(today=today)
    quarters = list(selectors.quarters_open(today=today))
    similar = duplicate_candidates_for(requests=list(page))
    for row in page:
        default = _default_quarter(row, today, current)
        row.default_quarter_id = default.pk if default else None
        row.similar = similar[row.pk]
    return filtered_response(
        request,
        TRIAGE_TEMPLATE,
        {
            "page": page,
            "everyone": everyone,
            "filter_summary": matching_text(page.paginator.count),
            **filter_context(request, form),
            "quarters": quarters,
            "managers": list(selectors.product_managers_active()),
            "bulk_form": bulk_form,
            # A refused bulk action keeps the boxes ticked.
            "bulk_checked": set(request.POST.getlist("requests")),
            # Suggestions for the merge field; any request number can still be typed.
            "candidates": selectors.merge_candidates()[:MERGE_SUGGESTIONS],
        },
        status=status,
    )


@allowed_to(Action.TRIAGE)
def triage_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Submitted requests of the leader's reps (`?all=1`: everyone's), oldest first."""
    return _triage_page(request)


@allowed_to(Action.TRIAGE)
@require_POST
def triage_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Accept or decline the ticked requests; each goes through the one-request service, so
    one refused (triaged meanwhile, an ended quarter) is reported and the rest still go."""
    # Any quarter parses; the service refuses one that has ended, per request.
    form = BulkTriageForm(request.POST, quarters=Quarter.objects.all())
    if not form.is_valid():
        messages.error(request, f"Nothing was triaged: {errors_text(form)}")
        return _triage_page(request, status=400, bulk_form=form)
    data = form.cleaned_data
    found = FeatureRequest.objects.in_bulk(data["requests"])
    outcomes = services.request_triage_bulk(
        actor=request.user,
        requests=[found[pk] for pk in data["requests"] if pk in found],
        action=data["action"],
        quarter=data["quarter"],
        reason=data["reason"],
        owner=data["owner"],
    )
    done = [outcome for outcome in outcomes if not outcome.error]
    if done:
        what = (
            f"accepted into {data['quarter'].label} (at the bottom of its ranking)"
            if data["action"] == "accept"
            else "declined; the reps see your reason"
        )
        messages.success(request, f"{len(done)} request{'s' if len(done) != 1 else ''} {what}.")
    for outcome in outcomes:
        if outcome.error:
            messages.error(request, f"“{outcome.request.title}” was not triaged: {outcome.error}")
    missing = [pk for pk in data["requests"] if pk not in found]
    if missing:
        messages.error(request, f"No request #{', #'.join(map(str, missing))}.")
    return _redirect_back(request, "requests:triage_queue")


# --- estimates (product managers) ---------------------------------------------------------------


def _estimate_page(
    request: AuthenticatedHttpRequest,
    *,
    status: int = 200,
    failed: FeatureRequest | None = None,
    error: str = "",
) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    form = filter_form(request, "estimates")
    queue = requests_filtered(
        selectors.estimate_queue(owner=request.user if mine else None), form.criteria
    )
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        if failed is not None and row.pk == failed.pk:
            row.estimate_error = error
            row.estimate_value = request.POST.get("points", "")
    counts = selectors.estimate_queue_counts(queue)
    return filtered_response(
        request,
        ESTIMATES_TEMPLATE,
        {
            "page": page,
            "mine": mine,
            "sections": [
                {"label": label, "count": counts[key], "key": key}
                for key, label in selectors.ESTIMATE_SECTIONS.items()
            ],
            "filter_summary": matching_text(page.paginator.count),
            **filter_context(request, form),
        },
        status=status,
    )


@allowed_to(Action.ESTIMATE)
@require_safe
def estimate_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What to estimate, 50 a page; `?mine=1`: only the requests the PM owns."""
    return _estimate_page(request)


@allowed_to(Action.ESTIMATE)
@require_POST
def request_estimate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Estimate from the queue. htmx gets the row back (400 with the message on bad input);
    without JS, a redirect to the queue, or the queue itself with the error on a 400."""
    feature = get_object_or_404(FeatureRequest, pk=pk)
    form = EstimateForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.request_estimate(
                actor=request.user, request=feature, points=form.cleaned_data["points"]
            )
        except ValidationError as refusal:
            error = _message(refusal)
    else:
        error = errors_text(form)

    if request.htmx:
        row = selectors.estimate_row(pk=feature.pk)
        row.estimate_error = error
        row.estimate_value = request.POST.get("points", "") if error else ""
        row.just_estimated = not error
        return render(
            request,
            f"{ESTIMATES_TEMPLATE}#estimate-row",
            {"row": row},
            status=400 if error else 200,
        )
    if not error:
        messages.success(
            request, f"“{feature.title}” estimated at {form.cleaned_data['points']} points."
        )
        return redirect("requests:estimate_queue")
    messages.error(request, f"“{feature.title}” was not estimated: {error}")
    return _estimate_page(request, status=400, failed=feature, error=error)
