"""The `/forcerank` slash command's answers: who asks (their Slack user's e-mail, or their
link), whether they may see it (as on the pages), and the answer from the domain's reads."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from accounts.permissions import DENIED_MESSAGES, Action, can
from budgets.selectors import quarter_current
from commitments.board import board_for
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranking_place
from feature_requests.selectors import request_for_page
from slack_app.client import ask_slack
from slack_app.messages import Block, Message, context, escape, link, plural, section
from slack_app.models import SlackLink

TOP_SHOWN = 15  # rows of the board named in the answer; the rest are counted

HELP = (
    "Try `/forcerank top` (the board above the cut line), `/forcerank request <number>` "
    "(a request's status and place) or `/forcerank budget` (what is left of the sales budget)."
)


def _reply(text: str, blocks: list[Block] | None = None) -> Message:
    return text, blocks if blocks is not None else [section(escape(text))]


def command_user(*, slack_user_id: str) -> User | None:
    """The active Forcerank user behind a Slack user: their link, else the e-mail Slack
    has for them (users.info). Raises SlackUnavailable if Slack cannot be asked."""
    linked = (
        SlackLink.objects.select_related("user")
        .filter(slack_user_id=slack_user_id, user__is_active=True)
        .first()
    )
    if linked is not None:
        return linked.user
    answer = ask_slack(
        lambda client: client.users_info(user=slack_user_id), absent="user_not_found"
    )
    if answer is None:
        return None
    email = str(((answer.get("user") or {}).get("profile") or {}).get("email") or "")
    if not email:
        return None
    return User.objects.filter(email__iexact=email, is_active=True).first()


def command_answer(*, slack_user_id: str, text: str) -> Message:
    """What `/forcerank <text>` answers the Slack user `slack_user_id`."""
    words = text.split()
    subcommand = words[0].lower() if words else ""
    if subcommand not in ("top", "request", "budget"):
        return _reply(HELP)
    user = command_user(slack_user_id=slack_user_id)
    if user is None:
        page = settings.SITE_URL + reverse("slack_app:me")
        return _reply(
            "Forcerank does not know you yet: no active account has the e-mail of your Slack "
            f"profile. Sign in to Forcerank and link your Slack account at {page}, or ask your "
            "admin for an account with the e-mail you use in Slack."
        )
    if subcommand == "top":
        return _top(user)
    if subcommand == "budget":
        return _budget(user)
    if len(words) != 2 or not words[1].lstrip("#").isdigit():
        return _reply(HELP)
    return _request(user, int(words[1].lstrip("#")))


def _denied(action: Action) -> Message:
    return _reply(DENIED_MESSAGES.get(action, "You do not have access to this in Forcerank."))


def _top(user: User) -> Message:
    if not can(user, Action.VIEW_REQUESTS):
        return _denied(Action.VIEW_REQUESTS)
    quarter = quarter_current()
    if quarter is None:
        return _reply("There is no current quarter in Forcerank.")
    board = board_for(quarter=quarter)
    heading = (
        f"{quarter.label}: {plural(len(board.above), 'request')} above the cut line, "
        f"{board.remaining} of {plural(board.sales_budget, 'point')} remaining."
    )
    lines = []
    for row in board.above[:TOP_SHOWN]:
        estimate = "not estimated" if row["estimate"] is None else plural(row["estimate"], "point")
        lines.append(
            f"{row['position']}. {link(reverse('requests:request_detail', args=[row['id']]), row['title'])}"
            f" — {estimate}, {row.get('cumulative', 0)} cumulative"
            f"{' · proposed' if row.get('proposed') else ''}"
        )
    if len(board.above) > TOP_SHOWN:
        lines.append(f"… and {len(board.above) - TOP_SHOWN} more above the line.")
    if not lines:
        lines.append("Nothing is above the cut line.")
    board_link = link(reverse("commitments:board", args=[quarter.label]), "Open the board")
    blocks = [section(f"*{escape(heading)}*"), section("\n".join(lines)), context(board_link)]
    text = heading + "".join(
        f"\n{row['position']}. {row['title']}" for row in board.above[:TOP_SHOWN]
    )
    return text, blocks


def _request(user: User, pk: int) -> Message:
    if not can(user, Action.VIEW_REQUESTS):
        return _denied(Action.VIEW_REQUESTS)
    try:
        feature = request_for_page(pk=pk)
    except FeatureRequest.DoesNotExist:
        return _reply(f"There is no request #{pk}. {HELP}")
    place = ranking_place(request=feature)
    status = feature.get_status_display()
    if place is None:
        where = f"{status}" + (f", {feature.quarter.label}" if feature.quarter else "")
        where += ": not in a ranking."
    else:
        side = "above" if place.above_cut_line else "below"
        where = (
            f"{status} in {place.quarter.label} at #{place.position} of {place.count}, "
            f"*{side} the cut line* ({place.cumulative} cumulative of {place.remaining} "
            "remaining points)."
        )
    text = f"#{feature.pk} “{feature.title}”: {where.replace('*', '')}"
    blocks = [section(f"#{feature.pk} {link(feature.get_absolute_url(), feature.title)}: {where}")]
    return text, blocks


def _budget(user: User) -> Message:
    if not can(user, Action.VIEW_BUDGET):
        return _denied(Action.VIEW_BUDGET)
    quarter = quarter_current()
    if quarter is None:
        return _reply("There is no current quarter in Forcerank.")
    board = board_for(quarter=quarter)
    text = (
        f"{quarter.label} sales budget: {board.remaining} of {plural(board.sales_budget, 'point')}"
        f" remaining; {board.committed_points} committed, {board.change_costs} in change costs."
    )
    budget_link = link(reverse("commitments:budget", args=[quarter.label]), "Open the budget")
    return text, [section(escape(text)), context(budget_link)]
