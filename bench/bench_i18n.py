"""What the translations add to the window's start: the catalog, Qt's qtbase translation and
QLocale's default, each measured in a fresh process (CPU time and wall time, medians).

    python bench/bench_i18n.py [--runs 7] [--lang it]

The start-up benchmark (bench/startup.py) gives the first paint as a whole; on a shared machine
its spread (tens of ms) hides a few ms, so this one times only the steps the translations add:
importing planner.domain.i18n and ui.formats, loading the gettext catalog, and
ui.formats.install_translations() (QTranslator for qtbase_<lang>.qm, QLocale.setDefault, the
layout direction). The C locale (no language asked for) is the baseline: it loads nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
# what the start path has touched already before these steps (Qt's enums, QLocale, gettext)
from PySide6.QtCore import QDate, QLibraryInfo, QLocale, Qt, QTime, QTranslator
import gettext
Qt.LayoutDirection.RightToLeft, QLocale.FormatType.ShortFormat
w0, c0 = time.perf_counter(), time.process_time()
from planner.domain import i18n
import ui.formats
w1, c1 = time.perf_counter(), time.process_time()
i18n.tr("&Plan my day…")  # the catalog is read on first use
w2, c2 = time.perf_counter(), time.process_time()
ui.formats.install_translations(app)
w3, c3 = time.perf_counter(), time.process_time()
ui.formats.clock(__import__("datetime").datetime(2026, 12, 7, 9, 30))
w4, c4 = time.perf_counter(), time.process_time()
print(json.dumps({
    "import_ms": (w1 - w0) * 1000, "import_cpu_ms": (c1 - c0) * 1000,
    "catalog_ms": (w2 - w1) * 1000, "catalog_cpu_ms": (c2 - c1) * 1000,
    "qt_ms": (w3 - w2) * 1000, "qt_cpu_ms": (c3 - c2) * 1000,
    "first_format_ms": (w4 - w3) * 1000,
    "total_ms": (w4 - w0) * 1000, "total_cpu_ms": (c4 - c0) * 1000,
    "language": i18n.language(),
}))
"""


def measure(lang: str | None, runs: int) -> dict[str, float | str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), LANG="C.UTF-8")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app has its .pyc
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "planner", "ui"], cwd=ROOT, env=env, check=True
    )
    for name in ("SPLITDAY_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_TIME"):
        env.pop(name, None)
    if lang:
        env["SPLITDAY_LANG"] = lang
    rows = []
    for _ in range(runs + 1):  # the first warms the file cache
        out = subprocess.run(
            [sys.executable, "-c", CHILD], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if out.returncode:
            raise SystemExit(out.stderr)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    rows = rows[1:]
    result: dict[str, float | str] = {"language": str(rows[0]["language"])}
    for key in rows[0]:
        if key != "language":
            result[key] = round(statistics.median(float(r[key]) for r in rows), 2)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--lang", default="it")
    args = parser.parse_args()
    base, lang = measure(None, args.runs), measure(args.lang, args.runs)
    print(f"{args.runs} runs each, medians, ms (CPU time in brackets)")
    for name, row in (("C locale", base), (f"SPLITDAY_LANG={args.lang}", lang)):
        print(
            f"  {name:<18} catalog {row['language']}: import {row['import_ms']} "
            f"[{row['import_cpu_ms']}], catalog {row['catalog_ms']} [{row['catalog_cpu_ms']}], "
            f"Qt translator + QLocale {row['qt_ms']} [{row['qt_cpu_ms']}], "
            f"first time format {row['first_format_ms']}; total {row['total_ms']} "
            f"[{row['total_cpu_ms']}]"
        )
    extra = float(lang["total_cpu_ms"]) - float(base["total_cpu_ms"])
    print(f"  a language costs the start {extra:+.1f} ms CPU over the C locale")
    return 0


if __name__ == "__main__":
    sys.exit(main())
