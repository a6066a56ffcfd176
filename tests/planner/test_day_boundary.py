"""The day boundary (setting day_start_minute, 04:00 by default) on the command line: a slot in
the small hours is filed under the day the boundary says and the command says which; a workday
cannot begin before its day does; status never shows "-0 min"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from planner.cli.main import main
from planner.domain.errors import PlannerError
from planner.services import planning
from planner.storage.db import Database, open_database
from planner.storage.models import Entry


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def berlin_tuesday(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPLITDAY_NOW", "2026-11-24T10:15")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    import planner.domain.clock

    monkeypatch.setattr(planner.domain.clock, "_local_zone", None)


def test_a_slot_in_the_small_hours_says_which_day_it_is_filed_under(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "slot", "add", "2026-11-26", "02:15-02:45", "Support", "on", "call"
    )
    assert code == 0, err
    assert "on the plan of Wed 2026-11-25" in out and "days start at 04:00" in out
    assert "still the night of Wed 25" in out
    code, out, _ = run(capsys, "plan", "2026-11-25", "--json")
    (slot,) = json.loads(out)["slots"]
    assert slot["start"] == "2026-11-26T02:15+01:00" and slot["title"] == "on call"
    assert json.loads(run(capsys, "plan", "2026-11-26", "--json")[1])["slots"] == []
    # the night after the 26th is the 27th by the calendar, and the 26th's plan by the boundary
    code, out, _ = run(capsys, "slot", "add", "2026-11-27", "02:15-02:45", "Support")
    assert code == 0 and "on the plan of Thu 2026-11-26" in out
    (slot,) = json.loads(run(capsys, "plan", "2026-11-26", "--json")[1])["slots"]
    assert slot["start"] == "2026-11-27T02:15+01:00"
    code, out, _ = run(capsys, "slot", "add", "2026-11-26", "10:00-11:00", "Support")
    assert code == 0 and "on the plan of" not in out  # in daytime nothing needs saying


def test_a_workday_cannot_start_before_its_day(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "day", "2026-11-26", "--start", "01:00")
    assert code == 1
    assert "before the day itself starts at 04:00" in err and "day_start_minute" in err
    code, _, err = run(capsys, "day", "2026-11-26", "--start", "09:00", "--stop", "05:00+1")
    assert code == 1 and "after the next day starts at 04:00" in err
    assert run(capsys, "day", "2026-11-26", "--start", "04:00", "--stop", "20:00")[0] == 0
    assert run(capsys, "day", "2026-11-26", "--start", "18:00", "--stop", "03:30+1")[0] == 0


def test_default_hours_follow_the_same_rule(db: Database, zone: object) -> None:
    with db.transaction() as s, pytest.raises(PlannerError, match="before the day itself"):
        planning.set_workday_hours(s, "tester", 0, 2 * 60, 10 * 60, True)
    with db.transaction() as s:
        planning.set_setting(s, "tester", "day_start_minute", 0)  # days start at midnight
        planning.set_workday_hours(s, "tester", 0, 2 * 60, 10 * 60, True)


def test_status_never_says_minus_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """An entry stamped a few seconds ahead (another device's clock) is 0 min, not -0."""
    assert run(capsys, "status")[0] == 0
    db = open_database(None)
    now = datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
    with db.transaction() as s:
        role = planning.find_role(s, db.owner, "Support").id
        s.add(
            Entry(
                owner=db.owner,
                start=now - timedelta(minutes=2),
                end=now + timedelta(seconds=10),
                kind="interruption",
                role_id=role,
            )
        )
        s.add(Entry(owner=db.owner, start=now + timedelta(seconds=20), kind="work", role_id=role))
    db.close()
    code, out, _ = run(capsys, "status")
    assert code == 0 and "-0" not in out, out
    code, out, _ = run(capsys, "status", "--json")
    assert "-0" not in out, out
    assert json.loads(out)["running"]["minutes"] == 0
