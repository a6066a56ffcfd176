"""The single-instance protocol: versioned one-line JSON messages over a local socket.

This module is on the hot path of `splitday interrupt` (a desktop shortcut), so it imports only
the standard library. The Qt server side lives in ui/.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

VERSION = 1
# "changed": a command wrote to the database; the running app re-reads what it shows
COMMANDS = ("show", "toggle", "interrupt", "resume", "plan", "quit", "ping", "changed")
MAX_MESSAGE = 64 * 1024


class ProtocolError(ValueError):
    pass


# NamedTuples, not dataclasses: importing dataclasses costs this hot path ~7 ms.
class Request(NamedTuple):
    command: str
    args: dict[str, Any]


class Reply(NamedTuple):
    ok: bool
    message: str = ""
    data: dict[str, Any] | None = None


def server_name(owner: str) -> str:
    """Where the running instance listens: a socket path on Unix, a pipe name elsewhere."""
    override = os.environ.get("SPLITDAY_SOCKET")
    if override:
        return override
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in owner)
    if os.name != "posix":
        return f"splitday-{safe}"
    base = os.environ.get("XDG_RUNTIME_DIR")
    if not base:
        import tempfile

        base = tempfile.gettempdir()
    return os.path.join(base, f"splitday-{safe}.sock")


def encode_request(command: str, **args: Any) -> bytes:
    if command not in COMMANDS:
        raise ProtocolError(f"unknown command {command!r}")
    import json  # here, not at import: the start-up path

    return json.dumps({"v": VERSION, "cmd": command, "args": args}).encode() + b"\n"


def decode_request(line: bytes) -> Request:
    if len(line) > MAX_MESSAGE:
        raise ProtocolError("message too long")
    import json  # here, not at import: the start-up path

    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"not a Splitday message: {exc}") from exc
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise ProtocolError(
            f"unsupported message version {data.get('v') if isinstance(data, dict) else None!r}"
        )
    command, args = data.get("cmd"), data.get("args", {})
    if command not in COMMANDS or not isinstance(args, dict):
        raise ProtocolError(f"unknown command {command!r}")
    return Request(command, args)


def encode_reply(reply: Reply) -> bytes:
    payload: dict[str, Any] = {"v": VERSION, "ok": reply.ok, "message": reply.message}
    if reply.data is not None:
        payload["data"] = reply.data
    import json  # here, not at import: the start-up path

    return json.dumps(payload).encode() + b"\n"


def decode_reply(line: bytes) -> Reply:
    import json  # here, not at import: the start-up path

    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"bad reply from the running Splitday: {exc}") from exc
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise ProtocolError("the running Splitday speaks another protocol version")
    return Reply(bool(data.get("ok")), str(data.get("message", "")), data.get("data"))


def send(name: str, payload: bytes, timeout: float = 3.0) -> Reply | None:
    """Send one request to the running instance; None when no instance listens."""
    import socket  # here, not at the top: the GUI imports this module at start-up

    if os.name != "posix" or not hasattr(socket, "AF_UNIX"):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(0.5)
        try:
            sock.connect(name)
        except (FileNotFoundError, ConnectionRefusedError):
            return None
        except OSError:
            return None
        sock.settimeout(timeout)
        sock.sendall(payload)
        chunks: list[bytes] = []
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            chunks.append(chunk)
            if b"\n" in chunk or sum(map(len, chunks)) > MAX_MESSAGE:
                break
        line = b"".join(chunks).split(b"\n", 1)[0]
        if not line:
            raise ProtocolError("the running Splitday closed the connection without a reply")
        return decode_reply(line)
    except TimeoutError as exc:
        raise ProtocolError("the running Splitday did not answer in time") from exc
    finally:
        sock.close()
