"""The morning rule as the app lives on: Plan my day opens by itself on a new workday's first
look, also when the app was left running overnight (it opened only at start-up)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from planner.domain.clock import FakeClock
from planner.services import day as day_flow
from planner.services import planning
from planner.storage.db import Database
from ui.gateway import Gateway
from ui.shell.app import MorningPlan

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 11, day, h, m, tzinfo=BERLIN).astimezone(UTC)


def test_plan_my_day_opens_again_on_the_next_morning(db: Database) -> None:
    clock = FakeClock(at(30, "08:50"))  # Monday
    opened: list[datetime] = []
    rule = MorningPlan(Gateway(db, clock, BERLIN), lambda: opened.append(clock.now()))
    assert rule.check()  # start-up on a workday with no plan
    assert not rule.check()  # the same day: once
    with db.transaction() as s:  # planned and started, lived, closed in the evening
        planning.auto_plan(s, "tester", date(2026, 11, 30), BERLIN)
        day_flow.start(s, "tester", BERLIN, at(30, "08:51"))
        day_flow.close(s, "tester", BERLIN, date(2026, 11, 30), at(30, "17:40"))
    clock.set(at(30, "17:45"))
    assert not rule.check()
    clock.set(datetime(2026, 12, 1, 7, 50, tzinfo=UTC))  # Tuesday 08:50, the app still open
    assert rule.check()
    assert opened == [at(30, "08:50"), datetime(2026, 12, 1, 7, 50, tzinfo=UTC)]
    clock.set(datetime(2026, 12, 5, 8, 50, tzinfo=UTC))  # Saturday: no workday, no dialog
    assert not rule.check()
    assert len(opened) == 2


def test_switched_off_it_never_opens(db: Database) -> None:
    clock = FakeClock(at(30, "08:50"))
    opened: list[object] = []
    rule = MorningPlan(Gateway(db, clock, BERLIN), lambda: opened.append(1), enabled=False)
    assert not rule.check()
    assert opened == []
