"""`splitday report`: the weekly review on the command line (text, JSON, PNG/SVG/PDF, CSV).

Works headless: the charts render with Agg, and matplotlib is imported only for --png/--svg/--pdf.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.cli import Context

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


def aggregates_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}-aggregates{path.suffix or '.csv'}")


def cmd_report(ctx: Context, args: argparse.Namespace) -> int:
    from planner import planning, reports
    from planner.cli import CliError

    if not 1 <= args.insight_weeks <= 52:
        raise CliError("--insight-weeks is between 1 and 52")
    now = ctx.now()
    with ctx.db.transaction() as s:
        monday = reports.parse_week(args.week) if args.week else reports.monday_of(ctx.today(s))
        week = reports.week_report(s, ctx.owner, ctx.zone, monday, now)
        trend = reports.share_trend(s, ctx.owner, ctx.zone, monday, now)
        insight = reports.interruption_insight(
            s, ctx.owner, ctx.zone, monday, now, weeks=args.insight_weeks
        )
        if args.auto_split_around_interruptions:
            planning.set_setting(
                s, ctx.owner, SETTING, args.auto_split_around_interruptions == "on"
            )
        around = bool(planning.get_setting(s, ctx.owner, SETTING))
        entries = None
        if args.csv:
            from planner import tracking
            from planner.timerange import Interval

            lo, hi = week.day_bounds[0][0], week.day_bounds[-1][1]
            entries = tracking.list_entries(s, ctx.owner, Interval(lo, hi))
            day_start = int(planning.get_setting(s, ctx.owner, "day_start_minute"))
    written: list[Path] = []
    if args.csv and entries is not None:
        from planner import exports

        target = Path(args.csv)
        names = exports.role_names(week)
        written.append(
            exports.write_csv(
                target,
                exports.ENTRY_HEADER,
                exports.entry_rows(entries, names, ctx.zone, day_start, now),
            )
        )
        written.append(
            exports.write_csv(
                aggregates_path(target), exports.AGGREGATE_HEADER, exports.aggregate_rows(week)
            )
        )
    figures = [(fmt, getattr(args, fmt)) for fmt in ("png", "svg", "pdf") if getattr(args, fmt)]
    if figures:
        from planner import charts

        theme = charts.DARK if args.dark else charts.LIGHT
        for fmt, path in figures:
            if args.chart:
                fig = charts.build(args.chart, week, trend, theme).figure
            else:
                fig = charts.week_page(week, trend, theme)
            written.append(charts.save(fig, path, fmt))
    if args.json:
        from planner import exports

        data = exports.week_json(week, trend, insight, ctx.zone)
        data["auto_split_around_interruptions"] = around
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif not written:
        print(_text(week, trend, insight, around))
    for path in written:
        print(f"wrote {path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _hm(minutes: float) -> str:
    h, m = divmod(round(minutes), 60)
    return f"{h}:{m:02d}"


def _text(week: Any, trend: Any, insight: Any, around: bool) -> str:
    from planner.reports import WEEKDAY_NAMES

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
