"""`splitday status` answered by the running app (issue 18: status over a slow link). The app
reads today's rows in one statement over a connection it keeps, and computes the status with
the same services the command uses: the answer is the command's, byte for byte, without the
command importing the ORM or connecting. Where the app leaves it to the command (the server
away, something waiting on this device), the command's own answer follows."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from pgcluster import Cluster
from test_offline_start import App

from planner.storage import live
from planner.storage.db import open_database

pytestmark = pytest.mark.slow


@pytest.fixture
def app(tmp_path: Path, server_db: str) -> Iterator[App]:
    running = App(tmp_path, server_db)
    yield running
    running.kill()


def _status(app: App, *args: str) -> tuple[subprocess.CompletedProcess[str], bool]:
    """`status` as a person runs it, and whether the command loaded SQLAlchemy itself."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "planner.cli.main", *args, "status"],
        cwd=ROOT,
        env=app.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    loaded = any(
        line.split("|")[-1].strip() == "sqlalchemy"
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    )
    return done, loaded


def test_the_running_app_answers_status_as_the_command_would(app: App, server_db: str) -> None:
    for setup in (["plan", "--auto"], ["start"], ["interrupt", "printer", "--source", "phone"]):
        done = app.cli(*setup)
        assert done.returncode == 0, done.stderr
    app.start()
    answered, loaded = _status(app)
    assert answered.returncode == 0, answered.stderr
    assert not loaded, "the command did the work itself: the app did not answer"
    direct, loaded_direct = _status(app, "--db", server_db)  # --db: never forwarded
    assert direct.returncode == 0, direct.stderr
    assert loaded_direct
    assert answered.stdout == direct.stdout
    assert "printer" in answered.stdout and "in an interruption" in answered.stdout
    as_json, _ = _status(app, "--json")
    direct_json, _ = _status(app, "--db", server_db, "--json")
    assert as_json.stdout == direct_json.stdout

    # the answer is read from the server at the moment it is asked: a change made by another
    # device (here: the command with --db) is in the very next status
    assert app.cli("--db", server_db, "resume").returncode == 0
    after, loaded = _status(app)
    assert not loaded and "in an interruption" not in after.stdout
    assert after.stdout == _status(app, "--db", server_db)[0].stdout
    assert app.quit() == 0


def test_on_the_sqlite_file_too_and_the_command_follows_the_plan_itself(tmp_path: Path) -> None:
    """On this device's file the app answers in a few milliseconds; where the log must first
    catch up with the plan (a write), the app leaves it to the command, which does it."""
    url = f"sqlite:///{tmp_path / 'splitday.sqlite3'}"
    app = App(tmp_path, url)
    try:
        assert app.cli("plan", "--auto").returncode == 0
        assert app.cli("start").returncode == 0
        app.start()
        answered, loaded = _status(app)
        assert answered.returncode == 0, answered.stderr
        assert not loaded
        direct, _ = _status(app, "--db", url)
        assert answered.stdout == direct.stdout
        assert app.quit() == 0
        # an hour later, with no app to follow the plan meanwhile: the log must catch up
        app.env["SPLITDAY_NOW"] = "2026-12-07T10:45"
        app.start()
        app.env["SPLITDAY_NOW"] = "2026-12-07T11:50"
        later, loaded = _status(app)
        assert later.returncode == 0, later.stderr
        assert later.stdout == _status(app, "--db", url)[0].stdout
        assert "now 11:50" in later.stdout
    finally:
        app.kill()


def test_with_the_server_away_the_command_answers_from_what_was_last_seen(
    app: App, cluster: Cluster
) -> None:
    assert app.cli("plan", "--auto").returncode == 0
    assert app.cli("start").returncode == 0
    app.start()
    seen, _ = _status(app)
    assert seen.returncode == 0
    cluster.stop()
    try:
        away, loaded = _status(app)
        assert away.returncode == 0, away.stderr
        assert loaded  # the app left it to the command, which says the server is away
        assert "offline since" in away.stdout
        # what the app saw last is what the command shows (the app kept it on the device)
        assert seen.stdout.splitlines()[-1] in away.stdout
    finally:
        cluster.start()


def test_the_minutes_sign_of_life_wakes_no_device_but_a_break_does(
    server_db: str,
) -> None:
    """Migration 0007: every running app writes `last_seen` each minute; that re-read every
    device's every view every minute (seconds of a frozen window over a slow link). What a
    device shows still notifies: a setting, a break in the plan."""
    from datetime import UTC, datetime, timedelta

    from planner.services import planning, tracking
    from planner.storage.models import PlannedBreak

    db = open_database(server_db, owner="alice")
    woke = threading.Event()
    listener = live.start(server_db, "alice", woke.set)
    assert listener is not None
    try:
        assert listener.listening.wait(10)
        with db.transaction() as s:
            tracking.heartbeat(s, "alice", datetime.now(UTC))
        assert not woke.wait(1.5), "the sign of life notified the devices"
        with db.transaction() as s:
            planning.set_setting(s, "alice", "hotkey", "Ctrl+Alt+J")
        assert woke.wait(5), "a setting a device shows did not notify"
        woke.clear()
        with db.transaction() as s:
            start = datetime(2026, 12, 7, 11, 30, tzinfo=UTC)
            s.add(
                PlannedBreak(
                    owner="alice", day=start.date(), start=start, end=start + timedelta(minutes=45)
                )
            )
        assert woke.wait(5), "a break in the plan did not notify"
    finally:
        listener.stop()
        db.close()
