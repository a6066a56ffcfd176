"""Outages lose nothing: the shared server stopped (`pg_ctl stop -m immediate`) while the hotkey
command logs interruptions; every acknowledged write is on the server exactly once afterwards,
delivered with no action from the user. Outages and refused logins are said as such."""

from __future__ import annotations

import random
import stat
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Device
from pgcluster import Cluster, free_port
from sqlalchemy import text

from planner.services import offline, planning
from planner.storage.db import open_database
from planner.storage.pending import PendingQueue

pytestmark = pytest.mark.slow


def _server_notes(url: str, owner: str = "alice") -> list[tuple[str, datetime]]:
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT note, start FROM entry WHERE owner = :o AND kind = 'interruption' "
                    "ORDER BY start"
                ),
                {"o": owner},
            ).all()
    finally:
        db.close()
    return [(str(r[0]), r[1]) for r in rows]


def _wait_empty(queue: PendingQueue, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while queue.count():
        assert time.monotonic() < deadline, f"{queue.count()} changes still waiting"
        time.sleep(0.2)


@pytest.mark.timeout(400)
def test_interruptions_logged_through_an_immediate_stop_are_on_the_server_once(
    cluster: Cluster, server_db: str, tmp_path: Path
) -> None:
    laptop = Device(tmp_path / "laptop", server_db)
    assert laptop.run("start", "Support").returncode == 0
    acknowledged: list[str] = []
    kept = 0
    stopper: threading.Thread | None = None
    rng = random.Random(18)
    for i in range(24):
        if i == 6:  # the server dies at a moment of its own, while the commands keep coming
            stopper = threading.Thread(
                target=lambda: (time.sleep(rng.uniform(0.0, 1.5)), cluster.stop("immediate"))
            )
            stopper.start()
        if i == 16:
            assert stopper is not None
            stopper.join()
            assert laptop.run("status").stdout.startswith("offline since")
            cluster.start()
        note = f"call {i:02d}"
        done = laptop.run("interrupt", note, "--source", "phone")
        assert done.returncode == 0, done.stderr
        assert "restore" not in done.stdout + done.stderr
        if "saved on this device" in done.stdout:
            kept += 1
        else:
            assert "interruption logged" in done.stdout, done.stdout
        acknowledged.append(note)
        if i % 3 == 2:
            back = laptop.run("resume")
            assert back.returncode == 0, back.stderr
    assert kept >= 5, "the outage should have kept some writes on the device"
    # no command from here on: the background deliverer brings them in by itself
    _wait_empty(laptop.queue())
    notes = _server_notes(server_db)
    assert [n for n, _ in notes] == acknowledged  # each once, in the order they were made
    starts = [s for _, s in notes]
    assert starts == sorted(starts)
    state = laptop.run("status")
    assert state.returncode == 0 and "offline" not in state.stdout
    assert laptop.queue().state().refused == 0


def test_a_delivery_cut_off_after_its_commit_is_not_applied_twice(
    server_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kill -9 between the server's commit and the local delete: the uid on the server says
    it was delivered, so the next delivery only drops it."""
    monkeypatch.setenv("SPLITDAY_DATA_DIR", str(tmp_path / "data"))
    db = open_database(server_db, owner="alice")
    zone = ZoneInfo("Europe/Berlin")
    with db.transaction() as s:
        planning.ensure_defaults(s, "alice")
    queue = PendingQueue.for_database(server_db, "alice")
    at = datetime.now(UTC) - timedelta(minutes=30)
    for i in range(3):
        queue.add("interrupt", at + timedelta(minutes=5 * i), {"note": f"n{i}", "minutes": 2})

    def apply(session, change):  # type: ignore[no-untyped-def]
        offline.apply(session, "alice", zone, change)

    real_done = PendingQueue._done
    calls = {"n": 0}

    def dies_after_commit(self: PendingQueue, uid: str, conn: object = None) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed")  # the process dies right after the commit
        real_done(self, uid, conn)  # type: ignore[arg-type]

    monkeypatch.setattr(PendingQueue, "_done", dies_after_commit)
    with pytest.raises(KeyboardInterrupt):
        queue.deliver(db, apply)
    assert queue.count() == 2  # the second was committed, but is still here
    monkeypatch.setattr(PendingQueue, "_done", real_done)
    report = queue.deliver(db, apply)
    assert (report.delivered, report.already, report.left) == (1, 1, 0)
    assert [n for n, _ in _server_notes(server_db)] == ["n0", "n1", "n2"]
    db.close()


def test_a_change_the_server_refuses_is_kept_aside_and_the_rest_goes_on(
    server_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPLITDAY_DATA_DIR", str(tmp_path / "data"))
    db = open_database(server_db, owner="alice")
    with db.transaction() as s:
        planning.ensure_defaults(s, "alice")
    queue = PendingQueue.for_database(server_db, "alice")
    at = datetime.now(UTC) - timedelta(minutes=30)
    queue.add("resume", at, {})  # no interruption runs: refused by the rules
    queue.add("interrupt", at + timedelta(minutes=1), {"note": "after", "minutes": 1})
    zone = ZoneInfo("Europe/Berlin")
    report = queue.deliver(db, lambda s, c: offline.apply(s, "alice", zone, c))
    assert report.delivered == 1 and len(report.refused) == 1
    assert "no interruption is running" in report.refused[0].reason
    assert [n for n, _ in _server_notes(server_db)] == ["after"]
    assert queue.state().refused == 1 and queue.count() == 0
    db.close()


def test_the_queue_is_private(server_db: str, tmp_path: Path) -> None:
    laptop = Device(tmp_path / "laptop", server_db.rsplit(":", 1)[0] + f":{free_port()}/x")
    done = laptop.run("interrupt", "while away")
    assert done.returncode == 0 and "saved on this device" in done.stdout
    path = laptop.queue().path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [c.fields["note"] for c in laptop.queue().waiting()] == ["while away"]


def test_an_unreachable_server_is_an_outage_never_damage(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://alice@127.0.0.1:{free_port()}/splitday"
    laptop = Device(tmp_path / "laptop", url)
    for command in (["status"], ["plan"], ["task", "list"], ["report"]):
        done = laptop.run(*command)
        said = done.stdout + done.stderr
        assert "cannot be reached" in said, (command, said)
        for word in ("restore", "start fresh", "damaged", "move the file"):
            assert word not in said, (command, said)


def test_a_write_that_cannot_wait_says_what_can_be_done_offline(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://alice@127.0.0.1:{free_port()}/splitday"
    laptop = Device(tmp_path / "laptop", url)
    done = laptop.run("slot", "add", "today", "14:00-15:00", "Support")
    assert done.returncode == 1
    assert "cannot be reached" in done.stderr
    assert "`interrupt`, `resume`, `start`, `stop` and the task edits" in done.stderr
    assert "(`task add`, `done`, `undone`, `rename`, `rm`) are kept on this device" in done.stderr
    assert "`splitday slot` waits until it answers" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_a_wrong_password_is_said_and_the_interruption_kept(
    cluster: Cluster, server_db: str, tmp_path: Path
) -> None:
    name = server_db.rsplit("/", 1)[1]
    cluster.psql(name, "GRANT ALL ON SCHEMA public TO carol")
    laptop = Device(tmp_path / "laptop", cluster.url(name, "carol", "wrong"), owner="carol")
    status = laptop.run("status")
    assert status.returncode == 1
    assert "refused the login of 'carol'" in status.stderr
    assert "wrong user name or password" in status.stderr
    assert "restore" not in status.stderr and "reached" not in status.stderr
    kept = laptop.run("interrupt", "typed anyway")
    assert kept.returncode == 0, kept.stderr
    assert "refused the login" in kept.stdout and "once the login works" in kept.stdout


@pytest.mark.timeout(600)
def test_a_short_soak_of_outages_and_kill_9s_over_two_devices_loses_nothing() -> None:
    """bench/bench_shared.py soak, short: random outages and kill -9s (of the commands and of
    the background deliverers); it fails unless every acknowledged write is on the server
    exactly once (the full run's figures are in bench/README.md)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [
            sys.executable,
            "bench/bench_shared.py",
            "soak",
            "--outages",
            "3",
            "--kills",
            "3",
            "--gap",
            "1.5",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=580,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "EQUAL" in done.stdout and "missing 0, duplicated 0" in done.stdout
