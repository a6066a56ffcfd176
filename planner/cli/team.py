"""`splitday server init URL` (a team on one PostgreSQL server) and `splitday team` (the lead's
view: aggregates only; a member sees the same about themselves)."""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from typing import Any

from planner.cli.common import CliError, _print_json
from planner.cli.report import _hm
from planner.domain.i18n import tr


def add_parsers(sub: Any) -> None:
    server = sub.add_parser("server", help=tr("prepare a PostgreSQL database for a team"))
    server_sub = server.add_subparsers(dest="action", required=True)
    init = server_sub.add_parser(
        "init", help=tr("schema, member and lead roles, row-level security, the team views")
    )
    init.add_argument(
        "url", help=tr("the database, as its owner (e.g. postgresql+psycopg://admin@host/team)")
    )
    init.add_argument("--member", action="append", default=[], metavar="LOGIN")
    init.add_argument("--lead", action="append", default=[], metavar="LOGIN")
    team = sub.add_parser("team", help=tr("the team's week: split, interruptions, overtime (lead)"))
    team.add_argument("--week", help=tr("ISO week, e.g. 2026-W49 (default: this week)"))
    team.add_argument("--json", action="store_true")


def _week(text: str | None, today: date) -> date:
    if not text:
        return today - timedelta(days=today.weekday())
    try:
        year, _, number = text.upper().partition("-W")
        return date.fromisocalendar(int(year), int(number), 1)
    except ValueError as exc:
        raise CliError(
            tr("not an ISO week: {text!r} (use e.g. 2026-W49)").format(text=text)
        ) from exc


def run(args: argparse.Namespace) -> int:
    if args.command == "server":
        return _init(args)
    return _team(args)


def _engine(url: str) -> Any:
    from sqlalchemy.engine import make_url

    from planner.storage.db import make_engine

    if make_url(url).get_backend_name() != "postgresql":
        raise CliError(tr("a team needs a PostgreSQL server (postgresql+psycopg://…)"))
    return make_engine(url)


def _init(args: argparse.Namespace) -> int:
    from planner.storage import team
    from planner.storage.db import ensure_schema
    from planner.storage.failures import explain

    engine = _engine(args.url)
    try:
        ensure_schema(engine)
        try:
            done = team.init_server(engine, args.member, args.lead)
        except Exception as exc:
            told = explain(exc, engine.url)
            raise (told or exc) from exc
    finally:
        engine.dispose()
    for line in done:
        print(line)
    print(
        tr(
            "each member sets SPLITDAY_OWNER to their login and connects as it; give new "
            "logins a password with ALTER ROLE … PASSWORD (or your server's usual "
            "authentication)"
        )
    )
    return 0


def _team(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError

    from planner.domain.clock import clock_from_env, local_zone
    from planner.platform.paths import resolve_url
    from planner.review.team import NoTeam, team_week
    from planner.storage.failures import explain

    zone = local_zone()
    today = clock_from_env().now().astimezone(zone).date()
    week = _week(args.week, today)
    engine = _engine(resolve_url(args.db))
    try:
        with engine.connect() as conn:
            data = team_week(conn, week, zone)
    except DBAPIError as exc:
        told = explain(exc, engine.url)
        if told is not None:
            raise told from exc
        raise
    finally:
        engine.dispose()
    if isinstance(data, NoTeam):
        raise CliError(data.reason)
    if args.json:
        _print_json(_as_json(data.raw, zone))
        return 0
    print(tr("team, week of {week:%Y-%m-%d} (ISO {week:%G-W%V})").format(week=week))
    for person in data.people:
        on = tr(" — now on {role}").format(role=person.now_role) if person.now_role else ""
        print(f"{person.person}{on}")
        for r in person.roles:
            share = r.actual_share_percent
            shown = f"{share:.0f} %" if share is not None else "—"
            # h:mm and "of working time", as `splitday report` says them
            print(
                tr(
                    "  {role:<14} planned {planned:>6}, actual {actual:>6}, {shown} of working "
                    "time (target {target:.0f} %)"
                ).format(
                    role=r.role,
                    planned=_hm(r.planned_minutes or 0),
                    actual=_hm(r.actual_minutes or 0),
                    shown=shown,
                    target=r.target_percent,
                )
            )
        if person.overtime_minutes:
            over = _hm(person.overtime_minutes)
            print(tr("  overtime past the hard stop: {over}").format(over=over))
    top = data.hours()[:3]
    if top:
        spans = ", ".join(f"{h:02d}:00–{(h + 1) % 24:02d}:00 ({n})" for h, n in top)
        print(tr("the week's interruptions cluster at {spans}").format(spans=spans))
    if not data.people:
        print(tr("  nothing planned or logged that week"))
    return 0


def _as_json(data: Any, zone: Any) -> dict[str, Any]:
    def clean(row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, datetime):
                out[key] = value.astimezone(zone).isoformat(timespec="minutes")
            elif isinstance(value, date):
                out[key] = value.isoformat()
            elif value is not None and not isinstance(value, (str, int, bool)):
                out[key] = float(value)
            else:
                out[key] = value
        return out

    return {
        "week": data.week.isoformat(),
        "split": [clean(r) for r in data.split],
        "interruptions_by_hour": [clean(r) for r in data.interruptions],
        "overtime": [clean(r) for r in data.overtime],
        "now_on": [clean(r) for r in data.now_on],
    }
