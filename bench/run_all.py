"""Run every benchmark in turn (`make bench`); each prints its own figures and ratios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    ["bench_core.py"],
    ["startup.py"],
    ["bench_hotkey.py", "--runs", "20"],
    ["bench_report.py"],
    ["bench_calendar.py"],
    ["bench_import.py"],
    ["endurance.py", "--actions", "8000"],
    ["crash_soak.py", "--kills", "1000"],
)


def main() -> int:
    failed = []
    for script, *args in SCRIPTS:
        print(f"\n=== {script} {' '.join(args)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script), *args]).returncode:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
