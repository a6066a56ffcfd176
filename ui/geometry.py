"""Timeline maths with no Qt: time <-> pixel, snapping, the visible range, edge hit-testing."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, tzinfo

SNAP_MINUTES = 5
EDGE_PIXELS = 6


def snap(moment: datetime, step_minutes: int = SNAP_MINUTES) -> datetime:
    """Round to the nearest `step_minutes` boundary (UTC-based; every real zone offset is a
    multiple of 5 minutes, so local wall times snap the same way)."""
    seconds = moment.timestamp()
    step = max(step_minutes, 1) * 60
    return datetime.fromtimestamp(round(seconds / step) * step, UTC)


def floor_hour(moment: datetime, zone: tzinfo) -> datetime:
    local = moment.astimezone(zone)
    return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)


class TimeScale:
    """Maps moments to vertical pixel positions: `top` pixels down is `origin`.

    A plain class, not a dataclass: `dataclasses` costs start-up time before the first paint.
    """

    __slots__ = ("end", "origin", "px_per_minute", "top")

    def __init__(
        self, origin: datetime, end: datetime, px_per_minute: float, top: float = 0.0
    ) -> None:
        self.origin, self.end, self.px_per_minute, self.top = origin, end, px_per_minute, top

    def __repr__(self) -> str:
        return f"TimeScale({self.origin}, {self.end}, {self.px_per_minute:.3f}, top={self.top})"

    @property
    def height(self) -> float:
        return self.minutes(self.origin, self.end) * self.px_per_minute

    @staticmethod
    def minutes(a: datetime, b: datetime) -> float:
        return (b - a).total_seconds() / 60

    def y_of(self, moment: datetime) -> float:
        return self.top + self.minutes(self.origin, moment) * self.px_per_minute

    def moment_at(self, y: float) -> datetime:
        return self.origin + timedelta(minutes=(y - self.top) / self.px_per_minute)

    def clamp(self, moment: datetime) -> datetime:
        return min(max(moment, self.origin), self.end)


def visible_range(
    start: datetime, stop: datetime, extra: list[tuple[datetime, datetime]], zone: tzinfo
) -> tuple[datetime, datetime]:
    """Whole local hours covering the workday, one hour either side, and everything shown."""
    lo = min([start, *(a for a, _ in extra)])
    hi = max([stop, *(b for _, b in extra)])
    first = floor_hour(lo, zone) - timedelta(hours=1)
    last = floor_hour(hi, zone)
    if last < hi:
        last += timedelta(hours=1)
    last += timedelta(hours=1)
    return first, last


def hour_marks(origin: datetime, end: datetime, zone: tzinfo) -> list[datetime]:
    """Every full local hour in [origin, end] (DST days get 23 or 25 of them)."""
    marks = []
    moment = floor_hour(origin, zone)
    if moment < origin:
        moment += timedelta(hours=1)
    while moment <= end:
        marks.append(moment)
        moment += timedelta(hours=1)
    return marks


def hit_edge(y: float, top: float, bottom: float, edge: float = EDGE_PIXELS) -> str | None:
    """'top' or 'bottom' when `y` is on a block's edge, 'body' inside it, None outside."""
    if y < top - edge / 2 or y > bottom + edge / 2:
        return None
    grip = min(edge, max((bottom - top) / 4, 2))
    if abs(y - top) <= grip:
        return "top"
    if abs(y - bottom) <= grip:
        return "bottom"
    return "body" if top <= y <= bottom else None


def moved(start: datetime, end: datetime, delta: timedelta, step: int) -> tuple[datetime, datetime]:
    """The block moved by `delta`, its start snapped, its length kept."""
    new_start = snap(start + delta, step)
    return new_start, new_start + (end - start)


def resized(
    start: datetime, end: datetime, edge: str, to: datetime, step: int
) -> tuple[datetime, datetime]:
    """The block with one edge dragged to `to` (snapped); never shorter than one step."""
    least = timedelta(minutes=max(step, 1))
    target = snap(to, step)
    if edge == "top":
        return min(target, end - least), end
    return start, max(target, start + least)


def span(a: datetime, b: datetime, step: int) -> tuple[datetime, datetime]:
    """A new block dragged from `a` to `b` (either direction), snapped, at least one step."""
    lo, hi = sorted((snap(a, step), snap(b, step)))
    if hi - lo < timedelta(minutes=max(step, 1)):
        hi = lo + timedelta(minutes=max(step, 1))
    return lo, hi


def contrast_ratio(rgb_a: tuple[int, int, int], rgb_b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two sRGB colours."""

    def lum(rgb: tuple[int, int, int]) -> float:
        def chan(c: int) -> float:
            v = c / 255
            return v / 12.92 if v <= 0.04045 else math.pow((v + 0.055) / 1.055, 2.4)

        r, g, b = (chan(c) for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    la, lb = sorted((lum(rgb_a), lum(rgb_b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def parse_hex(colour: str) -> tuple[int, int, int]:
    text = colour.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def text_colour_on(colour: str) -> str:
    """Black or white, whichever reads better on `colour`."""
    rgb = parse_hex(colour)
    black, white = (0, 0, 0), (255, 255, 255)
    return "#000000" if contrast_ratio(rgb, black) >= contrast_ratio(rgb, white) else "#ffffff"
