"""Inviting someone by e-mail: an active account with no password, and a link to choose one."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from budgets.models import AuditEntry

pytestmark = pytest.mark.django_db

URL = reverse("people:person_invite")


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast[Role.ADMIN])
    return client


def invite(client, capture, **changes):
    data = {"full_name": "Nina New", "email": "Nina@Example.com", "role": "product_manager"}
    with capture(execute=True):  # the e-mail is queued when the invitation commits
        return client.post(URL, data | changes)


def link_in(message) -> str:
    return re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)


def test_it_shows_the_form(admin_client):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert 'name="email"' in response.text and 'name="manager"' in response.text


def test_it_invites_someone_who_then_chooses_a_password_and_signs_in(
    admin_client, cast, django_capture_on_commit_callbacks
):
    response = invite(admin_client, django_capture_on_commit_callbacks)
    nina = User.objects.get(email="nina@example.com")
    assert response.status_code == 302
    assert response.url == reverse("people:person_detail", args=[nina.pk])
    assert nina.is_active and nina.role == Role.PRODUCT_MANAGER and nina.full_name == "Nina New"
    assert not nina.has_usable_password()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@example.com"]
    assert message.subject == "You are invited to Forcerank"
    assert "Ada Admin added you to Forcerank as a product manager" in message.body

    entry = AuditEntry.objects.get(person=nina)
    assert entry.action == AuditEntry.Action.PERSON_INVITED
    assert entry.actor == cast[Role.ADMIN]
    assert entry.changes["email"] == [None, "nina@example.com"]
    assert entry.changes["role"] == [None, "product_manager"]

    page = admin_client.get(response.url)
    assert "Not set up yet" in page.text and "Send the invitation again" in page.text

    # The invitee, in another browser: the link leads to the password form, then to sign-in.
    admin_client.logout()
    form_url = admin_client.get(link_in(message)).url
    response = admin_client.post(
        form_url, {"new_password1": "first-choice-42", "new_password2": "first-choice-42"}
    )
    assert response.url == reverse("password_reset_complete")
    response = admin_client.post(
        reverse("login"), {"username": "nina@example.com", "password": "first-choice-42"}
    )
    assert response.status_code == 302 and response.url == reverse("dashboard")
    # Used once: the link no longer works.
    assert "This link no longer works" in admin_client.get(link_in(message), follow=True).text


def test_it_invites_a_rep_with_their_manager(
    admin_client, cast, django_capture_on_commit_callbacks
):
    leader = cast[Role.SALES_LEADER]
    response = invite(
        admin_client,
        django_capture_on_commit_callbacks,
        role="sales_rep",
        manager=str(leader.pk),
    )
    assert response.status_code == 302
    rep = User.objects.get(email="nina@example.com")
    assert rep.manager == leader
    assert AuditEntry.objects.get(person=rep).changes["manager"] == [None, "Lee Leader"]


def test_it_refuses_a_rep_without_a_manager(admin_client, cast, django_capture_on_commit_callbacks):
    response = invite(admin_client, django_capture_on_commit_callbacks, role="sales_rep")
    assert response.status_code == 400
    group = response.text.split('name="manager"')[0].rsplit('<div class="field', 1)[1]
    assert "A sales rep needs a manager (a sales leader)." in group
    assert not User.objects.filter(email="nina@example.com").exists()
    assert mail.outbox == []


def test_it_leaves_out_a_manager_chosen_for_another_role(
    admin_client, cast, django_capture_on_commit_callbacks
):
    leader = cast[Role.SALES_LEADER]
    response = invite(admin_client, django_capture_on_commit_callbacks, manager=str(leader.pk))
    assert response.status_code == 302
    assert User.objects.get(email="nina@example.com").manager is None


@pytest.mark.parametrize("manager", ["rep", "pm", "inactive leader", "999999", "x"])
def test_it_refuses_a_manager_who_is_not_an_active_sales_leader(
    admin_client, cast, make_user, django_capture_on_commit_callbacks, manager
):
    choices = {
        "rep": cast[Role.SALES_REP].pk,
        "pm": cast[Role.PRODUCT_MANAGER].pk,
        "inactive leader": make_user(Role.SALES_LEADER, is_active=False).pk,
    }
    response = invite(
        admin_client,
        django_capture_on_commit_callbacks,
        role="sales_rep",
        manager=str(choices.get(manager, manager)),
    )
    assert response.status_code == 400
    assert "Choose one of the active sales leaders in the list." in response.text
    assert not User.objects.filter(email="nina@example.com").exists()


@pytest.mark.parametrize("email", ["ray.rep@example.com", "RAY.REP@example.com"])
def test_it_refuses_an_address_already_in_use_in_any_case(
    admin_client, make_user, django_capture_on_commit_callbacks, email
):
    make_user(Role.SALES_REP, email="ray.rep@example.com", is_active=False)
    response = invite(admin_client, django_capture_on_commit_callbacks, email=email)
    assert response.status_code == 400
    group = response.text.split('name="email"')[0].rsplit('<div class="field', 1)[1]
    assert "Someone with the address ray.rep@example.com is already in Forcerank" in group
    assert "a deactivated person can be reactivated there" in group
    assert User.objects.filter(email__iexact="ray.rep@example.com").count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter an e-mail address such as"),
        ({"email": ""}, "email", "Enter the e-mail address to send the invitation to."),
        ({"full_name": "\u200b "}, "full_name", "Enter the person&#x27;s name."),
        ({"full_name": "x" * 151}, "full_name", "Keep the name under 150 characters."),
        ({"role": "overlord"}, "role", "Choose one of the roles in the list."),
    ],
)
def test_it_explains_bad_input_with_a_400(
    admin_client, django_capture_on_commit_callbacks, changes, field, message
):
    response = invite(admin_client, django_capture_on_commit_callbacks, **changes)
    assert response.status_code == 400
    group = response.text.split(f'name="{field}"')[0].rsplit('<div class="field', 1)[1]
    assert message in group
    assert User.objects.count() == 5  # the cast only


def test_it_keeps_the_person_when_the_queue_is_down_and_sends_it_again_later(
    admin_client, cast, transactional_db
):
    """A broker where nothing listens: the invitation stands, the page says the e-mail did
    not go, and "Send the invitation again" sends it once the queue is back."""
    from config.celery import app

    configured_broker = app.conf.broker_write_url
    app.conf.task_always_eager = False
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    app._pool = None
    app.amqp._producer_pool = None
    try:
        response = admin_client.post(
            URL, {"full_name": "Nina New", "email": "nina@example.com", "role": "admin"}
        )
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_write_url = configured_broker
        app._pool = None
        app.amqp._producer_pool = None
    nina = User.objects.get(email="nina@example.com")
    assert response.status_code == 302
    page = admin_client.get(response.url)
    assert "could not be queued just now" in page.text
    assert mail.outbox == []
    assert AuditEntry.objects.filter(person=nina, action="person_invited").exists()

    response = admin_client.post(reverse("people:person_invitation_send", args=[nina.pk]))
    assert response.status_code == 302
    assert "on its way to nina@example.com again" in admin_client.get(response.url).text
    assert [message.to for message in mail.outbox] == [["nina@example.com"]]


def test_it_sends_no_invitation_to_someone_who_has_signed_in(admin_client, cast):
    rep = cast[Role.SALES_REP]
    response = admin_client.post(reverse("people:person_invitation_send", args=[rep.pk]))
    assert response.status_code == 400
    assert "has already set up their sign-in" in response.text
    assert mail.outbox == []


def test_the_queued_invitation_is_not_sent_once_the_person_is_deactivated(cast):
    from people.services import invitation_email_send

    rep = cast[Role.SALES_REP]
    rep.set_unusable_password()
    rep.is_active = False
    rep.save()
    assert not invitation_email_send(
        user_id=rep.pk, invited_by_id=cast[Role.ADMIN].pk, domain="testserver", use_https=True
    )
    assert mail.outbox == []
