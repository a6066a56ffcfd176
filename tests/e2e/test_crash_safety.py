"""SIGKILL the real app at random moments of a scripted day: nothing acknowledged is lost.

Each round starts the app under Xvfb (which proves the single-instance lock of the killed one is
recovered), drives a few actions through the running app (forwarded `splitday interrupt` /
`resume`) and through the CLI writing the database beside it (`task add`), then kills the app
with SIGKILL — sometimes while a command is in flight. After every kill the SQLite file must
pass `PRAGMA integrity_check` and hold every action that was acknowledged (exit code 0). A last
start must close the entries the crashes left open, at the last sign of life, marked for review.
SPLITDAY_CRASH_KILLS sets the number of kills (default 50).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from planner.platform import ipc
from planner.storage.db import integrity_problem, open_database
from planner.storage.models import Entry, Task
from tests.e2e.xsession import ENTRY, REPO, App, app_env, require, splitday, xvfb

pytestmark = pytest.mark.e2e
KILLS = int(os.environ.get("SPLITDAY_CRASH_KILLS", "50"))


@pytest.fixture
def display() -> Iterator[str]:
    reason = require("Xvfb")
    if reason:
        pytest.skip(reason)
    with xvfb() as name:
        yield name


def _stored(url: str) -> tuple[set[str], set[str], list[Entry]]:
    db = open_database(url, owner="e2e")
    try:
        with db.transaction() as s:
            entries = list(s.query(Entry).filter(Entry.owner == "e2e"))
            notes = {e.note for e in entries if e.kind == "interruption"}
            tasks = {t.title for t in s.query(Task).filter(Task.owner == "e2e")}
            s.expunge_all()
    finally:
        db.close()
    return notes, tasks, entries


class SteppedClock:
    """The test clock file (planner.domain.clock, SPLITDAY_CLOCK_FILE): a minute per step."""

    def __init__(self, path: Path, start: str) -> None:
        self.path, self.minutes = path, 0
        self._start = datetime.fromisoformat(start)
        self.path.write_text(start)

    def step(self) -> None:
        self.minutes += 1
        self.path.write_text((self._start + timedelta(minutes=self.minutes)).isoformat())


@pytest.mark.timeout(900)  # 50 real app starts and kills: 2-3 min alone, more on a busy machine
def test_kill_9_at_random_moments_loses_nothing(display: str, tmp_path: Path) -> None:
    env = app_env(display, tmp_path)
    env["SPLITDAY_NO_DIALOGS"] = "1"  # no Plan my day on start: this test drives the CLI
    # One clock for the app and every CLI process, a minute later at each action (with
    # SPLITDAY_NOW each process would start its own clock at the same moment, and a second
    # interruption would be stamped back over the first, which the log refuses).
    clock = SteppedClock(tmp_path / "clock", "2026-11-24T10:00")
    env.update({"SPLITDAY_TEST": "1", "SPLITDAY_CLOCK_FILE": str(clock.path)})
    url = env["SPLITDAY_DB_URL"]
    db_file = tmp_path / "splitday.sqlite3"
    assert splitday(env, "plan", "--auto").returncode == 0
    rng = random.Random(1125)
    notes: set[str] = set()
    tasks: set[str] = set()
    in_flight_kills = 0
    for round_ in range(KILLS):
        started = time.monotonic()
        app = App(env)
        print(f"round {round_}: app up in {time.monotonic() - started:.1f} s", flush=True)
        for step in range(rng.randint(1, 3)):
            clock.step()
            pick = rng.random()
            if pick < 0.5:
                note = f"call {round_}.{step}"
                done = splitday(env, "interrupt", note, "--source", "phone")
                assert done.returncode == 0, done.stderr
                assert "by the running Splitday" in done.stdout  # the app logged it
                notes.add(note)
            elif pick < 0.7:
                splitday(env, "resume")  # may say "no interruption is running"
            else:
                title = f"task {round_}.{step}"
                done = splitday(env, "task", "add", title, "--role", "Support")
                assert done.returncode == 0, done.stderr
                tasks.add(title)
        clock.step()
        flying: subprocess.Popen[str] | None = None
        if rng.random() < 0.4:  # kill while a forwarded command is under way
            flying = subprocess.Popen(
                [sys.executable, "-m", ENTRY, "interrupt", f"in flight {round_}"],
                env=env,
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            in_flight_kills += 1
        os.kill(app.proc.pid, signal.SIGKILL)
        app.proc.wait(10)
        app.output()
        if flying is not None:
            _, err = flying.communicate(timeout=60)
            if flying.returncode == 0:  # acknowledged: by the app, or written directly after
                notes.add(f"in flight {round_}")
            else:
                assert "Traceback" not in err, err
        assert integrity_problem(db_file) is None
        stored_notes, stored_tasks, _ = _stored(url)
        assert notes <= stored_notes, notes - stored_notes
        assert tasks <= stored_tasks, tasks - stored_tasks

    # one more start: what the crashes left open is closed and marked for review
    clock.step()
    app = App(env)
    reply = ipc.send(env["SPLITDAY_SOCKET"], ipc.encode_request("quit"))
    assert reply is not None and reply.ok
    app.proc.wait(20)
    output = app.output()
    assert app.proc.returncode == 0, output
    stored_notes, stored_tasks, entries = _stored(url)
    assert notes <= stored_notes and tasks <= stored_tasks
    still_open = [e for e in entries if e.end is None]
    assert still_open == [], [(e.kind, e.note, e.start) for e in still_open]
    assert any(e.needs_review for e in entries)
    assert integrity_problem(db_file) is None
    print(
        f"{KILLS} kills ({in_flight_kills} with a command in flight), {len(notes)} "
        f"interruptions and {len(tasks)} tasks acknowledged, none lost"
    )
