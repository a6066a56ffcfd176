"""Calendar sources re-synced in the background: at start and every few minutes, off the GUI
thread (planner.calendars.sync.sync_database in a daemon thread), views told when something
changed."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from planner.calendars.sync import SYNC_MINUTES, SyncResult
from ui.actions.calendars import CalendarActions
from ui.gateway import Gateway, ReadFailed
from ui.workers import SyncWorker

log = logging.getLogger(__name__)
STOP_GRACE_S = 1.0  # stop() lets a sync this long to end (a store under way); then it is left


class BackgroundSync(QObject):
    """One sync at a time; a tick that finds one still running waits for the next. Quitting
    (stop) never waits on a sync: one still fetching or parsing is abandoned."""

    synced = Signal(list)  # list[SyncResult], after every run
    changed = Signal()  # some occurrence was added, changed or removed (already broadcast)

    def __init__(self, gateway: Gateway, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = CalendarActions(gateway)
        self._worker: SyncWorker | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.sync_now)

    def start(self, first_delay_ms: int = 3000) -> None:
        """First sync soon after start-up (not during it), then every sync_interval_minutes."""
        try:
            minutes = self.service.sync_interval_minutes()
        except ReadFailed as exc:
            log.warning("calendar sync: %s; every %d min", exc, SYNC_MINUTES)
            minutes = SYNC_MINUTES
        if minutes > 0:
            self.timer.start(minutes * 60_000)
        QTimer.singleShot(first_delay_ms, self.sync_now)

    def is_running(self) -> bool:
        return self._worker is not None

    @Slot()
    def sync_now(self) -> None:
        if self._worker is not None:
            return
        self._worker = SyncWorker(self.service.sync_job(None, None))
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)
        self._worker.start()

    @Slot(list)
    def _on_worker_finished(self, results: list[SyncResult]) -> None:
        self._end()
        self.synced.emit(results)
        if self.service.synced(results):
            self.changed.emit()

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        log.warning("calendar sync failed: %s", message)
        self._end()
        self.synced.emit([])

    def _end(self) -> None:
        self._worker = None

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        self.timer.stop()
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            worker.wait(grace_s)
