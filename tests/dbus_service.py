"""Test D-Bus services on a real bus, shaped exactly by a published introspection XML.

`session_bus()` starts a private `dbus-daemon --session` (the machine's own session config, so
services such as xfconfd are activated as on a desktop) and yields its address.
`XmlService` owns a bus name and serves the objects of an introspection file kept under
tests/dbus/ (each names its upstream source): only the methods, signatures, properties and
signals in that file exist; a call with another signature gets the bus's InvalidArgs error;
Introspect returns the file itself. The behaviour behind each method is a Python handler.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    MessageType,
    new_error,
    new_method_call,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

INTERFACES = Path(__file__).resolve().parent / "dbus"
ANY_USER = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <include>/usr/share/dbus-1/session.conf</include>
  <policy context="default"><allow user="*"/></policy>
</busconfig>
"""


@contextmanager
def session_bus(
    env: dict[str, str] | None = None, *, any_user: bool = False, tmp: Path | None = None
) -> Iterator[str]:
    """A private session bus daemon; yields its address (torn down afterwards). `any_user`:
    the session policy plus connections from every user (a daemon run as another user, as
    the mako test does), with the config written into `tmp`."""
    tool = shutil.which("dbus-daemon")
    if tool is None:
        raise RuntimeError("dbus-daemon not installed (run tests/install-system-deps.sh)")
    which = ["--session"]
    if any_user:
        assert tmp is not None
        config = tmp / "any-user-session.conf"
        config.write_text(ANY_USER)
        which = [f"--config-file={config}"]
    proc = subprocess.Popen(
        [tool, *which, "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env if env is not None else dict(os.environ),
        text=True,
    )
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        if not address:
            raise RuntimeError("dbus-daemon printed no address")
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


def wait_for_name(address: str, name: str, timeout: float = 10.0) -> None:
    conn = open_dbus_connection(bus=address)
    try:
        deadline = time.monotonic() + timeout
        while True:
            reply = conn.send_and_get_reply(message_bus.NameHasOwner(name), timeout=2)
            if reply.body[0]:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} did not appear on the bus")
            time.sleep(0.05)
    finally:
        conn.close()


@dataclass
class Method:
    inputs: str
    outputs: str


@dataclass
class Interface:
    name: str
    methods: dict[str, Method] = field(default_factory=dict)
    properties: dict[str, tuple[str, str]] = field(default_factory=dict)  # name: (type, access)
    signals: dict[str, str] = field(default_factory=dict)  # name: signature


def read_interfaces(path: Path) -> dict[str, Interface]:
    """The interfaces of an introspection file (comments and annotations ignored)."""
    out: dict[str, Interface] = {}
    for node in ET.parse(path).getroot().iter("interface"):
        iface = Interface(node.attrib["name"])
        for m in node.findall("method"):
            args = m.findall("arg")
            iface.methods[m.attrib["name"]] = Method(
                "".join(a.attrib["type"] for a in args if a.get("direction", "in") == "in"),
                "".join(a.attrib["type"] for a in args if a.get("direction") == "out"),
            )
        for p in node.findall("property"):
            iface.properties[p.attrib["name"]] = (p.attrib["type"], p.attrib["access"])
        for s in node.findall("signal"):
            iface.signals[s.attrib["name"]] = "".join(a.attrib["type"] for a in s.findall("arg"))
        out[iface.name] = iface
    return out


class DBusRefusal(Exception):
    """Raised by a handler: the service answers with this D-Bus error."""

    def __init__(self, name: str, text: str = "") -> None:
        super().__init__(name)
        self.name, self.text = name, text


Handler = Callable[..., Any]  # (sender, *args) -> the out values (a tuple, one value, or None)


class XmlService:
    """Serves `path` (or several paths, each with every interface of the file) under
    `bus_name`, with the interfaces of `xml`, in a thread of its own."""

    def __init__(
        self,
        address: str,
        bus_name: str,
        path: str | tuple[str, ...],
        xml: Path,
        handlers: dict[str, Handler],
        properties: dict[str, Callable[[], Any]] | None = None,
        on_disconnect: Callable[[str], None] | None = None,
    ) -> None:
        self.paths = (path,) if isinstance(path, str) else path
        self.address, self.bus_name, self.path, self.xml = address, bus_name, self.paths[0], xml
        self.interfaces = read_interfaces(xml)
        self.handlers = handlers
        self.properties = properties or {}
        self.on_disconnect = on_disconnect
        self.calls: list[tuple[str, str, tuple[Any, ...]]] = []  # (interface, member, body)
        self._outbox: queue.Queue[Any] = queue.Queue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> XmlService:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"{self.bus_name} did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def emit(self, interface: str, signal: str, *body: Any, path: str | None = None) -> None:
        """Send a signal of the file's interface (its signature from the file)."""
        signature = self.interfaces[interface].signals[signal]
        emitter = DBusAddress(path or self.path, interface=interface)
        self._outbox.put(new_signal(emitter, signal, signature, tuple(body)))

    def _serve(self) -> None:
        conn = open_dbus_connection(bus=self.address)
        try:
            reply = conn.send_and_get_reply(message_bus.RequestName(self.bus_name, 4), timeout=5)
            assert reply.body[0] == 1, f"could not own {self.bus_name}: {reply.body}"
            rule = (
                "type='signal',sender='org.freedesktop.DBus',"
                "interface='org.freedesktop.DBus',member='NameOwnerChanged'"
            )
            conn.send(
                new_method_call(
                    DBusAddress(
                        "/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus"
                    ),
                    "AddMatch",
                    "s",
                    (rule,),
                )
            )
            self._ready.set()
            while not self._stop.is_set():
                while not self._outbox.empty():
                    conn.send(self._outbox.get())
                try:
                    msg = conn.receive(timeout=0.05)
                except TimeoutError:
                    continue
                self._handle(conn, msg)
        finally:
            conn.close()

    def _handle(self, conn: Any, msg: Any) -> None:
        header = msg.header
        if header.message_type == MessageType.signal:
            fields = header.fields
            if fields.get(HeaderFields.member) == "NameOwnerChanged" and self.on_disconnect:
                name, _old, new = msg.body
                if name.startswith(":") and not new:
                    self.on_disconnect(name)
            return
        if header.message_type != MessageType.method_call:
            return
        fields = header.fields
        iface = fields.get(HeaderFields.interface, "")
        member = fields.get(HeaderFields.member, "")
        path = fields.get(HeaderFields.path, "")
        sender = fields.get(HeaderFields.sender, "")
        signature = fields.get(HeaderFields.signature, "")
        if path not in self.paths:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownObject", "s", (path,)))
            return
        if iface == "org.freedesktop.DBus.Introspectable" and member == "Introspect":
            conn.send(new_method_return(msg, "s", (self.xml.read_text(),)))
            return
        if iface == "org.freedesktop.DBus.Properties":
            self._property(conn, msg, member, msg.body)
            return
        found = self.interfaces.get(iface)
        method = found.methods.get(member) if found else None
        if method is None:
            conn.send(
                new_error(
                    msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (f"{iface}.{member}",)
                )
            )
            return
        if signature != method.inputs:
            conn.send(
                new_error(
                    msg,
                    "org.freedesktop.DBus.Error.InvalidArgs",
                    "s",
                    (f"{member} takes ({method.inputs}), got ({signature})",),
                )
            )
            return
        self.calls.append((iface, member, tuple(msg.body)))
        handler = self.handlers.get(member)
        if handler is None:  # in the file, but this test gave it no behaviour
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.NotSupported", "s", (member,)))
            return
        try:
            result = handler(sender, *msg.body)
        except DBusRefusal as exc:
            conn.send(new_error(msg, exc.name, "s", (exc.text,)))
            return
        except Exception as exc:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.Failed", "s", (str(exc),)))
            return
        if not method.outputs:
            body: tuple[Any, ...] = ()
        elif isinstance(result, tuple):
            body = result
        else:
            body = (result,)
        conn.send(new_method_return(msg, method.outputs, body))

    def _property(self, conn: Any, msg: Any, member: str, body: tuple[Any, ...]) -> None:
        if member == "Get":
            iface, name = body
            known = self.interfaces.get(iface)
            if known is None or name not in known.properties or name not in self.properties:
                conn.send(
                    new_error(msg, "org.freedesktop.DBus.Error.UnknownProperty", "s", (name,))
                )
                return
            kind = known.properties[name][0]
            conn.send(new_method_return(msg, "v", ((kind, self.properties[name]()),)))
        elif member == "GetAll":
            (iface,) = body
            known = self.interfaces.get(iface)
            values = {
                n: (t, self.properties[n]())
                for n, (t, _a) in (known.properties.items() if known else [])
                if n in self.properties
            }
            conn.send(new_method_return(msg, "a{sv}", (values,)))
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.PropertyReadOnly", "s", (member,)))
