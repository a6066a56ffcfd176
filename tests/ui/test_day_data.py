"""The Now panel's focus comes from the core's one rule (the same answer as `splitday status`)."""

from __future__ import annotations

from datetime import date, datetime

from ui_helpers import BERLIN

from planner.domain.timerange import local_wall_time
from planner.domain.values import DayV, MeetingV, PlanV, RoleV, SlotV
from ui.day_data import DaySnapshot, focus_of

DAY = date(2026, 11, 24)


def at(hh: int, mm: int = 0) -> datetime:
    return local_wall_time(DAY, hh * 60 + mm, BERLIN)


def snapshot(now: datetime, meetings: tuple[MeetingV, ...] = ()) -> DaySnapshot:
    roles = (
        RoleV(1, "Support", "#e15759", 50, 0, False),
        RoleV(2, "Community", "#4e79a7", 50, 1, False),
    )
    slots = (
        SlotV(1, DAY, at(9), at(10), 1, "", "auto", False),
        SlotV(2, DAY, at(10), at(11), 1, "", "auto", False),
        SlotV(3, DAY, at(11), at(12), 1, "", "auto", False),
        SlotV(4, DAY, at(12), at(13), 2, "", "auto", False),
    )
    plan = PlanV(DayV(DAY, at(9), at(17, 30), 45, True), roles, slots, (), meetings)
    return DaySnapshot(plan, (), now, DAY)


def test_next_is_the_next_role_not_the_same_role_going_on() -> None:
    """Was: the third same-role slot in a row (11:00 Support) showed as 'Next'."""
    focus = focus_of(snapshot(at(9, 30)))
    assert focus.slot is not None and focus.slot.id == 1
    assert focus.next_slot is not None and focus.next_slot.id == 4
    assert focus.next_role is not None and focus.next_role.name == "Community"
    assert not focus.next_is_meeting


def test_a_meeting_before_the_next_slot_is_what_comes_next() -> None:
    call = MeetingV(9, "Team call", at(10), at(10, 30), False, True, 2, 1)
    focus = focus_of(snapshot(at(9, 30), (call,)))
    assert focus.next_meeting == call and focus.next_is_meeting
    focus = focus_of(snapshot(at(10, 10), (call,)))
    assert focus.meeting == call and not focus.next_is_meeting
