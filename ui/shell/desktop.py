"""The app's desktop identity (app id, icon) and the smoke-test hook SPLITDAY_QUIT_AFTER_MS."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QWidget

from planner import APP_ID
from planner.domain.i18n import tr

QUIT_AFTER_ENV = "SPLITDAY_QUIT_AFTER_MS"


def resources_dir() -> Path:
    """resources/ beside the sources, or inside the frozen app (PyInstaller's _MEIPASS)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def app_icon() -> QIcon:
    """The installed theme icon when there is one, else the bundled SVG."""
    return QIcon.fromTheme(APP_ID, QIcon(str(resources_dir() / "icons" / f"{APP_ID}.svg")))


def apply_identity(app: QCoreApplication, *, icon: bool = True) -> None:
    """One app id everywhere: Wayland app_id and the .desktop match, so docks show our icon.
    `icon=False` leaves the icon to `apply_icon` (loading it costs the start-up ~6 ms)."""
    app.setApplicationName("Splitday")
    if not isinstance(app, QGuiApplication):
        return
    app.setDesktopFileName(APP_ID)
    if icon:
        apply_icon(app)


def apply_icon(app: QGuiApplication) -> None:
    if app.windowIcon().isNull():
        app.setWindowIcon(app_icon())


class _QuitAfterFirstWindow(QObject):
    def __init__(self, app: QCoreApplication, delay_ms: int) -> None:
        super().__init__(app)
        self._app = app
        self._delay_ms = delay_ms

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            self._app.removeEventFilter(self)
            QTimer.singleShot(self._delay_ms, self._app.quit)
        return False


def quit_after_first_window_from_env(app: QCoreApplication) -> None:
    """SPLITDAY_QUIT_AFTER_MS=N: quit cleanly N ms after the first window is shown.

    For smoke tests of the packaged app (packaging/smoke.sh); unset in normal use.
    """
    raw = os.environ.get(QUIT_AFTER_ENV, "").strip()
    if not raw:
        return
    try:
        delay = max(0, int(raw))
    except ValueError:
        print(
            tr("splitday: ignoring {variable}={raw!r} (not a number)").format(
                variable=QUIT_AFTER_ENV, raw=raw
            ),
            file=sys.stderr,
        )
        return
    app.installEventFilter(_QuitAfterFirstWindow(app, delay))
