"""Start Splitday at login: an XDG autostart entry, a macOS LaunchAgent or the Windows Run key.

The morning plan only works if the app is there in the morning. The Settings dialog calls
`for_platform().enable()` / `.disable()`; nothing here needs Qt.

- Linux/BSD: `$XDG_CONFIG_HOME/autostart/<APP_ID>.desktop` (XDG Autostart spec; GNOME, KDE,
  Xfce, Cinnamon, MATE and LXQt read it). Removing the file turns autostart off.
- macOS: `~/Library/LaunchAgents/<APP_ID>.plist` with `RunAtLoad` (launchd loads it at the next
  login). Written and read here, not tested on a Mac.
- Windows: the value `Splitday` under `HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`
  (what Settings > Apps > Startup lists). Not tested on Windows.
"""

from __future__ import annotations

import importlib
import os
import plistlib
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from planner import APP_ID

# Ours: a file with this key is one Splitday wrote, so `disable` never removes a user's own entry.
MARKER = "X-Splitday-Autostart"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "Splitday"


class Autostart(Protocol):
    def is_enabled(self) -> bool: ...

    def enable(self, command: Sequence[str] | None = None) -> str:
        """Start `command` (default: this Splitday) at login; returns where that is recorded."""
        ...

    def disable(self) -> bool:
        """Stop starting at login; False when it was not on."""
        ...

    def location(self) -> str: ...


def launch_command() -> list[str]:
    """How to start the Splitday that is running now: the frozen app, the script, or Python."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = shutil.which("splitday")
    if script:
        return [os.path.abspath(script)]
    return [sys.executable, "-m", "ui.shell.launcher"]


# ---------------------------------------------------------------- XDG (Linux, BSD)

# Characters that force an Exec argument into double quotes (Desktop Entry spec, "Exec key").
_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


def exec_quote(arg: str) -> str:
    """One argument of an Exec line, quoted as the Desktop Entry spec requires."""
    arg = arg.replace("%", "%%")
    if arg and not _RESERVED.intersection(arg):
        return arg
    inner = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
    return f'"{inner}"'


def exec_line(command: Sequence[str]) -> str:
    """The Exec value: quoted arguments, then the string-level escape of backslashes."""
    return " ".join(exec_quote(a) for a in command).replace("\\", "\\\\")


def autostart_entry(command: Sequence[str]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Splitday\n"
        "Comment=Start Splitday at login so the day's plan is ready in the morning\n"
        f"Exec={exec_line(command)}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
        f"{MARKER}=true\n"
    )


class XdgAutostart:
    """`$XDG_CONFIG_HOME/autostart/<APP_ID>.desktop`."""

    def __init__(self, config_home: Path | None = None) -> None:
        if config_home is None:
            import platformdirs

            config_home = platformdirs.user_config_path()  # honours $XDG_CONFIG_HOME
        self.path = config_home / "autostart" / f"{APP_ID}.desktop"

    def location(self) -> str:
        return str(self.path)

    def is_enabled(self) -> bool:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return False
        # Hidden=true is how a desktop hides a system-wide entry for one user.
        lines = {line.strip() for line in text.splitlines()}
        return "Hidden=true" not in lines and "X-GNOME-Autostart-enabled=false" not in lines

    def enable(self, command: Sequence[str] | None = None) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(autostart_entry(command or launch_command()), encoding="utf-8")
        os.replace(tmp, self.path)
        return str(self.path)

    def disable(self) -> bool:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return False
        if f"{MARKER}=true" not in text:
            # A user's or a desktop's own entry: turn it off the XDG way, keep their file.
            self.path.write_text(text.rstrip("\n") + "\nHidden=true\n", encoding="utf-8")
            return True
        self.path.unlink()
        return True


# ---------------------------------------------------------------- macOS


class LaunchAgent:
    """`~/Library/LaunchAgents/<APP_ID>.plist`, loaded by launchd at login."""

    def __init__(self, home: Path | None = None) -> None:
        self.path = (home or Path.home()) / "Library" / "LaunchAgents" / f"{APP_ID}.plist"

    def location(self) -> str:
        return str(self.path)

    def is_enabled(self) -> bool:
        try:
            data = plistlib.loads(self.path.read_bytes())
        except (FileNotFoundError, plistlib.InvalidFileException):
            return False
        return bool(data.get("RunAtLoad")) and not data.get("Disabled", False)

    def enable(self, command: Sequence[str] | None = None) -> str:
        agent = {
            "Label": APP_ID,
            "ProgramArguments": list(command or launch_command()),
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(plistlib.dumps(agent))
        return str(self.path)

    def disable(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


# ---------------------------------------------------------------- Windows


def _winreg() -> Any:
    """The stdlib's winreg (Windows only; typed loosely so mypy on Linux can check this file)."""
    return importlib.import_module("winreg")


class WindowsRunKey:
    """The `Splitday` value under HKCU's Run key (per user, no administrator rights)."""

    def location(self) -> str:
        return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{RUN_VALUE}"

    def is_enabled(self) -> bool:
        winreg = _winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                winreg.QueryValueEx(key, RUN_VALUE)
        except OSError:
            return False
        return True

    def enable(self, command: Sequence[str] | None = None) -> str:
        winreg = _winreg()
        line = subprocess.list2cmdline(list(command or launch_command()))
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, line)
        return self.location()

    def disable(self) -> bool:
        winreg = _winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, RUN_VALUE)
        except OSError:
            return False
        return True


def for_platform(platform: str | None = None, home: Path | None = None) -> Autostart:
    """The autostart mechanism of this OS (`platform` as in `sys.platform`)."""
    platform = platform or sys.platform
    if platform == "win32":
        return WindowsRunKey()
    if platform == "darwin":
        return LaunchAgent(home)
    return XdgAutostart(home / ".config" if home is not None else None)
