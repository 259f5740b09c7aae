"""The rules of `people.provisioning.sso_sign_in` (who gets in through single sign-on, and as
whom) and of the group mappings admins edit, without a browser or a provider."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from budgets.models import AuditEntry, CompanySettings
from config.sso import socialaccount_providers
from people.models import GroupRole
from people.provisioning import Identity, SignInRefused, sso_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def providers(settings):
    entries = [
        {"id": "okta", "name": "Okta", "issuer": "https://acme.okta.test", "client_id": "a"},
        {"id": "entra", "name": "Microsoft", "issuer": "https://ms.test/t", "client_id": "b"},
    ]
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(json.dumps(entries), "")


def identity(**fields) -> Identity:
    return Identity(
        **{
            "provider_id": "okta",
            "provider_name": "Okta",
            "email": "nora@acme.test",
            "email_verified": True,
            "full_name": "Nora",
            "groups": ("product",),
        }
        | fields
    )


def test_it_takes_the_row_with_the_lowest_priority_number(make_user):
    GroupRole.objects.create(group="product", role=Role.PRODUCT_MANAGER, priority=50)
    GroupRole.objects.create(group="leads", role=Role.PRODUCT_LEADER, priority=10)

    sign_in = sso_sign_in(identity=identity(groups=("product", "LEADS")), linked_user=None)

    assert sign_in.created and sign_in.user.role == Role.PRODUCT_LEADER


def test_it_uses_rows_for_this_provider_or_for_any(make_user):
    GroupRole.objects.create(provider_id="entra", group="product", role=Role.PRODUCT_LEADER)

    with pytest.raises(SignInRefused):
        sso_sign_in(identity=identity(), linked_user=None)

    GroupRole.objects.create(provider_id="", group="product", role=Role.PRODUCT_MANAGER)
    assert sso_sign_in(identity=identity(), linked_user=None).user.role == Role.PRODUCT_MANAGER


def test_it_refuses_a_rep_row_whose_manager_is_no_longer_a_sales_leader(make_user):
    leader = make_user(Role.SALES_LEADER)
    GroupRole.objects.create(group="product", role=Role.SALES_REP, manager=leader)
    User.objects.filter(pk=leader.pk).update(is_active=False)

    with pytest.raises(SignInRefused, match="no longer an active sales leader"):
        sso_sign_in(identity=identity(), linked_user=None)
    assert not User.objects.filter(email="nora@acme.test").exists()


def test_it_refuses_an_identity_without_an_address(make_user):
    GroupRole.objects.create(group="product", role=Role.PRODUCT_MANAGER)

    with pytest.raises(SignInRefused, match="did not tell Forcerank your e-mail address"):
        sso_sign_in(identity=identity(email=""), linked_user=None)


def test_it_names_a_person_from_the_address_when_the_provider_gives_no_name(make_user):
    GroupRole.objects.create(group="product", role=Role.PRODUCT_MANAGER)

    person = sso_sign_in(identity=identity(full_name=""), linked_user=None).user

    assert person.full_name == "nora"


def test_it_keeps_the_role_of_a_head_of_sales_and_of_the_last_admin(make_user):
    GroupRole.objects.create(group="product", role=Role.PRODUCT_MANAGER)
    vp = make_user(Role.SALES_LEADER, email="vp@acme.test")
    company = CompanySettings.load()
    company.head_of_sales = vp
    company.save()
    admin = make_user(Role.ADMIN, email="root@acme.test")

    for person in (vp, admin):
        sign_in = sso_sign_in(identity=identity(email=person.email), linked_user=person)
        assert sign_in.user.role == person.role
        assert "role" not in sign_in.changes

    make_user(Role.ADMIN)  # another admin: now the first may become a product manager
    sign_in = sso_sign_in(identity=identity(email=admin.email), linked_user=admin)
    assert sign_in.user.role == Role.PRODUCT_MANAGER


def test_it_gives_a_rep_the_rows_manager_and_keeps_a_manager_set_later(make_user):
    east, west = make_user(Role.SALES_LEADER), make_user(Role.SALES_LEADER)
    GroupRole.objects.create(group="product", role=Role.SALES_REP, manager=east)
    person = sso_sign_in(identity=identity(), linked_user=None).user
    assert person.manager == east
    User.objects.filter(pk=person.pk).update(manager=west)  # the People page moved her

    person = sso_sign_in(identity=identity(), linked_user=person).user

    assert person.manager == west


def test_it_writes_nothing_when_nothing_changed(make_user):
    GroupRole.objects.create(group="product", role=Role.PRODUCT_MANAGER)
    person = sso_sign_in(identity=identity(), linked_user=None).user

    sso_sign_in(identity=identity(), linked_user=person)

    assert AuditEntry.objects.filter(person=person).count() == 1  # the provisioning only


def test_a_group_mapping_needs_a_manager_for_reps_only(make_user):
    leader = make_user(Role.SALES_LEADER)
    pm = make_user(Role.PRODUCT_MANAGER)

    with pytest.raises(ValidationError, match="Sales reps need a manager"):
        GroupRole(group="reps", role=Role.SALES_REP).full_clean()
    with pytest.raises(ValidationError, match="must be an active sales leader"):
        GroupRole(group="reps", role=Role.SALES_REP, manager=pm).full_clean()
    with pytest.raises(ValidationError, match="Only sales reps have a manager"):
        GroupRole(group="pms", role=Role.PRODUCT_MANAGER, manager=leader).full_clean()
    with pytest.raises(ValidationError, match="No sign-in provider has the id"):
        GroupRole(group="pms", role=Role.PRODUCT_MANAGER, provider_id="nope").full_clean()
    GroupRole(group="reps", role=Role.SALES_REP, manager=leader).full_clean()


def test_a_group_is_mapped_once_per_provider_in_any_case():
    GroupRole.objects.create(group="Product", role=Role.PRODUCT_MANAGER)
    GroupRole.objects.create(group="product", role=Role.PRODUCT_MANAGER, provider_id="okta")

    with pytest.raises(IntegrityError), transaction.atomic():
        GroupRole.objects.create(group="PRODUCT", role=Role.PRODUCT_LEADER)


def test_admins_edit_mappings_in_the_django_admin_and_each_change_is_audited(client, cast):
    admin = cast[Role.ADMIN]
    client.force_login(admin)

    response = client.post(
        "/admin/people/grouprole/add/",
        {
            "group": "forcerank-reps",
            "provider_id": "okta",
            "role": Role.SALES_REP,
            "manager": cast[Role.SALES_LEADER].pk,
            "update_on_sign_in": "on",
            "priority": "100",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    row = GroupRole.objects.get()
    client.post(
        f"/admin/people/grouprole/{row.pk}/change/",
        {
            "group": "forcerank-reps",
            "provider_id": "okta",
            "role": Role.PRODUCT_MANAGER,
            "priority": "5",
        },
    )

    entries = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_SETTINGS_UPDATED)
    assert [entry.changes["group mapping"] for entry in entries.order_by("id")] == [
        [None, "forcerank-reps (okta) → Sales rep"],
        ["forcerank-reps (okta) → Sales rep", "forcerank-reps (okta) → Product manager"],
    ]
    assert {entry.actor for entry in entries} == {admin}


def test_the_django_admin_refuses_a_rep_mapping_without_a_manager(client, cast):
    client.force_login(cast[Role.ADMIN])

    response = client.post(
        "/admin/people/grouprole/add/",
        {"group": "reps", "provider_id": "", "role": Role.SALES_REP, "priority": "100"},
    )

    assert response.status_code == 200
    assert "Sales reps need a manager" in response.text
    assert not GroupRole.objects.exists()
