"""Idle time, the screen lock and suspend without X11: planner.platform.idle against services
on real D-Bus buses (private dbus-daemons) that implement the interfaces exactly as their
projects publish them (tests/dbus/*.xml, each naming its source): GNOME Mutter's IdleMonitor,
KDE's org.freedesktop.ScreenSaver (also as Plasma on Wayland answers: GetSessionIdleTime
refused with NotSupported), and logind's Lock / Unlock / PrepareForSleep on a second bus that
plays the system bus. The gap that comes out is the one the X11 path gives: the reminder
service's IdleTracker asks about it the same way."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from planner.domain.clock import FakeClock
from planner.platform.idle import SessionIdle
from planner.platform.notify import MemoryNotifier
from planner.services import gaps, planning, tracking
from planner.storage.db import Database
from tests.dbus_service import INTERFACES, DBusRefusal, XmlService, session_bus
from ui.gateway import Gateway
from ui.shell.reminders import Dispatcher, ReminderService

pytestmark = pytest.mark.e2e
BERLIN = ZoneInfo("Europe/Berlin")
SESSION = "/org/freedesktop/login1/session/_32"


class Mono:
    def __init__(self) -> None:
        self.value = 5000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def buses() -> Iterator[tuple[str, str]]:
    if shutil.which("dbus-daemon") is None:
        pytest.fail("dbus-daemon not installed (run tests/install-system-deps.sh)")
    with session_bus() as session, session_bus() as system:
        yield session, system


def wait_until(predicate: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the signal did not arrive")
        time.sleep(0.02)


def mutter(address: str, idle_ms: list[int]) -> XmlService:
    return XmlService(
        address,
        "org.gnome.Mutter.IdleMonitor",
        "/org/gnome/Mutter/IdleMonitor/Core",
        INTERFACES / "org.gnome.Mutter.IdleMonitor.xml",
        {"GetIdletime": lambda _s: idle_ms[0]},
    )


def screensaver(address: str, idle_ms: list[int] | None, active: list[bool]) -> XmlService:
    def session_idle(_sender: str) -> int:
        if idle_ms is None:  # Plasma on Wayland (kscreenlocker's interface.cpp)
            raise DBusRefusal(
                "org.freedesktop.DBus.Error.NotSupported",
                "GetSessionIdleTime is not supported on this platform",
            )
        return idle_ms[0]

    return XmlService(
        address,
        "org.freedesktop.ScreenSaver",
        ("/org/freedesktop/ScreenSaver", "/ScreenSaver"),
        INTERFACES / "org.freedesktop.ScreenSaver.xml",
        {
            "GetSessionIdleTime": session_idle,
            "GetActive": lambda _s: active[0],
            "GetActiveTime": lambda _s: 0,
        },
    )


def logind(address: str) -> XmlService:
    return XmlService(
        address,
        "org.freedesktop.login1",
        ("/org/freedesktop/login1", SESSION, "/org/freedesktop/login1/session/_33"),
        INTERFACES / "org.freedesktop.login1.xml",
        {"GetSession": lambda _s, sid: SESSION if sid == "auto" else "/nope"},
    )


def test_gnome_mutter_idle_time(buses: tuple[str, str]) -> None:
    session, system = buses
    idle = [42_000]
    with mutter(session, idle) as service:
        probe = SessionIdle(session, system)
        try:
            assert probe() == timedelta(seconds=42)
            idle[0] = 150
            assert probe() == timedelta(milliseconds=150)
        finally:
            probe.close()
        assert ("org.gnome.Mutter.IdleMonitor", "GetIdletime", ()) in service.calls


def test_kde_screensaver_idle_time_and_lock(buses: tuple[str, str]) -> None:
    session, system = buses
    mono, active = Mono(), [False]
    with screensaver(session, [7_000], active) as saver:
        probe = SessionIdle(session, system, monotonic=mono)
        try:
            assert probe() == timedelta(seconds=7)
            saver.emit("org.freedesktop.ScreenSaver", "ActiveChanged", True)  # locked
            wait_until(lambda: probe.away.events == [("screensaver", True)])
            mono.value += 1200
            assert probe() == timedelta(minutes=20)  # away since the lock, not 7 s
            saver.emit("org.freedesktop.ScreenSaver", "ActiveChanged", False)
            wait_until(lambda: len(probe.away.events) == 2)
            assert probe() == timedelta(seconds=7)
        finally:
            probe.close()


def test_plasma_on_wayland_refuses_idle_time_and_the_lock_still_counts(
    buses: tuple[str, str],
) -> None:
    session, system = buses
    mono, active = Mono(), [True]  # locked already when Splitday starts
    with screensaver(session, None, active) as saver:
        probe = SessionIdle(session, system, monotonic=mono)
        try:
            mono.value += 600
            assert probe() == timedelta(minutes=10)
            saver.emit("org.freedesktop.ScreenSaver", "ActiveChanged", False)
            wait_until(lambda: probe.away.events[-1] == ("screensaver", False))
            assert probe() == timedelta(0)  # unlocked: back, as far as anything can tell
            calls = [c[1] for c in saver.calls]
            assert calls.count("GetSessionIdleTime") == 1  # refused once: not asked again
        finally:
            probe.close()


def test_logind_lock_unlock_and_sleep_on_the_system_bus(buses: tuple[str, str]) -> None:
    session, system = buses
    mono = Mono()
    with logind(system) as login, mutter(session, [1_000]):
        probe = SessionIdle(session, system, monotonic=mono)
        try:
            assert probe() == timedelta(seconds=1)
            login.emit(
                "org.freedesktop.login1.Session", "Lock", path="/org/freedesktop/login1/session/_33"
            )
            login.emit("org.freedesktop.login1.Session", "Lock", path=SESSION)
            wait_until(lambda: probe.away.events == [("logind-lock", True)])  # not the other one
            mono.value += 900
            assert probe() == timedelta(minutes=15)
            login.emit(
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                True,
                path="/org/freedesktop/login1",
            )
            wait_until(lambda: len(probe.away.events) == 2)
            login.emit("org.freedesktop.login1.Session", "Unlock", path=SESSION)
            wait_until(lambda: len(probe.away.events) == 3)
            mono.value += 60
            assert probe() == timedelta(minutes=1)  # still asleep: away since the sleep began
            login.emit(
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                False,
                path="/org/freedesktop/login1",
            )
            wait_until(lambda: len(probe.away.events) == 4)
            assert probe() == timedelta(seconds=1)
        finally:
            probe.close()


def test_a_lock_becomes_the_same_gap_question_as_x11_idle(
    qtbot: QtBot, db: Database, buses: tuple[str, str]
) -> None:
    session, system = buses
    start = datetime(2026, 11, 24, 14, 0, tzinfo=BERLIN).astimezone(UTC)
    clock = FakeClock(start)
    with db.transaction() as s:
        support = planning.find_role(s, "tester", "Support")
        tracking.start_work(s, "tester", BERLIN, start - timedelta(hours=1), role_id=support.id)
    mono, active = Mono(), [False]
    with screensaver(session, [2_000], active) as saver:
        probe = SessionIdle(session, system, monotonic=mono)
        service = ReminderService(
            Gateway(db, clock, BERLIN),
            Dispatcher(MemoryNotifier("desktop"), []),
            monotonic=mono,
            boottime=lambda: None,
            idle_probe=probe,
            heartbeat_ms=60_000,
        )
        try:
            service.start()
            service.beat()
            saver.emit("org.freedesktop.ScreenSaver", "ActiveChanged", True)
            wait_until(lambda: probe.away.events == [("screensaver", True)])
            mono.value += 25 * 60
            clock.set(start + timedelta(minutes=25))
            service.beat()  # still locked: away, no question yet
            saver.emit("org.freedesktop.ScreenSaver", "ActiveChanged", False)
            wait_until(lambda: len(probe.away.events) == 2)
            mono.value += 30
            clock.set(start + timedelta(minutes=25, seconds=30))
            with qtbot.waitSignal(service.gap_found, timeout=2000) as blocker:
                service.beat()
        finally:
            service.stop()
            probe.close()
    gap: gaps.Gap = blocker.args[0]
    assert gap.cause == "idle"
    assert gap.start == start  # from the lock
    assert gap.end == start + timedelta(minutes=25, seconds=28)  # back, minus the 2 s idle
