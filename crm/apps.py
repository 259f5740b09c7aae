"""The live CRM: HubSpot or Salesforce companies and deals synced into Forcerank's customers
and deals, and what becomes of each request written back to the deals waiting on it."""

from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        # Subscribes to the outbox: a ranking, commitment, shipment, drop or decline of a
        # request becomes one write-back per CRM deal linked to it.
        from crm import subscribers  # noqa: F401
