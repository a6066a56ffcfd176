"""Processes writing one database at once (several people or devices): no "database is locked"."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from planner.services import planning
from planner.storage.db import Database, open_database
from planner.storage.models import Entry, Role

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo
from planner.services import planning, tracking
from planner.storage.db import open_database
owner = "writer" + sys.argv[2]
db = open_database(sys.argv[1], owner=owner)
zone = ZoneInfo("Europe/Berlin")
base = datetime(2026, 11, 24, 8, tzinfo=UTC) + timedelta(hours=int(sys.argv[2]))
for i in range(int(sys.argv[3])):
    at = base + timedelta(seconds=20 * i)
    with db.transaction() as s:
        planning.ensure_defaults(s, owner)
        tracking.interrupt(s, owner, zone, at, note=f"w{sys.argv[2]}-{i}")
    with db.transaction() as s:
        tracking.resume(s, owner, zone, at + timedelta(seconds=5))
print("ok")
"""


@pytest.mark.parametrize("writers", [3])
def test_parallel_writers_lose_nothing(db_url: str, writers: int) -> None:
    url = db_url
    open_database(url).close()
    n = 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(k), str(n)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(writers)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for (out, err), p in zip(results, procs, strict=True):
        assert p.returncode == 0, err
        assert out.strip() == "ok"
    db = open_database(url)
    with db.transaction() as s:
        rows = s.query(Entry).filter(Entry.kind == "interruption").all()
        notes = {(e.owner, e.note) for e in rows if e.end is not None}
    db.close()
    assert notes == {(f"writer{k}", f"w{k}-{i}") for k in range(writers) for i in range(n)}


def test_two_devices_see_each_others_changes(db_url: str) -> None:
    """Two processes' connections to one database (a laptop and a desktop on PostgreSQL)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from planner.services import planning, tracking

    laptop = open_database(db_url, owner="ana")
    desktop = open_database(db_url, owner="ana")
    zone = ZoneInfo("Europe/Berlin")
    try:
        with laptop.transaction() as s:
            planning.ensure_defaults(s, "ana")
            tracking.interrupt(s, "ana", zone, datetime(2026, 11, 24, 9, tzinfo=UTC), note="x")
        with desktop.transaction() as s:
            running = tracking.running(s, "ana")
            assert running is not None and running.note == "x"
            tracking.resume(s, "ana", zone, datetime(2026, 11, 24, 9, 10, tzinfo=UTC))
        with laptop.transaction() as s:
            current = tracking.running(s, "ana")
            assert current is None or current.kind != "interruption"
    finally:
        laptop.close()
        desktop.close()


def test_a_reader_proceeds_while_another_connection_holds_the_write_lock(db: Database) -> None:
    """Reads take no lock (a deferred BEGIN in WAL mode; READ ONLY on PostgreSQL), so a CLI
    write or a calendar sync's store cannot stall the GUI's reads; writes still wait their
    turn (BEGIN IMMEDIATE, busy_timeout) and never fail with "database is locked"."""
    with db.transaction() as s:
        planning.add_role(s, "tester", "Before")
    holder = db.engine.connect()
    holder.begin()  # SQLite: BEGIN IMMEDIATE, the write lock
    if db.engine.dialect.name != "sqlite":
        holder.execute(text("LOCK TABLE role IN EXCLUSIVE MODE"))  # writers wait, readers not
    holder.execute(
        text(
            "INSERT INTO role (owner, name, colour, target_percent, position, archived) "
            "VALUES ('tester', 'Held', '#000000', 0, 9, false)"
        )
    )
    written: list[str] = []

    def write() -> None:
        with db.transaction() as s:
            planning.add_role(s, "tester", "After")
        written.append("After")

    writer = threading.Thread(target=write)
    try:
        started = time.perf_counter()
        with db.read() as s:
            names = [r.name for r in planning.list_roles(s, "tester")]
        waited = time.perf_counter() - started
        assert "Before" in names and "Held" not in names  # the last committed state
        assert waited < 2.0  # not the 10 s busy timeout
        writer.start()
        time.sleep(0.4)
        assert writer.is_alive() and not written  # the writer waits for the lock ...
    finally:
        holder.commit()
        holder.close()
    writer.join(timeout=20)
    assert written == ["After"]  # ... and then writes
    with db.read() as s:
        assert {"Before", "Held", "After"} <= {r.name for r in planning.list_roles(s, "tester")}


def test_a_write_in_a_read_transaction_fails_loudly(db: Database) -> None:
    with pytest.raises(DBAPIError), db.read() as s:
        s.add(Role(owner="tester", name="Sneaky", colour="#000000", target_percent=0.0))
        s.flush()
    with db.transaction() as s:  # the same pooled connection writes again afterwards
        planning.add_role(s, "tester", "Fine")
    with db.read() as s:
        names = {r.name for r in planning.list_roles(s, "tester")}
    assert "Fine" in names and "Sneaky" not in names
