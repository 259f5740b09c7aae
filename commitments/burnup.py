"""The burn-up chart as server-rendered SVG: no script, no style attribute (the CSP forbids
both), and readable without colour: each line has its own dash pattern and marker shape, and
a label carrying the same pattern. Screen readers get the title, a summary in `<desc>`, and the
page's data table with the same numbers.

`burnup_charts` gives the page two drawings of the same chart: the wide one (labels in the
right margin) and a compact one for a phone (fewer week labels, larger text, the legend under
the plot); the stylesheet shows one of them, so the text stays legible on a 390 px screen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.template.defaultfilters import pluralize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from commitments.budget_selectors import BurnupWeek

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 150, 24, 44  # margins: axis labels left/bottom, line labels right
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
INK, MUTED, GRID = "#1c2430", "#5b6675", "#d9dee5"
LINE_HEIGHT = 13
MIN_DATE_SPACING = 42  # below this, week dates are shown on every other week
MAX_WEEK_LABELS = 14


@dataclass(frozen=True)
class Line:
    key: str  # the BurnupWeek attribute plotted
    name: tuple[str, ...]  # one text line each
    stroke: str
    dash: str  # "" for a solid line
    marker: str  # "", "square" or "circle"


LINES = (
    Line("budget", ("Sales budget",), INK, "", ""),
    Line("spent", ("Committed +", "change costs"), "#1f5fbf", "9 5", "square"),
    Line("done", ("Points done",), "#1b6b3a", "2 4", "circle"),
)


def nice_top(value: int) -> tuple[int, int]:
    """(axis top, tick step): the smallest 1-2-5 step giving at most five steps to `value`."""
    value = max(value, 1)
    magnitude = 10 ** max(math.floor(math.log10(value)) - 1, 0)
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(value / step) <= 5:
                return math.ceil(value / step) * step, step
        magnitude *= 10


def _points(value: int) -> str:
    return f"{value} point{pluralize(value)}"


def _fmt(number: float) -> str:
    return f"{number:.1f}".removesuffix(".0")


def burnup_charts(
    *, weeks: Sequence[BurnupWeek], title: str, id_prefix: str = "burnup"
) -> SafeString:
    """The wide chart and the compact one for a phone, one after the other."""
    wide = burnup_svg(weeks=weeks, title=title, id_prefix=id_prefix)
    compact = burnup_svg_compact(weeks=weeks, title=title, id_prefix=f"{id_prefix}-compact")
    return format_html("{}{}", wide, compact)


def burnup_svg(*, weeks: Sequence[BurnupWeek], title: str, id_prefix: str = "burnup") -> SafeString:
    """The chart of `weeks`; `id_prefix` keeps element ids unique when a page shows two."""
    plotted = [week for week in weeks if week.plotted]
    budget = weeks[0].budget if weeks else 0
    reached = [value for week in plotted for value in (week.spent, week.done) if value is not None]
    highest = max([budget, *reached])
    top, step = nice_top(highest)

    def x(index: int) -> float:
        if len(weeks) <= 1:
            return LEFT + PLOT_WIDTH / 2
        return LEFT + index * PLOT_WIDTH / (len(weeks) - 1)

    def y(value: int) -> float:
        return TOP + PLOT_HEIGHT - value * PLOT_HEIGHT / top

    parts: list[str] = []
    # Horizontal grid with the points scale on the left.
    for value in range(0, top + 1, step):
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
                LEFT,
                LEFT + PLOT_WIDTH,
                _fmt(y(value)),
                _fmt(y(value)),
                GRID,
                LEFT - 6,
                _fmt(y(value) + 4),
                MUTED,
                value,
            )
        )
    parts.append(
        format_html(
            '<text x="{}" y="{}" text-anchor="start" fill="{}">points</text>', 4, TOP - 12, MUTED
        )
    )
    # Week labels under the axis, thinned out if a long quarter would crowd them; the dates
    # are wider than "W10", so they go to every other labelled week sooner.
    every = math.ceil(len(weeks) / MAX_WEEK_LABELS) or 1
    spacing = PLOT_WIDTH / max(len(weeks) - 1, 1)
    dates_every = every * (2 if spacing * every < MIN_DATE_SPACING else 1)
    for index, week in enumerate(weeks):
        if index % every:
            continue
        date = (
            format_html(
                '<tspan x="{}" dy="{}">{} {}</tspan>',
                _fmt(x(index)),
                LINE_HEIGHT,
                f"{week.start:%b}",
                week.start.day,
            )
            if index % dates_every == 0
            else ""
        )
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" fill="{}">W{}{}</text>',
                _fmt(x(index)),
                TOP + PLOT_HEIGHT + 16,
                MUTED,
                week.number,
                date,
            )
        )

    labels: list[tuple[float, Line, int | None]] = []  # (wanted y, line, last value)
    for line in LINES:
        points = [
            (x(index), y(getattr(week, line.key)))
            for index, week in enumerate(weeks)
            if getattr(week, line.key) is not None
        ]
        last = getattr(plotted[-1], line.key) if plotted else None
        if line.key == "budget":
            last = budget
        parts.extend(_drawn_line(line, points))
        labels.append((y(last) if last is not None else TOP + PLOT_HEIGHT, line, last))
    parts.extend(_line_labels(labels))

    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}"'
        ' role="img" aria-labelledby="{id}-title {id}-desc" class="burnup-chart burnup-chart-wide"'
        ' font-family="system-ui, sans-serif" font-size="11">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="{muted}"/>'
        '<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{muted}"/>'
        "{parts}</svg>",
        w=WIDTH,
        h=HEIGHT,
        id=id_prefix,
        title=title,
        desc=describe(weeks),
        left=LEFT,
        right=LEFT + PLOT_WIDTH,
        top=TOP,
        bottom=TOP + PLOT_HEIGHT,
        muted=MUTED,
        parts=mark_safe("".join(parts)),  # noqa: S308 - each part was built by format_html
    )


def _dash(line: Line) -> str:
    return format_html(' stroke-dasharray="{}"', line.dash) if line.dash else ""


def _drawn_line(line: Line, points: list[tuple[float, float]]) -> list[str]:
    """A line's polyline and its markers; nothing for a line with no point yet."""
    if not points:
        return []
    polyline = format_html(
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"'
        ' stroke-linejoin="round"{}/>',
        " ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in points),
        line.stroke,
        _dash(line),
    )
    return [polyline, *(_marker(line, px, py) for px, py in points)]


def _marker(line: Line, px: float, py: float) -> str:
    if line.marker == "square":
        return format_html(
            '<rect x="{}" y="{}" width="7" height="7" fill="{}"/>',
            _fmt(px - 3.5),
            _fmt(py - 3.5),
            line.stroke,
        )
    if line.marker == "circle":
        return format_html(
            '<circle cx="{}" cy="{}" r="4" fill="#ffffff" stroke="{}" stroke-width="2"/>',
            _fmt(px),
            _fmt(py),
            line.stroke,
        )
    return ""


def _line_labels(labels: list[tuple[float, Line, int | None]]) -> list[str]:
    """Each line's name and latest value in the right margin, beside a sample of its pattern,
    at the height where the line ends and pushed apart so that no two overlap."""
    labels = sorted(labels, key=lambda label: label[0])
    heights = [(len(line.name) + 1) * LINE_HEIGHT + 6 for _, line, _ in labels]
    placed: list[float] = []
    for index, (wanted, _, _) in enumerate(labels):
        lowest = placed[-1] + heights[index - 1] if placed else TOP + 4
        placed.append(max(wanted, lowest))
    if placed:
        # The last label must end by the plot's bottom; walking up, each one moves only as far
        # as the label below it needs, so a label already high (the budget's) stays in view.
        placed[-1] = min(placed[-1], TOP + PLOT_HEIGHT + LINE_HEIGHT - heights[-1])
        for index in range(len(placed) - 2, -1, -1):
            placed[index] = min(placed[index], placed[index + 1] - heights[index])
    left = LEFT + PLOT_WIDTH + 12
    text_x = left + 28
    rendered: list[str] = []
    for position, (_, line, last) in zip(placed, labels, strict=True):
        name = format_html_join(
            "",
            '<tspan x="{}" dy="{}">{}</tspan>',
            ((text_x, 0 if n == 0 else LINE_HEIGHT, text) for n, text in enumerate(line.name)),
        )
        rendered.append(
            format_html(
                '<line x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="{stroke}" stroke-width="2.5"'
                '{dash}/>{marker}<text x="{tx}" y="{ty}" fill="{ink}">{name}'
                '<tspan x="{tx}" dy="{lh}" font-weight="bold">{value}</tspan></text>',
                x1=left,
                x2=left + 22,
                y=_fmt(position),
                stroke=line.stroke,
                dash=format_html(' stroke-dasharray="{}"', line.dash) if line.dash else "",
                marker=_marker(line, left + 11, position),
                tx=text_x,
                ty=_fmt(position + 4),
                ink=INK,
                name=name,
                lh=LINE_HEIGHT,
                value=_points(last) if last is not None else "not started",
            )
        )
    return rendered


def describe(weeks: Sequence[BurnupWeek]) -> str:
    """The chart in one sentence, for the `<desc>` a screen reader reads."""
    if not weeks:
        return "The quarter has no weeks."
    budget = weeks[0].budget
    plotted = [week for week in weeks if week.plotted]
    if not plotted:
        return (
            f"A sales budget of {budget} point{pluralize(budget)} over {len(weeks)} weeks; "
            f"the quarter has not started, so nothing is spent or done yet."
        )
    last = plotted[-1]
    return (
        f"A sales budget of {budget} point{pluralize(budget)} over {len(weeks)} weeks. By the end of "
        f"{last.label}, committed points plus change costs reached {last.spent} and "
        f"{last.done} point{pluralize(last.done)} {pluralize(last.done, 'was,were')} done. The table below has every week's numbers."
    )


# The compact chart for a phone: 360 wide, so a 390 px screen draws it at about 90%.
C_WIDTH, C_LEFT, C_RIGHT, C_TOP = 360, 34, 14, 22
C_PLOT_WIDTH, C_PLOT_HEIGHT = C_WIDTH - C_LEFT - C_RIGHT, 190
C_FONT, C_ROW = 13, 20  # text size and the height of a legend row
C_WEEK_LABELS = 6


def burnup_svg_compact(
    *, weeks: Sequence[BurnupWeek], title: str, id_prefix: str = "burnup-compact"
) -> SafeString:
    """The chart of `weeks` for a narrow screen: week numbers only (the table has the dates),
    and each line's name and latest value in a legend under the plot."""
    plotted = [week for week in weeks if week.plotted]
    budget = weeks[0].budget if weeks else 0
    reached = [value for week in plotted for value in (week.spent, week.done) if value is not None]
    top, step = nice_top(max([budget, *reached]))
    bottom = C_TOP + C_PLOT_HEIGHT
    legend_top = bottom + 40
    height = legend_top + len(LINES) * C_ROW

    def x(index: int) -> float:
        if len(weeks) <= 1:
            return C_LEFT + C_PLOT_WIDTH / 2
        return C_LEFT + index * C_PLOT_WIDTH / (len(weeks) - 1)

    def y(value: int) -> float:
        return bottom - value * C_PLOT_HEIGHT / top

    parts: list[str] = [
        format_html(
            '<text x="{}" y="{}" text-anchor="start" fill="{}">points</text>', 2, C_TOP - 9, MUTED
        )
    ]
    for value in range(0, top + 1, step):
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
                C_LEFT,
                C_LEFT + C_PLOT_WIDTH,
                _fmt(y(value)),
                _fmt(y(value)),
                GRID,
                C_LEFT - 5,
                _fmt(y(value) + 4),
                MUTED,
                value,
            )
        )
    every = math.ceil(len(weeks) / C_WEEK_LABELS) or 1
    for index, week in enumerate(weeks):
        if index % every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" fill="{}">W{}</text>',
                    _fmt(x(index)),
                    bottom + 18,
                    MUTED,
                    week.number,
                )
            )
    for row, line in enumerate(LINES):
        points = [
            (x(index), y(getattr(week, line.key)))
            for index, week in enumerate(weeks)
            if getattr(week, line.key) is not None
        ]
        parts.extend(_drawn_line(line, points))
        last = (
            budget
            if line.key == "budget"
            else (getattr(plotted[-1], line.key) if plotted else None)
        )
        row_y = legend_top + row * C_ROW
        parts.append(
            format_html(
                '<line x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="{stroke}" stroke-width="2.5"'
                '{dash}/>{marker}<text x="{tx}" y="{ty}" fill="{ink}">{name}: '
                '<tspan font-weight="bold">{value}</tspan></text>',
                x1=C_LEFT - 30,
                x2=C_LEFT - 6,
                y=row_y,
                stroke=line.stroke,
                dash=_dash(line),
                marker=_marker(line, C_LEFT - 18, row_y),
                tx=C_LEFT + 2,
                ty=row_y + 5,
                ink=INK,
                name=" ".join(line.name),
                value=_points(last) if last is not None else "not started",
            )
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}"'
        ' role="img" aria-labelledby="{id}-title {id}-desc" class="burnup-chart burnup-chart-compact"'
        ' font-family="system-ui, sans-serif" font-size="{font}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="{muted}"/>'
        '<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{muted}"/>'
        "{parts}</svg>",
        w=C_WIDTH,
        h=height,
        id=id_prefix,
        font=C_FONT,
        title=title,
        desc=describe(weeks),
        left=C_LEFT,
        right=C_LEFT + C_PLOT_WIDTH,
        top=C_TOP,
        bottom=bottom,
        muted=MUTED,
        parts=mark_safe("".join(parts)),  # noqa: S308 - each part was built by format_html
    )
