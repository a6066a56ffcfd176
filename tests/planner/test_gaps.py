"""Gap detection (sleep: wall clock ahead of monotonic; idle) and recording the answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.domain.errors import PlannerError
from planner.domain.timerange import Interval, day_bounds
from planner.services import gaps, planning, tracking
from planner.services.gaps import Gap, GapBook, IdleTracker, SleepDetector
from planner.storage.db import Database

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 24)


def at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(2026, 11, 24, int(h), int(m), tzinfo=BERLIN).astimezone(UTC)


def test_steady_heartbeats_are_no_gap() -> None:
    d = SleepDetector()
    assert d.observe(at("09:00"), 100.0) == gaps.Observation()
    assert d.observe(at("09:00") + timedelta(seconds=30), 130.5) == gaps.Observation()


def test_suspend_is_a_gap() -> None:
    d = SleepDetector()
    d.observe(at("09:00"), 100.0, boot=100.0)
    seen = d.observe(at("10:00"), 130.0, boot=3700.0)  # 30 s awake, 59.5 min asleep
    assert seen.clock_jumped
    assert seen.gap == Gap(at("09:00"), at("10:00") - timedelta(seconds=30), "sleep")


def test_short_suspend_only_recomputes() -> None:
    d = SleepDetector()
    d.observe(at("09:00"), 100.0)
    seen = d.observe(at("09:05"), 130.0)
    assert seen.clock_jumped and seen.gap is None


def test_clock_set_forward_is_not_sleep() -> None:
    d = SleepDetector()
    d.observe(at("09:00"), 100.0, boot=100.0)
    seen = d.observe(at("11:00"), 130.0, boot=130.0)
    assert seen.clock_jumped and seen.gap is None


def test_clock_set_back_recomputes_without_gap() -> None:
    d = SleepDetector()
    d.observe(at("09:00"), 100.0)
    seen = d.observe(at("08:00"), 130.0)
    assert seen.clock_jumped and seen.gap is None


def test_dst_and_zone_changes_are_invisible_in_utc() -> None:
    d = SleepDetector()
    before = datetime(2026, 10, 25, 0, 59, 45, tzinfo=UTC)  # 02:59:45 CEST
    d.observe(before, 0.0)
    assert d.observe(before + timedelta(seconds=30), 30.0) == gaps.Observation()


def test_idle_gap_reported_on_return() -> None:
    t = IdleTracker()
    assert t.observe(at("09:00"), timedelta(minutes=1)) is None
    assert t.observe(at("09:20"), timedelta(minutes=21)) is None
    assert t.observe(at("09:40"), timedelta(minutes=41)) is None
    gap = t.observe(at("09:45"), timedelta(seconds=2))
    assert gap == Gap(at("08:59"), at("09:45") - timedelta(seconds=2), "idle")
    assert t.observe(at("09:46"), timedelta(seconds=1)) is None


def test_short_idle_is_no_gap_and_unknown_idle_is_ignored() -> None:
    t = IdleTracker()
    assert t.observe(at("09:09"), timedelta(minutes=9)) is None
    assert t.observe(at("09:10"), timedelta(seconds=0)) is None
    assert t.observe(at("09:11"), None) is None


def test_gap_book_reports_each_stretch_once() -> None:
    book = GapBook()
    first = book.report(Gap(at("09:00"), at("10:00"), "sleep"))
    assert first == Gap(at("09:00"), at("10:00"), "sleep")
    assert book.report(Gap(at("09:01"), at("10:00"), "idle")) is None
    assert book.report(Gap(at("09:30"), at("10:30"), "idle")) == Gap(
        at("10:00"), at("10:30"), "idle"
    )


def entries(db: Database) -> list[tuple[str, str, str | None, int | None, str]]:
    with db.transaction() as s:
        rows = tracking.list_entries(s, "tester", day_bounds(DAY, BERLIN, 240))
    return [
        (
            e.kind,
            e.start.astimezone(BERLIN).strftime("%H:%M"),
            e.end.astimezone(BERLIN).strftime("%H:%M") if e.end else None,
            e.role_id,
            e.source,
        )
        for e in rows
    ]


def role_ids(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        return {r.name: r.id for r in planning.list_roles(s, "tester")}


@pytest.mark.parametrize("answer", ["meeting", "break", "interruption"])
def test_gap_splits_the_running_work(db: Database, answer: str) -> None:
    ids = role_ids(db)
    with db.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("09:00"), role_id=ids["Support"])
        made, change = gaps.record_gap(
            s,
            "tester",
            BERLIN,
            Interval(at("10:00"), at("10:40")),
            answer,
            role_id=ids["Community"],
            note="standup",
        )
    assert [e.kind for e in made] == [answer]
    assert change.days == {DAY}
    assert entries(db) == [
        ("work", "09:00", "10:00", ids["Support"], ""),
        (answer, "10:00", "10:40", ids["Community"], "gap"),
        ("work", "10:40", None, ids["Support"], ""),
    ]
    if answer == "interruption":
        assert "cross_role" not in made[0].flags  # no slot planned at that time
        assert made[0].flags >= {"unplanned"}


def test_work_on_the_running_role_changes_nothing(db: Database) -> None:
    ids = role_ids(db)
    with db.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("09:00"), role_id=ids["Support"])
        made, change = gaps.record_gap(
            s, "tester", BERLIN, Interval(at("10:00"), at("10:40")), "work"
        )
    assert made == [] and change.topics == frozenset()
    assert entries(db) == [("work", "09:00", None, ids["Support"], "")]


def test_work_on_the_other_role_with_nothing_running(db: Database) -> None:
    ids = role_ids(db)
    with db.transaction() as s:
        tracking.interrupt(s, "tester", BERLIN, at("10:20"), minutes=10, note="call")  # 10:10–10:20
        tracking.stop(s, "tester", BERLIN, at("10:20"))
        gaps.record_gap(
            s,
            "tester",
            BERLIN,
            Interval(at("10:00"), at("11:00")),
            "work",
            role_id=ids["Community"],
        )
    got = entries(db)
    assert ("work", "10:00", "10:10", ids["Community"], "gap") in got
    assert ("work", "10:20", "11:00", ids["Community"], "gap") in got
    assert got[1][0] == "interruption"  # logged time inside the gap is kept


def test_bad_answers_are_refused(db: Database) -> None:
    with db.transaction() as s:
        with pytest.raises(PlannerError):
            gaps.record_gap(s, "tester", BERLIN, Interval(at("10:00"), at("11:00")), "nap")
        with pytest.raises(PlannerError, match="role"):
            gaps.record_gap(s, "tester", BERLIN, Interval(at("10:00"), at("11:00")), "work")
        with pytest.raises(PlannerError):
            gaps.record_gap(
                s, "tester", BERLIN, Interval(at("10:00"), at("11:00")), "break", role_id=9999
            )
