"""The password-reset e-mail travels through Redis to a real Celery worker."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role

pytestmark = pytest.mark.celery_worker


def test_it_sends_the_reset_email_from_the_worker(client, make_user, celery_worker):
    make_user(Role.SALES_REP, email="rep@example.com")
    response = client.post(reverse("password_reset"), {"email": "rep@example.com"})
    assert response.url == reverse("password_reset_done")

    deadline = time.monotonic() + 20
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [message.to for message in mail.outbox] == [["rep@example.com"]]
    assert "/accounts/password/reset/" in mail.outbox[0].body
