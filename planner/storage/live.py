"""Several devices of one person, live: LISTEN on the server's `splitday_changed` channel (the
trigger of migration 0005 notifies md5(owner) at each commit that changes what a device
shows), so a device re-reads within moments of another device's change instead of at its
next minute. PostgreSQL only; the listener reconnects by itself after an outage."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from sqlalchemy.engine import make_url

CHANNEL = "splitday_changed"


def digest(owner: str) -> str:
    return hashlib.md5(owner.encode(), usedforsecurity=False).hexdigest()


def conninfo(url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL."""
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    parts: dict[str, str | int | None] = {
        "host": parsed.host,
        "port": parsed.port,
        "dbname": parsed.database,
        "user": parsed.username,
        "password": parsed.password,
        "connect_timeout": 5,
    }
    parts.update({k: v for k, v in parsed.query.items() if isinstance(v, str)})
    return make_conninfo("", **{k: v for k, v in parts.items() if v is not None})


class Listener(threading.Thread):
    """Calls `on_change()` (in this thread) when another connection commits a change of
    `owner`'s rows; `stop()` ends it within a second."""

    def __init__(self, url: str, owner: str, on_change: Callable[[], None]) -> None:
        super().__init__(name="splitday-listen", daemon=True)
        self._info = conninfo(url)
        self._mine = digest(owner)
        self._on_change = on_change
        self._stop = threading.Event()
        self.listening = threading.Event()  # set while LISTEN is in force

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        import psycopg

        pause = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._info, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    pause = 0.5
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            if note.payload == self._mine:
                                self._on_change()
            except psycopg.Error:
                self.listening.clear()
                self._stop.wait(pause)  # the server is away: try again, slower and slower
                pause = min(pause * 2, 15.0)
        self.listening.clear()


def start(url: str, owner: str, on_change: Callable[[], None]) -> Listener | None:
    """A running listener for a PostgreSQL URL (None for anything else)."""
    if make_url(url).get_backend_name() != "postgresql":
        return None
    listener = Listener(url, owner, on_change)
    listener.start()
    return listener


__all__ = ["CHANNEL", "Listener", "digest", "start"]
