"""Start-up benchmark: Splitday's main window against a minimal PySide6 window, as ratios.

    python bench/startup.py [--runs 5]

Each run is a fresh process. The minimal window is QApplication + QMainWindow, quit after its
first paint. For Splitday we record the first paint of the main window, the moment today's plan
has been painted (database opened, plan read, timeline repainted) and the resident memory then.
"Plan on screen" is the first paint of the timeline holding today's plan: normally the plan
cached at the last run (ui/shell/plan_cache.py), replaced from the database moments later; the time
until the database's own plan is painted is reported too. The code is copied to a temporary
folder and byte-compiled first (an installed app has .pyc).
Runs under Xvfb when it is installed (else offscreen); the median of the runs is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-24T10:20"

MINIMAL = r"""
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow

class Window(QMainWindow):
    painted = None
    def paintEvent(self, event):
        super().paintEvent(event)
        if Window.painted is None:
            Window.painted = time.time()
            Window.cpu = time.process_time()
            app.quit()

app = QApplication(sys.argv[:1])
w = Window()
w.resize(1100, 720)
w.show()
app.exec()
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
print({"paint": Window.painted, "plan": Window.painted, "db_plan": Window.painted,
       "paint_cpu": Window.cpu, "plan_cpu": Window.cpu, "rss_kb": rss})
"""

SPLITDAY = r"""
import sys, time
# the path plain `splitday` takes (ui.shell.launcher -> ui.shell.app.main) up to the window
import ui.shell.launcher
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from ui.shell.app import build
from ui.shell.single_instance import claim_instance

_app = QApplication(sys.argv[:1])
instance = claim_instance()  # the single-instance lock comes before any window
marks = {}
app, window, runtime = build()
def on_first_paint():
    marks.setdefault("paint", time.time())
    marks.setdefault("paint_cpu", time.process_time())


window.first_painted.connect(on_first_paint)


class PlanPainted(QObject):
    # the end of the first paint of the timeline with a plan in it (cached or from the database)
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and window.timeline.snapshot is not None:
            obj.removeEventFilter(self)
            obj.event(event)  # paint now, inside this paint cycle, then take the time
            marks.setdefault("plan", time.time())
            marks.setdefault("plan_cpu", time.process_time())
            return True
        return False


spy = PlanPainted()
window.timeline.installEventFilter(spy)


def on_day_shown(_day):
    def painted():
        window.timeline.repaint()
        marks.setdefault("db_plan", time.time())
        marks.setdefault("plan", marks["db_plan"])
        marks.setdefault("plan_cpu", time.process_time())
        app.quit()
    QTimer.singleShot(0, painted)

window.day_shown.connect(on_day_shown)
app.exec()
runtime.close()
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
marks["rss_kb"] = rss
marks["slots"] = len(window.snapshot.plan.slots) if window.snapshot else -1
marks["heavy"] = sorted(m for m in ("matplotlib", "icalendar", "plyer") if m in sys.modules)
print(marks)
"""


def one(code: str, cwd: Path, env: dict[str, str]) -> dict[str, float]:
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    if out.returncode:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    line = out.stdout.strip().splitlines()[-1]
    marks = eval(line, {})  # our own child's dict literal
    marks["paint"] -= started
    marks["plan"] -= started
    marks["db_plan"] -= started
    return marks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--weeks", type=int, default=26, help="demo history in the database")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="splitday-bench-") as tmp:
        work = Path(tmp)
        for package in ("planner", "ui", "resources"):  # resources: the icon the app loads
            shutil.copytree(
                ROOT / package, work / package, ignore=shutil.ignore_patterns("__pycache__")
            )
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for name in ("TZ", "SPLITDAY_DATA_DIR", "SPLITDAY_DB_URL"):
            env.pop(name, None)
        env.update(
            PYTHONPATH=str(work),
            # as a user starts it: the data dir found the XDG way, the zone from the system
            # (no SPLITDAY_DATA_DIR, no TZ: both would skip work the real start does)
            XDG_DATA_HOME=str(work / "data"),
            SPLITDAY_NOW=NOW,
        )
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(work)], env=env, check=True)
        subprocess.run(
            [sys.executable, "-m", "planner.cli.main", "demo", "--weeks", str(args.weeks)],
            cwd=work,
            env=env,
            check=True,
            capture_output=True,
        )
        xvfb = None
        if shutil.which("Xvfb"):
            display = ":97"
            xvfb = subprocess.Popen(
                ["Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.8)
            env["DISPLAY"] = display
            env.pop("QT_QPA_PLATFORM", None)
            platform = "xcb (Xvfb)"
        else:
            env["QT_QPA_PLATFORM"] = "offscreen"
            platform = "offscreen"
        try:
            one(MINIMAL, work, env)  # warm the file cache once
            one(SPLITDAY, work, env)
            base: list[dict[str, float]] = []
            ours: list[dict[str, float]] = []
            for _ in range(args.runs):  # interleaved, so drift hits both alike
                base.append(one(MINIMAL, work, env))
                ours.append(one(SPLITDAY, work, env))
        finally:
            if xvfb is not None:
                xvfb.terminate()
                xvfb.wait(5)

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    figures = {
        "platform": platform,
        "runs": args.runs,
        "demo_weeks": args.weeks,
        "minimal_paint_s": med(base, "paint"),
        "minimal_rss_mb": med(base, "rss_kb") / 1024,
        "first_paint_s": med(ours, "paint"),
        "plan_on_screen_s": med(ours, "plan"),
        "plan_from_database_s": med(ours, "db_plan"),
        "rss_mb": med(ours, "rss_kb") / 1024,
        "slots_shown": ours[-1]["slots"],
        "heavy_modules_loaded": ours[-1]["heavy"],
    }
    figures["first_paint_ratio"] = figures["first_paint_s"] / figures["minimal_paint_s"]
    figures["plan_ratio"] = figures["plan_on_screen_s"] / figures["minimal_paint_s"]
    figures["first_paint_cpu_ratio"] = med(ours, "paint_cpu") / med(base, "paint_cpu")
    figures["plan_cpu_ratio"] = med(ours, "plan_cpu") / med(base, "paint_cpu")
    figures["plan_from_database_ratio"] = (
        figures["plan_from_database_s"] / figures["minimal_paint_s"]
    )
    figures["rss_ratio"] = figures["rss_mb"] / figures["minimal_rss_mb"]
    targets = {"first_paint_ratio": 1.5, "plan_ratio": 3.5, "rss_ratio": 2.5}
    print(f"platform {platform}, {args.runs} runs each, medians, {args.weeks} weeks of history")
    print(
        f"minimal window: first paint {figures['minimal_paint_s'] * 1000:.0f} ms, "
        f"RSS {figures['minimal_rss_mb']:.0f} MB"
    )
    print(
        f"Splitday: first paint {figures['first_paint_s'] * 1000:.0f} ms, plan on screen "
        f"{figures['plan_on_screen_s'] * 1000:.0f} ms, RSS {figures['rss_mb']:.0f} MB"
    )
    ok = True
    for key, limit in targets.items():
        good = figures[key] <= limit
        ok &= good
        print(f"  {key:18} {figures[key]:.2f}×  (target ≤ {limit}×)  {'ok' if good else 'MISSED'}")
    print(
        f"  (plan from the database, not the cache: {figures['plan_from_database_s'] * 1000:.0f} ms"
        f" = {figures['plan_from_database_ratio']:.2f}×)"
    )
    print(
        "  CPU time of the process instead of wall time (less sensitive to a busy machine): "
        f"first paint {figures['first_paint_cpu_ratio']:.2f}×, "
        f"plan {figures['plan_cpu_ratio']:.2f}×"
    )
    print(f"  heavy modules loaded at start: {figures['heavy_modules_loaded'] or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
