"""Database failures in words: an outage, a refused login, a read-only or full disk — told
apart from a damaged file, which alone earns the advice to restore a backup."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from planner.domain.i18n import tr

PG_CONNECT_TIMEOUT_S = 10  # a server that accepts but never answers: an outage, said so


class StorageError(Exception):
    """A database problem worth one clear line to the user."""


class DatabaseCorrupt(StorageError):
    """The file is damaged: restoring a backup (or starting fresh) is the way out."""


class DatabaseTooNew(StorageError):
    pass


class DatabaseUnavailable(StorageError):
    """The database is fine but cannot be used now: the server is down or unreachable, the
    login is refused, the file or its folder is read-only, the disk is full. Nothing to
    restore; once the cause is gone the same database works again."""


class ServerUnreachable(DatabaseUnavailable):
    """The server is down, unreachable, starting or shutting down: an outage. Writes that
    must not be lost wait on the device (planner/storage/pending.py) until it is back."""


class LoginRefused(DatabaseUnavailable):
    """The server answered and refused the login (wrong user name or password)."""


class NotSplitdays(StorageError):
    """The database belongs to another program."""


# What the drivers say (libpq via psycopg, SQLite), lower-cased, and what it means.
_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "connection to server",
    "failed to resolve host",
    "could not translate host name",
    "name or service not known",
    "temporary failure in name resolution",
    "nodename nor servname",
    "no route to host",
    "network is unreachable",
    "timeout expired",
    "timed out",
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "the connection is lost",
    "consuming input failed",
    "ssl syscall error",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
)
_LOGIN = (
    "password authentication failed",
    "no password supplied",
    "authentication failed",
    "pg_hba.conf",
)
_SHUTDOWN = ("57P01", "57P02", "57P03")  # admin / crash shutdown, cannot connect now
_SERVER_FULL = ("no space left on device", "could not extend file", "disk full")
_SERVER_READ_ONLY = ("read-only transaction", "read only transaction")


def where(url: str | URL) -> str:
    """The database as a person names it: the file, or host:port/name (no password)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or tr("the in-memory database")
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.host or 'localhost'}{port}/{parsed.database or ''}"


def explain(exc: BaseException, url: str | URL) -> StorageError | None:
    """The user's words for a database failure that is not damage (None: not one of those).

    `exc` is a SQLAlchemy error (its driver error in .orig) or a driver error itself."""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())
    low = text.lower()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _explain_sqlite(low, text, parsed)
    server = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    first = text.split(" [SQL:", 1)[0]
    code = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    unknown_role = 'role "' in low and "does not exist" in low
    if (code.startswith("28") and not unknown_role) or any(key in low for key in _LOGIN):
        return LoginRefused(
            tr(
                "the database server at {server} refused the login of {user!r} (wrong user "
                "name or password?) — check the database URL (--db, SPLITDAY_DB_URL)"
            ).format(server=server, user=parsed.username or tr("you"))
        )
    if 'database "' in low and "does not exist" in low:
        return DatabaseUnavailable(
            tr(
                "the database server at {server} has no database {database!r} — create it, or "
                "check the database URL"
            ).format(server=server, database=parsed.database)
        )
    if unknown_role:
        return LoginRefused(
            tr(
                "the database server at {server} knows no user {username!r} — check the "
                "database URL"
            ).format(server=server, username=parsed.username)
        )
    if code.startswith("08") or code in _SHUTDOWN or any(key in low for key in _UNREACHABLE):
        reason = _reason(low)
        return ServerUnreachable(
            tr(
                "the database server at {server} cannot be reached ({reason}); nothing was "
                "changed — check that it is running and that the network is up, then try again"
            ).format(server=server, reason=reason)
        )
    if code == "42501" and "row-level security" in low:  # a team server: not one's own rows
        from planner.platform.paths import current_owner

        return DatabaseUnavailable(
            tr(
                "the server at {server} lets the login {login!r} write only its own rows, and "
                "Splitday writes as {owner!r}: set SPLITDAY_OWNER={login} (on a team server a "
                "member's Splitday owner is their database login)"
            ).format(server=server, login=parsed.username or "", owner=current_owner())
        )
    if any(key in low for key in _SERVER_FULL):
        return DatabaseUnavailable(
            tr("the database server at {server} is out of disk space; nothing was saved").format(
                server=server
            )
        )
    if any(key in low for key in _SERVER_READ_ONLY):
        return DatabaseUnavailable(
            tr(
                "the database server at {server} accepts no changes now (read-only); nothing "
                "was saved ({first})"
            ).format(server=server, first=first)
        )
    return None


def _reason(low: str) -> str:
    if "refused" in low:
        return tr("connection refused")
    if "resolve" in low or "translate host" in low or "not known" in low or "servname" in low:
        return tr("the host name is not known")
    if "timeout" in low or "timed out" in low:
        return tr("no answer in time")
    if "starting up" in low or "shutting down" in low or "recovery mode" in low:
        return tr("it is starting or shutting down")
    if "unreachable" in low or "no route" in low:
        return tr("the network is unreachable")
    return tr("the connection was lost")


def _explain_sqlite(low: str, text: str, parsed: URL) -> StorageError | None:
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        path = None
    else:
        path = Path(database)
    shown = str(path) if path is not None else tr("the database")
    folder_read_only = path is not None and path.parent.is_dir() and not _writable(path.parent)
    file_read_only = path is not None and path.exists() and not _writable(path)
    if (
        "readonly" in low
        or "read-only" in low
        or ("unable to open database file" in low and (folder_read_only or file_read_only))
    ):
        if folder_read_only:
            return DatabaseUnavailable(
                tr(
                    "the database is read-only ({text}): the folder of the database file {shown} "
                    "is read-only, and SQLite writes its journal beside the file — make the folder "
                    "writable, or copy the file somewhere writable and use --db"
                ).format(text=text, shown=shown)
            )
        return DatabaseUnavailable(
            tr(
                "the database is read-only ({text}): the database file {shown} is read-only — "
                "make it writable (chmod u+w), or use a copy with --db"
            ).format(text=text, shown=shown)
        )
    if "disk is full" in low or "no space left" in low:
        return DatabaseUnavailable(
            tr(
                "the disk is full ({text}): the disk holding {shown} is full; nothing was "
                "saved — free some space and try again"
            ).format(text=text, shown=shown)
        )
    if "unable to open database file" in low:
        if path is not None and not path.parent.is_dir():
            return DatabaseUnavailable(
                tr("the folder of the database file {shown} is gone").format(shown=shown)
            )
        return DatabaseUnavailable(
            tr("the database file {shown} cannot be opened ({text})").format(shown=shown, text=text)
        )
    if "database is locked" in low or "database table is locked" in low:
        return DatabaseUnavailable(
            tr(
                "the database is busy (another program holds it): {shown} has been locked for "
                "more than 10 s; nothing was saved — try again"
            ).format(shown=shown)
        )
    return None


def _writable(path: Path) -> bool:
    try:
        return os.access(path, os.W_OK)
    except OSError:
        return False


def is_corruption(exc: BaseException) -> bool:
    """Whether the driver says the file itself is damaged (or is no database at all)."""
    low = str(getattr(exc, "orig", None) or exc).lower()
    return any(
        key in low
        for key in (
            "file is not a database",
            "malformed",
            "file is encrypted",
            "not a database",
            "database corrupt",
        )
    )
