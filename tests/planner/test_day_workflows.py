"""The day's workflows in the core: start before the plan, follow it (slots and meetings),
pause, close, the day's state, focus and next, the morning rule (planner.services.day)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from planner.domain import day_rules
from planner.domain.errors import PlannerError
from planner.domain.timerange import Interval, local_wall_time
from planner.domain.values import MeetingV, SlotV, Topic
from planner.services import day, planning, tracking
from planner.storage.db import Database
from planner.storage.models import CalendarSource, Occurrence

OWNER = "tester"
DAY = date(2026, 11, 24)  # a Tuesday
BERLIN = ZoneInfo("Europe/Berlin")


def wall(hh: int, mm: int = 0, on: date = DAY) -> datetime:
    return local_wall_time(on, hh * 60 + mm, BERLIN)


def log(db: Database, owner: str = OWNER) -> list[tuple[str, str, str | None, int | None]]:
    with db.read() as s:
        rows = tracking.list_entries(
            s, owner, Interval(wall(0), wall(0, on=DAY + timedelta(days=2)))
        )
    hm = "%H:%M"
    return [
        (
            e.kind,
            e.start.astimezone(BERLIN).strftime(hm),
            e.end.astimezone(BERLIN).strftime(hm) if e.end else None,
            e.role_id,
        )
        for e in rows
    ]


_uids = itertools.count()


def meeting(s: Session, owner: str, start: datetime, end: datetime, role: int | None) -> None:
    source = s.query(CalendarSource).filter_by(owner=owner).first()
    if source is None:
        source = CalendarSource(owner=owner, name="work", kind="file", location="x")
        s.add(source)
        s.flush()
    s.add(
        Occurrence(
            owner=owner,
            source_id=source.id,
            uid=f"m{next(_uids)}",
            recurrence_id="",
            summary="Team call",
            start=start,
            end=end,
            role_id=role,
            busy=True,
        )
    )
    s.flush()


@pytest.fixture
def roles(db: Database) -> tuple[int, int]:
    with db.read() as s:
        return (
            planning.find_role(s, OWNER, "Support").id,
            planning.find_role(s, OWNER, "Community").id,
        )


@pytest.fixture
def plan(db: Database, roles: tuple[int, int]) -> tuple[int, int]:
    """Support 09:00–11:00, Community 11:00–13:00."""
    sup, com = roles
    with db.transaction() as s:
        planning.add_slot(s, OWNER, BERLIN, wall(9), wall(11), sup)
        planning.add_slot(s, OWNER, BERLIN, wall(11), wall(13), com)
    return roles


def test_starting_before_the_first_slot_follows_the_plan_from_it(
    db: Database, plan: tuple[int, int]
) -> None:
    """Issue 15 item 1: started at 08:50, the log follows the plan from 09:00."""
    sup, com = plan
    with db.transaction() as s:
        started, change = day.start(s, OWNER, BERLIN, wall(8, 50))
    assert started.waiting and started.follows_from == wall(9) and started.role_id == sup
    assert change.days == {DAY}
    with db.read() as s:
        status = day.status(s, OWNER, BERLIN, wall(8, 55))
        assert status.state is day.DayState.WAITING and status.follows_from == wall(9)
        assert status.day.started_at == wall(8, 50)
        assert not tracking.catch_up_due(s, OWNER, BERLIN, wall(8, 59))
        assert tracking.catch_up_due(s, OWNER, BERLIN, wall(9, 1))
    assert log(db) == []  # nothing is logged before the plan begins
    with db.transaction() as s:
        assert day.catch_up(s, OWNER, BERLIN, wall(8, 59)).topics == frozenset()
        day.catch_up(s, OWNER, BERLIN, wall(11, 30))
    assert log(db) == [("work", "09:00", "11:00", sup), ("work", "11:00", None, com)]
    with db.read() as s:
        status = day.status(s, OWNER, BERLIN, wall(11, 30))
        assert status.state is day.DayState.FOLLOWING and status.running is not None
        assert status.running.follows_plan and status.running.start == wall(11)
        assert not tracking.catch_up_due(s, OWNER, BERLIN, wall(11, 30))


def test_catch_up_is_idempotent(db: Database, plan: tuple[int, int]) -> None:
    with db.transaction() as s:
        day.start(s, OWNER, BERLIN, wall(8, 50))
        day.catch_up(s, OWNER, BERLIN, wall(12))
    once = log(db)
    with db.transaction() as s:
        assert day.catch_up(s, OWNER, BERLIN, wall(12)).topics == frozenset()
        day.catch_up(s, OWNER, BERLIN, wall(10))  # an older clock changes nothing
    assert log(db) == once


def test_a_tracking_write_catches_up_before_it_writes(db: Database, plan: tuple[int, int]) -> None:
    """With no app open, `splitday interrupt` at 11:05 still sees the 11:00 switch."""
    sup, com = plan
    with db.transaction() as s:
        day.start(s, OWNER, BERLIN, wall(9, 30))
    with db.transaction() as s:
        hit, _ = tracking.interrupt(s, OWNER, BERLIN, wall(11, 5), note="phone", now=wall(11, 5))
    assert log(db) == [
        ("work", "09:30", "11:00", sup),
        ("work", "11:00", "11:05", com),
        ("interruption", "11:05", None, sup),
    ]
    assert "cross_role" in hit.flags  # the slot at 11:05 is Community's


def test_following_goes_into_meetings_and_back(db: Database, roles: tuple[int, int]) -> None:
    sup, com = roles
    with db.transaction() as s:
        planning.add_slot(s, OWNER, BERLIN, wall(9), wall(12), sup)
        meeting(s, OWNER, wall(10), wall(10, 30), com)
        meeting(s, OWNER, wall(12, 30), wall(13), None)  # after the last slot, in a gap
        day.start(s, OWNER, BERLIN, wall(9))
        day.catch_up(s, OWNER, BERLIN, wall(14))
    assert log(db) == [
        ("work", "09:00", "10:00", sup),
        ("meeting", "10:00", "10:30", com),
        ("work", "10:30", "12:30", sup),  # the slot, then the gap after it: Support goes on
        ("meeting", "12:30", "13:00", None),  # over the default lunch (12:30–13:15)...
        ("break", "13:00", "13:15", None),  # ...whose rest is still the lunch
        ("work", "13:15", None, sup),  # back to the work the meeting took over
    ]
    with db.read() as s:
        entries = tracking.list_entries(s, OWNER, Interval(wall(10), wall(10, 1)))
    assert entries[-1].note == "Team call" and entries[-1].follows_plan


def test_a_day_started_in_a_meeting_waits_after_it_for_the_next_slot(
    db: Database, roles: tuple[int, int]
) -> None:
    sup, com = roles
    with db.transaction() as s:
        meeting(s, OWNER, wall(9), wall(9, 30), com)
        planning.add_slot(s, OWNER, BERLIN, wall(10), wall(12), sup)
        started, _ = day.start(s, OWNER, BERLIN, wall(9, 10))
        assert started.entry is not None and started.entry.kind == "meeting"
        day.catch_up(s, OWNER, BERLIN, wall(9, 45))
        assert day.status(s, OWNER, BERLIN, wall(9, 45)).state is day.DayState.WAITING
        day.catch_up(s, OWNER, BERLIN, wall(10, 15))
    assert log(db) == [("meeting", "09:10", "09:30", com), ("work", "10:00", None, sup)]


def test_pause_stops_the_log_and_the_waiting(db: Database, plan: tuple[int, int]) -> None:
    sup, _com = plan
    with db.transaction() as s:
        day.start(s, OWNER, BERLIN, wall(8, 50))
        day.pause(s, OWNER, BERLIN, wall(8, 55))
        day.catch_up(s, OWNER, BERLIN, wall(10))
        assert day.status(s, OWNER, BERLIN, wall(10)).state is day.DayState.STOPPED
    assert log(db) == []
    with db.transaction() as s:
        started, _ = day.start(s, OWNER, BERLIN, wall(10))
        assert started.entry is not None and started.entry.start == wall(10)
        day.pause(s, OWNER, BERLIN, wall(10, 20))
        day.catch_up(s, OWNER, BERLIN, wall(12))
    assert log(db) == [("work", "10:00", "10:20", sup)]


def test_start_again_while_following_changes_nothing(db: Database, plan: tuple[int, int]) -> None:
    with db.transaction() as s:
        first, _ = day.start(s, OWNER, BERLIN, wall(9, 10))
        again, _ = day.start(s, OWNER, BERLIN, wall(9, 40))
    assert first.entry is not None and again.entry == first.entry


def test_start_with_nothing_planned_waits_for_the_plan_and_a_role_works(
    db: Database, roles: tuple[int, int]
) -> None:
    """The dialog and the CLI agree: with nothing planned the day starts and the log follows
    the first slot planned later (the CLI refused, the dialog started anyway)."""
    sup, com = roles
    with db.transaction() as s:
        started, change = day.start(s, OWNER, BERLIN, wall(8, 50))
    assert started.waiting and started.follows_from is None and change.topics == {Topic.DAY}
    with db.read() as s:
        status = day.status(s, OWNER, BERLIN, wall(9))
    assert status.state is day.DayState.WAITING
    assert status.describe() == "started, nothing planned yet"
    with db.transaction() as s:
        planning.add_slot(s, OWNER, BERLIN, wall(10), wall(11), sup)  # planned at 09:30
        day.catch_up(s, OWNER, BERLIN, wall(10, 30))
    assert log(db) == [("work", "10:00", None, sup)]
    with db.transaction() as s:
        started, _ = day.start(s, OWNER, BERLIN, wall(10, 40), role_id=com)
    assert started.entry is not None and "unplanned" in started.entry.flags
    assert log(db) == [("work", "10:00", "10:40", sup), ("work", "10:40", None, com)]
    with db.read() as s:
        assert day.status(s, OWNER, BERLIN, wall(10, 45)).state is day.DayState.OFF_PLAN


def test_close_the_day_stops_the_log_and_a_start_opens_it_again(
    db: Database, plan: tuple[int, int]
) -> None:
    sup, com = plan
    with db.transaction() as s:
        day.start(s, OWNER, BERLIN, wall(9))
        change = day.close(s, OWNER, BERLIN, DAY, wall(12))
    assert change.days == {DAY}
    assert log(db) == [("work", "09:00", "11:00", sup), ("work", "11:00", "12:00", com)]
    with db.transaction() as s:
        assert day.status(s, OWNER, BERLIN, wall(12, 5)).state is day.DayState.CLOSED
        day.start(s, OWNER, BERLIN, wall(12, 10))
        assert day.status(s, OWNER, BERLIN, wall(12, 10)).state is day.DayState.FOLLOWING
        assert planning.get_day(s, OWNER, DAY, BERLIN).closed_at is None


def test_following_the_plan_ends_with_the_day(db: Database, plan: tuple[int, int]) -> None:
    sup, com = plan
    tomorrow = DAY + timedelta(days=1)
    with db.transaction() as s:
        planning.add_slot(s, OWNER, BERLIN, wall(9, on=tomorrow), wall(10, on=tomorrow), sup)
        day.start(s, OWNER, BERLIN, wall(12))
        day.catch_up(s, OWNER, BERLIN, wall(9, 30, on=tomorrow))  # nobody stopped it
    # the day runs 04:00–04:00: the log stops there, and tomorrow is not started by itself
    assert log(db) == [("work", "12:00", "04:00", com)]


def test_interruptions_and_breaks_are_states(db: Database, plan: tuple[int, int]) -> None:
    with db.transaction() as s:
        day.start(s, OWNER, BERLIN, wall(9))
        tracking.interrupt(s, OWNER, BERLIN, wall(9, 10), note="call")
        assert day.status(s, OWNER, BERLIN, wall(9, 11)).state is day.DayState.INTERRUPTED
        tracking.resume(s, OWNER, BERLIN, wall(9, 20))
        assert day.status(s, OWNER, BERLIN, wall(9, 21)).state is day.DayState.FOLLOWING
    assert day.DayState.INTERRUPTED.describe() == "in an interruption"


def test_the_morning_rule(db: Database, roles: tuple[int, int]) -> None:
    sup, _ = roles
    with db.transaction() as s:
        assert day.morning_plan_due(s, OWNER, BERLIN, wall(8))
        assert not day.morning_plan_due(s, OWNER, BERLIN, wall(18))  # after the hard stop
        saturday = date(2026, 11, 28)
        assert not day.morning_plan_due(s, OWNER, BERLIN, wall(8, on=saturday))
        planning.add_slot(s, OWNER, BERLIN, wall(9), wall(10), sup)
        assert not day.morning_plan_due(s, OWNER, BERLIN, wall(8))
    tomorrow = DAY + timedelta(days=1)
    with db.transaction() as s:
        planning.add_slot(s, OWNER, BERLIN, wall(16, on=tomorrow), wall(17, on=tomorrow), sup)
        day.start(s, OWNER, BERLIN, wall(9, on=tomorrow), role_id=sup)
        planning.remove_slot(s, OWNER, planning.list_slots(s, OWNER, tomorrow)[0].id)
        assert not day.morning_plan_due(s, OWNER, BERLIN, wall(9, 30, on=tomorrow))  # started


# ---------------------------------------------------------------- focus and next (pure)


def slot(i: int, a: datetime, b: datetime, role: int) -> SlotV:
    return SlotV(i, DAY, a, b, role, "", "auto", False)


def test_next_skips_the_same_role_going_on_and_a_meeting_can_come_first() -> None:
    slots = [
        slot(1, wall(9), wall(10), 1),
        slot(2, wall(10), wall(11), 1),
        slot(3, wall(11), wall(12), 1),
        slot(4, wall(12), wall(13), 2),
    ]
    focus = day_rules.focus_at(slots, [], wall(9, 30))
    assert focus.slot == slots[0] and focus.next_slot == slots[3]
    assert focus.next_start == wall(12) and not focus.next_is_meeting
    call = MeetingV(7, "Call", wall(10, 30), wall(11), False, True, None, 1)
    lunch = MeetingV(8, "All day", wall(0), wall(0, on=DAY + timedelta(days=1)), True, True, 1, 1)
    focus = day_rules.focus_at(slots, [call, lunch], wall(9, 30))
    assert focus.next_is_meeting and focus.next_meeting == call
    assert focus.next_start == wall(10, 30) and focus.meeting is None  # all-day is no meeting
    focus = day_rules.focus_at(slots, [call], wall(10, 40))
    assert focus.meeting == call and focus.slot == slots[1] and focus.next_slot == slots[3]


# ---------------------------------------------------------------- the log as lived, any rate

_owners = itertools.count()


@st.composite
def day_plans(draw: st.DrawFn) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """Slots (start, end minute of 09:00–17:00, role 0/1) without overlaps, and meetings."""
    cuts = sorted(draw(st.sets(st.integers(0, 32), min_size=2, max_size=10)))
    slots = [
        (a * 15, b * 15, draw(st.integers(0, 1)))
        for a, b in itertools.pairwise(cuts)
        if draw(st.booleans())
    ]
    meetings = [
        (a * 15, a * 15 + d * 15, draw(st.integers(0, 2)))
        for a, d in draw(st.lists(st.tuples(st.integers(0, 32), st.integers(1, 4)), max_size=3))
    ]
    return slots, meetings


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plan=day_plans(),
    start_at=st.integers(-60, 8 * 60),
    ticks=st.lists(st.integers(0, 10 * 60), max_size=12),
    hits=st.lists(
        st.tuples(st.integers(0, 10 * 60), st.sampled_from(["run", "retro"]), st.integers(1, 60)),
        max_size=4,
    ),
)
def test_the_log_is_the_same_whether_the_app_ticked_or_status_looked_once(
    db: Database,
    plan: tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]],
    start_at: int,
    ticks: list[int],
    hits: list[tuple[int, str, int]],
) -> None:
    """Issue 15: following the plan comes out the same if the app was closed all day; the
    interruptions (running, or logged afterwards with a duration) are the same for both."""
    n = next(_owners)
    ticked, once = f"ticked{n}", f"once{n}"
    base = wall(9)

    def at(minute: int) -> datetime:
        return base + timedelta(minutes=minute)

    end = at(11 * 60)  # after the last resume
    slots, meetings = plan
    with db.transaction() as s:
        for owner in (ticked, once):
            planning.ensure_defaults(s, owner)
            role = [r.id for r in planning.list_roles(s, owner)]
            for a, b, r in slots:
                planning.add_slot(s, owner, BERLIN, at(a), at(b), role[r])
            for a, b, r in meetings:
                meeting(s, owner, at(a), at(b), role[r] if r < 2 else None)
    try:
        with db.transaction() as s:
            day.start(s, ticked, BERLIN, at(start_at))
            day.start(s, once, BERLIN, at(start_at))
    except PlannerError:  # nothing left to follow (tested on its own above)
        return
    actions: list[tuple[int, str, int]] = [(t, "tick", 0) for t in ticks if t > start_at]
    for minute, how, length in hits:
        if minute > start_at:
            actions.append((minute, how, length))
            if how == "run":
                actions.append((minute + length, "resume", 0))
    for minute, how, length in sorted(actions):
        outcomes = []
        for owner in (ticked,) if how == "tick" else (ticked, once):
            try:
                with db.transaction() as s:
                    moment = at(minute)
                    if how == "tick":
                        day.catch_up(s, owner, BERLIN, moment)
                    elif how == "resume":
                        tracking.resume(s, owner, BERLIN, moment)
                    else:
                        minutes = length if how == "retro" else None
                        tracking.interrupt(s, owner, BERLIN, moment, minutes=minutes, now=moment)
                outcomes.append("ok")
            except PlannerError as exc:
                outcomes.append(str(exc))
        assert len(set(outcomes)) == 1, (minute, how, outcomes)
    with db.transaction() as s:
        day.catch_up(s, ticked, BERLIN, end)
        day.catch_up(s, once, BERLIN, end)
    with db.read() as s:
        lived = []
        for owner in (ticked, once):
            names = {r.id: r.name for r in planning.list_roles(s, owner)}
            entries = tracking.list_entries(s, owner, Interval(at(-120), end))
            lived.append([(e.kind, e.start, e.end, names.get(e.role_id or -1)) for e in entries])
        for owner in (ticked, once):
            tracking.check_log(s, owner, Interval(at(-120), end), end)
    event(f"compared {min(len(lived[0]), 4)} entries")
    assert lived[0] == lived[1]


def test_past_the_hard_stop_with_nothing_planned_the_state_says_so(
    db: Database, plan: tuple[int, int]
) -> None:
    """Following the plan at 17:50 with nothing planned is still logging after the stop."""
    with db.transaction() as s:
        day.start(s, OWNER, BERLIN, wall(9))
        day.catch_up(s, OWNER, BERLIN, wall(17, 50))
    with db.read() as s:
        late = day.status(s, OWNER, BERLIN, wall(17, 50))
        early = day.status(s, OWNER, BERLIN, wall(12))
    assert late.state is day.DayState.FOLLOWING and late.after_stop
    assert late.describe() == "still logging after the hard stop"
    assert early.describe() == "following the plan"
