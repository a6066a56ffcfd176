"""A `Notifier` protocol; plyer (desktop notifications) behind it; a fallback chain."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

APP_NAME = "Splitday"
NOTIFICATIONS = "org.freedesktop.Notifications"


@dataclass(frozen=True)
class Notice:
    """What a notifier shows: a one-line title and a body; `key` names it for de-duplication."""

    title: str
    body: str = ""
    key: str = ""
    urgent: bool = False  # stays until dismissed, urgency critical ("Time to stop")
    # urgency critical but expiring as usual: the plan's own reminders while the desktop's Do
    # Not Disturb is on (GNOME, Plasma and xfce4-notifyd still show critical notifications)
    critical: bool = False
    # the desktop's DND holds even critical notifications (a paused dunst): shown in the app too
    also_in_app: bool = False


class NotifyFailed(Exception):
    """This backend could not show the notice (the next one in the chain gets it)."""


class Notifier(Protocol):
    """Shows a notice or raises NotifyFailed; must never block for long."""

    name: str

    def notify(self, notice: Notice) -> None: ...


# ---------------------------------------------------------------- the desktop, through plyer


def session_bus_address() -> str | None:
    """The D-Bus session bus this process would talk to, if there is one."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "").strip()
    if address:
        return address
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime, "bus").is_socket():
        return f"unix:path={Path(runtime, 'bus')}"
    return None


def _dbus_call(method: str, *args: str, timeout: float = 2.0) -> str | None:
    """Ask the bus daemon itself (dbus-send from dbus-bin); None when that cannot be done."""
    tool = shutil.which("dbus-send")
    address = session_bus_address()
    if tool is None or address is None:
        return None
    try:
        result = subprocess.run(
            [
                tool,
                f"--bus={address}",
                "--print-reply",
                f"--reply-timeout={int(timeout * 1000)}",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                f"org.freedesktop.DBus.{method}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=timeout + 1,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def notification_service_present() -> bool | None:
    """Is a notification daemon running or startable on the session bus? None: cannot tell."""
    if sys.platform != "linux":
        return None
    if session_bus_address() is None:
        return False
    owned = _dbus_call("NameHasOwner", f"string:{NOTIFICATIONS}")
    if owned is None:
        return None
    if "boolean true" in owned:
        return True
    activatable = _dbus_call("ListActivatableNames")
    return None if activatable is None else f'"{NOTIFICATIONS}"' in activatable


class PlyerNotifier:
    """Desktop notifications through plyer (dbus-python, else notify-send on Linux).

    plyer cannot report a failure of notify-send, and without a session bus libnotify would
    even autolaunch one, so on Linux the bus and the daemon are checked first.
    """

    name = "desktop"

    def __init__(
        self,
        *,
        timeout_seconds: int = 10,
        probe: Callable[[], bool | None] = notification_service_present,
    ) -> None:
        self._timeout = timeout_seconds
        self._probe = probe

    def notify(self, notice: Notice) -> None:
        if self._probe() is False:
            raise NotifyFailed("no notification service on the D-Bus session bus")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # plyer warns when dbus-python is missing
                from plyer import notification

                # plyer's public notify() never hands a timeout to notify-send, whose default
                # 0 makes dunst keep the bubble forever; its backends' _notify() take one.
                # An urgent notice ("Time to stop") stays until it is dismissed (0: never expires).
                seconds = 0 if notice.urgent else self._timeout
                notification._notify(
                    title=notice.title,
                    message=notice.body,
                    app_name=APP_NAME,
                    app_icon="",
                    timeout=seconds,
                    expire_time=str(seconds * 1000),
                    urgency="critical" if notice.urgent or notice.critical else "normal",
                    ticker="",
                    toast=False,
                    hints={},
                )
        except Exception as exc:  # plyer raises anything: NotImplementedError, DBusException…
            raise NotifyFailed(f"plyer: {type(exc).__name__}: {exc}") from exc


# ---------------------------------------------------------------- the chain


class FallbackChain:
    """Try each notifier in turn; a failure is logged once per backend and never raised."""

    name = "chain"

    def __init__(self, notifiers: Sequence[Notifier], logger: logging.Logger = log) -> None:
        self._notifiers = list(notifiers)
        self._log = logger
        self._failing: set[str] = set()

    def notify(self, notice: Notice) -> None:
        if self.deliver(notice) is None:
            raise NotifyFailed("no notifier could show the notice")

    def deliver(self, notice: Notice) -> str | None:
        """Show the notice with the first backend that works; return that backend's name."""
        for notifier in self._notifiers:
            try:
                notifier.notify(notice)
            except Exception as exc:  # a broken backend must never break the app
                if notifier.name not in self._failing:
                    self._failing.add(notifier.name)
                    self._log.warning(
                        "notifications via %s failed (%s); using the next way", notifier.name, exc
                    )
                continue
            if notifier.name in self._failing:
                self._failing.discard(notifier.name)
                self._log.info("notifications via %s work again", notifier.name)
            return notifier.name
        return None


class MemoryNotifier:
    """Keeps what it was asked to show (a fake for tests; can be told to fail)."""

    def __init__(self, name: str = "memory", *, fail: bool = False) -> None:
        self.name = name
        self.fail = fail
        self.shown: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        if self.fail:
            raise NotifyFailed(f"{self.name} is switched off")
        self.shown.append(notice)
