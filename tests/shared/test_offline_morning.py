"""The window while the shared server is away, as a person lives it (shared-day findings 3, 6
and 17): started on a new morning with the server down it draws today's empty day with the
roles last seen and says why (not "Loading…"), the quick log offers those roles and the
interruption typed there is delivered exactly once when the server is back; a window left
running through an outage follows the clock over the plan last seen (the time left, the
meeting that begins); `splitday status` away says "as last seen at" on the caller's clock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import ROOT
from pgcluster import Cluster
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, text

from planner.domain.clock import FakeClock, clock_from_env, local_zone
from planner.services import day as day_flow
from planner.services import planning
from planner.storage.db import open_database
from planner.storage.models import CalendarSource, Occurrence

BERLIN = ZoneInfo("Europe/Berlin")
OFFSCREEN_LIMITS = r"This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)"
pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore(OFFSCREEN_LIMITS)]
NO_PLAN = "No plan seen for today yet — the server is away; interruptions are kept on this device"


def _at(hh: int, mm: int, days: int = 0) -> datetime:
    """Mon 7 Dec 2026 (plus `days`), Berlin wall time, as aware UTC."""
    return datetime(2026, 12, 7 + days, hh, mm, tzinfo=BERLIN).astimezone(UTC)


def _interruptions(url: str) -> list[tuple[str, str, datetime, int]]:
    """(note, role name, start, how many delivered_change rows of kind interrupt)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT e.note, r.name, e.start, (SELECT count(*) FROM delivered_change d"
                    " WHERE d.kind = 'interrupt') FROM entry e JOIN role r ON r.id = e.role_id"
                    " WHERE e.kind = 'interruption' ORDER BY e.start"
                )
            ).all()
    finally:
        engine.dispose()
    return [(str(r[0]), str(r[1]), r[2], int(r[3])) for r in rows]


def test_a_new_morning_with_the_server_away_draws_todays_empty_day_and_keeps_what_is_typed(
    qtbot: QtBot, cluster: Cluster, server_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPLITDAY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SPLITDAY_OWNER", "alice")
    monkeypatch.setenv("SPLITDAY_NO_DIALOGS", "1")
    monkeypatch.setenv("SPLITDAY_NO_DELIVERER", "1")
    from ui.dialogs.quick_log import QuickLog
    from ui.shell import plan_cache
    from ui.shell.app import MorningPlan, build, cache_key, cache_path
    from ui.shell.interruptions import Interruptions, parse_minutes
    from ui.shell.offline import OfflineWatch, offer_roles_seen, plan_when_back

    zone = local_zone()
    monkeypatch.setenv("SPLITDAY_NOW", "2026-12-07T16:00")  # Monday, online
    db = open_database(server_db, owner="alice")
    with db.transaction() as s:
        planning.ensure_defaults(s, "alice")
        planning.set_workday_hours(s, "alice", 1, 8 * 60, 15 * 60, True)  # Tuesdays 08:00-15:00
        planning.auto_plan(s, "alice", date(2026, 12, 7), zone)
    db.close()
    _app, first, online = build(server_db)  # the window shows Monday and keeps it
    qtbot.addWidget(first)
    qtbot.waitUntil(lambda: cache_path().exists() and first.snapshot is not None, timeout=60000)
    shown = first.snapshot
    assert shown is not None and shown.day == date(2026, 12, 7) and shown.plan.slots
    assert plan_cache.load_week(cache_path(), cache_key(server_db)) is not None
    qtbot.waitUntil(lambda: online._timer is not None, timeout=30000)  # its first tick ran
    first.hide()
    online.close()
    assert online.gateway is not None
    online.gateway.db.close()
    roles = [r.name for r in shown.plan.roles if not r.archived]
    assert len(roles) >= 2
    monkeypatch.setenv("SPLITDAY_NOW", "2026-12-08T08:50")  # Tuesday, a new morning

    cluster.stop("immediate")
    runtime = None
    try:
        _app, window, runtime = build(server_db)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: runtime is not None and runtime.gateway is not None, timeout=60000)
        gateway = runtime.gateway
        assert runtime.failure == "" and runtime.db is not None
        assert runtime.db.unchecked is not None  # started with the server away
        assert window.last_error == "Showing what was last seen: offline since 08:50"
        # today's empty day, not Monday's plan and not "Loading…"
        snap = window.snapshot
        assert snap is not None and snap.unseen
        assert snap.day == snap.today == clock_from_env().now().astimezone(zone).date()
        assert snap.plan.slots == () and snap.entries == ()
        assert [r.name for r in snap.plan.roles if not r.archived] == roles
        assert window.timeline.snapshot is snap
        assert window.day_label.text().startswith("Today, ")
        assert window.day_label.text().endswith("08:00–15:00")  # Tuesday's hours, kept
        card = window.now_panel.card
        assert card.role.text() == "Offline"
        assert card.task.text() == NO_PLAN
        assert card.next.text() == ""  # the hours are Monday's: no guessed hard stop said
        assert window.date_edit.date().day() == 8
        # the quick log, built as wire_features builds it, offers the roles last seen
        quick_log = QuickLog(zone, parse_minutes)
        qtbot.addWidget(quick_log)
        intr = Interruptions(gateway, quick_log)  # the server's list cannot be read
        offer_roles_seen(window, quick_log)
        kept: list[str] = []
        intr.kept.connect(kept.append)
        chips = [c.text() for c in quick_log.roles._chips]
        assert chips == [f"{n} {name}" for n, name in enumerate(roles, start=1)]
        intr.on_hotkey(clock_from_env().now())
        qtbot.waitUntil(quick_log.isVisible, timeout=5000)
        assert quick_log.roles.role_id() is None  # the plan's role on delivery, unless chosen
        qtbot.keyClicks(quick_log.note, "printer on fire")
        qtbot.keyClick(quick_log.note, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
        assert quick_log.roles.role_id() == snap.plan.roles[1].id
        qtbot.keyClick(quick_log.note, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: bool(kept), timeout=5000)
        assert kept[0].startswith("Saved on this device")
        assert not quick_log.isVisible()
        # the Now panel shows it, over the empty day
        qtbot.waitUntil(lambda: "Interruption since 08:50" in card.task.text(), timeout=5000)
        assert "saved on this device" in card.state.text()
        watch = OfflineWatch(gateway, window, lambda: None)  # as wire_features does
        watch.timer.stop()  # the test delivers at the moment it chooses
        planned: list[bool] = []
        morning = MorningPlan(gateway, lambda: planned.append(True))
        plan_when_back(gateway, morning)
        assert not morning.check() and planned == []  # cannot tell while away
        assert watch.deliver() is None
    finally:
        cluster.start()
    assert window.statusBar().currentMessage().startswith("Showing what was last seen")
    report = watch.deliver()
    assert report is not None and report.delivered == 1 and report.left == 0
    assert window.statusBar().currentMessage() == ""  # the offline line is gone with it
    assert planned == [True]  # the first look at the workday now: Plan my day opens
    again = watch.deliver()  # one more round: nothing is delivered twice
    assert again is None or again.delivered == 0
    rows = _interruptions(server_db)
    assert [(n, r, c) for n, r, _, c in rows] == [("printer on fire", roles[1], 1)]
    pressed = datetime(2026, 12, 8, 8, 50, tzinfo=zone)  # SPLITDAY_NOW is in the local zone
    assert abs(rows[0][2] - pressed) < timedelta(seconds=1)  # at the key press
    # the window reads the server again: today as the server has it
    qtbot.waitUntil(
        lambda: window.snapshot is not None and not window.snapshot.unseen, timeout=30000
    )
    assert card.task.text() != NO_PLAN
    watch.close()
    window.close()
    qtbot.wait(100)
    runtime.close()
    gateway.db.close()


def test_a_window_running_through_an_outage_follows_the_clock_over_the_plan_last_seen(
    qtbot: QtBot, cluster: Cluster, server_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.gateway import Gateway
    from ui.shell.main_window import MainWindow

    monkeypatch.setenv("SPLITDAY_DATA_DIR", str(tmp_path / "data"))
    clock = FakeClock(_at(10, 30))
    db = open_database(server_db, owner="alice")
    with db.transaction() as s:
        planning.ensure_defaults(s, "alice")
        support = planning.find_role(s, "alice", "Support")
        other = next(r for r in planning.list_roles(s, "alice") if r.id != support.id)
        planning.add_slot(s, "alice", BERLIN, _at(9, 0), _at(11, 0), support.id)
        planning.add_slot(s, "alice", BERLIN, _at(11, 30), _at(12, 30), other.id)
        source = CalendarSource(owner="alice", name="work", kind="file", location="/x.ics")
        s.add(source)
        s.flush()
        s.add(
            Occurrence(
                owner="alice",
                source_id=source.id,
                uid="standup",
                recurrence_id="",
                summary="Stand-up",
                start=_at(11, 0),
                end=_at(11, 30),
            )
        )
        day_flow.start(s, "alice", BERLIN, clock.now())
    window = MainWindow(
        QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat), clock, BERLIN
    )
    qtbot.addWidget(window)
    window.resize(1200, 900)
    window.show()
    qtbot.waitExposed(window)
    gateway = Gateway(db, clock, BERLIN, window.undo_stack, window)
    failed: list[str] = []
    gateway.failed.connect(failed.append)
    window.attach(gateway)
    card = window.now_panel.card
    assert window.snapshot is not None
    shown_roles = window.snapshot.plan.roles
    assert card.role.text() == "Support"
    assert card.left.text() == "30 min left (until 11:00)"
    assert card.next.text() == "Next: Stand-up at 11:00"
    cluster.stop("immediate")
    try:
        clock.set(_at(10, 50))
        window.tick()
        assert window.last_error.startswith("Showing what was last seen: offline since 10:50")
        assert card.left.text() == "10 min left (until 11:00)"
        assert window.timeline.now == clock.now()  # the now line moved
        assert card.state.text().startswith("Following the plan")
        clock.set(_at(11, 5))
        window.tick()
        assert (card.role.text(), card.task.text()) == ("Meeting", "Stand-up")
        assert card.left.text() == "25 min left (until 11:30)"
        assert card.next.text() == f"Next: {other.name} at 11:30"
        clock.set(_at(11, 40))
        window.tick()
        assert card.role.text() == other.name
        assert card.left.text() == "50 min left (until 12:30)"
        assert window.snapshot is not None and window.snapshot.now == clock.now()
        assert not window.snapshot.unseen  # today was seen: its plan, not an empty day
        assert failed == []  # nothing was said as "not saved": the person did nothing
        clock.set(_at(8, 50, days=1))  # the window left open overnight, the server still away
        window.tick()
        assert window.day == window.today == date(2026, 12, 8)
        assert window.snapshot is not None and window.snapshot.unseen
        assert window.snapshot.plan.roles == shown_roles
        assert (card.role.text(), card.task.text()) == ("Offline", NO_PLAN)
        assert window.date_edit.date().day() == 8
    finally:
        cluster.start()
    qtbot.waitUntil(lambda: gateway.tick(), timeout=30000)
    window.reload()
    assert window.snapshot is not None and not window.snapshot.unseen
    assert window.snapshot.day == date(2026, 12, 8)
    assert card.task.text() != NO_PLAN
    window.close()
    db.close()


def test_status_away_says_when_it_was_last_seen_on_the_callers_clock(
    cluster: Cluster, server_db: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TZ": "Europe/Berlin",
        "SPLITDAY_DB_URL": server_db,
        "SPLITDAY_OWNER": "alice",
        "SPLITDAY_DATA_DIR": str(tmp_path / "data"),
        "SPLITDAY_SOCKET": str(tmp_path / "no-app.sock"),
        "SPLITDAY_NO_DELIVERER": "1",
        "PYTHONPATH": str(ROOT),
    }

    def splitday(now: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "planner.cli.main", *args],
            cwd=ROOT,
            env={**env, "SPLITDAY_NOW": now},
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert splitday("2026-12-07T08:52", "plan", "--auto").returncode == 0
    seen = splitday("2026-12-07T08:52", "status")
    assert seen.returncode == 0, seen.stderr
    cluster.stop("immediate")
    try:
        away = splitday("2026-12-07T10:34", "status")
    finally:
        cluster.start()
    assert away.returncode == 0, away.stderr
    assert "as last seen at 08:52 (now 10:34):" in away.stdout, away.stdout
    assert "Traceback" not in away.stderr


def test_the_real_app_started_on_a_new_morning_with_the_server_away_keeps_and_delivers(
    tmp_path: Path, cluster: Cluster, server_db: str
) -> None:
    """The whole app as a process (wire_features included): Monday seen online, Tuesday
    started with the server down; a forwarded interruption is kept, delivered exactly once."""
    from test_offline_start import App, _notes, _wait

    app = App(tmp_path, server_db)
    try:
        assert app.cli("plan", "--auto").returncode == 0
        app.start()  # Monday 09:30, online: the window keeps Monday's plan on the device
        _wait((app.data / "today-cache.json").exists, 60, "Monday's plan kept on the device")
        assert app.quit() == 0
        app.env["SPLITDAY_NOW"] = "2026-12-08T08:50"  # Tuesday, before anything is planned
        cluster.stop("immediate")
        try:
            app.start()
            said = app.cli("interrupt", "printer on fire", "--source", "phone")
            assert said.returncode == 0, said.stderr
            assert "Saved on this device" in said.stdout, said.stdout
            assert "by the running Splitday" in said.stdout, said.stdout
        finally:
            cluster.start()
        _wait(lambda: _notes(server_db), 90, "the kept interruption on the server")
        assert _notes(server_db) == [("printer on fire", 1)]
        assert app.quit() == 0
    finally:
        app.kill()
    log = app.log.read_text(errors="replace")
    assert "Traceback" not in log, log
