"""`splitday reminders`: today's reminders and their state; switch kinds, quiet hours, lead."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from planner.domain.i18n import tr

if TYPE_CHECKING:
    from planner.cli.common import Context


def register(
    subparsers: Any,
) -> dict[str, Callable[[Context, argparse.Namespace], int]]:
    parser = subparsers.add_parser(
        "reminders", help=tr("list today's reminders; switch kinds on/off, set quiet hours")
    )
    parser.add_argument("--date", help=tr("which day (default: today)"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--on", action="append", default=[], metavar="KIND")
    parser.add_argument("--off", action="append", default=[], metavar="KIND")
    parser.add_argument("--quiet", metavar="HH:MM-HH:MM|off", help=tr("quiet hours"))
    parser.add_argument("--lead", type=int, metavar="MIN", help=tr("minutes before a slot starts"))
    return {"reminders": cmd_reminders}


def cmd_reminders(ctx: Context, args: argparse.Namespace) -> int:
    from planner.cli.common import parse_date
    from planner.domain.errors import PlannerError
    from planner.services import planning, reminders

    with ctx.db.transaction() as s:
        for kind in args.on:
            reminders.set_enabled(s, ctx.owner, kind, True)
        for kind in args.off:
            reminders.set_enabled(s, ctx.owner, kind, False)
        if args.quiet:
            if args.quiet.strip().lower() == "off":
                reminders.set_quiet_hours(s, ctx.owner, None, None)
            else:
                start, sep, end = args.quiet.partition("-")
                if not sep:
                    raise PlannerError(tr("quiet hours look like 22:00-07:00 (or 'off')"))
                reminders.set_quiet_hours(s, ctx.owner, start, end)
        if args.lead is not None:
            if not 0 <= args.lead <= 60:
                raise PlannerError(tr("the lead time is between 0 and 60 minutes"))
            planning.set_setting(s, ctx.owner, "slot_lead_minutes", args.lead)
        now = ctx.now()
        day = parse_date(args.date, ctx.today(s)) if args.date else None
        rows = reminders.agenda(s, ctx.owner, ctx.zone, now, day)
        prefs = reminders.load_prefs(s, ctx.owner)
    if args.json:
        from planner.cli.common import _print_json

        _print_json(
            [
                {
                    "kind": r.kind.value,
                    "due": r.due.astimezone(ctx.zone).isoformat(),
                    "state": state,
                    "title": r.title,
                    "body": r.body,
                }
                for r, state in rows
            ]
        )
        return 0
    off = sorted(k.value for k in reminders.Kind if k not in prefs.enabled)
    quiet = (
        f"{prefs.quiet[0] // 60:02d}:{prefs.quiet[0] % 60:02d}–"
        f"{prefs.quiet[1] // 60:02d}:{prefs.quiet[1] % 60:02d}"
        if prefs.quiet
        else tr("none")
    )
    switched_off = ", ".join(off) or tr("none")
    print(tr("switched off: {kinds}; quiet hours: {quiet}").format(kinds=switched_off, quiet=quiet))
    for r, state in rows:
        print(f"{r.due.astimezone(ctx.zone):%H:%M}  {state:<8}  {r.text}")
    if not rows:
        print(tr("no reminders for that day"))
    return 0
