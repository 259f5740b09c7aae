"""`make run` as a newcomer sees it: debug mode behaves like production for form errors, the
demo seed e-mails nobody, and links in e-mails follow the address it serves on."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Notification, Role

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_debug_pages_load_htmx_without_the_error_handler_that_replaces_the_page(
    client, cast, settings
):
    settings.DEBUG = True
    client.force_login(cast[Role.SALES_LEADER])
    html = client.get(reverse("dashboard")).text
    assert "django_htmx/htmx-2.min.js" in html
    # django-htmx's debug handler would show a 400 answer as the whole page instead of
    # swapping the form with its messages in place.
    assert "django-htmx.js" not in html


@pytest.mark.django_db(transaction=True)  # the e-mails go after the seed's commit
def test_the_demo_seed_notifies_in_the_app_and_emails_nobody(capsys):
    call_command("seed_demo")
    assert Notification.objects.exists()
    assert mail.outbox == []
    assert "Subject:" not in capsys.readouterr().out


@pytest.mark.parametrize("address", ["127.0.0.1:8000", "127.0.0.1:8090"])
def test_make_run_points_e_mail_links_at_the_address_it_serves(address):
    result = subprocess.run(
        ["make", "-n", "run", f"ADDRESS={address}"],  # noqa: S607 - the machine's own make
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert f"SITE_URL=http://{address}" in result.stdout
    assert f"runserver {address}" in result.stdout
