"""Today's plan as last shown, kept in a small JSON file so the next start can paint it at once.

The database stays the authority: the cached plan is replaced as soon as the database is open
(well under a second later), and nothing can be edited until then. The file sits next to the
database, readable by its owner only. Any problem with it means "no cache", never an error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from planner.domain.timerange import day_bounds, local_date, local_wall_time
from planner.domain.values import (
    BreakV,
    DayV,
    EntryV,
    MeetingV,
    PlanV,
    RoleV,
    SlotV,
    TaskPlanV,
    TaskV,
)
from ui.day_data import DaySnapshot

VERSION = 2  # 2: the plan's breaks


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, frozenset | tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def _build(cls: Any, data: dict[str, Any]) -> Any:
    """A frozen value from its JSON form (datetimes, dates and frozensets by annotation)."""
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        raw = data[f.name]
        kind = str(f.type)
        if raw is None:
            kwargs[f.name] = None
        elif "datetime" in kind:
            kwargs[f.name] = datetime.fromisoformat(raw)
        elif kind.startswith("date"):
            kwargs[f.name] = date.fromisoformat(raw)
        elif "frozenset" in kind:
            kwargs[f.name] = frozenset(raw)
        elif kind.startswith("tuple"):
            kwargs[f.name] = tuple(raw)
        else:
            kwargs[f.name] = raw
    return cls(**kwargs)


Week = tuple[tuple[int, int], ...]  # each weekday's workday (start, stop) minutes, Monday first


def save(path: Path, key: str, snapshot: DaySnapshot, week: Week | None = None) -> None:
    """Keep `snapshot` (today as shown); `week`: the workday hours, for drawing a day not seen
    yet (None: those kept before stay)."""
    payload: dict[str, Any] = {
        "version": VERSION,
        "key": key,
        "day_start_minute": snapshot.day_start_minute,
        "plan": _plain(snapshot.plan),
        "entries": _plain(snapshot.entries),
        "bounds": _plain(snapshot.bounds),
        "week": [list(hours) for hours in week] if week else _plain(load_week(path, key)),
    }
    tmp = path.with_suffix(".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(payload, out)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def load(path: Path, key: str, now: datetime, zone: tzinfo) -> DaySnapshot | None:
    """The cached plan if it is today's plan of this database and owner; else None."""
    cached = load_any(path, key, now, zone)
    if cached is None or cached.day != cached.today:
        return None
    return cached


def load_any(path: Path, key: str, now: datetime, zone: tzinfo) -> DaySnapshot | None:
    """The cached plan of this database and owner, of whichever day it was (the roles and the
    hours last seen, for a day the server has not shown yet: `empty_day`); else None."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("version") != VERSION or payload.get("key") != key:
            return None
        raw = payload["plan"]
        plan = PlanV(
            day=_build(DayV, raw["day"]),
            roles=tuple(_build(RoleV, r) for r in raw["roles"]),
            slots=tuple(_build(SlotV, s) for s in raw["slots"]),
            tasks=tuple(_build(TaskV, t) for t in raw["tasks"]),
            meetings=tuple(_build(MeetingV, m) for m in raw["meetings"]),
            overflow=tuple(raw["overflow"]),
            breaks=tuple(_build(BreakV, b) for b in raw["breaks"]),
            placed=tuple(_build(TaskPlanV, p) for p in raw["placed"]),
        )
        entries = tuple(_build(EntryV, e) for e in payload["entries"])
        raw_bounds = payload.get("bounds")
        bounds = (
            (datetime.fromisoformat(raw_bounds[0]), datetime.fromisoformat(raw_bounds[1]))
            if raw_bounds
            else None
        )
        start_minute = int(payload["day_start_minute"])
        today = local_date(now, zone, start_minute)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return DaySnapshot(plan, entries, now, today, start_minute, bounds)


def load_week(path: Path, key: str) -> Week | None:
    """The workday hours kept with the plan (None: none kept, or not of this database)."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("version") != VERSION or payload.get("key") != key:
            return None
        raw = payload.get("week")
        week = tuple((int(start), int(stop)) for start, stop in raw) if raw else None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return week if week is not None and len(week) == 7 else None


def _minute_of(moment: datetime, day: date, zone: tzinfo) -> int:
    """Wall-clock minutes of `moment` past local midnight of `day` (past 24 h the next day)."""
    local = moment.astimezone(zone)
    return (local.date() - day).days * 24 * 60 + local.hour * 60 + local.minute


def empty_day(
    base: DaySnapshot, day: date, now: datetime, zone: tzinfo, week: Week | None = None
) -> DaySnapshot:
    """`day` as drawn while the shared server is away and no copy of it was ever seen: nothing
    planned, nothing logged, with the roles of `base` (the day last seen) and the weekday's
    workday hours in `week` (without them, `base`'s wall-clock hours). `unseen` makes the
    views say so instead of offering to plan it."""
    if week is not None:
        start_minute, stop_minute = week[day.weekday()]
    else:
        start_minute = _minute_of(base.plan.day.start, base.day, zone)
        stop_minute = _minute_of(base.plan.day.stop, base.day, zone)
    start = local_wall_time(day, start_minute, zone)
    stop = local_wall_time(day, stop_minute, zone)
    if stop <= start:  # (a zone change between the two days)
        stop = start + (base.plan.day.stop - base.plan.day.start)
    plan = PlanV(
        day=DayV(day, start, stop, base.plan.day.min_block_minutes, stored=False),
        roles=base.plan.roles,
        slots=(),
        tasks=(),
        meetings=(),
    )
    bounds = day_bounds(day, zone, base.day_start_minute)
    today = local_date(now, zone, base.day_start_minute)
    return DaySnapshot(
        plan,
        (),
        now,
        today,
        base.day_start_minute,
        (bounds.start, bounds.end),
        unseen=True,
    )
