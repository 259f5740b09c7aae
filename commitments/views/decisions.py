"""Product's decisions: approve, decline or defer ranked requests; progress, drops and swaps.

Every write goes through one service in `budgets.services`, which checks the role again and
refuses bad or stale input with a ValidationError. A refusal re-renders the page it came
from with a 400, the reason at the top and next to the field it is about; nothing is saved.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, can
from budgets.models import Quarter
from budgets.selectors import quarter_list
from commitments import services
from commitments.decision_selectors import (
    commitment_for_page,
    commitment_page,
    decision_queue_for,
    drop_preview,
    quarter_for_page,
    swap_candidates,
    swap_for_page,
    swap_preview,
)
from commitments.forms import (
    ApproveForm,
    DeclineForm,
    DeferForm,
    DropForm,
    ProgressForm,
    SwapApproveForm,
    SwapForm,
    SwapRejectForm,
)
from commitments.models import Commitment, DropTerms, LedgerEntry, SwapProposal
from commitments.selectors import budget_figures
from commitments.services import PROGRESS_STATUSES
from config.forms import RowFailure, add_service_errors, errors_text
from feature_requests.models import FeatureRequest
from feature_requests.views.filtering import (
    filter_context,
    filter_form,
    filtered_response,
    matching_text,
)

QUEUE_TEMPLATE = "commitments/decisions/queue.html"
# The rest of the ranking (below the cut line) can run to thousands: a page at a time.
OTHERS_PER_PAGE = 50
COMMITMENTS_TEMPLATE = "commitments/decisions/commitments.html"
DROP_TEMPLATE = "commitments/decisions/drop.html"
SWAP_FORM_TEMPLATE = "commitments/decisions/swap_form.html"
SWAP_TEMPLATE = "commitments/decisions/swap.html"


# --- helpers -------------------------------------------------------------------------------


def _field_errors(form: Form) -> dict[str, str]:
    """Each visible field's errors under its name; the rest (hidden, whole-form) under "form"."""
    hidden = {bound.name for bound in form.hidden_fields()}
    collected: dict[str, list[str]] = {}
    for name, errors in form.errors.items():
        key = "form" if name == NON_FIELD_ERRORS or name in hidden else name
        # An ErrorList yields its messages as str (the stubs say ValidationError or str).
        collected.setdefault(key, []).extend(str(error) for error in errors)
    return {key: " ".join(errors) for key, errors in collected.items()}


def _page_quarter(request: HttpRequest, terms: DropTerms) -> Quarter | None:
    try:
        return quarter_for_page(label=request.GET.get("quarter"), today=terms.today)
    except Quarter.DoesNotExist:
        raise Http404("No quarter with that label.") from None


def _url(name: str, quarter: Quarter | None) -> str:
    url = reverse(name)
    return f"{url}?{urlencode({'quarter': quarter.label})}" if quarter else url


def _posted(request: HttpRequest) -> QueryDict | None:
    # Not `request.POST or None`: an empty POST is still a submission, and a bad one.
    return request.POST if request.method == "POST" else None


# --- the decision queue (product leaders) --------------------------------------------------


def _queue_page(
    request: AuthenticatedHttpRequest,
    quarter: Quarter | None,
    terms: DropTerms,
    *,
    status: int = 200,
    failure: RowFailure | None = None,
) -> HttpResponse:
    form = filter_form(request, "decisions")
    queue = (
        decision_queue_for(quarter=quarter, terms=terms, criteria=form.criteria)
        if quarter
        else None
    )
    page_number = request.GET.get("page")
    if queue and failure:
        for index, row in enumerate(queue.proposed + queue.others):
            if row["id"] == failure.pk:
                row["failure"] = failure
                # The page of the rest of the ranking that holds the refused row.
                page_number = str(max(index - len(queue.proposed), 0) // OTHERS_PER_PAGE + 1)
    others = Paginator(queue.others if queue else [], OTHERS_PER_PAGE).get_page(page_number)
    context = {
        "quarter": quarter,
        "quarters": quarter_list(),
        "queue": queue,
        "page": others,
        **filter_context(request, form),
    }
    if queue and form.active:
        count = len(queue.proposed) + others.paginator.count
        context["filter_summary"] = matching_text(
            count,
            "ranked request",
            then="; the cut line and the figures are those of the whole ranking",
        )
    return filtered_response(request, QUEUE_TEMPLATE, context, status=status)


@allowed_to(Action.DECIDE)
@require_safe
def decision_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The quarter's proposed requests (above the cut line) first, then the rest, then swaps."""
    terms = DropTerms.load()
    return _queue_page(request, _page_quarter(request, terms), terms)


def _decision_refused(
    request: AuthenticatedHttpRequest,
    feature: FeatureRequest,
    action: str,
    message: str,
    form: Form,
) -> HttpResponse:
    """Show the queue the request was decided from, with the reason it was refused."""
    messages.error(request, message)
    terms = DropTerms.load()
    quarter = feature.quarter or quarter_for_page(label=None, today=terms.today)
    failure = RowFailure(
        pk=feature.pk, action=action, data=request.POST, errors=_field_errors(form)
    )
    return _queue_page(request, quarter, terms, status=400, failure=failure)


def _decided_request(pk: int) -> FeatureRequest:
    return get_object_or_404(FeatureRequest.objects.select_related("quarter"), pk=pk)


@allowed_to(Action.DECIDE)
@require_POST
def request_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    feature = _decided_request(pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            commitment = services.commitment_approve(
                actor=request.user, request=feature, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            over = " It goes over budget, with your override." if commitment.over_budget else ""
            messages.success(
                request,
                f"“{feature.title}” committed for {commitment.quarter.label}: "
                f"{commitment.points} point{pluralize(commitment.points)}.{over}",
            )
            return redirect(_url("commitments:decision_queue", feature.quarter))
    return _decision_refused(
        request,
        feature,
        "approve",
        f"“{feature.title}” was not committed: {errors_text(form)}",
        form,
    )


@allowed_to(Action.DECIDE)
@require_POST
def request_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    feature = _decided_request(pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.request_decline_by_product(
                actor=request.user, request=feature, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{feature.title}” declined; sales sees your reason.")
            return redirect(_url("commitments:decision_queue", feature.quarter))
    return _decision_refused(
        request,
        feature,
        "decline",
        f"“{feature.title}” was not declined: {errors_text(form)}",
        form,
    )


@allowed_to(Action.DECIDE)
@require_POST
def request_defer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    feature = _decided_request(pk)
    form = DeferForm(request.POST)
    if form.is_valid():
        to_quarter = form.cleaned_data["to_quarter"]
        try:
            position = services.request_defer(
                actor=request.user, request=feature, to_quarter=to_quarter
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"“{feature.title}” deferred to {to_quarter.label}, "
                f"ranked #{position} there (the bottom).",
            )
            # Back to the quarter it was deferred from: the decisions there go on.
            return redirect(_url("commitments:decision_queue", feature.quarter))
    return _decision_refused(
        request, feature, "defer", f"“{feature.title}” was not deferred: {errors_text(form)}", form
    )


# --- commitments: progress (product managers) and drops (product leaders) --------------------


def _commitments_page(
    request: AuthenticatedHttpRequest,
    quarter: Quarter | None,
    terms: DropTerms,
    *,
    status: int = 200,
    failure: RowFailure | None = None,
) -> HttpResponse:
    page = commitment_page(quarter=quarter, terms=terms) if quarter else None
    if page and failure:
        for commitment in page.live:
            if commitment.pk == failure.pk:
                commitment.failure = failure
    return render(
        request,
        COMMITMENTS_TEMPLATE,
        {
            "quarter": quarter,
            "quarters": quarter_list(),
            "page": page,
            "statuses": [(status.value, status.label) for status in PROGRESS_STATUSES],
        },
        status=status,
    )


@allowed_to(Action.VIEW_BUDGET)
def commitment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    terms = DropTerms.load()
    return _commitments_page(request, _page_quarter(request, terms), terms)


def _commitment_or_404(pk: int) -> Commitment:
    try:
        return commitment_for_page(pk=pk)
    except Commitment.DoesNotExist:
        raise Http404("No commitment with that number.") from None


@allowed_to(Action.UPDATE_PROGRESS)
@require_POST
def commitment_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    commitment = _commitment_or_404(pk)
    title = commitment.request.title
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            saved = services.commitment_progress(
                actor=request.user, commitment=commitment, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            status_label = FeatureRequest.Status(form.cleaned_data["status"]).label.lower()
            messages.success(
                request,
                f"“{title}”: {status_label}, {saved.points_done} of {saved.points} point{pluralize(saved.points)} done.",
            )
            return redirect(_url("commitments:commitment_list", commitment.quarter))
    messages.error(request, f"Progress on “{title}” was not saved: {errors_text(form)}")
    failure = RowFailure(
        pk=commitment.pk, action="progress", data=request.POST, errors=_field_errors(form)
    )
    return _commitments_page(
        request, commitment.quarter, DropTerms.load(), status=400, failure=failure
    )


@allowed_to(Action.DROP)
@require_http_methods(["GET", "POST"])
def commitment_drop(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation that states the drop's cost; the POST confirms that very cost."""
    commitment = _commitment_or_404(pk)
    title = commitment.request.title
    form = DropForm(_posted(request))
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = services.commitment_drop(
                    actor=request.user, commitment=commitment, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _dropped_message(title, entry.points, entry))
                return redirect(_url("commitments:commitment_list", commitment.quarter))
        messages.error(request, f"“{title}” was not dropped: {errors_text(form)}")
    return render(
        request,
        DROP_TEMPLATE,
        {
            "commitment": commitment,
            "preview": drop_preview(commitment=commitment, terms=DropTerms.load()),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


def _dropped_message(title: str, points: int, entry: LedgerEntry) -> str:
    if not entry.cost:
        return (
            f"“{title}” dropped before the planning lock date, at no cost: "
            f"its {points} point{pluralize(points)} {pluralize(points, 'is,are')} back in the budget."
        )
    return (
        f"“{title}” dropped. It cost the sales budget {entry.cost} point{pluralize(entry.cost)} "
        f"({entry.sunk_points} sunk + {entry.penalty_points} penalty); "
        f"its {points} point{pluralize(points)} {pluralize(points, 'is,are')} back in the budget."
    )


# --- swaps: proposed by sales leaders, decided by product leaders ----------------------------


@allowed_to(Action.PROPOSE_SWAP)
@require_http_methods(["GET", "POST"])
def swap_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    terms = DropTerms.load()
    quarter = _page_quarter(request, terms)
    if quarter is None:
        return render(
            request,
            SWAP_FORM_TEMPLATE,
            {"quarter": None, "quarters": quarter_list()},
            status=400 if request.method == "POST" else 200,
        )
    drops, commits = swap_candidates(quarter=quarter, terms=terms)
    form = SwapForm(_posted(request), drops=drops, commits=commits)
    if request.method == "POST" and form.is_valid():
        try:
            swap = services.swap_propose(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Swap proposed: drop “{swap.drop.request.title}” for “{swap.commit.title}”. "
                "Product decides.",
            )
            return redirect("commitments:swap_detail", swap.pk)
    return render(
        request,
        SWAP_FORM_TEMPLATE,
        {
            "quarter": quarter,
            "quarters": quarter_list(),
            "form": form,
            "drops": drops,
            "figures": budget_figures(quarter=quarter, today=terms.today),
            "locked": quarter.is_locked(terms.today),
        },
        status=400 if request.method == "POST" else 200,
    )


def _swap_or_404(pk: int) -> SwapProposal:
    try:
        return swap_for_page(pk=pk)
    except SwapProposal.DoesNotExist:
        raise Http404("No swap with that number.") from None


def _swap_page(
    request: AuthenticatedHttpRequest,
    swap: SwapProposal,
    *,
    status: int = 200,
    approve_form: SwapApproveForm | None = None,
    reject_form: SwapRejectForm | None = None,
) -> HttpResponse:
    may_decide = can(request.user, Action.DECIDE) and swap.status == SwapProposal.Status.PENDING
    return render(
        request,
        SWAP_TEMPLATE,
        {
            "swap": swap,
            "preview": swap_preview(swap=swap, terms=DropTerms.load()),
            "may_decide": may_decide,
            "approve_form": approve_form or SwapApproveForm(),
            "reject_form": reject_form or SwapRejectForm(),
        },
        status=status,
    )


@allowed_to(Action.VIEW_BUDGET)
def swap_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _swap_page(request, _swap_or_404(pk))


@allowed_to(Action.DECIDE)
@require_POST
def swap_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    swap = _swap_or_404(pk)
    form = SwapApproveForm(request.POST)
    if form.is_valid():
        try:
            commitment = services.swap_approve(actor=request.user, swap=swap, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The service refuses unless the cost now is the one confirmed.
            cost = form.cleaned_data["expected_cost"]
            messages.success(
                request,
                f"Swap approved: “{swap.drop.request.title}” dropped at a cost of {cost} "
                f"point{pluralize(cost)}; “{swap.commit.title}” committed ({commitment.points} point{pluralize(commitment.points)}).",
            )
            return redirect("commitments:swap_detail", swap.pk)
    messages.error(request, f"The swap was not approved: {errors_text(form)}")
    return _swap_page(request, swap, status=400, approve_form=form)


@allowed_to(Action.DECIDE)
@require_POST
def swap_reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    swap = _swap_or_404(pk)
    form = SwapRejectForm(request.POST)
    if form.is_valid():
        try:
            services.swap_reject(actor=request.user, swap=swap, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Swap rejected; {swap.proposed_by.full_name} sees your note."
            )
            return redirect("commitments:swap_detail", swap.pk)
    messages.error(request, f"The swap was not rejected: {errors_text(form)}")
    return _swap_page(request, swap, status=400, reject_form=form)
