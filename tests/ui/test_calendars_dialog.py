"""The Calendars dialog drives the real planner services; sync runs in a worker thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QWidget,
)

from planner.calendars import sync as calendars
from planner.domain.clock import FakeClock
from planner.storage.db import Database
from ui.dialogs.calendars import CalendarsDialog, SourceEditor
from ui.gateway import Gateway

BERLIN = ZoneInfo("Europe/Berlin")
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Team standup\r\n"
    "DTSTART;TZID=Europe/Berlin:20261124T093000\r\nDTEND;TZID=Europe/Berlin:20261124T094500\r\n"
    "RRULE:FREQ=DAILY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def filled_editor(location: Path, rules: str) -> Any:
    class Filled(SourceEditor):
        def exec(self) -> int:
            self.name_edit.setText("Work")
            self.location_edit.setText(str(location))
            self.role_combo.setCurrentIndex(self.role_combo.findText("Community"))
            self.rules_edit.setPlainText(rules)
            self._on_buttons_accepted()
            return int(self.result())

    return Filled


def test_add_syncs_in_the_background_and_lists_the_source(
    qtbot: Any, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "work.ics"
    path.write_text(ICS)
    dialog = CalendarsDialog(
        Gateway(db, clock, BERLIN), editor_factory=filled_editor(path, "standup = Support")
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sync_finished, timeout=10_000) as done:
        dialog.add_button.click()
    [result] = done.args[0]
    assert result.ok and result.added == 3
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, 3).data() == "Community"
    assert dialog.status_label.text() == "Work: 3 new"
    assert not dialog.is_syncing() and dialog.sync_button.isEnabled()
    with db.transaction() as s:
        [source] = calendars.list_sources(s, "tester")
    assert [r.keyword for r in source.rules] == ["standup"]


def test_bad_rule_keeps_the_editor_open(qtbot: Any, db: Database) -> None:
    editor = SourceEditor([], None)
    qtbot.addWidget(editor)
    editor.name_edit.setText("x")
    editor.location_edit.setText("/tmp/x.ics")
    editor.rules_edit.setPlainText("standup = Nobody")
    editor._on_buttons_accepted()
    assert editor.result() != QDialog.DialogCode.Accepted
    assert "rule line 1" in editor.error_label.text()


def test_broken_file_reports_and_changes_nothing(
    qtbot: Any, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "work.ics"
    path.write_text(ICS)
    with db.transaction() as s:
        calendars.add_source(s, "tester", "Work", str(path))
    dialog = CalendarsDialog(Gateway(db, clock, BERLIN))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sync_finished, timeout=10_000):
        dialog.sync_button.click()
    path.write_text(ICS[:-40])
    with qtbot.waitSignal(dialog.sync_finished, timeout=10_000):
        dialog.sync_button.click()
    assert "FAILED" in dialog.status_label.text() and "truncated" in dialog.status_label.text()
    assert "error:" in dialog.model.index(0, 6).data()
    shots = Path("/tmp/cal-shots")
    shots.mkdir(exist_ok=True)
    dialog.resize(900, 380)
    assert dialog.grab().save(str(shots / "calendars-dialog.png"))


def test_a_result_not_stored_is_shown_as_such(
    qtbot: Any, db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The source was edited while the worker parsed it: the dialog says nothing was stored."""
    path = tmp_path / "work.ics"
    path.write_text(ICS)
    with db.transaction() as s:
        source, _ = calendars.add_source(s, "tester", "Work", str(path))
    parse = calendars.read

    def disable_then_read(*args: Any, **kw: Any) -> Any:
        with db.transaction() as s:  # no sync transaction is open while it parses
            calendars.edit_source(s, "tester", source.id, enabled=False)
        return parse(*args, **kw)

    monkeypatch.setattr(calendars, "read", disable_then_read)
    dialog = CalendarsDialog(Gateway(db, clock, BERLIN))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sync_finished, timeout=10_000) as done:
        dialog.sync_button.click()
    [result] = done.args[0]
    assert result.discarded and not result.changed
    assert dialog.status_label.text() == (
        "Work: not stored: the calendar was changed during the sync"
    )


def _reachable_by_alt(dialog: QWidget) -> tuple[dict[str, QWidget], list[QWidget]]:
    """Alt+letter -> the control it reaches (a button's own, a label's buddy), and the
    visible controls no Alt+letter reaches; a letter used twice fails here."""
    letters: dict[str, QWidget] = {}
    for child in dialog.findChildren(QWidget):
        if not child.isVisibleTo(dialog):
            continue
        text = child.property("text")
        if not isinstance(text, str) or "&" not in text.replace("&&", ""):
            continue
        at = text.replace("&&", "").index("&")
        letter = text.replace("&&", "")[at + 1].casefold()
        target = child.buddy() if isinstance(child, QLabel) else child
        assert target is not None, text
        assert letter not in letters, f"Alt+{letter} twice: {text}"
        letters[letter] = target
    controls = (QAbstractButton, QLineEdit, QComboBox, QPlainTextEdit, QTableView)
    missing = [
        c
        for c in dialog.findChildren(QWidget)
        if isinstance(c, controls) and c.isVisibleTo(dialog) and c not in letters.values()
    ]
    return letters, missing


def test_the_calendars_dialog_has_alt_letters_and_starts_on_add(
    qtbot: Any, db: Database, clock: FakeClock
) -> None:
    dialog = CalendarsDialog(Gateway(db, clock, BERLIN))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    letters, missing = _reachable_by_alt(dialog)
    assert missing == []
    assert letters["a"] is dialog.add_button and letters["s"] is dialog.sync_button
    assert dialog.focusWidget() is dialog.add_button  # no calendars yet: add one
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.table)


def test_the_add_calendar_dialog_has_an_alt_letter_for_every_field(qtbot: Any) -> None:
    editor = SourceEditor([])
    qtbot.addWidget(editor)
    editor.show()
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    letters, missing = _reachable_by_alt(editor)
    assert missing == []
    assert letters["l"] is editor.location_edit and letters["r"] is editor.role_combo
    assert editor.focusWidget() is editor.name_edit
    alt = Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(editor.name_edit, Qt.Key.Key_L, alt)
    qtbot.waitUntil(lambda: editor.focusWidget() is editor.location_edit)
    qtbot.keyClick(editor.location_edit, Qt.Key.Key_K, alt)
    qtbot.waitUntil(lambda: editor.focusWidget() is editor.rules_edit)
