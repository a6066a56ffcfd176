"""Keep a window on its screen: a preferred size that never exceeds the screen's free area."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QScrollArea, QWidget

# A title bar and borders, for a window whose frame the window manager has not drawn yet.
FRAME_GUESS = QSize(12, 40)


def _frame(window: QWidget) -> QSize:
    if not window.isVisible():
        return FRAME_GUESS
    return window.frameGeometry().size() - window.geometry().size()


def fit_to_screen(window: QWidget, preferred: QSize | None = None, *, place: bool = True) -> None:
    """Resize `window` to `preferred` (default: its current size), shrunk to fit the available
    area of the screen it is on (the panel and dock excluded), and move it fully onto it
    (`place`; without it a window not shown yet is left for Qt or the window manager to place:
    a dialog is centred over its parent, inside the screen)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    free = screen.availableGeometry()
    frame = _frame(window)
    want = preferred or window.size()
    size = QSize(
        max(window.minimumWidth(), min(want.width(), free.width() - frame.width())),
        max(window.minimumHeight(), min(want.height(), free.height() - frame.height())),
    )
    window.resize(size)
    if not place:
        return
    x = min(max(window.x(), free.left()), free.right() - size.width() - frame.width() + 1)
    y = min(max(window.y(), free.top()), free.bottom() - size.height() - frame.height() + 1)
    window.move(max(x, free.left()), max(y, free.top()))


class _KeepOnScreen(QObject):
    """Once shown (its frame now known), a window that spills past its screen is fitted again."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget):
            window = watched
            QTimer.singleShot(0, lambda: _refit(window))
        return False


def _overflow(window: QWidget) -> int:
    """How much wider a scroll area's contents are than what it shows: a dialog's words in a
    longer language that would need the horizontal scroll bar (0 when everything fits)."""
    widest = 0
    for area in window.findChildren(QScrollArea):
        content = area.widget()
        if content is None or not area.isVisible() or not area.widgetResizable():
            continue
        widest = max(widest, content.minimumSizeHint().width() - area.viewport().width())
    return widest


def _refit(window: QWidget) -> None:
    try:
        visible = window.isVisible()
    except RuntimeError:  # deleted meanwhile
        return
    extra = _overflow(window) if visible else 0
    if extra > 0:  # wider, as far as the screen allows, rather than scrolling sideways
        fit_to_screen(window, window.size() + QSize(extra, 0))
    screen = window.screen()
    spills = screen is not None and not screen.availableGeometry().contains(window.frameGeometry())
    if visible and spills:
        fit_to_screen(window, window.size())


def fit_window(window: QWidget, preferred: QSize) -> None:
    """A dialog or a secondary window: `preferred`, shrunk to its screen, left for Qt to place;
    checked again once shown, when the window manager's frame is known. Grown to what its
    contents ask for (longer words in another language) when that is more, screen permitting,
    the contents of its scroll areas included (once shown, when their width is known)."""
    hint = window.sizeHint()
    preferred = preferred.expandedTo(hint) if hint.isValid() else preferred
    fit_to_screen(window, preferred, place=False)
    keeper = _KeepOnScreen(window)
    window.installEventFilter(keeper)
