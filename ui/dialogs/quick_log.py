"""The interruption quick log: a small keyboard-only window opened by the hotkey."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from PySide6.QtCore import QEvent, QObject, QPoint, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from planner.domain.errors import PlannerError
from planner.domain.i18n import tr
from planner.domain.values import RoleV
from ui.formats import clock

MAX_ROLE_KEYS = 9
# The keystrokes, as the README says them: the focus order is what happened → who → role.
HINT = tr(
    "Type what happened, Tab, who it was, Tab, a digit for the role, Enter.\nTab in who takes the"
    " suggestion · Alt+1–9 or ↑↓: the role from any field · done already: Tab to took…, "
    "Ctrl+Enter · Esc: cancel"
)
RETRY_MS = 10_000  # a save that failed (disk, server) is tried again this often, as typed
KEEP_HINT = tr("Your text stays here: Enter tries again (Splitday also retries every 10 s).")
DISCARD_HINT = tr("Not saved yet. Esc again throws it away; Enter tries again.")


@dataclass(frozen=True)
class QuickLogEntry:
    """What the user typed; `minutes` is None when the interruption is still running."""

    at: datetime
    note: str
    source: str
    role_id: int | None
    minutes: int | None


class RolePicker(QFrame):
    """The roles as numbered chips; digits or arrow keys choose one."""

    role_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rolePicker")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(4, 2, 4, 2)
        self._layout.setSpacing(6)
        self._roles: list[RoleV] = []
        self._chips: list[QLabel] = []
        self._index = -1

    def set_roles(self, roles: Sequence[RoleV]) -> None:
        while (item := self._layout.takeAt(0)) is not None:  # chips and the stretch
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        self._roles = list(roles)
        self._chips = []
        for number, role in enumerate(self._roles[:MAX_ROLE_KEYS], start=1):
            chip = QLabel(f"{number} {role.name}", self)
            chip.setObjectName("roleChip")
            chip.setProperty("colour", role.colour)
            self._layout.addWidget(chip)
            self._chips.append(chip)
        self._layout.addStretch(1)
        self._index = 0 if self._roles else -1
        self._paint()

    def role_id(self) -> int | None:
        return self._roles[self._index].id if 0 <= self._index < len(self._roles) else None

    def has_roles(self) -> bool:
        return bool(self._roles)

    def clear_selection(self) -> None:
        """No role chosen: the interruption gets the plan's role at its moment (the default)."""
        if self._index != -1:
            self._index = -1
            self._paint()

    def select_id(self, role_id: int | None) -> None:
        for i, role in enumerate(self._roles):
            if role.id == role_id:
                self._select(i)
                return

    def select_number(self, number: int) -> bool:
        if 1 <= number <= min(len(self._roles), MAX_ROLE_KEYS):
            self._select(number - 1)
            return True
        return False

    def step(self, delta: int) -> None:
        if self._roles:
            self._select((self._index + delta) % len(self._roles))

    def _select(self, index: int) -> None:
        if index != self._index:
            self._index = index
            self._paint()
            self.role_changed.emit(self._roles[index].id)

    def _paint(self) -> None:
        for i, (chip, role) in enumerate(zip(self._chips, self._roles, strict=False)):
            if i == self._index:
                chip.setStyleSheet(
                    f"background:{role.colour}; color:white; border-radius:4px; padding:2px 8px;"
                    "font-weight:bold;"
                )
            else:
                chip.setStyleSheet(
                    f"border:1px solid {role.colour}; border-radius:4px; padding:1px 7px;"
                )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_9 and self.select_number(key - Qt.Key.Key_0):
            return
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.step(-1)
            return
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self.step(1)
            return
        super().keyPressEvent(event)


class QuickLog(QWidget):
    """Built once and reused: `open_at()` only resets the fields and shows the window.

    Enter logs a running interruption; Ctrl+Enter logs it as already over (the typed duration);
    Esc hides it and nothing is written. The window never asks for focus on its own.

    It hides only once the entry is stored: when the write fails for a reason outside the text
    (a full disk, the database server gone) it stays open with what was typed, says why, and
    tries again every RETRY_MS as long as the text is left as it was; Esc then asks twice.
    """

    logged = Signal(object)  # QuickLogEntry
    cancelled = Signal()

    def __init__(
        self,
        zone: tzinfo,
        parse_minutes: Callable[[str], int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            parent,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint,
        )
        self._zone = zone
        self._offered = False  # the roles are those last seen (offer_roles), not the server's
        self._parse_minutes = parse_minutes
        self._at: datetime | None = None
        self.unsaved: QuickLogEntry | None = None  # typed, not stored yet (the write failed)
        self._discard_armed = False
        self._kept = False  # restore() was called while the entry was being logged
        self.retry_timer = QTimer(self)
        self.retry_timer.setInterval(RETRY_MS)
        self.retry_timer.timeout.connect(self._on_retry_timer_timeout)
        self.setObjectName("quickLog")
        self.setWindowTitle(tr("Splitday — interruption"))
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)

        frame = QFrame(self)
        frame.setObjectName("quickLogFrame")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        box = QVBoxLayout(frame)
        box.setContentsMargins(14, 10, 14, 10)
        box.setSpacing(8)

        self.since = QLabel(frame)
        self.since.setObjectName("quickLogSince")
        box.addWidget(self.since)

        self.note = QLineEdit(frame)
        self.note.setPlaceholderText(tr("What happened?"))
        self.note.setClearButtonEnabled(False)
        box.addWidget(self.note)

        row = QHBoxLayout()
        self.source = QLineEdit(frame)
        self.source.setPlaceholderText(tr("Who / from where (chat, email, a name)"))
        self._sources = QStringListModel(self)
        completer = QCompleter(self._sources, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.source.setCompleter(completer)
        # Tab while suggestions are shown takes one: the popup has the keys under X, the field
        # has them when the key is sent to it (filters run last-installed first: before Qt's)
        popup = completer.popup()
        if popup is not None:
            popup.installEventFilter(self)
        row.addWidget(self.source, 3)
        self.duration = QLineEdit(frame)
        self.duration.setPlaceholderText(tr("took… 10m"))
        self.duration.setMaximumWidth(90)
        row.addWidget(self.duration, 1)

        self.roles = RolePicker(frame)
        box.addLayout(row)
        box.addWidget(self.roles)

        self.error = QLabel(frame)
        self.error.setObjectName("quickLogError")
        self.error.setStyleSheet("color:#b00020;")
        self.error.hide()
        box.addWidget(self.error)
        hint = QLabel(HINT, frame)
        hint.setWordWrap(True)
        hint.setObjectName("quickLogHint")
        hint.setStyleSheet("color:palette(dark); font-size:11px;")
        box.addWidget(hint)

        self.setTabOrder(self.note, self.source)
        self.setTabOrder(self.source, self.roles)
        self.setTabOrder(self.roles, self.duration)
        self.setTabOrder(self.duration, self.note)
        for edit in (self.note, self.source, self.duration):
            edit.installEventFilter(self)
        self.setStyleSheet(
            "#quickLogFrame { background: palette(window); border: 2px solid palette(highlight);"
            " }"
            "#quickLogSince { font-weight: bold; }"
            "#rolePicker:focus { border: 1px dashed palette(highlight); }"
        )
        self.setFixedWidth(460)

    def _fit_height(self) -> None:
        """As tall as its contents at the fixed width: the wrapped hint (longer in some
        languages) is measured at that width, not guessed."""
        self.adjustSize()
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth():
            self.resize(self.width(), max(self.height(), layout.totalHeightForWidth(self.width())))

    # ------------------------------------------------------------------ feeding it

    def set_roles(self, roles: Sequence[RoleV]) -> None:
        self._offered = False
        self.roles.set_roles(roles)
        self._fit_height()

    def offer_roles(self, roles: Sequence[RoleV]) -> None:
        """The roles last seen, while the server's list cannot be read (the shared server is
        away since before start-up): buttons to choose from, none chosen until a digit is
        pressed, so that an interruption left as it is gets the plan's role on delivery.
        The server's list, once read (`set_roles`), wins."""
        if self.roles.has_roles():
            return
        self.roles.set_roles([r for r in roles if not r.archived])
        self.roles.clear_selection()
        self._offered = True
        self._fit_height()

    def set_sources(self, sources: Sequence[str]) -> None:
        self._sources.setStringList(list(sources))

    def set_zone(self, zone: tzinfo) -> None:
        self._zone = zone

    def stamped_at(self) -> datetime | None:
        return self._at

    def open_at(
        self, at: datetime, default_role_id: int | None, near: QPoint | None = None
    ) -> None:
        """Show the window, focused, for an interruption that started at `at`."""
        self._at = at
        self._forget_unsaved()
        self.note.clear()
        self.source.clear()
        self.duration.clear()
        self.error.hide()
        if default_role_id is None and self._offered:  # the plan's role, on delivery
            self.roles.clear_selection()
        self.roles.select_id(default_role_id)
        self.since.setText(
            tr("Interruption since {time}").format(time=clock(at, self._zone, seconds=True))
        )
        self._place(near if near is not None else QCursor.pos())
        self.show()
        self.raise_()
        self.activateWindow()
        self.note.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _place(self, point: QPoint) -> None:
        """Near the pointer, kept inside the screen the pointer is on."""
        screen = QGuiApplication.screenAt(point) or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        size = self.sizeHint()
        x = min(max(point.x() - size.width() // 2, area.left()), area.right() - size.width())
        y = min(max(point.y() - 40, area.top()), area.bottom() - size.height())
        self.move(x, y)

    # ------------------------------------------------------------------ keys

    def _take_suggestion(self) -> bool:
        """Tab with suggestions shown: the highlighted one (else the first) becomes the who,
        and the focus moves on to the role. False when none is shown."""
        completer = self.source.completer()
        popup = completer.popup() if completer is not None else None
        if completer is None or popup is None or not popup.isVisible():
            return False
        index = popup.currentIndex()
        if not index.isValid():
            index = completer.completionModel().index(0, 0)
        text = index.data(Qt.ItemDataRole.EditRole) if index.isValid() else None
        popup.hide()
        if isinstance(text, str) and text:
            self.source.setText(text)
        self.roles.setFocus(Qt.FocusReason.TabFocusReason)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            completer = self.source.completer()
            popup = completer.popup() if completer is not None else None
            popup_open = popup is not None and popup.isVisible()
            key, mods = event.key(), event.modifiers()
            if key == Qt.Key.Key_Tab and watched in (popup, self.source) and popup_open:
                return self._take_suggestion()
            if watched is popup:
                return super().eventFilter(watched, event)
            if not popup_open and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self.roles.step(-1 if key == Qt.Key.Key_Up else 1)
                return True
            if (
                mods & Qt.KeyboardModifier.AltModifier
                and Qt.Key.Key_1 <= key <= Qt.Key.Key_9
                and self.roles.select_number(key - Qt.Key.Key_0)
            ):
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.cancel()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            done = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            self.submit(finished=done)
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ outcomes

    def submit(self, *, finished: bool) -> None:
        if self._at is None:
            return
        minutes: int | None = None
        if finished:
            text = self.duration.text().strip()
            if not text:
                self._show_error(tr("Type how long it took (e.g. 10m), then Ctrl+Enter."))
                self.duration.setFocus()
                return
            try:
                minutes = self._parse_minutes(text)
            except (ValueError, PlannerError) as exc:
                self._show_error(str(exc))
                self.duration.setFocus()
                return
        entry = self._typed(self._at, minutes)
        self._forget_unsaved()
        self.error.hide()
        self._kept = False
        self.logged.emit(entry)  # the listener stores it, or calls restore() to keep it here
        if not self._kept:
            self._at = None
            self.hide()

    def _typed(self, at: datetime, minutes: int | None) -> QuickLogEntry:
        return QuickLogEntry(
            at=at,
            note=self.note.text().strip(),
            source=self.source.text().strip(),
            role_id=self.roles.role_id(),
            minutes=minutes,
        )

    def restore(self, entry: QuickLogEntry, message: str, *, retry: bool = False) -> bool:
        """Keep the window (or put it back) as typed, with why the entry was not stored.

        `retry`: it was not stored for a reason outside the text (the disk, the server): it is
        tried again every RETRY_MS while the text stays as it was. False when the window is busy
        with another interruption being typed (that one is never overwritten).
        """
        self._kept = True
        if self.isVisible() and self._at is not None and self._at != entry.at:
            return False
        if not self.isVisible():
            self.open_at(entry.at, entry.role_id, near=self.pos() + QPoint(self.width() // 2, 40))
            self.note.setText(entry.note)
            self.source.setText(entry.source)
            if entry.minutes is not None:
                self.duration.setText(f"{entry.minutes}m")
        self._at = entry.at
        if retry:
            self.unsaved = self._typed(entry.at, entry.minutes)  # as the window now holds it
            self._discard_armed = False
            self.retry_timer.start()
            self._show_error(f"{message}. {KEEP_HINT}")
        else:
            self._show_error(message)
        return True

    def say(self, text: str) -> None:
        """A line for the person (why something did not work), under the fields."""
        self._show_error(text)

    def _forget_unsaved(self) -> None:
        self.unsaved = None
        self._discard_armed = False
        self.retry_timer.stop()

    def _on_retry_timer_timeout(self) -> None:
        entry = self.unsaved
        if entry is None or not self.isVisible():
            self.retry_timer.stop()
            return
        if self._typed(entry.at, entry.minutes) != entry:
            return  # being changed: the person retries with Enter
        self.submit(finished=entry.minutes is not None)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self._fit_height()

    def cancel(self) -> None:
        if self.unsaved is not None and not self._discard_armed:
            self._discard_armed = True  # what was typed is not stored anywhere: ask once more
            self._show_error(DISCARD_HINT)
            return
        self._forget_unsaved()
        self._at = None
        self.hide()
        self.cancelled.emit()
