"""Two devices of one person see each other's changes within moments (LISTEN/NOTIFY): start an
interruption on the laptop, the desktop hears of it and resumes it; the laptop hears that."""

from __future__ import annotations

import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from planner.domain.clock import FakeClock
from planner.services import planning, tracking
from planner.storage import live
from planner.storage.db import open_database
from ui.gateway import Gateway
from ui.shell.offline import OfflineWatch

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.slow


def test_the_other_device_hears_of_a_change_within_two_seconds(server_db: str) -> None:
    laptop = open_database(server_db, owner="alice")
    desktop = open_database(server_db, owner="alice")
    with laptop.transaction() as s:
        planning.ensure_defaults(s, "alice")
    heard = threading.Event()
    listener = live.start(server_db, "alice", heard.set)
    assert listener is not None
    bob_heard: list[bool] = []
    others = live.start(server_db, "bob", lambda: bob_heard.append(True))
    assert others is not None
    try:
        assert listener.listening.wait(30) and others.listening.wait(30)
        at = datetime.now(UTC) - timedelta(hours=2)
        delays = []
        for i in range(10):
            heard.clear()
            with laptop.transaction() as s:
                tracking.interrupt(s, "alice", BERLIN, at + timedelta(minutes=5 * i), note=f"{i}")
            committed = time.perf_counter()
            assert heard.wait(10), "the desktop did not hear of it"
            with desktop.read() as s:
                running = tracking.running(s, "alice")
            delays.append(time.perf_counter() - committed)
            assert running is not None and running.note == f"{i}"
        print(
            f"write on A -> seen on B: median {statistics.median(delays) * 1000:.0f} ms, "
            f"max {max(delays) * 1000:.0f} ms"
        )
        assert max(delays) < 2.0
        time.sleep(1.5)
        assert bob_heard == []  # another person's changes are not announced to him
    finally:
        listener.stop()
        others.stop()
        laptop.close()
        desktop.close()


def test_started_on_the_laptop_resumed_on_the_desktop(qtbot: QtBot, server_db: str) -> None:
    windows = []
    gateways = []
    watches = []
    for _ in ("laptop", "desktop"):
        db = open_database(server_db, owner="alice")
        with db.transaction() as s:
            planning.ensure_defaults(s, "alice")
        gateway = Gateway(db, FakeClock(datetime.now(UTC) - timedelta(hours=1)), BERLIN)
        window = QMainWindow()
        qtbot.addWidget(window)
        watch = OfflineWatch(gateway, window, lambda: None)
        watch.timer.stop()
        windows.append(window)
        gateways.append(gateway)
        watches.append(watch)
    laptop, desktop = gateways
    try:
        time.sleep(1.0)  # both listening
        at = laptop.now()
        outcome = laptop.run(lambda s: tracking.interrupt(s, "alice", BERLIN, at, note="phone"))
        assert outcome.ok
        qtbot.waitUntil(lambda: watches[1].rereads >= 1, timeout=5000)
        running = desktop.read(lambda s: tracking.running(s, "alice"))
        assert running is not None and running.note == "phone"
        before = watches[0].rereads
        back = desktop.run(lambda s: tracking.resume(s, "alice", BERLIN, at + timedelta(minutes=4)))
        assert back.ok
        qtbot.waitUntil(lambda: watches[0].rereads > before, timeout=5000)
        now_running = laptop.read(lambda s: tracking.running(s, "alice"))
        assert now_running is None or now_running.kind != "interruption"
    finally:
        for watch, gateway in zip(watches, gateways, strict=True):
            watch.close()
            gateway.db.close()
