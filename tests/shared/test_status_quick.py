"""`splitday status` on a shared server in one statement (planner.storage.snapshot): the status
computed over today's rows in memory is the status computed on the server, through a day of
plan, meetings, interruptions, resumes and the end of the day; and the command sends one
statement when nothing is to be written."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import Device
from pgcluster import Cluster

from planner.cli.common import Context
from planner.cli.main import catch_up, status_data
from planner.domain.clock import FakeClock
from planner.services import day, demo, planning, tracking
from planner.storage import snapshot
from planner.storage.db import open_database
from planner.storage.models import CalendarSource, Occurrence

BERLIN = ZoneInfo("Europe/Berlin")


def _at(hh: int, mm: int, days: int = 0) -> datetime:
    return datetime(2026, 12, 7, hh, mm, tzinfo=BERLIN).astimezone(UTC) + timedelta(days=days)


def _both(url: str, clock: FakeClock) -> tuple[dict[str, object], dict[str, object]]:
    """The status on the server (after its catch-up) and over the in-memory copy."""
    on_server = Context.over(open_database(url, owner="alice"))
    on_server.clock, on_server.zone = clock, BERLIN
    catch_up(on_server)
    with on_server.db.read() as s:
        full = status_data(on_server, s)
    on_server.close()
    copy = snapshot.read_today(url, "alice", clock.now(), connect_timeout=10)
    assert copy is not None
    quick = Context.over(copy)
    quick.clock, quick.zone = clock, BERLIN
    with copy.read() as s:
        assert not tracking.catch_up_due(s, "alice", BERLIN, clock.now())
        fast = status_data(quick, s)
    quick.close()
    return full, fast


def test_the_status_from_todays_rows_is_the_status_on_the_server(server_db: str) -> None:
    db = open_database(server_db, owner="alice")
    clock = FakeClock(_at(8, 50))
    with db.transaction() as s:
        planning.ensure_defaults(s, "alice")
        demo.generate(s, "alice", BERLIN, clock.now(), weeks=2, seed=3)
        source = CalendarSource(owner="alice", name="work", kind="file", location="/x.ics")
        s.add(source)
        s.flush()
        s.add(
            Occurrence(
                owner="alice",
                source_id=source.id,
                uid="standup",
                recurrence_id="",
                summary="Stand-up",
                start=_at(11, 0),
                end=_at(11, 30),
            )
        )
    with db.transaction() as s:
        planning.auto_plan(s, "alice", _at(8, 50).astimezone(BERLIN).date(), BERLIN)
    seen = []
    full, fast = _both(server_db, clock)
    assert fast == full
    seen.append(full["state"])
    steps = [
        (_at(9, 5), lambda s, t: day.start(s, "alice", BERLIN, t)),
        (_at(10, 5), lambda s, t: tracking.interrupt(s, "alice", BERLIN, t, note="phone")),
        (_at(10, 20), None),  # an interruption running
        (_at(10, 25), lambda s, t: tracking.resume(s, "alice", BERLIN, t)),
        (_at(11, 10), None),  # in the meeting
        (_at(12, 40), None),
        (_at(15, 0), lambda s, t: tracking.interrupt(s, "alice", BERLIN, t, note="x", minutes=10)),
        (_at(17, 45), lambda s, t: tracking.stop(s, "alice", BERLIN, t)),
        (_at(3, 30, days=1), None),  # before the next day's boundary
        (_at(9, 30, days=1), None),  # the next day, not started
    ]
    for moment, write in steps:
        clock.set(moment)
        if write is not None:
            with db.transaction() as s:
                write(s, moment)
        full, fast = _both(server_db, clock)
        assert fast == full, moment
        seen.append(full["state"])
        if moment == _at(10, 20):
            assert full["running"] is not None and full["running"]["note"] == "phone"
        if moment == _at(11, 10):
            assert full["meeting"] is not None and full["meeting"]["summary"] == "Stand-up"
    assert full["interruptions"]["count"] == 0  # the next day: nothing yet
    assert len(set(seen)) >= 3  # the day went through several states
    db.close()


def test_status_sends_one_statement_when_nothing_is_written(
    cluster: Cluster, server_db: str, tmp_path: Path
) -> None:
    device = Device(tmp_path, server_db)
    assert device.run("plan", "--auto").returncode == 0
    assert device.run("start").returncode == 0
    name = server_db.rsplit("/", 1)[1]

    def calls() -> int:
        # pg_stat_database counts the database's transactions: a backend's start-up is one
        # (as `psql -c "SELECT 1"` shows: two), a statement in autocommit one, BEGIN …
        # ROLLBACK one; a backend reports its counts when it ends
        out = cluster.psql(
            "postgres",
            f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{name}'",
        )
        return int(out)

    def settled(above: int) -> int:
        deadline = time.monotonic() + 60
        last = calls()
        while time.monotonic() < deadline:
            time.sleep(1.5)  # the stats of an ending backend arrive within a second
            now = calls()
            if now > above and now == last:
                return now
            last = now
        return last

    before = settled(-1)
    done = device.run("status", "--json")
    assert done.returncode == 0, done.stderr
    assert "state" in json.loads(done.stdout)
    assert settled(before) - before == 2  # one connection, one statement
