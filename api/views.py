# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any, allow-untyped-decorators
"""The REST API's endpoints (/api/v1/). Each checks access with accounts.permissions, as the
page that does the same does, parses its input with a serializer, calls one selector or
service and answers with a serializer. Refusals become the API's error body (api.errors).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from accounts.permissions import Action, require
from api import serializers as s
from api.errors import Conflict
from budgets.models import Quarter
from budgets.selectors import quarter_list
from commitments import services as commitment_services
from commitments.board import Board, board_for
from commitments.budget_selectors import ledger_entries
from commitments.decision_selectors import commitment_for_page, commitment_page, quarter_for_page
from commitments.models import Commitment, DropTerms
from commitments.selectors import budget_figures
from feature_requests import customers, selectors, services
from feature_requests.filters import RequestFilterForm, requests_filtered, requests_sorted
from feature_requests.models import Customer, Deal, FeatureRequest
from feature_requests.ranking import RankingChanged, RankingError, ranking_move
from reviews.models import WeeklyReview
from reviews.services import review_archive


class Endpoint(APIView):
    """Checks `actions[method]` for the signed-in user before the handler runs."""

    actions: ClassVar[Mapping[str, Action]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # A HEAD runs the GET handler: it asks the same question.
        method = "GET" if request.method in (None, "HEAD") else request.method
        action = self.actions.get(method)
        if action is not None:
            require(request.user, action)


class ListEndpoint(Endpoint, generics.ListAPIView):
    pass


def _quarter(label: str) -> Quarter:
    return get_object_or_404(Quarter, label=label)


def _request(pk: int) -> FeatureRequest:
    try:
        return selectors.request_for_page(pk=pk)
    except FeatureRequest.DoesNotExist:
        raise Http404("No request with that number.") from None


def _valid(serializer_class: type[Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- quarters and the board -------------------------------------------------------------


class QuarterList(ListEndpoint):
    """Quarters, latest first, with their capacity, share and sales budget."""

    actions = {"GET": Action.VIEW_QUARTERS}
    serializer_class = s.QuarterSerializer

    def get_queryset(self) -> QuerySet[Quarter]:
        return quarter_list()


class QuarterDetail(Endpoint):
    """A quarter with its budget figures: committed, change costs, remaining."""

    actions = {"GET": Action.VIEW_QUARTERS}

    @extend_schema(responses=s.QuarterDetailSerializer)
    def get(self, request: Request, label: str) -> Response:
        quarter = _quarter(label)
        figures = s.FiguresSerializer(budget_figures(quarter=quarter)).data
        return Response({**s.QuarterSerializer(quarter).data, "figures": figures})


def board_data(board: Board) -> dict[str, Any]:
    return dict(s.BoardSerializer(board).data)


class BoardDetail(Endpoint):
    """The quarter's ranking: positions, estimates, cumulative points, ARR and the cut line.
    Send its `version` with a move."""

    actions = {"GET": Action.VIEW_REQUESTS}

    @extend_schema(responses=s.BoardSerializer)
    def get(self, request: Request, label: str) -> Response:
        return Response(board_data(board_for(quarter=_quarter(label))))


class MoveCreate(Endpoint):
    """Move a request between two neighbours on the board (sales leaders). A move made on an
    older `version` of the board is refused with 409 and the current board."""

    actions = {"POST": Action.RANK}

    @extend_schema(request=s.MoveInputSerializer, responses={200: s.MoveSerializer})
    def post(self, request: Request, label: str) -> Response:
        quarter = _quarter(label)
        data = _valid(s.MoveInputSerializer, request.data)
        try:
            move = ranking_move(
                actor=request.user,
                quarter=quarter,
                request_id=data["request"],
                after_id=data.get("after"),
                before_id=data.get("before"),
                version=data["version"],
            )
        except RankingChanged as error:
            raise Conflict(str(error), {"board": board_data(board_for(quarter=quarter))}) from None
        except RankingError as error:
            raise ValidationError({"request": [str(error)]}) from None
        return Response(s.MoveSerializer(move).data)


# --- requests ---------------------------------------------------------------------------

FILTER_PARAMETERS = [
    OpenApiParameter(name, str, description=description)
    for name, description in [
        ("quarter", "A quarter's label, e.g. 2026-Q4."),
        ("status", "A request status, e.g. ranked."),
        ("customer", "Part of a customer's name."),
        ("segment", "smb, mid_market or enterprise."),
        ("rep", "The submitting rep's id."),
        ("manager", "The rep's manager's id."),
        ("criticality", "The highest criticality: blocker, important or nice_to_have."),
        ("estimate", "yes: estimated; no: needs an estimate."),
        ("arr_min", "ARR at stake from (dollars)."),
        ("arr_max", "ARR at stake up to (dollars)."),
        ("sort", "newest (default), oldest, arr or title."),
    ]
]


class RequestListCreate(ListEndpoint):
    """Requests (a rep's own; everyone else's view of all), filtered as on the requests page;
    POST submits one (sales)."""

    actions = {"GET": Action.VIEW_REQUESTS, "POST": Action.SUBMIT_REQUEST}
    serializer_class = s.RequestSerializer

    def get_queryset(self) -> QuerySet[FeatureRequest]:
        form = RequestFilterForm(self.request.query_params, page="requests")
        if not form.is_valid():
            raise ValidationError(
                {name: [str(error) for error in errors] for name, errors in form.errors.items()}
            )
        requests = selectors.request_list_for(user=self.request.user)
        return requests_sorted(requests_filtered(requests, form.criteria), form.sort_key)

    @extend_schema(parameters=FILTER_PARAMETERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.RequestSubmitSerializer, responses={201: s.RequestDetailSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(s.RequestSubmitSerializer, request.data)
        feature = services.request_submit(
            actor=request.user,
            title=data["title"],
            problem=data["problem"],
            quarter=data.get("quarter"),
            deal_links=[(link["deal"], link["criticality"]) for link in data["deals"]],
        )
        return _detail_response(feature.pk, status.HTTP_201_CREATED)


def _detail_response(pk: int, code: int = status.HTTP_200_OK) -> Response:
    detail = selectors.request_detail(request=_request(pk))
    return Response(s.RequestDetailSerializer(detail).data, status=code)


class RequestDetail(Endpoint):
    """A request with its deals, comments and status history."""

    actions = {"GET": Action.VIEW_REQUESTS}

    @extend_schema(responses=s.RequestDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return _detail_response(pk)


class CommentCreate(Endpoint):
    """Comment on a request."""

    actions = {"POST": Action.COMMENT}

    @extend_schema(request=s.CommentInputSerializer, responses={201: s.CommentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = _valid(s.CommentInputSerializer, request.data)
        comment = services.comment_add(actor=request.user, request=_request(pk), body=data["body"])
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class EstimateCreate(Endpoint):
    """Estimate a submitted or ranked request in story points (product managers)."""

    actions = {"POST": Action.ESTIMATE}

    @extend_schema(request=s.EstimateInputSerializer, responses=s.RequestDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = _valid(s.EstimateInputSerializer, request.data)
        services.request_estimate(actor=request.user, request=_request(pk), points=data["points"])
        return _detail_response(pk)


# --- decisions (product leaders) --------------------------------------------------------


class RequestApprove(Endpoint):
    """Commit a ranked request at its estimate (`expected_points`: the one you read). Over the
    remaining budget only with `override` and a reason."""

    actions = {"POST": Action.DECIDE}

    @extend_schema(request=s.ApproveInputSerializer, responses={201: s.CommitmentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = _valid(s.ApproveInputSerializer, request.data)
        commitment = commitment_services.commitment_approve(
            actor=request.user, request=_request(pk), **data
        )
        return Response(s.CommitmentSerializer(commitment).data, status=status.HTTP_201_CREATED)


class RequestDecline(Endpoint):
    """Decline a ranked request; sales sees the reason."""

    actions = {"POST": Action.DECIDE}

    @extend_schema(request=s.ReasonInputSerializer, responses=s.RequestDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = _valid(s.ReasonInputSerializer, request.data)
        commitment_services.request_decline_by_product(
            actor=request.user, request=_request(pk), reason=data["reason"]
        )
        return _detail_response(pk)


class RequestDefer(Endpoint):
    """Move a ranked request to the bottom of a later quarter's ranking."""

    actions = {"POST": Action.DECIDE}

    @extend_schema(request=s.DeferInputSerializer, responses=s.RequestDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = _valid(s.DeferInputSerializer, request.data)
        commitment_services.request_defer(
            actor=request.user, request=_request(pk), to_quarter=data["to_quarter"]
        )
        return _detail_response(pk)


# --- commitments and the ledger ---------------------------------------------------------


class CommitmentList(Endpoint):
    """A quarter's live commitments (with what dropping each costs today) and dropped ones.
    `?quarter=` a label; the current quarter by default."""

    actions = {"GET": Action.VIEW_BUDGET}

    @extend_schema(
        parameters=[OpenApiParameter("quarter", str, description="A quarter's label.")],
        responses=s.CommitmentPageSerializer,
    )
    def get(self, request: Request) -> Response:
        terms = DropTerms.load()
        try:
            quarter = quarter_for_page(label=request.query_params.get("quarter"), today=terms.today)
        except Quarter.DoesNotExist:
            raise Http404("No quarter with that label.") from None
        if quarter is None:
            raise Http404("There is no quarter yet.")
        page = commitment_page(quarter=quarter, terms=terms)
        return Response(s.CommitmentPageSerializer(page).data)


class CommitmentDrop(Endpoint):
    """Drop a commitment (product leaders). After the planning lock date it costs the sunk
    points plus the penalty: send the `expected_cost` you read (`drop_cost`)."""

    actions = {"POST": Action.DROP}

    @extend_schema(request=s.DropInputSerializer, responses=s.DropSerializer)
    def post(self, request: Request, pk: int) -> Response:
        try:
            commitment: Commitment = commitment_for_page(pk=pk)
        except Commitment.DoesNotExist:
            raise Http404("No commitment with that number.") from None
        data = _valid(s.DropInputSerializer, request.data)
        entry = commitment_services.commitment_drop(
            actor=request.user, commitment=commitment, **data
        )
        return Response(s.DropSerializer(entry).data)


class LedgerList(ListEndpoint):
    """A quarter's budget ledger, newest first: commitments, drops and swaps with their cost."""

    actions = {"GET": Action.VIEW_BUDGET}
    serializer_class = s.LedgerEntrySerializer

    def get_queryset(self) -> QuerySet[Any]:
        return ledger_entries(quarter=_quarter(self.kwargs["label"]))


# --- weekly reviews ---------------------------------------------------------------------


class ReviewList(ListEndpoint):
    """Weekly reviews, newest week first."""

    actions = {"GET": Action.VIEW_REVIEWS}
    serializer_class = s.ReviewSerializer

    def get_queryset(self) -> QuerySet[WeeklyReview]:
        return review_archive()


class ReviewDetail(Endpoint):
    """A weekly review with its snapshot (the agenda's sections) as JSON."""

    actions = {"GET": Action.VIEW_REVIEWS}

    @extend_schema(responses=s.ReviewDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        review = get_object_or_404(review_archive(), pk=pk)
        return Response(s.ReviewDetailSerializer(review).data)


# --- customers and deals ----------------------------------------------------------------


class CustomerListCreate(ListEndpoint):
    """Customers by name with their open deals and pipeline; POST adds one (sales)."""

    actions = {"GET": Action.VIEW_CUSTOMERS, "POST": Action.EDIT_CUSTOMERS}
    serializer_class = s.CustomerSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return customers.customer_list()

    @extend_schema(request=s.CustomerInputSerializer, responses={201: s.CustomerSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(s.CustomerInputSerializer, request.data)
        customer = customers.customer_create(actor=request.user, **data)
        return _customer_response(customer.pk, status.HTTP_201_CREATED)


def _customer_response(pk: int, code: int) -> Response:
    """The customer as the list shows it (with its open deals and pipeline)."""
    return Response(s.CustomerSerializer(customers.customer_list().get(pk=pk)).data, status=code)


class CustomerDetail(Endpoint):
    actions = {"GET": Action.VIEW_CUSTOMERS}

    @extend_schema(responses=s.CustomerSerializer)
    def get(self, request: Request, pk: int) -> Response:
        customer: Customer = get_object_or_404(customers.customer_list(), pk=pk)
        return Response(s.CustomerSerializer(customer).data)


class DealListCreate(ListEndpoint):
    """Deals, soonest expected close first; `?stage=` a stage or `open`. POST adds one (sales;
    a rep only their own)."""

    actions = {"GET": Action.VIEW_CUSTOMERS, "POST": Action.EDIT_CUSTOMERS}
    serializer_class = s.DealSerializer

    def get_queryset(self) -> QuerySet[Deal]:
        stage = self.request.query_params.get("stage", "")
        if stage and stage != "open" and stage not in Deal.Stage.values:
            raise ValidationError({"stage": ["That is not a deal stage (or `open`)."]})
        return customers.deal_list(stage=stage)

    @extend_schema(parameters=[OpenApiParameter("stage", str, description="A stage, or open.")])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.DealInputSerializer, responses={201: s.DealSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(s.DealInputSerializer, request.data)
        deal = customers.deal_create(actor=request.user, **data)
        return Response(s.DealSerializer(deal).data, status=status.HTTP_201_CREATED)


class DealDetail(Endpoint):
    actions = {"GET": Action.VIEW_CUSTOMERS}

    @extend_schema(responses=s.DealSerializer)
    def get(self, request: Request, pk: int) -> Response:
        deal: Deal = get_object_or_404(customers.deal_list(), pk=pk)
        return Response(s.DealSerializer(deal).data)


# --- upserts by the CRM's id ------------------------------------------------------------------
# POST, not PUT: the site answers only GET, HEAD and POST (config.middleware). The same call
# again with the same body changes nothing, as a PUT would not.


class CustomerUpsert(Endpoint):
    """Create or update the customer the CRM knows by this id (sales leaders, as the CRM
    import): 201 when it was made, 200 when updated. A customer without a CRM id whose name
    matches takes the id."""

    actions = {"POST": Action.IMPORT_CUSTOMERS}

    @extend_schema(
        request=s.CustomerUpsertSerializer,
        responses={200: s.CustomerSerializer, 201: s.CustomerSerializer},
    )
    def post(self, request: Request, external_id: str) -> Response:
        data = _valid(s.CustomerUpsertSerializer, request.data)
        customer, created = customers.customer_upsert(
            actor=request.user, external_id=external_id, **data
        )
        return _customer_response(
            customer.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class DealUpsert(Endpoint):
    """Create or update the deal the CRM knows by this id (sales; a rep only their own):
    201 when it was made, 200 when updated. A deal of the same customer and name without a
    CRM id takes the id."""

    actions = {"POST": Action.EDIT_CUSTOMERS}

    @extend_schema(
        request=s.DealUpsertSerializer, responses={200: s.DealSerializer, 201: s.DealSerializer}
    )
    def post(self, request: Request, external_id: str) -> Response:
        data = _valid(s.DealUpsertSerializer, request.data)
        deal, created = customers.deal_upsert(actor=request.user, external_id=external_id, **data)
        return Response(
            s.DealSerializer(deal).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
