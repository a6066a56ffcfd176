"""`splitday --plan-day` (the .desktop action "Plan my day") reaches the running app."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from planner.cli import main as cli
from planner.platform import ipc


def test_plan_day_forwards_plan_to_the_running_instance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = os.environ["SPLITDAY_SOCKET"]  # a temporary path, set by conftest
    received: list[ipc.Request] = []
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def answer_once() -> None:
        conn, _ = server.accept()
        with conn:
            line = conn.makefile("rb").readline()
            received.append(ipc.decode_request(line))
            conn.sendall(ipc.encode_reply(ipc.Reply(True, "Plan my day is open")))

    thread = threading.Thread(target=answer_once, daemon=True)
    thread.start()
    try:
        assert cli.main(["--plan-day"]) == 0
        thread.join(5)
    finally:
        server.close()
    assert [r.command for r in received] == ["plan"]
    assert "Plan my day is open" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()  # forwarded: the CLI never opened the database
