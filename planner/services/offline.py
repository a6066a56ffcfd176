"""Changes made while the shared server was away, applied when it is back; and the day as
this device shows it meanwhile.

`apply` runs one waiting change (planner.storage.pending) in the caller's session, at the
moment it was made — the interruption starts at the key press, not at the delivery — through
the same workflows the commands use when the server answers. The queue inserts the change's
uid in the same transaction (exactly once) and owns the commit.

A task edit names its task by uid (a task added offline has no server id yet) and carries what
the device saw of it (`task_seen`). If the row changed meanwhile on the server — its version
differs and so does a field a person sees (the fit moving tasks between slots bumps versions
too, and is no conflict) — the edit is refused (kept aside and said), never applied blindly.

`view` lays the waiting changes over what was last seen (the log and today's tasks), so the
window shows at once what was kept: the interruption running since the key press, a task
added or checked off (marked as waiting). Rows that exist only on this device have ids below 0.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.domain.errors import PlannerError
from planner.domain.i18n import N_, tr
from planner.domain.values import Change, EntryV, PlanV, RoleV, SlotV, TaskV
from planner.services import day, planning, tracking
from planner.storage.models import Slot, Task
from planner.storage.pending import PendingChange

TRACKING_KINDS = ("interrupt", "resume", "start", "stop")
TASK_KINDS = ("task_add", "task_status", "task_edit")
SLOT_KINDS = ("slot_edit",)  # a slot moved, resized or given another role
# What a person sees of a task: a change of one of these on the server meanwhile is a conflict
SEEN_FIELDS = ("title", "status", "estimate_minutes", "role_id", "day")
TASK_STATUSES = ("open", "done", "dropped")


class ChangedMeanwhile(PlannerError):
    """The row a kept edit was made on changed on the server meanwhile: refused, not applied."""


def zone_name(zone: tzinfo) -> str | None:
    """The IANA name of a zone, kept with a change so it is delivered in the zone it was made."""
    key = getattr(zone, "key", None)
    return str(key) if key else None


def _zone(change: PendingChange, fallback: tzinfo) -> tzinfo:
    name = change.fields.get("zone")
    if not name:
        return fallback
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def _role_id(session: Session, owner: str, fields: dict[str, Any]) -> int | None:
    if fields.get("role_id") is not None:
        return int(fields["role_id"])
    if fields.get("role"):
        return planning.find_role(session, owner, str(fields["role"])).id
    return None


def apply(
    session: Session,
    owner: str,
    zone: tzinfo,
    change: PendingChange,
    *,
    now: datetime | None = None,
) -> Change:
    """Carry out one waiting change as of the moment it was made (never commits).

    `now` is the delivery's real time. The change is stamped at its own moment, but "not in
    the future" is judged against `now`: another device may have logged, and delivered, time
    after this change's moment (its work then goes on past it — shared-day finding 1: a
    change delivered after a later one from the other device was refused as "in the future"
    and never reached the server)."""
    at = change.at
    real_now = max(at, now) if now is not None else at
    zone = _zone(change, zone)
    fields = change.fields
    if change.kind == "interrupt":
        minutes = fields.get("minutes")
        _, done = tracking.interrupt(
            session,
            owner,
            zone,
            at,
            note=str(fields.get("note") or ""),
            role_id=_role_id(session, owner, fields),
            source=str(fields.get("source") or ""),
            minutes=float(minutes) if minutes is not None else None,
            now=real_now,
            before_later=True,
        )
        return done
    if change.kind == "resume":
        _, done = tracking.resume(session, owner, zone, at)
        return done
    if change.kind == "start":
        task = fields.get("task_id")
        _, done = day.start(
            session,
            owner,
            zone,
            at,
            role_id=_role_id(session, owner, fields),
            task_id=int(task) if task is not None else None,
        )
        return done
    if change.kind == "stop":
        return day.pause(session, owner, zone, at)
    if change.kind == "task_add":
        role_id = _role_id(session, owner, fields)
        if role_id is None:
            raise PlannerError(tr("a task needs a role"))
        due = fields.get("due")
        _, done = planning.add_task(
            session,
            owner,
            str(fields.get("title") or ""),
            role_id,
            now=at,
            day=date.fromisoformat(fields["day"]) if fields.get("day") else None,
            estimate_minutes=int(fields.get("estimate_minutes") or 30),
            priority=int(fields["priority"]) if fields.get("priority") is not None else None,
            due_at=datetime.fromisoformat(due) if due else None,
            uid=str(fields["uid"]),
        )
        return done
    if change.kind == "task_status":
        row = _server_task(session, owner, fields)
        _, done = planning.set_task_status(session, owner, row.id, str(fields["status"]), at)
        return done
    if change.kind == "task_edit":
        row = _server_task(session, owner, fields)
        estimate = fields.get("estimate_minutes")
        role_id = fields.get("role_id")
        _, done = planning.update_task(
            session,
            owner,
            row.id,
            title=fields.get("title"),
            estimate_minutes=int(estimate) if estimate is not None else None,
            role_id=int(role_id) if role_id is not None else None,
        )
        return done
    if change.kind == "slot_edit":
        slot = _server_slot(session, owner, fields)
        moment = {k: datetime.fromisoformat(fields[k]) for k in ("start", "end") if fields.get(k)}
        role_id = fields.get("role_id")
        _, done = planning.update_slot(
            session,
            owner,
            zone,
            slot.id,
            start=moment.get("start"),
            end=moment.get("end"),
            role_id=int(role_id) if role_id is not None else None,
            title=fields.get("title"),
        )
        return done
    raise PlannerError(
        tr("this Splitday does not know the change {kind!r}").format(kind=change.kind)
    )


def describe(change: PendingChange, zone: tzinfo) -> str:
    """One line for a waiting change: '10:42 interruption — printer down (phone)'."""
    local = change.at.astimezone(zone)
    fields = change.fields
    hhmm = f"{local:%H:%M}"
    if change.kind == "interrupt":
        if fields.get("minutes"):
            minutes = round(float(fields["minutes"]))
            what = tr("{hhmm} interruption of {minutes} min").format(hhmm=hhmm, minutes=minutes)
        else:
            what = tr("{hhmm} interruption").format(hhmm=hhmm)
        extra = f" — {fields['note']}" if fields.get("note") else ""
        source = f" ({fields['source']})" if fields.get("source") else ""
        return f"{what}{extra}{source}"
    if change.kind in TASK_KINDS:
        return f"{hhmm} {_task_words(change)}"
    if change.kind in SLOT_KINDS:
        name = fields.get("name") or ""
        if fields.get("start") or fields.get("end"):
            seen = fields.get("seen") or {}
            start = datetime.fromisoformat(fields.get("start") or seen["start"]).astimezone(zone)
            end = datetime.fromisoformat(fields.get("end") or seen["end"]).astimezone(zone)
            to = f"{start:%H:%M}–{end:%H:%M}"
            return tr("{hhmm} move slot {name} to {to}").format(hhmm=hhmm, name=name, to=to)
        return tr("{hhmm} change slot {name}").format(hhmm=hhmm, name=name)
    words = {"resume": N_("back to work"), "start": N_("start working"), "stop": N_("stop the log")}
    said = tr(words[change.kind]) if change.kind in words else change.kind
    if fields.get("role"):
        return tr("{hhmm} {what} on {role}").format(hhmm=hhmm, what=said, role=fields["role"])
    return f"{hhmm} {said}"


# ---------------------------------------------------------------- task edits kept offline


def task_seen(task: TaskV) -> dict[str, Any] | None:
    """What this device saw of a task when it kept an edit of it (None: a task added on this
    device, not on the server yet — nothing else can have changed it)."""
    if task.id < 0:
        return None
    return {
        "version": task.version,
        "title": task.title,
        "status": task.status,
        "estimate_minutes": task.estimate_minutes,
        "role_id": task.role_id,
        "day": task.day.isoformat() if task.day else None,
    }


def task_add_fields(
    title: str,
    role_id: int | None,
    estimate_minutes: int,
    day_: date | None,
    *,
    role: str | None = None,
    due_at: datetime | None = None,
    priority: int | None = None,
) -> dict[str, Any]:
    """The fields of a task added while the server is away (its uid made here); checked as
    the server would, so that what is kept will not be refused for its input."""
    clean = planning.task_title(title, estimate_minutes)
    return {
        "uid": str(uuid.uuid4()),
        "title": clean,
        "role_id": role_id,
        "role": role,
        "estimate_minutes": estimate_minutes,
        "day": day_.isoformat() if day_ else None,
        "due": due_at.isoformat() if due_at else None,
        "priority": priority,
    }


def task_status_fields(task: TaskV, status: str) -> dict[str, Any]:
    if status not in TASK_STATUSES:
        raise PlannerError(tr("unknown task status {status!r}").format(status=status))
    return {
        "task": task.uid,
        "id": task.id,
        "name": task.title,
        "seen": task_seen(task),
        "status": status,
    }


def task_edit_fields(
    task: TaskV,
    *,
    title: str | None = None,
    estimate_minutes: int | None = None,
    role_id: int | None = None,
) -> dict[str, Any]:
    if title is not None:
        title = " ".join(title.split())
        if not title:
            raise PlannerError(tr("a task needs a title"))
    if estimate_minutes is not None and not 0 < estimate_minutes <= 24 * 60:
        raise PlannerError(tr("an estimate is between 1 minute and 24 hours"))
    fields: dict[str, Any] = {
        "task": task.uid,
        "id": task.id,
        "name": task.title,
        "seen": task_seen(task),
    }
    for key, value in (
        ("title", title),
        ("estimate_minutes", estimate_minutes),
        ("role_id", role_id),
    ):
        if value is not None:
            fields[key] = value
    return fields


def task_id(session: Session, owner: str, task: TaskV) -> int:
    """The server's id of a task as a view shows it: one added on this device (id below 0)
    that was delivered meanwhile is found by its uid."""
    if task.id > 0:
        return task.id
    row = session.scalar(select(Task.id).where(Task.owner == owner, Task.uid == task.uid))
    if row is None:
        raise PlannerError(
            tr("the task {title!r} is not on the server yet").format(title=task.title)
        )
    return int(row)


def _server_task(session: Session, owner: str, fields: dict[str, Any]) -> Task:
    """The task a kept edit names, as the server has it now; refused if it changed there."""
    row = session.scalar(select(Task).where(Task.owner == owner, Task.uid == str(fields["task"])))
    seen = fields.get("seen") or {}
    title = seen.get("title") or fields.get("name") or fields["task"]
    if row is None:
        raise PlannerError(tr("the task {title!r} is no longer on the server").format(title=title))
    if seen and row.version != seen.get("version"):
        now = {
            "title": row.title,
            "status": row.status,
            "estimate_minutes": row.estimate_minutes,
            "role_id": row.role_id,
            "day": row.day.isoformat() if row.day else None,
        }
        differs = [key for key in SEEN_FIELDS if now[key] != seen.get(key)]
        if differs:
            raise ChangedMeanwhile(
                tr(
                    "the task {title!r} was changed meanwhile on another device ({what}); "
                    "the change made on this device was not applied"
                ).format(
                    title=title,
                    what=", ".join(f"{key}: {seen.get(key)!r} → {now[key]!r}" for key in differs),
                )
            )
    return row


def slot_seen(slot: SlotV) -> dict[str, Any]:
    return {
        "version": slot.version,
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "role_id": slot.role_id,
        "title": slot.title,
    }


def slot_edit_fields(
    slot: SlotV,
    zone: tzinfo,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    role_id: int | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """A slot moved, resized, given another role or title while the server is away."""
    new_start, new_end = start or slot.start, end or slot.end
    if new_end <= new_start:
        raise PlannerError(tr("a slot must end after it starts"))
    local = f"{slot.start.astimezone(zone):%H:%M}–{slot.end.astimezone(zone):%H:%M}"
    fields: dict[str, Any] = {"slot": slot.uid, "id": slot.id, "name": local}
    fields["seen"] = slot_seen(slot)
    if start is not None:
        fields["start"] = start.isoformat()
    if end is not None:
        fields["end"] = end.isoformat()
    if role_id is not None:
        fields["role_id"] = role_id
    if title is not None:
        fields["title"] = title
    return fields


def _server_slot(session: Session, owner: str, fields: dict[str, Any]) -> Slot:
    """The slot a kept edit names, as the server has it now; refused if it changed there."""
    row = session.scalar(select(Slot).where(Slot.owner == owner, Slot.uid == str(fields["slot"])))
    name = fields.get("name") or ""
    if row is None:
        raise PlannerError(tr("the slot {name} is no longer on the server").format(name=name))
    seen = fields.get("seen") or {}
    if seen and row.version != seen.get("version"):
        now = slot_seen(_slot_v(row))
        differs = [k for k in ("start", "end", "role_id", "title") if now[k] != seen.get(k)]
        if differs:
            raise ChangedMeanwhile(
                tr(
                    "the slot {name} was changed meanwhile on another device ({what}); "
                    "the change made on this device was not applied"
                ).format(name=name, what=", ".join(differs))
            )
    return row


def _slot_v(row: Slot) -> SlotV:
    return SlotV(
        row.id, row.day, row.start, row.end, row.role_id, row.title, row.origin, row.pinned
    )


# ---------------------------------------------------------------- the day as shown offline


@dataclass(frozen=True)
class OfflineView:
    """What was last seen with the waiting changes laid over it."""

    entries: tuple[EntryV, ...]
    tasks: tuple[TaskV, ...]
    waiting: frozenset[str]  # uids of the tasks and slots a waiting change touches
    state: day.DayState | None  # the day's state after the waiting changes (None: unchanged)
    running: str  # what runs after them, in words ('' when they do not say)
    slots: tuple[SlotV, ...] = ()


def _role_of(fields: dict[str, Any], roles: Sequence[RoleV]) -> int | None:
    if fields.get("role_id") is not None:
        return int(fields["role_id"])
    wanted = str(fields.get("role") or "").strip().casefold()
    if not wanted:
        return None
    return next((r.id for r in roles if r.name.casefold() == wanted), None)


def _close_running(entries: list[EntryV], at: datetime) -> EntryV | None:
    """End every running entry at `at`; the last one that ran."""
    last = None
    for i, entry in enumerate(entries):
        if entry.end is None:
            last = entry
            entries[i] = replace(entry, end=max(at, entry.start))
    return last


def _lay_tracking(entries: list[EntryV], change: PendingChange, roles: Sequence[RoleV]) -> None:
    at, fields, kid = change.at, change.fields, -change.seq
    if change.kind == "interrupt":
        role_id = _role_of(fields, roles)
        note, source = str(fields.get("note") or ""), str(fields.get("source") or "")
        if fields.get("minutes"):  # logged afterwards, with its length: the log goes on
            end = at + timedelta(minutes=float(fields["minutes"]))
            entries.append(EntryV(kid, at, end, "interruption", role_id, None, None, note, source))
            return
        was = _close_running(entries, at)
        entries.append(
            EntryV(
                kid,
                at,
                None,
                "interruption",
                role_id,
                None,
                None,
                note,
                source,
                interrupted_entry_id=was.id if was is not None else None,
            )
        )
    elif change.kind == "resume":
        was = _close_running(entries, at)
        back = None
        if was is not None and was.interrupted_entry_id is not None:
            back = next((e for e in entries if e.id == was.interrupted_entry_id), None)
        back = back or next((e for e in reversed(entries) if e.kind == "work"), None)
        role_id = back.role_id if back is not None else None
        entries.append(EntryV(kid, at, None, "work", role_id, None, None, "", ""))
    elif change.kind == "start":
        _close_running(entries, at)
        task = fields.get("task_id")
        entries.append(
            EntryV(
                kid,
                at,
                None,
                "work",
                _role_of(fields, roles),
                int(task) if task is not None else None,
                None,
                "",
                "",
            )
        )
    elif change.kind == "stop":
        _close_running(entries, at)


def _lay_task(tasks: list[TaskV], change: PendingChange, shown: date | None) -> str | None:
    """Lay one task edit over the tasks; the uid of the task it touches."""
    fields = change.fields
    if change.kind == "task_add":
        on = date.fromisoformat(fields["day"]) if fields.get("day") else None
        if shown is not None and on != shown:
            return None  # another day's list
        top = max((t.priority for t in tasks), default=0)
        tasks.append(
            TaskV(
                -change.seq,
                str(fields.get("title") or ""),
                int(fields.get("role_id") or 0),
                on,
                top + 1,
                int(fields.get("estimate_minutes") or 30),
                "open",
                None,
                0,
                uid=str(fields["uid"]),
                due_at=datetime.fromisoformat(fields["due"]) if fields.get("due") else None,
            )
        )
        return str(fields["uid"])
    uid = str(fields.get("task") or "")
    for i, task in enumerate(tasks):
        if task.uid != uid:
            continue
        if change.kind == "task_status":
            status = str(fields["status"])
            slot = task.slot_id if status == "open" else None
            tasks[i] = replace(task, status=status, slot_id=slot)
        else:
            tasks[i] = replace(
                task,
                title=str(fields.get("title", task.title)),
                estimate_minutes=int(fields.get("estimate_minutes", task.estimate_minutes)),
                role_id=int(fields.get("role_id", task.role_id)),
            )
        return uid
    return None


def view(
    entries: Sequence[EntryV],
    tasks: Sequence[TaskV],
    waiting: Sequence[PendingChange],
    zone: tzinfo,
    *,
    roles: Sequence[RoleV] = (),
    shown: date | None = None,
    slots: Sequence[SlotV] = (),
) -> OfflineView:
    """The log and the tasks as last seen, with the waiting changes laid over them in order.
    `shown`: the day whose task list this is (a task added for another day is not in it)."""
    log, listed, planned = list(entries), list(tasks), list(slots)
    touched: set[str] = set()
    state: day.DayState | None = None
    for change in waiting:
        if change.kind in TRACKING_KINDS:
            _lay_tracking(log, change, roles)
            running = [e for e in log if e.end is None]
            if not running:
                state = day.DayState.STOPPED
            elif running[-1].kind == "interruption":
                state = day.DayState.INTERRUPTED
            else:
                chosen = running[-1].role_id is not None and change.kind == "start"
                state = day.DayState.OFF_PLAN if chosen else day.DayState.FOLLOWING
        elif change.kind in TASK_KINDS:
            uid = _lay_task(listed, change, shown)
            if uid:
                touched.add(uid)
        elif change.kind in SLOT_KINDS:
            uid = _lay_slot(planned, change)
            if uid:
                touched.add(uid)
    return OfflineView(
        tuple(log),
        tuple(listed),
        frozenset(touched),
        state,
        running_words(waiting, zone),
        tuple(planned),
    )


def _lay_slot(slots: list[SlotV], change: PendingChange) -> str | None:
    fields = change.fields
    for i, slot in enumerate(slots):
        if slot.uid == fields.get("slot"):
            slots[i] = replace(
                slot,
                start=datetime.fromisoformat(fields["start"])
                if fields.get("start")
                else slot.start,
                end=datetime.fromisoformat(fields["end"]) if fields.get("end") else slot.end,
                role_id=int(fields.get("role_id", slot.role_id)),
                title=str(fields.get("title", slot.title)),
            )
            return slot.uid
    return None


def day_status(plan: PlanV, view_: OfflineView, now: datetime) -> day.DayStatus | None:
    """Today's state after the waiting tracking changes (None: they do not change it)."""
    from planner.domain.day_rules import focus_at

    if view_.state is None:
        return None
    running = [e for e in view_.entries if e.end is None]
    return day.DayStatus(
        plan.day,
        view_.state,
        running[-1] if running else None,
        None,
        focus_at(plan.slots, plan.meetings, now, plan.breaks),
        after_stop=now >= plan.day.stop,
    )


def running_words(waiting: Sequence[PendingChange], zone: tzinfo) -> str:
    """What runs after the waiting tracking changes, in words ('' when they do not say)."""
    for change in reversed(waiting):
        hhmm = f"{change.at.astimezone(zone):%H:%M}"
        if change.kind == "interrupt" and not change.fields.get("minutes"):
            note = change.fields.get("note")
            since = tr("interruption since {hhmm}").format(hhmm=hhmm)
            return since + (f" — {note}" if note else "")
        if change.kind == "resume":
            return tr("back to work since {hhmm}").format(hhmm=hhmm)
        if change.kind == "stop":
            return tr("nothing")
        if change.kind == "start":
            return tr("working since {hhmm}").format(hhmm=hhmm)
    return ""


def _task_words(change: PendingChange) -> str:
    fields = change.fields
    title = fields.get("name") or fields.get("title") or ""
    if change.kind == "task_add":
        return tr("add task {title!r}").format(title=title)
    if change.kind == "task_status":
        words = {
            "done": N_("check off task {title!r}"),
            "open": N_("reopen task {title!r}"),
            "dropped": N_("delete task {title!r}"),
        }
        return tr(words.get(str(fields["status"]), N_("task {title!r}"))).format(title=title)
    if fields.get("title") and fields["title"] != title:
        return tr("rename task {title!r} to {new!r}").format(title=title, new=fields["title"])
    return tr("edit task {title!r}").format(title=title)
