"""The owning product manager: chosen in triage or by product leaders, "assigned to me"."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from events.kinds import Kind
from events.models import Event
from feature_requests import services
from feature_requests.models import FeatureRequest

pytestmark = pytest.mark.django_db
Status = FeatureRequest.Status
ESTIMATES = reverse("requests:estimate_queue")


def owner_url(request: FeatureRequest) -> str:
    return reverse("requests:request_owner", args=[request.pk])


def test_it_sets_the_owner_when_a_leader_accepts(leader_client, rep, pm, quarter, submit):
    request = submit(rep, title="Owned")
    response = leader_client.post(
        reverse("requests:request_accept", args=[request.pk]),
        {"quarter": quarter.pk, "owner": pm.pk},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.owner) == (Status.RANKED, pm)
    event = Event.objects.get(kind=Kind.REQUEST_OWNER_CHANGED)
    assert event.request_id == request.pk
    assert event.payload["owner_id"] == pm.pk and event.payload["previous_owner_id"] is None


def test_it_lets_a_product_leader_change_the_owner_on_the_request_page(
    client, product, leader, rep, pm, make_user, quarter, submit
):
    request = submit(rep, title="Owned")
    services.request_accept(actor=leader, request=request, quarter=quarter, owner=pm)
    other = make_user(Role.PRODUCT_MANAGER, full_name="Otto Other")
    client.force_login(product)
    page = client.get(request.get_absolute_url()).text
    assert f'action="{owner_url(request)}"' in page
    response = client.post(owner_url(request), {"owner": other.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.owner == other
    assert "Otto Other now owns “Owned”." in client.get(request.get_absolute_url()).text
    events = Event.objects.filter(kind=Kind.REQUEST_OWNER_CHANGED).order_by("id")
    assert [e.payload["owner_id"] for e in events] == [pm.pk, other.pk]
    # Clearing it is a change too; setting the same owner again is not.
    response = client.post(owner_url(request), {"owner": ""})
    assert response.status_code == 302
    client.post(owner_url(request), {"owner": ""})
    request.refresh_from_db()
    assert request.owner is None
    assert Event.objects.filter(kind=Kind.REQUEST_OWNER_CHANGED).count() == 3


def test_it_refuses_an_owner_who_is_not_an_active_pm(product_client, rep, make_user, submit):
    request = submit(rep, title="Owned")
    gone = make_user(Role.PRODUCT_MANAGER, is_active=False)
    for candidate in (gone, rep):
        response = product_client.post(owner_url(request), {"owner": candidate.pk})
        assert response.status_code == 400
        assert "Choose an active product manager." in response.text
    request.refresh_from_db()
    assert request.owner is None
    assert not Event.objects.filter(kind=Kind.REQUEST_OWNER_CHANGED).exists()


def test_the_service_refuses_an_owner_who_is_not_a_pm(product, rep, submit):
    request = submit(rep, title="Owned")
    with pytest.raises(ValidationError, match="not an active product manager"):
        services.request_set_owner(actor=product, request=request, owner=rep)


def test_sales_leaders_assign_owners_only_while_triaging(leader, rep, pm, quarter, submit):
    request = submit(rep, title="Owned")
    assert services.request_set_owner(actor=leader, request=request, owner=pm)
    services.request_accept(actor=leader, request=request, quarter=quarter)
    with pytest.raises(PermissionDenied):
        services.request_set_owner(actor=leader, request=request, owner=None)


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.PRODUCT_MANAGER])
def test_it_keeps_the_owner_form_for_product_leaders(client, cast, rep, pm, submit, role):
    request = submit(rep, title="Owned")
    client.force_login(cast[role])
    assert f'action="{owner_url(request)}"' not in client.get(request.get_absolute_url()).text
    response = client.post(owner_url(request), {"owner": pm.pk})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.owner is None


def test_it_shows_a_pm_the_requests_assigned_to_them(
    client, pm, leader, rep, make_user, quarter, submit
):
    mine = submit(rep, title="Mine to estimate")
    theirs = submit(rep, title="Someone else")
    services.request_accept(actor=leader, request=mine, quarter=quarter, owner=pm)
    services.request_accept(
        actor=leader, request=theirs, quarter=quarter, owner=make_user(Role.PRODUCT_MANAGER)
    )
    client.force_login(pm)
    everything = client.get(ESTIMATES).text
    assert ">Mine to estimate</a>" in everything and ">Someone else</a>" in everything
    assigned = client.get(ESTIMATES, {"mine": "1"}).text
    assert ">Mine to estimate</a>" in assigned and ">Someone else</a>" not in assigned
    assert 'href="/estimates/?mine=1" aria-current="page"' in assigned
    dashboard = client.get(reverse("dashboard")).text
    assert "1 open request</strong> assigned to you" in dashboard


def test_the_new_owner_hears_of_it_and_may_choose_e_mail_for_it(
    product, leader, rep, pm, quarter, submit, deliver_events
):
    from accounts.models import Notification
    from accounts.notifications import EMAIL_CHOICES

    request = submit(rep, title="Owned")
    services.request_accept(actor=leader, request=request, quarter=quarter, owner=pm)
    deliver_events()
    notice = Notification.objects.get(user=pm, kind=Kind.REQUEST_OWNER_CHANGED)
    assert notice.message == f"{leader.full_name} made you the owning product manager of “Owned”."
    assert notice.url == request.get_absolute_url()
    assert Kind.REQUEST_OWNER_CHANGED in dict(EMAIL_CHOICES)
    services.request_set_owner(actor=product, request=request, owner=None)  # cleared: nobody
    deliver_events()
    assert Notification.objects.filter(kind=Kind.REQUEST_OWNER_CHANGED).count() == 1
