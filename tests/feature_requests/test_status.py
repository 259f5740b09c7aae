"""One way to change a request's status: along the status flow, recorded, published."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from events.kinds import Kind
from events.models import Event
from feature_requests.models import FeatureRequest
from feature_requests.status import TRANSITIONS, request_transition

pytestmark = pytest.mark.django_db
Status = FeatureRequest.Status


@pytest.fixture
def request_(cast):
    return FeatureRequest.objects.create(
        title="Audit log", problem="p", submitted_by=cast[Role.SALES_REP]
    )


def test_it_records_and_publishes_a_move_along_the_flow(cast, request_):
    leader = cast[Role.SALES_LEADER]
    request_.decline_reason = "Not this year."
    change = request_transition(
        request=request_,
        actor=leader,
        to_status=Status.DECLINED_BY_SALES,
        note="Not this year.",
        also_save=["decline_reason"],
    )
    request_.refresh_from_db()
    assert (request_.status, request_.decline_reason) == ("declined_by_sales", "Not this year.")
    assert (change.from_status, change.to_status, change.actor) == (
        "submitted",
        "declined_by_sales",
        leader,
    )
    event = Event.objects.get()
    assert (event.kind, event.request_id, event.actor) == (
        Kind.REQUEST_DECLINED_BY_SALES,
        request_.pk,
        leader,
    )
    assert event.payload["submitted_by_id"] == cast[Role.SALES_REP].pk


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.SUBMITTED, Status.COMMITTED),  # product commits only ranked requests
        (Status.SHIPPED, Status.RANKED),
        (Status.DECLINED, Status.SUBMITTED),
        (Status.DROPPED, Status.SHIPPED),
        (Status.MERGED, Status.RANKED),
    ],
)
def test_it_refuses_a_move_the_flow_does_not_have(cast, request_, start, target):
    FeatureRequest.objects.filter(pk=request_.pk).update(status=start)
    request_.refresh_from_db()
    with pytest.raises(ValidationError, match="it cannot become"):
        request_transition(request=request_, actor=cast[Role.ADMIN], to_status=target)
    request_.refresh_from_db()
    assert request_.status == start
    assert not request_.status_changes.exists()
    assert not Event.objects.exists()


def test_every_status_is_reachable_and_every_step_names_its_event():
    reached = {target for _, target in TRANSITIONS}
    assert reached == set(Status.values)
    silent = [step for step, kind in TRANSITIONS.items() if kind is None]
    assert silent == [(Status.DEFERRED, Status.RANKED)]  # a deferral publishes once, on leaving
