"""The default day as lived (tests/e2e/lived_default.py says what happens when): a new user who
changed nothing in Settings, in the real app under X with a window manager, real key presses
and a real notification daemon, the clock stepped from outside. Plan my day opens by itself;
four tasks by keyboard (Enter keeps adding); Auto-split gives the default day (lunch, short
breaks, 2 h blocks) around an imported stand-up; the day starts before its first slot; two
interruptions by the hotkey command (`splitday interrupt`, twice: log, then back to work); the
lunch and the short breaks are logged as breaks, with their reminders; the hard stop; End of
day with carry-over; the next morning, planned with the week's share; the week's report must
equal, minute for minute, what the schedule says (lunch is no work, no break was skipped)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.e2e import lived_default as plan
from tests.e2e.lived_week import moment
from tests.e2e.test_week_as_lived import MAIN, Desktop
from tests.e2e.test_week_as_lived import desktop as desktop  # the fixture
from tests.e2e.xsession import QUICK_LOG_TITLE, App, splitday, visible_window, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _title(day: object, what: str) -> str:
    return f"{what} — {day:%A %d %B %Y}"


class Person:
    """A support specialist who also runs the community, at the keyboard."""

    def __init__(self, desk: Desktop) -> None:
        self.desk = desk
        self.day = plan.MONDAY

    def at(self, hhmm: str, *, slept: bool = False) -> None:
        """The clock moves on; the app has seen it once it answers a ping after a beat."""
        self.desk.set_clock(moment(self.day, hhmm) + (" slept" if slept else ""))
        time.sleep(0.45)
        from planner.platform import ipc

        def answers() -> bool:
            reply = ipc.send(self.desk.env["SPLITDAY_SOCKET"], ipc.encode_request("ping"))
            return reply is not None and reply.ok

        wait_for(answers, 20, 0.1)

    def state(self) -> dict[str, object]:
        return self.desk.status()

    def wait_state(self, state: str, timeout: float = 20) -> dict[str, object]:
        try:
            wait_for(lambda: self.state()["state"] == state, timeout, 0.2)
        except TimeoutError:
            raise AssertionError(f"expected the day to be {state!r}: {self.state()}") from None
        return self.state()

    def plan_json(self) -> dict[str, object]:
        done = splitday(self.desk.env, "plan", "--json")
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    def add_calendar(self, path: Path) -> None:
        """Day ▸ Calendars…, Add, the name, the file, default role Support."""
        d = self.desk
        d.keys("alt+d", "c")
        d.wait_focus("Calendars")
        d.keys("Return")
        d.wait_focus("Add calendar")
        d.type("Work")
        d.keys("Tab")
        d.type(str(path))
        d.keys("Tab", "Tab", "Tab")
        d.type("S")
        d.keys("Return")
        d.wait_focus("Calendars")
        d.keys("Escape")
        d.wait_focus(MAIN)

    def add_tasks(self) -> None:
        """Alt+T once; then each task: the title, Tab, the role's first letter, Shift+Tab back
        to the title, Enter — Enter adds it and keeps the cursor in the row for the next."""
        d = self.desk
        d.keys("alt+t")
        for title, role in plan.TASKS:
            d.type(title)
            d.keys("Tab")
            d.type(role[0])
            d.keys("shift+Tab", "Return")

        def added() -> bool:
            tasks = self.plan_json()["tasks"]
            assert isinstance(tasks, list)
            return len(tasks) == len(plan.TASKS)

        wait_for(added, 20, 0.2)

    def hotkey_command(self) -> str:
        """The key bound to `splitday interrupt` in the desktop's settings."""
        done = splitday(self.desk.env, "interrupt")
        assert done.returncode == 0, done.stderr
        return done.stdout

    def interruption(self, i: plan.Interruption) -> None:
        d = self.desk
        digits = {"Support": "1", "Community": "2"}
        self.at(i.start)
        self.hotkey_command()
        d.wait_focus(QUICK_LOG_TITLE)
        d.type(i.note)
        d.keys("Tab")
        d.type(i.who)
        d.keys("Tab", digits[i.role], "Return")
        wait_for(lambda: visible_window(d.env, QUICK_LOG_TITLE) is None, 10)
        running = self.wait_state("interrupted")["running"]
        assert isinstance(running, dict)
        assert running["start"].startswith(moment(self.day, i.start)), running  # the key press
        assert running["role"] == i.role and running["source"] == i.who, running
        d.shot(f"{i.start}-interrupted".replace(":", ""))
        self.at(i.end)
        said = self.hotkey_command()  # the same key again: back to work
        assert "back to work" in said, said
        self.wait_state("following")


@pytest.mark.timeout(600)  # ~1.5 min alone; far more on a loaded runner
def test_the_default_day_as_lived_in_the_app(desktop: Desktop, tmp_path: Path) -> None:
    started = time.monotonic()
    d = desktop
    ics = tmp_path / "work.ics"
    ics.write_text(plan.ICS)
    d.set_clock(moment(plan.MONDAY, "08:50"))
    app = App(d.env)
    me = Person(d)
    try:
        _monday(me, d, ics)
        _tuesday_morning(me, d)
    finally:
        out = app.stop()
    assert "Traceback" not in out, out
    said = d.notifications()
    for note in (
        ("Community 11:15–12:30 ends in 5 min", "Then lunch until 13:15."),
        ("Lunch 12:30–13:15", "Time for a break."),
        ("Short break 14:45–14:50", "5 min: stand up, look away."),
        ("Short break 16:20–16:25", "5 min: stand up, look away."),
        ("Community 09:00–10:00 ends in 5 min", "Next: Team stand-up 10:00–10:30"),
    ):
        assert note in said, (note, said)
    assert not any(title.startswith("Lunch is over") for title, _ in said), said  # a slot does
    stops = [body for title, body in said if title == "Time to stop"]
    assert stops == ["You set 17:30 as your stop. 3 tasks carry over to tomorrow."], said
    _check_report(d)
    print(f"lived the default day in {time.monotonic() - started:.1f} s; {len(d.shots)} shots")


def _monday(me: Person, d: Desktop, ics: Path) -> None:
    d.wait_focus(_title(plan.MONDAY, "Plan my day"))
    d.shot("Mon-0850-plan-my-day-opens", always=True)
    d.keys("Escape")
    d.wait_focus(MAIN)
    me.add_calendar(ics)
    d.keys("ctrl+p")
    d.wait_focus(_title(plan.MONDAY, "Plan my day"))
    me.add_tasks()
    d.keys("alt+a")

    def split() -> list[tuple[str, str, str]]:
        slots = me.plan_json()["slots"]
        assert isinstance(slots, list)
        return [(s["start"][11:16], s["end"][11:16], s["role"]) for s in slots]

    wait_for(lambda: split() == list(plan.PLAN), 20, 0.2)
    planned = me.plan_json()
    breaks = [(b["start"][11:16], b["end"][11:16], b["kind"]) for b in planned["breaks"]]  # type: ignore[attr-defined]
    assert breaks == list(plan.BREAKS), breaks
    d.shot("Mon-0850-auto-split", always=True)
    d.keys("alt+d")  # Start the day
    d.wait_focus(MAIN)
    status = me.wait_state("waiting")
    assert str(status["follows_plan_from"]).startswith(moment(plan.MONDAY, "09:00")), status

    me.at("09:00")
    running = me.wait_state("following")["running"]
    assert isinstance(running, dict) and running["role"] == "Community", running
    me.at("09:55")
    me.at("10:05")
    running = me.state()["running"]
    assert isinstance(running, dict) and running["kind"] == "meeting", running

    me.interruption(plan.INTERRUPTIONS[0])
    me.at("11:05")
    task = next(t for t in me.plan_json()["tasks"] if t["title"] == plan.DONE)  # type: ignore[attr-defined]
    assert splitday(d.env, "task", "done", str(task["id"])).returncode == 0
    me.at("12:25")
    me.at("12:30")
    status = me.wait_state("break")  # lunch: a break, not Community's work going on
    running = status["running"]
    assert isinstance(running, dict) and running["kind"] == "break" and running["role"] is None
    d.shot("Mon-1230-lunch", always=True)
    me.at("13:15")
    running = me.wait_state("following")["running"]
    assert isinstance(running, dict) and running["role"] == "Community", running
    me.at("14:40")
    me.at("14:45")
    me.wait_state("break")
    me.at("14:50")
    status = me.wait_state("following")
    assert status["next_slot"] is None, status  # Support goes on after the short break
    d.shot("Mon-1450-support")
    me.at("16:15")
    me.at("16:20")
    me.wait_state("break")
    me.at("16:25")
    me.wait_state("following")
    me.interruption(plan.INTERRUPTIONS[1])
    me.at("17:25")
    me.at("17:30")
    d.shot("Mon-1730-hard-stop", always=True)
    me.at(plan.CLOSE)
    d.keys("alt+d", "e")  # Day ▸ End of day…
    d.wait_focus(_title(plan.MONDAY, "End of day"))
    d.shot("Mon-end-of-day", always=True)
    d.keys("alt+a")  # carry every unfinished task to the next workday
    time.sleep(0.3)
    d.keys("alt+c")  # close the day
    d.wait_focus(MAIN)
    me.wait_state("closed")


def _tuesday_morning(me: Person, d: Desktop) -> None:
    me.day = plan.TUESDAY
    me.at("08:50", slept=True)
    d.wait_focus(_title(plan.TUESDAY, "Plan my day"), timeout=20)
    d.shot("Tue-0850-plan-my-day", always=True)
    tasks = json.loads(splitday(d.env, "task", "list", "--json").stdout)
    left = [title for title, _ in plan.TASKS if title != plan.DONE]
    assert sorted(t["title"] for t in tasks) == sorted(left), tasks
    assert all(t["carried_over"] for t in tasks), tasks
    d.keys("alt+a")
    wait_for(lambda: me.plan_json()["slots"], 20, 0.2)
    share = me.plan_json()["share"]
    assert isinstance(share, dict)
    behind, minutes = plan.behind_after_monday()
    ahead = next(r for r in share if r != behind)
    mine, theirs = share[behind]["planned_minutes"], share[ahead]["planned_minutes"]
    lunch_and_breaks = sum(b["minutes"] for b in me.plan_json()["breaks"])  # type: ignore[attr-defined]
    assert mine + theirs == 510 - lunch_and_breaks  # the day's working time, breaks kept
    assert mine - theirs >= minutes, share  # Tuesday gives back what Monday took
    d.shot("Tue-0850-auto-split", always=True)
    d.keys("alt+d")
    d.wait_focus(MAIN)
    me.wait_state("waiting")
    d.keys("ctrl+r")
    d.wait_focus("Splitday — weekly review", timeout=30)
    time.sleep(2)  # (for the screenshot only: the charts paint after the window shows)
    d.shot("Tue-week-review", always=True)
    d.keys("Escape")  # closes the review, as it closes every dialog
    d.wait_focus(MAIN)


def _check_report(d: Desktop) -> None:
    done = splitday(d.env, "report", "--week", plan.WEEK, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    monday = next(x for x in report["days"] if x["date"] == plan.MONDAY.isoformat())
    want = plan.expected_monday()
    assert {k: monday[k] for k in want} == want
    week = plan.expected_week()
    assert report["working_minutes"] == week["working_minutes"]
    assert report["share"] == week["share"]
    intr = report["interruptions"]
    assert (intr["count"], intr["minutes"], intr["focus_lost_minutes"]) == week["interruptions"]
    assert {s["source"]: (s["count"], s["minutes"]) for s in intr["sources"]} == week["sources"]
