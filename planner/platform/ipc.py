"""The single-instance protocol: versioned one-line JSON messages over a local socket.

This module is on the hot path of `splitday interrupt` (a desktop shortcut), so it imports only
the standard library. The Qt server side lives in ui/.
"""

from __future__ import annotations

import os
import stat
from typing import Any, NamedTuple

VERSION = 1
# "changed": a command wrote to the database; the running app re-reads what it shows.
# "status": the app answers `splitday status` from its open database (or leaves it to the CLI).
COMMANDS = ("show", "toggle", "interrupt", "resume", "plan", "quit", "ping", "changed", "status")
MAX_MESSAGE = 64 * 1024


class ProtocolError(ValueError):
    pass


class ForeignSocket(ProtocolError):
    """The socket, or the program listening on it, is another user's: nothing is sent there."""


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
    return os.path.join(runtime_dir(), f"splitday-{safe}.sock")


def my_uid() -> int:
    return os.geteuid()


def private_folder(path: str) -> bool:
    """A real folder (not a link to one) of this user that nobody else may write into."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == my_uid() and not st.st_mode & 0o022


def runtime_dir() -> str:
    """A folder for the socket and its lock that only this user can write into.

    $XDG_RUNTIME_DIR when it is that (it should be: 0700, the user's); else a folder of our own
    in the temporary directory, which another user may have made first (or linked elsewhere):
    then one in Splitday's data folder, in the user's home."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and private_folder(base):
        return base
    import tempfile

    shared = os.path.join(tempfile.gettempdir(), f"splitday-{my_uid()}")
    try:
        os.mkdir(shared, 0o700)
    except FileExistsError:
        pass
    except OSError:
        shared = ""
    if shared and private_folder(shared):
        return shared
    from planner.platform.paths import data_dir

    own = os.path.join(str(data_dir()), "run")
    os.makedirs(own, mode=0o700, exist_ok=True)
    if not private_folder(own) and os.lstat(own).st_uid == my_uid():
        os.chmod(own, 0o700)
    if not private_folder(own):
        raise ForeignSocket(f"no private folder for Splitday's socket ({own} is not one)")
    return own


def peer_uid(fd: int) -> int | None:
    """The user id of the process at the other end of a Unix socket (None: cannot tell)."""
    import socket

    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    import struct

    size = struct.calcsize("3i")
    dup = socket.socket(fileno=os.dup(fd))
    try:
        _pid, uid, _gid = struct.unpack("3i", dup.getsockopt(socket.SOL_SOCKET, option, size))
    except OSError:
        return None
    finally:
        dup.close()
    return int(uid)


def check_socket_file(name: str) -> bool:
    """True when `name` is this user's socket; False when nothing (or no socket) is there.
    Raises ForeignSocket when another user's socket is in the way."""
    try:
        st = os.lstat(name)
    except OSError:
        return False
    if not stat.S_ISSOCK(st.st_mode):
        return False
    if st.st_uid != my_uid():
        raise ForeignSocket(f"{name} belongs to another user (uid {st.st_uid})")
    return True


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
    if not check_socket_file(name):  # another user's socket raises: nothing is sent to it
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
        listener = peer_uid(sock.fileno())
        if listener is not None and listener != my_uid():
            raise ForeignSocket(
                f"the program listening on {name} runs as another user (uid {listener})"
            )
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
    except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError) as exc:
        # it was there when we connected and is gone now (killed, or crashed) with the request
        # read or not: the caller says that it may or may not have been carried out
        raise ProtocolError("the running Splitday went away before it answered") from exc
    finally:
        sock.close()
