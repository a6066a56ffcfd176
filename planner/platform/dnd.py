"""The desktop's own Do Not Disturb, switched through its documented interface and put back.

One backend per desktop, chosen at run time (`detect`):

- dunst: the D-Bus property `paused` of `org.dunstproject.cmd0` (what `dunstctl set-paused`
  sets); restored to its value before.
- GNOME: GSettings `org.gnome.desktop.notifications show-banners`, through the `gsettings`
  tool (Python has no Gio here); restored to its value before.
- KDE Plasma: `org.freedesktop.Notifications.Inhibit` / `UnInhibit` (Plasma's extension of
  the spec); the cookie is released, and Plasma itself ends an inhibition whose caller's bus
  connection closed (a crash included).
- XFCE: xfconf over D-Bus (`org.xfce.Xfconf`), channel `xfce4-notifyd`, property
  `/do-not-disturb`; restored to its value before, or removed if it was not set.
- mako: `makoctl mode -a do-not-disturb` (makoctl is mako's documented interface); restored
  to the exact list of modes before (`makoctl mode -s`).

Windows and macOS have none: Windows' Focus assist ("Do not disturb" on Windows 11) has no
public API an application may use to switch it (only an undocumented WNF state), and macOS
Focus can be read (INFocusStatusCenter) but not set by an application. `detect` says so.

`DndSwitch` keeps what it has to restore in a small file in the data folder (0600), written
*before* the desktop is silenced, so a start after a crash (`recover`) puts the desktop back:
Splitday never leaves it silenced. Standard library only at import; jeepney (pure Python,
Linux) is imported on first use, off the start-up path.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from planner.domain.i18n import N_, tr
from planner.platform.notify import NOTIFICATIONS, session_bus_address

log = logging.getLogger(__name__)

NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
DUNST_IFACE = "org.dunstproject.cmd0"
XFCONF = "org.xfce.Xfconf"
XFCONF_PATH = "/org/xfce/Xfconf"
XFCE_CHANNEL, XFCE_PROPERTY = "xfce4-notifyd", "/do-not-disturb"
GNOME_SCHEMA, GNOME_KEY = "org.gnome.desktop.notifications", "show-banners"
MAKO_MODE = "do-not-disturb"
STATE_FILE = "dnd-state.json"
TIMEOUT = 2.0

State = dict[str, Any]


class DndFailed(Exception):
    """The desktop refused or could not be reached; the message says which and why."""


class Backend(Protocol):
    """One desktop's Do Not Disturb."""

    name: str  # stored with the saved state: "dunst", "gnome", "kde", "xfce", "mako"
    label: str  # for Settings: "dunst (paused while you focus)"
    # whether a critical notification still shows while DND is on (GNOME, Plasma and
    # xfce4-notifyd show them; a paused dunst holds everything until it is unpaused)
    passes_critical: bool

    def read(self) -> State:
        """The current state, as JSON-able values (what `restore` takes back)."""
        ...

    def silence(self) -> State:
        """Switch DND on; return anything `restore` will need besides the state read before."""
        ...

    def silenced(self, state: State) -> bool:
        """Whether `state` (from `read`) is the silenced one this backend sets."""
        ...

    def restore(self, saved: State) -> None:
        """Put back what `read` returned before `silence` (and what `silence` returned)."""
        ...

    def close(self) -> None:
        """Let go of the bus connection, if any."""
        ...


# ---------------------------------------------------------------- D-Bus through jeepney


class Bus:
    """One connection to the session bus (jeepney, blocking, with a timeout on every call)."""

    def __init__(self, address: str | None = None) -> None:
        address = address or session_bus_address()
        if address is None:
            raise DndFailed(tr("no D-Bus session bus"))
        from jeepney.io.blocking import open_dbus_connection

        try:
            self.conn = open_dbus_connection(bus=address)
        except Exception as exc:  # OSError, AuthenticationError, a malformed address…
            raise DndFailed(tr("cannot connect to the session bus: {exc}").format(exc=exc)) from exc

    def call(
        self,
        dest: str,
        path: str,
        iface: str,
        method: str,
        signature: str = "",
        body: tuple[Any, ...] = (),
    ) -> tuple[Any, ...]:
        from jeepney import DBusAddress, DBusErrorResponse, MessageType, new_method_call

        msg = new_method_call(DBusAddress(path, dest, iface), method, signature, body)
        try:
            reply = self.conn.send_and_get_reply(msg, timeout=TIMEOUT)
        except TimeoutError as exc:
            raise DndFailed(
                tr("{dest} did not answer {method}").format(dest=dest, method=method)
            ) from exc
        except OSError as exc:
            raise DndFailed(tr("the session bus went away: {exc}").format(exc=exc)) from exc
        if reply.header.message_type == MessageType.error:
            error = DBusErrorResponse(reply)
            raise DndFailed(
                tr("{dest} refused {method}: {name} {data}").format(
                    dest=dest, method=method, name=error.name, data=error.data
                )
            )
        return tuple(reply.body)

    def get_property(self, dest: str, path: str, iface: str, name: str) -> Any:
        (variant,) = self.call(
            dest, path, "org.freedesktop.DBus.Properties", "Get", "ss", (iface, name)
        )
        return variant[1]  # jeepney gives a variant as (signature, value)

    def set_property(
        self, dest: str, path: str, iface: str, name: str, signature: str, value: Any
    ) -> None:
        self.call(
            dest,
            path,
            "org.freedesktop.DBus.Properties",
            "Set",
            "ssv",
            (iface, name, (signature, value)),
        )

    def close(self) -> None:
        self.conn.close()


def server_information(bus: Bus) -> tuple[str, str, str, str] | None:
    """The notification daemon's (name, vendor, version, spec version), or None."""
    try:
        name, vendor, version, spec = bus.call(
            NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS, "GetServerInformation"
        )
    except (DndFailed, ValueError):
        return None
    return str(name), str(vendor), str(version), str(spec)


# ---------------------------------------------------------------- the backends


class DunstBackend:
    """dunst: its `paused` property (org.dunstproject.cmd0), which `dunstctl set-paused` sets.
    While paused dunst keeps what arrives and shows it when unpaused."""

    name, label = "dunst", N_("dunst (notifications paused while you focus)")
    passes_critical = False

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    def close(self) -> None:
        self.bus.close()

    def read(self) -> State:
        paused = self.bus.get_property(NOTIFICATIONS, NOTIFICATIONS_PATH, DUNST_IFACE, "paused")
        return {"paused": bool(paused)}

    def silence(self) -> State:
        self.bus.set_property(NOTIFICATIONS, NOTIFICATIONS_PATH, DUNST_IFACE, "paused", "b", True)
        return {}

    def silenced(self, state: State) -> bool:
        return state.get("paused") is True

    def restore(self, saved: State) -> None:
        paused = bool(saved.get("paused", False))
        self.bus.set_property(NOTIFICATIONS, NOTIFICATIONS_PATH, DUNST_IFACE, "paused", "b", paused)


class GnomeBackend:
    """GNOME: the show-banners setting (Settings → Notifications → Do Not Disturb), through
    the `gsettings` tool, which writes where the session's GSettings backend keeps it (dconf;
    keyfile or memory when GSETTINGS_BACKEND says so)."""

    name, label = "gnome", N_("GNOME (Do Not Disturb: banners off while you focus)")
    passes_critical = True

    def __init__(self, tool: str) -> None:
        self.tool = tool

    def close(self) -> None:
        pass

    def _run(self, *args: str) -> str:
        try:
            done = subprocess.run(
                [self.tool, *args], capture_output=True, text=True, timeout=TIMEOUT + 3, check=False
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise DndFailed(tr("gsettings: {exc}").format(exc=exc)) from exc
        if done.returncode != 0:
            raise DndFailed(
                tr("gsettings {command}: {error}").format(
                    command=" ".join(args), error=done.stderr.strip()
                )
            )
        return done.stdout.strip()

    def read(self) -> State:
        value = self._run("get", GNOME_SCHEMA, GNOME_KEY)
        if value not in ("true", "false"):
            raise DndFailed(
                tr("gsettings gave {value!r} for {key}").format(value=value, key=GNOME_KEY)
            )
        return {"show_banners": value == "true"}

    def silence(self) -> State:
        self._run("set", GNOME_SCHEMA, GNOME_KEY, "false")
        return {}

    def silenced(self, state: State) -> bool:
        return state.get("show_banners") is False

    def restore(self, saved: State) -> None:
        value = "true" if saved.get("show_banners", True) else "false"
        self._run("set", GNOME_SCHEMA, GNOME_KEY, value)


class KdeBackend:
    """KDE Plasma: org.freedesktop.Notifications.Inhibit(desktop_entry, reason, hints) -> cookie
    and UnInhibit(cookie) (Plasma's documented extension; the `Inhibited` property tells).
    The inhibition lives as long as the connection that asked for it, so this backend keeps
    its own connection open while DND is on: after a crash Plasma ends it by itself."""

    name, label = "kde", N_("KDE Plasma (Do Not Disturb while you focus)")
    passes_critical = True

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    def close(self) -> None:
        self.bus.close()

    def read(self) -> State:
        try:
            inhibited = self.bus.get_property(
                NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS, "Inhibited"
            )
        except DndFailed:
            inhibited = None  # older Plasma: no property, Inhibit still works
        return {"inhibited": inhibited if isinstance(inhibited, bool) else None}

    def silence(self) -> State:
        (cookie,) = self.bus.call(
            NOTIFICATIONS,
            NOTIFICATIONS_PATH,
            NOTIFICATIONS,
            "Inhibit",
            "ssa{sv}",
            ("splitday", "Focus block", {}),
        )
        return {"cookie": int(cookie), "bus": self.bus.conn.unique_name}

    def silenced(self, state: State) -> bool:
        return True  # our inhibition is ours to end, whatever else holds one

    def restore(self, saved: State) -> None:
        cookie = saved.get("cookie")
        if not isinstance(cookie, int):
            return
        if saved.get("bus") != self.bus.conn.unique_name:
            return  # asked on a connection that is gone (a crash): Plasma has ended it already
        self.bus.call(NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS, "UnInhibit", "u", (cookie,))


class XfceBackend:
    """XFCE: xfce4-notifyd's /do-not-disturb in xfconf, over xfconf's D-Bus interface."""

    name, label = "xfce", N_("XFCE (xfce4-notifyd Do Not Disturb while you focus)")
    passes_critical = True

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    def close(self) -> None:
        self.bus.close()

    def read(self) -> State:
        try:
            (variant,) = self.bus.call(
                XFCONF, XFCONF_PATH, XFCONF, "GetProperty", "ss", (XFCE_CHANNEL, XFCE_PROPERTY)
            )
        except DndFailed as exc:
            if "PropertyNotFound" in str(exc) or "does not exist" in str(exc):
                return {"set": False}
            raise
        return {"set": True, "value": bool(variant[1])}

    def silence(self) -> State:
        self.bus.call(
            XFCONF,
            XFCONF_PATH,
            XFCONF,
            "SetProperty",
            "ssv",
            (XFCE_CHANNEL, XFCE_PROPERTY, ("b", True)),
        )
        return {}

    def silenced(self, state: State) -> bool:
        return state.get("set") is True and state.get("value") is True

    def restore(self, saved: State) -> None:
        if saved.get("set"):
            self.bus.call(
                XFCONF,
                XFCONF_PATH,
                XFCONF,
                "SetProperty",
                "ssv",
                (XFCE_CHANNEL, XFCE_PROPERTY, ("b", bool(saved.get("value")))),
            )
        else:
            self.bus.call(
                XFCONF,
                XFCONF_PATH,
                XFCONF,
                "ResetProperty",
                "ssb",
                (XFCE_CHANNEL, XFCE_PROPERTY, False),
            )


class MakoBackend:
    """mako: `makoctl mode` (the mode needs `[mode=do-not-disturb] invisible=1` in mako's
    config, and `[mode=do-not-disturb app-name=Splitday] invisible=0` to let the plan through)."""

    name, label = "mako", N_("mako (mode do-not-disturb while you focus)")
    passes_critical = False

    def __init__(self, tool: str) -> None:
        self.tool = tool

    def close(self) -> None:
        pass

    def _run(self, *args: str) -> str:
        try:
            done = subprocess.run(
                [self.tool, *args], capture_output=True, text=True, timeout=TIMEOUT + 3, check=False
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise DndFailed(tr("makoctl: {exc}").format(exc=exc)) from exc
        if done.returncode != 0:
            raise DndFailed(
                tr("makoctl {command}: {error}").format(
                    command=" ".join(args), error=done.stderr.strip()
                )
            )
        return done.stdout

    def read(self) -> State:
        return {"modes": [m for m in self._run("mode").split() if m]}

    def silence(self) -> State:
        self._run("mode", "-a", MAKO_MODE)
        return {}

    def silenced(self, state: State) -> bool:
        return MAKO_MODE in state.get("modes", [])

    def restore(self, saved: State) -> None:
        modes = [str(m) for m in saved.get("modes", [])] or ["default"]
        self._run("mode", "-s", *modes)


# ---------------------------------------------------------------- detection


@dataclass(frozen=True)
class Detected:
    """What `detect` found: a backend, or None and why (said in Settings)."""

    backend: Backend | None
    description: str


BACKENDS = ("dunst", "gnome", "kde", "xfce", "mako")


def _gnome(tool: str | None = None) -> Backend | None:
    tool = tool or shutil.which("gsettings")
    return GnomeBackend(tool) if tool else None


def _make(name: str, bus: Bus | None) -> Backend | None:
    if name == "gnome":
        return _gnome()
    if name == "mako":
        tool = shutil.which("makoctl")
        return MakoBackend(tool) if tool else None
    if bus is None:
        return None
    if name == "dunst":
        return DunstBackend(bus)
    if name == "kde":
        return KdeBackend(bus)
    if name == "xfce":
        return XfceBackend(bus)
    return None


def _by_server(server: str) -> str | None:
    lowered = server.lower()
    if lowered == "dunst":
        return "dunst"
    if lowered in ("plasma", "kde") or "plasma" in lowered or "knotif" in lowered:
        return "kde"
    if "xfce" in lowered:
        return "xfce"
    if lowered == "mako":
        return "mako"
    if "gnome" in lowered:
        return "gnome"
    return None


def _by_desktop(desktop: str) -> str | None:
    names = {part.strip().lower() for part in desktop.split(":")}
    if names & {"gnome", "ubuntu", "unity", "gnome-classic"}:
        return "gnome"
    if "kde" in names:
        return "kde"
    if "xfce" in names:
        return "xfce"
    return None


def detect(env: dict[str, str] | None = None, bus: Bus | None = None) -> Detected:
    """The desktop's DND, found at run time: $SPLITDAY_DND (a backend's name, or `none`) wins;
    else the running notification daemon (GetServerInformation); else $XDG_CURRENT_DESKTOP."""
    env = dict(os.environ) if env is None else env
    if sys.platform == "win32":
        return Detected(None, tr("Windows: Focus assist has no public API for applications"))
    if sys.platform == "darwin":
        return Detected(None, tr("macOS: Focus cannot be switched by an application"))
    forced = env.get("SPLITDAY_DND", "").strip().lower()
    if forced == "none":
        return Detected(None, tr("switched off by SPLITDAY_DND=none"))
    if bus is None:
        try:
            bus = Bus(env.get("DBUS_SESSION_BUS_ADDRESS") or None)
        except DndFailed as exc:
            bus = None
            why = str(exc)
        else:
            why = ""
    else:
        why = ""
    if forced:
        backend = _make(forced, bus) if forced in BACKENDS else None
        if bus is not None and (backend is None or forced in ("gnome", "mako")):
            bus.close()
        if backend is None:
            return Detected(
                None,
                tr("SPLITDAY_DND={forced}: not available here {why}")
                .format(forced=forced, why=why)
                .strip(),
            )
        return Detected(backend, tr(backend.label))
    server = server_information(bus) if bus is not None else None
    name = _by_server(server[0]) if server else None
    if name is None:
        name = _by_desktop(env.get("XDG_CURRENT_DESKTOP", ""))
    backend = _make(name, bus) if name else None
    if bus is not None and (backend is None or name in ("gnome", "mako")):
        bus.close()  # nothing here talks to the bus through it
    if backend is not None:
        return Detected(backend, tr(backend.label))
    if server:
        return Detected(
            None,
            tr("{server}: no Do Not Disturb that Splitday knows how to switch").format(
                server=server[0]
            ),
        )
    if why:
        return Detected(None, tr("no notification daemon found: {why}").format(why=why))
    return Detected(None, tr("no notification daemon found"))


# ---------------------------------------------------------------- on, off, and after a crash


def state_path() -> Path:
    from planner.platform.paths import data_dir

    return data_dir() / STATE_FILE


def _write_private(path: Path, data: State) -> None:
    """Atomically, 0600 in a 0700 folder: what to restore must survive a crash mid-write."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def read_saved(path: Path) -> State | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("the saved Do Not Disturb state %s is unreadable: %s", path, exc)
        return None
    return data if isinstance(data, dict) else None


class DndSwitch:
    """Turns one backend's DND on and back, with the state to restore kept on disk."""

    def close(self) -> None:
        self.backend.close()

    def __init__(self, backend: Backend, path: Path | None = None) -> None:
        self.backend = backend
        self.path = path or state_path()
        self.saved: State | None = None

    @property
    def engaged(self) -> bool:
        return self.saved is not None

    def engage(self, reason: str = "focus block") -> None:
        """DND on (nothing if it is on already). The state before is on disk first."""
        if self.saved is not None:
            return
        before = self.backend.read()
        record: State = {"backend": self.backend.name, "before": before, "reason": reason}
        record["pid"] = os.getpid()
        _write_private(self.path, record)
        try:
            record["extra"] = self.backend.silence()
        except DndFailed:
            self.path.unlink(missing_ok=True)
            raise
        _write_private(self.path, record)
        self.saved = record

    def release(self) -> str:
        """DND back as it was (nothing if Splitday did not switch it on). Returns what was done."""
        record, self.saved = self.saved, None
        if record is None:
            return "nothing to restore"
        return self._restore(record)

    def _restore(self, record: State) -> str:
        before = dict(record.get("before") or {})
        before.update(record.get("extra") or {})
        try:
            now = self.backend.read()
            if not self.backend.silenced(now):
                outcome = "left as the person set it meanwhile"
            else:
                self.backend.restore(before)
                outcome = "restored"
        finally:
            self.path.unlink(missing_ok=True)
        return outcome

    def recover(self) -> str | None:
        """At start-up: a state left by a crash is put back. None: there was nothing."""
        record = read_saved(self.path)
        if record is None:
            return None
        if record.get("backend") != self.backend.name:
            log.warning(
                "a Do Not Disturb state was left for %s, but the desktop is now %s; dropped",
                record.get("backend"),
                self.backend.name,
            )
            self.path.unlink(missing_ok=True)
            return "dropped"
        return self._restore(record)
