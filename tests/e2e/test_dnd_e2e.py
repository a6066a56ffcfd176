"""The real app, a real session bus and a real dunst under Xvfb, through a stepped day:
a focus block starts → `dunstctl is-paused` is true; the plan's own reminder in the block still
reaches the bus (dbus-monitor), as critical; the block ends → false; kill -9 inside the next
block leaves dunst paused, and the next start puts it back."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planner.services import planning
from planner.storage.db import open_database
from tests.dbus_service import session_bus, wait_for_name
from tests.e2e.xsession import App, app_env, splitday, wait_for, xdotool, xvfb

pytestmark = pytest.mark.e2e
BERLIN = ZoneInfo("Europe/Berlin")
TOOLS = ("Xvfb", "dbus-daemon", "dbus-monitor", "dunst", "dunstctl", "notify-send")


class Clock:
    """The test clock file (SPLITDAY_CLOCK_FILE) that the app and the CLI read."""

    def __init__(self, path: Path, start: str) -> None:
        self.path = path
        self.set(start)

    def set(self, moment: str) -> None:
        self.path.write_text(moment)


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    import shutil

    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing tools (run tests/install-system-deps.sh): {', '.join(missing)}")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    with xvfb() as display, session_bus() as bus:
        env = app_env(display, tmp_path)
        env.update(
            DBUS_SESSION_BUS_ADDRESS=bus,
            XDG_RUNTIME_DIR=str(runtime),
            TZ="Europe/Berlin",
            SPLITDAY_NO_DIALOGS="1",
            SPLITDAY_TEST="1",
            SPLITDAY_CLOCK_FILE=str(tmp_path / "clock"),
        )
        env.pop("SPLITDAY_NOW", None)
        monitor_log = tmp_path / "monitor.log"
        logs = (tmp_path / "dunst.log").open("w"), monitor_log.open("w")
        daemons = [
            subprocess.Popen(["dunst"], env=env, stdout=logs[0], stderr=logs[0]),
            subprocess.Popen(
                ["dbus-monitor", "--address", bus, "interface='org.freedesktop.Notifications'"],
                env=env,
                stdout=logs[1],
                stderr=logs[1],
            ),
        ]
        try:
            wait_for_name(bus, "org.freedesktop.Notifications")
            yield env, monitor_log
        finally:
            for proc in daemons:
                proc.terminate()
                proc.wait(10)
            for log in logs:
                log.close()


def _plan(url: str) -> None:
    db = open_database(url, owner="e2e")
    with db.transaction() as s:
        planning.ensure_defaults(s, "e2e")
        community = planning.find_role(s, "e2e", "Community")
        support = planning.find_role(s, "e2e", "Support")
        for start, end, role, title in (
            ((10, 0), (11, 0), community, "Write the newsletter"),
            ((11, 30), (12, 30), support, "Queue"),
        ):
            planning.add_slot(
                s,
                "e2e",
                BERLIN,
                datetime(2026, 11, 24, *start, tzinfo=BERLIN),
                datetime(2026, 11, 24, *end, tzinfo=BERLIN),
                role.id,
                title,
            )
        planning.set_setting(s, "e2e", "dnd_focus", True)
    db.close()


def _paused(env: dict[str, str]) -> str:
    return subprocess.run(
        ["dunstctl", "is-paused"], env=env, capture_output=True, text=True, timeout=10, check=True
    ).stdout.strip()


def _becomes(env: dict[str, str], value: str, timeout: float = 20) -> None:
    try:
        wait_for(lambda: _paused(env) == value, timeout, step=0.2)
    except TimeoutError:
        pytest.fail(f"dunstctl is-paused stayed {_paused(env)!r}, expected {value!r}")


@pytest.mark.timeout(240)
def test_a_focus_block_pauses_dunst_and_its_end_and_a_crash_put_it_back(
    desktop: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, monitor_log = desktop
    clock = Clock(tmp_path / "clock", "2026-11-24T09:50")
    _plan(env["SPLITDAY_DB_URL"])
    started = splitday(env, "start")
    assert started.returncode == 0, started.stderr
    app = App(env)
    try:
        assert _paused(env) == "false"  # before the block: the desktop as it was
        clock.set("2026-11-24T10:00")  # the focus block starts
        _becomes(env, "true")
        state = tmp_path / "data" / "dnd-state.json"
        assert stat.S_IMODE(state.stat().st_mode) == 0o600
        clock.set("2026-11-24T10:55")  # the slot-end reminder, inside the quiet block
        wait_for(lambda: "ends in 5 min" in monitor_log.read_text(), 20, step=0.2)
        assert _paused(env) == "true"
        calls = [c for c in monitor_log.read_text().split("method call ") if "member=Notify" in c]
        ours = [c for c in calls if "ends in 5 min" in c]
        assert len(ours) == 1, calls
        assert 'string "Splitday"' in ours[0]
        assert re.search(r'string "urgency"\s+variant\s+byte 2', ours[0]), ours[0]
        # a paused dunst holds even critical ones: the plan shows in the app as well
        toast = wait_for(
            lambda: xdotool(
                env, "search", "--onlyvisible", "--name", "Splitday reminder", check=False
            ),
            10,
        )
        assert toast
        clock.set("2026-11-24T11:00")  # the block ends
        _becomes(env, "false")
        assert not state.exists()
        clock.set("2026-11-24T11:30")  # the next block
        _becomes(env, "true")
        os.kill(app.proc.pid, signal.SIGKILL)
        app.proc.wait(10)
        app.output()
        assert _paused(env) == "true"  # the crash left dunst paused...
        assert state.exists()
        clock.set("2026-11-24T12:40")  # ...until the next start, after the block
        app = App(env)
        _becomes(env, "false")
        assert not state.exists()
    finally:
        out = app.stop()
    assert "Traceback" not in out, out


@pytest.mark.timeout(180)
def test_quitting_inside_a_block_restores_dunst(
    desktop: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    from planner.platform import ipc

    env, _monitor = desktop
    clock = Clock(tmp_path / "clock", "2026-11-24T10:05")
    _plan(env["SPLITDAY_DB_URL"])
    assert splitday(env, "start").returncode == 0
    app = App(env)
    try:
        _becomes(env, "true")
        clock.set("2026-11-24T10:06")
        reply = ipc.send(env["SPLITDAY_SOCKET"], ipc.encode_request("quit"))
        assert reply is not None and reply.ok
        app.proc.wait(20)
        assert app.proc.returncode == 0
        assert _paused(env) == "false"
        assert not (tmp_path / "data" / "dnd-state.json").exists()
    finally:
        out = app.stop()
    assert "Traceback" not in out, out
