"""The file-stepped test clock: what it reads, that it stands still, sleeps, and when it is used."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planner.domain.clock import FileClock, ShiftedClock, SystemClock, clock_from_env

BERLIN = ZoneInfo("Europe/Berlin")


def write(path: Path, text: str) -> None:
    """As the e2e tests write it: a new file renamed over the old one."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def local(hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 11, 30, h, m, tzinfo=BERLIN)


def test_it_reads_the_moment_and_stands_still_until_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "now"
    write(path, "2026-11-30T08:50\n")
    clock = FileClock(path, BERLIN)
    assert clock.now() == local("08:50") and clock.now().tzinfo is UTC
    time.sleep(0.05)
    assert clock.now() == local("08:50")  # no real time runs on it
    write(path, "2026-11-30T09:04")
    assert clock.now() == local("09:04")
    assert clock.slept == timedelta(0)  # a step is time passing, not a sleep


def test_slept_adds_up_the_steps_marked_as_a_sleep(tmp_path: Path) -> None:
    path = tmp_path / "now"
    write(path, "2026-11-30T12:30")
    clock = FileClock(path, BERLIN)
    write(path, "2026-11-30T13:15 slept")
    assert clock.now() == local("13:15")
    assert clock.slept == timedelta(minutes=45)
    assert clock.now() == local("13:15") and clock.slept == timedelta(minutes=45)  # read once
    write(path, "2026-11-30T13:20")
    write(path, "2026-12-01T08:50+01:00 slept")
    assert clock.now() == datetime(2026, 12, 1, 7, 50, tzinfo=UTC)
    # 13:20 was never read: the sleep is from the moment last read, 13:15, to 08:50
    assert clock.slept == timedelta(minutes=45) + timedelta(hours=19, minutes=35)


def test_the_machine_clocks_step_with_it_and_a_heartbeat_sees_the_sleep_exactly(
    tmp_path: Path,
) -> None:
    from planner.services.gaps import Gap, Observation, SleepDetector

    path = tmp_path / "now"
    write(path, "2026-11-30T09:00")
    clock = FileClock(path, BERLIN)
    detector = SleepDetector(timedelta(minutes=10))

    def beat() -> Observation:
        return detector.observe(clock.now(), clock.monotonic(), clock.boottime())

    beat()
    time.sleep(0.05)  # real time does not leak in
    write(path, "2026-11-30T12:30")  # three and a half hours at the desk: no gap
    assert beat().gap is None
    assert (clock.monotonic(), clock.boottime()) == (3.5 * 3600, 3.5 * 3600)
    write(path, "2026-11-30T13:15 slept")
    seen = beat()
    assert seen.gap == Gap(local("12:30"), local("13:15"), "sleep")
    assert (clock.monotonic(), clock.boottime()) == (3.5 * 3600, 4.25 * 3600)
    write(path, "2026-11-30T13:00")  # set back: neither machine clock runs backwards
    assert beat().gap is None
    assert clock.monotonic() == 3.5 * 3600


def test_a_file_that_does_not_parse_keeps_the_last_moment(tmp_path: Path) -> None:
    path = tmp_path / "now"
    write(path, "2026-11-30T08:50")
    clock = FileClock(path, BERLIN)
    for bad in ("", "2026-11-3", "2026-11-30T09:00 sleeping", "tomorrow"):
        write(path, bad)
        assert clock.now() == local("08:50"), bad
    path.unlink()
    assert clock.now() == local("08:50")
    write(path, "2026-11-30T09:00")
    assert clock.now() == local("09:00")


def test_a_missing_file_is_refused_at_the_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="holds no moment"):
        FileClock(tmp_path / "absent", BERLIN)


def test_the_clock_file_is_honoured_only_in_a_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "now"
    write(path, "2026-11-30T08:50+01:00")
    monkeypatch.setenv("SPLITDAY_CLOCK_FILE", str(path))
    monkeypatch.delenv("SPLITDAY_NOW", raising=False)
    monkeypatch.delenv("SPLITDAY_TEST", raising=False)
    assert isinstance(clock_from_env(), SystemClock)  # a stray variable moves no real clock
    monkeypatch.setenv("SPLITDAY_NOW", "2026-11-24T10:15")
    assert isinstance(clock_from_env(), ShiftedClock)
    monkeypatch.setenv("SPLITDAY_TEST", "1")
    clock = clock_from_env()
    assert isinstance(clock, FileClock)
    assert clock.now() == local("08:50")


def test_the_hotkey_command_is_stamped_by_the_stepped_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`splitday interrupt` stamps the key press before it forwards it to the running app,
    which follows SPLITDAY_CLOCK_FILE: the stamp must come from that clock too (it came from
    the system clock, so the quick log said 'Interruption since 03:51:56' at 10:50)."""
    from planner.cli.main import _wall_now

    path = tmp_path / "now"
    write(path, "2026-11-30T10:50+01:00")
    monkeypatch.setenv("SPLITDAY_CLOCK_FILE", str(path))
    monkeypatch.delenv("SPLITDAY_NOW", raising=False)
    monkeypatch.setenv("SPLITDAY_TEST", "1")
    assert _wall_now() == local("10:50")
    monkeypatch.delenv("SPLITDAY_TEST")  # outside a test the file is no clock at all
    assert abs(_wall_now() - datetime.now(UTC)) < timedelta(minutes=5)
