"""The command line's words and exit codes when things go wrong: nothing is said to be done
before it is committed; a running app that does not answer is an error (1), not a usage
mistake (2)."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from planner.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@contextlib.contextmanager
def failing_commits() -> Iterator[None]:
    """Every COMMIT fails as on a full disk (SQLite writes its WAL frames at the commit)."""

    def refuse(_conn: object) -> None:
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))

    event.listen(Engine, "commit", refuse)
    try:
        yield
    finally:
        event.remove(Engine, "commit", refuse)


@pytest.mark.parametrize(
    "args",
    [
        ["task", "add", "Write the FAQ", "--role", "Support"],
        ["roles", "add", "Admissions"],
        ["slot", "add", "2026-11-24", "10:00-11:00", "Support"],
    ],
)
def test_nothing_is_said_to_be_added_before_the_commit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert run(capsys, "--db", url, "status")[0] == 0  # the database exists, with its roles
    with failing_commits():
        code, out, err = run(capsys, "--db", url, *args)
    assert code == 1
    assert "added" not in out and out == "", out
    assert f"the disk holding {tmp_path / 'cli.sqlite3'} is full; nothing was saved" in err


class Silent:
    """Listens where the running app would and reads the request, but never replies."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(4)
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.recv(65536)
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_a_running_app_that_does_not_answer_is_an_error_not_a_usage_mistake(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hung.sock"
    monkeypatch.setenv("SPLITDAY_SOCKET", str(path))
    server = Silent(path)
    started = time.monotonic()
    try:
        code, _, err = run(capsys, "interrupt", "printer down")
    finally:
        server.close()
    assert code == 1, err  # 2 is for usage mistakes
    assert "did not answer in time" in err and "splitday status" in err
    assert time.monotonic() - started < 10


class Dying:
    """Listens where the running app would, and goes away (as when it is killed) once a
    request has arrived, before reading it: the kernel resets the client's connection."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(4)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        conn.recv(1, socket.MSG_PEEK)  # the request is there, unread
        conn.close()  # unread data: the client's next read fails with ECONNRESET
        self.sock.close()

    def close(self) -> None:
        self.sock.close()


def test_a_running_app_that_dies_before_it_answers_is_named_not_an_unexpected_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the crash soak (bench/crash_soak.py) killing the app with a forwarded press in flight:
    # "splitday: unexpected error: ConnectionResetError: [Errno 104] Connection reset by peer"
    path = tmp_path / "dying.sock"
    monkeypatch.setenv("SPLITDAY_SOCKET", str(path))
    server = Dying(path)
    try:
        code, out, err = run(capsys, "interrupt", "printer down")
    finally:
        server.close()
    assert code == 1, err
    assert "unexpected error" not in err and "ConnectionResetError" not in err, err
    assert "went away before it answered" in err, err
    assert "may or may not have been carried out" in err and "splitday status" in err, err
    assert out == ""
