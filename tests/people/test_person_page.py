"""A person's page: details, name/role/manager changes (audited), what they hold, history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role, User
from budgets.models import AuditEntry, CompanySettings
from feature_requests.models import Customer, Deal, FeatureRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast[Role.ADMIN])
    return client


def url(person: User) -> str:
    return reverse("people:person_detail", args=[person.pk])


def form(person: User, **changes) -> dict[str, str]:
    return {
        "full_name": person.full_name,
        "role": person.role,
        "manager": str(person.manager_id or ""),
    } | changes


def test_it_shows_a_persons_details(admin_client, cast):
    rep = cast[Role.SALES_REP]
    response = admin_client.get(url(rep))
    assert response.status_code == 200
    for text in ["Ray Rep", rep.email, "Sales rep", "Lee Leader", "Active", "Never", "Password"]:
        assert text in response.text
    assert reverse("people:person_deactivate", args=[rep.pk]) in response.text


def test_it_renames_and_audits(admin_client, cast):
    rep = cast[Role.SALES_REP]
    response = admin_client.post(url(rep), form(rep, full_name="Raymond Rep"))
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.full_name == "Raymond Rep"
    entry = AuditEntry.objects.get(person=rep)
    assert entry.action == AuditEntry.Action.PERSON_UPDATED
    assert entry.actor == cast[Role.ADMIN]
    assert entry.changes == {"full_name": ["Ray Rep", "Raymond Rep"]}
    assert "changed: name Ray Rep → Raymond Rep" in admin_client.get(url(rep)).text


def test_saving_without_a_change_records_nothing(admin_client, cast):
    rep = cast[Role.SALES_REP]
    assert admin_client.post(url(rep), form(rep)).status_code == 302
    assert not AuditEntry.objects.exists()


def test_it_moves_a_rep_to_another_manager(admin_client, cast, make_user):
    rep, other = cast[Role.SALES_REP], make_user(Role.SALES_LEADER, full_name="Olga Other")
    assert admin_client.post(url(rep), form(rep, manager=str(other.pk))).status_code == 302
    rep.refresh_from_db()
    assert rep.manager == other
    assert AuditEntry.objects.get(person=rep).changes == {"manager": ["Lee Leader", "Olga Other"]}


def test_it_changes_a_role_and_drops_the_manager_of_a_former_rep(admin_client, cast):
    rep = cast[Role.SALES_REP]
    response = admin_client.post(url(rep), form(rep, role="product_manager"))
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.role == Role.PRODUCT_MANAGER and rep.manager is None
    assert AuditEntry.objects.get(person=rep).changes == {
        "role": ["sales_rep", "product_manager"],
        "manager": ["Lee Leader", None],
    }
    page = admin_client.get(url(rep)).text
    assert "role Sales rep → Product manager; manager Lee Leader → (none)" in page


def test_a_new_rep_needs_a_manager(admin_client, cast):
    pm = cast[Role.PRODUCT_MANAGER]
    response = admin_client.post(url(pm), form(pm, role="sales_rep"))
    assert response.status_code == 400
    assert "A sales rep needs a manager (a sales leader)." in response.text
    pm.refresh_from_db()
    assert pm.role == Role.PRODUCT_MANAGER


def test_a_leader_with_reps_keeps_the_role_until_they_have_another_manager(admin_client, cast):
    leader = cast[Role.SALES_LEADER]
    response = admin_client.post(url(leader), form(leader, role="product_leader"))
    assert response.status_code == 400
    assert "Lee Leader manages 1 rep. Give that rep another manager first." in response.text
    leader.refresh_from_db()
    assert leader.role == Role.SALES_LEADER


def test_the_head_of_sales_keeps_the_role_while_the_settings_name_them(admin_client, make_user):
    vp = make_user(Role.SALES_LEADER, full_name="Vera Vp")
    CompanySettings.objects.filter(pk=1).update(head_of_sales=vp)
    CompanySettings.load()
    response = admin_client.post(url(vp), form(vp, role="product_manager"))
    assert response.status_code == 400
    assert "Vera Vp is the head of sales in the company settings" in response.text


def test_nobody_changes_their_own_role(admin_client, cast, make_user):
    make_user(Role.ADMIN)  # not the last admin: still refused
    admin = cast[Role.ADMIN]
    response = admin_client.post(url(admin), form(admin, role="product_leader"))
    assert response.status_code == 400
    assert "You cannot change your own role" in response.text
    # Their own name they may change.
    assert admin_client.post(url(admin), form(admin, full_name="Ada A.")).status_code == 302


def test_the_last_admin_keeps_the_role(admin_client, cast, make_user):
    admin, other = cast[Role.ADMIN], make_user(Role.ADMIN, full_name="Otto Admin")
    assert admin_client.post(url(other), form(other, role="product_manager")).status_code == 302
    response = admin_client.post(url(admin), form(admin, role="product_leader"))
    assert response.status_code == 400
    assert "Ada Admin is the last active admin. Make someone else an admin first." in response.text
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_bad_input_is_a_400_with_the_reason(admin_client, cast):
    rep = cast[Role.SALES_REP]
    response = admin_client.post(url(rep), form(rep, full_name="", role="boss"))
    assert response.status_code == 400
    assert "Enter the person&#x27;s name." in response.text
    assert "Choose one of the roles in the list." in response.text


def test_it_lists_what_a_rep_still_holds_with_where_to_hand_it_over(admin_client, cast, quarter):
    rep = cast[Role.SALES_REP]
    acme = Customer.objects.create(name="Acme")
    open_deal = Deal.objects.create(customer=acme, name="Renewal", amount=10, owner=rep)
    Deal.objects.create(customer=acme, name="Old win", amount=10, owner=rep, stage="closed_won")
    waiting = FeatureRequest.objects.create(title="SSO for Acme", problem="p", submitted_by=rep)
    ranked = FeatureRequest.objects.create(
        title="Bulk export",
        problem="p",
        submitted_by=rep,
        quarter=quarter,
        status="ranked",
        rank_key="a0",
    )
    FeatureRequest.objects.create(
        title="Shipped thing", problem="p", submitted_by=rep, status="shipped"
    )
    text = admin_client.get(url(rep)).text
    section = text.split('id="open-items-head"')[1]
    assert "Open deals (1)" in section
    assert "Acme: Renewal" in section and "Old win" not in section
    assert reverse("requests:deal_edit", args=[open_deal.pk]) in section
    assert "Requests waiting for a decision (2)" in section
    assert reverse("requests:request_detail", args=[waiting.pk]) in section
    assert reverse("requests:request_detail", args=[ranked.pk]) in section
    assert "Shipped thing" not in section


def test_it_lists_a_leaders_reps_and_company_roles(admin_client, cast):
    leader = cast[Role.SALES_LEADER]
    CompanySettings.load()
    CompanySettings.objects.filter(pk=1).update(head_of_sales=leader)
    section = admin_client.get(url(leader)).text.split('id="open-items-head"')[1]
    assert "Reps they manage (1)" in section
    assert reverse("people:person_detail", args=[cast[Role.SALES_REP].pk]) in section
    assert "Head of sales of the weekly review" in section
    assert reverse("budgets:settings") in section


def test_the_page_reads_in_the_same_number_of_queries_for_1_or_20_items(
    admin_client, cast, django_assert_num_queries
):
    """The session and its user, the person, their SSO identities, their reps, their open
    deals, their undecided requests, their history, the unread count, the managers offered."""
    rep = cast[Role.SALES_REP]
    acme = Customer.objects.create(name="Acme")
    for size in (1, 20):
        for n in range(size):
            Deal.objects.create(customer=acme, name=f"Deal {size}-{n}", amount=10, owner=rep)
            FeatureRequest.objects.create(title=f"Request {n}", problem="p", submitted_by=rep)
        with django_assert_num_queries(10):
            assert admin_client.get(url(rep)).status_code == 200


def test_an_unknown_person_is_a_404(admin_client):
    assert admin_client.get(reverse("people:person_detail", args=[999999])).status_code == 404
