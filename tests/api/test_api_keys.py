"""API keys: made on one's own page and shown once, stored hashed, revoked by their owner or
an admin; a key acts as its owner, and stops with a revocation or a deactivation."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from api.models import ApiKey
from api.services import api_key_create

pytestmark = pytest.mark.django_db
KEYS = reverse("api:key_list")


def test_it_shows_a_new_key_once_and_stores_only_its_hash(client, cast):
    client.force_login(cast[Role.SALES_REP])
    response = client.post(reverse("api:key_create"), {"name": "CRM sync"}, follow=True)
    page = response.content.decode()
    assert "Copy it now: it is not shown again." in page
    key = ApiKey.objects.get()
    raw = page.split('id="new-key-value" value="')[1].split('"')[0]
    assert raw.startswith(f"frk_{key.prefix}_")
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.values())
    again = client.get(KEYS).content.decode()
    assert raw not in again
    assert "CRM sync" in again
    assert f"frk_{key.prefix}_…" in again


def test_it_refuses_a_key_without_a_name(client, cast):
    client.force_login(cast[Role.SALES_REP])
    response = client.post(reverse("api:key_create"), {"name": "  "})
    assert response.status_code == 400
    assert "Name the key" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_it_lets_a_key_act_as_its_owner(api, cast):
    assert api(Role.PRODUCT_MANAGER).get("/api/v1/quarters/").status_code == 200
    # The same key may not rank: a product manager may not.
    response = api(Role.PRODUCT_MANAGER).post("/api/v1/quarters/2026-Q1/moves/", {})
    assert response.status_code in (403, 404)


def test_it_revokes_ones_own_key_and_the_key_stops_working(client, cast, api):
    key, raw = api_key_create(actor=cast[Role.SALES_REP], name="laptop")
    assert api(raw).get("/api/v1/quarters/").status_code == 200
    client.force_login(cast[Role.SALES_REP])
    response = client.post(reverse("api:key_revoke", args=[key.pk]), follow=True)
    assert "is revoked" in response.content.decode()
    assert api(raw).get("/api/v1/quarters/").status_code == 401


def test_it_lets_nobody_but_admins_revoke_someone_elses_key(client, cast):
    key, _ = api_key_create(actor=cast[Role.SALES_REP], name="laptop")
    client.force_login(cast[Role.SALES_LEADER])
    assert client.post(reverse("api:key_revoke", args=[key.pk])).status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None
    client.force_login(cast[Role.ADMIN])
    response = client.post(reverse("api:key_revoke", args=[key.pk]))
    assert response.url == reverse("api:key_list_all")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_it_lists_everyones_keys_for_admins(client, cast, django_assert_num_queries):
    client.force_login(cast[Role.ADMIN])
    api_key_create(actor=cast[Role.SALES_REP], name="rep script")
    # The same number of queries whatever the number of keys (the header's included).
    with django_assert_num_queries(5):
        small = client.get(reverse("api:key_list_all"))
    assert "rep script" in small.content.decode()
    assert cast[Role.SALES_REP].full_name in small.content.decode()
    for role, user in cast.items():
        for number in range(5):
            api_key_create(actor=user, name=f"{role} {number}")
    with django_assert_num_queries(5):
        large = client.get(reverse("api:key_list_all"))
    assert large.content.decode().count("Revoke<") == 26


def test_it_refuses_the_keys_of_a_deactivated_person(api, cast):
    _, raw = api_key_create(actor=cast[Role.SALES_REP], name="script")
    cast[Role.SALES_REP].is_active = False
    cast[Role.SALES_REP].save(update_fields=["is_active"])
    assert api(raw).get("/api/v1/quarters/").status_code == 401


def test_it_notes_the_last_use_at_most_once_a_minute(api, cast):
    key, raw = api_key_create(actor=cast[Role.SALES_REP], name="script")
    client = api(raw)
    client.get("/api/v1/quarters/")
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    client.get("/api/v1/quarters/")
    key.refresh_from_db()
    assert key.last_used_at == first  # no write within the minute
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    client.get("/api/v1/quarters/")
    key.refresh_from_db()
    assert key.last_used_at > first


def test_it_prints_a_new_key_from_the_command_line(cast, api):
    out = io.StringIO()
    call_command("api_key_create", cast[Role.SALES_LEADER].email.upper(), "make run", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("frk_")
    assert api(raw).get("/api/v1/quarters/").status_code == 200
    with pytest.raises(CommandError, match="No active user"):
        call_command("api_key_create", "nobody@example.com", "x", stdout=io.StringIO())
