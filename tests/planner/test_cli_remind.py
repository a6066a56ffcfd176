"""`splitday reminders`: list the day's reminders; switch kinds and quiet hours."""

from __future__ import annotations

import json

import pytest

from planner.cli import main as cli
from planner.services import planning, reminders
from planner.storage.db import Database


@pytest.fixture(autouse=True)
def _registered(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "planner.cli.remind" in cli.EXTENSIONS
    monkeypatch.setenv("SPLITDAY_OWNER", "tester")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    monkeypatch.setattr("planner.domain.clock._local_zone", None)


def test_lists_the_day_with_states(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPLITDAY_NOW", "2026-11-24T11:30")
    base = ["--db", db_url]
    assert cli.main([*base, "slot", "add", "2026-11-24", "11:00-12:00", "Community", "News"]) == 0
    assert cli.main([*base, "slot", "add", "2026-11-24", "14:00-15:00", "Support"]) == 0
    capsys.readouterr()
    assert cli.main([*base, "reminders"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "switched off: none; quiet hours: none"
    assert out[1:] == [
        "10:58  due       Community 11:00–12:00 — News — starts in 2 min",
        "11:55  upcoming  Community 11:00–12:00 ends in 5 min — Ends at 12:00.",
        "12:30  upcoming  Lunch 12:30–13:15 — Time for a break.",  # written with the first slot
        "13:15  upcoming  Lunch is over — Back to work at 13:15.",
        "13:58  upcoming  Support 14:00–15:00 — starts in 2 min",
        "14:55  upcoming  Support 14:00–15:00 ends in 5 min — Ends at 15:00.",
        "17:30  upcoming  Time to stop — You set 17:30 as your stop. "
        "All of today's tasks are done.",
    ]


def test_switches_and_quiet_hours(
    db: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--db", db_url, "reminders"]
    assert cli.main([*base, "--off", "overtime", "--off", "slot_end", "--quiet", "22:00-7:00"]) == 0
    assert capsys.readouterr().out.startswith(
        "switched off: overtime, slot_end; quiet hours: 22:00–07:00"
    )
    with db.transaction() as s:
        prefs = reminders.load_prefs(s, "tester")
        assert planning.get_setting(s, "tester", "quiet_hours_end") == "07:00"
    assert reminders.Kind.OVERTIME not in prefs.enabled
    assert prefs.quiet == (22 * 60, 7 * 60)
    assert cli.main([*base, "--on", "overtime", "--quiet", "off", "--lead", "5", "--json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)
    with db.transaction() as s:
        prefs = reminders.load_prefs(s, "tester")
    assert prefs.quiet is None and reminders.Kind.OVERTIME in prefs.enabled
    assert prefs.lead.total_seconds() == 300


@pytest.mark.parametrize(
    "args, message",
    [
        (["--off", "naps"], "no reminder kind 'naps'"),
        (["--quiet", "22:00"], "quiet hours look like"),
        (["--quiet", "25:99-07:00"], "not a time"),
        (["--lead", "600"], "between 0 and 60"),
    ],
)
def test_bad_input_is_one_line(
    db: Database, db_url: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert cli.main(["--db", db_url, "reminders", *args]) != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
