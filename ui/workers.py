"""Work that runs off the GUI thread (a daemon thread) and reports back through signals."""

from __future__ import annotations

import threading
from datetime import tzinfo

from PySide6.QtCore import QObject, Signal

from planner.calendars import sync as calendars
from planner.calendars.fetch import Fetcher, UrlFetcher
from planner.domain.clock import Clock
from planner.storage.db import Database


class SyncWorker(QObject):
    """Runs calendars.sync_database in a daemon thread (no transaction open while it loads or
    parses); the signals reach the GUI thread queued.

    A sync can be abandoned (`cancel()`): it stops between sources and before it stores
    anything, its downloads are cut off at once, and it reports nothing. Quitting therefore
    never waits for a slow calendar; a daemon thread cannot keep the process alive either."""

    progressed = Signal(int, int, str)
    finished = Signal(list)
    failed = Signal(str)

    def __init__(
        self,
        db: Database,
        owner: str,
        clock: Clock,
        zone: tzinfo,
        source_ids: list[int] | None,
        fetcher: Fetcher | None,
    ) -> None:
        super().__init__()
        self._fetcher: Fetcher = fetcher or UrlFetcher()
        self._args = (db, owner, clock, zone, source_ids)
        self._cancelled = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="splitday-sync", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancelled.set()
        abort = getattr(self._fetcher, "abort", None)
        if callable(abort):
            abort()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, seconds: float) -> bool:
        """True when the thread has ended within `seconds`."""
        if self._thread is not None:
            self._thread.join(seconds)
        return not self.is_running()

    def run(self) -> None:
        db, owner, clock, zone, source_ids = self._args
        cancelled = self._cancelled.is_set
        try:
            results = calendars.sync_database(
                db,
                owner,
                now=clock.now(),
                zone=zone,
                source_ids=source_ids,
                fetcher=self._fetcher,
                progress=lambda done, total, name: (
                    None if cancelled() else self.progressed.emit(done, total, name)
                ),
                cancelled=cancelled,
            )
        except Exception as exc:  # reported in the dialog, never lost in the thread
            if not cancelled():
                self.failed.emit(str(exc))
            return
        if not cancelled():
            self.finished.emit(results)
