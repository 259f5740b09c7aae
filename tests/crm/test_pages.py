"""The CRM page as an admin uses it (connection, Test connection, Sync now, the mapping), and
closed to everyone else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from crm.models import CrmSettings, SyncRun, Vendor
from feature_requests.models import Deal

pytestmark = pytest.mark.django_db
PAGE = "/integrations/crm/"


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast[Role.ADMIN])
    return client


def test_without_a_crm_the_page_says_what_to_set(admin_client, settings):
    settings.HUBSPOT_ACCESS_TOKEN = ""
    settings.SALESFORCE_CLIENT_ID = ""
    settings.CRM_PROVIDER = ""

    page = admin_client.get(PAGE).content.decode()

    assert "No CRM is connected" in page and "HUBSPOT_ACCESS_TOKEN" in page
    assert "Sync now" not in page
    assert admin_client.post(reverse("crm:sync"), follow=True).status_code == 200
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize(
    "role", [Role.SALES_REP, Role.SALES_LEADER, Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER]
)
def test_only_admins_open_it_or_press_its_buttons(client, cast, connected, role):
    client.force_login(cast[role])
    assert client.get(PAGE).status_code == 403
    assert client.post(reverse("crm:sync")).status_code == 403
    assert client.post(reverse("crm:test")).status_code == 403
    assert client.post(PAGE, {"arr_field": "x"}).status_code == 403
    assert not SyncRun.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, connected):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_test_connection_names_the_account(admin_client, connected):
    response = admin_client.post(reverse("crm:test"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "crm-test-ok" in text and "12345678" in text


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ((401, {"status": "error", "category": "INVALID_AUTHENTICATION"}), "access token"),
        (
            (
                403,
                {
                    "status": "error",
                    "category": "MISSING_SCOPES",
                    "message": "missing scopes",
                    "errors": [{"context": {"requiredGranularScopes": ["crm.objects.deals.read"]}}],
                },
            ),
            "crm.objects.deals.read",
        ),
        ((429, {"status": "error", "category": "RATE_LIMITS"}), "rate limit"),
    ],
)
def test_test_connection_explains_what_is_wrong(admin_client, connected, fault, words):
    status, body = fault
    connected.fail("/", status, body, times=20, headers={"Retry-After": "5"})

    response = admin_client.post(reverse("crm:test"), headers={"HX-Request": "true"})

    text = response.content.decode()
    assert "crm-test-problem" in text
    assert words in text.lower() or words in text


def test_an_unreachable_crm_is_named(admin_client, settings, connected):
    settings.HUBSPOT_API_URL = "http://127.0.0.1:9"  # nothing listens on the discard port

    text = admin_client.post(reverse("crm:test")).content.decode()

    assert "did not answer" in text


def test_sync_now_runs_and_shows_the_counts(
    admin_client, connected, crm_rep, django_capture_on_commit_callbacks
):
    company = connected.add_company("Acme Corp")
    connected.add_deal("Renewal", company, 80_000, owner_email=crm_rep.email)
    connected.add_deal("Orphan", company, 5, owner_email="nobody@elsewhere.example")

    with django_capture_on_commit_callbacks(execute=True):  # the worker takes the task
        response = admin_client.post(reverse("crm:sync"), headers={"HX-Request": "true"})
    run = SyncRun.objects.get()
    assert f'hx-get="/integrations/crm/syncs/{run.pk}/"' in response.content.decode()

    text = admin_client.get(
        reverse("crm:sync_status", args=[run.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'id="crm-runs-section" aria-labelledby="crm-runs" hx-swap-oob="true"' in text
    assert 'data-status="succeeded"' in text
    assert 'data-testid="crm-created">2<' in text  # the company and the deal
    assert 'data-testid="crm-skipped">1<' in text
    assert "nobody@elsewhere.example" in text
    assert Deal.objects.get().name == "Renewal"
    page = admin_client.get(PAGE).content.decode()
    assert "crm-run" in page and "Ada Admin" in page


def test_a_running_sync_is_followed_not_doubled(admin_client, connected, cast):
    from crm.sync import sync_start

    running, _ = sync_start(vendor=Vendor.HUBSPOT, trigger=SyncRun.Trigger.SCHEDULED)
    SyncRun.objects.filter(pk=running.pk).update(progress="Deals: page 3", pages=2)

    response = admin_client.post(reverse("crm:sync"), headers={"HX-Request": "true"})

    text = response.content.decode()
    assert SyncRun.objects.count() == 1
    assert "Deals: page 3" in text and "2 pages saved" in text
    assert f'hx-get="/integrations/crm/syncs/{running.pk}/"' in text  # it keeps polling
    status = admin_client.get(
        reverse("crm:sync_status", args=[running.pk]), headers={"HX-Request": "true"}
    )
    assert status.status_code == 200 and "Syncing" in status.content.decode()
    assert "crm-runs-section" not in status.content.decode()  # not until it ends
    assert admin_client.get(reverse("crm:sync_status", args=[running.pk])).url == PAGE


def test_an_unknown_sync_is_a_404(admin_client, connected):
    missing = admin_client.get("/integrations/crm/syncs/999999/", headers={"HX-Request": "true"})
    assert missing.status_code == 404


def test_the_mapping_is_saved(admin_client, connected, crm_rep):
    admin_client.get(PAGE)  # the settings row, with HubSpot's stages
    stages = sorted(CrmSettings.objects.get().stage_map)
    data = {
        "arr_field": "arr",
        "segment_field": "",
        "summary_field": "forcerank_status",
        "default_owner": crm_rep.pk,
        "write_back": "on",
        "new_stage_name": "Custom stage",
        "new_stage": "evaluation",
    }
    data |= {f"stage_{index}": "" for index in range(len(stages))}
    data[f"stage_{stages.index('closedwon')}"] = "closed_won"

    response = admin_client.post(PAGE, data)

    assert response.status_code == 302, response.context["form"].errors
    crm_settings = CrmSettings.objects.get()
    assert crm_settings.arr_field == "arr" and crm_settings.summary_field == "forcerank_status"
    assert crm_settings.default_owner == crm_rep
    assert crm_settings.stage_map == {"closedwon": "closed_won", "Custom stage": "evaluation"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"arr_field": "arr; DROP"}, "letters, digits and _ only"),
        ({"arr_field": "<script>"}, "letters, digits and _ only"),
        ({"default_owner": "999999"}, "Select a valid choice"),
        ({"new_stage_name": "x", "new_stage": "won"}, "Select a valid choice"),
        ({"stage_0": "shipped"}, "Select a valid choice"),
    ],
)
def test_bad_mapping_input_is_refused_with_a_message(admin_client, connected, data, message):
    admin_client.get(PAGE)
    before = CrmSettings.objects.get().stage_map

    response = admin_client.post(PAGE, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<script>" not in response.content.decode().split("</header>")[-1].replace(
        "&lt;script&gt;", ""
    )
    assert CrmSettings.objects.get().stage_map == before


def test_a_non_rep_cannot_be_the_default_owner(admin_client, connected, cast):
    admin_client.get(PAGE)
    response = admin_client.post(PAGE, {"default_owner": cast[Role.PRODUCT_LEADER].pk})
    assert response.status_code == 400
    assert CrmSettings.objects.get().default_owner is None


def test_sync_now_after_the_credentials_went_sends_the_browser_back_to_the_page(
    admin_client, settings
):
    settings.HUBSPOT_ACCESS_TOKEN = ""
    settings.SALESFORCE_CLIENT_ID = ""
    settings.CRM_PROVIDER = ""

    response = admin_client.post(reverse("crm:sync"), headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == PAGE  # the whole page, not swapped into the status
    assert "No CRM is connected" in admin_client.get(PAGE).content.decode()
