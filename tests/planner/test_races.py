"""Two writers at once, each on its own connection (two devices on one PostgreSQL database, or
the app and the command line on one SQLite file): the invariants hold and no update is lost
silently. Each race runs many rounds with both transactions let go at the same moment."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.domain.errors import ConcurrentChange, PlannerError
from planner.services import planning, tracking
from planner.storage.db import Database, open_database
from planner.storage.models import Entry, Slot

ZONE = ZoneInfo("Europe/Berlin")
OWNER = "racer"
ROUNDS = int(os.environ.get("SPLITDAY_RACE_ROUNDS", "20"))
Step = Callable[[Session], Any]


@pytest.fixture
def pair(db_url: str) -> Iterator[tuple[Database, Database]]:
    """Two databases handles (two engines, so two connections) on one database."""
    a = open_database(db_url, owner=OWNER)
    b = open_database(db_url, owner=OWNER)
    with a.transaction() as s:
        planning.ensure_defaults(s, OWNER)
    yield a, b
    a.close()
    b.close()


def _at_once(a: Database, b: Database, step_a: Step, step_b: Step) -> list[tuple[str, Any]]:
    """Run both steps, each in its own transaction, released together; how each one ended."""
    barrier = threading.Barrier(2)
    outcome: list[tuple[str, Any]] = [("", None), ("", None)]

    def run(i: int, db: Database, step: Step) -> None:
        try:
            with db.transaction() as s:
                barrier.wait(10)
                value = step(s)
            outcome[i] = ("ok", value)
        except PlannerError as exc:
            outcome[i] = ("refused", str(exc))
        except Exception as exc:  # anything else is a failure of the test
            outcome[i] = ("crashed", f"{type(exc).__name__}: {exc}")

    threads = [
        threading.Thread(target=run, args=(0, a, step_a)),
        threading.Thread(target=run, args=(1, b, step_b)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcome


def _utc(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ZONE).astimezone(UTC)


def test_two_interruptions_at_once_leave_one_running(pair: tuple[Database, Database]) -> None:
    """The same hotkey forwarded to two apps: one interruption runs, the other is ended by it."""
    a, b = pair
    support = 0
    with a.transaction() as s:
        support = planning.find_role(s, OWNER, "Support").id
    base = datetime(2026, 11, 24, 8, tzinfo=UTC)
    bad = []
    for n in range(ROUNDS):
        at = base + timedelta(minutes=10 * n)
        with a.transaction() as s:
            tracking.start_work(s, OWNER, ZONE, at, role_id=support)
        outcome = _at_once(
            a,
            b,
            lambda s, at=at: tracking.interrupt(s, OWNER, ZONE, at + timedelta(minutes=1)),
            lambda s, at=at: tracking.interrupt(
                s, OWNER, ZONE, at + timedelta(minutes=1, seconds=5)
            ),
        )
        # Serialised, the later press may be stored first: the earlier one would then lie
        # inside it, which the log refuses in words ("would hide the interruption"). Never a
        # crash, never both running.
        assert "ok" in [o[0] for o in outcome], outcome
        for how, said in outcome:
            assert how == "ok" or (how == "refused" and "hide" in said), outcome
        with a.transaction() as s:
            open_rows = s.scalars(
                select(Entry).where(Entry.owner == OWNER, Entry.end.is_(None))
            ).all()
            if len(open_rows) != 1:
                bad.append(n)
            tracking.stop(s, OWNER, ZONE, at + timedelta(minutes=5))
    with a.transaction() as s:
        rows = s.scalars(select(Entry).where(Entry.owner == OWNER)).all()
    interrupted = sum(
        ((e.end or e.start) - e.start).total_seconds() for e in rows if e.kind == "interruption"
    )
    assert bad == [], f"{len(bad)} of {ROUNDS} rounds left more than one entry running"
    # each round: 4 minutes from the first press to the stop; no second counted twice
    assert interrupted <= ROUNDS * 4 * 60


def _overlaps(db: Database) -> list[tuple[int, int]]:
    with db.transaction() as s:
        rows = s.scalars(select(Slot).where(Slot.owner == OWNER).order_by(Slot.start)).all()
    return [(x.id, y.id) for i, x in enumerate(rows) for y in rows[i + 1 :] if y.start < x.end]


def test_two_slots_added_at_once_never_overlap(pair: tuple[Database, Database]) -> None:
    a, b = pair
    with a.transaction() as s:
        support = planning.find_role(s, OWNER, "Support").id
    for n in range(ROUNDS):
        day = date(2026, 11, 2) + timedelta(days=n)
        outcome = _at_once(
            a,
            b,
            lambda s, d=day: planning.add_slot(s, OWNER, ZONE, _utc(d, 9), _utc(d, 10), support),
            lambda s, d=day: planning.add_slot(
                s, OWNER, ZONE, _utc(d, 9, 30), _utc(d, 10, 30), support
            ),
        )
        kinds = sorted(o[0] for o in outcome)
        assert kinds == ["ok", "refused"], (n, outcome)
        assert "overlap" in next(o[1] for o in outcome if o[0] == "refused")
    assert _overlaps(a) == []


def test_a_slot_moved_while_another_is_added_never_overlap(
    pair: tuple[Database, Database],
) -> None:
    a, b = pair
    with a.transaction() as s:
        support = planning.find_role(s, OWNER, "Support").id
    for n in range(ROUNDS):
        day = date(2026, 11, 2) + timedelta(days=n)
        with a.transaction() as s:
            moved, _ = planning.add_slot(s, OWNER, ZONE, _utc(day, 7), _utc(day, 8), support)
        outcome = _at_once(
            a,
            b,
            lambda s, d=day, i=moved.id: planning.update_slot(
                s, OWNER, ZONE, i, start=_utc(d, 9), end=_utc(d, 10)
            ),
            lambda s, d=day: planning.add_slot(
                s, OWNER, ZONE, _utc(d, 9, 30), _utc(d, 10, 30), support
            ),
        )
        assert sorted(o[0] for o in outcome) == ["ok", "refused"], (n, outcome)
    assert _overlaps(a) == []


def test_two_renames_at_once_are_never_lost_silently(pair: tuple[Database, Database]) -> None:
    """`roles edit OLD --rename NEW` twice at once: one wins, the other is told, none vanishes."""
    a, b = pair
    for n in range(ROUNDS):
        with a.transaction() as s:
            role, _ = planning.add_role(s, OWNER, f"Role {n}")

        def rename(new: str, n: int = n) -> Step:
            def step(s: Session) -> str:
                found = planning.find_role(s, OWNER, f"Role {n}")
                role, _ = planning.edit_role(
                    s, OWNER, found.id, name=new, seen_version=found.version
                )
                return role.name

            return step

        outcome = _at_once(a, b, rename(f"A {n}"), rename(f"B {n}"))
        assert sorted(o[0] for o in outcome) == ["ok", "refused"], (n, outcome)
        with a.transaction() as s:
            final = planning.find_role(s, OWNER, role.id).name
        assert final == next(o[1] for o in outcome if o[0] == "ok")


def test_two_edits_of_one_task_title_lose_nothing(pair: tuple[Database, Database]) -> None:
    """Read-modify-write of a title on two devices: both kept, or the loser is told."""
    a, b = pair
    with a.transaction() as s:
        support = planning.find_role(s, OWNER, "Support").id
    now = datetime(2026, 11, 24, 8, tzinfo=UTC)
    for n in range(ROUNDS):
        with a.transaction() as s:
            task, _ = planning.add_task(s, OWNER, f"task {n}", support, now=now)

        def append(word: str, task_id: int = task.id) -> Step:
            def step(s: Session) -> str:
                current = planning._task(s, OWNER, task_id)
                return planning.update_task(s, OWNER, task_id, title=f"{current.title} {word}")[
                    0
                ].title

            return step

        outcome = _at_once(a, b, append("A"), append("B"))
        assert all(o[0] in ("ok", "refused") for o in outcome), outcome
        with a.transaction() as s:
            final = planning._task(s, OWNER, task.id).title
        for (how, _), word in zip(outcome, ("A", "B"), strict=True):
            if how == "ok":
                assert word in final.split(), (n, outcome, final)
            else:
                assert word not in final.split(), (n, outcome, final)
        refused = [o[1] for o in outcome if o[0] == "refused"]
        assert all("changed" in message for message in refused), refused


# ---------------------------------------------------------------- the database's own rules


def test_the_database_refuses_a_second_running_entry(pair: tuple[Database, Database]) -> None:
    """Even a writer that skips the services (or forgets the lock) cannot start a second one."""
    a, _ = pair
    at = datetime(2026, 11, 24, 8, tzinfo=UTC)
    with a.transaction() as s:
        s.add(Entry(owner=OWNER, start=at, kind="work"))
    with (
        pytest.raises(ConcurrentChange, match="started something at the same moment"),
        a.transaction() as s,
    ):
        s.add(Entry(owner=OWNER, start=at + timedelta(minutes=1), kind="interruption"))
    with a.transaction() as s:
        s.add(Entry(owner="someone else", start=at, kind="work"))  # per owner
        s.add(Entry(owner=OWNER, start=at - timedelta(minutes=2), end=at, kind="work"))
        assert len(s.scalars(select(Entry).where(Entry.end.is_(None))).all()) == 2


def test_postgresql_refuses_overlapping_slots_written_directly(
    pair: tuple[Database, Database],
) -> None:
    a, _ = pair
    if a.engine.dialect.name != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's (SQLite serialises its writers)")
    day = date(2026, 11, 24)
    with a.transaction() as s:
        role = planning.find_role(s, OWNER, "Support").id
        s.add(Slot(owner=OWNER, day=day, start=_utc(day, 9), end=_utc(day, 10), role_id=role))
    with pytest.raises(ConcurrentChange, match="put a slot there"), a.transaction() as s:
        s.add(Slot(owner=OWNER, day=day, start=_utc(day, 9, 30), end=_utc(day, 11), role_id=role))
    with a.transaction() as s:  # touching is fine, so is another day or another owner
        s.add(Slot(owner=OWNER, day=day, start=_utc(day, 10), end=_utc(day, 11), role_id=role))
        s.add(Slot(owner="other", day=day, start=_utc(day, 9), end=_utc(day, 10), role_id=role))


def test_postgresql_refuses_overlapping_entries_written_directly(
    pair: tuple[Database, Database],
) -> None:
    """The log's rule (one owner's entries never overlap) held by the database itself."""
    a, _ = pair
    if a.engine.dialect.name != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's (SQLite serialises its writers)")
    at = datetime(2026, 11, 24, 8, tzinfo=UTC)
    with a.transaction() as s:
        s.add(Entry(owner=OWNER, start=at, end=at + timedelta(minutes=30), kind="work"))
    with (
        pytest.raises(ConcurrentChange, match="logged time there"),
        a.transaction() as s,
    ):
        s.add(
            Entry(
                owner=OWNER,
                start=at + timedelta(minutes=10),
                end=at + timedelta(minutes=20),
                kind="interruption",
            )
        )
    with (
        pytest.raises(ConcurrentChange, match="logged time there"),
        a.transaction() as s,
    ):  # a running entry reaches to now: nothing may start after it began
        s.add(Entry(owner=OWNER, start=at + timedelta(minutes=40), kind="work"))
        s.add(
            Entry(
                owner=OWNER,
                start=at + timedelta(minutes=50),
                end=at + timedelta(minutes=55),
                kind="interruption",
            )
        )
    with a.transaction() as s:  # touching, empty, another owner: all fine
        s.add(
            Entry(
                owner=OWNER,
                start=at + timedelta(minutes=30),
                end=at + timedelta(minutes=40),
                kind="work",
            )
        )
        s.add(
            Entry(
                owner=OWNER,
                start=at + timedelta(minutes=35),
                end=at + timedelta(minutes=35),
                kind="break",
            )
        )
        s.add(Entry(owner="other", start=at, end=at + timedelta(minutes=30), kind="work"))
