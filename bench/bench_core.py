"""Core benchmarks (issue 2): CLI start-up, recording an interruption, auto-splitting a day.

Run: python bench/bench_core.py  (prints figures and ratios measured in this one run)
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.domain import scheduling  # noqa: E402
from planner.domain.timerange import Interval, local_wall_time  # noqa: E402
from planner.services import planning, tracking  # noqa: E402
from planner.storage.db import open_database  # noqa: E402


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def time_process(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
        out.append(time.perf_counter() - t)
    return out


def bench_status(tmp: Path, runs: int) -> tuple[float, float]:
    # an installed app has its bytecode compiled; this environment disables writing it
    compileall.compile_dir(ROOT / "planner", quiet=1)
    compileall.compile_dir(ROOT / "ui", quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(SPLITDAY_DATA_DIR=str(tmp), SPLITDAY_NOW="2026-11-24T10:15")
    launcher = [sys.executable, "-m", "ui.shell.launcher"]
    subprocess.run(
        [*launcher, "demo", "--weeks", "4"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    subprocess.run([*launcher, "status"], env=env, cwd=ROOT, check=True, capture_output=True)
    base = time_process([sys.executable, "-c", "import sqlalchemy.orm"], env, runs)
    status = time_process([*launcher, "status", "--json"], env, runs)
    return median_ms(status), median_ms(base)


def bench_interrupt(tmp: Path, n: int) -> float:
    zone = ZoneInfo("Europe/Berlin")
    db = open_database(f"sqlite:///{tmp / 'interrupt.sqlite3'}", owner="bench")
    day = date(2026, 11, 24)
    with db.transaction() as s:
        planning.ensure_defaults(s, "bench")
        planning.auto_plan(s, "bench", day, zone)
        tracking.start_work(s, "bench", zone, local_wall_time(day, 9 * 60, zone), follow_plan=True)
    samples = []
    moment = local_wall_time(day, 9 * 60 + 1, zone)
    for i in range(n):
        moment += timedelta(seconds=30)
        t = time.perf_counter()
        with db.transaction() as s:  # one user action = one transaction, as in the app
            tracking.interrupt(s, "bench", zone, moment, note=f"call {i}", source="phone")
        samples.append(time.perf_counter() - t)
        with db.transaction() as s:
            tracking.resume(s, "bench", zone, moment + timedelta(seconds=10))
    db.close()
    return median_ms(samples)


def bench_split(n: int) -> float:
    zone = ZoneInfo("Europe/Berlin")
    day = date(2026, 11, 24)
    window = Interval(local_wall_time(day, 9 * 60, zone), local_wall_time(day, 17 * 60 + 30, zone))
    busy = [
        scheduling.Busy(Interval(local_wall_time(day, a, zone), local_wall_time(day, b, zone)), r)
        for a, b, r in ((570, 585, 1), (720, 750, None), (840, 900, 2))
    ]
    targets = [scheduling.RoleTarget(1, 60), scheduling.RoleTarget(2, 40)]
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        scheduling.auto_split(window, busy, targets, timedelta(minutes=45))
        samples.append(time.perf_counter() - t)
    return median_ms(samples)


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "15"))
    print(
        f"Splitday core benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        status, base = bench_status(tmp, runs)
        print(
            f"1. `splitday status --json` whole process: {status:.0f} ms median of {runs}; "
            f"`python -c 'import sqlalchemy.orm'`: {base:.0f} ms; ratio {status / base:.2f}x"
        )
        intr = bench_interrupt(tmp, 300)
        print(
            f"2. record an interruption in-process (SQLite, own transaction): "
            f"{intr:.2f} ms median of 300 (target <= 2 ms)"
        )
        split = bench_split(2000)
        print(
            f"3. auto-split of a day (3 meetings, 2 roles): {split:.3f} ms median of 2000 "
            f"(target <= 5 ms)"
        )


if __name__ == "__main__":
    main()
