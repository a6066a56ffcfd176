"""The day timeline: Planned (slots, meetings, hard stop) and Actual (the log) on one time axis.

This module is the interaction: selection, mouse drags, task drops, keys and the context menu.
The geometry is in layout.py and the painting in painting.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
)
from PySide6.QtWidgets import QInputDialog, QMenu, QSizePolicy, QToolTip, QWidget

from planner.domain.flags import entry_in_words, sentence
from planner.domain.i18n import tr
from ui import geometry
from ui.formats import clock
from ui.views.timeline.layout import HEADER, STEP, Drag
from ui.views.timeline.painting import TimelinePainting
from ui.widgets.plain import as_tip

if TYPE_CHECKING:
    from planner.domain.values import BreakV, SlotV
    from ui.day_data import DaySnapshot

MIME_TASK = "application/x-splitday-task-ids"
NEW_SLOT_MINUTES = 30


def task_ids_from(mime: QMimeData) -> list[int]:
    if not mime.hasFormat(MIME_TASK):
        return []
    raw = bytes(mime.data(MIME_TASK).data()).decode("ascii", "replace")
    return [int(x) for x in raw.split(",") if x.strip().isdigit()]


def task_mime(ids: list[int]) -> QMimeData:
    mime = QMimeData()
    mime.setData(MIME_TASK, ",".join(str(i) for i in ids).encode("ascii"))
    mime.setText("\n".join(f"task {i}" for i in ids))  # not translated: drag data
    return mime


class TimelineWidget(TimelinePainting):
    """Paints both columns; turns mouse and keys into requests (it changes nothing itself)."""

    slot_create_requested = Signal(object, object, int)  # start, end, role_id
    slot_edit_requested = Signal(int, dict)  # slot_id, {start, end, role_id, title, seen_version}
    slot_remove_requested = Signal(int)
    task_drop_requested = Signal(int, int)  # task_id, slot_id
    break_move_requested = Signal(object, object, object)  # BreakV, start, end
    break_skip_requested = Signal(object, bool)  # BreakV, skipped for the day
    selection_changed = Signal(object)  # slot id or None

    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(zone, parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(tr("Day timeline"))
        self.setToolTip(
            tr(
                "Drag on empty space to plan a slot; drag a slot to move it, its edge to resize "
                "it (Alt: no snapping).\nKeys: ↑/↓ select · Ctrl+↑/↓ move · Shift+↑/↓ resize end "
                "· Ctrl+Shift+↑/↓ resize start · Ins new slot · 1–9 role · Enter rename · Del "
                "delete"
            )
        )

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
            self._drag = None if kept is None else Drag(**{**drag.__dict__, "slot": kept})
        elif drag is not None and drag.brk is not None:
            brk = drag.brk
            same = [b for b in snapshot.plan.breaks if b.id == brk.id or (
                b.kind == brk.kind == "lunch")]  # fmt: skip
            self._drag = Drag(**{**drag.__dict__, "brk": same[0]}) if same else None
        if self.selected_id is not None and snapshot.slot(self.selected_id) is None:
            self._select(None)
        if self._range() != old_range:
            self.updateGeometry()
        self.update()

    def set_now(self, now: datetime) -> None:
        self.now = now
        self.update()

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
                if entry.end is None:  # running: '09:02–09:02' said nothing
                    when = tr("since {time}").format(time=clock(entry.start, self.zone))
                else:
                    when = self._label(entry.start, entry.end)
                text = f"{when} {entry.kind}"
                text += f" · {role.name}" if role else ""
                if entry.note or entry.source:
                    text += f"\n{entry.source + ': ' if entry.source else ''}{entry.note}"
                names = {r.id: r.name for r in snap.plan.roles}
                words = entry_in_words(entry, names, snap.plan.slots)
                return text + (f"\n{sentence(words)}" if words else "")
        hit = self.slot_at(pos)
        if hit is not None and (hit[1] == "body" or self.break_at(pos) is None):
            return self.describe_slot(hit[0])
        on_break = self.break_at(pos)
        if on_break is not None:
            return self.describe_break(on_break[0])
        moment = scale.moment_at(pos.y())
        for meeting in snap.plan.meetings:
            if meeting.start <= moment < meeting.end and self._in_planned(pos):
                return f"{self._label(meeting.start, meeting.end)} {meeting.summary} (meeting)"
        return ""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            described = self.describe_at(QPointF(event.pos()))  # may hold a meeting's title
            text = as_tip(described) if described else self.toolTip()
            QToolTip.showText(event.globalPos(), text, self)
            return True
        return super().event(event)

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

    def describe_break(self, brk: BreakV) -> str:
        """'12:30–13:15 Lunch', '15:25–15:30 Break (skipped today)'."""
        name = tr("Lunch") if brk.kind == "lunch" else tr("Break")
        text = f"{self._label(brk.start, brk.end)} {name}"
        skipped = tr("(skipped today)")
        return f"{text} {skipped}" if brk.skipped else text

    def selected_slot(self) -> SlotV | None:
        return self.snapshot.slot(self.selected_id) if self.snapshot else None

    def select_slot(self, slot_id: int | None) -> None:
        self._select(slot_id)

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
        hit = self.block_at(pos)
        free = self._step(event.modifiers()) == 1
        slot, brk, part = hit if hit is not None else (None, None, "")
        kind = "move" if part == "body" else part
        if slot is not None:
            self._select(slot.id)
            self._drag = Drag(kind, pos.y(), moment, slot, slot.start, slot.end, free=free)
        elif brk is not None:  # a break: moved and resized like a slot
            self._select(None)
            self._drag = Drag(kind, pos.y(), moment, None, brk.start, brk.end, free=free, brk=brk)
        elif self._in_planned(pos):
            self._select(None)
            start = geometry.snap(moment, self._step(event.modifiers()))
            self._drag = Drag("create", pos.y(), moment, None, start, start, free=free)
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
        block = drag.block
        if drag.kind == "create" or block is None:
            drag.start, drag.end = geometry.span(drag.press_moment, moment, step)
        elif drag.kind == "move":
            drag.start, drag.end = geometry.moved(*block, moment - drag.press_moment, step)
        else:
            drag.start, drag.end = geometry.resized(*block, drag.kind, moment, step)
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
        if drag.brk is not None:
            if (drag.start, drag.end) != (drag.brk.start, drag.brk.end):
                self.break_move_requested.emit(drag.brk, drag.start, drag.end)
        elif drag.kind == "create":
            role_id = self.default_role_id()
            if role_id is not None:
                self.slot_create_requested.emit(drag.start, drag.end, role_id)
        elif drag.slot is not None and (drag.start, drag.end) != (drag.slot.start, drag.slot.end):
            # the version the drag began on: a change made elsewhere mid-drag is asked about
            self.slot_edit_requested.emit(
                drag.slot.id,
                {"start": drag.start, "end": drag.end, "seen_version": drag.seen_version},
            )

    def _update_cursor(self, pos: QPointF) -> None:
        block = self.block_at(pos)
        hit = None if block is None else (block[0] or block[1], block[2])
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

    def _nudge(self, slot: SlotV, *, move: int = 0, top: int = 0, bottom: int = 0) -> None:
        delta = timedelta
        start = slot.start + delta(minutes=move + top)
        end = slot.end + delta(minutes=move + bottom)
        if end - start < delta(minutes=1):
            return
        self.slot_edit_requested.emit(
            slot.id, {"start": start, "end": end, "seen_version": slot.version}
        )

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
        text, ok = QInputDialog.getText(self, tr("Rename slot"), tr("Slot title:"), text=slot.title)
        if ok:  # the version the dialog opened on, not the one a reload brought meanwhile
            self.slot_edit_requested.emit(slot.id, {"title": text, "seen_version": slot.version})

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
                self.slot_edit_requested.emit(
                    slot.id, {"role_id": roles[index].id, "seen_version": slot.version}
                )
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
        block = self.block_at(pos)
        on_break = self.break_at(pos)
        if (block is None or block[0] is None) and on_break is not None:
            menu = self.build_break_menu(on_break[0])
            menu.exec(event.globalPos())
            menu.deleteLater()
            return
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
        new_menu = menu.addMenu(tr("New 30-minute slot here"))
        for role in snap.plan.roles:
            action = new_menu.addAction(role.name)
            action.triggered.connect(lambda _=False, r=role.id, m=at: self.new_slot_at(m, r))
        if slot is None:
            return menu
        menu.addSeparator()
        role_menu = menu.addMenu(tr("Role"))
        for i, role in enumerate(snap.plan.roles):
            action = role_menu.addAction(f"{role.name}\t{i + 1}" if i < 9 else role.name)
            action.setCheckable(True)
            action.setChecked(role.id == slot.role_id)
            action.triggered.connect(
                lambda _=False, r=role.id, s=slot.id, v=slot.version: self.slot_edit_requested.emit(
                    s, {"role_id": r, "seen_version": v}
                )
            )
        entries: list[tuple[str, dict[str, int]]] = [
            (tr("Move 5 min earlier\tCtrl+Up"), {"move": -STEP}),
            (tr("Move 5 min later\tCtrl+Down"), {"move": STEP}),
            (tr("5 min longer\tShift+Down"), {"bottom": STEP}),
            (tr("5 min shorter\tShift+Up"), {"bottom": -STEP}),
            (tr("Start 5 min earlier\tCtrl+Shift+Up"), {"top": -STEP}),
            (tr("Start 5 min later\tCtrl+Shift+Down"), {"top": STEP}),
        ]
        for text, kwargs in entries:
            action = menu.addAction(text)
            action.triggered.connect(lambda _=False, s=slot, k=kwargs: self._nudge(s, **k))
        rename = menu.addAction(tr("Rename…	Enter"))
        rename.triggered.connect(self.rename_selected)
        menu.addSeparator()
        delete: QAction = menu.addAction(tr("Delete slot	Del"))
        delete.triggered.connect(lambda _=False, s=slot.id: self.slot_remove_requested.emit(s))
        return menu

    def build_break_menu(self, brk: BreakV) -> QMenu:
        """A break's context menu: skip it today (or take it again), move or resize it."""
        menu = QMenu(self)
        lunch = brk.kind == "lunch"
        if brk.skipped:
            take = menu.addAction(tr("Take lunch today") if lunch else tr("Take this break today"))
            take.setObjectName("take_break")
            take.triggered.connect(lambda: self.break_skip_requested.emit(brk, False))
            return menu
        skip = menu.addAction(tr("Skip lunch today") if lunch else tr("Skip this break today"))
        skip.setObjectName("skip_break")
        skip.triggered.connect(lambda: self.break_skip_requested.emit(brk, True))
        menu.addSeparator()
        step = timedelta(minutes=STEP)
        for text, start, end in (
            (tr("Move 5 min earlier"), brk.start - step, brk.end - step),
            (tr("Move 5 min later"), brk.start + step, brk.end + step),
            (tr("5 min longer"), brk.start, brk.end + step),
            (tr("5 min shorter"), brk.start, brk.end - step),
        ):
            if end - start < step:
                continue
            action = menu.addAction(text)
            action.triggered.connect(
                lambda _=False, a=start, b=end: self.break_move_requested.emit(brk, a, b)
            )
        return menu

    def _open_menu(self, pos: QPoint) -> None:
        menu = self.build_menu(pos)
        menu.exec(self.mapToGlobal(pos))
        menu.deleteLater()
