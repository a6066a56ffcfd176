"""Undo/redo in the core (planner.services.undo): identities survive delete and restore, on
SQLite and on PostgreSQL (run with tests/with-postgres.sh), for every kind of plan edit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from planner.domain.errors import PlannerError
from planner.domain.timerange import Interval, local_wall_time
from planner.domain.values import Change, SlotV, TaskV, Topic
from planner.services import planning, tracking, undo
from planner.storage.db import Database

OWNER = "tester"
BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 24)
NEXT = date(2026, 11, 25)
NOW = local_wall_time(DAY, 8 * 60, BERLIN)


def at(hhmm: str, on: date = DAY) -> datetime:
    hh, mm = hhmm.split(":")
    return local_wall_time(on, int(hh) * 60 + int(mm), BERLIN)


def edit(
    db: Database, text: str, days: Iterable[date], fn: Callable[[Session], Any]
) -> undo.Recorder:
    """One user action as the gateway runs it: one transaction, recorded as one step."""
    with db.transaction() as s, undo.recorded(s, OWNER, BERLIN, text, days, NOW) as rec:
        fn(s)
    return rec


def do_undo(db: Database) -> Change:
    with db.transaction() as s:
        return undo.undo(s, OWNER, BERLIN)[1]


def do_redo(db: Database) -> Change:
    with db.transaction() as s:
        return undo.redo(s, OWNER, BERLIN)[1]


def slots(db: Database, day: date = DAY) -> list[SlotV]:
    with db.read() as s:
        return planning.list_slots(s, OWNER, day)


def shape(db: Database, day: date = DAY) -> list[tuple[str, str, str, int]]:
    hm = "%H:%M"
    return [
        (
            s.uid,
            s.start.astimezone(BERLIN).strftime(hm),
            s.end.astimezone(BERLIN).strftime(hm),
            s.role_id,
        )
        for s in slots(db, day)
    ]


def tasks(db: Database, day: date | None = DAY) -> list[TaskV]:
    with db.read() as s:
        return planning.list_tasks(s, OWNER, day)


@pytest.fixture
def roles(db: Database) -> tuple[int, int]:
    with db.read() as s:
        return planning.find_role(s, OWNER, "Support").id, planning.find_role(
            s, OWNER, "Community"
        ).id


@pytest.fixture
def three(db: Database, roles: tuple[int, int]) -> list[SlotV]:
    sup, com = roles
    with db.transaction() as s:
        made = [
            planning.add_slot(s, OWNER, BERLIN, at(a), at(b), r)[0]
            for a, b, r in (
                ("09:00", "10:00", sup),
                ("10:00", "11:00", com),
                ("13:00", "14:00", sup),
            )
        ]
    return made


def test_move_delete_undo_undo_finds_the_restored_slot(db: Database, three: list[SlotV]) -> None:
    """Issue 14: slots 1, 2, 3; move 1; delete 1; undo; undo (was: "no slot with id 1")."""
    first = three[0]
    original = shape(db)
    edit(
        db,
        "Move slot",
        {DAY},
        lambda s: planning.update_slot(
            s, OWNER, BERLIN, first.id, start=at("15:00"), end=at("16:00")
        ),
    )
    moved = shape(db)
    edit(db, "Delete slot", {DAY}, lambda s: planning.remove_slot(s, OWNER, first.id))
    assert first.uid not in {s.uid for s in slots(db)}
    change = do_undo(db)  # the slot comes back: same uid, at 15:00
    assert Topic.SLOTS in change.topics and change.days == {DAY}
    assert shape(db) == moved
    restored = next(s for s in slots(db) if s.uid == first.uid)
    do_undo(db)  # undo the move: found by its uid, whatever id it has now
    assert shape(db) == original
    with db.read() as s:
        assert not undo.can_undo(s, OWNER) and undo.can_redo(s, OWNER)
    do_redo(db)
    assert shape(db) == moved
    do_redo(db)
    assert first.uid not in {s.uid for s in slots(db)}
    do_undo(db)
    do_undo(db)
    assert shape(db) == original
    again = next(s for s in slots(db) if s.uid == first.uid)
    assert restored.uid == again.uid == first.uid


def test_the_restored_slot_takes_its_tasks_and_entries_back(
    db: Database, three: list[SlotV], roles: tuple[int, int]
) -> None:
    sup, _ = roles
    slot = three[2]
    with db.transaction() as s:
        task, _ = planning.add_task(s, OWNER, "Update FAQ", sup, now=NOW, day=DAY)
        planning.update_task(s, OWNER, task.id, slot_id=slot.id)
        entry, _ = tracking.start_work(s, OWNER, BERLIN, at("13:10"))
        tracking.stop(s, OWNER, BERLIN, at("13:40"))
    assert entry.slot_id == slot.id
    edit(db, "Delete slot", {DAY}, lambda s: planning.remove_slot(s, OWNER, slot.id))
    # its slot gone, the task put there by hand goes back to the fit (the Support slot left)
    refit = next(t for t in tasks(db) if t.uid == task.uid)
    assert refit.slot_id == three[0].id and not refit.slot_pinned
    do_undo(db)
    back = next(s for s in slots(db) if s.uid == slot.uid)
    assert next(t for t in tasks(db) if t.uid == task.uid).slot_id == back.id
    with db.read() as s:
        [logged] = tracking.list_entries(s, OWNER, Interval(at("13:00"), at("14:00")))
    assert logged.slot_id == back.id  # the log's link to its slot is put back too


def test_auto_split_is_one_step_and_undo_puts_the_earlier_plan_back(
    db: Database, roles: tuple[int, int]
) -> None:
    sup, com = roles
    with db.transaction() as s:
        task, _ = planning.add_task(s, OWNER, "Tickets", sup, now=NOW, day=DAY)
    edit(db, "Auto-split", {DAY}, lambda s: planning.auto_plan(s, OWNER, DAY, BERLIN))
    first = shape(db)
    scheduled = next(t for t in tasks(db) if t.uid == task.uid).slot_id
    assert first and scheduled is not None
    edit(
        db,
        "Auto-split",
        {DAY},
        lambda s: planning.auto_plan(s, OWNER, DAY, BERLIN, shares={sup: 20, com: 80}),
    )
    assert shape(db) != first
    do_undo(db)
    assert shape(db) == first  # the same slots, with the same uids
    slot_uid = next(
        s.uid for s in slots(db) if s.id == next(t for t in tasks(db) if t.uid == task.uid).slot_id
    )
    assert slot_uid == next(s.uid for s in slots(db) if s.start == at("09:00"))
    do_undo(db)
    assert shape(db) == [] and next(t for t in tasks(db) if t.uid == task.uid).slot_id is None
    do_redo(db)
    assert shape(db) == first


def test_every_task_edit_and_the_day_hours_undo_and_redo(
    db: Database, three: list[SlotV], roles: tuple[int, int]
) -> None:
    sup, com = roles

    def state() -> list[tuple[Any, ...]]:
        return [
            (
                t.uid,
                t.title,
                t.role_id,
                t.priority,
                t.estimate_minutes,
                t.status,
                t.slot_id,
                t.day,
                t.slot_pinned,
            )
            for t in tasks(db)
        ] + [(planning_window(db),)]

    with db.transaction() as s:
        a, _ = planning.add_task(s, OWNER, "A", sup, now=NOW, day=DAY)
        b, _ = planning.add_task(s, OWNER, "B", com, now=NOW, day=DAY)
    edits: list[tuple[str, set[date], Callable[[Session], Any]]] = [
        ("Add task", {DAY}, lambda s: planning.add_task(s, OWNER, "C", sup, now=NOW, day=DAY)),
        (
            "Edit task",
            {DAY},
            lambda s: planning.update_task(s, OWNER, a.id, title="A!", estimate_minutes=90),
        ),
        ("Reorder", {DAY}, lambda s: planning.reorder_tasks(s, OWNER, DAY, [b.id, a.id])),
        ("Schedule", {DAY}, lambda s: planning.update_task(s, OWNER, b.id, slot_id=three[1].id)),
        ("Done", {DAY}, lambda s: planning.set_task_status(s, OWNER, a.id, "done", NOW)),
        ("Drop", {DAY}, lambda s: planning.set_task_status(s, OWNER, b.id, "dropped", NOW)),
        ("Carry over", {DAY, NEXT}, lambda s: planning.carry_task(s, OWNER, a.id, NEXT)),
        (
            "Day hours",
            {DAY},
            lambda s: planning.set_day(
                s, OWNER, DAY, BERLIN, start_minute=8 * 60, stop_minute=16 * 60
            ),
        ),
    ]
    seen = [state()]
    for text, days, fn in edits:
        if text == "Carry over":  # a done task is not carried: reopen it first
            edit(
                db, "Reopen", {DAY}, lambda s: planning.set_task_status(s, OWNER, a.id, "open", NOW)
            )
            seen.append(state())
        rec = edit(db, text, days, fn)
        assert rec.step is not None and rec.step.text == text
        seen.append(state())
    assert len(set(map(repr, seen))) == len(seen)  # every edit changed something
    for expected in reversed(seen[:-1]):
        do_undo(db)
        assert state() == expected
    for expected in seen[1:]:
        do_redo(db)
        assert state() == expected


def planning_window(db: Database) -> tuple[datetime, datetime, int]:
    with db.read() as s:
        v = planning.get_day(s, OWNER, DAY, BERLIN)
        return v.start, v.stop, v.min_block_minutes


def test_a_task_removed_by_undo_of_its_add_comes_back_with_its_uid(
    db: Database, roles: tuple[int, int]
) -> None:
    sup, _ = roles
    rec = edit(
        db, "Add task", {DAY}, lambda s: planning.add_task(s, OWNER, "New", sup, now=NOW, day=DAY)
    )
    [made] = tasks(db)
    do_undo(db)
    assert tasks(db) == []
    do_redo(db)
    [again] = tasks(db)
    assert again.uid == made.uid and rec.step is not None


def test_an_undo_after_someone_else_changed_the_rows_is_refused(
    db: Database, three: list[SlotV]
) -> None:
    first = three[0]
    edit(
        db,
        "Move slot",
        {DAY},
        lambda s: planning.update_slot(
            s, OWNER, BERLIN, first.id, start=at("15:00"), end=at("16:00")
        ),
    )
    with db.transaction() as s:  # the CLI, not recorded
        planning.update_slot(s, OWNER, BERLIN, first.id, title="renamed")
    before = shape(db)
    with pytest.raises(PlannerError, match="changed since “Move slot”; nothing was undone"):
        do_undo(db)
    assert shape(db) == before
    with db.read() as s:
        assert undo.can_undo(s, OWNER)  # still there: nothing was undone


def test_a_new_edit_drops_the_redo_and_nothing_changed_records_nothing(
    db: Database, three: list[SlotV]
) -> None:
    first, second = three[0], three[1]
    edit(db, "Title", {DAY}, lambda s: planning.update_slot(s, OWNER, BERLIN, first.id, title="x"))
    do_undo(db)
    edit(db, "Title", {DAY}, lambda s: planning.update_slot(s, OWNER, BERLIN, second.id, title="y"))
    with db.read() as s:
        assert not undo.can_redo(s, OWNER)
        assert [h.text for h in undo.history(s, OWNER)] == ["Title"]
    rec = edit(
        db, "Nothing", {DAY}, lambda s: planning.update_slot(s, OWNER, BERLIN, second.id, title="y")
    )
    assert rec.step is None


def test_the_journal_keeps_the_newest_steps(
    db: Database, three: list[SlotV], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(undo, "KEEP", 3)
    for n in range(5):
        edit(
            db,
            f"Title {n}",
            {DAY},
            lambda s, n=n: planning.update_slot(s, OWNER, BERLIN, three[0].id, title=str(n)),
        )
    with db.read() as s:
        assert [h.text for h in undo.history(s, OWNER)] == ["Title 4", "Title 3", "Title 2"]


def test_an_edit_reaching_outside_its_days_clears_the_journal(
    db: Database, three: list[SlotV], roles: tuple[int, int]
) -> None:
    sup, _ = roles
    with db.transaction() as s:
        task, _ = planning.add_task(s, OWNER, "Tomorrow", sup, now=NOW, day=NEXT)
    edit(
        db, "Title", {DAY}, lambda s: planning.update_slot(s, OWNER, BERLIN, three[0].id, title="x")
    )
    # the task comes in from a day the edit did not name: its "before" is unknown
    rec = edit(
        db,
        "Schedule",
        {DAY},
        lambda s: planning.update_task(s, OWNER, task.id, slot_id=three[0].id),
    )
    assert rec.lost and rec.step is None
    with db.read() as s:
        assert not undo.can_undo(s, OWNER)
    rec = edit(
        db,
        "Schedule",
        {DAY, NEXT},
        lambda s: planning.update_task(s, OWNER, task.id, slot_id=three[2].id),
    )
    assert rec.step is not None and set(rec.step.days) == {DAY}
    do_undo(db)
    assert next(t for t in tasks(db) if t.uid == task.uid).slot_id == three[0].id


def test_a_slot_moved_to_another_day_is_followed(db: Database, three: list[SlotV]) -> None:
    first = three[0]
    edit(
        db,
        "Move slot",
        {DAY},  # only the day it leaves: the recorder follows it by uid
        lambda s: planning.update_slot(
            s, OWNER, BERLIN, first.id, start=at("09:00", NEXT), end=at("10:00", NEXT)
        ),
    )
    assert [s.uid for s in slots(db, NEXT)] == [first.uid]
    change = do_undo(db)
    assert change.days == {DAY, NEXT}
    assert first.uid in {s.uid for s in slots(db)} and slots(db, NEXT) == []


def test_steps_are_per_owner(db: Database, three: list[SlotV]) -> None:
    edit(
        db, "Title", {DAY}, lambda s: planning.update_slot(s, OWNER, BERLIN, three[0].id, title="x")
    )
    with db.transaction() as s:
        assert not undo.can_undo(s, "someone else")
        with pytest.raises(PlannerError, match="nothing to undo"):
            undo.undo(s, "someone else", BERLIN)
        step = undo.history(s, OWNER)[0]
        with pytest.raises(PlannerError, match="no longer"):
            undo.undo(s, "someone else", BERLIN, step_id=step.id)


def breaks(db: Database, day: date = DAY) -> list[tuple[str, str, str, bool]]:
    with db.read() as s:
        return [
            (
                b.kind,
                f"{b.start.astimezone(BERLIN):%H:%M}",
                f"{b.end.astimezone(BERLIN):%H:%M}",
                b.skipped,
            )
            for b in planning.list_breaks(s, OWNER, day, BERLIN)
        ]


def test_moving_and_skipping_breaks_undo_and_redo(db: Database, roles: tuple[int, int]) -> None:
    edit(db, "Auto-split", [DAY], lambda s: planning.auto_plan(s, OWNER, DAY, BERLIN))
    planned, plan = breaks(db), shape(db)
    assert ("lunch", "12:30", "13:15", False) in planned
    with db.read() as s:
        lunch_id = next(
            b.id for b in planning.list_breaks(s, OWNER, DAY, BERLIN) if b.kind == "lunch"
        )
    rec = edit(
        db,
        "Move break",
        [DAY],
        lambda s: planning.move_break(s, OWNER, DAY, BERLIN, lunch_id, at("12:00"), at("12:45")),
    )
    assert rec.step is not None
    moved, moved_plan = breaks(db), shape(db)
    assert ("lunch", "12:00", "12:45", False) in moved and moved_plan != plan  # re-planned
    change = do_undo(db)
    assert Topic.DAY in change.topics and DAY in change.days
    assert breaks(db) == planned and shape(db) == plan
    do_redo(db)
    assert breaks(db) == moved and shape(db) == moved_plan

    with db.read() as s:
        short = next(b for b in planning.list_breaks(s, OWNER, DAY, BERLIN) if b.kind == "short")
    edit(
        db,
        "Skip break",
        [DAY],
        lambda s: planning.skip_break(s, OWNER, DAY, BERLIN, short.id, skipped=True),
    )
    assert sum(b[3] for b in breaks(db)) == 1
    do_undo(db)
    assert breaks(db) == moved  # taken again
    # and the Auto-split itself: undone, the day has no breaks written (the settings' lunch)
    do_undo(db)
    do_undo(db)
    assert breaks(db) == [("lunch", "12:30", "13:15", False)] and shape(db) == []
    with db.read() as s:
        assert [b.id for b in planning.list_breaks(s, OWNER, DAY, BERLIN)] == [0]


def test_a_step_journalled_before_breaks_were_still_undoes(
    db: Database, three: list[SlotV]
) -> None:
    import json

    from planner.storage.models import UndoStep

    edit(db, "Move slot", [DAY], lambda s: planning.update_slot(
        s, OWNER, BERLIN, three[0].id, start=at("08:00"), end=at("08:30")))  # fmt: skip
    with db.transaction() as s:  # as an older version wrote it: the days without breaks
        row = s.query(UndoStep).one()
        payload = json.loads(row.payload)
        for change in payload["days"]:
            for side in ("before", "after"):
                change[side].pop("breaks", None)
        row.payload = json.dumps(payload)
    do_undo(db)
    assert min(x.start for x in slots(db)) == three[0].start
