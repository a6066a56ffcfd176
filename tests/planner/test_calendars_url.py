"""Calendar URLs against a real local HTTP server on 127.0.0.1: redirects, 304, caps, timeouts."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest

from planner.calendars import sync as calendars
from planner.calendars.fetch import FetchError, UrlFetcher, normalize_url
from planner.domain.clock import FakeClock
from planner.storage.db import Database
from tests.planner.test_calendars_sync import REVIEW, STANDUP, ics

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Site:
    body: bytes = b""
    etag: str = '"v1"'
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site(ics(STANDUP, REVIEW).encode())

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:
            state.requests.append((self.path, dict(self.headers)))
            if self.path == "/moved":  # Outlook's published links redirect
                self.send_response(302)
                self.send_header("Location", "/again")
                self.end_headers()
            elif self.path == "/again":
                self.send_response(301)
                self.send_header("Location", f"{state.base}/cal.ics")
                self.end_headers()
            elif self.path == "/to-file":
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.end_headers()
            elif self.path == "/cal.ics":
                if self.headers.get("If-None-Match") == state.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("ETag", state.etag)
                self.send_header("Content-Length", str(len(state.body)))
                self.end_headers()
                self.wfile.write(state.body)
            elif self.path == "/huge":
                self.send_response(200)
                self.end_headers()  # no Content-Length: the cap must hold while reading
                try:
                    for _ in range(64):
                        self.wfile.write(b"X" * 65536)
                except OSError:  # the client stopped at its cap
                    return
            elif self.path == "/trickle":  # a byte every 0.5 s, for a minute
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.end_headers()
                try:
                    for _ in range(120):
                        self.wfile.write(b"B")
                        self.wfile.flush()
                        time.sleep(0.5)
                except OSError:  # the client gave up: what it should do
                    return
            elif self.path == "/trickle-headers":  # even the headers never end
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    self.wfile.flush()
                    for _ in range(120):
                        self.wfile.write(b"X")
                        self.wfile.flush()
                        time.sleep(0.5)
                except OSError:
                    return
            elif self.path == "/slow":
                time.sleep(1.5)
                self.send_response(200)
                self.end_headers()
            elif self.path == "/private.ics":
                expected = "Basic " + base64.b64encode(b"ann:s3cret").decode()
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="cal"')
                    self.end_headers()
                    return
                self.send_response(200)
                self.end_headers()
                self.wfile.write(state.body)
            else:
                self.send_response(404)
                self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


def test_redirects_are_followed_and_etag_saves_the_download(
    db: Database, clock: FakeClock, site: Site
) -> None:
    with db.transaction() as s:
        source, _ = calendars.add_source(s, "tester", "outlook", f"{site.base}/moved")
    fetcher = UrlFetcher(use_keyring=False)

    def sync() -> calendars.SyncResult:
        with db.transaction() as s:
            return calendars.sync_source(
                s, "tester", source.id, now=clock.now(), zone=BERLIN, fetcher=fetcher
            )

    first = sync()
    assert first.ok and first.added == 6
    assert [p for p, _ in site.requests] == ["/moved", "/again", "/cal.ics"]
    site.requests.clear()
    again = sync()
    assert again.unchanged
    assert site.requests[-1][1].get("If-None-Match") == '"v1"'
    # the window takes its next step: the 304 still costs one small request, and the stored
    # copy is used
    clock.advance(timedelta(days=calendars.WINDOW_STEP_DAYS))
    site.requests.clear()
    rolled = sync()
    assert rolled.ok and not rolled.unchanged and rolled.added == 0
    assert len(site.requests) == 3  # the redirect chain, ending in a 304
    # a new version on the server
    site.body = ics(REVIEW).encode()
    site.etag = '"v2"'
    changed = sync()
    assert changed.removed == 5 and changed.kept == 1


def test_oversize_refused(site: Site) -> None:
    with pytest.raises(FetchError, match="larger than"):
        UrlFetcher(max_bytes=1_000_000, use_keyring=False)(
            f"{site.base}/huge", etag=None, last_modified=None
        )


def test_slow_server_times_out(site: Site) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="no answer within"):
        UrlFetcher(timeout=0.3, use_keyring=False)(
            f"{site.base}/slow", etag=None, last_modified=None
        )
    assert time.monotonic() - started < 1.4


@pytest.mark.parametrize("path", ["/trickle", "/trickle-headers"])
def test_a_download_that_never_ends_fails_at_the_deadline(site: Site, path: str) -> None:
    """Each read is quick (a byte every 0.5 s), so only a whole-download deadline stops it."""
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"did not finish within 2 s"):
        UrlFetcher(timeout=5, deadline=2, use_keyring=False)(
            f"{site.base}{path}", etag=None, last_modified=None
        )
    took = time.monotonic() - started
    print(f"{path}: given up after {took:.2f} s (deadline 2 s)")
    assert took < 3


def test_the_deadline_holds_through_a_whole_sync(
    db: Database, clock: FakeClock, site: Site
) -> None:
    with db.transaction() as s:
        source, _ = calendars.add_source(s, "tester", "never ends", f"{site.base}/trickle")
    started = time.monotonic()
    (result,) = calendars.sync_database(
        db,
        "tester",
        now=clock.now(),
        zone=BERLIN,
        fetcher=UrlFetcher(timeout=5, deadline=1.5, use_keyring=False),
    )
    assert time.monotonic() - started < 2.5
    assert not result.ok and "did not finish within 1.5 s" in result.message
    with db.transaction() as s:
        assert "did not finish" in calendars.find_source(s, "tester", source.id).last_status


def test_redirect_to_another_scheme_refused(site: Site) -> None:
    with pytest.raises(FetchError, match="non-http"):
        UrlFetcher(use_keyring=False)(f"{site.base}/to-file", etag=None, last_modified=None)


def test_http_errors_are_one_clear_line(site: Site) -> None:
    with pytest.raises(FetchError, match=r"404"):
        UrlFetcher(use_keyring=False)(f"{site.base}/nope", etag=None, last_modified=None)
    with pytest.raises(FetchError, match=r"401.*password"):
        UrlFetcher(use_keyring=False)(f"{site.base}/private.ics", etag=None, last_modified=None)
    with pytest.raises(FetchError, match="cannot connect"):
        UrlFetcher(timeout=2, use_keyring=False)(
            "http://127.0.0.1:9/x.ics", etag=None, last_modified=None
        )


def test_basic_auth_from_the_keyring_never_the_database(
    db: Database, clock: FakeClock, site: Site
) -> None:
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        from planner.calendars.fetch import set_credentials

        url = f"{site.base}/private.ics"
        set_credentials(url, "ann", "s3cret")
        with db.transaction() as s:
            source, _ = calendars.add_source(s, "tester", "private", url)
            result = calendars.sync_source(s, "tester", source.id, now=clock.now(), zone=BERLIN)
        assert result.ok and result.added == 6
        with db.engine.connect() as conn:
            dump = "\n".join(
                str(row) for row in conn.exec_driver_sql("SELECT * FROM calendar_source")
            )
        assert "s3cret" not in dump
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("webcal://p01-calendars.icloud.com/x.ics", "https://p01-calendars.icloud.com/x.ics"),
        ("HTTPS://example.org/a.ics", "https://example.org/a.ics"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected
