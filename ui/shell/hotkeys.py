"""The interruption hotkey in layers: in-app shortcut, pynput global hotkey, desktop command.

No app may grab keys on Wayland, so there the desktop's own shortcut settings run
`splitday interrupt` (docs/hotkeys.md); on X11 and Windows pynput listens when it is installed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from planner.domain.i18n import tr

DEFAULT_SEQUENCE = "Ctrl+Alt+I"
ECHO_SECONDS = 0.3  # a second trigger this soon is the same press heard by the other layer


@dataclass(frozen=True)
class Layer:
    name: str
    active: bool
    detail: str


@dataclass(frozen=True)
class HotkeyStatus:
    """Which hotkey layers work on this desktop and why (shown in the Settings dialog)."""

    sequence: str
    layers: tuple[Layer, ...]

    def describe(self) -> str:
        lines = [tr("Hotkey {sequence}:").format(sequence=self.sequence)]
        for layer in self.layers:
            mark = "on " if layer.active else "off"
            lines.append(f"  [{mark}] {layer.name}: {layer.detail}")
        return "\n".join(lines)


class GlobalListener(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


# Builds a started-able listener that calls back (in its own thread) on the key combination.
ListenerFactory = Callable[[str, Callable[[], None]], GlobalListener]


def session_type() -> str:
    """'wayland', 'x11', 'windows', 'macos' or 'unknown' (no display at all)."""
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith("wayland"):
        return "wayland"
    if platform.startswith(("offscreen", "minimal")):
        return "unknown"
    if os.environ.get("XDG_SESSION_TYPE") == "wayland" or os.environ.get("WAYLAND_DISPLAY"):
        return "wayland"
    if os.environ.get("DISPLAY"):
        return "x11"
    return "unknown"


def to_pynput(sequence: str) -> str:
    """'Ctrl+Alt+I' -> '<ctrl>+<alt>+i' (pynput's HotKey.parse format)."""
    text = QKeySequence(sequence).toString(QKeySequence.SequenceFormat.PortableText)
    if not text or "," in text:
        raise ValueError(tr("not a single key combination: {sequence!r}").format(sequence=sequence))
    names = {"ctrl": "<ctrl>", "alt": "<alt>", "shift": "<shift>", "meta": "<cmd>"}
    parts = []
    for part in text.split("+"):
        low = part.lower()
        if low in names:
            parts.append(names[low])
        elif len(part) == 1:
            parts.append(low)
        else:
            parts.append(f"<{low}>")
    return "+".join(parts)


def pynput_listener(combo: str, callback: Callable[[], None]) -> GlobalListener:
    """The real global listener (imported only here: pynput connects to X on import)."""
    from pynput import keyboard

    listener: Any = keyboard.GlobalHotKeys({combo: callback})
    listener.daemon = True
    return listener  # type: ignore[no-any-return]


class Hotkeys(QObject):
    """Emits `triggered(at)` with the moment of the key press, on the GUI thread."""

    triggered = Signal(object)  # datetime (aware UTC)
    _global_pressed = Signal(object)

    def __init__(
        self,
        sequence: str = DEFAULT_SEQUENCE,
        *,
        now: Callable[[], datetime] | None = None,
        global_enabled: bool = True,
        listener_factory: ListenerFactory | None = None,
        session: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.sequence = QKeySequence(sequence or DEFAULT_SEQUENCE)
        self._now = now or (lambda: datetime.now(UTC))
        self._global_enabled = global_enabled
        self._factory = listener_factory
        self._session = session or session_type()
        self._shortcuts: list[QShortcut] = []
        self._listener: GlobalListener | None = None
        self._global_layer = Layer(tr("global hotkey"), False, tr("not started"))
        self._last_emit = -ECHO_SECONDS
        # Queued: the listener thread stamps the time, the GUI thread acts on it.
        self._global_pressed.connect(self._on_global_pressed, Qt.ConnectionType.QueuedConnection)

    def set_sequence(self, sequence: str) -> HotkeyStatus:
        """A new hotkey from Settings: re-bind the in-app shortcuts and restart the listener."""
        new = QKeySequence(sequence)
        if new.isEmpty() or new.count() != 1:
            raise ValueError(
                tr("not a single key combination: {sequence!r}").format(sequence=sequence)
            )
        self.sequence = new
        for shortcut in self._shortcuts:
            shortcut.setKey(new)
        if self._listener is not None:
            self.stop()
            self.start_global()
        return self.status()

    def text(self) -> str:
        return self.sequence.toString(QKeySequence.SequenceFormat.NativeText)

    # ------------------------------------------------------------------ layer 1: in the app

    def install_app_shortcut(self, widget: QWidget) -> QShortcut:
        """Active whenever any Splitday window has the focus."""
        shortcut = QShortcut(self.sequence, widget)
        shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        shortcut.setAutoRepeat(False)
        shortcut.activated.connect(self._on_shortcut_activated)
        self._shortcuts.append(shortcut)
        return shortcut

    def _on_shortcut_activated(self) -> None:
        self._emit(self._now())

    def _emit(self, at: datetime) -> None:
        # One press reaches both layers when a Splitday window has the focus (pynput listens,
        # it does not grab); whichever comes first wins. Not "skip the global one while the app
        # is active": a modal dialog blocks the in-app shortcut, and then only pynput hears it.
        moment = time.monotonic()
        if moment - self._last_emit < ECHO_SECONDS:
            return
        self._last_emit = moment
        self.triggered.emit(at)

    # ------------------------------------------------------------------ layer 3: pynput

    def start_global(self) -> Layer:
        """Start the pynput listener where it can work; the layer says why it is off."""
        self._global_layer = self._start_global()
        return self._global_layer

    def _start_global(self) -> Layer:
        name = tr("global hotkey (pynput)")
        if not self._global_enabled:
            return Layer(name, False, tr("turned off in Settings"))
        if self._session == "wayland":
            return Layer(
                name,
                False,
                tr(
                    "Wayland does not let apps grab keys; bind `splitday interrupt` in the "
                    "desktop's keyboard shortcuts instead"
                ),
            )
        if self._session not in ("x11", "windows"):
            return Layer(
                name,
                False,
                tr("no X11 or Windows desktop ({session})").format(session=self._session),
            )
        try:
            combo = to_pynput(self.sequence.toString())
            factory = self._factory or pynput_listener
            listener = factory(combo, self._on_listener_thread_pressed)
            listener.start()
        except ImportError as exc:
            missing = tr("pynput is not installed (pip install 'splitday[hotkey]')")
            return Layer(name, False, missing if "pynput" in str(exc) else str(exc))
        except Exception as exc:  # a broken X connection must not stop the app
            return Layer(name, False, tr("could not start: {exc}").format(exc=exc))
        self._listener = listener
        return Layer(
            name, True, tr("listening for {text} in every application").format(text=self.text())
        )

    def _on_listener_thread_pressed(self) -> None:
        # Runs in pynput's thread: stamp the press now, hand it to the GUI thread.
        self._global_pressed.emit(self._now())

    def _on_global_pressed(self, at: datetime) -> None:
        self._emit(at)

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        self._global_layer = Layer(self._global_layer.name, False, "stopped")

    # ------------------------------------------------------------------ report

    def status(self) -> HotkeyStatus:
        app_layer = Layer(
            tr("in-app shortcut"),
            bool(self._shortcuts),
            tr("{text} while a Splitday window has the focus").format(text=self.text())
            if self._shortcuts
            else tr("not installed"),
        )
        command = Layer(
            tr("desktop shortcut command"),
            True,
            tr(
                "bind `splitday interrupt` (and `splitday toggle`) in the desktop's keyboard "
                "settings; works on Wayland too (docs/hotkeys.md)"
            ),
        )
        return HotkeyStatus(self.text(), (app_layer, self._global_layer, command))
