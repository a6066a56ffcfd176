"""What a person is told when the database cannot be used: an outage, a refused login, a
read-only file or folder, a full disk — never the advice meant for a damaged file."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from planner.services import planning
from planner.storage.db import (
    DatabaseCorrupt,
    DatabaseUnavailable,
    StorageError,
    open_database,
)

DAMAGE_ADVICE = ("restore", "move the file aside", "backup")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _no_damage_advice(message: str) -> None:
    assert not any(words in message for words in DAMAGE_ADVICE), message


# ---------------------------------------------------------------- a server that is not there


def test_a_refused_connection_is_an_outage_not_damage() -> None:
    port = _free_port()
    with pytest.raises(DatabaseUnavailable) as caught:
        open_database(f"postgresql+psycopg://ann:pw@127.0.0.1:{port}/splitday")
    message = str(caught.value)
    assert f"the database server at 127.0.0.1:{port} cannot be reached" in message
    assert "connection refused" in message
    _no_damage_advice(message)
    assert not isinstance(caught.value, DatabaseCorrupt)


def test_an_unknown_host_is_an_outage_not_damage() -> None:
    with pytest.raises(DatabaseUnavailable, match="host name is not known") as caught:
        open_database("postgresql+psycopg://ann:pw@no-such-host.invalid/splitday")
    assert "no-such-host.invalid:5432 cannot be reached" in str(caught.value)
    _no_damage_advice(str(caught.value))


def test_a_server_that_never_answers_times_out_as_an_outage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No connect_timeout in the URL: libpq would wait forever; Splitday gives it 10 s (1 here)."""
    from planner.storage import db as storage

    monkeypatch.setattr(storage, "PG_CONNECT_TIMEOUT_S", 1)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts the TCP connection, never says a word
    port = silent.getsockname()[1]
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseUnavailable, match="no answer in time") as caught:
            open_database(f"postgresql+psycopg://ann@127.0.0.1:{port}/x")
    finally:
        silent.close()
    assert time.monotonic() - started < 5
    _no_damage_advice(str(caught.value))


@pytest.fixture(scope="module")
def password_server() -> Iterator[int]:
    """A private PostgreSQL that checks passwords (the suite's own server trusts everyone)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL is not installed (Debian package 'postgresql')")
    bin_dir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="splitday-pgpw."))
    run: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        shutil.chown(folder, "postgres")
        run = ["runuser", "-u", "postgres", "--"]
    (folder / "pw").write_text("s3cret\n")
    os.chmod(folder / "pw", 0o644)
    port = _free_port()
    data = folder / "data"
    subprocess.run(
        [*run, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile",
         str(folder / "pw"), "--auth=scram-sha-256", "--no-sync"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [*run, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
         f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off", "start"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    try:
        yield port
    finally:
        subprocess.run(
            [*run, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def test_a_wrong_password_is_said_as_such(password_server: int) -> None:
    port = password_server
    with pytest.raises(DatabaseUnavailable) as caught:
        open_database(f"postgresql+psycopg://postgres:wrong@127.0.0.1:{port}/postgres")
    message = str(caught.value)
    assert "refused the login of 'postgres' (wrong user name or password?)" in message
    assert "wrong" in message and f"127.0.0.1:{port}" in message
    _no_damage_advice(message)
    with pytest.raises(DatabaseUnavailable, match="has no database 'nope'"):
        open_database(f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{port}/nope")
    open_database(f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{port}/postgres").close()


# ---------------------------------------------------------------- a file that cannot be written


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Really read-only, for root too: chattr +i as root (permissions do not bind root), else
    the permission bits."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("root ignores permissions and chattr is not installed")
        done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"this file system cannot make files immutable: {done.stderr!r}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
        return
    modes = {p: p.stat().st_mode for p in paths}
    for p in paths:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        yield
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


def _fresh(tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "splitday.sqlite3"
    url = f"sqlite:///{path}"
    db = open_database(url, owner="me")
    with db.transaction() as s:
        planning.ensure_defaults(s, "me")
    db.close()
    for extra in folder.glob("*-[ws][ah][lm]"):
        extra.unlink()
    return path, url


@pytest.mark.parametrize("what", ["file", "folder", "both"])
def test_a_read_only_database_is_said_as_such(tmp_path: Path, what: str) -> None:
    path, url = _fresh(tmp_path)
    targets = {"file": [path], "folder": [path.parent], "both": [path, path.parent]}[what]
    with read_only(*targets), pytest.raises(DatabaseUnavailable) as caught:
        db = open_database(url, owner="me")
        try:
            with db.transaction() as s:
                planning.add_role(s, "me", "Never saved")
        finally:
            db.close()
    message = str(caught.value)
    expected = "the database file" if what == "file" else "the folder of the database file"
    assert message.startswith("the database is read-only"), message
    assert f"{expected} {path} is read-only" in message, message
    _no_damage_advice(message)


def test_a_full_disk_is_said_as_such(tmp_path: Path) -> None:
    path, url = _fresh(tmp_path)
    db = open_database(url, owner="me")

    @event.listens_for(db.engine, "connect")
    def tiny(dbapi_connection: object, _record: object) -> None:
        # SQLite's own "database or disk is full" (SQLITE_FULL), as a full disk gives it
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    db.engine.dispose()
    try:
        with pytest.raises(DatabaseUnavailable) as caught, db.transaction() as s:
            planning.add_task(
                s, "me", "x" * 400, planning.list_roles(s, "me")[0].id, now=_now(), day=None
            )
            for i in range(200):
                planning.add_task(s, "me", f"{i} " + "y" * 400, 1, now=_now())
    finally:
        db.close()
    assert str(caught.value).startswith("the disk is full (database or disk is full)")
    assert f"the disk holding {path} is full; nothing was saved" in str(caught.value)


def _now() -> object:
    from datetime import UTC, datetime

    return datetime(2026, 11, 24, 9, tzinfo=UTC)


def test_a_damaged_file_still_gets_the_damage_advice(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"not a database at all " * 200)
    with pytest.raises(DatabaseCorrupt, match="restore a backup"):
        open_database(f"sqlite:///{path}")
    assert issubclass(DatabaseUnavailable, StorageError)
