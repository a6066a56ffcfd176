"""What the dialogs share: one gateway call per edit, inline messages, time edits, runners."""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable, Sequence
from datetime import date, tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
    QTime,
    QTimer,
)
from PySide6.QtGui import QColor, QFocusEvent, QIcon, QKeyEvent, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTimeEdit,
    QWidget,
)

from planner.domain import forms
from planner.domain.i18n import tr
from planner.domain.values import Change
from ui.gateway import Gateway, GatewayError, Outcome, ReadFailed, change_in

ModelIndex = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()


def format_minutes(minutes: float, *, plus: bool = False) -> str:
    """'1 h 05' for an hour or more, '35 min' below; negative values keep their sign, and with
    `plus` positive ones get one ('+20 min'); what rounds to 0 is '0 min', never '−0 min'."""
    total = round(abs(minutes))
    sign = "" if total == 0 else "−" if minutes < 0 else "+" if plus else ""
    hours, rest = divmod(total, 60)
    return f"{sign}{hours} h {rest:02d}" if hours else f"{sign}{rest} min"


def whole_minutes(minutes: float) -> str:
    """A count of minutes for a table: '20', '0' (never '-0', as '{:.0f}' writes -0.3)."""
    return str(round(minutes) or 0)


_swatches: dict[str, QIcon] = {}


def swatch(colour: str | None) -> QIcon:
    """A small square of a role's colour (a clear one for no role), for lists and tables."""
    colour = colour or "transparent"
    if colour not in _swatches:
        pixmap = QPixmap(12, 12)
        pixmap.fill(QColor(0, 0, 0, 0) if colour == "transparent" else QColor(colour))
        _swatches[colour] = QIcon(pixmap)
    return _swatches[colour]


def qtime(minute: int) -> QTime:
    minute %= 24 * 60
    return QTime(minute // 60, minute % 60)


def minute_of(time: QTime) -> int:
    return time.hour() * 60 + time.minute()


# Keys that move the cursor to another part of a time edit: the next digit starts that part.
_MOVES = frozenset(
    {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Tab}
)


class TimeEdit(QTimeEdit):
    """An HH:mm edit that takes typing wherever the cursor is.

    A plain QTimeEdit ignores digits typed into a full part (a click puts the cursor in "09",
    and "0930" does nothing) unless the part was selected first; here a click selects the part
    under it, and the first digit after a click, focus or a cursor move replaces that part (a
    full part then moves on to the next, so "0930" is 09:30).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("HH:mm")
        self._fresh = True  # the next digit starts a part
        self.lineEdit().installEventFilter(self)

    def _select_part(self) -> None:
        if not self.lineEdit().hasSelectedText():
            self.setSelectedSection(self.currentSection())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        handled = super().eventFilter(watched, event)
        if watched is self.lineEdit() and event.type() == QEvent.Type.MouseButtonRelease:
            self._fresh = True
            self._select_part()
        return handled

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self._fresh = True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.text().isdigit():
            if self._fresh:
                self._select_part()
            self._fresh = False
        elif event.key() in _MOVES:
            self._fresh = True
        super().keyPressEvent(event)


def time_edit(name: str) -> QTimeEdit:
    edit = TimeEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(name.replace("_", " "))
    return edit


def chain(*widgets: QWidget) -> None:
    """Tab moves through `widgets` in this order (rows built after the form need this)."""
    for first, second in itertools.pairwise(widgets):
        QWidget.setTabOrder(first, second)


def retire(widget: QWidget) -> None:
    """Take a widget out of sight and out of findChild now; Qt deletes it once it is idle."""
    widget.hide()
    widget.setObjectName("")
    widget.deleteLater()


def scrolled(content: QLayout | QWidget) -> QScrollArea:
    """`content` in a frameless scroll area: a long dialog scrolls instead of growing past the
    screen (its buttons stay outside, always in view)."""
    if isinstance(content, QLayout):
        holder = QWidget()
        holder.setLayout(content)
        content = holder
    area = QScrollArea()
    area.setObjectName("scroll")
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    return area


class BuddyBox(QGroupBox):
    """A group box whose mnemonic always goes to one control (a plain QGroupBox sends it to
    whichever of its children had the focus last: Alt+S typed 60 into the wrong share)."""

    def __init__(self, title: str, buddy: QWidget | None = None) -> None:
        super().__init__(title)
        self.buddy = buddy

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Shortcut and self.buddy is not None:
            self.buddy.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        return super().event(event)


def mnemonic(name: str, taken: set[str]) -> str:
    """`name` with an Alt+letter that is not in `taken` (which then holds it), e.g.
    'C&ommunity' when C is taken; a name with no free letter gets none."""
    clean = name.replace("&", "&&")
    for at, char in enumerate(name):
        key = char.casefold()
        if char.isalnum() and key not in taken:
            taken.add(key)
            escaped = name[:at].replace("&", "&&")
            return f"{escaped}&{name[at:].replace('&', '&&')}"
    return clean


def mnemonics_in(widget: QWidget) -> set[str]:
    """The Alt+letters the labels, buttons and boxes under `widget` use already."""
    taken: set[str] = set()
    for child in widget.findChildren(QWidget):
        text = child.property("title") if isinstance(child, QGroupBox) else child.property("text")
        if isinstance(text, str) and "&" in text:
            plain = text.replace("&&", "")
            at = plain.find("&")
            if 0 <= at < len(plain) - 1:
                taken.add(plain[at + 1].casefold())
    return taken


class MessageBar(QLabel):
    """A one-line inline message: an error in the palette's alert colour, or a quiet note."""

    def __init__(self, name: str = "message") -> None:
        super().__init__()
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.is_error = False
        self.hide()

    def show_error(self, text: str) -> None:
        self.is_error = True
        self.setAccessibleName(tr("error"))
        self.setStyleSheet(
            "QLabel { color: #ffffff; background: #b3261e; padding: 4px 8px; border-radius: 4px; }"
        )
        self.setText(text[:1].upper() + text[1:])
        self.show()

    def show_note(self, text: str) -> None:
        self.is_error = False
        self.setAccessibleName(tr("note"))
        self.setStyleSheet("QLabel { padding: 4px 8px; }")
        self.setText(text)
        self.show()

    def clear_message(self) -> None:
        self.is_error = False
        self.setText("")
        self.hide()


KEPT = tr("What you typed is kept here: try again.")


class ServiceDialog(QDialog):
    """A dialog whose every edit is one gateway call (one transaction), then a reload.

    A refused edit (the core said no) shows why and the stored values again; an edit that could
    not be saved (disk, server) keeps the dialog and what was typed, with the message inline.
    """

    def __init__(self, gateway: Gateway, day: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gateway, self._day = gateway, day
        self._read_bar: MessageBar | None = None  # where a failed read is said
        self._saving = False  # one of this dialog's own edits is running (and announced)

    # Enter belongs to the field being typed in: it never presses a default button behind it
    # (QDialogButtonBox makes its first accept button the default when shown, so Enter in a
    # task title also pressed "Start the day"). A button with the focus is pressed by Enter.
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            if isinstance(focus, QPushButton):
                if focus.isEnabled():
                    focus.click()
            else:
                self._on_enter(focus)
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_enter(self, focus: QWidget | None) -> None:
        """Enter in a field that did not take it itself (a spin box, a combo box)."""

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        for button in self.findChildren(QPushButton):  # nothing looks like Enter presses it
            button.setDefault(False)

    @property
    def _zone(self) -> tzinfo:
        return self.gateway.zone

    # Subclasses: redraw from the database (raising ReadFailed), and announce a saved change.
    def reload(self) -> None:
        raise NotImplementedError

    def _announce(self, change: Change) -> None:
        raise NotImplementedError

    def refresh(self) -> bool:
        """Reload; a failed read is said in the dialog and what is shown stays."""
        try:
            self.reload()
        except ReadFailed as exc:
            if self._read_bar is not None:
                self._read_bar.show_error(str(exc))
            return False
        return True

    def _reload_later(self) -> None:
        QTimer.singleShot(0, self.refresh)

    def _save(
        self, action: Callable[[], Outcome[Any]], bar: MessageBar, *, defer_reload: bool = False
    ) -> Any | None:
        """Run one edit; on success reload and announce its Change. Returns the edit's result
        (None when it did not happen)."""
        self._saving = True
        try:
            return self._saved(action, bar, defer_reload)
        finally:
            self._saving = False

    def _saved(
        self, action: Callable[[], Outcome[Any]], bar: MessageBar, defer_reload: bool
    ) -> Any | None:
        outcome = action()
        if not outcome.ok:
            if outcome.refused:  # show what is stored again
                bar.show_error(outcome.message)
                self._reload_later() if defer_reload else self.refresh()
            else:  # keep what was typed: nothing is reloaded over it
                bar.show_error(f"{outcome.message}. {KEPT}")
            return None
        bar.clear_message()
        self._reload_later() if defer_reload else self.refresh()
        change = change_in(outcome.value)
        if change.topics:
            self._announce(change)
        return outcome.value


class WindowEdit(QWidget):
    """A start and a hard stop as wall times; a stop at or before the start is the next day."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.start = time_edit(f"{prefix}_start")
        self.start.setAccessibleName(tr("start"))
        self.stop = time_edit(f"{prefix}_stop")
        self.stop.setAccessibleName(tr("hard stop"))
        self.stop.setToolTip(tr("A hard stop at or before the start is after midnight"))
        self.next_day = QLabel(tr("next day"))
        self.next_day.setObjectName(f"{prefix}_next_day")
        self.next_day.setMinimumWidth(self.next_day.sizeHint().width())
        layout.addWidget(self.start)
        layout.addWidget(QLabel("–"))
        layout.addWidget(self.stop)
        layout.addWidget(self.next_day)
        layout.addStretch(1)
        self.start.timeChanged.connect(self._show_next_day)
        self.stop.timeChanged.connect(self._show_next_day)
        self._show_next_day()

    def _show_next_day(self) -> None:
        _, stop = self.minutes()
        # Keep the space reserved so the row does not jump.
        self.next_day.setText(tr("next day") if stop >= 24 * 60 else "")

    def set_minutes(self, start_minute: int, stop_minute: int) -> None:
        with QSignalBlocker(self.start), QSignalBlocker(self.stop):
            self.start.setTime(qtime(start_minute))
            self.stop.setTime(qtime(stop_minute))
        self._show_next_day()

    def minutes(self) -> tuple[int, int]:
        return forms.window_minutes(minute_of(self.start.time()), minute_of(self.stop.time()))


BAR_ROLE = Qt.ItemDataRole.UserRole + 1  # (percent, target percent or None) for a share bar


class RowsModel(QAbstractTableModel):
    """A read-only table of display strings, with an optional colour swatch in column 0 and
    share bars (`set_bars`: values under BAR_ROLE, drawn by ShareBarDelegate)."""

    def __init__(self, headers: Sequence[str], numeric: Sequence[int] = ()) -> None:
        super().__init__()
        self._headers = list(headers)
        self._numeric = set(numeric)
        self._rows: list[tuple[str, ...]] = []
        self._colours: list[str | None] = []
        self._keys: list[Any] = []
        self._bars: dict[tuple[int, int], tuple[float, float | None]] = {}

    def set_rows(
        self,
        rows: Sequence[Sequence[str]],
        colours: Sequence[str | None] | None = None,
        keys: Sequence[Any] | None = None,
    ) -> None:
        self.beginResetModel()
        self._rows = [tuple(r) for r in rows]
        self._colours = list(colours) if colours is not None else [None] * len(rows)
        self._keys = list(keys) if keys is not None else list(range(len(rows)))
        self._bars = {}
        self.endResetModel()

    def set_bars(self, column: int, bars: Sequence[tuple[float, float | None] | None]) -> None:
        """Per row, a share in percent and its target (None: no bar in that row)."""
        for row, bar in enumerate(bars):
            if bar is not None:
                self._bars[(row, column)] = bar
        if self._rows:
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def key(self, row: int) -> Any:
        return self._keys[row]

    def colour(self, row: int) -> str | None:
        return self._colours[row] if 0 <= row < len(self._colours) else None

    def rowCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0:
            colour = self._colours[index.row()]
            return swatch(colour) if colour else None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self._numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == BAR_ROLE:
            return self._bars.get((index.row(), index.column()))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None


DialogFactory = Callable[[Gateway, date], QDialog]


def run_dialog(factory: DialogFactory, description: str, argv: Sequence[str] | None = None) -> int:
    """`python -m ui.dialogs.<name> --db URL [--day D] [--dark] [--screenshot PNG]`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", help=tr("database URL (default: the per-user SQLite file)"))
    parser.add_argument("--day", type=date.fromisoformat, help=tr("the day (default: today)"))
    parser.add_argument("--dark", action="store_true", help=tr("Fusion in its dark colour scheme"))
    parser.add_argument(
        "--light", action="store_true", help=tr("Fusion in its light colour scheme")
    )
    parser.add_argument("--screenshot", help=tr("save the dialog as a PNG and quit"))
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))

    from planner.domain.clock import clock_from_env, local_zone
    from ui.gateway import open_gateway

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from ui.formats import install_translations

    install_translations(app)
    if args.dark:
        from ui.theme import use_dark

        use_dark(app)
    elif args.light:
        app.setStyle("Fusion")
        if hasattr(app.styleHints(), "setColorScheme"):
            app.styleHints().setColorScheme(Qt.ColorScheme.Light)
    try:
        gateway = open_gateway(args.db, clock_from_env(), local_zone())
        day = args.day or gateway.today()
    except GatewayError as exc:
        print(f"splitday: {exc}", file=sys.stderr)
        return 2
    dialog = factory(gateway, day)
    from ui.dialogs import conflict

    gateway.resolve = lambda change: conflict.ask(change, dialog)  # as the main window does
    dialog.show()
    if args.screenshot:

        def shoot() -> None:
            dialog.grab().save(args.screenshot)
            app.quit()

        QTimer.singleShot(400, shoot)
    try:
        return app.exec()
    finally:
        # Delete the widgets while the application still exists (avoids a crash at exit).
        import shiboken6

        shiboken6.delete(dialog)
        gateway.close()
