"""Fixtures for the main window: a seeded day, the real window wired to the real gateway."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot
from ui_helpers import BERLIN, DAY, Seeded, at

from planner.domain.clock import FakeClock
from planner.services import planning
from planner.storage.db import Database
from ui.gateway import Gateway
from ui.shell.main_window import MainWindow


@pytest.fixture
def seeded(db: Database, clock: FakeClock) -> Seeded:
    with db.transaction() as s:
        roles = planning.list_roles(s, "tester")
        support, community = roles[0].id, roles[1].id
        slots = {}
        for start, end, role in (
            ("09:00", "10:00", support),
            ("10:00", "11:00", community),
            ("13:00", "14:00", support),
        ):
            slot, _ = planning.add_slot(s, "tester", BERLIN, at(start), at(end), role)
            slots[start] = slot.id
        tasks = {}
        for title, role, minutes in (
            ("Answer tickets", support, 30),
            ("Write newsletter", community, 60),
            ("Update FAQ", support, 45),
        ):
            task, _ = planning.add_task(
                s, "tester", title, role, now=clock.now(), day=DAY, estimate_minutes=minutes
            )
            tasks[title] = task.id
    return Seeded(support, community, slots, tasks)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(
    qtbot: QtBot, db: Database, clock: FakeClock, seeded: Seeded, settings: QSettings
) -> Iterator[MainWindow]:
    win = MainWindow(settings, clock, BERLIN)
    qtbot.addWidget(win)
    win.resize(1200, 900)
    win.show()
    qtbot.waitExposed(win)
    gateway = Gateway(db, clock, BERLIN, win.undo_stack, win)
    win.attach(gateway)
    yield win
    win.undo_stack.clear()


OFFSCREEN_LIMITS = r"This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform says so whenever a window is sized, raised or grabs the keyboard.
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_LIMITS))
