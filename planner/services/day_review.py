"""The end-of-day review: planned vs actual minutes per role, interruptions, what got done."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy.orm import Session

from planner.domain.day_rules import skipped_breaks
from planner.domain.timerange import Interval, day_bounds
from planner.domain.values import (
    WORKING_KINDS,
    BreakV,
    DayV,
    EntryV,
    MeetingV,
    RoleV,
    SlotV,
    TaskV,
    WeekShareV,
)


@dataclass(frozen=True)
class RoleReview:
    role_id: int
    name: str
    colour: str
    target_percent: float
    planned_minutes: float
    actual_minutes: float
    planned_share: float  # percent of all planned minutes
    actual_share: float  # percent of all actual minutes with a role

    @property
    def delta_minutes(self) -> float:
        return self.actual_minutes - self.planned_minutes


@dataclass(frozen=True)
class DayReview:
    day: date
    roles: tuple[RoleReview, ...]
    planned_minutes: float
    actual_minutes: float  # all working time, with or without a role
    unassigned_minutes: float  # working time logged without a role
    overtime_minutes: float  # working time after the day's hard stop
    interruptions: tuple[EntryV, ...]
    interruption_minutes: float
    done: tuple[TaskV, ...]
    unfinished: tuple[TaskV, ...]
    running: int  # entries still open
    breaks: tuple[BreakV, ...] = ()  # the day's planned breaks
    skipped: tuple[BreakV, ...] = ()  # of which skipped (for the day, or worked through)
    week: tuple[WeekShareV, ...] = ()  # each role's shortfall this week, as of this day


def _clipped_minutes(start: datetime, end: datetime, window: Interval) -> float:
    if end <= start:
        return 0.0
    piece = Interval(start, end).clip(window)
    return 0.0 if piece is None else piece.minutes


def _share(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole > 0 else 0.0


def review(
    day: DayV,
    roles: Sequence[RoleV],
    slots: Sequence[SlotV],
    entries: Sequence[EntryV],
    tasks: Sequence[TaskV],
    bounds: Interval,
    now: datetime,
    meetings: Sequence[MeetingV] = (),
    breaks: Sequence[BreakV] = (),
    week: Sequence[WeekShareV] = (),
) -> DayReview:
    """Sum the day's plan and log inside `bounds`; a running entry counts up to `now`.

    The plan is the slots and the busy meetings attributed to a role (as auto-split counts
    them, and as the log counts the meetings held), a meeting's time under a slot once."""
    planned: dict[int, float] = {}
    for slot in slots:
        planned[slot.role_id] = planned.get(slot.role_id, 0.0) + _clipped_minutes(
            slot.start, slot.end, bounds
        )
    slot_spans = [Interval(x.start, x.end) for x in slots if x.end > x.start]
    for meeting in meetings:
        if meeting.all_day or not meeting.busy or meeting.role_id is None:
            continue
        if meeting.end <= meeting.start:
            continue
        inside = Interval(meeting.start, meeting.end).clip(bounds)
        if inside is None:
            continue
        free = sum(piece.minutes for piece in inside.subtract(slot_spans))
        planned[meeting.role_id] = planned.get(meeting.role_id, 0.0) + free
    actual: dict[int, float] = {}
    unassigned = overtime = interruption_minutes = 0.0
    after_stop = Interval(min(max(day.stop, bounds.start), bounds.end), bounds.end)
    interruptions: list[EntryV] = []
    for entry in entries:
        if entry.kind not in WORKING_KINDS:
            continue
        end = entry.end if entry.end is not None else max(now, entry.start)
        minutes = _clipped_minutes(entry.start, end, bounds)
        if entry.role_id is None:
            unassigned += minutes
        else:
            actual[entry.role_id] = actual.get(entry.role_id, 0.0) + minutes
        overtime += _clipped_minutes(entry.start, end, after_stop)
        if entry.kind == "interruption":
            interruptions.append(entry)
            interruption_minutes += minutes
    planned_total = sum(planned.values())
    role_total = sum(actual.values())
    rows = tuple(
        RoleReview(
            role_id=role.id,
            name=role.name,
            colour=role.colour,
            target_percent=role.target_percent,
            planned_minutes=planned.get(role.id, 0.0),
            actual_minutes=actual.get(role.id, 0.0),
            planned_share=_share(planned.get(role.id, 0.0), planned_total),
            actual_share=_share(actual.get(role.id, 0.0), role_total),
        )
        for role in roles
        if not role.archived or role.id in planned or role.id in actual
    )
    return DayReview(
        day=day.day,
        roles=rows,
        planned_minutes=planned_total,
        actual_minutes=role_total + unassigned,
        unassigned_minutes=unassigned,
        overtime_minutes=overtime,
        interruptions=tuple(interruptions),
        interruption_minutes=interruption_minutes,
        done=tuple(t for t in tasks if t.status == "done"),
        unfinished=tuple(t for t in tasks if t.status == "open"),
        running=sum(1 for e in entries if e.end is None),
        breaks=tuple(breaks),
        skipped=tuple(skipped_breaks(breaks, entries, now)),
        week=tuple(week),
    )


def load_review(session: Session, owner: str, day: date, zone: tzinfo, now: datetime) -> DayReview:
    """Gather the day's plan and log through the services and review them."""
    from planner.services import planning, tracking

    bounds = day_bounds(day, zone, int(planning.get_setting(session, owner, "day_start_minute")))
    return review(
        planning.get_day(session, owner, day, zone),
        planning.list_roles(session, owner, include_archived=True),
        planning.list_slots(session, owner, day),
        tracking.list_entries(session, owner, bounds),
        planning.list_tasks(session, owner, day),
        bounds,
        now,
        planning.list_meetings(session, owner, bounds),
        [b for b in planning.list_breaks(session, owner, day, zone) if b.id],
        planning.week_share(session, owner, day + timedelta(days=1), zone, now)
        if day.weekday() < 6
        else [],
    )
