"""Task edits while the shared server is away (`pg_ctl stop -m immediate`): the command line
keeps them on this device, shows them, and delivers them in order, exactly once, when the
server is back; a kill -9 right after "saved on this device" loses nothing; an edit of a row
that another device changed meanwhile is refused and said, never applied."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, Device
from pgcluster import Cluster
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.slow


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    finally:
        engine.dispose()


def _tasks(url: str) -> list[tuple[object, ...]]:
    return _rows(url, "SELECT title, status FROM task WHERE owner = 'alice' ORDER BY id")


def _delivered(url: str) -> dict[str, int]:
    rows = _rows(url, "SELECT kind, count(*) FROM delivered_change GROUP BY kind")
    return {str(kind): int(str(n)) for kind, n in rows}


def _offline_device(tmp_path: Path, url: str) -> Device:
    device = Device(tmp_path / "laptop", url)
    device.env["SPLITDAY_NO_DELIVERER"] = "1"  # the test says when delivery happens
    return device


def _ids(device: Device) -> dict[str, int]:
    listed = device.run("task", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return {t["title"]: t["id"] for t in json.loads(listed.stdout)}


@pytest.mark.timeout(300)
def test_task_edits_made_while_the_server_is_away_are_delivered_once_in_order(
    cluster: Cluster, server_db: str, tmp_path: Path
) -> None:
    laptop = _offline_device(tmp_path, server_db)
    for title in ("Write report", "Call vendor", "Old idea"):
        added = laptop.run("task", "add", title, "--role", "Support")
        assert added.returncode == 0, added.stderr
    ids = _ids(laptop)  # what this device saw (kept for editing offline)
    online = _delivered(server_db)  # each write of the command carries its uid, online too
    assert online == {"task_add": 3}

    cluster.stop("immediate")
    try:
        said = []
        for args in (
            ("task", "add", "Offline first", "--role", "Community", "--estimate", "45m"),
            ("task", "done", str(ids["Write report"])),
            ("task", "rename", str(ids["Call vendor"]), "Call", "the", "vendor"),
            ("task", "rm", str(ids["Old idea"])),
            ("task", "add", "Offline second", "--role", "Support", "--priority", "1"),
            ("task", "undone", str(ids["Write report"])),  # after its own kept check-off
        ):
            done = laptop.run(*args)
            assert done.returncode == 0, done.stderr
            assert done.stdout.startswith("saved on this device: "), done.stdout
            said.append(done.stdout)
        assert "add task 'Offline first'" in said[0]
        assert "check off task 'Write report'" in said[1]
        assert "rename task 'Call vendor' to 'Call the vendor'" in said[2]
        assert "6 changes waiting" in said[5]
        # shown at once, marked as waiting
        listed = laptop.run("task", "list")
        assert listed.returncode == 0, listed.stderr
        lines = listed.stdout.splitlines()
        assert lines[0].startswith("offline since") and "6 changes waiting" in lines[0]
        assert any("Call the vendor" in line and "waiting" in line for line in lines), lines
        assert any("Offline first" in line and "waiting" in line for line in lines), lines
        assert not any("Old idea" in line for line in lines), lines
        tomorrow = laptop.run("task", "list", "--day", "tomorrow")
        assert tomorrow.returncode == 0, tomorrow.stderr
        assert "no tasks were seen on this device for that day" in tomorrow.stdout
        # a task this device never saw cannot be edited blind: said, nothing kept
        unseen = laptop.run("task", "done", "999")
        assert unseen.returncode == 1
        assert "task 999 was not seen on this device" in unseen.stderr, unseen.stderr
        assert laptop.queue().count() == 6
        # what still waits for the server says what is kept now
        waits = laptop.run("slot", "add", "today", "14:00-15:00", "Support")
        assert waits.returncode != 0
        assert "task edits (`task add`, `done`, `undone`, `rename`, `rm`) are kept" in (
            waits.stderr
        ), waits.stderr
        assert "Traceback" not in waits.stderr
    finally:
        cluster.start()
    assert _tasks(server_db) == [
        ("Write report", "open"),
        ("Call vendor", "open"),
        ("Old idea", "open"),
    ]
    synced = laptop.run("sync")
    assert synced.returncode == 0, synced.stderr
    assert "delivered 6 changes" in synced.stdout, synced.stdout
    assert laptop.run("sync").returncode == 0  # again: nothing is applied twice
    assert _tasks(server_db) == [
        ("Write report", "open"),  # checked off, then opened again: in order
        ("Call the vendor", "open"),
        ("Old idea", "dropped"),
        ("Offline first", "open"),  # the ids follow the order they were made in
        ("Offline second", "open"),
    ]
    assert _delivered(server_db) == {"task_add": 3 + 2, "task_edit": 1, "task_status": 3}
    first = _rows(server_db, "SELECT estimate_minutes FROM task WHERE title = 'Offline first'")
    assert first == [(45,)]
    second = _rows(server_db, "SELECT priority FROM task WHERE title = 'Offline second'")
    assert second == [(1,)]
    assert laptop.queue().count() == 0 and laptop.queue().refused() == []


@pytest.mark.timeout(300)
def test_a_kill_right_after_saved_on_this_device_loses_nothing(
    cluster: Cluster, server_db: str, tmp_path: Path
) -> None:
    laptop = _offline_device(tmp_path, server_db)
    assert laptop.run("task", "add", "Seen", "--role", "Support").returncode == 0
    seen = _ids(laptop)["Seen"]
    cluster.stop("immediate")
    try:
        for args in (
            ("task", "add", "Killed right after", "--role", "Support"),
            ("task", "done", str(seen)),
        ):
            proc = subprocess.Popen(
                [sys.executable, "-m", "planner.cli.main", *args],
                cwd=ROOT,
                env={**laptop.env, "PYTHONUNBUFFERED": "1"},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert proc.stdout is not None
            line = proc.stdout.readline()  # the acknowledgement …
            os.kill(proc.pid, signal.SIGKILL)  # … and at once the process is gone
            proc.wait(30)
            proc.stdout.close()
            assert proc.stderr is not None
            proc.stderr.close()
            assert line.startswith("saved on this device: "), line
        assert laptop.queue().count() == 2
    finally:
        cluster.start()
    assert laptop.run("sync").returncode == 0
    assert _tasks(server_db) == [("Seen", "done"), ("Killed right after", "open")]


@pytest.mark.timeout(300)
def test_an_edit_of_a_task_changed_meanwhile_on_another_device_is_refused(
    cluster: Cluster, server_db: str, tmp_path: Path
) -> None:
    laptop = _offline_device(tmp_path, server_db)
    desktop = Device(tmp_path / "desktop", server_db)
    for title in ("Shared task", "Only here"):
        assert laptop.run("task", "add", title, "--role", "Support").returncode == 0
    ids = _ids(laptop)
    cluster.stop("immediate")
    try:
        kept = laptop.run("task", "rename", str(ids["Shared task"]), "Laptop title")
        assert kept.stdout.startswith("saved on this device: "), kept.stdout + kept.stderr
        assert laptop.run("task", "done", str(ids["Only here"])).returncode == 0
    finally:
        cluster.start()
    # the desktop saw the server first: it renames the same task before the laptop delivers
    other = desktop.run("task", "rename", str(ids["Shared task"]), "Desktop title")
    assert other.returncode == 0, other.stderr
    synced = laptop.run("sync")
    assert synced.returncode == 0, synced.stderr
    assert "the server refused a change kept on this device" in synced.stderr, synced.stderr
    assert "was changed meanwhile on another device" in synced.stderr
    assert "'Shared task' → 'Desktop title'" in synced.stderr
    assert "1 change the server refused, kept on this device" in synced.stdout, synced.stdout
    # the desktop's title stays; the laptop's other edit (no conflict) is applied
    assert _tasks(server_db) == [("Desktop title", "open"), ("Only here", "done")]
    refused = laptop.queue().refused()
    assert [r.change.kind for r in refused] == ["task_edit"]
    assert laptop.run("status").stdout.count("refused by the server") == 1


def test_a_task_put_into_a_slot_meanwhile_is_no_conflict_a_changed_title_is(
    server_db: str, tmp_path: Path
) -> None:
    """The version of a task also moves when another device puts it into a slot: nothing this
    device showed of it changed, so that is no conflict. A title changed meanwhile is:
    refused, and the queue goes on with the next change (never stuck behind it)."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from planner.services import offline, planning
    from planner.storage.db import open_database
    from planner.storage.pending import PendingQueue

    zone = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 12, 7, 9, 0, tzinfo=zone)
    db = open_database(server_db, owner="alice")
    try:
        with db.transaction() as s:
            planning.ensure_defaults(s, "alice")
            role = planning.find_role(s, "alice", "Support")
            first, _ = planning.add_task(
                s, "alice", "Moved by the fit", role.id, now=now, day=now.date()
            )
            second, _ = planning.add_task(
                s, "alice", "Renamed elsewhere", role.id, now=now, day=now.date()
            )
        queue = PendingQueue(tmp_path / "queue.sqlite3", owner="alice")
        queue.add("task_status", now.astimezone(UTC), offline.task_status_fields(first, "done"))
        queue.add("task_edit", now.astimezone(UTC), offline.task_edit_fields(second, title="Mine"))
        queue.add("task_status", now.astimezone(UTC), offline.task_status_fields(second, "done"))
        with db.transaction() as s:  # meanwhile, on another device
            slot, _ = planning.add_slot(s, "alice", zone, now, now + timedelta(hours=2), role.id)
            planning.update_task(s, "alice", first.id, slot_id=slot.id)
            planning.update_task(s, "alice", second.id, title="Theirs")
        with db.read() as s:
            moved = {t.id: t for t in planning.list_tasks(s, "alice", now.date())}
        assert moved[first.id].version != first.version  # put into the slot by hand
        assert moved[first.id].slot_id == slot.id

        report = queue.deliver(db, lambda s, c: offline.apply(s, "alice", zone, c))
        assert (report.delivered, report.left) == (1, 0)
        assert [r.change.kind for r in report.refused] == ["task_edit", "task_status"]
        assert "'Renamed elsewhere' → 'Theirs'" in report.refused[0].reason
        with db.read() as s:
            after = {t.title: t.status for t in planning.list_tasks(s, "alice", now.date())}
        assert after == {"Moved by the fit": "done", "Theirs": "open"}
    finally:
        db.close()
