"""Sessions end when they should: sign out everywhere, a deactivated person at once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.sessions import sign_out_everywhere

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(reverse("dashboard")).status_code == 200
    return client


def is_signed_out(client: Client) -> bool:
    response = client.get(reverse("dashboard"))
    return response.status_code == 302 and response.url.startswith(reverse("login"))


def test_signing_out_everywhere_ends_every_other_session(cast):
    user = cast[Role.SALES_LEADER]
    laptop, phone = signed_in(user), signed_in(user)
    other = signed_in(cast[Role.SALES_REP])
    sign_out_everywhere(user)
    assert is_signed_out(laptop) and is_signed_out(phone)
    assert not is_signed_out(other)


def test_a_deactivated_person_is_signed_out_on_their_next_request(cast):
    user = cast[Role.SALES_REP]
    client = signed_in(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert is_signed_out(client)


def test_a_person_signs_out_everywhere_else_from_their_password_page(cast):
    user = cast[Role.PRODUCT_LEADER]
    here, elsewhere = signed_in(user), signed_in(user)
    page = here.get(reverse("password_change")).text
    assert "Sign out everywhere else" in page
    response = here.post(reverse("sign_out_everywhere"), follow=True)
    assert "Signed out everywhere else" in response.text
    assert not is_signed_out(here)
    assert is_signed_out(elsewhere)


def test_signing_out_everywhere_is_a_post(cast):
    client = signed_in(cast[Role.SALES_REP])
    assert client.get(reverse("sign_out_everywhere")).status_code == 405
    assert not is_signed_out(client)
