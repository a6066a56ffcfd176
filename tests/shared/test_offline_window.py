"""The main window through the real start-up path (ui.shell.app.build) while the shared server
is down: today's plan as the window last showed it, "Offline since" said at once, nothing
read from the server until it is back; then the schema check, and every view reads it again."""

from __future__ import annotations

from pathlib import Path

import pytest
from pgcluster import Cluster
from pytestqt.qtbot import QtBot

from planner.domain.clock import clock_from_env, local_zone
from planner.services import planning
from planner.storage.db import open_database

# the offscreen platform says so whenever a window is sized or raised (as in tests/ui)
OFFSCREEN_LIMITS = r"This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)"
pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore(OFFSCREEN_LIMITS)]


def test_the_window_starts_offline_on_the_plan_it_last_showed(
    qtbot: QtBot, cluster: Cluster, server_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPLITDAY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SPLITDAY_OWNER", "alice")
    monkeypatch.setenv("SPLITDAY_NO_DIALOGS", "1")
    monkeypatch.setenv("SPLITDAY_NO_DELIVERER", "1")
    monkeypatch.setenv("SPLITDAY_NOW", "2026-12-07T09:30")  # a Monday
    from ui.gateway import Gateway
    from ui.shell import plan_cache
    from ui.shell.app import build, cache_key, cache_path
    from ui.shell.offline import OfflineWatch

    clock, zone = clock_from_env(), local_zone()
    db = open_database(server_db, owner="alice")
    with db.transaction() as s:
        planning.ensure_defaults(s, "alice")
        today = planning.day_of(s, "alice", clock.now(), zone)
        planning.auto_plan(s, "alice", today, zone)
    shown = Gateway(db, clock, zone).load(today)  # what the window showed last time …
    plan_cache.save(cache_path(), cache_key(server_db), shown)  # … and kept, as the app does
    db.close()
    planned = [(s.start, s.role_id) for s in shown.plan.slots]
    assert planned

    cluster.stop("immediate")
    runtime = None
    try:
        _app, window, runtime = build(server_db)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: runtime is not None and runtime.gateway is not None, timeout=60000)
        assert runtime.failure == ""  # it started: no "cannot be reached" box, no exit
        assert runtime.db is not None and runtime.db.unchecked is not None
        assert window.snapshot is not None
        assert [(s.start, s.role_id) for s in window.snapshot.plan.slots] == planned
        assert window.last_error.startswith("Showing what was last seen: offline since")
        watch = OfflineWatch(runtime.gateway, window, lambda: None)  # as wire_features does
        watch.timer.stop()  # the test delivers at the moment it chooses
        assert watch.label.isVisibleTo(window)
        assert watch.label.text().startswith("Offline since")
        loads = window._loads
        assert watch.deliver() is None  # the port does not answer: no wait
    finally:
        cluster.start()
    report = watch.deliver()
    assert report is not None and report.left == 0
    assert runtime.db.unchecked is None  # the schema was checked on the way back
    assert not watch.label.isVisibleTo(window)
    qtbot.waitUntil(lambda: window._loads > loads, timeout=30000)  # read from the server again
    assert [(s.start, s.role_id) for s in window.snapshot.plan.slots] == planned
    watch.close()
    window.close()  # as the app ends: the window, then the runtime (no tick after it)
    qtbot.wait(100)
    runtime.close()
    runtime.gateway.db.close()  # what the window read while it closed, given back
