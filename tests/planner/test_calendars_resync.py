"""Re-syncing a local source: unchanged files are recognised cheaply, a real change never missed."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planner.calendars import sync as calendars
from planner.calendars.sync import Rule
from planner.domain.clock import FakeClock
from planner.domain.timerange import Interval
from planner.services import planning
from planner.storage.db import Database
from planner.storage.models import CalendarSource
from tests.planner.test_calendars_sync import BERLIN, REVIEW, STANDUP, event, ics

FLOATING = "UID:fl1\r\nSUMMARY:Floating\r\nDTSTART:20261125T100000\r\nDTEND:20261125T110000"
# on 2026-11-24 the window (8 weeks back, 26 ahead, in 28-day steps) ends at 2027-05-31
LATER = event("later", "Later", "20270602T100000", "20270602T110000")


class Paths:
    """Which way each sync went: the stat shortcut, the streamed hash, or a full parse."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.hashed = self.parsed = 0
        digest, read = calendars._local_digest, calendars.read

        def counting_digest(*args: object, **kw: object) -> str | None:
            self.hashed += 1
            return digest(*args, **kw)  # type: ignore[arg-type]

        def counting_read(*args: object, **kw: object) -> object:
            self.parsed += 1
            return read(*args, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(calendars, "_local_digest", counting_digest)
        monkeypatch.setattr(calendars, "read", counting_read)

    def take(self) -> tuple[int, int]:
        seen = (self.hashed, self.parsed)
        self.hashed = self.parsed = 0
        return seen


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test count as written long ago (their stat() is trusted at once)."""
    monkeypatch.setattr(calendars, "_wall_ns", lambda: time.time_ns() + 3600 * 10**9)


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


def touch(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def add(db: Database, location: Path, **kw: object) -> int:
    with db.transaction() as s:
        source, _ = calendars.add_source(s, "tester", "work", str(location), **kw)  # type: ignore[arg-type]
    return source.id


def sync(db: Database, sid: int, clock: FakeClock, zone: ZoneInfo = BERLIN) -> calendars.SyncResult:
    with db.transaction() as s:
        return calendars.sync_source(s, "tester", sid, now=clock.now(), zone=zone)


def stored(db: Database, clock: FakeClock) -> list[tuple[str, str, int | None]]:
    """(summary, start, role) of every stored occurrence, by start."""
    span = Interval(clock.now() - timedelta(weeks=60), clock.now() + timedelta(weeks=60))
    with db.transaction() as s:
        occs = calendars.list_occurrences(s, "tester", span)
    return [(o.summary, o.start.isoformat(), o.role_id) for o in occs]


def roles(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        return {r.name: r.id for r in planning.list_roles(s, "tester")}


def test_streamed_digest_is_the_loaded_one(
    db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hashing the files in pieces gives exactly the digest of the loaded bytes."""
    monkeypatch.setattr(calendars, "_HASH_BUFFER", 7)  # many pieces, a short last one
    folder = tmp_path / "cal"
    folder.mkdir()
    write(folder / "a.ics", ics(STANDUP))
    write(folder / "b.ICS", ics(REVIEW))
    write(folder / "empty.ics", "")
    write(folder / "notes.txt", "not a calendar")
    single = write(tmp_path / "one.ics", ics(STANDUP, REVIEW))
    with db.transaction() as s:
        for location in (folder, single):
            source, _ = calendars.add_source(s, "tester", location.name, str(location))
            row = s.get(CalendarSource, source.id)
            assert row is not None
            window = calendars.rolling_window(s, "tester", clock.now(), BERLIN)
            loaded = calendars._load(row, None)
            assert calendars._local_digest(row, window, BERLIN) == calendars._digest(
                loaded, row, window, BERLIN
            )


def test_digest_covers_window_zone_roles_and_rules(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    sid = add(db, write(tmp_path / "w.ics", ics(REVIEW)))
    ids = roles(db)
    with db.transaction() as s:
        row = s.get(CalendarSource, sid)
        assert row is not None
        window = calendars.rolling_window(s, "tester", clock.now(), BERLIN)
        seen = {calendars._local_digest(row, window, BERLIN)}
        moved = Interval(window.start + timedelta(days=1), window.end + timedelta(days=1))
        seen.add(calendars._local_digest(row, moved, BERLIN))
        seen.add(calendars._local_digest(row, window, ZoneInfo("Europe/Lisbon")))
        row.default_role_id = ids["Support"]
        seen.add(calendars._local_digest(row, window, BERLIN))
        row.rules_json = json.dumps([{"keyword": "review", "role_id": ids["Community"]}])
        seen.add(calendars._local_digest(row, window, BERLIN))
    assert len(seen) == 5 and None not in seen


def test_same_bytes_are_recognised_without_parsing(
    db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "w.ics", ics(STANDUP, REVIEW))
    sid = add(db, path)
    paths = Paths(monkeypatch)
    assert sync(db, sid, clock).added == 6 and paths.take() == (0, 1)
    before = stored(db, clock)

    assert sync(db, sid, clock).unchanged and paths.take() == (0, 0)  # stat() alone
    touch(path)
    assert sync(db, sid, clock).unchanged and paths.take() == (1, 0)  # hashed, not parsed
    assert sync(db, sid, clock).unchanged and paths.take() == (0, 0)  # the new stat() kept

    copy = write(tmp_path / "w.ics.tmp", ics(STANDUP, REVIEW))
    os.replace(copy, path)  # replaced whole (a new inode), as sync tools and editors do
    assert sync(db, sid, clock).unchanged and paths.take() == (1, 0)
    assert stored(db, clock) == before


Change = Callable[[Database, int, Path, FakeClock], None]


def edit_content(db: Database, sid: int, path: Path, clock: FakeClock) -> None:
    write(path, ics(STANDUP, REVIEW.replace("Design review", "Design reviews")))


def edit_same_size(db: Database, sid: int, path: Path, clock: FakeClock) -> None:
    write(path, ics(STANDUP, REVIEW.replace("Design review", "Design REVIEW")))


def replace_file(db: Database, sid: int, path: Path, clock: FakeClock) -> None:
    os.replace(write(path.with_suffix(".tmp"), ics(STANDUP)), path)


def move_window(db: Database, sid: int, path: Path, clock: FakeClock) -> None:
    write(path, ics(STANDUP, REVIEW, LATER))  # LATER enters the window at its next step
    sync(db, sid, clock)
    clock.advance(timedelta(days=calendars.WINDOW_STEP_DAYS))


def widen_window(db: Database, sid: int, path: Path, clock: FakeClock) -> None:
    write(path, ics(STANDUP, REVIEW, LATER))
    sync(db, sid, clock)
    with db.transaction() as s:
        planning.set_setting(s, "tester", calendars.SETTING_AHEAD, 40)


def set_rules(db: Database, sid: int, path: Path, clock: FakeClock) -> None:
    support = roles(db)["Support"]
    with db.transaction() as s:
        calendars.edit_source(s, "tester", sid, rules=[Rule("standup", support)])


def set_default_role(db: Database, sid: int, path: Path, clock: FakeClock) -> None:
    community = roles(db)["Community"]
    with db.transaction() as s:
        calendars.edit_source(s, "tester", sid, default_role_id=community)


@pytest.mark.parametrize(
    "change",
    [
        edit_content,
        edit_same_size,
        replace_file,
        move_window,
        widen_window,
        set_rules,
        set_default_role,
    ],
)
@pytest.mark.parametrize("touched", [False, True], ids=["as-is", "touched"])
def test_every_real_change_is_noticed(
    db: Database,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: Change,
    touched: bool,
) -> None:
    """Whatever the files' stat() says, a change in what would be stored is stored."""
    path = write(tmp_path / "w.ics", ics(STANDUP, REVIEW))
    sid = add(db, path)
    sync(db, sid, clock)
    assert sync(db, sid, clock).unchanged
    change(db, sid, path, clock)
    if touched:
        touch(path)
    paths = Paths(monkeypatch)
    result = sync(db, sid, clock)
    assert not result.unchanged and result.changed and paths.parsed == 1
    after = stored(db, clock)
    sync(db, add_fresh(db, path, sid), clock)
    assert after == stored(db, clock), "the re-sync stores what a fresh import does"


def add_fresh(db: Database, path: Path, old: int) -> int:
    """The same file as a new source (the old one removed): what a first import stores."""
    with db.transaction() as s:
        row = s.get(CalendarSource, old)
        assert row is not None
        default, rules = row.default_role_id, calendars._rules_of(row)
        calendars.remove_source(s, "tester", old)
        source, _ = calendars.add_source(
            s, "tester", "fresh", str(path), default_role_id=default, rules=rules
        )
    return source.id


def test_a_zone_change_is_noticed(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    path = write(tmp_path / "w.ics", ics(REVIEW, FLOATING))
    sid = add(db, path)
    sync(db, sid, clock)
    assert sync(db, sid, clock).unchanged
    lisbon = sync(db, sid, clock, ZoneInfo("Europe/Lisbon"))
    assert not lisbon.unchanged and lisbon.updated == 1  # floating time: now 10:00 in Lisbon
    assert ("Floating", "2026-11-25T10:00:00+00:00", None) in stored(db, clock)
    assert sync(db, sid, clock, ZoneInfo("Europe/Lisbon")).unchanged


@pytest.mark.parametrize("how", ["added", "removed", "renamed", "edited"])
def test_folder_changes_are_noticed(
    db: Database, clock: FakeClock, tmp_path: Path, how: str
) -> None:
    folder = tmp_path / "cal"
    folder.mkdir()
    write(folder / "a.ics", ics(STANDUP))
    write(folder / "b.ics", ics(REVIEW))
    sid = add(db, folder)
    sync(db, sid, clock)
    assert sync(db, sid, clock).unchanged
    if how == "added":
        write(folder / "c.ics", ics(FLOATING))
    elif how == "removed":
        (folder / "b.ics").unlink()
    elif how == "renamed":  # same bytes under a new name: the sequence may win differently
        (folder / "b.ics").rename(folder / "0.ics")
    else:
        write(folder / "b.ics", ics(REVIEW.replace("T150000", "T153000")))
    result = sync(db, sid, clock)
    assert not result.unchanged
    summaries = {s for s, _, _ in stored(db, clock)}
    assert ("Floating" in summaries) is (how == "added")
    assert ("Design review" in summaries) is (how != "removed")


def test_a_file_too_large_is_not_hashed_whole(
    db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "w.ics", ics(STANDUP, REVIEW))
    sid = add(db, path)
    sync(db, sid, clock)
    touch(path)
    monkeypatch.setattr(calendars, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(calendars, "_HASH_BUFFER", 8)
    with db.transaction() as s:
        row = s.get(CalendarSource, sid)
        assert row is not None
        window = calendars.rolling_window(s, "tester", clock.now(), BERLIN)
        assert calendars._local_digest(row, window, BERLIN) is None
    result = sync(db, sid, clock)
    assert not result.ok and "larger than" in result.message


def test_same_size_rewrite_with_the_old_mtime_is_noticed(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """Size, mtime and inode kept (an in-place rewrite, then `touch -r` or a tool restoring
    the time): the inode's change time still moves, and with it the stat() signature."""
    path = write(tmp_path / "w.ics", ics(STANDUP, REVIEW))
    sid = add(db, path)
    sync(db, sid, clock)
    assert sync(db, sid, clock).unchanged
    before = path.stat()
    with path.open("r+b") as f:  # in place: the same inode
        f.write(ics(STANDUP, REVIEW.replace("Design review", "Design REVIEW")).encode())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    result = sync(db, sid, clock)
    assert not result.unchanged and result.updated == 1
    assert "Design REVIEW" in {s for s, _, _ in stored(db, clock)}


def test_a_write_within_the_same_timestamp_tick_is_noticed(
    db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File times are coarse (a jiffy on ext4, 2 s on FAT): a write right after a sync read the
    file can leave size, mtime, ctime and inode as they were. Such a fresh stat() is not kept."""
    path = write(tmp_path / "w.ics", ics(STANDUP, REVIEW))
    frozen = path.stat()
    real_stat = Path.stat

    def coarse_stat(self: Path, **kw: bool) -> os.stat_result:
        return frozen if self == path else real_stat(self, **kw)

    monkeypatch.setattr(Path, "stat", coarse_stat)
    monkeypatch.setattr(calendars, "_wall_ns", lambda: frozen.st_mtime_ns + 10**9)
    sid = add(db, path)
    sync(db, sid, clock)
    write(path, ics(STANDUP, REVIEW.replace("Design review", "Design REVIEW")))
    assert path.stat() == frozen  # the file system's clock did not tick
    paths = Paths(monkeypatch)
    result = sync(db, sid, clock)
    assert not result.unchanged and result.updated == 1 and paths.take() == (1, 1)
    assert sync(db, sid, clock).unchanged and paths.take() == (1, 0)  # still fresh: hashed

    monkeypatch.setattr(calendars, "_wall_ns", lambda: frozen.st_mtime_ns + 3 * 10**9)
    assert sync(db, sid, clock).unchanged and paths.take() == (1, 0)  # settled: stat() kept
    assert sync(db, sid, clock).unchanged and paths.take() == (0, 0)
    assert "Design REVIEW" in {s for s, _, _ in stored(db, clock)}
