"""The app's Do Not Disturb controller through a day (a desktop kept in memory), the Settings
switch with the desktop found, and the mini window's Focus marker and its one key."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from ui_helpers import BERLIN, DAY, Seeded, at

from planner.domain.clock import FakeClock
from planner.platform import dnd
from planner.services import day, planning, tracking
from planner.storage.db import Database
from ui.dialogs.settings import SettingsDialog
from ui.gateway import Gateway
from ui.shell.focus_dnd import FocusDnd
from ui.shell.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


class MemoryDesktop:
    """A desktop whose DND is one flag (the real ones are tested in tests/e2e)."""

    name, label = "memory", "a desktop in memory"
    passes_critical = True

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.switches: list[bool] = []

    def read(self) -> dict[str, Any]:
        return {"quiet": self.quiet}

    def silence(self) -> dict[str, Any]:
        self.quiet = True
        self.switches.append(True)
        return {}

    def silenced(self, state: dict[str, Any]) -> bool:
        return state.get("quiet") is True

    def restore(self, saved: dict[str, Any]) -> None:
        self.quiet = bool(saved.get("quiet"))
        self.switches.append(self.quiet)

    def close(self) -> None:
        pass


def controller(db: Database, clock: FakeClock, desktop: MemoryDesktop, path: Path) -> FocusDnd:
    gateway = Gateway(db, clock, BERLIN)
    return FocusDnd(
        gateway, detect=lambda: dnd.Detected(desktop, desktop.label), path=path, check_ms=60_000
    )


def switched_on(db: Database) -> None:
    with db.transaction() as s:
        planning.set_setting(s, "tester", "dnd_focus", True)


def test_a_day_of_focus_blocks(
    qtbot: QtBot, db: Database, clock: FakeClock, seeded: Seeded, tmp_path: Path
) -> None:
    switched_on(db)
    desktop, path = MemoryDesktop(), tmp_path / "dnd.json"
    quiet = controller(db, clock, desktop, path)
    said: list[tuple[bool, str]] = []
    quiet.changed.connect(lambda on, text: said.append((on, text)))
    quiet.start()
    qtbot.waitUntil(lambda: quiet.description == "a desktop in memory")
    assert not desktop.quiet  # the day is not started: nothing is followed
    with db.transaction() as s:
        day.start(s, "tester", BERLIN, clock.now())
    quiet.evaluate()
    qtbot.waitUntil(lambda: quiet.on)
    assert desktop.quiet and json.loads(path.read_text())["before"] == {"quiet": False}
    assert said[-1] == (True, "Focus — Do Not Disturb until 10:00")
    # an interruption gives the desktop back; back to work makes it quiet again
    clock.advance(timedelta(minutes=10))
    with db.transaction() as s:
        tracking.interrupt(s, "tester", BERLIN, clock.now(), note="phone")
    quiet.evaluate()
    qtbot.waitUntil(lambda: not quiet.on)
    assert not desktop.quiet and not path.exists()
    with db.transaction() as s:
        tracking.resume(s, "tester", BERLIN, clock.now() + timedelta(minutes=2))
    clock.advance(timedelta(minutes=3))
    quiet.evaluate()
    qtbot.waitUntil(lambda: quiet.on)
    # ended early by hand: loud for the rest of this block, quiet in the next one
    assert quiet.end_early()
    qtbot.waitUntil(lambda: not quiet.on)
    clock.set(at("09:40"))
    quiet.evaluate()
    assert not quiet.on and quiet._asked is False
    clock.set(at("10:00"))
    with db.transaction() as s:
        day.catch_up(s, "tester", BERLIN, clock.now())
    quiet.evaluate()
    qtbot.waitUntil(lambda: quiet.on)
    assert quiet.ended_early == set()
    # quitting in the block: the desktop as it was, before the app goes
    quiet.stop()
    assert not desktop.quiet and not path.exists()
    assert desktop.switches == [True, False, True, False, True, False]


def test_a_state_left_by_a_crash_is_put_back_at_start(
    qtbot: QtBot, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    desktop, path = MemoryDesktop(quiet=True), tmp_path / "dnd.json"
    path.write_text(json.dumps({"backend": "memory", "before": {"quiet": False}, "extra": {}}))
    quiet = controller(db, clock, desktop, path)
    quiet.start()
    qtbot.waitUntil(lambda: not path.exists())
    assert desktop.quiet is False
    quiet.stop()


def test_no_desktop_found_is_said_and_nothing_breaks(
    qtbot: QtBot, db: Database, clock: FakeClock, seeded: Seeded, tmp_path: Path
) -> None:
    switched_on(db)
    with db.transaction() as s:
        day.start(s, "tester", BERLIN, clock.now())
    quiet = FocusDnd(
        Gateway(db, clock, BERLIN),
        detect=lambda: dnd.Detected(None, "no notification daemon found"),
        path=tmp_path / "dnd.json",
    )
    quiet.start()
    qtbot.waitUntil(lambda: quiet.description.startswith("none found"))
    qtbot.wait(50)
    assert not quiet.on and quiet.text() == ""
    quiet.stop()


def test_settings_has_the_switch_the_roles_and_the_desktop_found(
    qtbot: QtBot, db: Database, clock: FakeClock
) -> None:
    gateway = Gateway(db, clock, BERLIN)
    dialog = SettingsDialog(gateway, DAY, dnd_status=lambda: "dunst (notifications paused)")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.dnd_desktop.text() == "Desktop found: dunst (notifications paused)"
    check = dialog._switches["dnd_focus"]
    assert not check.isChecked()  # off until the person opts in
    check.click()
    assert gateway.setting("dnd_focus") is True
    with db.transaction() as s:
        community = planning.find_role(s, "tester", "Community")
    dialog._dnd_roles[community.id].click()
    assert gateway.setting("dnd_roles") == [community.id]
    dialog.reload()
    assert dialog._dnd_roles[community.id].isChecked() and check.isChecked()


def test_the_mini_window_marks_focus_and_one_key_ends_it(qtbot: QtBot, window: MainWindow) -> None:
    ended: list[bool] = []
    window.on_end_focus = lambda: ended.append(True) or True
    window.set_mini_visible(True)
    mini = window.mini
    assert mini is not None
    qtbot.waitExposed(mini)
    assert not mini.dnd.isVisible() and not window.end_focus_action.isEnabled()
    window.show_dnd(True, "Focus — Do Not Disturb until 10:00")
    assert mini.dnd.isVisible() and mini.dnd.text() == "Focus — Do Not Disturb until 10:00"
    assert mini.end_focus.isVisible()
    assert window.dnd_label.text() == "Focus — Do Not Disturb until 10:00 (Ctrl+D ends it)"
    mini.activateWindow()
    qtbot.keyClick(mini, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert ended == [True]
    assert "Do Not Disturb is off" in window.statusBar().currentMessage()
    mini.end_focus.click()
    assert ended == [True, True]
    window.show_dnd(False, "")
    assert not mini.dnd.isVisible() and not window.end_focus_action.isEnabled()


def test_the_timer_reads_the_plan_once_a_minute_and_a_change_at_once(
    qtbot: QtBot, db: Database, clock: FakeClock, seeded: Seeded, tmp_path: Path
) -> None:
    """The blocks begin and end on minutes: within one minute the timer has nothing new to
    read (on a shared server over a slow link each read froze the window for a second, every
    5 s). A change of the data is evaluated at once all the same."""
    switched_on(db)
    desktop = MemoryDesktop()
    quiet = controller(db, clock, desktop, tmp_path / "dnd.json")
    reads: list[object] = []
    real = quiet._read

    def counted(now: Any) -> Any:
        reads.append(now)
        return real(now)

    quiet._read = counted  # type: ignore[method-assign]
    clock.set(at("09:10"))
    quiet.start()  # evaluates once
    qtbot.waitUntil(lambda: quiet.description == "a desktop in memory")
    assert len(reads) == 1
    clock.advance(timedelta(seconds=20))
    quiet._on_timer()
    quiet._on_timer()
    assert len(reads) == 1  # the same minute: no read
    with db.transaction() as s:
        day.start(s, "tester", BERLIN, clock.now())
    quiet.evaluate()  # what gateway.changed calls
    assert len(reads) == 2
    qtbot.waitUntil(lambda: quiet.on)
    clock.advance(timedelta(seconds=45))  # 09:11:05: a new minute
    quiet._on_timer()
    assert len(reads) == 3
    quiet.stop()
