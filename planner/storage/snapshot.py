"""Today's rows of one owner read from a shared server in one round trip, into a database in
memory: `splitday status` over a slow link (issue 18).

Through SQLAlchemy a `status` costs ~45 round trips (the dialect's first-connect queries, the
schema check, three read transactions with BEGIN / SET TRANSACTION READ ONLY / ROLLBACK each,
pool pings, ~20 ORM queries): 9.7 s at 50 ms each way. Here it is a connection (the driver's
two round trips) and one statement: the schema revision and every row the status can read —
the owner's roles and settings, the days, slots, tasks, breaks, meetings and log entries of a
window around now (from the oldest running entry, if older) — as one JSON document. The rows
go into an in-memory SQLite database of the same tables, and the unchanged services compute
the status there: one logic, whichever database.

The copy is for reading: `status` goes the usual way (on the server) whenever it would write
(catch-up due, defaults to seed) or when the server's schema is not this version's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from planner.domain.i18n import tr
from planner.storage.failures import StorageError, explain
from planner.storage.migrations import SCHEMA_REVISION

if TYPE_CHECKING:  # the ORM is imported while the server answers (fetch_early)
    from sqlalchemy import Connection, Table

    from planner.storage.db import Database

WINDOW = timedelta(days=2)  # each side of now: today by any day boundary, with its neighbours

# Per table: the rows the status may read. %(o)s the owner; w.lo and w.hi the window.
_ROWS = {
    "role": "SELECT t.* FROM role t WHERE t.owner = %(o)s",
    "setting": "SELECT t.* FROM setting t WHERE t.owner = %(o)s",
    "workday_setting": "SELECT t.* FROM workday_setting t WHERE t.owner = %(o)s",
    "calendar_source": "SELECT t.* FROM calendar_source t WHERE t.owner = %(o)s",
    "day": "SELECT t.* FROM day t, w WHERE t.owner = %(o)s AND t.day BETWEEN w.lo_day AND w.hi_day",
    "slot": 'SELECT t.* FROM slot t, w WHERE t.owner = %(o)s AND (t.start < w.hi AND t."end" > w.lo'
    " OR t.day BETWEEN w.lo_day AND w.hi_day)",
    "task": "SELECT t.* FROM task t, w WHERE t.owner = %(o)s"
    " AND t.day BETWEEN w.lo_day AND w.hi_day",
    "planned_break": "SELECT t.* FROM planned_break t, w WHERE t.owner = %(o)s"
    " AND t.day BETWEEN w.lo_day AND w.hi_day",
    "occurrence": "SELECT t.* FROM occurrence t, w WHERE t.owner = %(o)s"
    ' AND t.start < w.hi AND t."end" > w.lo',
    # the window's entries, the one that ended last (where a resume starts from), and the
    # entries those interrupted (resume goes back to them)
    "entry": "SELECT * FROM e"
    " UNION SELECT t.* FROM entry t JOIN e ON t.id = e.interrupted_entry_id",
}

_SQL = (
    "WITH w AS (SELECT lo, hi, (lo - interval '1 day')::date AS lo_day,"
    " (hi + interval '1 day')::date AS hi_day FROM (SELECT LEAST(%(lo)s::timestamptz,"
    ' (SELECT min(start) FROM entry WHERE owner = %(o)s AND "end" IS NULL)) AS lo,'
    " %(hi)s::timestamptz AS hi) b),"
    " e AS (SELECT t.* FROM entry t, w WHERE t.owner = %(o)s AND (t.start < w.hi"
    ' AND (t."end" IS NULL OR t."end" > w.lo) OR t."end" = (SELECT max("end") FROM entry'
    " WHERE owner = %(o)s)))"
    " SELECT json_build_object('revision', (SELECT version_num FROM alembic_version), "
    + ", ".join(
        f"'{name}', (SELECT coalesce(json_agg(r), '[]'::json) FROM ({sql}) r)"
        for name, sql in _ROWS.items()
    )
    + ")::text"
)


def conninfo(url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _params(owner: str, now: datetime) -> dict[str, Any]:
    return {"o": owner, "lo": now - WINDOW, "hi": now + WINDOW}


def fetch_with(conn: Connection, owner: str, now: datetime) -> dict[str, Any]:
    """The document over a connection already open (the running app's pool: one round trip
    for the statement, plus the pool's ping); a database not Splitday's gives no revision."""
    from sqlalchemy.exc import ProgrammingError

    try:
        text = conn.exec_driver_sql(_SQL, _params(owner, now)).scalar_one()
    except ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42P01":  # undefined table
            return {"revision": None}
        raise
    data: dict[str, Any] = json.loads(text)
    return data


def fetch(url: str, owner: str, now: datetime, *, connect_timeout: int) -> dict[str, Any]:
    """The document: {'revision': …, table: [row, …]}; an outage or a refused login raised in
    words (planner.storage.failures), as opening the database says them."""
    import psycopg

    try:
        with psycopg.connect(
            conninfo(url), autocommit=True, connect_timeout=connect_timeout
        ) as conn:
            row = conn.execute(_SQL, _params(owner, now), prepare=False).fetchone()
    except psycopg.errors.UndefinedTable:  # a database not (yet) Splitday's
        return {"revision": None}
    except psycopg.errors.InsufficientPrivilege:  # a team's lead-only login: the usual way
        return {"revision": None}  # says what it may do (planner.storage.team.explain_denied)
    except psycopg.Error as exc:
        told = explain(exc, url)
        if told is not None:
            raise told from exc
        raise StorageError(
            tr("cannot read {database!r}: {exc}").format(database=make_url(url), exc=exc)
        ) from exc
    assert row is not None
    data: dict[str, Any] = json.loads(row[0])
    return data


def fetch_early(
    url: str, owner: str, now: datetime, *, connect_timeout: int
) -> Callable[[], dict[str, Any]]:
    """`fetch` in a thread of its own, started now; the returned call waits for its document
    (or raises what it raised). The caller imports the ORM and the services meanwhile: the
    round trips overlap that work instead of adding to it."""
    done: dict[str, Any] = {}

    def run() -> None:
        try:
            done["data"] = fetch(url, owner, now, connect_timeout=connect_timeout)
        except BaseException as exc:  # handed to the waiting caller
            done["error"] = exc

    worker = threading.Thread(target=run, name="splitday-status", daemon=True)
    worker.start()

    def result() -> dict[str, Any]:
        worker.join()
        if "error" in done:
            raise done["error"]
        data: dict[str, Any] = done["data"]
        return data

    return result


def _convert(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import Date

    from planner.storage.models import UTCDateTime

    out: dict[str, Any] = {}
    for column in table.columns:
        if column.name not in row:
            continue
        value = row[column.name]
        if value is not None and isinstance(column.type, UTCDateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        out[column.name] = value
    return out


def empty_copy(owner: str) -> Database:
    """A database in memory with Splitday's tables and no rows (foreign keys off: a row may
    point at one outside the window); `fill` puts a document's rows in it."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.orm import sessionmaker
    from sqlalchemy.pool import StaticPool

    from planner.storage.db import Database, _on_sqlite_begin
    from planner.storage.models import Base

    # one connection, used by one thread at a time (the caller's lock), not always the same one
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    event.listen(engine, "begin", _on_sqlite_begin)
    Base.metadata.create_all(engine)
    return Database(
        engine=engine, sessions=sessionmaker(engine, expire_on_commit=False), owner=owner
    )


def fill(db: Database, data: dict[str, Any]) -> None:
    """Replace the copy's rows with the document's (a copy kept for the next status: the
    tables are made once, ~40 ms, and only the rows change)."""
    from planner.storage.models import Base

    with db.engine.begin() as conn:
        for name in _ROWS:
            table = Base.metadata.tables[name]
            conn.execute(table.delete())
            rows = data.get(name) or []
            if rows:
                conn.execute(table.insert(), [_convert(table, r) for r in rows])


def in_memory(data: dict[str, Any], owner: str) -> Database:
    """A database in memory holding the document's rows."""
    db = empty_copy(owner)
    fill(db, data)
    return db


def read_today(url: str, owner: str, now: datetime, *, connect_timeout: int) -> Database | None:
    """Today's rows in memory, or None when the server's schema is not this version's (the
    usual way migrates it, or says it is too new)."""
    return from_document(fetch(url, owner, now, connect_timeout=connect_timeout), owner)


def from_document(data: dict[str, Any], owner: str) -> Database | None:
    if data.get("revision") != SCHEMA_REVISION:
        return None
    return in_memory(data, owner)
