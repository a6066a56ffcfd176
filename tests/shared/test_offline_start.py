"""The real app (a process, offscreen) started while the shared server is down: it starts on
what it last saw, says "offline since", keeps a forwarded interruption on the device, and
delivers it exactly once when the server is back — then it works on the server as usual."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from pgcluster import Cluster
from sqlalchemy import create_engine, text

from planner.platform import ipc

pytestmark = pytest.mark.slow
MAIN = "import sys; from ui.shell.app import main; sys.exit(main())"


def _wait(what: Callable[[], object], seconds: float, why: str) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up after {seconds} s waiting for {why}")


class App:
    def __init__(self, tmp_path: Path, url: str) -> None:
        self.sock = str(tmp_path / "app.sock")
        self.data = tmp_path / "data"
        self.log = tmp_path / "app.log"
        self.env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "TZ": "Europe/Berlin",
            "SPLITDAY_DB_URL": url,
            "SPLITDAY_OWNER": "alice",
            "SPLITDAY_DATA_DIR": str(self.data),
            "SPLITDAY_SOCKET": self.sock,
            "SPLITDAY_NO_DIALOGS": "1",
            "SPLITDAY_NO_DELIVERER": "1",  # the app delivers, not a background `sync --wait`
            "SPLITDAY_NOW": "2026-12-07T09:30",  # a Monday, in the plan
            "PYTHONPATH": str(ROOT),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "planner.cli.main", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def _answers(self) -> bool:
        try:
            reply = ipc.send(self.sock, ipc.encode_request("ping"))
        except ipc.ProtocolError:
            return False
        assert self.proc is not None and self.proc.poll() is None, self.log.read_text()
        return reply is not None and reply.ok

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import sys; from ui.shell.app import main; sys.exit(main())",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait(self._answers, 90, "the app to answer on its socket")

    def quit(self) -> int:
        assert self.proc is not None
        ipc.send(self.sock, ipc.encode_request("quit"))
        return self.proc.wait(60)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


@pytest.fixture
def app(tmp_path: Path, server_db: str) -> Iterator[App]:
    running = App(tmp_path, server_db)
    yield running
    running.kill()


def _notes(url: str) -> list[tuple[str, int]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT e.note, (SELECT count(*) FROM delivered_change d"
                    " WHERE d.kind = 'interrupt') FROM entry e"
                    " WHERE e.kind = 'interruption' ORDER BY e.start"
                )
            ).all()
    finally:
        engine.dispose()
    return [(str(r[0]), int(r[1])) for r in rows]


def _ended(url: str) -> list[tuple[str, bool]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT note, \"end\" IS NOT NULL FROM entry WHERE kind = 'interruption'")
            ).all()
    finally:
        engine.dispose()
    return [(str(r[0]), bool(r[1])) for r in rows]


def test_the_app_starts_while_the_server_is_down_and_delivers_when_it_is_back(
    app: App, cluster: Cluster, server_db: str
) -> None:
    assert app.cli("plan", "--auto").returncode == 0
    started = app.cli("start")
    assert started.returncode == 0, started.stderr
    app.start()  # online: it shows today, and keeps it for the next start
    cache = app.data / "today-cache.json"
    _wait(cache.exists, 60, "today's plan kept on the device")
    assert app.quit() == 0

    cluster.stop("immediate")
    try:
        app.start()  # the server is down: it starts all the same
        said = app.cli("interrupt", "printer on fire", "--source", "phone")
        assert said.returncode == 0, said.stderr
        assert "Saved on this device" in said.stdout, said.stdout
        assert "offline since" in said.stdout and "1 change waiting" in said.stdout
        assert "by the running Splitday" in said.stdout
        assert len(list((app.data / "pending").glob("*.sqlite3"))) == 1
        assert "Traceback" not in app.log.read_text(errors="replace")
    finally:
        cluster.start()
    # the app's timer delivers it (every 5 s), exactly once; nobody runs `splitday sync`
    rows = _wait(lambda: _notes(server_db), 90, "the kept interruption on the server")
    time.sleep(6)  # one more delivery round: nothing is delivered twice
    assert _notes(server_db) == [("printer on fire", 1)], rows
    # started offline, it now works on the server as usual
    online = app.cli("resume")
    assert online.returncode == 0, online.stderr
    assert "Saved on this device" not in online.stdout, online.stdout
    assert "back to work" in online.stdout.lower(), online.stdout
    assert _ended(server_db) == [("printer on fire", True)]
    assert app.quit() == 0
    log = app.log.read_text(errors="replace")
    assert "Traceback" not in log, log
