"""The day's prioritised task list (Qt model/view): reorder, check off, estimate, schedule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from planner.domain.i18n import ntr, tr
from ui import theme
from ui.formats import clock
from ui.views.timeline.widget import MIME_TASK, task_ids_from, task_mime

if TYPE_CHECKING:
    from planner.domain.values import TaskV
    from ui.day_data import DaySnapshot

Index = QModelIndex | QPersistentModelIndex
TITLE, ESTIMATE, WHEN = range(3)
TaskRole = Qt.ItemDataRole.UserRole + 1


class TaskModel(QAbstractTableModel):
    """Rows are the day's tasks by priority (dropped ones hidden); edits become requests."""

    reorder_requested = Signal(list)  # task ids in the new order
    status_requested = Signal(int, str)  # task id, "done" | "open"
    edit_requested = Signal(int, dict)  # task id, {title | estimate_minutes, seen_version}

    HEADERS = (tr("Task"), tr("Estimate"), tr("Slot"))

    def __init__(self, zone: tzinfo, parent: Any = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.snapshot: DaySnapshot | None = None
        self.tasks: list[TaskV] = []
        self.overflow: frozenset[int] = frozenset()
        self.warning = QColor("#b3261e")

    def set_snapshot(self, snapshot: DaySnapshot) -> None:
        self.beginResetModel()
        self.snapshot = snapshot
        self.tasks = sorted(
            (t for t in snapshot.plan.tasks if t.status != "dropped"),
            key=lambda t: (t.priority, t.id),
        )
        self.overflow = frozenset(snapshot.plan.overflow)
        self.endResetModel()

    def task(self, row: int) -> TaskV:
        return self.tasks[row]

    def ids(self) -> list[int]:
        return [t.id for t in self.tasks]

    # ------------------------------------------------------------ shape

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.tasks)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def when(self, task: TaskV) -> str:
        if self.waiting(task):  # where the fit puts it is the server's to say
            return tr("waiting")
        return self._when(task)

    def waiting(self, task: TaskV) -> bool:
        """An edit of this task is kept on this device until the shared server is back."""
        return self.snapshot is not None and task.uid in self.snapshot.waiting

    def _when(self, task: TaskV) -> str:
        if task.status == "done":
            return "done"
        if task.slot_id is not None and self.snapshot is not None:
            slot = self.snapshot.slot(task.slot_id)
            if slot is not None:
                return clock(slot.start, self.zone)
        if task.id in self.overflow:
            return tr("did not fit")
        return "unscheduled"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.snapshot is None:
            return None
        task = self.tasks[index.row()]
        col = index.column()
        role_v = self.snapshot.role(task.role_id)
        if role == TaskRole:
            return task
        if role == Qt.ItemDataRole.DisplayRole:
            if col == TITLE:
                return task.title
            if col == ESTIMATE:
                return f"{task.estimate_minutes} min"
            return self.when(task)
        if role == Qt.ItemDataRole.EditRole:
            return task.title if col == TITLE else task.estimate_minutes
        if role == Qt.ItemDataRole.DecorationRole and col == TITLE:
            return QColor(role_v.colour) if role_v else None
        if role == Qt.ItemDataRole.CheckStateRole and col == TITLE:
            return Qt.CheckState.Checked if task.status == "done" else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole and col == WHEN and task.id in self.overflow:
            return self.warning
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setStrikeOut(task.status == "done" and col == TITLE)
            font.setBold(col == WHEN and task.id in self.overflow)
            font.setItalic(self.waiting(task))
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            name = role_v.name if role_v else "?"
            extra = (
                tr("\nDid not fit into today's slots of that role.")
                if task.id in self.overflow
                else ""
            )
            carried = (
                tr("\nCarried over {carried_over}×").format(carried_over=task.carried_over)
                if task.carried_over
                else ""
            )
            kept = (
                tr("\nSaved on this device: delivered when the shared server is back.")
                if self.waiting(task)
                else ""
            )
            return f"{task.title}\n{name} · {task.estimate_minutes} min{carried}{extra}{kept}"
        if role == Qt.ItemDataRole.AccessibleTextRole and col == TITLE:
            return f"{task.title}, {role_v.name if role_v else ''}, {self.when(task)}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return base
        f = base | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        f |= Qt.ItemFlag.ItemIsDragEnabled
        if index.column() in (TITLE, ESTIMATE):
            f |= Qt.ItemFlag.ItemIsEditable
        if index.column() == TITLE:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        task = self.tasks[index.row()]
        if role == Qt.ItemDataRole.CheckStateRole:
            done = Qt.CheckState(value) == Qt.CheckState.Checked
            self.status_requested.emit(task.id, "done" if done else "open")
            return True
        if role == Qt.ItemDataRole.EditRole:
            if index.column() == TITLE and str(value).strip() and value != task.title:
                self.edit_requested.emit(
                    task.id, {"title": str(value), "seen_version": task.version}
                )
            elif index.column() == ESTIMATE and int(value) != task.estimate_minutes:
                self.edit_requested.emit(
                    task.id, {"estimate_minutes": int(value), "seen_version": task.version}
                )
            return True
        return False

    # ------------------------------------------------------------ drag and drop

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TASK]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return task_mime([self.tasks[r].id for r in rows])

    def new_order(self, moving: list[int], row: int) -> list[int]:
        """The ids after moving `moving` to before position `row` (-1: the end)."""
        order = self.ids()
        target = len(order) if row < 0 else row
        kept_before = sum(1 for i in order[:target] if i in moving)
        rest = [i for i in order if i not in moving]
        at = target - kept_before
        return rest[:at] + [i for i in order if i in moving] + rest[at:]

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        moving = [i for i in task_ids_from(data) if i in self.ids()]
        if not moving:
            return False
        if row < 0 and parent.isValid():
            row = parent.row()
        order = self.new_order(moving, row)
        if order != self.ids():
            # after the drag has finished: the reorder reloads this model
            QTimer.singleShot(0, lambda: self.reorder_requested.emit(order))
        return False  # the rows are not moved here; the database decides the order


class EstimateDelegate(QStyledItemDelegate):
    """Estimates are edited in 5-minute steps."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        if index.column() != ESTIMATE:
            return super().createEditor(parent, option, index)
        box = QSpinBox(parent)
        box.setRange(5, 12 * 60)
        box.setSingleStep(5)
        box.setSuffix(tr(" min"))
        return box


class TaskPanel(QWidget):
    """The task list with a one-line 'add a task' row and the overflow summary."""

    add_requested = Signal(str, int, int)  # title, role id, estimate minutes
    remove_requested = Signal(int)
    schedule_requested = Signal(int, object)  # task id, slot id or None

    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.model = TaskModel(zone, self)
        self.view = QTreeView(self)
        self.view.setObjectName("taskList")
        self.view.setAccessibleName(tr("Tasks of the day"))
        self.view.setModel(self.model)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.view.setItemDelegate(EstimateDelegate(self.view))
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ESTIMATE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(WHEN, QHeaderView.ResizeMode.ResizeToContents)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_view_menu_requested)

        self.title = QLineEdit(self)
        self.title.setPlaceholderText(tr("New task…"))
        self.title.setAccessibleName(tr("New task title"))
        self.title.returnPressed.connect(self._on_title_return_pressed)
        self.role = QComboBox(self)
        self.role.setAccessibleName(tr("Role of the new task"))
        self.estimate = QSpinBox(self)
        self.estimate.setRange(5, 12 * 60)
        self.estimate.setSingleStep(5)
        self.estimate.setValue(30)
        self.estimate.setSuffix(tr(" min"))
        self.estimate.setAccessibleName(tr("Estimate of the new task"))
        self.empty_label = QLabel(tr("No tasks for this day yet — type one above and press Enter."))
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # greyed: a hint, not content
        self.empty_label.hide()
        self.overflow_label = QLabel(self)
        self.overflow_label.setWordWrap(True)
        self.overflow_label.hide()

        heading = QLabel(tr("<b>Tasks</b> — most important first; drag onto a slot to schedule"))
        heading.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(self.role)
        row.addWidget(self.estimate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addLayout(row)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.overflow_label)

        self._add_shortcuts()
        self._style_for_palette()

    def set_zone(self, zone: tzinfo) -> None:
        """Slot times in another zone (shown with the next snapshot)."""
        self.zone = self.model.zone = zone

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._style_for_palette()
        super().changeEvent(event)

    def _style_for_palette(self) -> None:
        """Fusion's check boxes vanish on a dark palette: give them a visible frame there."""
        if theme.is_dark(self.palette()):
            self.view.setStyleSheet(
                "QTreeView::indicator { width: 12px; height: 12px; border: 1px solid #a0a0a0;"
                " border-radius: 2px; background: #1e1f22; }"
                "QTreeView::indicator:checked { background: #8ab4f8; border-color: #8ab4f8; }"
            )
        else:
            self.view.setStyleSheet("")

    def _add_shortcuts(self) -> None:
        def action(text: str, keys: str, slot: Any) -> QAction:
            act = QAction(text, self.view)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            act.triggered.connect(slot)
            self.view.addAction(act)
            return act

        self.up_action = action(tr("Move up"), "Ctrl+Up", lambda: self.move_current(-1))
        self.down_action = action(tr("Move down"), "Ctrl+Down", lambda: self.move_current(1))
        self.remove_action = action(tr("Remove from the day"), "Delete", self.remove_current)
        self.toggle_action = action(tr("Done / not done"), "Ctrl+Return", self.toggle_current)

    # ------------------------------------------------------------ data in

    def set_snapshot(self, snapshot: DaySnapshot) -> None:
        current = self.current_task()
        self.model.warning = theme.warning_colour(self.palette())
        self.model.set_snapshot(snapshot)
        if current is not None and current.id in self.model.ids():
            self.view.setCurrentIndex(self.model.index(self.model.ids().index(current.id), 0))
        roles = [r for r in snapshot.plan.roles]
        chosen = self.role.currentData()
        self.role.blockSignals(True)
        self.role.clear()
        for r in roles:
            self.role.addItem(r.name, r.id)
            self.role.setItemData(
                self.role.count() - 1, QColor(r.colour), Qt.ItemDataRole.DecorationRole
            )
        if chosen is not None and self.role.findData(chosen) >= 0:
            self.role.setCurrentIndex(self.role.findData(chosen))
        self.role.blockSignals(False)
        self.empty_label.setVisible(not self.model.tasks)
        overflow = [t for t in self.model.tasks if t.id in self.model.overflow]
        if overflow:
            minutes = sum(t.estimate_minutes for t in overflow)
            names = ", ".join(t.title for t in overflow[:3]) + ("…" if len(overflow) > 3 else "")
            self.overflow_label.setText(
                ntr(
                    "<span style='color:{name}'><b>Overflow:</b> {n} task, {minutes} "
                    "min did not fit today: {names}</span>",
                    "<span style='color:{name}'><b>Overflow:</b> {n} tasks, {minutes} "
                    "min did not fit today: {names}</span>",
                    len(overflow),
                ).format(
                    name=self.model.warning.name(),
                    n=len(overflow),
                    minutes=minutes,
                    names=names,
                )
            )
            self.overflow_label.show()
        else:
            self.overflow_label.hide()

    # ------------------------------------------------------------ actions

    def current_task(self) -> TaskV | None:
        index = self.view.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.tasks):
            return None
        return self.model.task(index.row())

    def _on_title_return_pressed(self) -> None:
        text = self.title.text().strip()
        role_id = self.role.currentData()
        if not text or role_id is None:
            return
        self.add_requested.emit(text, int(role_id), self.estimate.value())
        self.title.clear()

    def move_current(self, delta: int) -> None:
        task = self.current_task()
        if task is None:
            return
        ids = self.model.ids()
        row = ids.index(task.id)
        target = max(0, min(len(ids) - 1, row + delta))
        if target == row:
            return
        ids.insert(target, ids.pop(row))
        self.model.reorder_requested.emit(ids)

    def remove_current(self) -> None:
        task = self.current_task()
        if task is not None:
            self.remove_requested.emit(task.id)

    def toggle_current(self) -> None:
        task = self.current_task()
        if task is not None:
            self.model.status_requested.emit(task.id, "open" if task.status == "done" else "done")

    def _on_view_menu_requested(self, pos: QPoint) -> None:
        menu = self.build_menu(self.view.indexAt(pos))
        if menu is not None:
            menu.exec(self.view.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def build_menu(self, index: QModelIndex) -> QMenu | None:
        if not index.isValid() or self.model.snapshot is None:
            return None
        self.view.setCurrentIndex(index)
        task = self.model.task(index.row())
        snap = self.model.snapshot
        menu = QMenu(self)
        menu.addAction(self.toggle_action)
        menu.addAction(self.up_action)
        menu.addAction(self.down_action)
        estimate = menu.addAction(tr("Change estimate…"))
        estimate.triggered.connect(lambda: self.view.edit(self.model.index(index.row(), ESTIMATE)))
        role_menu = menu.addMenu(tr("Role"))
        for role in snap.plan.roles:
            act = role_menu.addAction(role.name)
            act.setCheckable(True)
            act.setChecked(role.id == task.role_id)
            act.triggered.connect(
                lambda _=False, r=role.id, t=task.id, v=task.version: (
                    self.model.edit_requested.emit(t, {"role_id": r, "seen_version": v})
                )
            )
        schedule = menu.addMenu(tr("Schedule into slot"))
        for slot in snap.plan.slots:
            slot_role = snap.role(slot.role_id)
            start = clock(slot.start, self.zone)
            end = clock(slot.end, self.zone)
            act = schedule.addAction(f"{start}–{end} {slot_role.name if slot_role else ''}")
            act.setEnabled(slot.id != task.slot_id)
            act.triggered.connect(
                lambda _=False, s=slot.id, t=task.id: self.schedule_requested.emit(t, s)
            )
        schedule.setEnabled(bool(snap.plan.slots))
        unschedule = menu.addAction(tr("Unschedule"))
        unschedule.setEnabled(task.slot_id is not None)
        unschedule.triggered.connect(lambda: self.schedule_requested.emit(task.id, None))
        menu.addSeparator()
        menu.addAction(self.remove_action)
        return menu
