"""The CRM connection's settings, where each sync stream has got to, each sync run, and each
write-back to a deal.

Credentials are not here: they come from the environment only (`crm.connection`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from events.models import Event
from feature_requests.models import Deal


class Vendor(models.TextChoices):
    HUBSPOT = "hubspot", "HubSpot"
    SALESFORCE = "salesforce", "Salesforce"


class CrmSettings(models.Model):
    """What the admin maps, per CRM (one row each, made with the CRM's defaults)."""

    vendor = models.CharField(max_length=20, choices=Vendor.choices, unique=True)
    arr_field = models.CharField(
        "ARR field",
        max_length=100,
        blank=True,
        help_text="The company/account field holding its ARR. Empty: Forcerank's ARR is kept.",
    )
    segment_field = models.CharField(
        max_length=100,
        blank=True,
        help_text="The company/account field holding its segment (values containing "
        "“enterprise”, “mid” or “smb”/“small”). Empty: segments are kept.",
    )
    summary_field = models.CharField(
        "“Forcerank status” field",
        max_length=100,
        blank=True,
        help_text="A text field on the deal/opportunity that always says where its request "
        "stands. Empty: only notes are written.",
    )
    stage_map = models.JSONField(
        default=dict,
        blank=True,
        help_text="CRM stage → Forcerank stage (discovery, …, closed_lost).",
    )
    stages_seen = models.JSONField(
        default=list,
        blank=True,
        help_text="CRM stages the sync met that the mapping does not name.",
    )
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Owns synced deals whose CRM owner is not an active rep in Forcerank.",
    )
    write_back = models.BooleanField(
        default=True, help_text="Write each ranking and decision to the linked deals."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_vendor_display()} settings"


class Stream(models.TextChoices):
    COMPANIES = "companies", "Companies"
    DEALS = "deals", "Deals"


class SyncCursor(models.Model):
    """Where a stream resumes: saved in the transaction of the page it follows."""

    vendor = models.CharField(max_length=20, choices=Vendor.choices)
    stream = models.CharField(max_length=20, choices=Stream.choices)
    value = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "stream"], name="one_cursor_per_stream")
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.stream}"


class SyncRun(models.Model):
    """One sync: its counts, errors and outcome. At most one runs per CRM at a time (a
    unique constraint, so two "Sync now" presses on two machines still start one)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Sync now"
        SCHEDULED = "scheduled", "Schedule"

    vendor = models.CharField(max_length=20, choices=Vendor.choices)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.CharField(max_length=200, blank=True)
    pages = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    # [{"record": "Deal 123 “Renewal”", "reason": "…"}], the first MAX_PROBLEMS of them
    problems = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)  # why it failed, or a word on how it went
    claim = models.CharField(max_length=32, blank=True)  # the worker running it (crm.sync)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor"], condition=Q(status="running"), name="one_running_sync"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor} sync {self.pk} ({self.status})"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class WriteBack(models.Model):
    """One event written to one CRM deal: a note (or Task) and the summary field. Unique per
    (event, deal), sent under its row lock, and the note carries a marker the CRM is asked
    for before a retry creates one: so a deal gets each event once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENT = "sent", "Written"
        FAILED = "failed", "Gave up"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="crm_write_backs")
    vendor = models.CharField(max_length=20, choices=Vendor.choices)
    deal_external_id = models.CharField(max_length=100)
    subject = models.CharField(max_length=200, blank=True)  # "" = no note, the field only
    body = models.TextField(blank=True)
    summary = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    remote_id = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "deal"], name="one_write_back_per_deal")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"write-back of event {self.event_id} to deal {self.deal_id}"

    @property
    def marker(self) -> str:
        """One token written into the note, found again by a retry (letters and digits only:
        HubSpot's search splits words at punctuation)."""
        return f"forcerankE{self.event_id}D{self.deal_id}"
