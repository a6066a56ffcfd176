"""The timeline's geometry: its time range and scale, the two columns, where a slot or an entry
lies and what is under a point. The widget's state lives here too (the base of the painting and
the interaction layers)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QMoveEvent
from PySide6.QtWidgets import QWidget

from planner.domain.i18n import format_locale
from ui import geometry
from ui.formats import clock
from ui.geometry import TimeScale


@cache
def hour_labels(locale: str) -> tuple[str, ...]:
    """Every hour as the ruler writes it in `locale` (the cache key: one list per locale)."""
    return tuple(clock(datetime(2026, 1, 1, h, tzinfo=UTC), UTC) for h in range(24))


if TYPE_CHECKING:
    from planner.domain.values import BreakV, EntryV, SlotV
    from ui.day_data import DaySnapshot

HEADER = 26  # the column titles' band at the top of the view
STEP = geometry.SNAP_MINUTES


class Drag:
    """A drag in progress (a plain class: `dataclasses` is not needed for the first paint)."""

    def __init__(
        self,
        kind: str,  # "create" | "move" | "top" | "bottom"
        press_y: float,
        press_moment: datetime,
        slot: SlotV | None,
        start: datetime,
        end: datetime,
        moved: bool = False,
        free: bool = False,  # Alt was held at the press: no snapping
        brk: BreakV | None = None,  # a break dragged (then `slot` is None)
        seen_version: int | None = None,  # the slot's version at the press (kept on reloads)
    ) -> None:
        self.kind, self.press_y, self.press_moment, self.slot = kind, press_y, press_moment, slot
        self.start, self.end, self.moved, self.free = start, end, moved, free
        self.brk = brk
        self.seen_version = seen_version if seen_version is not None else (
            slot.version if slot is not None else None
        )  # fmt: skip

    @property
    def block(self) -> tuple[datetime, datetime] | None:
        """Where the dragged slot or break was at the press (None: a new slot)."""
        if self.slot is not None:
            return self.slot.start, self.slot.end
        if self.brk is not None:
            return self.brk.start, self.brk.end
        return None

    def __repr__(self) -> str:
        return f"Drag({self.kind}, {self.start:%H:%M}–{self.end:%H:%M}, moved={self.moved})"


class TimelineLayout(QWidget):
    """Where things are on the timeline; paints nothing and handles no input."""

    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.snapshot: DaySnapshot | None = None
        self.now: datetime | None = None
        self.selected_id: int | None = None
        self._drag: Drag | None = None
        self._drop_slot: int | None = None

    def _range(self) -> tuple[datetime, datetime] | None:
        snap = self.snapshot
        if snap is None:
            return None
        extra = [(s.start, s.end) for s in snap.plan.slots]
        extra += [(m.start, m.end) for m in snap.plan.meetings if not m.all_day]
        extra += [(e.start, e.end or max(snap.now, e.start)) for e in snap.entries]
        if snap.bounds is not None:  # an entry running since yesterday stretches nothing
            lo, hi = snap.bounds
            extra = [(max(a, lo), min(b, hi)) for a, b in extra if a < hi and b > lo]
        return geometry.visible_range(snap.plan.day.start, snap.plan.day.stop, extra, self.zone)

    def base_px_per_minute(self) -> float:
        return max(0.9, self.fontMetrics().height() / 16)

    def scale(self) -> TimeScale | None:
        span = self._range()
        if span is None:
            return None
        minutes = TimeScale.minutes(*span)
        ppm = max(self.base_px_per_minute(), (self.height() - HEADER - 4) / max(minutes, 1))
        return TimeScale(span[0], span[1], ppm, HEADER)

    def sizeHint(self) -> QSize:
        span = self._range()
        minutes = TimeScale.minutes(*span) if span else 12 * 60
        return QSize(420, int(HEADER + minutes * self.base_px_per_minute()) + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(260, self.sizeHint().height())

    def gutter(self) -> float:
        """Room for the hour labels: '00:00', or the locale's widest ('12:00 PM', '١٢:٠٠ م')."""
        fm = self.fontMetrics()
        return max(fm.horizontalAdvance(label) for label in hour_labels(format_locale())) + 14

    # Right to left (an Arabic or Hebrew locale, or Qt's layout direction set so): the time
    # axis is vertical and stays top-down, as it reads the same in every script; what mirrors
    # is the order across it. The hour ruler is at the right edge, Planned (read first) next
    # to it and Actual at the left, and every block's text starts at its right side. The
    # columns below are (left, right) in widget pixels in both directions: painting and
    # hit-testing use them as they are.

    def mirrored(self) -> bool:
        return self.layoutDirection() == Qt.LayoutDirection.RightToLeft

    def _visual(self, left: float, right: float) -> tuple[float, float]:
        """A span measured from the reading start (the left, or the right edge in RTL)."""
        if self.mirrored():
            return self.width() - right, self.width() - left
        return left, right

    def _planned_logical(self) -> tuple[float, float]:
        left = self.gutter()
        width = (self.width() - left - 12) * 0.58
        return left, left + width

    def planned_column(self) -> tuple[float, float]:
        return self._visual(*self._planned_logical())

    def actual_column(self) -> tuple[float, float]:
        _, right = self._planned_logical()
        return self._visual(right + 8, self.width() - 4)

    def ruler(self) -> tuple[float, float]:
        """Where the hour labels are, beside the Planned column."""
        return self._visual(0, self.gutter() - 6)

    def columns(self) -> tuple[float, float]:
        """Both columns together, outer edge to outer edge."""
        (p_left, p_right), (a_left, a_right) = self.planned_column(), self.actual_column()
        return min(p_left, a_left), max(p_right, a_right)

    def between_columns(self) -> float:
        """The x of the rule between Planned and Actual."""
        (p_left, p_right), (a_left, a_right) = self.planned_column(), self.actual_column()
        return (a_right + p_left) / 2 if self.mirrored() else (p_right + a_left) / 2

    def start_align(self) -> Qt.AlignmentFlag:
        """Text alignment at the reading start, whatever the painter thinks AlignLeft means."""
        side = Qt.AlignmentFlag.AlignRight if self.mirrored() else Qt.AlignmentFlag.AlignLeft
        return side | Qt.AlignmentFlag.AlignAbsolute

    def slot_rect(self, slot: SlotV, scale: TimeScale | None = None) -> QRectF:
        scale = scale or self.scale()
        assert scale is not None
        left, right = self.planned_column()
        top, bottom = scale.y_of(slot.start), scale.y_of(slot.end)
        return QRectF(left, top, right - left, bottom - top)

    def y_of(self, moment: datetime) -> float:
        scale = self.scale()
        assert scale is not None
        return scale.y_of(moment)

    def point_at(self, moment: datetime, column: str = "planned") -> QPoint:
        """A widget point at `moment` in the middle of a column (tests and keyboard use it)."""
        left, right = self.planned_column() if column == "planned" else self.actual_column()
        return QPoint(int((left + right) / 2), round(self.y_of(moment)))

    def slot_at(self, pos: QPointF) -> tuple[SlotV, str] | None:
        scale = self.scale()
        if scale is None or self.snapshot is None:
            return None
        left, right = self.planned_column()
        if not left <= pos.x() <= right or pos.y() < self.header_top() + HEADER:
            return None  # beside the column, or on the titles over it
        for slot in reversed(self.snapshot.plan.slots):
            hit = geometry.hit_edge(pos.y(), scale.y_of(slot.start), scale.y_of(slot.end))
            if hit is not None:
                return slot, hit
        return None

    def break_at(self, pos: QPointF) -> tuple[BreakV, str] | None:
        """The planned break under `pos` and where on it ('top', 'bottom', 'body'), only
        inside its band (a slot's edge beside it stays the slot's)."""
        scale = self.scale()
        if scale is None or self.snapshot is None or not self._in_planned(pos):
            return None
        for brk in reversed(self.snapshot.plan.breaks):
            top, bottom = scale.y_of(brk.start), scale.y_of(brk.end)
            if top <= pos.y() <= bottom:
                hit = geometry.hit_edge(pos.y(), top, bottom)
                return brk, hit or "body"
        return None

    def block_at(self, pos: QPointF) -> tuple[SlotV | None, BreakV | None, str] | None:
        """What a press at `pos` takes hold of: a slot's body first, then a break inside its
        band, except where the edge under `pos` is a slot's that lies inside the break (a
        slot overlapping the lunch); (slot, None, part) or (None, break, part)."""
        slot = self.slot_at(pos)
        if slot is not None and slot[1] == "body":
            return slot[0], None, "body"
        on_break = self.break_at(pos)
        if on_break is not None and not on_break[0].skipped:
            brk, part = on_break
            if slot is None:
                return None, brk, part
            edge = slot[0].start if slot[1] == "top" else slot[0].end
            if part != "body" or not brk.start < edge < brk.end:
                return None, brk, part
        if slot is not None:
            return slot[0], None, slot[1]
        return None

    def _in_planned(self, pos: QPointF) -> bool:
        left, right = self.planned_column()
        return left <= pos.x() <= right and pos.y() >= self.header_top() + HEADER

    def header_top(self) -> int:
        """Where the column titles are drawn: the top of the visible part, so they stay in view
        however far the scroll area has scrolled (to "now" late in the evening, say)."""
        return max(0, self.visibleRegion().boundingRect().top())

    def moveEvent(self, event: QMoveEvent) -> None:
        # the scroll area scrolls by moving this widget; the titles must follow the view
        super().moveEvent(event)
        self.update()

    def _entry_rect(self, scale: TimeScale, entry: EntryV) -> QRectF | None:
        end = entry.end or max(self.now or entry.start, entry.start)
        if end <= entry.start:
            return None
        left, right = self.actual_column()
        top, bottom = scale.y_of(scale.clamp(entry.start)), scale.y_of(scale.clamp(end))
        if bottom <= top:
            return None
        if entry.kind == "interruption":  # narrower, on the far side from the plan
            if self.mirrored():
                right -= (right - left) * 0.25
            else:
                left += (right - left) * 0.25
        return QRectF(left + 1, top, right - left - 2, max(bottom - top, 3))

    def _label(self, start: datetime, end: datetime) -> str:
        a = clock(start, self.zone)
        b = clock(end, self.zone)
        return f"{a}–{b}"
