"""Interruption helpers for the quick log and its day log: recent sources, the re-flow rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner.domain.i18n import tr
from planner.domain.timerange import Interval, day_bounds
from planner.domain.values import EntryV, SlotV
from planner.services import planning, tracking
from planner.storage.models import Entry

# Offered even before any history exists; the user's own sources come first.
COMMON_SOURCES = ("chat", "email", "phone", "walk-in", "meeting")
REFLOW_AFTER_MINUTES = 20  # an interruption at least this long may leave the plan out of shape


def recent_sources(session: Session, owner: str, *, limit: int = 50) -> list[str]:
    """Sources the user has typed before, most recently used first, then the common ones."""
    last_used = func.max(Entry.start)
    rows = session.execute(
        select(Entry.source)
        .where(Entry.owner == owner, Entry.kind == "interruption", Entry.source != "")
        .group_by(Entry.source)
        .order_by(last_used.desc())
        .limit(limit)
    )
    seen: list[str] = []
    for (source,) in rows:
        if source.casefold() not in (s.casefold() for s in seen):
            seen.append(source)
    for common in COMMON_SOURCES:
        if common not in (s.casefold() for s in seen):
            seen.append(common)
    return seen


def day_interruptions(session: Session, owner: str, day: date, zone: tzinfo) -> list[EntryV]:
    """The interruptions logged on a (local, day-start aware) day, oldest first."""
    start_minute = int(planning.get_setting(session, owner, "day_start_minute"))
    bounds = day_bounds(day, zone, start_minute)
    return [e for e in tracking.list_entries(session, owner, bounds) if e.kind == "interruption"]


@dataclass(frozen=True)
class ReflowAdvice:
    """Why the rest of the day no longer matches the plan (shown to the user, never acted on)."""

    day: date
    interruption_minutes: float
    lost_minutes: float
    reason: str


def out_of_shape(
    interruption: Interval,
    slots: Sequence[SlotV],
    now: datetime,
    day_stop: datetime,
    *,
    threshold_minutes: float = REFLOW_AFTER_MINUTES,
    min_block_minutes: float = 45,
) -> float:
    """The rest of the day is out of shape when an interruption of at least `threshold_minutes`
    ate at least that much planned slot time, and enough of the day is left (one focus block)
    for a re-flow to change anything. Returns the planned minutes lost, 0 when in shape."""
    length = (interruption.end - interruption.start).total_seconds() / 60
    if length < threshold_minutes:
        return 0.0
    lost = 0.0
    for slot in slots:
        a, b = max(slot.start, interruption.start), min(slot.end, interruption.end)
        if b > a:
            lost += (b - a).total_seconds() / 60
    if lost < threshold_minutes:
        return 0.0
    left = (day_stop - now).total_seconds() / 60
    if left < min_block_minutes:
        return 0.0
    return lost


def reflow_advice(
    session: Session, owner: str, zone: tzinfo, now: datetime, entry: EntryV
) -> ReflowAdvice | None:
    """Advice after `entry` (a finished interruption): re-flow the rest of its day, or None."""
    if entry.kind != "interruption" or entry.end is None:
        return None
    day = planning.day_of(session, owner, entry.start, zone)
    if day != planning.day_of(session, owner, now, zone):
        return None  # only today's plan can still be re-flowed
    day_v = planning.get_day(session, owner, day, zone)
    threshold = planning.get_setting(session, owner, "reflow_after_minutes")
    lost = out_of_shape(
        Interval(entry.start, entry.end),
        planning.list_slots(session, owner, day),
        now,
        day_v.stop,
        threshold_minutes=float(threshold if threshold is not None else REFLOW_AFTER_MINUTES),
        min_block_minutes=day_v.min_block_minutes,
    )
    if not lost:
        return None
    length = (entry.end - entry.start).total_seconds() / 60
    return ReflowAdvice(
        day=day,
        interruption_minutes=length,
        lost_minutes=lost,
        reason=(
            tr(
                "The {length}-min interruption took {lost} min of planned slots; the rest of the "
                "day is out of shape."
            ).format(length=round(length), lost=round(lost))
        ),
    )


def parse_minutes(text: str) -> int:
    """'10m', '1h', '1h30m', '1:30', '90' -> minutes (the CLI's rule)."""
    from planner.domain.durations import parse_duration

    return parse_duration(text)
