"""Issue 16 in the reviews: the week's debt per role day by day with its trend, and the skipped
breaks — in the weekly review and in the end-of-day review, for a week lived in the test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from planner.domain.clock import FakeClock
from planner.domain.values import BreakV
from planner.services import planning
from planner.storage.db import Database
from planner.storage.models import Entry
from ui.dialogs.end_of_day import EndOfDayDialog
from ui.gateway import Gateway
from ui.views.review import ReviewView

OWNER = "tester"
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)
TUESDAY = date(2026, 12, 8)
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def at(day: date, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=BERLIN).astimezone(UTC)


def worked_through(breaks: list[BreakV], pieces: list[tuple[datetime, datetime]]) -> int:
    """Breaks with more than half of them worked (the rule the reviews count as skipped)."""
    count = 0
    for b in breaks:
        worked = sum(max(0.0, (min(e, b.end) - max(s, b.start)).total_seconds()) for s, e in pieces)
        count += worked > (b.end - b.start).total_seconds() / 2
    return count


@pytest.fixture
def week(db: Database) -> dict[str, object]:
    """Monday: Support 09:00–14:00 (through lunch), Community 14:00–17:20: Community 50 min
    behind. Tuesday: Community 09:00–12:30 and 13:15–13:45 (lunch taken), Support
    13:45–15:45: Community 10 min ahead, Support 10 min behind."""
    with db.transaction() as s:
        support, community = (r.id for r in planning.list_roles(s, OWNER))
        monday_plan, _ = planning.auto_plan(s, OWNER, MONDAY, BERLIN, now=at(MONDAY, "08:50"))
        tuesday_plan, _ = planning.auto_plan(s, OWNER, TUESDAY, BERLIN, now=at(TUESDAY, "08:50"))
        log = {
            MONDAY: [("09:00", "14:00", support), ("14:00", "17:20", community)],
            TUESDAY: [
                ("09:00", "12:30", community),
                ("13:15", "13:45", community),
                ("13:45", "15:45", support),
            ],
        }
        for day, pieces in log.items():
            for start, end, role in pieces:
                s.add(Entry(owner=OWNER, start=at(day, start), end=at(day, end), role_id=role))
    pieces = {d: [(at(d, a), at(d, b)) for a, b, _ in p] for d, p in log.items()}
    return {
        "support": support,
        "community": community,
        "planned": {MONDAY: list(monday_plan.breaks), TUESDAY: list(tuesday_plan.breaks)},
        "skipped": {
            MONDAY: worked_through(list(monday_plan.breaks), pieces[MONDAY]),
            TUESDAY: worked_through(list(tuesday_plan.breaks), pieces[TUESDAY]),
        },
    }


@pytest.fixture
def tuesday_evening() -> FakeClock:
    return FakeClock(at(TUESDAY, "18:00"))


@pytest.fixture
def review(
    qtbot: QtBot, db: Database, week: dict[str, object], tuesday_evening: FakeClock
) -> Iterator[ReviewView]:
    view = ReviewView(Gateway(db, tuesday_evening, BERLIN))
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.week is not None, timeout=10_000)
    yield view


def test_the_week_review_shows_each_roles_debt_day_by_day_and_its_trend(
    review: ReviewView, week: dict[str, object]
) -> None:
    table = review.debt_table
    assert review.debt_box.isVisible() and table.isVisible()
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == [
        "Role",
        "Mon 07 Dec",
        "Tue 08 Dec",
        "Wed 09 Dec",
        "Thu 10 Dec",
        "Fri 11 Dec",
        "Sat 12 Dec",
        "Sun 13 Dec",
        "This week",
    ]
    rows = {review.debt_text(r, 0): r for r in range(table.rowCount())}
    assert list(rows) == ["Support", "Community", "Breaks skipped"]
    support, community = rows["Support"], rows["Community"]
    # after Monday Community is 50 min behind (500 min worked, 250 each), after Tuesday
    # (860 min: 430 each) 10 min ahead; the days to come are empty
    assert [review.debt_text(community, c) for c in range(1, 4)] == [
        "50 min behind",
        "10 min ahead",
        "",
    ]
    assert [review.debt_text(support, c) for c in range(1, 4)] == [
        "50 min ahead",
        "10 min behind",
        "",
    ]
    assert review.debt_text(community, 8) == "narrowing"
    assert review.debt_text(support, 8) == "narrowing"


def test_the_week_review_shows_the_breaks_skipped(
    review: ReviewView, week: dict[str, object]
) -> None:
    planned: dict[date, list[BreakV]] = week["planned"]  # type: ignore[assignment]
    skipped: dict[date, int] = week["skipped"]  # type: ignore[assignment]
    # Monday worked through everything from 09:00 to 17:20; Tuesday took its lunch
    assert skipped[MONDAY] == sum(b.end <= at(MONDAY, "17:20") for b in planned[MONDAY]) > 1
    assert skipped[TUESDAY] < len(planned[TUESDAY])
    row = review.debt_table.rowCount() - 1
    assert review.debt_text(row, 0) == "Breaks skipped"
    assert review.debt_text(row, 1) == f"{skipped[MONDAY]} of {len(planned[MONDAY])}"
    assert review.debt_text(row, 2) == f"{skipped[TUESDAY]} of {len(planned[TUESDAY])}"
    assert review.debt_text(row, 3) == ""
    total = skipped[MONDAY] + skipped[TUESDAY]
    assert review.debt_text(row, 8) == f"{total} of {len(planned[MONDAY]) + len(planned[TUESDAY])}"
    assert f"{total} breaks skipped" in review.summary_label.text()


def test_the_end_of_day_review_shows_the_week_and_the_days_skipped_breaks(
    qtbot: QtBot, db: Database, week: dict[str, object], tuesday_evening: FakeClock
) -> None:
    planned: dict[date, list[BreakV]] = week["planned"]  # type: ignore[assignment]
    skipped: dict[date, int] = week["skipped"]  # type: ignore[assignment]
    dialog = EndOfDayDialog(Gateway(db, tuesday_evening, BERLIN), TUESDAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.week_debt.isVisible()
    assert dialog.week_debt.text().splitlines() == [
        "Support: 10 min behind this week (yesterday 50 min ahead), narrowing.",
        "Community: 10 min ahead this week (yesterday 50 min behind), narrowing.",
    ]
    text = dialog.breaks_skipped.text()
    assert text.startswith(f"{skipped[TUESDAY]} of {len(planned[TUESDAY])} breaks skipped: ")
    assert "lunch" not in text  # taken on Tuesday
    dialog.close()

    monday = EndOfDayDialog(Gateway(db, tuesday_evening, BERLIN), MONDAY)
    qtbot.addWidget(monday)
    monday.show()
    qtbot.waitExposed(monday)
    assert monday.week_debt.text().splitlines() == [
        "Support: 50 min ahead this week.",
        "Community: 50 min behind this week.",
    ]
    assert "lunch 12:30–13:15" in monday.breaks_skipped.text()
    assert monday.breaks_skipped.text().startswith(
        f"{skipped[MONDAY]} of {len(planned[MONDAY])} breaks skipped: "
    )
