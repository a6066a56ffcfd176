"""The Now panel's focus comes from the core's one rule (the same answer as `splitday status`)."""

from __future__ import annotations

from datetime import date, datetime

from pytestqt.qtbot import QtBot
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


def test_the_now_panel_never_shows_a_task_that_did_not_fit() -> None:
    """Was: the Community slot showed 'Migrate the forum' while the task list said it did not
    fit (the panel fell back to any unscheduled task of the slot's role)."""
    from dataclasses import replace

    from planner.domain.values import TaskPlanV, TaskV

    base = snapshot(at(12, 10))
    forum = TaskV(7, "Migrate the forum", 2, DAY, 1, 240, "open", None, 0)
    reply = TaskV(8, "Reply to the thread", 2, DAY, 2, 30, "open", 4, 0)
    plan = replace(base.plan, tasks=(forum,), overflow=(forum.id,))
    assert focus_of(replace(base, plan=plan)).task is None
    plan = replace(
        plan, tasks=(forum, reply), placed=(TaskPlanV(reply.id, at(12), at(12, 30), (4,)),)
    )
    focus = focus_of(replace(base, plan=plan))
    assert focus.task is not None and focus.task.title == "Reply to the thread"


def test_the_now_panel_in_the_lunch_says_lunch_until_when(qtbot: QtBot) -> None:
    """Was: 'No slot now' during the lunch (found living the default day)."""
    from dataclasses import replace

    from planner.domain.values import BreakV
    from ui.views.now_panel import FocusCard

    lunch = BreakV(1, DAY, at(13), at(13, 45), "lunch")
    base = snapshot(at(13, 10))
    focus = focus_of(replace(base, plan=replace(base.plan, breaks=(lunch,))))
    assert focus.brk == lunch and focus.slot is None
    card = FocusCard(BERLIN)
    qtbot.addWidget(card)
    card.show_focus(focus)
    assert card.role.text() == "Lunch"
    assert card.left.text() == "35 min left (until 13:45)"
    skipped = replace(lunch, skipped=True)  # skipped for the day: no lunch to show
    focus = focus_of(replace(base, plan=replace(base.plan, breaks=(skipped,))))
    assert focus.brk is None


def test_a_closed_day_shows_no_slot_time_left(qtbot: QtBot) -> None:
    """A slot moved past the hard stop and the day closed inside it: the card said
    "Community — 5 min left (until 17:40) — Day closed" (relive finding 8)."""
    from dataclasses import replace

    from planner.domain.i18n import tr
    from ui.views.now_panel import FocusCard

    focus = focus_of(snapshot(at(9, 30)))
    assert focus is not None and focus.slot is not None and focus.left is not None
    card = FocusCard(BERLIN)
    qtbot.addWidget(card)
    card.show_focus(focus)
    assert "(until 10:00)" in card.left.text()  # open: the slot's time left
    card.show_focus(replace(focus, state=tr("day closed"), tracking=False))
    assert card.left.text() == ""
    assert card.state.text().startswith("Day closed")
