"""`splitday report`: the weekly review on the command line (text, JSON, PNG/SVG/PDF, CSV).

Works headless: the charts render with Agg, and matplotlib is imported only for --png/--svg/--pdf.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.domain.i18n import tr

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
        help=tr("the weekly review: how time was spent, interruptions, plan adherence"),
        description=tr("Summarise a local ISO week (Mon–Sun). Exports work without a display."),
    )
    p.add_argument("--week", metavar="YYYY-Www", help=tr("e.g. 2026-W48 (default: this week)"))
    p.add_argument(
        "--iso",
        action="store_true",
        help=tr("this week as an ISO week (Monday to Sunday) whatever the locale's first day"),
    )
    p.add_argument("--json", action="store_true", help=tr("print the figures as JSON"))
    p.add_argument("--png", metavar="FILE", help=tr("write the week's charts as a PNG image"))
    p.add_argument("--svg", metavar="FILE", help=tr("write the week's charts as SVG"))
    p.add_argument("--pdf", metavar="FILE", help=tr("write a one-page PDF of the whole week"))
    p.add_argument(
        "--chart",
        choices=CHARTS,
        help=tr("export only this chart (with --png/--svg/--pdf) instead of the whole page"),
    )
    p.add_argument("--dark", action="store_true", help=tr("dark colours for the exported charts"))
    p.add_argument(
        "--csv",
        metavar="FILE",
        help=tr("write the week's entries to FILE and its aggregates to FILE-aggregates.csv"),
    )
    p.add_argument(
        "--auto-split-around-interruptions",
        choices=("on", "off"),
        help=tr(
            "let `plan --auto` put the interrupt-prone role's slots where interruptions cluster "
            "and the focus role's in the quiet hours (off by default)"
        ),
    )
    p.add_argument(
        "--insight-weeks",
        type=int,
        default=8,
        metavar="N",
        help=tr("how many weeks the interruption insight looks back (4-8; default 8)"),
    )
    return {"report": cmd_report}


def read_only(args: argparse.Namespace) -> bool:
    """Only figures on stdout (text or --json): nothing written, no chart drawn."""
    writes = (args.png, args.svg, args.pdf, args.csv, args.auto_split_around_interruptions)
    return not any(writes)


def _check(args: argparse.Namespace) -> None:
    from planner.cli.common import CliError

    if not 1 <= args.insight_weeks <= 52:
        raise CliError(tr("--insight-weeks is between 1 and 52"))


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
    if args.week:  # an ISO week: Monday to Sunday
        monday = reports.parse_week(args.week)
    else:  # this week as the locale counts it (Sunday-first in the US), or ISO with --iso
        from planner.domain.localefmt import first_weekday

        today = local_date(now, zone, int(settings["day_start_minute"]))
        monday = reports.week_start(today, 0 if args.iso else first_weekday())
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
        written.extend(  # and, for a decimal-comma locale, the copies its spreadsheets read
            exports.write_week_csv_localised(args.csv, week, entries, ctx.zone, day_start, now)
        )
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
        print(tr("wrote {path}").format(path=path), file=sys.stderr if args.json else sys.stdout)
    return 0


def _hm(minutes: float) -> str:
    h, m = divmod(round(minutes), 60)
    return f"{h}:{m:02d}"


def _text(week: Any, trend: Any, insight: Any, around: bool) -> str:
    from planner.domain.localefmt import weekday_name

    names = {r.id: r.name for r in week.roles}
    names[None] = tr("(no role)")
    lines = [
        tr("Week {week} ({first} to {last}, {zone})").format(
            week=week.week, first=week.days[0], last=week.days[-1], zone=week.zone
        ),
        "",
    ]
    header = "          " + "".join(f"{weekday_name(d.weekday())[:6]:>7}" for d in week.days)
    week_word = tr("week")
    lines.append(header + f"{week_word:>8}")

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
            lines.append(row("  " + tr("planned"), planned))
    lines.append(row(tr("overtime"), week.overtime))
    adherence = "".join(
        f"{round(100 * a):>6}%" if a is not None else f"{'·':>7}" for a in week.adherence
    )
    on_plan = tr("on plan")
    lines.append(f"{on_plan[:10]:<10}{adherence}")
    lines.append("")
    share = week.actual_share()
    for role in week.roles:
        lines.append(
            tr("{name}: {value:.0f} % of working time (target {target_percent:.0f} %)").format(
                name=role.name,
                value=100 * share.get(role.id, 0.0),
                target_percent=role.target_percent,
            )
        )
    top = ", ".join(f"{s.source} {s.count}" for s in week.sources[:4]) or tr("none")
    lines.append(
        tr(
            "Interruptions: {count} ({minutes}); top sources: {top}; focus lost ≈ {lost} "
            "at {cost:g} min each"
        ).format(
            count=week.interruption_count,
            minutes=_hm(week.interruption_minutes),
            top=top,
            lost=_hm(week.focus_lost_minutes),
            cost=week.resumption_cost_minutes,
        )
    )
    if insight is not None:
        lines.append(insight.text)
        if around:
            lines.append(tr("Auto-split plans around it (--auto-split-around-interruptions off)."))
        else:
            lines.append(
                tr(
                    "Let auto-split put the interrupt-prone role's slots in those hours and the "
                    "focus role's in the quiet ones: --auto-split-around-interruptions on"
                )
            )
    return "\n".join(lines)
