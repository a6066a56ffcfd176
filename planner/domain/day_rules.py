"""Pure rules of the day as lived: what the plan says at a moment, focus and next, the morning rule.

Written once here; the services (planner.services.day, tracking) and the UI's snapshot
(ui.day_data) both call these, so the CLI's `status` and the Now panel cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from planner.domain.values import WORKING_KINDS, BreakV, EntryV, MeetingV, SlotV


def followed_meetings(meetings: Iterable[MeetingV]) -> list[MeetingV]:
    """The meetings the log follows: busy, with a time (an all-day event is not a meeting)."""
    return [m for m in meetings if m.busy and not m.all_day and m.end > m.start]


@dataclass(frozen=True)
class Planned:
    """What the plan says at a moment: a meeting, a slot's role, or a planned break."""

    kind: str  # "meeting", "work" or "break"
    role_id: int | None
    slot: SlotV | None = None
    meeting: MeetingV | None = None
    brk: BreakV | None = None

    @property
    def start(self) -> datetime:
        item = self.meeting or self.slot or self.brk
        assert item is not None
        return item.start

    def same_as(self, other: Planned | None) -> bool:
        """Whether the log needs no switch between the two (a slot of the same role goes on)."""
        if other is None or other.kind != self.kind:
            return False
        if self.kind == "meeting":
            return other.meeting == self.meeting
        if self.kind == "break":
            return other.brk == self.brk
        return other.role_id == self.role_id


def taken_breaks(breaks: Iterable[BreakV]) -> list[BreakV]:
    """The breaks the log follows: planned and not skipped for the day."""
    return [b for b in breaks if not b.skipped and b.end > b.start]


def planned_at(
    slots: Sequence[SlotV],
    meetings: Sequence[MeetingV],
    moment: datetime,
    breaks: Sequence[BreakV] = (),
) -> Planned | None:
    """A meeting covering `moment` wins over the slot under it, a slot over a break (a slot
    put over the lunch by hand means work); None in a gap of the plan."""
    covering = [m for m in followed_meetings(meetings) if m.start <= moment < m.end]
    if covering:
        meeting = max(covering, key=lambda m: (m.start, m.id))  # a meeting inside a meeting
        return Planned("meeting", meeting.role_id, meeting=meeting)
    under = [s for s in slots if s.start <= moment < s.end]
    if under:
        slot = max(under, key=lambda s: (s.start, s.id))
        return Planned("work", slot.role_id, slot=slot)
    pauses = [b for b in taken_breaks(breaks) if b.start <= moment < b.end]
    if pauses:
        return Planned("break", None, brk=max(pauses, key=lambda b: (b.start, b.id)))
    return None


def change_points(
    slots: Sequence[SlotV],
    meetings: Sequence[MeetingV],
    after: datetime,
    until: datetime,
    breaks: Sequence[BreakV] = (),
) -> list[datetime]:
    """Where the plan may switch the log, in (after, until]: slot starts, meeting and break
    starts and ends.

    A slot's end is no switch of its own: in a gap the log keeps what was planned last."""
    moments = {s.start for s in slots}
    for m in followed_meetings(meetings):
        moments.update((m.start, m.end))
    for b in taken_breaks(breaks):
        moments.update((b.start, b.end))
    return sorted(t for t in moments if after < t <= until)


def first_planned(
    slots: Sequence[SlotV], meetings: Sequence[MeetingV], since: datetime, until: datetime
) -> tuple[datetime, Planned] | None:
    """The first moment in [since, until] at which the plan has something, and what."""
    here = planned_at(slots, meetings, since)
    if here is not None:
        return since, here
    for moment in change_points(slots, meetings, since, until):
        found = planned_at(slots, meetings, moment)
        if found is not None:
            return moment, found
    return None


@dataclass(frozen=True)
class PlanFocus:
    """The plan around `now`: the slot and meeting now, and what comes next."""

    now: datetime
    slot: SlotV | None
    meeting: MeetingV | None
    next_slot: SlotV | None  # the next slot that changes the role (same-role slots run on)
    next_meeting: MeetingV | None

    @property
    def next_is_meeting(self) -> bool:
        """Whether the next thing on the plan is a meeting (it starts before the next slot)."""
        if self.next_meeting is None:
            return False
        return self.next_slot is None or self.next_meeting.start <= self.next_slot.start

    @property
    def next_start(self) -> datetime | None:
        if self.next_is_meeting:
            assert self.next_meeting is not None
            return self.next_meeting.start
        return self.next_slot.start if self.next_slot else None


def _bridged(end: datetime, start: datetime, breaks: Sequence[BreakV]) -> bool:
    """Whether [end, start) is nothing but planned breaks (a role going on after a short break
    goes on: it is no "next")."""
    moment = end
    for b in sorted(taken_breaks(breaks), key=lambda b: b.start):
        if b.start <= moment < b.end:
            moment = b.end
    return moment >= start


def focus_at(
    slots: Sequence[SlotV],
    meetings: Sequence[MeetingV],
    now: datetime,
    breaks: Sequence[BreakV] = (),
) -> PlanFocus:
    """The one rule for "now" and "next" (the Now panel, the mini window, `splitday status`)."""
    ordered = sorted(slots, key=lambda s: (s.start, s.id))
    under = [s for s in ordered if s.start <= now < s.end]
    slot = max(under, key=lambda s: (s.start, s.id)) if under else None
    upcoming = [s for s in ordered if s.start > now]
    if slot is not None:
        end = slot.end
        while (
            upcoming
            and upcoming[0].role_id == slot.role_id
            and _bridged(end, upcoming[0].start, breaks)
        ):
            end = max(end, upcoming.pop(0).end)  # the same role goes on: not a "next"
    followed = followed_meetings(meetings)
    covering = [m for m in followed if m.start <= now < m.end]
    later = sorted((m for m in followed if m.start > now), key=lambda m: (m.start, m.id))
    return PlanFocus(
        now=now,
        slot=slot,
        meeting=max(covering, key=lambda m: (m.start, m.id)) if covering else None,
        next_slot=upcoming[0] if upcoming else None,
        next_meeting=later[0] if later else None,
    )


def morning_plan_due(
    *, is_workday: bool, has_slots: bool, started: bool, now: datetime, stop: datetime
) -> bool:
    """Whether Plan my day should open by itself: a workday, nothing planned or started yet,
    and before the hard stop."""
    return is_workday and not has_slots and not started and now < stop


def break_skipped(brk: BreakV, worked_minutes: float, now: datetime) -> bool:
    """A planned break counts as skipped when it was skipped for the day, or, once it is over,
    when work was logged for more than half of it (a break taken is logged as a break, or
    not at all: away from the desk)."""
    if brk.skipped:
        return True
    length = (brk.end - brk.start).total_seconds() / 60
    return brk.end <= now and length > 0 and worked_minutes > length / 2


def skipped_breaks(
    breaks: Sequence[BreakV], entries: Sequence[EntryV], now: datetime
) -> list[BreakV]:
    """The day's breaks that were skipped (see break_skipped), in order."""
    out = []
    for brk in sorted(breaks, key=lambda b: b.start):
        worked = 0.0
        for e in entries:
            if e.kind not in WORKING_KINDS:
                continue
            end = e.end if e.end is not None else now
            lo, hi = max(e.start, brk.start), min(end, brk.end)
            if hi > lo:
                worked += (hi - lo).total_seconds() / 60
        if break_skipped(brk, worked, now):
            out.append(brk)
    return out
