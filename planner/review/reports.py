"""Weekly aggregates in SQL (portable: SQLite and PostgreSQL), returned as plain frozen series."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from planner.domain.i18n import N_, tr

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.orm import Session

from planner.domain import scheduling
from planner.domain.day_rules import break_skipped
from planner.domain.defaults import DEFAULT_START, DEFAULT_STOP, DEFAULTS
from planner.domain.errors import PlannerError
from planner.domain.timerange import day_bounds, local_wall_time
from planner.domain.values import ENTRY_KINDS, WORKING_KINDS, BreakV, RoleV
from planner.storage import rawsql

# Entries and meetings are looked up by start time (indexed); one that started more than this
# before the week (a weekend) and still runs into it is not seen, unless it is still open.
LOOKBACK = timedelta(days=3)
RESUMPTION_COST_SOURCE = N_(
    "23 min is the average time to get back to an interrupted task that Gloria Mark "
    "(UC Irvine) gives in 'Worker, Interrupted: The Cost of Task Switching' (Fast Company, "
    "2008), from her studies of fragmented work (Mark, Gonzalez & Harris, CHI 2005). "
    "Change it in the settings (resumption_cost_minutes)."
)
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)

Series = tuple[float, ...]


# ---------------------------------------------------------------- portable SQL
#
# Hand-written and run through planner.storage.rawsql: on SQLite straight on the DB-API cursor
# (most of a week's cost was SQLAlchemy's Python side of executing ten statements), elsewhere
# through SQLAlchemy text(). Only the epoch arithmetic and the parameter casts differ by dialect.


class _Sql:
    """Writes this module's statements for one dialect (SQLite, or PostgreSQL and the like)."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite

    def epoch(self, expr: str) -> str:
        """Whole seconds since 1970 of a timestamp (for integer bucketing)."""
        if self.sqlite:
            return f"CAST(strftime('%s', {expr}) AS INTEGER)"
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {expr})) AS BIGINT)"

    def ts(self, name: str) -> str:
        return f":{name}" if self.sqlite else f"CAST(:{name} AS TIMESTAMP WITH TIME ZONE)"

    def integer(self, name: str) -> str:
        return f":{name}" if self.sqlite else f"CAST(:{name} AS INTEGER)"

    @property
    def per_minute(self) -> str:
        return "60.0" if self.sqlite else "CAST(60 AS DOUBLE PRECISION)"

    def minutes(self, start: str, end: str) -> str:
        return f"({self.epoch(end)} - {self.epoch(start)}) / {self.per_minute}"

    def overlap(self, start: str, end: str, lo: str, hi: str) -> str:
        """Minutes of [start, end) inside [lo, hi) (the caller joins only overlapping rows)."""
        later = f"CASE WHEN {start} > {lo} THEN {start} ELSE {lo} END"
        earlier = f"CASE WHEN {end} < {hi} THEN {end} ELSE {hi} END"
        return self.minutes(later, earlier)

    def bounds(self, n: int, prefix: str = "b") -> str:
        """A little table (i, lo, hi) of n UTC bounds worked out in Python (local days, DST and
        all), as parameters `{prefix}lo{i}` / `{prefix}hi{i}`."""
        rows = " UNION ALL ".join(
            f"SELECT {i} AS i, {self.ts(f'{prefix}lo{i}')} AS lo, {self.ts(f'{prefix}hi{i}')} AS hi"
            for i in range(n)
        )
        return f"({rows}) AS {prefix}"


O_END, S_END, P_END = 'o."end"', 's."end"', 'p."end"'  # "end" is a keyword: always quoted


def _bound_params(rows: Sequence[tuple[datetime, datetime]], prefix: str = "b") -> dict[str, Any]:
    params: dict[str, Any] = {}
    for i, (lo, hi) in enumerate(rows):
        params[f"{prefix}lo{i}"] = lo
        params[f"{prefix}hi{i}"] = hi
    return params


_WORKING_SQL = ", ".join(f"'{k}'" for k in WORKING_KINDS)

# Statements are written once per dialect and shape, then run with parameters.


@cache
def _q_settings(n: int) -> str:
    keys = ", ".join(f":k{i}" for i in range(n))
    return f'SELECT "key", "value" FROM setting WHERE owner = :owner AND "key" IN ({keys})'


_Q_ROLES = (
    'SELECT id, name, colour, target_percent, "position", archived FROM role '
    'WHERE owner = :owner ORDER BY "position", id'
)
_Q_DAYS = (
    'SELECT "day", start, stop FROM "day" WHERE owner = :owner AND "day" >= :d0 AND "day" <= :d6'
)
_Q_WORKDAYS = (
    "SELECT weekday, is_workday, start_minute, stop_minute FROM workday_setting "
    "WHERE owner = :owner"
)
# by the (owner, end) index: open entries are few (one, unless a crash left more)
_Q_OPEN_STARTS = 'SELECT start FROM entry WHERE owner = :owner AND "end" IS NULL'


@cache
def _q_entry_minutes(sqlite: bool, n: int, by_kind: bool) -> str:
    """Minutes of entries clipped to each of n bounds, per bound, role (and kind)."""
    q = _Sql(sqlite)
    end = f'COALESCE(e."end", {q.ts("now")})'
    keys = "b.i, e.role_id" + (", e.kind" if by_kind else "")
    kinds = "" if by_kind else f" AND e.kind IN ({_WORKING_SQL})"
    return (
        f"SELECT {keys}, SUM({q.overlap('e.start', end, 'b.lo', 'b.hi')}) "
        f"FROM entry AS e JOIN {q.bounds(n)} ON e.start < b.hi AND {end} > b.lo "
        f"WHERE e.owner = :owner AND e.start < {q.ts('hi')} AND e.start >= {q.ts('since')}"
        f"{kinds} GROUP BY {keys}"
    )


@cache
def _q_slots(sqlite: bool) -> str:
    q = _Sql(sqlite)
    return (
        f'SELECT s."day", s.role_id, SUM({q.minutes("s.start", S_END)}) FROM slot AS s '
        f'WHERE s.owner = :owner AND s."day" >= :d0 AND s."day" <= :d6 '
        f"AND s.start >= {q.ts('slot_lo')} AND s.start < {q.ts('slot_hi')} "
        f'GROUP BY s."day", s.role_id'
    )


@cache
def _q_meetings(sqlite: bool) -> str:
    q = _Sql(sqlite)
    return (
        f"SELECT b.i, o.role_id, SUM({q.overlap('o.start', O_END, 'b.lo', 'b.hi')}) "
        f'FROM occurrence AS o JOIN {q.bounds(7)} ON o.start < b.hi AND o."end" > b.lo '
        f"WHERE o.owner = :owner AND o.start < {q.ts('hi')} AND o.start >= {q.ts('lookback')} "
        f"AND o.busy AND NOT o.all_day GROUP BY b.i, o.role_id"
    )


@cache
def _q_adherence(sqlite: bool) -> str:
    q = _Sql(sqlite)
    end = f'COALESCE(e."end", {q.ts("now")})'
    return (
        f'SELECT s."day", SUM({q.overlap("e.start", end, "s.start", S_END)}) '
        f"FROM slot AS s JOIN entry AS e ON e.owner = s.owner AND e.role_id = s.role_id "
        f'AND e.start < s."end" AND {end} > s.start '
        f"AND e.start >= {q.ts('since')} AND e.start < {q.ts('hi')} AND e.kind != 'break' "
        f'WHERE s.owner = :owner AND s."day" >= :d0 AND s."day" <= :d6 '
        f"AND s.start >= {q.ts('slot_lo')} AND s.start < {q.ts('slot_hi')} "
        f'GROUP BY s."day"'
    )


@cache
def _q_breaks(sqlite: bool) -> str:
    """Each planned break of the week with the working minutes logged inside it."""
    q = _Sql(sqlite)
    end = f'COALESCE(e."end", {q.ts("now")})'
    return (
        f'SELECT p.id, p."day", p.start, p."end", p.kind, p.skipped, '
        f"COALESCE(SUM(CASE WHEN e.id IS NULL THEN 0 "
        f"ELSE {q.overlap('e.start', end, 'p.start', P_END)} END), 0) "
        f"FROM planned_break AS p LEFT JOIN entry AS e ON e.owner = p.owner "
        f"AND e.kind IN ({_WORKING_SQL}) "
        f'AND e.start < p."end" AND {end} > p.start AND e.start >= {q.ts("since")} '
        f'WHERE p.owner = :owner AND p."day" >= :d0 AND p."day" <= :d6 '
        f'GROUP BY p.id, p."day", p.start, p."end", p.kind, p.skipped'
    )


@cache
def _q_interruptions(sqlite: bool, pieces: int) -> str:
    """Interruptions starting in [lo, hi) per (planner weekday, local hour, source, role)."""
    q = _Sql(sqlite)
    if pieces == 1:
        offset = q.integer("off0")
    else:
        whens = " ".join(
            f"WHEN e.start < {q.ts(f'change{k + 1}')} THEN {q.integer(f'off{k}')}"
            for k in range(pieces - 1)
        )
        offset = f"CASE {whens} ELSE {q.integer(f'off{pieces - 1}')} END"
    local = f"({q.epoch('e.start')} + {offset})"
    # 1970-01-01 was a Thursday (weekday 3); the planner day starts `day_start` after midnight
    weekday = f"((({local} - {q.integer('day_start_s')}) / 86400 + 3) % 7)"
    hour = f"(({local} / 3600) % 24)"
    end = f'COALESCE(e."end", {q.ts("now")})'
    return (
        f"SELECT {weekday} AS wd, {hour} AS h, e.source, e.role_id, COUNT(*), "
        f"SUM({q.minutes('e.start', end)}) FROM entry AS e "
        f"WHERE e.owner = :owner AND e.kind = 'interruption' "
        f"AND e.start >= {q.ts('lo')} AND e.start < {q.ts('hi')} "
        f"GROUP BY 1, 2, 3, 4"
    )


# ---------------------------------------------------------------- weeks


def parse_week(text: str) -> date:
    """'2026-W48' -> the Monday of that ISO week."""
    m = WEEK_RE.match(text.strip())
    if not m:
        raise PlannerError(tr("not a week: {text!r} (expected e.g. 2026-W48)").format(text=text))
    try:
        return date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError as exc:
        raise PlannerError(tr("no such week: {text!r}").format(text=text)) from exc


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_start(day: date, first_weekday: int = 0) -> date:
    """The first day of `day`'s week when weeks start on `first_weekday` (0 Monday, as ISO;
    6 Sunday, as in the US)."""
    return day - timedelta(days=(day.weekday() - first_weekday) % 7)


def week_label(monday: date) -> str:
    """The ISO week ('2026-W49') of the Monday in the week that starts on `monday`."""
    monday += timedelta(days=(7 - monday.weekday()) % 7)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _settings(rows: rawsql.Rows, owner: str, *keys: str) -> dict[str, Any]:
    params: dict[str, Any] = {"owner": owner} | {f"k{i}": k for i, k in enumerate(keys)}
    found = {k: json.loads(v) for k, v in rows(_q_settings(len(keys)), params)}
    return {k: found.get(k, DEFAULTS.get(k)) for k in keys}


def _roles(rows: rawsql.Rows, owner: str) -> tuple[RoleV, ...]:
    return tuple(
        RoleV(i, name, colour, float(target), position, bool(archived))
        for i, name, colour, target, position, archived in rows(_Q_ROLES, {"owner": owner})
    )


def settings(db: Session | sqlite3.Connection, owner: str, *keys: str) -> dict[str, Any]:
    """Stored settings (JSON-decoded) with their defaults, without going through the ORM."""
    return _settings(rawsql.Rows(db), owner, *keys)


# ---------------------------------------------------------------- values


def _frozen(d: Mapping[Any, Series]) -> Mapping[Any, Series]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class SourceStat:
    source: str
    count: int
    minutes: float


def _hours_minutes(minutes: float) -> str:
    """'1 h 40 min', '50 min' (whole minutes, no sign)."""
    hours, rest = divmod(round(abs(minutes)), 60)
    if hours and rest:
        return tr("{hours} h {minutes} min").format(hours=hours, minutes=rest)
    if hours:
        return tr("{hours} h").format(hours=hours)
    return tr("{minutes} min").format(minutes=rest)


EVEN_MINUTES = 5.0  # closer than this to a role's share counts as on it


def debt_words(minutes: float) -> str:
    """A role's place against the week's share: '50 min behind', '1 h 40 min ahead', 'on its
    share' (within 5 minutes)."""
    if abs(minutes) < EVEN_MINUTES:
        return tr("on its share")
    if minutes > 0:
        return tr("{duration} behind").format(duration=_hours_minutes(minutes))
    return tr("{duration} ahead").format(duration=_hours_minutes(minutes))


def debt_trend(before: float, after: float) -> str:
    """Which way a role's debt went from one day to the next: 'narrowing' (nearer its share
    by 5 minutes or more), 'widening', or 'steady'."""
    if abs(after) <= abs(before) - EVEN_MINUTES:
        return tr("narrowing")
    if abs(after) >= abs(before) + EVEN_MINUTES:
        return tr("widening")
    return tr("steady")


@dataclass(frozen=True)
class WeekReport:
    """One local ISO week: per-day series (Mon..Sun) keyed by role id (None: no role)."""

    week: str
    monday: date
    days: tuple[date, ...]
    zone: str
    roles: tuple[RoleV, ...]
    day_bounds: tuple[tuple[datetime, datetime], ...]
    day_starts: tuple[datetime | None, ...]  # the planned window: start ...
    hard_stops: tuple[datetime | None, ...]  # ... and hard stop (None on a day off)
    planned: Mapping[int | None, Series]  # slot minutes (a slot always has a role)
    planned_meetings: Mapping[int | None, Series]  # busy calendar time
    work: Mapping[int | None, Series]
    meetings: Mapping[int | None, Series]
    interruptions: Mapping[int | None, Series]
    breaks: Series
    overtime: Series  # working minutes past the hard stop (the whole day on a day off)
    slot_minutes: Series  # planned slot time, per day
    on_role_minutes: Series  # of which spent on the slot's role
    heat: tuple[tuple[int, ...], ...]  # [weekday][hour] interruption counts
    sources: tuple[SourceStat, ...]  # by count, then minutes
    interruption_count: int
    interruption_minutes: float
    resumption_cost_minutes: float
    breaks_planned: Series = (0.0,) * 7  # planned breaks per day (lunch, short breaks)
    breaks_skipped: Series = (0.0,) * 7  # of which skipped or worked through
    break_minutes: Series = (0.0,) * 7  # minutes of the planned breaks not skipped for the day

    def debt(self, days: int = 7) -> dict[int, Series]:
        """Each role's shortfall (minutes behind its target share of the working time so far;
        negative: ahead) at the end of each day of the week: the week's share, day by day."""
        targets = [
            scheduling.RoleTarget(r.id, r.target_percent) for r in self.roles if not r.archived
        ]
        if not targets:
            return {}
        by_role = {t.role_id: [0.0] * 7 for t in targets}
        for series in (self.work, self.meetings, self.interruptions):
            for role_id, values in series.items():
                if role_id in by_role:
                    for i, v in enumerate(values):
                        by_role[role_id][i] += v
        out: dict[int, list[float]] = {t.role_id: [] for t in targets}
        for i in range(days):
            worked = {r: sum(v[: i + 1]) for r, v in by_role.items()}
            behind = scheduling.week_share(targets, worked, 1.0).behind
            for r in out:
                out[r].append(behind.get(r, 0.0))
        return {r: tuple(v) for r, v in out.items()}

    @property
    def focus_lost_minutes(self) -> float:
        return self.interruption_count * self.resumption_cost_minutes

    @property
    def adherence(self) -> tuple[float | None, ...]:
        return tuple(
            (on / planned) if planned > 0 else None
            for on, planned in zip(self.on_role_minutes, self.slot_minutes, strict=True)
        )

    def actual_by_role(self) -> dict[int | None, float]:
        """Working minutes (work + meetings + interruptions) per role for the week."""
        out: dict[int | None, float] = {}
        for series in (self.work, self.meetings, self.interruptions):
            for role_id, values in series.items():
                out[role_id] = out.get(role_id, 0.0) + sum(values)
        return out

    @property
    def working_minutes(self) -> float:
        return sum(self.actual_by_role().values())

    def actual_share(self) -> dict[int | None, float]:
        """Each role's share (0..1) of the week's working time."""
        by_role = self.actual_by_role()
        total = sum(by_role.values())
        return {r: (m / total if total else 0.0) for r, m in by_role.items()}


@dataclass(frozen=True)
class ShareTrend:
    """Actual share (0..1) per role for consecutive weeks, oldest first (None: no work)."""

    weeks: tuple[str, ...]
    mondays: tuple[date, ...]
    shares: Mapping[int | None, tuple[float | None, ...]]
    minutes: Mapping[int | None, Series]


# ---------------------------------------------------------------- the week


def _day_windows(
    rows: rawsql.Rows, owner: str, days: Sequence[date], zone: tzinfo
) -> list[tuple[datetime | None, datetime | None]]:
    """(start, hard stop) per day: the stored override, else the weekday's default hours."""
    params = {"owner": owner, "d0": days[0], "d6": days[-1]}
    stored = {
        rawsql.day(d): (rawsql.moment(start), rawsql.moment(stop))
        for d, start, stop in rows(_Q_DAYS, params)
    }
    defaults = {wd: (bool(on), a, b) for wd, on, a, b in rows(_Q_WORKDAYS, {"owner": owner})}
    out: list[tuple[datetime | None, datetime | None]] = []
    for d in days:
        if d in stored:
            out.append(stored[d])
            continue
        on, a, b = defaults.get(d.weekday(), (d.weekday() < 5, DEFAULT_START, DEFAULT_STOP))
        out.append(
            (local_wall_time(d, a, zone), local_wall_time(d, b, zone)) if on else (None, None)
        )
    return out


def _scan_from(rows: rawsql.Rows, owner: str, lo: datetime) -> datetime:
    """Where an indexed scan by start must begin to see every entry reaching past `lo`."""
    open_starts = [rawsql.moment(start) for (start,) in rows(_Q_OPEN_STARTS, {"owner": owner})]
    return min([lo - LOOKBACK, *open_starts])


def week_report(
    db: Session | sqlite3.Connection, owner: str, zone: tzinfo, monday: date, now: datetime
) -> WeekReport:
    """Every figure of the week's review, in a handful of SQL aggregates.

    The week is the seven days from `monday`: an ISO week starts on a Monday, a week in a
    Sunday-first locale on the Sunday before (week_start); `heat` rows follow `days`."""
    conn = rawsql.Rows(db)
    sqlite = conn.sqlite
    settings = _settings(conn, owner, "day_start_minute", "resumption_cost_minutes")
    day_start = int(settings["day_start_minute"])
    cost = float(settings["resumption_cost_minutes"])
    days = tuple(monday + timedelta(days=i) for i in range(7))
    bounds = [day_bounds(d, zone, day_start) for d in days]
    week_lo, week_hi = bounds[0].start, bounds[-1].end
    roles = _roles(conn, owner)
    windows = _day_windows(conn, owner, days, zone)
    hard_stops = tuple(stop for _, stop in windows)
    since = _scan_from(conn, owner, week_lo)
    base = {
        "owner": owner,
        "now": now,
        "hi": week_hi,
        "since": since,
        "d0": days[0],
        "d6": days[-1],
        "slot_lo": week_lo - timedelta(days=2),
        "slot_hi": week_hi + timedelta(days=2),
        "lookback": week_lo - LOOKBACK,
    }

    # 1. actual minutes per day, role and kind; bounds 7..13 are the time past each hard stop
    rows = [(b.start, b.end) for b in bounds]
    for b, stop in zip(bounds, hard_stops, strict=True):
        rows.append((b.start if stop is None else min(max(stop, b.start), b.end), b.end))
    acc: dict[str, dict[int | None, list[float]]] = {k: {} for k in ENTRY_KINDS}
    overtime = [0.0] * 7
    for i, role_id, kind, total in conn(
        _q_entry_minutes(sqlite, 14, True), {**base, **_bound_params(rows)}
    ):
        value = float(total or 0.0)
        if i >= 7:
            if kind in WORKING_KINDS:
                overtime[i - 7] += value
            continue
        acc.setdefault(kind, {}).setdefault(role_id, [0.0] * 7)[i] += value

    # 2. planned slot minutes per day (the plan's own day) and role
    planned: dict[int | None, list[float]] = {}
    slot_total = [0.0] * 7
    for day, role_id, total in conn(_q_slots(sqlite), base):
        idx = (rawsql.day(day) - monday).days
        planned.setdefault(role_id, [0.0] * 7)[idx] += float(total or 0.0)
        slot_total[idx] += float(total or 0.0)

    # 3. busy calendar time per day and role
    planned_meetings: dict[int | None, list[float]] = {}
    for i, role_id, total in conn(_q_meetings(sqlite), {**base, **_bound_params(rows[:7])}):
        planned_meetings.setdefault(role_id, [0.0] * 7)[i] += float(total or 0.0)

    # 4. plan adherence: slot time during which the log shows the slot's role
    on_role = [0.0] * 7
    for day, total in conn(_q_adherence(sqlite), base):
        on_role[(rawsql.day(day) - monday).days] += float(total or 0.0)

    # 5. interruptions: weekday x hour, and by source
    heat, by_source, _ = _interruption_grid(conn, owner, zone, week_lo, week_hi, day_start, now)
    sources = tuple(
        sorted(
            (SourceStat(s, c, m) for s, (c, m) in by_source.items()),
            key=lambda x: (-x.count, -x.minutes, x.source),
        )
    )
    count = sum(s.count for s in sources)

    # 6. planned breaks, and those skipped (for the day, or worked through once over)
    planned_breaks, skipped_breaks, break_minutes = [0.0] * 7, [0.0] * 7, [0.0] * 7
    for _, day, start, end, kind, skipped, worked in conn(_q_breaks(sqlite), base):
        idx = (rawsql.day(day) - monday).days
        brk = BreakV(0, rawsql.day(day), rawsql.moment(start), rawsql.moment(end), kind,
                     bool(skipped))  # fmt: skip
        planned_breaks[idx] += 1
        skipped_breaks[idx] += break_skipped(brk, float(worked or 0.0), now)
        if not brk.skipped:
            break_minutes[idx] += (brk.end - brk.start).total_seconds() / 60
    return WeekReport(
        week=week_label(monday),
        monday=monday,
        days=days,
        zone=str(zone),
        roles=roles,
        day_bounds=tuple((b.start, b.end) for b in bounds),
        day_starts=tuple(start for start, _ in windows),
        hard_stops=hard_stops,
        planned=_frozen({r: tuple(v) for r, v in planned.items()}),
        planned_meetings=_frozen({r: tuple(v) for r, v in planned_meetings.items()}),
        work=_frozen({r: tuple(v) for r, v in acc["work"].items()}),
        meetings=_frozen({r: tuple(v) for r, v in acc["meeting"].items()}),
        interruptions=_frozen({r: tuple(v) for r, v in acc["interruption"].items()}),
        breaks=tuple(sum(v[i] for v in acc["break"].values()) for i in range(7)),
        overtime=tuple(overtime),
        slot_minutes=tuple(slot_total),
        on_role_minutes=tuple(on_role),
        heat=tuple(tuple(heat[d.weekday()]) for d in days),
        sources=sources,
        interruption_count=count,
        interruption_minutes=sum(s.minutes for s in sources),
        resumption_cost_minutes=cost,
        breaks_planned=tuple(planned_breaks),
        breaks_skipped=tuple(skipped_breaks),
        break_minutes=tuple(break_minutes),
    )


def _offset_pieces(zone: tzinfo, lo: datetime, hi: datetime) -> list[tuple[datetime, int]]:
    """[(from, UTC offset in seconds)] covering [lo, hi): the zone's offset changes (DST)."""

    def offset(moment: datetime) -> int:
        off = moment.astimezone(zone).utcoffset()
        return int(off.total_seconds()) if off is not None else 0

    pieces = [(lo, offset(lo))]
    step = timedelta(days=1)
    cursor = lo
    while cursor < hi:
        nxt = min(cursor + step, hi)
        if offset(nxt) != pieces[-1][1]:
            a, b = cursor, nxt  # find the change to the minute
            while b - a > timedelta(minutes=1):
                mid = a + (b - a) / 2
                if offset(mid) == pieces[-1][1]:
                    a = mid
                else:
                    b = mid
            b = b.replace(second=0, microsecond=0)
            pieces.append((b, offset(b)))
        cursor = nxt
    return pieces


def _interruption_grid(
    conn: rawsql.Rows,
    owner: str,
    zone: tzinfo,
    lo: datetime,
    hi: datetime,
    day_start: int,
    now: datetime,
) -> tuple[
    list[list[int]],
    dict[str, tuple[int, float]],
    list[tuple[int, int, str, int | None, int]],
]:
    """Interruptions starting in [lo, hi): counts per (planner weekday, local hour), per source,
    and the raw cells (weekday, hour, source, role, count)."""
    pieces = _offset_pieces(zone, lo, hi)
    params: dict[str, Any] = {
        "owner": owner,
        "lo": lo,
        "hi": hi,
        "now": now,
        "day_start_s": day_start * 60,
    }
    for k, (start, off) in enumerate(pieces):
        params[f"off{k}"] = off
        if k:
            params[f"change{k}"] = start
    heat = [[0] * 24 for _ in range(7)]
    by_source: dict[str, tuple[int, float]] = {}
    cells: list[tuple[int, int, str, int | None, int]] = []
    query = _q_interruptions(conn.sqlite, len(pieces))
    for wd, h, source, role_id, count, total in conn(query, params):
        name = source or "(no source)"
        heat[int(wd)][int(h)] += int(count)
        c, m = by_source.get(name, (0, 0.0))
        by_source[name] = (c + int(count), m + float(total or 0.0))
        cells.append((int(wd), int(h), name, role_id, int(count)))
    return heat, by_source, cells


# ---------------------------------------------------------------- the trend


def share_trend(
    db: Session | sqlite3.Connection,
    owner: str,
    zone: tzinfo,
    last_monday: date,
    now: datetime,
    *,
    weeks: int = 8,
) -> ShareTrend:
    """Each role's actual share of working time, week by week, ending with `last_monday`'s."""
    conn = rawsql.Rows(db)
    day_start = int(_settings(conn, owner, "day_start_minute")["day_start_minute"])
    mondays = tuple(last_monday - timedelta(weeks=weeks - 1 - k) for k in range(weeks))
    edges = [day_bounds(m, zone, day_start).start for m in mondays]
    edges.append(day_bounds(last_monday + timedelta(days=7), zone, day_start).start)
    params = {
        "owner": owner,
        "now": now,
        "hi": edges[-1],
        "since": _scan_from(conn, owner, edges[0]),
        **_bound_params([(edges[k], edges[k + 1]) for k in range(weeks)]),
    }
    acc: dict[int | None, list[float]] = {}
    for k, role_id, total in conn(_q_entry_minutes(conn.sqlite, weeks, False), params):
        acc.setdefault(role_id, [0.0] * weeks)[k] += float(total or 0.0)
    totals = [sum(v[k] for v in acc.values()) for k in range(weeks)]
    shares = {
        r: tuple((v[k] / totals[k]) if totals[k] else None for k in range(weeks))
        for r, v in acc.items()
    }
    return ShareTrend(
        weeks=tuple(week_label(m) for m in mondays),
        mondays=mondays,
        shares=MappingProxyType(shares),
        minutes=_frozen({r: tuple(v) for r, v in acc.items()}),
    )


# ---------------------------------------------------------------- the insight


@dataclass(frozen=True)
class Insight:
    """When interruptions cluster, over the last weeks, and which role they pull towards."""

    weeks: int
    total: int
    weekdays: tuple[int, ...]  # 0 = Monday, contiguous
    hours: tuple[int, int]  # [from, to) local hours
    count: int  # interruptions inside the cluster
    top_source: str
    source_share: float
    interrupt_role_id: int | None
    focus_role_id: int | None
    text: str

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    def covers(self, weekday: int, hour: int) -> bool:
        return weekday in self.weekdays and self.hours[0] <= hour < self.hours[1]


def _weekday_span(weekdays: Sequence[int]) -> str:
    from planner.domain.localefmt import weekday_name

    if len(weekdays) == 1:
        return weekday_name(weekdays[0])
    return f"{weekday_name(weekdays[0])}–{weekday_name(weekdays[-1])}"


def find_cluster(
    heat: Sequence[Sequence[int]], max_hours: int = 3
) -> tuple[tuple[int, ...], tuple[int, int], int] | None:
    """The weekday range x hour range holding the most interruptions beyond what an even spread
    over the working week would put there (the weekdays with any interruptions x the hours from
    the first to the last). None when nothing stands out (less than twice the even spread)."""
    total = sum(sum(row) for row in heat)
    days = [wd for wd in range(7) if any(heat[wd])]
    hours = [h for h in range(24) if any(heat[wd][h] for wd in range(7))]
    if total < 5 or not days:
        return None
    per_cell = total / (len(days) * (hours[-1] - hours[0] + 1))
    best: tuple[float, int, tuple[int, ...], tuple[int, int], int] | None = None
    for a in range(7):
        for b in range(a, 7):
            for h in range(24):
                for length in range(1, min(max_hours, 24 - h) + 1):
                    count = sum(heat[wd][x] for wd in range(a, b + 1) for x in range(h, h + length))
                    area = (b - a + 1) * length
                    score = count - per_cell * area
                    if best is None or (score, -area) > (best[0], -best[1]):
                        best = (score, area, tuple(range(a, b + 1)), (h, h + length), count)
    if best is None or best[4] < 3 or best[4] < 2 * per_cell * best[1]:
        return None
    return best[2], best[3], best[4]


def interruption_insight(
    db: Session | sqlite3.Connection,
    owner: str,
    zone: tzinfo,
    until: date,
    now: datetime,
    *,
    weeks: int = 8,
) -> Insight | None:
    """Where interruptions cluster in the `weeks` weeks before the week of `until` (inclusive)."""
    if not 1 <= weeks <= 52:
        raise PlannerError(tr("the insight looks back between 1 and 52 weeks"))
    conn = rawsql.Rows(db)
    day_start = int(_settings(conn, owner, "day_start_minute")["day_start_minute"])
    last = monday_of(until)
    lo = day_bounds(last - timedelta(weeks=weeks - 1), zone, day_start).start
    hi = day_bounds(last + timedelta(days=7), zone, day_start).start
    heat, _, cells = _interruption_grid(conn, owner, zone, lo, hi, day_start, now)
    found = find_cluster(heat)
    total = sum(sum(row) for row in heat)
    if found is None:
        return None
    weekdays, hours, count = found
    sources: dict[str, int] = {}
    by_role: dict[int | None, int] = {}
    for wd, h, source, role_id, n in cells:
        if wd in weekdays and hours[0] <= h < hours[1]:
            sources[source] = sources.get(source, 0) + n
            by_role[role_id] = by_role.get(role_id, 0) + n
    top_source, top_n = max(sources.items(), key=lambda kv: (kv[1], kv[0]))
    source_share = top_n / count if count else 0.0
    roles = [r for r in _roles(conn, owner) if not r.archived]
    known = {r.id for r in roles}
    interrupt_role = max((r for r in by_role if r in known), key=lambda r: by_role[r], default=None)
    others = [r for r in roles if r.id != interrupt_role]
    focus_role = max(others, key=lambda r: r.target_percent).id if others else None
    span = f"{_weekday_span(weekdays)} {hours[0]:02d}:00–{hours[1]:02d}:00"
    if source_share >= 0.5:
        what = tr("mostly {top_source}").format(top_source=top_source)
    else:
        ranked = sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))
        what = tr("most often ") + tr(" and ").join(s for s, _ in ranked[:2])
    text = tr(
        "Most interruptions: {span}, {what} ({count} of {total} in the last {weeks} weeks, "
        "{value} %)."
    ).format(
        span=span,
        what=what,
        count=count,
        total=total,
        weeks=weeks,
        value=round(100 * count / total),
    )
    return Insight(
        weeks=weeks,
        total=total,
        weekdays=weekdays,
        hours=hours,
        count=count,
        top_source=top_source,
        source_share=source_share,
        interrupt_role_id=interrupt_role,
        focus_role_id=focus_role,
        text=text,
    )


def prefer_from_insight(insight: Insight, zone: tzinfo) -> Any:
    """An `auto_split(prefer=...)` hook: the interrupt-prone role in the cluster's hours, the
    focus role in the quiet ones."""

    def prefer(moment: datetime) -> int | None:
        local = moment.astimezone(zone)
        if insight.covers(local.weekday(), local.hour):
            return insight.interrupt_role_id
        return insight.focus_role_id

    return prefer
