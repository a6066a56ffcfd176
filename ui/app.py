"""`main()`: the one place that builds and wires everything."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from planner.db import Database
    from ui.main_window import MainWindow
    from ui.services import Gateway

NO_DISPLAY = (
    "splitday: no display found (DISPLAY and WAYLAND_DISPLAY are unset). "
    "Run it in a desktop session, under Xvfb (xvfb-run splitday), "
    "or with QT_QPA_PLATFORM=offscreen."
)
APP_ID = "io.github.splitday.Splitday"
TICK_CHECK_MS = 15_000


def has_display() -> bool:
    if sys.platform != "linux":
        return True
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def ui_settings() -> QSettings:
    """Window layout and session flags, next to the database in the user's data folder."""
    from PySide6.QtCore import QSettings

    from planner.db import data_dir

    return QSettings(str(data_dir() / "ui.ini"), QSettings.Format.IniFormat)


class Runtime:
    """What the running app holds after start-up: the database, the gateway, the ticking clock."""

    def __init__(
        self, app: QApplication, window: MainWindow, settings: QSettings, db_url: str | None
    ) -> None:
        self.app, self.window, self.settings, self.db_url = app, window, settings, db_url
        self.db: Database | None = None
        self.gateway: Gateway | None = None
        self.tray: Any = None
        self.recovered = 0
        self._last_minute: datetime | None = None
        self._timer: Any = None

    def connect(self) -> bool:
        """Open the database (after the first paint), then show today and start ticking."""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QMessageBox, QSystemTrayIcon

        from planner import planning
        from planner.db import StorageError, open_database
        from ui.services import Gateway

        try:
            self.db = open_database(self.db_url)
            with self.db.transaction() as session:
                planning.ensure_defaults(session, self.db.owner)
        except StorageError as exc:
            QMessageBox.critical(self.window, "Splitday", str(exc))
            self.app.exit(1)
            return False
        window = self.window
        self.gateway = Gateway(self.db, window.clock, window.zone, window.undo_stack, window)
        if self.settings.value("session/running", False, type=bool):
            self.recovered = self.gateway.recover()
        self.settings.setValue("session/running", True)
        self.settings.sync()
        self.app.aboutToQuit.connect(self._on_app_about_to_quit)
        self.gateway.tick()
        window.attach(self.gateway)
        if self.recovered:
            window.statusBar().showMessage(
                f"Splitday did not quit cleanly last time: {self.recovered} open entry(ies) "
                "were closed at the last sign of life and marked for review.",
                20000,
            )
        self._last_minute = self._minute()
        self._timer = QTimer(window)
        self._timer.setInterval(TICK_CHECK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()
        self.app.applicationStateChanged.connect(self._on_app_state_changed)
        if QSystemTrayIcon.isSystemTrayAvailable():
            from ui.tray import Tray

            self.tray = Tray(window)
            self.tray.show()
            window.focus_changed.emit(window.focus)
            self.app.setQuitOnLastWindowClosed(False)
        return True

    def _minute(self) -> datetime:
        return self.window.clock.now().replace(second=0, microsecond=0)

    def _on_timer_timeout(self) -> None:
        minute = self._minute()
        if minute != self._last_minute:  # a new minute, or back from suspend
            self._last_minute = minute
            self.window.tick()

    def _on_app_state_changed(self, state: Any) -> None:
        from PySide6.QtCore import Qt

        if state == Qt.ApplicationState.ApplicationActive:
            self._last_minute = self._minute()
            self.window.tick()

    def _on_app_about_to_quit(self) -> None:
        if self.gateway is not None:
            self.gateway.tick()
        self.settings.setValue("session/running", False)
        self.settings.sync()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        if self.db is not None:
            self.db.close()
            self.db = None


def build(db_url: str | None = None) -> tuple[QApplication, MainWindow, Runtime]:
    """The application, its main window (shown) and the runtime that connects after painting."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from planner.clock import clock_from_env, local_zone
    from ui import theme
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Splitday")
    app.setOrganizationName("Splitday")
    app.setDesktopFileName(APP_ID)
    theme.follow_system(app)
    settings = ui_settings()
    window = MainWindow(settings, clock_from_env(), local_zone())
    runtime = Runtime(app, window, settings, db_url)
    window.first_painted.connect(lambda: QTimer.singleShot(0, runtime.connect))
    window.show()
    return app, window, runtime


def main(db_url: str | None = None) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    app, _window, runtime = build(db_url)
    try:
        return app.exec()
    finally:
        runtime.close()
