"""Reminders on a timer: when the plan says so, through desktop → tray → toast; gap questions."""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime, timedelta, tzinfo

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from planner.domain.i18n import tr
from planner.platform.notify import FallbackChain, Notice, Notifier, NotifyFailed, PlyerNotifier
from planner.services import gaps
from planner.services.reminders import Kind, Reminder
from ui.actions.reminders import ReminderActions
from ui.dialogs.gap import GapDialog
from ui.gateway import Gateway, ReadFailed
from ui.widgets.toast import ToastNotifier, ToastStack

log = logging.getLogger(__name__)

HEARTBEAT_MS = 30_000
IdleProbe = Callable[[], timedelta | None]


# ---------------------------------------------------------------- notifiers on the GUI side


class TrayNotifier:
    """The tray icon's balloon message, when a tray icon is visible."""

    name = "tray"

    def __init__(self, tray: QSystemTrayIcon) -> None:
        self.tray = tray

    def notify(self, notice: Notice) -> None:
        if not (
            QSystemTrayIcon.isSystemTrayAvailable()
            and QSystemTrayIcon.supportsMessages()
            and self.tray.isVisible()
        ):
            raise NotifyFailed("no visible tray icon")
        icon = (
            QSystemTrayIcon.MessageIcon.Warning
            if notice.urgent
            else QSystemTrayIcon.MessageIcon.Information
        )
        # an urgent notice stays as long as the tray lets it (0 = the system's longest)
        self.tray.showMessage(notice.title, notice.body, icon, 0 if notice.urgent else 10_000)


class Dispatcher(QObject):
    """Sends each notice: the desktop chain in a worker thread (it may wait on D-Bus or a
    subprocess), and only if that fails the GUI chain (tray, toast) on the GUI thread."""

    delivered = Signal(object, str)  # Notice, the backend that showed it ("" = none)
    _desktop_finished = Signal(object, str)

    def __init__(
        self,
        desktop: Notifier | None,
        gui: Sequence[Notifier],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._desktop = FallbackChain([desktop]) if desktop is not None else None
        self._gui = FallbackChain(list(gui))
        self._toasts = FallbackChain([n for n in gui if n.name == "toast"])  # never the tray
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="splitday-notify")
        self._desktop_finished.connect(self._on_self_desktop_finished)

    def send(self, notice: Notice) -> None:
        if self._desktop is None:
            self._show_in_app(notice)
            return
        chain = self._desktop
        future = self._pool.submit(chain.deliver, notice)

        def done(f: Future[str | None]) -> None:
            try:
                name = f.result() or ""
            except Exception:  # never reached: deliver() catches everything
                name = ""
            self._desktop_finished.emit(notice, name)

        future.add_done_callback(done)

    def _on_self_desktop_finished(self, notice: Notice, name: str) -> None:
        if name:
            self.delivered.emit(notice, name)
            if notice.also_in_app:  # the desktop holds it while its DND is on: the plan speaks
                self._toasts.deliver(notice)
        else:
            self._show_in_app(notice)

    def _show_in_app(self, notice: Notice) -> None:
        self.delivered.emit(notice, self._gui.deliver(notice) or "")

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# ---------------------------------------------------------------- idle time


class _XScreenSaverInfo(ctypes.Structure):
    _fields_ = [
        ("window", ctypes.c_ulong),
        ("state", ctypes.c_int),
        ("kind", ctypes.c_int),
        ("til_or_since", ctypes.c_ulong),
        ("idle", ctypes.c_ulong),
        ("event_mask", ctypes.c_ulong),
    ]


class X11Idle:
    """Idle time from the X server's MIT-SCREEN-SAVER extension (libXss)."""

    def __init__(self) -> None:
        x11 = ctypes.util.find_library("X11")
        xss = ctypes.util.find_library("Xss")
        if not (x11 and xss and os.environ.get("DISPLAY")):
            raise OSError("no X11 display or libXss")
        self._x = ctypes.CDLL(x11)
        self._xss = ctypes.CDLL(xss)
        self._x.XOpenDisplay.restype = ctypes.c_void_p
        self._x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self._x.XDefaultRootWindow.restype = ctypes.c_ulong
        self._x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self._x.XFree.argtypes = [ctypes.c_void_p]
        self._xss.XScreenSaverAllocInfo.restype = ctypes.POINTER(_XScreenSaverInfo)
        self._xss.XScreenSaverQueryInfo.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.POINTER(_XScreenSaverInfo),
        ]
        self._display = self._x.XOpenDisplay(None)
        if not self._display:
            raise OSError("cannot open the X display")
        self._root = self._x.XDefaultRootWindow(self._display)
        self._info = self._xss.XScreenSaverAllocInfo()

    def __call__(self) -> timedelta | None:
        if not self._xss.XScreenSaverQueryInfo(self._display, self._root, self._info):
            return None
        return timedelta(milliseconds=int(self._info.contents.idle))


def default_idle_probe() -> IdleProbe | None:
    """X11's idle counter on a plain X session; the desktop's D-Bus idle interfaces otherwise
    (planner.platform.idle: under Wayland an X client sees only XWayland's input, so X11 would
    lie there), where a screen lock and a suspend count as away too."""
    app = QApplication.instance()
    platform = app.platformName() if isinstance(app, QApplication) else ""
    wayland = bool(os.environ.get("WAYLAND_DISPLAY"))
    if platform == "xcb" and not wayland:
        try:
            return X11Idle()
        except OSError as exc:
            log.info("X11 idle time unavailable: %s", exc)
    from planner.platform.idle import IdleUnavailable, SessionIdle

    try:
        return SessionIdle()  # Mutter's IdleMonitor, the ScreenSaver, and logind's signals
    except (IdleUnavailable, ImportError) as exc:
        log.info("D-Bus idle time unavailable: %s; idle gaps are off", exc)
    return None


def boot_seconds() -> float | None:
    """CLOCK_BOOTTIME (runs on during suspend, unlike the monotonic clock), where there is one."""
    clock_id = getattr(time, "CLOCK_BOOTTIME", None)
    return time.clock_gettime(clock_id) if clock_id is not None else None


def machine_clocks(clock: object) -> tuple[Callable[[], float], Callable[[], float | None]]:
    """The monotonic and boot clocks the heartbeat compares with the wall clock: the machine's,
    or a stepped test clock's own (planner.domain.clock.FileClock steps them with its moments)."""
    monotonic, boottime = getattr(clock, "monotonic", None), getattr(clock, "boottime", None)
    if getattr(clock, "stepped", False) and callable(monotonic) and callable(boottime):
        return monotonic, boottime
    return time.monotonic, boot_seconds


# ---------------------------------------------------------------- the service


class ReminderService(QObject):
    """Sleeps until the plan's next reminder; a heartbeat catches clock jumps, sleep and idle.

    The integrator calls `refresh()` whenever a Change touches slots, tasks, the day, entries
    or settings. The zone is the gateway's: a system zone change is followed there, once.
    """

    fired = Signal(object)  # Reminder
    gap_found = Signal(object)  # planner.services.gaps.Gap
    changed = Signal(object)  # planner.domain.values.Change (delivered record, gap entries)

    def __init__(
        self,
        gateway: Gateway,
        dispatcher: Dispatcher,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        boottime: Callable[[], float | None] = boot_seconds,
        idle_probe: IdleProbe | None = None,
        heartbeat_ms: int = HEARTBEAT_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.gateway = gateway
        self.service = ReminderActions(gateway)
        self.clock = gateway.clock
        self.dispatcher = dispatcher
        self._monotonic, self._boottime = monotonic, boottime
        self._idle_probe = idle_probe
        try:
            threshold = self.service.gap_threshold()
        except ReadFailed as exc:
            log.warning("reminders: %s; gaps of 10 min are asked about", exc)
            threshold = timedelta(minutes=10)
        self.sleep = gaps.SleepDetector(threshold)
        self.idle = gaps.IdleTracker(threshold)
        self.book = gaps.GapBook(threshold)
        self.next_due: datetime | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(heartbeat_ms)
        self._heartbeat.timeout.connect(self._on_heartbeat_timeout)
        self._failed_once = False
        self.asker: GapAsker | None = None
        self.dnd_active: Callable[[], bool] = lambda: False  # ui.shell.focus_dnd sets these
        self.dnd_holds: Callable[[], bool] = lambda: False
        self.toasts: ToastStack | None = None  # the in-app toasts (closed when a day is over)
        gateway.zone_changed.connect(self._on_gateway_zone_changed)

    @property
    def zone(self) -> tzinfo:
        return self.gateway.zone

    def start(self) -> None:
        self.sleep.observe(self.clock.now(), self._monotonic(), self._boottime())
        self._heartbeat.start()
        self.refresh()

    def stop(self) -> None:
        self._timer.stop()
        self._heartbeat.stop()
        self.dispatcher.shutdown()

    def set_zone(self, zone: tzinfo) -> None:
        self.gateway.set_zone(zone)  # the gateway tells the service back (zone_changed)

    def _on_gateway_zone_changed(self, _zone: tzinfo) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Deliver what is due now and sleep until the next reminder."""
        now = self.clock.now()
        outcome = self.service.check(now)
        if not outcome.ok:  # a database hiccup must not stop the app; try on the next beat
            if not self._failed_once:
                self._failed_once = True
                log.warning("reminders: %s", outcome.message)
            return
        self._failed_once = False
        result, _change = outcome.result()
        for reminder in result.fire:
            self._deliver(reminder)
        if result.change.topics:
            self.changed.emit(result.change)
        self.next_due = result.next_due
        self._timer.stop()
        if result.next_due is not None:
            wait = (result.next_due - now).total_seconds()
            if wait * 1000 < self._heartbeat.interval() * 2:
                self._timer.start(max(0, int(wait * 1000) + 50))

    def _deliver(self, reminder: Reminder) -> None:
        notice = Notice(
            reminder.title,
            reminder.body,
            reminder.key,
            urgent=reminder.kind == Kind.HARD_STOP,
            critical=self.dnd_active(),  # the plan gets through the desktop's Do Not Disturb
            also_in_app=self.dnd_holds(),  # ...or, where it holds everything, shows in the app
        )
        self.dispatcher.send(notice)
        self.fired.emit(reminder)

    def _on_timer_timeout(self) -> None:
        self.refresh()

    def _on_heartbeat_timeout(self) -> None:
        self.beat()

    def beat(self) -> None:
        """One heartbeat: notice sleep, clock jumps, idle and zone changes, then re-check."""
        now = self.clock.now()
        seen = self.sleep.observe(now, self._monotonic(), self._boottime())
        found = [seen.gap] if seen.gap else []
        if self._idle_probe is not None:
            try:
                idle_gap = self.idle.observe(now, self._idle_probe())
            except Exception:  # an idle probe must never break the heartbeat
                log.exception("idle probe failed; idle gaps are off")
                self._idle_probe, idle_gap = None, None
            if idle_gap is not None:
                found.append(idle_gap)
        self.gateway.follow_zone()  # a change is heard back through zone_changed
        for gap in found:
            reported = self.book.report(gap)
            if reported is not None:
                self.gap_found.emit(reported)
        self.refresh()


class GapAsker(QObject):
    """Shows the gap dialog for each gap and logs the answer (one transaction each)."""

    recorded = Signal(object)  # Change

    def __init__(
        self,
        gateway: Gateway,
        parent_widget: Callable[[], QWidget | None] = lambda: None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.gateway, self._parent_widget = gateway, parent_widget
        self.service = ReminderActions(gateway)
        self.dialogs: list[GapDialog] = []

    def ask(self, gap: gaps.Gap) -> GapDialog | None:
        try:
            roles, running, suggested, asked = self.service.gap_context(gap)
        except ReadFailed as exc:  # asked again with the next gap; nothing is lost meanwhile
            log.warning("could not ask about the gap: %s", exc)
            return None
        if asked is None:  # the log counted no work in it (the lunch logged as a break, a
            return None  # closed day, a pause): there is nothing to correct, nothing to ask
        gap = asked
        dialog = GapDialog(
            gap,
            roles,
            self.gateway.zone,
            suggested=suggested,
            role_id=running.role_id if running else None,
            parent=self._parent_widget(),
        )
        dialog.answered.connect(lambda _answer: self._on_dialog_answered(dialog))
        dialog.finished.connect(lambda _: self._forget(dialog))
        self.dialogs.append(dialog)
        dialog.show()
        return dialog

    def _forget(self, dialog: GapDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
        dialog.deleteLater()

    def _on_dialog_answered(self, dialog: GapDialog) -> None:
        answer = dialog.answer()
        outcome = self.service.record_gap(
            dialog.gap, answer.kind, role_id=answer.role_id, note=answer.note
        )
        if not outcome.ok:  # the dialog stays, with the answer and why it was not logged
            dialog.keep_open(outcome.message)
            return
        _, change = outcome.result()
        if change.topics:
            self.recorded.emit(change)


def install(
    app: QApplication,
    gateway: Gateway,
    tray: QSystemTrayIcon | None = None,
    window: Callable[[], QWidget | None] = lambda: None,
    *,
    desktop: Notifier | None = None,
    start: bool = True,
) -> ReminderService:
    """Build and start the reminder service for the app (called once from ui/shell/app.py).

    `window` returns the main window (toasts sit in its corner, the gap dialog on it).
    What the service writes (delivered reminders, logged gaps) is broadcast by the gateway;
    call `service.refresh()` after every Change to slots, tasks, the day, entries or settings
    (it is cheap: a few queries).
    """
    gui: list[Notifier] = []
    if tray is not None:
        gui.append(TrayNotifier(tray))

    def workday() -> date | None:
        try:
            return gateway.today()
        except ReadFailed:
            return None

    toasts = ToastStack(window, day=workday)
    gui.append(ToastNotifier(toasts))
    dispatcher = Dispatcher(desktop or PlyerNotifier(), gui, parent=app)
    monotonic, boottime = machine_clocks(gateway.clock)
    service = ReminderService(
        gateway,
        dispatcher,
        monotonic=monotonic,
        boottime=boottime,
        idle_probe=default_idle_probe(),
        parent=app,
    )
    asker = GapAsker(gateway, window, parent=service)
    service.gap_found.connect(asker.ask)
    asker.recorded.connect(service.changed)  # one signal for the app to broadcast
    asker.recorded.connect(lambda _change: service.refresh())
    service.asker = asker
    service.toasts = toasts
    app.aboutToQuit.connect(service.stop)
    if start:
        service.start()
    return service


# ---------------------------------------------------------------- a small entry point


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m ui.shell.reminders --db URL`: only the reminder service (e2e tests, demos)."""
    parser = argparse.ArgumentParser(prog="python -m ui.shell.reminders")
    parser.add_argument("--db", help=tr("database URL (default: the user's)"))
    parser.add_argument("--quit-after", type=float, default=0, help=tr("seconds, 0 = run on"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from planner.domain.clock import clock_from_env, local_zone
    from ui.gateway import SystemZone, open_gateway

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Splitday")
    gateway = open_gateway(args.db, clock_from_env(), local_zone(), zone_source=SystemZone())
    service = install(app, gateway, start=False)

    def report(notice: Notice, backend: str) -> None:
        print(
            f"delivered via {backend or 'nothing'}: {notice.title} — {notice.body}", flush=True
        )  # not translated: a developer's diagnostic

    service.dispatcher.delivered.connect(report)
    service.gap_found.connect(
        lambda gap: print(f"gap: {gap}", flush=True)
    )  # not translated: a developer's diagnostic
    service.start()
    print(
        f"reminders running; next due {service.next_due}", flush=True
    )  # not translated: a developer's diagnostic
    if args.quit_after:
        QTimer.singleShot(int(args.quit_after * 1000), app.quit)
    try:
        return app.exec()
    finally:
        gateway.close()


if __name__ == "__main__":
    sys.exit(main())
