"""Work off the GUI thread (a calendar sync in a QThread), reported back through signals."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from planner.calendars.sync import SyncResult
from ui.gateway import explain

Progress = Callable[[int, int, str], None]


class SyncWorker(QObject):
    """Runs a calendar sync job in a QThread (ui.actions.calendars.CalendarActions.sync_job:
    no transaction is open while a source loads or parses)."""

    progressed = Signal(int, int, str)
    finished = Signal(list)
    failed = Signal(str)

    def __init__(self, job: Callable[[Progress], list[SyncResult]]) -> None:
        super().__init__()
        self._job = job

    @Slot()
    def run(self) -> None:
        try:
            results = self._job(lambda done, total, name: self.progressed.emit(done, total, name))
        except Exception as exc:  # reported in the dialog, never lost in the thread
            self.failed.emit(explain(exc))
            return
        self.finished.emit(results)
