"""The agenda goes to both VPs once it is ready."""

from __future__ import annotations

from events.kinds import Kind
from events.models import Event
from events.registry import subscribe
from reviews.emails import review_email_send
from reviews.models import WeeklyReview


@subscribe(Kind.REVIEW_READY)
def email_the_agenda(event: Event) -> None:
    """Sent from the subscriber, so an SMTP failure rolls the delivery back and the outbox
    tries again later; a crash between sending and committing is the one case that could
    send it twice, and it is far rarer than a lost agenda would be."""
    review = (
        WeeklyReview.objects.select_related("quarter").filter(pk=event.payload["review_id"]).first()
    )
    if review is not None:
        review_email_send(review=review)
