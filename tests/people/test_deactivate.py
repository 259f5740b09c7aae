"""Deactivating and reactivating people: sign-in stops at once, history stays theirs, the
last admin stays, and two admins at once cannot remove each other."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from budgets.models import AuditEntry
from feature_requests.models import Customer, Deal, FeatureRequest
from people import services

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast[Role.ADMIN])
    return client


def deactivate_url(person: User) -> str:
    return reverse("people:person_deactivate", args=[person.pk])


def signed_in(user: User) -> Client:
    other = Client()
    other.force_login(user)
    assert other.get(reverse("dashboard")).status_code == 200
    return other


def is_anonymous(client: Client) -> bool:
    response = client.get(reverse("dashboard"))
    return response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_confirmation_step_says_what_happens_and_lists_what_they_hold(admin_client, cast):
    rep = cast[Role.SALES_REP]
    deal = Deal.objects.create(
        customer=Customer.objects.create(name="Acme"), name="Renewal", amount=5, owner=rep
    )
    response = admin_client.get(deactivate_url(rep))
    assert response.status_code == 200
    assert "Deactivate Ray Rep?" in response.text
    assert "can no longer sign in" in response.text
    assert reverse("requests:deal_edit", args=[deal.pk]) in response.text
    assert 'name="reason"' in response.text
    rep.refresh_from_db()
    assert rep.is_active  # looking changes nothing


def test_it_deactivates_ends_their_session_and_keeps_their_history(admin_client, cast, quarter):
    rep = cast[Role.SALES_REP]
    session = signed_in(rep)
    request = FeatureRequest.objects.create(title="SSO", problem="p", submitted_by=rep)
    response = admin_client.post(deactivate_url(rep), {"reason": "Left on May 31"})
    assert response.status_code == 302
    assert response.url == reverse("people:person_detail", args=[rep.pk])
    rep.refresh_from_db()
    assert not rep.is_active

    # Their open session: the next request is anonymous.
    assert is_anonymous(session)
    # They cannot sign in again, whatever the password.
    fresh = Client()
    response = fresh.post(reverse("login"), {"username": rep.email, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in fresh.session

    # What they did stays theirs.
    request.refresh_from_db()
    assert request.submitted_by == rep
    assert "Ray Rep" in admin_client.get(reverse("requests:request_detail", args=[request.pk])).text

    entry = AuditEntry.objects.get(person=rep)
    assert entry.action == AuditEntry.Action.PERSON_DEACTIVATED
    assert entry.actor == cast[Role.ADMIN]
    assert entry.changes == {"is_active": [True, False]}
    assert entry.reason == "Left on May 31"
    page = admin_client.get(reverse("people:person_detail", args=[rep.pk])).text
    assert "Deactivated" in page
    assert "deactivated: status active → deactivated. Reason: “Left on May 31”" in page
    people = admin_client.get(reverse("people:person_list"), {"status": "inactive"})
    assert [person for person, _ in people.context["rows"]] == [rep]


def test_the_reason_is_optional_but_bounded(admin_client, cast):
    rep = cast[Role.SALES_REP]
    response = admin_client.post(deactivate_url(rep), {"reason": "x" * 1001})
    assert response.status_code == 400
    assert "Keep the reason under 1,000 characters." in response.text
    rep.refresh_from_db()
    assert rep.is_active
    assert admin_client.post(deactivate_url(rep), {}).status_code == 302
    assert AuditEntry.objects.get(person=rep).reason == ""


def test_nobody_deactivates_themselves(admin_client, cast, make_user):
    make_user(Role.ADMIN)
    admin = cast[Role.ADMIN]
    page = admin_client.get(reverse("people:person_detail", args=[admin.pk])).text
    assert "You cannot deactivate yourself. Ask another admin to do it." in page
    assert deactivate_url(admin) not in page
    response = admin_client.post(deactivate_url(admin), {})
    assert response.status_code == 400
    assert "You cannot deactivate yourself" in response.text
    admin.refresh_from_db()
    assert admin.is_active


def test_the_last_active_admin_is_never_deactivated(admin_client, cast):
    admin = cast[Role.ADMIN]
    response = admin_client.post(deactivate_url(admin), {})
    assert response.status_code == 400
    assert (
        "Ada Admin is the last active admin. Make someone else an admin first, so that "
        "somebody can still manage people and settings."
    ) in response.text
    admin.refresh_from_db()
    assert admin.is_active
    assert not AuditEntry.objects.exists()


def test_an_admin_deactivated_meanwhile_can_no_longer_act(cast, make_user):
    other = make_user(Role.ADMIN)
    stale = User.objects.get(pk=cast[Role.ADMIN].pk)  # loaded before the deactivation
    services.person_deactivate(actor=other, person=cast[Role.ADMIN])
    with pytest.raises(PermissionDenied):
        services.person_deactivate(actor=stale, person=cast[Role.SALES_REP])


def test_deactivating_twice_says_so(admin_client, cast):
    rep = cast[Role.SALES_REP]
    assert admin_client.post(deactivate_url(rep), {}).status_code == 302
    response = admin_client.post(deactivate_url(rep), {})
    assert response.status_code == 400
    assert "Ray Rep is already deactivated." in response.text
    assert AuditEntry.objects.filter(person=rep).count() == 1


def test_it_reactivates(admin_client, cast):
    rep = cast[Role.SALES_REP]
    old_session = signed_in(rep)
    admin_client.post(deactivate_url(rep), {})
    response = admin_client.post(reverse("people:person_reactivate", args=[rep.pk]))
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.is_active
    entry = AuditEntry.objects.filter(person=rep).first()  # newest first
    assert entry.action == AuditEntry.Action.PERSON_REACTIVATED
    assert entry.changes == {"is_active": [False, True]}
    # The session they had before stays ended: they sign in again, as before.
    assert is_anonymous(old_session)
    fresh = Client()
    response = fresh.post(reverse("login"), {"username": rep.email, "password": PASSWORD})
    assert response.status_code == 302
    # Reactivating someone active is refused with the reason.
    response = admin_client.post(reverse("people:person_reactivate", args=[rep.pk]))
    assert response.status_code == 400
    assert "Ray Rep is already active." in response.text


def test_a_deactivated_leaders_reps_are_listed_to_hand_over(admin_client, cast):
    leader = cast[Role.SALES_LEADER]
    assert admin_client.post(deactivate_url(leader), {}).status_code == 302
    page = admin_client.get(reverse("people:person_detail", args=[leader.pk])).text
    section = page.split('id="open-items-head"')[1]
    assert "Reps they manage (1)" in section and "Ray Rep" in section
    # The rep keeps the manager until an admin chooses another one.
    rep = cast[Role.SALES_REP]
    rep.refresh_from_db()
    assert rep.manager == leader


def removing(action: str, actor: User, person: User):
    """A job for `run_together`: `actor` deactivates `person`, or makes them a product manager."""

    def run() -> object:
        if action == "deactivate":
            return services.person_deactivate(actor=actor, person=person)
        return services.person_update(
            actor=actor, person=person, full_name=person.full_name, role=Role.PRODUCT_MANAGER
        )

    return run


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["deactivate", "demote"])
def test_two_admins_removing_each_other_at_once_leave_one(
    postgres, make_user, run_together, action
):
    """Without the admins' row locks both would succeed (each saw the other as active) and
    nobody would be left to manage people."""
    for round_number in range(1, 6):  # a few rounds: either may win, one always stays
        User.objects.filter(role=Role.ADMIN).update(is_active=False)
        first, second = make_user(Role.ADMIN), make_user(Role.ADMIN)
        results = run_together(removing(action, first, second), removing(action, second, first))
        assert sorted(type(result).__name__ for result in results) == [
            "PermissionDenied",
            "User",
        ], results
        assert User.objects.filter(role=Role.ADMIN, is_active=True).count() == 1
        assert AuditEntry.objects.count() == round_number  # only the winner's change
