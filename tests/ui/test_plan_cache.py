"""The cached plan: painted at start when it is today's plan of this database, else ignored."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot
from ui_helpers import BERLIN, DAY, Seeded, at

from planner.domain.clock import FakeClock
from planner.storage.db import Database
from ui.gateway import Gateway
from ui.shell import plan_cache
from ui.shell.main_window import MainWindow


def test_round_trip_gives_the_same_plan(
    db: Database, clock: FakeClock, seeded: Seeded, tmp_path: Path, qtbot: QtBot
) -> None:
    from PySide6.QtGui import QUndoStack

    gateway = Gateway(db, clock, BERLIN, QUndoStack())
    snapshot = gateway.load(DAY)
    path = tmp_path / "cache.json"
    plan_cache.save(path, "k", snapshot)
    assert os.stat(path).st_mode & 0o077 == 0  # the owner's eyes only
    again = plan_cache.load(path, "k", clock.now(), BERLIN)
    assert again is not None
    assert again.plan == snapshot.plan
    assert again.entries == snapshot.entries
    assert plan_cache.load(path, "other db", clock.now(), BERLIN) is None
    assert plan_cache.load(path, "k", clock.now() + timedelta(days=1), BERLIN) is None


def test_broken_cache_is_no_cache(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    path.write_text("{not json")
    assert plan_cache.load(path, "k", at("09:00"), BERLIN) is None
    assert plan_cache.load(tmp_path / "missing.json", "k", at("09:00"), BERLIN) is None


def test_window_shows_the_cached_plan_but_edits_nothing(
    qtbot: QtBot, db: Database, clock: FakeClock, seeded: Seeded, tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QUndoStack

    snapshot = Gateway(db, clock, BERLIN, QUndoStack()).load(DAY)
    win = MainWindow(settings, clock, BERLIN)
    qtbot.addWidget(win)
    win.show_cached(snapshot)
    win.show()
    qtbot.waitExposed(win)
    assert win.now_panel.card.role.text() == "Support"
    assert len(win.timeline.snapshot.plan.slots) == 3
    tl = win.timeline
    slot = snapshot.plan.slots[0]
    tl.slot_remove_requested.emit(slot.id)  # no database yet: nothing happens
    assert win.gateway is None
