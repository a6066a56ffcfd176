"""Shared helpers of the main-window tests: the seeded day, local times, database reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from planner.domain.values import TaskV
from planner.services import planning
from planner.storage.db import Database

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 24)


def at(hhmm: str, day: date = DAY) -> datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=BERLIN)


@dataclass
class Seeded:
    support: int
    community: int
    slots: dict[str, int]  # "09:00" -> slot id
    tasks: dict[str, int]  # title -> task id


def slots_of(db: Database, day: date = DAY) -> list[tuple[str, str, int]]:
    """(start, end, role) in local HH:MM for the day's slots, from the database."""
    with db.transaction() as s:
        return [
            (
                f"{x.start.astimezone(BERLIN):%H:%M}",
                f"{x.end.astimezone(BERLIN):%H:%M}",
                x.role_id,
            )
            for x in planning.list_slots(s, "tester", day)
        ]


def tasks_of(db: Database, day: date = DAY) -> list[TaskV]:
    with db.transaction() as s:
        return planning.list_tasks(s, "tester", day)
