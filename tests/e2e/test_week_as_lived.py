"""A week as lived, Monday to Friday (tests/e2e/lived_week.py says what happens when): the real
app in a real X server with a window manager (openbox), real key presses (xdotool), a real
notification daemon (dunst) on a real session bus, and the app's clock stepped from outside
(SPLITDAY_CLOCK_FILE). Each morning at 08:50 Plan my day opens by itself and is planned by
keyboard; the day starts before its first slot and the log follows the plan; a stand-up from an
imported calendar; three interruptions by the hotkey (one logged after the fact with its
duration, one pulled into the other role in a focus block, one after the hard stop); lunch with
the laptop asleep, answered "break"; the hard stop; End of day with carry-over; the next morning.
The week's report (JSON and CSV) must then equal, minute for minute, what the schedule says.

The same week at the command line only (no window) must give the same log."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e import lived_week as week
from tests.e2e.lived_week import DAYS, MEETING, PLAN, STOP, TASKS, DayScript, moment
from tests.e2e.xsession import (
    QUICK_LOG_TITLE,
    REPO,
    App,
    app_env,
    focused_name,
    splitday,
    visible_window,
    wait_for,
    xdotool,
    xvfb,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOOLS = ("Xvfb", "xdotool", "openbox", "dbus-daemon", "dbus-monitor", "dbus-send", "dunst")
# Screenshots of every step (git-ignored); CI keeps the first day's and each End of day.
SHOTS = Path(os.environ.get("SPLITDAY_SHOTS", REPO / "tests" / "e2e" / "screenshots" / "week"))
FEW_SHOTS = bool(os.environ.get("CI"))


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing tools (run tests/install-system-deps.sh): {', '.join(missing)}")


@dataclass
class Desktop:
    env: dict[str, str]
    tmp: Path
    monitor_log: Path
    shots: list[Path] = field(default_factory=list)

    # ------------------------------------------------------------ the clock and the CLI

    def set_clock(self, text: str) -> None:
        """Step the running app's clock (and the CLI's): a file renamed into place."""
        path = Path(self.env["SPLITDAY_CLOCK_FILE"])
        part = path.with_suffix(".part")
        part.write_text(text + "\n")
        os.replace(part, path)

    def status(self) -> dict[str, object]:
        done = splitday(self.env, "status", "--json")
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    def notifications(self) -> list[tuple[str, str]]:
        """(summary, body) of every Notify call the session bus carried."""
        text = self.monitor_log.read_text(errors="replace")
        found = []
        for call in text.split("method call ")[1:]:
            if "member=Notify" not in call.splitlines()[0]:
                continue
            strings = re.findall(r'^\s+string "(.*)"$', call, flags=re.M)
            found.append((strings[2], strings[3]))
        return found

    # ------------------------------------------------------------ windows and keys

    def wait_focus(self, title: str, timeout: float = 10) -> None:
        try:
            wait_for(lambda: re.fullmatch(title, focused_name(self.env)), timeout)
        except TimeoutError:
            self.shot("focus-timeout", always=True)
            raise AssertionError(
                f"expected {title!r} to have the focus, not {focused_name(self.env)!r}"
            ) from None

    def keys(self, *keys: str) -> None:
        xdotool(self.env, "key", "--delay", "40", *keys)

    def type(self, text: str) -> None:
        xdotool(self.env, "type", "--delay", "15", text)

    def shot(self, name: str, *, always: bool = False) -> None:
        if FEW_SHOTS and not always:
            return
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{len(self.shots) + 1:02d}-{name}.png"
        subprocess.run(
            ["import", "-display", self.env["DISPLAY"], "-window", "root", str(path)],
            env=self.env,
            check=False,
            timeout=20,
        )
        self.shots.append(path)


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[Desktop]:
    _need(*TOOLS, "import")
    with xvfb() as display:
        env = app_env(display, tmp_path)
        env.pop("SPLITDAY_NOW", None)
        runtime_dir = tmp_path / "run"
        runtime_dir.mkdir(mode=0o700)
        env.update(
            TZ="Europe/Berlin",
            SPLITDAY_TEST="1",
            SPLITDAY_CLOCK_FILE=str(tmp_path / "now"),
            XDG_RUNTIME_DIR=str(runtime_dir),
            HOME=str(tmp_path / "home"),  # dunst's and openbox's config: the defaults
        )
        bus = subprocess.run(
            ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.split()
        address, bus_pid = bus[0], int(bus[1])
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        monitor_log = tmp_path / "dbus-monitor.log"
        helpers: list[subprocess.Popen[bytes]] = []
        try:
            with monitor_log.open("wb") as out:
                helpers.append(
                    subprocess.Popen(
                        ["dbus-monitor", "--session", "interface='org.freedesktop.Notifications'"],
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            for program in (["openbox"], ["dunst"]):
                helpers.append(
                    subprocess.Popen(
                        program, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                    )
                )

            def daemon_up() -> bool:
                reply = subprocess.run(
                    [
                        "dbus-send",
                        "--session",
                        "--print-reply",
                        "--dest=org.freedesktop.DBus",
                        "/org/freedesktop/DBus",
                        "org.freedesktop.DBus.NameHasOwner",
                        "string:org.freedesktop.Notifications",
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                return "true" in reply.stdout

            def wm_up() -> bool:
                out = subprocess.run(
                    ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout
                return "window id" in out

            wait_for(daemon_up, 15, 0.05)
            wait_for(wm_up, 15, 0.05)
            yield Desktop(env, tmp_path, monitor_log)
        finally:
            for proc in reversed(helpers):
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            with contextlib.suppress(ProcessLookupError):
                os.kill(bus_pid, 15)


def _day_title(script: DayScript, what: str) -> str:
    return f"{what} — {script.day:%A %d %B %Y}"


MAIN = "Splitday — [A-Z][a-z]{2} [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4}"


class Life:
    """A person at the keyboard, living the schedule in the running app."""

    def __init__(self, desk: Desktop, app: App) -> None:
        self.desk, self.app = desk, app

    def step(self, script: DayScript, hhmm: str, *, slept: bool = False) -> None:
        """The clock moves on; the app (polling a stepped clock) has seen it after a beat."""
        self.desk.set_clock(moment(script.day, hhmm) + (" slept" if slept else ""))
        time.sleep(0.45)
        from planner.platform import ipc

        reply = ipc.send(self.desk.env["SPLITDAY_SOCKET"], ipc.encode_request("ping"))
        assert reply is not None and reply.ok, "the app does not answer"

    def back_to_main(self) -> None:
        self.desk.wait_focus(MAIN)

    def add_calendar(self, path: Path) -> None:
        """Day ▸ Calendars…, Add (the default button), name, file, default role Support."""
        d = self.desk
        d.keys("alt+d", "c")
        d.wait_focus("Calendars")
        d.keys("Return")
        d.wait_focus("Add calendar")
        d.type("Work")
        d.keys("Tab")
        d.type(str(path))
        d.keys("Tab", "Tab", "Tab")  # past File… and Folder… to the default role
        d.type("S")  # Support
        d.shot("mon-calendar-filled")
        d.keys("Return")
        d.wait_focus("Calendars")
        d.shot("mon-calendar-added")
        d.keys("Escape")
        self.back_to_main()

    def add_task(self, title: str, role: str) -> None:
        """In Plan my day: Alt+T, the title, Tab, the role's first letter, Shift+Tab, Enter
        (Enter adds the task and keeps the focus in the row)."""
        d = self.desk
        d.keys("alt+t")
        d.type(title)
        d.keys("Tab")
        d.type(role[0])
        d.keys("shift+Tab", "Return")

    def plan_the_morning(self, script: DayScript) -> None:
        """Plan my day has opened by itself (on Monday after the calendar, by Ctrl+P): the
        tasks, then Alt+A (auto-split) and Alt+D (start the day)."""
        d = self.desk
        d.wait_focus(_day_title(script, "Plan my day"))
        if script is DAYS[0]:
            for title, role in TASKS:
                self.add_task(title, role)
            time.sleep(0.3)
            d.shot("Mon-0850-tasks-added")
        d.keys("alt+a")
        time.sleep(0.4)
        d.shot(f"{script.day:%a}-0850-auto-split", always=script is DAYS[0])
        d.keys("alt+d")
        self.back_to_main()

    def hotkey(self) -> None:
        self.back_to_main()
        self.desk.keys("ctrl+alt+i")

    def log_interruption(self, who: str, note: str, role_digit: str, took: int | None) -> None:
        """The hotkey; what happened, Tab, who, Tab, the role's digit; Enter, or Tab, the
        duration and Ctrl+Enter for one that is already over."""
        d = self.desk
        self.hotkey()
        d.wait_focus(QUICK_LOG_TITLE)
        d.type(note)
        d.keys("Tab")
        d.type(who)
        d.keys("Tab", role_digit)
        if took is None:
            d.keys("Return")
        else:
            d.keys("Tab")
            d.type(f"{took}m")
            d.keys("ctrl+Return")
        wait_for(lambda: visible_window(d.env, QUICK_LOG_TITLE) is None, 5)

    def back_to_work(self) -> None:
        self.hotkey()  # an interruption runs: the same key ends it
        wait_for(lambda: self.desk.status()["state"] != "interrupted", 5)

    def live(self, script: DayScript) -> None:
        d, name = self.desk, f"{script.day:%a}"
        first = script is DAYS[0]
        digits = {"Support": "1", "Community": "2"}
        self.plan_the_morning(script)
        status = d.status()
        assert status["state"] == "waiting" and status["running"] is None, status
        assert str(status["follows_plan_from"]).startswith(moment(script.day, "09:00")), status
        planned = json.loads(splitday(d.env, "plan", "--json").stdout)
        slots = [(s["start"][11:16], s["end"][11:16], s["role"]) for s in planned["slots"]]
        assert slots == list(PLAN), f"{name}: auto-split planned {slots}"
        assert [m["summary"] for m in planned["meetings"]] == [MEETING[2]]

        self.step(script, "09:00")
        status = d.status()
        assert status["state"] == "following", status
        assert status["running"]["role"] == "Community", status  # type: ignore[index]
        d.shot(f"{name}-0900-following", always=first)
        self.step(script, "09:58")
        self.step(script, "10:05")
        running = d.status()["running"]
        assert running["kind"] == "meeting", running  # type: ignore[index]
        d.shot(f"{name}-1005-stand-up", always=first)

        i1 = script.after_the_fact
        self.step(script, i1.end)
        self.log_interruption(i1.who, i1.note, digits[i1.role], took=i1.minutes)
        d.shot(f"{name}-{i1.end}-logged-after-the-fact".replace(":", ""))

        lunch_from, lunch_to = script.lunch
        self.step(script, lunch_from)
        self.step(script, lunch_to, slept=True)
        d.wait_focus("You were away")
        d.shot(f"{name}-lunch-gap-question", always=first)
        d.keys("alt+b", "Return")  # Break, Log it
        self.back_to_main()

        i2 = script.cross_role
        self.step(script, i2.start)
        self.log_interruption(i2.who, i2.note, digits[i2.role], took=None)
        status = d.status()
        assert status["state"] == "interrupted", status
        d.shot(f"{name}-{i2.start}-pulled-into-support".replace(":", ""), always=first)
        self.step(script, i2.end)
        self.back_to_work()

        self.step(script, week.shift(STOP, -5))
        self.step(script, STOP)
        d.shot(f"{name}-1730-hard-stop", always=first)
        i3 = script.after_stop
        if i3.start != STOP:
            self.step(script, i3.start)
        self.log_interruption(i3.who, i3.note, digits[i3.role], took=None)
        self.step(script, i3.end)
        self.back_to_work()

        self.step(script, script.close)
        # Day ▸ End of day… (Ctrl+E does nothing while the cursor is in the task row, where
        # the line edit takes it as 'end of line', and Start the day leaves the focus there)
        d.keys("alt+d", "e")
        d.wait_focus(_day_title(script, "End of day"))
        d.shot(f"{name}-end-of-day", always=True)
        d.keys("alt+a")  # carry all unfinished tasks to the next workday
        time.sleep(0.3)
        d.keys("alt+c")  # close the day
        self.back_to_main()
        assert d.status()["state"] == "closed"


@pytest.mark.timeout(900)  # five days of real key presses: ~2 min alone, far more on a busy runner
def test_the_week_as_lived_in_the_app(desktop: Desktop, tmp_path: Path) -> None:
    started = time.monotonic()
    d = desktop
    ics = tmp_path / "work.ics"
    ics.write_text(week.ICS)
    week.set_the_persons_settings(d.env["SPLITDAY_DB_URL"], d.env["SPLITDAY_OWNER"])
    d.set_clock(moment(DAYS[0].day, "08:50"))
    app = App(d.env)
    life = Life(d, app)
    try:
        # Monday, first start: Plan my day opens by itself; first the calendar and the tasks
        d.wait_focus(_day_title(DAYS[0], "Plan my day"))
        d.shot("Mon-0850-plan-my-day-opens", always=True)
        d.keys("Escape")
        life.back_to_main()
        life.add_calendar(ics)
        d.keys("ctrl+p")
        for n, script in enumerate(DAYS):
            life.live(script)
            if n + 1 < len(DAYS):  # the laptop sleeps through the night
                life.step(DAYS[n + 1], "08:50", slept=True)
                tasks = json.loads(splitday(d.env, "task", "list", "--json").stdout)
                assert sorted(t["title"] for t in tasks) == sorted(t for t, _ in TASKS)
                assert all(t["carried_over"] for t in tasks), tasks
    finally:
        out = app.stop()
    assert "Traceback" not in out, out
    said = d.notifications()
    assert said.count(("Team stand-up 10:00–10:30", "starts in 2 min")) == len(DAYS), said
    stops = [body for title, body in said if title == "Time to stop"]
    assert len(stops) == len(DAYS), said
    _check_report(d.env, tmp_path, breaks=True)
    print(f"lived the week in {time.monotonic() - started:.1f} s; {len(d.shots)} screenshots")


def _check_report(env: dict[str, str], tmp_path: Path, *, breaks: bool) -> None:
    """The week's report equals the schedule, minute for minute (JSON, then both CSV files)."""
    done = splitday(env, "report", "--week", week.WEEK, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    days = {d["date"]: d for d in report["days"]}
    for script in DAYS:
        got = {k: days[script.day.isoformat()][k] for k in week.expected_day(script)}
        assert got == week.expected_day(script, breaks=breaks), script.day
    expected = week.expected_week(breaks=breaks)
    assert report["working_minutes"] == expected["working_minutes"]
    assert report["share"] == expected["share"]
    intr, want = report["interruptions"], expected["interruptions"]
    assert isinstance(want, dict)
    assert (intr["count"], intr["minutes"]) == (want["count"], want["minutes"])
    assert intr["focus_lost_minutes"] == want["focus_lost_minutes"]
    assert {s["source"]: (s["count"], s["minutes"]) for s in intr["sources"]} == want["sources"]
    assert intr["by_weekday_hour"] == want["by_weekday_hour"]

    base = tmp_path / "week.csv"
    done = splitday(env, "report", "--week", week.WEEK, "--csv", str(base))
    assert done.returncode == 0, done.stderr
    with base.open(newline="") as f:
        rows = [{k: v for k, v in row.items() if k != "id"} for row in csv.DictReader(f)]
    assert rows == week.expected_csv_rows(breaks=breaks)
    with (tmp_path / "week-aggregates.csv").open(newline="") as f:
        aggregates = {
            (r["date"], r["role"], r["measure"]): float(r["value"]) for r in csv.DictReader(f)
        }
    for script in DAYS:
        day = week.expected_day(script, breaks=breaks)
        key = script.day.isoformat()
        for measure, field_name in (
            ("worked", "worked"),
            ("meetings", "meetings"),
            ("interruptions", "interruptions"),
            ("planned slots", "planned"),
        ):
            values = day[field_name]
            assert isinstance(values, dict)
            for role, minutes in values.items():
                assert aggregates[(key, role, measure)] == minutes, (key, role, measure)
        assert aggregates[(key, "", "breaks")] == day["breaks"]
        assert aggregates[(key, "", "overtime")] == day["overtime"]
    share = expected["share"]
    assert isinstance(share, dict)
    for role, figures in share.items():
        assert aggregates[(week.WEEK, role, "working time")] == figures["minutes"]


@pytest.mark.timeout(600)
def test_the_same_week_at_the_command_line(tmp_path: Path) -> None:
    """No window: `splitday plan --auto`, `start`, `interrupt`, `resume`, `status` at the
    schedule's moments (SPLITDAY_NOW per command). The CLI has no way to log a break or to
    close the day: lunch is `stop` and `start`, the evening `stop`."""
    started = time.monotonic()
    env = dict(os.environ)
    for key in [k for k in env if k.startswith("SPLITDAY_")]:
        env.pop(key)
    env.update(
        TZ="Europe/Berlin",
        SPLITDAY_DATA_DIR=str(tmp_path / "data"),
        SPLITDAY_DB_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        SPLITDAY_SOCKET=str(tmp_path / "no-app.sock"),
        SPLITDAY_OWNER="e2e",
        PYTHONPATH=str(REPO),
    )
    ics = tmp_path / "work.ics"
    ics.write_text(week.ICS)

    def at(script: DayScript, hhmm: str, *args: str) -> str:
        env["SPLITDAY_NOW"] = moment(script.day, hhmm)
        done = subprocess.run(
            [sys.executable, "-m", "planner.cli.main", *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout

    def state(script: DayScript, hhmm: str) -> dict[str, object]:
        return dict(json.loads(at(script, hhmm, "status", "--json")))

    monday = DAYS[0]
    week.set_the_persons_settings(env["SPLITDAY_DB_URL"], env["SPLITDAY_OWNER"])
    at(monday, "08:50", "import", str(ics), "--role", "Support")
    for title, role in TASKS:
        at(monday, "08:50", "task", "add", title, "--role", role)
    for script in DAYS:
        planned = json.loads(at(script, "08:50", "plan", "--auto", "--json"))
        slots = [(s["start"][11:16], s["end"][11:16], s["role"]) for s in planned["slots"]]
        assert slots == list(PLAN)
        at(script, "08:50", "start")
        assert state(script, "08:55")["state"] == "waiting"
        assert state(script, "10:05")["running"]["kind"] == "meeting"  # type: ignore[index]
        i1 = script.after_the_fact
        at(script, i1.end, "interrupt", i1.note, "--source", i1.who, "--role", i1.role,
           "--duration", f"{i1.minutes}m")  # fmt: skip
        at(script, script.lunch[0], "stop")
        at(script, script.lunch[1], "start")
        for i in (script.cross_role, script.after_stop):
            at(script, i.start, "interrupt", i.note, "--source", i.who, "--role", i.role)
            assert state(script, i.start)["state"] == "interrupted"
            at(script, i.end, "resume")
        at(script, script.close, "stop")
    env["SPLITDAY_NOW"] = moment(DAYS[-1].day, "20:00")
    _check_report(env, tmp_path, breaks=False)
    print(f"the CLI week took {time.monotonic() - started:.1f} s")
