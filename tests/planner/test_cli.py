"""The command line as a user runs it: outputs, JSON shapes, errors as one line."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from planner.cli.main import main, parse_duration

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def at_tuesday_morning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPLITDAY_NOW", "2026-11-24T10:15")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    import planner.domain.clock

    monkeypatch.setattr(planner.domain.clock, "_local_zone", None)


def test_parse_duration() -> None:
    assert [parse_duration(x) for x in ("30m", "1h", "1h30m", "90", "1:15", "10min")] == [
        30,
        60,
        90,
        90,
        75,
        10,
    ]


@pytest.mark.usefixtures("at_tuesday_morning")
def test_demo_then_auto_plan_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--weeks", "4")
    assert code == 0 and "20 days" in out
    code, out, _ = run(capsys, "plan", "--auto", "--json")
    plan = json.loads(out)
    assert plan["date"] == "2026-11-24" and plan["timezone"] == "Europe/Berlin"
    assert plan["slots"] and all(s["origin"] in ("auto", "manual") for s in plan["slots"])
    assert [m["summary"] for m in plan["meetings"]] == ["Stand-up"]
    shares = plan["share"]
    assert set(shares) == {"Support", "Community"}
    assert abs(shares["Support"]["planned_percent"] - 50) <= 10


@pytest.mark.usefixtures("at_tuesday_morning")
def test_demo_refuses_a_database_with_data(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "demo", "--weeks", "1")
    code, out, err = run(capsys, "demo", "--weeks", "1")
    assert code == 1 and "already holds" in err and out == ""


@pytest.mark.usefixtures("at_tuesday_morning")
def test_interrupt_then_status_json_is_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "plan", "--auto")
    run(capsys, "start")
    code, out, _ = run(capsys, "interrupt", "printer", "down", "--source", "phone")
    assert code == 0 and "interruption logged at 10:15" in out and "pulled into" in out
    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    running = status["running"]
    assert running["kind"] == "interruption" and running["note"] == "printer down"
    assert running["source"] == "phone"
    assert running["flags"] == ["cross_role", "in_focus", "unplanned"]
    assert running["role"] != status["slot"]["role"]
    assert status["interruptions"]["count"] == 1
    code, out, _ = run(capsys, "status")  # the flags in words, as a person reads them
    pulled = f"pulled into {running['role']} during a {status['slot']['role']} focus block"
    assert f"({pulled})" in out and "cross_role" not in out
    code, out, _ = run(capsys, "resume")
    assert code == 0 and out.startswith("back to work")


@pytest.mark.usefixtures("at_tuesday_morning")
def test_roles_slots_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "roles", "add", "On-call", "--target", "20")[0] == 0
    code, out, _ = run(capsys, "roles", "--json")
    assert [r["name"] for r in json.loads(out)] == ["Support", "Community", "On-call"]
    assert run(capsys, "day", "today", "--start", "08:00", "--stop", "16:00")[0] == 0
    code, out, _ = run(capsys, "slot", "add", "today", "08:00-09:30", "on-call", "Pager")
    assert code == 0 and "08:00–09:30 On-call" in out
    code, _, err = run(capsys, "slot", "add", "today", "09:00-10:00", "Support")
    assert code == 1 and "overlaps" in err
    run(capsys, "task", "add", "Write", "newsletter", "--role", "Community", "--estimate", "1h")
    code, out, _ = run(capsys, "task", "list", "--json")
    task = json.loads(out)[0]
    assert (task["title"], task["estimate_minutes"], task["role"]) == (
        "Write newsletter",
        60,
        "Community",
    )
    assert run(capsys, "task", "done", str(task["id"]))[0] == 0
    code, out, _ = run(capsys, "plan")
    assert "[x]" in out and "08:00–09:30" in out


@pytest.fixture
def tuesday(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set the clock to a moment of Tuesday 2026-11-24 in Berlin: `tuesday("08:50")`."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    import planner.domain.clock

    monkeypatch.setattr(planner.domain.clock, "_local_zone", None)

    def at(hhmm: str) -> None:
        monkeypatch.setenv("SPLITDAY_NOW", f"2026-11-24T{hhmm}")

    return at


def test_start_before_the_first_slot_follows_the_plan_from_it(
    capsys: pytest.CaptureFixture[str], tuesday: Callable[[str], None]
) -> None:
    """Issue 15 item 1: `splitday start` at 08:50 (was: "no slot is planned now")."""
    tuesday("08:45")
    run(capsys, "plan", "--auto")
    tuesday("08:50")
    code, out, err = run(capsys, "start")
    assert (code, err) == (0, "")
    assert "following the plan from 09:00 (Support)" in out
    status = json.loads(run(capsys, "status", "--json")[1])
    assert status["state"] == "waiting" and status["running"] is None
    assert status["follows_plan_from"] == "2026-11-24T09:00+01:00"
    tuesday("09:05")  # no app ran meanwhile: status is the first to look
    code, out, _ = run(capsys, "status")
    assert "day:     following the plan" in out
    assert "running: work Support since 09:00 for 5 min" in out
    status = json.loads(run(capsys, "status", "--json")[1])
    assert status["state"] == "following"
    assert status["running"]["start"] == "2026-11-24T09:00+01:00"
    assert status["running"]["role"] == "Support"


def test_interrupt_with_a_duration_ends_when_it_is_logged(
    capsys: pytest.CaptureFixture[str], tuesday: Callable[[str], None]
) -> None:
    """Issue 15 item 5: --duration 10m at 09:30 is 09:20–09:30 (was 09:30–09:40, -10 min)."""
    tuesday("08:45")
    run(capsys, "plan", "--auto")
    tuesday("09:00")
    run(capsys, "start")
    tuesday("09:30")
    code, out, _ = run(capsys, "interrupt", "chat", "--duration", "10m")
    assert code == 0 and "interruption logged at 09:20–09:30" in out
    code, out, _ = run(capsys, "status")
    assert "running: work Support since 09:30 for 0 min" in out
    status = json.loads(run(capsys, "status", "--json")[1])
    assert status["running"]["minutes"] >= 0
    assert status["interruptions"]["minutes"] == 10


def test_status_next_is_the_rule_the_now_panel_uses(
    capsys: pytest.CaptureFixture[str], tuesday: Callable[[str], None]
) -> None:
    """Support 09–10 and 10–11 run on: what comes next at 09:30 is Community at 11:00."""
    tuesday("08:00")
    for span, role in (("09:00-10:00", "Support"), ("10:00-11:00", "Support")):
        assert run(capsys, "slot", "add", "today", span, role)[0] == 0
    run(capsys, "slot", "add", "today", "11:00-12:00", "Community")
    tuesday("09:30")
    status = json.loads(run(capsys, "status", "--json")[1])
    assert status["next_slot"]["start"] == "2026-11-24T11:00+01:00"
    assert status["next_slot"]["role"] == "Community"
    assert status["next"]["kind"] == "slot" and status["next_meeting"] is None


def test_start_with_nothing_planned_says_so(
    capsys: pytest.CaptureFixture[str], tuesday: Callable[[str], None]
) -> None:
    tuesday("08:50")
    code, out, _ = run(capsys, "start")
    assert code == 0 and out.startswith("day started: nothing is planned yet")
    assert "day:     started, nothing planned yet" in run(capsys, "status")[1]


def test_stop_pauses_and_start_follows_again(
    capsys: pytest.CaptureFixture[str], tuesday: Callable[[str], None]
) -> None:
    tuesday("08:45")
    run(capsys, "plan", "--auto")
    tuesday("09:10")
    assert run(capsys, "start")[1].startswith("working on Support, following the plan since 09:10")
    tuesday("09:40")
    assert run(capsys, "stop")[1] == "stopped\n"
    tuesday("10:00")
    assert json.loads(run(capsys, "status", "--json")[1])["state"] == "stopped"
    code, out, _ = run(capsys, "start", "Community")
    assert code == 0 and "working on Community (off-plan) since 10:00" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["slot", "add", "today", "9-10", "Support"], "not a time"),
        (["task", "add", "x", "--role", "Nobody"], "no role 'Nobody'"),
        (["task", "add", "x", "--role", "Support", "--estimate", "soon"], "not a duration"),
        (["plan", "31-02-2026"], "not a date"),
        (["resume"], "no interruption is running"),
        (["toggle"], "not running"),
        (["--db", "nonsense://x", "status"], "database"),
    ],
)
def test_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, *args)
    assert code != 0
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.shell.launcher", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_whole_process_done_when_scenario(tmp_path: Path) -> None:
    env = {**os.environ, "SPLITDAY_DATA_DIR": str(tmp_path), "SPLITDAY_SOCKET": str(tmp_path / "s")}
    env["SPLITDAY_NOW"] = "2026-11-24T10:15"
    assert _cli("demo", "--weeks", "4", env=env).returncode == 0
    plan = _cli("plan", "--auto", "--json", env=env)
    assert plan.returncode == 0 and json.loads(plan.stdout)["slots"]
    assert _cli("interrupt", "printer down", "--source", "phone", env=env).returncode == 0
    status = json.loads(_cli("status", "--json", env=env).stdout)
    assert status["running"]["note"] == "printer down"
    assert "unplanned" in status["running"]["flags"]


def test_no_display_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env["SPLITDAY_DATA_DIR"] = str(tmp_path)
    result = _cli(env=env)
    assert result.returncode == 2
    assert "no display" in result.stderr and "Xvfb" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_corrupt_database_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"garbage" * 1000)
    env = {**os.environ, "SPLITDAY_DATA_DIR": str(tmp_path)}
    result = _cli("--db", f"sqlite:///{bad}", "status", env=env)
    assert result.returncode == 1 and "cannot be read" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_system_zone_is_the_one_tzlocal_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import tzlocal

    from planner.domain import clock

    if not os.path.islink("/etc/localtime"):
        pytest.skip("/etc/localtime is not a symlink here: tzlocal decides")
    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(clock, "_local_zone", None)
    assert str(clock.local_zone()) == tzlocal.get_localzone_name()
    monkeypatch.setattr(clock.os, "readlink", lambda _p: "/somewhere/else")
    assert clock._zone_of_etc_localtime() is None  # not into a zoneinfo tree: tzlocal's turn


def test_slot_spans_are_read_as_a_person_means_them(
    capsys: pytest.CaptureFixture[str], at_tuesday_morning: None, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'spans.sqlite3'}"
    code, _, err = run(capsys, "--db", db, "slot", "add", "2026-11-24", "12:00-11:00", "Support")
    assert code == 2 and "not after the start" in err and "23:00-01:00+1" in err
    code, _, err = run(capsys, "--db", db, "slot", "add", "2026-11-24", "25:00-26:00", "Support")
    assert code == 2 and "after midnight" in err
    code, out, _ = run(capsys, "--db", db, "slot", "add", "2026-11-24", "23:00-01:00", "Support")
    assert code == 0 and "23:00–01:00+1 Support" in out  # past midnight, and it says so
    assert "note: it ends after your hard stop (17:30)" in out
    code, out, _ = run(capsys, "--db", db, "slot", "add", "2026-11-24", "09:00-10:00", "Support")
    assert code == 0 and "09:00–10:00 Support" in out and "hard stop" not in out


def test_a_command_that_writes_tells_the_running_app(
    capsys: pytest.CaptureFixture[str], at_tuesday_morning: None
) -> None:
    """So that its window shows what was written at once (a calendar import, a new task)."""
    import socket
    import threading

    from planner.platform import ipc

    path = os.environ["SPLITDAY_SOCKET"]  # a temporary path, set by conftest
    heard: list[str] = []
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    server.settimeout(5)

    def answer(times: int) -> None:
        for _ in range(times):
            conn, _ = server.accept()
            with conn:
                heard.append(ipc.decode_request(conn.makefile("rb").readline()).command)
                conn.sendall(ipc.encode_reply(ipc.Reply(True, "")))

    thread = threading.Thread(target=answer, args=(1,), daemon=True)
    thread.start()
    try:
        assert run(capsys, "task", "add", "Call back", "--role", "Support")[0] == 0
        thread.join(5)
    finally:
        server.close()
    assert heard == ["changed"]


@pytest.mark.usefixtures("at_tuesday_morning")
def test_close_ends_the_day_at_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "plan", "--auto")
    run(capsys, "task", "add", "Update the FAQ", "--role", "Support")
    run(capsys, "start")
    monkeypatch.setenv("SPLITDAY_NOW", "2026-11-24T17:40")  # the end of the day, later on
    code, out, err = run(capsys, "close", "--carry")
    assert err == ""
    assert code == 0
    assert out.strip() == "closed 2026-11-24; 1 open task carried to the next workday"
    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert status["running"] is None and status["state"] == "closed"
    code, out, _ = run(capsys, "task", "list", "--day", "2026-11-25", "--json")
    assert [t["title"] for t in json.loads(out)] == ["Update the FAQ"]


def test_task_add_due_sets_a_deadline_that_is_fitted_first_or_flagged(
    capsys: pytest.CaptureFixture[str], tuesday: Callable[[str], None]
) -> None:
    tuesday("08:50")
    for args in (
        ("Tidy", "the", "wiki", "--estimate", "1h", "--priority", "1"),
        ("Send", "invoice", "--estimate", "30m", "--priority", "3", "--due", "10:00"),
        ("Quarter", "report", "--estimate", "2h", "--priority", "2", "--due", "09:30"),
    ):
        code, out, _ = run(capsys, "task", "add", *args, "--role", "Support")
        assert code == 0 and out.startswith("added task ")
    code, out, _ = run(capsys, "task", "list", "--json")
    listed = {t["title"]: t for t in json.loads(out)}
    assert listed["Send invoice"]["due"] == "2026-11-24T10:00+01:00"
    assert listed["Tidy the wiki"]["due"] is None
    code, out, _ = run(capsys, "plan", "--auto", "--json")
    plan = json.loads(out)
    tasks = {t["title"]: t for t in plan["tasks"]}
    # the 2-hour report cannot be done by 09:30 whatever the order: flagged before the day;
    # the invoice makes its 10:00 in the first Support slot (not late), the report goes after
    assert plan["late"] == [tasks["Quarter report"]["id"]]
    assert plan["overflow"] == []
    slots = {s["id"]: s for s in plan["slots"]}
    invoice_slot = slots[tasks["Send invoice"]["slot_id"]]
    assert invoice_slot["start"] == "2026-11-24T09:00+01:00"
    assert tasks["Send invoice"]["due"] == "2026-11-24T10:00+01:00"
    code, _, err = run(capsys, "task", "add", "x", "--role", "Support", "--due", "soon")
    assert code != 0 and "not a time" in err and "Traceback" not in err
