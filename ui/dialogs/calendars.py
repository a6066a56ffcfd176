"""Calendars dialog: add, edit, remove and sync calendar sources (sync runs off the GUI thread)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from planner.calendars.caldav_client import Opener
from planner.calendars.fetch import Fetcher
from planner.calendars.sync import Rule, SourceV, SyncResult, status_words
from planner.domain.errors import PlannerError
from planner.domain.i18n import N_, tr
from planner.domain.values import RoleV
from ui.actions.calendars import CalendarActions
from ui.gateway import Gateway, ReadFailed
from ui.widgets.fit import fit_window
from ui.workers import SyncWorker

# Saves what the editor holds; "" when it was saved, else why not (the editor stays open).
SaveSource = Callable[["SourceEditor"], str]

KINDS = {"file": N_("file"), "folder": N_("folder"), "url": N_("url"), "caldav": N_("caldav")}
COLUMNS = (
    tr("Name"),
    tr("Kind"),
    tr("Location"),
    tr("Role"),
    tr("Enabled"),
    tr("Last sync"),
    tr("Status"),
)


class SourcesModel(QAbstractTableModel):
    """The sources as rows; plain values only."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sources: list[SourceV] = []
        self._roles: dict[int, str] = {}
        self._zone: tzinfo | None = None

    def reset(self, sources: Sequence[SourceV], roles: dict[int, str], zone: tzinfo) -> None:
        self.beginResetModel()
        self._sources = list(sources)
        self._roles = roles
        self._zone = zone
        self.endResetModel()

    def source(self, row: int) -> SourceV:
        return self._sources[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._sources)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        s = self._sources[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return s.name
            if column == 1:
                return tr(KINDS[s.kind]) if s.kind in KINDS else s.kind
            if column == 2:
                return s.location
            if column == 3:
                return self._roles.get(s.default_role_id or -1, "—")
            if column == 4:
                return tr("yes") if s.enabled else tr("no")
            if column == 5:
                if s.last_sync_at is None or self._zone is None:
                    return tr("never")
                return s.last_sync_at.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")
            if column == 6:
                return status_words(s.last_status)
        if role == Qt.ItemDataRole.ToolTipRole and column in (2, 6):
            return s.location if column == 2 else status_words(s.last_status)
        return None


class SourceEditor(QDialog):
    """Name, location, default role, keyword rules, enabled; credentials for a URL.

    With `save`, OK saves first and closes only once it is stored: a failed save keeps the
    editor and what was typed, with the reason under the fields.
    """

    def __init__(
        self,
        roles: Sequence[RoleV],
        source: SourceV | None = None,
        parent: QWidget | None = None,
        *,
        save: SaveSource | None = None,
    ) -> None:
        super().__init__(parent)
        self._save = save
        self.setWindowTitle(tr("Edit calendar") if source else tr("Add calendar"))
        self._roles = list(roles)
        self.name_edit = QLineEdit(source.name if source else "")
        self.location_edit = QLineEdit(source.location if source else "")
        self.location_edit.setPlaceholderText(
            tr("an .ics file, a folder, or https:// / webcal:// URL")
        )
        self.file_button = file_button = QPushButton(tr("&File…"))
        self.folder_button = folder_button = QPushButton(tr("Fol&der…"))
        file_button.clicked.connect(self._on_file_button_clicked)
        folder_button.clicked.connect(self._on_folder_button_clicked)
        where = QHBoxLayout()
        where.addWidget(self.location_edit, 1)
        where.addWidget(file_button)
        where.addWidget(folder_button)
        self.role_combo = QComboBox()
        self.role_combo.addItem(tr("(none)"), None)
        for r in self._roles:
            self.role_combo.addItem(r.name, r.id)
        if source and source.default_role_id is not None:
            self.role_combo.setCurrentIndex(
                max(0, self.role_combo.findData(source.default_role_id))
            )
        names = {r.id: r.name for r in self._roles}
        self.rules_edit = QPlainTextEdit(
            "\n".join(f"{r.keyword} = {names.get(r.role_id, r.role_id)}" for r in source.rules)
            if source
            else ""
        )
        self.rules_edit.setPlaceholderText(tr("one rule a line, e.g.  standup = Support"))
        self.rules_edit.setFixedHeight(80)
        self.enabled_check = QCheckBox(tr("&Sync this calendar"))
        self.enabled_check.setChecked(source.enabled if source else True)
        self.user_edit = QLineEdit()
        self.user_edit.setPlaceholderText(tr("only for a password-protected URL"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(tr("kept in the system keyring, never the database"))
        self.error_label = QLabel("")
        self.error_label.setStyleSheet("color: #b00020")
        self.error_label.setWordWrap(True)
        # every field has its Alt+letter (OK and Cancel keep O and C); the label of the
        # location row is the line edit's, not its File…/Folder… buttons'
        form = QFormLayout()
        form.addRow(tr("&Name"), self.name_edit)
        location = QLabel(tr("&Location"))
        location.setBuddy(self.location_edit)
        form.addRow(location, where)
        form.addRow(tr("Default &role"), self.role_combo)
        form.addRow(tr("&Keyword rules"), self.rules_edit)
        form.addRow("", self.enabled_check)
        form.addRow(tr("&User"), self.user_edit)
        form.addRow(tr("&Password"), self.password_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("&OK"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Cancel"))
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(560, 0)
        self.name_edit.setFocus()  # the first field (its buttons' row would take it otherwise)

    def rules(self) -> list[Rule]:
        by_name = {r.name.casefold(): r.id for r in self._roles}
        out: list[Rule] = []
        for number, raw in enumerate(self.rules_edit.toPlainText().splitlines(), 1):
            if not raw.strip():
                continue
            keyword, sep, role = raw.rpartition("=")
            role_id = by_name.get(role.strip().casefold())
            if not sep or not keyword.strip() or role_id is None:
                raise PlannerError(
                    tr("rule line {number}: write it as  keyword = role name").format(number=number)
                )
            out.append(Rule(keyword.strip(), role_id))
        return out

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            self.rules()
        except PlannerError as exc:
            self.error_label.setText(str(exc))
            return
        if not self.name_edit.text().strip() or not self.location_edit.text().strip():
            self.error_label.setText(tr("a calendar needs a name and a location"))
            return
        if self._save is not None and (why := self._save(self)):
            self.error_label.setText(why)
            return
        self.accept()

    @Slot()
    def _on_file_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Calendar file"), "", tr("iCalendar (*.ics)")
        )
        if path:
            self.location_edit.setText(path)

    @Slot()
    def _on_folder_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Folder of .ics files"))
        if path:
            self.location_edit.setText(path)


class CalendarsDialog(QDialog):
    """The calendar sources, with add/edit/remove and "Sync now"."""

    calendars_changed = Signal()
    sync_finished = Signal(list)

    def __init__(
        self,
        gateway: Gateway,
        *,
        fetcher: Fetcher | None = None,
        editor_factory: Callable[..., SourceEditor] = SourceEditor,
        opener: Opener | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Calendars"))
        self.gateway = gateway
        self.service = CalendarActions(gateway)
        self._fetcher = fetcher
        self._opener = opener  # CalDAV logins (tests give one with the password)
        self._editor_factory = editor_factory
        self._worker: SyncWorker | None = None
        self.model = SourcesModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton(tr("&Add…"))
        self.edit_button = QPushButton(tr("&Edit…"))
        self.remove_button = QPushButton(tr("Re&move"))
        self.sync_button = QPushButton(tr("&Sync now"))
        self.caldav_button = QPushButton(tr("Ca&lDAV account…"))
        self.publish_button = QPushButton(tr("&Publish plan…"))
        self.caldav_button.clicked.connect(self._on_caldav_button_clicked)
        self.publish_button.clicked.connect(self._on_publish_button_clicked)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        self.table.doubleClicked.connect(self._on_edit_button_clicked)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.caldav_button, self.edit_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.publish_button)
        buttons.addWidget(self.sync_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(tr("&Close"))
        close.rejected.connect(self.reject)
        heading = QLabel(tr("Calen&dars to import meetings from"))  # Alt+D: the table
        heading.setBuddy(self.table)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(close)
        fit_window(self, QSize(860, 360))
        self.reload()
        # the first focus: what one opens it for (not the table, where keys do nothing yet)
        first = self.sync_button if self.model.rowCount() else self.add_button
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------ data

    def reload(self) -> None:
        try:
            sources, roles = self.service.sources()
        except ReadFailed as exc:
            self.status_label.setText(str(exc))
            return
        self.model.reset(sources, {r.id: r.name for r in roles}, self.gateway.zone)
        has_rows = bool(sources)
        self.edit_button.setEnabled(has_rows)
        self.remove_button.setEnabled(has_rows)
        if has_rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def selected(self) -> SourceV | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.source(rows[0].row()) if rows else None

    def _roles(self) -> list[RoleV] | None:
        try:
            return self.service.roles()
        except ReadFailed as exc:
            self.status_label.setText(str(exc))
            return None

    def _store_credentials(self, editor: SourceEditor, source: SourceV) -> None:
        from planner.calendars.fetch import (
            credentials_place,
            is_url,
            set_credentials,
            split_userinfo,
        )

        typed = editor.location_edit.text().strip()
        if is_url(typed) and split_userinfo(typed)[1] is not None:  # moved by add/edit_source
            self.status_label.setText(
                tr(
                    "The password in the link was moved to {credentials_place}; the calendar is "
                    "stored without it."
                ).format(credentials_place=credentials_place())
            )
        user = editor.user_edit.text().strip()
        if source.kind != "url" or not user:
            return
        try:
            where = set_credentials(source.location, user, editor.password_edit.text())
        except PlannerError as exc:  # the source is stored; only its password is not
            self.status_label.setText(str(exc))
            return
        self.status_label.setText(
            tr("The password is kept in {where}, not in the database.").format(where=where)
        )

    # ------------------------------------------------------------ actions

    @Slot()
    def _on_add_button_clicked(self) -> None:
        roles = self._roles()
        if roles is None:
            return
        added: list[SourceV] = []

        def save(editor: SourceEditor) -> str:
            outcome = self.service.add(
                editor.name_edit.text(),
                editor.location_edit.text(),
                default_role_id=editor.role_combo.currentData(),
                rules=editor.rules(),
                enabled=editor.enabled_check.isChecked(),
            )
            if outcome.ok:
                added.append(outcome.result()[0])
            return outcome.message

        editor = self._editor_factory(roles, None, self, save=save)
        if editor.exec() != QDialog.DialogCode.Accepted or not added:
            return
        source = added[0]
        self.status_label.setText("")
        self._store_credentials(editor, source)
        self.reload()
        self.calendars_changed.emit()
        if source.enabled:
            self.sync([source.id])

    @Slot()
    def _on_caldav_button_clicked(self) -> None:
        from ui.dialogs.caldav import CalDavEditor

        roles = self._roles()
        if roles is None:
            return
        editor = CalDavEditor(self.service, roles, self, opener=self._opener)
        self.open_caldav(editor)

    def open_caldav(self, editor: Any) -> None:
        """Run the CalDAV editor (modal); sync what it added."""
        if editor.exec() != QDialog.DialogCode.Accepted or not editor.added:
            return
        self.status_label.setText(editor.message_label.text())
        self.reload()
        self.calendars_changed.emit()
        self.sync(list(editor.added))

    @Slot()
    def _on_publish_button_clicked(self) -> None:
        from ui.dialogs.caldav import PublishDialog

        self.open_publish(PublishDialog(self.service, self, opener=self._opener))

    def open_publish(self, dialog: Any) -> None:
        """Run the publish dialog (modal); a new target is filled at once by a full sync."""
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.status_label.setText(dialog.message_label.text())
        if dialog.published is not None:
            self.sync(None)

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        current = self.selected()
        roles = self._roles() if current is not None else None
        if current is None or roles is None:
            return
        edited: list[SourceV] = []

        def save(editor: SourceEditor) -> str:
            location = editor.location_edit.text().strip()
            outcome = self.service.edit(
                current.id,
                name=editor.name_edit.text(),
                location=None if location == current.location else location,
                default_role_id=editor.role_combo.currentData(),
                rules=editor.rules(),
                enabled=editor.enabled_check.isChecked(),
            )
            if outcome.ok:
                edited.append(outcome.result()[0])
            return outcome.message

        editor = self._editor_factory(roles, current, self, save=save)
        if editor.exec() != QDialog.DialogCode.Accepted or not edited:
            return
        self.status_label.setText("")
        self._store_credentials(editor, edited[0])
        self.reload()
        self.calendars_changed.emit()

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        current = self.selected()
        if current is None:
            return
        outcome = self.service.remove(current.id)
        if not outcome.ok:
            self.status_label.setText(outcome.message)
            return
        self.status_label.setText(tr("removed {name} and its events").format(name=current.name))
        self.reload()
        self.calendars_changed.emit()

    @Slot()
    def _on_sync_button_clicked(self) -> None:
        self.sync(None)

    def sync(self, source_ids: list[int] | None) -> None:
        """Sync in a worker thread; the window stays responsive and shows progress."""
        if self._worker is not None:
            return
        self.sync_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.status_label.setText(tr("syncing…"))
        self._worker = SyncWorker(self.service.sync_job(source_ids, self._fetcher, self._opener))
        self._worker.progressed.connect(self._on_worker_progressed)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)
        self._worker.start()

    def is_syncing(self) -> bool:
        return self._worker is not None

    @Slot(int, int, str)
    def _on_worker_progressed(self, done: int, total: int, name: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        if name:
            self.status_label.setText(
                tr("syncing {name} ({value}/{total})…").format(
                    name=name, value=done + 1, total=total
                )
            )

    @Slot(list)
    def _on_worker_finished(self, results: list[SyncResult]) -> None:
        lines = []
        for r in results:
            if not r.ok:
                lines.append(f"{r.name}: FAILED – {r.message}")
            elif r.discarded:
                lines.append(f"{r.name}: {r.message}")
            elif r.unchanged:
                lines.append(f"{r.name}: unchanged")
            elif r.source_id == 0:  # the publish step: its message says what was written
                lines.append(f"{r.name}: {r.message}")
            else:
                lines.append(f"{r.name}: {r.counts}")
            lines += [f"    {p}" for p in r.problems[:5]]
            lines += [
                tr("    clash with your slot: {summary}").format(summary=c.summary)
                for c in r.clashes[:5]
            ]
        self.status_label.setText("\n".join(lines) or tr("no enabled calendars"))
        self._end_sync()
        self.sync_finished.emit(results)
        if self.service.synced(results):
            self.calendars_changed.emit()

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        self.status_label.setText(tr("sync failed: {message}").format(message=message))
        self._end_sync()
        self.sync_finished.emit([])

    def _end_sync(self) -> None:
        self._worker = None
        self.progress.setVisible(False)
        self.sync_button.setEnabled(True)
        self.reload()

    def done(self, result: int) -> None:
        if self._worker is not None:  # closed while syncing: abandon it, never wait for it
            self._worker.cancel()
            self._worker.wait(1.0)
            self._worker = None
        super().done(result)
