"""The end-of-day review: what it shows, carrying over or dropping tasks, closing the day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from planner.domain.clock import FakeClock
from planner.domain.timerange import Interval
from planner.domain.values import Topic
from planner.services import planning, tracking
from planner.storage.db import Database
from tests.ui.dialog_helpers import IGNORED_QT_MESSAGES
from ui.dialogs.end_of_day import EndOfDayDialog
from ui.gateway import Gateway

pytestmark = pytest.mark.qt_log_ignore(*IGNORED_QT_MESSAGES)

OWNER = "tester"
BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY = date(2026, 11, 27)
MONDAY = date(2026, 11, 30)


def at(hour: int, minute: int = 0, day: date = FRIDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def friday(db: Database, clock: FakeClock) -> dict[str, int]:
    """A Friday: Support 09-12, Community 12-17; worked, interrupted once, still running."""
    clock.set(at(17, 30))
    with db.transaction() as s:
        support = planning.find_role(s, OWNER, "Support").id
        community = planning.find_role(s, OWNER, "Community").id
        planning.set_day(s, OWNER, FRIDAY, BERLIN, start_minute=9 * 60, stop_minute=17 * 60)
        planning.add_slot(s, OWNER, BERLIN, at(9), at(12), support)
        planning.add_slot(s, OWNER, BERLIN, at(12), at(17), community)
        tracking.start_work(s, OWNER, BERLIN, at(9), follow_plan=True)
        tracking.interrupt(
            s,
            OWNER,
            BERLIN,
            at(10, 20),  # logged when it was over: 10:00–10:20
            note="printer on fire",
            source="Kim",
            minutes=20,
            role_id=community,
        )
        tracking.start_work(s, OWNER, BERLIN, at(12), role_id=community)
        ids = {}
        for title in ("done thing", "left one", "left two", "left three"):
            task, _ = planning.add_task(s, OWNER, title, support, now=at(9), day=FRIDAY)
            ids[title] = task.id
        planning.set_task_status(s, OWNER, ids["done thing"], "done", at(11))
    return {"support": support, "community": community, **ids}


@pytest.fixture
def dialog(
    qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo, friday: dict[str, int]
) -> Iterator[EndOfDayDialog]:
    widget = EndOfDayDialog(Gateway(db, clock, zone), FRIDAY)
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    yield widget


def cell(dialog: EndOfDayDialog, row: int, column: int) -> str:
    return str(dialog.split_model.index(row, column).data())


def test_shows_planned_vs_actual_interruptions_and_done(dialog: EndOfDayDialog) -> None:
    assert [cell(dialog, r, 0) for r in range(dialog.split_model.rowCount())] == [
        "Support",
        "Community",
    ]
    # Support: planned 3 h; worked 09:00-10:00 and 10:20-12:00 = 2 h 40
    assert cell(dialog, 0, 2) == "3 h 00" and cell(dialog, 0, 3) == "2 h 40"
    assert cell(dialog, 0, 4) == "−20 min"
    # Community: planned 5 h; the 20 min interruption plus 12:00-17:30 still running
    assert cell(dialog, 1, 2) == "5 h 00" and cell(dialog, 1, 3) == "5 h 50"
    assert cell(dialog, 1, 4) == "+50 min"
    assert "past the hard stop 30 min" in dialog.totals.text()
    assert dialog.interruptions_model.rowCount() == 1
    row = [str(dialog.interruptions_model.index(0, c).data()) for c in range(5)]
    assert row[:4] == ["10:00", "20", "Community", "Kim — printer on fire"]
    assert row[4] == "pulled into Community during a Support focus block"  # words, not ids
    assert dialog.interruption_summary.text().startswith("1 interruption, 20 min")
    assert dialog.done_list.count() == 1 and "done thing" in dialog.done_list.item(0).text()
    assert dialog.unfinished.count() == 3
    assert "1 entry still running" in dialog.status.text()


def tasks_on(db: Database, day: date) -> list[tuple[str, str]]:
    with db.transaction() as s:
        return [(t.title, t.status) for t in planning.list_tasks(s, OWNER, day)]


def test_carry_over_or_drop_one_by_one(qtbot: QtBot, dialog: EndOfDayDialog, db: Database) -> None:
    assert "Mon 30 Nov" in dialog.carry.text()  # the next workday after a Friday
    dialog.unfinished.setFocus()
    dialog.unfinished.setCurrentRow(1)  # "left two"
    with qtbot.waitSignal(dialog.day_changed) as signal:
        qtbot.keyClick(dialog, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)  # Carr&y
    assert Topic.TASKS in signal.args[0].topics
    assert tasks_on(db, MONDAY) == [("left two", "open")]
    dialog.unfinished.setCurrentRow(0)  # "left one"
    qtbot.mouseClick(dialog.drop, Qt.MouseButton.LeftButton)
    assert ("left one", "dropped") in tasks_on(db, FRIDAY)
    assert dialog.unfinished.count() == 1
    qtbot.mouseClick(dialog.carry_all, Qt.MouseButton.LeftButton)
    assert tasks_on(db, MONDAY) == [("left two", "open"), ("left three", "open")]
    assert dialog.unfinished.count() == 0
    assert not dialog.carry.isEnabled() and not dialog.drop.isEnabled()
    with db.transaction() as s:
        carried = planning.list_tasks(s, OWNER, MONDAY)
    assert all(t.carried_over == 1 for t in carried)


def test_close_the_day_ends_what_runs_and_marks_it_closed(
    qtbot: QtBot, dialog: EndOfDayDialog, db: Database, clock: FakeClock
) -> None:
    with qtbot.waitSignal(dialog.day_closed) as signal:
        qtbot.mouseClick(dialog.close_day, Qt.MouseButton.LeftButton)
    assert {Topic.DAY, Topic.ENTRIES} <= signal.args[0].topics
    assert dialog.result() == EndOfDayDialog.DialogCode.Accepted
    with db.transaction() as s:
        assert tracking.running(s, OWNER) is None
        day = planning.get_day(s, OWNER, FRIDAY, BERLIN)
        last = tracking.list_entries(s, OWNER, Interval(at(0), at(23, 59)))[-1]
    assert day.closed_at == clock.now()
    assert last.end == clock.now()


def test_a_closed_day_cannot_be_closed_again(
    qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo, friday: dict[str, int]
) -> None:
    with db.transaction() as s:
        planning.close_day(s, OWNER, FRIDAY, BERLIN, at(17, 40))
    clock.advance(timedelta(hours=1))
    dialog = EndOfDayDialog(Gateway(db, clock, zone), FRIDAY)
    qtbot.addWidget(dialog)
    assert not dialog.close_day.isEnabled()
    assert "Closed at 17:40" in dialog.status.text()


def test_a_refused_change_is_shown(
    qtbot: QtBot, dialog: EndOfDayDialog, db: Database, friday: dict[str, int]
) -> None:
    # Another window marks the task done meanwhile; carrying it is refused with a message.
    with db.transaction() as s:
        planning.set_task_status(s, OWNER, friday["left one"], "done", at(17))
    dialog.unfinished.setCurrentRow(0)
    qtbot.mouseClick(dialog.carry, Qt.MouseButton.LeftButton)
    assert dialog.message.is_error and "done, not open" in dialog.message.text()
    assert ("left one", "done") in tasks_on(db, FRIDAY)
    assert dialog.unfinished.count() == 2  # reloaded from the database


def test_both_shares_draw_a_bar_in_the_role_colour_with_the_target_marked(
    qtbot: QtBot, dialog: EndOfDayDialog, db: Database, friday: dict[str, int]
) -> None:
    """The 'Actual share' column drew no bar, only a number."""
    from ui.dialogs.end_of_day import ACTUAL_SHARE, PLANNED_SHARE

    with db.transaction() as s:
        colours = {r.id: r.colour for r in planning.list_roles(s, OWNER)}
    dialog.resize(1400, 700)
    qtbot.wait(10)
    image = dialog.split.viewport().grab().toImage()
    for row, role in ((0, friday["support"]), (1, friday["community"])):
        for column in (PLANNED_SHARE, ACTUAL_SHARE):
            rect = dialog.split.visualRect(dialog.split_model.index(row, column))
            y = rect.center().y()
            painted = sum(
                1
                for x in range(rect.left(), rect.right())
                if image.pixelColor(x, y).name() == colours[role]
            )
            share = float(cell(dialog, row, column).rstrip(" %"))
            track = rect.width() - 8 - dialog.split.fontMetrics().horizontalAdvance("100 %") - 8
            assert painted == pytest.approx(track * share / 100, abs=3), (row, column)


def test_a_difference_that_rounds_to_nothing_is_0_min_never_minus_0(
    qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    clock.set(at(11))
    with db.transaction() as s:
        support = planning.find_role(s, OWNER, "Support").id
        planning.add_slot(s, OWNER, BERLIN, at(9), at(10), support)
        tracking.start_work(s, OWNER, BERLIN, at(9) + timedelta(seconds=20), role_id=support)
        tracking.stop(s, OWNER, BERLIN, at(10))
    dialog = EndOfDayDialog(Gateway(db, clock, zone), FRIDAY)
    qtbot.addWidget(dialog)
    assert cell(dialog, 0, 3) == "1 h 00" and cell(dialog, 0, 4) == "0 min"
    texts = [
        str(dialog.split_model.index(r, c).data())
        for r in range(dialog.split_model.rowCount())
        for c in range(dialog.split_model.columnCount())
    ]
    assert not any("-0" in t or "−0" in t for t in [*texts, dialog.totals.text()])
