"""Company sign-in rules admins set: which groups of the identity provider become which role,
and which e-mail domains sign in with single sign-on only.

The identity providers themselves come from the environment (config/sso.py); these rows name
them by their id.
"""

from __future__ import annotations

from collections.abc import Collection

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from accounts.models import Role

DOMAIN = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    "Enter a domain such as example.com, without @ or spaces.",
)


def configured_provider_ids() -> dict[str, str]:
    """The company sign-in providers configured now: {id: name}, in the order configured."""
    found: dict[str, str] = {}
    for kind in ("openid_connect", "saml"):
        for app in settings.SOCIALACCOUNT_PROVIDERS.get(kind, {}).get("APPS", []):
            found[app["provider_id"]] = app["name"]
    return found


def _check_provider(provider_id: str, *, field: str, blank_ok: bool) -> None:
    if blank_ok and not provider_id:
        return
    known = configured_provider_ids()
    if provider_id not in known:
        names = ", ".join(known) or "none is configured (SSO_OIDC_PROVIDERS, SSO_SAML_PROVIDERS)"
        raise ValidationError({field: f"No sign-in provider has the id “{provider_id}”: {names}."})


class GroupRole(models.Model):
    """A group of the identity provider and the role its members get in Forcerank.

    Someone signing in with single sign-on gets the role of their first matching row (lowest
    priority number). Nobody whose groups match no row gets in, new or not.
    """

    provider_id = models.CharField(
        "provider",
        max_length=30,
        blank=True,
        help_text="The sign-in provider's id (SSO_OIDC_PROVIDERS, SSO_SAML_PROVIDERS); "
        "empty for any provider.",
    )
    group = models.CharField(
        max_length=255,
        help_text="The group's name (or id) as the identity provider sends it, in any case.",
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"role": Role.SALES_LEADER, "is_active": True},
        help_text="For sales reps: the sales leader whose triage queue receives the requests "
        "of the reps this row creates.",
    )
    update_on_sign_in = models.BooleanField(
        "update at each sign-in",
        default=True,
        help_text="At each sign-in, set the person's name and role from the identity provider. "
        "Off: only the first sign-in does, and later changes on the People page stay.",
    )
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="When someone's groups match several rows, the lowest number wins."
    )

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = "group → role mapping"
        constraints = [
            models.UniqueConstraint(
                "provider_id", Lower("group"), name="one_role_per_provider_group"
            ),
            models.CheckConstraint(
                name="group_role_manager_only_for_reps",
                condition=models.Q(role=Role.SALES_REP) | models.Q(manager__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        where = f" ({self.provider_id})" if self.provider_id else ""
        return f"{self.group}{where} → {self.get_role_display()}"

    def clean(self) -> None:
        super().clean()
        self.group = self.group.strip()
        _check_provider(self.provider_id, field="provider_id", blank_ok=True)
        if self.role == Role.SALES_REP:
            manager = self.manager if self.manager_id is not None else None
            if manager is None:
                raise ValidationError(
                    {"manager": "Sales reps need a manager: name the sales leader for this group."}
                )
            if manager.role != Role.SALES_LEADER or not manager.is_active:
                raise ValidationError({"manager": "The manager must be an active sales leader."})
        elif self.manager_id is not None:
            raise ValidationError({"manager": "Only sales reps have a manager; leave it empty."})


class SsoOnlyDomain(models.Model):
    """An e-mail domain whose people sign in with single sign-on only: password sign-in is
    refused for every address in it, with a message that says where to sign in instead."""

    domain = models.CharField(
        max_length=253,
        unique=True,
        validators=[DOMAIN],
        help_text="Addresses ending in @ this domain, e.g. example.com (not its subdomains).",
    )
    provider_id = models.CharField(
        "provider",
        max_length=30,
        help_text="The sign-in provider these people use; sign-ins through another are refused.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = "SSO-only e-mail domain"

    def __str__(self) -> str:
        return f"{self.domain} (SSO only, {self.provider_id})"

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # People paste "@Example.com "; the row keeps the plain lower-case domain.
        self.domain = (self.domain or "").strip().lower().lstrip("@")
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        super().clean()
        _check_provider(self.provider_id, field="provider_id", blank_ok=False)

    @property
    def provider_name(self) -> str:
        return configured_provider_ids().get(self.provider_id, self.provider_id)
