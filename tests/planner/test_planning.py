"""Plan services: roles, day windows, slots, tasks, auto-plan, re-flow, carry-over."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.domain.clock import FakeClock
from planner.domain.errors import PlannerError
from planner.domain.timerange import local_wall_time
from planner.services import planning
from planner.storage.db import Database
from planner.storage.models import CalendarSource, Occurrence

OWNER = "tester"
DAY = date(2026, 11, 24)  # a Tuesday


def wall(zone: ZoneInfo, hh: int, mm: int = 0, day: date = DAY) -> datetime:
    return local_wall_time(day, hh * 60 + mm, zone)


def test_first_start_seeds_two_roles_and_weekday_hours(db: Database, zone: ZoneInfo) -> None:
    with db.transaction() as s:
        roles = planning.list_roles(s, OWNER)
        assert [(r.name, r.target_percent) for r in roles] == [("Support", 50), ("Community", 50)]
        planning.ensure_defaults(s, OWNER)  # idempotent
        assert len(planning.list_roles(s, OWNER)) == 2
        day = planning.get_day(s, OWNER, DAY, zone)
        assert day.start == wall(zone, 9) and day.stop == wall(zone, 17, 30)
        assert planning.workday_hours(s, OWNER, 6)[0] is False  # Sunday off


def test_roles_validation(db: Database) -> None:
    with db.transaction() as s:
        role, change = planning.add_role(s, OWNER, "On-call", colour="#123456", target_percent=20)
        assert role.position == 2 and "roles" in change.topics
        for bad in (
            dict(name=" "),
            dict(name="x", colour="red"),
            dict(name="y", target_percent=120),
            dict(name="support"),
        ):
            with pytest.raises(PlannerError):
                planning.add_role(s, OWNER, **bad)  # type: ignore[arg-type]
        assert planning.find_role(s, OWNER, "on").name == "On-call"
        with pytest.raises(PlannerError, match="no role"):
            planning.find_role(s, OWNER, "nope")


def test_day_override_with_a_stop_after_midnight(db: Database, zone: ZoneInfo) -> None:
    with db.transaction() as s:
        day, _ = planning.set_day(s, OWNER, DAY, zone, start_minute=18 * 60, stop_minute=26 * 60)
        assert day.stop.astimezone(zone) == datetime(2026, 11, 25, 2, 0, tzinfo=zone)
        with pytest.raises(PlannerError, match="after the start"):
            planning.set_day(s, OWNER, DAY, zone, start_minute=10 * 60, stop_minute=9 * 60)


def test_slots_refuse_overlaps_and_bad_input(db: Database, zone: ZoneInfo) -> None:
    with db.transaction() as s:
        support = planning.find_role(s, OWNER, "Support")
        slot, _ = planning.add_slot(
            s, OWNER, zone, wall(zone, 9), wall(zone, 10), support.id, "Tickets"
        )
        assert slot.pinned and slot.origin == "manual" and slot.day == DAY
        with pytest.raises(PlannerError, match="overlaps"):
            planning.add_slot(s, OWNER, zone, wall(zone, 9, 30), wall(zone, 11), support.id)
        with pytest.raises(PlannerError, match="end after"):
            planning.add_slot(s, OWNER, zone, wall(zone, 12), wall(zone, 11), support.id)
        moved, _ = planning.update_slot(
            s, OWNER, zone, slot.id, start=wall(zone, 13), end=wall(zone, 14)
        )
        assert moved.start == wall(zone, 13)
        planning.remove_slot(s, OWNER, slot.id)
        assert planning.list_slots(s, OWNER, DAY) == []


def test_a_slot_after_midnight_belongs_to_the_evening_day(db: Database, zone: ZoneInfo) -> None:
    with db.transaction() as s:
        support = planning.find_role(s, OWNER, "Support")
        slot, _ = planning.add_slot(
            s, OWNER, zone, wall(zone, 23), local_wall_time(DAY, 25 * 60, zone), support.id
        )
        assert slot.day == DAY  # the day starts at 04:00, so 00:00–01:00 is still "today"


def test_auto_plan_counts_meetings_and_fits_tasks(
    db: Database, zone: ZoneInfo, clock: FakeClock
) -> None:
    with db.transaction() as s:
        support = planning.find_role(s, OWNER, "Support")
        community = planning.find_role(s, OWNER, "Community")
        source = CalendarSource(owner=OWNER, name="work", kind="file", location="x")
        s.add(source)
        s.flush()
        s.add(
            Occurrence(
                owner=OWNER,
                source_id=source.id,
                uid="m1",
                recurrence_id="",
                summary="Standup",
                start=wall(zone, 10),
                end=wall(zone, 11),
                role_id=support.id,
                busy=True,
            )
        )
        s.add(
            Occurrence(
                owner=OWNER,
                source_id=source.id,
                uid="m2",
                recurrence_id="",
                summary="Free",
                start=wall(zone, 14),
                end=wall(zone, 15),
                busy=False,
            )
        )
        big, _ = planning.add_task(
            s, OWNER, "Big", community.id, now=clock.now(), day=DAY, estimate_minutes=600
        )
        small, _ = planning.add_task(
            s, OWNER, "Small", support.id, now=clock.now(), day=DAY, estimate_minutes=30
        )
        plan, change = planning.auto_plan(s, OWNER, DAY, zone)
    assert "slots" in change.topics
    minutes = {r: 0.0 for r in (support.id, community.id)}
    for slot in plan.slots:
        assert not (slot.start < wall(zone, 11) and wall(zone, 10) < slot.end)  # meeting cut out
        minutes[slot.role_id] += (slot.end - slot.start).total_seconds() / 60
    # within a block's tail of 50/50, the stand-up counting for Support
    assert minutes[support.id] + 60 == pytest.approx(minutes[community.id], abs=30)
    pauses = sum((b.end - b.start).total_seconds() / 60 for b in plan.breaks)
    assert [b.kind for b in plan.breaks].count("lunch") == 1 and pauses > 45
    for slot in plan.slots:  # nothing planned in a break
        assert not any(b.start < slot.end and slot.start < b.end for b in plan.breaks)
    assert sum(minutes.values()) == 8.5 * 60 - 60 - pauses  # the free meeting does not block
    assert plan.overflow == (big.id,)
    assert next(t for t in plan.tasks if t.id == small.id).slot_id is not None
    # auto-plan again replaces the auto slots, it does not stack them
    with db.transaction() as s:
        again, _ = planning.auto_plan(s, OWNER, DAY, zone)
    assert [(x.start, x.role_id) for x in again.slots] == [(x.start, x.role_id) for x in plan.slots]


def test_auto_plan_keeps_manual_slots(db: Database, zone: ZoneInfo) -> None:
    with db.transaction() as s:
        community = planning.find_role(s, OWNER, "Community")
        manual, _ = planning.add_slot(s, OWNER, zone, wall(zone, 9), wall(zone, 12), community.id)
        plan, _ = planning.auto_plan(s, OWNER, DAY, zone)
    assert manual in plan.slots
    others = [x for x in plan.slots if x.id != manual.id]
    assert all(x.origin == "auto" and x.start >= wall(zone, 12) for x in others)


def test_reflow_day_re_splits_the_rest(db: Database, zone: ZoneInfo) -> None:
    with db.transaction() as s:
        before, _ = planning.auto_plan(s, OWNER, DAY, zone)
        now = wall(zone, 12, 7)
        after, _ = planning.reflow_day(s, OWNER, DAY, zone, now)
    assert [x for x in after.slots if x.end <= wall(zone, 12)] == [
        x for x in before.slots if x.end <= wall(zone, 12)
    ]
    assert all(x.start >= now or x.end <= now for x in after.slots)
    assert max(x.end for x in after.slots) == wall(zone, 17, 30)


def test_tasks_reorder_done_and_carry_over(db: Database, clock: FakeClock) -> None:
    with db.transaction() as s:
        role = planning.find_role(s, OWNER, "Support")
        a, _ = planning.add_task(s, OWNER, "A", role.id, now=clock.now(), day=DAY)
        b, _ = planning.add_task(s, OWNER, "B", role.id, now=clock.now(), day=DAY)
        c, _ = planning.add_task(s, OWNER, "C", role.id, now=clock.now(), day=DAY)
        planning.reorder_tasks(s, OWNER, DAY, [c.id, a.id, b.id])
        assert [t.title for t in planning.list_tasks(s, OWNER, DAY)] == ["C", "A", "B"]
        planning.set_task_status(s, OWNER, a.id, "done", clock.now())
        moved, _ = planning.carry_over(s, OWNER, DAY, DAY + timedelta(days=1))
        assert moved == 2
        tomorrow = planning.list_tasks(s, OWNER, DAY + timedelta(days=1))
        assert [(t.title, t.carried_over) for t in tomorrow] == [("C", 1), ("B", 1)]
        with pytest.raises(PlannerError, match="needs a title"):
            planning.add_task(s, OWNER, "   ", role.id, now=clock.now())


def test_settings_round_trip(db: Database) -> None:
    with db.transaction() as s:
        assert planning.get_setting(s, OWNER, "min_block_minutes") == 45
        planning.set_setting(s, OWNER, "min_block_minutes", 60)
    with db.transaction() as s:
        assert planning.get_setting(s, OWNER, "min_block_minutes") == 60
        assert planning.get_setting(s, "someone-else", "min_block_minutes") == 45
