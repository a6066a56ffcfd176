"""Run under Xvfb with the xcb platform (there a line edit takes Ctrl+E as 'end of line'):
the real main window on a seeded database, the cursor in the task row, the window's keys.
Prints one JSON line: which of the window's dialogs and actions the keys reached."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog
from ui_helpers import BERLIN, DAY, at

from planner.domain.clock import FakeClock
from planner.services import planning
from planner.storage.db import open_database
from ui.gateway import Gateway
from ui.shell.main_window import MainWindow


def main(folder: Path) -> None:
    app = QApplication(sys.argv)
    db = open_database(f"sqlite:///{folder / 'x11.sqlite3'}", owner="tester")
    clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN).astimezone(UTC))
    with db.transaction() as s:
        planning.ensure_defaults(s, "tester")
        support = planning.list_roles(s, "tester")[0].id
        planning.add_slot(s, "tester", BERLIN, at("09:00"), at("10:00"), support)
        planning.add_task(s, "tester", "Answer tickets", support, now=clock.now(), day=DAY)
    settings = QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, clock, BERLIN)
    win.show()
    win.activateWindow()
    QTest.qWaitForWindowActive(win)
    win.attach(Gateway(db, clock, BERLIN, win.undo_stack, win))
    title = win.tasks.title
    title.setFocus()
    QTest.qWait(50)
    QTest.keyClicks(title, "Call Ana")
    QTest.keyClick(title, Qt.Key.Key_Home)
    QTest.keyClick(title, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    QTest.qWait(100)
    out = {
        "platform": app.platformName(),
        "visible": sorted(type(d).__name__ for d in win.findChildren(QDialog) if d.isVisible()),
        "text": title.text(),
        "cursor": title.cursorPosition(),
    }
    for d in win.findChildren(QDialog):
        d.reject()
    QTest.qWait(50)
    win.activateWindow()  # no window manager here to give it back
    QTest.qWaitForWindowActive(win)
    title.setFocus()
    QTest.qWait(50)
    QTest.keyClick(title, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)  # mini window
    QTest.qWait(50)
    out["mini"] = win.mini is not None and win.mini.isVisible()
    QTest.keyClick(title, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # the field's own
    out["selected"] = title.selectedText()
    print(json.dumps(out))
    win.undo_stack.clear()
    db.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
