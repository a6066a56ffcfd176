"""The timeline's painting: the frame, the column titles, slots, meetings, the log, a drag in
progress, the hard stop and now."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPaintEvent, QPen

from planner.domain.i18n import ntr, tr
from ui import geometry, theme
from ui.formats import clock
from ui.geometry import TimeScale
from ui.views.timeline.layout import HEADER, TimelineLayout

if TYPE_CHECKING:
    from planner.domain.values import BreakV, EntryV, MeetingV, SlotV


class TimelinePainting(TimelineLayout):
    """Paints both columns from the snapshot and the drag in progress."""

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.base())
        scale = self.scale()
        if scale is None or self.snapshot is None:
            painter.setPen(pal.text().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, tr("Loading…"))
            return
        snap = self.snapshot
        self._paint_frame(painter, scale)
        for meeting in snap.plan.meetings:
            if not meeting.all_day:
                self._paint_meeting(painter, scale, meeting)
        dragged = self._drag.brk if self._drag is not None and self._drag.moved else None
        for brk in snap.plan.breaks:
            if dragged is None or brk != dragged:
                self._paint_break(painter, scale, brk)
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
        c_left, c_right = self.columns()
        r_left, r_right = self.ruler()
        # the labels hug the columns: right-aligned in the ruler, left-aligned when mirrored
        hug = Qt.AlignmentFlag.AlignLeft if self.mirrored() else Qt.AlignmentFlag.AlignRight
        day = self.snapshot.plan.day
        # outside the workday window: a slightly different background
        off = pal.alternateBase()
        width = c_right - c_left
        painter.fillRect(QRectF(c_left, HEADER, width, scale.y_of(day.start) - HEADER), off)
        painter.fillRect(QRectF(c_left, scale.y_of(day.stop), width, self.height()), off)
        painter.setFont(self.font())
        fm = self.fontMetrics()
        for mark in geometry.hour_marks(scale.origin, scale.end, self.zone):
            y = scale.y_of(mark)
            painter.setPen(QPen(faint, 1))
            painter.drawLine(QPointF(c_left, y), QPointF(c_right, y))
            half = scale.y_of(mark + timedelta(minutes=30))
            if half < scale.y_of(scale.end):
                dotted = QPen(faint, 1, Qt.PenStyle.DotLine)
                painter.setPen(dotted)
                painter.drawLine(QPointF(c_left, half), QPointF(c_right, half))
            painter.setPen(text)
            label = clock(mark, self.zone)
            painter.drawText(
                QRectF(r_left, y - fm.height() / 2, r_right - r_left, fm.height()),
                hug | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
        painter.setPen(QPen(faint, 1))
        rule = self.between_columns()
        painter.drawLine(QPointF(rule, HEADER), QPointF(rule, self.height()))

    def _paint_header(self, painter: QPainter) -> None:
        """The column titles, on an opaque band over whatever has scrolled beneath them."""
        pal = self.palette()
        top = self.header_top()
        faint = QColor(pal.text().color())
        faint.setAlpha(40)
        p_left, p_right = self.planned_column()
        a_left, a_right = self.actual_column()
        c_left, c_right = self.columns()
        # over the columns only: the hour labels in the gutter stay readable beside it
        band = (0.0, p_right) if self.mirrored() else (p_left, float(self.width()))
        painter.fillRect(QRectF(band[0], top, band[1] - band[0], HEADER), pal.base())
        if top > 0:  # scrolled: a rule tells the band from the hours under it
            painter.setPen(QPen(faint, 1))
            painter.drawLine(
                QPointF(c_left, top + HEADER - 0.5), QPointF(c_right, top + HEADER - 0.5)
            )
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(pal.text().color())
        for (left, right), title in (
            ((p_left, p_right), tr("Planned")),
            ((a_left, a_right), tr("Actual")),
        ):
            painter.drawText(
                QRectF(left, top, right - left, HEADER), Qt.AlignmentFlag.AlignCenter, title
            )
        painter.setFont(self.font())

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
        rows = max(1, int((inner.height() + 2) // fm.height()))
        hidden = len(lines) - rows if len(lines) > rows >= 2 else 0
        y = inner.top()
        for i, line in enumerate(lines[:rows]):
            font = QFont(self.font())
            font.setBold(i == 0)
            painter.setFont(font)
            more = ""
            if hidden and i == rows - 1:  # the card is full: say what it cannot show
                more = "  " + tr("+{n} more").format(n=hidden)
            room = int(inner.width()) - fm.horizontalAdvance(more)
            shown = fm.elidedText(line, Qt.TextElideMode.ElideRight, max(0, room)) + more
            painter.drawText(
                QRectF(inner.left(), y, inner.width(), fm.height()),
                self.start_align() | Qt.AlignmentFlag.AlignVCenter,
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
        if slot.uid and slot.uid in self.snapshot.waiting:  # kept on this device, not yet sent
            first += tr("  · waiting")
        lines = [first]
        if slot.title:
            lines.append(slot.title)
        for task in self.snapshot.tasks_in(slot.id):
            mark = "✓ " if task.status == "done" else "• "
            spans = self.snapshot.spans(task.id)
            minutes = task.estimate_minutes
            if len(spans) > 1 and spans[0] != slot.id:  # it goes on from the role's last slot
                about = tr("{minutes} min, continued").format(minutes=minutes)
            elif len(spans) > 1:  # it goes on in the role's next slot: say so
                about = ntr(
                    "{minutes} min, over {n} slot", "{minutes} min, over {n} slots", len(spans)
                ).format(minutes=minutes, n=len(spans))
            else:
                about = tr("{minutes} min").format(minutes=minutes)
            if task.id in self.snapshot.plan.late:
                about = tr("{about}, late for its deadline").format(about=about)
            lines.append(f"{mark}{task.title} ({about})")
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
        summary = meeting.summary or tr("Busy")
        lines = [f"{self._label(meeting.start, meeting.end)}  {summary}"]
        self._paint_block_text(painter, rect, lines, pal.buttonText().color())

    def _paint_break(self, painter: QPainter, scale: TimeScale, brk: BreakV) -> None:
        """A planned break: a light band across the Planned column ('Lunch 12:30–13:15'), a
        dashed outline when it is skipped for the day."""
        pal = self.palette()
        left, right = self.planned_column()
        rect = QRectF(
            left + 1,
            scale.y_of(brk.start),
            right - left - 2,
            scale.y_of(brk.end) - scale.y_of(brk.start),
        )
        painter.setPen(
            QPen(
                pal.mid().color(), 1, Qt.PenStyle.DashLine if brk.skipped else Qt.PenStyle.SolidLine
            )
        )
        painter.setBrush(Qt.BrushStyle.NoBrush if brk.skipped else pal.alternateBase())
        painter.drawRect(rect)
        name = tr("Lunch") if brk.kind == "lunch" else tr("Break")
        text = f"{self._label(brk.start, brk.end)}  {name}"
        if brk.skipped:
            text += " " + tr("(skipped today)")
        if rect.height() >= 12:
            self._paint_block_text(painter, rect, [text], pal.text().color())

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
            edge = rect.right() + 4 if self.mirrored() else rect.left() - 8
            painter.fillRect(QRectF(edge, rect.top(), 4, rect.height()), warn)
            if fits:
                note = entry.note or entry.source or tr("interruption")
                self._paint_block_text(painter, rect, [f"⚡ {note}"], ink)
            return
        fill = theme.blend(colour, self.palette().base().color(), 0.7)  # softer than the plan
        ink = theme.role_text(fill.name())
        painter.setPen(QPen(colour.darker(130), 1))
        painter.setBrush(fill)
        painter.drawRect(rect)
        if fits:
            label = self.entry_label(entry)
            if entry.needs_review:
                label = tr("{label} (check)").format(label=label)
            self._paint_block_text(painter, rect, [label], ink)

    def entry_label(self, entry: EntryV) -> str:
        """The words on an Actual block: the role for work, the meeting's name for a meeting
        (its note, as following the plan writes it, else the meeting of the plan it lies in),
        'break' for a break (not 'break: break' or 'meeting: Support')."""
        assert self.snapshot is not None
        if entry.kind == "meeting":
            if entry.note:
                return entry.note
            end = entry.end or self.snapshot.now
            overlaps = [
                (min(end, m.end) - max(entry.start, m.start), m.summary)
                for m in self.snapshot.plan.meetings
                if not m.all_day and m.summary and m.start < end and entry.start < m.end
            ]
            return max(overlaps)[1] if overlaps else tr("meeting")  # the one it overlaps most
        if entry.kind == "work":
            role = self.snapshot.role(entry.role_id)
            return role.name if role else tr("work")
        return tr("break") if entry.kind == "break" else entry.kind

    def _paint_drag(self, painter: QPainter, scale: TimeScale) -> None:
        drag = self._drag
        if drag is None or not drag.moved or self.snapshot is None:
            return
        if drag.slot is not None:
            self._paint_slot(painter, scale, drag.slot, drag.start, drag.end, ghost=True)
            return
        if drag.brk is not None:  # the break where it would go
            from dataclasses import replace

            self._paint_break(painter, scale, replace(drag.brk, start=drag.start, end=drag.end))
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
        if self.snapshot.unseen:  # the server is away: planning waits for it
            from ui.day_data import NO_PLAN_SEEN, NO_PLAN_SEEN_OTHER

            today = self.snapshot.day == self.snapshot.today
            hint = tr(NO_PLAN_SEEN if today else NO_PLAN_SEEN_OTHER)
        else:
            hint = tr(
                "No slots planned for this day.\nDrag here to plan one, press Ins, or use Plan my"
                " day (Ctrl+P)."
            )
        painter.drawText(
            rect,
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            hint,
        )

    def _paint_lines(self, painter: QPainter, scale: TimeScale) -> None:
        assert self.snapshot is not None
        fm = self.fontMetrics()
        left, right = self.columns()
        stop = self.snapshot.plan.day.stop
        y = scale.y_of(stop)
        warn = theme.warning_colour(self.palette())
        painter.setPen(QPen(warn, 2, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(left, y), QPointF(right, y))
        label = tr("hard stop {time}").format(time=clock(stop, self.zone))
        width = fm.horizontalAdvance(label) + 8
        # at the far end of the line from the plan (the Actual column's outer edge)
        box = QRectF(left if self.mirrored() else right - width, y + 1, width, fm.height())
        painter.fillRect(box, self.palette().base())
        painter.setPen(warn)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        now = self.now
        if now is not None and scale.origin <= now <= scale.end:
            y = scale.y_of(now)
            colour = theme.now_colour(self.palette())
            painter.setPen(QPen(colour, 2))
            # the dot sits on the ruler's side of the line, where the hours are read
            dot = right + 4 if self.mirrored() else left - 4
            painter.drawLine(QPointF(min(dot, left), y), QPointF(max(dot, right), y))
            painter.setBrush(colour)
            painter.drawEllipse(QPointF(dot, y), 4, 4)
