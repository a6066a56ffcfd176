"""Do Not Disturb in focus blocks: the core's rule (planner.domain.dnd) applied to the desktop.

The rule is asked on every Change and every few seconds; a switch of the desktop (D-Bus or a
`gsettings`/`makoctl` run) happens in one worker thread, never on the GUI thread, and its
outcome comes back as a signal. At start the worker detects the desktop and puts back a state
a crash left on disk; on quit it restores the desktop before the app exits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from planner.domain.dnd import DndDecision
from planner.domain.i18n import tr
from planner.platform import dnd
from ui.gateway import Gateway, ReadFailed

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHECK_MS = 5_000
QUIT_WAIT_S = 4.0


class FocusDnd(QObject):
    """Keeps the desktop's DND in step with the plan's focus blocks."""

    changed = Signal(bool, str)  # on, in words ("Focus — Do Not Disturb until 11:00")
    detected = Signal(str)  # what desktop was found (Settings shows it)
    _worked = Signal(object, object)  # (what was asked, outcome or exception)

    def __init__(
        self,
        gateway: Gateway,
        *,
        detect: Callable[[], dnd.Detected] = dnd.detect,
        path: Path | None = None,
        check_ms: int = CHECK_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.gateway = gateway
        self._detect = detect
        self._path = path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="splitday-dnd")
        self._switch: dnd.DndSwitch | None = None  # touched only in the worker thread
        self.description = tr("looking for the desktop's Do Not Disturb…")
        self.ended_early: set[int] = set()
        self.decision = DndDecision(False, tr("not checked yet"))
        self.on = False  # DND is on, switched by Splitday (as the worker last reported)
        self.passes_critical = True  # the desktop still shows critical notifications in DND
        self._asked: bool | None = None  # what was last sent to the worker
        self._stopped = False
        self._worked.connect(self._on_worked)
        self._timer = QTimer(self)
        self._timer.setInterval(check_ms)
        self._timer.timeout.connect(self._on_timer)
        self._read_minute: datetime | None = None  # the minute of the last read

    # ------------------------------------------------------------ the GUI thread

    def start(self) -> None:
        self._submit("start", self._detect_and_recover)
        self._timer.start()
        self.evaluate()

    def _on_timer(self) -> None:
        """The plan's blocks begin and end on minutes, and a change of the data re-evaluates
        at once (gateway.changed): within one minute there is nothing new to read. (On a
        shared server over a slow link, the read is a dozen round trips of the window's.)"""
        minute = self.gateway.clock.now().replace(second=0, microsecond=0)
        if minute != self._read_minute:
            self.evaluate()

    def evaluate(self) -> None:
        """Ask the rule now; switch the desktop if its answer differs from what was asked."""
        if self._stopped:
            return
        now = self.gateway.clock.now()
        self._read_minute = now.replace(second=0, microsecond=0)
        try:
            decision = self._read(now)
        except ReadFailed as exc:
            log.warning("Do Not Disturb: %s", exc)
            return
        if decision.slot_id is not None:  # a new block: the one ended early is over
            self.ended_early &= {decision.slot_id}
        self.decision = decision
        if decision.on != self._asked:
            self._asked = decision.on
            if decision.on:
                self._submit("on", lambda: self._engage(decision.reason))
            else:
                self._submit("off", self._release)
        self._say()

    def _read(self, now: datetime) -> DndDecision:
        from planner.services import day

        owner, zone, early = self.gateway.owner, self.gateway.zone, frozenset(self.ended_early)

        def fetch(s: Session) -> DndDecision:
            return day.dnd_decision(s, owner, zone, now, early)

        return self.gateway.read(fetch)

    def end_early(self) -> bool:
        """The person ends this focus block's quiet by hand (the mini window's key)."""
        slot = self.decision.slot_id if self.decision.on else None
        if slot is None:
            return False
        self.ended_early.add(slot)
        self.evaluate()
        return True

    @property
    def holds_reminders(self) -> bool:
        """DND is on where it holds even critical notifications (a paused dunst)."""
        return self.active and not self.passes_critical

    @property
    def active(self) -> bool:
        """DND is on, or being switched on (the worker has not said so yet): the reminders
        sent now go out as critical."""
        return self.on or self._asked is True

    def text(self, zone: tzinfo | None = None) -> str:
        if not self.on:
            return ""
        until = self.decision.until
        if until is None:
            return tr("Focus — Do Not Disturb on")
        local = until.astimezone(zone or self.gateway.zone)
        return tr("Focus — Do Not Disturb until {hhmm}").format(hhmm=f"{local:%H:%M}")

    def _say(self) -> None:
        self.changed.emit(self.on, self.text())

    def stop(self) -> None:
        """On quit: the desktop back as it was, before the app exits (waits a few seconds)."""
        if self._stopped:
            return
        self._stopped = True
        self._timer.stop()
        future = self._pool.submit(self._release)
        try:
            future.result(timeout=QUIT_WAIT_S)
        except FutureTimeout:
            log.warning("Do Not Disturb: the desktop did not answer on quit; restored next start")
        except Exception as exc:
            log.warning("Do Not Disturb: could not restore on quit (%s); restored next start", exc)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _submit(self, what: str, work: Callable[[], object]) -> None:
        future = self._pool.submit(work)

        def done(f: Future[object]) -> None:
            try:
                self._worked.emit(what, f.result())
            except Exception as exc:  # a backend failure must never break the app
                self._worked.emit(what, exc)

        future.add_done_callback(done)

    def _on_worked(self, what: str, outcome: object) -> None:
        if isinstance(outcome, Exception):
            log.warning("Do Not Disturb %s failed: %s", what, outcome)
            if what == "on":
                self.on = False
                self._asked = None  # try again at the next check
        elif what == "start":
            assert isinstance(outcome, tuple)
            self.description, self.passes_critical = outcome
            self.detected.emit(self.description)
        elif what == "on":
            self.on = bool(outcome)
            if self.on:
                log.info("Do Not Disturb on: %s", self.description)
        elif what == "off":
            if self.on:
                log.info("Do Not Disturb off: %s", outcome)
            self.on = False
        self._say()

    # ------------------------------------------------------------ the worker thread

    def _detect_and_recover(self) -> tuple[str, bool]:
        found = self._detect()
        if found.backend is None:
            return tr("none found — {why}").format(why=found.description), True
        self._switch = dnd.DndSwitch(found.backend, self._path)
        recovered = self._switch.recover()
        if recovered:
            log.info("Do Not Disturb left on by an earlier run: %s", recovered)
        return found.description, found.backend.passes_critical

    def _engage(self, reason: str) -> bool:
        if self._switch is None:
            return False
        self._switch.engage(reason)
        return True

    def _release(self) -> str:
        if self._switch is None:
            return tr("no desktop")
        return self._switch.release()
