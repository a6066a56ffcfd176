"""`splitday calendar add|list|rm|sync|events`, `splitday import`, `splitday export-ics`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from planner.cli.common import CliError, _print_json, parse_date

if TYPE_CHECKING:
    from planner.calendars.sync import OccurrenceV, SourceV, SyncResult
    from planner.cli.common import Context


def register(sub: Any) -> dict[str, Callable[[Context, argparse.Namespace], int]]:
    cal = sub.add_parser("calendar", help="calendar sources: add, list, rm, sync, events")
    cal_sub = cal.add_subparsers(dest="action", required=True)
    add = cal_sub.add_parser("add", help="add a file, folder or URL (http, https, webcal)")
    add.add_argument("name")
    add.add_argument("location", help="an .ics file, a folder of .ics files, or a URL")
    add.add_argument("--role", help="default role for its events")
    add.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="KEYWORD=ROLE",
        help="events whose title contains KEYWORD get ROLE (repeatable)",
    )
    add.add_argument("--disabled", action="store_true", help="add it but do not sync it")
    add.add_argument("--user", help="user name for a password-protected URL")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin (keyring)"
    )
    add.add_argument("--no-sync", action="store_true", help="do not sync right away")
    lst = cal_sub.add_parser("list", help="the sources and their last sync")
    lst.add_argument("--json", action="store_true")
    rm = cal_sub.add_parser("rm", help="remove a source and its events")
    rm.add_argument("name")
    sync = cal_sub.add_parser("sync", help="sync all enabled sources, or the one named")
    sync.add_argument("name", nargs="?")
    sync.add_argument("--force", action="store_true", help="re-read even if unchanged")
    sync.add_argument("--json", action="store_true")
    events = cal_sub.add_parser("events", help="stored occurrences between two dates")
    events.add_argument("--from", dest="from_", metavar="DATE")
    events.add_argument("--to", metavar="DATE", help="inclusive (default: 7 days from --from)")
    events.add_argument("--source")
    events.add_argument("--json", action="store_true")

    imp = sub.add_parser("import", help="import an .ics file, folder or URL once")
    imp.add_argument("location")
    imp.add_argument("--role")
    imp.add_argument("--json", action="store_true")

    exp = sub.add_parser("export-ics", help="the plan (slots, roles, tasks) as an .ics file")
    exp.add_argument("--from", dest="from_", metavar="DATE")
    exp.add_argument("--to", metavar="DATE", help="inclusive (default: the --from day)")
    exp.add_argument("-o", "--output", help="file to write (default: stdout)")
    return {"calendar": cmd_calendar, "import": cmd_import, "export-ics": cmd_export_ics}


# ---------------------------------------------------------------- JSON shapes (stable)


def source_json(s: SourceV) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "kind": s.kind,
        "location": s.location,
        "default_role_id": s.default_role_id,
        "rules": [{"keyword": r.keyword, "role_id": r.role_id} for r in s.rules],
        "enabled": s.enabled,
        "last_sync_at": s.last_sync_at.isoformat() if s.last_sync_at else None,
        "last_status": s.last_status,
    }


def occurrence_json(o: OccurrenceV, ctx: Context, roles: dict[int, str]) -> dict[str, Any]:
    if o.all_day:
        start: str = o.start.astimezone(ctx.zone).date().isoformat()
        end: str = o.end.astimezone(ctx.zone).date().isoformat()
    else:
        start = o.start.astimezone(ctx.zone).isoformat(timespec="minutes")
        end = o.end.astimezone(ctx.zone).isoformat(timespec="minutes")
    return {
        "summary": o.summary,
        "start": start,
        "end": end,
        "all_day": o.all_day,
        "busy": o.busy,
        "role": roles.get(o.role_id) if o.role_id is not None else None,
        "source": o.source,
        "location": o.location,
    }


def sync_json(r: SyncResult) -> dict[str, Any]:
    return {
        "source": r.name,
        "ok": r.ok,
        "message": r.message,
        "unchanged": r.unchanged,
        "discarded": r.discarded,
        "added": r.added,
        "updated": r.updated,
        "removed": r.removed,
        "kept": r.kept,
        "problems": list(r.problems),
        "clashes": [
            {"slot_id": c.slot_id, "summary": c.summary, "start": c.start.isoformat()}
            for c in r.clashes
        ],
    }


# ---------------------------------------------------------------- commands


def _print_sync(r: SyncResult, ctx: Context) -> None:
    if not r.ok:
        print(f"{r.name}: FAILED - {r.message}", file=sys.stderr)
        return
    if r.discarded:
        print(f"{r.name}: {r.message}")
    elif r.unchanged:
        print(f"{r.name}: unchanged")
    else:
        print(f"{r.name}: {r.message} ({r.counts}; {r.kept} untouched)")
    for p in r.problems:
        print(f"  skipped/repaired: {p}")
    for c in r.clashes:
        when = c.start.astimezone(ctx.zone).strftime("%a %d %b %H:%M")
        print(f"  clash: your slot {c.slot_id} overlaps {c.summary!r} at {when} (not changed)")


def _rules(ctx: Context, session: Any, specs: list[str]) -> list[Any]:
    from planner.calendars.sync import Rule

    rules = []
    for spec in specs:
        keyword, sep, role = spec.rpartition("=")
        if not sep or not keyword.strip():
            raise CliError(f"a rule is KEYWORD=ROLE, not {spec!r}")
        rules.append(Rule(keyword.strip(), ctx.role(session, role).id))
    return rules


def cmd_calendar(ctx: Context, args: argparse.Namespace) -> int:
    from planner.calendars import sync as calendars

    if args.action == "add":
        from planner.calendars.fetch import (
            credentials_place,
            is_url,
            normalize_url,
            split_userinfo,
        )

        password = None
        if args.password_stdin:
            if not args.user:
                raise CliError("--password-stdin needs --user")
            password = sys.stdin.readline().rstrip("\n")
        in_link = is_url(args.location) and (
            split_userinfo(normalize_url(args.location))[1] is not None
        )
        place = credentials_place() if in_link else ""
        with ctx.db.transaction() as s:
            role_id = ctx.role(s, args.role).id if args.role else None
            source, _ = calendars.add_source(
                s,
                ctx.owner,
                args.name,
                args.location,
                default_role_id=role_id,
                rules=_rules(ctx, s, args.rule),
                enabled=not args.disabled,
            )
        print(f"added calendar {source.name} (id {source.id}, {source.kind})")
        if in_link:
            print(
                f"the password in the link was moved to {place}; the calendar is stored without it"
            )
        if args.user:
            from planner.calendars.fetch import set_credentials

            if source.kind != "url":
                raise CliError("a user name only makes sense for a URL")
            where = set_credentials(source.location, args.user, password or "")
            print(f"credentials stored in {where}")
        if not args.no_sync and source.enabled:
            return _sync(ctx, source.name, force=False, as_json=False)
        return 0
    if args.action == "list":
        with ctx.db.transaction() as s:
            sources = calendars.list_sources(s, ctx.owner)
        if args.json:
            _print_json([source_json(x) for x in sources])
            return 0
        for x in sources:
            when = (
                x.last_sync_at.astimezone(ctx.zone).strftime("%Y-%m-%d %H:%M")
                if x.last_sync_at
                else "never"
            )
            state = "" if x.enabled else " (disabled)"
            print(f"{x.id:>3}  {x.name:<24} {x.kind:<6} {when}  {x.last_status}{state}")
            print(f"     {x.location}")
        return 0
    if args.action == "rm":
        with ctx.db.transaction() as s:
            source = calendars.find_source(s, ctx.owner, args.name)
            calendars.remove_source(s, ctx.owner, source.id)
        if source.kind == "url":
            from planner.calendars.fetch import delete_credentials

            delete_credentials(source.location)
        print(f"removed calendar {source.name}")
        return 0
    if args.action == "sync":
        return _sync(ctx, args.name, force=args.force, as_json=args.json)
    if args.action == "events":
        return _events(ctx, args)
    raise CliError(f"unknown action {args.action}")


def _sync(ctx: Context, name: str | None, *, force: bool, as_json: bool) -> int:
    from planner.calendars import sync as calendars

    source_ids = None
    if name:
        with ctx.db.transaction() as s:
            source_ids = [calendars.find_source(s, ctx.owner, name).id]
    # no transaction around the sync: it takes short ones and loads/parses with none open
    results = calendars.sync_database(
        ctx.db, ctx.owner, now=ctx.now(), zone=ctx.zone, source_ids=source_ids, force=force
    )
    if as_json:
        _print_json([sync_json(r) for r in results])
    else:
        for r in results:
            _print_sync(r, ctx)
        if not results:
            print("no enabled calendars (add one with `splitday calendar add NAME FILE|URL`)")
    return 0 if all(r.ok for r in results) else 1


def _events(ctx: Context, args: argparse.Namespace) -> int:
    from planner.calendars import sync as calendars
    from planner.domain.timerange import Interval, local_wall_time
    from planner.services import planning

    with ctx.db.transaction() as s:
        today = ctx.now().astimezone(ctx.zone).date()
        first = parse_date(args.from_, today)
        last = parse_date(args.to, today) if args.to else first + timedelta(days=6)
        if last < first:
            raise CliError("--to is before --from")
        window = Interval(
            local_wall_time(first, 0, ctx.zone),
            local_wall_time(last + timedelta(days=1), 0, ctx.zone),
        )
        source_id = calendars.find_source(s, ctx.owner, args.source).id if args.source else None
        occs = calendars.list_occurrences(s, ctx.owner, window, source_id=source_id)
        roles = {r.id: r.name for r in planning.list_roles(s, ctx.owner, include_archived=True)}
    if args.json:
        _print_json([occurrence_json(o, ctx, roles) for o in occs])
        return 0
    for o in occs:
        j = occurrence_json(o, ctx, roles)
        when = f"{j['start']}" if o.all_day else f"{j['start'][:16]} - {j['end'][11:16]}"
        flags = ("all-day " if o.all_day else "") + ("busy" if o.busy else "free")
        role = j["role"] or "-"
        print(f"{when:<30} {flags:<12} {role:<12} {o.summary}  [{o.source}]")
    return 0


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    from planner.calendars import sync as calendars

    role_id = None
    if args.role:
        with ctx.db.transaction() as s:
            role_id = ctx.role(s, args.role).id
    result = calendars.import_database(
        ctx.db, ctx.owner, args.location, now=ctx.now(), zone=ctx.zone, role_id=role_id
    )
    if args.json:
        _print_json(sync_json(result))
    else:
        _print_sync(result, ctx)
    return 0 if result.ok else 1


def cmd_export_ics(ctx: Context, args: argparse.Namespace) -> int:
    from planner.calendars import sync as calendars

    with ctx.db.transaction() as s:
        today = ctx.today(s)
        first = parse_date(args.from_, today)
        last = parse_date(args.to, today) if args.to else first
        data = calendars.export_ics(s, ctx.owner, first, last, ctx.zone, now=ctx.now())
    if args.output:
        from planner.platform.paths import open_private

        with open_private(args.output) as fh:  # the plan is personal: 0600, like the database
            fh.write(data)
        print(f"wrote {args.output}")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
