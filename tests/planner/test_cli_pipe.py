"""A closed pipe (`splitday … | head`) ends any command quietly, as a Unix tool killed by SIGPIPE:
nothing on stderr, exit status 128 + SIGPIPE, and what the command had to do is done."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EPIPE_STATUS = 128 + signal.SIGPIPE


def _env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    return {
        **env,
        "SPLITDAY_DATA_DIR": str(tmp_path / "data"),
        "SPLITDAY_SOCKET": str(tmp_path / "splitday.sock"),
        "SPLITDAY_NOW": "2026-12-07T08:50",
    }


def _closed_stdout(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI with a stdout pipe whose reading end is already closed (every write fails
    with EPIPE, whenever it happens: mid-command or at the interpreter's last flush)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "ui.shell.launcher", *args],
            cwd=ROOT,
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.fixture
def env_with_events(tmp_path: Path) -> dict[str, str]:
    env = _env(tmp_path)
    ics = tmp_path / "week.ics"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for day in range(7, 12):
        for hour in range(8, 18):
            lines += [
                "BEGIN:VEVENT",
                f"UID:m-{day}-{hour}@test",
                f"DTSTART:202612{day:02d}T{hour:02d}0000Z",
                f"DTEND:202612{day:02d}T{hour:02d}3000Z",
                f"SUMMARY:Meeting {day} {hour} " + "x" * 200,
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    ics.write_text("\r\n".join(lines) + "\r\n")
    done = subprocess.run(
        [sys.executable, "-m", "ui.shell.launcher", "calendar", "add", "week", str(ics)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return env


@pytest.mark.parametrize(
    "args",
    [
        ["calendar", "events", "--json", "--from", "2026-12-07"],
        ["calendar", "events", "--from", "2026-12-07"],
        ["calendar", "list", "--json"],
        ["status", "--json"],
        ["export-ics", "--from", "2026-12-07", "--to", "2026-12-11"],
    ],
)
@pytest.mark.parametrize("unbuffered", [False, True])
def test_a_closed_pipe_ends_the_command_quietly(
    env_with_events: dict[str, str], args: list[str], unbuffered: bool
) -> None:
    """Buffered, the write fails at the interpreter's last flush; unbuffered, mid-command."""
    env = {**env_with_events, **({"PYTHONUNBUFFERED": "1"} if unbuffered else {})}
    done = _closed_stdout(*args, env=env)
    assert done.stderr.decode() == ""
    assert done.returncode == EPIPE_STATUS


def test_head_reads_the_first_lines_and_nothing_is_said(env_with_events: dict[str, str]) -> None:
    """The real shape of it: far more output than a pipe holds, and `head` stops reading."""
    cli = f"{sys.executable} -m ui.shell.launcher calendar events --json --from 2026-12-07"
    done = subprocess.run(
        ["sh", "-c", f'{cli} | head -n 3; echo "status=$?" >&2'],
        cwd=ROOT,
        env=env_with_events,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.splitlines()[0] == "["
    assert len(done.stdout.splitlines()) == 3
    assert done.stderr.strip() == "status=0"  # only head's status; the CLI said nothing


def test_a_writing_command_still_commits_when_its_output_is_closed(
    env_with_events: dict[str, str],
) -> None:
    done = _closed_stdout("task", "add", "Write the FAQ", "--role", "Support", env=env_with_events)
    assert done.stderr.decode() == ""
    assert done.returncode == EPIPE_STATUS
    listed = subprocess.run(
        [sys.executable, "-m", "ui.shell.launcher", "task", "list", "--json"],
        cwd=ROOT,
        env=env_with_events,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert "Write the FAQ" in json.dumps(json.loads(listed.stdout))


def test_a_broken_pipe_that_is_not_stdout_is_still_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A BrokenPipeError from elsewhere (a socket, a child process) while stdout is fine is an
    error to report, not a reader going away."""
    from planner.cli import main as cli

    def broken(*_args: object, **_kw: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setitem(cli.HANDLERS, "status", broken)
    code = cli.main(["--db", f"sqlite:///{tmp_path / 'x.sqlite3'}", "status"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Broken pipe" in err
