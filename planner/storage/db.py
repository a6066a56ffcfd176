"""Engine factory (SQLite in the user data dir, or any URL), pragmas, migrations, backups."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from planner.domain.i18n import tr
from planner.platform.paths import current_owner
from planner.platform.paths import data_dir as data_dir
from planner.platform.paths import default_url as default_url
from planner.platform.paths import resolve_url as resolve_url
from planner.storage import conflicts
from planner.storage.failures import PG_CONNECT_TIMEOUT_S as PG_CONNECT_TIMEOUT_S
from planner.storage.failures import DatabaseCorrupt as DatabaseCorrupt
from planner.storage.failures import DatabaseTooNew as DatabaseTooNew
from planner.storage.failures import DatabaseUnavailable as DatabaseUnavailable
from planner.storage.failures import LoginRefused as LoginRefused
from planner.storage.failures import NotSplitdays as NotSplitdays
from planner.storage.failures import ServerUnreachable as ServerUnreachable
from planner.storage.failures import StorageError as StorageError
from planner.storage.failures import explain, is_corruption
from planner.storage.migrations import SCHEMA_REVISION as SCHEMA_REVISION

BACKUPS_KEPT = 10


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder and an empty file readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Pragmas must run outside a transaction or WAL and foreign keys silently stay off. The
    # driver then stays in autocommit mode: transactions are begun by _on_sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


READ_ONLY = "splitday_read_only"  # the execution option that marks a read transaction


def _query_only(conn: Any, on: bool) -> None:
    """Switch the connection's query_only pragma, only when it changes (it stays with the
    pooled connection)."""
    info = conn.connection.info  # per DB-API connection
    if info.get("query_only", False) != on:
        conn.exec_driver_sql(f"PRAGMA query_only = {int(on)}")
        info["query_only"] = on


def _on_sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get(READ_ONLY):
        # A read: a deferred BEGIN takes no lock, and in WAL mode it waits for no writer (it
        # reads the last committed state). query_only makes a stray write fail loudly instead
        # of trying to upgrade the lock (which could fail with "database is locked").
        _query_only(conn, True)
        conn.exec_driver_sql("BEGIN")
        return
    # A write takes the write lock up front (waiting up to busy_timeout): a read-then-write
    # transaction can then never fail with "database is locked" when the CLI and the app write
    # at once, and what it read cannot change under it.
    _query_only(conn, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _on_other_begin(conn: Any) -> None:
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")


def make_engine(url: str, *, connect_timeout: int | None = None, ping: bool = True) -> Engine:
    """`ping=False`: no round trip to test each pooled connection before use (for a caller
    that takes a failed statement as "ask again later": the running app's forwarded status)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(tr("not a database URL: {url!r}").format(url=url)) from exc
    path = sqlite_path(url)
    if path is not None:
        _prepare_sqlite_file(path)
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = connect_timeout or PG_CONNECT_TIMEOUT_S
    try:
        engine = create_engine(
            parsed,
            pool_pre_ping=ping and parsed.get_backend_name() != "sqlite",
            connect_args=connect_args,
        )
    except NoSuchModuleError as exc:  # a scheme no dialect knows: say what would do
        raise StorageError(
            tr(
                "not a database Splitday can use: {url} (a file is sqlite:///path, a shared "
                "server postgresql://user@host/name)"
            ).format(url=parsed.render_as_string(hide_password=True))
        ) from exc
    except (ArgumentError, ImportError) as exc:
        raise StorageError(
            tr("cannot use database {parsed!r}: {exc}").format(parsed=parsed, exc=exc)
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    elif parsed.get_backend_name() == "postgresql":
        event.listen(engine, "begin", _on_other_begin)
    return engine


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "planner.storage:migrations")
    cfg.attributes["engine"] = engine
    return cfg


def known_revisions(engine: Engine) -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(engine))
    return {rev.revision for rev in script.walk_revisions()}


def ensure_schema(engine: Engine) -> None:
    """Bring the schema to SCHEMA_REVISION; back the file up first when it holds data."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        current = _current_revision(engine)
    except DatabaseError as exc:
        told = explain(exc, engine.url)  # an outage, a refused login, a read-only file: no
        if told is not None:  # backup to restore, nothing to move aside
            raise told from exc
        from planner.storage.team import explain_denied

        lead = explain_denied(engine, exc)  # a lead-only login has no table to open
        if lead is not None:
            raise lead from exc
        if not is_corruption(exc):
            raise StorageError(
                tr("the database {where} cannot be opened ({orig})").format(
                    where=where, orig=exc.orig
                )
            ) from exc
        if sqlite_path(engine.url.render_as_string(hide_password=False)) is None:
            raise DatabaseCorrupt(  # a server's damage: nothing here to restore or move aside
                tr(
                    "the database server reports damage in {where} ({orig}); its administrator "
                    "restores it with the server's own tools"
                ).format(where=where, orig=exc.orig)
            ) from exc
        raise DatabaseCorrupt(
            tr(
                "the database {where} cannot be read ({orig}); restore a backup ('splitday "
                "restore') or move the file aside to start fresh"
            ).format(where=where, orig=exc.orig)
        ) from exc
    if current == SCHEMA_REVISION:
        return
    _refuse_foreign(engine, current, where)
    if current is not None and current not in known_revisions(engine):
        raise DatabaseTooNew(
            tr(
                "the database {where} was written by a newer Splitday (schema {current}); "
                "update Splitday or point it at another database with --db"
            ).format(where=where, current=current)
        )
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if current is not None and path is not None:
        backup_sqlite(path, reason=f"before-migration-{current}")  # not translated: a tag
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), "head")
    except OperationalError as exc:
        told = explain(exc, engine.url)
        if told is not None:
            raise told from exc
        raise StorageError(
            tr("could not update the database schema of {where}: {orig}").format(
                where=where, orig=exc.orig
            )
        ) from exc


def _refuse_foreign(engine: Engine, current: str | None, where: str) -> None:
    """A non-empty database that is not Splitday's is left as it is (`--db` pointed at another
    program's file): its tables must not be mixed with Splitday's."""
    from planner.storage.models import Base

    with engine.connect() as conn:
        tables = {t for t in inspect(conn).get_table_names() if not t.startswith("sqlite_")} - {
            "alembic_version"
        }
    ours = set(Base.metadata.tables)
    others = sorted(tables - ours)
    known = current is None or current in known_revisions(engine)
    if (others and current is None) or (not known and not tables & ours):
        shown = ", ".join(others[:5]) + (", …" if len(others) > 5 else "")
        shown = shown or f"schema {current}"
        raise NotSplitdays(
            tr(
                "the database {where} holds tables of another program ({shown}); Splitday "
                "keeps its data in a database of its own and changed nothing here — point --db "
                "(or SPLITDAY_DB_URL) at a new file or an empty database"
            ).format(where=where, shown=shown)
        )


def backups_dir(path: Path) -> Path:
    return path.parent / "backups"


def backup_sqlite(path: Path, reason: str = "manual", keep: int = BACKUPS_KEPT) -> Path:
    """Copy a live SQLite file with the online backup API; keep the newest `keep` of its kind."""
    target_dir = backups_dir(path)
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = target_dir / f"{path.stem}-{stamp}-{reason}.sqlite3"
    fd = os.open(target, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    except sqlite3.DatabaseError as exc:
        target.unlink(missing_ok=True)
        raise DatabaseCorrupt(
            tr("cannot back up {path}: {exc}").format(path=path, exc=exc)
        ) from exc
    finally:
        source.close()
    same_reason = [b for b in list_backups(path) if b.name.endswith(f"-{reason}.sqlite3")]
    for old in same_reason[keep:]:
        old.unlink(missing_ok=True)
    return target


def integrity_problem(path: Path) -> str | None:
    """None when SQLite's integrity check passes on the file, else what it says."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if result and result[0] == "ok" else str(result[0] if result else "no answer")


def set_aside(path: Path, label: str = "damaged") -> Path:
    """Move a database file (and its WAL/SHM) out of the way; nothing is deleted."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.rename(target.with_name(target.name + suffix))
    path.rename(target)
    return target


def restore_sqlite(path: Path, backup: Path) -> Path | None:
    """Put a backup in place of the database; the current file is kept aside, never overwritten."""
    problem = integrity_problem(backup)
    if problem is not None:
        raise DatabaseCorrupt(
            tr("the backup {name} is damaged too: {problem}").format(
                name=backup.name, problem=problem
            )
        )
    kept = set_aside(path, "before-restore") if path.exists() else None
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(path)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return kept


def daily_backup(path: Path, keep: int = BACKUPS_KEPT) -> Path | None:
    """One backup a day (UTC), made the first time this is called on a day."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    today = datetime.now(UTC).strftime("%Y%m%d")
    if any(
        b.name.endswith("-daily.sqlite3") and f"-{today}T" in b.name for b in list_backups(path)
    ):
        return None
    return backup_sqlite(path, reason="daily", keep=keep)  # not translated: a tag


def list_backups(path: Path) -> list[Path]:
    """Backups of this database file, newest first."""
    folder = backups_dir(path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{path.stem}-*.sqlite3"), reverse=True)


@dataclass
class Database:
    """An open database: the engine and a session factory. The caller owns each transaction."""

    engine: Engine
    sessions: sessionmaker[Session]
    owner: str
    # Opened while the shared server was away (open_database(offline_ok=True)): why. The
    # schema is checked (and brought up to date) on the first use that reaches the server.
    unchecked: str | None = None

    def check(self) -> None:
        """Check the schema now if it was not (an outage raises ServerUnreachable, in words)."""
        if self.unchecked is not None:
            ensure_schema(self.engine)
            self.unchecked = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One user action = one transaction: commit on success, roll back on any error.

        It takes the write lock first (BEGIN IMMEDIATE on SQLite); read with `read()`.

        A write that lost a race with another writer (a stale row version, the running-entry
        index, the slot exclusion) comes out as ConcurrentChange, a PlannerError in words; an
        outage, a read-only or full disk as DatabaseUnavailable, also in words."""
        self.check()
        try:
            with self.sessions.begin() as session:
                yield session
        except (StaleDataError, DBAPIError) as exc:  # IntegrityError, OperationalError, …
            told = conflicts.translate(exc) or explain(exc, self.engine.url)
            if told is None:
                raise
            raise told from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction that never waits for a writer and never commits.

        SQLite: a deferred BEGIN (WAL readers see the last commit while another connection
        holds the write lock) with query_only on; PostgreSQL: READ ONLY. A write in it fails."""
        self.check()
        try:
            with self.sessions() as session:
                session.connection(execution_options={READ_ONLY: True})
                yield session
        except DBAPIError as exc:  # an outage, a file that went away: in words
            low = str(exc.orig).lower()
            # SQLite's query_only says "readonly", PostgreSQL's READ ONLY "read-only
            # transaction": here that is our own read transaction, not a read-only server
            ours = "readonly" in low or "read-only transaction" in low
            told = None if ours else explain(exc, self.engine.url)
            if told is None:  # a write in a read (query_only) is a bug: it stays loud
                raise
            raise told from exc

    def close(self) -> None:
        self.engine.dispose()


def open_database(
    url: str | None = None,
    *,
    owner: str | None = None,
    connect_timeout: int | None = None,
    offline_ok: bool = False,
) -> Database:
    """Open (and bring up to date) the database; `connect_timeout` (seconds, PostgreSQL)
    shortens the wait for a server that does not answer (the hotkey path while offline).

    `offline_ok`: a shared server that cannot be reached still gives a Database (the app
    starts on what it last saw and keeps its writes on the device); `unchecked` says why, and
    the schema is checked on its first use that reaches the server."""
    resolved = resolve_url(url)
    engine = make_engine(resolved, connect_timeout=connect_timeout)
    unchecked = None
    try:
        ensure_schema(engine)
    except ServerUnreachable as exc:
        if not offline_ok or sqlite_path(resolved) is not None:
            engine.dispose()
            raise
        unchecked = str(exc)
    except BaseException:
        engine.dispose()
        raise
    return Database(
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        owner=owner or current_owner(),
        unchecked=unchecked,
    )
