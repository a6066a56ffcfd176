"""Wires the interruption hotkey, quick log, single-instance commands and re-flow prompt."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from planner.domain.errors import PlannerError
from planner.domain.values import Change, EntryV
from planner.platform import ipc

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication

    from planner.domain.clock import Clock
    from planner.storage.db import Database
    from ui.dialogs.interruption_log import DayLog, InterruptionLogDialog, ReflowPrompt
    from ui.dialogs.quick_log import QuickLog, QuickLogEntry
    from ui.shell.hotkeys import Hotkeys
    from ui.shell.single_instance import SingleInstance

# One key press may arrive through two hotkey layers: after it ended an interruption, the
# echo must not open a new one.
DEBOUNCE = 0.4


def parse_minutes(text: str) -> int:
    from planner.services.interruptions import parse_minutes as parse

    return parse(text)


class Interruptions(QObject):
    """The interruption actions of the app; every call is one transaction through a service."""

    changed = Signal(object)  # Change
    reflow_suggested = Signal(object)  # planner.services.interruptions.ReflowAdvice
    logged = Signal(object)  # EntryV
    resumed = Signal(str)  # "back to work: Support (interruption 12 min)", for a toast/tray

    def __init__(
        self,
        db: Database,
        owner: str,
        zone: tzinfo,
        now: Callable[[], datetime],
        quick_log: QuickLog,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._owner = owner
        self._zone = zone
        self._now = now
        self._quick_log = quick_log
        self._resumed_at: float | None = None
        self._role_names: dict[int, str] = {}
        self._sources: list[str] = []
        quick_log.logged.connect(self._on_quick_log_logged)
        self.refresh_lists()

    def refresh_lists(self) -> None:
        """Roles and recent sources for the quick log, loaded ahead of any key press."""
        from planner.services import interruptions, planning

        with self._db.transaction() as s:
            roles = planning.list_roles(s, self._owner)
            sources = interruptions.recent_sources(s, self._owner)
        self._role_names = {r.id: r.name for r in roles}
        self._sources = sources
        self._quick_log.set_roles(roles)
        self._quick_log.set_sources(sources)

    # ------------------------------------------------------------------ the hotkey

    def on_hotkey(self, at: datetime) -> str:
        """Open the quick log stamped at `at`, or go back to work if an interruption runs."""
        if self._quick_log.isVisible():
            self._quick_log.activateWindow()
            return "the quick log is already open"
        if self._resumed_at is not None and time.monotonic() - self._resumed_at < DEBOUNCE:
            return "ignored a repeated key press"
        from planner.services import tracking

        with self._db.transaction() as s:
            run = tracking.running(s, self._owner)
            default_role = (
                None
                if run is not None and run.kind == "interruption"
                else tracking.default_interruption_role(s, self._owner, at)
            )
        if run is not None and run.kind == "interruption":
            self._resumed_at = time.monotonic()
            return self.back_to_work()
        self._quick_log.open_at(at, default_role)
        return "quick log open"

    def _on_quick_log_logged(self, entry: QuickLogEntry) -> None:
        try:
            self.log(entry.at, entry.note, entry.source, entry.role_id, entry.minutes)
        except PlannerError as exc:
            self._quick_log.restore(entry, str(exc))

    # ------------------------------------------------------------------ the actions

    def log(
        self,
        at: datetime,
        note: str,
        source: str,
        role_id: int | None,
        minutes: int | None,
        *,
        role_name: str | None = None,
    ) -> EntryV:
        """Log an interruption (one transaction); the views hear of it after the caller."""
        from planner.services import planning, tracking

        with self._db.transaction() as s:
            if role_name:
                role_id = planning.find_role(s, self._owner, role_name).id
            entry, change = tracking.interrupt(
                s,
                self._owner,
                self._zone,
                at,
                note=note,
                role_id=role_id,
                source=source,
                minutes=minutes,
            )
            tracking.heartbeat(s, self._owner, self._now())
        self._after(entry, change, entry if entry.end is not None else None)
        return entry

    def back_to_work(self) -> str:
        from planner.services import tracking

        now = self._now()
        with self._db.transaction() as s:
            before = tracking.running(s, self._owner)
            entry, change = tracking.resume(s, self._owner, self._zone, now)
            tracking.heartbeat(s, self._owner, now)
        ended = replace(before, end=max(now, before.start)) if before is not None else None
        self._after(entry, change, ended, logged=False)
        took = ""
        if before is not None:
            took = f" (interruption {round((now - before.start).total_seconds() / 60)} min)"
        if entry.end is None:
            text = f"back to work: {self._role_names.get(entry.role_id or -1, '?')}{took}"
        else:
            text = f"interruption ended{took}"
        self.resumed.emit(text)
        return text

    def reflow(self, day: date) -> None:
        from planner.services import planning

        with self._db.transaction() as s:
            _plan, change = planning.reflow_day(s, self._owner, day, self._zone, self._now())
        self.changed.emit(change)

    def _after(
        self, entry: EntryV, change: Change, ended: EntryV | None, *, logged: bool = True
    ) -> None:
        # After the current event: a forwarded command gets its reply before views refresh
        # and before the re-flow rule runs.
        QTimer.singleShot(0, lambda: self._announce(entry, change, ended, logged))

    def _announce(self, entry: EntryV, change: Change, ended: EntryV | None, logged: bool) -> None:
        from planner.services import interruptions

        if logged and entry.source and entry.source not in self._sources:
            self.refresh_lists()
        self.changed.emit(change)
        if logged:
            self.logged.emit(entry)
        if ended is not None:
            with self._db.transaction() as s:
                advice = interruptions.reflow_advice(s, self._owner, self._zone, self._now(), ended)
            if advice is not None:
                self.reflow_suggested.emit(advice)

    # ------------------------------------------------------------------ the day log service

    def load(self, day: date) -> DayLog:
        from planner.services import interruptions, planning, tracking
        from ui.dialogs.interruption_log import DayLog

        now = self._now()
        with self._db.transaction() as s:
            entries = interruptions.day_interruptions(s, self._owner, day, self._zone)
            roles = planning.list_roles(s, self._owner, include_archived=True)
        return DayLog(
            day, tuple(entries), tuple(roles), tracking.summarise(entries, now).describe(), now
        )

    def edit(self, entry_id: int, **fields: Any) -> EntryV:
        from planner.services import tracking

        with self._db.transaction() as s:
            entry, change = tracking.edit_entry(s, self._owner, self._zone, entry_id, **fields)
        self.changed.emit(change)
        return entry

    def to_work(self, entry_id: int) -> None:
        self.edit(entry_id, kind="work")

    # ------------------------------------------------------------------ forwarded commands

    def handle_interrupt(self, args: dict[str, Any]) -> ipc.Reply:
        """`splitday interrupt …` from another process; with no fields it is the hotkey."""
        at = _parse_at(args.get("at")) or self._now()
        note = str(args.get("note") or "")
        source = str(args.get("source") or "")
        role_name = args.get("role")
        duration = args.get("duration")
        if not (note or source or role_name or duration):
            return ipc.Reply(True, self.on_hotkey(at))
        minutes = parse_minutes(str(duration)) if duration else None
        entry = self.log(
            at, note, source, None, minutes, role_name=str(role_name) if role_name else None
        )
        names = self._role_names
        flags = ", ".join(sorted(entry.flags))
        local = entry.start.astimezone(self._zone)
        return ipc.Reply(
            True,
            f"interruption logged at {local:%H:%M} ({names.get(entry.role_id or -1, '?')}; "
            f"{flags}) by the running Splitday",
            {"entry_id": entry.id, "start": entry.start.isoformat()},
        )

    def handle_resume(self, _args: dict[str, Any]) -> ipc.Reply:
        return ipc.Reply(True, self.back_to_work())


def _parse_at(text: Any) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        raise PlannerError("the forwarded time has no zone")
    return moment.astimezone(UTC)


# ---------------------------------------------------------------------- app wiring


def activate_from_outside(widget: QWidget) -> None:
    """Activate a window on a request that came from a socket, not from an X event.

    X ignores a focus request stamped earlier than the last focus change, and Qt stamps it with
    the last X event time it saw, which may be minutes old. Touching a property of our own window
    makes the server send a fresh timestamp (PropertyNotify); activate once it has arrived.
    """
    from PySide6.QtGui import QGuiApplication

    handle = widget.windowHandle()
    if QGuiApplication.platformName() != "xcb" or handle is None:
        widget.activateWindow()
        return
    title = handle.title()
    handle.setTitle(title + " ")
    handle.setTitle(title)
    QTimer.singleShot(30, widget.activateWindow)


@dataclass
class Wiring:
    """What install() built, for the main window to use (menu entries, settings page)."""

    instance: SingleInstance
    interruptions: Interruptions
    quick_log: QuickLog
    hotkeys: Hotkeys
    reflow_prompt: ReflowPrompt
    open_log: Callable[[date | None], InterruptionLogDialog]


def install(
    app: QCoreApplication,
    db: Database,
    zone: tzinfo,
    clock: Clock,
    window: QWidget,
    instance: SingleInstance,
    *,
    plan: Callable[[], None] | None = None,
) -> Wiring:
    """Build the quick log, hotkeys, prompt and server for `window`, then start listening."""
    from planner.services import planning
    from ui.dialogs.interruption_log import InterruptionLogDialog, ReflowPrompt
    from ui.dialogs.quick_log import QuickLog
    from ui.shell.hotkeys import Hotkeys

    quick_log = QuickLog(zone, parse_minutes)
    intr = Interruptions(db, db.owner, zone, clock.now, quick_log, parent=app)
    with db.transaction() as s:
        sequence = str(planning.get_setting(s, db.owner, "hotkey") or "")
        global_on = planning.get_setting(s, db.owner, "global_hotkey")
    hotkeys = Hotkeys(sequence, now=clock.now, global_enabled=global_on is not False, parent=app)
    hotkeys.install_app_shortcut(window)
    hotkeys.start_global()
    hotkeys.triggered.connect(intr.on_hotkey)
    app.aboutToQuit.connect(hotkeys.stop)

    prompt = ReflowPrompt()
    intr.reflow_suggested.connect(lambda advice: prompt.offer(advice.day, advice.reason))
    prompt.accepted.connect(intr.reflow)

    def bring_forward() -> None:
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        activate_from_outside(window)

    def show(_args: dict[str, Any]) -> ipc.Reply:
        bring_forward()
        return ipc.Reply(True, "Splitday is already running; brought its window forward")

    def toggle(_args: dict[str, Any]) -> ipc.Reply:
        if window.isVisible() and window.isActiveWindow():
            window.hide()
            return ipc.Reply(True, "hidden")
        bring_forward()
        return ipc.Reply(True, "shown")

    def plan_cmd(_args: dict[str, Any]) -> ipc.Reply:
        bring_forward()
        if plan is not None:
            plan()
        return ipc.Reply(True, "plan the day in the running Splitday")

    def quit_cmd(_args: dict[str, Any]) -> ipc.Reply:
        app.quit()
        return ipc.Reply(True, "quitting")

    instance.add_handlers(
        {
            "show": show,
            "toggle": toggle,
            "plan": plan_cmd,
            "quit": quit_cmd,
            "interrupt": intr.handle_interrupt,
            "resume": intr.handle_resume,
        }
    )
    instance.listen()
    app.aboutToQuit.connect(instance.release)

    dialogs: list[InterruptionLogDialog] = []

    def open_log(day: date | None = None) -> InterruptionLogDialog:
        if not dialogs:
            dialogs.append(InterruptionLogDialog(intr, zone, parse_minutes, window))
        dialog = dialogs[0]
        if day is None:
            with db.transaction() as s:
                day = planning.day_of(s, db.owner, clock.now(), zone)
        dialog.show_day(day)
        dialog.show()
        dialog.raise_()
        return dialog

    return Wiring(instance, intr, quick_log, hotkeys, prompt, open_log)
