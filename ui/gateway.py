"""The UI's one door to the core: each action is one transaction, broadcast as a `Change`.

Every read and write of the UI runs here, in one transaction each; errors are caught and
said the same way everywhere (`explain`), and what changed is broadcast once on `changed`.
Reads run in a read transaction (`Database.read`: no write lock, never waiting for a writer).
Plan edits are undoable: each runs once inside planner.services.undo.recorded (one step in the
core's journal, written in the edit's own transaction) and is pushed onto a QUndoStack as a
command that asks the core to undo or redo that step by id (again one transaction each). Steps
name rows by uid, so a deleted slot that comes back (with a new id) is still found. The gateway
also holds the one notion of the user's time zone (`zone`, `follow_zone`, `zone_changed`).
"""

from __future__ import annotations

import logging
import os
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from planner.domain.clock import Clock, local_zone, reset_local_zone
from planner.domain.errors import ConcurrentChange, PlannerError
from planner.domain.i18n import tr
from planner.domain.timerange import day_bounds
from planner.domain.values import BreakV, Change, SlotV, StepV, TaskV, Topic
from planner.services import day as day_flow
from planner.services import planning, tracking, undo
from planner.storage import conflicts
from planner.storage.db import Database, LoginRefused, ServerUnreachable
from planner.storage.db import StorageError as StorageError  # the shell tells it apart too
from planner.storage.pending import DeliveryReport, PendingChange, PendingQueue
from ui.day_data import DaySnapshot

if TYPE_CHECKING:
    from planner.calendars.caldav_client import Opener
    from planner.calendars.caldav_sync import PublishResult
    from planner.calendars.fetch import Fetcher
    from planner.calendars.sync import SyncResult

Step = Callable[[Session], Any]  # a service call: returns a Change, (value, Change) or nothing
Days = Iterable[date] | Callable[[Session], Iterable[date]]
EVERYTHING = Change(frozenset(Topic))
NOT_SAVED = tr("The change was not saved")
OFFLINE_CAN = tr(
    "while the shared server is away, interruptions, back to work, starting and stopping, "
    "task edits (add, check off, rename, delete) and moving, resizing or re-roling a slot are "
    "kept on this device; new or deleted slots, planning the day and scheduling or reordering "
    "tasks wait until it answers"
)
T = TypeVar("T")
log = logging.getLogger(__name__)


def change_in(result: Any) -> Change:
    """Services return a Change, or (value, Change), or nothing worth broadcasting."""
    if isinstance(result, Change):
        return result
    if isinstance(result, tuple) and result and isinstance(result[-1], Change):
        return result[-1]
    return Change()


# ---------------------------------------------------------------- outcomes and their words

# What a database error means for the person, by the words its driver uses (SQLite, psycopg).
_STORAGE_WORDS = (
    (("readonly", "read-only", "read only"), "the database is read-only"),
    (("disk is full", "disk full", "no space left"), "the disk is full"),
    (("database is locked", "table is locked"), "the database is busy (another program holds it)"),
    (("unable to open database", "disk i/o error"), "the database file cannot be used"),
    (
        (
            "connection refused",
            "could not connect",
            "connection failed",
            "server closed the connection",
            "terminating connection",
            "connection is closed",
            "connection timed out",
            "timeout expired",
            "no route to host",
            "name or service not known",
            "the connection is lost",
        ),
        "the database server cannot be reached",
    ),
)


def explain(exc: BaseException) -> str:
    """The one line a person reads when a read or a write failed; never a traceback."""
    if isinstance(exc, PlannerError | StorageError):
        return str(exc)
    if isinstance(exc, SQLAlchemyError):
        raw = str(getattr(exc, "orig", None) or exc).strip()
        detail = (raw.splitlines() or [type(exc).__name__])[0][:200]
        lowered = raw.lower()
        for words, reason in _STORAGE_WORDS:
            if any(word in lowered for word in words):
                return f"{reason} ({detail})"
        if isinstance(exc, OperationalError | InterfaceError):
            return tr("the database could not be used ({detail})").format(detail=detail)
        return tr("database error: {detail}").format(detail=detail)
    return tr("unexpected error ({name}: {exc})").format(name=type(exc).__name__, exc=exc)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What became of one write: its result, or the one line that says why it did not happen."""

    ok: bool
    value: T | None = None
    message: str = ""
    refused: bool = False  # the core said no (PlannerError): as typed it will never be saved
    away: bool = False  # the shared server is down or refused the login: it can be kept
    told: bool = False  # the person already chose (a change made elsewhere was asked about)

    @property
    def retryable(self) -> bool:
        """Not saved for a reason outside the person's input (disk, server, a bug)."""
        return not self.ok and not self.refused

    def result(self) -> T:
        """The value of a write that succeeded."""
        assert self.ok, self.message
        return self.value  # type: ignore[return-value]


class GatewayError(Exception):
    """A read or a write the UI asked for did not happen; str() is the line to show."""


class ReadFailed(GatewayError):
    """The data could not be read (the database is gone, say); what is shown stays."""


class NotSaved(GatewayError):
    """A write failed for a reason outside the person's input (see Outcome.retryable)."""


def zone_signature() -> str:
    """Changes when the system time zone does ($TZ, /etc/localtime)."""
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        target = ""
    return f"{os.environ.get('TZ', '')}|{target}"


class SystemZone:
    """The system's zone as it is now: re-read when $TZ or /etc/localtime changes."""

    def __init__(self) -> None:
        self._signature = zone_signature()

    def __call__(self) -> tzinfo:
        now = zone_signature()
        if now != self._signature:  # the system time zone changed while running
            self._signature = now
            reset_local_zone()
        return local_zone()


class _Edit(QUndoCommand):
    """An edit that already ran once (recorded as a core step); undo/redo ask the core."""

    def __init__(self, gateway: Gateway, step: StepV) -> None:
        super().__init__(step.text)
        self._gateway, self.step_id = gateway, step.id
        self._fresh = True

    def redo(self) -> None:
        if self._fresh:  # pushed right after it ran
            self._fresh = False
            return
        gateway = self._gateway
        ok = gateway.replay(
            lambda s: undo.redo(s, gateway.owner, gateway.zone, step_id=self.step_id),
            failure=tr("Could not redo “{text}”").format(text=self.text()),
        )
        if not ok:
            self.setObsolete(True)  # the stack drops it: it no longer matches the data

    def undo(self) -> None:
        gateway = self._gateway
        ok = gateway.replay(
            lambda s: undo.undo(s, gateway.owner, gateway.zone, step_id=self.step_id),
            failure=tr("Could not undo “{text}”").format(text=self.text()),
        )
        if not ok:
            self.setObsolete(True)


class Gateway(QObject):
    """Runs planner services for the widgets and tells every view what changed."""

    changed = Signal(object)  # Change
    failed = Signal(str)
    zone_changed = Signal(object)  # tzinfo: the user's zone is now this one
    offline_changed = Signal(str)  # "offline since 10:42 — 3 changes waiting", or ""
    kept = Signal(str)  # "Saved on this device: 10:42 add task 'x' — …" (an edit kept)

    def __init__(
        self,
        db: Database,
        clock: Clock,
        zone: tzinfo,
        undo_stack: QUndoStack | None = None,
        parent: QObject | None = None,
        *,
        zone_source: Callable[[], tzinfo] | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.clock, self.zone = db, clock, zone
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self.owner = db.owner
        self.replaying = False  # True while an undo or redo runs
        self._zone_source = zone_source
        # A shared server: the tracking writes made while it is away wait on this device.
        self.pending: PendingQueue | None = None
        if db.engine.dialect.name != "sqlite":
            self.pending = PendingQueue.for_database(
                db.engine.url.render_as_string(hide_password=False), db.owner
            )
        self._offline_said = ""
        # Asks the person about an edit that met a change made elsewhere (ConcurrentChange
        # with a row): True keeps mine, False keeps theirs. None (no window): refused, said.
        self.resolve: Callable[[ConcurrentChange], bool] | None = None
        self._quick: Any = None  # the forwarded status's engine (status_at)
        self._copy: Database | None = None  # today's rows in memory, for status_at
        self._quick_lock = threading.Lock()

    # ------------------------------------------------------------ plumbing

    def now(self) -> datetime:
        return self.clock.now()

    def run(
        self,
        step: Callable[[Session], T],
        *,
        failure: str = "",
        inline: bool = False,
        later: bool = False,
    ) -> Outcome[T]:
        """Run `step` in one transaction; broadcast its Change, or say why it did not happen.

        `inline`: the caller shows the message itself (a dialog, the quick log), so it is not
        raised in the main window too. `later`: broadcast after the current event (a forwarded
        command gets its reply before the views redraw).
        """
        if self._offline_said and not self._answers():  # away: no wait on the GUI thread
            said = f"{failure or NOT_SAVED}: {self.offline_text()}; {OFFLINE_CAN}"
            return self._not_saved(said, inline, away=True)
        try:
            with self.db.transaction() as session:
                result = step(session)
        except ConcurrentChange as exc:
            if self.resolve is None or not exc.kind or self.replaying:
                return self._refused(f"{failure}: {exc}" if failure else str(exc), inline)
            return self._resolved(step, exc, failure=failure, inline=inline, later=later)
        except PlannerError as exc:
            return self._refused(f"{failure}: {exc}" if failure else str(exc), inline)
        except (ServerUnreachable, LoginRefused) as exc:
            self._went_offline(str(exc))
            said = f"{failure or NOT_SAVED}: {explain(exc)}"
            if self.pending is not None and isinstance(exc, ServerUnreachable):
                said += f"; {OFFLINE_CAN}"
            return self._not_saved(said, inline, away=True)
        except (StorageError, SQLAlchemyError) as exc:
            return self._not_saved(f"{failure or NOT_SAVED}: {explain(exc)}", inline)
        except Exception as exc:  # a bug: roll back, say so in one line, keep the details
            traceback.print_exc()
            return self._not_saved(f"{failure or NOT_SAVED}: {explain(exc)}", inline)
        change = change_in(result)
        if change.topics:
            if later:
                QTimer.singleShot(0, lambda: self.changed.emit(change))
            else:
                self.changed.emit(change)
        return Outcome(True, result)

    def _resolved(
        self,
        step: Callable[[Session], T],
        conflict: ConcurrentChange,
        *,
        failure: str,
        inline: bool,
        later: bool,
    ) -> Outcome[T]:
        """An edit made on what another device or window has changed (or deleted) since: the
        person chooses. Keep mine runs the same step again over the row as it is now (one
        transaction, so an edit stays one undoable step); keep theirs leaves it, and the views
        read the row as it is."""
        keep_mine = self.resolve is not None and self.resolve(conflict)  # gone: only said
        if keep_mine and conflict.can_keep_mine:
            return self.run(
                lambda s: step(conflicts.overrule(s, conflict)),
                failure=failure,
                inline=inline,
                later=later,
            )
        self.changed.emit(EVERYTHING)  # the views show theirs (a dialog its own rows again)
        said = (
            str(conflict)
            if conflict.gone or not conflict.theirs
            else tr("Kept the change made elsewhere: {theirs}").format(theirs=conflict.theirs)
        )
        return Outcome(False, message=said, refused=True, told=True)

    def apply(self, step: Callable[[Session], Any], *, failure: str = "") -> tuple[bool, Any]:
        """Run `step` in one transaction; broadcast its Change, or report the error readably."""
        outcome = self.run(step, failure=failure)
        return outcome.ok, outcome.value

    def read(self, fetch: Callable[[Session], T], *, failure: str = "") -> T:
        """Read in one read transaction (no write lock: it never waits for the CLI or a sync);
        a failure raises ReadFailed with the line to show."""
        if self._offline_said and not self._answers():  # away: no wait on the GUI thread
            raise ReadFailed(
                tr("Showing what was last seen: {offline}").format(offline=self.offline_text())
            )
        try:
            with self.db.read() as session:
                return fetch(session)
        except PlannerError as exc:
            raise ReadFailed(str(exc)) from exc
        except (ServerUnreachable, LoginRefused) as exc:
            self._went_offline(str(exc))
            said = failure or tr("Could not read the data")
            raise ReadFailed(f"{said}: {explain(exc)}") from exc
        except (StorageError, SQLAlchemyError) as exc:
            said = failure or tr("Could not read the data")
            raise ReadFailed(f"{said}: {explain(exc)}") from exc
        except Exception as exc:
            traceback.print_exc()
            said = failure or tr("Could not read the data")
            raise ReadFailed(f"{said}: {explain(exc)}") from exc

    def broadcast(self, change: Change) -> None:
        """What a background job (a calendar sync) changed, for every view."""
        if change.topics:
            self.changed.emit(change)

    def replay(self, step: Step, *, failure: str) -> bool:
        """Undo or redo: like apply, but views may follow the change to the day it touched."""
        self.replaying = True
        try:
            ok, _ = self.apply(step, failure=failure)
        finally:
            self.replaying = False
        return ok

    def _refused(self, message: str, inline: bool) -> Outcome[Any]:
        if not inline:
            self._fail(message)
        return Outcome(False, message=message, refused=True)

    def _not_saved(self, message: str, inline: bool, *, away: bool = False) -> Outcome[Any]:
        if not inline:
            self._fail(message)
        return Outcome(False, message=message, away=away)

    # ------------------------------------------------------------ a shared server that is away

    def went_offline(self, reason: str) -> None:
        """The shared server is away (said in the status bar and the tray)."""
        self._went_offline(reason)

    def _went_offline(self, reason: str) -> None:
        if self.pending is not None:
            self.pending.went_offline(reason, self.now())
            self._say_offline()

    def say_offline(self) -> None:
        """Emit offline_changed with the queue's state, if it is not what was said last."""
        self._say_offline()

    def _say_offline(self) -> None:
        text = self.offline_text()
        if text != self._offline_said:
            self._offline_said = text
            self.offline_changed.emit(text)

    def offline_text(self) -> str:
        """'offline since 10:42 — 3 changes waiting' ('' on the SQLite file, or all well)."""
        if self.pending is None:
            return ""
        return self.pending.state().describe(self.zone)

    def _answers(self) -> bool:
        """Whether the server's port takes a connection within half a second."""
        import socket

        url = self.db.engine.url
        try:
            with socket.create_connection((url.host or "localhost", url.port or 5432), 0.5):
                return True
        except OSError:
            return False

    def listen(self, on_change: Callable[[], None]) -> Callable[[], None] | None:
        """Call `on_change` (from a thread of its own) when another device of this person
        commits a change on the shared server (LISTEN/NOTIFY); the stopper, or None."""
        if self.pending is None:
            return None
        from planner.storage import live

        listener = live.start(
            self.db.engine.url.render_as_string(hide_password=False), self.owner, on_change
        )
        return None if listener is None else listener.stop

    def waiting(self) -> list[PendingChange]:
        return [] if self.pending is None else self.pending.waiting()

    def keep(self, kind: str, at: datetime, fields: dict[str, Any]) -> str | None:
        """Keep a tracking change on this device while the server is away (None: there is no
        shared server); the line to show. Delivered by `deliver_pending`, in order."""
        if self.pending is None:
            return None
        from planner.services.offline import describe, zone_name

        change = self.pending.add(kind, at, {"zone": zone_name(self.zone), **fields})
        self._say_offline()
        # after the current event (a forwarded command gets its reply first): the views show
        # it at once, laid over what was last seen (offline_snapshot)
        kept = Change(frozenset({Topic.TASKS, Topic.ENTRIES}))
        QTimer.singleShot(0, lambda: self.changed.emit(kept))
        return f"Saved on this device: {describe(change, self.zone)} — {self.offline_text()}"

    def offline_snapshot(self, seen: DaySnapshot) -> DaySnapshot | None:
        """The day as last seen with what waits on this device laid over it (planner.services.
        offline.view); None when nothing waits."""
        waiting = self.waiting()
        if not waiting:
            return None
        from dataclasses import replace

        from planner.services import offline

        now = self.now()
        today = seen.day == seen.today
        shown = offline.view(
            seen.entries,
            seen.plan.tasks,
            waiting,
            self.zone,
            roles=seen.plan.roles,
            shown=seen.day,
            slots=seen.plan.slots,
        )
        kept = offline.day_status(seen.plan, shown, now) if today else None
        return replace(
            seen,
            plan=replace(seen.plan, tasks=shown.tasks, slots=shown.slots),
            entries=shown.entries if today else seen.entries,
            now=now if today else seen.now,
            status=kept or seen.status,
            waiting=shown.waiting,
            kept=kept is not None,
        )

    def _edit_or_keep(
        self, text: str, do: Step, days: Days, kind: str, fields: Callable[[], dict[str, Any]]
    ) -> bool:
        """A task edit: on the server when it answers (after what waits here, in order), else
        kept on this device and delivered when it is back (one workflow: offline.apply)."""
        if self.pending is None:
            return self.edit(text, do, days)
        if self.pending.count():
            self.deliver_pending()
        if not self.pending.count():
            outcome = self.record(text, do, days, inline=True)
            if outcome.ok:
                return True
            if not outcome.away:
                if not outcome.told:  # said as an edit that is not kept would say it
                    self._fail(outcome.message)
                return False
        return self._keep_and_say(kind, fields)

    def _run_or_keep(
        self, step: Step, failure: str, kind: str, fields: Callable[[], dict[str, Any]]
    ) -> bool:
        """A tracking change (start, pause): like `_edit_or_keep`, with no undo step."""
        if self.pending is None:
            return self.run(step, failure=failure).ok
        if self.pending.count():
            self.deliver_pending()
        if not self.pending.count():
            outcome = self.run(step, failure=failure, inline=True)
            if outcome.ok:
                return True
            if not outcome.away:
                if not outcome.told:  # said as an edit that is not kept would say it
                    self._fail(outcome.message)
                return False
        return self._keep_and_say(kind, fields)

    def _keep_and_say(self, kind: str, fields: Callable[[], dict[str, Any]]) -> bool:
        try:
            kept = self.keep(kind, self.now(), fields())
        except PlannerError as exc:
            self._refused(str(exc), inline=False)
            return False
        except Exception as exc:  # this device's own file could not take it: said, not lost
            traceback.print_exc()
            self._not_saved(f"{NOT_SAVED}: {explain(exc)}", inline=False)
            return False
        if kept:  # after the views have shown it (and said they show what was last seen)
            QTimer.singleShot(0, lambda: self.kept.emit(kept))
        return True

    def deliver_pending(self) -> DeliveryReport | None:
        """Deliver what waits on this device (the app's timer): in order, exactly once."""
        if self.pending is None or (self.pending.count() == 0 and not self._offline_said):
            return None
        if not self._answers():  # not even the port: no 10 s wait on the GUI thread
            return None
        from planner.services import offline

        if self.db.unchecked is not None:  # started while the server was away
            try:
                self.db.check()
                with self.db.transaction() as session:
                    planning.ensure_defaults(session, self.owner)
            except (StorageError, SQLAlchemyError) as exc:
                if isinstance(exc, ServerUnreachable | LoginRefused):
                    self._went_offline(str(exc))
                else:
                    self.failed.emit(explain(exc))
                return None
        was_offline = bool(self._offline_said)
        report = self.pending.deliver(
            self.db,
            lambda s, c: offline.apply(s, self.owner, self.zone, c, now=self.now()),
            now=self.now,
        )
        back = was_offline and not report.error
        if report.delivered or report.refused or back:
            self.changed.emit(EVERYTHING)  # back online: every view reads the server again
        for item in report.refused:
            self.failed.emit(
                f"The server refused a change kept on this device "
                f"({offline.describe(item.change, self.zone)}): {item.reason}"
            )
        if not report.error and self.pending.count() == 0:
            self.pending.came_online()
        self._say_offline()
        return report

    def _fail(self, message: str) -> None:
        self.failed.emit(message)
        self.changed.emit(EVERYTHING)  # views drop any preview and show the data as it is

    def edit(self, text: str, do: Step, days: Days) -> bool:
        """Run a plan edit as one transaction, recorded as one undoable step in the core.

        `days`: the days it touches (or a function of the session giving them): the slot's
        day and the day it moves to, the task's day, the day tasks are carried to."""
        outcome = self.record(text, do, days)
        return outcome.ok

    def record(
        self, text: str, do: Step, days: Days, *, failure: str = "", inline: bool = False
    ) -> Outcome[Any]:
        """`edit` for callers that want the Outcome (a dialog showing its own message); the
        Outcome's value is what `do` returned."""

        def step(session: Session) -> tuple[Any, undo.Recorder, Change]:
            touched = days(session) if callable(days) else days
            with undo.recorded(
                session, self.owner, self.zone, text, touched, self.now()
            ) as recorder:
                result = do(session)
            return result, recorder, change_in(result)

        outcome = self.run(step, failure=failure, inline=inline)
        if not outcome.ok:
            return Outcome(
                False,
                message=outcome.message,
                refused=outcome.refused,
                away=outcome.away,
                told=outcome.told,
            )
        result, recorder, _ = outcome.result()
        if recorder.step is not None:
            self.undo_stack.push(_Edit(self, recorder.step))
        elif recorder.lost:
            self.undo_stack.clear()  # the core could not record it: no undo across it
        return Outcome(True, result)

    # ------------------------------------------------------------ the zone

    def set_zone(self, zone: tzinfo) -> None:
        """The user's zone is now `zone`: every view and the reminders follow it."""
        if zone == self.zone:
            return
        self.zone = zone
        self.zone_changed.emit(zone)
        self.changed.emit(EVERYTHING)  # local days and wall times move with the zone

    def follow_zone(self) -> bool:
        """Ask the zone source (the system's zone) whether the zone changed, and follow it."""
        if self._zone_source is None:
            return False
        try:
            zone = self._zone_source()
        except Exception:  # a broken system zone must not stop the app
            log.exception("could not read the system time zone")
            return False
        if zone == self.zone:
            return False
        self.set_zone(zone)
        return True

    # ------------------------------------------------------------ reading

    def today(self) -> date:
        return self.read(
            lambda session: planning.day_of(session, self.owner, self.now(), self.zone)
        )

    def setting(self, key: str) -> Any:
        return self.read(lambda session: planning.get_setting(session, self.owner, key))

    def load(self, day: date) -> DaySnapshot:
        now, zone = self.now(), self.zone

        def fetch(session: Session) -> DaySnapshot:
            today = planning.day_of(session, self.owner, now, zone)
            # today's open tasks are fitted into the time left (planning.get_plan)
            plan = planning.get_plan(session, self.owner, day, zone, now if day == today else None)
            start_minute = int(planning.get_setting(session, self.owner, "day_start_minute"))
            bounds = day_bounds(day, zone, start_minute)
            entries = tuple(
                e
                for e in tracking.list_entries(session, self.owner, bounds)
                if (e.end or now) > bounds.start  # a running entry only reaches until now
            )
            status = day_flow.status(session, self.owner, zone, now) if day == today else None
            return DaySnapshot(
                plan, entries, now, today, start_minute, (bounds.start, bounds.end), status=status
            )

        return self.read(fetch, failure=tr("Could not read the day"))

    def start_tracking(self) -> bool:
        """Start (or resume) tracking: follow the plan from now, or from its next item."""
        return self._run_or_keep(
            lambda s: day_flow.start(s, self.owner, self.zone, self.now()),
            tr("Could not start tracking"),
            "start",
            dict,
        )

    def pause_tracking(self) -> bool:
        """Pause tracking: the log stops now; the day stays started."""
        return self._run_or_keep(
            lambda s: day_flow.pause(s, self.owner, self.zone, self.now()),
            tr("Could not pause tracking"),
            "stop",
            dict,
        )

    def sync_calendars(
        self,
        source_ids: Sequence[int] | None,
        fetcher: Fetcher | None,
        progress: Callable[[int, int, str], None] | None = None,
        cancelled: Callable[[], bool] = bool,
        opener: Opener | None = None,
    ) -> list[SyncResult]:
        """Sync calendar sources (CalDAV ones too) and, in a full sync, publish the plan; made
        for a worker thread. It opens its own short transactions (nothing is held while a
        source loads or parses); the caller broadcasts what changed. Once `cancelled()` (the
        app quits) it reads no further source and stores nothing. The publish step comes last,
        as a SyncResult named 'Publish to <calendar>' (source_id 0)."""
        from planner.calendars import caldav_sync
        from planner.calendars.caldav_client import open_account

        results, pushed = caldav_sync.sync_all(
            self.db,
            self.owner,
            now=self.now(),
            zone=self.zone,
            source_ids=source_ids,
            fetcher=fetcher,
            opener=opener or open_account,
            progress=progress,
            cancelled=cancelled,
            publish=source_ids is None,
        )
        if pushed is not None:
            results.append(caldav_sync.as_sync_result(pushed))
        return results

    def unpublish(self, *, remove: bool, opener: Opener) -> PublishResult:
        """Stop publishing the plan (and remove what was published); for a worker thread."""
        from planner.calendars import caldav_sync

        return caldav_sync.unpublish(
            self.db, self.owner, remove=remove, now=self.now(), opener=opener
        )

    def close(self) -> None:
        if self._quick is not None:
            self._quick.dispose()
        if self._copy is not None:
            self._copy.close()
        self.db.close()

    # ------------------------------------------------------------ a forwarded `status`

    def status_at(self, now: datetime) -> dict[str, Any] | None:
        """What `splitday status` shows at `now`, for the command forwarded here (no start-up,
        no connection of its own). None: the command works it out itself — the log must catch
        up with the plan first (a write), the server is away, or it cannot be read now.

        On a shared server the rows come in one statement over the pool's connection
        (planner.storage.snapshot), not the ~20 queries of the views' reads: over a slow link
        that is one round trip (and the pool's ping) instead of twenty."""
        from planner.services import status, tracking

        def compute(session: Session) -> dict[str, Any] | None:
            if planning.needs_defaults(session, self.owner) or tracking.catch_up_due(
                session, self.owner, self.zone, now
            ):
                return None
            return status.status_data(session, self.owner, self.zone, now)

        if self.pending is None:  # this device's SQLite file
            try:
                return self.read(compute)
            except ReadFailed:
                return None
        if self._offline_said or self.pending.count():  # the command says what waits here
            return None
        from planner.storage import snapshot
        from planner.storage.migrations import SCHEMA_REVISION

        with self._quick_lock:  # one status at a time fills the copy
            try:
                with self._status_engine().connect() as conn:
                    quick = conn.execution_options(isolation_level="AUTOCOMMIT")
                    document = snapshot.fetch_with(quick, self.owner, now)
            except SQLAlchemyError:
                return None  # the command tries itself, and says what is wrong in its words
            if document.get("revision") != SCHEMA_REVISION:
                return None
            try:
                if self._copy is None:
                    self._copy = snapshot.empty_copy(self.owner)
                snapshot.fill(self._copy, document)
                with self._copy.read() as session:
                    data = compute(session)
            except Exception:  # a bug here must not cost the status: the command does it
                log.exception("the forwarded status could not be computed")
                return None
        if data is not None:
            self.pending.save_snapshot("status", data, now)  # shown by `status` while offline
            data["sync"] = self.pending.state().as_json(self.zone)
        return data

    def _status_engine(self) -> Any:
        """The forwarded status's own small pool, without the ping before each use: the
        statement alone is the round trip. A connection the server dropped fails that status
        (the command then does it itself) and is replaced."""
        if self._quick is None:
            from planner.storage.db import make_engine

            self._quick = make_engine(
                self.db.engine.url.render_as_string(hide_password=False), ping=False
            )
        return self._quick

    # ------------------------------------------------------------ the clock ticks

    def tick(self) -> bool:
        """Follow the zone and the plan, leave a sign of life (once a minute and on resume)."""
        self.follow_zone()

        def step(session: Session) -> Change:
            now = self.now()
            change = day_flow.catch_up(session, self.owner, self.zone, now)
            tracking.heartbeat(session, self.owner, now)
            return change

        # No action of the person's: a shared server that is away is said by the offline
        # line (status bar, tray), not as "the change was not saved" once a minute.
        outcome = self.run(step, inline=True)
        if not outcome.ok and not outcome.away:
            self._fail(outcome.message)  # a real failure (a full disk) is said as before
        return outcome.ok

    def recover(self) -> int:
        """After an unclean exit: close entries left open at the last sign of life."""
        ok, result = self.apply(lambda s: tracking.recover(s, self.owner, self.zone))
        return int(result[0]) if ok else 0

    # ------------------------------------------------------------ slots

    def _day_of(self, session: Session, moment: datetime) -> date:
        return planning.day_of(session, self.owner, moment, self.zone)

    def add_slot(self, start: datetime, end: datetime, role_id: int, title: str = "") -> bool:
        return self.edit(
            tr("New slot"),
            lambda s: planning.add_slot(s, self.owner, self.zone, start, end, role_id, title),
            lambda s: {self._day_of(s, start)},
        )

    def change_slot(
        self,
        slot: SlotV,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        role_id: int | None = None,
        title: str | None = None,
        text: str = tr("Change slot"),
        seen_version: int | None = None,
    ) -> bool:
        """Edit a slot as the view showed it (`seen_version`: the version a drag began on,
        else `slot`'s): one changed elsewhere since is asked about, not overwritten. While the
        shared server is away it is kept on this device (offline.slot_edit_fields)."""
        from planner.services.offline import slot_edit_fields

        seen = seen_version or slot.version or None
        return self._edit_or_keep(
            text,
            lambda s: planning.update_slot(
                s,
                self.owner,
                self.zone,
                slot.id,
                start=start,
                end=end,
                role_id=role_id,
                title=title,
                seen_version=seen,
            ),
            lambda s: {slot.day, self._day_of(s, start or slot.start)},
            "slot_edit",
            lambda: slot_edit_fields(
                slot, self.zone, start=start, end=end, role_id=role_id, title=title
            ),
        )

    def remove_slot(self, slot: SlotV) -> bool:
        return self.edit(
            tr("Delete slot"),
            lambda s: planning.remove_slot(
                s, self.owner, slot.id, seen_version=slot.version or None, zone=self.zone
            ),
            {slot.day},
        )

    # ------------------------------------------------------------ breaks

    def move_break(self, brk: BreakV, start: datetime, end: datetime) -> bool:
        """Move or resize one of the day's breaks (the timeline's drag)."""
        text = tr("Move break") if end - start == brk.end - brk.start else tr("Resize break")
        return self.edit(
            text,
            lambda s: planning.move_break(s, self.owner, brk.day, self.zone, brk.id, start, end),
            {brk.day},
        )

    def skip_break(self, brk: BreakV, skipped: bool) -> bool:
        """Skip one of the day's breaks for that day, or take it again."""
        return self.edit(
            tr("Skip break") if skipped else tr("Take break"),
            lambda s: planning.skip_break(
                s, self.owner, brk.day, self.zone, brk.id, skipped=skipped
            ),
            {brk.day},
        )

    # ------------------------------------------------------------ tasks

    @staticmethod
    def _task_days(task: TaskV) -> set[date]:
        return {task.day} if task.day is not None else set()  # undated tasks: always looked at

    def add_task(self, title: str, role_id: int, estimate_minutes: int, day: date) -> bool:
        from planner.services.offline import task_add_fields

        return self._edit_or_keep(
            tr("Add task"),
            lambda s: planning.add_task(
                s,
                self.owner,
                title,
                role_id,
                now=self.now(),
                day=day,
                estimate_minutes=estimate_minutes,
            ),
            {day},
            "task_add",
            lambda: task_add_fields(title, role_id, estimate_minutes, day),
        )

    def set_task_status(self, task: TaskV, status: str) -> bool:
        names = {
            "done": tr("Check off task"),
            "open": tr("Reopen task"),
            "dropped": tr("Remove task"),
        }
        from planner.services.offline import task_id, task_status_fields

        return self._edit_or_keep(
            names.get(status, tr("Task status")),
            lambda s: planning.set_task_status(
                s,
                self.owner,
                task_id(s, self.owner, task),
                status,
                self.now(),
                seen_version=task.version or None,
            ),
            self._task_days(task),
            "task_status",
            lambda: task_status_fields(task, status),
        )

    def edit_task(
        self,
        task: TaskV,
        *,
        title: str | None = None,
        estimate_minutes: int | None = None,
        role_id: int | None = None,
        seen_version: int | None = None,
    ) -> bool:
        """Edit a task as the view showed it (`seen_version`: the version an editor opened on,
        else `task`'s). While the shared server is away it is kept on this device."""
        from planner.services.offline import task_edit_fields, task_id

        seen = seen_version or task.version or None
        return self._edit_or_keep(
            tr("Edit task"),
            lambda s: planning.update_task(
                s,
                self.owner,
                task_id(s, self.owner, task),
                title=title,
                estimate_minutes=estimate_minutes,
                role_id=role_id,
                seen_version=seen,
                zone=self.zone,
            ),
            self._task_days(task),
            "task_edit",
            lambda: task_edit_fields(
                task, title=title, estimate_minutes=estimate_minutes, role_id=role_id
            ),
        )

    def schedule_task(self, task: TaskV, slot_id: int | None) -> bool:
        def days(session: Session) -> set[date]:
            found = self._task_days(task)
            if slot_id is not None:
                found.add(planning.get_slot(session, self.owner, slot_id).day)
            return found

        return self.edit(
            tr("Schedule task") if slot_id else tr("Unschedule task"),
            lambda s: planning.update_task(
                s,
                self.owner,
                task.id,
                slot_id=slot_id,
                seen_version=task.version or None,
                zone=self.zone,
            ),
            days,
        )

    def reorder_tasks(self, day: date, before: list[int], after: list[int]) -> bool:
        if before == after:
            return True
        return self.edit(
            tr("Reorder tasks"), lambda s: planning.reorder_tasks(s, self.owner, day, after), {day}
        )


def open_gateway(
    url: str | None,
    clock: Clock,
    zone: tzinfo,
    *,
    owner: str | None = None,
    zone_source: Callable[[], tzinfo] | None = None,
) -> Gateway:
    """The gateway's builder for the stand-alone entry points (a dialog, the review, the
    reminders alone): open the database, put the defaults in. GatewayError says why not."""
    from planner.storage.db import open_database

    try:
        db = open_database(url, owner=owner)
    except (StorageError, SQLAlchemyError) as exc:
        raise GatewayError(explain(exc)) from exc
    try:
        with db.transaction() as session:
            planning.ensure_defaults(session, db.owner)
    except (StorageError, SQLAlchemyError) as exc:
        db.close()
        raise GatewayError(explain(exc)) from exc
    return Gateway(db, clock, zone, zone_source=zone_source)
