"""The day timeline: Planned (slots, meetings, hard stop) and Actual (the log) on one time axis."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QMoveEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QInputDialog, QMenu, QSizePolicy, QToolTip, QWidget

from ui import geometry, theme
from ui.geometry import TimeScale

if TYPE_CHECKING:
    from planner.domain.values import EntryV, MeetingV, SlotV
    from ui.day_data import DaySnapshot

MIME_TASK = "application/x-splitday-task-ids"
HEADER = 26
STEP = geometry.SNAP_MINUTES
NEW_SLOT_MINUTES = 30


def task_ids_from(mime: QMimeData) -> list[int]:
    if not mime.hasFormat(MIME_TASK):
        return []
    raw = bytes(mime.data(MIME_TASK).data()).decode("ascii", "replace")
    return [int(x) for x in raw.split(",") if x.strip().isdigit()]


def task_mime(ids: list[int]) -> QMimeData:
    mime = QMimeData()
    mime.setData(MIME_TASK, ",".join(str(i) for i in ids).encode("ascii"))
    mime.setText("\n".join(f"task {i}" for i in ids))
    return mime


class _Drag:
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
    ) -> None:
        self.kind, self.press_y, self.press_moment, self.slot = kind, press_y, press_moment, slot
        self.start, self.end, self.moved, self.free = start, end, moved, free

    def __repr__(self) -> str:
        return f"_Drag({self.kind}, {self.start:%H:%M}–{self.end:%H:%M}, moved={self.moved})"


class TimelineWidget(QWidget):
    """Paints both columns; turns mouse and keys into requests (it changes nothing itself)."""

    slot_create_requested = Signal(object, object, int)  # start, end, role_id
    slot_edit_requested = Signal(int, dict)  # slot_id, {start, end, role_id, title}
    slot_remove_requested = Signal(int)
    task_drop_requested = Signal(int, int)  # task_id, slot_id
    selection_changed = Signal(object)  # slot id or None

    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.snapshot: DaySnapshot | None = None
        self.now: datetime | None = None
        self.selected_id: int | None = None
        self._drag: _Drag | None = None
        self._drop_slot: int | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Day timeline")
        self.setToolTip(
            "Drag on empty space to plan a slot; drag a slot to move it, its edge to resize it "
            "(Alt: no snapping).\nKeys: ↑/↓ select · Ctrl+↑/↓ move · Shift+↑/↓ resize end · "
            "Ctrl+Shift+↑/↓ resize start · Ins new slot · 1–9 role · Enter rename · Del delete"
        )

    # ------------------------------------------------------------ data in

    def set_zone(self, zone: tzinfo) -> None:
        """Wall times in another zone (the next snapshot lays the day out again)."""
        self.zone = zone
        self.update()

    def set_snapshot(self, snapshot: DaySnapshot) -> None:
        old_range = self._range()
        self.snapshot = snapshot
        self.now = snapshot.now
        drag = self._drag
        if drag is not None and drag.slot is not None:
            kept = snapshot.slot(drag.slot.id)  # a reload mid-drag keeps the drag going
            self._drag = None if kept is None else _Drag(**{**drag.__dict__, "slot": kept})
        if self.selected_id is not None and snapshot.slot(self.selected_id) is None:
            self._select(None)
        if self._range() != old_range:
            self.updateGeometry()
        self.update()

    def set_now(self, now: datetime) -> None:
        self.now = now
        self.update()

    # ------------------------------------------------------------ geometry

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
        return self.fontMetrics().horizontalAdvance("00:00") + 14

    def planned_column(self) -> tuple[float, float]:
        left = self.gutter()
        width = (self.width() - left - 12) * 0.58
        return left, left + width

    def actual_column(self) -> tuple[float, float]:
        _, right = self.planned_column()
        return right + 8, self.width() - 4

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

    # ------------------------------------------------------------ painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.base())
        scale = self.scale()
        if scale is None or self.snapshot is None:
            painter.setPen(pal.text().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Loading…")
            return
        snap = self.snapshot
        self._paint_frame(painter, scale)
        for meeting in snap.plan.meetings:
            if not meeting.all_day:
                self._paint_meeting(painter, scale, meeting)
        for slot in snap.plan.slots:
            if (
                self._drag
                and self._drag.slot
                and self._drag.slot.id == slot.id
                and self._drag.moved
            ):
                continue
            self._paint_slot(painter, scale, slot, slot.start, slot.end)
        for entry in sorted(snap.entries, key=lambda e: e.kind == "interruption"):
            self._paint_entry(painter, scale, entry)
        if not snap.plan.slots and self._drag is None:
            self._paint_hint(painter, scale)
        self._paint_drag(painter, scale)
        self._paint_lines(painter, scale)
        self._paint_header(painter)
        if self.hasFocus():  # where the keys go
            pen = QPen(self.palette().highlight().color(), 2)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))

    def _paint_frame(self, painter: QPainter, scale: TimeScale) -> None:
        assert self.snapshot is not None
        pal = self.palette()
        text = pal.text().color()
        faint = QColor(text)
        faint.setAlpha(40)
        p_left, p_right = self.planned_column()
        a_right = self.actual_column()[1]
        day = self.snapshot.plan.day
        # outside the workday window: a slightly different background
        off = pal.alternateBase()
        painter.fillRect(
            QRectF(p_left, HEADER, a_right - p_left, scale.y_of(day.start) - HEADER), off
        )
        painter.fillRect(QRectF(p_left, scale.y_of(day.stop), a_right - p_left, self.height()), off)
        painter.setFont(self.font())
        fm = self.fontMetrics()
        for mark in geometry.hour_marks(scale.origin, scale.end, self.zone):
            y = scale.y_of(mark)
            painter.setPen(QPen(faint, 1))
            painter.drawLine(QPointF(p_left, y), QPointF(a_right, y))
            half = scale.y_of(mark + timedelta(minutes=30))
            if half < scale.y_of(scale.end):
                dotted = QPen(faint, 1, Qt.PenStyle.DotLine)
                painter.setPen(dotted)
                painter.drawLine(QPointF(p_left, half), QPointF(a_right, half))
            painter.setPen(text)
            label = mark.astimezone(self.zone).strftime("%H:%M")
            painter.drawText(
                QRectF(0, y - fm.height() / 2, self.gutter() - 6, fm.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
        painter.setPen(QPen(faint, 1))
        painter.drawLine(QPointF(p_right + 4, HEADER), QPointF(p_right + 4, self.height()))

    def _paint_header(self, painter: QPainter) -> None:
        """The column titles, on an opaque band over whatever has scrolled beneath them."""
        pal = self.palette()
        top = self.header_top()
        faint = QColor(pal.text().color())
        faint.setAlpha(40)
        p_left, p_right = self.planned_column()
        a_left, a_right = self.actual_column()
        # over the columns only: the hour labels in the gutter stay readable beside it
        painter.fillRect(QRectF(p_left, top, self.width() - p_left, HEADER), pal.base())
        if top > 0:  # scrolled: a rule tells the band from the hours under it
            painter.setPen(QPen(faint, 1))
            painter.drawLine(
                QPointF(p_left, top + HEADER - 0.5), QPointF(a_right, top + HEADER - 0.5)
            )
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(pal.text().color())
        for (left, right), title in (((p_left, p_right), "Planned"), ((a_left, a_right), "Actual")):
            painter.drawText(
                QRectF(left, top, right - left, HEADER), Qt.AlignmentFlag.AlignCenter, title
            )
        painter.setFont(self.font())

    def _label(self, start: datetime, end: datetime) -> str:
        a = start.astimezone(self.zone).strftime("%H:%M")
        b = end.astimezone(self.zone).strftime("%H:%M")
        return f"{a}–{b}"

    def _paint_block_text(
        self, painter: QPainter, rect: QRectF, lines: list[str], colour: QColor
    ) -> None:
        fm = self.fontMetrics()
        inner = rect.adjusted(6, 2, -6, -2)
        if rect.height() < fm.height() * 0.75:
            return  # too short for words; the tool tip tells what it is
        painter.save()
        painter.setClipRect(rect)
        painter.setPen(colour)
        y = inner.top()
        for i, line in enumerate(lines):
            if y + fm.height() > inner.bottom() + 2 and i > 0:
                break
            font = QFont(self.font())
            font.setBold(i == 0)
            painter.setFont(font)
            shown = fm.elidedText(line, Qt.TextElideMode.ElideRight, int(inner.width()))
            painter.drawText(
                QRectF(inner.left(), y, inner.width(), fm.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                shown,
            )
            y += fm.height()
        painter.restore()

    def _paint_slot(
        self,
        painter: QPainter,
        scale: TimeScale,
        slot: SlotV,
        start: datetime,
        end: datetime,
        ghost: bool = False,
    ) -> None:
        assert self.snapshot is not None
        role = self.snapshot.role(slot.role_id)
        colour = role.colour if role else "#888888"
        left, right = self.planned_column()
        rect = QRectF(
            left + 1,
            scale.y_of(start) + 1,
            right - left - 2,
            scale.y_of(end) - scale.y_of(start) - 2,
        )
        fill = theme.role_fill(colour)
        if ghost:
            fill.setAlpha(150)
        if slot.id == self._drop_slot:
            fill = fill.lighter(125)
        painter.setBrush(fill)
        border = fill.darker(140)
        selected = slot.id == self.selected_id
        if selected:
            border = self.palette().highlight().color()
        painter.setPen(QPen(border, 3 if selected else 1))
        painter.drawRoundedRect(rect, 4, 4)
        name = role.name if role else "?"
        first = f"{self._label(start, end)}  {name}"
        lines = [first]
        if slot.title:
            lines.append(slot.title)
        for task in self.snapshot.tasks_in(slot.id):
            mark = "✓ " if task.status == "done" else "• "
            lines.append(f"{mark}{task.title} ({task.estimate_minutes} min)")
        self._paint_block_text(painter, rect, lines, theme.role_text(colour))

    def _paint_meeting(self, painter: QPainter, scale: TimeScale, meeting: MeetingV) -> None:
        pal = self.palette()
        left, right = self.planned_column()
        rect = QRectF(
            left + 1,
            scale.y_of(meeting.start),
            right - left - 2,
            scale.y_of(meeting.end) - scale.y_of(meeting.start),
        )
        painter.setPen(QPen(pal.mid().color(), 1))
        painter.setBrush(pal.button())
        painter.drawRect(rect)
        painter.setBrush(QBrush(pal.mid().color(), Qt.BrushStyle.BDiagPattern))
        painter.drawRect(rect)
        lines = [f"{self._label(meeting.start, meeting.end)}  {meeting.summary or 'Busy'}"]
        self._paint_block_text(painter, rect, lines, pal.buttonText().color())

    def _entry_rect(self, scale: TimeScale, entry: EntryV) -> QRectF | None:
        end = entry.end or max(self.now or entry.start, entry.start)
        if end <= entry.start:
            return None
        left, right = self.actual_column()
        top, bottom = scale.y_of(scale.clamp(entry.start)), scale.y_of(scale.clamp(end))
        if bottom <= top:
            return None
        if entry.kind == "interruption":
            left += (right - left) * 0.25
        return QRectF(left + 1, top, right - left - 2, max(bottom - top, 3))

    def _paint_entry(self, painter: QPainter, scale: TimeScale, entry: EntryV) -> None:
        assert self.snapshot is not None
        rect = self._entry_rect(scale, entry)
        if rect is None:
            return
        role = self.snapshot.role(entry.role_id)
        colour = QColor(role.colour if role else "#888888")
        ink = theme.role_text(colour.name())
        fits = rect.height() >= self.fontMetrics().height()
        if entry.kind == "interruption":
            warn = theme.warning_colour(self.palette())
            painter.setPen(QPen(warn, 2))
            painter.setBrush(colour)
            painter.drawRect(rect)
            hatch = QColor(ink)
            hatch.setAlpha(60)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(hatch, Qt.BrushStyle.BDiagPattern))
            painter.drawRect(rect)
            painter.fillRect(QRectF(rect.left() - 8, rect.top(), 4, rect.height()), warn)
            if fits:
                note = entry.note or entry.source or "interruption"
                self._paint_block_text(painter, rect, [f"⚡ {note}"], ink)
            return
        fill = theme.blend(colour, self.palette().base().color(), 0.7)  # softer than the plan
        ink = theme.role_text(fill.name())
        painter.setPen(QPen(colour.darker(130), 1))
        painter.setBrush(fill)
        painter.drawRect(rect)
        if fits:
            label = f"{role.name if role else entry.kind}"
            if entry.kind != "work":
                label = f"{entry.kind}: {label}"
            if entry.needs_review:
                label += " (check)"
            self._paint_block_text(painter, rect, [label], ink)

    def describe_at(self, pos: QPointF) -> str:
        """What is under `pos`, in words (tool tips; screen readers get the same text)."""
        scale = self.scale()
        snap = self.snapshot
        if scale is None or snap is None:
            return ""
        for entry in reversed(snap.entries):
            rect = self._entry_rect(scale, entry)
            if rect is not None and rect.contains(pos):
                role = snap.role(entry.role_id)
                end = entry.end or snap.now
                text = f"{self._label(entry.start, end)} {entry.kind}"
                text += f" · {role.name}" if role else ""
                if entry.note or entry.source:
                    text += f"\n{entry.source + ': ' if entry.source else ''}{entry.note}"
                flags = ", ".join(sorted(entry.flags))
                return text + (f"\nflags: {flags}" if flags else "")
        hit = self.slot_at(pos)
        if hit is not None:
            return self.describe_slot(hit[0])
        moment = scale.moment_at(pos.y())
        for meeting in snap.plan.meetings:
            if meeting.start <= moment < meeting.end and self._in_planned(pos):
                return f"{self._label(meeting.start, meeting.end)} {meeting.summary} (meeting)"
        return ""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.describe_at(QPointF(event.pos())) or self.toolTip()
            QToolTip.showText(event.globalPos(), text, self)
            return True
        return super().event(event)

    def _paint_drag(self, painter: QPainter, scale: TimeScale) -> None:
        drag = self._drag
        if drag is None or not drag.moved or self.snapshot is None:
            return
        if drag.slot is not None:
            self._paint_slot(painter, scale, drag.slot, drag.start, drag.end, ghost=True)
            return
        left, right = self.planned_column()
        rect = QRectF(
            left + 1,
            scale.y_of(drag.start),
            right - left - 2,
            scale.y_of(drag.end) - scale.y_of(drag.start),
        )
        hl = self.palette().highlight().color()
        fill = QColor(hl)
        fill.setAlpha(90)
        painter.setBrush(fill)
        painter.setPen(QPen(hl, 1, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(rect, 4, 4)
        self._paint_block_text(
            painter, rect, [self._label(drag.start, drag.end)], self.palette().text().color()
        )

    def _paint_hint(self, painter: QPainter, scale: TimeScale) -> None:
        """An empty day says how to fill it."""
        assert self.snapshot is not None
        left, right = self.planned_column()
        top = scale.y_of(self.snapshot.plan.day.start) + 12
        rect = QRectF(left + 12, top, right - left - 24, self.fontMetrics().height() * 5)
        colour = self.palette().placeholderText().color()
        painter.setPen(colour)
        painter.drawText(
            rect,
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            "No slots planned for this day.\nDrag here to plan one, press Ins, "
            "or use Plan my day (Ctrl+P).",
        )

    def _paint_lines(self, painter: QPainter, scale: TimeScale) -> None:
        assert self.snapshot is not None
        fm = self.fontMetrics()
        left, _ = self.planned_column()
        _, right = self.actual_column()
        stop = self.snapshot.plan.day.stop
        y = scale.y_of(stop)
        warn = theme.warning_colour(self.palette())
        painter.setPen(QPen(warn, 2, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(left, y), QPointF(right, y))
        label = f"hard stop {stop.astimezone(self.zone):%H:%M}"
        width = fm.horizontalAdvance(label) + 8
        box = QRectF(right - width, y + 1, width, fm.height())
        painter.fillRect(box, self.palette().base())
        painter.setPen(warn)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        now = self.now
        if now is not None and scale.origin <= now <= scale.end:
            y = scale.y_of(now)
            colour = theme.now_colour(self.palette())
            painter.setPen(QPen(colour, 2))
            painter.drawLine(QPointF(left - 4, y), QPointF(right, y))
            painter.setBrush(colour)
            painter.drawEllipse(QPointF(left - 4, y), 4, 4)

    # ------------------------------------------------------------ selection

    def _select(self, slot_id: int | None) -> None:
        if slot_id != self.selected_id:
            self.selected_id = slot_id
            self.selection_changed.emit(slot_id)
            self.setAccessibleDescription(self.describe_slot(self.selected_slot()))
        self.update()

    def describe_slot(self, slot: SlotV | None) -> str:
        """The selected slot in words (screen readers; the same text as its tool tip)."""
        if slot is None or self.snapshot is None:
            return "No slot selected"
        role = self.snapshot.role(slot.role_id)
        tasks = "".join(f"\n• {t.title}" for t in self.snapshot.tasks_in(slot.id))
        title = f" — {slot.title}" if slot.title else ""
        name = role.name if role else ""
        return f"{self._label(slot.start, slot.end)} {name}{title}{tasks}"

    def selected_slot(self) -> SlotV | None:
        return self.snapshot.slot(self.selected_id) if self.snapshot else None

    def select_slot(self, slot_id: int | None) -> None:
        self._select(slot_id)

    # ------------------------------------------------------------ mouse

    @staticmethod
    def _step(modifiers: Qt.KeyboardModifier) -> int:
        return 1 if modifiers & Qt.KeyboardModifier.AltModifier else STEP

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        scale = self.scale()
        if event.button() != Qt.MouseButton.LeftButton or scale is None:
            super().mousePressEvent(event)
            return
        pos = event.position()
        moment = scale.moment_at(pos.y())
        hit = self.slot_at(pos)
        free = self._step(event.modifiers()) == 1
        if hit is not None:
            slot, part = hit
            self._select(slot.id)
            kind = "move" if part == "body" else part
            self._drag = _Drag(kind, pos.y(), moment, slot, slot.start, slot.end, free=free)
        elif self._in_planned(pos):
            self._select(None)
            start = geometry.snap(moment, self._step(event.modifiers()))
            self._drag = _Drag("create", pos.y(), moment, None, start, start, free=free)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            self._update_cursor(event.position())
            return
        self._drag_to(event.position(), event.modifiers())

    def _drag_to(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        scale = self.scale()
        drag = self._drag
        if drag is None or scale is None:
            return
        if abs(pos.y() - drag.press_y) >= 3:
            drag.moved = True
        if not drag.moved:
            return
        step = 1 if drag.free else self._step(modifiers)
        moment = scale.clamp(scale.moment_at(pos.y()))
        if drag.kind == "create":
            drag.start, drag.end = geometry.span(drag.press_moment, moment, step)
        elif drag.kind == "move" and drag.slot is not None:
            drag.start, drag.end = geometry.moved(
                drag.slot.start, drag.slot.end, moment - drag.press_moment, step
            )
        elif drag.slot is not None:
            drag.start, drag.end = geometry.resized(
                drag.slot.start, drag.slot.end, drag.kind, moment, step
            )
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None and event.button() == Qt.MouseButton.LeftButton:
            self._drag_to(event.position(), event.modifiers())
        drag, self._drag = self._drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self.update()
        if not drag.moved:
            return
        if drag.kind == "create":
            role_id = self.default_role_id()
            if role_id is not None:
                self.slot_create_requested.emit(drag.start, drag.end, role_id)
        elif drag.slot is not None and (drag.start, drag.end) != (drag.slot.start, drag.slot.end):
            self.slot_edit_requested.emit(drag.slot.id, {"start": drag.start, "end": drag.end})

    def _update_cursor(self, pos: QPointF) -> None:
        hit = self.slot_at(pos)
        if hit is None:
            shape = (
                Qt.CursorShape.CrossCursor if self._in_planned(pos) else Qt.CursorShape.ArrowCursor
            )
        elif hit[1] in ("top", "bottom"):
            shape = Qt.CursorShape.SizeVerCursor
        else:
            shape = Qt.CursorShape.OpenHandCursor
        self.setCursor(shape)

    def default_role_id(self) -> int | None:
        """New slots take the first role; change it with 1–9 or the context menu."""
        if self.snapshot is None or not self.snapshot.plan.roles:
            return None
        return self.snapshot.plan.roles[0].id

    # ------------------------------------------------------------ drops (tasks onto slots)

    def _drop_target(self, pos: QPointF, mime: QMimeData) -> int | None:
        if not task_ids_from(mime):
            return None
        hit = self.slot_at(pos)
        return hit[0].id if hit else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if task_ids_from(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        target = self._drop_target(event.position(), event.mimeData())
        if target != self._drop_slot:
            self._drop_slot = target
            self.update()
        if target is None:
            event.ignore()
        else:
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: object) -> None:
        self._drop_slot = None
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:
        target = self._drop_target(event.position(), event.mimeData())
        self._drop_slot = None
        self.update()
        if target is None:
            event.ignore()
            return
        event.acceptProposedAction()
        for task_id in task_ids_from(event.mimeData()):
            self.task_drop_requested.emit(task_id, target)

    # ------------------------------------------------------------ keyboard and menu

    def _nudge(self, slot: SlotV, *, move: int = 0, top: int = 0, bottom: int = 0) -> None:
        delta = timedelta
        start = slot.start + delta(minutes=move + top)
        end = slot.end + delta(minutes=move + bottom)
        if end - start < delta(minutes=1):
            return
        self.slot_edit_requested.emit(slot.id, {"start": start, "end": end})

    def new_slot_at(self, moment: datetime | None = None, role_id: int | None = None) -> None:
        """Plan a 30-minute slot at `moment` (or after the selected slot, or now)."""
        if self.snapshot is None:
            return
        if moment is None:
            sel = self.selected_slot()
            if sel is not None:
                moment = sel.end
            elif self.now and self.snapshot.day == self.snapshot.today:
                moment = self.now
            else:
                moment = self.snapshot.plan.day.start
        start = geometry.snap(moment, STEP)
        role = role_id if role_id is not None else self.default_role_id()
        if role is not None:
            self.slot_create_requested.emit(
                start, start + timedelta(minutes=NEW_SLOT_MINUTES), role
            )

    def rename_selected(self) -> None:
        slot = self.selected_slot()
        if slot is None:
            return
        text, ok = QInputDialog.getText(self, "Rename slot", "Slot title:", text=slot.title)
        if ok:
            self.slot_edit_requested.emit(slot.id, {"title": text})

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.snapshot is None:
            super().keyPressEvent(event)
            return
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        step = self._step(mods)
        slots = list(self.snapshot.plan.slots)
        slot = self.selected_slot()
        if key == Qt.Key.Key_Escape and self._drag is not None:
            self._drag = None
            self.update()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            sign = -1 if key == Qt.Key.Key_Up else 1
            if slot is None or not (ctrl or shift):
                self._select_neighbour(slots, slot, sign)
            elif ctrl and shift:
                self._nudge(slot, top=sign * step)
            elif ctrl:
                self._nudge(slot, move=sign * step)
            else:
                self._nudge(slot, bottom=sign * step)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and slot is not None:
            self.slot_remove_requested.emit(slot.id)
        elif key in (Qt.Key.Key_Insert, Qt.Key.Key_N) and not ctrl:
            self.new_slot_at()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2) and slot is not None:
            self.rename_selected()
        elif Qt.Key.Key_1 <= key <= Qt.Key.Key_9 and slot is not None and not ctrl:
            index = key - Qt.Key.Key_1
            roles = self.snapshot.plan.roles
            if index < len(roles) and roles[index].id != slot.role_id:
                self.slot_edit_requested.emit(slot.id, {"role_id": roles[index].id})
        elif key == Qt.Key.Key_Menu or (key == Qt.Key.Key_F10 and shift):
            y = self.y_of(slot.start) + 4 if slot else HEADER + 10
            self._open_menu(QPoint(int(self.planned_column()[0]) + 20, int(y)))
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _select_neighbour(self, slots: list[SlotV], slot: SlotV | None, sign: int) -> None:
        if not slots:
            return
        if slot is None:
            self._select(slots[0 if sign > 0 else -1].id)
            return
        index = next(i for i, s in enumerate(slots) if s.id == slot.id)
        self._select(slots[max(0, min(len(slots) - 1, index + sign))].id)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        pos = QPointF(event.pos())
        hit = self.slot_at(pos)
        if hit is not None:
            self._select(hit[0].id)
        elif self._in_planned(pos):
            self._select(None)
        self._open_menu(event.pos())

    def build_menu(self, pos: QPoint) -> QMenu:
        """The context menu at `pos`: everything the mouse can do, with its key."""
        menu = QMenu(self)
        snap = self.snapshot
        scale = self.scale()
        if snap is None or scale is None:
            return menu
        slot = self.selected_slot()
        at = geometry.snap(scale.moment_at(pos.y()), STEP)
        new_menu = menu.addMenu("New 30-minute slot here")
        for role in snap.plan.roles:
            action = new_menu.addAction(role.name)
            action.triggered.connect(lambda _=False, r=role.id, m=at: self.new_slot_at(m, r))
        if slot is None:
            return menu
        menu.addSeparator()
        role_menu = menu.addMenu("Role")
        for i, role in enumerate(snap.plan.roles):
            action = role_menu.addAction(f"{role.name}\t{i + 1}" if i < 9 else role.name)
            action.setCheckable(True)
            action.setChecked(role.id == slot.role_id)
            action.triggered.connect(
                lambda _=False, r=role.id, s=slot.id: self.slot_edit_requested.emit(
                    s, {"role_id": r}
                )
            )
        entries: list[tuple[str, dict[str, int]]] = [
            ("Move 5 min earlier\tCtrl+Up", {"move": -STEP}),
            ("Move 5 min later\tCtrl+Down", {"move": STEP}),
            ("5 min longer\tShift+Down", {"bottom": STEP}),
            ("5 min shorter\tShift+Up", {"bottom": -STEP}),
            ("Start 5 min earlier\tCtrl+Shift+Up", {"top": -STEP}),
            ("Start 5 min later\tCtrl+Shift+Down", {"top": STEP}),
        ]
        for text, kwargs in entries:
            action = menu.addAction(text)
            action.triggered.connect(lambda _=False, s=slot, k=kwargs: self._nudge(s, **k))
        rename = menu.addAction("Rename…\tEnter")
        rename.triggered.connect(self.rename_selected)
        menu.addSeparator()
        delete: QAction = menu.addAction("Delete slot\tDel")
        delete.triggered.connect(lambda _=False, s=slot.id: self.slot_remove_requested.emit(s))
        return menu

    def _open_menu(self, pos: QPoint) -> None:
        menu = self.build_menu(pos)
        menu.exec(self.mapToGlobal(pos))
        menu.deleteLater()
