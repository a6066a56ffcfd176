"""The interruption hotkey, single instance and forwarded commands against the real app in Xvfb."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from planner.domain.timerange import Interval
from planner.domain.values import EntryV
from planner.services import tracking
from planner.storage.db import open_database
from tests.e2e.xsession import (
    QUICK_LOG_TITLE,
    App,
    app_env,
    focused_name,
    require,
    splitday,
    visible_window,
    wait_for,
    xdotool,
    xvfb,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def display() -> Iterator[str]:
    reason = require("Xvfb", "xdotool")
    if reason:
        pytest.skip(reason)
    with xvfb() as name:
        yield name


@pytest.fixture
def env(display: str, tmp_path: Path) -> dict[str, str]:
    # These run on the real clock (the stamps are compared with it): on a workday from 04:00 on,
    # Plan my day would open by itself over the window and take the focus the tests wait for.
    return {**app_env(display, tmp_path), "SPLITDAY_NO_DIALOGS": "1"}


@pytest.fixture
def app(env: dict[str, str]) -> Iterator[App]:
    running = App(env)
    yield running
    running.stop()


def _interruptions(env: dict[str, str]) -> list[EntryV]:
    db = open_database(env["SPLITDAY_DB_URL"], owner="e2e")
    try:
        now = datetime.now(UTC)
        with db.transaction() as s:
            rows = tracking.list_entries(s, "e2e", Interval(now - timedelta(days=2), now))
        return [e for e in rows if e.kind == "interruption"]
    finally:
        db.close()


def test_hotkey_opens_quick_log_and_enter_logs_the_note(app: App, env: dict[str, str]) -> None:
    app.focus()
    pressed = datetime.now(UTC)
    xdotool(env, "key", "ctrl+alt+i")
    wait_for(lambda: visible_window(env, QUICK_LOG_TITLE), 5)
    wait_for(lambda: focused_name(env) == QUICK_LOG_TITLE, 5)
    time.sleep(1.2)  # the stamp is the key press, not when typing ends
    xdotool(env, "type", "--delay", "5", "printer on fire")
    xdotool(env, "key", "Return")
    rows = wait_for(lambda: _interruptions(env), 5)
    assert isinstance(rows, list)
    [entry] = rows
    assert entry.note == "printer on fire"
    assert entry.end is None
    assert abs((entry.start - pressed).total_seconds()) < 1.0
    assert visible_window(env, QUICK_LOG_TITLE) is None
    # Esc leaves no trace, and the closed window does not come back by itself
    app.focus()
    xdotool(env, "key", "ctrl+alt+i")  # an interruption runs: this is "back to work"
    wait_for(lambda: _interruptions(env)[0].end is not None, 5)
    time.sleep(0.5)
    xdotool(env, "key", "ctrl+alt+i")
    wait_for(lambda: focused_name(env) == QUICK_LOG_TITLE, 5)
    xdotool(env, "type", "never mind")
    xdotool(env, "key", "Escape")
    wait_for(lambda: visible_window(env, QUICK_LOG_TITLE) is None, 5)
    time.sleep(0.5)
    assert len(_interruptions(env)) == 1
    assert focused_name(env) != QUICK_LOG_TITLE


def test_second_instance_brings_the_first_forward_and_exits(app: App, env: dict[str, str]) -> None:
    reason = require("xmessage")
    if reason:
        pytest.skip(reason)
    other = subprocess.Popen(
        ["xmessage", "-geometry", "300x80+20+20", "another application"], env=env
    )
    try:
        other_window = str(wait_for(lambda: visible_window(env, "xmessage"), 10))
        xdotool(env, "windowfocus", "--sync", other_window)
        assert focused_name(env) == "xmessage"
        second = splitday(env)
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout
        wait_for(lambda: focused_name(env).startswith("Splitday"), 5)
        assert app.proc.poll() is None
    finally:
        other.terminate()
        other.wait(5)


def test_cli_interrupt_is_logged_by_the_running_app(app: App, env: dict[str, str]) -> None:
    before = datetime.now(UTC)
    done = splitday(env, "interrupt", "x", "--source", "chat", "--duration", "10m")
    assert done.returncode == 0, done.stderr
    # the app's own wording: the reply came back over the socket
    assert "by the running Splitday" in done.stdout
    [entry] = _interruptions(env)
    assert entry.note == "x" and entry.source == "chat"
    assert entry.end is not None and entry.end - entry.start == timedelta(minutes=10)
    # already over: it ends when it was logged (the command's key press), not 10 min later
    assert before - timedelta(seconds=1) <= entry.end <= datetime.now(UTC)
    # bare `splitday interrupt` is the desktop-shortcut form of the hotkey
    bare = splitday(env, "interrupt")
    assert bare.returncode == 0 and "quick log open" in bare.stdout
    wait_for(lambda: visible_window(env, QUICK_LOG_TITLE), 5)
    xdotool(env, "key", "Escape")


def test_after_kill_9_the_app_starts_again_and_nothing_is_lost(
    app: App, env: dict[str, str]
) -> None:
    done = splitday(env, "interrupt", "before the crash")
    assert done.returncode == 0 and "running Splitday" in done.stdout
    os.kill(app.proc.pid, signal.SIGKILL)
    app.proc.wait(5)
    app.output()
    assert Path(env["SPLITDAY_SOCKET"] + ".lock").exists()  # stale lock left behind
    again = App(env)  # waits for the window and a ping over the socket
    try:
        assert again.proc.pid != app.proc.pid
        notes = [e.note for e in _interruptions(env)]
        assert notes == ["before the crash"]
        done = splitday(env, "interrupt", "after the crash")
        assert "running Splitday" in done.stdout
        assert [e.note for e in _interruptions(env)] == ["before the crash", "after the crash"]
    finally:
        out = again.stop()
    assert "Traceback" not in out


def test_global_hotkey_works_while_another_app_has_focus(app: App, env: dict[str, str]) -> None:
    pynput = subprocess.run(
        [sys.executable, "-c", "import pynput"], env=env, capture_output=True, check=False
    )
    if pynput.returncode != 0:
        pytest.skip("pynput (the optional 'hotkey' extra) is not installed")
    reason = require("xmessage")
    if reason:
        pytest.skip(reason)
    other = subprocess.Popen(["xmessage", "-geometry", "300x80+20+20", "busy"], env=env)
    try:
        other_window = str(wait_for(lambda: visible_window(env, "xmessage"), 10))
        xdotool(env, "windowfocus", "--sync", other_window)
        xdotool(env, "key", "ctrl+alt+i")
        wait_for(lambda: focused_name(env) == QUICK_LOG_TITLE, 5)
        xdotool(env, "type", "global")
        xdotool(env, "key", "Return")
        wait_for(lambda: [e.note for e in _interruptions(env)] == ["global"], 5)
    finally:
        other.terminate()
        other.wait(5)


def test_long_interruption_offers_a_reflow_and_changes_nothing_by_itself(
    display: str, tmp_path: Path
) -> None:
    env = app_env(display, tmp_path)
    env["SPLITDAY_NOW"] = "2026-11-24T10:00"  # a Tuesday morning, inside the workday
    planned = splitday(env, "plan", "--auto", "--json")
    assert planned.returncode == 0, planned.stderr
    app = App(env)
    try:
        app.focus()
        done = splitday(env, "interrupt", "server down", "--duration", "50m")
        assert "running Splitday" in done.stdout
        wait_for(lambda: visible_window(env, "Splitday — re-flow the day\\?"), 5)
        # the offer is not modal: the hotkey still works in the main window
        app.focus()
        xdotool(env, "key", "ctrl+alt+i")
        wait_for(lambda: focused_name(env) == QUICK_LOG_TITLE, 5)
        xdotool(env, "key", "Escape")
        # and nothing was re-planned behind the user's back
        after = splitday(env, "plan", "--json")
        assert [s["start"] for s in json.loads(after.stdout)["slots"]] == [
            s["start"] for s in json.loads(planned.stdout)["slots"]
        ]
    finally:
        app.stop()
