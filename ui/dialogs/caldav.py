"""CalDAV in the Calendars dialog: add an account's calendars (test connection first), and publish
the plan into a calendar of it; the server is only ever asked from a worker thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from planner.calendars.caldav_client import Opener, RemoteCalendar
from planner.calendars.caldav_sync import DEFAULT_PUBLISH_CALENDAR, PublishResult, PublishTarget
from planner.domain.errors import PlannerError
from planner.domain.i18n import ntr, tr
from planner.domain.values import RoleV
from ui.actions.calendars import CalDavJob, CalendarActions
from ui.workers import SyncWorker

ERROR_STYLE = "color: #b00020"


class _ServerForm(QDialog):
    """Server URL, user, password; a busy bar and a message line; one job at a time."""

    def __init__(self, service: CalendarActions, opener: Opener | None, parent: QWidget | None):
        super().__init__(parent)
        self.service = service
        self._opener = opener
        self._worker: SyncWorker | None = None
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://cloud.example.org/remote.php/dav")
        self.user_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(
            tr("kept in the keyring, never the database (empty: the stored one)")
        )
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.message_label = QLabel("")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def account(self) -> tuple[str, str, str]:
        url, user = self.url_edit.text().strip(), self.user_edit.text().strip()
        if not url or not user:
            raise PlannerError(tr("a CalDAV account needs the server's address and a user name"))
        return url, user, self.password_edit.text()

    def say(self, text: str, *, error: bool = False) -> None:
        self.message_label.setStyleSheet(ERROR_STYLE if error else "")
        self.message_label.setText(text)

    def busy(self) -> bool:
        return self._worker is not None

    def run(
        self, job: CalDavJob, what: str, done: Callable[[list[Any]], None], buttons: Sequence[Any]
    ) -> None:
        """Run `job` in a worker thread with a busy bar; `done` gets its result on success."""
        if self._worker is not None:
            return
        for b in buttons:
            b.setEnabled(False)
        self.progress.setVisible(True)
        self.say(what)
        worker = SyncWorker(job)

        def finished(result: list[Any]) -> None:
            self._end(buttons)
            done(result)

        def failed(message: str) -> None:
            self._end(buttons)
            self.say(message, error=True)

        worker.finished.connect(finished)
        worker.failed.connect(failed)
        self._worker = worker
        worker.start()

    def _end(self, buttons: Sequence[Any]) -> None:
        self._worker = None
        self.progress.setVisible(False)
        for b in buttons:
            b.setEnabled(True)

    def done(self, result: int) -> None:
        if self._worker is not None:  # closed while asking the server: abandon it
            self._worker.cancel()
            self._worker.wait(1.0)
            self._worker = None
        super().done(result)


class CalDavEditor(_ServerForm):
    """Add a CalDAV account's calendars: test the connection, tick the calendars to follow."""

    def __init__(
        self,
        service: CalendarActions,
        roles: Sequence[RoleV],
        parent: QWidget | None = None,
        *,
        opener: Opener | None = None,
    ) -> None:
        super().__init__(service, opener, parent)
        self.setWindowTitle(tr("Add a CalDAV account"))
        self.added: list[int] = []
        self._found: list[RemoteCalendar] = []
        self.test_button = QPushButton(tr("&Test connection"))
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.calendar_list = QListWidget()
        self.calendar_list.setMinimumHeight(90)
        self.role_combo = QComboBox()
        self.role_combo.addItem(tr("(none)"), None)
        for r in roles:
            self.role_combo.addItem(r.name, r.id)
        form = QFormLayout()
        form.addRow(tr("Ser&ver"), self.url_edit)
        form.addRow(tr("&User"), self.user_edit)
        form.addRow(tr("&Password"), self.password_edit)
        form.addRow("", self.test_button)
        calendars = QLabel(tr("Calendars to &follow"))
        calendars.setBuddy(self.calendar_list)
        form.addRow(calendars, self.calendar_list)
        form.addRow(tr("Default &role"), self.role_combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("&OK"))
        self.ok_button.setEnabled(False)  # once the connection is tested
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Cancel"))
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self.resize(560, 0)
        self.url_edit.setFocus()

    @Slot()
    def _on_test_button_clicked(self) -> None:
        try:
            url, user, password = self.account()
        except PlannerError as exc:
            self.say(str(exc), error=True)
            return
        job = self.service.test_connection_job(url, user, password, self._opener)
        self.ok_button.setEnabled(False)  # until this connection answers
        self.run(job, "connecting…", self._on_found, [self.test_button])

    def _on_found(self, found: list[Any]) -> None:
        self._found = [c for c in found if isinstance(c, RemoteCalendar)]
        target = self.service.publish_target()
        skip = target.calendar_url if target else None
        self.calendar_list.clear()
        for cal in self._found:
            item = QListWidgetItem(
                cal.name if cal.events else tr("{name} (tasks only)").format(name=cal.name)
            )
            item.setData(Qt.ItemDataRole.UserRole, cal.url)
            usable = cal.events and cal.url != skip
            item.setFlags(
                Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                if usable
                else Qt.ItemFlag.NoItemFlags
            )
            item.setCheckState(Qt.CheckState.Checked if usable else Qt.CheckState.Unchecked)
            if cal.url == skip:
                item.setText(tr("{name} (receives the plan)").format(name=cal.name))
            self.calendar_list.addItem(item)
        n = len(self._found)
        self.say(
            ntr(
                "connected: {n} calendar; tick those to follow",
                "connected: {n} calendars; tick those to follow",
                n,
            ).format(n=n)
        )
        self.ok_button.setEnabled(bool(self._found))

    def chosen(self) -> list[RemoteCalendar]:
        ticked = {
            self.calendar_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.calendar_list.count())
            if self.calendar_list.item(i).checkState() == Qt.CheckState.Checked
        }
        return [c for c in self._found if c.url in ticked]

    @Slot()
    def _on_buttons_accepted(self) -> None:
        chosen = self.chosen()
        if not chosen:
            self.say(tr("tick at least one calendar to follow"), error=True)
            return
        url, user, password = self.account()
        try:
            where = self.service.store_password(url, user, password)
        except PlannerError as exc:
            self.say(str(exc), error=True)
            return
        outcome = self.service.add_caldav(
            url, user, chosen, default_role_id=self.role_combo.currentData(), rules=()
        )
        if not outcome.ok:
            self.say(outcome.message, error=True)
            return
        self.added = [s.id for s in outcome.result()[0]]
        if where:
            self.say(tr("the password is kept in {where}").format(where=where))
        self.accept()


class PublishDialog(_ServerForm):
    """Publish the plan's slots as busy time into a calendar of a CalDAV account (created if
    missing), or stop publishing (and offer to remove what was published)."""

    def __init__(
        self, service: CalendarActions, parent: QWidget | None = None, *, opener: Opener | None
    ) -> None:
        super().__init__(service, opener, parent)
        self.setWindowTitle(tr("Publish the plan"))
        self.published: PublishTarget | None = None
        self.stopped: PublishResult | None = None
        self.calendar_edit = QLineEdit(DEFAULT_PUBLISH_CALENDAR)
        self.privacy_combo = QComboBox()
        self.privacy_combo.addItem(tr("the role ('Community focus')"), "role")
        self.privacy_combo.addItem(tr("just 'Busy'"), "busy")
        target = service.publish_target()
        self.state_label = QLabel(
            tr("Publishing to {calendar} as {user}.").format(
                calendar=target.calendar, user=target.user
            )
            if target
            else tr("Not publishing: colleagues do not see your focus time yet.")
        )
        self.state_label.setWordWrap(True)
        if target is not None:
            self.url_edit.setText(target.url)
            self.user_edit.setText(target.user)
            self.calendar_edit.setText(target.calendar)
            self.privacy_combo.setCurrentIndex(max(0, self.privacy_combo.findData(target.privacy)))
        self.publish_button = QPushButton(tr("&Publish"))
        self.publish_button.clicked.connect(self._on_publish_button_clicked)
        self.stop_button = QPushButton(tr("&Stop publishing…"))
        self.stop_button.setEnabled(target is not None)
        self.stop_button.clicked.connect(self._on_stop_button_clicked)
        form = QFormLayout()
        form.addRow(tr("Ser&ver"), self.url_edit)
        form.addRow(tr("&User"), self.user_edit)
        form.addRow(tr("Pass&word"), self.password_edit)
        form.addRow(tr("Ca&lendar"), self.calendar_edit)
        form.addRow(tr("&Titles show"), self.privacy_combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("&Close"))
        buttons.addButton(self.publish_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.stop_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state_label)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message_label)
        layout.addWidget(buttons)
        self.resize(560, 0)
        self.url_edit.setFocus()

    @Slot()
    def _on_publish_button_clicked(self) -> None:
        try:
            url, user, password = self.account()
        except PlannerError as exc:
            self.say(str(exc), error=True)
            return
        name = self.calendar_edit.text().strip() or DEFAULT_PUBLISH_CALENDAR
        privacy = str(self.privacy_combo.currentData())

        def done(result: list[Any]) -> None:
            cal, created = result
            try:
                self.service.store_password(url, user, password)
            except PlannerError as exc:
                self.say(str(exc), error=True)
                return
            target = PublishTarget(url, user, cal.url, cal.name, privacy)
            outcome = self.service.set_publish(target)
            if not outcome.ok:
                self.say(outcome.message, error=True)
                return
            self.published = target
            said = (
                tr("created {name}: the plan is published there at each sync")
                if created
                else tr("found {name}: the plan is published there at each sync")
            )
            self.say(said.format(name=cal.name))
            self.accept()

        job = self.service.choose_publish_job(url, user, password, name, self._opener)
        self.run(job, "connecting…", done, [self.publish_button, self.stop_button])

    @Slot()
    def _on_stop_button_clicked(self) -> None:
        count = self.service.published_count()
        remove = False
        if count:
            answer = QMessageBox.question(
                self,
                tr("Stop publishing"),
                ntr(
                    "Also remove the {n} event Splitday published? (Only Splitday's own "
                    "events are removed.)",
                    "Also remove the {n} events Splitday published? (Only Splitday's own "
                    "events are removed.)",
                    count,
                ).format(n=count),
                QMessageBox.StandardButton.Yes
                | QMessageBox.StandardButton.No
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                return
            remove = answer == QMessageBox.StandardButton.Yes
        self.stop(remove=remove)

    def stop(self, *, remove: bool) -> None:
        def done(result: list[Any]) -> None:
            (outcome,) = result
            if not outcome.ok:
                self.say(outcome.message, error=True)
                return
            self.stopped = outcome
            self.say(outcome.message)
            self.accept()

        job = self.service.unpublish_job(remove=remove, opener=self._opener)
        self.run(job, "stopping…", done, [self.publish_button, self.stop_button])
