"""Calendar sources that never end: devices, FIFOs and files whose stat() lies are refused or
capped quickly, with little memory; the command line says so in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planner.calendars import sync as calendars
from planner.domain.clock import FakeClock
from planner.domain.errors import PlannerError
from planner.storage.db import Database
from tests.planner.test_calendars_sync import REVIEW, ics, write

BERLIN = ZoneInfo("Europe/Berlin")
ROOT = Path(__file__).resolve().parents[2]


def _within(seconds: float, work: object) -> object:
    """Run work() in a thread; fail (instead of hanging the suite) when it blocks."""
    done: list[object] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)  # type: ignore[operator]
    thread.start()
    thread.join(seconds)
    assert done, f"still blocked after {seconds} s"
    return done[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.ics"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("where", ["/dev/zero", "fifo"])
def test_a_device_or_a_fifo_is_not_a_calendar_source(db: Database, fifo: Path, where: str) -> None:
    location = str(fifo) if where == "fifo" else where
    started = time.monotonic()
    with db.transaction() as s, pytest.raises(PlannerError, match="not a regular file"):
        calendars.add_source(s, "tester", "hostile", location)
    assert time.monotonic() - started < 1


def test_a_file_replaced_by_a_fifo_is_refused_not_waited_for(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    path = write(tmp_path / "cal.ics", ics(REVIEW))
    with db.transaction() as s:
        calendars.add_source(s, "tester", "work", str(path))
    (first,) = calendars.sync_database(db, "tester", now=clock.now(), zone=BERLIN)
    assert first.ok
    path.unlink()
    os.mkfifo(path)  # nobody ever writes into it: a plain open() would wait forever
    started = time.monotonic()
    results = _within(
        5, lambda: calendars.sync_database(db, "tester", now=clock.now(), zone=BERLIN, force=True)
    )
    (result,) = results  # type: ignore[misc]
    assert time.monotonic() - started < 2
    assert not result.ok and "not a regular file" in result.message


def test_the_size_cap_holds_on_what_is_read_not_on_stat(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/proc files are regular but say 0 bytes to stat(); so may a file that grows."""
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("needs Linux /proc")
    assert status.stat().st_size == 0 and len(status.read_bytes()) > 200
    monkeypatch.setattr(calendars, "MAX_FILE_BYTES", 200)
    with db.transaction() as s:
        calendars.add_source(s, "tester", "proc", str(status))
    (result,) = calendars.sync_database(db, "tester", now=clock.now(), zone=BERLIN)
    assert not result.ok and "larger than" in result.message


def _cli(args: list[str], tmp_path: Path) -> tuple[int, str, float, int]:
    """`splitday ARGS` as a process under a 1 GiB address-space limit: (code, stderr,
    seconds, peak RSS in MiB)."""

    # The child sets its own limit and writes its own high-water mark (VmHWM, of the memory
    # it runs on after exec): a child's ru_maxrss also counts the test process's memory it
    # was forked from (307 MiB late in a full run, against ~60 MiB of the command's own).
    peak_file = tmp_path / "peak.txt"
    bootstrap = (
        "import atexit, resource, runpy, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "def peak():\n"
        "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
        f"    open({str(peak_file)!r}, 'w').write(hwm[0].split()[1])\n"
        "atexit.register(peak)\n"
        "sys.argv = ['splitday', *sys.argv[1:]]\n"
        "runpy.run_module('planner.cli.main', run_name='__main__')\n"
    )
    env = {**os.environ, "SPLITDAY_DB_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", bootstrap, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    killer = threading.Timer(30, proc.kill)  # the old code waited on a FIFO forever
    killer.start()
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    proc.wait()
    killer.cancel()
    # no file: killed (the timer) or died past the limit; count that as over any bound
    peak_kib = int(peak_file.read_text()) if peak_file.exists() else 1 << 30
    return proc.returncode, err, time.monotonic() - started, peak_kib // 1024


@pytest.mark.parametrize("where", ["/dev/zero", "fifo"])
def test_splitday_import_of_a_device_or_fifo_ends_at_once_in_words(
    tmp_path: Path, fifo: Path, where: str
) -> None:
    location = str(fifo) if where == "fifo" else where
    code, err, seconds, peak = _cli(["import", location], tmp_path)
    print(f"`splitday import {where}`: exit {code} after {seconds:.2f} s, peak RSS {peak} MiB")
    assert code == 1, err
    assert "not a regular file" in err and "Traceback" not in err and "MemoryError" not in err
    assert seconds < 10


def test_a_source_that_became_dev_zero_costs_no_memory(tmp_path: Path) -> None:
    path = tmp_path / "cal.ics"
    env_db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    write(path, ics(REVIEW))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.cli.main",
            "--db",
            env_db,
            "calendar",
            "add",
            "w",
            str(path),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    path.unlink()
    path.symlink_to("/dev/zero")
    code, err, seconds, peak = _cli(["calendar", "sync", "--force"], tmp_path)
    print(f"sync of a file turned /dev/zero: exit {code} after {seconds:.2f} s, peak {peak} MiB")
    assert code == 1 and "not a regular file" in err, err
    assert seconds < 10 and peak < 300, (seconds, peak)
