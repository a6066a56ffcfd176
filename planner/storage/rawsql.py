"""Hand-written SQL run on a SQLAlchemy session or straight on a sqlite3 connection.

Read-only hot paths (the weekly aggregates, `splitday report`) use it: on SQLite the rows come
from the DB-API cursor of the session's own connection (or, for the command line, a read-only
sqlite3 connection, so the process never imports SQLAlchemy); other databases go through
SQLAlchemy `text()`. Standard library only at import.

On SQLite, SQLAlchemy stores an aware UTC datetime as 'YYYY-MM-DD HH:MM:SS.ffffff' text (which
sorts in time order), a date as 'YYYY-MM-DD' and a boolean as 0/1: parameters are written and
results read the same way here (a test checks the format against SQLAlchemy's).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection, TextClause
    from sqlalchemy.orm import Session

STAMP = "%Y-%m-%d %H:%M:%S.%f"


def stamp(moment: datetime) -> str:
    """An aware datetime as SQLAlchemy's SQLite text for it (UTC)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime refused by the database layer: {moment!r}")
    return moment.astimezone(UTC).strftime(STAMP)


def moment(value: Any) -> datetime:
    """A timestamp column's value (SQLite text or a driver's datetime) as an aware UTC datetime."""
    if isinstance(value, str):  # with the offset written, fromisoformat returns UTC itself
        return datetime.fromisoformat(value + "+00:00")
    if not isinstance(value, datetime):
        raise TypeError(f"unexpected value in a timestamp column: {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def day(value: Any) -> date:
    """A date column's value (SQLite text or a driver's date)."""
    if isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"unexpected value in a date column: {value!r}")
    return value


def _sqlite_param(value: Any) -> Any:
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


@cache
def _text(sql: str) -> TextClause:
    from sqlalchemy import text

    return text(sql)


class Rows:
    """Runs SQL written with :named parameters; `sqlite` says which dialect to write it in."""

    def __init__(self, source: Session | sqlite3.Connection) -> None:
        self._sqlite: sqlite3.Connection | None = None
        self._conn: Connection | None = None
        if isinstance(source, sqlite3.Connection):
            self._sqlite = source
            return
        source.flush()  # the SQL must see what this session has written
        if source.get_bind().dialect.name == "sqlite":
            raw = source.connection().connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            self._sqlite = raw
        else:
            self._conn = source.connection()

    @property
    def sqlite(self) -> bool:
        return self._sqlite is not None

    def __call__(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if self._sqlite is not None:
            converted = {k: _sqlite_param(v) for k, v in params.items()}
            return self._sqlite.execute(sql, converted).fetchall()
        assert self._conn is not None
        return [tuple(row) for row in self._conn.execute(_text(sql), dict(params))]
