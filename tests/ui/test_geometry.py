"""Timeline maths: time <-> pixel, snapping, resizing limits, colour contrast (no Qt needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from ui import geometry
from ui.geometry import TimeScale

BERLIN = ZoneInfo("Europe/Berlin")
KATHMANDU = ZoneInfo("Asia/Kathmandu")  # +05:45: local wall times still snap to 5 minutes


def t(h: int, m: int, s: int = 0, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime(2026, 11, 24, h, m, s, tzinfo=zone)


def test_snap_rounds_to_nearest_five_minutes_in_local_time() -> None:
    assert geometry.snap(t(10, 2, 29)) == t(10, 0)
    assert geometry.snap(t(10, 2, 31)) == t(10, 5)
    assert geometry.snap(t(10, 7, 0, KATHMANDU)).astimezone(KATHMANDU).minute == 5
    assert geometry.snap(t(10, 7, 40), 1) == t(10, 8)


@given(st.floats(min_value=0, max_value=2000), st.floats(min_value=0.5, max_value=4))
def test_scale_round_trips(y: float, ppm: float) -> None:
    scale = TimeScale(t(7, 0), t(20, 0), ppm, top=26)
    assert abs(scale.y_of(scale.moment_at(y)) - y) < 1e-6


def test_scale_places_hours_evenly() -> None:
    scale = TimeScale(t(8, 0), t(18, 0), 1.5, top=20)
    assert scale.y_of(t(8, 0)) == 20
    assert scale.y_of(t(9, 0)) == 20 + 90
    assert scale.height == 600 * 1.5
    assert scale.clamp(t(19, 0)) == t(18, 0)


def test_move_keeps_length_and_snaps_start() -> None:
    start, end = geometry.moved(t(13, 0), t(14, 0), timedelta(minutes=31), 5)
    assert (start, end) == (t(13, 30), t(14, 30))


def test_resize_never_shorter_than_one_step() -> None:
    assert geometry.resized(t(13, 0), t(14, 0), "bottom", t(12, 0), 5) == (t(13, 0), t(13, 5))
    assert geometry.resized(t(13, 0), t(14, 0), "top", t(15, 0), 5) == (t(13, 55), t(14, 0))
    assert geometry.resized(t(13, 0), t(14, 0), "bottom", t(14, 38), 5) == (t(13, 0), t(14, 40))


def test_span_works_upwards_too() -> None:
    assert geometry.span(t(16, 2), t(15, 1), 5) == (t(15, 0), t(16, 0))
    assert geometry.span(t(16, 0), t(16, 1), 5) == (t(16, 0), t(16, 5))


def test_hit_edge() -> None:
    assert geometry.hit_edge(100, 100, 200) == "top"
    assert geometry.hit_edge(199, 100, 200) == "bottom"
    assert geometry.hit_edge(150, 100, 200) == "body"
    assert geometry.hit_edge(260, 100, 200) is None


def test_visible_range_covers_whole_hours_around_the_day() -> None:
    first, last = geometry.visible_range(t(9, 0), t(17, 30), [(t(18, 10), t(18, 40))], BERLIN)
    assert first == t(8, 0)
    assert last == t(20, 0)


def test_hour_marks_on_a_dst_day() -> None:
    zone = BERLIN
    start = datetime(2026, 10, 25, 0, 0, tzinfo=zone)
    end = datetime(2026, 10, 26, 0, 0, tzinfo=zone)
    assert len(geometry.hour_marks(start, end, zone)) == 26  # 25 h day, both ends included


def test_role_text_is_legible_on_every_palette_colour() -> None:
    from planner.services.planning import PALETTE

    for colour in PALETTE:
        text = geometry.text_colour_on(colour)
        ratio = geometry.contrast_ratio(geometry.parse_hex(colour), geometry.parse_hex(text))
        assert ratio >= 4.5, (colour, text, ratio)


def test_snap_result_is_utc() -> None:
    assert geometry.snap(t(10, 2)).tzinfo is UTC
