"""A CalDAV account through python-caldav: discovery, sync-token/CTag pulls, If-Match writes."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from planner.calendars.fetch import display_url, get_credentials, normalize_url
from planner.domain.errors import PlannerError
from planner.domain.i18n import tr

TIMEOUT = 20.0  # connecting, and the longest silence between two reads
PASSWORD_ENV = "SPLITDAY_CALDAV_PASSWORD"  # for scripts and tests; never an argument
MAX_SYNC_PAGES = 50  # a server that truncates its sync-collection reply is asked again
_ICS = "text/calendar; charset=utf-8"


class CalDavError(PlannerError):
    """The server could not be used; the message says why in one line (no password in it)."""


class Unreachable(CalDavError):
    """No answer (refused, timed out, cut off): nothing was changed; try again later."""


class LoginRefused(CalDavError):
    """The server refused the user name or password."""


class Conflict(CalDavError):
    """412 Precondition Failed: the resource changed on the server since it was read."""


@dataclass(frozen=True)
class RemoteCalendar:
    url: str
    name: str
    events: bool = True  # it may hold VEVENTs (a tasks-only list does not)
    ctag: str | None = None
    sync_token: str | None = None


@dataclass(frozen=True)
class Resource:
    href: str  # absolute URL
    etag: str | None
    data: str | None


@dataclass(frozen=True)
class Delta:
    """What a pull found: changed resources (with their data), deleted hrefs.

    full: the listing is complete (a first sync, or a fallback without sync-token): any known
    href that is not in `changed` or `unchanged` is gone from the server.
    """

    changed: tuple[Resource, ...] = ()
    deleted: tuple[str, ...] = ()
    unchanged: frozenset[str] = frozenset()
    sync_token: str | None = None
    ctag: str | None = None
    full: bool = False
    same: bool = False  # nothing at all changed (the CTag or the sync-token said so)


def password_for(url: str, user: str) -> str:
    """The account's password: $SPLITDAY_CALDAV_PASSWORD, else the keyring (or private file)."""
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    found = get_credentials(account_key(url))
    if found is not None and found[0] == user:
        return found[1]
    raise LoginRefused(
        tr(
            "{display_url}: no password stored for {user} (set it with `splitday calendar "
            "add --caldav URL --user {user} --password-stdin`, or ${variable} for "
            "scripts)"
        ).format(display_url=display_url(url), user=user, variable=PASSWORD_ENV)
    )


def account_key(url: str) -> str:
    """Where an account's password is kept: its server URL without user info."""
    return display_url(normalize_url(url))


def _dav() -> tuple[Any, Any, Any, Any]:
    import caldav
    from caldav.elements import cdav, dav
    from caldav.lib import error

    return caldav, dav, cdav, error


def _tree(parent: Any, *children: Any) -> Any:
    """An XML request element with its children (python-caldav's elements add with +)."""
    for child in children:
        parent = parent + child
    return parent


def _xml(element: Any) -> bytes:
    from lxml import etree

    data: bytes = etree.tostring(element.xmlelement(), encoding="utf-8", xml_declaration=True)
    return data


class Account:
    """One CalDAV login. Every HTTP request goes through `requests` (a counter, for tests and
    the benchmark); `abort()` from another thread closes the connections under way."""

    def __init__(
        self, url: str, user: str, password: str | None = None, *, timeout: float = TIMEOUT
    ) -> None:
        self.url = normalize_url(url)
        self.user = user
        self.shown = display_url(self.url)
        self._password = password if password is not None else password_for(self.url, user)
        self.timeout = timeout
        self.requests = 0
        self._aborted = False
        self._lock = threading.Lock()
        self._client: Any = None
        self._principal: Any = None
        self.shared = False  # kept open between calls by an Accounts(share=True)
        self.refused = False  # the server refused this login: not to be used again

    # ------------------------------------------------------------ the connection

    def _connect(self) -> Any:
        if self._client is None:
            caldav, *_ = _dav()
            client = caldav.DAVClient(
                self.url,
                username=self.user,
                password=self._password,
                auth_type="basic",  # no 401 round trip before every request
                timeout=self.timeout,
                enable_rfc6764=False,  # the URL given is the server: no DNS look-ups
            )
            session_request = client.session.request

            def counted(*args: Any, **kwargs: Any) -> Any:
                if self._aborted:
                    raise Unreachable(
                        tr("{shown}: the sync was cancelled").format(shown=self.shown)
                    )
                with self._lock:
                    self.requests += 1
                return session_request(*args, **kwargs)

            client.session.request = counted
            self._client = client
        return self._client

    def abort(self) -> None:
        self._aborted = True
        client = self._client
        if client is not None:
            with contextlib.suppress(Exception):
                client.session.close()

    def close(self) -> None:
        """End the connection (a shared account stays open until its Accounts closes it)."""
        if not self.shared:
            self.close_now()

    def close_now(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()

    @contextlib.contextmanager
    def _said(self, what: str) -> Iterator[None]:
        """Library and network errors as one line for the user (never a traceback)."""
        _, _, _, error = _dav()
        try:
            yield
        except CalDavError:
            raise
        except error.AuthorizationError:
            self.refused = True
            raise LoginRefused(
                tr(
                    "{shown}: the server refused the login for {user} (check the user name and "
                    "password)"
                ).format(shown=self.shown, user=self.user)
            ) from None
        except error.DAVError as exc:
            raise CalDavError(
                tr("{shown}: {what} failed ({short})").format(
                    shown=self.shown, what=what, short=_short(exc)
                )
            ) from None
        except Exception as exc:  # niquests: ConnectionError, Timeout, ... ; OSError
            if self._aborted:
                raise Unreachable(
                    tr("{shown}: the sync was cancelled").format(shown=self.shown)
                ) from None
            name = type(exc).__name__
            if "Timeout" in name or isinstance(exc, TimeoutError):
                raise Unreachable(
                    tr("{shown}: no answer within {timeout:g} s (try again later)").format(
                        shown=self.shown, timeout=self.timeout
                    )
                ) from None
            if "Connection" in name or isinstance(exc, OSError):
                raise Unreachable(
                    tr(
                        "{shown}: cannot connect to the server (is it running? try again later)"
                    ).format(shown=self.shown)
                ) from None
            raise CalDavError(
                tr("{shown}: {what} failed ({name}: {short})").format(
                    shown=self.shown, what=what, name=name, short=_short(exc)
                )
            ) from None

    def _request(
        self, url: str, method: str, body: str | bytes = "", headers: dict[str, str] | None = None
    ) -> Any:
        client = self._connect()
        response = client.request(url, method, body, headers or {})
        if response.status in (401, 403) and method != "DELETE":
            self.refused = True
            raise LoginRefused(
                tr(
                    "{shown}: the server refused the login for {user} (check the user name and "
                    "password)"
                ).format(shown=self.shown, user=self.user)
            )
        return response

    # ------------------------------------------------------------ discovery

    def calendars(self) -> list[RemoteCalendar]:
        """The principal's calendars (RFC 6764 .well-known/caldav, principal, home set)."""
        _, dav, cdav, _ = _dav()
        with self._said("finding the calendars"):
            home = self._home()
            body = _tree(
                dav.Propfind(),
                _tree(
                    dav.Prop(),
                    dav.DisplayName(),
                    dav.ResourceType(),
                    cdav.SupportedCalendarComponentSet(),
                    dav.SyncToken(),
                    _getctag(),
                ),
            )
            response = self._request(home, "PROPFIND", _xml(body), {"Depth": "1"})
            if response.status not in (200, 207):
                raise CalDavError(
                    tr("{shown}: the server answered {status}").format(
                        shown=self.shown, status=response.status
                    )
                )
            found: list[RemoteCalendar] = []
            for item in response.parse_propfind():
                props = item.properties
                kinds = props.get(dav.ResourceType.tag)
                if not _is_calendar(kinds):
                    continue
                url = urljoin(home, item.href)
                name = _text(props.get(dav.DisplayName.tag)) or _last_segment(url)
                comps = props.get(cdav.SupportedCalendarComponentSet.tag)
                found.append(
                    RemoteCalendar(
                        url,
                        name,
                        _holds_events(comps),
                        _text(props.get(_CTAG)),
                        _text(props.get(dav.SyncToken.tag)),
                    )
                )
        return sorted(found, key=lambda c: c.name.casefold())

    def _home(self) -> str:
        if self._principal is None:
            _, _, _, error = _dav()
            client = self._connect()
            try:
                self._principal = client.principal()
            except Exception as exc:
                if isinstance(exc, error.AuthorizationError) and exc.status != 403:
                    raise  # 401: the login refused, no other address will take it
                # a bare server URL that is not the DAV root (or, 403, not this user's place:
                # Radicale's owner_only rights): RFC 6764's well-known address
                client.url = self._well_known(client)
                self._principal = client.principal()
        return str(self._principal.calendar_home_set.url)

    def _well_known(self, client: Any) -> Any:
        """Where /.well-known/caldav leads (RFC 6764), its redirects followed here with the
        method kept: the HTTP library turns a PROPFIND into a GET on a 302 (Xandikos's
        answer, and Apache's `Redirect` default), and a GET of a DAV root is a web page or
        406, not a principal. At most 5 redirects; the last URL reached."""
        from caldav.lib.url import URL

        url = str(client.url.join("/.well-known/caldav"))
        for _ in range(5):
            response = client.session.request(
                "PROPFIND",
                url,
                headers={**getattr(client, "headers", {}), "Depth": "0"},
                auth=client.auth,
                timeout=client.timeout,
                verify=client.ssl_verify_cert,
                allow_redirects=False,
            )
            location = response.headers.get("Location")
            response.close()
            if response.status_code not in (301, 302, 303, 307, 308) or not location:
                break
            url = urljoin(url, location)
        return URL.objectify(url)

    def make_calendar(self, name: str) -> RemoteCalendar:
        """A new calendar for events in the home set, named `name`."""
        with self._said(f"creating the calendar {name!r}"):
            self._home()
            slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
            made = self._principal.make_calendar(
                name=name,
                cal_id=f"{slug or 'splitday'}-{os.urandom(3).hex()}",
                supported_calendar_component_set=["VEVENT"],
            )
        return RemoteCalendar(str(made.url), name, True)

    # ------------------------------------------------------------ pull

    def pull(
        self,
        calendar_url: str,
        *,
        sync_token: str | None,
        ctag: str | None,
        known: Mapping[str, str],
        use_sync_token: bool = True,
    ) -> Delta:
        """What changed since the last pull (`known`: href -> etag stored then).

        With a sync-token (RFC 6578): one REPORT that brings the changed events' data and the
        deleted hrefs. Without one (or when the server lost the token): a first sync-collection,
        else the CTag (one PROPFIND when nothing changed), the ETags, and one calendar-multiget
        of what changed.
        """
        with self._said("the sync"):
            if use_sync_token:
                delta = self._sync_collection(calendar_url, sync_token, known)
                if delta is not None:
                    return delta
            return self._etag_pull(calendar_url, ctag, known)

    def _sync_collection(
        self, calendar_url: str, token: str | None, known: Mapping[str, str]
    ) -> Delta | None:
        _, dav, cdav, error = _dav()
        changed: dict[str, Resource] = {}
        deleted: set[str] = set()
        unchanged: set[str] = set()
        start = token
        for _page in range(MAX_SYNC_PAGES):
            body = _tree(
                dav.SyncCollection(),
                dav.SyncToken(value=token or ""),
                dav.SyncLevel(value="1"),
                _tree(dav.Prop(), dav.GetEtag(), cdav.CalendarData()),
            )
            try:
                response = self._request(calendar_url, "REPORT", _xml(body), {"Depth": "1"})
            except error.AuthorizationError as exc:
                # Radicale answers a token it no longer keeps (max_sync_token_age, 30 days by
                # default) with 403 valid-sync-token: a fresh listing, not a refused login
                if token is None or not _token_refused(exc):
                    raise
                return self._sync_collection(calendar_url, None, known)
            if response.status not in (200, 207):
                if start is not None:  # the token expired (403/409 valid-sync-token): afresh
                    return self._sync_collection(calendar_url, None, known)
                return None  # no sync-collection here: the CTag/ETag way
            result = response.parse_sync_collection()
            for href in result.deleted:
                url = urljoin(calendar_url, href)
                changed.pop(url, None)
                if url in known:  # a server may repeat deletions from before the token
                    deleted.add(url)
            for item in result.changed:
                url = urljoin(calendar_url, item.href)
                if url.rstrip("/") == calendar_url.rstrip("/"):
                    continue
                deleted.discard(url)
                if item.etag is not None and known.get(url) == item.etag:
                    unchanged.add(url)  # listed again with the same ETag (Radicale does)
                    continue
                changed[url] = Resource(url, item.etag, item.calendar_data)
            new_token = result.sync_token
            if not result.truncated or not new_token or new_token == token:
                token = new_token
                break
            token = new_token
        missing = [r.href for r in changed.values() if r.data is None]
        if missing:  # a server that lists changes without their data
            for res in self._multiget(calendar_url, missing):
                changed[res.href] = res
        full = start is None
        same = not changed and not deleted and not full
        return Delta(
            tuple(changed.values()),
            tuple(sorted(deleted)),
            frozenset(unchanged),
            token,
            None,
            full,
            same,
        )

    def _etag_pull(self, calendar_url: str, ctag: str | None, known: Mapping[str, str]) -> Delta:
        _, dav, _cdav, _ = _dav()
        if ctag is not None:  # a CTag is stored only by a pull that succeeded
            body = _tree(dav.Propfind(), _tree(dav.Prop(), _getctag()))
            response = self._request(calendar_url, "PROPFIND", _xml(body), {"Depth": "0"})
            now = None
            for item in response.parse_propfind():
                now = _text(item.properties.get(_CTAG)) or now
            if now is not None and now == ctag:
                return Delta(ctag=ctag, same=True)
        body = _tree(dav.Propfind(), _tree(dav.Prop(), dav.GetEtag(), _getctag()))
        response = self._request(calendar_url, "PROPFIND", _xml(body), {"Depth": "1"})
        etags: dict[str, str | None] = {}
        new_ctag = None
        for item in response.parse_propfind():
            url = urljoin(calendar_url, item.href)
            if url.rstrip("/") == calendar_url.rstrip("/"):
                new_ctag = _text(item.properties.get(_CTAG))
                continue
            etags[url] = _text(item.properties.get(dav.GetEtag.tag))
        todo = [u for u, e in etags.items() if e is None or known.get(u) != e]
        changed = self._multiget(calendar_url, todo) if todo else []
        unchanged = frozenset(u for u in etags if u not in todo)
        deleted = tuple(sorted(u for u in known if u not in etags))
        same = not changed and not deleted
        return Delta(tuple(changed), deleted, unchanged, None, new_ctag, False, same)

    def _multiget(self, calendar_url: str, hrefs: list[str]) -> list[Resource]:
        _, dav, cdav, _ = _dav()
        out: list[Resource] = []
        for i in range(0, len(hrefs), 500):
            chunk = hrefs[i : i + 500]
            body = _tree(
                cdav.CalendarMultiGet(),
                _tree(dav.Prop(), dav.GetEtag(), cdav.CalendarData()),
                *[dav.Href(value=urlsplit(h).path) for h in chunk],
            )
            response = self._request(calendar_url, "REPORT", _xml(body), {"Depth": "1"})
            if response.status not in (200, 207):
                raise CalDavError(
                    tr("{shown}: reading events failed ({status})").format(
                        shown=self.shown, status=response.status
                    )
                )
            for item in response.parse_calendar_query():
                if item.status == 404:
                    continue
                url = urljoin(calendar_url, item.href)
                out.append(Resource(url, item.etag, item.calendar_data))
        return out

    # ------------------------------------------------------------ push

    def get(self, href: str) -> Resource | None:
        with self._said("reading an event"):
            response = self._request(href, "GET")
            if response.status == 404:
                return None
            if response.status >= 300:
                raise CalDavError(
                    tr("{shown}: reading an event failed ({status})").format(
                        shown=self.shown, status=response.status
                    )
                )
            return Resource(href, response.headers.get("ETag"), response.raw)

    def put(self, href: str, data: str, *, etag: str | None) -> str | None:
        """Create (etag None: If-None-Match: *) or replace (If-Match: etag); the new ETag.

        Raises Conflict on 412: the resource exists (create) or changed (replace)."""
        headers = {"Content-Type": _ICS}
        if etag is None:
            headers["If-None-Match"] = "*"
        else:
            headers["If-Match"] = etag
        with self._said("publishing an event"):
            response = self._request(href, "PUT", data.encode(), headers)
            if response.status == 412:
                raise Conflict(
                    tr("{shown}: the event changed on the server").format(shown=self.shown)
                )
            if response.status not in (200, 201, 204):
                raise CalDavError(
                    tr("{shown}: the server refused an event ({status})").format(
                        shown=self.shown, status=response.status
                    )
                )
            tag: str | None = response.headers.get("ETag")
            return tag

    def delete(self, href: str, *, etag: str | None) -> bool:
        """Delete with If-Match; False if it was gone already. Raises Conflict on 412."""
        headers = {"If-Match": etag} if etag else {}
        with self._said("removing an event"):
            response = self._request(href, "DELETE", "", headers)
            if response.status == 412:
                raise Conflict(
                    tr("{shown}: the event changed on the server").format(shown=self.shown)
                )
            if response.status == 404:
                return False
            if response.status in (401, 403):
                raise LoginRefused(
                    tr("{shown}: the server refused to remove an event").format(shown=self.shown)
                )
            if response.status >= 300:
                raise CalDavError(
                    tr("{shown}: removing an event failed ({status})").format(
                        shown=self.shown, status=response.status
                    )
                )
            return True


# ---------------------------------------------------------------- helpers

_CTAG = "{http://calendarserver.org/ns/}getctag"


def _getctag() -> Any:
    from caldav.elements.base import ValuedBaseElement

    class GetCTag(ValuedBaseElement):
        tag = _CTAG

    return GetCTag()


def _token_refused(exc: Exception) -> bool:
    """A 403/409 whose DAV:error says the sync-token is not valid (RFC 6578 3.2)."""
    said = [str(p) for p in getattr(exc, "preconditions", None) or ()]
    body = getattr(exc, "body", None)
    if isinstance(body, bytes):
        said.append(body.decode("utf-8", "replace"))
    elif isinstance(body, str):
        said.append(body)
    return any("valid-sync-token" in text for text in said)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return text.strip() or None
    return None


def _is_calendar(kinds: Any) -> bool:
    if kinds is None:
        return False
    if isinstance(kinds, (list, tuple, set)):
        return any(str(k).rsplit("}", 1)[-1] == "calendar" for k in kinds)
    tags = [child.tag for child in kinds] if hasattr(kinds, "iter") else [str(kinds)]
    return any(t.rsplit("}", 1)[-1] == "calendar" for t in tags)


def _holds_events(comps: Any) -> bool:
    if comps is None:
        return True  # not said: any component
    names: list[str] = []
    if isinstance(comps, (list, tuple, set)):
        names = [str(c) for c in comps]
    elif hasattr(comps, "iter"):
        names = [str(child.get("name", "")) for child in comps]
    return not names or any(n.upper() == "VEVENT" for n in names)


def _last_segment(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or url


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__


Opener = Callable[[str, str], Account]  # (server URL, user) -> Account


def open_account(url: str, user: str) -> Account:
    return Account(url, user)


@dataclass
class Accounts:
    """An opener that keeps the accounts it opened: their requests add up (tests, the
    benchmark), and abort() (the app quits) cuts them all off and refuses new ones. With
    share, one account per server and user serves every call (one client for all its
    calendars and the publish step) until close(). Building a client costs tens of
    milliseconds (more than an unchanged calendar's REPORT), so the app keeps one shared
    Accounts for its background syncs; a refused login is not reused (the password may have
    changed)."""

    opener: Opener = open_account
    accounts: list[Account] = field(default_factory=list)
    aborted: bool = False
    share: bool = False

    def __call__(self, url: str, user: str) -> Account:
        if self.aborted:
            raise Unreachable(
                tr("{display_url}: the sync was cancelled").format(display_url=display_url(url))
            )
        if self.share:
            for account in self.accounts:
                usable = not account.refused and not account._aborted
                if usable and (account.url, account.user) == (normalize_url(url), user):
                    return account
        account = self.opener(url, user)
        account.shared = self.share
        self.accounts.append(account)
        return account

    @property
    def requests(self) -> int:
        return sum(a.requests for a in self.accounts)

    def abort(self) -> None:
        self.aborted = True
        for account in self.accounts:
            account.abort()

    def close(self) -> None:
        for account in self.accounts:
            account.close_now()
