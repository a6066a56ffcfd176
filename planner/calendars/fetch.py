"""Fetch a calendar URL: http(s) only, timeout, size cap, redirects, ETag/Last-Modified, keyring."""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

from planner.domain.errors import PlannerError
from planner.domain.i18n import tr

DEFAULT_TIMEOUT = 20.0  # connecting, and the longest silence between two reads
DEFAULT_DEADLINE = 60.0  # the whole download, redirects included: a trickle cannot go on
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_REDIRECTS = 8
KEYRING_SERVICE = "splitday-calendar"
USER_AGENT = "Splitday calendar import"


class FetchError(PlannerError):
    """The URL could not be fetched; the message says why in one line."""


@dataclass(frozen=True)
class Fetched:
    """A fetch result; data is None when the server said 304 Not Modified."""

    data: bytes | None
    etag: str | None
    last_modified: str | None
    charset: str | None = None
    url: str = ""

    @property
    def not_modified(self) -> bool:
        return self.data is None


class Fetcher(Protocol):
    def __call__(self, url: str, *, etag: str | None, last_modified: str | None) -> Fetched: ...


def normalize_url(url: str) -> str:
    """webcal:// means https://; anything but http(s) is refused (no file:, ftp:, data:)."""
    text = url.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        parts = parts._replace(scheme="https")
    elif scheme not in ("http", "https"):
        shown = scheme or "no scheme"
        raise FetchError(
            tr("only http://, https:// and webcal:// links can be used (not {shown})").format(
                shown=shown
            )
        )
    if not parts.hostname:
        raise FetchError(tr("{text!r} has no host name").format(text=text))
    return urlunsplit(parts)


def is_url(location: str) -> bool:
    return "://" in location and urlsplit(location.strip()).scheme.lower() not in ("", "file")


def display_url(url: str) -> str:
    """The URL without user:password, for messages and logs."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        parts = parts._replace(netloc=host)
    return urlunsplit(parts)


# ---------------------------------------------------------------- credentials

# Where a calendar's password lives: the system keyring (service KEYRING_SERVICE), or — where no
# keyring backend exists (a server, a minimal desktop) — a JSON file only its user can read
# (0600 in a 0700 folder), like ~/.pgpass or ~/.netrc; never the database, which every backup
# copies. The user is told which (docs/calendars.md).
CREDENTIALS_FILE = "calendar-credentials.json"
KEYRING = "the system keyring"


def credentials_file() -> Path:
    from planner.platform.paths import config_dir

    return config_dir() / CREDENTIALS_FILE


def _ring() -> Any | None:
    """The keyring module when it has a usable backend; None when there is none."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return keyring


def credentials_place() -> str:
    """Where set_credentials will put a password, in words for the user."""
    if _ring() is not None:
        return KEYRING
    return f"{credentials_file()} (readable only by you: no system keyring is available here)"


def set_credentials(url: str, user: str, password: str) -> str:
    """Store basic-auth credentials for url outside the database; say where they went."""
    key = _key(url)
    ring = _ring()
    if ring is not None:
        try:
            ring.set_password(KEYRING_SERVICE, key, f"{user}\n{password}")
        except Exception as exc:
            raise FetchError(
                tr("the system keyring refused the password: {exc}").format(exc=exc)
            ) from exc
        _file_update(key, None)  # an older copy in the file goes
        return KEYRING
    _file_update(key, (user, password))
    return credentials_place()


def get_credentials(url: str) -> tuple[str, str] | None:
    key = _key(url)
    ring = _ring()
    if ring is not None:
        try:
            stored = ring.get_password(KEYRING_SERVICE, key)
        except Exception:
            stored = None
        if stored and "\n" in stored:
            user, password = stored.split("\n", 1)
            return user, password
    found = _file_read().get(key)
    if isinstance(found, list) and len(found) == 2:
        return str(found[0]), str(found[1])
    return None


def delete_credentials(url: str) -> None:
    key = _key(url)
    ring = _ring()
    if ring is not None:
        with contextlib.suppress(Exception):
            ring.delete_password(KEYRING_SERVICE, key)
    _file_update(key, None)


def _file_read() -> dict[str, Any]:
    path = credentials_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _file_update(key: str, value: tuple[str, str] | None) -> None:
    path = credentials_file()
    data = _file_read()
    if value is None and key not in data:
        return
    if value is None:
        data.pop(key, None)
    else:
        data[key] = list(value)
    from planner.platform.paths import open_private

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    partial = path.with_name(path.name + ".new")
    with open_private(partial, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
    os.replace(partial, path)


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without user:password, and the (user, password) that were in it."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    return display_url(url), (unquote(parts.username or ""), unquote(parts.password or ""))


def _key(url: str) -> str:
    return display_url(normalize_url(url))


# ---------------------------------------------------------------- the real fetcher


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise FetchError(
                tr("the server redirected to a non-http link ({newurl})").format(newurl=newurl[:80])
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Deadline:
    """Shuts the download's sockets down when its time is up.

    A socket timeout bounds each read, not the download: a server sending a byte every few
    seconds (headers included) never trips it. shutdown() wakes a read blocked in another
    thread at once; the fetch then fails with the deadline's message."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self.expire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                raise TimeoutError("deadline")
            self._sockets.append(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # closed already
                    sock.shutdown(socket.SHUT_RDWR)


def _watched(base: type[http.client.HTTPConnection], deadline: _Deadline) -> Any:
    class Watched(base):  # type: ignore[misc, valid-type]
        def connect(self) -> None:
            super().connect()
            deadline.attach(self.sock)

    return Watched


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_watched(http.client.HTTPConnection, self._deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(
            _watched(http.client.HTTPSConnection, self._deadline),
            req,
            context=self._context,  # type: ignore[attr-defined]
        )


class UrlFetcher:
    """urllib with a timeout, a deadline, a size cap and conditional requests; credentials from
    the keyring."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int = DEFAULT_MAX_BYTES,
        credentials: tuple[str, str] | None = None,
        use_keyring: bool = True,
    ) -> None:
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.credentials = credentials
        self.use_keyring = use_keyring
        self._aborted = False
        self._current: _Deadline | None = None

    def abort(self) -> None:
        """Cut off the download under way (from another thread) and refuse any later one."""
        self._aborted = True
        current = self._current
        if current is not None:
            current.expire()

    def __call__(self, url: str, *, etag: str | None, last_modified: str | None) -> Fetched:
        target = normalize_url(url)
        shown = display_url(target)
        headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        creds = self.credentials
        if creds is None and self.use_keyring:
            creds = get_credentials(target)
        parts = urlsplit(target)
        if parts.username and creds is None:
            creds = (parts.username, parts.password or "")
        if parts.username:
            target = display_url(target)
        if creds is not None:
            token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        request = urllib.request.Request(target, headers=headers)
        deadline = _Deadline(self.deadline)
        opener = urllib.request.build_opener(
            _Redirects(), _HTTPHandler(deadline), _HTTPSHandler(deadline)
        )
        if self._aborted:
            raise FetchError(tr("{shown}: the sync was cancelled").format(shown=shown))
        self._current = deadline
        deadline.start()
        try:
            return self._fetch(opener, request, shown, deadline)
        except FetchError:
            raise
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return Fetched(None, etag, last_modified, None, shown)
            if 300 <= exc.code < 400:
                raise FetchError(
                    tr(
                        "{shown}: the server redirected to a non-http link or too often ({code})"
                    ).format(shown=shown, code=exc.code)
                ) from None
            hint = " (check the user name and password)" if exc.code in (401, 403) else ""
            raise FetchError(
                tr("{shown}: the server answered {code} {reason}{hint}").format(
                    shown=shown, code=exc.code, reason=exc.reason, hint=hint
                )
            ) from None
        except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
            if self._aborted:
                raise FetchError(
                    tr("{shown}: the sync was cancelled").format(shown=shown)
                ) from None
            if deadline.expired:  # whatever the shut-down socket made the reader raise
                raise FetchError(
                    tr(
                        "{shown}: the download did not finish within {deadline:g} s (the server "
                        "sends too slowly, or never stops)"
                    ).format(shown=shown, deadline=self.deadline)
                ) from None
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            if isinstance(reason, TimeoutError):
                raise FetchError(
                    tr("{shown}: no answer within {timeout:g} s").format(
                        shown=shown, timeout=self.timeout
                    )
                ) from None
            if isinstance(exc, urllib.error.URLError):
                raise FetchError(
                    tr("{shown}: cannot connect ({reason})").format(shown=shown, reason=reason)
                ) from None
            raise FetchError(f"{shown}: {exc or type(exc).__name__}") from None
        finally:
            deadline.cancel()
            self._current = None

    def _fetch(
        self,
        opener: urllib.request.OpenerDirector,
        request: urllib.request.Request,
        shown: str,
        deadline: _Deadline,
    ) -> Fetched:
        with opener.open(request, timeout=self.timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > self.max_bytes:
                raise FetchError(
                    tr("{shown}: the calendar is larger than {cap}").format(
                        shown=shown, cap=self._cap()
                    )
                )
            chunks: list[bytes] = []
            total = 0
            while chunk := response.read1(65536):
                chunks.append(chunk)
                total += len(chunk)
                if total > self.max_bytes:
                    raise FetchError(
                        tr("{shown}: the calendar is larger than {cap}").format(
                            shown=shown, cap=self._cap()
                        )
                    )
                if deadline.expired:
                    raise TimeoutError("deadline")
            if deadline.expired:  # a shut-down socket reads as the end of the body
                raise TimeoutError("deadline")
            charset = response.headers.get_content_charset()
            return Fetched(
                b"".join(chunks),
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
                charset,
                response.geturl(),
            )

    def _cap(self) -> str:
        return f"{self.max_bytes / 1024 / 1024:g} MB"
