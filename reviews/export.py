"""The weekly review made readable: the sections of its snapshot with the meeting's minutes
placed under their items (for the pages and the e-mail), the review as Markdown, and the
recurring meeting as an ICS file.

Everything here reads the snapshot through `reviews.snapshot.review_sections`, never the live
models: an export shows what the meeting saw.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypedDict
from urllib.parse import urlsplit

from accounts.models import User
from budgets.models import CompanySettings
from commitments.revenue import revenue_sentence
from feature_requests.templatetags.money import money
from reviews.links import item_link
from reviews.models import ReviewNote, WeeklyReview
from reviews.snapshot import (
    SECTION_TITLES,
    Item,
    Section,
    parse_dates,
    review_sections,
    snapshot_of,
)

MEETING_MINUTES = 60
ICS_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ICS_LINE_OCTETS = 75
VTIMEZONE_YEARS = 10  # daylight-saving rules written out for the meeting's next ten years


# The review, readable ---------------------------------------------------------------------


class NoteFailure(TypedDict):
    """A note the meeting tried to record and was refused: shown again in its item's form."""

    item_key: str
    kind: str
    text: str
    errors: dict[str, str]  # field name → why
    message: str


@dataclass(frozen=True)
class ShownItem(Item):
    """An agenda item as a page shows it: with the minutes recorded on it, and the refused
    note if the last try to record one failed. Both only at the item's first place."""

    notes: tuple[ReviewNote, ...] = ()
    failure: NoteFailure | None = None


@dataclass(frozen=True)
class LeftItem:
    """An item that minutes were recorded on and that the snapshot no longer lists (a refresh
    took it off the agenda: committed, dropped, decided): its minutes, under the title it had
    when they were recorded, so none is lost."""

    key: str
    title: str
    url: str
    section: str  # the section it was recorded under, as "2. Decisions needed"
    notes: tuple[ReviewNote, ...]


@dataclass(frozen=True)
class ReviewDisplay:
    """A review as its pages, print view, Markdown and e-mail show it."""

    sections: list[Section]  # the eight sections, their items `ShownItem`s
    generated_at: Any  # a datetime, or the raw text of an odd snapshot
    previous_week_start: Any  # a date, or None for the quarter's first review
    left_items: list[LeftItem]  # items with minutes that the snapshot does not list
    minutes_count: int

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)


def _shown(
    item: Item, notes: Sequence[ReviewNote], failure: NoteFailure | None, viewer: User | None
) -> ShownItem:
    return ShownItem(
        key=item.key,
        title=item.title,
        url=item_link(key=item.key, url=item.url, viewer=viewer),
        section=item.section,
        fields=item.fields,
        first=item.first,
        notes=tuple(notes) if item.first else (),
        failure=failure if item.first and failure and failure["item_key"] == item.key else None,
    )


def review_display(
    review: WeeklyReview,
    notes: Iterable[ReviewNote] = (),
    *,
    failure: NoteFailure | None = None,
    viewer: User | None = None,
) -> ReviewDisplay:
    """The review's sections with the minutes under their items, linked for `viewer`.

    An item's key can appear in two sections (a proposed request that also moved); its notes,
    its anchor and, in meeting mode, its form go to the first one (`Item.first`), the section
    `reviews.services.review_items` files it under. `failure` is a refused note, shown again
    in its item's form. Notes whose item is not in the snapshot (any more: a refresh took it off
    the agenda) are kept as `left_items`, with the title and section they were recorded under.
    """
    data = snapshot_of(review)
    by_key: dict[str, list[ReviewNote]] = defaultdict(list)
    for note in notes:
        by_key[note.item_key].append(note)
    sections = [
        replace(
            section,
            parts=tuple(
                replace(
                    part,
                    items=tuple(
                        _shown(item, by_key.get(item.key, ()), failure, viewer)
                        for item in part.items
                    ),
                )
                for part in section.parts
            ),
        )
        for section in review_sections(data)
    ]
    listed = {item.key for section in sections for item in section.items}
    numbers = {section.key: section.number for section in sections}
    left_items = []
    for key, group in by_key.items():
        if key in listed:
            continue
        first = group[0]
        section = SECTION_TITLES.get(first.section, first.section)
        if first.section in numbers:
            section = f"{numbers[first.section]}. {section}"
        left_items.append(
            LeftItem(
                key=key,
                title=first.item_title,
                url=item_link(key=key, url=first.url, viewer=viewer),
                section=section,
                notes=tuple(group),
            )
        )
    return ReviewDisplay(
        sections=sections,
        generated_at=parse_dates(data.get("generated_at"), "generated_at"),
        previous_week_start=parse_dates(data.get("previous_week_start"), "previous_week_start"),
        left_items=left_items,
        minutes_count=sum(len(group) for group in by_key.values()),
    )


def review_counts(sections: Sequence[Section]) -> dict[str, int]:
    """How many items each part and each section of the agenda holds, by key ("swaps",
    "decisions"), how many commitments are at risk ("at_risk") and how many deals' close dates
    had passed ("close_passed"): the e-mail's summary."""
    counts: dict[str, int] = {}
    for section in sections:
        if section.key == "budget":  # always there, as one item: nothing to count
            continue
        counts[section.key] = len(section.items)
        for part in section.parts:
            counts[part.key] = len(part.items)
    counts["at_risk"] = sum(
        1 for section in sections for item in section.items if item.fields.get("at_risk")
    )
    counts["close_passed"] = sum(
        1 for section in sections for item in section.items if item.fields.get("close_passed")
    )
    return counts


# Markdown ---------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = str.maketrans({char: f"\\{char}" for char in "\\`*_[]<>|#"})


def _md(text: object) -> str:
    """User text made inert in Markdown: no links, emphasis or tables of its own making."""
    return " ".join(str(text).translate(_MARKDOWN_SPECIAL).split("\n")).strip()


def _md_block(text: object, indent: str = "  ") -> str:
    """Multi-line text inside a list item: its later lines indented to stay in the item."""
    lines = [line.translate(_MARKDOWN_SPECIAL) for line in str(text).splitlines() or [""]]
    return f"\n{indent}".join(lines)


def _day(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%b} {value.day}, {value.year}"
    return str(value or "")


def _moment(value: object, zone: dt.tzinfo) -> str:
    if isinstance(value, dt.datetime):
        local = value.astimezone(zone) if value.tzinfo else value
        return f"{local:%b} {local.day}, {local.year} {local:%H:%M}"
    return str(value or "")


def _link(title: str, url: str, site_url: str) -> str:
    if not url:
        return _md(title)
    return f"[{_md(title)}]({site_url + url if url.startswith('/') else url})"


def _signed(number: int) -> str:
    return f"+{number}" if number > 0 else str(number).replace("-", "−")


def _points(number: object) -> str:
    return f"{number} point" if number == 1 else f"{number} points"


def _md_item(part: str, item: Item, site_url: str, zone: dt.tzinfo) -> str:
    """One agenda item as a Markdown list item, in the words of the part that lists it."""
    i = item.fields
    link = _link(item.title, item.url, site_url)
    match part:
        case "proposed":
            detail = (
                f" — #{i.get('position')}, {_points(i.get('estimate'))} "
                f"({i.get('cumulative')} cumulative), {money(i.get('arr'))} ARR"
            )
        case "swaps":
            detail = f" — costs {_points(i.get('cost'))}; proposed by {_md(i.get('proposed_by'))}"
        case "needs_estimate":
            detail = f" — #{i.get('position')}"
        case "new":
            detail = f" — at #{i.get('position')}"
        case "moved":
            detail = f" — moved {_signed(i.get('delta') or 0)} ({i.get('from')} → {i.get('to')})"
            if i.get("by"):
                detail += f" by {_md(', '.join(i['by']))}"
        case "removed":
            detail = f" — was #{i.get('from')}, now {_md(i.get('status', ''))}"
        case "commitments":
            detail = (
                f" — {_md(i.get('status', ''))}, {i.get('points_done')} of "
                f"{_points(i.get('points'))} done"
            )
            if i.get("at_risk"):
                detail += f"; **at risk**: {_md(i.get('risk', ''))}"
        case "changes":
            detail = (
                f" — {_md(i.get('kind', ''))} of {_points(i.get('points'))}, cost "
                f"{_points(i.get('cost'))} (sunk {i.get('sunk')} + penalty {i.get('penalty')}); "
                f"{_md(i.get('by', ''))}, {_moment(i.get('at'), zone)}"
            )
            if i.get("reason"):
                detail += f": “{_md(i['reason'])}”"
        case "closing_deals":
            passed = " (**close date passed**)" if i.get("close_passed") else ""
            detail = (
                f" — {_md(i.get('customer', ''))}, {money(i.get('amount'))}, closing "
                f"{_day(i.get('expected_close'))}{passed}; needs "
                + "; ".join(f"“{_md(title)}”" for title in i.get("requests") or [])
            )
        case "next_quarter":
            estimate = i.get("estimate")
            detail = f" — #{i.get('position')}, " + (
                "not estimated" if estimate is None else _points(estimate)
            )
        case "deferred":
            detail = f" — to {_md(i.get('to') or 'a later quarter')}"
        case "follow_ups":
            return (
                f"- **{_md(i.get('kind', ''))}** on {link} "
                f"({_md(i.get('by', ''))}, {_moment(i.get('at'), zone)}):\n"
                f"  {_md_block(i.get('text', ''))}"
            )
        case _:
            detail = ""
    return f"- {link}{detail}"


def _md_budget(budget: Mapping[str, Any]) -> list[str]:
    locked = "locked on" if budget.get("locked") else "locks on"
    lines = [
        f"- Capacity {_points(budget.get('capacity'))}, sales share {budget.get('share')}%: "
        f"a sales budget of {_points(budget.get('sales_budget'))}.",
        f"- Committed {budget.get('committed')}, change costs {budget.get('change_costs')}, "
        f"remaining **{budget.get('remaining')}**.",
        f"- {budget.get('used_percent')}% of the budget used with "
        f"{budget.get('elapsed_percent')}% of the quarter elapsed.",
        f"- Planning {locked} {_day(budget.get('lock_date'))}.",
    ]
    if budget.get("burnup"):
        lines += [
            "",
            "| Week | Starts | Budget | Committed + change costs | Done |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for week in budget["burnup"]:
            spent = "—" if week.get("spent") is None else week["spent"]
            done = "—" if week.get("done") is None else week["done"]
            lines.append(
                f"| {week.get('label')} | {_day(week.get('start'))} | {week.get('budget')} "
                f"| {spent} | {done} |"
            )
    return lines


def _rate(rate: object) -> str:
    return "—" if rate is None else f"{rate}%"


def _md_won(won: Mapping[str, Any]) -> list[str]:
    """What the budget won: its sentence, which deals count, and the table."""
    if won.get("current"):
        window = f"since {_day(won.get('start'))}"
    else:
        window = f"between {_day(won.get('start'))} and {_day(won.get('end'))}"
    lines = [
        "### What the budget won",
        "",
        _md(revenue_sentence(won)),
        "",
        f"Closed deals count if they closed {window}; open deals whatever their close date. "
        "Each deal counts once.",
        "",
        "| Deals waiting on requests | Won ARR (deals) | Lost ARR (deals) | Win rate "
        "| Still open ARR (deals) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    rows = [("Committed", won.get("committed")), ("Below the cut line", won.get("below_line"))]
    dropped = won.get("dropped") or {}
    if any(dropped.get(key) for key in ("won_count", "lost_count", "open_count")):
        rows.append(("Dropped this quarter", dropped))
    for label, group in rows:
        group = group or {}
        lines.append(
            f"| {label} | {money(group.get('won_arr'))} ({group.get('won_count') or 0}) "
            f"| {money(group.get('lost_arr'))} ({group.get('lost_count') or 0}) "
            f"| {_rate(group.get('win_rate'))} "
            f"| {money(group.get('open_arr'))} ({group.get('open_count') or 0}) |"
        )
    return lines


def _md_section(section: Section, site_url: str, zone: dt.tzinfo) -> list[str]:
    """A section: its heading, the figures beside its items, then its lists."""
    facts = section.facts
    heading = f"## {section.number}. {section.title}"
    if facts.get("since"):
        heading += f" ({_moment(facts['since'], zone)})"
    lines = [heading, ""]
    if section.key == "budget":  # the budget is its figures; its item only holds minutes
        return [*lines, *_md_budget(facts), ""]
    if section.key == "revenue":
        lines += [
            f"- Deal ARR behind committed requests: {money(facts.get('committed_arr'))}",
            f"- Deal ARR behind proposed requests: {money(facts.get('proposed_arr'))}",
            "",
        ]
        if facts.get("won"):
            lines += [*_md_won(facts["won"]), ""]
    if section.key == "ahead":
        lines += [_md(facts.get("horizons", "")), ""]
    for part in section.parts:
        if part.title:
            lines += [f"### {_md(part.title)}", ""]
        lines += [_md_item(part.key, item, site_url, zone) for item in part.items]
        if not part.items:
            lines.append(f"- {part.empty}")
        lines.append("")
    return lines


def review_markdown(
    *,
    review: WeeklyReview,
    notes: Iterable[ReviewNote],
    site_url: str,
    viewer: User | None = None,
) -> str:
    """The review as a Markdown document: the eight sections, then the minutes, with the
    links `viewer` may follow."""
    company = CompanySettings.load()
    zone = company.zone
    notes = list(notes)
    display = review_display(review, notes, viewer=viewer)
    out = [
        f"# Weekly review {review.quarter.label}, week of {_day(review.week_start)}",
        "",
        f"Generated {_moment(display.generated_at, zone)} ({company.time_zone}).",
    ]
    if review.is_held:
        held_by = review.held_by.full_name if review.held_by else "someone"
        out.append(f"Held on {_moment(review.held_at, zone)} by {_md(held_by)}.")
    out += [f"Online: {site_url}{review.get_absolute_url()}", ""]
    for section in display.sections:
        out += _md_section(section, site_url, zone)

    if notes:
        out += ["## Minutes" + (" (the meeting is still open)" if not review.is_held else ""), ""]
        agenda = {
            item.key: item for section in display.sections for item in section.items if item.first
        }
        grouped: dict[str, list[ReviewNote]] = defaultdict(list)
        for note in notes:
            grouped[note.item_key].append(note)
        for key, group in grouped.items():
            item = agenda.get(key)
            if item:
                heading = _link(item.title, item.url, site_url)
            else:
                heading = (
                    f"{_link(group[0].item_title, group[0].url, site_url)} "
                    "(no longer on the agenda)"
                )
            out += [f"### {heading}", ""]
            for note in group:
                author = note.author.full_name if note.author else "someone"
                out.append(
                    f"- **{note.get_kind_display()}** ({_md(author)}, {_moment(note.at, zone)}): "
                    f"{_md_block(note.text)}"
                )
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# The recurring meeting as iCalendar (RFC 5545) ------------------------------------------------


# Control characters a TEXT value may not hold (RFC 5545 §3.3.11), line breaks aside: dropped.
_ICS_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F])


def ics_text(value: str) -> str:
    """A TEXT value escaped: backslash, semicolon, comma, and every line break as \\n (a lone
    CR too: a calendar would take it for the end of the line, and read what follows as a
    property of its own)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
        .translate(_ICS_CONTROLS)
    )


def ics_fold(line: str) -> str:
    """A content line folded at 75 octets (continuations start with a space, which counts);
    never inside a UTF-8 character."""
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, ICS_LINE_OCTETS
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


Transition = tuple[dt.datetime, dt.timedelta, dt.timedelta]


def _utc_offset(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.timedelta:
    # A time in a ZoneInfo zone always has an offset; only naive datetimes answer None.
    return moment.astimezone(zone).utcoffset() or dt.timedelta(0)


def _transitions(zone: zoneinfo.ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[Transition]:
    """(instant in UTC, offset before, offset after) of each change of the zone's UTC offset."""
    found: list[Transition] = []
    day = dt.timedelta(days=1)
    moment = start
    before = _utc_offset(moment, zone)
    while moment < end:
        following = moment + day
        after = _utc_offset(following, zone)
        if after != before:
            low, high = moment, following  # the change lies in (low, high]: find its minute
            while high - low > dt.timedelta(minutes=1):
                middle = low + (high - low) / 2
                if _utc_offset(middle, zone) == before:
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

    def observance(
        at_local: dt.datetime,
        before: dt.timedelta,
        after: dt.timedelta,
        name: str | None,
        dst: bool,
    ) -> None:
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

    start_offset = _utc_offset(begin, zone)
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
