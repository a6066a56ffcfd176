"""The UI in the user's language and clock: translated windows, Qt's own buttons, QLocale
times and weeks, and the mirrored layout of a right-to-left language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QSettings, Qt, QTranslator
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from planner.domain import i18n
from planner.domain.clock import FakeClock
from planner.storage.db import Database
from ui import formats
from ui.formats import install_translations
from ui.gateway import Gateway
from ui.shell.main_window import MainWindow

BERLIN = ZoneInfo("Europe/Berlin")
AFTERNOON = datetime(2026, 12, 7, 13, 5, tzinfo=UTC)  # 14:05 in Berlin, a Monday


@pytest.fixture
def speak(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """speak('it'): the process as a person with SPLITDAY_LANG=it starts it; undone after."""
    before = set(qapp.findChildren(QTranslator))

    def switch(lang: str) -> None:
        monkeypatch.setenv("SPLITDAY_LANG", lang)
        i18n.set_language(None)
        install_translations(qapp)

    yield switch
    for t in set(qapp.findChildren(QTranslator)) - before:
        QCoreApplication.removeTranslator(t)
    QLocale.setDefault(QLocale.c())
    qapp.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    monkeypatch.delenv("SPLITDAY_LANG")
    i18n.set_language(None)


def _window(qtbot: QtBot, tmp_path: Path, clock: FakeClock) -> MainWindow:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, clock, BERLIN)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_the_main_window_speaks_italian(
    speak, qtbot: QtBot, tmp_path: Path, clock: FakeClock, db: Database
) -> None:  # type: ignore[no-untyped-def]
    speak("it")
    win = _window(qtbot, tmp_path, clock)
    win.attach(Gateway(db, clock, BERLIN, win.undo_stack, win))
    assert win.plan_action.text() == "&Pianifica la giornata…"
    assert win.interrupt_action.iconText() == "Registra interruzione…"
    menus = [a.text() for a in win.menuBar().actions()]
    assert menus[:2] == ["&File", "&Modifica"]
    assert win.windowTitle().startswith("Splitday — mar 24 nov 2026"), win.windowTitle()
    assert win.date_edit.text() == "mar 24 nov 2026"


def test_qt_standard_buttons_come_from_qt_base_translations(speak) -> None:  # type: ignore[no-untyped-def]
    speak("de")
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Save
    )
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    save = box.button(QDialogButtonBox.StandardButton.Save)
    assert (cancel.text(), save.text()) == ("Abbrechen", "Speichern")  # English: Cancel, Save


def test_times_and_weeks_follow_qlocale(speak, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    assert formats.clock(AFTERNOON, BERLIN) == "14:05"  # the C locale: the program's own
    assert formats.first_weekday() == 0
    speak("en_US")
    assert formats.clock(AFTERNOON, BERLIN) == "2:05\u202fPM"
    assert formats.first_weekday() == 6  # Sunday
    assert formats.short_day(date(2026, 12, 7)) == "Mon 7 Dec"
    speak("de_DE")
    assert formats.clock(AFTERNOON, BERLIN) == "14:05"
    assert formats.long_day(date(2026, 12, 7)) == "Montag, 7. Dezember 2026"
    speak("it_IT")
    assert formats.short_day(date(2026, 12, 7)) == "lun 7 dic"
    assert formats.first_weekday() == 0
    speak("ar")
    assert formats.first_weekday() == 5  # Saturday


def test_a_right_to_left_language_mirrors_the_layout(
    speak, qtbot: QtBot, tmp_path: Path, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    speak("ar")  # no Arabic catalog is shipped: English words, mirrored layout
    win = _window(qtbot, tmp_path, clock)
    assert QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert win.isRightToLeft()
    assert win.plan_action.text() == "&Plan my day…"
    # the menu bar starts at the right edge
    bar = win.menuBar()
    first = bar.actionGeometry(bar.actions()[0])
    assert first.right() > bar.width() // 2
