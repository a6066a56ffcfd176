"""One Splitday per user: a QLockFile decides, a QLocalServer takes the forwarded commands."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QElapsedTimer, QEventLoop, QLockFile, QObject, QTimer
from PySide6.QtCore import Signal as QtSignal

from planner.domain.i18n import tr
from planner.platform import ipc
from planner.platform.paths import current_owner

if TYPE_CHECKING:
    # imported where used: the first start needs only the lock before its first paint
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

# A handler answers at once, or with a Future when the answer waits on the network (a forwarded
# `status` on a shared server): the reply goes out when it is done, the window never waits.
Handler = Callable[[dict[str, Any]], "ipc.Reply | Future[ipc.Reply]"]


def _runs_as_me(pid: int) -> bool:
    """Whether process `pid` is this user's (True where that cannot be told: not Linux)."""
    try:
        return os.stat(f"/proc/{pid}").st_uid == ipc.my_uid()
    except FileNotFoundError:
        return not os.path.isdir("/proc/self")  # no /proc: cannot tell; else it is gone
    except OSError:
        return True


def lock_path(name: str) -> Path:
    """The lock sits beside the socket (per-user runtime dir); on Windows in the data dir."""
    if os.path.isabs(name):
        return Path(name + ".lock")
    from planner.platform.paths import data_dir

    return data_dir() / f"{name}.lock"


class SingleInstance(QObject):
    """Owns the lock and, once it is ours, the local server.

    `acquire()` is the authority: True means this process is the instance (a stale lock left by
    a crash or `kill -9` is taken over); False means another one runs and `forward()` reaches it.
    """

    request_failed = QtSignal(str)
    _answered = QtSignal(object, object)  # (socket, Future): from the thread that answered

    def __init__(
        self,
        name: str,
        handlers: Mapping[str, Handler],
        *,
        lock_file: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self._handlers = dict(handlers)
        self._lock_path = lock_file or lock_path(name)
        self._lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = QLockFile(str(self._lock_path))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytearray] = {}
        self._answered.connect(self._on_answered)  # queued: emitted from a worker thread

    def add_handlers(self, handlers: Mapping[str, Handler]) -> None:
        self._handlers.update(handlers)

    # ------------------------------------------------------------------ the lock

    def acquire(self) -> bool:
        # tryLock itself takes over a lock whose process is gone (crash, kill -9). A lock that is
        # not this user's (planted), or that names another user's live process (planted, or a
        # recycled pid), cannot be a Splitday of ours: it is removed, never obeyed.
        self._remove_if_foreign(self._lock_path)
        if self._lock.tryLock(0):
            return True
        holder = self.holder_pid()
        if holder is not None and not _runs_as_me(holder):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._lock_path)
            return bool(self._lock.tryLock(0))
        return False

    @staticmethod
    def _remove_if_foreign(path: Path) -> None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISLNK(st.st_mode) or st.st_uid != ipc.my_uid():
            try:
                os.unlink(path)
            except OSError as exc:
                raise OSError(
                    tr(
                        "{path} belongs to another user (uid {st_uid}) and cannot be removed: use"
                        " a private folder (XDG_RUNTIME_DIR) or set SPLITDAY_SOCKET elsewhere"
                    ).format(path=path, st_uid=st.st_uid)
                ) from exc

    def holder_pid(self) -> int | None:
        info = self._lock.getLockInfo()  # (pid, host, app), or False when there is no lock
        return int(info[0]) if isinstance(info, tuple) and info else None

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._lock.isLocked():
            self._lock.unlock()

    # ------------------------------------------------------------------ the server

    def listen(self) -> None:
        """Start serving; call only after `acquire()` returned True."""
        if not self._lock.isLocked():
            raise RuntimeError("listen() without holding the single-instance lock")
        from PySide6.QtNetwork import QLocalServer

        if os.path.isabs(self.name):
            self._remove_if_foreign(Path(self.name))  # planted by someone else
        QLocalServer.removeServer(self.name)  # a socket file left by a crash
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            raise OSError(
                tr("cannot listen on {name}: {errorString}").format(
                    name=self.name, errorString=server.errorString()
                )
            )
        server.newConnection.connect(self._on_server_new_connection)
        self._server = server

    def is_listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def _on_server_new_connection(self) -> None:
        assert self._server is not None
        while (sock := self._server.nextPendingConnection()) is not None:
            peer = ipc.peer_uid(int(sock.socketDescriptor())) if os.name == "posix" else None
            if peer is not None and peer != ipc.my_uid():
                # another local user reached the socket: no command of theirs is run
                print(
                    tr("splitday: refused a connection from uid {peer}").format(peer=peer),
                    file=sys.stderr,
                )
                sock.abort()
                sock.deleteLater()
                continue
            self._buffers[sock] = bytearray()
            sock.readyRead.connect(lambda s=sock: self._on_socket_ready_read(s))
            sock.disconnected.connect(lambda s=sock: self._on_socket_disconnected(s))
            if sock.bytesAvailable():
                self._on_socket_ready_read(sock)

    def _on_socket_disconnected(self, sock: QLocalSocket) -> None:
        self._buffers.pop(sock, None)
        sock.deleteLater()

    def _on_socket_ready_read(self, sock: QLocalSocket) -> None:
        buffer = self._buffers.get(sock)
        if buffer is None:
            return
        buffer += bytes(sock.readAll().data())
        if b"\n" not in buffer and len(buffer) <= ipc.MAX_MESSAGE:
            return  # the rest arrives with the next readyRead; never block for it
        line = bytes(buffer).split(b"\n", 1)[0]
        self._buffers[sock] = bytearray()
        reply = self._dispatch(line)
        if isinstance(reply, Future):

            def answered(done: Future[ipc.Reply], s: QLocalSocket = sock) -> None:
                self._answered.emit(s, done)

            reply.add_done_callback(answered)
            return
        self._reply(sock, reply)

    def _reply(self, sock: QLocalSocket, reply: ipc.Reply) -> None:
        sock.write(ipc.encode_reply(reply))
        sock.flush()
        sock.disconnectFromServer()

    def _on_answered(self, sock: QLocalSocket, done: Future[ipc.Reply]) -> None:
        if sock not in self._buffers:  # the client gave up and went away meanwhile
            return
        try:
            reply = done.result()
        except Exception as exc:  # a failed answer must never take the app down
            reply = ipc.Reply(
                False, tr("splitday: unexpected error: {name}").format(name=type(exc).__name__)
            )
        self._reply(sock, reply)

    def _dispatch(self, line: bytes) -> ipc.Reply | Future[ipc.Reply]:
        try:
            request = ipc.decode_request(line)
        except ipc.ProtocolError as exc:
            return ipc.Reply(False, str(exc))
        if request.command == "ping":
            return ipc.Reply(True, "", {"pid": os.getpid()})
        token = request.args.pop("activation_token", None)
        if isinstance(token, str) and token:
            # Qt's Wayland backend presents this token (xdg-activation) on the next activation,
            # so a window raised for another process's request may take the focus.
            os.environ["XDG_ACTIVATION_TOKEN"] = token
        handler = self._handlers.get(request.command)
        if handler is None:
            return ipc.Reply(
                False, tr("the running Splitday cannot {command!r}").format(command=request.command)
            )
        try:
            return handler(request.args)
        except Exception as exc:  # a bad request must never take the app down
            from planner.domain.errors import PlannerError
            from ui.gateway import GatewayError, StorageError

            if isinstance(exc, PlannerError | ValueError):  # refused: the reply says why
                return ipc.Reply(False, tr("splitday: {exc}").format(exc=exc))
            if isinstance(exc, GatewayError | StorageError):  # not done (the database, in
                # words: a full disk, a read-only file, a server gone): said in the app too
                self.request_failed.emit(str(exc))
                return ipc.Reply(False, tr("splitday: {exc}").format(exc=exc))
            self.request_failed.emit(f"{type(exc).__name__}: {exc}")
            return ipc.Reply(
                False, tr("splitday: unexpected error: {name}").format(name=type(exc).__name__)
            )

    # ------------------------------------------------------------------ the client side

    def forward(self, command: str, timeout_ms: int = 3000, **args: Any) -> ipc.Reply | None:
        """Send a command to the running instance; None when none answers in time.

        Runs a local event loop instead of waitFor…(), so it also works when the server lives in
        this very thread (tests) and it never freezes a window.
        """
        payload = ipc.encode_request(command, **args)
        clock = QElapsedTimer()
        clock.start()
        while clock.elapsed() < timeout_ms:
            reply = self._try_forward(payload, timeout_ms - clock.elapsed())
            if reply is not None:
                return reply
            # The lock holder may still be starting: its server is not listening yet.
            pause = QEventLoop()
            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(pause.quit)
            timer.start(100)
            pause.exec()
        return None

    def _try_forward(self, payload: bytes, budget_ms: int) -> ipc.Reply | None:
        from PySide6.QtNetwork import QLocalSocket

        sock = QLocalSocket()
        loop = QEventLoop()
        data = bytearray()
        failed = False

        def on_connected() -> None:
            sock.write(payload)
            sock.flush()

        def on_ready_read() -> None:
            if not sock.isOpen():
                return
            data.extend(bytes(sock.readAll().data()))
            if b"\n" in data:
                loop.quit()

        def on_error(_err: QLocalSocket.LocalSocketError) -> None:
            nonlocal failed
            failed = True
            loop.quit()

        sock.connected.connect(on_connected)
        sock.readyRead.connect(on_ready_read)
        sock.disconnected.connect(loop.quit)
        sock.errorOccurred.connect(on_error)
        deadline = QTimer()
        deadline.setSingleShot(True)
        deadline.timeout.connect(loop.quit)
        deadline.start(max(1, budget_ms))
        sock.connectToServer(self.name)
        if not failed:  # a refused connection reports at once, before the loop could run
            loop.exec()
        deadline.stop()
        if sock.isOpen():
            data.extend(bytes(sock.readAll().data()))
        sock.abort()
        line = bytes(data).split(b"\n", 1)[0]
        if not line:
            return None
        return ipc.decode_reply(line)


def claim_instance(owner: str | None = None) -> SingleInstance | int:
    """This process becomes Splitday, or hands "show" to the running one and returns an exit
    code. Runs before the database is opened, so a second `splitday` stays cheap."""
    instance = SingleInstance(ipc.server_name(owner or current_owner()), {})
    if instance.acquire():
        return instance
    fields: dict[str, Any] = {}
    if token := os.environ.get("XDG_ACTIVATION_TOKEN"):
        fields["activation_token"] = token  # lets the running app take the focus on Wayland
    reply = instance.forward("show", 3000, **fields)
    if reply is None:
        pid = instance.holder_pid()
        print(
            tr(
                "splitday: another Splitday (pid {pid}) holds {name}.lock but does not answer"
            ).format(pid=pid, name=instance.name),
            file=sys.stderr,
        )
        return 1
    if reply.message:
        print(reply.message)
    return 0 if reply.ok else 1
