"""Logins that resist guessing: an account locks after five wrong passwords in a row, an
address after many over all accounts; the page never says whether the e-mail exists."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role

pytestmark = pytest.mark.django_db

RIGHT = "s3cret-pass-word"


def sign_in(client: Client, email: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


@pytest.fixture
def dana(make_user):
    return make_user(Role.SALES_LEADER, email="dana@example.com", password=RIGHT)


def test_the_sixth_try_is_refused_even_with_the_right_password(client, dana, caplog):
    for _ in range(4):
        response = sign_in(client, "dana@example.com", "wrong")
        assert response.status_code == 200
        assert "That e-mail and password do not match an account" in response.text
    assert sign_in(client, "dana@example.com", "wrong").status_code == 429  # the fifth locks
    with caplog.at_level(logging.WARNING, logger="forcerank.security"):
        response = sign_in(client, "dana@example.com", RIGHT)
    assert response.status_code == 429
    assert "Sign-in is paused for a while" in response.text
    assert "paused for 15 minutes — even with the right password" in response.text
    assert "_auth_user_id" not in client.session
    assert [r.getMessage() for r in caplog.records if r.name == "forcerank.security"] == [
        "Sign-in locked for 15 minutes after repeated failures: "
        "account 'dana@example.com', address 10.0.0.1",
        "Sign-in refused while locked: account 'dana@example.com', address 10.0.0.1",
    ]


def test_each_lockout_writes_one_log_line(client, dana, caplog):
    with caplog.at_level(logging.WARNING, logger="forcerank.security"):
        for _ in range(5):
            sign_in(client, "dana@example.com", "wrong")
    lines = [r.getMessage() for r in caplog.records if r.name == "forcerank.security"]
    assert lines == [
        "Sign-in locked for 15 minutes after repeated failures: "
        "account 'dana@example.com', address 10.0.0.1"
    ]


def test_other_people_are_not_locked_out(client, dana, make_user):
    make_user(Role.SALES_REP, email="sam@example.com", password=RIGHT)
    for _ in range(5):
        sign_in(client, "dana@example.com", "wrong")
    assert sign_in(client, "dana@example.com", RIGHT).status_code == 429
    other = Client()
    response = sign_in(other, "sam@example.com", RIGHT)  # same office address
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert sign_in(Client(), "dana@example.com", RIGHT, address="10.9.9.9").status_code == 429


def test_the_lock_ends_after_the_cool_off(client, dana):
    for _ in range(5):
        sign_in(client, "dana@example.com", "wrong")
    assert sign_in(client, "dana@example.com", RIGHT).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    response = sign_in(client, "dana@example.com", RIGHT)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(dana.pk)


def test_an_unknown_email_locks_the_same_way_and_says_the_same(client, dana):
    for email in ("dana@example.com", "nobody@example.com"):
        for _ in range(5):
            sign_in(Client(), email, "wrong", address="10.0.0.2")
    known = sign_in(Client(), "dana@example.com", RIGHT, address="10.0.0.3")
    unknown = sign_in(Client(), "nobody@example.com", RIGHT, address="10.0.0.3")
    assert known.status_code == unknown.status_code == 429
    token = re.compile(r"[A-Za-z0-9]{64}")  # each page's own CSRF token
    assert token.sub("", known.text) == token.sub("", unknown.text)


def test_an_address_guessing_many_accounts_is_locked(client, dana, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 12
    for n in range(12):
        sign_in(Client(), f"guess{n}@example.com", "wrong", address="10.6.6.6")
    assert sign_in(Client(), "dana@example.com", RIGHT, address="10.6.6.6").status_code == 429
    assert sign_in(Client(), "dana@example.com", RIGHT, address="10.0.0.7").status_code == 302


def test_the_admin_sign_in_is_locked_too(client, make_user):
    make_user(Role.ADMIN, email="root@example.com", password=RIGHT)
    for _ in range(5):
        client.post(reverse("admin:login"), {"username": "root@example.com", "password": "wrong"})
    response = client.post(
        reverse("admin:login"), {"username": "root@example.com", "password": RIGHT}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_clears_the_count(client, dana):
    for _ in range(4):
        sign_in(client, "dana@example.com", "wrong")
    assert sign_in(client, "dana@example.com", RIGHT).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        sign_in(client, "dana@example.com", "wrong")
    assert sign_in(client, "dana@example.com", RIGHT).status_code == 302


def test_passwords_are_stored_with_argon2(make_user):
    from django.test import override_settings

    from config import settings as configured

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=configured.PASSWORD_HASHERS):
        user = make_user(Role.SALES_REP, password="a-long-password-1")
        assert user.password.startswith("argon2$")
        assert user.check_password("a-long-password-1")


def test_a_new_password_from_the_reset_email_lifts_the_lock(
    client, dana, django_capture_on_commit_callbacks
):
    from django.core import mail

    for _ in range(5):
        sign_in(client, "dana@example.com", "wrong")
    assert sign_in(client, "dana@example.com", RIGHT).status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "Dana@example.com"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    form_url = client.get(link.group(1)).url
    client.post(form_url, {"new_password1": "a-new-start-42", "new_password2": "a-new-start-42"})
    response = sign_in(Client(), "dana@example.com", "a-new-start-42")
    assert response.status_code == 302
