"""Two Splitday instances in one process: the second forwards, the first receives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from planner.platform import ipc
from ui.shell.single_instance import SingleInstance


def _recorder(calls: list[tuple[str, dict[str, Any]]], command: str) -> Any:
    def handler(args: dict[str, Any]) -> ipc.Reply:
        calls.append((command, args))
        return ipc.Reply(True, f"did {command}", {"n": len(calls)})

    return handler


def _first(name: str, calls: list[tuple[str, dict[str, Any]]]) -> SingleInstance:
    first = SingleInstance(
        name, {c: _recorder(calls, c) for c in ("show", "toggle", "interrupt", "resume", "plan")}
    )
    assert first.acquire()
    first.listen()
    return first


def test_second_instance_forwards_and_first_receives(qtbot: QtBot, tmp_path: Path) -> None:
    name = str(tmp_path / "run" / "splitday-tester.sock")
    calls: list[tuple[str, dict[str, Any]]] = []
    first = _first(name, calls)
    second = SingleInstance(name, {})
    try:
        assert not second.acquire()  # the lock is the authority
        assert second.holder_pid() == os.getpid()
        reply = second.forward("show")
        assert reply == ipc.Reply(True, "did show", {"n": 1})
        reply = second.forward("interrupt", note="x", at="2026-11-24T08:00:00+00:00")
        assert reply is not None and reply.ok
        assert calls == [
            ("show", {}),
            ("interrupt", {"note": "x", "at": "2026-11-24T08:00:00+00:00"}),
        ]
        assert second.forward("ping") is not None  # answered by the server itself
        reply = second.forward("quit")  # no handler for it here
        assert reply is not None and not reply.ok and "cannot" in reply.message
    finally:
        first.release()
    # once released, the next one takes over at once
    assert second.acquire()
    second.release()


def test_stdlib_client_reaches_the_qt_server_without_blocking_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """What `splitday interrupt` does: a plain socket client, while the GUI thread keeps going."""
    name = str(tmp_path / "splitday.sock")
    calls: list[tuple[str, dict[str, Any]]] = []
    first = _first(name, calls)
    replies: list[ipc.Reply | None] = []
    # a client that sends its request in two pieces: the server must wait for the newline
    payload = ipc.encode_request("resume")

    def client() -> None:
        replies.append(ipc.send(name, payload))

    thread = threading.Thread(target=client)
    thread.start()
    qtbot.waitUntil(lambda: bool(replies), timeout=5000)
    thread.join(1)
    first.release()
    assert replies == [ipc.Reply(True, "did resume", {"n": 1})]
    assert calls == [("resume", {})]


def test_garbage_and_split_messages(qtbot: QtBot, tmp_path: Path) -> None:
    import socket

    name = str(tmp_path / "splitday.sock")
    calls: list[tuple[str, dict[str, Any]]] = []
    first = _first(name, calls)
    answers: list[bytes] = []

    def client(parts: list[bytes]) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(name)
            for part in parts:
                sock.sendall(part)
                threading.Event().wait(0.05)
            answers.append(sock.recv(4096))

    good = ipc.encode_request("toggle")
    for parts in ([b"hello there\n"], [good[:5], good[5:]]):
        thread = threading.Thread(target=client, args=(parts,))
        thread.start()
        n = len(answers)
        qtbot.waitUntil(lambda n=n: len(answers) > n, timeout=5000)
        thread.join(1)
    first.release()
    assert not ipc.decode_reply(answers[0]).ok
    assert ipc.decode_reply(answers[1]).message == "did toggle"
    assert calls == [("toggle", {})]


def test_no_instance_running_means_no_reply(qtbot: QtBot, tmp_path: Path) -> None:
    alone = SingleInstance(str(tmp_path / "nobody.sock"), {})
    assert alone.forward("show", timeout_ms=300) is None


def test_stale_lock_and_socket_after_kill_9_are_taken_over(qtbot: QtBot, tmp_path: Path) -> None:
    name = str(tmp_path / "splitday.sock")
    code = (
        "import os, signal, sys\n"
        "from PySide6.QtCore import QCoreApplication, QLockFile\n"
        "from PySide6.QtNetwork import QLocalServer\n"
        "app = QCoreApplication([])\n"
        f"lock = QLockFile({name + '.lock'!r}); assert lock.tryLock(0)\n"
        f"server = QLocalServer(); assert server.listen({name!r})\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    blocked = SingleInstance(name, {})
    assert not blocked.acquire()  # alive: the lock holds
    assert blocked.holder_pid() == child.pid
    os.kill(child.pid, signal.SIGKILL)
    child.wait(5)
    child.stdin.close()  # type: ignore[union-attr]
    child.stdout.close()
    assert Path(name).exists() and Path(name + ".lock").exists()  # left behind

    calls: list[tuple[str, dict[str, Any]]] = []
    first = _first(name, calls)  # acquire() takes the stale lock, listen() the stale socket
    try:
        assert SingleInstance(name, {}).forward("show") == ipc.Reply(True, "did show", {"n": 1})
    finally:
        first.release()


def test_a_refused_request_is_a_reply_not_a_crash(qtbot: QtBot, tmp_path: Path) -> None:
    from planner.domain.errors import PlannerError

    name = str(tmp_path / "splitday.sock")
    failures: list[str] = []

    def refuse(_args: dict[str, Any]) -> ipc.Reply:
        raise PlannerError("no interruption is running")

    def crash(_args: dict[str, Any]) -> ipc.Reply:
        raise KeyError("bug")

    first = SingleInstance(name, {"resume": refuse, "toggle": crash})
    first.request_failed.connect(failures.append)
    assert first.acquire()
    first.listen()
    try:
        client = SingleInstance(name, {})
        assert client.forward("resume") == ipc.Reply(False, "splitday: no interruption is running")
        reply = client.forward("toggle")
        assert reply is not None and not reply.ok and "KeyError" in reply.message
        assert failures == ["KeyError: 'bug'"]
        assert first.is_listening()
    finally:
        first.release()


def test_activation_token_is_handed_to_qt(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second process's XDG activation token reaches the environment Qt's Wayland backend
    reads when the window is activated, and is not passed on to the handler."""
    monkeypatch.delenv("XDG_ACTIVATION_TOKEN", raising=False)
    name = str(tmp_path / "splitday.sock")
    calls: list[tuple[str, dict[str, Any]]] = []
    first = _first(name, calls)
    try:
        reply = SingleInstance(name, {}).forward("show", activation_token="kwin-1234")
        assert reply is not None and reply.ok
        assert calls == [("show", {})]
        assert os.environ["XDG_ACTIVATION_TOKEN"] == "kwin-1234"
    finally:
        first.release()


def test_cli_forwards_the_activation_token(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planner.cli import main as cli

    name = str(tmp_path / "splitday.sock")
    monkeypatch.setenv("SPLITDAY_SOCKET", name)
    monkeypatch.setenv("XDG_ACTIVATION_TOKEN", "gnome-42")
    calls: list[tuple[str, dict[str, Any]]] = []
    first = _first(name, calls)
    sent: list[dict[str, Any]] = []
    encode = ipc.encode_request

    def spy(command: str, **fields: Any) -> bytes:
        sent.append(fields)
        return encode(command, **fields)

    monkeypatch.setattr(ipc, "encode_request", spy)
    codes: list[int | None] = []
    thread = threading.Thread(target=lambda: codes.append(cli._forward("toggle")))
    thread.start()
    qtbot.waitUntil(lambda: bool(codes), timeout=5000)
    thread.join(1)
    first.release()
    assert codes == [0]
    assert sent == [{"activation_token": "gnome-42"}]
    assert calls == [("toggle", {})]  # the server keeps the token for Qt


# ---------------------------------------------------------------- a second local user

NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"  # the venv's Python may sit in a home nobody can enter
needs_second_user = pytest.mark.skipif(
    os.geteuid() != 0 or not os.access(SYSTEM_PYTHON, os.X_OK),
    reason="needs root (and the system Python) to act as a second local user (nobody)",
)


@pytest.fixture
def shared(tmp_path: Path) -> Any:
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="splitday-shared.", dir="/tmp"))
    folder.chmod(0o1777)  # like /tmp: every local user can reach it
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@needs_second_user
def test_the_server_runs_no_command_of_another_user(qtbot: QtBot, shared: Path) -> None:
    name = str(shared / "splitday.sock")
    calls: list[tuple[str, dict[str, Any]]] = []
    first = _first(name, calls)
    os.chmod(name, 0o777)  # even if the socket file let everyone in
    intruder = (
        "import socket, sys\n"
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(5)\n"
        "try:\n"
        "    s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode()); got = s.recv(4096)\n"
        "except OSError as exc:\n"
        "    got = type(exc).__name__.encode()\n"
        "print(got.decode(errors='replace') or 'closed', flush=True)\n"
    )
    payload = ipc.encode_request("interrupt", note="planted by nobody").decode()
    proc = subprocess.Popen(
        [SYSTEM_PYTHON, "-c", intruder, name, payload],
        user=NOBODY,
        group=NOBODY,
        cwd="/",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=8000)
        out, err = proc.communicate()
        # the connection was cut (closed or reset), never answered
        assert out.strip() in ("closed", "BrokenPipeError", "ConnectionResetError"), (out, err)
        assert calls == []
        reply = SingleInstance(name, {}).forward("interrupt", note="mine")  # ours still works
        assert reply is not None and reply.ok and calls == [("interrupt", {"note": "mine"})]
    finally:
        first.release()


@needs_second_user
@pytest.mark.parametrize("owned_by", ["nobody", "me"])
def test_a_planted_lock_with_another_users_live_pid_does_not_stop_the_app(
    qtbot: QtBot, tmp_path: Path, owned_by: str
) -> None:
    """The lock names a live process of another user, with the right program name: Qt alone
    would take it for a running Splitday and refuse to start."""
    from PySide6.QtCore import QLockFile

    name = str(tmp_path / "run" / "splitday.sock")
    (tmp_path / "run").mkdir(mode=0o700)
    probe = QLockFile(str(tmp_path / "probe.lock"))
    assert probe.tryLock(0)
    lines = (tmp_path / "probe.lock").read_text().split("\n")
    probe.unlock()
    sleeper = subprocess.Popen(["sleep", "60"], user=NOBODY, group=NOBODY)
    try:
        lock = Path(name + ".lock")
        lock.write_text("\n".join([str(sleeper.pid), "sleep", *lines[2:5]]) + "\n")
        if owned_by == "nobody":
            os.chown(lock, NOBODY, NOBODY)
        old_rule = QLockFile(str(lock))
        old_rule.setStaleLockTime(0)
        assert not old_rule.tryLock(0)  # what stopped the app before
        calls: list[tuple[str, dict[str, Any]]] = []
        first = _first(name, calls)  # acquire() succeeds, listen() works
        try:
            assert first.holder_pid() == os.getpid()
            assert SingleInstance(name, {}).forward("show") == ipc.Reply(True, "did show", {"n": 1})
        finally:
            first.release()
    finally:
        sleeper.kill()
        sleeper.wait(5)
