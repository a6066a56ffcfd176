"""Weekly review speed: aggregates in-process (1 and 5 years), chart redraw vs bare Agg, the
Review view's first display, and `splitday report --json` vs `watson report` as whole processes.

Run from the repository root: `python bench/bench_report.py` (about a minute). It builds its
demo databases in a temporary folder; td-watson is installed into the running environment if
missing (a benchmark-only tool, not a project dependency).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ZONE_NAME = "Europe/Berlin"
OWNER = "bench"
NOW = "2026-11-25T12:00:00+01:00"  # a Wednesday: the week in progress, history behind it


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "min": round(ordered[0], 3),
        "median": round(statistics.median(ordered), 3),
        "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
    }


def env_for(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure as installed: bytecode compiled
    env.update(
        TZ=ZONE_NAME,
        SPLITDAY_OWNER=OWNER,
        SPLITDAY_NOW=NOW,
        SPLITDAY_DATA_DIR=str(tmp / "data"),
        PYTHONPATH=str(ROOT),
        PYTHONPYCACHEPREFIX=str(tmp / "pycache"),
        MPLCONFIGDIR=str(tmp / "mpl"),
    )
    return env


def make_demo(tmp: Path, weeks: int) -> str:
    url = f"sqlite:///{tmp / f'demo-{weeks}.sqlite3'}"
    subprocess.run(
        [sys.executable, "-m", "planner.cli.main", "--db", url, "demo", "--weeks", str(weeks)],
        env=env_for(tmp),
        check=True,
        capture_output=True,
    )
    return url


# ---------------------------------------------------------------- in-process aggregates


def bench_aggregates(url: str, repeat: int) -> dict[str, object]:
    from sqlalchemy import text

    from planner.domain.clock import parse_local_moment
    from planner.review import reports
    from planner.storage.db import open_database

    zone = ZoneInfo(ZONE_NAME)
    now = parse_local_moment(NOW, zone)
    db = open_database(url, owner=OWNER)
    this_monday = reports.monday_of(now.astimezone(zone).date())
    last_full = this_monday - timedelta(weeks=1)
    out: dict[str, object] = {}
    with db.transaction() as s:
        first = reports.monday_of(reports.week_report(s, OWNER, zone, last_full, now).days[0])
        oldest = s.execute(
            text("SELECT min(start) FROM entry WHERE owner = :o"), {"o": OWNER}
        ).scalar()
        old_monday = reports.monday_of(datetime.fromisoformat(str(oldest)).date()) + timedelta(
            weeks=4
        )
        for label, monday in (("last full week", first), ("oldest weeks", old_monday)):
            reports.week_report(s, OWNER, zone, monday, now)  # warm the statement cache
            reports.share_trend(s, OWNER, zone, monday, now)
            week = timed(lambda m=monday: reports.week_report(s, OWNER, zone, m, now), repeat)
            trend = timed(lambda m=monday: reports.share_trend(s, OWNER, zone, m, now), repeat)
            out[label] = {
                "week": str(monday),
                "week_report_ms": summary(week),
                "share_trend_8w_ms": summary(trend),
            }
        insight = timed(
            lambda: reports.interruption_insight(s, OWNER, zone, last_full, now),
            max(5, repeat // 20),
        )
        out["insight_8w_ms"] = summary(insight)
    db.close()
    return out


# ---------------------------------------------------------------- chart redraw


def bench_charts(url: str, repeat: int) -> dict[str, object]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from planner.domain.clock import parse_local_moment
    from planner.review import charts, reports
    from planner.storage.db import open_database

    zone = ZoneInfo(ZONE_NAME)
    now = parse_local_moment(NOW, zone)
    db = open_database(url, owner=OWNER)
    monday = reports.monday_of(now.astimezone(zone).date()) - timedelta(weeks=1)
    with db.transaction() as s:
        weeks = [
            (
                reports.week_report(s, OWNER, zone, monday - timedelta(weeks=k), now),
                reports.share_trend(s, OWNER, zone, monday - timedelta(weeks=k), now),
            )
            for k in range(4)
        ]
    db.close()
    out: dict[str, object] = {}
    for name in charts.CHART_NAMES:
        fig = Figure(figsize=(9, 5), layout="constrained")
        canvas = FigureCanvasAgg(fig)
        chart = charts.build(name, *weeks[0], figure=fig)
        canvas.draw()  # the first draw (fonts, caches)

        def redraw(
            chart: charts.Chart = chart,
            canvas: FigureCanvasAgg = canvas,
            k: list[int] = [0],  # noqa: B006 - a counter kept between calls on purpose
        ) -> None:
            k[0] += 1
            charts.redraw(chart, *weeks[k[0] % len(weeks)], charts.LIGHT)
            canvas.draw()

        out[f"{name}_redraw_ms"] = summary(timed(redraw, repeat))

    # the bare equivalent of the time-split chart: the same stacked bars, hatches, legend, labels
    def bare_stacked(week: reports.WeekReport, fig: Figure, canvas: FigureCanvasAgg) -> None:
        fig.clear()
        ax = fig.add_subplot()
        colours = {r.id: r.colour for r in week.roles}
        for offset, groups in (
            (-0.19, ((week.planned, None, 0.45), (week.planned_meetings, "//", 0.45))),
            (0.19, ((week.work, None, 1.0), (week.meetings, "//", 1.0),
                    (week.interruptions, "xx", 1.0))),
        ):  # fmt: skip
            bottom = [0.0] * 7
            for role in colours:
                for series, hatch, alpha in groups:
                    values = [v / 60 for v in series.get(role, (0.0,) * 7)]
                    if not any(values):
                        continue
                    ax.bar([i + offset for i in range(7)], values, 0.38, bottom=bottom,
                           color=colours[role], hatch=hatch, alpha=alpha)  # fmt: skip
                    bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        for i in range(5):
            ax.plot([i - 0.42, i + 0.42], [8.5, 8.5], "--", color="red")
        ax.set_xticks(range(7), [str(d) for d in week.days])
        ax.set_title("Time split")
        ax.set_xlabel("day")
        ax.set_ylabel("hours")
        ax.grid(axis="y")
        ax.legend(handles=[Patch(color=c, label=str(r)) for r, c in colours.items()])
        canvas.draw()

    for layout in (None, "constrained"):
        fig = Figure(figsize=(9, 5), layout=layout)
        canvas = FigureCanvasAgg(fig)
        bare_stacked(weeks[0][0], fig, canvas)

        def bare(
            fig: Figure = fig,
            canvas: FigureCanvasAgg = canvas,
            k: list[int] = [0],  # noqa: B006 - a counter kept between calls on purpose
        ) -> None:
            k[0] += 1
            bare_stacked(weeks[k[0] % len(weeks)][0], fig, canvas)

        out[f"bare_stacked_bar_{layout or 'plain'}_layout_ms"] = summary(timed(bare, repeat))
    ours = out["time-split_redraw_ms"]["median"]  # type: ignore[index]
    for layout in ("plain", "constrained"):
        base = out[f"bare_stacked_bar_{layout}_layout_ms"]["median"]  # type: ignore[index]
        out[f"time_split_vs_bare_{layout}_layout"] = round(ours / base, 2)
    return out


# ---------------------------------------------------------------- the view's first display

VIEW_SCRIPT = """
import sys, time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
from zoneinfo import ZoneInfo
from planner.domain.clock import clock_from_env
from ui.gateway import open_gateway
from ui.views.review import ReviewView
app = QApplication([])
gateway = open_gateway(sys.argv[1], clock_from_env(), ZoneInfo("Europe/Berlin"), owner="bench")
view = ReviewView(gateway)
view.resize(1200, 760)
assert "matplotlib" not in sys.modules
t1 = time.perf_counter()
view.show()
while True:
    app.processEvents()
    canvas = view.canvas("time-split")
    if canvas is not None and canvas.figure is not None and not canvas.figure.stale:
        break
view.grab()  # make sure it is painted
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000)
"""


def bench_view(url: str, tmp: Path, repeat: int) -> dict[str, object]:
    env = env_for(tmp)
    env["QT_QPA_PLATFORM"] = "offscreen"
    first: list[float] = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", VIEW_SCRIPT, url],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        first.append(float(done.stdout.split()[1]))
    return {"first_display_incl_matplotlib_import_ms": summary(first)}


# ---------------------------------------------------------------- whole processes, vs Watson


def ensure_watson() -> Path:
    exe = Path(sys.executable).with_name("watson")
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "td-watson"], check=True)
    return exe


def write_watson_frames(url: str, folder: Path) -> int:
    """The demo's entries as Watson frames: project = role, tag = entry kind."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT e.start, e.\"end\", coalesce(r.name, 'none'), e.kind FROM entry e "
                'LEFT JOIN role r ON r.id = e.role_id WHERE e.owner = :o AND e."end" IS NOT NULL '
                "ORDER BY e.start"
            ),
            {"o": OWNER},
        ).all()
    engine.dispose()

    def ts(value: object) -> int:
        moment = datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
        return int(moment.timestamp())

    frames = [
        [ts(a), ts(b), project, uuid.uuid4().hex, [kind], ts(b)] for a, b, project, kind in rows
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "frames").write_text(json.dumps(frames), encoding="utf-8")
    (folder / "state").write_text("{}", encoding="utf-8")
    return len(frames)


CPU: dict[str, list[float]] = {}


def run_ms(cmd: Sequence[str], env: dict[str, str], label: str = "") -> float:
    """Wall time of a whole process; its CPU time (user + system) is kept under `label` (a busy
    machine inflates wall time far more than CPU time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {done.stderr[-400:]}")
    if label:
        cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
        CPU.setdefault(label, []).append(cpu)
    return elapsed


def bench_processes(url: str, tmp: Path, repeat: int) -> dict[str, object]:
    watson = ensure_watson()
    watson_dir = tmp / "watson"
    frames = write_watson_frames(url, watson_dir)
    env = env_for(tmp)
    env["WATSON_DIR"] = str(watson_dir)
    monday = date.fromisoformat(NOW[:10]) - timedelta(days=date.fromisoformat(NOW[:10]).weekday())
    last = monday - timedelta(weeks=1)
    iso = last.isocalendar()
    ours = [sys.executable, "-m", "planner.cli.main", "--db", url, "report",
            "--week", f"{iso[0]}-W{iso[1]:02d}", "--json"]  # fmt: skip
    theirs = [str(watson), "report", "--from", str(last), "--to",
              str(last + timedelta(days=6)), "--json"]  # fmt: skip
    run_ms(ours, env)  # compile bytecode once, as an installed app has it
    run_ms(theirs, env)
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeat):  # side by side, interleaved
        a.append(run_ms(ours, env, "splitday"))
        b.append(run_ms(theirs, env, "watson"))
    bare = [run_ms([sys.executable, "-c", "pass"], env, "python") for _ in range(repeat)]
    floor = [
        run_ms([sys.executable, "-c", "import sqlalchemy.orm"], env, "sqlalchemy")
        for _ in range(repeat)
    ]
    ours_s, theirs_s = summary(a), summary(b)
    ours_cpu, theirs_cpu = summary(CPU["splitday"]), summary(CPU["watson"])
    return {
        "watson_frames": frames,
        "python_startup_ms": summary(bare),
        "import_sqlalchemy_orm_ms": summary(floor),
        "splitday_report_json_ms": ours_s,
        "watson_report_json_ms": theirs_s,
        "watson_over_splitday_median": round(theirs_s["median"] / ours_s["median"], 2),
        "cpu_splitday_report_json_ms": ours_cpu,
        "cpu_watson_report_json_ms": theirs_cpu,
        "cpu_import_sqlalchemy_orm_ms": summary(CPU["sqlalchemy"]),
        "cpu_watson_over_splitday_median": round(theirs_cpu["median"] / ours_cpu["median"], 2),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    p.add_argument("--json", metavar="FILE", help="also write the results here")
    args = p.parse_args()
    repeat = 30 if args.quick else 200
    os.environ.update(TZ=ZONE_NAME)
    time.tzset()
    tmp = Path(tempfile.mkdtemp(prefix="splitday-bench-report-"))
    results: dict[str, object] = {"load_average": os.getloadavg()}
    try:
        urls = {weeks: make_demo(tmp, weeks) for weeks in (52, 260)}
        for weeks, url in urls.items():
            results[f"aggregates_{weeks}w"] = bench_aggregates(url, repeat)
        results["charts"] = bench_charts(urls[260], max(10, repeat // 10))
        results["view"] = bench_view(urls[260], tmp, 3 if args.quick else 7)
        results["processes"] = bench_processes(urls[260], tmp, 5 if args.quick else 11)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["load_average_after"] = os.getloadavg()
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
