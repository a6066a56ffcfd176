"""A shared server that is away, in the window and the tray: "offline since 10:42 — 3 changes
waiting" in the status bar and the tray tooltip, and the waiting changes delivered by a timer
as soon as the server answers again (in order, exactly once: planner.storage.pending)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow

from ui.gateway import Gateway

if TYPE_CHECKING:
    from ui.shell.tray import Tray

DELIVER_EVERY_MS = 5000


class OfflineWatch(QObject):
    def __init__(
        self,
        gateway: Gateway,
        window: QMainWindow,
        tray: Callable[[], Tray | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or window)
        self._gateway = gateway
        self._tray = tray
        self.label = QLabel("")
        self.label.setObjectName("offline")
        self.label.setVisible(False)
        window.statusBar().addPermanentWidget(self.label)
        gateway.offline_changed.connect(self.show_text)
        self.timer = QTimer(self)
        self.timer.setInterval(DELIVER_EVERY_MS)
        self.timer.timeout.connect(self.deliver)
        if gateway.pending is not None:
            self.timer.start()
            QTimer.singleShot(0, self.deliver)  # what an earlier run left waiting

    def show_text(self, text: str) -> None:
        self.label.setText(text[:1].upper() + text[1:])
        self.label.setToolTip(
            "The shared server cannot be used now. Interruptions and back-to-work are kept "
            "on this device and delivered, in order, as soon as it answers again."
            if text
            else ""
        )
        self.label.setVisible(bool(text))
        tray = self._tray()
        if tray is not None:
            tray.set_offline(text)

    def deliver(self) -> Any:
        return self._gateway.deliver_pending()
