"""The in-app toast: a small self-closing message box, the last way a reminder gets shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QVBoxLayout, QWidget
from shiboken6 import isValid

from planner.domain.i18n import tr
from planner.platform.notify import Notice
from ui.widgets.plain import PlainLabel

MARGIN = 16
SPACING = 8
WIDTH = 360


class Toast(QFrame):
    """One message: a bold title, a body, a close button; it closes itself after a while."""

    closed = Signal()

    def __init__(
        self, notice: Notice, *, timeout_ms: int = 10_000, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.notice = notice
        self.day: date | None = None  # the workday it is about (None: not known)
        self.setObjectName("toast")
        self.setWindowFlags(
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(tr("Splitday reminder"))
        self.setAccessibleName(tr("Reminder"))
        self.setFrameShape(QFrame.Shape.StyledPanel)
        border = "#c0392b" if notice.urgent else "#4e79a7"
        self.setStyleSheet(
            "QFrame#toast { background: #fdfdfd; border: 1px solid #b8b8b8;"
            f" border-left: 5px solid {border}; border-radius: 6px; }}"
            "QLabel { background: transparent; color: #202020; }"
            "QToolButton { border: none; color: #606060; font-size: 14px; }"
        )
        self.title = PlainLabel(notice.title)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.body = PlainLabel(notice.body)
        self.body.setWordWrap(True)
        self.body.setVisible(bool(notice.body))
        close = QToolButton()
        close.setText("✕")
        close.setToolTip(tr("Dismiss"))
        close.setAccessibleName(tr("Dismiss reminder"))
        close.clicked.connect(self.close)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 10, 12)
        layout.addLayout(head)
        layout.addWidget(self.body)
        self.setFixedWidth(WIDTH)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.close)
        if timeout_ms > 0 and not notice.urgent:
            self._timer.start(timeout_ms)

    def mousePressEvent(self, event: object) -> None:  # a click anywhere dismisses it
        self.close()

    def closeEvent(self, event: object) -> None:
        self._timer.stop()
        self.closed.emit()
        super().closeEvent(event)  # type: ignore[arg-type]


class ToastStack:
    """Shows toasts stacked in the bottom-right corner of the anchor window (or the screen)."""

    def __init__(
        self,
        anchor: Callable[[], QWidget | None] = lambda: None,
        timeout_ms: int = 10_000,
        *,
        day: Callable[[], date | None] = lambda: None,
    ):
        self._anchor = anchor
        self._timeout = timeout_ms
        self._day = day  # the workday now: a toast is about the day it was shown on
        self.toasts: list[Toast] = []

    def show(self, notice: Notice) -> Toast:
        toast = Toast(notice, timeout_ms=self._timeout)
        toast.day = self._day()
        toast.closed.connect(lambda: self._on_toast_closed(toast))
        self.toasts.append(toast)
        toast.adjustSize()
        self._place()
        toast.show()
        return toast

    def close_day(self, day: date) -> int:
        """`day` is closed or over: close the toasts about it and earlier days (an urgent
        'Time to stop' stays until dismissed, but not into the next morning); how many."""
        over = [t for t in self.toasts if t.day is not None and t.day <= day]
        for toast in over:
            toast.close()
        return len(over)

    def _on_toast_closed(self, toast: Toast) -> None:
        if toast in self.toasts:
            self.toasts.remove(toast)
        self._place()

    def _area(self) -> tuple[QPoint, QPoint]:
        anchor = self._anchor()
        # the anchor window may already be gone (a toast closing as the app quits)
        if anchor is not None and isValid(anchor) and anchor.isVisible():
            top_left = anchor.mapToGlobal(QPoint(0, 0))
            return top_left, top_left + QPoint(anchor.width(), anchor.height())
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return QPoint(0, 0), QPoint(1024, 768)
        geometry = screen.availableGeometry()
        return geometry.topLeft(), geometry.bottomRight()

    def _place(self) -> None:
        self.toasts = [t for t in self.toasts if isValid(t)]
        _, bottom_right = self._area()
        y = bottom_right.y() - MARGIN
        for toast in reversed(self.toasts):
            height = toast.heightForWidth(WIDTH)
            if height <= 0:
                height = toast.sizeHint().height()
            toast.resize(WIDTH, height)
            y -= height
            toast.move(bottom_right.x() - MARGIN - WIDTH, y)
            y -= SPACING


class ToastNotifier:
    """A `Notifier` that shows in-app toasts; it works wherever there is a screen."""

    name = "toast"

    def __init__(self, stack: ToastStack) -> None:
        self.stack = stack

    def notify(self, notice: Notice) -> None:
        self.stack.show(notice)
