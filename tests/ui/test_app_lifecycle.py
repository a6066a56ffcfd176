"""The real app as a process (offscreen): SIGTERM is a normal quit, and quitting during a sync
of a calendar that never ends takes no longer than quitting at any other time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_calendar_sync import Trickle

from planner.platform import ipc
from planner.services import tracking
from planner.storage.db import open_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def trickle() -> Iterator[Trickle]:
    server = Trickle(seconds=90)  # past the 60 s whole-download deadline: it never ends first
    yield server
    server.close()


class App:
    def __init__(self, tmp_path: Path) -> None:
        self.sock = str(tmp_path / "app.sock")
        self.url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
        self.env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "SPLITDAY_DB_URL": self.url,
            "SPLITDAY_SOCKET": self.sock,
            "SPLITDAY_NO_DIALOGS": "1",
            "SPLITDAY_NOW": "2026-11-28T10:00",  # a Saturday: no morning Plan my day
            "PYTHONPATH": str(ROOT),
        }
        self.proc: subprocess.Popen[str] | None = None

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "planner.cli.main", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from ui.shell.app import main; sys.exit(main())"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                reply = ipc.send(self.sock, ipc.encode_request("ping"))
            except ipc.ProtocolError:
                reply = None
            if reply is not None and reply.ok:
                return
            assert self.proc.poll() is None, self.proc.communicate()
            time.sleep(0.1)
        raise AssertionError("the app never answered on its socket")

    def wait(self, timeout: float) -> tuple[int, str, float]:
        assert self.proc is not None
        started = time.monotonic()
        _, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, err, time.monotonic() - started

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    running = App(tmp_path)
    yield running
    running.kill()


def test_sigterm_is_a_clean_quit_not_a_crash(app: App) -> None:
    assert app.cli("start", "Support").returncode == 0
    app.start()
    assert app.proc is not None
    app.proc.send_signal(signal.SIGTERM)
    code, err, seconds = app.wait(10)
    print(f"SIGTERM: exit {code} after {seconds:.2f} s")
    assert code == 0, err
    assert "Traceback" not in err and seconds < 5
    db = open_database(app.url)
    try:
        with db.transaction() as s:
            run = tracking.running(s, db.owner)
    finally:
        db.close()
    assert run is not None and not run.needs_review  # kept running, as a normal quit does
    app.start()  # the next start does not treat it as a crash either
    assert app.proc is not None
    app.proc.send_signal(signal.SIGTERM)
    assert app.wait(10)[0] == 0
    db = open_database(app.url)
    try:
        with db.transaction() as s:
            run = tracking.running(s, db.owner)
    finally:
        db.close()
    assert run is not None and not run.needs_review


def test_quit_during_a_sync_that_never_ends_is_quick(app: App, trickle: Trickle) -> None:
    assert app.cli("calendar", "add", "never ends", trickle.url, "--no-sync").returncode == 0
    app.start()
    deadline = time.monotonic() + 15  # the first background sync starts ~3 s after start-up
    while trickle.requests == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert trickle.requests == 1
    time.sleep(1)  # well into the download
    started = time.monotonic()
    reply = ipc.send(app.sock, ipc.encode_request("ping"))
    # the window answers while the download trickles (a blocked one would not for a minute)
    assert reply is not None and reply.ok and time.monotonic() - started < 10
    reply = ipc.send(app.sock, ipc.encode_request("quit"))
    assert reply is not None and reply.ok
    code, err, seconds = app.wait(30)
    print(f"the app quit {seconds:.2f} s after 'quit', in the middle of a trickling download")
    assert code == 0, err
    # Waiting for the download would take until its 60 s deadline; quitting abandons it (0.5 s
    # on a quiet machine). The bound leaves room for a loaded one.
    assert seconds < 15, f"quitting took {seconds:.1f} s"
