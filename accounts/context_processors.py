from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts.models import Notification
from accounts.permissions import Action, can

# (label, url name, the action that shows the link)
NAVIGATION = [
    ("Dashboard", "dashboard", Action.VIEW_DASHBOARD),
    ("Ranking", "commitments:board_current", Action.VIEW_REQUESTS),
    ("Requests", "requests:request_list", Action.VIEW_REQUESTS),
    ("Triage", "requests:triage_queue", Action.TRIAGE),
    ("Estimates", "requests:estimate_queue", Action.ESTIMATE),
    ("Decisions", "commitments:decision_queue", Action.DECIDE),
    ("Commitments", "commitments:commitment_list", Action.VIEW_BUDGET),
    ("Budget", "commitments:budget_current", Action.VIEW_BUDGET),
    ("Review", "reviews:review_current", Action.VIEW_REVIEWS),
    ("Roadmap", "commitments:roadmap", Action.VIEW_BUDGET),
    ("Customers", "requests:customer_list", Action.VIEW_CUSTOMERS),
    ("Quarters", "budgets:quarter_list", Action.VIEW_QUARTERS),
    ("People", "people:person_list", Action.MANAGE_PEOPLE),
    ("Settings", "budgets:settings", Action.EDIT_SETTINGS),
    # The integrations' admin pages: webhooks, which link Slack and everyone's API keys.
    ("Integrations", "webhooks:endpoint_list", Action.MANAGE_INTEGRATIONS),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The header's links (those the user's role may follow, the current one marked) and
    the user's number of unread notifications."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "unread_notifications": 0}
    items = []
    for label, url_name, action in NAVIGATION:
        if can(user, action):
            url = reverse(url_name)
            current = request.path == url or (url != "/" and request.path.startswith(url))
            items.append({"label": label, "url": url, "current": current})
    if user.is_staff:
        items.append({"label": "Admin", "url": reverse("admin:index"), "current": False})
    # Lazy: one COUNT when base.html's header shows it, none for an htmx fragment or a page
    # that never renders the header.
    unread = SimpleLazyObject(
        lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
    )
    return {"nav_items": items, "unread_notifications": unread}
