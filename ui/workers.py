"""Work that runs off the GUI thread (in a QThread) and reports back through signals."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import QObject, Signal, Slot

from planner.calendars import sync as calendars
from planner.calendars.fetch import Fetcher
from planner.domain.clock import Clock
from planner.storage.db import Database


class SyncWorker(QObject):
    """Runs calendars.sync_database in a QThread (no transaction open while it loads/parses)."""

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
        self._args = (db, owner, clock, zone, source_ids, fetcher)

    @Slot()
    def run(self) -> None:
        db, owner, clock, zone, source_ids, fetcher = self._args
        try:
            results = calendars.sync_database(
                db,
                owner,
                now=clock.now(),
                zone=zone,
                source_ids=source_ids,
                fetcher=fetcher,
                progress=lambda done, total, name: self.progressed.emit(done, total, name),
            )
        except Exception as exc:  # reported in the dialog, never lost in the thread
            self.failed.emit(str(exc))
            return
        self.finished.emit(results)
