"""A shared server that is away, in the window and the tray: "offline since 10:42 — 3 changes
waiting" in the status bar and the tray tooltip, and the waiting changes delivered by a timer
as soon as the server answers again (in order, exactly once: planner.storage.pending)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow

from planner.domain.i18n import tr
from ui.gateway import Gateway

if TYPE_CHECKING:
    from ui.day_data import DaySnapshot
    from ui.dialogs.quick_log import QuickLog
    from ui.shell.app import MorningPlan
    from ui.shell.main_window import MainWindow
    from ui.shell.tray import Tray

DELIVER_EVERY_MS = 5000
LIVE_SETTLE_MS = 150  # a burst of notifications (one per transaction) is one re-read


class OfflineWatch(QObject):
    """The offline line, the delivery timer, and the live re-read on another device's change."""

    arrived = Signal()  # another device committed a change (emitted from the listener thread)

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
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # a host name from the URL is in it
        self.label.setObjectName("offline")
        self.label.setVisible(False)
        window.statusBar().addPermanentWidget(self.label)
        gateway.offline_changed.connect(self.show_text)
        gateway.kept.connect(self._on_gateway_kept)
        self._window = window
        self.timer = QTimer(self)
        self.timer.setInterval(DELIVER_EVERY_MS)
        self.timer.timeout.connect(self.deliver)
        self.settle = QTimer(self)
        self.settle.setSingleShot(True)
        self.settle.setInterval(LIVE_SETTLE_MS)
        self.settle.timeout.connect(self.reread)
        self.arrived.connect(self.settle.start)  # queued into the GUI thread
        self.rereads = 0
        self.stop_listening: Callable[[], None] | None = None
        if gateway.pending is not None:
            # what start-up, an earlier run or the command line saw: said now, and the
            # gateway knows it was said (it clears it once delivery goes through)
            gateway.say_offline()
            self.show_text(gateway.offline_text())
            self.timer.start()
            QTimer.singleShot(0, self.deliver)  # what an earlier run left waiting
            self.stop_listening = gateway.listen(self.arrived.emit)

    def reread(self) -> None:
        from planner.domain.values import Change, Topic

        self.rereads += 1
        self._gateway.broadcast(Change(frozenset(Topic)))

    def close(self) -> None:
        if self.stop_listening is not None:
            self.stop_listening()

    def show_text(self, text: str) -> None:
        self.label.setText(text[:1].upper() + text[1:])
        self.label.setToolTip(
            tr(
                "The shared server cannot be used now. Interruptions, back-to-work, start and "
                "stop, task edits and slot moves are kept on this device and delivered, in "
                "order, as soon as it answers again."
            )
            if text
            else ""
        )
        self.label.setVisible(bool(text))
        bar = self._window.statusBar()
        said = getattr(self._window, "last_error", "")  # the window's failed read, if any
        if not text and said and bar.currentMessage() == said:
            bar.clearMessage()  # back: "Showing what was last seen: offline since …" is over
        tray = self._tray()
        if tray is not None:
            tray.set_offline(text)

    def _on_gateway_kept(self, text: str) -> None:
        """A task edit kept on this device: said in the status bar (the list marks it too)."""
        self._window.statusBar().showMessage(text, 15000)

    def deliver(self) -> Any:
        return self._gateway.deliver_pending()


def offer_roles_seen(window: MainWindow, quick_log: QuickLog) -> None:
    """The quick log's role buttons while the server's list of roles cannot be read (the app
    started with the server away): the roles of the day the window draws from what it last
    saw. The server's list, once read, replaces them (QuickLog.offer_roles)."""

    def offer(snapshot: DaySnapshot) -> None:
        quick_log.offer_roles(snapshot.plan.roles)

    window.offline_shown.connect(offer)
    if window.snapshot is not None:  # drawn before the quick log was built
        offer(window.snapshot)


def plan_when_back(gateway: Gateway, morning: MorningPlan) -> None:
    """The morning's Plan my day, which could not be asked about at start-up while the server
    was away, once it answers (if today still has no plan)."""

    def back(text: str) -> None:
        if not text:
            morning.check()

    gateway.offline_changed.connect(back)
