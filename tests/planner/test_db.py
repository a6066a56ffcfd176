"""Storage: UTC-only timestamps, SQLite pragmas, migrations on open, backups, bad files."""

import os
import sqlite3
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from planner.services import planning
from planner.storage.db import (
    SCHEMA_REVISION,
    Database,
    DatabaseCorrupt,
    DatabaseTooNew,
    StorageError,
    known_revisions,
    list_backups,
    open_database,
    resolve_url,
)
from planner.storage.models import Base, Entry


def test_naive_timestamps_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), db.transaction() as s:
        s.add(Entry(owner="tester", start=datetime(2026, 1, 1, 9, 0), kind="work"))  # noqa: DTZ001
        s.flush()


def test_timestamps_come_back_aware_utc(db: Database) -> None:
    moment = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
    with db.transaction() as s:
        s.add(Entry(owner="tester", start=moment, kind="work"))
    with db.transaction() as s:
        start = s.query(Entry).one().start
    assert start == moment and start.tzinfo is not None and start.utcoffset().total_seconds() == 0


def test_sqlite_pragmas_are_on(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only apply to SQLite")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_schema_revision_is_the_alembic_head(db: Database) -> None:
    assert SCHEMA_REVISION in known_revisions(db.engine)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            SCHEMA_REVISION
        )


def test_default_database_is_private_and_in_the_data_dir(tmp_path: Path) -> None:
    url = resolve_url(None)
    assert url == f"sqlite:///{tmp_path / 'data' / 'splitday.sqlite3'}"
    db = open_database(None)
    db.close()
    path = tmp_path / "data" / "splitday.sqlite3"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_env_url_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPLITDAY_DB_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    open_database(None).close()
    assert (tmp_path / "elsewhere.db").exists()


def test_a_corrupt_file_gives_a_clear_error_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    garbage = b"this is not a database at all" * 100
    path.write_bytes(garbage)
    with pytest.raises(DatabaseCorrupt, match="cannot be read"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == garbage


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    open_database(url).close()
    with sqlite3.connect(tmp_path / "new.sqlite3") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseTooNew, match="newer Splitday"):
        open_database(url)


def test_tables_without_a_schema_record_give_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "odd.sqlite3"
    url = f"sqlite:///{path}"
    db = open_database(url, owner="me")
    with db.transaction() as s:
        planning.ensure_defaults(s, "me")
    db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE alembic_version")
    with pytest.raises(StorageError, match="could not update the database schema"):
        open_database(url, owner="me")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM role").fetchone()[0] == 2


def test_backup_copies_live_data(tmp_path: Path) -> None:
    from planner.storage.db import backup_sqlite

    path = tmp_path / "live.sqlite3"
    db = open_database(f"sqlite:///{path}", owner="me")
    with db.transaction() as s:
        planning.ensure_defaults(s, "me")
    target = backup_sqlite(path, reason="test")
    db.close()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM role").fetchone()[0] == 2
    assert list_backups(path) == [target]


def test_a_database_of_the_first_schema_with_data_opens_on_the_newest(tmp_path: Path) -> None:
    """Upgrade path from the first released schema (0001), with data in it, to the head."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    path = tmp_path / "first.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", "planner.storage:migrations")
    cfg.attributes["engine"] = engine
    command.upgrade(cfg, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO role (owner, name, colour, target_percent, position, archived) "
                "VALUES ('me', 'Support', '#e15759', 60, 0, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO entry (owner, start, kind, role_id, follows_plan, note, source, "
                "flag_unplanned, flag_cross_role, flag_in_focus, flag_after_stop, needs_review) "
                "VALUES ('me', '2026-11-24 09:30:00.000000', 'interruption', 1, 0, 'old note', "
                "'phone', 1, 0, 0, 0, 0)"
            )
        )
        for hour in (9, 10):
            conn.execute(
                text(
                    'INSERT INTO slot (owner, day, start, "end", role_id, title, origin, pinned) '
                    f"VALUES ('me', '2026-11-24', '2026-11-24 0{hour - 1}:00:00.000000', "
                    f"'2026-11-24 {hour:02d}:00:00.000000', 1, '', 'auto', 0)"
                )
            )
        conn.execute(
            text(
                "INSERT INTO task (owner, title, role_id, day, priority, estimate_minutes, "
                "status, carried_over, created_at) VALUES ('me', 'old task', 1, '2026-11-24', "
                "1, 30, 'open', 0, '2026-11-24 08:00:00.000000')"
            )
        )
    engine.dispose()
    db = open_database(f"sqlite:///{path}", owner="me")
    with db.transaction() as s:
        entry = s.query(Entry).one()
        assert (entry.note, entry.start) == ("old note", datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
        assert [r.name for r in planning.list_roles(s, "me")] == ["Support"]
        # 0002: every slot and task got its own uid (what undo steps refer to)
        uids = [v.uid for v in planning.list_slots(s, "me", date(2026, 11, 24))]
        uids += [t.uid for t in planning.list_tasks(s, "me")]
        assert len(uids) == 3 and len(set(uids)) == 3 and all(len(u) == 36 for u in uids)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            SCHEMA_REVISION
        )
    db.close()
    if SCHEMA_REVISION != "0001":  # a real upgrade ran: it kept a copy first
        assert any("before-migration-0001" in p.name for p in list_backups(path))


def test_race_damage_in_a_first_schema_database_is_repaired_on_upgrade(db_url: str) -> None:
    """Two running entries and overlapping slots, as concurrent writers left them before 0003,
    on this backend: the upgrade keeps every row's data, ends the older running entry where the
    newer began (marked for review) and, on PostgreSQL, moves the later slot past the earlier."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from planner.storage.models import Slot

    engine = create_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", "planner.storage:migrations")
    cfg.attributes["engine"] = engine
    command.upgrade(cfg, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO role (owner, name, colour, target_percent, position, archived) "
                "VALUES ('me', 'Support', '#e15759', 60, 0, false)"
            )
        )
        role = conn.execute(text("SELECT id FROM role")).scalar()
        for start, note in (
            ("2026-11-24 09:00:00+00:00", "one"),
            ("2026-11-24 09:05:00+00:00", "two"),
        ):
            conn.execute(
                text(
                    "INSERT INTO entry (owner, start, kind, role_id, follows_plan, note, source, "
                    "flag_unplanned, flag_cross_role, flag_in_focus, flag_after_stop, "
                    "needs_review) VALUES ('me', :start, 'interruption', :role, false, :note, '', "
                    "true, false, false, false, false)"
                ),
                {
                    "start": start if engine.dialect.name != "sqlite" else start[:19],
                    "note": note,
                    "role": role,
                },
            )
        for start, end, note in (  # closed entries overlapping each other
            ("08:00:00+00:00", "08:30:00+00:00", "a"),
            ("08:20:00+00:00", "08:40:00+00:00", "b"),
            ("08:25:00+00:00", "08:35:00+00:00", "c"),
        ):
            conn.execute(
                text(
                    'INSERT INTO entry (owner, start, "end", kind, role_id, follows_plan, note, '
                    "source, flag_unplanned, flag_cross_role, flag_in_focus, flag_after_stop, "
                    "needs_review) VALUES ('me', :start, :end, 'work', :role, false, :note, '', "
                    "false, false, false, false, false)"
                ),
                {
                    "start": "2026-11-24 "
                    + (start if engine.dialect.name != "sqlite" else start[:8]),
                    "end": "2026-11-24 " + (end if engine.dialect.name != "sqlite" else end[:8]),
                    "note": note,
                    "role": role,
                },
            )
        for start, end in (("09:00", "10:00"), ("09:30", "11:00"), ("09:40", "09:50")):
            conn.execute(
                text(
                    'INSERT INTO slot (owner, "day", start, "end", role_id, title, origin, pinned) '
                    "VALUES ('me', '2026-11-24', :s, :e, :role, '', 'manual', true)"
                ),
                {
                    "s": f"2026-11-24 {start}:00"
                    + ("+00:00" if engine.dialect.name != "sqlite" else ""),
                    "e": f"2026-11-24 {end}:00"
                    + ("+00:00" if engine.dialect.name != "sqlite" else ""),
                    "role": role,
                },
            )
    engine.dispose()
    db = open_database(db_url, owner="me")
    try:
        with db.transaction() as s:
            entries = s.query(Entry).order_by(Entry.start).all()
            slots = [
                (x.start.hour, x.start.minute, x.end.hour)
                for x in s.query(Slot).order_by(Slot.start)
            ]
        running = [(e.note, e.end, e.needs_review) for e in entries if e.note in ("one", "two")]
        assert running == [
            ("one", datetime(2026, 11, 24, 9, 5, tzinfo=UTC), True),
            ("two", None, False),
        ]
        closed = {
            e.note: (
                e.start.strftime("%H:%M"),
                e.end.strftime("%H:%M") if e.end else None,
                e.needs_review,
            )
            for e in entries
            if e.note in "abc"
        }
        if db.engine.dialect.name == "postgresql":
            assert slots == [(9, 0, 10), (10, 0, 11)]  # the one inside another is gone
            # no row is lost: the later entries start where the earlier ended (or shrink to
            # nothing inside it), marked for review
            assert closed == {
                "a": ("08:00", "08:30", False),
                "b": ("08:30", "08:40", True),
                "c": ("08:35", "08:35", True),  # its note kept, with no time of its own
            }
        else:
            assert len(slots) == 3  # SQLite has no exclusion constraint: left as they were
    finally:
        db.close()


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    """`--db sqlite:///other-app.sqlite` must not add Splitday's tables to it."""
    path = tmp_path / "other-app.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    conn.close()
    with pytest.raises(StorageError, match=r"holds tables of another program \(notes\)") as caught:
        open_database(f"sqlite:///{path}")
    assert "--db" in str(caught.value)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {"notes"}
        assert conn.execute("SELECT body FROM notes").fetchall() == [("keep me",)]
    conn.close()


def test_another_alembic_programs_database_is_not_called_a_newer_splitday(
    tmp_path: Path,
) -> None:
    path = tmp_path / "other-alembic.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('3f2a1b')")
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.close()
    with pytest.raises(StorageError, match="another program") as caught:
        open_database(f"sqlite:///{path}")
    assert not isinstance(caught.value, DatabaseTooNew)


def test_an_empty_file_becomes_a_splitday_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.touch()
    open_database(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM role").fetchone() == (0,)
    conn.close()


def test_the_migrations_build_the_schema_the_models_describe(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
