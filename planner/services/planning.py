"""Plan services: roles, settings, workday hours, a day's window, slots, tasks, auto-split."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, union_all, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from planner.domain import scheduling
from planner.domain.defaults import DEFAULT_ROLES as DEFAULT_ROLES
from planner.domain.defaults import DEFAULT_START as DEFAULT_START
from planner.domain.defaults import DEFAULT_STOP as DEFAULT_STOP
from planner.domain.defaults import DEFAULTS as DEFAULTS
from planner.domain.errors import ConcurrentChange, PlannerError
from planner.domain.i18n import N_, ntr, tr
from planner.domain.timerange import Interval, local_date, local_wall_time
from planner.domain.values import (
    BreakV,
    Change,
    DayV,
    MeetingV,
    PlanV,
    RoleV,
    SlotV,
    TaskPlanV,
    TaskV,
    Topic,
    WeekShareV,
)
from planner.storage import conflicts
from planner.storage.models import (
    Day,
    Occurrence,
    PlannedBreak,
    Role,
    Setting,
    Slot,
    Task,
    UTCDateTime,
    WorkdaySetting,
)

COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
PALETTE = ("#e15759", "#4e79a7", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948")


# ---------------------------------------------------------------- settings


def _settings(session: Session, owner: str) -> dict[str, Any]:
    """The owner's stored settings, read once per session (one transaction)."""
    cache: dict[str, dict[str, Any]] = session.info.setdefault("splitday_settings", {})
    if owner not in cache:
        with session.no_autoflush:
            rows = session.execute(
                select(Setting.key, Setting.value).where(Setting.owner == owner)
            ).all()
        cache[owner] = {key: json.loads(value) for key, value in rows}
    return cache[owner]


def get_setting(session: Session, owner: str, key: str) -> Any:
    return _settings(session, owner).get(key, DEFAULTS.get(key))


def set_setting(session: Session, owner: str, key: str, value: Any) -> Change:
    row = session.get(Setting, (owner, key))
    text = json.dumps(value)
    if row is None:
        session.add(Setting(owner=owner, key=key, value=text))
    else:
        row.value = text
    _settings(session, owner)[key] = json.loads(text)
    return Change.of(Topic.SETTINGS)


# ---------------------------------------------------------------- roles


def _role_v(role: Role) -> RoleV:
    return RoleV(
        role.id,
        role.name,
        role.colour,
        role.target_percent,
        role.position,
        role.archived,
        role.version,
    )


def needs_defaults(session: Session, owner: str) -> bool:
    """Whether ensure_defaults has anything to write (a read: callers skip the write lock)."""
    roles = session.scalar(select(func.count()).select_from(Role).where(Role.owner == owner))
    days = session.scalar(
        select(func.count()).select_from(WorkdaySetting).where(WorkdaySetting.owner == owner)
    )
    return not roles or (days or 0) < 7


def ensure_defaults(session: Session, owner: str) -> None:
    """Seed the two default roles and Mon–Fri 09:00–17:30 on first start."""
    if session.scalar(select(func.count()).select_from(Role).where(Role.owner == owner)) == 0:
        for position, (name, colour, share) in enumerate(DEFAULT_ROLES):
            session.add(
                Role(owner=owner, name=name, colour=colour, target_percent=share, position=position)
            )
    have = set(session.scalars(select(WorkdaySetting.weekday).where(WorkdaySetting.owner == owner)))
    for weekday in range(7):
        if weekday not in have:
            session.add(
                WorkdaySetting(
                    owner=owner,
                    weekday=weekday,
                    is_workday=weekday < 5,
                    start_minute=DEFAULT_START,
                    stop_minute=DEFAULT_STOP,
                )
            )
    session.flush()


def list_roles(session: Session, owner: str, *, include_archived: bool = False) -> list[RoleV]:
    query = _ALL_ROLES if include_archived else _ACTIVE_ROLES
    return [_role_v(r) for r in session.scalars(query, {"owner": owner})]


def find_role(session: Session, owner: str, name_or_id: str | int) -> RoleV:
    roles = list_roles(session, owner, include_archived=True)
    text = str(name_or_id).strip()
    for role in roles:
        if str(role.id) == text or role.name.casefold() == text.casefold():
            return role
    matches = [r for r in roles if r.name.casefold().startswith(text.casefold())]
    if len(matches) == 1 and text:
        return matches[0]
    names = ", ".join(r.name for r in roles if not r.archived) or "none"
    raise PlannerError(tr("no role {text!r} (roles: {names})").format(text=text, names=names))


def _check_role_fields(name: str | None, colour: str | None, target: float | None) -> None:
    if name is not None and not name.strip():
        raise PlannerError(tr("a role needs a name"))
    if name is not None and len(name) > 80:
        raise PlannerError(tr("a role name is at most 80 characters"))
    if colour is not None and not COLOUR_RE.match(colour):
        raise PlannerError(tr("not a colour: {colour!r} (expected #rrggbb)").format(colour=colour))
    if target is not None and not (0 <= target <= 100):
        raise PlannerError(
            tr("a target share is between 0 and 100 %, not {target:g}").format(target=target)
        )


def add_role(
    session: Session,
    owner: str,
    name: str,
    *,
    colour: str | None = None,
    target_percent: float = 0.0,
) -> tuple[RoleV, Change]:
    _check_role_fields(name, colour, target_percent)
    existing = session.scalar(
        select(Role).where(Role.owner == owner, func.lower(Role.name) == name.strip().lower())
    )
    if existing is not None:
        raise PlannerError(tr("a role named {name!r} exists already").format(name=name.strip()))
    count = session.scalar(select(func.count()).select_from(Role).where(Role.owner == owner)) or 0
    role = Role(
        owner=owner,
        name=name.strip(),
        colour=colour or PALETTE[count % len(PALETTE)],
        target_percent=target_percent,
        position=count,
    )
    session.add(role)
    session.flush()
    return _role_v(role), Change.of(Topic.ROLES)


def edit_role(
    session: Session,
    owner: str,
    role_id: int,
    *,
    name: str | None = None,
    colour: str | None = None,
    target_percent: float | None = None,
    archived: bool | None = None,
    seen_version: int | None = None,
) -> tuple[RoleV, Change]:
    """Edit a role; with `seen_version` (RoleV.version as the caller read it) an edit of a role
    that changed since is refused (ConcurrentChange) rather than overwriting that change."""
    _check_role_fields(name, colour, target_percent)
    role = session.get(Role, role_id)
    if role is None or role.owner != owner:
        raise PlannerError(tr("no role with id {role_id}").format(role_id=role_id))
    _check_seen(session, role, seen_version, tr("the role {name!r}").format(name=role.name))
    if name is not None:
        role.name = name.strip()
    if colour is not None:
        role.colour = colour
    if target_percent is not None:
        role.target_percent = target_percent
    if archived is not None:
        if archived and len(list_roles(session, owner)) <= 1 and not role.archived:
            raise PlannerError(tr("at least one role must stay active"))
        role.archived = archived
    session.flush()
    return _role_v(role), Change.of(Topic.ROLES)


def _check_seen(
    session: Session,
    row: Role | Slot | Task,
    seen_version: int | None,
    what: str,
    *,
    theirs: Callable[[], str] = str,
    mine: Callable[[], str] = str,
) -> None:
    """Refuse an edit of a row changed since the caller read it (its `seen_version`), with
    what is needed to choose: how it is now (`theirs`), what this edit makes of it (`mine`),
    its version now; unless the person chose to keep theirs over exactly that version."""
    if seen_version is None or row.version == seen_version:
        return
    kind = type(row).__tablename__
    if conflicts.overruled(session, kind, row.id, row.version):
        return
    raise ConcurrentChange(
        tr(
            "{what} was changed meanwhile on another device or in another window; nothing was"
            " saved — look at it again and retry"
        ).format(what=what),
        kind=kind,
        row_id=row.id,
        version=row.version,
        theirs=theirs(),
        mine=mine(),
    )


def _gone(kind: str, row_id: int, what: str, mine: str) -> ConcurrentChange:
    """An edit of a row that was deleted meanwhile: said so; nothing to keep over it."""
    return ConcurrentChange(
        tr(
            "{what} was deleted meanwhile on another device or in another window; nothing was saved"
        ).format(what=what),
        kind=kind,
        row_id=row_id,
        theirs=tr("deleted"),
        mine=mine,
        gone=True,
    )


def _role_name(session: Session, role_id: int) -> str:
    role = session.get(Role, role_id)
    return role.name if role is not None else "?"


def _slot_words(session: Session, slot: Slot | SlotV, zone: tzinfo) -> str:
    """A slot as a person reads it: '10:00–11:00 · Support · “Standup”'."""
    from planner.domain.localefmt import clock

    parts = [
        f"{clock(slot.start, zone)}–{clock(slot.end, zone)}",
        _role_name(session, slot.role_id),
    ]
    if slot.title:
        parts.append(f"“{slot.title}”")
    return " · ".join(parts)


_STATUS_WORDS = {"open": N_("open"), "done": N_("done"), "dropped": N_("removed")}


def _task_words(session: Session, task: Task | TaskV) -> str:
    """A task as a person reads it: '“Answer tickets” · Support · 30 min · done'."""
    status = tr(_STATUS_WORDS.get(task.status, task.status))
    return " · ".join(
        [
            f"“{task.title}”",
            _role_name(session, task.role_id),
            ntr("{n} min", "{n} min", task.estimate_minutes).format(n=task.estimate_minutes),
            status,
        ]
    )


# ---------------------------------------------------------------- workday hours and days


def workday_hours(session: Session, owner: str, weekday: int) -> tuple[bool, int, int]:
    row = session.scalar(_WORKDAY, {"owner": owner, "weekday": weekday})
    if row is None:
        return weekday < 5, DEFAULT_START, DEFAULT_STOP
    return row.is_workday, row.start_minute, row.stop_minute


def set_workday_hours(
    session: Session,
    owner: str,
    weekday: int,
    start_minute: int,
    stop_minute: int,
    is_workday: bool,
) -> Change:
    _check_window(start_minute, stop_minute)
    _check_in_day(session, owner, start_minute, stop_minute)
    row = session.scalar(
        select(WorkdaySetting).where(
            WorkdaySetting.owner == owner, WorkdaySetting.weekday == weekday
        )
    )
    if row is None:
        row = WorkdaySetting(owner=owner, weekday=weekday)
        session.add(row)
    row.start_minute, row.stop_minute, row.is_workday = start_minute, stop_minute, is_workday
    return Change.of(Topic.SETTINGS)


def _check_window(start_minute: int, stop_minute: int) -> None:
    if not 0 <= start_minute < 24 * 60:
        raise PlannerError(tr("the workday must start between 00:00 and 23:59"))
    if stop_minute <= start_minute:
        raise PlannerError(
            tr("the hard stop must come after the start (write 01:30+1 for a stop after midnight)")
        )
    if stop_minute - start_minute > 20 * 60:
        raise PlannerError(tr("a workday longer than 20 hours is not a workday"))


def _check_in_day(session: Session, owner: str, start_minute: int, stop_minute: int) -> None:
    """A workday lies inside its day (day_start_minute to the same time next day), or the plan
    and the log, which files entries by that boundary, would land on different days."""
    from planner.domain.timerange import format_minute

    boundary = int(get_setting(session, owner, "day_start_minute"))
    if start_minute < boundary:
        raise PlannerError(
            tr(
                "the workday cannot start at {start}, before the day itself starts at {day_start}"
                " (setting day_start_minute): that time belongs to the day before"
            ).format(start=format_minute(start_minute), day_start=format_minute(boundary))
        )
    if stop_minute > boundary + 24 * 60:
        raise PlannerError(
            tr(
                "the hard stop cannot be at {stop}, after the next day starts at {day_start} "
                "(setting day_start_minute)"
            ).format(stop=format_minute(stop_minute), day_start=format_minute(boundary))
        )


def _day_v(row: Day) -> DayV:
    return DayV(
        row.day,
        row.start,
        row.stop,
        row.min_block_minutes,
        True,
        row.started_at,
        row.closed_at,
        row.follow_from,
    )


def get_day(session: Session, owner: str, day: date, zone: tzinfo) -> DayV:
    """The day's window: its stored override, or the weekday's default hours."""
    row = session.scalar(_DAY, {"owner": owner, "day": day})
    if row is not None:
        return _day_v(row)
    _, start_minute, stop_minute = workday_hours(session, owner, day.weekday())
    return DayV(
        day=day,
        start=local_wall_time(day, start_minute, zone),
        stop=local_wall_time(day, stop_minute, zone),
        min_block_minutes=int(get_setting(session, owner, "min_block_minutes")),
        stored=False,
    )


def _day_row(session: Session, owner: str, day: date, zone: tzinfo) -> Day:
    row = session.scalar(select(Day).where(Day.owner == owner, Day.day == day))
    if row is None:
        v = get_day(session, owner, day, zone)
        row = Day(
            owner=owner, day=day, start=v.start, stop=v.stop, min_block_minutes=v.min_block_minutes
        )
        session.add(row)
        session.flush()
    return row


def set_day(
    session: Session,
    owner: str,
    day: date,
    zone: tzinfo,
    *,
    start_minute: int | None = None,
    stop_minute: int | None = None,
    min_block_minutes: int | None = None,
) -> tuple[DayV, Change]:
    """Override one day's start, hard stop and minimum focus block."""
    row = _day_row(session, owner, day, zone)
    if start_minute is not None or stop_minute is not None:
        _, d_start, d_stop = workday_hours(session, owner, day.weekday())
        s = start_minute if start_minute is not None else d_start
        e = stop_minute if stop_minute is not None else d_stop
        _check_window(s, e)
        _check_in_day(session, owner, s, e)
        row.start = local_wall_time(day, s, zone)
        row.stop = local_wall_time(day, e, zone)
    if min_block_minutes is not None:
        if not 5 <= min_block_minutes <= 240:
            raise PlannerError(tr("the minimum focus block is between 5 and 240 minutes"))
        row.min_block_minutes = min_block_minutes
    session.flush()
    return _day_v(row), Change.of(Topic.DAY, day=day)


def set_day_window(
    session: Session,
    owner: str,
    day: date,
    zone: tzinfo,
    *,
    start: datetime,
    stop: datetime,
    min_block_minutes: int,
) -> Change:
    """Put a day's window back exactly (undo): no checks beyond those it passed once."""
    row = _day_row(session, owner, day, zone)
    row.start, row.stop, row.min_block_minutes = start, stop, min_block_minutes
    session.flush()
    return Change.of(Topic.DAY, day=day)


def start_day(session: Session, owner: str, day: date, zone: tzinfo, now: datetime) -> Change:
    row = _day_row(session, owner, day, zone)
    if row.started_at is None:
        row.started_at = now
    return Change.of(Topic.DAY, day=day)


def close_day(session: Session, owner: str, day: date, zone: tzinfo, now: datetime) -> Change:
    """Mark the day closed (the end-of-day review is done); closing twice keeps the first time."""
    row = _day_row(session, owner, day, zone)
    if row.closed_at is None:
        row.closed_at = now
    session.flush()
    return Change.of(Topic.DAY, day=day)


def stored_day(session: Session, owner: str, day: date) -> Day | None:
    """The day's row if it has one (tracking reads and sets its follow-the-plan mark)."""
    return session.scalar(_DAY, {"owner": owner, "day": day})


def set_follow_from(session: Session, owner: str, zone: tzinfo, moment: datetime) -> None:
    """Wait for the plan from `moment`, on the day `moment` belongs to."""
    row = _day_row(session, owner, day_of(session, owner, moment, zone), zone)
    row.follow_from = moment


def next_workday(session: Session, owner: str, day: date) -> date:
    """The first workday after `day` (the day after it when no weekday is a workday)."""
    for ahead in range(1, 8):
        candidate = day + timedelta(days=ahead)
        if workday_hours(session, owner, candidate.weekday())[0]:
            return candidate
    return day + timedelta(days=1)


def day_of(session: Session, owner: str, moment: datetime, zone: tzinfo) -> date:
    return local_date(moment, zone, int(get_setting(session, owner, "day_start_minute")))


# ---------------------------------------------------------------- slots


def _slot_v(slot: Slot) -> SlotV:
    return SlotV(
        slot.id,
        slot.day,
        slot.start,
        slot.end,
        slot.role_id,
        slot.title,
        slot.origin,
        slot.pinned,
        slot.uid,
        slot.version,
    )


def list_slots(session: Session, owner: str, day: date) -> list[SlotV]:
    rows = session.scalars(
        select(Slot).where(Slot.owner == owner, Slot.day == day).order_by(Slot.start, Slot.id)
    )
    return [_slot_v(s) for s in rows]


# Statements on the interruption hot path are built once (building one costs more than running
# it on SQLite); the values are bound per call.
_SLOT_AT = (
    select(Slot)
    .where(
        Slot.owner == bindparam("owner"),
        Slot.start <= bindparam("moment", type_=UTCDateTime()),
        Slot.end > bindparam("moment", type_=UTCDateTime()),
    )
    .order_by(Slot.start.desc())
    .limit(1)
)
_ACTIVE_ROLES = (
    select(Role)
    .where(Role.owner == bindparam("owner"), Role.archived.is_(False))
    .order_by(Role.position, Role.id)
)
_ALL_ROLES = select(Role).where(Role.owner == bindparam("owner")).order_by(Role.position, Role.id)
_WORKDAY = select(WorkdaySetting).where(
    WorkdaySetting.owner == bindparam("owner"), WorkdaySetting.weekday == bindparam("weekday")
)
_DAY = select(Day).where(Day.owner == bindparam("owner"), Day.day == bindparam("day"))


def slot_at(session: Session, owner: str, moment: datetime) -> SlotV | None:
    row = session.scalar(_SLOT_AT, {"owner": owner, "moment": moment})
    return None if row is None else _slot_v(row)


def get_slot(session: Session, owner: str, slot_id: int) -> SlotV:
    slot = session.get(Slot, slot_id)
    if slot is None or slot.owner != owner:
        raise PlannerError(tr("no slot with id {slot_id}").format(slot_id=slot_id))
    return _slot_v(slot)


_SLOTS_NEAR = (
    select(Slot)
    .where(
        Slot.owner == bindparam("owner"),
        Slot.start <= bindparam("hi", type_=UTCDateTime()),
        Slot.end > bindparam("lo", type_=UTCDateTime()),
    )
    .order_by(Slot.start, Slot.id)
)


_LO = bindparam("lo", type_=UTCDateTime())
_HI = bindparam("hi", type_=UTCDateTime())
_SWITCHES = union_all(
    select(Slot.id).where(Slot.owner == bindparam("owner"), Slot.start > _LO, Slot.start <= _HI),
    select(Occurrence.id).where(
        Occurrence.owner == bindparam("owner"),
        Occurrence.busy.is_(True),
        Occurrence.all_day.is_(False),
        ((Occurrence.start > _LO) & (Occurrence.start <= _HI))
        | ((Occurrence.end > _LO) & (Occurrence.end <= _HI)),
    ),
    select(PlannedBreak.id).where(
        PlannedBreak.owner == bindparam("owner"),
        PlannedBreak.skipped.is_(False),
        ((PlannedBreak.start > _LO) & (PlannedBreak.start <= _HI))
        | ((PlannedBreak.end > _LO) & (PlannedBreak.end <= _HI)),
    ),
).limit(1)


def plan_switches_between(session: Session, owner: str, lo: datetime, hi: datetime) -> bool:
    """Whether a slot starts, or a meeting or a break starts or ends, in (lo, hi]: one light
    query that lets the log's catch-up skip reading the plan when nothing switches (the usual
    case)."""
    return session.execute(_SWITCHES, {"owner": owner, "lo": lo, "hi": hi}).first() is not None


_BREAKS_NEAR = (
    select(PlannedBreak)
    .where(
        PlannedBreak.owner == bindparam("owner"),
        PlannedBreak.start <= bindparam("hi", type_=UTCDateTime()),
        PlannedBreak.end > bindparam("lo", type_=UTCDateTime()),
    )
    .order_by(PlannedBreak.start, PlannedBreak.id)
)


def breaks_overlapping(session: Session, owner: str, window: Interval) -> list[BreakV]:
    """The breaks written for any day that overlap [window.start, window.end] (the log
    follows these; a weekday's lunch not yet written for its day is not a plan yet)."""
    rows = session.scalars(_BREAKS_NEAR, {"owner": owner, "lo": window.start, "hi": window.end})
    return [_break_v(r) for r in rows]


def slots_overlapping(session: Session, owner: str, window: Interval) -> list[SlotV]:
    """Slots of any day that overlap [window.start, window.end] (one starting at its end too)."""
    rows = session.scalars(_SLOTS_NEAR, {"owner": owner, "lo": window.start, "hi": window.end})
    return [_slot_v(s) for s in rows]


def _check_slot(session: Session, owner: str, start: datetime, end: datetime, role_id: int) -> None:
    if end <= start:
        raise PlannerError(tr("a slot must end after it starts"))
    if end - start > timedelta(hours=24):
        raise PlannerError(tr("a slot cannot be longer than 24 hours"))
    role = session.get(Role, role_id)
    if role is None or role.owner != owner:
        raise PlannerError(tr("no role with id {role_id}").format(role_id=role_id))


def _overlapping(
    session: Session, owner: str, start: datetime, end: datetime, ignore: int | None = None
) -> list[Slot]:
    query = select(Slot).where(Slot.owner == owner, Slot.start < end, Slot.end > start)
    if ignore is not None:
        query = query.where(Slot.id != ignore)
    return list(session.scalars(query))


def add_slot(
    session: Session,
    owner: str,
    zone: tzinfo,
    start: datetime,
    end: datetime,
    role_id: int,
    title: str = "",
    *,
    origin: str = "manual",
    pinned: bool | None = None,
) -> tuple[SlotV, Change]:
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    _check_slot(session, owner, start, end, role_id)
    clash = _overlapping(session, owner, start, end)
    if clash:
        raise PlannerError(
            ntr(
                "the slot overlaps {n} other slot of that day",
                "the slot overlaps {n} other slots of that day",
                len(clash),
            ).format(n=len(clash))
        )
    day = day_of(session, owner, start, zone)
    _lunch_row(session, owner, day, zone)  # the day's lunch is written with its first slot
    slot = Slot(
        owner=owner,
        day=day,
        start=start,
        end=end,
        role_id=role_id,
        title=title.strip()[:200],
        origin=origin,
        pinned=(origin != "auto") if pinned is None else pinned,
    )
    session.add(slot)
    session.flush()
    _fit_open_tasks(session, owner, day)
    return _slot_v(slot), Change.of(Topic.SLOTS, Topic.TASKS, day=day)


def update_slot(
    session: Session,
    owner: str,
    zone: tzinfo,
    slot_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    role_id: int | None = None,
    title: str | None = None,
    pinned: bool | None = None,
    seen_version: int | None = None,
) -> tuple[SlotV, Change]:
    """Move, resize, re-role or rename a slot; with `seen_version` (SlotV.version as the caller
    showed it) an edit of a slot changed or deleted since is refused (ConcurrentChange, with
    theirs and mine in words) rather than overwriting that change."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    # read again once the lock is held: a save that committed while this one waited (and
    # that the undo journal's capture read before it) is seen, and asked about in words
    slot = session.get(Slot, slot_id, populate_existing=seen_version is not None)
    if slot is None or slot.owner != owner:
        if seen_version is not None:
            raise _gone("slot", slot_id, tr("the slot"), tr("change it"))
        raise PlannerError(tr("no slot with id {slot_id}").format(slot_id=slot_id))
    old_day = slot.day
    new_start = start or slot.start
    new_end = end or slot.end
    new_role = role_id if role_id is not None else slot.role_id
    current = slot  # bound for the words below
    _check_seen(
        session,
        slot,
        seen_version,
        tr("the slot"),
        theirs=lambda: _slot_words(session, current, zone),
        mine=lambda: _slot_words(  # what keeping mine would make of it
            session,
            replace(
                _slot_v(current),
                start=new_start,
                end=new_end,
                role_id=new_role,
                title=current.title if title is None else title.strip()[:200],
            ),
            zone,
        ),
    )
    _check_slot(session, owner, new_start, new_end, new_role)
    if _overlapping(session, owner, new_start, new_end, ignore=slot_id):
        raise PlannerError(tr("the slot would overlap another slot"))
    slot.start, slot.end, slot.role_id = new_start, new_end, new_role
    if title is not None:
        slot.title = title.strip()[:200]
    if pinned is not None:
        slot.pinned = pinned
    if start is not None or end is not None:
        slot.pinned = True if pinned is None else pinned  # moved by hand: keep it there
        slot.origin = "manual" if slot.origin == "auto" else slot.origin
    slot.day = day_of(session, owner, new_start, zone)
    session.flush()
    for touched in {old_day, slot.day}:
        _fit_open_tasks(session, owner, touched)
    return _slot_v(slot), Change(
        frozenset({Topic.SLOTS, Topic.TASKS}), frozenset({old_day, slot.day})
    )


def remove_slot(
    session: Session,
    owner: str,
    slot_id: int,
    *,
    seen_version: int | None = None,
    zone: tzinfo | None = None,
) -> tuple[SlotV, Change]:
    """Delete a slot; with `seen_version`, not one changed since the caller showed it (nor
    one already gone: said so). `zone`: the zone its times are said in."""
    slot = session.get(Slot, slot_id)
    if slot is None or slot.owner != owner:
        if seen_version is not None:
            raise _gone("slot", slot_id, tr("the slot"), tr("delete it"))
        raise PlannerError(tr("no slot with id {slot_id}").format(slot_id=slot_id))
    current = slot
    _check_seen(
        session,
        slot,
        seen_version,
        tr("the slot"),
        theirs=lambda: _slot_words(session, current, zone or UTC),
        mine=lambda: tr("delete it"),
    )
    value = _slot_v(slot)
    session.delete(slot)
    session.flush()
    _fit_open_tasks(session, owner, value.day)
    return value, Change.of(Topic.SLOTS, Topic.TASKS, day=value.day)


# ---------------------------------------------------------------- tasks


def _task_v(task: Task) -> TaskV:
    return TaskV(
        task.id,
        task.title,
        task.role_id,
        task.day,
        task.priority,
        task.estimate_minutes,
        task.status,
        task.slot_id,
        task.carried_over,
        task.uid,
        due_at=task.due_at,
        slot_pinned=task.slot_pinned,
        version=task.version,
    )


def task_title(title: str, estimate_minutes: float) -> str:
    """A new task's title, cleaned, once its title and estimate pass the rules (PlannerError)."""
    clean = " ".join(title.split())
    if not clean:
        raise PlannerError(tr("a task needs a title"))
    if len(clean) > 500:
        raise PlannerError(tr("a task title is at most 500 characters"))
    if not 0 < estimate_minutes <= 24 * 60:
        raise PlannerError(tr("an estimate is between 1 minute and 24 hours"))
    return clean


def add_task(
    session: Session,
    owner: str,
    title: str,
    role_id: int,
    *,
    now: datetime,
    day: date | None = None,
    estimate_minutes: int = 30,
    priority: int | None = None,
    due_at: datetime | None = None,
    uid: str | None = None,
) -> tuple[TaskV, Change]:
    """A new task; `uid`: the one a device made for it while the shared server was away
    (its later edits, kept there too, name the task by it)."""
    clean = task_title(title, estimate_minutes)
    role = session.get(Role, role_id)
    if role is None or role.owner != owner:
        raise PlannerError(tr("no role with id {role_id}").format(role_id=role_id))
    if priority is None:
        top = session.scalar(
            select(func.max(Task.priority)).where(Task.owner == owner, Task.day == day)
        )
        priority = (top or 0) + 1
    task = Task(
        owner=owner,
        title=clean,
        role_id=role_id,
        day=day,
        priority=priority,
        estimate_minutes=estimate_minutes,
        created_at=now,
        due_at=_check_due(due_at),
    )
    if uid:
        task.uid = uid
    session.add(task)
    session.flush()
    if day is not None:
        _fit_open_tasks(session, owner, day)
    return _task_v(task), Change.of(Topic.TASKS, day=day)


def _check_due(due_at: datetime | None) -> datetime | None:
    if due_at is not None and (due_at.tzinfo is None or due_at.utcoffset() is None):
        raise PlannerError(tr("a deadline needs a time zone"))
    return due_at


def list_tasks(
    session: Session, owner: str, day: date | None = None, *, status: str | None = None
) -> list[TaskV]:
    query = select(Task).where(Task.owner == owner)
    if day is not None:
        query = query.where(Task.day == day)
    if status is not None:
        query = query.where(Task.status == status)
    rows = session.scalars(query.order_by(Task.day, Task.priority, Task.id))
    return [_task_v(t) for t in rows]


def _task(session: Session, owner: str, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None or task.owner != owner:
        raise PlannerError(tr("no task with id {task_id}").format(task_id=task_id))
    return task


def _seen_task(session: Session, owner: str, task_id: int, seen_version: int | None) -> Task:
    """The task to edit; one deleted since the caller showed it is a conflict, said so."""
    task = session.get(Task, task_id)
    if (task is None or task.owner != owner) and seen_version is not None:
        raise _gone("task", task_id, tr("the task"), tr("change it"))
    return _task(session, owner, task_id)


def set_task_status(
    session: Session,
    owner: str,
    task_id: int,
    status: str,
    now: datetime,
    *,
    seen_version: int | None = None,
) -> tuple[TaskV, Change]:
    """Check off, reopen or remove a task; with `seen_version`, not one changed (or deleted)
    since the caller showed it (ConcurrentChange)."""
    if status not in ("open", "done", "dropped"):
        raise PlannerError(tr("unknown task status {status!r}").format(status=status))
    task = _seen_task(session, owner, task_id, seen_version)
    current = task
    _check_seen(
        session,
        task,
        seen_version,
        tr("the task {title!r}").format(title=task.title),
        theirs=lambda: _task_words(session, current),
        mine=lambda: _task_words(session, replace(_task_v(current), status=status)),
    )
    task.status = status
    task.done_at = now if status == "done" else None
    session.flush()
    if task.day is not None:
        _fit_open_tasks(session, owner, task.day)
    return _task_v(task), Change.of(Topic.TASKS, day=task.day)


def update_task(
    session: Session,
    owner: str,
    task_id: int,
    *,
    title: str | None = None,
    role_id: int | None = None,
    estimate_minutes: int | None = None,
    slot_id: int | bool | None = False,
    seen_version: int | None = None,
    due_at: datetime | bool | None = False,
    zone: tzinfo | None = None,
) -> tuple[TaskV, Change]:
    """Edit a task; `slot_id=N` puts it into that slot by hand (the re-fit leaves it there),
    `None` hands it back to the fit, `False` (default) leaves the slot alone; `due_at` a
    deadline, None for none, False (default) to leave it. With `seen_version` (TaskV.version as
    the caller showed it) an edit of a task changed or deleted since is refused
    (ConcurrentChange); `zone`: the zone a slot's times are said in."""
    task = _seen_task(session, owner, task_id, seen_version)
    current = task

    def mine() -> str:
        after = replace(
            _task_v(current),
            title=" ".join(title.split())[:500] if title is not None else current.title,
            role_id=role_id if role_id is not None else current.role_id,
            estimate_minutes=estimate_minutes or current.estimate_minutes,
        )
        words = _task_words(session, after)
        if isinstance(slot_id, int) and not isinstance(slot_id, bool):
            slot = session.get(Slot, slot_id)
            if slot is not None:
                words += " · " + tr("in the slot {slot}").format(
                    slot=_slot_words(session, slot, UTC if zone is None else zone)
                )
        elif slot_id is None:
            words += " · " + tr("back to the automatic fit")
        return words

    _check_seen(
        session,
        task,
        seen_version,
        tr("the task {title!r}").format(title=task.title),
        theirs=lambda: _task_words(session, current),
        mine=mine,
    )
    if title is not None:
        clean = " ".join(title.split())
        if not clean:
            raise PlannerError(tr("a task needs a title"))
        task.title = clean[:500]
    if role_id is not None:
        task.role_id = role_id
    if estimate_minutes is not None:
        if not 0 < estimate_minutes <= 24 * 60:
            raise PlannerError(tr("an estimate is between 1 minute and 24 hours"))
        task.estimate_minutes = estimate_minutes
    if slot_id is not False:
        if slot_id is not None:
            slot = session.get(Slot, slot_id)
            if slot is None or slot.owner != owner:
                raise PlannerError(tr("no slot with id {slot_id}").format(slot_id=slot_id))
            task.day = slot.day
        task.slot_id = slot_id if isinstance(slot_id, int) else None
        task.slot_pinned = task.slot_id is not None
    if due_at is not False:
        task.due_at = _check_due(due_at if isinstance(due_at, datetime) else None)
    session.flush()
    if task.day is not None:
        _fit_open_tasks(session, owner, task.day)
    return _task_v(task), Change.of(Topic.TASKS, day=task.day)


def reorder_tasks(
    session: Session, owner: str, day: date | None, ordered_ids: Sequence[int]
) -> Change:
    """Set priorities 1..n in the given order. The order is the list's, not an edit of each
    task: it leaves the tasks' versions (checking one off on another device that showed it is
    no conflict with a reorder here); a task moved to another day is an edit."""
    for priority, task_id in enumerate(ordered_ids, start=1):
        task = _task(session, owner, task_id)
        if task.day == day:
            _set_derived(session, task, priority=priority)
        else:
            task.priority = priority
            task.day = day
    session.flush()
    if day is not None:
        _fit_open_tasks(session, owner, day)
    return Change.of(Topic.TASKS, day=day)


def carry_over(session: Session, owner: str, from_day: date, to_day: date) -> tuple[int, Change]:
    """Move the open tasks of `from_day` (and undated ones) behind `to_day`'s list."""
    top = session.scalar(
        select(func.max(Task.priority)).where(Task.owner == owner, Task.day == to_day)
    )
    priority = top or 0
    moved = 0
    rows = session.scalars(
        select(Task)
        .where(Task.owner == owner, Task.day == from_day, Task.status == "open")
        .order_by(Task.priority, Task.id)
    )
    for task in rows:
        priority += 1
        task.day, task.priority, task.slot_id = to_day, priority, None
        task.carried_over += 1
        moved += 1
    session.flush()
    _fit_open_tasks(session, owner, to_day)
    return moved, Change(frozenset({Topic.TASKS}), frozenset({from_day, to_day}))


def carry_task(
    session: Session,
    owner: str,
    task_id: int,
    to_day: date,
    *,
    seen_version: int | None = None,
) -> tuple[TaskV, Change]:
    """Move one open task to the end of `to_day`'s list (the end-of-day review, one by one);
    with `seen_version`, not one changed (or deleted) since the review showed it."""
    from planner.domain.localefmt import short_day

    task = _seen_task(session, owner, task_id, seen_version)
    if task.status != "open":  # checked off elsewhere: no choice to offer, it cannot be carried
        raise PlannerError(
            tr("the task {title!r} is {status}, not open").format(
                title=task.title, status=task.status
            )
        )
    current = task
    _check_seen(
        session,
        task,
        seen_version,
        tr("the task {title!r}").format(title=task.title),
        theirs=lambda: _task_words(session, current),
        mine=lambda: tr("carry it to {day}").format(day=short_day(to_day)),
    )
    from_day = task.day
    top = session.scalar(
        select(func.max(Task.priority)).where(Task.owner == owner, Task.day == to_day)
    )
    task.day, task.priority, task.slot_id = to_day, (top or 0) + 1, None
    task.carried_over += 1
    session.flush()
    _fit_open_tasks(session, owner, to_day)
    days = frozenset(d for d in (from_day, to_day) if d is not None)
    return _task_v(task), Change(frozenset({Topic.TASKS}), days)


def last_open_day(session: Session, owner: str, before: date) -> date | None:
    """The latest day before `before` that still has open tasks (what 'yesterday' left over)."""
    return session.scalar(
        select(func.max(Task.day)).where(
            Task.owner == owner, Task.day < before, Task.status == "open"
        )
    )


# ---------------------------------------------------------------- meetings and the plan


_MEETINGS = (
    select(Occurrence)
    .where(
        Occurrence.owner == bindparam("owner"),
        Occurrence.start < bindparam("hi", type_=UTCDateTime()),
        Occurrence.end > bindparam("lo", type_=UTCDateTime()),
    )
    .order_by(Occurrence.start, Occurrence.id)
)


def list_meetings(session: Session, owner: str, window: Interval) -> list[MeetingV]:
    rows = session.scalars(_MEETINGS, {"owner": owner, "lo": window.start, "hi": window.end})
    return [
        MeetingV(o.id, o.summary, o.start, o.end, o.all_day, o.busy, o.role_id, o.source_id)
        for o in rows
    ]


def _targets(roles: Sequence[RoleV]) -> list[scheduling.RoleTarget]:
    return [scheduling.RoleTarget(r.id, r.target_percent) for r in roles]


def _meeting_busy(meetings: Sequence[MeetingV]) -> list[scheduling.Busy]:
    return [
        scheduling.Busy(Interval(m.start, m.end), m.role_id)
        for m in meetings
        if m.busy and m.end > m.start  # all-day entries are busy only when marked so
    ]


def get_plan(
    session: Session, owner: str, day: date, zone: tzinfo, now: datetime | None = None
) -> PlanV:
    """A day's plan with its tasks fitted. With `now` (today's plan as lived) the open tasks
    are fitted into the slots not over yet: a task not done in its morning slot is still to
    do, in the role's next slot, not "planned" in one that is over (the running slot keeps
    its tasks: they may be under way)."""
    day_v = get_day(session, owner, day, zone)
    roles = tuple(list_roles(session, owner))
    slots = tuple(list_slots(session, owner, day))
    tasks = tuple(list_tasks(session, owner, day))
    meetings = tuple(list_meetings(session, owner, Interval(day_v.start, day_v.stop)))
    breaks = tuple(list_breaks(session, owner, day, zone))
    stored = [b for b in breaks if b.id]  # the fit uses the breaks written for the day
    open_tasks = [t for t in tasks if t.status == "open"]
    fit = _sequence(slots, open_tasks, meetings, stored, after=now)
    placed = tuple(
        TaskPlanV(p.task_id, p.segments[0].start, p.end, _slot_ids(p), p.late)
        for p in fit.placements.values()
    )
    return PlanV(day_v, roles, slots, tasks, meetings, fit.overflow, breaks, placed)


def _slot_ids(placement: scheduling.Placement) -> tuple[int, ...]:
    out: list[int] = []
    for seg in placement.segments:
        if not out or out[-1] != seg.slot_id:
            out.append(seg.slot_id)
    return tuple(out)


def _sequence(
    slots: Sequence[SlotV],
    open_tasks: Sequence[TaskV],
    meetings: Sequence[MeetingV],
    breaks: Sequence[BreakV],
    after: datetime | None = None,
) -> scheduling.TaskSequence:
    """The fit: open tasks not put into a slot by hand, strictly by priority (deadlines
    first) over the time their role's slots leave free of meetings and breaks (with `after`,
    only in the slots not over by then)."""
    taken = [Interval(m.start, m.end) for m in meetings if m.busy and not m.all_day]
    taken += [Interval(b.start, b.end) for b in breaks if not b.skipped]
    if after is not None:  # slots that are over leave no room (the one running keeps its own:
        taken += [Interval(s.start, s.end) for s in slots if s.end <= after]  # work in progress)
    pinned_minutes: dict[int, float] = {}
    for t in open_tasks:
        if t.slot_pinned and t.slot_id is not None:
            pinned_minutes[t.slot_id] = pinned_minutes.get(t.slot_id, 0.0) + t.estimate_minutes
    capacities: list[scheduling.SlotCapacity] = []
    for s in slots:
        used = pinned_minutes.get(s.id, 0.0)
        for piece in Interval(s.start, s.end).subtract(taken):
            room = piece.minutes
            capacities.append(
                scheduling.SlotCapacity(s.id, s.role_id, piece.start, piece.end, min(used, room))
            )
            used = max(0.0, used - room)
    items = [
        scheduling.TaskItem(t.id, t.role_id, t.estimate_minutes, t.priority, t.due_at)
        for t in open_tasks
        if not (t.slot_pinned and t.slot_id is not None)
    ]
    return scheduling.sequence_tasks(items, capacities)


# ---------------------------------------------------------------- breaks and rhythm


def _break_v(row: PlannedBreak) -> BreakV:
    return BreakV(row.id, row.day, row.start, row.end, row.kind, row.skipped)


def lunch_minutes(session: Session, owner: str, weekday: int) -> tuple[int, int] | None:
    """The weekday's lunch break (minutes after local midnight), or None for no lunch."""
    raw = get_setting(session, owner, "lunch")
    try:
        value = raw[weekday]
    except (TypeError, IndexError, KeyError):
        return None
    if not value:
        return None
    start, end = int(value[0]), int(value[1])
    return (start, end) if end > start else None


def set_lunch_minutes(
    session: Session,
    owner: str,
    weekday: int,
    minutes: tuple[int, int] | None,
    *,
    from_day: date | None = None,
    zone: tzinfo | None = None,
) -> Change:
    """Set (or, with None, remove) one weekday's lunch break in the settings.

    With `from_day` and `zone`, the lunches already written for that weekday's days from
    `from_day` on follow the new setting (or go, with None) where they still are the old one:
    a day planned before the change is planned around the new lunch by its next Auto-split; a
    lunch moved by hand on the timeline, and the days before, stay as they are."""
    if minutes is not None:
        start, end = minutes
        if not (0 <= start < end <= 24 * 60 + 20 * 60):
            raise PlannerError(tr("a lunch break ends after it starts"))
        if end - start > 4 * 60:
            raise PlannerError(tr("a lunch break is at most 4 hours"))
    old = lunch_minutes(session, owner, weekday)
    raw = get_setting(session, owner, "lunch")
    week: list[Any] = list(raw) if isinstance(raw, list) and len(raw) == 7 else [None] * 7
    week[weekday] = list(minutes) if minutes is not None else None
    change = set_setting(session, owner, "lunch", week)
    if from_day is None or zone is None or old is None or old == minutes:
        return change
    rows = session.scalars(
        select(PlannedBreak).where(
            PlannedBreak.owner == owner,
            PlannedBreak.day >= from_day,
            PlannedBreak.kind == "lunch",
        )
    ).all()
    for row in rows:
        if row.day.weekday() != weekday:
            continue
        was = (local_wall_time(row.day, old[0], zone), local_wall_time(row.day, old[1], zone))
        if (row.start, row.end) != was:
            continue  # moved by hand for that day
        if minutes is None:
            session.delete(row)
        else:
            row.start = local_wall_time(row.day, minutes[0], zone)
            row.end = local_wall_time(row.day, minutes[1], zone)
        session.flush()
        _fit_open_tasks(session, owner, row.day)
        change |= Change.of(Topic.DAY, Topic.TASKS, day=row.day)
    return change


_BREAKS = (
    select(PlannedBreak)
    .where(PlannedBreak.owner == bindparam("owner"), PlannedBreak.day == bindparam("day"))
    .order_by(PlannedBreak.start, PlannedBreak.id)
)


def _stored_breaks(session: Session, owner: str, day: date) -> list[BreakV]:
    return [_break_v(r) for r in session.scalars(_BREAKS, {"owner": owner, "day": day})]


def list_breaks(session: Session, owner: str, day: date, zone: tzinfo) -> list[BreakV]:
    """The day's planned breaks: those written for it, and the weekday's lunch from the
    settings while the day has none written (id 0; written by the first slot or Auto-split)."""
    rows = _stored_breaks(session, owner, day)
    if not any(b.kind == "lunch" for b in rows):
        lunch = lunch_minutes(session, owner, day.weekday())
        if lunch is not None:
            start, end = local_wall_time(day, lunch[0], zone), local_wall_time(day, lunch[1], zone)
            rows.append(BreakV(0, day, start, end, "lunch"))
            rows.sort(key=lambda b: (b.start, b.id))
    return rows


def _lunch_row(session: Session, owner: str, day: date, zone: tzinfo) -> PlannedBreak | None:
    """The day's lunch row, written from the weekday's setting if it had none yet."""
    row = session.scalar(
        select(PlannedBreak).where(
            PlannedBreak.owner == owner, PlannedBreak.day == day, PlannedBreak.kind == "lunch"
        )
    )
    if row is None:
        lunch = lunch_minutes(session, owner, day.weekday())
        if lunch is None:
            return None
        row = PlannedBreak(
            owner=owner,
            day=day,
            start=local_wall_time(day, lunch[0], zone),
            end=local_wall_time(day, lunch[1], zone),
            kind="lunch",
        )
        session.add(row)
        session.flush()
    return row


def skip_lunch(
    session: Session, owner: str, day: date, zone: tzinfo, *, skipped: bool = True
) -> Change:
    """Skip the day's lunch (or take it again); the plan is re-split around the rest."""
    row = _lunch_row(session, owner, day, zone)
    if row is None:
        raise PlannerError(tr("{day:%a %d %b} has no lunch break to skip").format(day=day))
    row.skipped = skipped
    session.flush()
    if not _replan_before_start(session, owner, day, zone):  # not started: the hour is used
        _fit_open_tasks(session, owner, day)
    return Change.of(Topic.DAY, Topic.SLOTS, Topic.TASKS, day=day)


def skip_break(
    session: Session,
    owner: str,
    day: date,
    zone: tzinfo,
    break_id: int,
    *,
    skipped: bool = True,
) -> Change:
    """Skip one of the day's breaks for that day (or take it again); id 0 or a lunch: as
    skip_lunch. A short break skipped stays in the plan, marked, so the reviews count it; the
    next Auto-split plans the short breaks afresh."""
    row = session.get(PlannedBreak, break_id) if break_id else None
    if break_id and (row is None or row.owner != owner or row.day != day):
        raise PlannerError(tr("no break with id {break_id}").format(break_id=break_id))
    if row is None or row.kind == "lunch":
        return skip_lunch(session, owner, day, zone, skipped=skipped)
    row.skipped = skipped
    session.flush()
    _fit_open_tasks(session, owner, day)
    return Change.of(Topic.DAY, Topic.TASKS, day=day)


def move_break(
    session: Session,
    owner: str,
    day: date,
    zone: tzinfo,
    break_id: int,
    start: datetime,
    end: datetime,
) -> Change:
    """Move or resize one of the day's breaks (id 0: the lunch the settings give)."""
    if end <= start:
        raise PlannerError(tr("a break must end after it starts"))
    if end - start > timedelta(hours=4):
        raise PlannerError(tr("a break is at most 4 hours"))
    if break_id == 0:
        row = _lunch_row(session, owner, day, zone)
    else:
        row = session.get(PlannedBreak, break_id)
        if row is not None and row.owner != owner:
            row = None
    if row is None:
        raise PlannerError(tr("no break with id {break_id}").format(break_id=break_id))
    row.start, row.end = start, end
    session.flush()
    if row.kind == "lunch" and _replan_before_start(session, owner, row.day, zone):
        return Change.of(Topic.DAY, Topic.SLOTS, Topic.TASKS, day=row.day)
    _fit_open_tasks(session, owner, row.day)
    return Change.of(Topic.DAY, Topic.TASKS, day=row.day)


def _replan_before_start(session: Session, owner: str, day: date, zone: tzinfo) -> bool:
    """Auto-split the day again when it has auto slots and has not started (its lunch moved
    or was skipped: the plan uses the time as it now is); whether it did."""
    has_auto = any(s.origin == "auto" for s in list_slots(session, owner, day))
    if has_auto and get_day(session, owner, day, zone).started_at is None:
        auto_plan(session, owner, day, zone)
        return True
    return False


def max_block_minutes(session: Session, owner: str, role_id: int) -> int:
    per_role = get_setting(session, owner, "max_block_by_role") or {}
    value = per_role.get(str(role_id)) if isinstance(per_role, dict) else None
    return int(value if value else get_setting(session, owner, "max_block_minutes"))


def max_blocks_by_role(session: Session, owner: str) -> dict[int, int]:
    """The roles whose longest block is their own (role id -> minutes); the others take
    the setting `max_block_minutes`."""
    per_role = get_setting(session, owner, "max_block_by_role") or {}
    if not isinstance(per_role, dict):
        return {}
    return {int(k): int(v) for k, v in per_role.items() if str(k).isdigit() and v}


def set_max_block_minutes(
    session: Session, owner: str, role_id: int, minutes: int | None
) -> Change:
    """One role's longest block; None (or 0): the role takes the general one again."""
    per_role = dict(get_setting(session, owner, "max_block_by_role") or {})
    if not minutes:
        per_role.pop(str(role_id), None)
        return set_setting(session, owner, "max_block_by_role", per_role)
    if not 15 <= minutes <= 12 * 60:
        raise PlannerError(
            tr("The longest block is between 15 minutes and 12 hours, not {minutes} min").format(
                minutes=minutes
            )
        )
    per_role[str(role_id)] = minutes
    return set_setting(session, owner, "max_block_by_role", per_role)


def rhythm(
    session: Session, owner: str, roles: Sequence[RoleV], min_block_minutes: int
) -> scheduling.Rhythm:
    """The day's rhythm from the settings: each role's longest block (never under the minimum
    focus block), the short breaks, alternation."""
    short = int(get_setting(session, owner, "short_break_minutes") or 0)
    after = int(get_setting(session, owner, "short_break_after_minutes") or 90)
    return scheduling.Rhythm(
        max_block={
            r.id: timedelta(minutes=max(max_block_minutes(session, owner, r.id), min_block_minutes))
            for r in roles
        },
        short_break=timedelta(minutes=max(0, short)),
        focus_before_break=timedelta(minutes=max(after, min_block_minutes)),
        alternate=True,
    )


def _break_busy(breaks: Sequence[BreakV]) -> list[scheduling.Busy]:
    return [
        scheduling.Busy(Interval(b.start, b.end), None, is_work=False)
        for b in breaks
        if not b.skipped
    ]


# ---------------------------------------------------------------- the week's share


def week_worked(
    session: Session, owner: str, day: date, zone: tzinfo, now: datetime
) -> dict[int, float]:
    """Working minutes per role on the days of `day`'s week before it (the log)."""
    from planner.review import reports  # reports imports this module

    monday = reports.monday_of(day)
    if day == monday:
        return {}
    report = reports.week_report(session, owner, zone, monday, now)
    index = (day - monday).days
    out: dict[int, float] = {}
    for series in (report.work, report.meetings, report.interruptions):
        for role_id, values in series.items():
            if role_id is not None:
                out[role_id] = out.get(role_id, 0.0) + sum(values[:index])
    return out


def week_share(
    session: Session,
    owner: str,
    day: date,
    zone: tzinfo,
    now: datetime,
    *,
    roles: Sequence[RoleV] | None = None,
    day_minutes: float | None = None,
) -> list[WeekShareV]:
    """Each role's shortfall this week and what today's plan repays (nothing when the
    setting `keep_week_share` is off, or on the week's first day)."""
    roles = list(roles if roles is not None else list_roles(session, owner))
    if not roles or not get_setting(session, owner, "keep_week_share"):
        return []
    worked = week_worked(session, owner, day, zone, now)
    if not worked:
        return []
    if day_minutes is None:  # the working time Auto-split shares out: less breaks and
        # meetings without a role (a role's meetings count as its time)
        day_v = get_day(session, owner, day, zone)
        window = Interval(day_v.start, day_v.stop)
        away = [
            BreakV(0, day, m.start, m.end, "meeting")
            for m in list_meetings(session, owner, window)
            if m.busy and not m.all_day and m.role_id is None
        ]
        taken = merge_minutes(window, [*list_breaks(session, owner, day, zone), *away])
        day_minutes = window.minutes - taken
    targets = _targets(roles)
    share = scheduling.week_share(targets, worked, day_minutes)
    return [
        WeekShareV(r.id, share.behind.get(r.id, 0.0), share.extra(r.id, day_minutes, targets))
        for r in roles
    ]


def merge_minutes(window: Interval, breaks: Sequence[BreakV]) -> float:
    from planner.domain.timerange import merge

    clipped = [Interval(b.start, b.end).clip(window) for b in breaks if not b.skipped]
    return sum(c.minutes for c in merge(c for c in clipped if c is not None))


def auto_plan(
    session: Session,
    owner: str,
    day: date,
    zone: tzinfo,
    *,
    shares: dict[int, float] | None = None,
    min_block_minutes: int | None = None,
    replace: bool = True,
    interruption_hours: bool | None = None,
    now: datetime | None = None,
) -> tuple[PlanV, Change]:
    """Fill the day's free time with role slots (replacing earlier auto slots) and fit tasks.

    With `interruption_hours` (default: the setting `auto_split_interruption_hours`, off), the
    interrupt-prone role's slots go where interruptions clustered in the last 8 weeks and the
    focus role's slots in the quiet hours (planner.review.reports.interruption_insight)."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    if min_block_minutes is not None:
        set_day(session, owner, day, zone, min_block_minutes=min_block_minutes)
    day_v = get_day(session, owner, day, zone)
    roles = list_roles(session, owner)
    if not roles:
        raise PlannerError(tr("there are no active roles to plan with"))
    if replace:
        session.execute(
            delete(Slot).where(Slot.owner == owner, Slot.day == day, Slot.origin == "auto")
        )
        session.execute(
            delete(PlannedBreak).where(
                PlannedBreak.owner == owner, PlannedBreak.day == day, PlannedBreak.kind == "short"
            )
        )
        session.flush()
    _lunch_row(session, owner, day, zone)  # the plan is made around this day's lunch
    window = Interval(day_v.start, day_v.stop)
    breaks = list_breaks(session, owner, day, zone)
    fixed = [
        scheduling.Busy(Interval(s.start, s.end), s.role_id)
        for s in list_slots(session, owner, day)
    ]
    targets = (
        [scheduling.RoleTarget(r, share) for r, share in shares.items()]
        if shares
        else _targets(roles)
    )
    prefer = None
    if interruption_hours is None:
        interruption_hours = bool(get_setting(session, owner, "auto_split_interruption_hours"))
    if interruption_hours:
        from planner.review import reports  # reports imports this module

        insight = reports.interruption_insight(
            session, owner, zone, day - timedelta(days=7), now or day_v.start
        )
        if insight is not None:
            prefer = reports.prefer_from_insight(insight, zone)
    busy = [*fixed, *_meeting_busy(list_meetings(session, owner, window)), *_break_busy(breaks)]
    pace = rhythm(session, owner, roles, day_v.min_block_minutes)
    min_block = timedelta(minutes=day_v.min_block_minutes)
    if get_setting(session, owner, "keep_week_share"):
        worked = week_worked(session, owner, day, zone, now or day_v.start)
        if worked:
            # today's working time as the rhythm leaves it, then each role's minutes to repay
            trial = scheduling.plan_blocks(window, busy, targets, min_block, rhythm=pace)
            minutes = sum(b.interval.minutes for b in trial.blocks)
            minutes += sum(
                c.minutes
                for b in busy
                if b.is_work and b.role_id is not None and (c := b.interval.clip(window))
            )
            repaid = scheduling.week_share(targets, worked, minutes)
            if repaid.today:
                targets = [scheduling.RoleTarget(r, m) for r, m in repaid.today.items()]
    plan = scheduling.plan_blocks(window, busy, targets, min_block, prefer=prefer, rhythm=pace)
    for block in plan.blocks:
        session.add(
            Slot(
                owner=owner,
                day=day,
                start=block.start,
                end=block.end,
                role_id=block.role_id,
                title="",
                origin="auto",
                pinned=False,
            )
        )
    for brk in plan.breaks:
        session.add(PlannedBreak(owner=owner, day=day, start=brk.start, end=brk.end, kind="short"))
    session.flush()
    _fit_open_tasks(session, owner, day)
    return get_plan(session, owner, day, zone), Change.of(Topic.SLOTS, Topic.TASKS, day=day)


def fit_open_tasks(session: Session, owner: str, day: date) -> Change:
    """Fit the day's unscheduled open tasks into its slots by priority (as auto_plan does
    after splitting); tasks already placed stay where they are."""
    _fit_open_tasks(session, owner, day)
    return Change.of(Topic.TASKS, day=day)


def _fit_open_tasks(session: Session, owner: str, day: date) -> None:
    """Re-fit the day's open tasks (all but those put into a slot by hand) by priority."""
    slots = list_slots(session, owner, day)
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.owner == owner, Task.day == day, Task.status == "open")
            .order_by(Task.priority, Task.id)
        )
    )
    if not tasks:
        return
    valid = {s.id for s in slots}
    for task in tasks:
        if task.slot_id not in valid:  # its slot is gone (the key was set NULL, or is stale)
            _place(session, task, None, pinned=False)
    if not slots:
        return
    span = Interval(min(s.start for s in slots), max(s.end for s in slots))
    meetings = list_meetings(session, owner, span)
    fit = _sequence(
        slots, [_task_v(t) for t in tasks], meetings, _stored_breaks(session, owner, day)
    )
    for task in tasks:
        if task.slot_pinned and task.slot_id is not None:
            continue
        placement = fit.placements.get(task.id)
        slot_id = placement.segments[0].slot_id if placement else None
        if task.slot_id != slot_id:
            _place(session, task, slot_id)
    session.flush()


def _place(session: Session, task: Task, slot_id: int | None, pinned: bool | None = None) -> None:
    """The fit puts a task into a slot: derived, not an edit, so the row's version stays (an
    edit on another device that saw the task is no conflict with where a re-fit put it, and
    a re-fit there keeps no edit here from being saved)."""
    values: dict[str, Any] = {"slot_id": slot_id}
    if pinned is not None:
        values["slot_pinned"] = pinned
    _set_derived(session, task, **values)


def _set_derived(session: Session, task: Task, **values: Any) -> None:
    """Write columns of a task that are not an edit of it (where the fit put it, its place in
    the list) without a new row version; the session's object follows."""
    changed = {key: value for key, value in values.items() if getattr(task, key) != value}
    if not changed:
        return
    table = Task.__table__
    assert isinstance(table, Table)
    session.execute(update(table).where(table.c.id == task.id).values(**changed))
    for key, value in changed.items():
        set_committed_value(task, key, value)


def reflow_day(
    session: Session, owner: str, day: date, zone: tzinfo, now: datetime
) -> tuple[PlanV, Change]:
    """Re-split the rest of the day from now; past and fixed slots and the breaks stay; the
    short breaks still to come are placed again with the new blocks."""
    day_v = get_day(session, owner, day, zone)
    window = Interval(day_v.start, day_v.stop)
    roles = list_roles(session, owner)
    rows = list(
        session.scalars(
            select(Slot).where(Slot.owner == owner, Slot.day == day).order_by(Slot.start)
        )
    )
    session.execute(
        delete(PlannedBreak).where(
            PlannedBreak.owner == owner,
            PlannedBreak.day == day,
            PlannedBreak.kind == "short",
            PlannedBreak.start >= max(now, window.start),
        )
    )
    session.flush()
    breaks = list_breaks(session, owner, day, zone)
    result = scheduling.reflow(
        window,
        now,
        [
            scheduling.PlacedSlot(
                s.id, s.role_id, s.start, s.end, movable=s.origin == "auto" and not s.pinned
            )
            for s in rows
        ],
        [*_meeting_busy(list_meetings(session, owner, window)), *_break_busy(breaks)],
        _targets(roles),
        timedelta(minutes=day_v.min_block_minutes),
        rhythm=rhythm(session, owner, roles, day_v.min_block_minutes),
    )
    by_id = {s.id: s for s in rows}
    for slot_id in result.remove:
        session.delete(by_id[slot_id])
    for slot_id, new_end in result.truncate.items():
        by_id[slot_id].end = new_end
    session.flush()
    for block in result.add:
        session.add(
            Slot(
                owner=owner,
                day=day,
                start=block.start,
                end=block.end,
                role_id=block.role_id,
                origin="auto",
                pinned=False,
            )
        )
    for brk in result.breaks:
        session.add(PlannedBreak(owner=owner, day=day, start=brk.start, end=brk.end, kind="short"))
    session.flush()
    _fit_open_tasks(session, owner, day)
    return get_plan(session, owner, day, zone), Change.of(Topic.SLOTS, Topic.TASKS, day=day)
