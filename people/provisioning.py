"""Who gets in through single sign-on, and as whom: accounts made just in time on a first
sign-in, existing people linked by their verified address, names and roles kept up to date
from the identity provider's groups.

`sso_sign_in` holds every rule; the allauth adapter (people/sso_adapter.py) only turns the
identity provider's answer into an `Identity` and the refusal into a page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from budgets.models import AuditEntry
from events.kinds import Kind
from events.services import publish
from people.models import GroupRole
from people.services import role_change_refusal
from people.sso import group_role_for, sso_only_domain_for

logger = logging.getLogger(__name__)

ASK_YOUR_ADMIN = "Ask your Forcerank admin"


@dataclass(frozen=True)
class Identity:
    """What the identity provider said about the person signing in."""

    provider_id: str
    provider_name: str
    email: str = ""
    email_verified: bool = False
    full_name: str = ""
    groups: tuple[str, ...] = ()


@dataclass
class SignIn:
    user: User
    created: bool = False
    newly_linked: bool = False  # an existing person's first sign-in with this provider
    changes: dict[str, list[Any]] = field(default_factory=dict)


class SignInRefused(Exception):
    """Nobody signs in; `message` tells the person why and what to do."""

    def __init__(self, message: str, *, title: str = "You cannot sign in yet", status: int = 403):
        super().__init__(message)
        self.message = message
        self.title = title
        self.status = status


def _label(role: str) -> str:
    return str(Role(role).label)


def _sync(person: User, identity: Identity, mapping: GroupRole) -> dict[str, list[Any]]:
    """Set `person`'s name and role from the identity provider (the row says to); returns
    what changed as {field: [old, new]}."""
    changes: dict[str, list[Any]] = {}
    full_name = identity.full_name[:150]
    if full_name and full_name != person.full_name:
        changes["full_name"] = [person.full_name, full_name]
        person.full_name = full_name
    if mapping.role != person.role:
        active_admins = User.objects.filter(role=Role.ADMIN, is_active=True).count()
        refusal = role_change_refusal(person=person, role=mapping.role, active_admins=active_admins)
        manager = mapping.manager if mapping.role == Role.SALES_REP else None
        if not refusal and manager is not None and manager.pk == person.pk:
            refusal = f"{person} would manage themselves."
        if refusal:
            logger.warning(
                "SSO: %s stays %s, not %s from group %r. %s",
                person.email,
                person.role,
                mapping.role,
                mapping.group,
                refusal,
            )
        else:
            changes["role"] = [_label(person.role), _label(mapping.role)]
            if person.manager_id != (manager.pk if manager else None):
                changes["manager"] = [
                    str(person.manager) if person.manager else None,
                    str(manager) if manager else None,
                ]
            person.role = mapping.role
            person.manager = manager
    if changes:
        person.save(update_fields=["full_name", "role", "manager"])
    return changes


def _refuse_other_provider(identity: Identity) -> None:
    rule = sso_only_domain_for(identity.email) if identity.email else None
    if rule is not None and rule.provider_id != identity.provider_id:
        raise SignInRefused(
            f"People at {rule.domain} sign in with {rule.provider_name}, not "
            f"{identity.provider_name}. Go back to the sign-in page and choose "
            f"“Sign in with {rule.provider_name}”.",
            title="Sign in with your company's provider",
        )


def _mapping_for(identity: Identity, *, has_account: bool) -> GroupRole:
    mapping = group_role_for(provider_id=identity.provider_id, groups=identity.groups)
    if mapping is None:
        outcome = "Forcerank cannot sign you in with it" if has_account else "no account was made"
        raise SignInRefused(
            f"{identity.provider_name} confirmed who you are, but none of your groups there "
            f"gives access to Forcerank, so {outcome}. {ASK_YOUR_ADMIN} to add you to a "
            "group that does (or to map one of your groups to a role).",
            title="Ask your admin for access",
        )
    if mapping.role == Role.SALES_REP and (
        mapping.manager is None
        or mapping.manager.role != Role.SALES_LEADER
        or not mapping.manager.is_active
    ):
        raise SignInRefused(
            f"Your group “{mapping.group}” makes you a sales rep, but the sales leader it names "
            f"as your manager is missing or no longer an active sales leader. {ASK_YOUR_ADMIN} "
            "to fix the group's mapping.",
            title="Ask your admin for access",
        )
    return mapping


def _audit_and_publish(sign_in: SignIn, identity: Identity, mapping: GroupRole) -> None:
    person = sign_in.user
    reason = f"Signed in with {identity.provider_name}; group “{mapping.group}”."
    if sign_in.created:
        action = AuditEntry.Action.PERSON_PROVISIONED
        kind = Kind.PERSON_PROVISIONED
        actor: User | None = person
    elif sign_in.changes:
        action = AuditEntry.Action.PERSON_UPDATED
        kind = Kind.PERSON_SSO_UPDATED
        actor = None  # the identity provider changed it, not a person
    else:
        return
    AuditEntry.objects.create(
        actor=actor, action=action, person=person, changes=sign_in.changes, reason=reason
    )
    publish(
        kind,
        actor=actor,
        payload={
            "person_id": person.pk,
            "email": person.email,
            "full_name": person.full_name,
            "role": person.role,
            "provider": identity.provider_id,
            "group": mapping.group,
            "changes": sign_in.changes,
        },
    )


@transaction.atomic
def sso_sign_in(*, identity: Identity, linked_user: User | None) -> SignIn:
    """Decide who signs in with `identity`, creating or updating the person; raise
    SignInRefused (nothing written) when nobody may.

    `linked_user` is the person this identity signed in as before (allauth's social account),
    or None. Without one, the address must be verified by the identity provider: it then
    finds the existing person with that address (linked, not duplicated) or a new account is
    made with the role of the first matching group mapping. Deactivated people stay out. The
    person's row is locked while their name and role are brought up to date.
    """
    _refuse_other_provider(identity)
    person = linked_user
    if person is None:
        if not identity.email:
            raise SignInRefused(
                f"{identity.provider_name} did not tell Forcerank your e-mail address, so it "
                f"cannot tell who you are. {ASK_YOUR_ADMIN} to have the provider send it."
            )
        if not identity.email_verified:
            raise SignInRefused(
                f"{identity.provider_name} did not confirm that {identity.email} is yours, so "
                f"Forcerank cannot sign you in with it. {ASK_YOUR_ADMIN} (the provider must "
                "send the address as verified)."
            )
        person = User.objects.select_for_update().filter(email__iexact=identity.email).first()
    else:
        person = User.objects.select_for_update().get(pk=person.pk)
    if person is not None and not person.is_active:
        raise SignInRefused(
            "Your Forcerank account is deactivated. Ask an admin to reactivate it.",
            title="Your account is deactivated",
        )
    mapping = _mapping_for(identity, has_account=person is not None)

    if person is None:
        sign_in = SignIn(user=_person_create(identity, mapping), created=True)
        sign_in.changes = {
            "email": [None, sign_in.user.email],
            "full_name": [None, sign_in.user.full_name],
            "role": [None, _label(mapping.role)],
        }
        if mapping.manager is not None:
            sign_in.changes["manager"] = [None, str(mapping.manager)]
    else:
        sign_in = SignIn(user=person, newly_linked=linked_user is None)
        if mapping.update_on_sign_in:
            sign_in.changes = _sync(person, identity, mapping)
        if sign_in.newly_linked:
            sign_in.changes["sign_in"] = [None, f"{identity.provider_name} (single sign-on)"]
    _audit_and_publish(sign_in, identity, mapping)
    return sign_in


def _person_create(identity: Identity, mapping: GroupRole) -> User:
    email = User.objects.normalize_email(identity.email).lower()
    person = User(
        email=email,
        full_name=(identity.full_name or email.partition("@")[0])[:150],
        role=mapping.role,
        manager=mapping.manager if mapping.role == Role.SALES_REP else None,
    )
    # Single sign-on only: no password anybody knows (a reset link can still set one,
    # unless the address's domain is SSO-only).
    person.set_unusable_password()
    try:
        person.full_clean(validate_unique=False)
    except ValidationError as error:
        raise SignInRefused(
            f"Forcerank could not make an account from what the identity provider sent "
            f"({'; '.join(error.messages)}). {ASK_YOUR_ADMIN}."
        ) from error
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as error:  # the same person's first sign-in, in another tab
        raise SignInRefused(
            "You were signing in twice at once. Go back to the sign-in page and try again.",
            title="Please try again",
            status=409,
        ) from error
    logger.info(
        "SSO: created %s as %s (provider %s, group %r)",
        email,
        mapping.role,
        identity.provider_id,
        mapping.group,
    )
    return person
