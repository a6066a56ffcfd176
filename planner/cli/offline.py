"""The command line on a shared server that may be away: writes kept on this device, delivered
later; `status` and `plan` from what was last seen; `splitday sync`.

Only a PostgreSQL (any non-SQLite) URL has a pending queue: the SQLite file is on this device.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from planner.cli.common import Context, _print_json, print_status
from planner.cli.common import _tell_the_app as tell
from planner.domain.i18n import ntr, tr

if TYPE_CHECKING:
    from planner.storage.pending import DeliveryReport, OfflineState, PendingQueue

QUEUED = frozenset({"interrupt", "resume", "start", "stop"})
TASK_EDITS = frozenset({"add", "done", "undone", "rename", "rm"})  # `splitday task ACTION`
TASK_STATUS = {"done": "done", "undone": "open", "rm": "dropped"}
# the kind of change each `splitday task ACTION` is kept as while the shared server is away
TASK_KINDS = {
    "add": "task_add",
    "done": "task_status",
    "undone": "task_status",
    "rm": "task_status",
    "rename": "task_edit",
}


OFFLINE_CONNECT_TIMEOUT_S = 3  # known to be offline: the hotkey does not wait 10 s to learn it
DELIVER_FOR_S = 12 * 3600  # how long a background deliverer keeps trying


def shared_url(db: str | None) -> str | None:
    """The server URL when the database is a shared server (PostgreSQL; not this device's
    SQLite file). Anything else is no server to be offline from: opening it says what is wrong
    with the URL (was: `--db nonsense://x` said "offline since …" and exited 0)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from planner.platform.paths import resolve_url

    url = resolve_url(db)
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        return None
    return url if backend == "postgresql" else None


def queue_for(db: str | None) -> PendingQueue | None:
    from planner.platform.paths import current_owner
    from planner.storage.pending import PendingQueue

    url = shared_url(db)
    if url is None:
        return None
    owner = os.environ.get("SPLITDAY_OWNER") or current_owner()
    return PendingQueue.for_database(url, owner)


def queued(args: argparse.Namespace) -> bool:
    """A write kept on this device while the server is away (the tracking commands, the
    task edits)."""
    if args.command == "task":
        return args.action in TASK_EDITS
    return args.command in QUEUED


def kind_of(args: argparse.Namespace) -> str:
    if args.command == "task":
        return TASK_KINDS[args.action]
    return str(args.command)


def _fields(args: argparse.Namespace, zone: tzinfo) -> dict[str, Any]:
    from planner.cli.common import parse_duration
    from planner.services.offline import zone_name

    fields: dict[str, Any] = {"zone": zone_name(zone)}
    if args.command == "interrupt":
        fields.update(
            note=" ".join(args.note),
            role=args.role,
            source=args.source or "",
            minutes=parse_duration(args.duration) if args.duration else None,
        )
    elif args.command == "start":
        fields.update(role=args.role, task_id=args.task)
    return fields


def deliver(ctx: Context, queue: PendingQueue) -> DeliveryReport:
    from planner.services import offline

    def apply(session: Any, change: Any) -> None:
        offline.apply(session, ctx.owner, ctx.zone, change, now=ctx.now())

    report = queue.deliver(ctx.db, apply, now=ctx.now)
    for refused in report.refused:
        line = offline.describe(refused.change, ctx.zone)
        print(
            tr(
                "splitday: the server refused a change kept on this device ({line}): {reason} "
                "— it is kept aside (`splitday sync` lists it)"
            ).format(line=line, reason=refused.reason),
            file=sys.stderr,
        )
    return report


def open_shared(db: str | None, queue: PendingQueue) -> tuple[Context | None, Exception | None]:
    """The context on the server, or the outage or refused login that kept it away."""
    from planner.storage.failures import DatabaseUnavailable

    state = queue.state()
    timeout = OFFLINE_CONNECT_TIMEOUT_S if state.offline or state.waiting else None
    try:
        ctx = Context(db, connect_timeout=timeout)
    except DatabaseUnavailable as exc:
        from planner.storage.failures import ServerUnreachable

        if isinstance(exc, ServerUnreachable):  # an outage; a refusal (a lead's login, a
            queue.went_offline(str(exc), _now())  # wrong password) is no "offline since"
        return None, exc
    return ctx, None


def run_queued(
    args: argparse.Namespace,
    pressed_at: datetime,
    queue: PendingQueue,
    handler: Callable[[Context, argparse.Namespace], int],
) -> int:
    """A write that must not be lost: on the server when it answers (after whatever waits
    here, in order), else kept on this device and acknowledged as such."""
    import uuid

    from planner.domain.clock import clock_from_env, local_zone
    from planner.storage.failures import DatabaseUnavailable

    zone = local_zone()
    at = pressed_at if args.command == "interrupt" else clock_from_env().now()
    fields = _fields(args, zone)  # a usage error (a bad duration) is said before anything
    uid = str(uuid.uuid4())
    ctx, away = open_shared(args.db, queue)
    if ctx is None:
        return _keep(queue, args, at, fields, uid, away, zone)
    try:
        if queue.count():
            report = deliver(ctx, queue)
            if report.left:  # the server went away again, or another process delivers:
                return _keep(queue, args, at, fields, uid, report.error or None, zone)
        ctx.change_uid, ctx.at = uid, at
        try:
            return handler(ctx, args)
        except DatabaseUnavailable as exc:  # lost on the way (maybe committed: the uid tells)
            return _keep(queue, args, at, fields, uid, exc, zone)
    finally:
        ctx.close()


def _keep(
    queue: PendingQueue,
    args: argparse.Namespace,
    at: datetime,
    fields: dict[str, Any],
    uid: str,
    why: Exception | str | None,
    zone: tzinfo,
) -> int:
    from planner.services import offline
    from planner.storage.failures import LoginRefused

    if args.command == "task":  # from what this device saw of the tasks (said if nothing)
        fields = {**fields, **_task_fields(args, queue, zone, at)}
    change = queue.add(kind_of(args), at, fields, uid=uid)
    if why is not None:
        queue.went_offline(str(why), _now())
    state = queue.state()
    what = offline.describe(change, zone)
    if isinstance(why, LoginRefused):
        refusal = str(why)
        print(
            tr(
                "saved on this device: {what}. {refusal}; it is delivered once the login "
                "works ({state})."
            ).format(
                what=what, refusal=refusal[:1].upper() + refusal[1:], state=state.describe(zone)
            )
        )
    else:
        reason = _short(str(why)) if why else tr("is busy with another delivery")
        print(
            tr(
                "saved on this device: {what}. The server at {where} {reason}: {state}, "
                "delivered when it is back."
            ).format(what=what, where=queue.where, reason=reason, state=state.describe(zone))
        )
    spawn_deliverer(args.db)
    if args.command == "task" and not args.db:  # the running app shows it in its list at once
        tell()
    return 0


def tasks_seen_json(today: Any, tasks: list[Any], roles: list[Any]) -> dict[str, Any]:
    """What a shared server's tasks looked like (versions too), kept for editing offline."""
    return {
        "today": today.isoformat(),
        "roles": [{"id": r.id, "name": r.name} for r in roles],
        "tasks": [
            {
                "id": t.id,
                "uid": t.uid,
                "title": t.title,
                "role_id": t.role_id,
                "day": t.day.isoformat() if t.day else None,
                "priority": t.priority,
                "estimate_minutes": t.estimate_minutes,
                "status": t.status,
                "version": t.version,
            }
            for t in tasks
        ],
    }


def _seen_tasks(queue: PendingQueue) -> tuple[dict[str, Any], list[Any]]:
    """The tasks as last seen on the server, with what waits on this device laid over them."""
    from datetime import date

    from planner.domain.values import RoleV, TaskV
    from planner.services import offline

    seen = queue.snapshot("tasks")
    data: dict[str, Any] = seen[1] if seen else {"roles": [], "tasks": []}
    tasks = [
        TaskV(
            int(t["id"]),
            str(t["title"]),
            int(t["role_id"]),
            date.fromisoformat(t["day"]) if t.get("day") else None,
            int(t["priority"]),
            int(t["estimate_minutes"]),
            str(t["status"]),
            None,
            0,
            uid=str(t["uid"]),
            version=int(t["version"]),
        )
        for t in data["tasks"]
    ]
    roles = [RoleV(int(r["id"]), str(r["name"]), "", 0.0, 0, False) for r in data["roles"]]
    shown = offline.view([], tasks, queue.waiting(), _zone(), roles=roles)
    return data, list(shown.tasks)


def _zone() -> tzinfo:
    from planner.domain.clock import local_zone

    return local_zone()


def _task_fields(
    args: argparse.Namespace, queue: PendingQueue, zone: tzinfo, at: datetime
) -> dict[str, Any]:
    """The fields of a task edit kept offline: checked against what this device saw."""
    from planner.cli.common import CommandFailed, parse_date, parse_duration
    from planner.domain.errors import PlannerError
    from planner.services import offline

    data, tasks = _seen_tasks(queue)
    try:
        if args.action == "add":
            wanted = args.role.strip().casefold()
            role = next((r for r in data["roles"] if r["name"].casefold() == wanted), None)
            if role is None and data["roles"]:
                raise CommandFailed(
                    tr(
                        "no role {role!r} was seen on this device before the server went away"
                    ).format(role=args.role)
                )
            on = parse_date(args.day, at.astimezone(zone).date())
            due = None
            if args.due:
                from planner.domain.timerange import local_wall_time, parse_hhmm

                due = local_wall_time(on, parse_hhmm(args.due), zone)
            return offline.task_add_fields(
                " ".join(args.title),
                role["id"] if role else None,
                parse_duration(args.estimate),
                on,
                role=args.role,
                due_at=due,
                priority=args.priority,
            )
        task = next((t for t in tasks if t.id == args.id), None)
        if task is None:
            raise CommandFailed(
                tr(
                    "task {id} was not seen on this device before the server went away "
                    "(`splitday task list` shows the tasks it saw); nothing was kept"
                ).format(id=args.id)
            )
        if args.action == "rename":
            return offline.task_edit_fields(task, title=" ".join(args.title))
        return offline.task_status_fields(task, TASK_STATUS[args.action])
    except PlannerError as exc:
        raise CommandFailed(str(exc)) from exc


def offline_tasks(args: argparse.Namespace, queue: PendingQueue, away: Exception) -> int:
    """`task list` while the server is away: the tasks as last seen, with the edits kept here."""
    from planner.cli.common import parse_date

    zone = _zone()
    state = queue.state()
    waiting = {str(c.fields.get("task") or c.fields.get("uid")) for c in queue.waiting()}
    data, tasks = _seen_tasks(queue)
    today = _now().astimezone(zone).date()
    day = None if args.all else parse_date(args.day, today)
    shown = [t for t in tasks if day is None or t.day == day]
    if args.json:
        _print_json(
            {
                "tasks": [
                    {
                        "id": t.id if t.id > 0 else None,
                        "uid": t.uid,
                        "title": t.title,
                        "status": t.status,
                        "estimate_minutes": t.estimate_minutes,
                        "day": t.day.isoformat() if t.day else None,
                        "waiting": t.uid in waiting,
                    }
                    for t in shown
                    if t.status != "dropped"
                ],
                "sync": sync_json(state, zone),
            }
        )
        return 0
    print(_header(queue, state, away, zone))
    names = {r["id"]: r["name"] for r in data["roles"]}
    named = {  # a task added here for a role this device never saw: the name typed
        str(c.fields.get("uid")): str(c.fields.get("role") or "?")
        for c in queue.waiting()
        if c.kind == "task_add"
    }
    for t in shown:
        if t.status == "dropped":
            continue
        mark = "x" if t.status == "done" else " "
        number = f"{t.id:>4}" if t.id > 0 else "   ·"
        kept = tr("  (saved on this device, waiting)") if t.uid in waiting else ""
        print(
            f"[{mark}] {number}  {t.title}  ({names.get(t.role_id) or named.get(t.uid, '?')}, "
            f"{t.estimate_minutes}m){kept}"
        )
    if not shown:
        print(tr("no tasks were seen on this device for that day"))
    return 0


def _now() -> datetime:
    from planner.domain.clock import clock_from_env

    return clock_from_env().now()


def _short(reason: str) -> str:
    """'cannot be reached (connection refused)' out of the long explanation."""
    for key in ("cannot be reached", "refused the login", "knows no user", "has no database"):
        if key in reason:
            return key + reason.split(key, 1)[1].split(";", 1)[0].split(" — ", 1)[0]
    return f"is away ({reason})"


def spawn_deliverer(db: str | None) -> None:
    """Start `splitday sync --wait` in the background (it leaves at once if one runs): the
    changes are delivered when the server is back, with no action from the user."""
    if os.environ.get("SPLITDAY_NO_DELIVERER"):
        return
    if getattr(sys, "frozen", False):
        command = [sys.executable]
    else:
        command = [sys.executable, "-m", "planner.cli.main"]
    command += [*(["--db", db] if db else []), "sync", "--wait", "--quiet"]
    try:
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:  # the change is kept all the same; the next command delivers it
        print(
            tr("splitday: warning: cannot start the background delivery: {exc}").format(exc=exc),
            file=sys.stderr,
        )


# ---------------------------------------------------------------- sync


def cmd_sync(args: argparse.Namespace) -> int:
    """Deliver what waits on this device now (with --wait: until the queue is empty)."""
    from planner.domain.clock import local_zone
    from planner.services import offline

    queue = queue_for(args.db)
    if queue is None:
        print(tr("nothing to deliver: the database is this device's own file"))
        return 0
    zone = local_zone()
    if args.retry_refused:
        print(
            ntr(
                "{n} refused change put back in the queue",
                "{n} refused changes put back in the queue",
                back := queue.retry_refused(),
            ).format(n=back)
        )
    if not args.wait:
        _sync_once(args, queue, zone)
    else:
        with queue.delivering("waiter") as mine:
            if not mine:  # another one waits for the server already
                return 0
            deadline = time.monotonic() + float(
                os.environ.get("SPLITDAY_DELIVER_FOR", DELIVER_FOR_S)
            )
            pause = 0.5
            while not _sync_once(args, queue, zone):
                if time.monotonic() > deadline:
                    return 1
                time.sleep(pause)
                pause = min(pause * 2, 10.0)
    refused = queue.refused()
    refused = queue.refused()
    if refused and not args.quiet:
        print(
            ntr(
                "{n} change the server refused, kept on this device:",
                "{n} changes the server refused, kept on this device:",
                len(refused),
            ).format(n=len(refused))
        )
        for item in refused:
            print(f"  {offline.describe(item.change, zone)}: {item.reason}")
        if args.forget_refused:
            queue.forget_refused()
            print(tr("forgotten"))
    if args.json:
        state = queue.state()
        _print_json(sync_json(state, zone))
    return 0


def _sync_once(args: argparse.Namespace, queue: PendingQueue, zone: tzinfo) -> bool:
    """One round of delivery; True when nothing waits any more."""
    if args.wait and queue.count() == 0:
        return True
    report = None
    ctx, away = open_shared(args.db, queue)
    if ctx is not None:
        try:
            report = deliver(ctx, queue)
        finally:
            ctx.close()
        if report.delivered or report.already:
            _tell_the_app(args.db)
    if not args.quiet:
        _say(queue, report, away, zone)
    return report is not None and not report.busy and report.left == 0


def _tell_the_app(db: str | None) -> None:
    if db:
        return
    tell()


def _say(
    queue: PendingQueue, report: DeliveryReport | None, away: Exception | None, zone: tzinfo
) -> None:
    state = queue.state()
    if report is None:
        print(
            tr("the server at {where} is away ({away}); {state}").format(
                where=queue.where, away=away, state=state.describe(zone)
            )
        )
        return
    done = report.delivered + report.already
    if report.busy:
        print(tr("another Splitday is delivering; {waiting} waiting").format(waiting=state.waiting))
    elif report.error:
        print(
            tr("delivered {done}; then: {error}; {state}").format(
                done=done, error=report.error, state=state.describe(zone)
            )
        )
    else:
        print(
            ntr(
                "delivered {n} change to {where}; nothing waits",
                "delivered {n} changes to {where}; nothing waits",
                done,
            ).format(n=done, where=queue.where)
        )


def sync_json(state: OfflineState, zone: tzinfo) -> dict[str, Any]:
    return state.as_json(zone)


# ---------------------------------------------------------------- status and plan offline


def offline_status(args: argparse.Namespace, queue: PendingQueue, away: Exception) -> int:
    """`status` while the server is away: what was last seen, and what waits here."""
    from planner.domain.clock import clock_from_env, local_zone
    from planner.services import offline

    zone = local_zone()
    state = queue.state()
    seen = queue.snapshot("status")
    waiting = queue.waiting()
    if args.json:
        data: dict[str, Any] = dict(seen[1]) if seen else {}
        data["sync"] = {
            **sync_json(state, zone),
            "as_of": seen[0].astimezone(zone).isoformat(timespec="seconds") if seen else None,
            "changes": [offline.describe(c, zone) for c in waiting],
        }
        _print_json(data)
        return 0
    now = clock_from_env().now().astimezone(zone)
    print(_header(queue, state, away, zone))
    print(
        tr(
            "  interruptions, resume, start, stop and task edits are kept here and delivered "
            "when it is back"
        )
    )
    if seen is None:
        print(tr("nothing of today was seen before the server went away"))
    else:
        at, data = seen
        print(
            tr("as last seen at {seen:%H:%M} (now {now:%H:%M}):").format(
                seen=at.astimezone(zone), now=now
            )
        )
        print_status(data)
    if waiting:
        print(tr("waiting: ") + "\n         ".join(offline.describe(c, zone) for c in waiting))
        last = _running_after(waiting, zone)
        if last:
            print(tr("running: {last} (on this device, not yet delivered)").format(last=last))
    return 0


def _header(queue: PendingQueue, state: OfflineState, away: Exception, zone: tzinfo) -> str:
    """'offline since 10:42 — 3 changes waiting: the server at … cannot be reached (…)'."""
    return tr("{state}: the server at {where} {reason}").format(
        state=state.describe(zone) or tr("offline"), where=queue.where, reason=_short(str(away))
    )


def _running_after(waiting: list[Any], zone: tzinfo) -> str:
    """What runs after the waiting tracking changes, in words ('' when they do not say)."""
    from planner.services.offline import running_words

    return running_words(waiting, zone)


def offline_plan(args: argparse.Namespace, queue: PendingQueue, away: Exception) -> int:
    from planner.domain.clock import local_zone

    zone = local_zone()
    seen = queue.snapshot("plan")
    state = queue.state()
    if args.json:
        data: dict[str, Any] = dict(seen[1]) if seen else {}
        data["sync"] = sync_json(state, zone)
        _print_json(data)
        return 0
    print(_header(queue, state, away, zone))
    if seen is None:
        print(tr("today's plan was not seen before the server went away"))
        return 0
    at, data = seen
    print(
        tr("the plan of {day} as last seen at {seen:%H:%M}:").format(
            day=data.get("date"), seen=at.astimezone(zone)
        )
    )
    for slot in data.get("slots", []):
        print(
            f"  {slot['start'][11:16]}–{slot['end'][11:16]}  {slot['role'] or '?':<12} "
            f"{slot['title']}".rstrip()
        )
    for meeting in data.get("meetings", []):
        if not meeting.get("all_day"):
            print(
                tr("  {start}–{end}  meeting      {summary}").format(
                    start=meeting["start"][11:16],
                    end=meeting["end"][11:16],
                    summary=meeting["summary"],
                )
            )
    return 0
