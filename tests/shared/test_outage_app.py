"""The running app while the shared server is away: a forwarded `splitday interrupt` and the
hotkey's back-to-work are kept on the device and said so (status bar, tray tooltip); the timer
delivers them when the server is back, and the line goes away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pgcluster import Cluster
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from planner.domain.clock import FakeClock
from planner.services import planning
from planner.storage.db import open_database
from ui.dialogs.quick_log import QuickLog
from ui.gateway import Gateway
from ui.shell.interruptions import Interruptions, parse_minutes
from ui.shell.offline import OfflineWatch

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.slow


def test_the_app_keeps_interruptions_while_the_server_is_away(
    qtbot: QtBot, cluster: Cluster, server_db: str
) -> None:
    db = open_database(server_db, owner="alice")
    with db.transaction() as s:
        planning.ensure_defaults(s, "alice")
    with db.read() as s:
        role = planning.list_roles(s, "alice")[0]
    clock = FakeClock(datetime.now(UTC) - timedelta(hours=1))
    gateway = Gateway(db, clock, BERLIN)
    quick_log = QuickLog(BERLIN, parse_minutes)
    intr = Interruptions(gateway, quick_log)
    window = QMainWindow()
    qtbot.addWidget(window)
    qtbot.addWidget(quick_log)
    tips: list[str] = []

    class Tray:
        def set_offline(self, text: str) -> None:
            tips.append(text)

    watch = OfflineWatch(gateway, window, lambda: Tray())  # type: ignore[arg-type,return-value]
    watch.timer.stop()  # the test delivers by hand, at the moments it chooses
    said: list[str] = []
    intr.kept.connect(said.append)

    reply = intr.handle_interrupt({"note": "online one", "at": clock.now().isoformat()})
    assert reply.ok and "interruption logged" in reply.message
    clock.advance(timedelta(minutes=5))
    cluster.stop("immediate")
    try:
        reply = intr.handle_interrupt({"note": "offline one", "at": clock.now().isoformat()})
        assert reply.ok, reply.message
        assert reply.message.startswith("Saved on this device: ")
        assert "offline since" in reply.message and "1 change waiting" in reply.message
        assert watch.label.isVisibleTo(window)
        assert watch.label.text().startswith("Offline since")
        assert tips[-1].startswith("offline since")
        clock.advance(timedelta(minutes=7))
        back = intr.on_hotkey(clock.now())  # the kept interruption runs: back to work
        assert back.startswith("Saved on this device: ") and "back to work" in back
        assert "2 changes waiting" in watch.label.text()
        failed: list[str] = []
        gateway.failed.connect(failed.append)
        start = clock.now() + timedelta(hours=1)
        # a plan edit cannot wait on the device: refused at once, in words that say what can
        assert not gateway.add_slot(start, start + timedelta(minutes=30), role.id)
        assert failed and "interruptions, back to work, starting and stopping" in failed[-1]
        assert "task edits (add, check off, rename, delete) and moving" in failed[-1], failed
        assert "new or deleted slots, planning the day and scheduling or reordering" in failed[-1]
        assert watch.deliver() is None  # the port does not answer: no wait, nothing lost
        assert len(gateway.waiting()) == 2
    finally:
        cluster.start()
    report = watch.deliver()
    assert report is not None and report.delivered == 2 and report.left == 0
    assert not watch.label.isVisibleTo(window) and tips[-1] == ""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT note, \"end\" IS NULL FROM entry WHERE kind = 'interruption' ORDER BY start"
            )
        ).all()
    assert [(r[0], r[1]) for r in rows] == [("online one", False), ("offline one", False)]
    qtbot.waitUntil(lambda: len(said) == 2, timeout=2000)  # said after each reply
    db.close()
