"""The day's workflows, written once for the app and the CLI: start, pause, close, catch up,
the day's state, focus and next, and whether Plan my day should open by itself.

Starting before the plan begins means "follow the plan from its first slot": the day is
started and marked as waiting (Day.follow_from); `catch_up` opens the first entry at the plan's
first moment once that has passed, and from then on switches the log at every slot boundary
and into meetings, at the plan's own moments. Whoever looks next (the app's minute tick,
`splitday status`, any tracking write) calls it, so the log is the same whether the app was
open or not.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum

from sqlalchemy.orm import Session

from planner.domain import day_rules, dnd
from planner.domain.day_rules import PlanFocus
from planner.domain.i18n import N_
from planner.domain.timerange import Interval, day_bounds
from planner.domain.values import Change, DayV, EntryV, Topic
from planner.services import planning, tracking

__all__ = [
    "DayState",
    "DayStatus",
    "PlanFocus",
    "Started",
    "catch_up",
    "close",
    "dnd_decision",
    "focus",
    "morning_plan_due",
    "pause",
    "start",
    "status",
]


class DayState(StrEnum):
    NOT_STARTED = "not_started"
    WAITING = "waiting"  # started before the plan: following it from its first item
    FOLLOWING = "following"  # the log follows the plan (a slot's role, or a meeting)
    OFF_PLAN = "off_plan"  # working on a role the person chose
    INTERRUPTED = "interrupted"
    BREAK = "break"
    STOPPED = "stopped"  # started, then tracking paused or stopped
    CLOSED = "closed"  # the end-of-day review closed it

    def describe(self) -> str:
        return _WORDS[self]


_WORDS = {
    DayState.NOT_STARTED: N_("not started"),
    DayState.WAITING: N_("following the plan"),
    DayState.FOLLOWING: N_("following the plan"),
    DayState.OFF_PLAN: N_("working off-plan"),
    DayState.INTERRUPTED: N_("in an interruption"),
    DayState.BREAK: N_("on a break"),
    DayState.STOPPED: N_("stopped"),
    DayState.CLOSED: N_("day closed"),
}


@dataclass(frozen=True)
class Started:
    """What starting the day did: the entry logged from now, or when the plan will be followed."""

    entry: EntryV | None  # None while waiting for the plan to begin
    follows_from: datetime | None  # waiting: the plan's first moment (None: nothing planned)
    role_id: int | None  # the role logged now, or from `follows_from`
    meeting: str | None = None  # the plan begins with this meeting

    @property
    def waiting(self) -> bool:
        return self.entry is None


@dataclass(frozen=True)
class DayStatus:
    """The day as it stands at `now` (read only: catch up first to see the plan followed)."""

    day: DayV
    state: DayState
    running: EntryV | None
    follows_from: datetime | None  # WAITING: when the log will start following the plan
    focus: PlanFocus
    after_stop: bool = False  # `now` is past the day's hard stop

    def describe(self) -> str:
        """In English, as the JSON carries it; tr(describe()) is the user's language."""
        if self.state is DayState.WAITING and self.follows_from is None:
            return N_("started, nothing planned yet")
        nothing_planned_now = self.focus.slot is None and self.focus.meeting is None
        if self.state is DayState.FOLLOWING and self.after_stop and nothing_planned_now:
            return N_("still logging after the hard stop")
        return self.state.describe()


def _today(session: Session, owner: str, zone: tzinfo, now: datetime) -> date:
    return planning.day_of(session, owner, now, zone)


def _day_end(session: Session, owner: str, zone: tzinfo, day: date) -> datetime:
    start_minute = int(planning.get_setting(session, owner, "day_start_minute"))
    return day_bounds(day, zone, start_minute).end


def _first_planned(
    session: Session, owner: str, zone: tzinfo, since: datetime
) -> tuple[datetime, day_rules.Planned] | None:
    """The plan's first moment from `since` to the end of that day, and what it says then."""
    end = _day_end(session, owner, zone, _today(session, owner, zone, since))
    window = Interval(since, end)
    slots = planning.slots_overlapping(session, owner, window)
    meetings = planning.list_meetings(session, owner, window)
    return day_rules.first_planned(slots, meetings, since, end)


def catch_up(session: Session, owner: str, zone: tzinfo, now: datetime) -> Change:
    """Bring the log up to `now` from the plan (idempotent; see tracking.catch_up)."""
    return tracking.catch_up(session, owner, zone, now)


def start(
    session: Session,
    owner: str,
    zone: tzinfo,
    now: datetime,
    *,
    role_id: int | None = None,
    task_id: int | None = None,
) -> tuple[Started, Change]:
    """Start the day (Plan my day's *Start the day*, Start tracking, `splitday start`).

    With a role: work on it from now (flagged when off-plan). Without: follow the plan — from
    now if it has something now, else from its next slot or meeting today; nothing is logged
    until then (with nothing planned yet, from the first slot planned later). A closed day
    opens again."""
    today = _today(session, owner, zone, now)
    change = tracking.catch_up(session, owner, zone, now)
    if role_id is not None:
        entry, started = tracking.start_work(
            session, owner, zone, now, role_id=role_id, task_id=task_id, follow_plan=True
        )
        _mark_started(session, owner, zone, today, now)
        return Started(entry, None, entry.role_id), change | started | _day_change(today)
    running = tracking.running(session, owner)
    if running is not None and running.follows_plan and running.kind in tracking.FOLLOWING_KINDS:
        _mark_started(session, owner, zone, today, now)
        return Started(running, None, running.role_id), change | _day_change(today)
    found = _first_planned(session, owner, zone, now)
    if found is not None and found[0] <= now:
        entry, started = tracking.start_work(session, owner, zone, now, task_id=task_id)
        _mark_started(session, owner, zone, today, now)
        return Started(entry, None, entry.role_id), change | started | _day_change(today)
    change |= tracking.stop(session, owner, zone, now)  # nothing runs until the plan begins
    _mark_started(session, owner, zone, today, now)
    planning.set_follow_from(session, owner, zone, now)
    if found is None:  # nothing planned (yet): the first slot planned later is followed
        return Started(None, None, None), change | _day_change(today)
    at, planned = found
    meeting = planned.meeting.summary if planned.meeting else None
    return Started(None, at, planned.role_id, meeting), change | _day_change(today)


def _mark_started(session: Session, owner: str, zone: tzinfo, day: date, now: datetime) -> None:
    planning.start_day(session, owner, day, zone, now)
    row = planning.stored_day(session, owner, day)
    if row is not None and row.closed_at is not None:
        row.closed_at = None  # started again after the review: the day goes on
    session.flush()


def _day_change(day: date) -> Change:
    return Change.of(Topic.DAY, day=day)


def pause(session: Session, owner: str, zone: tzinfo, now: datetime) -> Change:
    """Pause (stop) tracking: the log stops at `now` and no longer waits for the plan; the
    day stays started. `start` goes on following the plan."""
    return tracking.stop(session, owner, zone, now)


def close(session: Session, owner: str, zone: tzinfo, day: date, now: datetime) -> Change:
    """Close the day (the end-of-day review): stop the log and mark the day closed."""
    stopped = tracking.stop(session, owner, zone, now)
    return stopped | planning.close_day(session, owner, day, zone, now)


def focus(session: Session, owner: str, zone: tzinfo, now: datetime) -> PlanFocus:
    """The slot and meeting now and what comes next, from today's plan (day_rules.focus_at)."""
    plan = planning.get_plan(session, owner, _today(session, owner, zone, now), zone, now)
    return day_rules.focus_at(plan.slots, plan.meetings, now, plan.breaks)


def status(session: Session, owner: str, zone: tzinfo, now: datetime) -> DayStatus:
    """The day's state at `now`, its running entry and focus (reads only)."""
    today = _today(session, owner, zone, now)
    plan = planning.get_plan(session, owner, today, zone, now)
    day_v = plan.day
    running = tracking.running(session, owner)
    follows_from: datetime | None = None
    if running is not None:
        if running.kind == "interruption":
            state = DayState.INTERRUPTED
        elif running.kind == "break":
            state = DayState.BREAK
        elif running.follows_plan:
            state = DayState.FOLLOWING
        else:
            state = DayState.OFF_PLAN
    elif day_v.closed_at is not None:
        state = DayState.CLOSED
    elif day_v.follow_from is not None:
        state = DayState.WAITING
        found = _first_planned(session, owner, zone, max(day_v.follow_from, now))
        follows_from = found[0] if found else None
    elif day_v.started_at is not None:
        state = DayState.STOPPED
    else:
        state = DayState.NOT_STARTED
    return DayStatus(
        day_v,
        state,
        running,
        follows_from,
        day_rules.focus_at(plan.slots, plan.meetings, now, plan.breaks),
        after_stop=now >= day_v.stop,
    )


def morning_plan_due(session: Session, owner: str, zone: tzinfo, now: datetime) -> bool:
    """Whether Plan my day should open by itself now (day_rules.morning_plan_due)."""
    today = _today(session, owner, zone, now)
    day_v = planning.get_day(session, owner, today, zone)
    return day_rules.morning_plan_due(
        is_workday=planning.workday_hours(session, owner, today.weekday())[0],
        has_slots=bool(planning.list_slots(session, owner, today)),
        started=day_v.started_at is not None,
        now=now,
        stop=day_v.stop,
    )


def dnd_decision(
    session: Session,
    owner: str,
    zone: tzinfo,
    now: datetime,
    ended_early: Collection[int] = (),
) -> dnd.DndDecision:
    """Whether the desktop's Do Not Disturb should be on at `now` (planner.domain.dnd.wanted),
    from the day's state and the settings dnd_focus, min_block_minutes and dnd_roles."""
    current = status(session, owner, zone, now)
    prefs = dnd.prefs_from_settings(
        planning.get_setting(session, owner, "dnd_focus"),
        current.day.min_block_minutes,
        planning.get_setting(session, owner, "dnd_roles"),
    )
    return dnd.wanted(
        prefs,
        now=now,
        state=current.state.value,
        slot=current.focus.slot,
        meeting=current.focus.meeting,
        hard_stop=current.day.stop,
        ended_early=ended_early,
    )
