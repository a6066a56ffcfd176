"""The actual-time log: following the plan, interruptions and their flags, resume, recovery."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.domain.clock import FakeClock
from planner.domain.errors import PlannerError
from planner.domain.timerange import Interval, day_bounds, local_wall_time
from planner.services import planning, tracking
from planner.storage.db import Database
from planner.storage.models import Entry

OWNER = "tester"
DAY = date(2026, 11, 24)


def wall(zone: ZoneInfo, hh: int, mm: int = 0) -> datetime:
    return local_wall_time(DAY, hh * 60 + mm, zone)


@pytest.fixture
def planned(db: Database, zone: ZoneInfo) -> dict[str, int]:
    """Support 09:00–11:00 (a focus block), Community 11:00–13:00, Support 13:00–13:30."""
    with db.transaction() as s:
        sup = planning.find_role(s, OWNER, "Support").id
        com = planning.find_role(s, OWNER, "Community").id
        planning.add_slot(s, OWNER, zone, wall(zone, 9), wall(zone, 11), sup)
        planning.add_slot(s, OWNER, zone, wall(zone, 11), wall(zone, 13), com)
        planning.add_slot(s, OWNER, zone, wall(zone, 13), wall(zone, 13, 30), sup)
    return {"support": sup, "community": com}


def entries(db: Database) -> list[tracking.EntryV]:
    with db.transaction() as s:
        return tracking.list_entries(s, OWNER, day_bounds(DAY, ZoneInfo("Europe/Berlin")))


def test_following_the_plan_splits_at_slot_starts(
    db: Database, zone: ZoneInfo, planned: dict[str, int]
) -> None:
    with db.transaction() as s:
        first, _ = tracking.start_work(s, OWNER, zone, wall(zone, 9, 5), follow_plan=True)
        assert first.role_id == planned["support"] and first.follows_plan
        tracking.catch_up(s, OWNER, zone, wall(zone, 13, 10))
    log = entries(db)
    assert [(e.start, e.end, e.role_id) for e in log] == [
        (wall(zone, 9, 5), wall(zone, 11), planned["support"]),
        (wall(zone, 11), wall(zone, 13), planned["community"]),
        (wall(zone, 13), None, planned["support"]),
    ]


def test_an_off_plan_switch_is_flagged(
    db: Database, zone: ZoneInfo, planned: dict[str, int]
) -> None:
    with db.transaction() as s:
        entry, _ = tracking.start_work(
            s, OWNER, zone, wall(zone, 9, 30), role_id=planned["community"]
        )
    assert "unplanned" in entry.flags and not entry.follows_plan


def test_interrupt_splits_the_running_entry_and_flags_it(
    db: Database, zone: ZoneInfo, planned: dict[str, int]
) -> None:
    with db.transaction() as s:
        tracking.start_work(s, OWNER, zone, wall(zone, 9), follow_plan=True)
        hit, _ = tracking.interrupt(
            s, OWNER, zone, wall(zone, 9, 40), note="printer down", source="phone"
        )
    # the default role is the other one than the slot's -> cross-role, in a 2 h focus block
    assert hit.role_id == planned["community"]
    assert hit.flags == {"unplanned", "cross_role", "in_focus"}
    assert hit.start == wall(zone, 9, 40) and hit.end is None
    work = entries(db)[0]
    assert work.end == wall(zone, 9, 40)
    with db.transaction() as s:
        back, _ = tracking.resume(s, OWNER, zone, wall(zone, 9, 55))
    assert back.role_id == planned["support"] and back.start == wall(zone, 9, 55)
    log = entries(db)
    assert [e.kind for e in log] == ["work", "interruption", "work"]
    assert log[1].end == wall(zone, 9, 55)
    with db.transaction() as s:
        summary = tracking.day_summary(s, OWNER, DAY, zone, wall(zone, 10))
    assert (summary.count, summary.minutes, summary.cross_role) == (1, 15, 1)
    assert summary.describe() == "1 interruption, 15 min, 1 cross-role"


def test_resume_follows_the_plan_that_moved_on(
    db: Database, zone: ZoneInfo, planned: dict[str, int]
) -> None:
    with db.transaction() as s:
        tracking.start_work(s, OWNER, zone, wall(zone, 10), follow_plan=True)
        tracking.interrupt(s, OWNER, zone, wall(zone, 10, 50), role_id=planned["support"])
        back, _ = tracking.resume(s, OWNER, zone, wall(zone, 11, 20))
    assert back.role_id == planned["community"]  # the 11:00 slot is Community
    hit = entries(db)[1]
    assert "cross_role" not in hit.flags


def test_an_interruption_after_the_hard_stop(db: Database, zone: ZoneInfo) -> None:
    with db.transaction() as s:
        hit, _ = tracking.interrupt(s, OWNER, zone, wall(zone, 18), note="late call")
    assert hit.flags == {"unplanned", "after_stop"}


def test_an_interruption_logged_after_the_fact_ends_when_logged_and_splits_the_work(
    db: Database, zone: ZoneInfo, planned: dict[str, int]
) -> None:
    """Issue 15 item 5: 'took 10m' logged at 09:30 was 09:20–09:30, not 09:30–09:40."""
    with db.transaction() as s:
        tracking.start_work(s, OWNER, zone, wall(zone, 9), follow_plan=True)
        hit, _ = tracking.interrupt(
            s, OWNER, zone, wall(zone, 9, 30), note="chat", minutes=10, now=wall(zone, 9, 30)
        )
        current = tracking.running(s, OWNER)
    assert (hit.start, hit.end) == (wall(zone, 9, 20), wall(zone, 9, 30))
    assert current is not None and current.kind == "work"
    assert current.start == wall(zone, 9, 30)  # goes on from the moment it was logged
    assert [(e.kind, e.start, e.end, e.role_id) for e in entries(db)] == [
        ("work", wall(zone, 9), wall(zone, 9, 20), planned["support"]),
        ("interruption", wall(zone, 9, 20), wall(zone, 9, 30), planned["community"]),
        ("work", wall(zone, 9, 30), None, planned["support"]),
    ]


def test_an_interruption_longer_than_the_work_so_far_starts_before_it(
    db: Database, zone: ZoneInfo, planned: dict[str, int]
) -> None:
    """09:04, 'took 10m' with work since 09:00: 08:54–09:04, and the work begins at 09:04."""
    with db.transaction() as s:
        work, _ = tracking.start_work(s, OWNER, zone, wall(zone, 9), follow_plan=True)
        tracking.interrupt(s, OWNER, zone, wall(zone, 9, 4), minutes=10, now=wall(zone, 9, 4))
    log = entries(db)
    assert [(e.kind, e.start, e.end) for e in log] == [
        ("interruption", wall(zone, 8, 54), wall(zone, 9, 4)),
        ("work", wall(zone, 9, 4), None),
    ]
    assert log[1].id == work.id  # the same work, begun when the interruption was over


def test_an_interruption_after_the_fact_keeps_what_was_logged_in_its_time(
    db: Database, zone: ZoneInfo, planned: dict[str, int]
) -> None:
    with db.transaction() as s:
        tracking.start_work(s, OWNER, zone, wall(zone, 9), follow_plan=True)
        tracking.interrupt(s, OWNER, zone, wall(zone, 9, 20), note="first")
        tracking.resume(s, OWNER, zone, wall(zone, 9, 25))
        tracking.interrupt(s, OWNER, zone, wall(zone, 9, 30), note="second", minutes=15)
        with pytest.raises(PlannerError, match="logged already"):
            tracking.interrupt(s, OWNER, zone, wall(zone, 9, 24), minutes=2)
    log = entries(db)
    assert [(e.kind, e.note, e.start, e.end) for e in log] == [
        ("work", "", wall(zone, 9), wall(zone, 9, 20)),
        ("interruption", "first", wall(zone, 9, 20), wall(zone, 9, 25)),
        ("interruption", "second", wall(zone, 9, 25), wall(zone, 9, 30)),  # not from 09:15
        ("work", "", wall(zone, 9, 30), None),
    ]


def test_nested_interruptions_resume_the_original_work(
    db: Database, zone: ZoneInfo, planned: dict[str, int]
) -> None:
    with db.transaction() as s:
        tracking.start_work(s, OWNER, zone, wall(zone, 9), follow_plan=True)
        tracking.interrupt(s, OWNER, zone, wall(zone, 9, 30), note="first")
        tracking.interrupt(s, OWNER, zone, wall(zone, 9, 35), note="second")
        back, _ = tracking.resume(s, OWNER, zone, wall(zone, 9, 45))
    assert back.role_id == planned["support"]
    assert [e.kind for e in entries(db)] == ["work", "interruption", "interruption", "work"]


def test_resume_without_an_interruption_is_a_clear_error(db: Database, zone: ZoneInfo) -> None:
    with pytest.raises(PlannerError, match="no interruption"), db.transaction() as s:
        tracking.resume(s, OWNER, zone, wall(zone, 9))


def test_text_is_cleaned_but_any_script_is_kept(db: Database, zone: ZoneInfo) -> None:
    with db.transaction() as s:
        hit, _ = tracking.interrupt(s, OWNER, zone, wall(zone, 9), note="שלום\x00 مرحبا\x1b[31m ✓")
    assert hit.note == "שלום مرحبا[31m ✓"
    with pytest.raises(PlannerError, match="at most"), db.transaction() as s:
        tracking.interrupt(s, OWNER, zone, wall(zone, 9), note="x" * 5000)


def test_open_entries_are_written_at_once_and_recovered_after_a_crash(
    db: Database, zone: ZoneInfo, planned: dict[str, int], clock: FakeClock
) -> None:
    with db.transaction() as s:
        tracking.start_work(s, OWNER, zone, wall(zone, 9), follow_plan=True)
        tracking.heartbeat(s, OWNER, wall(zone, 9, 47))
    # "crash": nothing else happens; a new process sees the open entry
    with db.transaction() as s:
        assert s.query(Entry).filter(Entry.end.is_(None)).count() == 1
        closed, _ = tracking.recover(s, OWNER, zone)
    assert closed == 1
    entry = entries(db)[0]
    assert entry.end == wall(zone, 9, 47) and entry.needs_review


def test_edit_entry_recomputes_flags(db: Database, zone: ZoneInfo, planned: dict[str, int]) -> None:
    with db.transaction() as s:
        hit, _ = tracking.interrupt(s, OWNER, zone, wall(zone, 9, 30), role_id=planned["support"])
        assert "cross_role" not in hit.flags
        moved, _ = tracking.edit_entry(
            s, OWNER, zone, hit.id, start=wall(zone, 11, 30), end=wall(zone, 11, 45)
        )
        assert "cross_role" in moved.flags
        work, _ = tracking.edit_entry(s, OWNER, zone, hit.id, kind="work")
        assert work.flags == frozenset()
        with pytest.raises(PlannerError, match="end after"):
            tracking.edit_entry(s, OWNER, zone, hit.id, end=wall(zone, 8))


def test_dst_day_interruption_minutes(db: Database) -> None:
    zone = ZoneInfo("Europe/Berlin")
    day = date(2026, 10, 25)  # 25 h day: 02:00–03:00 happens twice
    start = local_wall_time(day, 1 * 60 + 30, zone)
    end = start + timedelta(minutes=120)  # 120 real minutes later the wall clock says 02:30
    with db.transaction() as s:
        tracking.interrupt(s, OWNER, zone, end, note="night call", minutes=120)
        # the day runs 04:00–04:00, so 01:30 on the 25th belongs to the 24th's (25 h) day
        summary = tracking.day_summary(s, OWNER, day - timedelta(days=1), zone, end)
        log = tracking.list_entries(s, OWNER, Interval(start, start + timedelta(hours=3)))
    assert summary.minutes == 120
    assert log[0].start == start
    assert log[0].end is not None and log[0].end.astimezone(zone).hour == 2  # wall clock 02:30
