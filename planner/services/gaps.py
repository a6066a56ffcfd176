"""Gaps in the day (the machine slept, the session sat idle) and the user's answer as entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.domain.errors import PlannerError
from planner.domain.i18n import tr
from planner.domain.timerange import Interval
from planner.domain.values import Change, EntryV, Topic
from planner.services import planning, tracking
from planner.storage import conflicts
from planner.storage.models import Entry

# "stopped": the person had stopped working (went home without closing the day): the log ends
# where the gap began, and nothing goes on after it.
ANSWERS = ("meeting", "interruption", "break", "work", "stopped")
DEFAULT_THRESHOLD = timedelta(minutes=10)
# Timers and process scheduling wobble; a wall/monotonic difference below this is not a jump.
JUMP_TOLERANCE = timedelta(seconds=90)


@dataclass(frozen=True)
class Gap:
    """Time the user was away: `cause` is "sleep" (suspend) or "idle" (no input, locked)."""

    start: datetime
    end: datetime
    cause: str

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True)
class Observation:
    """One heartbeat's findings: the clock jumped (recompute timers), maybe a sleep gap."""

    clock_jumped: bool = False
    gap: Gap | None = None


class SleepDetector:
    """Notices suspend/resume: the wall clock runs ahead of the monotonic one (pure).

    CLOCK_MONOTONIC stops while suspended; CLOCK_BOOTTIME (when given) does not, so a wall jump
    the boot clock did not make is a clock being set, not a sleep. Time zone and DST changes
    move neither (the wall clock here is UTC).
    """

    def __init__(self, threshold: timedelta = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._last: tuple[datetime, float, float | None] | None = None

    def observe(self, wall: datetime, mono: float, boot: float | None = None) -> Observation:
        last, self._last = self._last, (wall, mono, boot)
        if last is None:
            return Observation()
        last_wall, last_mono, last_boot = last
        jump = (wall - last_wall) - timedelta(seconds=mono - last_mono)
        if abs(jump) <= JUMP_TOLERANCE:
            return Observation()
        if jump < self.threshold:
            return Observation(clock_jumped=True)
        if boot is not None and last_boot is not None:
            slept = timedelta(seconds=(boot - last_boot) - (mono - last_mono))
            if slept < jump / 2:  # the boot clock did not see it: the clock was set forward
                return Observation(clock_jumped=True)
        return Observation(True, Gap(last_wall, last_wall + jump, "sleep"))


class IdleTracker:
    """Turns idle-time readings into a gap when the user comes back after `threshold` (pure)."""

    def __init__(self, threshold: timedelta = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._away_since: datetime | None = None

    def observe(self, wall: datetime, idle: timedelta | None) -> Gap | None:
        if idle is None:
            return None
        if idle >= self.threshold:
            since = wall - idle
            if self._away_since is None or since < self._away_since:
                self._away_since = since
            return None
        if self._away_since is None:
            return None
        start, self._away_since = self._away_since, None
        end = wall - idle
        return Gap(start, end, "idle") if end - start >= self.threshold else None


class GapBook:
    """Reports each stretch of time once, however many detectors saw it (pure)."""

    def __init__(self, threshold: timedelta = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._seen: list[Interval] = []

    def report(self, gap: Gap) -> Gap | None:
        pieces = gap.interval.subtract(self._seen)
        self._seen = [*self._seen[-20:], gap.interval]
        pieces = [p for p in pieces if p.duration >= self.threshold]
        if not pieces:
            return None
        longest = max(pieces, key=lambda p: p.duration)
        return Gap(longest.start, longest.end, gap.cause)


# ---------------------------------------------------------------- the question


def to_ask(session: Session, owner: str, gap: Gap, threshold: timedelta) -> Gap | None:
    """The part of a gap worth asking about: the longest stretch the log counts as work while
    nobody was there, if it lasts `threshold`; None when there is nothing to ask.

    Not asked: what the log does not count as work (a break, meeting or interruption logged
    over it; while the log follows the plan, the plan's breaks, which it takes as breaks: away
    at lunch is the lunch), and time when nothing was logged (a closed day, a pause)."""
    spans = [
        (e.kind, piece)
        for e in tracking.list_entries(session, owner, gap.interval)
        if e.start < gap.end
        and (piece := Interval(e.start, e.end or gap.end).clip(gap.interval)) is not None
    ]
    worked = [piece for kind, piece in spans if kind == "work"]
    covered = [piece for kind, piece in spans if kind != "work"]
    current = tracking.running(session, owner)
    if current is not None and current.follows_plan:
        covered += [
            Interval(b.start, b.end)
            for b in planning.breaks_overlapping(session, owner, gap.interval)
            if not b.skipped
        ]
    pieces = [p for w in worked for p in w.subtract(covered) if p.duration >= threshold]
    if not pieces:
        return None
    longest = max(pieces, key=lambda p: p.duration)
    return Gap(longest.start, longest.end, gap.cause)


def suggest(session: Session, owner: str, zone: tzinfo, gap: Gap) -> str:
    """The answer the question offers first: a meeting that covers half the gap; "stopped"
    for an absence from the hard stop on or into the next day (gone home without closing the
    day); else a break."""
    meetings = planning.list_meetings(session, owner, gap.interval)
    overlap = sum(
        (min(m.end, gap.end) - max(m.start, gap.start)).total_seconds()
        for m in meetings
        if m.busy and not m.all_day
    )
    if overlap >= (gap.end - gap.start).total_seconds() / 2:
        return "meeting"
    day = planning.day_of(session, owner, gap.start, zone)
    stop = planning.get_day(session, owner, day, zone).stop
    if gap.start >= stop or planning.day_of(session, owner, gap.end, zone) != day:
        return "stopped"
    return "break"


# ---------------------------------------------------------------- the answer


def record_gap(
    session: Session,
    owner: str,
    zone: tzinfo,
    gap: Interval,
    answer: str,
    *,
    role_id: int | None = None,
    note: str = "",
) -> tuple[list[EntryV], Change]:
    """Log a gap as a meeting, interruption, break or work on a role, or say the person had
    stopped working.

    What was running goes on after the gap; time already logged inside the gap is kept.
    "stopped": the log ends where the gap began (the work the log assumed in it is taken
    back), nothing goes on after it, and the log no longer waits for the plan.
    """
    conflicts.hold(session, owner)  # PostgreSQL: one writer of these rows at a time
    if answer not in ANSWERS:
        raise PlannerError(
            tr("a gap is one of {join}, not {answer!r}").format(
                join=", ".join(ANSWERS), answer=answer
            )
        )
    if gap.is_empty():
        raise PlannerError(tr("the gap is empty"))
    tracking._check_role(session, owner, role_id)
    note = tracking._clean_text(note, tracking.MAX_NOTE)
    open_rows = tracking._open_entries(session, owner)
    if answer == "stopped":
        return _stopped(session, owner, zone, gap, open_rows)
    current = open_rows[-1] if open_rows and open_rows[-1].start < gap.end else None
    if answer == "work" and role_id is None:
        role_id = current.role_id if current is not None else None
        if role_id is None:
            raise PlannerError(tr("name the role that was worked on"))
    if (
        answer == "work"
        and current is not None
        and current.kind == "work"
        and current.role_id == role_id
        and not note
    ):
        return [], Change()  # it was the work that was running anyway
    if current is not None:
        if current.start < gap.start:
            for row in open_rows:
                row.end = max(gap.start, row.start)
            resumed = Entry(
                owner=owner,
                start=gap.end,
                kind=current.kind,
                role_id=current.role_id,
                task_id=current.task_id,
                slot_id=current.slot_id,
                note=current.note,
                source=current.source,
                follows_plan=current.follows_plan,
                interrupted_entry_id=current.interrupted_entry_id,
                flag_unplanned=current.flag_unplanned,
                flag_cross_role=current.flag_cross_role,
                flag_in_focus=current.flag_in_focus,
                flag_after_stop=current.flag_after_stop,
            )
            session.add(resumed)
        else:
            current.start = gap.end  # it was started inside the gap: the gap comes first
    session.flush()
    closed = session.scalars(
        select(Entry).where(
            Entry.owner == owner,
            Entry.end.is_not(None),
            Entry.start < gap.end,
            Entry.end > gap.start,
        )
    )
    busy = [Interval(e.start, e.end) for e in closed if e.end is not None]
    made: list[Entry] = []
    for piece in gap.subtract(busy):
        entry = Entry(
            owner=owner,
            start=piece.start,
            end=piece.end,
            kind=answer,
            role_id=role_id,
            slot_id=(s.id if (s := planning.slot_at(session, owner, piece.start)) else None),
            note=note,
            source="gap",
            interrupted_entry_id=current.id if answer == "interruption" and current else None,
        )
        if answer == "interruption":
            tracking._apply_flags(
                entry, tracking.interruption_flags(session, owner, zone, piece.start, role_id)
            )
        session.add(entry)
        made.append(entry)
    tracking.check_log(session, owner, gap, None, zone)
    day = planning.day_of(session, owner, gap.start, zone)
    return [tracking._entry_v(e) for e in made], Change.of(Topic.ENTRIES, day=day)


def _stopped(
    session: Session, owner: str, zone: tzinfo, gap: Interval, open_rows: list[Entry]
) -> tuple[list[EntryV], Change]:
    """The person had stopped at the gap's start: end the log there (see record_gap)."""
    for row in open_rows:
        row.end = max(gap.start, row.start)
    session.flush()
    assumed = session.scalars(
        select(Entry).where(
            Entry.owner == owner,
            Entry.kind == "work",
            Entry.end.is_not(None),
            Entry.start < gap.end,
            Entry.end > gap.start,
        )
    )
    for row in list(assumed):
        if row.start < gap.start:
            row.end = gap.start
        else:
            session.delete(row)  # work the log assumed while nobody was there
    for row in open_rows:  # a zero-length row left by the end above
        if row.kind == "work" and row.end == row.start and row in session:
            session.delete(row)
    tracking._disarm(session, owner, zone, gap.start)
    session.flush()
    tracking.check_log(session, owner, gap, None, zone)
    day = planning.day_of(session, owner, gap.start, zone)
    return [], Change.of(Topic.ENTRIES, day=day)
