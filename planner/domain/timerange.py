"""Timezone-aware intervals: overlap, clip, subtract, merge, and local day bounds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from planner.domain.i18n import tr


def ensure_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(tr("naive datetime not allowed: {moment!r}").format(moment=moment))
    return moment


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open interval [start, end) between two aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        ensure_aware(self.start)
        ensure_aware(self.end)
        if self.end < self.start:
            raise ValueError(
                tr("interval ends before it starts: {start} > {end}").format(
                    start=self.start, end=self.end
                )
            )

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def minutes(self) -> float:
        return self.duration.total_seconds() / 60

    def is_empty(self) -> bool:
        return self.end <= self.start

    def overlaps(self, other: Interval) -> bool:
        if self.is_empty() or other.is_empty():
            return False
        return self.start < other.end and other.start < self.end

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def clip(self, window: Interval) -> Interval | None:
        start = max(self.start, window.start)
        end = min(self.end, window.end)
        if end <= start:
            return None
        return Interval(start, end)

    def subtract(self, others: Iterable[Interval]) -> list[Interval]:
        """What is left of this interval once the others are cut out."""
        pieces = [self]
        for cut in merge(others):
            nxt: list[Interval] = []
            for piece in pieces:
                if not piece.overlaps(cut):
                    nxt.append(piece)
                    continue
                if piece.start < cut.start:
                    nxt.append(Interval(piece.start, cut.start))
                if cut.end < piece.end:
                    nxt.append(Interval(cut.end, piece.end))
            pieces = nxt
        return pieces


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals."""
    out: list[Interval] = []
    for iv in sorted(i for i in intervals if not i.is_empty()):
        if out and iv.start <= out[-1].end:
            if iv.end > out[-1].end:
                out[-1] = Interval(out[-1].start, iv.end)
        else:
            out.append(iv)
    return out


def total_minutes(intervals: Iterable[Interval]) -> float:
    return sum(i.minutes for i in merge(intervals))


def local_wall_time(day: date, minute_of_day: int, zone: tzinfo) -> datetime:
    """The UTC moment of `minute_of_day` minutes after local midnight of `day` (may pass 24 h).

    Minutes are wall-clock minutes: 17:30 is 17:30 on a DST day too. A wall time that does not
    exist (spring-forward gap) lands just after the gap.
    """
    extra_days, minute = divmod(minute_of_day, 24 * 60)
    local_day = day + timedelta(days=extra_days)
    naive = datetime.combine(local_day, time(minute // 60, minute % 60))
    # fold=0: an ambiguous time is its first occurrence; a time in a gap moves past it by the
    # gap's length (02:30 on a spring-forward day becomes 03:30).
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def day_bounds(day: date, zone: tzinfo, day_start_minute: int = 0) -> Interval:
    """The local day `day` as UTC, starting at `day_start_minute` past local midnight."""
    return Interval(
        local_wall_time(day, day_start_minute, zone),
        local_wall_time(day + timedelta(days=1), day_start_minute, zone),
    )


def local_date(moment: datetime, zone: tzinfo, day_start_minute: int = 0) -> date:
    """Which local day a moment belongs to (a day may start after midnight, e.g. at 04:00)."""
    local = ensure_aware(moment).astimezone(zone)
    return (local - timedelta(minutes=day_start_minute)).date()


def parse_hhmm(text: str) -> int:
    """'09:00' -> 540; '25:30' or '01:30+1' -> minutes past the day's midnight (after midnight)."""
    raw = text.strip()
    plus_day = 0
    if raw.endswith("+1"):
        raw, plus_day = raw[:-2], 1
    try:
        hh, mm = raw.split(":")
        hours, minutes = int(hh), int(mm)
    except ValueError as exc:
        raise ValueError(tr("not a time: {text!r} (expected HH:MM)").format(text=text)) from exc
    if not (0 <= minutes < 60 and 0 <= hours < 48):
        raise ValueError(tr("not a time: {text!r} (expected HH:MM)").format(text=text))
    return (hours + 24 * plus_day) * 60 + minutes


def format_minute(minute_of_day: int) -> str:
    hours, minutes = divmod(minute_of_day, 60)
    if hours >= 24:
        return f"{hours - 24:02d}:{minutes:02d}+1"
    return f"{hours:02d}:{minutes:02d}"
