"""Make the real database refuse writes, as a read-only file or a full disk does, and recover.

The tests run as root, where chmod stops nothing; SQLite's own switches give the same errors
from the same place instead: `PRAGMA query_only` fails every write with "attempt to write a
readonly database" (SQLITE_READONLY), and `PRAGMA max_page_count` pinned to the file's size
fails any write that needs a new page with "database or disk is full" (SQLITE_FULL). On
PostgreSQL a read-only transaction does the same ("cannot execute INSERT in a read-only
transaction"). Reads keep working, as they do on a read-only file or a full disk.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from planner.storage.db import Database

READ_ONLY, DISK_FULL = "read-only", "disk full"
NO_LIMIT = 1073741823  # SQLite's default max_page_count


class Breakdown:
    """`mode` None: healthy; READ_ONLY or DISK_FULL: every transaction begins broken."""

    def __init__(self, db: Database, mode: str | None = None) -> None:
        self.db, self.mode = db, mode
        self.sqlite = db.engine.dialect.name == "sqlite"
        event.listen(db.engine, "begin", self._on_begin)  # after db.py's BEGIN IMMEDIATE
        event.listen(db.engine, "checkin", self._on_checkin)

    def _on_begin(self, conn: Any) -> None:
        if not self.sqlite:
            if self.mode is not None:
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            return
        conn.exec_driver_sql(f"PRAGMA query_only = {'ON' if self.mode == READ_ONLY else 'OFF'}")
        if self.mode == DISK_FULL:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
            conn.exec_driver_sql(f"PRAGMA max_page_count = {pages}")
        else:
            conn.exec_driver_sql(f"PRAGMA max_page_count = {NO_LIMIT}")

    def _on_checkin(self, dbapi_connection: Any, _record: Any) -> None:
        # query_only would refuse the next BEGIN IMMEDIATE; a read-only file lets it through
        if self.sqlite and dbapi_connection is not None:
            dbapi_connection.execute("PRAGMA query_only = OFF")

    def clear(self) -> None:
        self.mode = None

    def close(self) -> None:
        self.mode = None
        event.remove(self.db.engine, "begin", self._on_begin)
        event.remove(self.db.engine, "checkin", self._on_checkin)
