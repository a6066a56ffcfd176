"""`splitday report`: the weekly review on the command line (text, JSON, PNG/SVG/PDF, CSV).

Works headless: the charts render with Agg, and matplotlib is imported only for --png/--svg/--pdf.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3
    from datetime import datetime, tzinfo

    from sqlalchemy.orm import Session

    from planner.cli.common import Context
    from planner.review.reports import Insight, ShareTrend, WeekReport

CHARTS = ("time-split", "share", "interruptions", "adherence")
SETTING = "auto_split_interruption_hours"


def register(subparsers: Any) -> dict[str, Callable[[Context, argparse.Namespace], int]]:
    p = subparsers.add_parser(
        "report",
        help="the weekly review: how time was spent, interruptions, plan adherence",
        description="Summarise a local ISO week (Mon–Sun). Exports work without a display.",
    )
    p.add_argument("--week", metavar="YYYY-Www", help="e.g. 2026-W48 (default: this week)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--png", metavar="FILE", help="write the week's charts as a PNG image")
    p.add_argument("--svg", metavar="FILE", help="write the week's charts as SVG")
    p.add_argument("--pdf", metavar="FILE", help="write a one-page PDF of the whole week")
    p.add_argument(
        "--chart",
        choices=CHARTS,
        help="export only this chart (with --png/--svg/--pdf) instead of the whole page",
    )
    p.add_argument("--dark", action="store_true", help="dark colours for the exported charts")
    p.add_argument(
        "--csv",
        metavar="FILE",
        help="write the week's entries to FILE and its aggregates to FILE-aggregates.csv",
    )
    p.add_argument(
        "--auto-split-around-interruptions",
        choices=("on", "off"),
        help="let `plan --auto` put the interrupt-prone role's slots where interruptions "
        "cluster and the focus role's in the quiet hours (off by default)",
    )
    p.add_argument(
        "--insight-weeks",
        type=int,
        default=8,
        metavar="N",
        help="how many weeks the interruption insight looks back (4-8; default 8)",
    )
    return {"report": cmd_report}


def read_only(args: argparse.Namespace) -> bool:
    """Only figures on stdout (text or --json): nothing written, no chart drawn."""
    writes = (args.png, args.svg, args.pdf, args.csv, args.auto_split_around_interruptions)
    return not any(writes)


def _check(args: argparse.Namespace) -> None:
    from planner.cli.common import CliError

    if not 1 <= args.insight_weeks <= 52:
        raise CliError("--insight-weeks is between 1 and 52")


def _figures(
    db: Session | sqlite3.Connection,
    owner: str,
    zone: tzinfo,
    now: datetime,
    args: argparse.Namespace,
) -> tuple[WeekReport, ShareTrend, Insight | None, bool]:
    """The week's figures, its trend and the insight, read from a session or a bare sqlite3
    connection alike (planner.review.reports runs the same SQL on both)."""
    from planner.domain.timerange import local_date
    from planner.review import reports

    settings = reports.settings(db, owner, "day_start_minute", SETTING)
    if args.week:
        monday = reports.parse_week(args.week)
    else:
        monday = reports.monday_of(local_date(now, zone, int(settings["day_start_minute"])))
    week = reports.week_report(db, owner, zone, monday, now)
    trend = reports.share_trend(db, owner, zone, monday, now)
    insight = reports.interruption_insight(db, owner, zone, monday, now, weeks=args.insight_weeks)
    return week, trend, insight, bool(settings[SETTING])


def _print_figures(
    week: WeekReport,
    trend: ShareTrend,
    insight: Insight | None,
    around: bool,
    zone: tzinfo,
    as_json: bool,
) -> None:
    if as_json:
        from planner.review import exports

        data = exports.week_json(week, trend, insight, zone)
        data["auto_split_around_interruptions"] = around
        from planner.cli.common import _print_json

        _print_json(data)  # the same text; bidi and C1 controls escaped
    else:
        print(_text(week, trend, insight, around))


def report_without_orm(args: argparse.Namespace) -> int | None:
    """`splitday report [--week] [--json]` on the SQLite default, straight on a read-only sqlite3
    connection: the same SQL and output as the full path, without importing SQLAlchemy (which
    alone costs most of a whole `report` run). None when the full path must run instead: another
    database or URL form, no file yet, an older schema to migrate, defaults not yet seeded, an
    export to write, or any SQLite error (the full path reports it properly)."""
    import sqlite3

    from planner.domain.clock import clock_from_env, local_zone
    from planner.platform import paths
    from planner.platform.paths import current_owner
    from planner.storage.migrations import SCHEMA_REVISION

    _check(args)
    if not read_only(args):
        return None
    path = paths.plain_sqlite_file(paths.resolve_url(args.db))
    if path is None or not path.is_file():
        return None
    owner = current_owner()
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        found = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        seeded = conn.execute("SELECT 1 FROM role WHERE owner = ? LIMIT 1", (owner,)).fetchone()
        if found != [(SCHEMA_REVISION,)] or seeded is None:
            return None
        conn.execute("BEGIN")  # one snapshot for every figure
        zone = local_zone()
        figures = _figures(conn, owner, zone, clock_from_env().now(), args)
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    _print_figures(*figures, zone, args.json)
    return 0


def cmd_report(ctx: Context, args: argparse.Namespace) -> int:
    from planner.services import planning

    _check(args)
    now = ctx.now()
    if args.auto_split_around_interruptions:
        with ctx.db.transaction() as s:
            planning.set_setting(
                s, ctx.owner, SETTING, args.auto_split_around_interruptions == "on"
            )
    with ctx.db.read() as s:  # the report only reads: it never waits for a writer
        week, trend, insight, around = _figures(s, ctx.owner, ctx.zone, now, args)
        entries = None
        if args.csv:
            from planner.domain.timerange import Interval
            from planner.services import tracking

            lo, hi = week.day_bounds[0][0], week.day_bounds[-1][1]
            entries = tracking.list_entries(s, ctx.owner, Interval(lo, hi))
            day_start = int(planning.get_setting(s, ctx.owner, "day_start_minute"))
    written: list[Path] = []
    if args.csv and entries is not None:
        from planner.review import exports

        written.extend(exports.write_week_csv(args.csv, week, entries, ctx.zone, day_start, now))
    figures = [(fmt, getattr(args, fmt)) for fmt in ("png", "svg", "pdf") if getattr(args, fmt)]
    if figures:
        from planner.review import charts

        theme = charts.DARK if args.dark else charts.LIGHT
        for fmt, path in figures:
            if args.chart:
                fig = charts.build(args.chart, week, trend, theme).figure
            else:
                fig = charts.week_page(week, trend, theme)
            written.append(charts.save(fig, path, fmt))
    if args.json or not written:
        _print_figures(week, trend, insight, around, ctx.zone, args.json)
    for path in written:
        print(f"wrote {path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _hm(minutes: float) -> str:
    h, m = divmod(round(minutes), 60)
    return f"{h}:{m:02d}"


def _text(week: Any, trend: Any, insight: Any, around: bool) -> str:
    from planner.review.reports import WEEKDAY_NAMES

    names = {r.id: r.name for r in week.roles}
    names[None] = "(no role)"
    lines = [f"Week {week.week} ({week.days[0]} to {week.days[-1]}, {week.zone})", ""]
    header = "          " + "".join(f"{WEEKDAY_NAMES[d.weekday()]:>7}" for d in week.days)
    lines.append(header + "    week")

    def row(label: str, values: Any) -> str:
        cells = "".join(f"{_hm(v):>7}" if v else f"{'·':>7}" for v in values)
        return f"{label[:10]:<10}{cells} {_hm(sum(values)):>7}"

    for role_id in [r.id for r in week.roles] + [None]:
        planned = week.planned.get(role_id)
        actual = [
            sum(
                s.get(role_id, (0.0,) * 7)[i]
                for s in (week.work, week.meetings, week.interruptions)
            )
            for i in range(7)
        ]
        if planned is None and not any(actual):
            continue
        lines.append(row(f"{names[role_id]}", actual))
        if planned is not None:
            lines.append(row("  planned", planned))
    lines.append(row("overtime", week.overtime))
    adherence = "".join(
        f"{round(100 * a):>6}%" if a is not None else f"{'·':>7}" for a in week.adherence
    )
    lines.append(f"{'on plan':<10}{adherence}")
    lines.append("")
    share = week.actual_share()
    for role in week.roles:
        lines.append(
            f"{role.name}: {100 * share.get(role.id, 0.0):.0f} % of working time "
            f"(target {role.target_percent:.0f} %)"
        )
    top = ", ".join(f"{s.source} {s.count}" for s in week.sources[:4]) or "none"
    lines.append(
        f"Interruptions: {week.interruption_count} ({_hm(week.interruption_minutes)}); "
        f"top sources: {top}; focus lost ≈ {_hm(week.focus_lost_minutes)} "
        f"at {week.resumption_cost_minutes:g} min each"
    )
    if insight is not None:
        lines.append(insight.text)
        if around:
            lines.append("Auto-split plans around it (--auto-split-around-interruptions off).")
        else:
            lines.append(
                "Let auto-split put the interrupt-prone role's slots in those hours and the "
                "focus role's in the quiet ones: --auto-split-around-interruptions on"
            )
    return "\n".join(lines)
