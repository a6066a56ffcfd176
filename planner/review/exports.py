"""The week as data: a stable JSON shape, and CSV files that spreadsheets cannot be tricked by."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from planner.domain.timerange import local_date
from planner.domain.values import EntryV
from planner.platform.paths import open_private
from planner.review.reports import (
    RESUMPTION_COST_SOURCE,
    WEEKDAY_NAMES,
    Insight,
    Series,
    ShareTrend,
    WeekReport,
)

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NO_ROLE = "(no role)"


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(
    path: str | Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    decimal: str = ".",
) -> Path:
    """A CSV file: commas and decimal points (machine-readable), or, with decimal=',', the
    form spreadsheets in decimal-comma locales open as numbers (semicolons, 12,5)."""
    target = Path(path)
    if decimal != ".":
        rows = ([_decimal(cell, decimal) for cell in row] for row in rows)
    with open_private(target, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=";" if decimal == "," else ",")
        writer.writerow([neutralise(h) for h in header])
        for row in rows:
            writer.writerow([neutralise(cell) for cell in row])
    return target


def _decimal(cell: object, decimal: str) -> object:
    return repr(cell).replace(".", decimal) if isinstance(cell, float) else cell


def _iso(moment: datetime | None, zone: tzinfo) -> str:
    return "" if moment is None else moment.astimezone(zone).isoformat(timespec="minutes")


def role_names(week: WeekReport) -> dict[int | None, str]:
    names: dict[int | None, str] = {r.id: r.name for r in week.roles}
    names[None] = NO_ROLE
    return names


ENTRY_HEADER = (
    "id",
    "day",
    "start",
    "end",
    "minutes",
    "kind",
    "role",
    "source",
    "note",
    "flags",
    "needs_review",
)


def entry_rows(
    entries: Sequence[EntryV],
    names: Mapping[int | None, str],
    zone: tzinfo,
    day_start_minute: int,
    now: datetime,
) -> list[list[object]]:
    rows: list[list[object]] = []
    for e in entries:
        end = e.end or now
        rows.append(
            [
                e.id,
                local_date(e.start, zone, day_start_minute).isoformat(),
                _iso(e.start, zone),
                _iso(e.end, zone),
                round((end - e.start).total_seconds() / 60, 1),
                e.kind,
                names.get(e.role_id, NO_ROLE),
                e.source,
                e.note,
                " ".join(sorted(e.flags)),
                "yes" if e.needs_review else "",
            ]
        )
    return rows


AGGREGATE_HEADER = ("date", "weekday", "role", "measure", "value", "unit")


def aggregate_rows(week: WeekReport) -> list[list[object]]:
    """The week's figures in long form: one row per day, role and measure."""
    names = role_names(week)
    rows: list[list[object]] = []
    per_role: tuple[tuple[str, Mapping[Any, Series]], ...] = (
        ("planned slots", week.planned),
        ("planned meetings", week.planned_meetings),
        ("worked", week.work),
        ("meetings", week.meetings),
        ("interruptions", week.interruptions),
    )
    for i, day in enumerate(week.days):
        label = (day.isoformat(), WEEKDAY_NAMES[day.weekday()])
        for measure, series in per_role:
            for role_id, values in series.items():
                if values[i]:
                    rows.append([*label, names.get(role_id, NO_ROLE), measure, values[i], "min"])
        rows.append([*label, "", "breaks", week.breaks[i], "min"])
        rows.append([*label, "", "overtime", week.overtime[i], "min"])
        rows.append([*label, "", "planned slot time", week.slot_minutes[i], "min"])
        rows.append([*label, "", "slot time on its role", week.on_role_minutes[i], "min"])
        adherence = week.adherence[i]
        if adherence is not None:
            rows.append([*label, "", "plan adherence", round(100 * adherence, 1), "%"])
    share = week.actual_share()
    minutes = week.actual_by_role()
    for role in week.roles:
        rows.append([week.week, "", role.name, "target share", role.target_percent, "%"])
    for role_id, value in share.items():
        name = names.get(role_id, NO_ROLE)
        rows.append([week.week, "", name, "actual share", round(100 * value, 1), "%"])
        rows.append([week.week, "", name, "working time", minutes[role_id], "min"])
    for s in week.sources:
        rows.append([week.week, "", "", f"interruptions from {s.source}", s.count, "count"])
        rows.append([week.week, "", "", f"interruption time from {s.source}", s.minutes, "min"])
    rows.append([week.week, "", "", "estimated focus lost", week.focus_lost_minutes, "min"])
    return rows


def aggregates_path(path: Path) -> Path:
    """The second file of a CSV export: the week's aggregates beside the entries."""
    return path.with_name(f"{path.stem}-aggregates{path.suffix or '.csv'}")


def write_week_csv(
    path: str | Path,
    week: WeekReport,
    entries: Sequence[EntryV],
    zone: tzinfo,
    day_start_minute: int,
    now: datetime,
) -> tuple[Path, Path]:
    """The week as two CSV files: every entry of the log, and the aggregates beside it."""
    target = Path(path)
    rows = entry_rows(entries, role_names(week), zone, day_start_minute, now)
    first = write_csv(target, ENTRY_HEADER, rows)
    second = write_csv(aggregates_path(target), AGGREGATE_HEADER, aggregate_rows(week))
    return first, second


def localised_path(path: Path, language: str) -> Path:
    """'week.csv' -> 'week-de_DE.csv': the copy in the locale's number format."""
    return path.with_name(f"{path.stem}-{language}{path.suffix or '.csv'}")


def write_week_csv_localised(
    path: str | Path,
    week: WeekReport,
    entries: Sequence[EntryV],
    zone: tzinfo,
    day_start_minute: int,
    now: datetime,
    locale: str | None = None,
) -> tuple[Path, ...]:
    """Where the locale writes decimal commas (de, it, fr, es …), the two files again beside the
    machine-readable ones, as its spreadsheets read them: 'week-de_DE.csv' with semicolons and
    12,5. Nothing for a decimal-point locale (the machine files are already right there)."""
    from planner.domain.i18n import format_locale
    from planner.domain.localefmt import decimal_separator

    name = format_locale() if locale is None else locale
    sep = decimal_separator(name) if name else "."
    if sep == ".":
        return ()
    target = Path(path)
    rows = entry_rows(entries, role_names(week), zone, day_start_minute, now)
    first = write_csv(localised_path(target, name), ENTRY_HEADER, rows, decimal=sep)
    second = write_csv(
        localised_path(aggregates_path(target), name),
        AGGREGATE_HEADER,
        aggregate_rows(week),
        decimal=sep,
    )
    return first, second


def week_json(
    week: WeekReport, trend: ShareTrend, insight: Insight | None, zone: tzinfo
) -> dict[str, Any]:
    names = role_names(week)
    share = week.actual_share()
    by_role = week.actual_by_role()
    days = []
    for i, day in enumerate(week.days):

        def pick(series: Mapping[int | None, Series], i: int = i) -> dict[str, float]:
            return {names.get(r, NO_ROLE): round(v[i], 1) for r, v in series.items() if v[i]}

        adherence = week.adherence[i]
        days.append(
            {
                "date": day.isoformat(),
                "weekday": WEEKDAY_NAMES[day.weekday()],
                "start": _iso(week.day_starts[i], zone) or None,
                "hard_stop": _iso(week.hard_stops[i], zone) or None,
                "planned": pick(week.planned),
                "planned_meetings": pick(week.planned_meetings),
                "worked": pick(week.work),
                "meetings": pick(week.meetings),
                "interruptions": pick(week.interruptions),
                "breaks": round(week.breaks[i], 1),
                "breaks_planned": int(week.breaks_planned[i]),
                "breaks_skipped": int(week.breaks_skipped[i]),
                "overtime": round(week.overtime[i], 1),
                "slot_minutes": round(week.slot_minutes[i], 1),
                "on_role_minutes": round(week.on_role_minutes[i], 1),
                "adherence_percent": None if adherence is None else round(100 * adherence, 1),
            }
        )
    return {
        "week": week.week,
        "from": week.days[0].isoformat(),
        "to": week.days[-1].isoformat(),
        "timezone": week.zone,
        "roles": [
            {"id": r.id, "name": r.name, "colour": r.colour, "target_percent": r.target_percent}
            for r in week.roles
        ],
        "days": days,
        "working_minutes": round(week.working_minutes, 1),
        "share": {
            names.get(r, NO_ROLE): {
                "minutes": round(by_role[r], 1),
                "actual_percent": round(100 * share[r], 1),
                "target_percent": next((x.target_percent for x in week.roles if x.id == r), None),
            }
            for r in by_role
        },
        "interruptions": {
            "count": week.interruption_count,
            "minutes": round(week.interruption_minutes, 1),
            "resumption_cost_minutes": week.resumption_cost_minutes,
            "focus_lost_minutes": round(week.focus_lost_minutes, 1),
            "resumption_cost_source": RESUMPTION_COST_SOURCE,
            "sources": [
                {"source": s.source, "count": s.count, "minutes": round(s.minutes, 1)}
                for s in week.sources
            ],
            "by_weekday_hour": [list(row) for row in week.heat],
        },
        "trend": {
            "weeks": list(trend.weeks),
            "actual_percent": {
                names.get(r, NO_ROLE): [None if v is None else round(100 * v, 1) for v in vals]
                for r, vals in trend.shares.items()
            },
        },
        "insight": None
        if insight is None
        else {
            "text": insight.text,
            "weekdays": [WEEKDAY_NAMES[d] for d in insight.weekdays],
            "hours": list(insight.hours),
            "count": insight.count,
            "total": insight.total,
            "weeks": insight.weeks,
            "top_source": insight.top_source,
            "interrupt_prone_role": names.get(insight.interrupt_role_id),
            "focus_role": names.get(insight.focus_role_id),
        },
    }
