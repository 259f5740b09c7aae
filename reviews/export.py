"""The weekly review made readable: the stored snapshot with its dates parsed and the
meeting's minutes placed under their items (for the pages and the e-mail), the review as
Markdown, and the recurring meeting as an ICS file.

Everything here reads the snapshot (`WeeklyReview.data`, format 1), never the live models:
an export shows what the meeting saw.
"""

from __future__ import annotations

import copy
import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from budgets.models import CompanySettings
from feature_requests.templatetags.money import money
from reviews.models import ReviewNote, WeeklyReview

# Snapshot keys whose string values are ISO dates or datetimes.
DATE_KEYS = frozenset(
    {"start", "end", "week_start", "previous_week_start", "lock_date", "expected_close"}
)
DATETIME_KEYS = frozenset({"generated_at", "since", "at"})

MEETING_MINUTES = 60
ICS_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ICS_LINE_OCTETS = 75
VTIMEZONE_YEARS = 10  # daylight-saving rules written out for the meeting's next ten years


# The snapshot, readable -------------------------------------------------------------------


def _parsed(key: str, value: Any) -> Any:
    # A value that does not parse stays a string: an odd snapshot shows its raw text, no 500.
    try:
        if key in DATE_KEYS:
            return dt.date.fromisoformat(value)
        if key in DATETIME_KEYS:
            return dt.datetime.fromisoformat(value)
    except ValueError:
        pass
    return value


def _with_dates(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {name: _with_dates(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_with_dates(item, key) for item in value]
    if isinstance(value, str) and (key in DATE_KEYS or key in DATETIME_KEYS):
        return _parsed(key, value)
    return value


def review_item_lists(data: dict) -> Iterator[tuple[str, list[dict]]]:
    """(section, items) in the agenda's order, the order of DESIGN.md's eight sections."""
    decisions = data.get("decisions") or {}
    changes = data.get("ranking_changes") or {}
    ahead = data.get("ahead") or {}
    yield "decisions", decisions.get("proposed") or []
    yield "decisions", decisions.get("swaps") or []
    yield "decisions", decisions.get("needs_estimate") or []
    yield "ranking_changes", changes.get("new") or []
    yield "ranking_changes", changes.get("moved") or []
    yield "ranking_changes", changes.get("removed") or []
    yield "commitments", data.get("commitments") or []
    yield "changes", data.get("changes") or []
    yield "revenue", (data.get("revenue") or {}).get("closing_deals") or []
    yield "ahead", (ahead.get("next_quarter") or {}).get("ranking") or []
    yield "ahead", ahead.get("deferred") or []
    yield "follow_ups", data.get("follow_ups") or []


def review_display(
    review: WeeklyReview,
    notes: Iterable[ReviewNote] = (),
    *,
    agenda: Iterable[str] = (),
) -> dict:
    """A copy of the review's snapshot for templates: dates parsed, minutes under their items.

    An item's key can appear in two sections (a proposed request that also moved); its
    notes, its anchor and, in meeting mode, its form go to the first one, the section
    `reviews.services.review_items` files it under. The budget section is the item "budget".
    `agenda` marks the keys a note may be recorded on (`item["agenda"]`). Notes whose item
    is not in the snapshot are listed under `data["other_minutes"]`.
    """
    data = _with_dates(copy.deepcopy(review.data or {}))
    data.setdefault("budget", {})
    data["budget"].update(key="budget", title="Budget")
    by_key: dict[str, list[ReviewNote]] = defaultdict(list)
    for note in notes:
        by_key[note.item_key].append(note)
    agenda = set(agenda)
    placed: set[str] = set()
    for item in [data["budget"], *(item for _, items in review_item_lists(data) for item in items)]:
        key = item.get("key", "")
        first = key not in placed
        placed.add(key)
        item["first"] = first
        item["notes"] = by_key.get(key, []) if first else []
        item["agenda"] = first and key in agenda
    data["other_minutes"] = [
        note for key, group in by_key.items() if key not in placed for note in group
    ]
    data["minutes_count"] = sum(len(group) for group in by_key.values())
    return data


def review_counts(data: dict) -> dict[str, int]:
    """How many items each part of the agenda holds (the e-mail's summary)."""
    decisions = data.get("decisions") or {}
    changes = data.get("ranking_changes") or {}
    counts = {
        "proposed": len(decisions.get("proposed") or []),
        "swaps": len(decisions.get("swaps") or []),
        "needs_estimate": len(decisions.get("needs_estimate") or []),
        "new": len(changes.get("new") or []),
        "moved": len(changes.get("moved") or []),
        "removed": len(changes.get("removed") or []),
        "at_risk": sum(1 for item in data.get("commitments") or [] if item.get("at_risk")),
        "changes": len(data.get("changes") or []),
        "closing_deals": len((data.get("revenue") or {}).get("closing_deals") or []),
        "follow_ups": len(data.get("follow_ups") or []),
    }
    counts["decisions"] = counts["proposed"] + counts["swaps"] + counts["needs_estimate"]
    return counts


# Markdown ---------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = str.maketrans({char: f"\\{char}" for char in "\\`*_[]<>|#"})


def _md(text: Any) -> str:
    """User text made inert in Markdown: no links, emphasis or tables of its own making."""
    return " ".join(str(text).translate(_MARKDOWN_SPECIAL).split("\n")).strip()


def _md_block(text: str, indent: str = "  ") -> str:
    """Multi-line text inside a list item: its later lines indented to stay in the item."""
    lines = [line.translate(_MARKDOWN_SPECIAL) for line in str(text).splitlines() or [""]]
    return f"\n{indent}".join(lines)


def _day(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%b} {value.day}, {value.year}"
    return str(value or "")


def _moment(value: Any, zone: dt.tzinfo) -> str:
    if isinstance(value, dt.datetime):
        local = value.astimezone(zone) if value.tzinfo else value
        return f"{local:%b} {local.day}, {local.year} {local:%H:%M}"
    return str(value or "")


def _link(item: dict, site_url: str) -> str:
    url = str(item.get("url") or "")
    title = _md(item.get("title", ""))
    if not url:
        return title
    return f"[{title}]({site_url + url if url.startswith('/') else url})"


def _signed(number: int) -> str:
    return f"+{number}" if number > 0 else str(number).replace("-", "−")


def _points(number: Any) -> str:
    return f"{number} point" if number == 1 else f"{number} points"


def review_markdown(*, review: WeeklyReview, notes: Iterable[ReviewNote], site_url: str) -> str:
    """The review as a Markdown document: the eight sections, then the minutes."""
    company = CompanySettings.load()
    zone = company.zone
    notes = list(notes)
    data = review_display(review, notes)
    budget = data.get("budget") or {}
    decisions = data.get("decisions") or {}
    changes = data.get("ranking_changes") or {}
    revenue = data.get("revenue") or {}
    ahead = data.get("ahead") or {}
    quarter = review.quarter.label
    out: list[str] = []

    def line(text: str = "") -> None:
        out.append(text)

    def items(section: list[dict], describe) -> None:
        if not section:
            line("- None.")
        for item in section:
            line(f"- {_link(item, site_url)}{describe(item)}")

    line(f"# Weekly review {quarter}, week of {_day(review.week_start)}")
    line()
    line(f"Generated {_moment(data.get('generated_at'), zone)} ({company.time_zone}).")
    if review.is_held:
        held_by = review.held_by.full_name if review.held_by else "someone"
        line(f"Held on {_moment(review.held_at, zone)} by {_md(held_by)}.")
    line(f"Online: {site_url}{review.get_absolute_url()}")
    line()

    line("## 1. Budget")
    line()
    line(
        f"- Capacity {_points(budget.get('capacity'))}, sales share {budget.get('share')}%: "
        f"a sales budget of {_points(budget.get('sales_budget'))}."
    )
    line(
        f"- Committed {budget.get('committed')}, change costs {budget.get('change_costs')}, "
        f"remaining **{budget.get('remaining')}**."
    )
    line(
        f"- {budget.get('used_percent')}% of the budget used with "
        f"{budget.get('elapsed_percent')}% of the quarter elapsed."
    )
    locked = "locked on" if budget.get("locked") else "locks on"
    line(f"- Planning {locked} {_day(budget.get('lock_date'))}.")
    if budget.get("burnup"):
        line()
        line("| Week | Starts | Budget | Committed + change costs | Done |")
        line("| --- | --- | ---: | ---: | ---: |")
        for week in budget["burnup"]:
            spent = "—" if week.get("spent") is None else week["spent"]
            done = "—" if week.get("done") is None else week["done"]
            line(
                f"| {week.get('label')} | {_day(week.get('start'))} | {week.get('budget')} "
                f"| {spent} | {done} |"
            )
    line()

    line("## 2. Decisions needed")
    line()
    line("### Proposed requests awaiting approval")
    line()
    items(
        decisions.get("proposed") or [],
        lambda i: (
            f" — #{i.get('position')}, {_points(i.get('estimate'))} "
            f"({i.get('cumulative')} cumulative), {money(i.get('arr'))} ARR"
        ),
    )
    line()
    line("### Swaps awaiting a decision")
    line()
    items(
        decisions.get("swaps") or [],
        lambda i: f" — costs {_points(i.get('cost'))}; proposed by {_md(i.get('proposed_by'))}",
    )
    line()
    line("### Requests needing an estimate")
    line()
    items(decisions.get("needs_estimate") or [], lambda i: f" — #{i.get('position')}")
    line()

    since = changes.get("since")
    line(
        "## 3. Ranking changes since the last review"
        + (f" ({_moment(since, zone)})" if since else "")
    )
    line()
    line("### New")
    line()
    items(changes.get("new") or [], lambda i: f" — at #{i.get('position')}")
    line()
    line("### Moved")
    line()
    items(
        changes.get("moved") or [],
        lambda i: (
            f" — moved {_signed(i.get('delta') or 0)} ({i.get('from')} → {i.get('to')})"
            + (f" by {_md(', '.join(i['by']))}" if i.get("by") else "")
        ),
    )
    line()
    line("### Removed")
    line()
    items(
        changes.get("removed") or [],
        lambda i: f" — was #{i.get('from')}, now {_md(i.get('status', ''))}",
    )
    line()

    line("## 4. Commitments in flight")
    line()
    items(
        data.get("commitments") or [],
        lambda i: (
            f" — {_md(i.get('status', ''))}, {i.get('points_done')} of "
            f"{_points(i.get('points'))} done"
            + (f"; **at risk**: {_md(i.get('risk', ''))}" if i.get("at_risk") else "")
        ),
    )
    line()

    line("## 5. Mid-quarter changes since the last review")
    line()
    items(
        data.get("changes") or [],
        lambda i: (
            f" — {_md(i.get('kind', ''))} of {_points(i.get('points'))}, cost "
            f"{_points(i.get('cost'))} (sunk {i.get('sunk')} + penalty {i.get('penalty')}); "
            f"{_md(i.get('by', ''))}, {_moment(i.get('at'), zone)}"
            + (f": “{_md(i['reason'])}”" if i.get("reason") else "")
        ),
    )
    line()

    line("## 6. Revenue")
    line()
    line(f"- Deal ARR behind committed requests: {money(revenue.get('committed_arr'))}")
    line(f"- Deal ARR behind proposed requests: {money(revenue.get('proposed_arr'))}")
    line()
    line("### Deals closing this quarter that wait on uncommitted requests")
    line()
    items(
        revenue.get("closing_deals") or [],
        lambda i: (
            f" — {_md(i.get('customer', ''))}, {money(i.get('amount'))}, closing "
            f"{_day(i.get('expected_close'))}; needs "
            + "; ".join(f"“{_md(title)}”" for title in i.get("requests") or [])
        ),
    )
    line()

    line("## 7. Looking ahead")
    line()
    line(_md(ahead.get("horizons", "")))
    line()
    following = ahead.get("next_quarter")
    if following:
        line(f"### Next quarter's ranking ({_md(following.get('label', ''))})")
        line()
        items(
            following.get("ranking") or [],
            lambda i: (
                f" — #{i.get('position')}, "
                + (_points(i["estimate"]) if i.get("estimate") is not None else "not estimated")
            ),
        )
    else:
        line("### Next quarter's ranking")
        line()
        line("- No next quarter is set up yet.")
    line()
    line("### Deferred requests")
    line()
    items(ahead.get("deferred") or [], lambda i: f" — to {_md(i.get('to') or 'a later quarter')}")
    line()

    line("## 8. Follow-ups from the last meeting")
    line()
    for item in data.get("follow_ups") or []:
        line(
            f"- **{_md(item.get('kind', ''))}** on {_link(item, site_url)} "
            f"({_md(item.get('by', ''))}, {_moment(item.get('at'), zone)}):"
        )
        line(f"  {_md_block(item.get('text', ''))}")
    if not data.get("follow_ups"):
        line("- None.")

    if notes:
        line()
        line("## Minutes" + (" (the meeting is still open)" if not review.is_held else ""))
        line()
        titles = {
            item.get("key"): item
            for _, group in review_item_lists(data)
            for item in group
            if item.get("first")
        }
        titles["budget"] = data["budget"]
        grouped: dict[str, list[ReviewNote]] = defaultdict(list)
        for note in notes:
            grouped[note.item_key].append(note)
        for key, group in grouped.items():
            item = titles.get(key) or {"title": group[0].item_title, "url": group[0].url}
            line(f"### {_link(item, site_url)}")
            line()
            line()
            for note in group:
                author = note.author.full_name if note.author else "someone"
                line(
                    f"- **{note.get_kind_display()}** ({_md(author)}, {_moment(note.at, zone)}): "
                    f"{_md_block(note.text)}"
                )
            line()
    return "\n".join(out).rstrip("\n") + "\n"


# The recurring meeting as iCalendar (RFC 5545) ------------------------------------------------


def ics_text(value: str) -> str:
    """A TEXT value escaped: backslash, semicolon, comma and line breaks."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def ics_fold(line: str) -> str:
    """A content line folded at 75 octets (continuations start with a space, which counts);
    never inside a UTF-8 character."""
    parts: list[str] = []
    current, size, limit = [], 0, ICS_LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [" "], 1, ICS_LINE_OCTETS
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n".join(parts)


def _offset(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{minutes:02d}"


def _transitions(zone: zoneinfo.ZoneInfo, start: dt.datetime, end: dt.datetime):
    """(instant in UTC, offset before, offset after) of each change of the zone's UTC offset."""
    found = []
    day = dt.timedelta(days=1)
    moment = start
    before = moment.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + day
        after = following.astimezone(zone).utcoffset()
        if after != before:
            low, high = moment, following  # the change lies in (low, high]: find its minute
            while high - low > dt.timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            found.append((high.replace(second=0, microsecond=0), before, after))
            before = after
        moment = following
    return found


def _vtimezone(zone: zoneinfo.ZoneInfo, first: dt.datetime) -> list[str]:
    """The zone's offsets from the first meeting on, as one observance per change."""
    begin = dt.datetime(first.year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(first.year + VTIMEZONE_YEARS, 1, 1, tzinfo=dt.UTC)
    local_begin = begin.astimezone(zone)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}"]

    def observance(at_local: dt.datetime, before, after, name, dst) -> None:
        kind = "DAYLIGHT" if dst else "STANDARD"
        lines.extend(
            [
                f"BEGIN:{kind}",
                f"DTSTART:{at_local:%Y%m%dT%H%M%S}",
                f"TZOFFSETFROM:{_offset(before)}",
                f"TZOFFSETTO:{_offset(after)}",
                f"TZNAME:{ics_text(name or 'UTC')}",
                f"END:{kind}",
            ]
        )

    start_offset = local_begin.utcoffset()
    observance(
        local_begin.replace(tzinfo=None),
        start_offset,
        start_offset,
        local_begin.tzname(),
        bool(local_begin.dst()),
    )
    for instant, before, after in _transitions(zone, begin, end):
        local_after = instant.astimezone(zone)
        # An observance starts at the wall-clock time it begins, read in the offset before it.
        observance(
            (instant + before).replace(tzinfo=None),
            before,
            after,
            local_after.tzname(),
            bool(local_after.dst()),
        )
    lines.append("END:VTIMEZONE")
    return lines


def meeting_calendar(
    *,
    company: CompanySettings,
    site_url: str,
    today: dt.date,
    now: dt.datetime,
) -> str:
    """One VEVENT for the weekly meeting: the company's weekday and time in its time zone,
    60 minutes, every week, starting with this week's meeting. Its UID stays the same, so
    importing a newer file updates the meeting instead of adding a second one."""
    week_start = today - dt.timedelta(days=today.weekday())
    first = dt.datetime.combine(
        week_start + dt.timedelta(days=company.meeting_weekday), company.meeting_time
    ).replace(second=0, microsecond=0)
    end = first + dt.timedelta(minutes=MEETING_MINUTES)
    zone = company.zone
    host = urlsplit(site_url).hostname or "forcerank.invalid"
    reviews_url = f"{site_url}/reviews/"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Forcerank//Weekly review//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *_vtimezone(zone, first),
        "BEGIN:VEVENT",
        f"UID:forcerank-weekly-review-{company.pk}@{host}",
        f"DTSTAMP:{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID={zone.key}:{first:%Y%m%dT%H%M%S}",
        f"DTEND;TZID={zone.key}:{end:%Y%m%dT%H%M%S}",
        f"RRULE:FREQ=WEEKLY;BYDAY={ICS_WEEKDAYS[company.meeting_weekday]}",
        "SUMMARY:" + ics_text("Forcerank weekly review: VP Sales / VP Product"),
        "DESCRIPTION:"
        + ics_text(
            f"The agenda of {company.company_name}'s weekly budget review is prepared by "
            f"Forcerank before the meeting: {reviews_url}"
        ),
        f"URL:{reviews_url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(ics_fold(line) + "\r\n" for line in lines)
