"""Crash soak: SIGKILL the running app and the CLI mid-write, over and over; count what is lost.

Every round starts the real app (`python -m ui.shell.launcher`, under a private Xvfb, or
offscreen with --offscreen) on one SQLite file, drives it from the command line, and kills:

- **the app** (SIGKILL) at a random moment: idle, while a forwarded `splitday interrupt` is
  in flight, while a `splitday task add` writes the file beside it, or during its start-up;
- **the CLI** (SIGKILL) mid-write: `task add` killed after a random share of its usual
  running time (so that some kills land before the commit and some after), a forwarded
  `interrupt` killed while it talks to the app (the app must survive the cut connection), and
  a direct `interrupt` while no app runs.

After every kill it checks the file: `PRAGMA integrity_check`, the invariants of the log (no
two entries overlap, at most one entry running, no negative duration), and that every write
that was acknowledged (exit code 0) is there. A lock is "stuck" when the next app does not
start and answer within 30 s, or a later write fails with "database is locked". A last clean
start must close what the crashes left open (at the last sign of life, marked for review).

All processes read one clock: the test clock file (SPLITDAY_CLOCK_FILE with SPLITDAY_TEST=1,
planner.domain.clock.FileClock), a minute later before every process the soak starts, from
Tuesday 2026-11-24 09:05 on (1 000 kills are about a day and a half: evenings past the hard
stop, nights, the 04:00 day boundary). With SPLITDAY_NOW alone each process would start its
own clock when it has imported enough to build it, and processes started together would
disagree; SPLITDAY_NOW is set as well only because `splitday interrupt` stamps the key press
with the system clock otherwise (see `Soak.__init__`).

    python bench/crash_soak.py --kills 1000          # ~1 000 kills; prints the figures
    python bench/crash_soak.py --kills 60 --offscreen --json soak.json
    bash tests/with-postgres.sh sh -c \
        'python bench/crash_soak.py --kills 100 --db-url "$SPLITDAY_TEST_DB_URL"'

On PostgreSQL (--db-url, an empty database) the same kills run against the server; the
checks read through SQLAlchemy, and the integrity check (a SQLite file's) is the server's own
business: what is checked there is the invariants, the lost writes and the stuck locks (a killed
client's transaction must not keep its row locks).

tests/e2e/test_crash_safety.py runs a short soak through `soak()`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENTRY = "ui.shell.launcher"
OWNER = "soak"
START = datetime(2026, 11, 24, 9, 5, tzinfo=ZoneInfo("Europe/Berlin"))  # a Tuesday morning
READY_S = 30.0


@dataclass
class Tally:
    """What the soak did and what it found."""

    kills: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[str] = field(default_factory=Counter)
    unacknowledged_stored: int = 0  # a killed CLI whose write had landed (fine, counted)
    unacknowledged_absent: int = 0  # a killed CLI whose write had not landed (fine, counted)
    lost: list[str] = field(default_factory=list)
    integrity: list[str] = field(default_factory=list)
    invariants: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    app_died: list[str] = field(default_factory=list)  # the app ended before we killed it
    tracebacks: list[str] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # refused commands (exit 1), by text
    duplicates: int = 0  # interruptions or tasks stored more than once
    in_flight: Counter[str] = field(default_factory=Counter)  # forwarded presses at an app kill
    needs_review: int = 0
    rounds: int = 0
    seconds: float = 0.0
    final: str = ""
    backend: str = "sqlite"

    @property
    def total_kills(self) -> int:
        return sum(self.kills.values())

    def failures(self) -> dict[str, Any]:
        return {
            "lost": self.lost,
            "integrity": self.integrity,
            "invariants": self.invariants,
            "stuck": self.stuck,
            "app_died": self.app_died,
            "tracebacks": self.tracebacks,
            "duplicates": self.duplicates,
            "final": self.final,
        }

    def ok(self) -> bool:
        return not any(self.failures().values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "kills": self.total_kills,
            "kills_by_kind": dict(sorted(self.kills.items())),
            "acknowledged": sum(self.acknowledged.values()),
            "acknowledged_by_kind": dict(sorted(self.acknowledged.items())),
            "unacknowledged_stored": self.unacknowledged_stored,
            "unacknowledged_absent": self.unacknowledged_absent,
            "lost": len(self.lost),
            "integrity_failures": len(self.integrity),
            "invariant_failures": len(self.invariants),
            "stuck_locks": len(self.stuck),
            "app_died_unkilled": len(self.app_died),
            "cli_tracebacks": len(self.tracebacks),
            "duplicates": self.duplicates,
            "in_flight_presses": dict(sorted(self.in_flight.items())),
            "needs_review": self.needs_review,
            "refused": dict(self.errors.most_common(8)),
            "rounds": self.rounds,
            "seconds": round(self.seconds, 1),
            "kills_per_minute": round(60 * self.total_kills / max(self.seconds, 1e-9), 1),
            "failures": {
                k: v[:10] if isinstance(v, list) else v for k, v in self.failures().items()
            },
        }


class Soak:
    """One database, one clock, many processes."""

    def __init__(
        self, folder: Path, display: str | None, seed: int, db_url: str | None = None
    ) -> None:
        self.folder = folder
        self.db_file = folder / "splitday.sqlite3"
        self.db_url = db_url or f"sqlite:///{self.db_file}"
        self.engine: Any = None  # SQLAlchemy, for a database that is not our SQLite file
        if db_url is not None:
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            self.engine = create_engine(db_url, poolclass=NullPool)  # no connection kept
        self.log = open(folder / "processes.log", "a", encoding="utf-8")  # noqa: SIM115
        self.rng = random.Random(seed)
        self.began = time.monotonic()
        self.tally = Tally(backend=self.db_url.split(":")[0].split("+")[0])
        self.notes: set[str] = set()  # acknowledged interruptions
        self.titles: set[str] = set()  # acknowledged tasks
        self.counter = 0
        self.task_add_s = 0.5  # how long a `task add` usually runs (learned as we go)
        self.app: subprocess.Popen[bytes] | None = None
        runtime = folder / "runtime"
        runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.clock_file = folder / "clock"
        self.minutes = 0
        self.step()
        self.env = {
            **os.environ,
            "SPLITDAY_DATA_DIR": str(folder / "data"),
            "SPLITDAY_SOCKET": str(runtime / "splitday.sock"),
            "SPLITDAY_DB_URL": self.db_url,
            "SPLITDAY_OWNER": OWNER,
            "SPLITDAY_NO_DIALOGS": "1",
            "XDG_CONFIG_HOME": str(folder / "config"),
            "XDG_RUNTIME_DIR": str(runtime),
            "TZ": "Europe/Berlin",
            "PYTHONPATH": str(ROOT),
            "SPLITDAY_TEST": "1",
            "SPLITDAY_CLOCK_FILE": str(self.clock_file),
            # `splitday interrupt` stamps the key press with clock_from_env() only when
            # SPLITDAY_NOW is set (planner/cli/main.py _wall_now), else with the system clock;
            # set, clock_from_env() still returns the file clock
            "SPLITDAY_NOW": START.replace(tzinfo=None).isoformat(),
        }
        for name in ("DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY"):
            self.env.pop(name, None)
        if display is None:
            self.env["QT_QPA_PLATFORM"] = "offscreen"
            self.env.pop("DISPLAY", None)
        else:
            self.env.pop("QT_QPA_PLATFORM", None)
            self.env["DISPLAY"] = display
            self.env["XDG_SESSION_TYPE"] = "x11"

    # ------------------------------------------------------------ processes

    def step(self) -> None:
        """The clock a minute on (written whole: a reader sees the old moment or the new)."""
        moment = START + timedelta(minutes=self.minutes)
        self.minutes += 1
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(moment.replace(tzinfo=None).isoformat(timespec="seconds"))  # local
        os.replace(tmp, self.clock_file)

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        self.step()
        return subprocess.Popen(
            [sys.executable, "-m", ENTRY, *args],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(self, proc: subprocess.Popen[str], what: str) -> tuple[int, str, str]:
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            self.tally.stuck.append(f"{what}: no answer in 60 s")
        if "Traceback" in err:
            self.tally.tracebacks.append(f"{what}: {err.strip()[-300:]}")
        if proc.returncode not in (0, -signal.SIGKILL):
            if "locked" in err:
                self.tally.stuck.append(f"{what}: {err.strip()[-200:]}")
            self.tally.errors[err.strip()[:60]] += 1
        return proc.returncode, out, err

    def cli(self, *args: str) -> tuple[int, str, str]:
        started = time.monotonic()
        code, out, err = self.finish(self.spawn(*args), " ".join(args[:2]))
        if args[:2] == ("task", "add") and code == 0:
            self.task_add_s = 0.8 * self.task_add_s + 0.2 * (time.monotonic() - started)
        return code, out, err

    def name(self, kind: str) -> str:
        self.counter += 1
        return f"{kind} {self.counter}"

    def start_app(self) -> bool:
        """Start the app and wait until it answers; False (and a stuck lock) when it does not."""

        self.step()
        self.app = subprocess.Popen(
            [sys.executable, "-m", ENTRY],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + READY_S
        while time.monotonic() < deadline:
            if self.app.poll() is not None:
                self.tally.stuck.append(f"the app exited with {self.app.returncode} at start")
                self.app = None
                return False
            reply = self.ping(1.0)  # a start-up busy for more than a second: ask again
            if reply is not None and reply.ok and (reply.data or {}).get("pid") == self.app.pid:
                return True
            time.sleep(0.05)
        self.tally.stuck.append(f"the app did not answer within {READY_S:.0f} s")
        self.kill_app("stuck")
        return False

    def ping(self, timeout: float) -> Any:
        """The app's answer to a ping; None when nobody listens or the answer is late."""
        from planner.platform import ipc

        try:
            return ipc.send(self.env["SPLITDAY_SOCKET"], ipc.encode_request("ping"), timeout)
        except ipc.ProtocolError:
            return None

    def app_alive(self) -> bool:
        if self.app is None or self.app.poll() is not None:
            return False
        for _ in range(5):  # a loaded machine may keep it busy for a while
            reply = self.ping(3.0)
            if reply is not None and reply.ok:
                return True
            if self.app.poll() is not None:
                return False
        return False

    def kill_app(self, kind: str) -> None:
        if self.app is None:
            return
        if self.app.poll() is not None:
            self.tally.app_died.append(f"before the kill ({kind}): exit {self.app.returncode}")
        else:
            os.kill(self.app.pid, signal.SIGKILL)
            self.tally.kills[f"app: {kind}"] += 1
        self.app.wait(30)
        self.app = None

    # ------------------------------------------------------------ acknowledged writes

    def interrupt(self) -> None:
        note = self.name("call")
        code, out, _ = self.cli("interrupt", note, "--source", "phone")
        if code == 0:
            self.notes.add(note)
            forwarded = "by the running Splitday" in out
            self.tally.acknowledged["interrupt (forwarded)" if forwarded else "interrupt"] += 1

    def resume(self) -> None:
        code, _, _ = self.cli("resume")  # may say that no interruption is running
        if code == 0:
            self.tally.acknowledged["resume"] += 1

    def add_task(self) -> None:
        title = self.name("task")
        code, _, _ = self.cli("task", "add", title, "--role", "Support")
        if code == 0:
            self.titles.add(title)
            self.tally.acknowledged["task add"] += 1

    def some_writes(self) -> None:
        for _ in range(self.rng.randint(1, 3)):
            pick = self.rng.random()
            if pick < 0.45:
                self.interrupt()
            elif pick < 0.7:
                self.resume()
            else:
                self.add_task()

    # ------------------------------------------------------------ the kills

    def kill_cli_task_add(self) -> None:
        """`task add` killed after a random share of its usual time: before or after it commits."""
        title = self.name("killed task")
        proc = self.spawn("task", "add", title, "--role", "Support")
        time.sleep(self.rng.uniform(0.4, 1.05) * self.task_add_s)
        if proc.poll() is None:
            proc.kill()
            self.tally.kills["cli: task add mid-write"] += 1
        code, _, _ = self.finish(proc, "task add (to be killed)")
        if code == 0:
            self.titles.add(title)
            self.tally.acknowledged["task add"] += 1
        elif title in self.stored()[1]:
            self.tally.unacknowledged_stored += 1
        else:
            self.tally.unacknowledged_absent += 1
        self.check("after a CLI kill")

    def kill_cli_interrupt(self, app_running: bool) -> None:
        """`interrupt` killed while it forwards to the app (or writes itself, with no app)."""
        note = self.name("killed call")
        proc = self.spawn("interrupt", note)
        delay = self.rng.uniform(0.02, 0.15) if app_running else self.rng.uniform(0.2, 1.0)
        time.sleep(delay)
        if proc.poll() is None:
            proc.kill()
            kind = "cli: interrupt mid-forward" if app_running else "cli: interrupt mid-write"
            self.tally.kills[kind] += 1
        code, _, _ = self.finish(proc, "interrupt (to be killed)")
        if code == 0:
            self.notes.add(note)
            self.tally.acknowledged["interrupt"] += 1
        elif note in self.stored()[0]:
            self.tally.unacknowledged_stored += 1
        else:
            self.tally.unacknowledged_absent += 1
        if app_running and not self.app_alive():
            self.tally.app_died.append(f"after a client was killed mid-forward ({note})")
            self.kill_app("dead")
        self.check("after a CLI kill")

    def kill_app_now(self) -> None:
        """Kill the app: idle, with a forwarded command or a CLI write in flight."""
        pick = self.rng.random()
        flying: tuple[subprocess.Popen[str], str, str] | None = None
        if pick < 0.35:
            note = self.name("in flight")
            flying = (self.spawn("interrupt", note, "--source", "phone"), "note", note)
            time.sleep(self.rng.uniform(0.02, 0.25))
            kind = "forwarded command in flight"
        elif pick < 0.55:
            title = self.name("beside")
            flying = (self.spawn("task", "add", title, "--role", "Support"), "title", title)
            time.sleep(self.rng.uniform(0.3, 1.0) * self.task_add_s)
            kind = "CLI write beside it"
        else:
            time.sleep(self.rng.uniform(0.0, 0.4))
            kind = "idle"
        self.kill_app(kind)
        if flying is not None:
            proc, what, text = flying
            code, out, _ = self.finish(proc, f"{what} in flight")
            if code == 0:  # acknowledged: by the app before it died, or written directly after
                (self.notes if what == "note" else self.titles).add(text)
                self.tally.acknowledged["interrupt" if what == "note" else "task add"] += 1
            if what == "note":
                if code == 0:
                    by = "the app" if "by the running Splitday" in out else "the CLI itself"
                    outcome = f"acknowledged, stored by {by}"
                else:
                    stored = text in self.stored()[0]
                    outcome = f"refused, {'but stored' if stored else 'not stored'}"
                self.tally.in_flight[outcome] += 1
        self.check("after an app kill")

    def kill_app_starting(self) -> None:
        assert self.app is None
        self.step()
        self.app = subprocess.Popen(
            [sys.executable, "-m", ENTRY],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        time.sleep(self.rng.uniform(0.05, 1.5))
        self.kill_app("during start-up")
        self.check("after a kill during start-up")

    # ------------------------------------------------------------ the checks

    @contextmanager
    def read(self) -> Iterator[Any]:
        """A connection with `execute(sql, params)` -> rows, on SQLite (sqlite3) or through
        SQLAlchemy (PostgreSQL; `?` placeholders become its named ones)."""
        if self.engine is None:
            conn = sqlite3.connect(self.db_file, timeout=30)
            try:
                yield conn
            finally:
                conn.close()
            return
        from sqlalchemy import text

        class Reader:
            def __init__(self, sa: Any) -> None:
                self.sa = sa

            def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
                names = {f"p{i}": v for i, v in enumerate(params)}
                for i in range(len(params)):
                    sql = sql.replace("?", f":p{i}", 1)
                return self.sa.execute(text(sql), names)

        with self.engine.connect() as sa:
            yield Reader(sa)
            sa.rollback()

    def stored(self) -> tuple[Counter[str], set[str]]:
        with self.read() as conn:
            notes = Counter(
                row[0]
                for row in conn.execute(
                    "SELECT note FROM entry WHERE owner = ? AND kind = 'interruption'", (OWNER,)
                )
            )
            titles = {
                r[0] for r in conn.execute("SELECT title FROM task WHERE owner = ?", (OWNER,))
            }
        return notes, titles

    def check(self, when: str) -> None:
        from planner.storage.db import integrity_problem

        problem = integrity_problem(self.db_file) if self.engine is None else None
        if problem is not None:
            self.tally.integrity.append(f"{when}: {problem}")
            return
        notes, titles = self.stored()
        for missing in sorted(self.notes - set(notes)) + sorted(self.titles - titles):
            if missing not in self.tally.lost:
                self.tally.lost.append(missing)
        with self.read() as conn:
            rows = conn.execute(
                'SELECT id, start, "end" FROM entry WHERE owner = ? ORDER BY start, id', (OWNER,)
            ).fetchall()
        running = [r[0] for r in rows if r[2] is None]
        if len(running) > 1:
            self.tally.invariants.append(f"{when}: {len(running)} entries running {running}")
        for entry_id, start, end in rows:
            if end is not None and end < start:
                self.tally.invariants.append(f"{when}: entry {entry_id} ends before it starts")
        reach: tuple[Any, int] | None = None  # (the furthest end so far, its entry); None: open
        for entry_id, start, end in rows:
            if reach is not None and (reach[0] is None or start < reach[0]):
                self.tally.invariants.append(f"{when}: entry {entry_id} overlaps {reach[1]}")
            if reach is None or (reach[0] is not None and (end is None or end > reach[0])):
                reach = (end, entry_id)

    # ------------------------------------------------------------ the soak

    def prepare(self) -> None:
        code, _, err = self.cli("plan", "--auto")
        if code != 0:
            raise RuntimeError(f"splitday plan --auto failed: {err}")
        code, _, err = self.cli("start", "Support")
        if code != 0:
            raise RuntimeError(f"splitday start Support failed: {err}")

    def round(self) -> None:
        self.tally.rounds += 1
        if self.rng.random() < 0.08:
            self.kill_app_starting()
        if self.rng.random() < 0.2:  # the CLI alone writes, and is killed doing it
            self.kill_cli_interrupt(app_running=False)
        if not self.start_app():
            return
        self.some_writes()
        for _ in range(self.rng.randint(0, 2)):
            if self.rng.random() < 0.6:
                self.kill_cli_task_add()
            else:
                self.kill_cli_interrupt(app_running=True)
        if self.app is not None:
            self.kill_app_now()

    def last_start(self) -> None:
        """A clean start and quit: the entries the crashes left open are closed for review."""
        from planner.platform import ipc

        if not self.start_app() or self.app is None:
            self.tally.final = "the last start failed"
            return
        reply = ipc.send(self.env["SPLITDAY_SOCKET"], ipc.encode_request("quit"))
        code = self.app.wait(30)
        self.app = None
        if reply is None or not reply.ok or code != 0:
            self.tally.final = f"quit: {reply}, exit {code}"
        self.check("after the last start")
        with self.read() as conn:
            still_open = conn.execute(
                'SELECT count(*) FROM entry WHERE owner = ? AND "end" IS NULL', (OWNER,)
            ).fetchone()[0]
            self.tally.needs_review = conn.execute(
                "SELECT count(*) FROM entry WHERE owner = ? AND needs_review", (OWNER,)
            ).fetchone()[0]
        if still_open:
            self.tally.final = f"{still_open} entries still open after a clean start"
        notes, _ = self.stored()
        self.tally.duplicates = sum(n - 1 for note, n in notes.items() if n > 1)
        with self.read() as conn:  # a task stored twice (every title the soak gives is new)
            self.tally.duplicates += conn.execute(
                "SELECT count(*) - count(DISTINCT title) FROM task WHERE owner = ?", (OWNER,)
            ).fetchone()[0]

    def close(self) -> None:
        if self.app is not None and self.app.poll() is None:
            self.app.kill()
            self.app.wait(10)
        self.log.close()
        if self.engine is not None:
            self.engine.dispose()


def soak(
    folder: Path,
    kills: int,
    *,
    display: str | None = None,
    seed: int = 1125,
    minutes: float | None = None,
    progress: bool = False,
    db_url: str | None = None,
) -> Tally:
    """Kill until `kills` kills were made (or `minutes` passed), then one clean start."""
    run = Soak(folder, display, seed, db_url)
    try:
        run.prepare()  # a harness error below ends the soak; the figures so far still count
        deadline = time.monotonic() + 60 * minutes if minutes else None
        shown = 0
        while run.tally.total_kills < kills and (deadline is None or time.monotonic() < deadline):
            run.round()
            if progress and run.tally.total_kills >= shown + 50:
                shown = run.tally.total_kills
                elapsed = time.monotonic() - run.began
                t = run.tally
                print(
                    f"{elapsed:7.0f} s  kills {t.total_kills:5}  acknowledged "
                    f"{sum(t.acknowledged.values()):5}  lost {len(t.lost)}  integrity "
                    f"{len(t.integrity)}  invariants {len(t.invariants)}  stuck {len(t.stuck)}",
                    flush=True,
                )
        run.last_start()
    except Exception as exc:  # recorded as a failure, with the figures gathered until then
        import traceback

        traceback.print_exc()
        run.tally.final = f"the soak itself failed: {type(exc).__name__}: {exc}"
    finally:
        run.close()
        run.tally.seconds = time.monotonic() - run.began
        if progress:
            print(report(run.tally), flush=True)
    return run.tally


def report(tally: Tally) -> str:
    d = tally.as_dict()
    lines = [
        f"kills: {d['kills']} ({d['backend']}) in {d['seconds']:.0f} s "
        f"({d['kills_per_minute']} a minute, {d['rounds']} rounds)",
        *(f"  {kind}: {n}" for kind, n in d["kills_by_kind"].items()),
        f"acknowledged writes: {d['acknowledged']}",
        *(f"  {kind}: {n}" for kind, n in d["acknowledged_by_kind"].items()),
        f"killed CLI writes found stored / absent: {d['unacknowledged_stored']} / "
        f"{d['unacknowledged_absent']}",
        f"lost writes (acknowledged, absent): {d['lost']}",
        f"integrity failures: {d['integrity_failures']}",
        f"invariant failures (overlap, >1 running, negative): {d['invariant_failures']}",
        f"stuck locks: {d['stuck_locks']}",
        f"app ended without being killed: {d['app_died_unkilled']}",
        f"CLI tracebacks: {d['cli_tracebacks']}",
        f"writes stored twice: {d['duplicates']}",
        f"forwarded presses in flight at an app kill: {d['in_flight_presses']}",
        f"entries marked for review after the last clean start: {d['needs_review']}",
    ]
    if d["refused"]:
        lines.append(f"refused commands (exit 1): {d['refused']}")
    if not tally.ok():
        lines.append(f"FAILURES: {json.dumps(d['failures'], indent=1)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kills", type=int, default=1000)
    p.add_argument("--minutes", type=float, help="stop after this long even if short of --kills")
    p.add_argument("--offscreen", action="store_true", help="no Xvfb: QT_QPA_PLATFORM=offscreen")
    p.add_argument("--seed", type=int, default=1125)
    p.add_argument("--dir", help="working folder (default: a new temporary one, kept)")
    p.add_argument("--json", help="write the figures here")
    p.add_argument("--db-url", help="an empty PostgreSQL database instead of a SQLite file")
    args = p.parse_args(argv)
    # SIGTERM ends the soak like Ctrl+C: its app is killed and its Xvfb stopped on the way out
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="splitday-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"soak in {folder}", flush=True)
    if args.offscreen:
        tally = soak(
            folder, args.kills, seed=args.seed, minutes=args.minutes, progress=True,
            db_url=args.db_url,
        )  # fmt: skip
    else:
        from tests.e2e.xsession import xvfb

        with xvfb() as display:
            tally = soak(
                folder, args.kills, display=display, seed=args.seed, minutes=args.minutes,
                progress=True, db_url=args.db_url,
            )  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(tally.as_dict(), indent=1) + "\n")
    return 0 if tally.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
