"""`splitday …` subcommands. Errors are one line on stderr and a non-zero exit, never a traceback.

The forwarding commands (interrupt, resume, toggle) first try the running instance over the local
socket and import nothing heavy until they know they must open the database themselves.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.cli.common import (
    EXIT_ERROR,
    EXIT_USAGE,
    CliError,
    CommandFailed,
    Context,
    PrintableStream,
    _print_json,
    _tell_the_app,
    parse_date,
    parse_duration,
    print_status,
    translate_argparse,
)
from planner.domain.flags import in_words
from planner.domain.i18n import N_, ntr, tr
from planner.domain.shapes import iso as _iso
from planner.domain.shapes import slot_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from planner.domain.values import PlanV, RoleV
    from planner.storage.pending import PendingQueue

# ---------------------------------------------------------------- parsing helpers


def _hm(moment: datetime, zone: tzinfo) -> str:
    """The locale's short time: '09:30', or '9:30 AM' where clocks have 12 hours."""
    from planner.domain.localefmt import clock

    return clock(moment, zone)


def _at(iso: str) -> str:
    """_hm() of an ISO moment from the JSON shapes (already in the local zone)."""
    from planner.domain.localefmt import clock

    return clock(datetime.fromisoformat(iso))


# What a running entry is, in words (its `kind` in the JSON stays as stored)
KIND_WORDS = {
    "work": N_("work"),
    "meeting": N_("meeting"),
    "interruption": N_("interruption"),
    "break": N_("break"),
}

# ---------------------------------------------------------------- JSON shapes (stable)


def role_json(role: RoleV) -> dict[str, Any]:
    return {
        "id": role.id,
        "name": role.name,
        "colour": role.colour,
        "target_percent": role.target_percent,
        "archived": role.archived,
    }


def plan_json(plan: PlanV, zone: tzinfo) -> dict[str, Any]:
    names = {r.id: r.name for r in plan.roles}
    planned: dict[int, float] = {r.id: 0.0 for r in plan.roles}
    for slot in plan.slots:
        planned[slot.role_id] = planned.get(slot.role_id, 0.0) + (
            (slot.end - slot.start).total_seconds() / 60
        )
    for meeting in plan.meetings:
        if meeting.busy and not meeting.all_day and meeting.role_id in planned:
            planned[meeting.role_id] += (meeting.end - meeting.start).total_seconds() / 60
    total = sum(planned.values()) or 1.0
    return {
        "date": plan.day.day.isoformat(),
        "timezone": str(zone),
        "start": _iso(plan.day.start, zone),
        "stop": _iso(plan.day.stop, zone),
        "min_block_minutes": plan.day.min_block_minutes,
        "roles": [role_json(r) for r in plan.roles],
        "slots": [
            {**slot_json(s, names, zone), "tasks": [t.id for t in plan.tasks if t.slot_id == s.id]}
            for s in plan.slots
        ],
        "meetings": [
            {
                "id": m.id,
                "summary": m.summary,
                "start": _iso(m.start, zone),
                "end": _iso(m.end, zone),
                "all_day": m.all_day,
                "busy": m.busy,
                "role": names.get(m.role_id) if m.role_id is not None else None,
            }
            for m in plan.meetings
        ],
        "tasks": [
            {
                "id": t.id,
                "title": t.title,
                "role": names.get(t.role_id),
                "priority": t.priority,
                "estimate_minutes": t.estimate_minutes,
                "status": t.status,
                "slot_id": t.slot_id,
                "carried_over": t.carried_over,
                "due": _iso(t.due_at, zone),
            }
            for t in plan.tasks
        ],
        "overflow": list(plan.overflow),
        "breaks": [
            {
                "kind": b.kind,
                "start": _iso(b.start, zone),
                "end": _iso(b.end, zone),
                "minutes": round((b.end - b.start).total_seconds() / 60),
                "skipped": b.skipped,
            }
            for b in plan.breaks
        ],
        "late": list(plan.late),
        "share": {
            names[r]: {
                "target_percent": next(x.target_percent for x in plan.roles if x.id == r),
                "planned_minutes": round(m),
                "planned_percent": round(100 * m / total, 1),
            }
            for r, m in planned.items()
        },
    }


# ---------------------------------------------------------------- commands


def cmd_roles(ctx: Context, args: argparse.Namespace) -> int:
    from planner.services import planning

    said = ""  # printed once the transaction has committed, never before
    with ctx.db.transaction() as s:
        if args.action == "add":
            role, _ = planning.add_role(
                s, ctx.owner, args.name, colour=args.colour, target_percent=args.target or 0.0
            )
            said = tr("added role {name} (id {id})").format(name=role.name, id=role.id)
        elif args.action == "edit":
            current = ctx.role(s, args.name)
            role, _ = planning.edit_role(
                s,
                ctx.owner,
                current.id,
                name=args.rename,
                colour=args.colour,
                target_percent=args.target,
                archived=True if args.archive else (False if args.unarchive else None),
                seen_version=current.version,  # renamed meanwhile elsewhere: say so
            )
            said = tr("updated role {name}").format(name=role.name)
        roles = planning.list_roles(s, ctx.owner, include_archived=True)
    if said:
        print(said)
    if args.json:
        _print_json([role_json(r) for r in roles])
    elif args.action == "list":
        for r in roles:
            extra = tr(" (archived)") if r.archived else ""
            print(f"{r.id:>3}  {r.name:<20} {r.target_percent:5.1f} %  {r.colour}{extra}")
    return 0


def cmd_day(ctx: Context, args: argparse.Namespace) -> int:
    from planner.domain.timerange import parse_hhmm
    from planner.services import planning

    with ctx.db.transaction() as s:
        day = parse_date(args.date, ctx.today(s))
        v, _ = planning.set_day(
            s,
            ctx.owner,
            day,
            ctx.zone,
            start_minute=parse_hhmm(args.start) if args.start else None,
            stop_minute=parse_hhmm(args.stop) if args.stop else None,
            min_block_minutes=args.min_block,
        )
    print(
        tr("{day}: {start}–{stop} (hard stop)").format(
            day=day, start=_hm(v.start, ctx.zone), stop=_hm(v.stop, ctx.zone)
        )
    )
    return 0


def cmd_plan(ctx: Context, args: argparse.Namespace) -> int:
    from planner.services import planning

    if args.reflow or args.auto:
        with ctx.db.transaction() as s:
            day = parse_date(args.date, ctx.today(s))
            if args.reflow:
                plan, _ = planning.reflow_day(s, ctx.owner, day, ctx.zone, ctx.now())
            else:
                plan, _ = planning.auto_plan(
                    s, ctx.owner, day, ctx.zone, min_block_minutes=args.min_block
                )
    else:
        with ctx.db.read() as s:  # showing the plan takes no lock
            today = ctx.today(s)
            day = parse_date(args.date, today)
            plan = planning.get_plan(
                s, ctx.owner, day, ctx.zone, ctx.clock.now() if day == today else None
            )
        if ctx.queue is not None and day == today:  # for showing it while the server is away
            ctx.queue.save_snapshot("plan", plan_json(plan, ctx.zone), ctx.now())
    if args.json:
        _print_json(plan_json(plan, ctx.zone))
        return 0
    names = {r.id: r.name for r in plan.roles}
    z = ctx.zone
    from planner.domain.localefmt import long_day

    print(f"{long_day(plan.day.day)}  {_hm(plan.day.start, z)}–{_hm(plan.day.stop, z)}")
    meeting_word = tr("meeting")
    items: list[tuple[datetime, str]] = [
        (s.start, f"{_hm(s.start, z)}–{_hm(s.end, z)}  {names.get(s.role_id, '?'):<12} {s.title}")
        for s in plan.slots
    ]
    items += [
        (m.start, f"{_hm(m.start, z)}–{_hm(m.end, z)}  {meeting_word:<12} {m.summary}")
        for m in plan.meetings
        if not m.all_day
    ]
    for _, line in sorted(items):
        print("  " + line.rstrip())
    if not items:
        print("  " + tr("(nothing planned — try `splitday plan --auto`)"))
    for t in plan.tasks:
        mark = "x" if t.status == "done" else ("!" if t.id in plan.overflow else " ")
        print(f"  [{mark}] #{t.id} {t.title} ({names.get(t.role_id)}, {t.estimate_minutes}m)")
    if plan.overflow:
        n = len(plan.overflow)
        print(
            "  "
            + ntr(
                "{n} task does not fit today's slots (marked !)",
                "{n} tasks do not fit today's slots (marked !)",
                n,
            ).format(n=n)
        )
    return 0


MAX_IMPLIED_WRAP = 12 * 60  # 23:00-01:00 means past midnight; 12:00-11:00 is a typo


def _parse_span(text: str) -> tuple[int, int]:
    """'09:00-10:30' -> minutes past the day's midnight; '23:00-01:00+1' or '23:00-25:00' go
    past midnight, and so does '23:00-01:00' (a wrap of up to 12 hours is taken as meant)."""
    from planner.domain.timerange import format_minute, parse_hhmm

    if "-" not in text:
        raise CliError(tr("not a time span: {text!r} (expected HH:MM-HH:MM)").format(text=text))
    a, b = text.split("-", 1)
    try:
        start, end = parse_hhmm(a), parse_hhmm(b)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if start >= 24 * 60:
        raise CliError(
            tr("a slot starts on its own day: {time!r} is after midnight").format(time=a.strip())
        )
    if end <= start:
        wrapped = end + 24 * 60
        if end >= 24 * 60 or wrapped - start > MAX_IMPLIED_WRAP:
            raise CliError(
                tr(
                    "the end {end} is not after the start {start} "
                    "(for a slot past midnight write e.g. 23:00-01:00+1)"
                ).format(end=format_minute(end), start=format_minute(start))
            )
        end = wrapped
    return start, end


def _on_day(moment: datetime, day: date, zone: tzinfo) -> str:
    """'HH:MM', with '+1' when the moment falls on the next local day."""
    local = moment.astimezone(zone)
    later = (local.date() - day).days
    return f"{local:%H:%M}" + (f"+{later}" if later > 0 else "")


def cmd_slot(ctx: Context, args: argparse.Namespace) -> int:
    from planner.domain.timerange import local_wall_time
    from planner.services import planning

    if args.action == "rm":
        with ctx.db.transaction() as s:
            slot, _ = planning.remove_slot(s, ctx.owner, args.id)
        print(tr("removed slot {id}").format(id=slot.id))  # once committed, never before
        return 0
    with ctx.db.transaction() as s:
        day = parse_date(args.date, ctx.today(s))
        a, b = _parse_span(args.span)
        role = ctx.role(s, args.role)
        slot, _ = planning.add_slot(
            s,
            ctx.owner,
            ctx.zone,
            local_wall_time(day, a, ctx.zone),
            local_wall_time(day, b, ctx.zone),
            role.id,
            " ".join(args.title),
        )
        boundary = int(planning.get_setting(s, ctx.owner, "day_start_minute"))
        stop = planning.get_day(s, ctx.owner, slot.day, ctx.zone).stop
    span = f"{_on_day(slot.start, day, ctx.zone)}–{_on_day(slot.end, day, ctx.zone)} {role.name}"
    if slot.day != day:  # the day boundary files it elsewhere than the date typed: say so
        from planner.domain.timerange import format_minute

        start = format_minute(boundary)
        from planner.domain.localefmt import long_day, short_day

        print(
            tr(
                "added slot {id} on the plan of {plan_day} (days start at {start}, "
                "so {time} on {day} is still the night of {night}): {span}"
            ).format(
                id=slot.id,
                plan_day=long_day(slot.day),
                start=start,
                time=format_minute(a),
                day=short_day(day),
                night=short_day(slot.day),
                span=span,
            )
        )
    else:
        print(tr("added slot {id}: {span}").format(id=slot.id, span=span))
    if slot.end > stop:
        print(
            tr("note: it ends after your hard stop ({stop})").format(
                stop=_on_day(stop, day, ctx.zone)
            )
        )
    return 0


def cmd_task(ctx: Context, args: argparse.Namespace) -> int:
    from planner.cli.offline import TASK_KINDS, TASK_STATUS
    from planner.services import planning

    if args.action != "list":
        with ctx.db.transaction() as s:
            if args.action == "add":
                role = ctx.role(s, args.role)
                on = parse_date(args.day, ctx.today(s))
                due = None
                if args.due:
                    from planner.domain.timerange import local_wall_time, parse_hhmm

                    due = local_wall_time(on, parse_hhmm(args.due), ctx.zone)
                task, _ = planning.add_task(
                    s,
                    ctx.owner,
                    " ".join(args.title),
                    role.id,
                    now=ctx.now(),
                    day=on,
                    estimate_minutes=parse_duration(args.estimate),
                    priority=args.priority,
                    due_at=due,
                )
            elif args.action == "rename":
                task, _ = planning.update_task(s, ctx.owner, args.id, title=" ".join(args.title))
            else:
                status = TASK_STATUS[args.action]
                task, _ = planning.set_task_status(s, ctx.owner, args.id, status, ctx.now())
            ctx.mark(s, TASK_KINDS[args.action], ctx.now())
            seen = _save_tasks_seen(ctx, s, task.day)
        # said once the transaction has committed, never before
        print(f"{task_said(args.action, task.id)}: {task.title}")
        if seen is not None:
            seen()
        return 0
    with ctx.db.transaction() as s:
        day = None if args.all else parse_date(args.day, ctx.today(s))
        tasks = planning.list_tasks(s, ctx.owner, day)
        names = {r.id: r.name for r in planning.list_roles(s, ctx.owner, include_archived=True)}
        seen = _save_tasks_seen(ctx, s, day, tasks)
    if seen is not None:
        seen()
    if args.json:
        _print_json(
            [
                {
                    "id": t.id,
                    "title": t.title,
                    "role": names.get(t.role_id),
                    "day": t.day.isoformat() if t.day else None,
                    "priority": t.priority,
                    "estimate_minutes": t.estimate_minutes,
                    "status": t.status,
                    "slot_id": t.slot_id,
                    "carried_over": t.carried_over,
                    "due": _iso(t.due_at, ctx.zone),
                }
                for t in tasks
            ]
        )
        return 0
    for t in tasks:
        mark = "x" if t.status == "done" else " "
        print(f"[{mark}] {t.id:>4}  {t.title}  ({names.get(t.role_id)}, {t.estimate_minutes}m)")
    if not tasks:
        print(tr("no tasks"))
    return 0


def task_said(action: str, task_id: int) -> str:
    """What `splitday task ACTION` says once it is done."""
    if action == "add":
        return tr("added task {id}").format(id=task_id)
    words = {"done": N_("done"), "undone": N_("open again"), "rm": N_("deleted")}
    return tr(words.get(action, N_("renamed")))


def _save_tasks_seen(
    ctx: Context, session: Session, day: date | None, tasks: Sequence[Any] | None = None
) -> Callable[[], None] | None:
    """On a shared server: what this device saw of the tasks (their versions too), so that a
    task edit made while the server is away can be kept and checked when it is delivered.
    Returns the write, made after the commit (None: this device's own SQLite file)."""
    if ctx.queue is None:
        return None
    from planner.cli.offline import tasks_seen_json
    from planner.services import planning

    today = ctx.today(session)
    listed = list(planning.list_tasks(session, ctx.owner, today))
    if tasks is not None and day != today:
        listed += [t for t in tasks if t.day != today]
    roles = planning.list_roles(session, ctx.owner, include_archived=True)
    data = tasks_seen_json(today, listed, roles)
    queue = ctx.queue
    seen_at = ctx.now()
    return lambda: queue.save_snapshot("tasks", data, seen_at)


def cmd_interrupt(ctx: Context, args: argparse.Namespace, at: datetime) -> int:
    from planner.services import planning, tracking

    with ctx.db.transaction() as s:
        role_id = ctx.role(s, args.role).id if args.role else None
        minutes = parse_duration(args.duration) if args.duration else None
        entry, _ = tracking.interrupt(
            s,
            ctx.owner,
            ctx.zone,
            at,
            note=" ".join(args.note),
            role_id=role_id,
            source=args.source or "",
            minutes=minutes,
            now=ctx.now(),
        )
        ctx.mark(s, "interrupt", at)
        tracking.heartbeat(s, ctx.owner, ctx.now())
        names = {r.id: r.name for r in planning.list_roles(s, ctx.owner, include_archived=True)}
        slot = planning.slot_at(s, ctx.owner, entry.start)
    role = names.get(entry.role_id or -1, "?")
    words = in_words(entry.flags, role, names.get(slot.role_id) if slot else None)
    detail = f"{role}; {words}" if words else role
    span = _hm(entry.start, ctx.zone)
    if entry.end is not None:  # logged after the fact: it is over
        span = f"{span}–{_hm(entry.end, ctx.zone)}"
    print(tr("interruption logged at {time} ({detail})").format(time=span, detail=detail))
    return 0


def cmd_resume(ctx: Context, args: argparse.Namespace) -> int:
    from planner.services import planning, tracking

    at = ctx.at if ctx.at is not None else ctx.now()
    with ctx.db.transaction() as s:
        entry, _ = tracking.resume(s, ctx.owner, ctx.zone, at)
        ctx.mark(s, "resume", at)
        tracking.heartbeat(s, ctx.owner, ctx.now())
        names = {r.id: r.name for r in planning.list_roles(s, ctx.owner, include_archived=True)}
    if entry.end is None:
        print(tr("back to work: {role}").format(role=names.get(entry.role_id or -1, "?")))
    else:
        print(tr("interruption ended"))
    return 0


def cmd_start(ctx: Context, args: argparse.Namespace) -> int:
    from planner.services import day, planning, tracking

    at = ctx.at if ctx.at is not None else ctx.now()
    with ctx.db.transaction() as s:
        role_id = ctx.role(s, args.role).id if args.role else None
        started, _ = day.start(s, ctx.owner, ctx.zone, at, role_id=role_id, task_id=args.task)
        ctx.mark(s, "start", at)
        tracking.heartbeat(s, ctx.owner, ctx.now())
        names = {r.id: r.name for r in planning.list_roles(s, ctx.owner, include_archived=True)}
    role = names.get(started.role_id or -1, "?")
    if started.waiting and started.follows_from is None:
        print(
            tr(
                "day started: nothing is planned yet; the log follows the plan from its first "
                "slot (plan it with `splitday plan --auto`, or `splitday start ROLE`)"
            )
        )
        return 0
    if started.follows_from is not None:
        what = (
            tr("the meeting “{title}”").format(title=started.meeting) if started.meeting else role
        )
        print(
            tr(
                "day started: following the plan from {time} ({what}); nothing is logged until then"
            ).format(time=_hm(started.follows_from, ctx.zone), what=what)
        )
        return 0
    entry = started.entry
    assert entry is not None
    flag = tr(" (off-plan)") if "unplanned" in entry.flags else ""
    if entry.kind == "meeting":
        doing = tr("in the meeting “{title}”").format(title=entry.note)
    else:
        doing = tr("working on {role}").format(role=role)
    plan = tr(", following the plan") if entry.follows_plan else ""
    print(
        tr("{doing}{off_plan}{following} since {time}").format(
            doing=doing, off_plan=flag, following=plan, time=_hm(entry.start, ctx.zone)
        )
    )
    return 0


def cmd_stop(ctx: Context, args: argparse.Namespace) -> int:
    from planner.services import day

    at = ctx.at if ctx.at is not None else ctx.now()
    with ctx.db.transaction() as s:
        change = day.pause(s, ctx.owner, ctx.zone, at)
        ctx.mark(s, "stop", at)
    print(tr("stopped") if change.topics else tr("nothing was running"))
    return 0


def cmd_close(ctx: Context, args: argparse.Namespace) -> int:
    """The end of the day without the window: stop the log, carry open tasks over if asked,
    mark the day closed (the end-of-day review's Close)."""
    from planner.services import day, planning

    now = ctx.now()
    with ctx.db.transaction() as s:
        which = parse_date(args.date, ctx.today(s))
        carried = 0
        if args.carry:
            to_day = planning.next_workday(s, ctx.owner, which)
            carried, _ = planning.carry_over(s, ctx.owner, which, to_day)
        day.close(s, ctx.owner, ctx.zone, which, now)
    moved = ""
    if args.carry:
        moved = ntr(
            "; {n} open task carried to the next workday",
            "; {n} open tasks carried to the next workday",
            carried,
        ).format(n=carried)
    print(tr("closed {day}{moved}").format(day=which.isoformat(), moved=moved))
    return 0


def catch_up(ctx: Context) -> None:
    """Follow the plan up to now; the write lock only when there is something to write."""
    from planner.services import day, tracking

    now = ctx.now()
    with ctx.db.read() as s:
        due = tracking.catch_up_due(s, ctx.owner, ctx.zone, now)
    if due:
        with ctx.db.transaction() as s:
            day.catch_up(s, ctx.owner, ctx.zone, now)


def status_data(ctx: Context, s: Session) -> dict[str, Any]:
    """What `status` shows (read only: call catch_up(ctx) first)."""
    from planner.services.status import status_data as computed

    return computed(s, ctx.owner, ctx.zone, ctx.now())


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    catch_up(ctx)
    with ctx.db.read() as s:
        data = status_data(ctx, s)
    if ctx.queue is not None:  # a shared server: keep it for showing offline, say what waits
        ctx.queue.save_snapshot("status", data, ctx.now())
        from planner.cli.offline import sync_json

        data["sync"] = sync_json(ctx.queue.state(), ctx.zone)
    if args.json:
        _print_json(data)
        return 0
    if ctx.queue is not None and data["sync"]["text"]:
        print(data["sync"]["text"])
    print_status(data)
    return 0


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from planner.services import demo

    with ctx.db.transaction() as s:
        stats = demo.generate(
            s, ctx.owner, ctx.zone, ctx.now(), weeks=args.weeks, seed=args.seed, force=args.force
        )
    print(
        tr(
            "demo history: {days} days, {slots} slots, {entries} entries, "
            "{interruptions} interruptions, {tasks} tasks"
        ).format(
            days=stats.days,
            slots=stats.slots,
            entries=stats.entries,
            interruptions=stats.interruptions,
            tasks=stats.tasks,
        )
    )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from planner.storage.db import backup_sqlite, list_backups, resolve_url, sqlite_path

    path = sqlite_path(resolve_url(args.db))
    if path is None:
        raise CliError(tr("backups are for the SQLite file; use your server's tools (pg_dump)"))
    if args.list:
        for backup in list_backups(path):
            print(backup)
        return 0
    if not path.exists():
        raise CliError(tr("there is no database at {path} yet").format(path=path))
    print(backup_sqlite(path, reason="manual"))  # not translated: the backup file's tag
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from planner.storage.db import list_backups, resolve_url, restore_sqlite, sqlite_path

    path = sqlite_path(resolve_url(args.db))
    if path is None:
        raise CliError(tr("restore works on the SQLite file; use your server's tools for others"))
    if _forward("ping") is not None:
        raise CliError(tr("Splitday is running; quit it before restoring a backup"))
    if args.backup:
        backup = Path(args.backup)
    else:
        backups = list_backups(path)
        if not backups:
            raise CliError(tr("there are no backups of {path}").format(path=path))
        backup = backups[0]
    if not backup.is_file():
        raise CliError(tr("no backup file at {path}").format(path=backup))
    kept = restore_sqlite(path, backup)
    said = tr("restored {name}").format(name=backup.name)
    if kept:
        said += tr("; the previous file is kept as {path}").format(path=kept)
    print(said)
    return 0


# ---------------------------------------------------------------- the forwarding fast path


def _forward(command: str, **fields: Any) -> int | None:
    """Hand a command to the running app; None when no app is running."""
    from planner.platform import ipc
    from planner.platform.paths import current_owner

    owner = current_owner()
    if token := os.environ.get("XDG_ACTIVATION_TOKEN"):
        fields["activation_token"] = token  # lets the running app take the focus on Wayland
    try:
        reply = ipc.send(ipc.server_name(owner), ipc.encode_request(command, **fields))
    except ipc.ForeignSocket as exc:  # someone else's socket: send nothing, do it ourselves
        print(
            tr("splitday: warning: {reason}; nothing was sent there — not forwarding to it").format(
                reason=exc
            ),
            file=sys.stderr,
        )
        return None
    except ipc.ProtocolError as exc:  # the app is there but did not answer properly
        raise CommandFailed(
            tr(
                "{reason}; the {command!r} may or may not have been carried out — check with "
                "`splitday status`"
            ).format(reason=exc, command=command)
        ) from exc
    if reply is None:
        return None
    if reply.message:
        print(reply.message, file=sys.stdout if reply.ok else sys.stderr)
    return 0 if reply.ok else EXIT_ERROR


def _status_from_the_app(args: argparse.Namespace, at: datetime) -> int | None:
    """`status` answered by the running app, which has the database open (on a shared server
    over a slow link: one round trip instead of a connection and the ORM's start-up). None:
    no app, or it leaves the status to the command (something must be written or delivered
    first, the server is away): the usual way follows, so the answer is the same either way."""
    from planner.platform import ipc
    from planner.platform.paths import current_owner

    try:
        reply = ipc.send(
            ipc.server_name(current_owner()), ipc.encode_request("status", at=at.isoformat())
        )
    except (ipc.ForeignSocket, ipc.ProtocolError):  # reading only: do it ourselves
        return None
    data = None if reply is None or not reply.ok or not reply.data else reply.data.get("status")
    if not isinstance(data, dict):
        return None
    if args.json:
        _print_json(data)
        return 0
    sync = data.get("sync") or {}
    if sync.get("text"):
        print(sync["text"])
    print_status(data)
    return 0


def _wall_now() -> datetime:
    """The key press's moment: the system clock, unless the environment sets another one
    (SPLITDAY_NOW, or the tests' stepped SPLITDAY_CLOCK_FILE: the running app follows that
    one, so a forwarded `splitday interrupt` must be stamped by it too)."""
    stepped = os.environ.get("SPLITDAY_CLOCK_FILE", "").strip() and (
        os.environ.get("SPLITDAY_TEST") == "1"
    )
    if stepped or os.environ.get("SPLITDAY_NOW", "").strip():
        from planner.domain.clock import clock_from_env

        return clock_from_env().now()
    return datetime.now(UTC)


# ---------------------------------------------------------------- the parser


def build_parser() -> argparse.ArgumentParser:
    from planner import __version__

    p = argparse.ArgumentParser(
        prog="splitday",
        description=tr("Plan the day in role slots, log interruptions, see where the week went."),
    )
    p.add_argument("--version", action="version", version=f"splitday {__version__}")
    p.add_argument(
        "--db",
        metavar="URL",
        help=tr("database URL (default: $SPLITDAY_DB_URL or the per-user SQLite file)"),
    )
    p.add_argument(
        "--plan-day",
        action="store_true",
        help=tr("open Plan my day in the running app (else start the app)"),
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    roles = sub.add_parser("roles", help=tr("list, add or edit roles"))
    roles.add_argument("action", nargs="?", choices=["list", "add", "edit"], default="list")
    roles.add_argument("name", nargs="?")
    roles.add_argument("--colour", "--color", dest="colour")
    roles.add_argument("--target", type=float, help=tr("target share in percent"))
    roles.add_argument("--rename")
    roles.add_argument("--archive", action="store_true")
    roles.add_argument("--unarchive", action="store_true")
    roles.add_argument("--json", action="store_true")

    day = sub.add_parser("day", help=tr("set one day's start, hard stop and focus block"))
    day.add_argument("date", nargs="?")
    day.add_argument("--start", metavar="HH:MM")
    day.add_argument("--stop", metavar="HH:MM", help=tr("hard stop; 01:30+1 for after midnight"))
    day.add_argument("--min-block", type=int, metavar="MIN")

    plan = sub.add_parser("plan", help=tr("show a day's plan, or fill it with --auto"))
    plan.add_argument("date", nargs="?")
    plan.add_argument("--auto", action="store_true", help=tr("split the free time into role slots"))
    plan.add_argument(
        "--reflow", action="store_true", help=tr("re-split the rest of today from now")
    )
    plan.add_argument("--min-block", type=int, metavar="MIN")
    plan.add_argument("--json", action="store_true")

    slot = sub.add_parser("slot", help=tr("add or remove a slot"))
    slot_sub = slot.add_subparsers(dest="action", required=True)
    slot_add = slot_sub.add_parser("add")
    slot_add.add_argument("date")
    slot_add.add_argument("span", metavar="HH:MM-HH:MM")
    slot_add.add_argument("role")
    slot_add.add_argument("title", nargs="*")
    slot_rm = slot_sub.add_parser("rm")
    slot_rm.add_argument("id", type=int)

    task = sub.add_parser("task", help=tr("add, list or finish tasks"))
    task_sub = task.add_subparsers(dest="action", required=True)
    task_add = task_sub.add_parser("add")
    task_add.add_argument("title", nargs="+")
    task_add.add_argument("--role", required=True)
    task_add.add_argument("--estimate", default="30m")
    task_add.add_argument("--priority", type=int)
    task_add.add_argument("--day")
    task_add.add_argument("--due", help=tr("a deadline on the task's day, HH:MM (fitted first)"))
    task_list = task_sub.add_parser("list")
    task_list.add_argument("--day")
    task_list.add_argument("--all", action="store_true")
    task_list.add_argument("--json", action="store_true")
    task_done = task_sub.add_parser("done")
    task_done.add_argument("id", type=int)
    task_undone = task_sub.add_parser("undone", help=tr("open a task that was done again"))
    task_undone.add_argument("id", type=int)
    task_rename = task_sub.add_parser("rename")
    task_rename.add_argument("id", type=int)
    task_rename.add_argument("title", nargs="+")
    task_rm = task_sub.add_parser("rm", help=tr("delete a task"))
    task_rm.add_argument("id", type=int)

    _add_forwarded(sub)
    start = sub.add_parser("start", help=tr("start working (following the plan, or on a role)"))
    start.add_argument("role", nargs="?")
    start.add_argument("--task", type=int)
    sub.add_parser("stop", help=tr("stop the running entry"))
    close = sub.add_parser("close", help=tr("close the day: stop the log (the end-of-day Close)"))
    close.add_argument("date", nargs="?")
    close.add_argument(
        "--carry", action="store_true", help=tr("carry open tasks to the next workday")
    )

    status = sub.add_parser("status", help=tr("what is planned and running now"))
    status.add_argument("--json", action="store_true")

    demo = sub.add_parser("demo", help=tr("fill the database with a realistic synthetic history"))
    demo.add_argument("--weeks", type=int, default=4)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--force", action="store_true", help=tr("even if the database has entries"))
    backup = sub.add_parser("backup", help=tr("copy the database file now (or --list the copies)"))
    backup.add_argument("--list", action="store_true")
    sync = sub.add_parser(
        "sync", help=tr("deliver the changes kept on this device while the server was away")
    )
    sync.add_argument("--wait", action="store_true", help=tr("keep trying until all are delivered"))
    sync.add_argument("--quiet", action="store_true")
    sync.add_argument("--json", action="store_true")
    sync.add_argument(
        "--forget-refused", action="store_true", help=tr("drop the changes the server refused")
    )
    sync.add_argument(
        "--retry-refused", action="store_true", help=tr("try the refused changes again")
    )
    restore = sub.add_parser("restore", help=tr("put a backup in place (the newest by default)"))
    restore.add_argument(
        "backup", nargs="?", help=tr("a backup file (see `splitday backup --list`)")
    )
    from planner.cli import team

    team.add_parsers(sub)
    for module in _extensions():
        HANDLERS.update(module.register(sub))
    return p


FORWARDED = ("interrupt", "resume", "toggle")


def _add_forwarded(sub: Any) -> None:
    intr = sub.add_parser("interrupt", help=tr("log an interruption now (the running app if any)"))
    intr.add_argument("note", nargs="*")
    intr.add_argument("--role")
    intr.add_argument("--source")
    intr.add_argument("--duration", help=tr("already over: how long it took (e.g. 10m)"))
    sub.add_parser("resume", help=tr("end the running interruption, back to work"))
    sub.add_parser("toggle", help=tr("show or hide the running app"))


def _forwarded_parser() -> argparse.ArgumentParser:
    """Only the commands a desktop shortcut runs: building the whole parser costs ~10 ms."""
    p = argparse.ArgumentParser(prog="splitday")
    p.set_defaults(db=None)
    _add_forwarded(p.add_subparsers(dest="command", metavar="COMMAND"))
    return p


# Feature areas add their subcommands here: each module has
# `register(subparsers) -> dict[command name, handler(ctx, args) -> int]` and imports nothing
# heavy at module level.
EXTENSIONS: tuple[str, ...] = ("planner.cli.calendar", "planner.cli.remind", "planner.cli.report")


def _extensions() -> list[Any]:
    import importlib

    return [importlib.import_module(name) for name in EXTENSIONS]


HANDLERS: dict[str, Callable[[Context, argparse.Namespace], int]] = {
    "roles": cmd_roles,
    "day": cmd_day,
    "plan": cmd_plan,
    "slot": cmd_slot,
    "task": cmd_task,
    "resume": cmd_resume,
    "start": cmd_start,
    "stop": cmd_stop,
    "close": cmd_close,
    "status": cmd_status,
    "demo": cmd_demo,
}


def _validate_forwardable(args: argparse.Namespace) -> None:
    if args.command == "interrupt" and args.duration:
        parse_duration(args.duration)


AppStarter = Callable[[str | None, bool], int]  # (database URL, open Plan my day)


def run(argv: Sequence[str], start_app: AppStarter | None = None) -> int:
    pressed_at = _wall_now()  # the moment of the key press, before anything slow happens
    fast = bool(argv) and argv[0] in FORWARDED and "-h" not in argv and "--help" not in argv
    translate_argparse()
    args = (_forwarded_parser() if fast else build_parser()).parse_args(argv)
    if args.command is None:
        if args.plan_day and not args.db:  # the .desktop action "Plan my day"
            forwarded = _forward("plan")
            if forwarded is not None:
                return forwarded
        if start_app is None:
            raise CliError(tr("no command given (see splitday --help)"))
        return start_app(args.db, args.plan_day)
    _validate_forwardable(args)
    if args.command in ("interrupt", "resume", "toggle") and not args.db:
        fields: dict[str, Any] = {}
        if args.command == "interrupt":
            fields = {
                "note": " ".join(args.note),
                "role": args.role,
                "source": args.source,
                "duration": args.duration,
                "at": pressed_at.isoformat(),
            }
        forwarded = _forward(args.command, **fields)
        if forwarded is not None:
            return forwarded
    if args.command == "status" and not args.db:
        answered = _status_from_the_app(args, pressed_at)
        if answered is not None:
            return answered
    if args.command == "toggle":
        raise CliError(tr("Splitday is not running (start it with `splitday`)"))
    if args.command in ("backup", "restore"):
        return cmd_backup(args) if args.command == "backup" else cmd_restore(args)
    if args.command == "report":
        from planner.cli.report import report_without_orm

        done = report_without_orm(args)
        if done is not None:
            return done
    if args.command == "sync":
        from planner.cli.offline import cmd_sync

        return cmd_sync(args)
    if args.command in ("server", "team"):
        from planner.cli import team

        return team.run(args)
    code = _on_shared_server(args, pressed_at)
    if code is None:
        ctx = Context(args.db)
        try:
            if args.command == "interrupt":
                code = cmd_interrupt(ctx, args, pressed_at)
            else:
                code = HANDLERS[args.command](ctx, args)
        finally:
            ctx.close()
    if code == 0 and not args.db and args.command not in READS:
        _tell_the_app()
    return code


def _on_shared_server(args: argparse.Namespace, pressed_at: datetime) -> int | None:
    """A command on a shared server (None: the database is this device's SQLite file).

    What waits on this device is delivered first; while the server is away the tracking
    writes are kept here (planner.cli.offline), `status` and `plan` show what was last seen,
    and anything else says that the server is away — never that the database is damaged."""
    from planner.cli import offline

    queue = offline.queue_for(args.db)
    if queue is None:
        return None

    def handler(ctx: Context, args: argparse.Namespace) -> int:
        ctx.queue = queue
        if args.command == "interrupt":
            return cmd_interrupt(ctx, args, pressed_at)
        return HANDLERS[args.command](ctx, args)

    if offline.queued(args):
        return offline.run_queued(args, pressed_at, queue, handler)
    if args.command == "status":
        quick = _quick_status(args, queue)
        if quick is not None:
            return quick
    ctx, away = offline.open_shared(args.db, queue)
    if ctx is None:
        assert away is not None
        from planner.storage.failures import ServerUnreachable

        if args.command == "status" and isinstance(away, ServerUnreachable):
            return offline.offline_status(args, queue, away)
        showing_today = args.command == "plan" and args.date in (None, "today")
        unreachable = isinstance(away, ServerUnreachable)
        if showing_today and unreachable and not (args.auto or args.reflow):
            return offline.offline_plan(args, queue, away)
        if args.command == "task" and unreachable:  # `task list`: as last seen, with edits kept
            return offline.offline_tasks(args, queue, away)
        waiting = queue.state().describe(_local_zone())
        if not isinstance(away, ServerUnreachable):  # a refused login: that is the news
            raise away if not waiting else type(away)(f"{away} ({waiting})")
        can = tr(
            "while it is away, `interrupt`, `resume`, `start`, `stop` and the task edits "
            "(`task add`, `done`, `undone`, `rename`, `rm`) are kept on this device, and "
            "`status`, `plan` and `task list` show today as last seen; `splitday {command}` "
            "waits until it answers"
        ).format(command=args.command)
        raise type(away)(f"{away} ({waiting + '; ' if waiting else ''}{can})")
    try:
        if queue.count():
            offline.deliver(ctx, queue)
        else:
            queue.came_online()
        return handler(ctx, args)
    finally:
        ctx.close()


def _quick_status(args: argparse.Namespace, queue: PendingQueue) -> int | None:
    """`status` on a shared server in one round trip (planner.storage.snapshot): today's rows
    read in one statement, the status computed over them in memory. None: the usual way
    (on the server) is needed — something waits here to deliver, the log must catch up
    with the plan, the defaults are not seeded yet, or the schema is not this version's."""
    from planner.cli.offline import OFFLINE_CONNECT_TIMEOUT_S, offline_status, shared_url
    from planner.domain.clock import clock_from_env
    from planner.platform.paths import current_owner
    from planner.storage import snapshot
    from planner.storage.failures import PG_CONNECT_TIMEOUT_S, ServerUnreachable

    state = queue.state()
    if state.waiting:
        return None
    url = shared_url(args.db)
    assert url is not None
    if not url.startswith("postgresql"):  # another server, or not a URL: the usual way says
        return None
    owner = current_owner()
    timeout = OFFLINE_CONNECT_TIMEOUT_S if state.offline else PG_CONNECT_TIMEOUT_S
    now = clock_from_env().now()
    document = snapshot.fetch_early(url, owner, now, connect_timeout=timeout)
    from planner.services import planning, tracking  # the ORM loads while the server answers

    try:
        db = snapshot.from_document(document(), owner)
    except ServerUnreachable as exc:
        queue.went_offline(str(exc), now)
        return offline_status(args, queue, exc)
    if db is None:
        return None
    ctx = Context.over(db)
    try:
        with db.read() as s:
            writes = planning.needs_defaults(s, owner) or tracking.catch_up_due(
                s, owner, ctx.zone, ctx.now()
            )
        if writes:
            return None
        if state.offline:
            queue.came_online()
        ctx.queue = queue
        return cmd_status(ctx, args)
    finally:
        ctx.close()


def _local_zone() -> tzinfo:
    from planner.domain.clock import local_zone

    return local_zone()


# Commands that never write: the running app need not hear of them (`status` may follow the
# plan, so it is told).
READS = frozenset({"report", "export-ics"})


def main(argv: Sequence[str] | None = None, start_app: AppStarter | None = None) -> int:
    """The command line; `start_app` opens the GUI (injected by ui.shell.launcher: no Qt here).

    Everything it prints goes through planner.domain.printable: text from a calendar server or
    typed in earlier (summaries, titles, notes, names, error messages) cannot drive the
    terminal with escape sequences or reorder a line with bidi overrides."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = PrintableStream(out), PrintableStream(err)
    try:
        try:
            code = _main(argv, start_app)
        finally:
            out.flush()  # block-buffered into a pipe: most output is written only here
        return code
    except BrokenPipeError:
        if not _reader_gone(out, err):
            raise
        return _closed_pipe(out)
    finally:
        sys.stdout, sys.stderr = out, err


def _reader_gone(*streams: Any) -> bool:
    """Whether stdout or stderr is a pipe whose reading end was closed (`splitday … | head`):
    poll() reports POLLERR on the writing end then. Any other broken pipe (a socket, a child
    process) is an error to report."""
    import select

    for stream in streams:
        try:
            fd = stream.fileno()
            poller = select.poll()
            poller.register(fd, select.POLLOUT)
            if any(events & select.POLLERR for _, events in poller.poll(0)):
                return True
        except (AttributeError, OSError, ValueError):  # no real file behind it (a test's capture)
            continue
    return False


def _closed_pipe(out: Any) -> int:
    """The reader went away: stop quietly with the status of a tool killed by SIGPIPE (what
    `cmd | head` gives for `yes`, `git log`, `grep`), as the Python docs advise, pointing stdout
    at /dev/null so that the interpreter's last flush does not complain again."""
    import signal

    with contextlib.suppress(AttributeError, OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)
    return 128 + signal.SIGPIPE


def _main(argv: Sequence[str] | None, start_app: AppStarter | None) -> int:
    started = time.perf_counter()
    try:
        code = run(sys.argv[1:] if argv is None else argv, start_app)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError as exc:  # the reader of stdout went away: main() ends quietly
        if _reader_gone(sys.stdout, sys.stderr):
            raise
        return _report(exc)
    except CliError as exc:
        print(f"splitday: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CommandFailed as exc:
        print(f"splitday: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # the boundary: one line for the user, never a traceback
        return _report(exc)
    if os.environ.get("SPLITDAY_TIMING"):
        print(
            f"[{(time.perf_counter() - started) * 1000:.1f} ms]", file=sys.stderr
        )  # not translated: a developer's timing
    return code


def _report(exc: Exception) -> int:
    from planner.domain.errors import PlannerError
    from planner.storage.db import StorageError

    if isinstance(exc, PlannerError | StorageError | ValueError):
        print(f"splitday: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        from sqlalchemy.exc import OperationalError, SQLAlchemyError

        if isinstance(exc, OperationalError):
            print(tr("splitday: database error: {reason}").format(reason=exc.orig), file=sys.stderr)
            return EXIT_ERROR
        if isinstance(exc, SQLAlchemyError):  # the driver's words, not the statement
            reason = getattr(exc, "orig", None) or exc
            first = " ".join(str(reason).split(" [SQL:", 1)[0].split())
            print(tr("splitday: database error: {reason}").format(reason=first), file=sys.stderr)
            return EXIT_ERROR
    except ImportError:
        pass
    print(
        tr("splitday: unexpected error: {kind}: {reason}").format(
            kind=type(exc).__name__, reason=exc
        ),
        file=sys.stderr,
    )
    if os.environ.get("SPLITDAY_DEBUG"):
        raise exc
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
