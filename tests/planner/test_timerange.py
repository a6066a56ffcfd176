"""Intervals and local-day maths, including DST days and days that start after midnight."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.domain.timerange import (
    Interval,
    day_bounds,
    format_minute,
    local_date,
    local_wall_time,
    merge,
    parse_hhmm,
    total_minutes,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def iv(a: int, b: int) -> Interval:
    return Interval(T0 + timedelta(minutes=a), T0 + timedelta(minutes=b))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        Interval(datetime(2026, 1, 1), T0)  # noqa: DTZ001


def test_subtract_merge_clip() -> None:
    assert iv(0, 100).subtract([iv(10, 20), iv(15, 30), iv(90, 200)]) == [iv(0, 10), iv(30, 90)]
    assert merge([iv(5, 10), iv(0, 5), iv(20, 30)]) == [iv(0, 10), iv(20, 30)]
    assert iv(0, 10).clip(iv(5, 20)) == iv(5, 10)
    assert iv(0, 10).clip(iv(10, 20)) is None
    assert total_minutes([iv(0, 10), iv(5, 15)]) == 15


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 100)), max_size=12))
def test_subtract_leaves_exactly_the_uncovered_time(raw: list[tuple[int, int]]) -> None:
    window = iv(0, 600)
    cuts = [iv(a, a + d) for a, d in raw]
    rest = window.subtract(cuts)
    clipped = [x for c in cuts if (x := c.clip(window)) is not None]
    covered = sum(c.minutes for c in merge(clipped))
    assert sum(r.minutes for r in rest) == pytest.approx(window.minutes - covered)
    assert not any(r.overlaps(c) for r in rest for c in cuts)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (BERLIN, date(2026, 3, 29), 23),  # spring forward
        (BERLIN, date(2026, 10, 25), 25),  # fall back
        (NEW_YORK, date(2026, 3, 8), 23),
        (NEW_YORK, date(2026, 11, 1), 25),
        (BERLIN, date(2026, 11, 24), 24),
    ],
)
def test_day_bounds_on_dst_days(zone: ZoneInfo, day: date, hours: int) -> None:
    bounds = day_bounds(day, zone)
    assert bounds.duration == timedelta(hours=hours)
    assert bounds.start.astimezone(zone).hour == 0


def test_wall_time_in_the_spring_forward_gap_lands_after_it() -> None:
    moment = local_wall_time(date(2026, 3, 29), 2 * 60 + 30, BERLIN)
    assert moment.astimezone(BERLIN).hour == 3


def test_wall_time_past_midnight_is_the_next_day() -> None:
    moment = local_wall_time(date(2026, 11, 24), 25 * 60 + 30, BERLIN)
    assert moment.astimezone(BERLIN) == datetime(2026, 11, 25, 1, 30, tzinfo=BERLIN)


def test_local_date_with_a_day_that_starts_at_four() -> None:
    late = datetime(2026, 11, 25, 1, 30, tzinfo=BERLIN)
    assert local_date(late, BERLIN) == date(2026, 11, 25)
    assert local_date(late, BERLIN, day_start_minute=240) == date(2026, 11, 24)


def test_parse_and_format_hhmm() -> None:
    assert parse_hhmm("09:00") == 540
    assert parse_hhmm("01:30+1") == 25 * 60 + 30
    assert format_minute(25 * 60 + 30) == "01:30+1"
    for bad in ("9", "24:61", "ab:cd", ""):
        with pytest.raises(ValueError, match="not a time"):
            parse_hhmm(bad)
