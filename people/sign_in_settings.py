"""Writes to the sign-in rules admins set (group → role mappings, SSO-only domains), each
checked, saved and recorded in the audit trail."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from accounts.permissions import Action, require
from budgets.models import AuditEntry
from people.models import GroupRole, SsoOnlyDomain

SignInRule = GroupRole | SsoOnlyDomain


def _subject(rule: SignInRule) -> str:
    return "group mapping" if isinstance(rule, GroupRole) else "SSO-only domain"


def _audit(actor: User, rule: SignInRule, before: str | None, after: str | None) -> None:
    if before != after:
        AuditEntry.objects.create(
            actor=actor,
            action=AuditEntry.Action.SIGN_IN_SETTINGS_UPDATED,
            changes={_subject(rule): [before, after]},
        )


@transaction.atomic
def sign_in_rule_save(*, actor: User, rule: SignInRule) -> SignInRule:
    """Add or change a group mapping or an SSO-only domain (validated first)."""
    require(actor, Action.EDIT_SETTINGS)
    before = None
    if rule.pk is not None:
        stored = type(rule).objects.select_for_update().filter(pk=rule.pk).first()
        before = str(stored) if stored is not None else None
    rule.full_clean()
    rule.save()
    _audit(actor, rule, before, str(rule))
    return rule


@transaction.atomic
def sign_in_rule_delete(*, actor: User, rule: SignInRule) -> None:
    require(actor, Action.EDIT_SETTINGS)
    before = str(rule)
    rule.delete()
    _audit(actor, rule, before, None)
