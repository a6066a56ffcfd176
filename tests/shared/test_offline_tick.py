"""The minute's tick while the shared server is away: said once by the offline line (status
bar, tray), never as "the change was not saved" — the person did nothing (shared-day finding
2: a modal box once a minute). A failure that is not an outage is still said."""

from __future__ import annotations

from pathlib import Path

import pytest
from pgcluster import Cluster
from pytestqt.qtbot import QtBot

from planner.domain.clock import FakeClock, local_zone
from planner.services import day, planning
from planner.storage.db import open_database

pytestmark = pytest.mark.slow


def test_the_tick_while_the_server_is_away_says_offline_and_nothing_else(
    qtbot: QtBot, cluster: Cluster, server_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime, timedelta

    from ui.gateway import Gateway

    monkeypatch.setenv("SPLITDAY_DATA_DIR", str(tmp_path / "data"))
    clock, zone = FakeClock(datetime(2026, 12, 7, 8, 50, tzinfo=UTC)), local_zone()
    db = open_database(server_db, owner="alice")
    with db.transaction() as s:
        planning.ensure_defaults(s, "alice")
        planning.auto_plan(s, "alice", planning.day_of(s, "alice", clock.now(), zone), zone)
        day.start(s, "alice", zone, clock.now())
    gateway = Gateway(db, clock, zone)
    failed: list[str] = []
    offline: list[str] = []
    gateway.failed.connect(failed.append)
    gateway.offline_changed.connect(offline.append)
    assert gateway.tick()
    cluster.stop("immediate")
    try:
        for _ in range(3):  # three minutes away
            clock.advance(timedelta(minutes=1))
            assert not gateway.tick()
        assert failed == []
        assert len(offline) == 1 and offline[0].startswith("offline since")
    finally:
        cluster.start()
    clock.advance(timedelta(minutes=1))
    assert gateway.tick()  # back: the log follows the plan again
    db.close()
