"""Who hears what happened to requests: notices for reps, their managers and the PMs.

Subscribers of the event outbox (registered in `FeatureRequestsConfig.ready`): each runs
once per committed event, after the change, in a transaction of its own.
"""

from __future__ import annotations

from accounts.models import Role, User
from accounts.notifications import notify
from events.kinds import Kind
from events.models import Event
from events.registry import subscribe
from feature_requests.models import request_url


def _url(event: Event) -> str:
    return request_url(event.request_id or 0)


def _submitter(event: Event) -> list[User]:
    return list(User.objects.filter(pk=event.payload.get("submitted_by_id")))


@subscribe(Kind.REQUEST_SUBMITTED)
def tell_the_manager(event: Event) -> None:
    """A sales manager hears when one of their reps submits: it lands in their triage."""
    rep = User.objects.filter(pk=event.payload["submitted_by_id"]).select_related("manager").first()
    if rep is None or rep.manager is None:
        return
    notify(
        kind=event.kind,
        users=[rep.manager],
        message=f"{rep.full_name} submitted “{event.payload['title']}”: it waits in your triage.",
        url=_url(event),
    )


@subscribe(Kind.REQUEST_ACCEPTED)
def tell_the_rep_and_pms_about_the_ranking(event: Event) -> None:
    payload = event.payload
    notify(
        kind=event.kind,
        users=_submitter(event),
        message=f"“{payload['title']}” was accepted into {payload['quarter']}'s ranking at #{payload['position']}.",
        url=_url(event),
    )
    if payload.get("needs_estimate"):
        # The ranking cannot weigh it against the budget until it has points.
        notify(
            kind=event.kind,
            users=User.objects.filter(role=Role.PRODUCT_MANAGER, is_active=True),
            message=f"“{payload['title']}” needs an estimate: it is ranked in {payload['quarter']}.",
            url=_url(event),
        )


@subscribe(Kind.REQUEST_DECLINED_BY_SALES)
def tell_the_rep_about_the_decline(event: Event) -> None:
    leader = event.actor.full_name if event.actor else "A sales leader"
    notify(
        kind=event.kind,
        users=_submitter(event),
        message=f"{leader} declined “{event.payload['title']}”: {event.payload['reason']}",
        url=_url(event),
    )


@subscribe(Kind.ESTIMATE_CHANGED)
def tell_the_rep_about_the_estimate(event: Event) -> None:
    payload = event.payload
    if payload.get("submitted_by_id") == event.actor_id:
        return
    notify(
        kind=event.kind,
        users=_submitter(event),
        message=f"“{payload['title']}” is estimated at {payload['points']} story points.",
        url=_url(event),
    )


@subscribe(Kind.REQUEST_OWNER_CHANGED)
def tell_the_new_owner(event: Event) -> None:
    """A product manager hears that a request is now theirs, unless they chose it themselves."""
    owner_id = event.payload.get("owner_id")
    if owner_id is None or owner_id == event.actor_id:
        return
    who = event.actor.full_name if event.actor else "Someone"
    notify(
        kind=event.kind,
        users=list(User.objects.filter(pk=owner_id)),
        message=f"{who} made you the owning product manager of “{event.payload['title']}”.",
        url=_url(event),
    )
