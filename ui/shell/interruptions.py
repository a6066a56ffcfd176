"""Wires the interruption hotkey, quick log, single-instance commands and re-flow prompt."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from planner.domain.errors import PlannerError
from planner.domain.i18n import tr
from planner.domain.values import EntryV
from planner.platform import ipc
from ui.actions.interruptions import InterruptionActions
from ui.dialogs.quick_log import QuickLogEntry
from ui.formats import clock
from ui.gateway import Gateway, GatewayError, NotSaved, ReadFailed

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication

    from ui.dialogs.interruption_log import InterruptionLogDialog, ReflowPrompt
    from ui.dialogs.quick_log import QuickLog
    from ui.shell.hotkeys import Hotkeys
    from ui.shell.single_instance import SingleInstance

log = logging.getLogger(__name__)
# One key press may arrive through two hotkey layers: after it ended an interruption, the
# echo must not open a new one.
DEBOUNCE = 0.4


def parse_minutes(text: str) -> int:
    from planner.services.interruptions import parse_minutes as parse

    return parse(text)


class Interruptions(QObject):
    """The interruption actions of the app: the hotkey, the quick log, forwarded commands.

    Every read and write goes through the gateway (ui.actions.interruptions). A write that fails
    never loses what was typed: the quick log stays open with the text and says why.
    """

    reflow_suggested = Signal(object)  # planner.services.interruptions.ReflowAdvice
    logged = Signal(object)  # EntryV
    resumed = Signal(str)  # "back to work: Support (interruption 12 min)", for a toast/tray
    failed = Signal(str)  # a hotkey press that did nothing, in words (for a toast/tray)
    kept = Signal(str)  # "Saved on this device: …" while the shared server is away

    def __init__(
        self, gateway: Gateway, quick_log: QuickLog, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.service = InterruptionActions(gateway)
        self._gateway = gateway
        self._quick_log = quick_log
        self._resumed_at: float | None = None
        self._role_names: dict[int, str] = {}
        self._sources: list[str] = []
        quick_log.logged.connect(self._on_quick_log_logged)
        self.refresh_lists()

    def refresh_lists(self) -> None:
        """Roles and recent sources for the quick log, loaded ahead of any key press."""
        try:
            roles, sources = self.service.lists()
        except ReadFailed as exc:  # keep what the quick log has (asked again after a new source)
            log.warning("quick log lists: %s", exc)
            return
        self._role_names = {r.id: r.name for r in roles}
        self._sources = sources
        self._quick_log.set_roles(roles)
        self._quick_log.set_sources(sources)

    # ------------------------------------------------------------------ the hotkey

    def on_hotkey(self, at: datetime) -> str:
        """Open the quick log stamped at `at`, or go back to work if an interruption runs."""
        try:
            return self._hotkey(at)
        except (PlannerError, GatewayError) as exc:
            self.failed.emit(str(exc))
            return str(exc)

    def _hotkey(self, at: datetime) -> str:
        if self._quick_log.isVisible():
            self._quick_log.activateWindow()
            return tr("the quick log is already open")
        if self._resumed_at is not None and time.monotonic() - self._resumed_at < DEBOUNCE:
            return tr("ignored a repeated key press")
        try:
            run, default_role = self.service.hotkey_state(at)
        except ReadFailed as exc:  # let the person type anyway: the save says what happens
            if self.running_offline():  # an interruption kept here runs: back to work
                self._resumed_at = time.monotonic()
                return self.back_to_work()
            self._quick_log.open_at(at, None)
            self._quick_log.say(str(exc))
            return tr("quick log open")
        if run is not None and run.kind == "interruption":
            self._resumed_at = time.monotonic()
            return self.back_to_work()
        self._quick_log.open_at(at, default_role)
        return tr("quick log open")

    def _on_quick_log_logged(self, entry: QuickLogEntry) -> None:
        try:
            self.log(entry.at, entry.note, entry.source, entry.role_id, entry.minutes)
        except Kept as kept:  # the server is away: on this device, delivered when it is back
            self.kept.emit(str(kept))
        except PlannerError as exc:
            self._quick_log.restore(entry, str(exc))
        except NotSaved as exc:  # the disk, the server: keep it open with the text, retry
            self._quick_log.restore(entry, str(exc), retry=True)

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
        """Log an interruption (one transaction); the views hear of it after the caller.

        Raises PlannerError when the core refuses it, NotSaved when it could not be stored.
        """
        fields = {
            "note": note,
            "source": source,
            "role_id": role_id,
            "role": role_name,
            "minutes": minutes,
        }
        if self._behind_waiting():  # after what already waits, in order
            raise Kept(self._keep("interrupt", at, fields))
        outcome = self.service.log(at, note, source, role_id, minutes, role_name=role_name)
        if not outcome.ok and outcome.away and self._gateway.pending is not None:
            raise Kept(self._keep("interrupt", at, fields))
        if not outcome.ok:
            raise PlannerError(outcome.message) if outcome.refused else NotSaved(outcome.message)
        entry, _change = outcome.result()
        self._after(entry, entry if entry.end is not None else None)
        return entry

    def back_to_work(self) -> str:
        """End the running interruption; raises PlannerError or NotSaved when it did not.

        While the shared server is away it is kept on this device (the line says so)."""
        at = self._gateway.now()
        outcome = None if self._behind_waiting() else self.service.back_to_work()
        if outcome is None or (not outcome.ok and outcome.away and self._gateway.pending):
            text = self._keep("resume", at, {})
            self._say_kept(text)
            return text
        if not outcome.ok:
            raise PlannerError(outcome.message) if outcome.refused else NotSaved(outcome.message)
        done, _change = outcome.result()
        before, entry = done.ended, done.entry
        self._after(entry, before, logged=False)
        took = ""
        if before is not None:
            took = f" (interruption {round((done.at - before.start).total_seconds() / 60)} min)"
        if entry.end is None:
            text = tr("back to work: {get}{took}").format(
                get=self._role_names.get(entry.role_id or -1, "?"), took=took
            )
        else:
            text = tr("interruption ended{took}").format(took=took)
        self.resumed.emit(text)
        return text

    def _say_kept(self, text: str) -> None:
        # after the current event: a forwarded command gets its reply before a notice is sent
        QTimer.singleShot(0, lambda: self.kept.emit(text))

    def _behind_waiting(self) -> bool:
        """Changes wait on this device and the server is still away: a new one goes after
        them (delivering them first when it is back)."""
        if not self._gateway.waiting():
            return False
        self._gateway.deliver_pending()
        return bool(self._gateway.waiting())

    def _keep(self, kind: str, at: datetime, fields: dict[str, Any]) -> str:
        text = self._gateway.keep(kind, at, fields)
        assert text is not None
        return text

    def running_offline(self) -> bool:
        """Whether an interruption kept on this device is still running (the hotkey then
        means back to work, as it does online)."""
        for change in reversed(self._gateway.waiting()):
            if change.kind == "interrupt":
                return not change.fields.get("minutes")
            if change.kind in ("resume", "stop", "start"):
                return False
        return False

    def reflow(self, day: date) -> None:
        self.service.reflow(day)  # a failure is shown by the main window

    def _after(self, entry: EntryV, ended: EntryV | None, *, logged: bool = True) -> None:
        # After the current event: a forwarded command gets its reply before views refresh
        # and before the re-flow rule runs.
        QTimer.singleShot(0, lambda: self._announce(entry, ended, logged))

    def _announce(self, entry: EntryV, ended: EntryV | None, logged: bool) -> None:
        if logged and entry.source and entry.source not in self._sources:
            self.refresh_lists()
        if logged:
            self.logged.emit(entry)
        if ended is not None:
            try:
                advice = self.service.reflow_advice(ended)
            except ReadFailed as exc:
                log.warning("re-flow advice: %s", exc)
                return
            if advice is not None:
                self.reflow_suggested.emit(advice)

    # ------------------------------------------------------------------ forwarded commands

    def handle_interrupt(self, args: dict[str, Any]) -> ipc.Reply:
        """`splitday interrupt …` from another process; with no fields it is the hotkey."""
        at = _parse_at(args.get("at")) or self._gateway.now()
        note = str(args.get("note") or "")
        source = str(args.get("source") or "")
        role_name = args.get("role")
        duration = args.get("duration")
        if not (note or source or role_name or duration):
            return ipc.Reply(True, self._hotkey(at))
        minutes = parse_minutes(str(duration)) if duration else None
        try:
            entry = self.log(
                at, note, source, None, minutes, role_name=str(role_name) if role_name else None
            )
        except Kept as kept:
            self._say_kept(str(kept))
            return ipc.Reply(True, tr("{kept} (by the running Splitday)").format(kept=kept))
        except NotSaved as exc:  # what was sent is kept in the quick log, retried from there
            typed = QuickLogEntry(at, note, source, self._role_for(at, role_name), minutes)
            if self._quick_log.restore(typed, str(exc), retry=True):
                raise NotSaved(
                    tr("{exc}; the quick log holds it until it is saved").format(exc=exc)
                ) from exc
            raise
        names = self._role_names
        words = self.service.in_words(entry)
        local = entry.start.astimezone(self._gateway.zone)
        role = names.get(entry.role_id or -1, "?")
        return ipc.Reply(
            True,
            tr("interruption logged at {time} ({role}{value}) by the running Splitday").format(
                time=clock(local), role=role, value="; " + words if words else ""
            ),
            {"entry_id": entry.id, "start": entry.start.isoformat()},
        )

    def _role_for(self, at: datetime, name: Any) -> int | None:
        """The role a forwarded interruption gets: the one named, else the default at `at`."""
        if name:
            wanted = str(name).strip().casefold()
            return next((i for i, n in self._role_names.items() if n.casefold() == wanted), None)
        try:
            return self.service.hotkey_state(at)[1]
        except ReadFailed:
            return None

    def handle_resume(self, _args: dict[str, Any]) -> ipc.Reply:
        return ipc.Reply(True, self.back_to_work())


class Kept(Exception):
    """The change is kept on this device until the shared server is back (str: the line)."""


def _parse_at(text: Any) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        raise PlannerError(tr("the forwarded time has no zone"))
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
    gateway: Gateway,
    window: QWidget,
    instance: SingleInstance,
    *,
    plan: Callable[[], None] | None = None,
) -> Wiring:
    """Build the quick log, hotkeys, prompt and server for `window`, then start listening."""
    from ui.dialogs.interruption_log import InterruptionLogDialog, ReflowPrompt
    from ui.dialogs.quick_log import QuickLog
    from ui.shell.hotkeys import Hotkeys

    quick_log = QuickLog(gateway.zone, parse_minutes)
    intr = Interruptions(gateway, quick_log, parent=app)
    try:
        sequence = str(gateway.setting("hotkey") or "")
        global_on = gateway.setting("global_hotkey")
    except ReadFailed as exc:  # the built-in key still works
        log.warning("hotkey settings: %s", exc)
        sequence, global_on = "", None
    hotkeys = Hotkeys(
        sequence, now=gateway.clock.now, global_enabled=global_on is not False, parent=app
    )
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
        return ipc.Reply(True, tr("Splitday is already running; brought its window forward"))

    def toggle(_args: dict[str, Any]) -> ipc.Reply:
        if window.isVisible() and window.isActiveWindow():
            window.hide()
            return ipc.Reply(True, tr("hidden"))
        bring_forward()
        return ipc.Reply(True, tr("shown"))

    def plan_cmd(_args: dict[str, Any]) -> ipc.Reply:
        bring_forward()
        if plan is not None:
            plan()
        return ipc.Reply(True, tr("plan the day in the running Splitday"))

    def quit_cmd(_args: dict[str, Any]) -> ipc.Reply:
        app.quit()
        return ipc.Reply(True, tr("quitting"))

    def changed(_args: dict[str, Any]) -> ipc.Reply:
        """`splitday import`, `task add`, … wrote to the database: every view reads it again
        (after the reply, so the command line never waits for a redraw)."""
        from planner.domain.values import Change, Topic

        def reread() -> None:
            gateway.broadcast(Change(frozenset(Topic)))
            intr.refresh_lists()  # a role or a source may be new

        QTimer.singleShot(0, reread)
        return ipc.Reply(True, "")

    instance.add_handlers(
        {
            "show": show,
            "toggle": toggle,
            "plan": plan_cmd,
            "quit": quit_cmd,
            "changed": changed,
            "interrupt": intr.handle_interrupt,
            "resume": intr.handle_resume,
        }
    )
    instance.listen()
    app.aboutToQuit.connect(instance.release)

    dialogs: list[InterruptionLogDialog] = []

    def follow_zone(zone: Any) -> None:
        quick_log.set_zone(zone)
        for dialog in dialogs:
            dialog.model.set_zone(zone)

    gateway.zone_changed.connect(follow_zone)

    def open_log(day: date | None = None) -> InterruptionLogDialog:
        if not dialogs:
            dialogs.append(InterruptionLogDialog(intr.service, gateway.zone, parse_minutes, window))
        dialog = dialogs[0]
        if day is None:
            try:
                day = gateway.today()
            except ReadFailed:
                day = gateway.now().astimezone(gateway.zone).date()
        dialog.show_day(day)
        dialog.show()
        dialog.raise_()
        return dialog

    return Wiring(instance, intr, quick_log, hotkeys, prompt, open_log)
