"""Nothing typed is lost when a write fails for real (a read-only database, a full disk).

Each test breaks the real database under the real widgets (tests/ui/breakdown.py), checks that
the window stays with what was typed and says why in words, then lets the database recover and
checks that what was typed is stored after all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from planner.calendars import sync as calendars
from planner.domain.clock import FakeClock
from planner.domain.timerange import Interval
from planner.domain.values import Change, EntryV, Topic
from planner.services import planning, tracking
from planner.services.gaps import Gap
from planner.storage.db import Database
from tests.ui.breakdown import DISK_FULL, READ_ONLY, Breakdown
from tests.ui.dialog_helpers import type_into
from ui.dialogs.calendars import CalendarsDialog, SourceEditor
from ui.dialogs.end_of_day import EndOfDayDialog
from ui.dialogs.interruption_log import NOTE, InterruptionLogDialog
from ui.dialogs.plan_day import PlanDayDialog
from ui.dialogs.quick_log import DISCARD_HINT, QuickLog
from ui.dialogs.settings import SettingsDialog
from ui.gateway import Gateway, NotSaved
from ui.shell.interruptions import Interruptions, parse_minutes
from ui.shell.reminders import GapAsker
from ui.views.review import ReviewView

OWNER = "tester"
BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 24)  # the clock fixture: 09:00 Berlin on it
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def breakdown(db: Database) -> Iterator[Breakdown]:
    broken = Breakdown(db)
    yield broken
    broken.close()


@pytest.fixture
def gateway(db: Database, clock: FakeClock) -> Gateway:
    return Gateway(db, clock, BERLIN)


def at(hhmm: str) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(DAY.year, DAY.month, DAY.day, h, m, tzinfo=BERLIN).astimezone(UTC)


def interruptions_in(db: Database) -> list[EntryV]:
    with db.transaction() as s:
        rows = tracking.list_entries(s, OWNER, Interval(at("00:00"), at("23:59")))
    return [e for e in rows if e.kind == "interruption"]


# ---------------------------------------------------------------- the quick log


@pytest.fixture
def intr(qtbot: QtBot, db: Database, gateway: Gateway, clock: FakeClock) -> Iterator[Interruptions]:
    with db.transaction() as s:
        support = planning.find_role(s, OWNER, "Support").id
        planning.add_slot(s, OWNER, BERLIN, at("09:00"), at("11:00"), support)
        tracking.start_work(s, OWNER, BERLIN, at("09:00"), follow_plan=True)
    quick_log = QuickLog(BERLIN, parse_minutes)
    qtbot.addWidget(quick_log)
    controller = Interruptions(gateway, quick_log)
    yield controller
    quick_log.retry_timer.stop()
    quick_log.hide()


def test_a_full_disk_keeps_the_quick_log_and_the_text_until_it_is_stored(
    qtbot: QtBot, intr: Interruptions, db: Database, clock: FakeClock, breakdown: Breakdown
) -> None:
    quick_log = intr._quick_log
    pressed = clock.now()
    assert intr.on_hotkey(pressed) == "quick log open"
    qtbot.waitExposed(quick_log)
    # a long note in a script of four-byte letters: it needs a new page of the file
    note = "😀" * 1990 + " printer"
    quick_log.note.setText("😀" * 1990)
    qtbot.keyClicks(quick_log.note, " printer")
    qtbot.keyClick(quick_log.note, Qt.Key.Key_Tab)
    qtbot.keyClicks(quick_log.source, "Anna")
    # a full disk still lets SQLite reuse the file's free pages (the migrations leave some):
    # none left, so the note really needs a new one
    raw = sqlite3.connect(str(db.engine.url.database), isolation_level=None)
    raw.execute("VACUUM")
    assert raw.execute("PRAGMA freelist_count").fetchone() == (0,)
    raw.close()
    breakdown.mode = DISK_FULL
    clock.advance(timedelta(seconds=30))
    qtbot.keyClick(quick_log.source, Qt.Key.Key_Return)

    assert quick_log.isVisible()  # not hidden: nothing was stored
    assert quick_log.note.text() == note and quick_log.source.text() == "Anna"
    said = quick_log.error.text()
    assert "the disk is full" in said and "database or disk is full" in said
    assert "Enter tries again" in said and "Traceback" not in said
    assert interruptions_in(db) == []
    assert quick_log.retry_timer.isActive()

    qtbot.keyClick(quick_log.source, Qt.Key.Key_Return)  # still full: still kept
    assert quick_log.isVisible() and interruptions_in(db) == []

    breakdown.clear()  # space again: the next automatic retry stores it, as typed
    quick_log.retry_timer.setInterval(50)
    qtbot.waitUntil(quick_log.isHidden, timeout=3000)
    [entry] = interruptions_in(db)
    assert entry.note == note and entry.source == "Anna"
    assert entry.start == pressed  # the key press, not the retry
    assert not quick_log.retry_timer.isActive()


def test_a_read_only_database_keeps_the_text_and_esc_asks_twice(
    qtbot: QtBot, intr: Interruptions, db: Database, clock: FakeClock, breakdown: Breakdown
) -> None:
    quick_log = intr._quick_log
    intr.on_hotkey(clock.now())
    qtbot.waitExposed(quick_log)
    qtbot.keyClicks(quick_log.note, "server room flooded")
    breakdown.mode = READ_ONLY
    qtbot.keyClick(quick_log.note, Qt.Key.Key_Return)
    assert quick_log.isVisible()
    assert "the database is read-only" in quick_log.error.text()
    assert "attempt to write a readonly database" in quick_log.error.text()

    qtbot.keyClick(quick_log.note, Qt.Key.Key_Escape)  # the first Esc only warns
    assert quick_log.isVisible() and quick_log.error.text() == DISCARD_HINT
    assert quick_log.note.text() == "server room flooded"

    breakdown.clear()
    qtbot.keyClicks(quick_log.note, "!")  # changed since the failure: Enter, not the timer
    qtbot.keyClick(quick_log.note, Qt.Key.Key_Return)
    assert quick_log.isHidden()
    [entry] = interruptions_in(db)
    assert entry.note == "server room flooded!" and entry.end is None


def test_a_forwarded_interruption_that_fails_is_kept_in_the_quick_log(
    qtbot: QtBot, intr: Interruptions, db: Database, clock: FakeClock, breakdown: Breakdown
) -> None:
    breakdown.mode = READ_ONLY
    with pytest.raises(NotSaved) as failed:
        intr.handle_interrupt({"note": "VIP on the phone", "source": "phone", "duration": "5m"})
    assert "the database is read-only" in str(failed.value)
    assert "the quick log holds it" in str(failed.value)
    quick_log = intr._quick_log
    assert quick_log.isVisible()
    assert (quick_log.note.text(), quick_log.source.text(), quick_log.duration.text()) == (
        "VIP on the phone",
        "phone",
        "5m",
    )
    breakdown.clear()
    quick_log.retry_timer.setInterval(50)
    qtbot.waitUntil(quick_log.isHidden, timeout=3000)
    [entry] = interruptions_in(db)
    assert (entry.note, entry.source) == ("VIP on the phone", "phone")
    assert entry.end == entry.start + timedelta(minutes=5)


def test_back_to_work_that_fails_is_said_and_can_be_pressed_again(
    qtbot: QtBot, intr: Interruptions, db: Database, clock: FakeClock, breakdown: Breakdown
) -> None:
    intr.log(clock.now(), "phone", "", None, None)
    clock.advance(timedelta(minutes=4))
    breakdown.mode = READ_ONLY
    with qtbot.waitSignal(intr.failed) as said:
        text = intr.on_hotkey(clock.now())
    assert "read-only" in said.args[0] and text == said.args[0]
    [running] = interruptions_in(db)
    assert running.end is None  # still running: nothing was half-done
    breakdown.clear()
    intr._resumed_at = None
    assert intr.on_hotkey(clock.now()).startswith("back to work")
    [ended] = interruptions_in(db)
    assert ended.end == clock.now()


# ---------------------------------------------------------------- every dialog


def test_plan_my_day_keeps_what_was_typed_and_saves_it_after(
    qtbot: QtBot, db: Database, gateway: Gateway, breakdown: Breakdown
) -> None:
    dialog = PlanDayDialog(gateway, DAY)
    qtbot.addWidget(dialog)
    dialog.show()
    breakdown.mode = READ_ONLY
    dialog.new_task.setFocus()
    qtbot.keyClicks(dialog.new_task, "Write the release notes")
    qtbot.keyClick(dialog.new_task, Qt.Key.Key_Return)
    assert dialog.message.is_error
    assert "read-only" in dialog.message.text() and "try again" in dialog.message.text()
    assert dialog.new_task.text() == "Write the release notes"  # kept
    type_into(qtbot, dialog.window_edit.start, "0800")
    assert dialog.window_edit.start.time().hour() == 8  # not put back: it is what was typed
    with db.transaction() as s:
        assert planning.list_tasks(s, OWNER, DAY) == []
        assert planning.get_day(s, OWNER, DAY, BERLIN).start == at("09:00")

    breakdown.clear()
    qtbot.keyClick(dialog.new_task, Qt.Key.Key_Return)
    type_into(qtbot, dialog.window_edit.start, "0800")
    assert not dialog.message.is_error and dialog.new_task.text() == ""
    with db.transaction() as s:
        assert [t.title for t in planning.list_tasks(s, OWNER, DAY)] == ["Write the release notes"]
        assert planning.get_day(s, OWNER, DAY, BERLIN).start == at("08:00")


def test_start_the_day_that_fails_keeps_the_dialog_open(
    qtbot: QtBot, db: Database, gateway: Gateway, breakdown: Breakdown
) -> None:
    dialog = PlanDayDialog(gateway, DAY)
    qtbot.addWidget(dialog)
    dialog.show()
    breakdown.mode = READ_ONLY
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "read-only" in dialog.message.text()
    breakdown.clear()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    with db.transaction() as s:
        assert planning.get_day(s, OWNER, DAY, BERLIN).started_at is not None


def test_settings_keep_a_new_role_name_until_it_is_stored(
    qtbot: QtBot, db: Database, gateway: Gateway, breakdown: Breakdown
) -> None:
    dialog = SettingsDialog(gateway, DAY)
    qtbot.addWidget(dialog)
    dialog.show()
    breakdown.mode = READ_ONLY
    type_into(qtbot, dialog.new_role, "On call")
    assert dialog.roles_message.is_error and "read-only" in dialog.roles_message.text()
    assert dialog.new_role.text() == "On call"
    breakdown.clear()
    qtbot.keyClick(dialog.new_role, Qt.Key.Key_Return)
    assert dialog.new_role.text() == "" and not dialog.roles_message.is_error
    with db.transaction() as s:
        assert "On call" in [r.name for r in planning.list_roles(s, OWNER)]


def test_close_the_day_that_fails_keeps_the_review_open(
    qtbot: QtBot, db: Database, gateway: Gateway, breakdown: Breakdown
) -> None:
    dialog = EndOfDayDialog(gateway, DAY)
    qtbot.addWidget(dialog)
    dialog.show()
    breakdown.mode = READ_ONLY
    qtbot.mouseClick(dialog.close_day, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "read-only" in dialog.message.text()
    with db.transaction() as s:
        assert planning.get_day(s, OWNER, DAY, BERLIN).closed_at is None
    breakdown.clear()
    qtbot.mouseClick(dialog.close_day, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    with db.transaction() as s:
        assert planning.get_day(s, OWNER, DAY, BERLIN).closed_at is not None


def test_a_calendar_editor_stays_open_with_what_was_typed(
    qtbot: QtBot, db: Database, gateway: Gateway, breakdown: Breakdown, tmp_path: Path
) -> None:
    path = tmp_path / "team.ics"
    path.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    editors: list[SourceEditor] = []

    class Typed(SourceEditor):
        def exec(self) -> int:
            editors.append(self)
            self.name_edit.setText("Team")
            self.location_edit.setText(str(path))
            self.rules_edit.setPlainText("standup = Support")
            self._on_buttons_accepted()  # OK pressed once, while the database is read-only
            if self.result() != QDialog.DialogCode.Accepted:
                breakdown.clear()
                self._on_buttons_accepted()  # and again once it can be written
            return int(self.result())

    dialog = CalendarsDialog(gateway, editor_factory=Typed)
    qtbot.addWidget(dialog)
    breakdown.mode = READ_ONLY
    failed_texts: list[str] = []
    original = SourceEditor._on_buttons_accepted

    def spy(self: SourceEditor) -> None:
        original(self)
        failed_texts.append(self.error_label.text())

    SourceEditor._on_buttons_accepted = spy  # type: ignore[method-assign]
    try:
        with qtbot.waitSignal(dialog.sync_finished, timeout=10_000):
            dialog.add_button.click()
    finally:
        SourceEditor._on_buttons_accepted = original  # type: ignore[method-assign]
    assert "read-only" in failed_texts[0]  # the first OK: the editor stayed, and said why
    assert editors[0].name_edit.text() == "Team"
    with db.transaction() as s:
        [source] = calendars.list_sources(s, OWNER)
    assert source.name == "Team" and [r.keyword for r in source.rules] == ["standup"]


def test_a_gap_answer_that_fails_keeps_the_question_open(
    qtbot: QtBot, db: Database, clock: FakeClock, breakdown: Breakdown
) -> None:
    with db.transaction() as s:  # work was being logged: the gap is worth a question
        role = planning.list_roles(s, OWNER)[0].id
        tracking.start_work(s, OWNER, BERLIN, at("11:00"), role_id=role)
    clock.set(at("11:45"))
    asker = GapAsker(Gateway(db, clock, BERLIN))
    dialog = asker.ask(Gap(at("11:10"), at("11:40"), "idle"))
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.buttons["interruption"].setChecked(True)
    qtbot.keyClicks(dialog.note, "Alex on the phone")
    breakdown.mode = READ_ONLY
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "read-only" in dialog.error.text()
    assert dialog.note.text() == "Alex on the phone"
    breakdown.clear()
    with qtbot.waitSignal(asker.recorded, timeout=1000):
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert [e.note for e in interruptions_in(db)] == ["Alex on the phone"]


def test_an_interruption_log_edit_that_fails_is_said(
    qtbot: QtBot, intr: Interruptions, db: Database, clock: FakeClock, breakdown: Breakdown
) -> None:
    intr.log(clock.now(), "printer", "Anna", None, 10)
    dialog = InterruptionLogDialog(intr.service, BERLIN, parse_minutes)
    qtbot.addWidget(dialog)
    dialog.show_day(DAY)
    breakdown.mode = READ_ONLY
    assert dialog.model.setData(dialog.model.index(0, NOTE), "printer jam")
    assert "read-only" in dialog.error.text()
    assert [e.note for e in interruptions_in(db)] == ["printer"]
    breakdown.clear()
    with qtbot.waitSignal(dialog.reloaded):
        assert dialog.model.setData(dialog.model.index(0, NOTE), "printer jam")
    assert dialog.error.isHidden()
    assert [e.note for e in interruptions_in(db)] == ["printer jam"]


# ---------------------------------------------------------------- the main window and the review


def test_a_timeline_edit_on_a_read_only_database_is_said_in_words(
    window: Any, db: Database, breakdown: Breakdown
) -> None:
    breakdown.mode = READ_ONLY
    gateway = window.gateway
    role = window.snapshot.plan.roles[0].id
    assert not gateway.add_slot(at("15:00"), at("16:00"), role)
    assert window.last_error.startswith("The change was not saved: the database is read-only")
    assert "Traceback" not in window.last_error
    window._error_box.accept()
    assert window.snapshot is not None  # the day is still shown (reads work)
    breakdown.clear()
    assert gateway.add_slot(at("15:00"), at("16:00"), role)


def test_the_review_broadcasts_its_setting_and_says_when_it_is_not_saved(
    qtbot: QtBot, db: Database, gateway: Gateway, breakdown: Breakdown
) -> None:
    view = ReviewView(gateway)
    qtbot.addWidget(view)
    heard: list[Change] = []
    gateway.changed.connect(heard.append)
    view.insight_check.setChecked(True)
    assert [Topic.SETTINGS in c.topics for c in heard] == [True]  # one Change, for every view
    with db.transaction() as s:
        assert planning.get_setting(s, OWNER, "auto_split_interruption_hours") is True
    breakdown.mode = READ_ONLY
    view.insight_check.setChecked(False)
    assert "read-only" in view.message.text()
    assert view.insight_check.isChecked()  # shows what is stored
    assert len(heard) == 1
