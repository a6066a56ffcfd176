"""Undo and redo of every plan edit, in the core: a journal of steps, each the rows it changed.

Why a table (`undo_step`) and not an in-memory journal: a step is written in the same
transaction as the edit it records, and undone or redone in the same transaction as the rows
it puts back, so the journal can never disagree with the data (a failed commit, a crash or a
second window cannot leave a step behind that points at nothing, or lose one that happened);
it survives a restart; and it is per owner, as every row is.

Why uids: a step names slots and tasks by their client-made uid, never by id. A restored slot
gets a new id (PostgreSQL never reuses one; SQLite may give the old one to another row), while
its uid stays, so every later step still finds it.

Why a diff: a step stores the state before and after of every slot, task and day's hours
(with the day's breaks: lunch moved or skipped, the short breaks an Auto-split wrote) the edit
changed (captured over the days it touches), so one mechanism undoes every edit — a
move, a delete with the tasks in the slot, auto-split, re-flow, carry-over, a reorder — with
no hand-written inverse per edit to get wrong. An undo (or redo) whose rows were changed since
by something else (the CLI, another device) is refused rather than guessed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from planner.domain.errors import PlannerError
from planner.domain.i18n import tr
from planner.domain.values import Change, StepV, Topic
from planner.services import planning
from planner.storage import conflicts
from planner.storage.models import Entry, PlannedBreak, Slot, Task, UndoStep

KEEP = 200  # steps kept per owner
State = dict[str, Any]  # a row's plan fields, JSON-ready

SLOT_FIELDS = ("day", "start", "end", "role_id", "title", "origin", "pinned")
TASK_FIELDS = (
    "title",
    "role_id",
    "day",
    "priority",
    "estimate_minutes",
    "status",
    "carried_over",
    "created_at",
    "done_at",
    "due_at",
    "slot_pinned",
)
DAY_FIELDS = ("start", "stop", "min_block_minutes", "breaks")
_DATES = frozenset({"day"})
_TIMES = frozenset({"start", "end", "stop", "created_at", "done_at", "due_at"})


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _typed(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in _DATES:
        return date.fromisoformat(value)
    if key in _TIMES:
        return datetime.fromisoformat(value)
    return value


def _slot_state(row: Slot) -> State:
    return {f: _plain(getattr(row, f)) for f in SLOT_FIELDS}


def _task_state(row: Task, slot_uid: str | None) -> State:
    state = {f: _plain(getattr(row, f)) for f in TASK_FIELDS}
    state["slot_uid"] = slot_uid
    return state


_FRESH = {"populate_existing": True}  # the database's values (FKs may have set NULL under us)


def _break_rows(session: Session, owner: str, day: date) -> list[PlannedBreak]:
    query = (
        select(PlannedBreak)
        .where(PlannedBreak.owner == owner, PlannedBreak.day == day)
        .execution_options(**_FRESH)
    )
    return list(session.scalars(query))


def _breaks_state(session: Session, owner: str, day: date) -> list[list[Any]]:
    """The day's written breaks (lunch, short breaks) as [kind, start, end, skipped], sorted:
    a day's breaks have no identity worth keeping, only where they are and whether skipped."""
    return sorted(
        [b.kind, _plain(b.start), _plain(b.end), bool(b.skipped)]
        for b in _break_rows(session, owner, day)
    )


def _day_state(session: Session, owner: str, zone: tzinfo, day: date) -> State:
    v = planning.get_day(session, owner, day, zone)
    return {
        "start": _plain(v.start),
        "stop": _plain(v.stop),
        "min_block_minutes": v.min_block_minutes,
        "breaks": _breaks_state(session, owner, day),
    }


def _put_breaks(session: Session, owner: str, day: date, breaks: list[list[Any]]) -> None:
    """The day's breaks as `breaks` says (rows written anew)."""
    for row in _break_rows(session, owner, day):
        session.delete(row)
    session.flush()
    for kind, start, end, skipped in breaks:
        session.add(
            PlannedBreak(
                owner=owner,
                day=day,
                start=_typed("start", start),
                end=_typed("end", end),
                kind=kind,
                skipped=bool(skipped),
            )
        )


@dataclass(frozen=True)
class Snapshot:
    """The plan rows of some days (and the undated tasks), keyed on uid (days on their date)."""

    days: frozenset[date]
    slots: dict[str, State]
    tasks: dict[str, State]
    day_rows: dict[str, State]
    links: dict[str, list[int]] = field(default_factory=dict)  # slot uid -> entries on it


def _slots_where(session: Session, owner: str, *where: Any) -> list[Slot]:
    query = select(Slot).where(Slot.owner == owner, *where).execution_options(**_FRESH)
    return list(session.scalars(query))


def _tasks_where(session: Session, owner: str, *where: Any) -> list[tuple[Task, str | None]]:
    query = (
        select(Task, Slot.uid)
        .outerjoin(Slot, Task.slot_id == Slot.id)
        .where(Task.owner == owner, *where)
        .execution_options(**_FRESH)
    )
    return [(task, uid) for task, uid in session.execute(query)]


def capture(session: Session, owner: str, zone: tzinfo, days: Iterable[date]) -> Snapshot:
    """The slots and tasks of `days`, the undated tasks, and the days' hours, as they are."""
    session.flush()
    scope = frozenset(days)
    slot_rows = _slots_where(session, owner, Slot.day.in_(sorted(scope))) if scope else []
    undated = Task.day.is_(None)
    task_where = or_(undated, Task.day.in_(sorted(scope))) if scope else undated
    links: dict[str, list[int]] = {}
    if slot_rows:
        by_id = {s.id: s.uid for s in slot_rows}
        lo = min(s.start for s in slot_rows) - timedelta(days=1)
        hi = max(s.end for s in slot_rows)
        for entry_id, slot_id in session.execute(
            select(Entry.id, Entry.slot_id).where(
                Entry.owner == owner,
                Entry.start >= lo,
                Entry.start < hi,
                Entry.slot_id.in_(sorted(by_id)),
            )
        ):
            if slot_id is not None:
                links.setdefault(by_id[slot_id], []).append(entry_id)
    return Snapshot(
        days=scope,
        slots={s.uid: _slot_state(s) for s in slot_rows},
        tasks={t.uid: _task_state(t, uid) for t, uid in _tasks_where(session, owner, task_where)},
        day_rows={d.isoformat(): _day_state(session, owner, zone, d) for d in sorted(scope)},
        links=links,
    )


def _changes(before: dict[str, State], after: dict[str, State]) -> list[dict[str, Any]]:
    return [
        {"uid": key, "before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


def diff(before: Snapshot, after: Snapshot) -> dict[str, Any] | None:
    """What changed from one snapshot to the other (None: nothing)."""
    slots = _changes(before.slots, after.slots)
    tasks = _changes(before.tasks, after.tasks)
    days = _changes(before.day_rows, after.day_rows)
    if not (slots or tasks or days):
        return None
    gone = {c["uid"] for c in slots if c["after"] is None}
    links = {uid: ids for uid, ids in before.links.items() if uid in gone}
    return {"slots": slots, "tasks": tasks, "days": days, "links": links}


# ---------------------------------------------------------------- recording


@dataclass
class Recorder:
    """Filled in when the `recorded` block ends: the step written, or why none was."""

    text: str
    step: StepV | None = None
    lost: bool = False  # the edit reached rows outside its days: the journal was cleared


@contextmanager
def recorded(
    session: Session,
    owner: str,
    zone: tzinfo,
    text: str,
    days: Iterable[date],
    now: datetime,
) -> Iterator[Recorder]:
    """Run a plan edit inside this block to record it as one undoable step.

    `days` are the days the edit touches (the slot's day, and the day it moves to; a task's
    day, the day it is carried to). Undated tasks are always looked at. Rows the edit moves
    out of those days are followed by uid; a row it moved in from a day not named cannot be
    put back, so the journal is then cleared (`lost`) rather than left wrong."""
    recorder = Recorder(text)
    scope = frozenset(days)
    before = capture(session, owner, zone, scope)
    created: list[Slot | Task] = []

    def collect(sess: Session, _context: Any, _instances: Any) -> None:
        created.extend(o for o in sess.new if isinstance(o, Slot | Task))

    event.listen(session, "before_flush", collect)
    try:
        yield recorder
        session.flush()
    finally:
        event.remove(session, "before_flush", collect)
    after = capture(session, owner, zone, scope)
    made = {o.uid for o in created}
    moved_in = (set(after.slots) - set(before.slots)) | (set(after.tasks) - set(before.tasks))
    if moved_in - made:
        clear(session, owner)
        recorder.lost = True
        return
    _follow_moved_out(session, owner, before, after)
    recorder.step = record(session, owner, text, before, after, now)


def _follow_moved_out(session: Session, owner: str, before: Snapshot, after: Snapshot) -> None:
    """Rows that left the days: deleted, or moved to another day (then their state there)."""
    slot_uids = sorted(set(before.slots) - set(after.slots))
    if slot_uids:
        for row in _slots_where(session, owner, Slot.uid.in_(slot_uids)):
            after.slots[row.uid] = _slot_state(row)
    task_uids = sorted(set(before.tasks) - set(after.tasks))
    if task_uids:
        for task, uid in _tasks_where(session, owner, Task.uid.in_(task_uids)):
            after.tasks[task.uid] = _task_state(task, uid)


def record(
    session: Session, owner: str, text: str, before: Snapshot, after: Snapshot, now: datetime
) -> StepV | None:
    """Write the step from `before` to `after` (None when nothing changed); a new step drops
    the steps that were undone (there is no redo past a new edit)."""
    payload = diff(before, after)
    if payload is None:
        return None
    session.execute(delete(UndoStep).where(UndoStep.owner == owner, UndoStep.undone.is_(True)))
    row = UndoStep(owner=owner, text=text[:200], payload=json.dumps(payload), created_at=now)
    session.add(row)
    session.flush()
    cutoff = session.scalar(
        select(UndoStep.id)
        .where(UndoStep.owner == owner)
        .order_by(UndoStep.id.desc())
        .offset(KEEP)
        .limit(1)
    )
    if cutoff is not None:
        session.execute(delete(UndoStep).where(UndoStep.owner == owner, UndoStep.id <= cutoff))
    return _step_v(row)


# ---------------------------------------------------------------- undo, redo


def _payload_days(payload: dict[str, Any]) -> tuple[date, ...]:
    days: set[date] = {date.fromisoformat(c["uid"]) for c in payload["days"]}
    for change in (*payload["slots"], *payload["tasks"]):
        for side in ("before", "after"):
            state = change[side]
            if state is not None and state.get("day"):
                days.add(date.fromisoformat(state["day"]))
    return tuple(sorted(days))


def _step_v(row: UndoStep) -> StepV:
    return StepV(row.id, row.text, row.undone, _payload_days(json.loads(row.payload)))


def _current(
    session: Session, owner: str, zone: tzinfo, payload: dict[str, Any]
) -> tuple[dict[str, State], dict[str, State], dict[str, State]]:
    slot_uids = [c["uid"] for c in payload["slots"]]
    task_uids = [c["uid"] for c in payload["tasks"]]
    slots = {
        s.uid: _slot_state(s)
        for s in (_slots_where(session, owner, Slot.uid.in_(slot_uids)) if slot_uids else [])
    }
    tasks = {
        t.uid: _task_state(t, uid)
        for t, uid in (_tasks_where(session, owner, Task.uid.in_(task_uids)) if task_uids else [])
    }
    days = {}
    for c in payload["days"]:
        state = _day_state(session, owner, zone, date.fromisoformat(c["uid"]))
        if "breaks" not in (c["before"] or c["after"] or {}):
            del state["breaks"]  # a step written before breaks were journalled
        days[c["uid"]] = state
    return slots, tasks, days


def _ids_of(session: Session, owner: str, uids: set[str]) -> dict[str, int]:
    if not uids:
        return {}
    query = select(Slot.uid, Slot.id).where(Slot.owner == owner, Slot.uid.in_(sorted(uids)))
    return {uid: slot_id for uid, slot_id in session.execute(query)}


def _apply(
    session: Session, owner: str, zone: tzinfo, payload: dict[str, Any], side: str, text: str
) -> Change:
    """Put every row of the step into its `side` state ("before": undo, "after": redo)."""
    other = "after" if side == "before" else "before"
    session.flush()
    slots_now, tasks_now, days_now = _current(session, owner, zone, payload)
    for changes, now_states in (
        (payload["slots"], slots_now),
        (payload["tasks"], tasks_now),
        (payload["days"], days_now),
    ):
        for change in changes:
            if now_states.get(change["uid"]) != change[other]:
                verb = "undone" if side == "before" else "redone"
                raise PlannerError(
                    tr("the plan was changed since “{text}”; nothing was {verb}").format(
                        text=text, verb=verb
                    )
                )
    slot_rows = {s.uid: s for s in _slots_where(session, owner, Slot.uid.in_(list(slots_now)))}
    for change in payload["slots"]:
        target = change[side]
        if target is None:
            continue
        values = {k: _typed(k, v) for k, v in target.items()}
        row = slot_rows.get(change["uid"])
        if row is None:
            session.add(Slot(owner=owner, uid=change["uid"], **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
    session.flush()
    wanted = {c[side]["slot_uid"] for c in payload["tasks"] if c[side] and c[side].get("slot_uid")}
    slot_ids = _ids_of(session, owner, wanted)
    task_rows = {t.uid: t for t, _ in _tasks_where(session, owner, Task.uid.in_(list(tasks_now)))}
    for change in payload["tasks"]:
        target = change[side]
        if target is None:
            continue
        values = {k: _typed(k, v) for k, v in target.items() if k != "slot_uid"}
        values["slot_id"] = slot_ids.get(target["slot_uid"]) if target["slot_uid"] else None
        task = task_rows.get(change["uid"])
        if task is None:
            session.add(Task(owner=owner, uid=change["uid"], **values))
        else:
            for key, value in values.items():
                setattr(task, key, value)
    session.flush()
    for change in payload["tasks"]:
        if change[side] is None and change["uid"] in task_rows:
            session.delete(task_rows[change["uid"]])
    for change in payload["slots"]:
        if change[side] is None and change["uid"] in slot_rows:
            session.delete(slot_rows[change["uid"]])
    session.flush()
    for change in payload["days"]:
        day = date.fromisoformat(change["uid"])
        planning.set_day_window(
            session,
            owner,
            day,
            zone,
            start=_typed("start", change[side]["start"]),
            stop=_typed("stop", change[side]["stop"]),
            min_block_minutes=int(change[side]["min_block_minutes"]),
        )
        if "breaks" in change[side]:
            _put_breaks(session, owner, day, change[side]["breaks"])
    if side == "before" and payload["links"]:  # entries that were on a slot put back
        restored = _ids_of(session, owner, set(payload["links"]))
        for uid, entry_ids in payload["links"].items():
            if uid in restored:
                session.execute(
                    update(Entry)
                    .where(Entry.owner == owner, Entry.id.in_(entry_ids), Entry.slot_id.is_(None))
                    .values(slot_id=restored[uid])
                )
    session.flush()
    topics = {Topic.SLOTS, Topic.TASKS}
    if payload["days"]:
        topics.add(Topic.DAY)
    return Change(frozenset(topics), frozenset(_payload_days(payload)))


def _pick(session: Session, owner: str, step_id: int | None, undone: bool) -> UndoStep | None:
    if step_id is not None:
        row = session.get(UndoStep, step_id)
        if row is None or row.owner != owner:
            raise PlannerError(tr("that edit is no longer in the undo history"))
        if row.undone != undone:
            raise PlannerError(
                (
                    tr("“{text}” is undone already")
                    if row.undone
                    else tr("“{text}” is done already")
                ).format(text=row.text)
            )
        return row
    order = UndoStep.id.asc() if undone else UndoStep.id.desc()
    return session.scalar(
        select(UndoStep)
        .where(UndoStep.owner == owner, UndoStep.undone.is_(undone))
        .order_by(order)
        .limit(1)
    )


def undo(
    session: Session, owner: str, zone: tzinfo, *, step_id: int | None = None
) -> tuple[StepV, Change]:
    """Undo the newest step that is not undone (or `step_id`): its rows go back as they were,
    with their uids (a deleted slot comes back with its tasks in it)."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    row = _pick(session, owner, step_id, undone=False)
    if row is None:
        raise PlannerError(tr("there is nothing to undo"))
    change = _apply(session, owner, zone, json.loads(row.payload), "before", row.text)
    row.undone = True
    session.flush()
    return _step_v(row), change


def redo(
    session: Session, owner: str, zone: tzinfo, *, step_id: int | None = None
) -> tuple[StepV, Change]:
    """Redo the oldest undone step (or `step_id`)."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    row = _pick(session, owner, step_id, undone=True)
    if row is None:
        raise PlannerError(tr("there is nothing to redo"))
    change = _apply(session, owner, zone, json.loads(row.payload), "after", row.text)
    row.undone = False
    session.flush()
    return _step_v(row), change


def can_undo(session: Session, owner: str) -> bool:
    return _pick(session, owner, None, undone=False) is not None


def can_redo(session: Session, owner: str) -> bool:
    return _pick(session, owner, None, undone=True) is not None


def history(session: Session, owner: str, limit: int = 50) -> list[StepV]:
    """The newest steps first, undone ones included."""
    rows = session.scalars(
        select(UndoStep).where(UndoStep.owner == owner).order_by(UndoStep.id.desc()).limit(limit)
    )
    return [_step_v(r) for r in rows]


def clear(session: Session, owner: str) -> None:
    session.execute(delete(UndoStep).where(UndoStep.owner == owner))


def count(session: Session, owner: str) -> int:
    return int(
        session.scalar(select(func.count()).select_from(UndoStep).where(UndoStep.owner == owner))
        or 0
    )
