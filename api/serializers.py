# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any
"""The API's shapes: input validation for writes, output for reads. Rules stay in the domain's
services; these only parse and present."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import User
from budgets.models import Quarter
from commitments.models import Commitment, LedgerEntry
from feature_requests.models import (
    MAX_COMMENT_LENGTH,
    MAX_ESTIMATE_POINTS,
    MAX_PROBLEM_LENGTH,
    MAX_TITLE_LENGTH,
    Comment,
    Customer,
    Deal,
    FeatureRequest,
    RequestDeal,
)
from reviews.models import WeeklyReview

REASON_MAX = 2_000


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class QuarterSerializer(serializers.ModelSerializer):
    sales_budget = serializers.IntegerField(read_only=True)

    class Meta:
        model = Quarter
        fields = [
            "label",
            "start",
            "end",
            "capacity_points",
            "sales_share_percent",
            "sales_budget",
            "planning_lock_date",
        ]


class FiguresSerializer(serializers.Serializer):
    sales_budget = serializers.IntegerField()
    committed = serializers.IntegerField()
    change_costs = serializers.IntegerField()
    remaining = serializers.IntegerField()
    used_percent = serializers.IntegerField()
    elapsed_percent = serializers.IntegerField()


class QuarterDetailSerializer(QuarterSerializer):
    figures = FiguresSerializer(read_only=True)

    class Meta(QuarterSerializer.Meta):
        fields = [*QuarterSerializer.Meta.fields, "figures"]


class BoardRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    position = serializers.IntegerField()
    estimate = serializers.IntegerField(allow_null=True)
    cumulative = serializers.IntegerField()
    arr = serializers.IntegerField()
    customers = serializers.CharField()
    criticality = serializers.CharField()
    status_label = serializers.CharField()
    needs_estimate = serializers.BooleanField()
    proposed = serializers.BooleanField()
    carried_over = serializers.BooleanField()


class BoardCommitmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    request_id = serializers.IntegerField()
    title = serializers.CharField(source="request.title")
    points = serializers.IntegerField()
    points_done = serializers.IntegerField()


class BoardSerializer(serializers.Serializer):
    quarter = serializers.CharField(source="quarter.label")
    version = serializers.IntegerField()
    cut_index = serializers.IntegerField(
        help_text="The cut line falls before rows[cut_index] (0-based): rows above it fit the budget."
    )
    figures = FiguresSerializer()
    proposed_points = serializers.IntegerField()
    needs_estimate_count = serializers.IntegerField()
    commitments = BoardCommitmentSerializer(many=True)
    rows = BoardRowSerializer(many=True)


class MoveInputSerializer(serializers.Serializer):
    request = serializers.IntegerField(min_value=1, help_text="The request to move.")
    after = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Its new upper neighbour; null: the top.",
    )
    before = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Its new lower neighbour; null: the bottom.",
    )
    version = serializers.IntegerField(
        min_value=0, help_text="The `version` of the board the move was made on."
    )


class MoveSerializer(serializers.Serializer):
    request = serializers.IntegerField(source="request.pk")
    title = serializers.CharField(source="request.title")
    old_position = serializers.IntegerField()
    new_position = serializers.IntegerField()
    version = serializers.IntegerField()


class RequestSerializer(serializers.ModelSerializer):
    quarter = serializers.SlugRelatedField(slug_field="label", read_only=True)
    submitted_by = PersonSerializer(read_only=True)
    deal_count = serializers.IntegerField(read_only=True)
    arr = serializers.IntegerField(read_only=True, help_text="ARR at stake: open deals only.")

    class Meta:
        model = FeatureRequest
        fields = [
            "id",
            "title",
            "status",
            "quarter",
            "estimate_points",
            "submitted_by",
            "deal_count",
            "arr",
            "created_at",
        ]

    def to_representation(self, instance: FeatureRequest) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        data["arr"] = data["arr"] or 0
        return data


class DealLinkSerializer(serializers.ModelSerializer):
    deal = serializers.IntegerField(source="deal.pk")
    deal_name = serializers.CharField(source="deal.name")
    customer = serializers.CharField(source="deal.customer.name")
    amount = serializers.IntegerField(source="deal.amount")
    stage = serializers.CharField(source="deal.stage")

    class Meta:
        model = RequestDeal
        fields = ["deal", "deal_name", "customer", "amount", "stage", "criticality"]


class CommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "created_at"]


class StatusChangeSerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


class RequestDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="request.pk")
    title = serializers.CharField(source="request.title")
    problem = serializers.CharField(source="request.problem")
    status = serializers.CharField(source="request.status")
    quarter = serializers.CharField(source="request.quarter.label", allow_null=True, default=None)
    estimate_points = serializers.IntegerField(source="request.estimate_points", allow_null=True)
    submitted_by = PersonSerializer(source="request.submitted_by")
    owner = PersonSerializer(source="request.owner", allow_null=True)
    decline_reason = serializers.CharField(source="request.decline_reason")
    arr_at_stake = serializers.IntegerField()
    deals = DealLinkSerializer(source="deal_links", many=True)
    comments = CommentSerializer(many=True)
    status_changes = StatusChangeSerializer(many=True)
    created_at = serializers.DateTimeField(source="request.created_at")


class DealLinkInputSerializer(serializers.Serializer):
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.select_related("customer"))
    criticality = serializers.ChoiceField(
        choices=RequestDeal.Criticality.choices, default=RequestDeal.Criticality.IMPORTANT
    )


class RequestSubmitSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=MAX_TITLE_LENGTH)
    problem = serializers.CharField(max_length=MAX_PROBLEM_LENGTH)
    quarter = serializers.SlugRelatedField(
        slug_field="label", queryset=Quarter.objects.all(), required=False, allow_null=True
    )
    deals = DealLinkInputSerializer(many=True, required=False, default=list)


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_COMMENT_LENGTH)


class EstimateInputSerializer(serializers.Serializer):
    points = serializers.IntegerField(min_value=1, max_value=MAX_ESTIMATE_POINTS)


class ApproveInputSerializer(serializers.Serializer):
    expected_points = serializers.IntegerField(
        min_value=0,
        help_text="The estimate you read: if it changed since, the approval is refused.",
    )
    override = serializers.BooleanField(default=False, help_text="Go over budget on purpose.")
    override_reason = serializers.CharField(
        max_length=REASON_MAX, required=False, allow_blank=True, default=""
    )


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX)


class DeferInputSerializer(serializers.Serializer):
    to_quarter = serializers.SlugRelatedField(slug_field="label", queryset=Quarter.objects.all())


class DropInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX)
    expected_cost = serializers.IntegerField(
        min_value=0, help_text="The cost you read: if it changed since, the drop is refused."
    )


class CommitmentSerializer(serializers.ModelSerializer):
    quarter = serializers.CharField(source="quarter.label")
    request_id = serializers.IntegerField()
    title = serializers.CharField(source="request.title")
    status = serializers.CharField(source="request.status")

    class Meta:
        model = Commitment
        fields = [
            "id",
            "quarter",
            "request_id",
            "title",
            "status",
            "points",
            "points_done",
            "approved_at",
            "over_budget",
            "override_reason",
            "dropped_at",
        ]


class LiveCommitmentSerializer(CommitmentSerializer):
    drop_cost = serializers.IntegerField(
        source="cost.total", help_text="What dropping it costs today."
    )

    class Meta(CommitmentSerializer.Meta):
        fields = [*CommitmentSerializer.Meta.fields, "drop_cost"]


class DroppedCommitmentSerializer(CommitmentSerializer):
    drop_cost = serializers.IntegerField(source="drop_cost_points", allow_null=True)
    drop_reason = serializers.CharField(allow_null=True)

    class Meta(CommitmentSerializer.Meta):
        fields = [*CommitmentSerializer.Meta.fields, "drop_cost", "drop_reason"]


class CommitmentPageSerializer(serializers.Serializer):
    quarter = serializers.CharField(source="quarter.label")
    figures = FiguresSerializer()
    locked = serializers.BooleanField(help_text="After the planning lock date drops cost points.")
    live = LiveCommitmentSerializer(many=True)
    dropped = DroppedCommitmentSerializer(many=True)


class LedgerEntrySerializer(serializers.ModelSerializer):
    request_id = serializers.IntegerField()
    title = serializers.CharField(source="request.title")
    actor = PersonSerializer()

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "request_id",
            "title",
            "commitment_id",
            "swap_id",
            "points",
            "sunk_points",
            "penalty_points",
            "cost",
            "over_budget",
            "reason",
            "actor",
            "at",
        ]


class DropSerializer(serializers.Serializer):
    ledger_entry_id = serializers.IntegerField(source="pk")
    points = serializers.IntegerField()
    sunk_points = serializers.IntegerField()
    penalty_points = serializers.IntegerField()
    cost = serializers.IntegerField()


class ReviewSerializer(serializers.ModelSerializer):
    quarter = serializers.CharField(source="quarter.label")

    class Meta:
        model = WeeklyReview
        fields = ["id", "quarter", "week_start", "status", "generated_at", "held_at"]


class ReviewDetailSerializer(ReviewSerializer):
    snapshot = serializers.JSONField(source="data", help_text="The agenda's eight sections.")

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "format_version", "snapshot"]


class CustomerSerializer(serializers.ModelSerializer):
    open_deals = serializers.IntegerField(read_only=True)
    open_pipeline = serializers.IntegerField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "external_id",
            "name",
            "segment",
            "arr",
            "crm_url",
            "open_deals",
            "open_pipeline",
        ]


class CustomerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    segment = serializers.ChoiceField(choices=Customer.Segment.choices)
    arr = serializers.IntegerField(min_value=0)
    crm_url = serializers.URLField(required=False, allow_blank=True, default="")


class DealSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner = PersonSerializer(read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id",
            "external_id",
            "customer",
            "customer_name",
            "name",
            "amount",
            "stage",
            "expected_close",
            "owner",
            "crm_url",
        ]


class DealInputSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    name = serializers.CharField(max_length=200)
    amount = serializers.IntegerField(min_value=0)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), help_text="The rep who owns the deal (an active sales rep)."
    )
    stage = serializers.ChoiceField(choices=Deal.Stage.choices, default=Deal.Stage.DISCOVERY)
    expected_close = serializers.DateField(required=False, allow_null=True, default=None)
    crm_url = serializers.URLField(required=False, allow_blank=True, default="")


class CustomerUpsertSerializer(serializers.Serializer):
    """Fields left out keep their values (a new customer gets the defaults)."""

    name = serializers.CharField(max_length=200)
    segment = serializers.ChoiceField(choices=Customer.Segment.choices, required=False)
    arr = serializers.IntegerField(min_value=0, required=False)
    crm_url = serializers.URLField(required=False, allow_blank=True)


class DealUpsertSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, help_text="The customer's id."
    )
    customer_external_id = serializers.SlugRelatedField(
        slug_field="external_id",
        queryset=Customer.objects.all(),
        required=False,
        help_text="Or the customer's CRM id.",
    )
    name = serializers.CharField(max_length=200)
    amount = serializers.IntegerField(min_value=0)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), help_text="The rep who owns the deal (an active sales rep)."
    )
    stage = serializers.ChoiceField(choices=Deal.Stage.choices, required=False)
    expected_close = serializers.DateField(required=False)
    crm_url = serializers.URLField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        by_crm_id = attrs.pop("customer_external_id", None)
        if "customer" in attrs and by_crm_id is not None and attrs["customer"] != by_crm_id:
            raise serializers.ValidationError(
                {"customer": ["The customer's id and CRM id name different customers."]}
            )
        attrs.setdefault("customer", by_crm_id)
        if attrs["customer"] is None:
            raise serializers.ValidationError(
                {"customer": ["Say which customer: its id or its CRM id."]}
            )
        return attrs
