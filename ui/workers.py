"""Work off the GUI thread (a calendar sync in a daemon thread, abandoned on quit), reported
back through signals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from planner.calendars.sync import SyncResult
from ui.gateway import explain

Progress = Callable[[int, int, str], None]


class Job(Protocol):
    """A sync job (ui.actions.calendars.SyncJob): run with progress and a cancel check."""

    def __call__(self, progress: Progress, cancelled: Callable[[], bool]) -> list[SyncResult]: ...


class SyncWorker(QObject):
    """Runs a calendar sync job in a daemon thread (ui.actions.calendars.CalendarActions.sync_job:
    no transaction is open while a source loads or parses); the signals reach the GUI thread
    queued.

    A sync can be abandoned (`cancel()`): it stops between sources and before it stores
    anything, its downloads are cut off at once, and it reports nothing. Quitting therefore
    never waits for a slow calendar; a daemon thread cannot keep the process alive either."""

    progressed = Signal(int, int, str)
    finished = Signal(list)
    failed = Signal(str)

    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job
        self._cancelled = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="splitday-sync", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancelled.set()
        abort = getattr(self._job, "abort", None)
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
        cancelled = self._cancelled.is_set

        def progress(done: int, total: int, name: str) -> None:
            if not cancelled():
                self.progressed.emit(done, total, name)

        try:
            results = self._job(progress, cancelled)
        except Exception as exc:  # reported in the dialog, never lost in the thread
            if not cancelled():
                self.failed.emit(explain(exc))
            return
        if not cancelled():
            self.finished.emit(results)
