"""Keep a window on its screen: a preferred size that never exceeds the screen's free area."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def fit_to_screen(window: QWidget, preferred: QSize | None = None) -> None:
    """Resize `window` to `preferred` (default: its current size), shrunk to fit the available
    area of the screen it is on (the panel and dock excluded), and move it fully onto it."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    free = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.geometry().size()  # title bar and borders
    want = preferred or window.size()
    size = QSize(
        max(window.minimumWidth(), min(want.width(), free.width() - frame.width())),
        max(window.minimumHeight(), min(want.height(), free.height() - frame.height())),
    )
    window.resize(size)
    x = min(max(window.x(), free.left()), free.right() - size.width() - frame.width() + 1)
    y = min(max(window.y(), free.top()), free.bottom() - size.height() - frame.height() + 1)
    window.move(max(x, free.left()), max(y, free.top()))
