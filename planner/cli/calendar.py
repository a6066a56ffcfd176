"""`splitday calendar add|list|rm|sync|events|publish`, `splitday import`, `splitday export-ics`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from planner.cli.common import CliError, _print_json, parse_date
from planner.domain.i18n import ntr, tr

if TYPE_CHECKING:
    from planner.calendars.sync import OccurrenceV, SourceV, SyncResult
    from planner.cli.common import Context


def register(sub: Any) -> dict[str, Callable[[Context, argparse.Namespace], int]]:
    cal = sub.add_parser(
        "calendar", help=tr("calendar sources: add, list, rm, sync, events, publish")
    )
    cal_sub = cal.add_subparsers(dest="action", required=True)
    add = cal_sub.add_parser(
        "add", help=tr("add a file, folder or URL (http, https, webcal), or a CalDAV account")
    )
    add.add_argument("name", nargs="?")
    add.add_argument(
        "location", nargs="?", help=tr("an .ics file, a folder of .ics files, or a URL")
    )
    add.add_argument("--caldav", metavar="URL", help=tr("a CalDAV server (with --user)"))
    add.add_argument(
        "--calendar",
        action="append",
        default=[],
        metavar="NAME",
        help=tr("with --caldav: a calendar to follow (repeatable; default: all with events)"),
    )
    add.add_argument("--role", help=tr("default role for its events"))
    add.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="KEYWORD=ROLE",
        help=tr("events whose title contains KEYWORD get ROLE (repeatable)"),
    )
    add.add_argument("--disabled", action="store_true", help=tr("add it but do not sync it"))
    add.add_argument("--user", help=tr("user name for a password-protected URL or CalDAV"))
    add.add_argument(
        "--password-stdin", action="store_true", help=tr("read the password from stdin (keyring)")
    )
    add.add_argument("--no-sync", action="store_true", help=tr("do not sync right away"))
    lst = cal_sub.add_parser(
        "list", help=tr("the sources and their last sync, or a CalDAV account's calendars")
    )
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--caldav", metavar="URL", help=tr("list this account's calendars"))
    lst.add_argument("--user")
    pub = cal_sub.add_parser(
        "publish", help=tr("publish the plan's slots as busy time into a CalDAV calendar")
    )
    pub.add_argument("--caldav", metavar="URL")
    pub.add_argument("--user")
    pub.add_argument(
        "--calendar",
        metavar="NAME",
        help=tr(
            "the calendar that receives the plan (created if missing; default: Splitday focus)"
        ),
    )
    pub.add_argument(
        "--privacy",
        choices=("role", "busy"),
        help=tr("event titles: 'role' ('Community focus') or 'busy' ('Busy'); default role"),
    )
    pub.add_argument(
        "--password-stdin", action="store_true", help=tr("read the password from stdin (keyring)")
    )
    pub.add_argument("--off", action="store_true", help=tr("stop publishing"))
    keep = pub.add_mutually_exclusive_group()
    keep.add_argument(
        "--remove", action="store_true", help=tr("with --off: remove what was published")
    )
    keep.add_argument("--keep", action="store_true", help=tr("with --off: leave it on the server"))
    pub.add_argument("--no-sync", action="store_true", help=tr("do not publish right away"))
    pub.add_argument("--json", action="store_true")
    rm = cal_sub.add_parser("rm", help=tr("remove a source and its events"))
    rm.add_argument("name")
    sync = cal_sub.add_parser("sync", help=tr("sync all enabled sources, or the one named"))
    sync.add_argument("name", nargs="?")
    sync.add_argument("--force", action="store_true", help=tr("re-read even if unchanged"))
    sync.add_argument("--json", action="store_true")
    events = cal_sub.add_parser("events", help=tr("stored occurrences between two dates"))
    events.add_argument("--from", dest="from_", metavar="DATE")
    events.add_argument("--to", metavar="DATE", help=tr("inclusive (default: 7 days from --from)"))
    events.add_argument("--source")
    events.add_argument("--json", action="store_true")

    imp = sub.add_parser("import", help=tr("import an .ics file, folder or URL once"))
    imp.add_argument("location")
    imp.add_argument("--role")
    imp.add_argument("--json", action="store_true")

    exp = sub.add_parser("export-ics", help=tr("the plan (slots, roles, tasks) as an .ics file"))
    exp.add_argument("--from", dest="from_", metavar="DATE")
    exp.add_argument("--to", metavar="DATE", help=tr("inclusive (default: the --from day)"))
    exp.add_argument("-o", "--output", help=tr("file to write (default: stdout)"))
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
        print(
            tr("{name}: FAILED - {message}").format(name=r.name, message=r.message), file=sys.stderr
        )
        return
    if r.discarded:
        print(f"{r.name}: {r.message}")
    elif r.unchanged:
        print(tr("{name}: unchanged").format(name=r.name))
    else:
        print(
            tr("{name}: {message} ({counts}; {kept} untouched)").format(
                name=r.name, message=r.message, counts=r.counts, kept=r.kept
            )
        )
    for p in r.problems:
        print(tr("  skipped/repaired: {p}").format(p=p))
    for c in r.clashes:
        when = c.start.astimezone(ctx.zone).strftime("%a %d %b %H:%M")
        print(
            tr("  clash: your slot {slot_id} overlaps {summary!r} at {when} (not changed)").format(
                slot_id=c.slot_id, summary=c.summary, when=when
            )
        )


def _rules(ctx: Context, session: Any, specs: list[str]) -> list[Any]:
    from planner.calendars.sync import Rule

    rules = []
    for spec in specs:
        keyword, sep, role = spec.rpartition("=")
        if not sep or not keyword.strip():
            raise CliError(tr("a rule is KEYWORD=ROLE, not {spec!r}").format(spec=spec))
        rules.append(Rule(keyword.strip(), ctx.role(session, role).id))
    return rules


def cmd_calendar(ctx: Context, args: argparse.Namespace) -> int:
    from planner.calendars import sync as calendars

    if args.action == "add" and args.caldav:
        return _add_caldav(ctx, args)
    if args.action == "add":
        if not args.name or not args.location:
            raise CliError(tr("calendar add needs NAME and LOCATION (or --caldav URL --user NAME)"))
        if args.calendar:
            raise CliError(tr("--calendar goes with --caldav"))
        from planner.calendars.fetch import (
            credentials_place,
            is_url,
            normalize_url,
            split_userinfo,
        )

        password = None
        if args.password_stdin:
            if not args.user:
                raise CliError(tr("--password-stdin needs --user"))
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
        print(
            tr("added calendar {name} (id {id}, {kind})").format(
                name=source.name, id=source.id, kind=source.kind
            )
        )
        if in_link:
            print(
                tr(
                    "the password in the link was moved to {place}; the calendar is stored "
                    "without it"
                ).format(place=place)
            )
        if args.user:
            from planner.calendars.fetch import set_credentials

            if source.kind != "url":
                raise CliError(tr("a user name only makes sense for a URL"))
            where = set_credentials(source.location, args.user, password or "")
            print(tr("credentials stored in {where}").format(where=where))
        if not args.no_sync and source.enabled:
            return _sync(ctx, source.name, force=False, as_json=False)
        return 0
    if args.action == "list" and args.caldav:
        return _list_caldav(ctx, args)
    if args.action == "publish":
        return _publish(ctx, args)
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
                else tr("never")
            )
            state = "" if x.enabled else tr(" (disabled)")
            status = calendars.status_words(x.last_status)
            print(f"{x.id:>3}  {x.name:<24} {x.kind:<6} {when}  {status}{state}")
            print(f"     {x.location}")
        with ctx.db.read() as s:
            from planner.calendars import caldav_sync

            target = caldav_sync.publish_target(s, ctx.owner)
        if target is not None and not args.json:
            print(
                tr("publishing the plan to {calendar} ({calendar_url})").format(
                    calendar=target.calendar, calendar_url=target.calendar_url
                )
            )
        return 0
    if args.action == "rm":
        with ctx.db.transaction() as s:
            source = calendars.find_source(s, ctx.owner, args.name)
            calendars.remove_source(s, ctx.owner, source.id)
        if source.kind == "url":
            from planner.calendars.fetch import delete_credentials

            delete_credentials(source.location)
        # a CalDAV account's password stays: other calendars of it, or publishing, may use it
        print(tr("removed calendar {name}").format(name=source.name))
        return 0
    if args.action == "sync":
        return _sync(ctx, args.name, force=args.force, as_json=args.json)
    if args.action == "events":
        return _events(ctx, args)
    raise CliError(tr("unknown action {action}").format(action=args.action))


def _sync(ctx: Context, name: str | None, *, force: bool, as_json: bool) -> int:
    from planner.calendars import caldav_sync
    from planner.calendars import sync as calendars

    source_ids = None
    if name:
        with ctx.db.transaction() as s:
            source_ids = [calendars.find_source(s, ctx.owner, name).id]
    # no transaction around the sync: it takes short ones and loads/parses with none open
    results, pushed = caldav_sync.sync_all(
        ctx.db,
        ctx.owner,
        now=ctx.now(),
        zone=ctx.zone,
        source_ids=source_ids,
        force=force,
        publish=name is None,
    )
    if as_json:
        data: Any = [sync_json(r) for r in results]
        if pushed is not None:
            data = {"sources": data, "publish": caldav_sync.counts_json(pushed)}
        _print_json(data)
    else:
        for r in results:
            _print_sync(r, ctx)
        if pushed is not None:
            _print_publish(pushed)
        if not results and pushed is None:
            print(tr("no enabled calendars (add one with `splitday calendar add NAME FILE|URL`)"))
    ok = all(r.ok for r in results) and (pushed is None or pushed.ok)
    return 0 if ok else 1


def _print_publish(r: Any) -> None:
    if r.ok:
        print(
            tr("publish: {message}").format(message=r.message)
            + (tr(" ({kept} unchanged)").format(kept=r.kept) if r.kept else "")
        )
    else:
        print(tr("publish: FAILED - {message}").format(message=r.message), file=sys.stderr)
    if r.conflicts:
        print(
            ntr(
                "  {n} event had changed on the server: the plan's version was kept",
                "  {n} events had changed on the server: the plan's version was kept",
                r.conflicts,
            ).format(n=r.conflicts)
        )


def _password(args: argparse.Namespace) -> str | None:
    """The password typed on stdin (never an argument); None: the keyring or the env var."""
    if not getattr(args, "password_stdin", False):
        return None
    if not args.user:
        raise CliError(tr("--password-stdin needs --user"))
    return sys.stdin.readline().rstrip("\n")


def _account(args: argparse.Namespace, password: str | None) -> Callable[[str, str], Any]:
    from planner.calendars.caldav_client import Account, open_account

    if password is None:
        return open_account
    return lambda url, user: Account(url, user, password)


def _store_password(url: str, user: str, password: str | None) -> None:
    if password is None:
        return
    from planner.calendars.caldav_client import account_key
    from planner.calendars.fetch import set_credentials

    where = set_credentials(account_key(url), user, password)
    print(tr("password stored in {where}").format(where=where))


def _add_caldav(ctx: Context, args: argparse.Namespace) -> int:
    from planner.calendars import caldav_sync

    if args.name or args.location:
        raise CliError(
            tr("with --caldav, name the calendars with --calendar NAME, not NAME LOCATION")
        )
    if not args.user:
        raise CliError(tr("--caldav needs --user NAME"))
    password = _password(args)
    opener = _account(args, password)
    found = caldav_sync.discover(args.caldav, args.user, opener)  # the connection is tested here
    with ctx.db.read() as s:
        target = caldav_sync.publish_target(s, ctx.owner)
    chosen = caldav_sync.choose(
        found, args.calendar, skip_url=target.calendar_url if target else None
    )
    _store_password(args.caldav, args.user, password)
    with ctx.db.transaction() as s:
        role_id = ctx.role(s, args.role).id if args.role else None
        sources, _ = caldav_sync.add_calendars(
            s,
            ctx.owner,
            args.caldav,
            args.user,
            chosen,
            default_role_id=role_id,
            rules=_rules(ctx, s, args.rule),
            enabled=not args.disabled,
        )
    for x in sources:
        print(tr("added calendar {name} (id {id}, caldav)").format(name=x.name, id=x.id))
    if args.no_sync or args.disabled:
        return 0
    ids = [x.id for x in sources]
    results, _ = caldav_sync.sync_all(
        ctx.db, ctx.owner, now=ctx.now(), zone=ctx.zone, source_ids=ids, publish=False
    )
    for r in results:
        _print_sync(r, ctx)
    return 0 if all(r.ok for r in results) else 1


def _list_caldav(ctx: Context, args: argparse.Namespace) -> int:
    from planner.calendars import caldav_sync
    from planner.calendars import sync as calendars

    if not args.user:
        raise CliError(tr("--caldav needs --user NAME"))
    found = caldav_sync.discover(args.caldav, args.user)
    with ctx.db.read() as s:
        followed = {
            x.location: x.name for x in calendars.list_sources(s, ctx.owner) if x.kind == "caldav"
        }
        target = caldav_sync.publish_target(s, ctx.owner)
    rows = [
        {
            "name": c.name,
            "url": c.url,
            "events": c.events,
            "followed_as": followed.get(c.url),
            "publish": target is not None and target.calendar_url == c.url,
        }
        for c in found
    ]
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        marks = []
        if row["followed_as"]:
            marks.append(tr("followed as {name}").format(name=row["followed_as"]))
        if row["publish"]:
            marks.append(tr("receives the plan"))
        if not row["events"]:
            marks.append(tr("no events (tasks only)"))
        extra = f"  ({'; '.join(marks)})" if marks else ""
        print(f"{row['name']:<28} {row['url']}{extra}")
    if not rows:
        print(tr("no calendars on this account"))
    return 0


def _publish(ctx: Context, args: argparse.Namespace) -> int:
    from planner.calendars import caldav_sync

    if args.off:
        return _publish_off(ctx, args)
    if args.remove or args.keep:
        raise CliError(tr("--remove and --keep go with --off"))
    if not args.caldav:
        with ctx.db.read() as s:
            target = caldav_sync.publish_target(s, ctx.owner)
        if target is None:
            print(
                tr("not publishing (start: `splitday calendar publish --caldav URL --user NAME`)")
            )
            return 0
        print(
            tr("publishing the plan to {calendar} ({calendar_url}) as {user}").format(
                calendar=target.calendar, calendar_url=target.calendar_url, user=target.user
            )
        )
        print(
            tr("titles: {privacy}").format(
                privacy=tr("<Role> focus") if target.privacy == "role" else tr("Busy")
            )
        )
        return 0
    if not args.user:
        raise CliError(tr("--caldav needs --user NAME"))
    password = _password(args)
    opener = _account(args, password)
    name = args.calendar or caldav_sync.DEFAULT_PUBLISH_CALENDAR
    cal, created = caldav_sync.choose_publish_calendar(args.caldav, args.user, name, opener)
    _store_password(args.caldav, args.user, password)
    with ctx.db.transaction() as s:
        old = caldav_sync.publish_target(s, ctx.owner)
        privacy = args.privacy or (old.privacy if old else "role")
        caldav_sync.set_publish_target(
            s,
            ctx.owner,
            caldav_sync.PublishTarget(args.caldav, args.user, cal.url, cal.name, privacy),
        )
    print(
        (
            tr("created the calendar {name}: the plan goes there")
            if created
            else tr("using the calendar {name}: the plan goes there")
        ).format(name=cal.name)
    )
    if args.no_sync:
        return 0
    pushed = caldav_sync.push(ctx.db, ctx.owner, now=ctx.now(), opener=opener)
    if pushed is not None:
        if args.json:
            _print_json(caldav_sync.counts_json(pushed))
        else:
            _print_publish(pushed)
        return 0 if pushed.ok else 1
    return 0


def _publish_off(ctx: Context, args: argparse.Namespace) -> int:
    from planner.calendars import caldav_sync

    with ctx.db.read() as s:
        target = caldav_sync.publish_target(s, ctx.owner)
        count = caldav_sync.published_count(s, ctx.owner)
    if target is None:
        print(tr("not publishing"))
        return 0
    remove = args.remove
    if not args.remove and not args.keep and count:
        if sys.stdin.isatty():
            answer = input(
                ntr(
                    "Remove the {n} event Splitday published from {calendar}? [y/N] ",
                    "Remove the {n} events Splitday published from {calendar}? [y/N] ",
                    count,
                ).format(n=count, calendar=target.calendar)
            )
            # i18n: the answers that mean yes to a [y/N] question, separated by "|"
            yes = {"y", "yes", *tr("y|yes").split("|")}
            remove = answer.strip().lower() in yes
        else:
            print(
                ntr(
                    "the {n} published event stays in {calendar} (remove it with `splitday "
                    "calendar publish --off --remove`)",
                    "the {n} published events stay in {calendar} (remove them with `splitday "
                    "calendar publish --off --remove`)",
                    count,
                ).format(n=count, calendar=target.calendar)
            )
    result = caldav_sync.unpublish(ctx.db, ctx.owner, remove=remove, now=ctx.now())
    if args.json:
        _print_json(caldav_sync.counts_json(result))
    elif result.ok:
        print(result.message)
    else:
        print(
            tr("publish --off: FAILED - {message}").format(message=result.message), file=sys.stderr
        )
    return 0 if result.ok else 1


def _events(ctx: Context, args: argparse.Namespace) -> int:
    from planner.calendars import sync as calendars
    from planner.domain.timerange import Interval, local_wall_time
    from planner.services import planning

    with ctx.db.transaction() as s:
        today = ctx.now().astimezone(ctx.zone).date()
        first = parse_date(args.from_, today)
        last = parse_date(args.to, today) if args.to else first + timedelta(days=6)
        if last < first:
            raise CliError(tr("--to is before --from"))
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
        print(tr("wrote {output}").format(output=args.output))
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
