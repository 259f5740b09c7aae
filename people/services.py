"""Writes to people: invite, change, deactivate, reactivate. Each checks permission, validates
under row locks and records what changed in the audit trail (`budgets.models.AuditEntry`, with
the person it was about).

Every write here first locks the rows of the active admins, in id order, then the person's row,
then the manager's: one order for all of them, so two admins acting at once wait for each other
instead of deadlocking, and the last-admin guard counts admins nobody else is removing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Role, User
from accounts.permissions import Action, require
from accounts.sessions import sign_out_everywhere
from budgets.models import AuditEntry, CompanySettings
from config.celery import QueueUnavailable, enqueue

INVITATION_TASK = "people.tasks.send_invitation_email"
AUDITED_FIELDS = ("full_name", "role", "manager")


def _as_json(value: Any) -> Any:
    return str(value) if isinstance(value, User) else value


def _email_taken(email: str) -> ValidationError:
    return ValidationError(
        {
            "email": f"Someone with the address {email} is already in Forcerank. Find them on the "
            "People page; a deactivated person can be reactivated there."
        },
        code="email_taken",
    )


def _lock_admins(actor: User) -> list[User]:
    """Lock the active admins' rows (in id order) and return them; refuse an actor who is no
    longer one of them (deactivated or made something else a moment ago)."""
    admins = list(
        User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True).order_by("pk")
    )
    if actor.pk not in {admin.pk for admin in admins}:
        raise PermissionDenied("You are no longer an active admin, so you cannot manage people.")
    return admins


def _lock_person(person: User) -> User:
    return User.objects.select_for_update().get(pk=person.pk)


def _lock_manager(manager: User) -> User:
    """The new manager's row, locked so that they stay an active sales leader until this
    commits (their role cannot change to something else meanwhile)."""
    locked = User.objects.select_for_update().get(pk=manager.pk)
    if not locked.is_active:
        raise ValidationError(
            {"manager": f"{locked} is deactivated; choose an active sales leader."}
        )
    return locked


def deactivation_refusal(*, actor: User, person: User, active_admins: int | None = None) -> str:
    """Why `actor` may not deactivate `person`, or "" when they may.

    The service asks it under the admins' row locks with their count; the person's page asks it
    without (`active_admins` counted now) to show the reason before anyone presses a button.
    """
    if not person.is_active:
        return f"{person} is already deactivated."
    if person.role == Role.ADMIN:
        if active_admins is None:
            active_admins = User.objects.filter(role=Role.ADMIN, is_active=True).count()
        if active_admins <= 1:
            return (
                f"{person} is the last active admin. Make someone else an admin first, so that "
                "somebody can still manage people and settings."
            )
    if person.pk == actor.pk:
        return "You cannot deactivate yourself. Ask another admin to do it."
    return ""


def _role_change_refusal(*, actor: User, person: User, role: str, active_admins: int) -> str:
    """Why `actor` cannot move `person` (locked) from their role to `role` now, or ""."""
    if role != person.role and person.pk == actor.pk and not _last_admin(person, active_admins):
        return "You cannot change your own role. Ask another admin to do it."
    return role_change_refusal(person=person, role=role, active_admins=active_admins)


def _last_admin(person: User, active_admins: int) -> bool:
    return person.role == Role.ADMIN and person.is_active and active_admins <= 1


def role_change_refusal(*, person: User, role: str, active_admins: int) -> str:
    """Why `person` cannot leave their role for `role` now, or "": Forcerank's own invariants,
    whoever asks (an admin on the People page, or the identity provider at sign-in) — one
    active admin remains, a rep's manager stays a sales leader, the heads of sales and
    product of the company settings keep their roles. `active_admins` counts the active
    admins, `person` included."""
    if role == person.role:
        return ""
    if _last_admin(person, active_admins):
        return f"{person} is the last active admin. Make someone else an admin first."
    if person.role == Role.SALES_LEADER:
        reps = User.objects.filter(manager=person).count()
        if reps:
            return (
                f"{person} manages {reps} rep{'s' if reps != 1 else ''}. Give "
                f"{'them' if reps != 1 else 'that rep'} another manager first."
            )
    company = CompanySettings.objects.filter(pk=1).first()
    if company is not None:
        if company.head_of_sales_id == person.pk:
            return f"{person} is the head of sales in the company settings. Name someone else there first."
        if company.head_of_product_id == person.pk:
            return f"{person} is the head of product in the company settings. Name someone else there first."
    return ""


def person_invite(
    *,
    actor: User,
    email: str,
    full_name: str,
    role: str,
    manager: User | None = None,
    domain: str,
    use_https: bool,
) -> tuple[User, bool]:
    """Add a person who signs in once they have set a password through the link e-mailed to
    them (or with the company's SSO); returns (person, whether the e-mail was queued).

    The person is saved first, in its own transaction; the e-mail is queued after the commit.
    A broker that cannot be reached never undoes the invitation: the page says so, and
    `person_invitation_send` sends it again.
    """
    require(actor, Action.MANAGE_PEOPLE)
    person = _person_create(
        actor=actor, email=email, full_name=full_name, role=role, manager=manager
    )
    return person, _queue_invitation(person, invited_by=actor, domain=domain, use_https=use_https)


@transaction.atomic
def _person_create(
    *, actor: User, email: str, full_name: str, role: str, manager: User | None
) -> User:
    _lock_admins(actor)
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise _email_taken(email)
    if role != Role.SALES_REP:
        manager = None  # only reps have a manager
    elif manager is not None:
        manager = _lock_manager(manager)
    person = User(email=email, full_name=full_name.strip(), role=role, manager=manager)
    # No password anybody knows: the invitee chooses one from the e-mailed link.
    person.set_unusable_password()
    person.full_clean()
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as error:  # the same address, added a moment ago by another admin
        raise _email_taken(email) from error
    AuditEntry.objects.create(
        actor=actor,
        action=AuditEntry.Action.PERSON_INVITED,
        person=person,
        changes={
            "email": [None, email],
            "full_name": [None, person.full_name],
            "role": [None, role],
            "manager": [None, _as_json(manager)],
        },
    )
    return person


def _queue_invitation(person: User, *, invited_by: User, domain: str, use_https: bool) -> bool:
    try:
        enqueue(INVITATION_TASK, person.pk, invited_by.pk, domain, use_https)
    except QueueUnavailable:
        return False
    return True


def invitation_pending(person: User) -> bool:
    """Has `person` still to set up their sign-in (no password yet, never signed in)?"""
    return person.is_active and not person.has_usable_password() and person.last_login is None


def person_invitation_send(*, actor: User, person: User, domain: str, use_https: bool) -> bool:
    """E-mail the invitation again (the link expired, or the queue was down the first time);
    False when it could not be queued. Refused once the person has set up their sign-in."""
    require(actor, Action.MANAGE_PEOPLE)
    person = User.objects.get(pk=person.pk)
    if not invitation_pending(person):
        raise ValidationError(
            f"{person} has already set up their sign-in, or is deactivated: there is no "
            "invitation to send."
        )
    return _queue_invitation(person, invited_by=actor, domain=domain, use_https=use_https)


def invitation_email_send(
    *, user_id: int, invited_by_id: int, domain: str, use_https: bool
) -> bool:
    """E-mail the invitation with a link to choose a password; False when there is nobody to
    send it to any more (deactivated, or already signed in).

    The link is Django's password-reset link: it works once, until the person sets a password
    or signs in, and for PASSWORD_RESET_TIMEOUT. The token is made here, at sending time.
    """
    user = User.objects.filter(pk=user_id).first()
    if user is None or not invitation_pending(user):
        return False
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": "Forcerank",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "invited_by": User.objects.filter(pk=invited_by_id).first(),
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    PasswordResetForm().send_mail(
        "people/invitation_subject.txt", "people/invitation_email.txt", context, None, user.email
    )
    return True


@transaction.atomic
def person_update(
    *, actor: User, person: User, full_name: str, role: str, manager: User | None = None
) -> User:
    """Change a person's name, role or manager, and audit what changed."""
    require(actor, Action.MANAGE_PEOPLE)
    admins = _lock_admins(actor)
    locked = _lock_person(person)
    before = {name: getattr(locked, name) for name in AUDITED_FIELDS}
    refusal = _role_change_refusal(actor=actor, person=locked, role=role, active_admins=len(admins))
    if refusal:
        raise ValidationError({"role": refusal})
    if role != Role.SALES_REP:
        manager = None  # only reps have a manager
    elif manager is not None and manager.pk != locked.manager_id:
        manager = _lock_manager(manager)
    locked.full_name, locked.role, locked.manager = full_name.strip(), role, manager
    locked.full_clean()
    changes = {
        name: [_as_json(before[name]), _as_json(getattr(locked, name))]
        for name in AUDITED_FIELDS
        if before[name] != getattr(locked, name)
    }
    if changes:
        locked.save(update_fields=["full_name", "role", "manager"])
        AuditEntry.objects.create(
            actor=actor, action=AuditEntry.Action.PERSON_UPDATED, person=locked, changes=changes
        )
    return locked


@transaction.atomic
def person_deactivate(*, actor: User, person: User, reason: str = "") -> User:
    """Stop `person` from signing in, and end their sessions now. Everything they did stays
    theirs (requests, decisions, history); what they still hold is listed on their page
    (`people.open_items`) for someone to take over.

    Refused for oneself and for the last active admin; two admins deactivating each other at
    the same moment leave one of them active (the second waits for the first's locks, then
    finds it would remove the last admin, or that it was removed itself).
    """
    require(actor, Action.MANAGE_PEOPLE)
    admins = _lock_admins(actor)
    locked = _lock_person(person)
    refusal = deactivation_refusal(actor=actor, person=locked, active_admins=len(admins))
    if refusal:
        raise ValidationError(refusal)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    # An inactive user's session is refused anyway; raising the generation makes sure no
    # session of theirs outlives a reactivation either.
    sign_out_everywhere(locked)
    AuditEntry.objects.create(
        actor=actor,
        action=AuditEntry.Action.PERSON_DEACTIVATED,
        person=locked,
        changes={"is_active": [True, False]},
        reason=reason.strip(),
    )
    return locked


@transaction.atomic
def person_reactivate(*, actor: User, person: User) -> User:
    """Let a deactivated person sign in again, as they did before (password or SSO)."""
    require(actor, Action.MANAGE_PEOPLE)
    _lock_admins(actor)
    locked = _lock_person(person)
    if locked.is_active:
        raise ValidationError(f"{locked} is already active.")
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    AuditEntry.objects.create(
        actor=actor,
        action=AuditEntry.Action.PERSON_REACTIVATED,
        person=locked,
        changes={"is_active": [False, True]},
    )
    return locked
