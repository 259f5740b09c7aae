from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_it_requires_a_manager_for_a_rep(make_user):
    rep = User(email="r@example.com", full_name="R", role=Role.SALES_REP)
    with pytest.raises(ValidationError) as error:
        rep.full_clean()
    assert "manager" in error.value.message_dict


def test_it_requires_the_manager_to_be_a_sales_leader(make_user):
    pm = make_user(Role.PRODUCT_MANAGER)
    rep = User(email="r@example.com", full_name="R", role=Role.SALES_REP, manager=pm)
    with pytest.raises(ValidationError, match="must be a sales leader"):
        rep.full_clean()


def test_it_refuses_a_manager_for_other_roles_in_the_database(make_user):
    leader = make_user(Role.SALES_LEADER)
    with pytest.raises(IntegrityError):
        User.objects.create(
            email="p@example.com", full_name="P", role=Role.PRODUCT_LEADER, manager=leader
        )


def test_it_stores_emails_lower_case(make_user):
    user = User.objects.create_user("Mixed@Example.com", "pw-123456789", full_name="M")
    assert user.email == "mixed@example.com"


def test_it_lets_only_active_admins_into_the_django_admin(make_user):
    admin = make_user(Role.ADMIN)
    leader = make_user(Role.SALES_LEADER)
    assert admin.is_staff and admin.has_perm("budgets.change_quarter")
    assert not leader.is_staff and not leader.has_perm("budgets.change_quarter")
    admin.is_active = False
    assert not admin.is_staff


def test_it_creates_superusers_as_admins():
    user = User.objects.create_superuser("root@example.com", "pw-123456789", full_name="Root")
    assert user.role == Role.ADMIN
    assert user.is_superuser
