"""Calendar sources re-synced in the background: at start, every few minutes and soon after a
plan edit (which the publish calendar follows), off the GUI thread (caldav_sync.sync_all in a
daemon thread), views told when something changed."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from planner.calendars.sync import SYNC_MINUTES, SyncResult
from planner.domain.values import Change, Topic
from ui.actions.calendars import CalendarActions
from ui.gateway import Gateway, ReadFailed
from ui.workers import SyncWorker

log = logging.getLogger(__name__)
STOP_GRACE_S = 1.0  # stop() lets a sync this long to end (a store under way); then it is left
PUBLISH_DELAY_MS = 5_000  # a plan edit reaches the publish calendar this soon (edits coalesce)


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
        self.soon = QTimer(self)  # after a plan edit, when the plan is published
        self.soon.setSingleShot(True)
        self.soon.setInterval(PUBLISH_DELAY_MS)
        self.soon.timeout.connect(self._on_soon_timeout)
        self._again = False  # an edit came while a sync ran: one more once it ends
        gateway.changed.connect(self._on_gateway_changed)

    @Slot(object)
    def _on_gateway_changed(self, change: Change) -> None:
        if Topic.SLOTS not in change.topics:
            return
        try:
            publishing = self.service.publish_target() is not None
        except ReadFailed:
            return
        if publishing:
            self.soon.start()  # restarted by each edit: a drag of many steps is one sync

    @Slot()
    def _on_soon_timeout(self) -> None:
        if self._worker is not None:
            self._again = True
            return
        self.sync_now()

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
        if self._again:
            self._again = False
            self.soon.start()

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        self.timer.stop()
        self.soon.stop()
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            worker.wait(grace_s)
