"""Writes waiting for a shared server that cannot be reached: a durable local queue.

When the PostgreSQL server of `SPLITDAY_DB_URL` is down or unreachable, the commands that must
never be lost — the hotkey's interruptions, resume, start and stop, and the task edits (add,
done/undone, rename, delete) and a slot moved, resized or given another role — are kept
here instead, on
this device, and delivered when the server answers again: in the order they were made, exactly
once, with no action from the user.

- The queue is a small SQLite file of its own, `<data dir>/pending/<digest>.sqlite3` (one per
  server database and owner; the folder 0700, the file 0600), written with `synchronous=FULL`:
  a change is acknowledged ("saved on this device") only once it is on the disk, so a kill -9
  right after the acknowledgement loses nothing.
- Every change carries a client-made uid. Delivering it runs the change and inserts its uid
  into the server's `delivered_change` table *in one server transaction*; the local row goes
  only after that commit. A kill -9 between the two leaves the row here, and the next delivery
  finds the uid on the server and only drops it: exactly once.
- One deliverer at a time (an exclusive lock on `<digest>.lock`; another process that finds it
  held leaves the work to it), oldest change first; a change the server refuses by its rules
  (another device logged time there meanwhile) is moved to a `refused` table, kept and shown,
  never retried in a loop nor silently dropped.
- The same file keeps what the commands last saw of today (`snapshot`), so `splitday status`
  can show the plan while the server is away, and when the outage began (`offline_since`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.domain.i18n import ntr, tr
from planner.platform.paths import data_dir

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from planner.storage.db import Database

# the tracking changes, the task edits, a slot moved (planner.services.offline applies each)
KINDS = (
    "interrupt",
    "resume",
    "start",
    "stop",
    "task_add",
    "task_status",
    "task_edit",
    "slot_edit",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS change (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    fields TEXT NOT NULL,
    made_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refused (
    seq INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    fields TEXT NOT NULL,
    made_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    refused_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PendingChange:
    """One write made while the server was away, as it will be delivered."""

    seq: int
    uid: str
    kind: str
    at: datetime  # the moment it was made (the key press), aware UTC
    fields: dict[str, Any]
    made_at: datetime


@dataclass(frozen=True)
class Refused:
    change: PendingChange
    reason: str
    refused_at: datetime


@dataclass(frozen=True)
class OfflineState:
    """What the window, the tray and `status` say about the server."""

    offline_since: datetime | None
    reason: str
    waiting: int
    refused: int
    oldest: datetime | None = None

    @property
    def offline(self) -> bool:
        return self.offline_since is not None

    def describe(self, zone: Any) -> str:
        """'offline since 10:42 — 3 changes waiting' ('' when online with nothing waiting)."""
        parts: list[str] = []
        if self.offline_since is not None:
            since = f"{self.offline_since.astimezone(zone):%H:%M}"
            parts.append(tr("offline since {hhmm}").format(hhmm=since))
        n = self.waiting
        if n and self.offline_since is not None:
            parts.append(ntr("{n} change waiting", "{n} changes waiting", n).format(n=n))
        elif n:
            parts.append(
                ntr(
                    "{n} change waiting to be delivered", "{n} changes waiting to be delivered", n
                ).format(n=n)
            )
        if self.refused:
            parts.append(
                ntr(
                    "{n} change was refused by the server (see `splitday sync`)",
                    "{n} changes were refused by the server (see `splitday sync`)",
                    self.refused,
                ).format(n=self.refused)
            )
        return " — ".join(parts)

    def as_json(self, zone: Any) -> dict[str, Any]:
        """The `sync` part of `status --json`."""

        def iso(moment: datetime | None) -> str | None:
            return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")

        return {
            "offline_since": iso(self.offline_since),
            "reason": self.reason,
            "waiting": self.waiting,
            "refused": self.refused,
            "text": self.describe(zone),
        }


@dataclass
class DeliveryReport:
    delivered: int = 0  # applied on the server now
    already: int = 0  # found on the server already (an earlier delivery that was cut off)
    refused: list[Refused] = field(default_factory=list)
    left: int = 0  # still waiting
    error: str = ""  # why delivery stopped early (the server went away again), if it did
    busy: bool = False  # another process was delivering


def queue_path(url: str, owner: str, root: Path | None = None) -> Path:
    """The queue file of one server database and owner (the password is not part of it)."""
    from sqlalchemy.engine import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    digest = hashlib.sha256(f"{shown}\0{owner}".encode()).hexdigest()[:20]
    return (root or data_dir()) / "pending" / f"{digest}.sqlite3"


class PendingQueue:
    """The local queue of one server database and owner. Each call opens the file and closes
    it again, so several processes (the app, the hotkey command, a deliverer) share it safely."""

    def __init__(self, path: Path, *, where: str = "", owner: str = "") -> None:
        self.path = path
        self.where = where
        self.owner = owner
        self._ready = False  # the folder, file and tables were made by this object

    @classmethod
    def for_database(cls, url: str, owner: str) -> PendingQueue:
        from planner.storage.failures import where

        return cls(queue_path(url, owner), where=where(url), owner=owner)

    # ------------------------------------------------------------ the file

    def exists(self) -> bool:
        return self.path.exists()

    @contextlib.contextmanager
    def _connect(self, *, write: bool, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """`durable=False`: a write whose loss (a power cut) costs nothing but a check — the
        delete after a delivery (the server's uid table says it was delivered)."""
        if not write and not self.path.exists():
            conn = sqlite3.connect(":memory:", isolation_level=None)
            conn.executescript(_SCHEMA)
        else:
            if not self._ready:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                if not self.path.exists():
                    fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                    os.close(fd)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            if not self._ready:
                conn.execute("PRAGMA journal_mode = WAL")  # kept in the file
                conn.executescript(_SCHEMA)
                self._ready = True
            # acknowledged means on the disk
            conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        try:
            if write:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            else:
                yield conn
        finally:
            conn.close()

    # ------------------------------------------------------------ changes

    def add(
        self, kind: str, at: datetime, fields: dict[str, Any], *, uid: str | None = None
    ) -> PendingChange:
        """Keep a change until it is delivered; on the disk when this returns. Adding a uid
        that is already waiting returns that change (an ambiguous commit retried)."""
        if kind not in KINDS:
            raise ValueError(f"not a change that waits for the server: {kind!r}")
        if at.tzinfo is None:
            raise ValueError("a pending change needs an aware moment")
        uid = uid or str(uuid.uuid4())
        made = datetime.now(UTC)
        with self._connect(write=True) as conn:
            conn.execute(
                "INSERT OR IGNORE INTO change (uid, kind, at, fields, made_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (uid, kind, at.astimezone(UTC).isoformat(), json.dumps(fields), made.isoformat()),
            )
            row = conn.execute(
                "SELECT seq, uid, kind, at, fields, made_at FROM change WHERE uid = ?", (uid,)
            ).fetchone()
        return _change(row)

    def waiting(self, limit: int | None = None) -> list[PendingChange]:
        with self._connect(write=False) as conn:
            rows = conn.execute(
                "SELECT seq, uid, kind, at, fields, made_at FROM change ORDER BY seq"
                + (f" LIMIT {int(limit)}" if limit else "")
            ).fetchall()
        return [_change(r) for r in rows]

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self._connect(write=False) as conn:
            return int(conn.execute("SELECT count(*) FROM change").fetchone()[0])

    def _done(self, uid: str, conn: sqlite3.Connection | None = None) -> None:
        if conn is not None:  # the deliverer's own connection, kept open for the whole round
            conn.execute("DELETE FROM change WHERE uid = ?", (uid,))
            return
        with self._connect(write=True, durable=False) as own:
            own.execute("DELETE FROM change WHERE uid = ?", (uid,))

    def _refuse(self, change: PendingChange, reason: str) -> Refused:
        now = datetime.now(UTC)
        with self._connect(write=True) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO refused "
                "(seq, uid, kind, at, fields, made_at, reason, refused_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    change.seq,
                    change.uid,
                    change.kind,
                    change.at.isoformat(),
                    json.dumps(change.fields),
                    change.made_at.isoformat(),
                    reason,
                    now.isoformat(),
                ),
            )
            conn.execute("DELETE FROM change WHERE uid = ?", (change.uid,))
        return Refused(change, reason, now)

    def refused(self) -> list[Refused]:
        with self._connect(write=False) as conn:
            rows = conn.execute(
                "SELECT seq, uid, kind, at, fields, made_at, reason, refused_at FROM refused "
                "ORDER BY seq"
            ).fetchall()
        return [Refused(_change(r[:6]), r[6], _utc(r[7])) for r in rows]

    def retry_refused(self) -> int:
        """Put the refused changes back at the end of the queue (after the cause is fixed)."""
        with self._connect(write=True) as conn:
            rows = conn.execute(
                "SELECT uid, kind, at, fields, made_at FROM refused ORDER BY seq"
            ).fetchall()
            conn.executemany(
                "INSERT OR IGNORE INTO change (uid, kind, at, fields, made_at) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute("DELETE FROM refused")
        return len(rows)

    def forget_refused(self) -> int:
        with self._connect(write=True) as conn:
            return conn.execute("DELETE FROM refused").rowcount

    # ------------------------------------------------------------ online / offline

    def _meta(self, conn: sqlite3.Connection, key: str) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def went_offline(self, reason: str, at: datetime | None = None) -> None:
        """The server could not be reached: remember since when (the first failure) and why."""
        moment = (at or datetime.now(UTC)).astimezone(UTC)
        with self._connect(write=True) as conn:
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('offline_since', ?)",
                (moment.isoformat(),),
            )
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('reason', ?)", (reason,))

    def came_online(self) -> None:
        if not self.path.exists():
            return
        with self._connect(write=True) as conn:
            conn.execute("DELETE FROM meta WHERE key IN ('offline_since', 'reason')")

    def state(self) -> OfflineState:
        if not self.path.exists():
            return OfflineState(None, "", 0, 0)
        with self._connect(write=False) as conn:
            since = self._meta(conn, "offline_since")
            reason = self._meta(conn, "reason") or ""
            waiting, oldest = conn.execute("SELECT count(*), min(at) FROM change").fetchone()
            refused = conn.execute("SELECT count(*) FROM refused").fetchone()[0]
        return OfflineState(
            _utc(since) if since else None,
            reason,
            int(waiting),
            int(refused),
            _utc(oldest) if oldest else None,
        )

    # ------------------------------------------------------------ what today looked like

    def save_snapshot(self, name: str, data: dict[str, Any], at: datetime | None = None) -> None:
        """Keep what a command last saw (today's plan and status) for showing it offline.

        `at`: the caller's clock (SPLITDAY_NOW, the test clock), the moment `data` was computed
        for; `status` away says "as last seen at {at} (now …)", both times on one clock."""
        moment = (at or datetime.now(UTC)).astimezone(UTC)
        stamp = {"saved_at": moment.isoformat(), "data": data}
        with self._connect(write=True) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (f"snapshot:{name}", json.dumps(stamp)),
            )

    def snapshot(self, name: str) -> tuple[datetime, dict[str, Any]] | None:
        if not self.path.exists():
            return None
        with self._connect(write=False) as conn:
            text = self._meta(conn, f"snapshot:{name}")
        if text is None:
            return None
        stamp = json.loads(text)
        return _utc(stamp["saved_at"]), stamp["data"]

    # ------------------------------------------------------------ delivery

    @contextlib.contextmanager
    def delivering(self, what: str = "lock") -> Iterator[bool]:
        """Hold the deliverer's lock if no other process does (yields False if one does).

        `what="waiter"`: the lock of the one background process that waits for the server."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = self.path.with_suffix(f".{what}")
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            try:
                import fcntl
            except ImportError:  # Windows: the server's uid table keeps delivery exactly-once
                yield True
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def deliver(
        self,
        db: Database,
        apply: Callable[[Session, PendingChange], object],
        *,
        after_each: Callable[[PendingChange], None] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> DeliveryReport:
        """Deliver what waits, oldest first, each in one server transaction with its uid.

        Stops at the first outage (the rest waits, in order) and at a lost race (tried again
        next time); a change the server's rules refuse is set aside in `refused`."""
        report = DeliveryReport()
        with self.delivering() as mine:
            if not mine:
                report.busy = True
                report.left = self.count()
                return report
            if not self.path.exists():
                return report
            keep = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            keep.execute("PRAGMA synchronous = NORMAL")  # a lost delete is only re-checked
            try:
                self._deliver_all(db, apply, report, keep, after_each, now)
            finally:
                keep.close()
            report.left = self.count()
            if not report.error:
                self.came_online()
        return report

    def _deliver_all(
        self,
        db: Database,
        apply: Callable[[Session, PendingChange], object],
        report: DeliveryReport,
        keep: sqlite3.Connection,
        after_each: Callable[[PendingChange], None] | None,
        now: Callable[[], datetime] | None,
    ) -> None:
        from planner.domain.errors import ConcurrentChange, PlannerError
        from planner.storage.failures import DatabaseUnavailable
        from planner.storage.models import DeliveredChange

        for change in self.waiting():
            try:
                with db.transaction() as session:
                    from planner.storage import conflicts

                    conflicts.hold(session, db.owner)  # one writer of this owner's rows
                    if session.get(DeliveredChange, change.uid) is not None:
                        found = True
                    else:
                        found = False
                        apply(session, change)
                        session.add(
                            DeliveredChange(
                                uid=change.uid,
                                owner=db.owner,
                                kind=change.kind,
                                made_at=change.at,
                                delivered_at=datetime.now(UTC),
                            )
                        )
            except DatabaseUnavailable as exc:
                self.went_offline(str(exc), now() if now else None)
                report.error = str(exc)
                break
            except ConcurrentChange as exc:
                report.error = str(exc)
                break
            except (PlannerError, ValueError) as exc:  # the server's rules say no
                report.refused.append(self._refuse(change, str(exc)))
                continue
            except Exception as exc:  # a bug: kept aside and said, never a stuck queue
                reason = f"unexpected error: {type(exc).__name__}: {exc}"
                report.refused.append(self._refuse(change, reason))
                continue
            self._done(change.uid, keep)
            if found:
                report.already += 1
            else:
                report.delivered += 1
            if after_each is not None:
                after_each(change)


def _change(row: Any) -> PendingChange:
    seq, uid, kind, at, fields, made_at = row
    return PendingChange(int(seq), str(uid), str(kind), _utc(at), json.loads(fields), _utc(made_at))
