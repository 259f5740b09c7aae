"""axe-core in Chromium on every page each role can open, at laptop and phone width.

The pages come from the permission matrix (every URL name, the object it takes and who may
open it), filled in with the demo company's objects. A "serious" or "critical" violation of
WCAG 2.1 A/AA or axe's best practices fails the test, naming the rule, the page and the
elements. axe goes in as the context's init script: Chromium runs it in every page it opens,
outside the site's Content-Security-Policy (script-src 'self' refuses a <script> the test
adds), so the CSP stays in force and the console must still stay free of errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Role, User
from budgets.selectors import company_today, quarter_current
from commitments.models import Commitment, SwapProposal
from commitments.services import swap_propose
from feature_requests.models import Customer, Deal, FeatureRequest
from feature_requests.ranking import ranked
from reviews.models import WeeklyReview
from reviews.services import week_start_for
from tests.test_permission_matrix import EXPECTED, SIGNED_IN_ACCOUNT_PAGES, URLS

pytestmark = pytest.mark.usefixtures("demo")

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],  # axe skips collecting every passing element
}
BLOCKING = {"serious", "critical"}
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# One demo user per role; each logs in once and walks every page the matrix gives it a 200.
DEMO_USERS = {
    Role.SALES_REP: "rep.east1@example.com",
    Role.SALES_LEADER: "vp.sales@example.com",
    Role.PRODUCT_MANAGER: "pm1@example.com",
    Role.PRODUCT_LEADER: "vp.product@example.com",
    Role.ADMIN: "admin@example.com",
}
# The pages whose layout changes most on a phone, checked again at 390×844.
PHONE_PAGES = {
    "dashboard",
    "commitments:board",
    "commitments:swap_create",
    "requests:customer_detail",
    "requests:request_list",
    "requests:request_detail",
    "requests:request_create",
    "requests:crm_import",
    "requests:triage_queue",
    "requests:estimate_queue",
    "commitments:decision_queue",
    "commitments:budget",
    "commitments:commitment_drop",
    "commitments:roadmap",
    "budgets:quarter_detail",
    "reviews:review_detail",
    "reviews:review_meeting",
    "people:person_list",
    "people:person_detail",
    "login",
}
# Chromium logs a 4xx answer itself: a form sent back with its errors is one.
BAD_REQUEST = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


def demo_objects() -> dict[str, object]:
    """The demo's objects for each kind of URL argument, chosen so that every role the matrix
    lets in may open the page (a rep edits only their own deals and requests)."""
    quarter = quarter_current()
    assert quarter is not None
    rep = User.objects.get(email=DEMO_USERS[Role.SALES_REP])
    this_week = WeeklyReview.objects.get(
        quarter=quarter, week_start=week_start_for(company_today())
    )
    commitment = Commitment.objects.filter(quarter=quarter, dropped_at=None).first()
    assert commitment is not None
    return {
        "quarter": quarter,
        "customer": Customer.objects.get(name="Northwind Traders"),
        "deal": Deal.objects.filter(owner=rep).first(),
        "crm_deal": crm_deal(rep),
        # Submitted by the rep and not yet triaged: the rep may still edit it.
        "request": FeatureRequest.objects.filter(
            submitted_by=rep, status=FeatureRequest.Status.SUBMITTED
        ).first(),
        "commitment": commitment,
        "swap": SwapProposal.objects.first() or proposed_swap(commitment),
        "review": this_week,
        "review_pk": this_week,
        "person": rep,
        **integration_objects(),
    }


def crm_deal(rep: User) -> Deal:
    """An open deal of the rep's with a CRM id (the demo's deals have none until a sync)."""
    deal = Deal.objects.filter(owner=rep, external_id__isnull=False).first()
    if deal is None:
        deal = Deal.objects.filter(owner=rep).exclude(stage__startswith="closed").first()
        assert deal is not None
        deal.external_id = f"demo-crm-{deal.pk}"
        deal.save(update_fields=["external_id"])
    return deal


def integration_objects() -> dict[str, object]:
    """A webhook endpoint with deliveries in each state, for the admins' webhook pages, and a
    CRM sync that failed with a problem listed."""
    from webhooks.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.first() or WebhookEndpoint.objects.create(
        url="https://hooks.example.com/forcerank",
        description="Warehouse",
        kinds=["request.submitted", "commitment.shipped"],
    )
    if not WebhookDelivery.objects.exists():
        for status, code, body, error in [
            ("succeeded", 200, "ok", ""),
            ("failed", 500, "<h1>oops</h1>", "The receiver answered 500."),
            ("gave_up", None, "", "ConnectionError: refused"),
            ("pending", None, "", ""),
        ]:
            WebhookDelivery.objects.create(
                endpoint=endpoint,
                kind="request.submitted",
                body="{}",
                status=status,
                attempts=1,
                last_status_code=code,
                last_response_ms=12,
                last_response_body=body,
                last_error=error,
            )
        WebhookEndpoint.objects.create(
            url="https://hooks.example.com/off",
            kinds=["review.ready"],
            is_active=False,
            disabled_reason="Turned off automatically.",
        )
    from crm.models import SyncRun

    sync_run = SyncRun.objects.first() or SyncRun.objects.create(
        vendor="hubspot",
        trigger="manual",
        status="failed",
        created=12,
        skipped=1,
        problems=[{"record": "Deal 1 “Renewal”", "reason": "Its owner is not a rep."}],
        message="HubSpot refused the access token (401).",
    )
    return {
        "webhook_endpoint": endpoint,
        "webhook_delivery": WebhookDelivery.objects.first(),
        "crm_sync_run": sync_run,
    }


def proposed_swap(commitment: Commitment) -> SwapProposal:
    """The demo has no swap; the VP Sales proposes one so the swap page has something to show."""
    swap_in = next(
        request
        for request in ranked(commitment.quarter)
        if request.status == FeatureRequest.Status.RANKED and request.estimate_points is not None
    )
    return swap_propose(
        actor=User.objects.get(email=DEMO_USERS[Role.SALES_LEADER]),
        drop=commitment,
        commit=swap_in,
        reason="The renewal depends on it.",
    )


def url_for(url_name: str, objects: dict[str, object]) -> str:
    kind = URLS.get(url_name)
    if kind is None:
        return reverse(url_name)
    target = objects[kind]
    if kind == "review":
        return reverse(url_name, args=[target.quarter.label, target.week_start.isoformat()])
    if kind == "crm_deal":
        return reverse(url_name, args=[target.external_id])
    return reverse(url_name, args=[getattr(target, "label", None) or target.pk])


def pages_for(role: Role) -> list[tuple[str, str]]:
    """(url name, path) of every page `role` may open, and a few more states of them."""
    objects = demo_objects()
    names = sorted(name for name, expected in EXPECTED.items() if expected[role] == 200) + sorted(
        SIGNED_IN_ACCOUNT_PAGES
    )
    pages = [(name, url_for(name, objects)) for name in names]
    # Other states of the pages above: last week's review (held, with minutes), a committed
    # request with its progress, a declined one.
    if EXPECTED["reviews:review_detail"][role] == 200:
        held = WeeklyReview.objects.exclude(held_at=None).first()
        assert held is not None
        for name in ("reviews:review_detail", "reviews:review_print"):
            pages.append((name, url_for(name, {"review": held})))
    committed = objects["commitment"].request  # type: ignore[attr-defined]
    declined = FeatureRequest.objects.filter(status=FeatureRequest.Status.DECLINED_BY_SALES).first()
    for request in (committed, declined):
        pages.append(
            ("requests:request_detail", url_for("requests:request_detail", {"request": request}))
        )
    # Search results, every kind found ("audit": requests; the deal "Renewal with audit log").
    pages.append(("requests:search", reverse("requests:search") + "?q=audit"))
    # Filtered pages: the matches, "Save this view", a filter it could not read; the board
    # with its moves paused.
    filtered = "?customer=globex&arr_min=lots"
    for name in ("requests:request_list", "commitments:board", "commitments:decision_queue"):
        if EXPECTED[name][role] == 200:
            pages.append((name, url_for(name, objects) + filtered))
    return pages


def anonymous_pages() -> list[tuple[str, str]]:
    user = User.objects.get(email=DEMO_USERS[Role.SALES_REP])
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return [
        ("login", reverse("login")),
        ("password_reset", reverse("password_reset")),
        ("password_reset_done", reverse("password_reset_done")),
        # A valid link: Django moves the token into the session and shows the new-password form.
        (
            "password_reset_confirm",
            reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)]),
        ),
        ("password_reset_confirm", reverse("password_reset_confirm", args=[uid, "expired-token"])),
        ("password_reset_complete", reverse("password_reset_complete")),
    ]


@pytest.fixture
def axe_page(browser, live_server, console_errors) -> Iterator[object]:
    """A page like the `page` fixture's, with axe in every document it opens."""
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
    context.add_init_script(script=AXE_SOURCE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = console_errors
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"the browser console reported errors: {errors}"


def is_document(page, path: str) -> bool:
    """Whether `path` answers a whole HTML page: not a download (CSV, Markdown, calendar) and
    not a fragment that htmx swaps into one."""
    answer = page.request.get(path)
    assert answer.status == 200, (path, answer.status)
    html = answer.headers.get("content-type", "").startswith("text/html")
    return html and answer.text().lstrip()[:15].lower() == "<!doctype html>"


def violations_on(page, url_name: str, path: str, width: str) -> list[str]:
    """Open `path` and return axe's serious and critical violations there."""
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    return axe_violations(page, f"{path} ({url_name}, {width})")


def axe_violations(page, where: str) -> list[str]:
    """axe's serious and critical violations on the page as it is, one paragraph each. Closed
    <details> are opened first, so what they hide is checked too."""
    page.evaluate("document.querySelectorAll('details').forEach(details => details.open = true)")
    found = page.evaluate(
        """async options => (await axe.run(document, options)).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(n => n.target.join(" "))
        }))""",
        AXE_OPTIONS,
    )
    return [
        f"{v['impact']} {v['id']} on {where}: {v['help']}\n"
        + "".join(f"      {target}\n" for target in v["targets"][:10])
        for v in found
        if v["impact"] in BLOCKING
    ]


def check_pages(page, pages: list[tuple[str, str]]) -> list[str]:
    pages = [(url_name, path) for url_name, path in pages if is_document(page, path)]
    problems = []
    for url_name, path in pages:
        problems += violations_on(page, url_name, path, "laptop")
    page.set_viewport_size(PHONE)
    for url_name, path in pages:
        if url_name in PHONE_PAGES:
            problems += violations_on(page, url_name, path, "phone")
    page.set_viewport_size(LAPTOP)
    return problems


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("forcerank-demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Dashboard", level=1).wait_for()


def crm_import_with_problems(page, console_errors: list[str]) -> list[str]:
    """The CRM import page listing what is wrong with an uploaded file (a 400)."""
    page.goto(reverse("requests:crm_import"))
    page.get_by_label("CSV file").set_input_files(
        files=[
            {"name": "deals.csv", "mimeType": "text/csv", "buffer": b"customer,deal\nInitech,\n"}
        ]
    )
    page.get_by_role("button", name="Import").click()
    page.get_by_text("Nothing was imported.").wait_for()
    console_errors.remove(BAD_REQUEST)
    return axe_violations(page, "the CRM import page listing a file's problems")


def request_form_states(page, console_errors: list[str]) -> list[str]:
    """The request form with the deal picker's matches open, then with the errors of an
    empty request (a 400)."""
    page.goto(reverse("requests:request_create"))
    deal = page.get_by_role("group", name="Deal 1").get_by_role("combobox", name="Deal")
    deal.press_sequentially("north")
    page.get_by_role("listbox", name="Matching deals").get_by_role("option").first.wait_for()
    problems = axe_violations(page, "the request form with the deal picker's matches open")
    deal.fill("")
    page.get_by_role("button", name="Submit request").click()
    page.get_by_text("Nothing was saved.").first.wait_for()
    console_errors.remove(BAD_REQUEST)
    return problems + axe_violations(page, "the request form with the errors of an empty request")


@pytest.mark.parametrize("role", list(DEMO_USERS), ids=str)
def test_it_finds_no_serious_accessibility_problem_on_any_page_of_a_role(
    axe_page, console_errors, role
):
    log_in(axe_page, DEMO_USERS[role])
    problems = check_pages(axe_page, pages_for(role))
    if EXPECTED["requests:crm_import"][role] == 200:
        problems += crm_import_with_problems(axe_page, console_errors)
    if EXPECTED["requests:request_create"][role] == 200:
        problems += request_form_states(axe_page, console_errors)
    assert not problems, "axe found serious problems:\n" + "".join(problems)


def test_it_finds_no_serious_accessibility_problem_before_login(axe_page):
    problems = check_pages(axe_page, anonymous_pages())
    # The login page again, with the error a wrong password shows.
    axe_page.goto("/accounts/login/")
    axe_page.get_by_label("E-mail").fill(DEMO_USERS[Role.SALES_REP])
    axe_page.get_by_label("Password").fill("not-the-password")
    axe_page.get_by_role("button", name="Log in").click()
    axe_page.get_by_role("alert").wait_for()
    problems += axe_violations(axe_page, "the login page with a wrong password")
    assert not problems, "axe found serious problems:\n" + "".join(problems)
