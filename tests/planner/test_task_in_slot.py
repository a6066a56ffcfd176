"""The task a slot shows (Now panel, mini window) is the task list's fit, never an unfitted one.

Was: a Community slot showed "Migrate the forum" as its task while the task list said that task
did not fit (the Now panel fell back to any unscheduled task of the role).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from planner.domain.clock import FakeClock
from planner.domain.timerange import local_wall_time
from planner.services import planning
from planner.storage.db import Database

OWNER = "tester"
DAY = date(2026, 11, 24)  # a Tuesday


def wall(zone: ZoneInfo, hh: int, mm: int = 0) -> datetime:
    return local_wall_time(DAY, hh * 60 + mm, zone)


def test_a_task_that_did_not_fit_is_no_slot_s_task(
    db: Database, zone: ZoneInfo, clock: FakeClock
) -> None:
    with db.transaction() as s:
        support = planning.find_role(s, OWNER, "Support")
        community = planning.find_role(s, OWNER, "Community")
        first, _ = planning.add_slot(s, OWNER, zone, wall(zone, 9), wall(zone, 10), support.id)
        second, _ = planning.add_slot(s, OWNER, zone, wall(zone, 10), wall(zone, 11), community.id)
        third, _ = planning.add_slot(s, OWNER, zone, wall(zone, 11), wall(zone, 12), support.id)
        # higher priority first: the forum migration is first in line, but it needs 3 hours
        forum, _ = planning.add_task(
            s,
            OWNER,
            "Migrate the forum",
            community.id,
            now=clock.now(),
            day=DAY,
            estimate_minutes=180,
        )
        planning.reorder_tasks(s, OWNER, DAY, [forum.id])
        tickets, _ = planning.add_task(
            s, OWNER, "Tickets", support.id, now=clock.now(), day=DAY, estimate_minutes=90
        )
        plan = planning.get_plan(s, OWNER, DAY, zone)
    assert forum.id in plan.overflow
    assert plan.task_in(second.id) is None  # the list says it did not fit: nothing to show
    shown = plan.task_in(first.id)
    assert shown is not None and shown.id == tickets.id
    # 90 minutes of tickets go on into the next Support slot: it shows them there too
    going_on = plan.task_in(third.id)
    assert going_on is not None and going_on.id == tickets.id


def test_a_task_put_into_a_slot_by_hand_comes_first(
    db: Database, zone: ZoneInfo, clock: FakeClock
) -> None:
    with db.transaction() as s:
        support = planning.find_role(s, OWNER, "Support")
        slot, _ = planning.add_slot(s, OWNER, zone, wall(zone, 9), wall(zone, 11), support.id)
        fitted, _ = planning.add_task(
            s, OWNER, "Queue", support.id, now=clock.now(), day=DAY, estimate_minutes=30
        )
        pinned, _ = planning.add_task(
            s, OWNER, "Call back Ana", support.id, now=clock.now(), day=DAY, estimate_minutes=20
        )
        planning.update_task(s, OWNER, pinned.id, slot_id=slot.id)
        plan = planning.get_plan(s, OWNER, DAY, zone)
        shown = plan.task_in(slot.id)
        assert shown is not None and shown.id == pinned.id
        planning.set_task_status(s, OWNER, pinned.id, "done", clock.now())
        plan = planning.get_plan(s, OWNER, DAY, zone)
    shown = plan.task_in(slot.id)
    assert shown is not None and shown.id == fitted.id  # done: the next one in the slot


def test_today_s_open_tasks_are_fitted_into_the_time_left(
    db: Database, zone: ZoneInfo, clock: FakeClock
) -> None:
    """Was (found living the default day): a task not done in the morning's Support slot stayed
    'planned' in that slot, which was over, and the afternoon's Support slot said 'No task
    planned for this slot' while the task waited."""
    with db.transaction() as s:
        support = planning.find_role(s, OWNER, "Support")
        community = planning.find_role(s, OWNER, "Community")
        morning, _ = planning.add_slot(s, OWNER, zone, wall(zone, 9), wall(zone, 10), support.id)
        planning.add_slot(s, OWNER, zone, wall(zone, 10), wall(zone, 14), community.id)
        afternoon, _ = planning.add_slot(s, OWNER, zone, wall(zone, 14), wall(zone, 16), support.id)
        triage, _ = planning.add_task(
            s, OWNER, "Triage", support.id, now=clock.now(), day=DAY, estimate_minutes=45
        )
        planning.add_task(
            s, OWNER, "Backlog", support.id, now=clock.now(), day=DAY, estimate_minutes=60
        )
        in_the_morning = planning.get_plan(s, OWNER, DAY, zone, wall(zone, 8, 50))
        after_lunch = planning.get_plan(s, OWNER, DAY, zone, wall(zone, 14, 10))
        as_a_day = planning.get_plan(s, OWNER, DAY, zone)  # another day's view: no "now"
        late = planning.get_plan(s, OWNER, DAY, zone, wall(zone, 16, 5))
    first = in_the_morning.task_in(morning.id)
    assert first is not None and first.id == triage.id
    now_placed = after_lunch.placement(triage.id)
    assert now_placed is not None and now_placed.slots == (afternoon.id,)
    assert now_placed.start == wall(zone, 14)  # the running slot is the task's, all of it
    shown = after_lunch.task_in(afternoon.id)
    assert shown is not None and shown.id == triage.id
    assert after_lunch.overflow == ()  # 45 + 60 min fit in the afternoon's 120 min
    assert set(late.overflow) == {t.id for t in late.tasks}  # every slot is over
    whole = as_a_day.placement(triage.id)
    assert whole is not None and whole.slots == (morning.id,)
