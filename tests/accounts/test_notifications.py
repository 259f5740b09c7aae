"""Notifications: the list page, the unread count in the header, marking read, the e-mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, Role
from accounts.notifications import notify
from accounts.services import notification_email_send

pytestmark = pytest.mark.django_db

LIST = reverse("notification_list")
READ = reverse("notifications_read")


def leave(user, count: int, *, read: bool = False, message: str = "Note {n}") -> None:
    """`count` notifications for `user`, the highest number the newest."""
    start = timezone.now() - dt.timedelta(days=1)
    rows = Notification.objects.bulk_create(
        Notification(
            user=user,
            message=message.format(n=n),
            url=f"/requests/{n}/",
            read_at=start if read else None,
        )
        for n in range(1, count + 1)
    )
    # auto_now_add stamps them all alike; spread them out so "newest first" is observable.
    for n, row in enumerate(rows, start=1):
        row.created_at = start + dt.timedelta(minutes=n)
    Notification.objects.bulk_update(rows, ["created_at"])


def items(response) -> int:
    return response.text.count('data-testid="notification"')


def test_it_lists_the_users_notifications_newest_first_with_links(client, cast):
    rep = cast[Role.SALES_REP]
    leave(rep, 3)
    client.force_login(rep)
    html = client.get(LIST).text
    assert html.index("Note 3") < html.index("Note 2") < html.index("Note 1")
    assert '<a href="/requests/2/">Note 2</a>' in html


def test_it_never_shows_someone_elses_notifications(client, cast):
    rep, leader = cast[Role.SALES_REP], cast[Role.SALES_LEADER]
    leave(leader, 2, message="Leader secret {n}")
    leave(rep, 1, message="Rep news {n}")
    client.force_login(rep)
    response = client.get(LIST)
    assert "Rep news 1" in response.text
    assert "Leader secret" not in response.text
    assert items(response) == 1


def test_it_marks_unread_ones_in_bold_and_with_a_word(client, cast):
    rep = cast[Role.SALES_REP]
    leave(rep, 1, read=True, message="Old news")
    leave(rep, 1, message="Fresh news")
    client.force_login(rep)
    html = client.get(LIST).text
    assert '<span class="tag">new</span>' in html
    assert '<strong><a href="/requests/1/">Fresh news</a></strong>' in html
    assert '<strong><a href="/requests/1/">Old news' not in html
    assert html.count('<span class="tag">new</span>') == 1


def test_it_does_not_mark_them_read_by_opening_the_list(client, cast):
    rep = cast[Role.SALES_REP]
    leave(rep, 2)
    client.force_login(rep)
    client.get(LIST)
    assert Notification.objects.filter(user=rep, read_at__isnull=True).count() == 2


def test_it_shows_the_unread_count_in_the_header_on_every_page(client, cast):
    rep = cast[Role.SALES_REP]
    leave(rep, 2)
    leave(rep, 4, read=True)
    client.force_login(rep)
    html = client.get(reverse("dashboard")).text
    assert (
        f'<a href="{LIST}" data-testid="notifications-link">'
        'Notifications (2<span class="visually-hidden"> unread</span>)</a>'
    ) in html


def test_it_shows_a_plain_link_when_nothing_is_unread(client, cast):
    rep = cast[Role.SALES_REP]
    leave(rep, 1, read=True)
    client.force_login(rep)
    html = client.get(reverse("dashboard")).text
    assert f'<a href="{LIST}" data-testid="notifications-link">Notifications</a>' in html


def test_it_marks_all_as_read_and_goes_back(client, cast):
    rep, leader = cast[Role.SALES_REP], cast[Role.SALES_LEADER]
    leave(rep, 3)
    leave(leader, 2)
    client.force_login(rep)
    assert "Mark all as read" in client.get(LIST).text

    response = client.post(READ, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "Marked 3 notifications as read." in response.text
    assert not Notification.objects.filter(user=rep, read_at__isnull=True).exists()
    # Someone else's stay unread: the POST carries no ids to forge.
    assert Notification.objects.filter(user=leader, read_at__isnull=True).count() == 2
    assert '<span class="tag">new</span>' not in response.text
    assert "Mark all as read" not in response.text
    assert 'data-testid="notifications-link">Notifications</a>' in response.text


def test_it_keeps_the_first_read_time(client, cast):
    rep = cast[Role.SALES_REP]
    leave(rep, 1, read=True)
    before = Notification.objects.get(user=rep).read_at
    client.force_login(rep)
    response = client.post(READ, follow=True)
    assert Notification.objects.get(user=rep).read_at == before
    assert "Marked" not in response.text


def test_it_refuses_to_mark_read_by_get(client, cast):
    rep = cast[Role.SALES_REP]
    leave(rep, 1)
    client.force_login(rep)
    assert client.get(READ).status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_it_sends_anonymous_visitors_to_log_in(client, cast):
    leave(cast[Role.SALES_REP], 1)
    for response in (client.get(LIST), client.post(READ)):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


@pytest.mark.parametrize("role", list(Role))
def test_it_lets_every_role_see_its_notifications(client, cast, role):
    leave(cast[role], 1, message="For you")
    client.force_login(cast[role])
    response = client.get(LIST)
    assert response.status_code == 200
    assert "For you" in response.text


def test_it_pages_at_fifty(client, cast):
    rep = cast[Role.SALES_REP]
    leave(rep, 51)
    client.force_login(rep)
    first = client.get(LIST)
    assert items(first) == 50
    assert "Page 1 of 2" in first.text
    second = client.get(LIST, {"page": 2})
    assert items(second) == 1
    assert "Note 1<" in second.text
    # A page number that is not one shows a page, not an error.
    assert client.get(LIST, {"page": "lots"}).status_code == 200


def test_it_says_so_when_there_are_none(client, cast):
    client.force_login(cast[Role.PRODUCT_MANAGER])
    html = client.get(LIST).text
    assert "No notifications yet." in html
    assert "Mark all as read" not in html


@pytest.mark.parametrize("count", [2, 60])
def test_it_lists_notifications_in_constant_queries(client, cast, django_assert_num_queries, count):
    rep = cast[Role.SALES_REP]
    leave(rep, count)
    client.force_login(rep)
    # session, user, count, the page's rows, unread count (header)
    with django_assert_num_queries(5):
        response = client.get(LIST)
    assert items(response) == min(count, 50)


# E-mail


def test_it_emails_the_message_with_an_absolute_link_once(cast, settings):
    settings.SITE_URL = "https://forcerank.example.com"
    rep = cast[Role.SALES_REP]
    notification = Notification.objects.create(
        user=rep, message="“Bulk export” has shipped.", url="/requests/7/"
    )
    assert notification_email_send(notification_id=notification.pk) is True
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [rep.email]
    assert "“Bulk export” has shipped." in email.body
    assert "https://forcerank.example.com/requests/7/" in email.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None

    assert notification_email_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_it_emails_a_notification_after_the_commit(cast, django_capture_on_commit_callbacks):
    rep = cast[Role.SALES_REP]
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify(users=[rep], message="Something happened", url="/requests/1/")
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert [email.to for email in mail.outbox] == [[rep.email]]
    assert "Something happened" in mail.outbox[0].body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_it_leaves_inactive_users_out(cast, make_user, django_capture_on_commit_callbacks):
    gone = make_user(Role.SALES_REP, is_active=False)
    rep = cast[Role.SALES_REP]
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[gone, rep, None], message="Hello")
    assert list(Notification.objects.values_list("user", flat=True)) == [rep.pk]
    assert [email.to for email in mail.outbox] == [[rep.email]]


def test_it_does_not_email_a_user_who_left_after_it_was_queued(cast):
    rep = cast[Role.SALES_REP]
    notification = Notification.objects.create(user=rep, message="Late news")
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    assert notification_email_send(notification_id=notification.pk) is False
    assert mail.outbox == []


def test_it_sends_again_the_emails_that_never_went_out(
    db, make_user, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.core import mail
    from django.utils import timezone

    from accounts.models import Notification
    from accounts.tasks import resend_notification_emails

    user = make_user(Role.SALES_REP)
    now = timezone.now()
    stuck = Notification.objects.create(user=user, message="Stuck while the queue was down")
    sent = Notification.objects.create(user=user, message="Already e-mailed", emailed_at=now)
    Notification.objects.create(user=user, message="Just made; its e-mail is on its way")
    ancient = Notification.objects.create(user=user, message="Old news")
    Notification.objects.filter(pk__in=[stuck.pk, sent.pk]).update(
        created_at=now - dt.timedelta(hours=1)
    )
    Notification.objects.filter(pk=ancient.pk).update(created_at=now - dt.timedelta(days=3))

    assert resend_notification_emails.delay().get() == 1
    assert [message.body.split("\n")[0] for message in mail.outbox] == [
        "Stuck while the queue was down"
    ]
    stuck.refresh_from_db()
    assert stuck.emailed_at is not None
    assert resend_notification_emails.delay().get() == 0  # sent once, never twice
    assert len(mail.outbox) == 1  # neither the fresh, the e-mailed nor the old one
