"""A scripted week in one process: the real app lives thousands of actions without aborting.

This process *is* the app: `ui.shell.app.build` and `wire_features` exactly as `main()` runs
them (the single-instance server, the quick log and hotkey wiring, reminders, the background
calendar sync, the main window attached to the real gateway on a SQLite file), inside
`app.exec()`. Only two things differ from `splitday`: the clock is a fake one that the script
steps through a week (Monday 09:00 → Sunday night), and the start-up guard of
ui/shell/qt_guard.py is run and reported but does not stop the run (the point is to see what
the bindings themselves do).

Each action is one thing a person or the machine does, and the event loop runs between two of
them (deferred announcements, paints, deleteLater):

- every workday morning Plan my day is opened, auto-split clicked, the day started; every
  evening the end-of-day review closes the day; at night the clock crosses the 04:00 day
  boundary and the window follows the new day;
- interruptions logged and resumed through the hotkey's signal and the quick log (typed into
  with key events), through the single-instance socket (a QLocalSocket in this process), and
  now and then by a real `python -m ui.shell.launcher interrupt …` / `resume` process;
- slot add (sometimes a mouse drag on the timeline), move, resize, role change, rename and
  delete through the timeline's requests to the gateway; undo and redo; tasks added, checked
  off and reordered;
- redraws: the timeline and now panel repainted, other days shown, the review opened, its
  weeks navigated and its tabs switched; the interruption log and the mini window shown;
- the minute timer and the reminder heartbeat on the stepped clock (reminders fire as toasts:
  there is no notification daemon), and the re-flow prompt answered when it asks;
- calendar syncs of a local .ics file that changes before every sync.

At checkpoints (after a full garbage collection, so that cyclic garbage waiting for the
collector does not count) it prints actions, time, RSS (from /proc/self/statm), the peak RSS
(VmHWM), malloc's bytes in use (the live C/C++ side; RSS also keeps what was freed but not
returned), `sys.getrefcount(None)`, Python objects and Qt widgets alive, and the undo history's
length; one checkpoint each morning at 04:10 ("morning": the same state every day but for
the data). At the end it checks that every acknowledged interruption is stored and the entries
are sound (no overlap, at most one running, no negative duration), prints a summary (counts per
kind of action, milliseconds per kind, how None's count moved per kind from Tuesday on), then
quits through the window's Quit. --types adds diagnostics: which object types grew, who holds
the references to None, which Qt wrappers outlive their C++ objects (slow).

    python bench/endurance.py                       # a week of 20 000 actions (~5-10 min)
    python bench/endurance.py --actions 600         # the size tests/e2e/test_endurance.py runs
    python bench/endurance.py --json out.jsonl      # checkpoints as JSON lines (flushed)
    python bench/endurance.py --xvfb                # under a private Xvfb instead of offscreen
    bash tests/with-postgres.sh sh -c \
        'python bench/endurance.py --actions 2000 --db-url "$SPLITDAY_TEST_DB_URL"'

Run it as its own process: with bindings that leak references to None it aborts
(`Fatal Python error: none_dealloc`, exit -6), which is what the test looks for.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ZONE_NAME = "Europe/Berlin"
OWNER = "endurance"
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
HEARTBEAT = timedelta(seconds=30)  # ui.shell.reminders.HEARTBEAT_MS
TOAST = timedelta(seconds=10)  # ui.widgets.toast.ToastStack's timeout
WEEKEND_SHARE = 0.25  # a weekend day gets this share of a workday's actions (an idle window)

Wait = Callable[[], bool] | None  # what a step of the script waits for before the next one


# ---------------------------------------------------------------------- measurements


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_KIB


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost",
        )
    ]  # fmt: skip


def heap_kib() -> int:
    """What malloc has handed out and not had back (glibc's mallinfo2: in use + mmapped): the
    live part of RSS; RSS also keeps freed memory the allocator did not return. 0 elsewhere."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return 0
    return int(info.uordblks + info.hblkhd) // 1024


def peak_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


# ---------------------------------------------------------------------- the calendar file


def slope(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of y over x (0.0 for fewer than two distinct x)."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def write_ics(path: Path, monday: date, version: int) -> None:
    """A team calendar: a daily stand-up, a weekly sync, and a 1:1 that moves every version."""
    zone = ZoneInfo(ZONE_NAME)

    def stamp(day: date, minute: int) -> str:
        moment = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    one_on_one_day = monday + timedelta(days=version % 5)
    minute = 11 * 60 + (version * 15) % 240
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Splitday endurance//EN",
        "BEGIN:VEVENT",
        "UID:standup@endurance",
        f"DTSTART:{stamp(monday - timedelta(days=7), 9 * 60 + 30)}",
        f"DTEND:{stamp(monday - timedelta(days=7), 9 * 60 + 45)}",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "SUMMARY:Stand-up",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:sync@endurance",
        f"DTSTART:{stamp(monday + timedelta(days=3), 14 * 60)}",
        f"DTEND:{stamp(monday + timedelta(days=3), 15 * 60)}",
        "SUMMARY:Community sync",
        "END:VEVENT",
        "BEGIN:VEVENT",
        f"UID:one-on-one-{version % 3}@endurance",
        f"DTSTART:{stamp(one_on_one_day, minute)}",
        f"DTEND:{stamp(one_on_one_day, minute + 30)}",
        f"SUMMARY:1:1 (version {version})",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\r\n".join(lines), encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------------- the environment


def prepare_env(folder: Path, db_url: str | None = None) -> dict[str, str]:
    """This process's environment: its own data, socket, database, zone; no desktop services."""
    runtime = folder / "runtime"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = {
        "SPLITDAY_DATA_DIR": str(folder / "data"),
        "SPLITDAY_SOCKET": str(runtime / "splitday.sock"),
        "SPLITDAY_DB_URL": db_url or f"sqlite:///{folder / 'splitday.sqlite3'}",
        "SPLITDAY_OWNER": OWNER,
        "SPLITDAY_NO_DIALOGS": "1",  # no start-up Plan my day: the script opens it each morning
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_RUNTIME_DIR": str(runtime),  # no session bus there: reminders end up as toasts
        "TZ": ZONE_NAME,
    }
    os.environ.update(env)
    for name in ("DBUS_SESSION_BUS_ADDRESS", "SPLITDAY_NOW", "WAYLAND_DISPLAY"):
        os.environ.pop(name, None)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if os.environ["QT_QPA_PLATFORM"] == "offscreen":
        os.environ.pop("DISPLAY", None)
    return env


def seed_history(url: str, start: datetime, weeks: int) -> None:
    """Weeks of synthetic history before the scripted week (the review has something to show)."""
    from planner.services import demo, planning
    from planner.storage.db import open_database

    db = open_database(url, owner=OWNER)
    try:
        with db.transaction() as s:
            planning.ensure_defaults(s, OWNER)
            if weeks:
                demo.generate(s, OWNER, ZoneInfo(ZONE_NAME), start - timedelta(days=2), weeks=weeks)
    finally:
        db.close()


# ---------------------------------------------------------------------- the week


class Week:
    """Drives the running app through the scripted week, one action per event-loop turn."""

    def __init__(self, args: argparse.Namespace, runtime: Any, clock: Any, folder: Path) -> None:
        from PySide6.QtWidgets import QApplication

        self.args = args
        self.app = QApplication.instance()
        self.runtime = runtime
        self.window = runtime.window
        self.clock = clock
        self.zone = ZoneInfo(ZONE_NAME)
        self.folder = folder
        self.ics = folder / "team.ics"
        self.rng = random.Random(args.seed)
        self.actions = 0
        self.kinds: Counter[str] = Counter()
        self.failures: list[str] = []  # what the gateway reported (refused edits are expected)
        self.problems: list[str] = []  # what must not happen (the run fails on these)
        self.acknowledged: set[str] = set()  # interruption notes the app said it stored
        self.reminders = 0
        self.syncs = 0
        self.sync_changes = 0
        self.checkpoints: list[dict[str, Any]] = []
        self.started = 0.0
        self.last_hotkey_resume = -10.0
        self.toast_seen: dict[int, datetime] = {}  # when each toast came up, on the week's clock
        self._beat = datetime.min.replace(tzinfo=UTC)
        self.spent: Counter[str] = Counter()  # seconds per kind of action
        self.none_moves: Counter[str] = Counter()  # None's count moved, per kind, Tuesday on
        self._last_refs = 0
        self.warm = False
        self._last_did = 0.0
        self.review: Any = None
        self.json_out = open(args.json, "a", encoding="utf-8") if args.json else None  # noqa: SIM115
        self.every = max(1, args.actions // args.checkpoints)
        # about a sixth of the actions are interruptions or resumes; spread the processes over them
        self.cli_every = max(1, args.actions // 6 // max(1, args.cli_calls))
        self.interruptions = 0
        self._gen: Iterator[Wait] | None = None
        self._waiting: Wait = None
        self._wait_deadline = 0.0

    # ------------------------------------------------------------ the runner

    def begin(self) -> None:
        from PySide6.QtCore import QTimer

        wiring, service, background = self.runtime.features
        self.wiring, self.service, self.background = wiring, service, background
        self.gateway = self.runtime.gateway
        self.quick_log = wiring.quick_log
        if self.args.undo_limit:  # an experiment: the app keeps every edit of the session
            self.window.undo_stack.setUndoLimit(self.args.undo_limit)
        if self.args.pixmap_cache_kib:  # an experiment: Qt's QPixmapCache holds up to 10 MiB
            from PySide6.QtGui import QPixmapCache

            QPixmapCache.setCacheLimit(self.args.pixmap_cache_kib)
        self.gateway.failed.connect(self._on_gateway_failed)
        service.fired.connect(self._on_reminder_fired)
        background.synced.connect(self._on_synced)
        background.changed.connect(self._on_sync_changed)
        with self.runtime.db.transaction() as s:
            from planner.calendars import sync as calendars
            from planner.services import planning

            self.roles = [r.id for r in planning.list_roles(s, OWNER)]
            calendars.add_source(s, OWNER, "Team", str(self.ics), default_role_id=self.roles[0])
        self.started = self._last_did = time.monotonic()
        self._gen = self.script()
        self.checkpoint()  # action 0: the app up, before the week
        QTimer.singleShot(0, self._step)
        self._watched = -1
        self.watchdog = QTimer(self.window)
        self.watchdog.timeout.connect(self._on_watchdog)
        self.watchdog.start(120_000)

    def _on_watchdog(self) -> None:
        """No action for two minutes: the script is stuck (or the app is); stop with code 4."""
        if self.actions == self._watched:
            print(f"endurance: stuck at action {self.actions}", file=sys.stderr, flush=True)
            self.app.exit(4)
        self._watched = self.actions

    def _step(self) -> None:
        from PySide6.QtCore import QTimer

        if self._waiting is not None:
            if not self._waiting():
                if time.monotonic() > self._wait_deadline:
                    self.problems.append(f"gave up waiting at action {self.actions}")
                    self._waiting = None
                else:
                    QTimer.singleShot(2, self._step)
                    return
            self._waiting = None
        assert self._gen is not None
        try:
            wait = next(self._gen)
        except StopIteration:
            self.finish()
            return
        except Exception as exc:  # the script broke: say where, and stop the app
            import traceback

            traceback.print_exc()
            self.problems.append(f"script error at action {self.actions}: {exc!r}")
            self.finish()
            return
        if wait is not None:
            self._waiting = wait
            self._wait_deadline = time.monotonic() + 60
            QTimer.singleShot(1, self._step)
        else:
            QTimer.singleShot(0, self._step)

    def did(self, kind: str) -> None:
        now = time.monotonic()
        self.spent[kind] += now - self._last_did
        self._last_did = now
        if self.args.types:
            gc.collect()  # so that each kind is charged with its own garbage
        refs = sys.getrefcount(None)
        if self.warm and self.args.types:  # from Tuesday on (Monday loads modules, caches)
            self.none_moves[kind] += refs - self._last_refs
        self._last_refs = refs
        self.actions += 1
        self.kinds[kind] += 1
        if self.actions % self.every == 0:
            self.checkpoint()

    def checkpoint(self, mark: str = "") -> None:
        """One row of figures; `mark` names a moment worth comparing ("morning": 04:10, after
        the day change, the same state every day but for the data and the undo history)."""
        from PySide6.QtWidgets import QApplication

        gc.collect()  # what is left is what is reachable: cyclic garbage waits for no one here
        none_refs = sys.getrefcount(None)
        row = {
            "actions": self.actions,
            "seconds": round(time.monotonic() - self.started, 2),
            "rss_kib": rss_kib(),
            "peak_kib": peak_kib(),
            "heap_kib": heap_kib(),
            "none_refs": none_refs,
            "objects": len(gc.get_objects()),
            "py_blocks": sys.getallocatedblocks(),  # Python's small blocks in use (pymalloc)
            "widgets": len(QApplication.allWidgets()),
            "undo": self.window.undo_stack.count(),
            "day": self.clock.now().astimezone(self.zone).strftime("%a %H:%M"),
            "mark": mark,
        }
        self.warm = self.warm or mark == "morning"
        self.checkpoints.append(row)
        if len(self.checkpoints) == 1:
            print(
                f"{'actions':>8} {'time s':>8} {'RSS MiB':>8} {'peak MiB':>9} {'heap MiB':>9}"
                f" {'None refs':>10}"
                f" {'objects':>9} {'widgets':>8} {'undo':>6}  clock",
                flush=True,
            )
        print(
            f"{row['actions']:>8} {row['seconds']:>8.1f} {row['rss_kib'] / 1024:>8.1f}"
            f" {row['peak_kib'] / 1024:>9.1f} {row['heap_kib'] / 1024:>9.1f} {none_refs:>10}"
            f" {row['objects']:>9}"
            f" {row['widgets']:>8} {row['undo']:>6}  {row['day']} {mark}",
            flush=True,
        )
        self.write({"checkpoint": row})
        if self.args.types:
            self.type_growth()

    def wrappers(self) -> None:
        """Qt wrappers still held by Python, by class: alive, or their C++ object deleted."""
        import shiboken6
        from PySide6.QtCore import QObject

        held: Counter[str] = Counter()
        for obj in gc.get_objects():
            if isinstance(obj, QObject):
                state = "alive" if shiboken6.isValid(obj) else "deleted"
                held[f"{type(obj).__name__} {state}"] += 1
        print("    wrappers: " + ", ".join(f"{k} {n}" for k, n in held.most_common(25)), flush=True)
        dead = [o for o in gc.get_objects() if isinstance(o, QObject) and not shiboken6.isValid(o)]
        for obj in dead[:3]:
            for ref in gc.get_referrers(obj):
                if ref is not dead:
                    what = getattr(ref, "__qualname__", "") or getattr(ref, "__name__", "")
                    if isinstance(ref, dict):
                        what = f"keys {list(ref)[:6]}"
                    elif isinstance(ref, list | tuple):
                        what = f"len {len(ref)}"
                    print(f"      {type(obj).__name__} held by {type(ref).__name__} {what}")

    @staticmethod
    def _holder(ref: Any) -> str:
        name = type(ref).__name__
        if name == "function":
            return f"function {ref.__qualname__}"
        if name == "cell":
            return "cell"
        if name == "tuple" and len(ref) and hasattr(ref, "_fields"):
            return f"namedtuple {type(ref).__qualname__}"
        return name

    def type_growth(self) -> None:
        """Which kinds of Python object grew since the last checkpoint (--types)."""
        counts = Counter(type(o).__qualname__ for o in gc.get_objects())
        before = getattr(self, "_types", None)
        self._types = counts
        if before is None:
            return
        holders = Counter(self._holder(r) for r in gc.get_referrers(None))
        visible = 0
        seen: set[int] = set()
        for obj in gc.get_objects():  # and through untracked tuples and dicts, by owner
            stack = [(obj, self._holder(obj))]
            while stack:
                item, owner = stack.pop()
                for r in gc.get_referents(item):
                    if r is None:
                        visible += 1
                    elif type(r) in (tuple, dict) and not gc.is_tracked(r) and id(r) not in seen:
                        seen.add(id(r))
                        n = sum(1 for x in (r.values() if type(r) is dict else r) if x is None)
                        if n:
                            holders[f"untracked {type(r).__name__} under {owner}"] += n
                        stack.append((r, owner))
        print(f"    None refs {sys.getrefcount(None)}, seen through gc: {visible}", flush=True)
        before_holders = getattr(self, "_holders", None)
        self._holders = holders
        if before_holders is not None:
            more = sorted(
                ((n - before_holders[k], k) for k, n in holders.items() if n > before_holders[k]),
                reverse=True,
            )
            print("    None held by more: " + ", ".join(f"{k} +{d}" for d, k in more[:10]))
        grew = sorted(
            ((n - before[k], k) for k, n in counts.items() if n > before[k]), reverse=True
        )
        print("    grew: " + ", ".join(f"{k} +{d}" for d, k in grew[:8]), flush=True)

    def write(self, record: dict[str, Any]) -> None:
        if self.json_out is not None:
            self.json_out.write(json.dumps(record) + "\n")
            self.json_out.flush()

    # ------------------------------------------------------------ signals from the app

    def _on_gateway_failed(self, message: str) -> None:
        self.failures.append(message)

    def _on_reminder_fired(self, _reminder: Any) -> None:
        self.reminders += 1

    def _on_synced(self, results: list[Any]) -> None:
        self.syncs += 1

    def _on_sync_changed(self) -> None:
        self.sync_changes += 1

    # ------------------------------------------------------------ the script

    def script(self) -> Iterator[Wait]:
        monday = self.args.start
        workday_budget = self.args.actions / (5 + 2 * WEEKEND_SHARE)
        done_before = 0.0
        for offset in range(7):
            day = monday + timedelta(days=offset)
            weekend = day.weekday() >= 5
            done_before += workday_budget * (WEEKEND_SHARE if weekend else 1)
            target = round(done_before) if offset < 6 else self.args.actions
            if weekend:
                yield from self.idle_day(day, target)
            else:
                yield from self.workday(day, target)
        self.stop_running()

    def at(self, day: date, minute: int) -> datetime:
        wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.zone)
        return wall.astimezone(UTC)

    def move_clock(self, moment: datetime) -> None:
        """The clock moves on (never back): the minute timer's check, the reminder heartbeat,
        and the toasts' 10 s on the week's clock (their own timers count real seconds, of which
        a compressed week has too few: a day's toasts would all be on screen at once)."""
        moment = max(moment, self.clock.now())
        self.clock.set(moment)
        self.expire_toasts(moment)
        minute = moment.replace(second=0, microsecond=0)
        if minute != getattr(self, "_minute", None):
            self._minute = minute
            self.window.tick()  # what the app's 15-s timer does when the minute changed
        if moment - self._beat >= HEARTBEAT:  # what the reminder heartbeat does every 30 s
            self._beat = moment
            self.service.beat()

    def workday(self, day: date, target: int) -> Iterator[Wait]:
        yield from self.night_until(day)
        self.move_clock(self.at(day, 9 * 60))
        yield from self.plan_my_day()
        if self.syncs == 0:
            yield from self.first_look()
        elif self.rng.random() < 0.5:
            yield from self.calendar_sync()
        start, end = self.at(day, 9 * 60), self.at(day, 19 * 60 + 30)
        count = max(1, target - self.actions - 2)
        step = (end - start) / count
        moment = start
        while self.actions < target - 1:
            moment += step
            self.move_clock(min(moment, end))
            yield from self.one_action()
        yield from self.end_of_day()

    def idle_day(self, day: date, target: int) -> Iterator[Wait]:
        """A weekend day: the window stays open; minutes pass, now and then a look or a sync."""
        yield from self.night_until(day)
        start, end = self.at(day, 8 * 60), self.at(day, 23 * 60)
        count = max(1, target - self.actions)
        step = (end - start) / count
        moment = start
        while self.actions < target:
            moment += step
            self.move_clock(min(moment, end))
            pick = self.rng.random()
            if pick < 0.02:
                yield from self.calendar_sync()
            elif pick < 0.03:
                yield from self.review_week()
            elif pick < 0.10:
                yield from self.navigate()
            elif pick < 0.25:
                self.repaint()
                self.did("repaint")
                yield None
            else:
                self.did("tick")
                yield None

    def night_until(self, day: date) -> Iterator[Wait]:
        """Late evening, then past the 04:00 boundary: the window follows the new day."""
        if self.actions == 0:
            self.move_clock(self.at(day, 8 * 60 + 50))
            self.did("tick")
            yield None
            return
        before = day - timedelta(days=1)
        followed = self.window.day == self.window.today  # it follows the new day only then
        for moment in (self.at(before, 23 * 60 + 40), self.at(day, 4 * 60 + 10)):
            self.move_clock(moment)
            self.did("tick")
            yield None
        if followed and self.window.day != day:
            self.problems.append(f"after the night the window shows {self.window.day}, not {day}")
        self.checkpoint("morning")
        self.move_clock(self.at(day, 8 * 60 + 50))
        self.did("tick")
        yield None

    def one_action(self) -> Iterator[Wait]:
        self.dismiss_boxes()
        if self.wiring.reflow_prompt.isVisible():
            button = self.wiring.reflow_prompt
            (button.reflow_button if self.rng.random() < 0.5 else button.keep_button).click()
            self.did("reflow prompt")
            yield None
            return
        pick = self.rng.random() * 100
        if pick < 18:
            yield from self.interruption()
        elif pick < 38:
            yield from self.slot_edit()
        elif pick < 44:
            self.window.undo_action.trigger()
            self.did("undo")
            yield None
        elif pick < 48:
            self.window.redo_action.trigger()
            self.did("redo")
            yield None
        elif pick < 56:
            yield from self.task_edit()
        elif pick < 64:
            self.repaint()
            self.did("repaint")
            yield None
        elif pick < 68:
            yield from self.navigate()
        elif pick < 68.6:  # a visit is ~5 actions, each a chart drawn (~100-250 ms)
            yield from self.review_week()
        elif pick < 69.6:
            yield from self.calendar_sync()
        elif pick < 70.6:
            yield from self.interruption_log()
        elif pick < 71.6:
            self.window.set_mini_visible(not (self.window.mini and self.window.mini.isVisible()))
            self.did("mini window")
            yield None
        else:
            self.did("tick")
            yield None

    # ------------------------------------------------------------ morning and evening

    def plan_my_day(self) -> Iterator[Wait]:
        from ui.dialogs.plan_day import PlanDayDialog

        if self.window.day != self.window.today:
            self.window.go_today()
        self.window.open_plan_day()
        dialog = self._visible(PlanDayDialog)
        if dialog is None:
            self.problems.append("Plan my day did not open")
            return
        self.did("plan: open")
        yield None
        dialog.auto_split.click()
        self.did("plan: auto-split")
        yield None
        if dialog.start_button.isEnabled():
            dialog.start_button.click()
        else:
            dialog.reject()
        self.did("plan: start the day")
        yield lambda: self._visible(PlanDayDialog) is None

    def end_of_day(self) -> Iterator[Wait]:
        from ui.dialogs.end_of_day import EndOfDayDialog

        self.dismiss_boxes()
        self.window.open_end_of_day()
        dialog = self._visible(EndOfDayDialog)
        if dialog is None:
            self.problems.append("the end-of-day review did not open")
            return
        self.did("end of day: open")
        yield None
        dialog.close_day.click()
        self.did("end of day: close the day")
        yield lambda: self._visible(EndOfDayDialog) is None
        self.dismiss_toasts()

    def stop_running(self) -> None:
        from planner.services import tracking

        with self.runtime.db.transaction() as s:
            tracking.stop(s, OWNER, self.zone, self.clock.now())

    # ------------------------------------------------------------ interruptions

    def running_interruption(self) -> bool:
        from planner.services import tracking

        with self.runtime.db.transaction() as s:
            run = tracking.running(s, OWNER)
        return run is not None and run.kind == "interruption"

    def interruption(self) -> Iterator[Wait]:
        running = self.running_interruption()
        self.interruptions += 1
        if self.interruptions % self.cli_every == 0:
            yield from self.by_cli(running)
        elif self.rng.random() < 0.25 or time.monotonic() - self.last_hotkey_resume < 0.5:
            yield from self.by_socket(running)
        else:
            yield from self.by_hotkey(running)

    def note(self) -> str:
        return f"call {self.actions} from {self.rng.choice(('Anna', 'Bo', 'the printer'))}"

    def by_hotkey(self, running: bool) -> Iterator[Wait]:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        self.wiring.hotkeys.triggered.emit(self.clock.now())  # what every hotkey layer emits
        if running:
            self.last_hotkey_resume = time.monotonic()
            if self.quick_log.isVisible() or self.running_interruption():
                self.problems.append(f"the hotkey did not resume at action {self.actions}")
            self.did("resume")
            yield None
            return
        if not self.quick_log.isVisible():
            self.problems.append(f"the hotkey did not open the quick log at action {self.actions}")
            return
        self.did("quick log: open")
        yield None
        note = self.note()
        QTest.keyClicks(self.quick_log.note, note)
        QTest.keyClick(self.quick_log.note, Qt.Key.Key_Tab)
        QTest.keyClicks(self.quick_log.source, self.rng.choice(("chat", "phone", "desk")))
        minutes = self.rng.randint(2, 20)
        if self.rng.random() < 0.3:  # over at the key press: how long it took, Ctrl+Enter
            QTest.keyClicks(self.quick_log.duration, f"{minutes}m")
            QTest.keyClick(
                self.quick_log.source, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
            )
        else:
            QTest.keyClick(self.quick_log.source, Qt.Key.Key_Return)
        if self.quick_log.isVisible():
            self.problems.append(f"the quick log refused {note!r}: {self.quick_log.error.text()}")
            self.quick_log.cancel()
        else:
            self.acknowledged.add(note)
        self.did("interruption")
        yield None

    def by_socket(self, running: bool) -> Iterator[Wait]:
        from PySide6.QtNetwork import QLocalSocket

        from planner.platform import ipc

        note = self.note()
        if running:
            payload = ipc.encode_request("resume")
        else:
            took = self.rng.random() < 0.3
            payload = ipc.encode_request(
                "interrupt",
                note=note,
                source="socket",
                at=self.clock.now().isoformat(),
                duration="5m" if took else None,
            )
        sock = QLocalSocket()
        data = bytearray()

        def send() -> None:
            sock.write(payload)
            sock.flush()

        sock.connected.connect(send)
        sock.readyRead.connect(lambda: data.extend(bytes(sock.readAll().data())))
        sock.connectToServer(ipc.server_name(OWNER))
        yield (
            lambda: b"\n" in data or sock.state() == QLocalSocket.LocalSocketState.UnconnectedState
        )
        reply = ipc.decode_reply(bytes(data).split(b"\n", 1)[0]) if b"\n" in data else None
        sock.abort()
        sock.deleteLater()
        if reply is None or not reply.ok:
            self.problems.append(f"socket {'resume' if running else 'interrupt'}: {reply}")
        elif not running:
            self.acknowledged.add(note)
        self.did("resume" if running else "interruption")

    def by_cli(self, running: bool) -> Iterator[Wait]:
        """A real `splitday interrupt` / `resume` process, forwarded to this app."""
        note = self.note()
        # the key press comes before the app hears of it: half a second before the app's now
        pressed = self.clock.now() - timedelta(milliseconds=500)
        local = pressed.astimezone(self.zone).replace(tzinfo=None)
        env = {**os.environ, "SPLITDAY_NOW": local.isoformat()}  # to the microsecond
        env.pop("QT_QPA_PLATFORM", None)
        args = ["resume"] if running else ["interrupt", note, "--source", "cli"]
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.shell.launcher", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        yield lambda: proc.poll() is not None
        out, err = proc.communicate()
        forwarded = running or "by the running Splitday" in out
        if proc.returncode != 0 or not forwarded:
            self.problems.append(f"splitday {args[0]} exited {proc.returncode}: {out}{err}")
        elif not running:
            self.acknowledged.add(note)
        self.did("cli resume" if running else "cli interrupt")

    # ------------------------------------------------------------ the plan

    def shown(self) -> Any:
        return self.window.snapshot

    def free_gaps(self) -> list[tuple[datetime, datetime]]:
        snap = self.shown()
        plan = snap.plan
        cursor, gaps = plan.day.start, []
        for slot in sorted(plan.slots, key=lambda s: s.start):
            if slot.start - cursor >= timedelta(minutes=15):
                gaps.append((cursor, slot.start))
            cursor = max(cursor, slot.end)
        if plan.day.stop + timedelta(hours=2) - cursor >= timedelta(minutes=15):
            gaps.append((cursor, plan.day.stop + timedelta(hours=2)))
        return gaps

    def slot_edit(self) -> Iterator[Wait]:
        snap = self.shown()
        slots = sorted(snap.plan.slots, key=lambda s: s.start)
        timeline = self.window.timeline
        pick = self.rng.random()
        if not slots or (pick < 0.3 and len(slots) < 14):
            gaps = self.free_gaps()
            if not gaps:
                return
            lo, hi = self.rng.choice(gaps)
            length = min(hi - lo, timedelta(minutes=self.rng.choice((15, 30, 45, 60))))
            start = lo + timedelta(minutes=5 * self.rng.randint(0, 2))
            end = min(start + length, hi)
            if end - start < timedelta(minutes=10):
                start, end = lo, lo + length
            if self.rng.random() < 0.3:
                yield from self.drag_slot(start, end)
                return
            timeline.slot_create_requested.emit(start, end, self.rng.choice(self.roles))
            self.did("slot: add")
            yield None
            return
        slot = self.rng.choice(slots)
        index = slots.index(slot)
        before = slots[index - 1].end if index else snap.plan.day.start - timedelta(hours=2)
        after = slots[index + 1].start if index + 1 < len(slots) else slot.end + timedelta(hours=2)
        five = timedelta(minutes=5)
        if pick < 0.5:
            shift = five * self.rng.choice((-3, -2, -1, 1, 2, 3))
            if slot.start + shift < before or slot.end + shift > after:
                shift = -shift
            changes: dict[str, Any] = {"start": slot.start + shift, "end": slot.end + shift}
            kind = "slot: move"
        elif pick < 0.7:
            end = slot.end + five * self.rng.choice((-2, -1, 1, 2))
            end = max(slot.start + 2 * five, min(end, after))
            changes, kind = {"end": end}, "slot: resize"
        elif pick < 0.8:
            others = [r for r in self.roles if r != slot.role_id] or self.roles
            changes, kind = {"role_id": self.rng.choice(others)}, "slot: role"
        elif pick < 0.85:
            changes, kind = {"title": f"focus {self.actions}"}, "slot: rename"
        else:
            timeline.slot_remove_requested.emit(slot.id)
            self.did("slot: delete")
            yield None
            return
        timeline.slot_edit_requested.emit(slot.id, changes)
        self.did(kind)
        yield None

    def drag_slot(self, start: datetime, end: datetime) -> Iterator[Wait]:
        """Press, move and release the mouse on the timeline's empty Planned column."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        timeline = self.window.timeline
        left = Qt.MouseButton.LeftButton
        QTest.mousePress(timeline, left, Qt.KeyboardModifier.NoModifier, timeline.point_at(start))
        QTest.mouseMove(timeline, timeline.point_at(start + (end - start) / 2))
        QTest.mouseRelease(timeline, left, Qt.KeyboardModifier.NoModifier, timeline.point_at(end))
        self.did("slot: drag")
        yield None

    def task_edit(self) -> Iterator[Wait]:
        tasks = self.window.tasks
        snap = self.shown()
        open_tasks = [t for t in snap.plan.tasks if t.status == "open"]
        pick = self.rng.random()
        if pick < 0.4 or len(open_tasks) < 3:
            title = f"task {self.actions}"
            tasks.add_requested.emit(title, self.rng.choice(self.roles), self.rng.choice((15, 30)))
            self.did("task: add")
        elif pick < 0.7:
            task = self.rng.choice(open_tasks)
            tasks.model.status_requested.emit(task.id, "done")
            self.did("task: done")
        else:
            ids = tasks.model.ids()
            self.rng.shuffle(ids)
            tasks.model.reorder_requested.emit(ids)
            self.did("task: reorder")
        yield None

    # ------------------------------------------------------------ looking at things

    def repaint(self) -> None:
        self.window.timeline.repaint()
        self.window.now_panel.repaint()

    def navigate(self) -> Iterator[Wait]:
        step = self.rng.choice((self.window.previous_day, self.window.next_day))
        step()
        self.did("day: other")
        yield None
        self.repaint()
        self.window.go_today()
        self.did("day: today")
        yield None

    def first_look(self) -> Iterator[Wait]:
        """Monday morning: every window once (the review's four charts, the interruption log,
        the mini window), so that from Tuesday on nothing is loaded or drawn the first time."""
        yield from self.calendar_sync()
        yield from self.review_week(tabs=range(4))
        yield from self.interruption_log()
        for _ in range(2):
            self.window.set_mini_visible(not (self.window.mini and self.window.mini.isVisible()))
            self.did("mini window")
            yield None

    def review_week(self, tabs: range | None = None) -> Iterator[Wait]:
        self.window.open_review()
        if self.review is None:
            from ui.views.review import ReviewView

            self.review = self._visible(ReviewView)
        review = self.review
        if review is None:
            self.problems.append("the review did not open")
            return
        self.did("review: open")
        yield None
        for _ in range(self.rng.randint(1, 3)):
            self.rng.choice((review.prev_button, review.next_button)).click()
            self.did("review: week")
            yield None
        for tab in tabs or [self.rng.randrange(review.tabs.count())]:
            review.tabs.setCurrentIndex(tab)
            self.did("review: tab")
            yield None
        review.this_button.click()
        review.hide()
        self.did("review: close")
        yield None

    def interruption_log(self) -> Iterator[Wait]:
        self.window.open_interruption_log()
        from ui.dialogs.interruption_log import InterruptionLogDialog

        dialog = self._visible(InterruptionLogDialog)
        self.did("interruption log: open")
        yield None
        if dialog is not None:
            dialog.hide()
        self.did("interruption log: close")
        yield None

    def calendar_sync(self) -> Iterator[Wait]:
        write_ics(self.ics, self.args.start, self.syncs + 1)
        self.background.sync_now()
        self.did("calendar sync")
        yield lambda: not self.background.is_running()

    # ------------------------------------------------------------ the person's hands

    def _visible(self, kind: type) -> Any:
        from PySide6.QtWidgets import QApplication

        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, kind) and widget.isVisible():
                return widget
        return None

    def dismiss_boxes(self) -> None:
        """Close a message box left by a refused edit, and a gap question (as a person would)."""
        from PySide6.QtWidgets import QApplication, QMessageBox

        from ui.dialogs.gap import GapDialog

        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox | GapDialog) and widget.isVisible():
                widget.done(0)

    def expire_toasts(self, now: datetime) -> None:
        """Close each toast 10 s (its own timeout) after it came up, on the week's clock; the
        urgent ones (the hard stop) stay until the person closes them (dismiss_toasts)."""
        stack = self.service.toasts
        if stack is None:
            return
        shown = {id(toast) for toast in stack.toasts}
        self.toast_seen = {k: v for k, v in self.toast_seen.items() if k in shown}
        for toast in list(stack.toasts):
            first = self.toast_seen.setdefault(id(toast), now)
            if now - first >= TOAST and not toast.notice.urgent:
                toast.close()

    def dismiss_toasts(self) -> None:
        from PySide6.QtWidgets import QApplication

        from ui.widgets.toast import Toast

        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, Toast) and widget.isVisible():
                widget.close()

    # ------------------------------------------------------------ the end

    def stored_check(self) -> dict[str, Any]:
        """Every acknowledged interruption stored; entries without overlap, one running at most."""
        from planner.storage.models import Entry

        with self.runtime.db.transaction() as s:
            rows = list(s.query(Entry).filter(Entry.owner == OWNER).order_by(Entry.start))
            notes = {e.note for e in rows if e.kind == "interruption"}
            spans = [(e.start, e.end) for e in rows]
        lost = sorted(self.acknowledged - notes)
        running = sum(1 for _, end in spans if end is None)
        negative = sum(1 for start, end in spans if end is not None and end < start)
        overlaps = 0
        reach: datetime | None = None
        for start, end in spans:
            if reach is not None and start < reach:
                overlaps += 1
            stop = end if end is not None else datetime.max.replace(tzinfo=UTC)
            reach = stop if reach is None else max(reach, stop)
        for what, count in (("lost", len(lost)), ("running>1", running - 1 if running > 1 else 0),
                            ("negative", negative), ("overlapping", overlaps)):  # fmt: skip
            if count:
                self.problems.append(f"entries: {what} {count}" + (f" {lost[:5]}" if lost else ""))
        return {
            "entries": len(spans),
            "acknowledged": len(self.acknowledged),
            "lost": len(lost),
            "running": running,
            "negative": negative,
            "overlapping": overlaps,
        }

    def finish(self) -> None:
        from PySide6.QtCore import QTimer

        self.watchdog.stop()
        QTimer.singleShot(0, self.window.quit)  # whatever happens below
        self.checkpoint()
        if self.args.types:
            self.wrappers()
        stored = self.stored_check()
        first, last = self.checkpoints[0], self.checkpoints[-1]
        half = self.checkpoints[len(self.checkpoints) // 2]
        second = [
            (c["actions"], c["rss_kib"]) for c in self.checkpoints[len(self.checkpoints) // 2 :]
        ]
        summary = {
            "actions": self.actions,
            "seconds": last["seconds"],
            "rss_start_kib": first["rss_kib"],
            "rss_half_kib": half["rss_kib"],
            "rss_end_kib": last["rss_kib"],
            "rss_max_kib": max(c["rss_kib"] for c in self.checkpoints),
            # RSS per 1 000 actions over the second half (least squares over its checkpoints)
            "rss_slope_second_half_kib_per_1000": round(1000 * slope(second), 1),
            "peak_kib": last["peak_kib"],
            "none_refs_start": first["none_refs"],
            "none_refs_end": last["none_refs"],
            "none_refs_min": min(c["none_refs"] for c in self.checkpoints),
            "none_refs_max": max(c["none_refs"] for c in self.checkpoints),
            "reminders": self.reminders,
            "syncs": self.syncs,
            "sync_changes": self.sync_changes,
            "refused_edits": len(self.failures),
            "refused_by_text": dict(Counter(m[:80] for m in self.failures).most_common(6)),
            "kinds": dict(sorted(self.kinds.items())),
            "ms_per_kind": {
                kind: round(1000 * self.spent[kind] / n, 1)
                for kind, n in sorted(self.kinds.items())
            },
            "none_moves_per_kind": dict(self.none_moves.most_common()),  # with --types only
            "stored": stored,
            "problems": self.problems,
        }
        self.write({"summary": summary})
        if self.json_out is not None:
            self.json_out.close()
            self.json_out = None
        print(json.dumps(summary, indent=1), flush=True)


# ---------------------------------------------------------------------- the process


def quiet_offscreen(_mode: Any, _context: Any, message: str) -> None:
    """Qt's messages on stderr, without the offscreen plugin's "does not support raise()"."""
    if not message.startswith("This plugin does not support"):
        sys.stderr.write(message + "\n")


def run(args: argparse.Namespace) -> int:
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="splitday-endurance-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = prepare_env(folder, args.db_url)
    from planner.domain.clock import FakeClock

    start = datetime(args.start.year, args.start.month, args.start.day, 8, 50,
                     tzinfo=ZoneInfo(ZONE_NAME))  # fmt: skip
    clock = FakeClock(start)
    seed_history(env["SPLITDAY_DB_URL"], start, args.history_weeks)
    write_ics(folder / "team.ics", args.start, 0)

    import PySide6
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    import planner.domain.clock as clock_module
    from ui.shell import app as shell
    from ui.shell.qt_guard import check_bindings
    from ui.shell.single_instance import claim_instance

    reason = check_bindings()
    print(
        f"PySide6 {PySide6.__version__}, Python {sys.version.split()[0]}, "
        f"{env['SPLITDAY_DB_URL'].split(':')[0]}; start-up guard: "
        f"{'would refuse: ' + reason if reason else 'ok'}",
        flush=True,
    )
    app = QApplication.instance() or QApplication(sys.argv[:1])
    qInstallMessageHandler(quiet_offscreen)
    instance = claim_instance()
    if isinstance(instance, int):
        print("another Splitday holds this socket", file=sys.stderr)
        return 1
    clock_module.clock_from_env = lambda: clock  # build() asks for the clock: the week's
    _app, _window, runtime = shell.build(None)
    week = Week(args, runtime, clock, folder)
    runtime.started.append(lambda rt: shell.wire_features(rt, instance, False))
    runtime.started.append(lambda rt: week.begin())
    runtime.in_exec = True
    try:
        code = app.exec()
    finally:
        runtime.close()
        instance.release()
    print(f"app exited with {code}", flush=True)
    return code or (3 if week.problems else 0)


def under_xvfb(argv: list[str]) -> int:
    from tests.e2e.xsession import xvfb

    with xvfb() as display:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        argv = [a for a in argv if a != "--xvfb"]
        return subprocess.run([sys.executable, __file__, *argv], env=env, check=False).returncode


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--actions", type=int, default=20_000, help="actions in the week")
    p.add_argument("--checkpoints", type=int, default=40, help="measurements along the way")
    p.add_argument("--cli-calls", type=int, default=40, help="real `splitday` processes")
    p.add_argument("--history-weeks", type=int, default=8, help="demo history before the week")
    p.add_argument("--start", type=date.fromisoformat, default=date(2026, 11, 23),
                   help="the Monday the week starts on")  # fmt: skip
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--dir", help="working folder (default: a new temporary one, kept)")
    p.add_argument("--json", help="append checkpoints and the summary to this file (JSON lines)")
    p.add_argument("--xvfb", action="store_true", help="run under a private Xvfb")
    p.add_argument("--db-url", help="an empty PostgreSQL database instead of a SQLite file")
    p.add_argument("--types", action="store_true", help="print which object types grew")
    p.add_argument("--undo-limit", type=int, default=0, help="cap the undo history (experiment)")
    p.add_argument("--pixmap-cache-kib", type=int, default=0, help="QPixmapCache's limit (ditto)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.xvfb and os.environ.get("QT_QPA_PLATFORM") != "xcb":
        return under_xvfb(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
