"""`manage.py crm_fake` (or `make crm-fake`): a fake HubSpot on 127.0.0.1 holding the demo
company's customers and deals (and one company Forcerank has not met), for trying the CRM sync
on a laptop with no HubSpot account anywhere.

It prints the two variables to start `make run` with; then, as the demo's admin, open
Integrations → CRM, map the ARR field (`annualrevenue`) and press Sync now. The fake serves
until you stop it (Ctrl-C) and keeps everything in memory.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from crm.fakes.hubspot import FakeHubSpot
from demo.management.commands.seed_demo import DEMO_CUSTOMERS, DEMO_DEALS
from feature_requests.models import Deal

# Forcerank's stages as the stages of HubSpot's default sales pipeline.
HUBSPOT_STAGES = {
    Deal.Stage.DISCOVERY: "qualifiedtobuy",
    Deal.Stage.EVALUATION: "presentationscheduled",
    Deal.Stage.NEGOTIATION: "contractsent",
    Deal.Stage.CLOSED_WON: "closedwon",
    Deal.Stage.CLOSED_LOST: "closedlost",
}


def seed_fake(fake: FakeHubSpot) -> None:
    """The demo's customers and deals as HubSpot has them, and one company more."""
    companies = {
        customer.name: fake.add_company(
            customer.name, arr=customer.arr, segment=customer.segment.label
        )
        for customer in DEMO_CUSTOMERS
    }
    for deal in DEMO_DEALS:
        fake.add_deal(
            deal.name,
            companies[deal.customer],
            deal.amount,
            stage=HUBSPOT_STAGES[deal.stage],
            owner_email=f"{deal.owner}@example.com",
        )
    wayne = fake.add_company("Wayne Enterprises", arr=2_400_000, segment="Enterprise")
    fake.add_deal(
        "Security operations centre",
        wayne,
        310_000,
        stage="presentationscheduled",
        owner_email="rep.west2@example.com",
    )


class Command(BaseCommand):
    help = "Serve a fake HubSpot with the demo's customers and deals on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=9500)

    def handle(self, *args: Any, port: int = 9500, **options: Any) -> None:
        fake = FakeHubSpot()
        seed_fake(fake)
        url = fake.start(port)
        self.stdout.write(
            f"A fake HubSpot serves {url} (Ctrl-C stops it). Start Forcerank with:\n\n"
            f"  HUBSPOT_ACCESS_TOKEN={fake.token} HUBSPOT_API_URL={url} make run\n\n"
            "then sign in as admin@example.com, open Integrations → CRM, set the ARR field to "
            "annualrevenue and the segment field to forcerank_segment, and press Sync now."
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            fake.stop()
