"""Only http(s) URLs, and no private or internal addresses unless the setting allows them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from webhooks.addresses import check_url
from webhooks.delivery import delivery_attempt
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import endpoint_create, endpoint_send_test

REFUSED = [
    "http://10.0.0.1/hook",
    "http://127.0.0.1:8000/hook",
    "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "https://192.168.1.20/hook",
    "http://0.0.0.0/hook",
    "http://localhost/hook",
]


@pytest.fixture
def private_urls_refused(settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False


@pytest.mark.usefixtures("private_urls_refused")
@pytest.mark.parametrize("url", REFUSED)
def test_it_refuses_private_and_internal_addresses(url):
    with pytest.raises(ValidationError) as refused:
        check_url(url)
    assert "public addresses only" in str(refused.value)


@pytest.mark.usefixtures("private_urls_refused")
@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "gopher://x/"])
def test_it_refuses_schemes_other_than_http_and_https(url):
    with pytest.raises(ValidationError) as refused:
        check_url(url)
    assert "Only http:// and https://" in str(refused.value)


@pytest.mark.usefixtures("private_urls_refused")
def test_it_accepts_a_public_address():
    check_url("https://93.184.215.14/hook")  # an address literal: no DNS, no network


def test_it_lets_the_setting_allow_private_addresses_but_never_other_schemes(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    check_url("http://127.0.0.1:8000/hook")
    with pytest.raises(ValidationError):
        check_url("ftp://127.0.0.1/hook")


@pytest.mark.django_db
@pytest.mark.usefixtures("private_urls_refused")
def test_it_says_so_on_the_form_and_registers_nothing(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("webhooks:endpoint_create"),
        {"url": "http://169.254.169.254/latest/", "kinds": ["request.submitted"]},
    )
    assert response.status_code == 400
    assert "public addresses only" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_it_checks_the_address_again_before_each_delivery(settings, admin, receiver):
    endpoint = endpoint_create(
        actor=admin, url=receiver.url, description="", kinds=["request.submitted"]
    )

    delivery = endpoint_send_test(actor=admin, endpoint=endpoint)
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False  # as if its DNS now pointed inside
    assert delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.Status.FAILED
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("Refused:")
    assert receiver.requests == []
