from django.contrib import admin

from commitments.models import Commitment, LedgerEntry, ProgressUpdate, SwapProposal
from config.admin import ReadOnlyAdmin


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = [
        "request",
        "quarter",
        "points",
        "points_done",
        "approved_by",
        "approved_at",
        "dropped_at",
    ]
    list_filter = ["quarter"]
    list_select_related = ["request", "quarter", "approved_by"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ["at", "commitment", "status", "points_done", "actor"]
    list_select_related = ["commitment__request", "commitment__quarter", "actor"]


@admin.register(SwapProposal)
class SwapProposalAdmin(ReadOnlyAdmin):
    list_display = [
        "proposed_at",
        "quarter",
        "drop",
        "commit",
        "status",
        "proposed_by",
        "decided_by",
    ]
    list_filter = ["status", "quarter"]
    list_select_related = [
        "quarter",
        "drop__request",
        "drop__quarter",
        "commit",
        "proposed_by",
        "decided_by",
    ]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "quarter", "kind", "request", "points", "cost", "over_budget", "actor"]
    list_filter = ["kind", "quarter"]
    list_select_related = ["quarter", "request", "actor"]
