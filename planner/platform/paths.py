"""Where Splitday keeps its files and which database it opens.

Standard library only: the start-up path and `splitday report` read these before (or without)
importing SQLAlchemy.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, Any


def data_dir() -> Path:
    override = os.environ.get("SPLITDAY_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform.startswith("linux"):
        # platformdirs' rule for the usual cases (a test keeps the two equal), without
        # importing it: the start-up path reads the window settings from here before its first
        # paint, and the import costs ~5 ms of it. Anything unusual goes to platformdirs.
        xdg, home = os.environ.get("XDG_DATA_HOME", ""), os.environ.get("HOME", "")
        if os.path.isabs(xdg):
            return Path(xdg) / "splitday"
        if os.path.isabs(home):
            return Path(home) / ".local" / "share" / "splitday"
    import platformdirs

    return Path(platformdirs.user_data_dir("splitday", appauthor=False))


def config_dir() -> Path:
    """Splitday's per-user configuration folder ($XDG_CONFIG_HOME/splitday on Linux)."""
    if sys.platform.startswith("linux"):
        xdg, home = os.environ.get("XDG_CONFIG_HOME", ""), os.environ.get("HOME", "")
        if os.path.isabs(xdg):
            return Path(xdg) / "splitday"
        if os.path.isabs(home):
            return Path(home) / ".config" / "splitday"
    import platformdirs

    return Path(platformdirs.user_config_dir("splitday", appauthor=False))


def default_url() -> str:
    return f"sqlite:///{data_dir() / 'splitday.sqlite3'}"


def resolve_url(url: str | None = None) -> str:
    """--db wins, then $SPLITDAY_DB_URL, then the per-user SQLite file."""
    return url or os.environ.get("SPLITDAY_DB_URL") or default_url()


def plain_sqlite_file(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL (no driver name, no query string); None for any
    other URL, which then takes the full path through SQLAlchemy."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return None
    path = url[len(prefix) :]
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Path(path)


def open_private(path: str | Path, mode: str = "wb", **kwargs: Any) -> IO[Any]:
    """Open `path` for writing as a file only its owner can read (0600), whatever the umask;
    an existing file is emptied and made private too. For exports: they hold the log (notes on
    who interrupted whom and when), as personal as the database itself, which is 0600 too."""
    if mode not in ("w", "wb"):
        raise ValueError(f"open_private writes, it does not {mode!r}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def current_owner() -> str:
    """Whose rows these are: $SPLITDAY_OWNER or the login name (stdlib only: the hot path)."""
    owner = os.environ.get("SPLITDAY_OWNER")
    if owner:
        return owner
    # what getpass.getuser() does, without importing it (and termios) on the start-up path
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if login := os.environ.get(name):
            return login
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "user"
