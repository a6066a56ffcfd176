"""A first .ics import as a whole process, side by side with a bare `icalendar` parse of the file.

    python bench/bench_import.py                     # 10 000 events, 5 years, 7 runs each
    python bench/bench_import.py --events 50000 --runs 3

The calendar comes from the shared generator (`../shared/bench/gen_ics.py N FILE 7 YEARS`:
70 % one-off events, 20 % weekly series with EXDATEs, 10 % moved occurrences). In every round,
in turn and in the same run:

- `python -c "icalendar.Calendar.from_ical(data)"`: the bare parse of the whole file;
- `splitday calendar add bench FILE`: a first import into a fresh data folder (a new SQLite
  database, the source added, read, expanded into the window and stored, committed), with
  SPLITDAY_NOW=2026-12-07T08:50;
- `splitday import FILE`: the same without keeping the source.

Wall and CPU time (user + system of the child, RUSAGE_CHILDREN) are measured per process, with
bytecode compiled into a private cache first (an installed app has its .pyc). Target (issue 17):
the first import at most 0.5x the bare parse. Everything is written to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SPLITDAY_SHARED") or ROOT.parent / "shared")
GENERATOR = SHARED / "bench" / "gen_ics.py"
NOW = "2026-12-07T08:50"
BARE = "import sys, icalendar; icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())"


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of one child process, and what it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed: {done.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not GENERATOR.is_file():
        raise SystemExit(f"no generator at {GENERATOR} (set SPLITDAY_SHARED)")
    work = Path(tempfile.mkdtemp(prefix="splitday-bench-import-"))
    try:
        ics = work / "calendar.ics"
        subprocess.run(
            [sys.executable, str(GENERATOR), str(args.events), str(ics), "7", str(args.years)],
            check=True,
            capture_output=True,
        )
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED",)}
        env.update(PYTHONPYCACHEPREFIX=str(work / "pycache"), SPLITDAY_NOW=NOW)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("SPLITDAY_DB_URL", None)
        cli = [sys.executable, "-m", "ui.shell.launcher"]
        kinds = {
            "bare from_ical": lambda n: [sys.executable, "-c", BARE, str(ics)],
            "calendar add (first import)": lambda n: [*cli, "calendar", "add", "bench", str(ics)],
            "import": lambda n: [*cli, "import", str(ics)],
        }
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
        said: dict[str, str] = {}
        for n in range(args.runs + 1):  # the first round compiles the bytecode: not counted
            for kind, make in kinds.items():
                data = work / f"data-{n}-{len(said)}-{kind.split()[0]}"
                run_env = dict(env, SPLITDAY_DATA_DIR=str(data), SPLITDAY_SOCKET=str(data / "sock"))
                wall, cpu, out = timed(make(n), run_env)
                said[kind] = out
                if n:
                    results[kind].append((wall, cpu))
                shutil.rmtree(data, ignore_errors=True)
        size = ics.stat().st_size / 2**20
        print(
            f"{args.events} events over {args.years} years ({size:.1f} MB), now = {NOW}, "
            f"{args.runs} runs each, python {sys.version.split()[0]}, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        bare_wall = statistics.median(w for w, _ in results["bare from_ical"])
        bare_cpu = statistics.median(c for _, c in results["bare from_ical"])
        print(f"{'what':<30} {'wall median':>11} {'min':>7} {'CPU median':>10} {'ratio w/c':>11}")
        for kind, rows in results.items():
            wall = statistics.median(w for w, _ in rows)
            cpu = statistics.median(c for _, c in rows)
            print(
                f"{kind:<30} {wall:10.3f}s {min(w for w, _ in rows):6.3f}s {cpu:9.3f}s "
                f"{wall / bare_wall:5.2f}/{cpu / bare_cpu:4.2f}x"
            )
        print(f"calendar add said: {said['calendar add (first import)'].splitlines()[-1]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
