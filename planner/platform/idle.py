"""Idle time, the screen lock and suspend from the session's own services (no X11 needed).

Where X11 is absent (Wayland), an X client sees only XWayland's input, so the idle time comes
from the desktop over D-Bus instead, each interface as its project publishes it:

- GNOME: `org.gnome.Mutter.IdleMonitor.GetIdletime` on /org/gnome/Mutter/IdleMonitor/Core
  (milliseconds, `t`);
- KDE, XFCE and others: `org.freedesktop.ScreenSaver` on /org/freedesktop/ScreenSaver:
  `GetSessionIdleTime` (KDE answers it from KIdleTime, in milliseconds, whatever the XML's
  argument name says; Plasma on Wayland refuses it with NotSupported), `GetActive` /
  `GetActiveTime` and the `ActiveChanged(b)` signal for the screen locker;
- logind (the system bus): the session's `Lock` / `Unlock` signals and the Manager's
  `PrepareForSleep(b)`.

A locked screen, or a machine going to sleep, counts as away from that moment until it is
unlocked or awake again: the probe then answers "idle since the lock", so the app's
IdleTracker (planner.services.gaps) turns it into the same gap question as any idle stretch.
Signals are heard in a daemon thread per bus; the probe itself asks with short timeouts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from planner.platform.notify import session_bus_address

log = logging.getLogger(__name__)

SAVER = "org.freedesktop.ScreenSaver"
SAVER_PATH = "/org/freedesktop/ScreenSaver"
MUTTER = "org.gnome.Mutter.IdleMonitor"
MUTTER_PATH = "/org/gnome/Mutter/IdleMonitor/Core"
LOGIN = "org.freedesktop.login1"
LOGIN_PATH = "/org/freedesktop/login1"
LOGIN_MANAGER = "org.freedesktop.login1.Manager"
LOGIN_SESSION = "org.freedesktop.login1.Session"
CALL_TIMEOUT = 0.3


class IdleUnavailable(Exception):
    """No session bus, or nothing on it that tells idle time or the lock."""


def _connect(address: str) -> Any:
    from jeepney.io.blocking import open_dbus_connection

    return open_dbus_connection(bus=address)


def _call(
    conn: Any,
    dest: str,
    path: str,
    iface: str,
    method: str,
    sig: str = "",
    body: tuple[Any, ...] = (),
) -> tuple[Any, ...] | None:
    """The reply's body, or None when the service is not there or refuses."""
    from jeepney import DBusAddress, MessageType, new_method_call

    msg = new_method_call(DBusAddress(path, dest, iface), method, sig, body)
    try:
        reply = conn.send_and_get_reply(msg, timeout=CALL_TIMEOUT)
    except (TimeoutError, OSError):
        return None
    if reply.header.message_type == MessageType.error:
        return None
    return tuple(reply.body)


class Away:
    """Since when the person is away by a lock or a sleep (monotonic seconds), thread-safe."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._since: dict[str, float] = {}  # cause ("screensaver", "logind-lock", "sleep"): since
        self.events: list[tuple[str, bool]] = []  # what was heard, in order (for diagnostics)

    def set(self, cause: str, away: bool) -> None:
        with self._lock:
            self.events.append((cause, away))
            if away:
                self._since.setdefault(cause, self._monotonic())
            else:
                self._since.pop(cause, None)

    def duration(self) -> timedelta | None:
        """How long the person has been away by a lock or a sleep; None: not away."""
        with self._lock:
            if not self._since:
                return None
            return timedelta(seconds=max(0.0, self._monotonic() - min(self._since.values())))


class _Listener(threading.Thread):
    """Hears the given signals on one bus and hands each to `handle(member, path, body)`."""

    def __init__(
        self, address: str, rules: list[str], handle: Callable[[str, str, tuple[Any, ...]], None]
    ) -> None:
        super().__init__(daemon=True, name="splitday-idle-signals")
        self.conn = _connect(address)
        from jeepney.bus_messages import message_bus

        for rule in rules:
            self.conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=2)
        self._handle = handle
        self._halt = threading.Event()

    def run(self) -> None:
        from jeepney import HeaderFields, MessageType

        while not self._halt.is_set():
            try:
                msg = self.conn.receive(timeout=0.2)
            except TimeoutError:
                continue
            except OSError:
                return  # the bus went away
            if msg.header.message_type != MessageType.signal:
                continue
            fields = msg.header.fields
            try:
                self._handle(
                    str(fields.get(HeaderFields.member, "")),
                    str(fields.get(HeaderFields.path, "")),
                    tuple(msg.body),
                )
            except Exception:  # a strange signal must not end the listener
                log.exception("idle: could not handle a signal")

    def stop(self) -> None:
        self._halt.set()
        self.join(2)
        self.conn.close()


class SessionIdle:
    """The probe: `probe()` -> idle time (timedelta) or None when nothing can tell."""

    def __init__(
        self,
        session_address: str | None = None,
        system_address: str | None = "SYSTEM",
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        address = session_address or session_bus_address()
        if address is None:
            raise IdleUnavailable("no D-Bus session bus")
        try:
            self._conn = _connect(address)
        except Exception as exc:
            raise IdleUnavailable(f"cannot connect to the session bus: {exc}") from exc
        self.away = Away(monotonic)
        self._dead: set[str] = set()
        self._listeners: list[_Listener] = []
        self._session_path: str | None = None
        self._listen_session(address)
        if system_address:
            self._listen_logind(system_address)
        if _call(self._conn, SAVER, SAVER_PATH, SAVER, "GetActive") == (True,):
            self.away.set("screensaver", True)  # locked already when we started

    # ------------------------------------------------------------ signals

    def _listen_session(self, address: str) -> None:
        rule = f"type='signal',interface='{SAVER}',member='ActiveChanged'"

        def handle(member: str, _path: str, body: tuple[Any, ...]) -> None:
            if member == "ActiveChanged" and body:
                self.away.set("screensaver", bool(body[0]))

        try:
            listener = _Listener(address, [rule], handle)
        except Exception as exc:
            log.info("idle: no screen-saver signals: %s", exc)
            return
        listener.start()
        self._listeners.append(listener)

    def _listen_logind(self, address: str) -> None:
        try:
            conn = _connect(address)
        except Exception as exc:
            log.info("idle: no system bus for logind: %s", exc)
            return
        try:
            found = _call(conn, LOGIN, LOGIN_PATH, LOGIN_MANAGER, "GetSession", "s", ("auto",))
        finally:
            conn.close()
        self._session_path = str(found[0]) if found else None
        rules = [f"type='signal',interface='{LOGIN_MANAGER}',member='PrepareForSleep'"]
        if self._session_path:
            for member in ("Lock", "Unlock"):
                rules.append(
                    f"type='signal',interface='{LOGIN_SESSION}',member='{member}',"
                    f"path='{self._session_path}'"
                )

        def handle(member: str, path: str, body: tuple[Any, ...]) -> None:
            if member == "PrepareForSleep" and body:
                self.away.set("sleep", bool(body[0]))
            elif member in ("Lock", "Unlock") and path == self._session_path:
                self.away.set("logind-lock", member == "Lock")

        try:
            listener = _Listener(address, rules, handle)
        except Exception as exc:
            log.info("idle: no logind signals: %s", exc)
            return
        listener.start()
        self._listeners.append(listener)

    # ------------------------------------------------------------ the probe

    def _ask(self, dest: str, path: str, iface: str, method: str) -> Any:
        if dest in self._dead:
            return None
        reply = _call(self._conn, dest, path, iface, method)
        if not reply:
            self._dead.add(dest)  # not there (or refusing, as Plasma on Wayland): not again
            return None
        return reply[0]

    def session_idle(self) -> timedelta | None:
        """The desktop's own idle counter: Mutter's, else the ScreenSaver's."""
        mutter = self._ask(MUTTER, MUTTER_PATH, MUTTER, "GetIdletime")
        if isinstance(mutter, int):
            return timedelta(milliseconds=mutter)
        saver = self._ask(SAVER, SAVER_PATH, SAVER, "GetSessionIdleTime")
        if isinstance(saver, int):
            return timedelta(milliseconds=saver)
        return None

    def __call__(self) -> timedelta | None:
        idle = self.session_idle()
        away = self.away.duration()
        if away is not None:
            return max(away, idle) if idle is not None else away
        if idle is None and not self._listeners:
            return None
        return idle if idle is not None else timedelta(0)  # only locks tell: not away now

    def close(self) -> None:
        for listener in self._listeners:
            listener.stop()
        self._listeners = []
        self._conn.close()
