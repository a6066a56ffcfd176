"""`main()`: the one place that builds and wires everything."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.domain.i18n import ntr, tr
from planner.platform.paths import data_dir

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from planner.storage.db import Database
    from ui.day_data import DaySnapshot
    from ui.dialogs.interruption_log import ReflowPrompt
    from ui.gateway import Gateway
    from ui.shell import plan_cache
    from ui.shell.main_window import MainWindow
    from ui.shell.single_instance import SingleInstance
    from ui.widgets.toast import ToastStack

NO_DISPLAY = tr(
    "splitday: no display found (DISPLAY and WAYLAND_DISPLAY are unset). Run it in a desktop "
    "session, under Xvfb (xvfb-run splitday), or with QT_QPA_PLATFORM=offscreen."
)
TICK_CHECK_MS = 15_000
STEPPED_TICK_CHECK_MS = 200  # a clock stepped from outside (planner.domain.clock.FileClock)
BACKUP_DELAY_MS = 20_000  # after start-up has settled
BACKUP_CHECK_MS = 3 * 3600 * 1000  # an app left running past midnight backs up the new day
CONNECT_FALLBACK_MS = 1500


def has_display() -> bool:
    if sys.platform != "linux":
        return True
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cache_path() -> Path:
    return data_dir() / "today-cache.json"


def cache_key(db_url: str | None) -> str:
    """Which database and owner a cached plan belongs to (as planner.storage.db resolves them)."""
    from planner.platform.paths import current_owner

    url = db_url or os.environ.get("SPLITDAY_DB_URL") or "default"
    return f"{url}|{current_owner()}"


def ui_settings() -> QSettings:
    """Window layout and session flags, next to the database in the user's data folder."""
    from PySide6.QtCore import QSettings

    return QSettings(str(data_dir() / "ui.ini"), QSettings.Format.IniFormat)


def _when(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime).astimezone().strftime("%a %d %b %Y %H:%M")


def _database_error(exc: Exception) -> str:
    detail = getattr(exc, "orig", None) or exc
    return tr("cannot open the database: {name}: {detail}").format(
        name=type(exc).__name__, detail=detail
    )


class Runtime:
    """What the running app holds after start-up: the database, the gateway, the ticking clock."""

    def __init__(
        self, app: QApplication, window: MainWindow, settings: QSettings, db_url: str | None
    ) -> None:
        self.app, self.window, self.settings, self.db_url = app, window, settings, db_url
        self.db: Database | None = None
        self.gateway: Gateway | None = None
        self.tray: Any = None
        self.offline: Any = None  # ui.shell.offline.OfflineWatch on a shared server
        self.features: Any = None  # what wire_features built (kept alive with the runtime)
        self.quiet: Any = None  # the Do Not Disturb controller, once wired
        self.recovered = 0
        self.notice = ""  # what start-up did that the person should know (a restore, say)
        self.failure = ""
        self.in_exec = False  # main() runs the event loop
        self.started: list[Callable[[Runtime], None]] = []  # run once the tray and timer exist
        # run at each new minute of a stepped clock, whose moves no real-time timer can foresee
        self.stepped_hooks: list[Callable[[], None]] = []
        self._last_minute: datetime | None = None
        self._timer: Any = None
        self._closed = False
        self._connecting = False
        self._state_hooked = False  # ticks on the application's state changes
        self._quit_hooked = False  # a last heartbeat when the application quits
        self._week_day: date | None = None  # the day the workday hours were last read

    def connect(self) -> bool:
        """Open the database (after the first paint), then show today and start ticking."""
        if self.db is not None or self._closed:  # connected already (first paint or fallback)
            return self.db is not None
        if self._connecting:  # a modal box's event loop let the fallback timer in
            return False
        self._connecting = True
        try:
            return self._connect()
        finally:
            self._connecting = False

    def _connect(self) -> bool:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QMessageBox

        from planner.domain.clock import local_zone
        from planner.services import planning
        from planner.storage.db import DatabaseCorrupt, StorageError, open_database
        from ui.gateway import Gateway, SystemZone

        try:
            # a shared server that is away: the app starts on what it last saw (the cached
            # plan stays on screen), keeps its tracking writes here and says "offline since"
            self.db = open_database(self.db_url, offline_ok=True)
            if self.db.unchecked is None:
                with self.db.transaction() as session:
                    planning.ensure_defaults(session, self.db.owner)
        except Exception as exc:  # the one place that reports a database that will not open
            if isinstance(exc, DatabaseCorrupt) and self._offer_recovery(str(exc)):
                return self._connect()  # restored, or started fresh: try once more
            message = str(exc) if isinstance(exc, StorageError) else _database_error(exc)
            self.failure = message
            print(f"splitday: {message}", file=sys.stderr)
            self.window.statusBar().showMessage(message)
            if not os.environ.get("SPLITDAY_NO_DIALOGS"):
                QMessageBox.critical(self.window, tr("Splitday"), message)
            if self.in_exec:  # (exit() outside exec() would stall every later event loop)
                self.app.exit(1)
            return False
        window = self.window
        # the gateway holds the one notion of the user's zone: the system's, followed as it moves
        follows_system = window.zone == local_zone()
        self.gateway = Gateway(
            self.db,
            window.clock,
            window.zone,
            window.undo_stack,
            window,
            zone_source=SystemZone() if follows_system else None,
        )
        if self.db.unchecked is not None:
            self.gateway.went_offline(self.db.unchecked)
        elif self.settings.value("session/running", False, type=bool):
            self.recovered = self.gateway.recover()
        self.settings.setValue("session/running", True)
        self.settings.sync()
        self.app.aboutToQuit.connect(self._on_app_about_to_quit)
        self._quit_hooked = True
        window.today_loaded.connect(self._on_window_today_loaded)
        window.attach(self.gateway)
        if self.recovered:
            window.statusBar().showMessage(
                ntr(
                    "Splitday did not quit cleanly last time: {n} open entry was closed at the "
                    "last sign of life and marked for review.",
                    "Splitday did not quit cleanly last time: {n} open entries were closed at "
                    "the last sign of life and marked for review.",
                    self.recovered,
                ).format(n=self.recovered),
                20000,
            )
        if self.notice:
            window.statusBar().showMessage(self.notice, 30000)
        QTimer.singleShot(0, self._after_start)
        return True

    def _offer_recovery(self, message: str) -> bool:
        """A damaged SQLite file: offer the newest backup, or a fresh start with the damaged file
        kept aside. Nothing is ever overwritten. True when the database may be opened again."""
        from PySide6.QtWidgets import QMessageBox

        from planner.storage.db import (
            StorageError,
            list_backups,
            resolve_url,
            restore_sqlite,
            set_aside,
            sqlite_path,
        )

        path = sqlite_path(resolve_url(self.db_url))
        if path is None or not path.exists() or os.environ.get("SPLITDAY_NO_DIALOGS"):
            return False
        backups = list_backups(path)
        text = message[:1].upper() + message[1:]
        box = QMessageBox(QMessageBox.Icon.Critical, tr("Splitday"), text, parent=self.window)
        box.setInformativeText(
            tr("The newest backup is from {when}.").format(when=_when(backups[0]))
            if backups
            else tr("There is no backup of this file yet.")
        )
        restore = box.addButton(tr("&Restore the newest backup"), QMessageBox.ButtonRole.AcceptRole)
        restore.setEnabled(bool(backups))
        fresh = box.addButton(
            tr("Start &fresh (keep the damaged file aside)"), QMessageBox.ButtonRole.DestructiveRole
        )
        box.addButton(tr("&Quit"), QMessageBox.ButtonRole.RejectRole)
        box.setObjectName("recovery_box")
        box.exec()
        try:
            if box.clickedButton() is restore and backups:
                kept = restore_sqlite(path, backups[0])
                self.notice = tr("Restored {name}; the damaged file is kept as {kept}").format(
                    name=backups[0].name, kept=kept
                )
                return True
            if box.clickedButton() is fresh:
                kept = set_aside(path, "damaged")
                self.notice = tr("Started fresh; the damaged file is kept as {kept}").format(
                    kept=kept
                )
                return True
        except (OSError, StorageError) as exc:
            QMessageBox.critical(
                self.window, tr("Splitday"), tr("That did not work: {exc}").format(exc=exc)
            )
        return False

    def _after_start(self) -> None:
        """What can wait until today's plan is on screen: the first tick, the timer, the tray."""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QSystemTrayIcon

        window = self.window
        window.tick()
        self._last_minute = self._minute()
        self._timer = QTimer(window)
        stepped = bool(getattr(window.clock, "stepped", False))
        self._timer.setInterval(STEPPED_TICK_CHECK_MS if stepped else TICK_CHECK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()
        self.app.applicationStateChanged.connect(self._on_app_state_changed)
        self._state_hooked = True
        if QSystemTrayIcon.isSystemTrayAvailable():
            from ui.shell.tray import Tray

            self.tray = Tray(window)
            self.tray.show()
            window.focus_changed.emit(window.focus)
            self.app.setQuitOnLastWindowClosed(False)
        for hook in self.started:
            hook(self)
        # a copy of the database once a day, soon after start and then while the app runs on
        QTimer.singleShot(BACKUP_DELAY_MS, self.backup_daily)
        self._backup_timer = QTimer(window)
        self._backup_timer.setInterval(BACKUP_CHECK_MS)
        self._backup_timer.timeout.connect(self.backup_daily)
        self._backup_timer.start()

    def backup_daily(self) -> Path | None:
        """The day's backup of a SQLite database, once a day; the newest N are kept (setting
        backups_kept). A failure is said in the status bar and changes nothing."""
        from planner.storage.db import StorageError, daily_backup, resolve_url, sqlite_path
        from ui.gateway import GatewayError

        path = sqlite_path(resolve_url(self.db_url))
        if path is None or self.gateway is None:
            return None
        try:
            keep = int(self.gateway.setting("backups_kept"))
            return daily_backup(path, keep=max(1, keep))
        except (OSError, StorageError, GatewayError) as exc:
            self.window.statusBar().showMessage(
                tr("The daily backup failed: {exc}").format(exc=exc), 15000
            )
            return None

    def _on_window_today_loaded(self, snapshot: DaySnapshot) -> None:
        from ui.shell import plan_cache

        plan_cache.save(cache_path(), cache_key(self.db_url), snapshot, self._week(snapshot))

    def _week(self, snapshot: DaySnapshot) -> plan_cache.Week | None:
        """The workday hours of each weekday, read once a day (kept with today's plan: they
        draw a day the shared server has not shown yet while it is away)."""
        from planner.services import planning
        from ui.gateway import GatewayError

        gateway = self.gateway
        if gateway is None or self._week_day == snapshot.day:
            return None
        try:
            week = gateway.read(
                lambda s: tuple(
                    planning.workday_hours(s, gateway.owner, weekday)[1:] for weekday in range(7)
                )
            )
        except GatewayError:
            return None
        self._week_day = snapshot.day
        return week

    def _minute(self) -> datetime:
        return self.window.clock.now().replace(second=0, microsecond=0)

    def _on_timer_timeout(self) -> None:
        minute = self._minute()
        if minute != self._last_minute:  # a new minute, or back from suspend
            self._last_minute = minute
            self.window.tick()
            for hook in self.stepped_hooks:
                hook()

    def _on_app_state_changed(self, state: Any) -> None:
        from PySide6.QtCore import Qt

        if state == Qt.ApplicationState.ApplicationActive:
            self._on_timer_timeout()  # back from suspend: a new minute; a mere focus change: not

    def _on_app_about_to_quit(self) -> None:
        if self.gateway is not None:
            self.gateway.tick()
        self.settings.setValue("session/running", False)
        self.settings.sync()

    def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.stop()
        if self._state_hooked:  # a closed runtime never ticks (nor opens a connection) again
            self.app.applicationStateChanged.disconnect(self._on_app_state_changed)
            self._state_hooked = False
        if self._quit_hooked:
            self.app.aboutToQuit.disconnect(self._on_app_about_to_quit)
            self._quit_hooked = False
        if self.db is not None:
            self.db.close()
            self.db = None


def build(db_url: str | None = None) -> tuple[QApplication, MainWindow, Runtime]:
    """The application, its main window (shown) and the runtime that connects after painting."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from planner.domain.clock import clock_from_env, local_zone
    from ui import theme
    from ui.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Splitday")
    app.setOrganizationName("Splitday")
    from ui.formats import install_translations
    from ui.shell.desktop import apply_icon, apply_identity

    install_translations(app)  # before any widget exists: its texts and layout direction
    # one app id everywhere (desktop file, window class); the icon follows the first paint
    apply_identity(app, icon=False)
    theme.follow_system(app)
    settings = ui_settings()
    clock, zone = clock_from_env(), local_zone()
    window = MainWindow(settings, clock, zone)
    runtime = Runtime(app, window, settings, db_url)

    def last_seen() -> DaySnapshot | None:
        from ui.shell import plan_cache

        return plan_cache.load_any(cache_path(), cache_key(db_url), clock.now(), window.zone)

    def week_seen() -> plan_cache.Week | None:
        from ui.shell import plan_cache

        return plan_cache.load_week(cache_path(), cache_key(db_url))

    window.last_seen = last_seen  # a day never seen, drawn while the server is away
    window.week_seen = week_seen  # and its workday hours

    def after_first_paint() -> None:
        """Today's plan as last seen, painted at once; then the database (slower) takes over."""
        from ui.shell import plan_cache

        window.tasks  # noqa: B018 - builds the task list, kept out of the first frame
        cached = plan_cache.load(cache_path(), cache_key(db_url), clock.now(), zone)
        if cached is not None and window.gateway is None:
            window.show_cached(cached)
            window.repaint()  # on screen before opening the database blocks the loop
        apply_icon(app)
        QTimer.singleShot(0, runtime.connect)

    window.first_painted.connect(lambda: QTimer.singleShot(0, after_first_paint))
    # a window that is never painted (started hidden, say) must still get its data
    fallback = QTimer(window)
    fallback.setSingleShot(True)
    fallback.timeout.connect(lambda: apply_icon(app))
    fallback.timeout.connect(runtime.connect)
    fallback.start(CONNECT_FALLBACK_MS)
    window.show()
    return app, window, runtime


class MorningPlan:
    """The morning rule as the app lives on: Plan my day opens by itself on the first look at a
    workday with no plan yet (planner.services.day.morning_plan_due), at start-up and again when
    the clock passes into the next day while the app runs (left open overnight, or asleep)."""

    def __init__(self, gateway: Gateway, open_plan: Callable[[], None], *, enabled: bool = True):
        self.gateway, self.open_plan, self.enabled = gateway, open_plan, enabled
        self.day: date | None = None  # the day last looked at

    def check(self) -> bool:
        """Open Plan my day if today is new and its plan is due; True when it opened."""
        from ui.actions.plan_day import PlanDayActions
        from ui.gateway import ReadFailed

        try:
            today = self.gateway.today()
            if today == self.day:
                return False
            due = PlanDayActions(self.gateway, today).plan_due()
        except ReadFailed:  # asked again at the next look
            return False
        self.day = today
        if due and self.enabled:
            self.open_plan()
            return True
        return False


def follow_the_day(window: MainWindow, prompt: ReflowPrompt, toasts: ToastStack | None) -> None:
    """What is about a day leaves the screen when the day does: the re-flow prompt and the
    toasts close when their day is closed or over; the prompt makes way for Plan my day and
    End of day (it sat on their buttons)."""
    window.day_over.connect(prompt.day_over)
    window.day_dialog_opened.connect(prompt.withdraw)
    if toasts is not None:
        window.day_over.connect(toasts.close_day)


def wire_features(runtime: Runtime, instance: SingleInstance, open_plan: bool) -> None:
    """Everything that needs the open database: interruptions and the single-instance server,
    reminders, and the morning's Plan my day. All of it reaches the core through the gateway."""
    import threading
    from concurrent.futures import Future

    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QWidget

    from planner.domain.values import Change, Topic
    from planner.platform import ipc
    from planner.platform.notify import Notice
    from ui.gateway import ReadFailed
    from ui.shell import reminders
    from ui.shell.interruptions import _parse_at as parse_at
    from ui.shell.interruptions import install

    window, gateway = runtime.window, runtime.gateway
    assert gateway is not None
    clock = window.clock
    wiring = install(runtime.app, gateway, window, instance, plan=window.open_plan_day)
    window.on_log_interruption = lambda: wiring.interruptions.on_hotkey(clock.now())
    window.on_open_interruption_log = wiring.open_log
    window.hotkey_status = lambda: wiring.hotkeys.status().describe()
    window.show_hotkey(wiring.hotkeys.text())

    def on_settings_changed(change: Change) -> None:
        if Topic.SETTINGS in change.topics:  # a new hotkey takes effect at once
            try:
                sequence = str(gateway.setting("hotkey") or "")
            except ReadFailed:
                return
            if sequence and QKeySequence(sequence) != wiring.hotkeys.sequence:
                wiring.hotkeys.set_sequence(sequence)
                window.show_hotkey(wiring.hotkeys.text())

    gateway.changed.connect(on_settings_changed)
    service = reminders.install(runtime.app, gateway, tray=runtime.tray, window=lambda: window)
    gateway.changed.connect(lambda _change: service.refresh())
    if getattr(clock, "stepped", False):  # the heartbeat sees each step at once
        runtime.stepped_hooks.append(service.beat)

    from ui.shell.focus_dnd import FocusDnd

    quiet = FocusDnd(gateway, parent=window)
    service.dnd_active = lambda: quiet.active
    service.dnd_holds = lambda: quiet.holds_reminders
    gateway.changed.connect(lambda _change: quiet.evaluate())
    if getattr(clock, "stepped", False):
        runtime.stepped_hooks.append(quiet.evaluate)
    runtime.app.aboutToQuit.connect(quiet.stop)
    quiet.changed.connect(window.show_dnd)
    window.on_end_focus = quiet.end_early
    window.dnd_status = lambda: quiet.description
    quiet.start()

    def say_failure(message: str) -> None:
        """A hotkey or a forwarded command that did nothing: said where it will be seen."""
        text = message[:1].upper() + message[1:]
        window.statusBar().showMessage(text, 15000)
        service.dispatcher.send(
            Notice(tr("Splitday: that did not work"), text, tr("failed"), urgent=True)
        )

    def say_resumed(text: str) -> None:
        """Back to work by the hotkey: said in the status bar, and as a notice when the window
        is out of sight (minimised, hidden in the tray, behind another application), where
        the status bar is not seen."""
        line = text[:1].upper() + text[1:]
        window.statusBar().showMessage(line, 8000)
        if window.isMinimized() or not window.isVisible() or not window.isActiveWindow():
            service.dispatcher.send(Notice(tr("Splitday: back to work"), line, tr("resumed")))

    def say_kept(text: str) -> None:
        """Saved on this device while the shared server is away: said like back to work."""
        window.statusBar().showMessage(text, 15000)
        if window.isMinimized() or not window.isVisible() or not window.isActiveWindow():
            title = tr("Splitday: saved on this device")
            service.dispatcher.send(Notice(title, text, "kept"))

    def status_cmd(args: dict[str, Any]) -> ipc.Reply | Future[ipc.Reply]:
        """`splitday status` forwarded: answered from the open database (no data: the command
        does it itself). On a shared server the read is a round trip: a thread of its own
        makes it, so the window does not stop for a status bar that asks every few seconds."""
        at = parse_at(args.get("at")) or gateway.now()

        def answer() -> ipc.Reply:
            data = gateway.status_at(at)
            return ipc.Reply(True, "", None if data is None else {"status": data})

        if gateway.pending is None:  # this device's file: a few milliseconds
            return answer()
        done: Future[ipc.Reply] = Future()

        def run() -> None:
            try:
                done.set_result(answer())
            except BaseException as exc:
                done.set_exception(exc)

        threading.Thread(target=run, name="splitday-status", daemon=True).start()
        return done

    instance.add_handlers({"status": status_cmd})

    from ui.shell.offline import OfflineWatch, offer_roles_seen, plan_when_back

    runtime.offline = OfflineWatch(gateway, window, lambda: runtime.tray)
    offer_roles_seen(window, wiring.quick_log)  # the server's list could not be read
    runtime.app.aboutToQuit.connect(runtime.offline.close)
    wiring.interruptions.kept.connect(say_kept)
    follow_the_day(window, wiring.reflow_prompt, service.toasts)
    wiring.interruptions.resumed.connect(say_resumed)
    wiring.interruptions.failed.connect(say_failure)
    instance.request_failed.connect(say_failure)

    reviews: list[QWidget] = []

    def open_review() -> None:
        from ui.views.review import ReviewView

        if not reviews:  # built on first use: matplotlib loads only now
            view = ReviewView(gateway)
            view.as_window()
            view.day_activated.connect(window.show_day_from_elsewhere)
            gateway.changed.connect(view.on_changed)
            reviews.append(view)
        reviews[0].show()
        reviews[0].raise_()
        reviews[0].activateWindow()

    window.on_open_review = open_review

    from ui.shell.calendar_sync import BackgroundSync

    background = BackgroundSync(gateway, parent=window)  # broadcasts what a sync changed
    runtime.app.aboutToQuit.connect(background.stop)
    background.start()

    def open_calendars() -> None:
        from ui.dialogs.calendars import CalendarsDialog

        dialog = CalendarsDialog(gateway, parent=window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    window.on_open_calendars = open_calendars
    runtime.features = (wiring, service, background)
    runtime.quiet = quiet  # Do Not Disturb in focus blocks (ui.shell.focus_dnd)
    morning = MorningPlan(
        gateway, window.open_plan_day, enabled=not os.environ.get("SPLITDAY_NO_DIALOGS")
    )
    plan_when_back(gateway, morning)  # started with the server away: asked when it is back
    if open_plan:  # asked for (`splitday plan`, the desktop action): not again today
        window.open_plan_day()
        with contextlib.suppress(ReadFailed):
            morning.day = gateway.today()
    else:
        morning.check()  # the first start of a workday with no plan yet
    window.day_shown.connect(lambda _day: morning.check())  # a night with the app left open


def main(db_url: str | None = None, open_plan: bool = False) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    from ui.shell.desktop import quit_after_first_window_from_env
    from ui.shell.qt_guard import check_bindings
    from ui.shell.single_instance import claim_instance

    if reason := check_bindings():
        print(f"splitday: {reason}", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    instance = claim_instance()  # before any window: a second `splitday` only forwards "show"
    if isinstance(instance, int):
        return instance
    quit_after_first_window_from_env(app)  # the packaged app's smoke test
    app, _window, runtime = build(db_url)
    runtime.started.append(lambda rt: wire_features(rt, instance, open_plan))
    runtime.in_exec = True
    restore_signals = quit_on_signals(app)
    try:
        return app.exec()
    finally:
        restore_signals()
        runtime.close()
        instance.release()


def quit_on_signals(app: QApplication) -> Callable[[], None]:
    """SIGTERM (logout, systemd, `kill`) and SIGINT (Ctrl+C) quit as the Quit menu does:
    aboutToQuit runs (the session is marked as ended cleanly, so the running entry is not
    "recovered" and marked for review next time) and the exit code is 0.

    Python only runs its signal handlers between bytecodes, and the Qt event loop runs none
    while it waits; the C-level handler's wake-up byte on a socket pair wakes the loop instead.
    Returns what puts the previous handlers back."""
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    if not hasattr(signal, "set_wakeup_fd"):
        return lambda: None
    wanted = {int(signal.SIGTERM), int(signal.SIGINT)}
    read_end, write_end = socket.socketpair()
    read_end.setblocking(False)
    write_end.setblocking(False)
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in wanted}
    old_fd = signal.set_wakeup_fd(write_end.fileno(), warn_on_full_buffer=False)
    notifier = QSocketNotifier(read_end.fileno(), QSocketNotifier.Type.Read, app)

    def on_wake() -> None:
        try:
            got = read_end.recv(64)
        except OSError:
            return
        if wanted & set(got):
            app.quit()

    notifier.activated.connect(on_wake)

    def restore() -> None:
        notifier.setEnabled(False)
        signal.set_wakeup_fd(old_fd)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        read_end.close()
        write_end.close()

    return restore
