"""`manage.py sso_mock` (or `make sso-mock`): a local OpenID Connect provider for trying
company sign-in on a laptop, with no identity provider account anywhere.

It serves oidc-provider-mock (a development dependency) on 127.0.0.1:9400, offering a few
people with groups, adds the group mappings those groups need (provider "mock" only, and only
once), and prints the SSO_OIDC_PROVIDERS value to start Forcerank with.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Role, User
from budgets.models import AuditEntry
from people.models import GroupRole

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

MOCK_PROVIDER_ID = "mock"
MOCK_PROVIDER_NAME = "Mock company sign-in"
DEMO_MANAGER_EMAIL = "manager.east@example.com"  # a sales leader of the demo (seed_demo)


@dataclass(frozen=True)
class MockPerson:
    email: str
    name: str
    groups: tuple[str, ...]
    outcome: str

    def claims(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "email_verified": True,
            "name": self.name,
            "groups": list(self.groups),
        }


MOCK_PEOPLE = [
    MockPerson("new.rep@example.com", "Nora Newrep", ("forcerank-sales",), "a new sales rep"),
    MockPerson("new.pm@example.com", "Pete Newpm", ("forcerank-product",), "a new product manager"),
    MockPerson(
        "vp.sales@example.com",
        "Valerie Sales",
        ("forcerank-sales-leaders",),
        "the demo's VP Sales, linked to her account (not a second one)",
    ),
    MockPerson(
        "outsider@example.com", "Oscar Outsider", ("marketing",), "refused: no mapped group"
    ),
]
MOCK_GROUPS = {
    "forcerank-sales": Role.SALES_REP,
    "forcerank-sales-leaders": Role.SALES_LEADER,
    "forcerank-product": Role.PRODUCT_MANAGER,
}


def provider_entry(*, host: str, port: int) -> dict[str, Any]:
    """This mock as one entry of SSO_OIDC_PROVIDERS."""
    return {
        "id": MOCK_PROVIDER_ID,
        "name": MOCK_PROVIDER_NAME,
        "issuer": f"http://{host}:{port}",
        "client_id": "forcerank-local",
        "secret": "local-only-secret",
    }


def sso_env(*, host: str, port: int) -> str:
    """The SSO_OIDC_PROVIDERS value, quoted for a POSIX shell."""
    return "SSO_OIDC_PROVIDERS='" + json.dumps([provider_entry(host=host, port=port)]) + "'"


@transaction.atomic
def mock_mappings_ensure() -> list[str]:
    """Map the mock's groups to roles for provider "mock", unless mappings for it exist
    already; returns what was added (nothing when rows exist or reps have no manager)."""
    if GroupRole.objects.filter(provider_id=MOCK_PROVIDER_ID).exists():
        return []
    manager = User.objects.filter(
        email=DEMO_MANAGER_EMAIL, role=Role.SALES_LEADER, is_active=True
    ).first()
    added = []
    for group, role in MOCK_GROUPS.items():
        if role == Role.SALES_REP and manager is None:
            continue  # no demo sales leader to receive the reps' requests: leave reps out
        row = GroupRole.objects.create(
            provider_id=MOCK_PROVIDER_ID,
            group=group,
            role=role,
            manager=manager if role == Role.SALES_REP else None,
        )
        AuditEntry.objects.create(
            action=AuditEntry.Action.SIGN_IN_SETTINGS_UPDATED,
            changes={"group mapping": [None, str(row)]},
            reason="manage.py sso_mock",
        )
        added.append(str(row))
    return added


def mock_server(*, host: str, port: int) -> BaseWSGIServer:
    """The mock provider, listening (not serving yet), offering MOCK_PEOPLE."""
    try:
        with warnings.catch_warnings():  # authlib, inside it, warns about its own deprecations
            warnings.simplefilter("ignore")
            from oidc_provider_mock import User as MockUser
            from oidc_provider_mock import app as mock_app
            from werkzeug.serving import make_server
    except ImportError as error:
        raise CommandError(
            "oidc-provider-mock is a development dependency: install it with "
            "`.venv/bin/pip install --require-hashes -r requirements-dev.lock` "
            "(or run `make sso-mock`)."
        ) from error
    users = [MockUser(sub=person.email, claims=person.claims()) for person in MOCK_PEOPLE]
    try:
        return make_server(host, port, mock_app(user_claims=users), threaded=True)
    except OSError as error:
        raise CommandError(f"Cannot listen on {host}:{port}: {error}") from error


class Command(BaseCommand):
    help = "Serve a mock OpenID Connect provider on 127.0.0.1:9400 for trying company sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=9400)
        parser.add_argument(
            "--no-mappings", action="store_true", help="Leave the group mappings alone."
        )

    def handle(self, *args: Any, host: str, port: int, no_mappings: bool, **options: Any) -> None:
        server = mock_server(host=host, port=port)
        added = [] if no_mappings else mock_mappings_ensure()
        write = self.stdout.write
        write(f"A mock identity provider serves http://{host}:{port} (Ctrl-C stops it).")
        write("Start Forcerank with it, in another terminal:")
        write("")
        write(f"  {sso_env(host=host, port=port)} make run")
        write("")
        write(f"then press “Sign in with {MOCK_PROVIDER_NAME}” on the login page and pick:")
        for person in MOCK_PEOPLE:
            write(f"  {person.email:<24} groups {', '.join(person.groups):<26} → {person.outcome}")
        if added:
            write("\nAdded group mappings for provider “mock”: " + "; ".join(added))
        elif not no_mappings:
            write("\nGroup mappings for provider “mock”: kept as they are (Django admin).")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
