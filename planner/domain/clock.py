"""The only `now()`: the system clock, a shifted one for demos (SPLITDAY_NOW), a fake for tests,
and a file-stepped one that end-to-end tests move from outside the running app."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Starts at a given moment and then runs at normal speed (for demos and e2e tests)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime")
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class FileClock:
    """A clock stepped from outside the process (end-to-end tests): it reads the local moment
    written in a file and stands still between writes. `MOMENT slept` says the machine slept
    since the moment before (a suspended laptop). The machine's other clocks step with it, as
    they would have run: `monotonic()` by every forward step but a sleep, `boottime()` by every
    forward step (so a heartbeat tells a sleep from time passing exactly, with no real seconds
    mixed in). A file that cannot be read or parsed (half written) keeps the last moment."""

    stepped = True  # the running app polls it, since its timers count real time

    def __init__(self, path: str | os.PathLike[str], zone: tzinfo | None = None) -> None:
        self.path = os.fspath(path)
        self._zone = zone
        self.slept = timedelta(0)  # the steps marked as a sleep
        self.awake = timedelta(0)  # the other forward steps
        self._stamp: tuple[int, int, int] | None = None
        moment = self._read()
        if moment is None:
            raise ValueError(f"the clock file {self.path} holds no moment (e.g. 2026-11-30T08:50)")
        self._now = moment[0]

    def _read(self) -> tuple[datetime, bool] | None:
        try:
            info = os.stat(self.path)
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
            if stamp == self._stamp:
                return None
            with open(self.path, encoding="utf-8") as file:
                words = file.read().split()
            if not words or words[1:] not in ([], ["slept"]):
                return None
            moment = parse_local_moment(words[0], self._zone)
        except (OSError, ValueError):
            return None
        self._stamp = stamp
        return moment, words[1:] == ["slept"]

    def now(self) -> datetime:
        read = self._read()
        if read is not None:
            moment, slept = read
            if moment > self._now:
                if slept:
                    self.slept += moment - self._now
                else:
                    self.awake += moment - self._now
            self._now = moment
        return self._now

    def monotonic(self) -> float:
        """Seconds on the machine's monotonic clock: it stops while the machine sleeps."""
        self.now()
        return self.awake.total_seconds()

    def boottime(self) -> float:
        """Seconds on the machine's boot clock: it runs on while the machine sleeps."""
        self.now()
        return (self.awake + self.slept).total_seconds()


_local_zone: tzinfo | None = None


def local_zone() -> tzinfo:
    """The user's time zone (the system's, or $TZ), as an IANA zone where one can be found."""
    global _local_zone
    if _local_zone is None:
        name = os.environ.get("TZ", "").lstrip(":")
        if name:
            try:
                _local_zone = ZoneInfo(name)
            except (KeyError, ValueError, OSError):
                _local_zone = None
        if _local_zone is None:
            _local_zone = _zone_of_etc_localtime()
        if _local_zone is None:
            try:
                import tzlocal

                _local_zone = tzlocal.get_localzone()
            except Exception:  # a broken system zone must not stop the app
                _local_zone = UTC
    return _local_zone


def _zone_of_etc_localtime() -> tzinfo | None:
    """The IANA zone /etc/localtime links to (systemd, and every current Linux and macOS, keep
    it a symlink into the zoneinfo tree). Importing tzlocal, which also reads the distribution's
    config files, costs the start-up ~6 ms: it stays the fallback."""
    try:
        target = os.readlink("/etc/localtime")
    except OSError:  # not a symlink, or no such file (Windows)
        return None
    _, found, key = target.replace(os.sep, "/").partition("/zoneinfo/")
    for prefix in ("posix/", "right/"):
        key = key.removeprefix(prefix)
    if not found or not key:
        return None
    try:
        return ZoneInfo(key)
    except (KeyError, ValueError, OSError):
        return None


def reset_local_zone() -> None:
    """Forget the cached zone (the system zone changed while running)."""
    global _local_zone
    _local_zone = None
    time.tzset()


def parse_local_moment(text: str, zone: tzinfo | None = None) -> datetime:
    """Parse '2026-11-24T10:15' (local unless it carries an offset) into an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"not a date and time: {text!r} (expected e.g. 2026-11-24T10:15)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or local_zone())
    return moment.astimezone(UTC)


CLOCK_FILE_ENV = "SPLITDAY_CLOCK_FILE"  # honoured only with SPLITDAY_TEST=1
TEST_ENV = "SPLITDAY_TEST"


def clock_from_env() -> Clock:
    """SPLITDAY_CLOCK_FILE (with SPLITDAY_TEST=1): the file-stepped test clock; SPLITDAY_NOW: a
    clock that starts there; otherwise the system clock."""
    path = os.environ.get(CLOCK_FILE_ENV, "").strip()
    if path and os.environ.get(TEST_ENV) == "1":
        return FileClock(path)
    text = os.environ.get("SPLITDAY_NOW", "").strip()
    if text:
        return ShiftedClock(parse_local_moment(text))
    return SystemClock()
