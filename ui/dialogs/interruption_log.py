"""A day's interruptions, editable afterwards; and the non-modal prompt to re-flow the day."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta, tzinfo
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from planner.domain.flags import entry_in_words
from planner.domain.i18n import tr
from planner.domain.values import Change, EntryV, RoleV
from ui.actions.interruptions import DayLog
from ui.formats import clock, long_day
from ui.gateway import Outcome, ReadFailed
from ui.widgets.fit import fit_window

Index = QModelIndex | QPersistentModelIndex
COLUMNS = (tr("Start"), tr("Minutes"), tr("Role"), tr("Source"), tr("Note"), tr("Flags"))
START, MINUTES, ROLE, SOURCE, NOTE, FLAGS = range(len(COLUMNS))


class LogService(Protocol):
    """The calls the dialog needs, each one gateway call (ui.actions.interruptions)."""

    def load(self, day: date) -> DayLog: ...
    def edit(self, entry_id: int, **fields: Any) -> Outcome[tuple[EntryV, Change]]: ...
    def to_work(self, entry_id: int) -> Outcome[tuple[EntryV, Change]]: ...


class InterruptionModel(QAbstractTableModel):
    """The day's interruptions as rows; an edit goes to `edit_requested`, never into a row."""

    edit_requested = Signal(int, dict)  # entry id, fields for tracking.edit_entry

    def __init__(self, zone: tzinfo, parse_minutes: Callable[[str], int]) -> None:
        super().__init__()
        self._zone = zone
        self._parse_minutes = parse_minutes
        self._log: DayLog | None = None
        self._names: dict[int, RoleV] = {}

    def set_zone(self, zone: tzinfo) -> None:
        self._zone = zone

    def set_log(self, log: DayLog) -> None:
        same_rows = self._log is not None and [e.id for e in self._log.entries] == [
            e.id for e in log.entries
        ]
        if same_rows and log.entries:
            # Same rows: refresh in place, so an editor the user has open stays open.
            self._log = log
            self._names = {r.id: r for r in log.roles}
            last = self.index(len(log.entries) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._log = log
        self._names = {r.id: r for r in log.roles}
        self.endResetModel()

    def replace(self, entry: EntryV) -> None:
        """Show an edited entry at once (the next edit builds on it); the reload follows."""
        if self._log is None:
            return
        rows = list(self._log.entries)
        for row, old in enumerate(rows):
            if old.id == entry.id:
                rows[row] = entry
                self._log = replace(self._log, entries=tuple(rows))
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return

    def entry(self, row: int) -> EntryV:
        assert self._log is not None
        return self._log.entries[row]

    def roles(self) -> tuple[RoleV, ...]:
        return self._log.roles if self._log else ()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self._log is None else len(self._log.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.column() != FLAGS:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def _minutes(self, e: EntryV) -> float:
        assert self._log is not None
        return ((e.end or self._log.now) - e.start) / timedelta(minutes=1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._log is None:
            return None
        e = self._log.entries[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == START:
                return clock(e.start, self._zone)
            if col == MINUTES:
                text = f"{round(self._minutes(e))}"
                return text if e.end or role == Qt.ItemDataRole.EditRole else f"{text} (running)"
            if col == ROLE:
                r = self._names.get(e.role_id or -1)
                if role == Qt.ItemDataRole.EditRole:
                    return e.role_id
                return r.name if r else "—"
            if col == SOURCE:
                return e.source
            if col == NOTE:
                return e.note
            if col == FLAGS:
                names = {r.id: r.name for r in self._log.roles}
                return entry_in_words(e, names, self._log.slots)
        if role == Qt.ItemDataRole.DecorationRole and col == ROLE:
            r = self._names.get(e.role_id or -1)
            return QColor(r.colour) if r else None
        if role == Qt.ItemDataRole.ToolTipRole and e.needs_review:
            return tr("closed after a crash: check its end")
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self._log is None:
            return False
        e = self._log.entries[index.row()]
        col = index.column()
        fields: dict[str, Any]
        if col == START:
            fields = self._moved_start(e, str(value))
        elif col == MINUTES:
            minutes = self._parse_minutes(str(value))
            fields = {"end": e.start + timedelta(minutes=minutes)}
        elif col == ROLE:
            fields = {"role_id": int(value)}
        elif col == SOURCE:
            fields = {"source": str(value)}
        elif col == NOTE:
            fields = {"note": str(value)}
        else:
            return False
        self.edit_requested.emit(e.id, fields)
        return True

    def _moved_start(self, e: EntryV, text: str) -> dict[str, Any]:
        """A new HH:MM on the same local day; a finished entry keeps its length."""
        from planner.domain.timerange import parse_hhmm

        minute = parse_hhmm(text.strip())
        local = e.start.astimezone(self._zone)
        moved = local.replace(hour=minute // 60, minute=minute % 60, second=0, microsecond=0)
        start = moved.astimezone(e.start.tzinfo)
        fields: dict[str, Any] = {"start": start}
        if e.end is not None:
            fields["end"] = start + (e.end - e.start)
        return fields


class RoleDelegate(QStyledItemDelegate):
    """A combo box of the roles for the Role column."""

    def __init__(self, model: InterruptionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        box = QComboBox(parent)
        for r in self._model.roles():
            box.addItem(r.name, r.id)
        return box

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        at = editor.findData(index.data(Qt.ItemDataRole.EditRole))
        editor.setCurrentIndex(max(at, 0))

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class InterruptionLogDialog(QDialog):
    """Edit a day's interruptions: time, duration, role, source, note; or make one planned work."""

    changed = Signal()
    reloaded = Signal()

    def __init__(
        self,
        service: LogService,
        zone: tzinfo,
        parse_minutes: Callable[[str], int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Interruptions"))
        self._service = service
        self._day: date | None = None
        self.model = InterruptionModel(zone, parse_minutes)
        self.model.edit_requested.connect(self._on_model_edit_requested)

        self.summary = QLabel(self)
        self.summary.setObjectName("interruptionSummary")
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(ROLE, RoleDelegate(self.model, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NOTE, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.error = QLabel(self)
        self.error.setStyleSheet("color:#b00020;")
        self.error.hide()

        self.to_work_button = QPushButton(tr("Convert to planned work"), self)
        self.to_work_button.setToolTip(tr("It was part of the plan after all: count it as work"))
        self.to_work_button.clicked.connect(self._on_to_work_button_clicked)
        close = QPushButton(tr("Close"), self)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.to_work_button)
        buttons.addStretch(1)
        buttons.addWidget(close)

        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(self.table, 1)
        box.addWidget(self.error)
        box.addLayout(buttons)
        fit_window(self, QSize(760, 360))

    def show_day(self, day: date) -> None:
        self._day = day
        self.reload()

    def reload(self) -> None:
        if self._day is None:
            return
        try:
            log = self._service.load(self._day)
        except ReadFailed as exc:
            self._show_error(str(exc))
            return
        self.model.set_log(log)
        self.summary.setText(f"{long_day(log.day)}: {log.summary}")
        self.to_work_button.setEnabled(bool(log.entries))
        self.reloaded.emit()

    def _on_model_edit_requested(self, entry_id: int, fields: dict[str, Any]) -> None:
        outcome = self._service.edit(entry_id, **fields)
        if outcome.ok:
            self.model.replace(outcome.result()[0])
        self._after(outcome)

    def _on_to_work_button_clicked(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else self.table.currentIndex().row()
        if row < 0:
            self._show_error(tr("Select an interruption first."))
            return
        entry_id = self.model.entry(row).id
        self._after(self._service.to_work(entry_id))

    def _after(self, outcome: Outcome[Any]) -> None:
        if not outcome.ok:  # the row still shows what is stored; say why the edit did not land
            self._show_error(outcome.message)
            return
        self.error.hide()
        # Reload after the view has closed the editor that sent this edit, not under it.
        QTimer.singleShot(0, self.reload)
        self.changed.emit()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


class ReflowPrompt(QFrame):
    """Asks whether to re-flow the rest of the day; never modal, never acts on its own."""

    accepted = Signal(object)  # the day to re-flow
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None, *, floating: bool = True) -> None:
        flags = Qt.WindowType.Widget
        if floating:
            flags = Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint
        super().__init__(parent, flags)
        self.setObjectName("reflowPrompt")
        self.setWindowTitle(tr("Splitday — re-flow the day?"))
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._day: date | None = None
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        # the safe choice first: in the row, and for Tab
        self.keep_button = QPushButton(tr("&Keep the plan"), self)
        self.reflow_button = QPushButton(tr("&Re-flow the rest of the day"), self)
        QWidget.setTabOrder(self.keep_button, self.reflow_button)
        self.reflow_button.clicked.connect(self._on_reflow_button_clicked)
        self.keep_button.clicked.connect(self._on_keep_button_clicked)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.keep_button)
        row.addWidget(self.reflow_button)
        box = QVBoxLayout(self)
        box.addWidget(self.text)
        box.addLayout(row)
        self.setFixedWidth(420)

    def offer(self, day: date, reason: str) -> None:
        self._day = day
        self.text.setText(
            tr("{reason}\nRe-split the time left into role slots?").format(reason=reason)
        )
        self.adjustSize()
        self.show()

    @property
    def day(self) -> date | None:
        """The day it offers to re-flow, while it is on screen."""
        return self._day

    def withdraw(self) -> None:
        """Leave the screen without an answer (Plan my day or End of day has the say now)."""
        self._day = None
        self.hide()

    def day_over(self, day: date) -> None:
        """`day` is closed or past: an offer about it (or an earlier day) means nothing now."""
        if self._day is not None and self._day <= day:
            self.withdraw()

    def _on_reflow_button_clicked(self) -> None:
        day, self._day = self._day, None
        self.hide()
        if day is not None:
            self.accepted.emit(day)

    def _on_keep_button_clicked(self) -> None:
        self._day = None
        self.hide()
        self.dismissed.emit()


def entries_of(rows: Sequence[EntryV]) -> tuple[EntryV, ...]:
    return tuple(e for e in rows if e.kind == "interruption")
