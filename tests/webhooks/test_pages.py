"""The webhook pages, as an admin uses them, and closed to everyone else."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from accounts.models import Role
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def page_of(endpoint: WebhookEndpoint) -> str:
    return reverse("webhooks:endpoint_detail", args=[endpoint.pk])


def test_it_registers_a_webhook_and_shows_its_secret_on_its_page_only(admin_client, receiver):
    response = admin_client.post(
        reverse("webhooks:endpoint_create"),
        {
            "url": receiver.url,
            "description": "Data warehouse",
            "kinds": ["request.submitted", "commitment.shipped"],
        },
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.redirect_chain == [(page_of(endpoint), 302)]
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) >= 38
    assert endpoint.kinds == ["request.submitted", "commitment.shipped"]
    page = response.content.decode()
    assert endpoint.secret in page
    assert "A request is submitted" in page and "A commitment ships" in page

    listing = admin_client.get(reverse("webhooks:endpoint_list")).content.decode()
    assert receiver.url in listing and "Data warehouse" in listing
    assert endpoint.secret not in listing


def test_it_refuses_a_form_without_kinds_with_a_message(admin_client, receiver):
    response = admin_client.post(reverse("webhooks:endpoint_create"), {"url": receiver.url})
    assert response.status_code == 400
    assert "Choose at least one kind of event" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_it_changes_the_url_and_kinds(admin_client, endpoint, receiver):
    response = admin_client.post(
        page_of(endpoint),
        {"url": receiver.url + "/v2", "description": "", "kinds": ["review.ready"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.kinds) == (receiver.url + "/v2", ["review.ready"])


def test_it_rotates_the_secret(admin_client, endpoint):
    old = endpoint.secret
    response = admin_client.post(
        reverse("webhooks:endpoint_rotate_secret", args=[endpoint.pk]), follow=True
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    assert old not in response.content.decode()


def test_it_turns_a_webhook_off_and_on(admin_client, endpoint):
    admin_client.post(reverse("webhooks:endpoint_disable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "Turned off by Ada Admin" in admin_client.get(page_of(endpoint)).content.decode()
    # Twice is refused with a message, not a 500.
    again = admin_client.post(reverse("webhooks:endpoint_disable", args=[endpoint.pk]))
    assert again.status_code == 400 and "off already" in again.content.decode()
    admin_client.post(reverse("webhooks:endpoint_enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == ""


def test_it_deletes_a_webhook_with_its_log(admin_client, endpoint, admin):
    from webhooks.services import endpoint_send_test

    endpoint_send_test(actor=admin, endpoint=endpoint)
    response = admin_client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk]))
    assert response.url == reverse("webhooks:endpoint_list")
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()


def test_it_sends_a_test_event_and_shows_the_answer_in_the_log(
    admin_client, endpoint, receiver, django_capture_on_commit_callbacks
):
    # The task queued at commit runs inline (eager Celery), as in the embedded setup.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("webhooks:endpoint_send_test", args=[endpoint.pk]))
    assert response.url == page_of(endpoint)
    response = admin_client.get(response.url)
    [received] = receiver.requests
    message = Webhook(endpoint.secret).verify(received.body, received.headers)
    assert message["type"] == "webhook.test"
    page = response.content.decode()
    assert "Test event" in page and "Delivered" in page and "thanks" in page
    assert received.headers["webhook-id"] in page


def test_it_resends_a_delivery_from_the_log(
    admin_client, admin, endpoint, receiver, django_capture_on_commit_callbacks
):
    from webhooks.services import endpoint_send_test

    receiver.fail_next(1)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = endpoint_send_test(actor=admin, endpoint=endpoint)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("webhooks:delivery_resend", args=[delivery.pk]))
    assert response.url == page_of(endpoint)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert receiver.ids == [delivery.message_id, delivery.message_id]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_it_is_for_admins_only(client, cast, endpoint, role):
    client.force_login(cast[role])
    assert client.get(reverse("webhooks:endpoint_list")).status_code == 403
    assert client.get(page_of(endpoint)).status_code == 403
    assert client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk])).status_code == 403
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def fill_log(endpoint: WebhookEndpoint, count: int) -> None:
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            kind="request.submitted",
            body="{}",
            status=WebhookDelivery.Status.SUCCEEDED,
            attempts=1,
            last_status_code=200,
            last_response_ms=12,
            last_response_body="ok",
            delivered_at=timezone.now(),
        )
        for _ in range(count)
    )


@pytest.mark.parametrize("count", [3, 120])
def test_it_reads_the_log_in_a_fixed_number_of_queries(
    admin_client, endpoint, count, django_assert_num_queries
):
    fill_log(endpoint, count)
    # The session, the user, the endpoint with its author, the log's count and its page, and
    # the header's count of unread notifications.
    with django_assert_num_queries(6):
        response = admin_client.get(page_of(endpoint))
    assert response.status_code == 200
    assert response.content.decode().count(">Resend</button>") == min(count, 50)


@pytest.mark.parametrize("count", [1, 30])
def test_it_lists_the_webhooks_in_a_fixed_number_of_queries(
    admin_client, admin, receiver, count, django_assert_num_queries
):
    from webhooks.services import endpoint_create

    for n in range(count):
        endpoint = endpoint_create(
            actor=admin, url=f"{receiver.url}/{n}", description="", kinds=["review.ready"]
        )
        fill_log(endpoint, 2)
    with django_assert_num_queries(4):
        response = admin_client.get(reverse("webhooks:endpoint_list"))
    assert response.content.decode().count("Delivered") == count


def test_it_pages_the_log_newest_first(admin_client, endpoint):
    fill_log(endpoint, 51)
    newest = WebhookDelivery.objects.order_by("-id").first()
    oldest = WebhookDelivery.objects.order_by("id").first()
    first_page = admin_client.get(page_of(endpoint)).content.decode()
    assert newest.message_id in first_page and oldest.message_id not in first_page
    assert "Page 1 of 2" in first_page
    second_page = admin_client.get(page_of(endpoint) + "?page=2").content.decode()
    assert oldest.message_id in second_page
