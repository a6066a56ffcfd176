"""The interruption insight on a synthetic history whose answer is known, and the auto-split
option that plans around it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.review import reports
from planner.services import planning
from planner.storage.db import Database
from planner.storage.models import Entry

BERLIN = ZoneInfo("Europe/Berlin")
OWNER = "tester"
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def at(day: date, minute: int) -> datetime:
    return (
        datetime(day.year, day.month, day.day, tzinfo=BERLIN)
        .replace(hour=minute // 60, minute=minute % 60)
        .astimezone(UTC)
    )


def _history(
    db: Database, weeks: int, *, cluster: bool = True, phone: bool = True
) -> tuple[int, int]:
    """Mon–Wed: three chat interruptions between 10:00 and 11:00 (Support); every workday:
    one email at an hour that moves around the day (Community) and a phone call at 15:10
    (Support)."""
    with db.transaction() as s:
        support, community = planning.list_roles(s, OWNER)
        for k in range(weeks):
            monday = MONDAY - timedelta(weeks=k)
            for wd in range(5):
                day = monday + timedelta(days=wd)
                hour = (9, 11, 12, 13, 14, 16)[(wd + k) % 6]
                rows = [(hour * 60 + 5, "email", community.id)]
                if phone:
                    rows.append((15 * 60 + 10, "phone", support.id))
                if cluster and wd <= 2:
                    rows += [(10 * 60 + m, "chat", support.id) for m in (5, 25, 45)]
                for minute, source, role in rows:
                    s.add(
                        Entry(
                            owner=OWNER,
                            start=at(day, minute),
                            end=at(day, minute) + timedelta(minutes=6),
                            kind="interruption",
                            role_id=role,
                            source=source,
                        )
                    )
    return support.id, community.id


def test_insight_finds_the_cluster(db: Database) -> None:
    support, community = _history(db, 8)
    with db.transaction() as s:
        insight = reports.interruption_insight(s, OWNER, BERLIN, MONDAY, NOW, weeks=8)
    assert insight is not None
    assert insight.weekdays == (0, 1, 2)
    assert insight.hours == (10, 11)
    assert insight.top_source == "chat"
    assert insight.source_share == 1.0
    assert insight.count == 8 * 3 * 3
    assert insight.total == 8 * 5 * 2 + 8 * 3 * 3
    assert insight.interrupt_role_id == support
    assert insight.focus_role_id == community
    assert insight.text.startswith("Most interruptions: Mon–Wed 10:00–11:00, mostly chat")
    assert "72 of 152 in the last 8 weeks" in insight.text


def test_insight_only_looks_back_as_asked(db: Database) -> None:
    _history(db, 8)
    with db.transaction() as s:
        four = reports.interruption_insight(s, OWNER, BERLIN, MONDAY, NOW, weeks=4)
    assert four is not None and four.total == 4 * (10 + 9)


def test_no_insight_without_a_cluster(db: Database) -> None:
    _history(db, 8, cluster=False, phone=False)
    with db.transaction() as s:
        assert reports.interruption_insight(s, OWNER, BERLIN, MONDAY, NOW) is None


def test_a_daily_habit_is_a_cluster_too(db: Database) -> None:
    _, community = _history(db, 8, cluster=False)
    with db.transaction() as s:
        insight = reports.interruption_insight(s, OWNER, BERLIN, MONDAY, NOW)
    assert insight is not None
    assert (insight.weekdays, insight.hours, insight.top_source) == (
        (0, 1, 2, 3, 4),
        (15, 16),
        "phone",
    )
    assert insight.focus_role_id == community


def test_no_insight_without_history(db: Database) -> None:
    with db.transaction() as s:
        assert reports.interruption_insight(s, OWNER, BERLIN, MONDAY, NOW) is None


@pytest.mark.parametrize(
    ("heat_cells", "expected"),
    [
        ({(3, 14): 9, (0, 9): 1, (1, 11): 1, (4, 16): 1}, ((3,), (14, 15))),
        ({(0, 8): 5, (0, 9): 5, (1, 8): 5, (1, 9): 5, (4, 15): 1}, ((0, 1), (8, 10))),
    ],
)
def test_find_cluster(heat_cells: dict[tuple[int, int], int], expected: object) -> None:
    heat = [[heat_cells.get((wd, h), 0) for h in range(24)] for wd in range(7)]
    found = reports.find_cluster(heat)
    assert found is not None
    assert (found[0], found[1]) == expected


def _slot_role_at(plan: planning.PlanV, moment: datetime) -> int | None:
    return next((s.role_id for s in plan.slots if s.start <= moment < s.end), None)


def test_auto_split_option_is_off_by_default(db: Database) -> None:
    support, community = _history(db, 8)
    day = MONDAY + timedelta(days=7)
    with db.transaction() as s:
        assert planning.get_setting(s, OWNER, "auto_split_interruption_hours") is False
        plan, _ = planning.auto_plan(s, OWNER, day, BERLIN, now=NOW)
    # the plain split: Support first (it is listed first), then the day alternates
    assert _slot_role_at(plan, at(day, 9 * 60)) == support
    assert _slot_role_at(plan, at(day, 10 * 60 + 25)) == support
    first_break = min(b.start for b in plan.breaks if b.kind == "short")
    assert _slot_role_at(plan, first_break + timedelta(minutes=10)) == community


def test_auto_split_places_roles_around_the_interruptions(db: Database) -> None:
    support, community = _history(db, 8)
    day = MONDAY + timedelta(days=7)  # a Monday: inside the cluster's weekdays
    with db.transaction() as s:
        planning.set_setting(s, OWNER, "auto_split_interruption_hours", True)
        plan, _ = planning.auto_plan(s, OWNER, day, BERLIN, now=NOW)
    assert _slot_role_at(plan, at(day, 9 * 60)) == community  # quiet: the focus role
    # the interrupt-prone role holds the cluster's hour; the short break falls where the
    # preference changes (10:00), not in the middle of the hour
    for minute in (10 * 60 + 5, 10 * 60 + 30, 10 * 60 + 55):
        assert _slot_role_at(plan, at(day, minute)) == support
    assert _slot_role_at(plan, at(day, 11 * 60 + 5)) == community
    # the shares still hold: 09:00-17:30 less lunch and the short breaks, about 50/50
    minutes = {support: 0.0, community: 0.0}
    for slot in plan.slots:
        minutes[slot.role_id] += (slot.end - slot.start).total_seconds() / 60
    pauses = sum((b.end - b.start).total_seconds() / 60 for b in plan.breaks)
    assert minutes[support] + minutes[community] == 510 - pauses
    assert abs(minutes[support] - minutes[community]) <= 30


def test_auto_split_option_as_a_parameter_wins_over_the_setting(db: Database) -> None:
    support, _ = _history(db, 8)
    day = MONDAY + timedelta(days=7)
    with db.transaction() as s:
        plan, _ = planning.auto_plan(s, OWNER, day, BERLIN, now=NOW, interruption_hours=True)
    assert _slot_role_at(plan, at(day, 10 * 60 + 30)) == support
    assert _slot_role_at(plan, at(day, 9 * 60)) != support
