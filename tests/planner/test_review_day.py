"""The end-of-day review (pure) and the services it needs: close a day, carry one task."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.domain.clock import FakeClock
from planner.domain.errors import PlannerError
from planner.domain.timerange import day_bounds
from planner.domain.values import DayV, EntryV, RoleV, SlotV, TaskV
from planner.services import planning, tracking
from planner.services.day_review import load_review, review
from planner.storage.db import Database

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 24)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


ROLES = (
    RoleV(1, "Support", "#e15759", 60.0, 0, False),
    RoleV(2, "Community", "#4e79a7", 40.0, 1, False),
    RoleV(3, "Old", "#59a14f", 0.0, 2, True),
)
DAY_V = DayV(DAY, at(9), at(17), 45, True)
BOUNDS = day_bounds(DAY, BERLIN, 240)


def slot(i: int, start: datetime, end: datetime, role: int) -> SlotV:
    return SlotV(i, DAY, start, end, role, "", "auto", False)


def entry(
    i: int, start: datetime, end: datetime | None, role: int | None, kind: str = "work"
) -> EntryV:
    return EntryV(i, start, end, kind, role, None, None, "", "")


def task(i: int, status: str) -> TaskV:
    return TaskV(i, f"task {i}", 1, DAY, i, 30, status, None, 0)


def test_planned_vs_actual_per_role() -> None:
    slots = [slot(1, at(9), at(12), 1), slot(2, at(12), at(17), 2)]
    entries = [
        entry(1, at(9), at(11), 1),
        entry(2, at(11), at(11, 30), 2, "interruption"),
        entry(3, at(11, 30), at(12), 1),
        entry(4, at(12), at(12, 30), None, "break"),
        entry(5, at(12, 30), at(16), 2),
        entry(6, at(16), at(16, 15), None),
    ]
    result = review(
        DAY_V, ROLES, slots, entries, [task(1, "done"), task(2, "open")], BOUNDS, at(18)
    )
    by_name = {r.name: r for r in result.roles}
    assert set(by_name) == {"Support", "Community"}  # the archived role had no time
    assert by_name["Support"].planned_minutes == 180
    assert by_name["Support"].actual_minutes == 150
    assert by_name["Community"].planned_minutes == 300
    assert by_name["Community"].actual_minutes == 30 + 210
    assert by_name["Community"].delta_minutes == -60
    assert result.planned_minutes == 480
    assert result.unassigned_minutes == 15
    assert result.actual_minutes == 150 + 240 + 15
    assert by_name["Support"].actual_share == pytest.approx(100 * 150 / 390)
    assert by_name["Support"].planned_share == pytest.approx(37.5)
    assert [e.id for e in result.interruptions] == [2]
    assert result.interruption_minutes == 30
    assert result.overtime_minutes == 0
    assert [t.id for t in result.done] == [1]
    assert [t.id for t in result.unfinished] == [2]
    assert result.running == 0


def test_running_entry_counts_until_now_and_overtime_after_stop() -> None:
    entries = [entry(1, at(16), None, 3)]
    result = review(DAY_V, ROLES, [], entries, [], BOUNDS, at(18, 30))
    old = {r.name: r for r in result.roles}["Old"]  # archived but it has time today
    assert old.actual_minutes == 150
    assert result.overtime_minutes == 90
    assert result.running == 1
    assert result.planned_minutes == 0
    assert all(r.planned_share == 0 for r in result.roles)


def test_time_outside_the_day_is_clipped() -> None:
    yesterday_late = at(23, day=DAY - timedelta(days=1))
    entries = [
        entry(1, yesterday_late, at(5), 1),
        entry(2, at(3, 0, DAY + timedelta(days=1)), at(5, 0, DAY + timedelta(days=1)), 2),
    ]
    result = review(DAY_V, ROLES, [], entries, [], BOUNDS, at(12))
    by_name = {r.name: r for r in result.roles}
    assert by_name["Support"].actual_minutes == 60  # 04:00-05:00 only
    assert by_name["Community"].actual_minutes == 60  # until 04:00 next day
    assert result.overtime_minutes == 60  # 03:00-04:00 after the 17:00 stop; early work is not


def test_load_review_reads_the_services(db: Database, clock: FakeClock) -> None:
    owner = "tester"
    with db.transaction() as s:
        support = planning.find_role(s, owner, "Support")
        planning.add_slot(s, owner, BERLIN, at(9), at(10), support.id)
        tracking.start_work(s, owner, BERLIN, at(9), role_id=support.id)
        tracking.interrupt(s, owner, BERLIN, at(9, 20), note="phone", minutes=10)
        tracking.stop(s, owner, BERLIN, at(9, 50))
        planning.add_task(s, owner, "write FAQ", support.id, now=clock.now(), day=DAY)
    with db.transaction() as s:
        result = load_review(s, owner, DAY, BERLIN, at(12))
    by_name = {r.name: r for r in result.roles}
    assert by_name["Support"].planned_minutes == 60
    assert by_name["Support"].actual_minutes + by_name["Community"].actual_minutes == 50
    assert len(result.interruptions) == 1
    assert [t.title for t in result.unfinished] == ["write FAQ"]


def test_close_day_sets_closed_at_once(db: Database) -> None:
    with db.transaction() as s:
        change = planning.close_day(s, "tester", DAY, BERLIN, at(18))
        planning.close_day(s, "tester", DAY, BERLIN, at(19))
    assert DAY in change.days
    with db.transaction() as s:
        assert planning.get_day(s, "tester", DAY, BERLIN).closed_at == at(18)


def test_carry_task_one_by_one(db: Database, clock: FakeClock) -> None:
    owner = "tester"
    tomorrow = DAY + timedelta(days=1)
    with db.transaction() as s:
        role = planning.find_role(s, owner, "Support").id
        a, _ = planning.add_task(s, owner, "a", role, now=clock.now(), day=DAY)
        b, _ = planning.add_task(s, owner, "b", role, now=clock.now(), day=DAY)
        planning.add_task(s, owner, "x", role, now=clock.now(), day=tomorrow)
        moved, change = planning.carry_task(s, owner, b.id, tomorrow)
    assert moved.day == tomorrow and moved.priority == 2 and moved.carried_over == 1
    assert change.days == {DAY, tomorrow}
    with db.transaction() as s:
        assert [t.title for t in planning.list_tasks(s, owner, tomorrow)] == ["x", "b"]
        assert [t.title for t in planning.list_tasks(s, owner, DAY)] == ["a"]
        planning.set_task_status(s, owner, a.id, "done", clock.now())
    with pytest.raises(PlannerError, match="done, not open"), db.transaction() as s:
        planning.carry_task(s, owner, a.id, tomorrow)


def test_last_open_day_and_next_workday(db: Database, clock: FakeClock) -> None:
    owner = "tester"
    friday = date(2026, 11, 20)
    with db.transaction() as s:
        role = planning.find_role(s, owner, "Support").id
        assert planning.last_open_day(s, owner, DAY) is None
        planning.add_task(s, owner, "old", role, now=clock.now(), day=friday)
        done, _ = planning.add_task(s, owner, "fin", role, now=clock.now(), day=DAY - timedelta(1))
        planning.set_task_status(s, owner, done.id, "done", clock.now())
        assert planning.last_open_day(s, owner, DAY) == friday
        assert planning.next_workday(s, owner, friday) == date(2026, 11, 23)
        assert planning.next_workday(s, owner, DAY) == DAY + timedelta(days=1)


def test_a_meeting_is_planned_time_of_its_role_as_it_is_actual_time() -> None:
    """Auto-split counts the Support stand-up toward Support's share, and the log counts it
    when it is held: the review's "Planned" must count it too (it read 47/53 against 50/50)."""
    from planner.domain.values import MeetingV

    slots = [slot(1, at(9), at(10), 1), slot(2, at(10, 30), at(12), 2)]
    standup = MeetingV(7, "Stand-up", at(10), at(10, 30), False, True, 1, 1)
    under_a_slot = MeetingV(8, "Sync", at(11), at(11, 30), False, True, 1, 1)  # inside slot 2
    free_time = MeetingV(9, "Offsite", at(0), at(23), True, True, 1, 1)  # all day: not counted
    entries = [entry(1, at(9), at(10), 1), entry(2, at(10), at(10, 30), 1, "meeting")]
    result = review(
        DAY_V, ROLES, slots, entries, [], BOUNDS, at(12), [standup, under_a_slot, free_time]
    )
    by_name = {r.name: r for r in result.roles}
    assert by_name["Support"].planned_minutes == 60 + 30  # the stand-up, once
    assert by_name["Community"].planned_minutes == 90  # its slot; the sync is under it
    assert by_name["Support"].actual_minutes == 90 and by_name["Support"].delta_minutes == 0
