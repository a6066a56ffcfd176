"""The background calendar sync against a source that never ends: the app keeps answering its
socket, and stopping (quit) never waits for the download."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from ui_helpers import BERLIN

from planner.calendars import sync as calendars
from planner.domain.clock import FakeClock
from planner.platform import ipc
from planner.storage.db import Database
from ui.gateway import Gateway
from ui.shell.calendar_sync import BackgroundSync
from ui.shell.single_instance import SingleInstance


class Trickle:
    """An HTTP server on 127.0.0.1 that answers /cal.ics with one byte every 0.5 s (10 s, or
    `seconds`)."""

    def __init__(self, seconds: float = 10.0) -> None:
        self.requests = 0
        ticks = int(seconds / 0.5)
        state = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                state.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.end_headers()
                try:
                    for _ in range(ticks):
                        self.wfile.write(b"B")
                        self.wfile.flush()
                        time.sleep(0.5)
                except OSError:
                    return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cal.ics"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def trickle() -> Iterator[Trickle]:
    server = Trickle()
    yield server
    server.close()


def _ping(name: str) -> tuple[ipc.Reply | None, float]:
    """`splitday`'s plain socket client, from another thread (the GUI thread must answer)."""
    got: list[tuple[ipc.Reply | None, float]] = []

    def client() -> None:
        started = time.monotonic()
        reply = ipc.send(name, ipc.encode_request("ping"))
        got.append((reply, time.monotonic() - started))

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    return got  # type: ignore[return-value]


def test_quit_during_a_trickling_sync_returns_at_once_and_the_socket_answers(
    qtbot: QtBot, db: Database, clock: FakeClock, trickle: Trickle, tmp_path: Path
) -> None:
    with db.transaction() as s:
        calendars.add_source(s, "tester", "never ends", trickle.url)
    name = str(tmp_path / "splitday.sock")
    instance = SingleInstance(name, {})
    assert instance.acquire()
    instance.listen()
    sync = BackgroundSync(Gateway(db, clock, BERLIN))
    results: list[Any] = []
    sync.synced.connect(results.append)
    try:
        sync.sync_now()
        qtbot.waitUntil(lambda: trickle.requests == 1, timeout=5000)
        qtbot.wait(700)  # a byte or two arrived: the download is under way
        assert sync.is_running()
        got = _ping(name)
        qtbot.waitUntil(lambda: bool(got), timeout=3000)
        reply, seconds = got[0]  # type: ignore[misc]
        assert reply is not None and reply.ok and seconds < 1.0
        started = time.monotonic()
        sync.stop()  # what quitting does
        stopped_in = time.monotonic() - started
        print(f"socket answered in {seconds * 1000:.0f} ms mid-sync; stop took {stopped_in:.2f} s")
        assert stopped_in < 2.0, stopped_in
        assert not sync.is_running()
        got = _ping(name)  # the event loop is free again at once
        qtbot.waitUntil(lambda: bool(got), timeout=3000)
        assert got[0][0] is not None  # type: ignore[index]
        qtbot.wait(300)
        assert results == []  # an abandoned sync reports nothing, and stores nothing
    finally:
        sync.stop()
        instance.release()
    with db.transaction() as s:
        assert calendars.find_source(s, "tester", "never ends").last_status == "never synced"
