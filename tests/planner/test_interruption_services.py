"""Recent sources for the quick log, and the rule that offers a re-flow after an interruption."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.domain.clock import FakeClock
from planner.domain.errors import PlannerError
from planner.domain.timerange import Interval
from planner.domain.values import SlotV
from planner.services import interruptions, planning, tracking
from planner.storage.db import Database

OWNER = "tester"


def _slot(db: Database, zone: ZoneInfo, a: datetime, b: datetime, role: str = "Support") -> None:
    with db.transaction() as s:
        role_id = planning.find_role(s, OWNER, role).id
        planning.add_slot(s, OWNER, zone, a, b, role_id, origin="auto")


def test_recent_sources_most_recent_first_then_common(
    db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    with db.transaction() as s:
        assert interruptions.recent_sources(s, OWNER)[:3] == ["chat", "email", "phone"]
        for minutes, source in ((0, "Anna"), (10, "email"), (20, "Bob"), (30, "anna")):
            tracking.interrupt(
                s, OWNER, zone, clock.now() + timedelta(minutes=minutes), source=source, minutes=5
            )
        sources = interruptions.recent_sources(s, OWNER)
    assert sources[:3] == ["anna", "Bob", "email"]  # one spelling per name, newest first
    assert "Anna" not in sources
    assert sources.count("email") == 1
    assert "chat" in sources and "phone" in sources


def test_recent_sources_are_per_owner(db: Database, clock: FakeClock, zone: ZoneInfo) -> None:
    with db.transaction() as s:
        planning.ensure_defaults(s, "other")
        tracking.interrupt(s, "other", zone, clock.now(), source="secret boss", minutes=5)
        assert "secret boss" not in interruptions.recent_sources(s, OWNER)


def _slotv(a: datetime, b: datetime) -> SlotV:
    return SlotV(1, a.date(), a, b, 1, "", "auto", False)


def test_out_of_shape_rule(clock: FakeClock) -> None:
    t0 = clock.now()
    slots = [_slotv(t0, t0 + timedelta(hours=2))]
    stop = t0 + timedelta(hours=8)

    def lost(minutes: int, *, now_offset: int = 0, day_stop: datetime = stop) -> float:
        span = Interval(t0 + timedelta(minutes=10), t0 + timedelta(minutes=10 + minutes))
        now = span.end + timedelta(minutes=now_offset)
        return interruptions.out_of_shape(span, slots, now, day_stop, threshold_minutes=20)

    assert lost(19) == 0  # short: the plan absorbs it
    assert lost(30) == pytest.approx(30)
    # only the part inside planned slots counts
    assert lost(200) == pytest.approx(110)
    # nothing left worth re-flowing: less than a focus block before the hard stop
    assert lost(30, day_stop=t0 + timedelta(minutes=60)) == 0
    # an interruption outside any slot leaves the plan as it was
    assert (
        interruptions.out_of_shape(
            Interval(t0 + timedelta(hours=3), t0 + timedelta(hours=4)),
            slots,
            t0 + timedelta(hours=4),
            stop,
        )
        == 0
    )


def test_reflow_advice_after_a_long_interruption(
    db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    t0 = clock.now()
    _slot(db, zone, t0, t0 + timedelta(hours=2))
    with db.transaction() as s:
        # logged when they were over: 09:00–09:10 and 09:20–10:00
        ten = t0 + timedelta(minutes=10)
        short, _ = tracking.interrupt(s, OWNER, zone, ten, minutes=10)
        assert interruptions.reflow_advice(s, OWNER, zone, ten, short) is None
        long, _ = tracking.interrupt(s, OWNER, zone, t0 + timedelta(minutes=60), minutes=40)
        advice = interruptions.reflow_advice(s, OWNER, zone, t0 + timedelta(hours=1), long)
        running, _ = tracking.interrupt(s, OWNER, zone, t0 + timedelta(hours=1))
        assert interruptions.reflow_advice(s, OWNER, zone, t0 + timedelta(hours=2), running) is None
        planning.set_setting(s, OWNER, "reflow_after_minutes", 60)
        assert interruptions.reflow_advice(s, OWNER, zone, t0 + timedelta(hours=1), long) is None
    assert advice is not None
    assert advice.day == date(2026, 11, 24)
    assert advice.lost_minutes == pytest.approx(40)
    assert "40-min interruption" in advice.reason


def test_day_interruptions_only_that_day(db: Database, clock: FakeClock, zone: ZoneInfo) -> None:
    t0 = clock.now()
    with db.transaction() as s:
        tracking.interrupt(s, OWNER, zone, t0, note="today", minutes=5)
        tracking.interrupt(s, OWNER, zone, t0 - timedelta(days=1), note="yesterday", minutes=5)
        tracking.start_work(s, OWNER, zone, t0 + timedelta(minutes=30), role_id=1)
        rows = interruptions.day_interruptions(s, OWNER, t0.astimezone(zone).date(), zone)
    assert [e.note for e in rows] == ["today"]


def test_parse_minutes() -> None:
    assert interruptions.parse_minutes("10m") == 10
    assert interruptions.parse_minutes("1h30m") == 90
    with pytest.raises(PlannerError):
        interruptions.parse_minutes("soon")
