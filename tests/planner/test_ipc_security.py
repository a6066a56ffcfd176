"""The single-instance socket against a second local user: it lives in a folder only its user
can write into, and `splitday interrupt` sends nothing to a socket (or a listener) that is
another user's. The tests that need a real second user run as root, as `nobody`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.cli.main import main
from planner.platform import ipc
from planner.services import tracking
from planner.storage.db import open_database

NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"  # the venv's Python may sit in a home nobody can enter


def _can_play_another_user() -> str | None:
    if os.geteuid() != 0:
        return "needs root to act as a second local user (nobody)"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"needs {SYSTEM_PYTHON} for the second user's program"
    return None


needs_second_user = pytest.mark.skipif(
    _can_play_another_user() is not None, reason=str(_can_play_another_user())
)


@pytest.fixture
def shared_tmp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A world-writable sticky folder, like /tmp, that every local user can reach."""
    folder = Path(tempfile.mkdtemp(prefix="splitday-shared.", dir="/tmp"))
    folder.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.delenv("SPLITDAY_SOCKET", raising=False)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- where the socket lives


def test_without_xdg_runtime_dir_the_socket_is_in_a_private_folder(shared_tmp: Path) -> None:
    name = Path(ipc.server_name("ann"))
    assert name.parent == shared_tmp / f"splitday-{os.geteuid()}"
    st = name.parent.lstat()
    assert st.st_uid == os.geteuid() and (st.st_mode & 0o777) == 0o700
    assert name.name == "splitday-ann.sock"


@pytest.mark.parametrize("planted", ["world-writable", "symlink"])
def test_a_folder_planted_in_the_shared_tmp_is_not_used(
    shared_tmp: Path, tmp_path: Path, planted: str
) -> None:
    trap = shared_tmp / f"splitday-{os.geteuid()}"
    if planted == "symlink":
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir(mode=0o700)
        trap.symlink_to(elsewhere)
    else:
        trap.mkdir()
        trap.chmod(0o777)
    name = Path(ipc.server_name("ann"))
    assert trap not in name.parents and name.parent != trap
    assert name.parent == tmp_path / "data" / "run"  # the data folder, in the user's home
    assert (name.parent.lstat().st_mode & 0o777) == 0o700


@needs_second_user
def test_a_folder_made_first_by_another_user_is_not_used(shared_tmp: Path, tmp_path: Path) -> None:
    trap = shared_tmp / f"splitday-{os.geteuid()}"
    trap.mkdir(mode=0o700)
    os.chown(trap, NOBODY, NOBODY)
    assert Path(ipc.server_name("ann")).parent == tmp_path / "data" / "run"


def test_xdg_runtime_dir_is_used_only_when_private(
    shared_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert ipc.server_name("ann") == str(runtime / "splitday-ann.sock")
    runtime.chmod(0o777)
    assert Path(ipc.server_name("ann")).parent == shared_tmp / f"splitday-{os.geteuid()}"


# ---------------------------------------------------------------- the client side


ATTACKER = r"""
import os, socket, sys
path, log, chown_to = sys.argv[1], sys.argv[2], sys.argv[3]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
os.chmod(path, 0o777)
server.listen(5)
print("ready", flush=True)
while True:
    conn, _ = server.accept()
    conn.settimeout(3)
    try:
        data = conn.recv(65536)
    except OSError:
        data = b""
    with open(log, "ab") as f:
        f.write(data + b"|")
    try:
        conn.sendall(b'{"v": 1, "ok": true, "message": "logged by the running Splitday"}\n')
    except OSError:
        pass
    conn.close()
"""


@pytest.fixture
def attacker(shared_tmp: Path) -> Iterator[tuple[Path, Path, subprocess.Popen[str]]]:
    """Another local user's program listening where a victim's `splitday` might look."""
    sock, log = shared_tmp / "splitday-victim.sock", shared_tmp / "stolen.log"
    proc = subprocess.Popen(
        [SYSTEM_PYTHON, "-c", ATTACKER, str(sock), str(log), "-"],
        user=NOBODY,
        group=NOBODY,
        cwd="/",
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield sock, log, proc
    proc.kill()
    proc.communicate(timeout=5)


def _victim(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sock: Path) -> str:
    url = f"sqlite:///{tmp_path / 'victim.sqlite3'}"
    monkeypatch.setenv("SPLITDAY_SOCKET", str(sock))
    monkeypatch.setenv("SPLITDAY_DB_URL", url)
    return url


def _stored_note(url: str) -> str | None:
    db = open_database(url)
    try:
        with db.transaction() as s:
            run = tracking.running(s, db.owner)
    finally:
        db.close()
    return None if run is None else run.note


@needs_second_user
def test_an_interrupt_is_never_sent_to_another_users_socket(
    attacker: tuple[Path, Path, subprocess.Popen[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sock, log, _ = attacker
    url = _victim(monkeypatch, tmp_path, sock)
    code = main(["interrupt", "confidential", "salary", "talk"])
    out, err = capsys.readouterr()
    assert code == 0 and "interruption logged" in out and "running Splitday" not in out
    assert "belongs to another user (uid 65534)" in err
    time.sleep(0.3)
    assert not log.exists()  # never even connected
    assert _stored_note(url) == "confidential salary talk"  # logged here, not lost


@needs_second_user
def test_a_listener_of_another_user_gets_nothing_even_behind_our_socket_file(
    attacker: tuple[Path, Path, subprocess.Popen[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sock, log, _ = attacker
    os.chown(sock, os.geteuid(), os.getegid())  # the file looks like ours: the peer does not
    url = _victim(monkeypatch, tmp_path, sock)
    code = main(["interrupt", "confidential"])
    out, err = capsys.readouterr()
    assert code == 0 and "interruption logged" in out
    assert "runs as another user (uid 65534)" in err
    deadline = time.monotonic() + 5
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # the CLI also tells a running app that it wrote: that one too
    connections = log.read_bytes().split(b"|")[:-1]
    assert connections and set(connections) == {b""}  # accepted, and carried nothing
    assert _stored_note(url) == "confidential"


def test_another_users_socket_file_is_refused_simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same rule without root: our own listener, seen as another user's (uid + 1)."""
    sock = tmp_path / "s.sock"
    got: list[bytes] = []
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(sock))
    server.listen(1)
    server.settimeout(2)

    def accept() -> None:
        try:
            conn, _ = server.accept()
            got.append(conn.recv(65536))
            conn.close()
        except OSError:
            return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = _victim(monkeypatch, tmp_path, sock)
    real = os.geteuid()
    monkeypatch.setattr(ipc, "my_uid", lambda: real + 1)
    code = main(["interrupt", "secret"])
    monkeypatch.setattr(ipc, "my_uid", lambda: real)
    out, err = capsys.readouterr()
    thread.join(3)
    assert "interruption logged" in out
    server.close()
    assert code == 0 and "another user" in err and got == []
    assert _stored_note(url) == "secret"
