"""The team's week as its lead reads it (and a member reads it about themselves): one read for
the app's Team tab and `splitday team`, which tells "no team here" apart from a failure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection

from planner.domain.i18n import tr
from planner.storage import team as views

LEAD, MEMBER = "lead", "member"


@dataclass(frozen=True)
class RoleWeek:
    """One person's week in one of their roles (minutes rounded as the views round them)."""

    role: str
    target_percent: float
    planned_minutes: int
    actual_minutes: int
    actual_share_percent: float | None  # of the person's actual minutes that week


@dataclass(frozen=True)
class PersonWeek:
    person: str
    roles: tuple[RoleWeek, ...]
    overtime_minutes: int  # past the hard stop, over the week
    overtime_days: tuple[tuple[date, int], ...]
    now_role: str | None  # the role of the slot planned now (whatever the week shown)
    now_until: datetime | None


@dataclass(frozen=True)
class TeamReport:
    """The team views for one week. `reader` is LEAD (every member) or MEMBER (oneself only)."""

    monday: date
    reader: str
    login: str
    people: tuple[PersonWeek, ...]
    heat: tuple[tuple[int, ...], ...]  # interruptions, [weekday 0 = Monday][hour], all people
    raw: views.TeamWeek  # the rows as the views gave them (`splitday team --json`)

    @property
    def interruptions(self) -> int:
        return sum(sum(row) for row in self.heat)

    def busiest(self, n: int = 3) -> list[tuple[int, int, int]]:
        """The `n` weekday-hours with the most interruptions: (weekday, hour, count)."""
        cells = [(wd, h, c) for wd, row in enumerate(self.heat) for h, c in enumerate(row) if c]
        return sorted(cells, key=lambda cell: (-cell[2], cell[0], cell[1]))[:n]

    def hours(self) -> list[tuple[int, int]]:
        """Interruptions per hour of the day over the week, busiest first: (hour, count)."""
        per = [(h, sum(row[h] for row in self.heat)) for h in range(24)]
        return sorted(((h, c) for h, c in per if c), key=lambda hc: (-hc[1], hc[0]))

    def overtime(self) -> list[PersonWeek]:
        """Who ran past their hard stop this week, most first."""
        over = [p for p in self.people if p.overtime_minutes > 0]
        return sorted(over, key=lambda p: (-p.overtime_minutes, p.person))


@dataclass(frozen=True)
class NoTeam:
    """There is no team to show here; `reason` says why in a line."""

    reason: str


def zone_name(zone: tzinfo, now: datetime | None = None) -> str | None:
    """The zone's name as the server knows it: its IANA key, or a fixed offset of whole hours
    as Etc/GMT-2 (POSIX signs: that is UTC+2); None leaves the server's own TimeZone."""
    key = getattr(zone, "key", None)
    if key:
        return str(key)
    offset = zone.utcoffset(now or datetime.now(zone))
    if offset is None or offset.total_seconds() % 3600:
        return None
    hours = int(offset.total_seconds() // 3600)
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def iso_monday(first_day: date) -> date:
    """The ISO week (Monday to Sunday) the team views count in, for a review week that starts
    on `first_day` (a Sunday in the US): the one sharing most of its days."""
    middle = first_day + timedelta(days=3)
    return middle - timedelta(days=middle.weekday())


def no_team(access: views.Access | None) -> NoTeam | None:
    """Why this login has no team to read (None: it has one)."""
    if access is None:
        return NoTeam(tr("a team needs a shared PostgreSQL server; this database is a file"))
    if not access.views:
        return NoTeam(
            tr(
                "this database has no team views you may read — ask its owner to run "
                "`splitday server init`"
            )
        )
    if not (access.lead or access.member):
        return NoTeam(
            tr("{login} is neither a lead nor a member of this server's team").format(
                login=access.login
            )
        )
    return None


def team_access(conn: Connection) -> NoTeam | views.Access:
    """Whether this login has a team to read (cheap: one query on PostgreSQL, none on SQLite)."""
    access = views.read_access(conn)
    said = no_team(access)
    if said is not None or access is None:
        return said or NoTeam("")
    return access


def team_week(conn: Connection, monday: date, zone: tzinfo) -> TeamReport | NoTeam:
    """The team's week of `monday` (an ISO Monday) in `zone`, or why there is none.

    A failure to read (an outage, a refused login) raises, as every read does."""
    access = team_access(conn)
    if isinstance(access, NoTeam):
        return access
    data = views.read_team(conn, monday, zone_name(zone))
    now_on = {str(r["person"]): r for r in data.now_on}
    names = sorted({str(r["person"]) for r in data.split} | set(now_on))
    heat = [[0] * 24 for _ in range(7)]
    for r in data.interruptions:
        heat[int(r["weekday"]) - 1][int(r["hour"])] += int(r["interruptions"])
    people = []
    for name in names:
        days = tuple(
            (r["day"], int(r["overtime_minutes"] or 0))
            for r in data.overtime
            if r["person"] == name and int(r["overtime_minutes"] or 0) > 0
        )
        now = now_on.get(name)
        people.append(
            PersonWeek(
                name,
                tuple(_role_week(r) for r in data.split if r["person"] == name),
                sum(minutes for _, minutes in days),
                days,
                str(now["role"]) if now else None,
                now["end"] if now else None,
            )
        )
    return TeamReport(
        monday,
        LEAD if access.lead else MEMBER,
        access.login,
        tuple(people),
        tuple(tuple(row) for row in heat),
        data,
    )


def _role_week(row: dict[str, Any]) -> RoleWeek:
    share = row["actual_share_percent"]
    return RoleWeek(
        str(row["role"]),
        float(row["target_percent"]),
        int(row["planned_minutes"]),
        int(row["actual_minutes"]),
        None if share is None else float(share),
    )
