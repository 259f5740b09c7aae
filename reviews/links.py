"""Where an agenda item links, for the person reading the review.

A snapshot stores, for each item, the page where its decision is taken: the decision queue,
the estimates queue, a swap, a request. Not every reader of a review may open each of those
(a sales leader cannot open the decision queue, a product leader cannot edit a deal), so
every link is asked of the permission module for its reader, as every other page does; a
reader who may not follow it gets the item's own page instead (the request), or its title
without a link. Snapshots taken before this rule keep working: their stored URLs are read
the same way.
"""

from __future__ import annotations

import re

from django.urls import reverse

from accounts.models import User
from accounts.permissions import Action, can
from feature_requests.models import request_url

_REQUEST_KEY = re.compile(r"^request-(\d+)$")


def _guards() -> list[tuple[re.Pattern[str], Action]]:
    """Pages an item may link to that some readers of a review may not open."""
    return [
        (re.compile(f"^{re.escape(reverse('commitments:decision_queue'))}"), Action.DECIDE),
        (re.compile(f"^{re.escape(reverse('requests:estimate_queue'))}"), Action.ESTIMATE),
        # Older snapshots linked a closing deal to its edit form.
        (re.compile(r"^/deals/\d+/edit/"), Action.EDIT_CUSTOMERS),
    ]


def item_link(*, key: str, url: str, viewer: User | None) -> str:
    """The link an item with `key` and stored `url` shows to `viewer` ("" for none).

    Without a viewer (nobody in particular), only links every reader may follow are kept."""
    for pattern, action in _guards():
        if pattern.match(url):
            if viewer is not None and can(viewer, action):
                return url
            match = _REQUEST_KEY.match(key)
            return request_url(int(match.group(1))) if match else ""
    return url
