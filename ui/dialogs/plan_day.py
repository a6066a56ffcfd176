"""Plan my day: window, meetings, role split, auto-split slots, prioritised tasks, start the day."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QEvent,
    QObject,
    QSignalBlocker,
    QSize,
    Qt,
    QTime,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from planner.domain import forms
from planner.domain.i18n import ntr, tr
from planner.domain.timerange import Interval
from planner.domain.values import Change, MeetingV, PlanV, RoleV, SlotV, TaskV, WeekShareV
from ui.actions.plan_day import PlanDayActions
from ui.dialogs._common import (
    ROOT,
    BuddyBox,
    MessageBar,
    ModelIndex,
    ServiceDialog,
    TimeEdit,
    WindowEdit,
    chain,
    minute_of,
    mnemonic,
    mnemonics_in,
    qtime,
    retire,
    run_dialog,
    scrolled,
    swatch,
)
from ui.formats import clock, decimal, long_day, short_day
from ui.gateway import Gateway
from ui.widgets.fit import fit_window

SLOT_COLUMNS = (tr("Role"), tr("Start"), tr("End"), tr("Title"))
COL_ROLE, COL_START, COL_END, COL_TITLE = range(4)
TASK_ID = Qt.ItemDataRole.UserRole
TASK_MOVES = {int(Qt.Key.Key_Up): -1, int(Qt.Key.Key_Down): +1}
PREFERRED_SIZE = QSize(1160, 680)
SPLIT_NOTE = tr(
    "The split is saved as your standing targets: the end-of-day review and the week compare with"
    " it (also in Settings › Roles)."
)


def shortcut(widget: QWidget, keys: QKeySequence, slot: Callable[[], None]) -> QShortcut:
    """A key that works while `widget` has the focus."""
    short = QShortcut(keys, widget)
    short.setContext(Qt.ShortcutContext.WidgetShortcut)
    short.activated.connect(slot)
    return short


def wall(moment: datetime, day: date, zone: tzinfo) -> str:
    """'09:00', or '00:30+1' on the next calendar day."""
    minute = forms.minute_of_day(moment, day, zone)
    text = f"{(minute // 60) % 24:02d}:{minute % 60:02d}"
    return text + ("+1" if minute >= 24 * 60 else "")


class SlotTableModel(QAbstractTableModel):
    """The day's slots; an edit is handed to `commit(slot, column, value)`, which saves it."""

    def __init__(self, zone: tzinfo, day: date) -> None:
        super().__init__()
        self._zone, self._day = zone, day
        self._slots: list[SlotV] = []
        self._roles: dict[int, RoleV] = {}
        self.commit: Callable[[SlotV, int, Any], bool] = lambda _s, _c, _v: False

    def set_plan(self, slots: Sequence[SlotV], roles: Sequence[RoleV]) -> None:
        self.beginResetModel()
        self._slots = list(slots)
        self._roles = {r.id: r for r in roles}
        self.endResetModel()

    def slot(self, row: int) -> SlotV:
        return self._slots[row]

    def row_of(self, slot_id: int) -> int:
        return next((i for i, s in enumerate(self._slots) if s.id == slot_id), -1)

    def rowCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self._slots)

    def columnCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(SLOT_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return SLOT_COLUMNS[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        slot, col = self._slots[index.row()], index.column()
        owner_role = self._roles.get(slot.role_id)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_ROLE:
                return owner_role.name if owner_role else f"role {slot.role_id}"
            if col == COL_START:
                return wall(slot.start, self._day, self._zone)
            if col == COL_END:
                return wall(slot.end, self._day, self._zone)
            return slot.title or (tr("auto") if slot.origin == "auto" else "")
        if role == Qt.ItemDataRole.EditRole:
            if col == COL_ROLE:
                return slot.role_id
            if col in (COL_START, COL_END):
                moment = slot.start if col == COL_START else slot.end
                return qtime(forms.minute_of_day(moment, self._day, self._zone))
            return slot.title
        if role == Qt.ItemDataRole.DecorationRole and col == COL_ROLE and owner_role:
            return swatch(owner_role.colour)
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_TITLE and not slot.title:
            return QColor(128, 128, 128)
        return None

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        return self.commit(self._slots[index.row()], index.column(), value)


class SlotDelegate(QStyledItemDelegate):
    """A role picker for the role column, an HH:mm time edit for start and end."""

    def __init__(self, roles: Callable[[], Sequence[RoleV]], parent: QWidget) -> None:
        super().__init__(parent)
        self._roles = roles

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex
    ) -> QWidget:
        if index.column() == COL_ROLE:
            combo = QComboBox(parent)
            for role in self._roles():
                combo.addItem(role.name, role.id)
            return combo
        if index.column() in (COL_START, COL_END):
            return TimeEdit(parent)
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(value)))
        elif isinstance(editor, TimeEdit) and isinstance(value, QTime):
            editor.setTime(value)
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: ModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData())
        elif isinstance(editor, TimeEdit):
            model.setData(index, editor.time())
        else:
            super().setModelData(editor, model, index)


class ShareRow:
    """One role's share of the split: a spin box and a slider kept in step; the role's name
    has its own Alt+letter (`title`, from mnemonic()) that goes to this spin box."""

    def __init__(
        self,
        role: RoleV,
        title: str,
        on_change: Callable[[int, int], None],
        on_done: Callable[[], None],
    ) -> None:
        self.role = role
        self.swatch = QLabel(
            f"<span style='color:{role.colour}'>■</span>"
        )  # not translated: a swatch
        self.label = QLabel(title)
        self.label.setObjectName(f"share_label_{role.id}")
        self.spin = QSpinBox()
        self.spin.setRange(0, 100)
        self.spin.setSuffix(" %")
        self.spin.setObjectName(f"share_{role.id}")
        self.spin.setAccessibleName(tr("{name} share").format(name=role.name))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setPageStep(10)
        self.slider.setAccessibleName(tr("{name} share slider").format(name=role.name))
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the spin box is the keyboard way
        self.label.setBuddy(self.spin)
        self.spin.valueChanged.connect(lambda v: on_change(role.id, v))
        self.slider.valueChanged.connect(lambda v: on_change(role.id, v))
        self.spin.editingFinished.connect(on_done)
        self.slider.sliderReleased.connect(on_done)

    def show_value(self, value: int) -> None:
        with QSignalBlocker(self.spin), QSignalBlocker(self.slider):
            self.spin.setValue(value)
            self.slider.setValue(value)


def free_minutes(plan: PlanV) -> tuple[float, float, float]:
    """The day's time the slots can fill (the window less its meetings and planned breaks),
    and the meetings' and breaks' minutes inside the window: "7.1 h of 8.5 h planned" read as
    if lunch and the stand-up were still to be planned."""
    window = Interval(plan.day.start, plan.day.stop)
    meetings = [
        Interval(max(m.start, window.start), min(m.end, window.end))
        for m in plan.meetings
        if m.busy and not m.all_day and m.start < window.end and m.end > window.start
    ]
    breaks = [
        Interval(max(b.start, window.start), min(b.end, window.end))
        for b in plan.breaks
        if not b.skipped and b.start < window.end and b.end > window.start
    ]

    def minutes(pieces: Sequence[Interval]) -> float:
        return sum(p.duration.total_seconds() for p in pieces) / 60

    free = minutes(window.subtract([*meetings, *breaks]))
    meeting_minutes = minutes(window.subtract(breaks)) - free
    break_minutes = minutes([window]) - minutes(window.subtract(breaks))
    return free, meeting_minutes, break_minutes


class PlanDayDialog(ServiceDialog):
    """Plan one day; every edit is saved at once and announced through `plan_changed`."""

    plan_changed = Signal(object)  # planner.domain.values.Change
    day_started = Signal(object)  # planner.domain.values.Change, after "Start the day"

    def __init__(self, gateway: Gateway, day: date, parent: QWidget | None = None) -> None:
        super().__init__(gateway, day, parent)
        self.service = PlanDayActions(gateway, day)
        self.setWindowTitle(tr("Plan my day — {day}").format(day=long_day(day)))
        self.setObjectName("plan_day_dialog")
        self._plan: PlanV | None = None
        self._shares: dict[int, int] = {}
        self._share_rows: dict[int, ShareRow] = {}
        self._carry_from: date | None = None
        self._day_start = 0
        self._is_today_shown = False
        self._filling_tasks = False  # the list is being rebuilt: its row moves are not drops
        self._build()
        self._keys = mnemonics_in(self)  # the Alt+letters taken before the roles get theirs
        self._read_bar = self.message
        self.refresh()
        # Another device (LISTEN/NOTIFY), a sync or the command line changed the data: show
        # it, so Auto-split is never pressed over a plan this dialog did not show (relive
        # finding 2: the desktop's dialog said "0 slots" and replaced the laptop's plan).
        gateway.changed.connect(self._on_gateway_changed)
        fit_window(self, PREFERRED_SIZE)

    def _on_gateway_changed(self, change: Change) -> None:
        if self._saving or not self.isVisible() or not change.topics:
            return  # its own edit reloads it already
        if not change.days or self._day in change.days:
            self._reload_later()

    # ------------------------------------------------------------ layout

    def _build(self) -> None:
        self.heading = QLabel()
        self.heading.setObjectName("heading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.message = MessageBar()
        left = QVBoxLayout()
        left.addWidget(self._day_box())
        left.addWidget(self._split_box())
        left.addWidget(self._meetings_box(), 1)
        right = QVBoxLayout()
        right.addWidget(self._slots_box(), 1)
        right.addWidget(self._tasks_box(), 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        bottom = self._buttons_row()

        outer = QVBoxLayout(self)
        outer.addWidget(self.heading)
        outer.addWidget(self.message)
        self.scroller = scrolled(columns)  # on a small screen the form scrolls, the buttons stay
        outer.addWidget(self.scroller, 1)
        outer.addLayout(bottom)

    def _day_box(self) -> BuddyBox:
        """The workday's start and hard stop, and the minimum focus block."""
        self.window_edit = WindowEdit("day")
        self.window_edit.start.editingFinished.connect(self._on_window_edited)
        self.window_edit.stop.editingFinished.connect(self._on_window_edited)
        self.min_block = QSpinBox()
        self.min_block.setObjectName("min_block")
        self.min_block.setRange(*forms.SETTING_LIMITS["min_block_minutes"])
        self.min_block.setSingleStep(5)
        self.min_block.setSuffix(tr(" min"))
        self.min_block.setAccessibleName(tr("minimum focus block"))
        self.min_block.editingFinished.connect(self._on_min_block_edited)
        self.min_block.setMaximumWidth(120)
        day_box = BuddyBox(tr("&Workday"), self.window_edit.start)
        day_form = QFormLayout(day_box)
        day_form.addRow(tr("Start – hard stop"), self.window_edit)
        min_block_label = QLabel(tr("Minimum focus &block"))
        min_block_label.setBuddy(self.min_block)
        day_form.addRow(min_block_label, self.min_block)
        self.skip_lunch = QCheckBox(tr("Skip lunch toda&y"))
        self.skip_lunch.setObjectName("skip_lunch")
        self.skip_lunch.toggled.connect(self._on_skip_lunch)
        day_form.addRow("", self.skip_lunch)
        return day_box

    def _on_skip_lunch(self, skipped: bool) -> None:
        self._save(lambda: self.service.skip_lunch(skipped), self.message)

    def _split_box(self) -> BuddyBox:
        """The role split: the roles' standing targets (each role's name has its own Alt+letter)."""
        self.split_box = BuddyBox(tr("Role split (your targets)"))
        split_layout = QVBoxLayout(self.split_box)
        self.split_grid = QGridLayout()
        split_layout.addLayout(self.split_grid)
        self.split_note = QLabel(SPLIT_NOTE)
        self.split_note.setObjectName("split_note")
        self.split_note.setWordWrap(True)
        self.split_note.setEnabled(False)
        split_layout.addWidget(self.split_note)
        self.week_note = QLabel()
        self.week_note.setObjectName("week_note")
        self.week_note.setWordWrap(True)
        self.week_note.hide()
        split_layout.addWidget(self.week_note)
        self.auto_split = QPushButton(tr("&Auto-split free time"))
        self.auto_split.setObjectName("auto_split")
        self.auto_split.clicked.connect(self._on_auto_split_clicked)
        return self.split_box

    def _meetings_box(self) -> BuddyBox:
        """Today's meetings, as busy time the plan goes around."""
        self.meetings = QListWidget()
        self.meetings.setObjectName("meetings")
        self.meetings.setAccessibleName(tr("today's meetings"))
        self.meetings.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.meetings.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        meetings_box = BuddyBox(tr("Meetings today"))
        QVBoxLayout(meetings_box).addWidget(self.meetings)
        return meetings_box

    def _slots_box(self) -> BuddyBox:
        """The day's slots as a table (F2 edits, Delete removes)."""
        self.slot_model = SlotTableModel(self._zone, self._day)
        self.slot_model.commit = self._commit_slot_edit
        self.slots = QTableView()
        self.slots.setObjectName("slots")
        self.slots.setAccessibleName(tr("slots"))
        self.slots.setModel(self.slot_model)
        self.slots.setItemDelegate(SlotDelegate(self._active_roles, self.slots))
        self.slots.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.slots.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.slots.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.slots.verticalHeader().hide()
        header = self.slots.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.delete_slot = QPushButton(tr("Remo&ve slot"))
        self.delete_slot.setObjectName("delete_slot")
        self.delete_slot.clicked.connect(self._on_delete_slot_clicked)
        shortcut(self.slots, QKeySequence(Qt.Key.Key_Delete), self._on_delete_slot_clicked)
        slots_box = BuddyBox(tr("S&lots (F2 edits, Delete removes)"), self.slots)
        slots_layout = QVBoxLayout(slots_box)
        slots_layout.addWidget(self.slots)
        slots_buttons = QHBoxLayout()
        slots_buttons.addWidget(self.delete_slot)
        slots_buttons.addStretch(1)
        slots_layout.addLayout(slots_buttons)
        return slots_box

    def _tasks_box(self) -> BuddyBox:
        """The tasks by priority, their order, the carry-over and the row to add one."""
        self.tasks = QListWidget()
        self.tasks.setObjectName("tasks")
        self.tasks.setAccessibleName(tr("today's tasks by priority"))
        self.tasks.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.tasks.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tasks.model().rowsMoved.connect(self._on_tasks_rows_moved)
        self.move_up = QPushButton(tr("Move &up"))
        self.move_up.setObjectName("move_up")
        self.move_up.setToolTip(tr("Alt+Up in the list"))
        self.move_up.clicked.connect(lambda: self._move_task(-1))
        self.move_down = QPushButton(tr("Move dow&n"))
        self.move_down.setObjectName("move_down")
        self.move_down.setToolTip(tr("Alt+Down in the list"))
        self.move_down.clicked.connect(lambda: self._move_task(+1))
        # The list claims arrow keys for itself, so Alt+Up/Down are caught before it sees them.
        self.tasks.installEventFilter(self)
        self.carry = QPushButton()
        self.carry.setObjectName("carry_over")
        self.carry.clicked.connect(self._on_carry_clicked)
        self.new_task = QLineEdit()
        self.new_task.setObjectName("new_task")
        self.new_task.setPlaceholderText(tr("New task — Enter adds it"))
        self.new_task.setAccessibleName(tr("new task title"))
        self.new_task.returnPressed.connect(self._on_add_task_clicked)
        self.new_task_role = QComboBox()
        self.new_task_role.setObjectName("new_task_role")
        self.new_task_role.setAccessibleName(tr("new task role"))
        self.new_task_role.installEventFilter(self)  # a letter picks the role at once
        self.new_task_estimate = QSpinBox()
        self.new_task_estimate.setObjectName("new_task_estimate")
        self.new_task_estimate.setRange(5, 24 * 60)
        self.new_task_estimate.setSingleStep(5)
        self.new_task_estimate.setValue(30)
        self.new_task_estimate.setSuffix(tr(" min"))
        self.new_task_estimate.setAccessibleName(tr("new task estimate"))
        self.new_task_label = QLabel(tr("New &task"))
        self.new_task_label.setBuddy(self.new_task)
        self.add_task = QPushButton(tr("Add"))
        self.add_task.setObjectName("add_task")
        self.add_task.setAutoDefault(False)
        self.add_task.clicked.connect(self._on_add_task_clicked)
        tasks_box = BuddyBox(tr("Tas&ks by priority (drag or Alt+Up/Down)"), self.tasks)
        tasks_layout = QVBoxLayout(tasks_box)
        tasks_layout.addWidget(self.tasks)
        order_row = QHBoxLayout()
        order_row.addWidget(self.move_up)
        order_row.addWidget(self.move_down)
        order_row.addStretch(1)
        order_row.addWidget(self.carry)
        tasks_layout.addLayout(order_row)
        add_row = QHBoxLayout()
        add_row.addWidget(self.new_task_label)
        add_row.addWidget(self.new_task, 1)
        add_row.addWidget(self.new_task_role)
        add_row.addWidget(self.new_task_estimate)
        add_row.addWidget(self.add_task)
        tasks_layout.addLayout(add_row)
        return tasks_box

    def _buttons_row(self) -> QHBoxLayout:
        """Start the day and Close, with the status line beside them."""
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton(
            tr("Start the &day"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.start_button.setObjectName("start_day")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.start_button.clicked.connect(self._on_start_clicked)
        self.close_button.clicked.connect(self.reject)
        for button in (self.start_button, self.close_button):
            button.setAutoDefault(False)
        self.start_button.setDefault(False)
        self.status = QLabel()
        self.status.setObjectName("status")
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.buttons)
        return bottom

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tasks and event.type() in (
            QEvent.Type.KeyPress,
            QEvent.Type.ShortcutOverride,
        ):
            assert isinstance(event, QKeyEvent)
            step = TASK_MOVES.get(int(event.key()))
            if step is not None and event.modifiers() == Qt.KeyboardModifier.AltModifier:
                if event.type() == QEvent.Type.KeyPress:
                    self._move_task(step)
                event.accept()
                return True
        if (
            watched is self.new_task_role
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self._pick_role_by_letter(event)
        ):
            return True
        return super().eventFilter(watched, event)

    def _pick_role_by_letter(self, event: QKeyEvent) -> bool:
        """A letter typed in the task row's role picks the next role starting with it, at once
        (the combo box's own search joins the letters typed within its interval: 'S' and then,
        for the next task, 'C' looked for 'SC' and kept Support)."""
        text = event.text()
        plain = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        if len(text) != 1 or not text.isalnum() or plain != Qt.KeyboardModifier.NoModifier:
            return False
        box = self.new_task_role
        names = [box.itemText(i).casefold() for i in range(box.count())]
        matches = [i for i, name in enumerate(names) if name.startswith(text.casefold())]
        if not matches:
            return False
        later = [i for i in matches if i > box.currentIndex()]
        box.setCurrentIndex(later[0] if later and matches[0] == box.currentIndex() else matches[0])
        event.accept()
        return True

    # ------------------------------------------------------------ reading

    def _active_roles(self) -> Sequence[RoleV]:
        return self._plan.roles if self._plan else ()

    def reload(self) -> None:
        view = self.service.load()
        plan, source, waiting = view.plan, view.carry_from, view.waiting
        self._day_start = view.day_start_minute
        self._is_today_shown = view.is_today
        self._plan, self._carry_from = plan, source
        self.heading.setText(tr("Plan {day}").format(day=long_day(self._day)))
        day = plan.day
        self.window_edit.set_minutes(
            forms.minute_of_day(day.start, self._day, self._zone),
            forms.minute_of_day(day.stop, self._day, self._zone),
        )
        with QSignalBlocker(self.min_block):
            self.min_block.setValue(day.min_block_minutes)
        self._show_split(plan.roles)
        self._show_meetings(plan.meetings)
        self._show_slots(plan)
        self._show_tasks(plan)
        if source is not None and waiting:
            self.carry.setText(
                ntr(
                    "&Pull in {n} unfinished task from {day}",
                    "&Pull in {n} unfinished tasks from {day}",
                    waiting,
                ).format(n=waiting, day=short_day(source))
            )
            self.carry.setEnabled(True)
        else:
            self.carry.setText(tr("&Pull in unfinished tasks (none left)"))
            self.carry.setEnabled(False)
        self._show_status(plan)
        self._show_breaks_and_week(plan, view.week)

    def _show_breaks_and_week(self, plan: PlanV, week: Sequence[WeekShareV]) -> None:
        lunch = next((b for b in plan.breaks if b.kind == "lunch"), None)
        with QSignalBlocker(self.skip_lunch):
            self.skip_lunch.setChecked(bool(lunch and lunch.skipped))
        self.skip_lunch.setEnabled(lunch is not None)
        if lunch is not None:
            start, end = (lunch.start.astimezone(self._zone), lunch.end.astimezone(self._zone))
            span = f"{start:%H:%M}–{end:%H:%M}"
            self.skip_lunch.setToolTip(
                tr("Lunch {span} (Settings has each weekday's)").format(span=span)
            )
        self.week_note.setText(week_text(plan.roles, week))
        self.week_note.setVisible(bool(self.week_note.text()))

    def _show_split(self, roles: Sequence[RoleV]) -> None:
        ids = [r.id for r in roles]
        if ids == list(self._share_rows):
            return
        while self.split_grid.count():
            item = self.split_grid.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                retire(widget)
        self._share_rows = {}
        self._shares = forms.initial_shares([(r.id, r.target_percent) for r in roles])
        keys = set(self._keys)
        for row, role in enumerate(roles):
            title = mnemonic(role.name, keys)
            share = ShareRow(role, title, self._on_share_changed, self._save_split)
            share.show_value(self._shares[role.id])
            self._share_rows[role.id] = share
            self.split_grid.addWidget(share.swatch, row, 0)
            self.split_grid.addWidget(share.label, row, 1)
            self.split_grid.addWidget(share.slider, row, 2)
            self.split_grid.addWidget(share.spin, row, 3)
        self.split_grid.addWidget(self.auto_split, len(roles), 0, 1, 4)
        self.split_grid.setColumnStretch(2, 1)
        spins = [row.spin for row in self._share_rows.values()]
        chain(self.min_block, self.skip_lunch, *spins, self.auto_split, self.slots)
        with QSignalBlocker(self.new_task_role):
            current = self.new_task_role.currentData()
            self.new_task_role.clear()
            for role in roles:
                self.new_task_role.addItem(role.name, role.id)
            if current is not None and self.new_task_role.findData(current) >= 0:
                self.new_task_role.setCurrentIndex(self.new_task_role.findData(current))

    def _show_meetings(self, meetings: Sequence[MeetingV]) -> None:
        self.meetings.clear()
        roles = {r.id: r for r in self._active_roles()}
        for m in meetings:
            if m.all_day:
                when = tr("all day")
            else:
                start, end = (wall(t, self._day, self._zone) for t in (m.start, m.end))
                when = f"{start}–{end}"
            role = roles.get(m.role_id) if m.role_id is not None else None
            extra = f" [{role.name}]" if role else ""
            free = "" if m.busy else tr(" (free)")
            title = m.summary or tr("(no title)")
            item = QListWidgetItem(f"{when}  {title}{extra}{free}")
            item.setIcon(swatch(role.colour if role else None))
            self.meetings.addItem(item)
        if not meetings:
            item = QListWidgetItem(tr("No meetings today"))
            item.setForeground(QColor(128, 128, 128))
            self.meetings.addItem(item)

    def _show_slots(self, plan: PlanV) -> None:
        selected = self._selected_slot()
        self.slot_model.set_plan(plan.slots, plan.roles)
        if selected is not None and (row := self.slot_model.row_of(selected.id)) >= 0:
            self.slots.selectRow(row)
        self.delete_slot.setEnabled(bool(plan.slots))

    def _show_tasks(self, plan: PlanV) -> None:
        selected = self._selected_task_id()
        roles = {r.id: r for r in plan.roles}
        # "does not fit" only once there are slots to fit into (before planning, nothing does)
        overflow = set(plan.overflow) if plan.slots else set()
        # (not a QSignalBlocker on the model: the view would never hear of the new rows and
        # stay blank while tasks are added)
        self._filling_tasks = True
        try:
            self.tasks.clear()
            for task in sorted(plan.tasks, key=lambda t: (t.priority, t.id)):
                self.tasks.addItem(self._task_item(task, roles, overflow))
        finally:
            self._filling_tasks = False
        if selected is not None:
            for row in range(self.tasks.count()):
                item = self.tasks.item(row)
                if item is not None and item.data(TASK_ID) == selected:
                    self.tasks.setCurrentRow(row)
        enabled = self.tasks.count() > 1
        self.move_up.setEnabled(enabled)
        self.move_down.setEnabled(enabled)

    def _task_item(
        self, task: TaskV, roles: dict[int, RoleV], overflow: set[int]
    ) -> QListWidgetItem:
        role = roles.get(task.role_id)
        parts = [f"{task.priority}. {task.title}", f"[{role.name if role else '?'}]"]
        parts.append(f"{task.estimate_minutes} min")
        if task.carried_over:
            parts.append(f"↻{task.carried_over}")
        if task.status != "open":
            parts.append(f"({task.status})")
        elif task.id in overflow:
            parts.append(tr("(does not fit)"))
        item = QListWidgetItem("  ".join(parts))
        item.setData(TASK_ID, task.id)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
        if role:
            item.setIcon(swatch(role.colour))
        if task.status != "open":
            font = item.font()
            font.setStrikeOut(True)
            item.setFont(font)
            item.setForeground(QColor(128, 128, 128))
        return item

    def _show_status(self, plan: PlanV) -> None:
        day = plan.day
        planned = sum((s.end - s.start).total_seconds() / 60 for s in plan.slots)
        free, meetings, breaks = free_minutes(plan)
        text = ntr(
            "{n} slot, {planned} h of {free} h free planned",
            "{n} slots, {planned} h of {free} h free planned",
            len(plan.slots),
        ).format(n=len(plan.slots), planned=decimal(planned / 60), free=decimal(free / 60))
        if meetings:
            text += " · " + tr("{hours} h of meetings").format(hours=decimal(meetings / 60))
        if breaks:
            text += " · " + ntr("{n} min of breaks", "{n} min of breaks", round(breaks)).format(
                n=round(breaks)
            )
        if day.closed_at is not None:
            text += tr(" · the day is closed")
        elif day.started_at is not None:
            started = day.started_at.astimezone(self._zone)
            text += " · " + tr("started at {time}").format(time=clock(started))
        late = [t.title for t in plan.tasks if t.id in plan.late]
        if late:
            text += tr(" · cannot make its deadline: {tasks}").format(tasks=", ".join(late))
        self.status.setText(text)
        is_today = self._is_today_shown
        self.start_button.setEnabled(is_today and day.started_at is None and day.closed_at is None)
        if not is_today:
            self.start_button.setToolTip(tr("Only today can be started"))

    def _selected_slot(self) -> SlotV | None:
        rows = self.slots.selectionModel().selectedRows() if self.slots.selectionModel() else []
        if not rows:
            index = self.slots.currentIndex()
            return self.slot_model.slot(index.row()) if index.isValid() else None
        return self.slot_model.slot(rows[0].row())

    def _selected_task_id(self) -> int | None:
        item = self.tasks.currentItem()
        return None if item is None else int(item.data(TASK_ID))

    def _announce(self, change: Change) -> None:
        self.plan_changed.emit(change)

    # ------------------------------------------------------------ edits

    def _on_window_edited(self) -> None:
        start, stop = self.window_edit.minutes()
        assert self._plan is not None
        current = (
            forms.minute_of_day(self._plan.day.start, self._day, self._zone),
            forms.minute_of_day(self._plan.day.stop, self._day, self._zone),
        )
        if (start, stop) == current:
            return
        self._save(lambda: self.service.set_window(start, stop), self.message)

    def _on_min_block_edited(self) -> None:
        value = self.min_block.value()
        if self._plan is not None and value == self._plan.day.min_block_minutes:
            return
        self._save(lambda: self.service.set_min_block(value), self.message)

    def _on_share_changed(self, role_id: int, value: int) -> None:
        self._shares = forms.rebalance(self._shares, role_id, value)
        for rid, row in self._share_rows.items():
            row.show_value(self._shares[rid])

    def _save_split(self) -> None:
        """The split is the roles' standing targets (what every review compares with)."""
        shares = dict(self._shares)
        stored = {r.id: r.target_percent for r in self._active_roles()}
        if all(stored.get(rid) == value for rid, value in shares.items()):
            return
        self._save(lambda: self.service.save_split(shares), self.message)

    def shares(self) -> dict[int, int]:
        return dict(self._shares)

    def _on_auto_split_clicked(self) -> None:
        shares = dict(self._shares)
        block = self.min_block.value()
        if sum(shares.values()) <= 0:
            self.message.show_error(tr("give at least one role a share above 0 %"))
            return
        result = self._save(lambda: self.service.auto_split(shares, block), self.message)
        if result is not None and not result[0].slots:
            self.message.show_note(tr("No free time is left in the workday to split."))

    def _commit_slot_edit(self, slot: SlotV, column: int, value: Any) -> bool:
        kwargs: dict[str, Any] = {}
        if column == COL_ROLE:
            if value == slot.role_id:
                return False
            kwargs["role_id"] = int(value)
        elif column in (COL_START, COL_END):
            if not isinstance(value, QTime):
                return False
            moment = forms.moment_at(self._day, minute_of(value), self._zone, self._day_start)
            if moment == (slot.start if column == COL_START else slot.end):
                return False
            kwargs["start" if column == COL_START else "end"] = moment
        else:
            if str(value).strip() == slot.title:
                return False
            kwargs["title"] = str(value)
        kwargs["seen_version"] = slot.version or None  # as shown: a change elsewhere is asked
        # The view is still committing its editor: redraw once it is done.
        result = self._save(
            lambda: self.service.update_slot(slot.id, **kwargs), self.message, defer_reload=True
        )
        return result is not None

    def _on_delete_slot_clicked(self) -> None:
        slot = self._selected_slot()
        if slot is None:
            self.message.show_note(tr("Select a slot to delete first."))
            return
        row = self.slot_model.row_of(slot.id)
        self._save(lambda: self.service.remove_slot(slot.id, slot.version or None), self.message)
        if self.slot_model.rowCount():
            self.slots.selectRow(min(row, self.slot_model.rowCount() - 1))
            self.slots.setFocus()

    def _task_ids(self) -> list[int]:
        ids = []
        for row in range(self.tasks.count()):
            item = self.tasks.item(row)
            if item is not None:
                ids.append(int(item.data(TASK_ID)))
        return ids

    def _save_order(self, ids: list[int]) -> None:
        self._save(lambda: self.service.reorder_tasks(ids), self.message)

    def _on_tasks_rows_moved(self, *_args: object) -> None:
        if self._filling_tasks:
            return
        # A drop is still being handled: save once the view is done with its items.
        QTimer.singleShot(0, lambda: self._save_order(self._task_ids()))

    def _move_task(self, step: int) -> None:
        row = self.tasks.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.tasks.count():
            return
        ids = self._task_ids()
        ids[row], ids[target] = ids[target], ids[row]
        self._save_order(ids)
        self.tasks.setFocus()

    def _on_carry_clicked(self) -> None:
        source = self._carry_from
        if source is None:
            return
        result = self._save(lambda: self.service.carry_over(source), self.message)
        if result is not None:
            self.message.show_note(
                ntr(
                    "Pulled in {n} task from {day}.", "Pulled in {n} tasks from {day}.", result[0]
                ).format(n=result[0], day=short_day(source))
            )

    def _on_add_task_clicked(self) -> None:
        title = self.new_task.text()
        role_id = self.new_task_role.currentData()
        if role_id is None:
            self.message.show_error(tr("there is no role to give the task to"))
            return
        estimate = self.new_task_estimate.value()
        result = self._save(
            lambda: self.service.add_task(title, int(role_id), estimate), self.message
        )
        if result is not None:
            self.new_task.clear()
        self.new_task.setFocus()

    def _on_enter(self, focus: QWidget | None) -> None:
        # Enter in the estimate or the role of a new task adds it, as Enter in its title does
        if focus in (self.new_task_estimate, self.new_task_role):
            if self.new_task.text().strip():
                self._on_add_task_clicked()
            else:
                self.new_task.setFocus()

    def _on_start_clicked(self) -> None:
        result = self._save(self.service.start_day, self.message)
        if isinstance(result, Change):
            self.day_started.emit(result)
            self.accept()


def week_text(roles: Sequence[RoleV], week: Sequence[WeekShareV]) -> str:
    """'Community is 1 h 40 min behind this week; today plans 1 h more.' (roles behind by at
    least 5 minutes; nothing when the week is on its share)."""
    names = {r.id: r.name for r in roles}
    parts = []
    for w in sorted(week, key=lambda w: -w.behind):
        if w.behind < 5 or w.role_id not in names:
            continue
        behind = format_minutes(w.behind)
        if w.extra >= 5:
            text = tr("{role} is {behind} behind this week; today plans {extra} more").format(
                role=names[w.role_id], behind=behind, extra=format_minutes(w.extra)
            )
        else:
            text = tr("{role} is {behind} behind this week").format(
                role=names[w.role_id], behind=behind
            )
        parts.append(text)
    return ". ".join(parts) + "." if parts else ""


def format_minutes(minutes: float) -> str:
    total = int(round(minutes / 5) * 5)
    hours, rest = divmod(total, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def main(argv: Sequence[str] | None = None) -> int:
    return run_dialog(PlanDayDialog, tr("Plan my day (Splitday)"), argv)


if __name__ == "__main__":
    sys.exit(main())
