"""Concurrent edits of one slot or task on two devices (two Database objects, one database:
SQLite here, PostgreSQL through tests/with-postgres.sh): the later save that names the version
it saw is told, with theirs and mine in words, and can keep either; nothing is lost silently."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from planner.domain.errors import ConcurrentChange
from planner.platform.paths import current_owner
from planner.services import planning
from planner.storage import conflicts
from planner.storage.db import Database, open_database
from planner.storage.models import Slot, Task

ZONE = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 7, tzinfo=UTC)


def _at(hh: int, mm: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hh, mm, tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
def devices(db_url: str) -> Iterator[tuple[Database, Database]]:
    """Two devices of one person: two engines (two connections) on one database."""
    a = open_database(db_url, owner="ana")
    b = open_database(db_url, owner="ana")
    with a.transaction() as s:
        planning.ensure_defaults(s, "ana")
    yield a, b
    a.close()
    b.close()


def _support(db: Database) -> int:
    with db.read() as s:
        return planning.find_role(s, "ana", "Support").id


def _slot(db: Database, slot_id: int) -> tuple[datetime, datetime, str] | None:
    with db.read() as s:
        row = s.get(Slot, slot_id)
        return None if row is None else (row.start, row.end, row.title)


def _task(db: Database, task_id: int) -> tuple[str, str, int]:
    with db.read() as s:
        row = s.get(Task, task_id)
        assert row is not None
        return row.title, row.status, row.version


def _new_slot(db: Database) -> planning.SlotV:
    with db.transaction() as s:
        slot, _ = planning.add_slot(s, "ana", ZONE, _at(9), _at(10), _support(db), "Tickets")
    return slot


def test_a_slot_moved_here_after_a_rename_there_is_told_with_both_in_words(
    devices: tuple[Database, Database],
) -> None:
    a, b = devices
    seen = _new_slot(a)  # both devices show it
    with b.transaction() as s:
        planning.update_slot(
            s, "ana", ZONE, seen.id, title="Call with Bo", seen_version=seen.version
        )
    with pytest.raises(ConcurrentChange) as told, a.transaction() as s:
        planning.update_slot(
            s, "ana", ZONE, seen.id, start=_at(11), end=_at(12), seen_version=seen.version
        )
    conflict = told.value
    assert conflict.can_keep_mine and not conflict.gone
    assert (conflict.kind, conflict.row_id) == ("slot", seen.id)
    assert conflict.version == seen.version + 1
    assert conflict.theirs == "09:00–10:00 · Support · “Call with Bo”"
    assert conflict.mine == "11:00–12:00 · Support · “Call with Bo”"
    assert "changed meanwhile" in str(conflict)
    # nothing was saved: theirs stands, on both devices
    assert _slot(a, seen.id) == _slot(b, seen.id) == (_at(9), _at(10), "Call with Bo")


def test_keep_mine_applies_the_same_edit_over_theirs(devices: tuple[Database, Database]) -> None:
    a, b = devices
    seen = _new_slot(a)
    with b.transaction() as s:
        planning.update_slot(s, "ana", ZONE, seen.id, title="Call with Bo")

    def move(session: planning.Session) -> object:
        return planning.update_slot(
            session, "ana", ZONE, seen.id, start=_at(11), end=_at(12), seen_version=seen.version
        )

    with pytest.raises(ConcurrentChange) as told, a.transaction() as s:
        move(s)
    with a.transaction() as s:  # the very same call, theirs overruled
        move(conflicts.overrule(s, told.value))
    # mine (the move) over theirs (the rename): both kept, seen alike by both devices
    assert _slot(a, seen.id) == _slot(b, seen.id) == (_at(11), _at(12), "Call with Bo")


def test_keep_mine_over_a_row_changed_once_more_is_asked_again(
    devices: tuple[Database, Database],
) -> None:
    a, b = devices
    seen = _new_slot(a)
    with b.transaction() as s:
        planning.update_slot(s, "ana", ZONE, seen.id, title="Call with Bo")
    with pytest.raises(ConcurrentChange) as first, a.transaction() as s:
        planning.update_slot(s, "ana", ZONE, seen.id, title="Mine", seen_version=seen.version)
    with b.transaction() as s:  # while the person was choosing, the other device saved again
        planning.update_slot(s, "ana", ZONE, seen.id, start=_at(8), end=_at(9))
    with pytest.raises(ConcurrentChange) as second, a.transaction() as s:
        planning.update_slot(
            conflicts.overrule(s, first.value), "ana", ZONE, seen.id, title="Mine",
            seen_version=seen.version,
        )  # fmt: skip
    assert second.value.theirs == "08:00–09:00 · Support · “Call with Bo”"
    assert _slot(b, seen.id) == (_at(8), _at(9), "Call with Bo")


def test_an_edit_of_a_slot_deleted_meanwhile_says_so_and_brings_nothing_back(
    devices: tuple[Database, Database],
) -> None:
    a, b = devices
    seen = _new_slot(a)
    with b.transaction() as s:
        planning.remove_slot(s, "ana", seen.id, seen_version=seen.version)
    for edit in (
        lambda s: planning.update_slot(
            s, "ana", ZONE, seen.id, start=_at(11), end=_at(12), seen_version=seen.version
        ),
        lambda s: planning.remove_slot(s, "ana", seen.id, seen_version=seen.version),
    ):
        with pytest.raises(ConcurrentChange) as told, a.transaction() as s:
            edit(s)
        assert told.value.gone and not told.value.can_keep_mine
        assert "deleted meanwhile" in str(told.value)
        with pytest.raises(ConcurrentChange), a.transaction() as s:  # overrule: still no
            edit(conflicts.overrule(s, told.value))
    assert _slot(a, seen.id) is None and _slot(b, seen.id) is None


def test_deleting_a_slot_changed_meanwhile_is_asked_and_keep_mine_deletes_it(
    devices: tuple[Database, Database],
) -> None:
    a, b = devices
    seen = _new_slot(a)
    with b.transaction() as s:
        planning.update_slot(s, "ana", ZONE, seen.id, start=_at(13), end=_at(14))
    with pytest.raises(ConcurrentChange) as told, a.transaction() as s:
        planning.remove_slot(s, "ana", seen.id, seen_version=seen.version, zone=ZONE)
    assert told.value.theirs == "13:00–14:00 · Support · “Tickets”"
    assert told.value.mine == "delete it"
    assert _slot(b, seen.id) == (_at(13), _at(14), "Tickets")  # keep theirs: as it is
    with a.transaction() as s:
        planning.remove_slot(
            conflicts.overrule(s, told.value), "ana", seen.id, seen_version=seen.version
        )
    assert _slot(a, seen.id) is None and _slot(b, seen.id) is None


def test_a_task_checked_off_here_after_a_rename_there_keeps_either(
    devices: tuple[Database, Database],
) -> None:
    a, b = devices
    with a.transaction() as s:
        seen, _ = planning.add_task(s, "ana", "Answer tickets", _support(a), now=NOW, day=DAY)
    with b.transaction() as s:
        planning.update_task(s, "ana", seen.id, title="Answer Bo's tickets", seen_version=1)
    with pytest.raises(ConcurrentChange) as told, a.transaction() as s:
        planning.set_task_status(s, "ana", seen.id, "done", NOW, seen_version=seen.version)
    assert told.value.theirs == "“Answer Bo's tickets” · Support · 30 min · open"
    assert told.value.mine == "“Answer Bo's tickets” · Support · 30 min · done"
    assert _task(b, seen.id)[:2] == ("Answer Bo's tickets", "open")  # keep theirs
    with a.transaction() as s:
        planning.set_task_status(
            conflicts.overrule(s, told.value), "ana", seen.id, "done", NOW,
            seen_version=seen.version,
        )  # fmt: skip
    assert _task(a, seen.id)[:2] == _task(b, seen.id)[:2] == ("Answer Bo's tickets", "done")


def test_a_task_renamed_on_both_devices_keeps_the_one_chosen(
    devices: tuple[Database, Database],
) -> None:
    a, b = devices
    with a.transaction() as s:
        seen, _ = planning.add_task(s, "ana", "Newsletter", _support(a), now=NOW, day=DAY)
    with b.transaction() as s:
        planning.update_task(s, "ana", seen.id, title="Newsletter (theirs)", estimate_minutes=45)
    with pytest.raises(ConcurrentChange) as told, a.transaction() as s:
        planning.update_task(s, "ana", seen.id, title="Newsletter (mine)", seen_version=1)
    assert told.value.theirs == "“Newsletter (theirs)” · Support · 45 min · open"
    assert told.value.mine == "“Newsletter (mine)” · Support · 45 min · open"
    with a.transaction() as s:
        planning.update_task(
            conflicts.overrule(s, told.value), "ana", seen.id, title="Newsletter (mine)",
            seen_version=1,
        )  # fmt: skip
    assert _task(b, seen.id)[:2] == ("Newsletter (mine)", "open")


def test_where_a_re_fit_put_a_task_is_no_conflict_with_an_edit_of_it(
    devices: tuple[Database, Database],
) -> None:
    """Device B plans a slot: the fit puts A's task into it. That is derived, not an edit: A
    checking the task off (as it showed it) is saved, and B's slot is where B put it."""
    a, b = devices
    with a.transaction() as s:
        seen, _ = planning.add_task(s, "ana", "Answer tickets", _support(a), now=NOW, day=DAY)
    with b.transaction() as s:
        slot, _ = planning.add_slot(s, "ana", ZONE, _at(9), _at(10), _support(b))
    with b.read() as s:
        assert planning.list_tasks(s, "ana", DAY)[0].slot_id == slot.id  # fitted there
    with a.transaction() as s:
        planning.set_task_status(s, "ana", seen.id, "done", NOW, seen_version=seen.version)
    assert _task(b, seen.id)[:2] == ("Answer tickets", "done")


def test_the_command_line_losing_a_race_says_so_and_exits_1(
    devices: tuple[Database, Database],
    db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`splitday task done` while another device's save of that task is on its way: on
    PostgreSQL the command waits for that row, then finds it changed, says so (exit 1, in
    words) and saves nothing; on SQLite writers take turns, so the command reads it afterwards
    and nothing is lost either way."""
    from planner.cli.main import main

    a, b = devices
    owner = current_owner()  # the command line's owner: the login name
    with a.transaction() as s:
        planning.ensure_defaults(s, owner)
        role = planning.find_role(s, owner, "Support").id
        task, _ = planning.add_task(s, owner, "Answer tickets", role, now=NOW, day=DAY)
    held, done = threading.Event(), threading.Event()

    def other_device() -> None:
        with b.transaction() as s:
            planning.update_task(s, owner, task.id, title="Answer Bo's tickets")
            s.flush()
            held.set()
            done.wait(5)
            if b.engine.dialect.name == "postgresql":
                deadline = time.monotonic() + 5
                while (
                    time.monotonic() < deadline
                    and not s.connection()
                    .execute(
                        text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                    )
                    .scalar()
                ):
                    time.sleep(0.02)  # until the command waits for this row

    device = threading.Thread(target=other_device)
    device.start()
    held.wait(5)
    done.set()
    code = main(["--db", db_url, "task", "done", str(task.id)])
    device.join(10)
    out, err = capsys.readouterr()
    title, status, _ = _task(a, task.id)
    if a.engine.dialect.name == "postgresql":
        assert code == 1, (out, err)
        assert "changed meanwhile" in err and "nothing was saved" in err
        assert (title, status) == ("Answer Bo's tickets", "open")
    else:
        assert code == 0, (out, err)
        assert (title, status) == ("Answer Bo's tickets", "done")


def test_a_reorder_of_the_list_is_no_conflict_with_an_edit_of_a_task_in_it(
    devices: tuple[Database, Database],
) -> None:
    """The order is the list's: device B moves a task up; A renaming the task it showed is
    saved, and B's order stands."""
    a, b = devices
    with a.transaction() as s:
        first, _ = planning.add_task(s, "ana", "First", _support(a), now=NOW, day=DAY)
        second, _ = planning.add_task(s, "ana", "Second", _support(a), now=NOW, day=DAY)
    with b.transaction() as s:
        planning.reorder_tasks(s, "ana", DAY, [second.id, first.id])
    with a.transaction() as s:
        planning.update_task(s, "ana", second.id, title="Second, renamed", seen_version=1)
    with b.read() as s:
        assert [t.title for t in planning.list_tasks(s, "ana", DAY)] == ["Second, renamed", "First"]
