"""Saved views: a person saves a request page's filters by name, reopens them, and a leader
shares them with their team (feature_requests/saved_views.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from feature_requests.models import SavedView

SAVE = reverse("requests:saved_view_save")
LIST = reverse("requests:saved_view_list")


def save(client, **fields):
    data = {"page": "requests", "query": "segment=smb", "name": "SMB asks"} | fields
    return client.post(SAVE, data)


def test_it_saves_the_filters_and_reopens_the_page(client, cast):
    leader = cast[Role.SALES_LEADER]
    client.force_login(leader)
    response = save(client, query="segment=smb&criticality=blocker")
    assert response.status_code == 302
    assert response.url == "/requests/?segment=smb&criticality=blocker"
    page = client.get(response.url)
    assert "Saved the view “SMB asks”. Open it again from Saved views." in page.text
    # The page's Saved views menu offers it, and so does the Saved views page.
    assert 'href="/requests/?segment=smb&amp;criticality=blocker">SMB asks</a>' in page.text
    assert (
        'href="/requests/?segment=smb&amp;criticality=blocker">SMB asks</a>'
        in client.get(LIST).text
    )


def test_a_board_view_opens_the_board_of_its_quarter(client, cast, quarter):
    client.force_login(cast[Role.SALES_LEADER])
    response = save(client, page="board", query="customer=Acme", quarter=quarter.label)
    assert response.url == f"/board/{quarter.label}/?customer=Acme"
    response = save(client, page="board", query="customer=Acme", name="No quarter")
    assert response.status_code == 400
    assert "Say which quarter&#x27;s board the view is of." in response.text


def test_it_stores_only_filters_the_page_reads(client, cast):
    client.force_login(cast[Role.SALES_LEADER])
    save(client, query="page=3&evil=%3Cscript%3E&segment=smb&arr_min=lots&side=above")
    view = SavedView.objects.get()
    # Not the pager, not unknown keys, not a bad value, not the board's "side".
    assert view.query == "segment=smb"


def test_saving_again_under_the_same_name_replaces_the_view(client, cast):
    client.force_login(cast[Role.SALES_LEADER])
    save(client)
    response = save(client, query="segment=enterprise")
    assert SavedView.objects.get().query == "segment=enterprise"
    assert "Updated the view “SMB asks”" in client.get(response.url).text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Give the view a name."),
        ({"name": "  \u200b "}, "Give the view a name."),
        ({"name": "x" * 81}, "Keep the name to 80 characters (it has 81)."),
        ({"page": "admin"}, "Views can be saved on the request pages only."),
        ({"quarter": "1999-Q9", "page": "board"}, "That quarter no longer exists."),
    ],
)
def test_it_refuses_a_bad_view_with_a_message(client, cast, fields, message):
    client.force_login(cast[Role.SALES_LEADER])
    response = save(client, **fields)
    assert response.status_code == 400
    assert message.replace("'", "&#x27;") in response.text
    assert not SavedView.objects.exists()


def test_a_view_of_a_page_you_cannot_open_is_refused(client, cast):
    client.force_login(cast[Role.SALES_REP])
    response = save(client, page="triage")
    assert response.status_code == 403
    assert not SavedView.objects.exists()


def test_only_leaders_share_and_their_team_sees_it(client, cast, make_user):
    leader, rep = cast[Role.SALES_LEADER], cast[Role.SALES_REP]
    client.force_login(rep)
    assert save(client, shared="on").status_code == 403
    assert not SavedView.objects.exists()

    client.force_login(leader)
    save(client, shared="on", name="Team SMB")
    save(client, page="triage", query="segment=smb", shared="on", name="Triage SMB")
    save(client, name="Just mine")
    client.get(LIST)  # reads the "Saved …" messages

    client.force_login(rep)
    html = client.get(LIST).text
    assert "Team SMB" in html and "by Lee Leader" in html
    assert "Triage SMB" not in html  # a rep cannot open triage
    assert "Just mine" not in html
    another_leader = make_user(Role.SALES_LEADER)
    client.force_login(another_leader)
    assert "Triage SMB" in client.get(reverse("requests:triage_queue")).text
    for outsider in (cast[Role.PRODUCT_LEADER], cast[Role.PRODUCT_MANAGER], cast[Role.ADMIN]):
        client.force_login(outsider)
        assert "Team SMB" not in client.get(LIST).text


def test_a_deactivated_leaders_shared_views_are_no_longer_offered(client, cast):
    leader, rep = cast[Role.SALES_LEADER], cast[Role.SALES_REP]
    client.force_login(leader)
    save(client, shared="on", name="Team SMB")
    client.get(LIST)  # reads the "Saved …" message
    leader.is_active = False
    leader.save()
    client.force_login(rep)
    assert "Team SMB" not in client.get(LIST).text


def test_the_owner_unshares_and_deletes_and_nobody_else_can(client, cast):
    leader = cast[Role.SALES_LEADER]
    client.force_login(leader)
    save(client, shared="on")
    view = SavedView.objects.get()
    share_url = reverse("requests:saved_view_share", args=[view.pk])
    delete_url = reverse("requests:saved_view_delete", args=[view.pk])

    for other in (cast[Role.SALES_REP], cast[Role.ADMIN]):
        client.force_login(other)
        assert client.post(share_url, {}).status_code == 404
        assert client.post(delete_url).status_code == 404
    assert SavedView.objects.get().shared

    client.force_login(leader)
    response = client.post(share_url, {})
    assert response.status_code == 302
    assert "“SMB asks” is yours alone now." in client.get(response.url).text
    assert not SavedView.objects.get().shared
    client.post(share_url, {"shared": "1"})
    assert SavedView.objects.get().shared
    response = client.post(delete_url)
    assert "Deleted the view “SMB asks”." in client.get(response.url).text
    assert not SavedView.objects.exists()


def test_a_view_name_is_shown_as_text(client, cast):
    client.force_login(cast[Role.SALES_LEADER])
    save(client, name="<img src=x onerror=alert(1)>")
    html = client.get(LIST).text
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_list_of_views_costs_constant_queries(client, cast, django_assert_num_queries):
    leader = cast[Role.SALES_LEADER]
    client.force_login(leader)
    for count in (1, 15):
        for n in range(SavedView.objects.count(), count):
            SavedView.objects.create(owner=leader, page="requests", name=f"V{n}", shared=True)
        # session, user, the views (with owner and quarter), unread notifications (header)
        with django_assert_num_queries(4):
            client.get(LIST)
