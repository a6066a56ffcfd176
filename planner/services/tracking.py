"""The actual-time log: follow the plan, switch, interrupt, resume, recover, close the day.

The log's invariants hold after every write here, and are checked before it returns (a
violation is a PlannerError, so the caller's transaction rolls back): no entry starts or ends
after `now`, none ends before it starts, and one owner's entries never overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import pairwise

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from planner.domain import day_rules
from planner.domain.errors import PlannerError
from planner.domain.i18n import ntr, tr
from planner.domain.timerange import Interval, day_bounds
from planner.domain.values import ENTRY_KINDS, BreakV, Change, EntryV, MeetingV, SlotV, Topic
from planner.services import planning
from planner.storage import conflicts
from planner.storage.models import Entry, Role, UTCDateTime

FOLLOWING_KINDS = ("work", "meeting", "break")  # what a plan-following entry can be

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
        raise PlannerError(
            tr("the text is {kept} characters long; at most {limit} fit").format(
                kept=len(kept), limit=limit
            )
        )
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
        raise PlannerError(tr("no role with id {role_id}").format(role_id=role_id))


# ---------------------------------------------------------------- the invariants


def _hm(moment: datetime, zone: tzinfo | None) -> str:
    local = moment.astimezone(zone) if zone is not None else moment
    return local.strftime("%H:%M")


def _describe(row: Entry, zone: tzinfo | None) -> str:
    end = _hm(row.end, zone) if row.end is not None else "now"
    return f"{row.kind} {_hm(row.start, zone)}–{end}"


_AROUND = (
    select(Entry)
    .where(
        Entry.owner == bindparam("owner"),
        Entry.start <= bindparam("hi", type_=UTCDateTime()),
        (Entry.end.is_(None)) | (Entry.end >= bindparam("lo", type_=UTCDateTime())),
    )
    .order_by(Entry.start, Entry.id)
)
_CUT = (
    select(Entry)
    .where(
        Entry.owner == bindparam("owner"),
        Entry.id != bindparam("ignore"),
        (Entry.end.is_(None)) | (Entry.end > bindparam("lo", type_=UTCDateTime())),
        Entry.start < bindparam("hi", type_=UTCDateTime()),
    )
    .order_by(Entry.start, Entry.id)
)
_FOREVER = datetime.max.replace(tzinfo=UTC)


def check_log(
    session: Session,
    owner: str,
    span: Interval,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> None:
    """Refuse a log around `span` that breaks an invariant (PlannerError: the caller's
    transaction rolls back): an entry that starts or ends after `now`, ends before it
    starts, or overlaps another entry of the owner (an empty entry overlaps nothing)."""
    session.flush()
    rows = list(session.scalars(_AROUND, {"owner": owner, "lo": span.start, "hi": span.end}))
    for row in rows:
        if row.end is not None and row.end < row.start:
            raise PlannerError(
                tr("an entry cannot end before it starts ({describe})").format(
                    describe=_describe(row, zone)
                )
            )
        if now is not None and row.start > now:
            raise PlannerError(
                tr("an entry cannot start in the future ({describe})").format(
                    describe=_describe(row, zone)
                )
            )
        if now is not None and row.end is not None and row.end > now:
            raise PlannerError(
                tr("an entry cannot end in the future ({describe})").format(
                    describe=_describe(row, zone)
                )
            )
    solid = [r for r in rows if r.end is None or r.end > r.start]
    for first, second in pairwise(solid):
        if first.end is None or second.start < first.end:
            raise PlannerError(
                tr("entries cannot overlap: {describe} and {describe2}").format(
                    describe=_describe(first, zone), describe2=_describe(second, zone)
                )
            )


# ---------------------------------------------------------------- following the plan


def _plan_near(
    session: Session, owner: str, window: Interval
) -> tuple[list[SlotV], list[MeetingV], list[BreakV]]:
    """The slots, meetings and breaks that can say something about [window.start, window.end]."""
    slots = planning.slots_overlapping(session, owner, window)
    meetings = planning.list_meetings(
        session, owner, Interval(window.start, window.end + timedelta(seconds=1))
    )
    return slots, meetings, planning.breaks_overlapping(session, owner, window)


def _planned_at(session: Session, owner: str, moment: datetime) -> day_rules.Planned | None:
    slots, meetings, breaks = _plan_near(session, owner, Interval(moment, moment))
    return day_rules.planned_at(slots, meetings, moment, breaks)


def _planned_entry(
    owner: str,
    at: datetime,
    planned: day_rules.Planned,
    before: Entry | None,
    task_id: int | None = None,
) -> Entry:
    """A plan-following entry from `at`: a meeting, a planned break, or work on the slot's
    role. A meeting or a break remembers the work it took over (to go back to it after)."""
    back = None
    if before is not None:
        back = before.id if before.kind == "work" else before.interrupted_entry_id
    if planned.kind == "break":
        return Entry(
            owner=owner,
            start=at,
            kind="break",
            role_id=None,
            note="",
            follows_plan=True,
            interrupted_entry_id=back,
        )
    if planned.kind == "meeting":
        return Entry(
            owner=owner,
            start=at,
            kind="meeting",
            role_id=planned.role_id,
            note=planned.meeting.summary if planned.meeting else "",
            source="calendar",
            follows_plan=True,
            interrupted_entry_id=back,  # the work it took over: back to it after the meeting
        )
    return Entry(
        owner=owner,
        start=at,
        kind="work",
        role_id=planned.role_id,
        task_id=task_id,
        slot_id=planned.slot.id if planned.slot else None,
        follows_plan=True,
    )


def _day_end(session: Session, owner: str, zone: tzinfo, moment: datetime) -> datetime:
    day = planning.day_of(session, owner, moment, zone)
    return day_bounds(day, zone, int(planning.get_setting(session, owner, "day_start_minute"))).end


def _disarm(session: Session, owner: str, zone: tzinfo, now: datetime) -> bool:
    """Stop waiting for the plan (an explicit start, a stop): True when it was waiting."""
    row = planning.stored_day(session, owner, planning.day_of(session, owner, now, zone))
    if row is None or row.follow_from is None:
        return False
    row.follow_from = None
    return True


def _begin_following(
    session: Session, owner: str, zone: tzinfo, now: datetime, dry: bool = False
) -> bool:
    """Started before the plan: open the first plan entry once the plan has begun (`dry`:
    only say whether it would)."""
    day = planning.day_of(session, owner, now, zone)
    row = planning.stored_day(session, owner, day)
    if row is None or row.follow_from is None or row.closed_at is not None:
        return False
    since = row.follow_from
    last_end = session.scalar(select(func.max(Entry.end)).where(Entry.owner == owner))
    if last_end is not None and last_end > since:
        since = last_end  # never over what is logged already
    until = min(now, _day_end(session, owner, zone, now))
    if since > until:
        return False
    slots, meetings, _breaks = _plan_near(session, owner, Interval(since, until))
    found = day_rules.first_planned(slots, meetings, since, until)  # a break starts nothing
    if found is None:
        return False
    if dry:
        return True
    at, planned = found
    session.add(_planned_entry(owner, at, planned, before=None))
    row.follow_from = None
    session.flush()
    return True


def _follow(
    session: Session, owner: str, zone: tzinfo, current: Entry, now: datetime, dry: bool = False
) -> tuple[bool, bool]:
    """Walk a plan-following entry through the plan's switches up to `now`.

    Returns (changed, idle): idle when a meeting ended in a gap with no work to go back to,
    so the log waits for the plan again. `dry`: change nothing, only say whether it would."""
    end_of_day = _day_end(session, owner, zone, current.start)
    until = min(now, end_of_day)
    changed = False
    if until > current.start and planning.plan_switches_between(
        session, owner, current.start, until
    ):
        slots, meetings, breaks = _plan_near(session, owner, Interval(current.start, until))
        here = day_rules.planned_at(slots, meetings, current.start, breaks)
        if here is not None and here.kind == current.kind and here.role_id == current.role_id:
            following = here
        else:
            following = day_rules.Planned(current.kind, current.role_id)
        for moment in day_rules.change_points(slots, meetings, current.start, until, breaks):
            target = day_rules.planned_at(slots, meetings, moment, breaks)
            if target is None:
                if current.kind == "work":
                    continue  # a gap in the plan: the work goes on
                back = (
                    session.get(Entry, current.interrupted_entry_id)
                    if current.interrupted_entry_id
                    else None
                )
                if dry:
                    return True, False
                if back is None or back.role_id is None:
                    current.end = moment  # nothing to go back to: wait for the plan
                    planning.set_follow_from(session, owner, zone, moment)
                    session.flush()
                    return True, True
                target = day_rules.Planned("work", back.role_id)
            if target.same_as(following):
                if target.slot is not None and current.slot_id != target.slot.id:
                    if dry:
                        return True, False
                    current.slot_id = target.slot.id
                    changed = True
                following = target
                continue
            if dry:
                return True, False
            current.end = moment
            task = current.task_id if target.role_id == current.role_id else None
            nxt = _planned_entry(owner, moment, target, before=current, task_id=task)
            session.add(nxt)
            session.flush()
            current, following, changed = nxt, target, True
    if now >= end_of_day and current.end is None:
        if dry:
            return True, False
        current.end = end_of_day  # following the plan ends with the day
        changed = True
    session.flush()
    return changed, False


def catch_up(session: Session, owner: str, zone: tzinfo, now: datetime) -> Change:
    """Bring the log up to `now` from the plan; idempotent and the same at any calling rate.

    A plan-following entry switches at every slot whose role differs and into each busy
    meeting (and back); the switches are made at the plan's own moments, not when this runs,
    so the log comes out the same whether the app ticked all day or `status` looks once.
    A day started before its plan opens its first entry when the plan begins."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    changed = False
    touched = now
    for _ in range(10_000):  # each round passes at least one switch of the plan
        rows = _open_entries(session, owner)
        if not rows:
            if not _begin_following(session, owner, zone, now):
                break
            changed = True
            continue
        current = rows[-1]
        if not (current.follows_plan and current.kind in FOLLOWING_KINDS):
            break
        touched = min(touched, current.start)
        moved, idle = _follow(session, owner, zone, current, now)
        changed = changed or moved
        if not idle:
            break
    if not changed:
        return Change()
    check_log(session, owner, Interval(touched, now), now, zone)
    return Change.of(Topic.ENTRIES, day=planning.day_of(session, owner, now, zone))


def catch_up_due(session: Session, owner: str, zone: tzinfo, now: datetime) -> bool:
    """Whether catch_up would change the log (a read: a reader can decide to take the write
    lock only when there is something to write)."""
    rows = _open_entries(session, owner)
    if not rows:
        return _begin_following(session, owner, zone, now, dry=True)
    current = rows[-1]
    if not (current.follows_plan and current.kind in FOLLOWING_KINDS):
        return False
    return _follow(session, owner, zone, current, now, dry=True)[0]


# ---------------------------------------------------------------- switching


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
    catch_up(session, owner, zone, now)
    planned = _planned_at(session, owner, now)
    if role_id is None:
        if planned is None:
            raise PlannerError(tr("no slot is planned now; name a role to work on"))
        _close_open(session, owner, now)
        entry = _planned_entry(owner, now, planned, before=None, task_id=task_id)
    else:
        slot = planning.slot_at(session, owner, now)
        follows = (
            follow_plan
            and planned is not None
            and planned.kind == "work"
            and planned.role_id == role_id
        )
        _close_open(session, owner, now)
        entry = Entry(
            owner=owner,
            start=now,
            kind="work",
            role_id=role_id,
            task_id=task_id,
            slot_id=slot.id if slot else None,
            follows_plan=follows,
            flag_unplanned=slot is not None and slot.role_id != role_id,
        )
    session.add(entry)
    _disarm(session, owner, zone, now)
    check_log(session, owner, Interval(now, now), now, zone)
    return _entry_v(entry), Change.of(Topic.ENTRIES, day=planning.day_of(session, owner, now, zone))


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


def _copy(row: Entry, start: datetime, end: datetime | None) -> Entry:
    """The same entry again over another stretch (what goes on after a cut)."""
    return Entry(
        owner=row.owner,
        start=start,
        end=end,
        kind=row.kind,
        role_id=row.role_id,
        task_id=row.task_id,
        slot_id=row.slot_id,
        note=row.note,
        source=row.source,
        follows_plan=row.follows_plan,
        interrupted_entry_id=row.interrupted_entry_id,
        flag_unplanned=row.flag_unplanned,
        flag_cross_role=row.flag_cross_role,
        flag_in_focus=row.flag_in_focus,
        flag_after_stop=row.flag_after_stop,
        needs_review=row.needs_review,
    )


def _stated(row: Entry) -> bool:
    """What the person logged (an interruption, a break, a meeting they named) stays put; work
    and what the plan assumed give way to it."""
    return row.kind != "work" and not row.follows_plan


def _overlapping(
    session: Session, owner: str, start: datetime, end: datetime | None, ignore: int | None = None
) -> list[Entry]:
    """Entries that overlap [start, end) (to forever when `end` is None)."""
    params = {"owner": owner, "ignore": -1 if ignore is None else ignore, "lo": start}
    params["hi"] = _FOREVER if end is None else end
    return list(session.scalars(_CUT, params))


def _clip_start(
    session: Session, owner: str, start: datetime, end: datetime, zone: tzinfo | None
) -> datetime:
    """Move a finished interruption's start past what was logged as stated in its time."""
    for row in _overlapping(session, owner, start, end):
        if row.end is not None and _stated(row):
            if row.end >= end:
                raise PlannerError(
                    tr("that time is logged already ({describe}); edit it instead").format(
                        describe=_describe(row, zone)
                    )
                )
            start = max(start, row.end)
    return start


def _make_room(
    session: Session,
    owner: str,
    start: datetime,
    end: datetime | None,
    zone: tzinfo | None,
    ignore: int | None = None,
) -> Entry | None:
    """Cut [start, end) (to now when `end` is None) out of the log: work around it is split
    (what ran on goes on from `end`), not pushed forward. Returns the entry that was running
    at `start`, if any (what the new entry interrupted)."""
    rows = _overlapping(session, owner, start, end, ignore)
    at_start = next(
        (r for r in rows if r.start <= start and (r.end is None or r.end > start)), None
    )
    if at_start is None:
        opened = [r for r in rows if r.end is None and r.start < start]
        at_start = opened[-1] if opened else None
    for row in rows:  # refuse before changing anything
        if row.start >= start and _stated(row):
            inside = end is None or (row.end is not None and row.end <= end)
            what = "hide" if inside else "overlap"
            raise PlannerError(
                tr("that would {what} the {describe}; edit it instead").format(
                    what=what, describe=_describe(row, zone)
                )
            )
    for row in rows:
        if row.start < start:
            if end is not None and (row.end is None or row.end > end):
                session.add(_copy(row, end, row.end))  # what ran on goes on after the cut
            row.end = start
        elif end is None or (row.end is not None and row.end <= end):
            session.delete(row)  # it happened inside the cut: the cut replaces it
        else:
            row.start = end  # begun inside the cut: it begins when the cut ends
    session.flush()
    return at_start


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
    now: datetime | None = None,
    before_later: bool = False,
) -> tuple[EntryV, Change]:
    """Log an interruption at `at` (the key press, or when it was logged).

    Without `minutes` it starts at `at` and runs. With `minutes` it is over: it ends at `at`
    and started `minutes` before (never over an interruption, meeting or break logged in that
    time); the work around it is split, so what ran goes on from `at`. `now` (the real time,
    when the caller knows it) refuses a key press in the future.

    `before_later`: a running interruption delivered from one device after another device
    logged an interruption, meeting or break later than `at` (both kept through one outage)
    ends where that one begins, marked for review, instead of being refused: the log keeps
    both, and the person sees where they met."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    note = _clean_text(note, MAX_NOTE)
    source = _clean_text(source, 120)
    _check_role(session, owner, role_id)
    if minutes is not None and not 0 < minutes <= 24 * 60:
        raise PlannerError(tr("an interruption lasts between 1 minute and 24 hours"))
    if now is not None and at > now:
        raise PlannerError(tr("an interruption cannot be logged in the future"))
    catch_up(session, owner, zone, at)  # the log as it stood at the key press
    end = None if minutes is None else at
    start = at
    cut_short = False
    if before_later and end is None:
        start, cut_short = _after_stated(session, owner, at)
        later = [
            r for r in _overlapping(session, owner, start, None) if r.start > start and _stated(r)
        ]
        if later:
            end, cut_short = later[0].start, True
    if minutes is not None:
        start = _clip_start(session, owner, at - timedelta(minutes=minutes), at, zone)
    slot = planning.slot_at(session, owner, start)
    if role_id is None:
        role_id = default_interruption_role(session, owner, start, slot)
    before = _make_room(session, owner, start, end, zone)
    resume_to: int | None = None
    if before is not None:
        resume_to = before.interrupted_entry_id if before.kind == "interruption" else before.id
        if resume_to is not None and session.get(Entry, resume_to) is None:
            resume_to = None
    entry = Entry(
        owner=owner,
        start=start,
        end=end,
        kind="interruption",
        role_id=role_id,
        slot_id=slot.id if slot else None,
        note=note,
        source=source,
        interrupted_entry_id=resume_to,
    )
    _apply_flags(entry, interruption_flags(session, owner, zone, start, role_id, slot))
    entry.needs_review = cut_short
    session.add(entry)
    check_log(session, owner, Interval(min(start, at), max(start, at, end or at)), now, zone)
    return _entry_v(entry), Change.of(
        Topic.ENTRIES, day=planning.day_of(session, owner, start, zone)
    )


def _after_stated(session: Session, owner: str, at: datetime) -> tuple[datetime, bool]:
    """Where a running interruption delivered from one device may begin when the other device
    logged an interruption, meeting or break that covers `at` (both kept through one outage):
    after it, both marked for review — never cutting what the other device logged."""
    start, moved = at, False
    while True:
        covering = next(
            (
                r
                for r in _overlapping(session, owner, start, None)
                if _stated(r) and r.end is not None and r.start <= start < r.end
            ),
            None,
        )
        if covering is None:
            return start, moved
        assert covering.end is not None
        covering.needs_review = True
        start, moved = covering.end, True


def _continue(session: Session, owner: str, before: Entry, at: datetime) -> Entry | None:
    """Go back at `at` to what `before` was doing (to the plan as it is now, if it followed it)."""
    if before.follows_plan:
        planned = _planned_at(session, owner, at)
        if planned is None and before.kind in ("meeting", "break"):
            back = (
                session.get(Entry, before.interrupted_entry_id)
                if before.interrupted_entry_id
                else None
            )
            planned = day_rules.Planned("work", back.role_id) if back and back.role_id else None
        elif planned is None:
            planned = day_rules.Planned("work", before.role_id)  # a gap: the work goes on
        if planned is None:
            return None
        task = before.task_id if planned.role_id == before.role_id else None
        entry = _planned_entry(owner, at, planned, before=before, task_id=task)
    else:
        entry = Entry(
            owner=owner,
            start=at,
            kind=before.kind if before.kind != "interruption" else "work",
            role_id=before.role_id,
            task_id=before.task_id,
            slot_id=before.slot_id,
        )
    session.add(entry)
    session.flush()
    return entry


def resume(session: Session, owner: str, zone: tzinfo, now: datetime) -> tuple[EntryV, Change]:
    """End the running interruption and go back to what it interrupted (or to the plan)."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    rows = _open_entries(session, owner)
    if not rows or rows[-1].kind != "interruption":
        raise PlannerError(tr("no interruption is running"))
    current = rows[-1]
    # A clock a little behind the one that stamped the interruption (set back, another
    # device's or process's) resumes where it began: never an interval that ends first.
    now = max(now, current.start)
    _close_open(session, owner, now, rows)
    target = (
        session.get(Entry, current.interrupted_entry_id) if current.interrupted_entry_id else None
    )
    entry: Entry | None
    if target is None:
        planned = _planned_at(session, owner, now)
        entry = _planned_entry(owner, now, planned, before=None) if planned else None
        if entry is not None:
            session.add(entry)
    else:
        entry = _continue(session, owner, target, now)
    if entry is not None and entry.follows_plan:
        _disarm(session, owner, zone, now)  # the plan is being followed now
    check_log(session, owner, Interval(current.start, now), now, zone)
    day = planning.day_of(session, owner, now, zone)
    return _entry_v(entry if entry is not None else current), Change.of(Topic.ENTRIES, day=day)


def stop(session: Session, owner: str, zone: tzinfo, now: datetime) -> Change:
    """Stop the log at `now` (switching by the plan up to then) and stop waiting for the plan."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    catch_up(session, owner, zone, now)
    closed = _close_open(session, owner, now)
    waited = _disarm(session, owner, zone, now)
    if closed is None and not waited:
        return Change()
    session.flush()
    if closed is not None:  # (a clock a moment behind the entry's start ends it at its start)
        check_log(session, owner, Interval(closed.start, max(now, closed.start)), now, zone)
    return Change.of(Topic.ENTRIES, Topic.DAY, day=planning.day_of(session, owner, now, zone))


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
    now: datetime | None = None,
) -> tuple[EntryV, Change]:
    """Correct an entry afterwards; an interruption's flags are worked out again.

    An interruption, meeting or break moved over work cuts the work around it (as logging it
    then would have); work moved over anything, or anything over what was stated, is refused.
    With `now`, a start or end in the future is refused."""
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    entry = session.get(Entry, entry_id)
    if entry is None or entry.owner != owner:
        raise PlannerError(tr("no entry with id {entry_id}").format(entry_id=entry_id))
    _check_role(session, owner, role_id)
    new_start = start or entry.start
    new_end = end if end is not None else entry.end
    if new_end is not None and new_end <= new_start:
        raise PlannerError(tr("an entry must end after it starts"))
    if kind is not None and kind not in ENTRY_KINDS:
        raise PlannerError(tr("unknown entry kind {kind!r}").format(kind=kind))
    if now is not None and (new_start > now or (new_end is not None and new_end > now)):
        raise PlannerError(tr("an entry cannot start or end in the future"))
    old_start = entry.start
    new_kind = kind if kind is not None else entry.kind
    if new_start != entry.start or new_end != entry.end:
        clashes = _overlapping(session, owner, new_start, new_end, ignore=entry_id)
        if new_kind == "work" and clashes:
            raise PlannerError(
                tr("that would overlap the {describe}").format(describe=_describe(clashes[0], zone))
            )
        _make_room(session, owner, new_start, new_end, zone, ignore=entry_id)
    entry.start, entry.end = new_start, new_end
    if role_id is not None:
        entry.role_id = role_id
    if note is not None:
        entry.note = _clean_text(note, MAX_NOTE)
    if source is not None:
        entry.source = _clean_text(source, 120)
    if kind is not None:
        entry.kind = kind
    if kind is not None or new_start != old_start:
        entry.follows_plan = False  # corrected by hand: what the person says now
    if entry.kind == "interruption":
        _apply_flags(entry, interruption_flags(session, owner, zone, entry.start, entry.role_id))
    else:
        _apply_flags(entry, Flags(False, False, False, False))
    entry.needs_review = False
    session.flush()
    lo, hi = min(old_start, new_start), max(new_end or new_start, old_start)
    check_log(session, owner, Interval(lo, hi), now, zone)
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
            return tr("no interruptions")
        return ntr(
            "{n} interruption, {minutes} min, {cross} cross-role",
            "{n} interruptions, {minutes} min, {cross} cross-role",
            self.count,
        ).format(n=self.count, minutes=round(self.minutes), cross=self.cross_role)


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
