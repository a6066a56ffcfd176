"""A command forwarded to the running app (`splitday interrupt …`, often a desktop shortcut)
that the database refuses: the reply says why in words, the exit code is 1, and the app is told
too (a shortcut has no terminal to show the reply in)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker
from ui_helpers import BERLIN

from planner.platform import ipc
from planner.services import planning, tracking
from planner.storage.db import Database, make_engine, open_database
from ui.shell.single_instance import SingleInstance

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    if os.geteuid() == 0:  # root ignores permission bits: make the file immutable
        if shutil.which("chattr") is None:
            pytest.skip("root ignores permissions and chattr is not installed")
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
            pytest.skip("this file system cannot make files immutable")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    path.chmod(0o444)
    try:
        yield
    finally:
        path.chmod(0o644)


@contextlib.contextmanager
def broken(kind: str, tmp_path: Path) -> Iterator[tuple[Database, str]]:
    """A database that refuses writes the way `kind` does, and the words that say so."""
    if kind == "unreachable":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        engine = make_engine(f"postgresql+psycopg://ann@127.0.0.1:{port}/splitday")
        yield (
            Database(engine, sessionmaker(engine), "tester"),
            f"127.0.0.1:{port} cannot be reached",
        )
        engine.dispose()
        return
    path = tmp_path / "app.sqlite3"
    url = f"sqlite:///{path}"
    db = open_database(url, owner="tester")
    with db.transaction() as s:
        planning.ensure_defaults(s, "tester")
    if kind == "full":

        @event.listens_for(db.engine, "connect")
        def full(dbapi_connection: Any, _record: Any) -> None:  # SQLite's own SQLITE_FULL
            cursor = dbapi_connection.cursor()
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages}")
            cursor.close()

        db.engine.dispose()
        yield db, "the disk is full (database or disk is full)"
        db.close()
        return
    db.close()
    with read_only(path):
        db = open_database(url, owner="tester")  # reading works; writing does not
        yield (
            db,
            "the database is read-only (attempt to write a readonly database): "
            f"the database file {path} is read-only",
        )
        db.close()


@pytest.mark.parametrize("kind", ["read-only", "full", "unreachable"])
def test_a_refused_forwarded_interrupt_is_told_in_words(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    from planner.cli import main as cli

    with broken(kind, tmp_path) as (db, words):

        def interrupt(args: dict[str, Any]) -> ipc.Reply:
            with db.transaction() as s:
                for n in range(8):  # a few pages' worth: enough to need one more page
                    at = NOW - timedelta(minutes=3 * n)
                    tracking.interrupt(
                        s, "tester", BERLIN, at, note=f"{n} {args['note']}", minutes=1
                    )
            return ipc.Reply(True, "logged")

        name = str(tmp_path / "app.sock")
        monkeypatch.setenv("SPLITDAY_SOCKET", name)
        server = SingleInstance(name, {"interrupt": interrupt})
        told: list[str] = []
        server.request_failed.connect(told.append)
        assert server.acquire()
        server.listen()
        codes: list[int | None] = []
        note = "printer down " + "x" * 1900
        thread = threading.Thread(target=lambda: codes.append(cli._forward("interrupt", note=note)))
        try:
            thread.start()
            qtbot.waitUntil(lambda: bool(codes), timeout=15000)
            thread.join(1)
        finally:
            server.release()
    _, err = capsys.readouterr()
    assert codes == [1]
    assert words in err, err
    assert "unexpected error" not in err and "OperationalError" not in err
    assert told == [err.strip().removeprefix("splitday: ")]
