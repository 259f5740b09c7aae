"""Each person chooses which notices also come by e-mail; every notice stays in the app."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, Role
from accounts.notifications import EMAIL_CHOICES, notifications_to_resend
from feature_requests import services

pytestmark = pytest.mark.django_db
URL = reverse("notification_emails")


def test_it_offers_every_kind_checked_until_someone_unticks_one(client, cast):
    client.force_login(cast[Role.SALES_REP])
    html = client.get(URL).text
    assert html.count('type="checkbox"') == len(EMAIL_CHOICES)
    assert html.count("checked") == len(EMAIL_CHOICES)
    assert "a request of mine is estimated" in html


def test_a_rep_who_reads_estimates_in_the_app_gets_no_email_for_them(
    client, cast, quarter, deliver_events, django_capture_on_commit_callbacks
):
    rep, pm, leader = cast[Role.SALES_REP], cast[Role.PRODUCT_MANAGER], cast[Role.SALES_LEADER]
    client.force_login(rep)
    keep = [kind for kind, _ in EMAIL_CHOICES if kind != "estimate.changed"]
    response = client.post(URL, {"kinds": keep})
    assert response.status_code == 302
    assert "Your e-mail choices are saved." in client.get(response.url).text
    rep.refresh_from_db()
    assert rep.email_muted_kinds == ["estimate.changed"]

    request = services.request_submit(
        actor=rep, title="Audit log", problem="p", quarter=quarter, deal_links=[]
    )
    services.request_estimate(actor=pm, request=request, points=8)
    services.request_accept(actor=leader, request=request, quarter=quarter)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_events()
    # Both notices are in the app; only the one still chosen came by e-mail.
    messages = set(Notification.objects.filter(user=rep).values_list("message", flat=True))
    assert "“Audit log” is estimated at 8 story points." in messages
    to_rep = [m.subject for m in mail.outbox if m.to == [rep.email]]
    assert len(to_rep) == 1 and "was accepted" in to_rep[0]
    # Nor does the hourly catch-up send it later.
    Notification.objects.update(created_at=timezone.now() - dt.timedelta(minutes=30))
    muted = Notification.objects.get(user=rep, kind="estimate.changed")
    assert muted.pk not in notifications_to_resend()


def test_it_refuses_an_unknown_kind_and_keeps_the_choices(client, cast):
    rep = cast[Role.SALES_REP]
    client.force_login(rep)
    response = client.post(URL, {"kinds": ["cut_line.crossed", "no.such.kind"]})
    assert response.status_code == 400
    assert "That is not a kind of notice Forcerank sends." in response.text
    rep.refresh_from_db()
    assert rep.email_muted_kinds == []


def test_unticking_everything_keeps_every_notice_in_the_app(client, cast, quarter, deliver_events):
    rep = cast[Role.SALES_REP]
    client.force_login(rep)
    assert client.post(URL, {}).status_code == 302
    rep.refresh_from_db()
    assert len(rep.email_muted_kinds) == len(EMAIL_CHOICES)
    services.request_submit(actor=rep, title="X", problem="p", quarter=quarter, deal_links=[])
    deliver_events()
    notice = Notification.objects.get(user=cast[Role.SALES_LEADER])
    assert notice.email_wanted  # the manager's own choices still hold
