"""Backups and recovery from a damaged database: clear messages, nothing overwritten."""

import json
from pathlib import Path

import pytest

from planner.cli.main import main
from planner.storage.db import daily_backup, integrity_problem, list_backups


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_backup_corrupt_restore_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_file = tmp_path / "data" / "splitday.sqlite3"
    assert run(capsys, "roles", "add", "On-call")[0] == 0
    code, out, _ = run(capsys, "backup")
    assert code == 0 and Path(out.strip()).is_file()
    # the file gets truncated (a disk filled up, a bad sync)
    damaged = db_file.read_bytes()[:1000]
    db_file.write_bytes(damaged)
    for suffix in ("-wal", "-shm"):
        db_file.with_name(db_file.name + suffix).unlink(missing_ok=True)
    code, _, err = run(capsys, "status")
    assert code == 1 and "cannot be read" in err and "splitday restore" in err
    code, out, _ = run(capsys, "restore")
    assert code == 0 and "restored" in out
    kept = [p for p in db_file.parent.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == damaged  # never overwritten
    code, out, _ = run(capsys, "roles", "--json")
    assert "On-call" in [r["name"] for r in json.loads(out)]
    assert integrity_problem(db_file) is None


def test_restore_refuses_a_damaged_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "status")
    bad = tmp_path / "bad-backup.sqlite3"
    bad.write_bytes(b"nope" * 500)
    code, _, err = run(capsys, "restore", str(bad))
    assert code == 1 and "damaged too" in err


def test_daily_backup_once_a_day_and_rotation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "status")
    db_file = tmp_path / "data" / "splitday.sqlite3"
    first = daily_backup(db_file, keep=3)
    assert first is not None and daily_backup(db_file, keep=3) is None
    for _ in range(12):
        run(capsys, "backup")
    assert len(list_backups(db_file)) == 11  # ten manual ones (the default) and the daily one
    assert len([p for p in list_backups(db_file) if p.name.endswith("-daily.sqlite3")]) == 1


def test_backup_of_a_server_database_points_to_its_tools(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x", "backup")
    assert code == 2 and "pg_dump" in err
