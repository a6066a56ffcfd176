"""Text from a calendar server or typed in earlier never drives the terminal it is printed on:
escape sequences, other control characters and bidi overrides are neutralised everywhere the
command line prints; --json keeps the text exactly, escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.cli.main import main
from planner.domain.printable import printable

ESC = "\x1b"
HOSTILE = f"Stand-up {ESC}]0;pwned\x07{ESC}[2J\u202egnp.exe\x9b31m"
CONTROLS = [ESC, "\x07", "\u202e", "\x9b", "\r"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _clean(text: str) -> None:
    found = [repr(c) for c in CONTROLS if c in text]
    assert not found, f"{found} reached the terminal in {text!r}"


def test_printable_neutralises_controls_and_keeps_the_rest() -> None:
    text = f"a{ESC}[31mb\x07c\rd\u202ee\u2066f\x9bg\x7fh\tі\nשלום 🙂‍↔️"
    out = printable(text)
    _clean(out)
    assert "\x7f" not in out and "\u2066" not in out
    assert out.endswith("\tі\nשלום 🙂‍↔️")  # tabs, newlines, any script and emoji stay
    assert out.startswith("a␛[31mb␇c␍d")  # C0 as visible pictures: one can see it was there
    assert printable("plain text") == "plain text"


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPLITDAY_NOW", "2026-11-24T08:15")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    import planner.domain.clock

    monkeypatch.setattr(planner.domain.clock, "_local_zone", None)
    ics = tmp_path / "remote.ics"
    ics.write_bytes(
        (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//EN\r\nBEGIN:VEVENT\r\nUID:h1\r\n"
            f"SUMMARY:{HOSTILE}\r\nLOCATION:Room \u202e1{ESC}[8m\r\n"
            "DTSTART;TZID=Europe/Berlin:20261124T093000\r\n"
            "DTEND;TZID=Europe/Berlin:20261124T094500\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ).encode()
    )
    return ics


def test_nothing_the_cli_prints_drives_the_terminal(
    capsys: pytest.CaptureFixture[str], hostile: Path
) -> None:
    assert run(capsys, "calendar", "add", f"Team{ESC}[5m", str(hostile))[0] == 0
    assert run(capsys, "roles", "add", f"Ops{ESC}[41m\x9b")[0] == 0
    assert run(capsys, "task", "add", f"red{ESC}[31m", "\u202edone", "--role", "Support")[0] == 0
    assert run(capsys, "slot", "add", "today", "10:00-11:00", "Support", f"deep{ESC}[2K")[0] == 0
    assert run(capsys, "start", "Support")[0] == 0
    assert run(capsys, "interrupt", f"boss{ESC}]0;title\x07", "--source", "\u202ephone")[0] == 0
    outputs = []
    for args in (
        ["plan"],
        ["calendar", "events", "--from", "2026-11-24"],
        ["calendar", "list"],
        ["calendar", "sync", "--force"],
        ["status"],
        ["task", "list"],
        ["roles", "list"],
    ):
        code, out, err = run(capsys, *args)
        assert code == 0, (args, err)
        _clean(out + err)
        outputs.append(out)
    plan, events = outputs[0], outputs[1]
    assert "Stand-up ␛]0;pwned␇␛[2J" in plan  # still there, visibly, and harmless
    assert "Stand-up ␛]0;pwned␇" in events


def test_json_keeps_the_text_exactly_and_escaped(
    capsys: pytest.CaptureFixture[str], hostile: Path
) -> None:
    assert run(capsys, "calendar", "add", "Team", str(hostile))[0] == 0
    code, out, _ = run(capsys, "calendar", "events", "--from", "2026-11-24", "--json")
    assert code == 0
    _clean(out)
    (event,) = json.loads(out)
    assert event["summary"] == HOSTILE  # lossless for scripts
    assert event["location"].startswith("Room \u202e1")
