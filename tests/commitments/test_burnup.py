"""The burn-up by week: its numbers for a known history, and the SVG that draws them."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest

from accounts.models import Role
from budgets.models import Quarter
from commitments.budget_selectors import BurnupWeek, burnup_for, burnup_series, quarter_weeks
from commitments.burnup import burnup_charts, burnup_svg, nice_top
from commitments.models import Commitment, LedgerEntry, ProgressUpdate
from feature_requests.models import FeatureRequest

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def q4() -> Quarter:
    """Oct 1 – Dec 31, 2026: 92 days, so 13 full weeks and a last week of one day."""
    return Quarter(
        label="2026-Q4",
        start=dt.date(2026, 10, 1),
        end=dt.date(2026, 12, 31),
        capacity_points=400,
        sales_share_percent=10,
    )


def at(month: int, day: int, hour: int = 12, zone: dt.tzinfo = UTC) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=zone)


def series(today: dt.date, **rows) -> list:
    rows = {"commitments": [], "costs": [], "progress": []} | rows
    return burnup_series(quarter=q4(), today=today, zone=UTC, **rows)


def test_it_counts_weeks_from_the_quarters_first_day():
    weeks = quarter_weeks(q4())
    assert len(weeks) == 14
    assert weeks[0] == (dt.date(2026, 10, 1), dt.date(2026, 10, 7))
    assert weeks[1] == (dt.date(2026, 10, 8), dt.date(2026, 10, 14))
    assert weeks[-1] == (dt.date(2026, 12, 31), dt.date(2026, 12, 31))


def test_it_builds_the_series_for_a_known_history():
    weeks = series(
        dt.date(2026, 10, 20),
        commitments=[
            (at(9, 28), None, 8),  # approved before the quarter: counts from week 1
            (at(10, 9), at(10, 16), 5),  # approved in week 2, dropped in week 3
            (at(10, 20), None, 13),  # approved today, in week 3
        ],
        costs=[(at(10, 16), 3)],  # the drop's sunk points and penalty
        progress=[
            (1, at(10, 5), 2),
            (1, at(10, 12), 4),  # supersedes the 2 of week 1
            (2, at(10, 10), 3),  # still counts after the drop: the work was done
        ],
    )
    assert [week.label for week in weeks[:3]] == ["W1 Oct 1", "W2 Oct 8", "W3 Oct 15"]
    assert all(week.budget == 40 for week in weeks)
    assert [(week.spent, week.done) for week in weeks[:3]] == [(8, 2), (13, 7), (24, 7)]
    # Weeks after today are not plotted.
    assert [(week.spent, week.done) for week in weeks[3:]] == [(None, None)] * 11
    assert not weeks[3].plotted


def test_it_plots_nothing_before_the_quarter_starts():
    weeks = series(dt.date(2026, 9, 20), commitments=[(at(9, 15), None, 8)])
    assert not any(week.plotted for week in weeks)


def test_it_plots_every_week_of_a_past_quarter():
    weeks = series(dt.date(2027, 2, 1), commitments=[(at(12, 31), None, 8)])
    assert weeks[-2].spent == 0
    assert weeks[-1].spent == 8
    assert all(week.plotted for week in weeks)


def test_it_ends_a_week_at_midnight_in_the_companys_time_zone():
    # 23:30 on Wednesday Oct 7 in Los Angeles is already Thursday in UTC, yet it is week 1's.
    late = dt.datetime(2026, 10, 7, 23, 30, tzinfo=LA)
    weeks = burnup_series(
        quarter=q4(),
        today=dt.date(2026, 10, 10),
        zone=LA,
        commitments=[(late, None, 5)],
        costs=[],
        progress=[(1, late, 2)],
    )
    assert (weeks[0].spent, weeks[0].done) == (5, 2)
    weeks_in_utc = series(
        dt.date(2026, 10, 10), commitments=[(late, None, 5)], progress=[(1, late, 2)]
    )
    assert (weeks_in_utc[0].spent, weeks_in_utc[0].done) == (0, 0)
    assert (weeks_in_utc[1].spent, weeks_in_utc[1].done) == (5, 2)


def test_it_reads_the_series_from_the_database_in_three_queries(cast, django_assert_num_queries):
    product_leader = cast[Role.PRODUCT_LEADER]
    quarter = q4()
    quarter.save()
    kept, dropped = (
        FeatureRequest.objects.create(
            title=title,
            problem="A problem.",
            submitted_by=cast[Role.SALES_REP],
            quarter=quarter,
            status=status,
        )
        for title, status in [("Kept", "in_progress"), ("Dropped", "dropped")]
    )
    live = Commitment.objects.create(
        quarter=quarter, request=kept, points=8, approved_by=product_leader, approved_at=at(10, 2)
    )
    gone = Commitment.objects.create(
        quarter=quarter,
        request=dropped,
        points=5,
        approved_by=product_leader,
        approved_at=at(10, 3),
        dropped_at=at(10, 16),
        dropped_by=product_leader,
    )
    LedgerEntry.objects.create(
        quarter=quarter,
        kind=LedgerEntry.Kind.DROP,
        request=dropped,
        commitment=gone,
        points=5,
        sunk_points=2,
        penalty_points=1,
        cost=3,
        reason="Churned",
        actor=product_leader,
        at=at(10, 16),
    )
    ProgressUpdate.objects.create(
        commitment=live, status="in_progress", points_done=4, at=at(10, 9)
    )
    ProgressUpdate.objects.create(
        commitment=gone, status="in_progress", points_done=2, at=at(10, 6)
    )

    with django_assert_num_queries(3):
        weeks = burnup_for(quarter=quarter, today=dt.date(2026, 10, 20), zone=UTC)
    assert [(week.spent, week.done) for week in weeks[:4]] == [
        (13, 2),
        (13, 6),
        (11, 6),  # the drop released 5 points and cost 3
        (None, None),
    ]


def test_it_draws_an_accessible_svg_without_style_attributes():
    weeks = series(
        dt.date(2026, 10, 20),
        commitments=[(at(10, 2), None, 8), (at(10, 9), None, 13)],
        progress=[(1, at(10, 12), 5)],
    )
    svg = str(burnup_svg(weeks=weeks, title="Burn-up of 2026-Q4"))
    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert '<title id="burnup-title">Burn-up of 2026-Q4</title>' in svg
    assert "<desc" in svg and "By the end of W3 Oct 15" in svg
    assert "style=" not in svg
    assert "<script" not in svg
    # Three lines told apart by pattern, each named next to a sample of its pattern.
    assert svg.count("<polyline") == 3
    assert 'stroke-dasharray="9 5"' in svg and 'stroke-dasharray="2 4"' in svg
    for name, value in [
        ("Sales budget", 40),
        ("change costs", 21),
        ("Points done", 5),
    ]:
        assert re.search(rf">{re.escape(name)}</tspan><tspan[^>]*>{value} points<", svg)
    assert ">W1<" in svg and ">Oct 1<" in svg and ">W14<" in svg


def test_it_draws_a_quarter_that_has_not_started():
    svg = str(burnup_svg(weeks=series(dt.date(2026, 9, 1)), title="Burn-up"))
    assert svg.count("<polyline") == 1  # only the budget
    assert "not started" in svg
    assert "the quarter has not started" in svg


def test_it_escapes_the_title():
    svg = str(burnup_svg(weeks=series(dt.date(2026, 9, 1)), title="<b>Q4</b>"))
    assert "<b>" not in svg and "&lt;b&gt;Q4&lt;/b&gt;" in svg


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, (1, 1)),
        (4, (4, 1)),
        (40, (40, 10)),
        (41, (50, 10)),
        (95, (100, 20)),
        (1234, (1500, 500)),
    ],
)
def test_it_picks_a_round_scale(value, expected):
    assert nice_top(value) == expected


def test_it_keeps_every_line_label_inside_the_chart_when_the_lines_end_low():
    # The budget ends high; spent and done both end near zero, so their labels crowd the
    # bottom and must not push the budget's label off the top.
    weeks = [
        BurnupWeek(
            number=n,
            start=dt.date(2026, 10, 1) + dt.timedelta(weeks=n - 1),
            end=dt.date(2026, 10, 7) + dt.timedelta(weeks=n - 1),
            budget=40,
            spent=3 if n > 7 else 0,
            done=2 if n > 7 else 0,
        )
        for n in range(1, 9)
    ]
    svg = str(burnup_svg(weeks=weeks, title="Burn-up"))
    label_ys = [float(y) for y in re.findall(r'<text x="\d+(?:\.\d+)?" y="(-?[\d.]+)" fill', svg)]
    assert label_ys and min(label_ys) > 0
    assert "Sales budget" in svg


def test_it_draws_a_compact_chart_for_a_phone_beside_the_wide_one():
    weeks = series(
        dt.date(2026, 10, 20),
        commitments=[(at(10, 2), None, 8), (at(10, 9), None, 13)],
        progress=[(1, at(10, 12), 5)],
    )
    charts = str(burnup_charts(weeks=weeks, title="Burn-up of 2026-Q4"))
    wide, compact = charts.split("</svg>")[:2]
    assert 'class="burnup-chart burnup-chart-wide"' in wide
    assert 'class="burnup-chart burnup-chart-compact"' in compact
    # Its own ids, larger text in a narrower drawing, and each line named in a legend.
    assert 'id="burnup-compact-title"' in compact and 'id="burnup-title"' not in compact
    assert 'viewBox="0 0 360 ' in compact and 'font-size="13"' in compact
    assert compact.count("<polyline") == 3
    for legend in ("Sales budget: ", "Committed + change costs: ", "Points done: "):
        assert legend in compact
    assert ">40 points<" in compact and ">5 points<" in compact
    assert "style=" not in charts
    # Week numbers only, thinned to at most six.
    assert len(re.findall(r">W\d+<", compact)) <= 6
