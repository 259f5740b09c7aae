"""Events of the outbox become write-backs to the CRM deals linked to their request.

Registered in `CrmConfig.ready`. Runs once per committed event in the outbox's transaction:
it only writes the rows (unique per event and deal) and queues their tasks after commit.
"""

from __future__ import annotations

from crm.writeback import WRITTEN_KINDS, write_backs_for
from events.models import Event
from events.registry import subscribe


@subscribe(*WRITTEN_KINDS, name="crm.subscribers.write_back")
def write_back(event: Event) -> None:
    write_backs_for(event)
