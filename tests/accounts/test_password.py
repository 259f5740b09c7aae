from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role

pytestmark = pytest.mark.django_db


def forget_broker_connections(app) -> None:
    # Celery caches its connection and producer pools per app; after a broker change the next
    # send must build new ones (Celery does the same after a fork).
    app._pool = None
    app.amqp._producer_pool = None


def test_it_changes_a_password(client, make_user):
    user = make_user(Role.SALES_REP, email="rep@example.com", password="old-password-1")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "old-password-1",
            "new_password1": "brand-new-password-2",
            "new_password2": "brand-new-password-2",
        },
    )
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("brand-new-password-2")


def test_it_explains_a_wrong_old_password(client, make_user):
    user = make_user(Role.SALES_REP, password="old-password-1")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "brand-new-pw-2",
            "new_password2": "brand-new-pw-2",
        },
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.text


def test_it_emails_a_reset_link_that_sets_a_new_password(
    client, make_user, django_capture_on_commit_callbacks
):
    user = make_user(Role.SALES_REP, email="rep@example.com", password="forgotten-1")
    # The task is enqueued on commit; the test's transaction never commits, so run the hooks.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "REP@example.com"})
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rep@example.com"]
    assert message.subject == "Reset your Forcerank password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    form_url = client.get(link).url  # Django swaps the token for a session, then redirects
    response = client.post(
        form_url, {"new_password1": "fresh-start-99", "new_password2": "fresh-start-99"}
    )
    assert response.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("fresh-start-99")


def test_it_does_not_reveal_whether_an_address_has_an_account(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_it_says_so_when_the_queue_is_unreachable(client, make_user, transactional_db):
    """A real broker address where nothing listens: the user is told, nothing crashes."""
    from config.celery import app

    make_user(Role.SALES_REP, email="rep@example.com")
    configured_broker = app.conf.broker_write_url
    app.conf.task_always_eager = False
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # where tasks are sent
    forget_broker_connections(app)
    try:
        # transactional_db: outside a transaction the task is sent at once, as in production.
        response = client.post(reverse("password_reset"), {"email": "rep@example.com"})
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_write_url = configured_broker
        forget_broker_connections(app)
    assert response.status_code == 503
    assert "could not queue the e-mail" in response.text
    assert mail.outbox == []


def ask_reset(client, email: str, address: str = "10.1.1.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_it_limits_reset_emails_per_address(client, make_user, django_capture_on_commit_callbacks):
    make_user(Role.SALES_REP, email="rep@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            assert ask_reset(client, "rep@example.com", f"10.1.1.{n}").status_code == 302
        refused = ask_reset(client, "REP@example.com", "10.1.1.99")
    assert refused.status_code == 429
    assert "asked for several times in the last hour" in refused.text
    assert len(mail.outbox) == 3


def test_it_limits_reset_requests_per_client(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(20):
            assert ask_reset(client, f"someone{n}@example.com").status_code == 302
        refused = ask_reset(client, "one.more@example.com")
    assert refused.status_code == 429
    assert "from your network" in refused.text
    assert ask_reset(client, "one.more@example.com", address="10.2.2.2").status_code == 302


def test_known_and_unknown_addresses_take_the_same_path(
    client, make_user, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """The lookup happens in the task: the request does the same queries for both."""
    from accounts.models import PasswordResetRequest

    make_user(Role.SALES_REP, email="rep@example.com")
    counts = []
    for email in ("rep@example.com", "nobody@example.com"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = ask_reset(client, email, address=f"10.3.3.{len(counts)}")
        assert response.status_code == 302
        counts.append([q["sql"].split(" ")[0] for q in queries.captured_queries])
    assert counts[0] == counts[1]
    assert PasswordResetRequest.objects.count() == 2
    assert all(
        "rep@example.com" not in row.email_digest for row in PasswordResetRequest.objects.all()
    )
