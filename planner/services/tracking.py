"""The actual-time log: follow the plan, switch, interrupt, resume, recover, close the day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from planner.domain.errors import PlannerError
from planner.domain.timerange import Interval
from planner.domain.values import Change, EntryV, SlotV, Topic
from planner.services import planning
from planner.storage import conflicts
from planner.storage.models import Entry, Role, Slot

FLAG_NAMES = ("unplanned", "cross_role", "in_focus", "after_stop")
MAX_NOTE = 2000


def _entry_v(e: Entry) -> EntryV:
    flags = frozenset(
        name
        for name, on in (
            ("unplanned", e.flag_unplanned),
            ("cross_role", e.flag_cross_role),
            ("in_focus", e.flag_in_focus),
            ("after_stop", e.flag_after_stop),
        )
        if on
    )
    return EntryV(
        id=e.id,
        start=e.start,
        end=e.end,
        kind=e.kind,
        role_id=e.role_id,
        task_id=e.task_id,
        slot_id=e.slot_id,
        note=e.note,
        source=e.source,
        flags=flags,
        needs_review=e.needs_review,
        follows_plan=e.follows_plan,
        interrupted_entry_id=e.interrupted_entry_id,
    )


def _clean_text(text: str, limit: int) -> str:
    """Keep what people type (any script, RTL included) but drop control characters."""
    kept = "".join(ch for ch in text if ch == "\n" or ch == "\t" or ord(ch) >= 32)
    kept = kept.replace("\x7f", "").strip()
    if len(kept) > limit:
        raise PlannerError(f"the text is {len(kept)} characters long; at most {limit} fit")
    return kept


_OPEN = (
    select(Entry)
    .where(Entry.owner == bindparam("owner"), Entry.end.is_(None))
    .order_by(Entry.start, Entry.id)
)


def _open_entries(session: Session, owner: str) -> list[Entry]:
    return list(session.scalars(_OPEN, {"owner": owner}))


def running(session: Session, owner: str) -> EntryV | None:
    """The entry running now (the newest open one), if any."""
    rows = _open_entries(session, owner)
    return _entry_v(rows[-1]) if rows else None


def _close_open(
    session: Session, owner: str, at: datetime, rows: list[Entry] | None = None
) -> Entry | None:
    """End every open entry at `at` (never before its own start); return the newest one."""
    if rows is None:
        rows = _open_entries(session, owner)
    for row in rows:
        row.end = max(at, row.start)
    return rows[-1] if rows else None


def _check_role(session: Session, owner: str, role_id: int | None) -> None:
    if role_id is None:
        return
    role = session.get(Role, role_id)
    if role is None or role.owner != owner:
        raise PlannerError(f"no role with id {role_id}")


def start_work(
    session: Session,
    owner: str,
    zone: tzinfo,
    now: datetime,
    *,
    role_id: int | None = None,
    task_id: int | None = None,
    follow_plan: bool = False,
) -> tuple[EntryV, Change]:
    """Switch to work on a role/task (or follow the plan); a switch off-plan is flagged."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    _check_role(session, owner, role_id)
    slot = planning.slot_at(session, owner, now)
    if follow_plan or role_id is None:
        if slot is None and role_id is None:
            raise PlannerError("no slot is planned now; name a role to work on")
        if role_id is None and slot is not None:
            role_id = slot.role_id
        follow_plan = role_id is not None and slot is not None and slot.role_id == role_id
    _close_open(session, owner, now)
    entry = Entry(
        owner=owner,
        start=now,
        kind="work",
        role_id=role_id,
        task_id=task_id,
        slot_id=slot.id if slot else None,
        follows_plan=follow_plan,
        flag_unplanned=slot is not None and slot.role_id != role_id,
    )
    session.add(entry)
    session.flush()
    return _entry_v(entry), Change.of(Topic.ENTRIES, day=planning.day_of(session, owner, now, zone))


def follow_plan(session: Session, owner: str, zone: tzinfo, now: datetime) -> Change:
    """Split a plan-following work entry at each slot start whose role differs."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    rows = _open_entries(session, owner)
    if not rows or rows[-1].kind != "work" or not rows[-1].follows_plan:
        return Change()
    current = rows[-1]
    boundaries = session.scalars(
        select(Slot)
        .where(Slot.owner == owner, Slot.start > current.start, Slot.start <= now)
        .order_by(Slot.start)
    )
    changed = False
    for slot in boundaries:
        if slot.role_id == current.role_id:
            current.slot_id = slot.id
            continue
        current.end = slot.start
        current = Entry(
            owner=owner,
            start=slot.start,
            kind="work",
            role_id=slot.role_id,
            slot_id=slot.id,
            follows_plan=True,
        )
        session.add(current)
        changed = True
    session.flush()
    if not changed:
        return Change()
    return Change.of(Topic.ENTRIES, day=planning.day_of(session, owner, now, zone))


def default_interruption_role(
    session: Session, owner: str, at: datetime, slot: SlotV | bool | None = False
) -> int | None:
    """The *other* role than the one planned (or being worked on) at `at`."""
    roles = planning.list_roles(session, owner)
    if not roles:
        return None
    if slot is False:
        slot = planning.slot_at(session, owner, at)
    current = slot.role_id if isinstance(slot, SlotV) else None
    if current is None:
        rows = _open_entries(session, owner)
        current = rows[-1].role_id if rows else None
    for role in roles:
        if role.id != current:
            return role.id
    return roles[0].id


@dataclass(frozen=True)
class Flags:
    unplanned: bool
    cross_role: bool
    in_focus: bool
    after_stop: bool


def interruption_flags(
    session: Session,
    owner: str,
    zone: tzinfo,
    at: datetime,
    role_id: int | None,
    slot: SlotV | bool | None = False,
) -> Flags:
    if slot is False:
        slot = planning.slot_at(session, owner, at)
    current = slot if isinstance(slot, SlotV) else None
    day = planning.get_day(session, owner, planning.day_of(session, owner, at, zone), zone)
    in_focus = current is not None and (current.end - current.start) >= timedelta(
        minutes=day.min_block_minutes
    )
    return Flags(
        unplanned=True,
        cross_role=current is not None and role_id is not None and role_id != current.role_id,
        in_focus=in_focus,
        after_stop=at >= day.stop,
    )


def _apply_flags(entry: Entry, flags: Flags) -> None:
    entry.flag_unplanned = flags.unplanned
    entry.flag_cross_role = flags.cross_role
    entry.flag_in_focus = flags.in_focus
    entry.flag_after_stop = flags.after_stop


def interrupt(
    session: Session,
    owner: str,
    zone: tzinfo,
    at: datetime,
    *,
    note: str = "",
    role_id: int | None = None,
    source: str = "",
    minutes: float | None = None,
) -> tuple[EntryV, Change]:
    """Log an interruption starting at `at` (the key press); with `minutes` it is already over."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    note = _clean_text(note, MAX_NOTE)
    source = _clean_text(source, 120)
    _check_role(session, owner, role_id)
    slot = planning.slot_at(session, owner, at)
    if role_id is None:
        role_id = default_interruption_role(session, owner, at, slot)
    if minutes is not None and not 0 < minutes <= 24 * 60:
        raise PlannerError("an interruption lasts between 1 minute and 24 hours")
    rows = _open_entries(session, owner)
    previous = rows[-1] if rows else None
    resume_to: int | None = None
    if previous is not None:
        resume_to = (
            previous.interrupted_entry_id if previous.kind == "interruption" else previous.id
        )
    _close_open(session, owner, at, rows)
    entry = Entry(
        owner=owner,
        start=at,
        end=at + timedelta(minutes=minutes) if minutes is not None else None,
        kind="interruption",
        role_id=role_id,
        slot_id=slot.id if slot else None,
        note=note,
        source=source,
        interrupted_entry_id=resume_to,
    )
    _apply_flags(entry, interruption_flags(session, owner, zone, at, role_id, slot))
    session.add(entry)
    session.flush()
    if minutes is not None and previous is not None and previous.kind != "interruption":
        _continue(session, owner, previous, entry.end or at)
    return _entry_v(entry), Change.of(Topic.ENTRIES, day=planning.day_of(session, owner, at, zone))


def _continue(session: Session, owner: str, before: Entry, at: datetime) -> Entry:
    role_id, slot_id = before.role_id, before.slot_id
    if before.follows_plan:
        slot = planning.slot_at(session, owner, at)
        role_id, slot_id = (slot.role_id, slot.id) if slot else (role_id, None)
    entry = Entry(
        owner=owner,
        start=at,
        kind=before.kind if before.kind != "interruption" else "work",
        role_id=role_id,
        task_id=before.task_id,
        slot_id=slot_id,
        follows_plan=before.follows_plan,
    )
    session.add(entry)
    session.flush()
    return entry


def resume(session: Session, owner: str, zone: tzinfo, now: datetime) -> tuple[EntryV, Change]:
    """End the running interruption and go back to what it interrupted (or to the plan)."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    rows = _open_entries(session, owner)
    if not rows or rows[-1].kind != "interruption":
        raise PlannerError("no interruption is running")
    current = rows[-1]
    _close_open(session, owner, now)
    target = (
        session.get(Entry, current.interrupted_entry_id) if current.interrupted_entry_id else None
    )
    if target is None:
        slot = planning.slot_at(session, owner, now)
        if slot is None:
            session.flush()
            return _entry_v(current), Change.of(
                Topic.ENTRIES, day=planning.day_of(session, owner, now, zone)
            )
        target = Entry(owner=owner, start=now, kind="work", role_id=slot.role_id, follows_plan=True)
    entry = _continue(session, owner, target, now)
    return _entry_v(entry), Change.of(Topic.ENTRIES, day=planning.day_of(session, owner, now, zone))


def stop(session: Session, owner: str, zone: tzinfo, now: datetime) -> Change:
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    if _close_open(session, owner, now) is None:
        return Change()
    session.flush()
    return Change.of(Topic.ENTRIES, day=planning.day_of(session, owner, now, zone))


def edit_entry(
    session: Session,
    owner: str,
    zone: tzinfo,
    entry_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    role_id: int | None = None,
    note: str | None = None,
    source: str | None = None,
    kind: str | None = None,
) -> tuple[EntryV, Change]:
    """Correct an entry afterwards; an interruption's flags are worked out again."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    entry = session.get(Entry, entry_id)
    if entry is None or entry.owner != owner:
        raise PlannerError(f"no entry with id {entry_id}")
    _check_role(session, owner, role_id)
    new_start = start or entry.start
    new_end = end if end is not None else entry.end
    if new_end is not None and new_end <= new_start:
        raise PlannerError("an entry must end after it starts")
    if kind is not None and kind not in ("work", "interruption", "meeting", "break"):
        raise PlannerError(f"unknown entry kind {kind!r}")
    entry.start, entry.end = new_start, new_end
    if role_id is not None:
        entry.role_id = role_id
    if note is not None:
        entry.note = _clean_text(note, MAX_NOTE)
    if source is not None:
        entry.source = _clean_text(source, 120)
    if kind is not None:
        entry.kind = kind
    if entry.kind == "interruption":
        _apply_flags(entry, interruption_flags(session, owner, zone, entry.start, entry.role_id))
    else:
        _apply_flags(entry, Flags(False, False, False, False))
    entry.needs_review = False
    session.flush()
    return _entry_v(entry), Change.of(
        Topic.ENTRIES, day=planning.day_of(session, owner, entry.start, zone)
    )


def list_entries(session: Session, owner: str, window: Interval) -> list[EntryV]:
    rows = session.scalars(
        select(Entry)
        .where(
            Entry.owner == owner,
            Entry.start < window.end,
            (Entry.end.is_(None)) | (Entry.end > window.start),
        )
        .order_by(Entry.start, Entry.id)
    )
    return [_entry_v(e) for e in rows]


def heartbeat(session: Session, owner: str, now: datetime) -> None:
    """A sign of life: where an entry left open by a crash will be closed."""
    planning.set_setting(session, owner, "last_seen", now.isoformat())


def last_seen(session: Session, owner: str) -> datetime | None:
    text = planning.get_setting(session, owner, "last_seen")
    return datetime.fromisoformat(text) if text else None


def recover(session: Session, owner: str, zone: tzinfo) -> tuple[int, Change]:
    """After a crash: close open entries at the last sign of life and mark them for review."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    seen = last_seen(session, owner)
    rows = _open_entries(session, owner)
    if seen is None or not rows:
        return 0, Change()
    for row in rows:
        row.end = max(seen, row.start)
        row.needs_review = True
    session.flush()
    return len(rows), Change.of(Topic.ENTRIES)


@dataclass(frozen=True)
class InterruptionSummary:
    count: int
    minutes: float
    cross_role: int
    in_focus: int
    after_stop: int

    def describe(self) -> str:
        if not self.count:
            return "no interruptions"
        noun = "interruption" if self.count == 1 else "interruptions"
        return f"{self.count} {noun}, {round(self.minutes)} min, {self.cross_role} cross-role"


def summarise(entries: Sequence[EntryV], now: datetime) -> InterruptionSummary:
    hits = [e for e in entries if e.kind == "interruption"]
    minutes = sum(((e.end or now) - e.start).total_seconds() / 60 for e in hits)
    return InterruptionSummary(
        count=len(hits),
        minutes=minutes,
        cross_role=sum("cross_role" in e.flags for e in hits),
        in_focus=sum("in_focus" in e.flags for e in hits),
        after_stop=sum("after_stop" in e.flags for e in hits),
    )


def day_summary(
    session: Session, owner: str, day: date, zone: tzinfo, now: datetime
) -> InterruptionSummary:
    from planner.domain.timerange import day_bounds

    bounds = day_bounds(day, zone, int(planning.get_setting(session, owner, "day_start_minute")))
    return summarise(list_entries(session, owner, bounds), now)
