"""Autostart: the XDG entry written/removed under a temporary XDG_CONFIG_HOME; the macOS agent."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest

from planner import APP_ID
from planner.platform import autostart


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def _split_exec(value: str) -> list[str]:
    """Read an Exec value back as the Desktop Entry spec says a launcher must."""
    text = value.replace("\\\\", "\\")  # the string-level escape comes first
    args: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == " ":
            i += 1
            continue
        arg = ""
        if text[i] == '"':
            i += 1
            while text[i] != '"':
                if text[i] == "\\" and text[i + 1] in '"`$\\':
                    i += 1
                arg += text[i]
                i += 1
            i += 1
        else:
            while i < len(text) and text[i] != " ":
                arg += text[i]
                i += 1
        args.append(arg.replace("%%", "%"))
    return args


def _exec_value(path: Path) -> str:
    line = next(x for x in path.read_text().splitlines() if x.startswith("Exec="))
    return line.removeprefix("Exec=")


def test_enable_writes_the_entry_under_xdg_config_home(config_home: Path) -> None:
    start = autostart.for_platform("linux")
    assert not start.is_enabled()
    where = start.enable(["/opt/splitday/splitday"])
    path = config_home / "autostart" / f"{APP_ID}.desktop"
    assert where == str(path) == start.location()
    assert start.is_enabled()
    text = path.read_text()
    assert text.startswith("[Desktop Entry]\n")
    assert "Exec=/opt/splitday/splitday\n" in text
    assert f"Icon={APP_ID}\n" in text
    assert not list(path.parent.glob("*.tmp"))


def test_disable_removes_our_entry_and_is_idempotent(config_home: Path) -> None:
    start = autostart.for_platform("linux")
    start.enable(["splitday"])
    assert start.disable() is True
    assert not (config_home / "autostart" / f"{APP_ID}.desktop").exists()
    assert not start.is_enabled()
    assert start.disable() is False


def test_enable_twice_rewrites_with_the_new_command(config_home: Path) -> None:
    start = autostart.for_platform("linux")
    start.enable(["/old/splitday"])
    start.enable(["/new/splitday"])
    path = Path(start.location())
    assert _exec_value(path) == "/new/splitday"
    assert [p.name for p in path.parent.iterdir()] == [f"{APP_ID}.desktop"]


def test_disable_keeps_a_users_own_entry_but_hides_it(config_home: Path) -> None:
    path = config_home / "autostart" / f"{APP_ID}.desktop"
    path.parent.mkdir(parents=True)
    path.write_text("[Desktop Entry]\nType=Application\nName=Mine\nExec=splitday --db x\n")
    start = autostart.for_platform("linux")
    assert start.is_enabled()
    assert start.disable() is True
    assert path.exists()
    assert "Exec=splitday --db x" in path.read_text()
    assert not start.is_enabled()


@pytest.mark.parametrize(
    "command",
    [
        ["/opt/My Apps/splitday"],
        ["/usr/bin/python3", "-m", "planner.cli.main"],
        ["/home/o'brien/bin/splitday"],
        ["C:\\odd\\path with space\\splitday.exe"],
        ["/opt/100%/splitday", "--db", "sqlite:////tmp/a $b.sqlite3"],
    ],
)
def test_exec_line_round_trips_through_desktop_entry_quoting(command: list[str]) -> None:
    assert _split_exec(autostart.exec_line(command)) == command


def test_launch_command_points_at_something_that_runs() -> None:
    command = autostart.launch_command()
    assert Path(command[0]).is_absolute()
    assert Path(command[0]).exists()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils")
def test_written_entry_passes_desktop_file_validate(config_home: Path) -> None:
    start = autostart.for_platform("linux")
    start.enable(["/opt/My Apps/splitday", "--db", "sqlite:////tmp/x y.sqlite3"])
    result = subprocess.run(
        ["desktop-file-validate", start.location()], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_macos_launch_agent_round_trip(tmp_path: Path) -> None:
    start = autostart.for_platform("darwin", home=tmp_path)
    assert not start.is_enabled()
    where = start.enable(["/Applications/Splitday.app/Contents/MacOS/splitday"])
    assert where == str(tmp_path / "Library" / "LaunchAgents" / f"{APP_ID}.plist")
    agent = plistlib.loads(Path(where).read_bytes())
    assert agent["Label"] == APP_ID
    assert agent["RunAtLoad"] is True
    assert agent["ProgramArguments"] == ["/Applications/Splitday.app/Contents/MacOS/splitday"]
    assert start.is_enabled()
    assert start.disable() is True
    assert not start.is_enabled()
    assert start.disable() is False


def test_windows_uses_the_per_user_run_key() -> None:
    start = autostart.for_platform("win32")
    assert start.location().startswith("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows")
