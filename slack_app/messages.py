"""What Forcerank says in Slack: the text (the notification fallback) and Block Kit blocks
of each leadership event, and the weekly review's agenda."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from events.kinds import Kind
from events.models import Event
from feature_requests.models import request_url
from reviews.export import review_counts, review_display
from reviews.models import WeeklyReview

Block = dict[str, Any]
Message = tuple[str, list[Block]]

# Proposed requests the agenda names one by one; the rest are counted.
AGENDA_PROPOSED_SHOWN = 10


def escape(text: object) -> str:
    """User text made inert in Slack's mrkdwn: no links or mentions of its own making."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(path: str, label: object) -> str:
    """A mrkdwn link to a Forcerank page (`path` from the site's root)."""
    return f"<{settings.SITE_URL}{path}|{escape(label)}>"


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def plural(count: object, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _title(event: Event) -> str:
    return str(event.payload.get("title") or f"Request #{event.request_id}")


def _who(event: Event) -> str:
    return event.actor.full_name if event.actor else "Forcerank"


def event_message(event: Event) -> Message | None:
    """The channel post for `event` (None for a kind the channel does not get, or a review
    that is gone)."""
    payload: Mapping[str, Any] = event.payload
    title = _title(event)
    request_link = link(request_url(event.request_id or 0), title)
    quarter = escape(payload.get("quarter", ""))
    if event.kind == Kind.CUT_LINE_CROSSED:
        text = (
            f"“{title}” crossed above the cut line of {payload.get('quarter', '')} "
            f"at #{payload.get('position')}."
        )
        line = (
            f":arrow_up: {request_link} crossed above the cut line of *{quarter}* "
            f"at #{payload.get('position')} ({plural(payload.get('estimate'), 'point')})."
        )
        return text, [section(line)]
    if event.kind == Kind.COMMITMENT_APPROVED:
        over = " over the budget" if payload.get("over_budget") else ""
        text = (
            f"“{title}” was committed{over} in {payload.get('quarter', '')} "
            f"({plural(payload.get('points'), 'point')})."
        )
        blocks = [
            section(
                f":white_check_mark: {request_link} was committed{over} in *{quarter}* "
                f"({plural(payload.get('points'), 'point')}) by {escape(_who(event))}."
            )
        ]
        if payload.get("over_budget") and payload.get("override_reason"):
            blocks.append(context(f"Why: {escape(payload['override_reason'])}"))
        return text, blocks
    if event.kind == Kind.COMMITMENT_DROPPED:
        cost = payload.get("cost", 0)
        text = (
            f"“{title}” was dropped from {payload.get('quarter', '')}; "
            f"it cost the sales budget {plural(cost, 'point')}."
        )
        blocks = [
            section(
                f":x: {request_link} was dropped from *{quarter}* by {escape(_who(event))}: "
                f"it cost the sales budget *{plural(cost, 'point')}* "
                f"({payload.get('sunk_points', 0)} sunk + {payload.get('penalty_points', 0)} "
                f"penalty)."
            ),
            context(f"Reason: {escape(payload.get('reason', ''))}"),
        ]
        return text, blocks
    if event.kind == Kind.REVIEW_READY:
        review = (
            WeeklyReview.objects.select_related("quarter")
            .filter(pk=int(payload.get("review_id") or 0))
            .first()
        )
        return review_message(review) if review is not None else None
    return None


def review_message(review: WeeklyReview) -> Message:
    """The weekly review's agenda in brief, as the e-mail to the VPs has it, with a button
    to the review. Read from the review's snapshot: what the meeting will see."""
    display = review_display(review)
    counts = review_counts(display.sections)
    budget = display.section("budget").facts
    proposed = display.section("decisions").part("proposed").items
    week = review.week_start
    heading = f"Weekly review {review.quarter.label}, week of {week:%b} {week.day}"
    remaining = budget.get("remaining", 0)
    sales_budget = budget.get("sales_budget", 0)
    if isinstance(remaining, int) and remaining < 0:
        standing = f"over budget by {plural(-remaining, 'point')} of {sales_budget}"
    else:
        standing = f"{remaining} of {plural(sales_budget, 'point')} remaining"
    budget_line = (
        f"*Budget:* {standing} ({budget.get('committed', 0)} committed, "
        f"{budget.get('change_costs', 0)} in change costs); {budget.get('used_percent', 0)}% used "
        f"with {budget.get('elapsed_percent', 0)}% of the quarter elapsed."
    )
    decisions = [
        f"*Decisions needed: {counts.get('decisions', 0)}*",
        f"• {plural(counts.get('proposed', 0), 'proposed request')} awaiting approval",
    ]
    for item in proposed[:AGENDA_PROPOSED_SHOWN]:
        estimate = item.fields.get("estimate")
        decisions.append(f"    ◦ {link(item.url, item.title)} ({plural(estimate, 'point')})")
    if len(proposed) > AGENDA_PROPOSED_SHOWN:
        decisions.append(f"    ◦ and {len(proposed) - AGENDA_PROPOSED_SHOWN} more")
    decisions += [
        f"• {plural(counts.get('swaps', 0), 'swap')} awaiting a decision",
        f"• {plural(counts.get('needs_estimate', 0), 'request')} needing an estimate",
    ]
    rest = (
        f"*Ranking changes:* {counts.get('new', 0)} new, {counts.get('moved', 0)} moved, "
        f"{counts.get('removed', 0)} removed.\n"
        f"*Commitments at risk:* {counts.get('at_risk', 0)}. "
        f"*Mid-quarter changes:* {counts.get('changes', 0)}.\n"
        f"*Deals closing this quarter on uncommitted requests:* {counts.get('closing_deals', 0)}. "
        f"*Follow-ups:* {counts.get('follow_ups', 0)}."
    )
    url = settings.SITE_URL + review.get_absolute_url()
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": heading[:150]}},
        section(budget_line),
        section("\n".join(decisions)),
        section(rest),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Open the review"},
                    "url": url,
                    "action_id": "open_review",
                }
            ],
        },
    ]
    text = f"{heading} is ready: {url}"
    return text, blocks


def notification_message(message: str, url: str) -> Message:
    """A notification as a DM: its text, and a link to where it happened."""
    full_url = settings.SITE_URL + url if url.startswith("/") else url
    text = f"{message} {full_url}".strip()
    body = escape(message)
    if full_url:
        body += f"\n<{full_url}|Open in Forcerank>"
    return text, [section(body)]
