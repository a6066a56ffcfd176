"""CalDAV in and the plan out, against a real Radicale server started by the tests."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from planner.calendars import caldav_sync as dav
from planner.calendars import sync
from planner.calendars.caldav_client import Account, Conflict, LoginRefused
from planner.domain.clock import FakeClock
from planner.services import planning
from planner.storage.db import Database
from planner.storage.models import CalDavResource, CalendarSource, Occurrence, PublishedSlot
from tests.conftest import BERLIN
from tests.planner.dav_servers import PASSWORD, USER, DavServer, Radicale, XandikosTLS

ROOT = Path(__file__).resolve().parents[2]
MONDAY = datetime(2026, 12, 7, 8, 50, tzinfo=BERLIN)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY.astimezone(UTC))


OPENED: list[Account] = []  # every account a test opened, closed after it (a kept-alive socket)


@pytest.fixture(autouse=True)
def _close_accounts() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close_now()


def data_requests(dav_server: DavServer) -> int:
    """The requests a pull of changed events adds to its sync-collection REPORT: none where
    the REPORT brings calendar-data along (Radicale), one calendar-multiget where it does not
    (Xandikos answers calendar-data there with 404)."""
    return 0 if dav_server.sync_brings_data else 1


class Opener:
    """Accounts with the test password, each one's requests counted."""

    def __init__(self, password: str = PASSWORD, timeout: float = 10) -> None:
        self.password = password
        self.timeout = timeout
        self.accounts: list[Account] = []
        self.before: Any = None  # called before each request (a test stops the server there)

    def __call__(self, url: str, user: str) -> Account:
        account = Account(url, user, self.password, timeout=self.timeout)
        if self.before is not None:
            client = account._connect()
            inner = client.session.request

            def hooked(*args: Any, **kwargs: Any) -> Any:
                self.before(args[0], args[1])
                return inner(*args, **kwargs)

            client.session.request = hooked
        self.accounts.append(account)
        OPENED.append(account)
        return account

    @property
    def requests(self) -> int:
        return sum(a.requests for a in self.accounts)

    def reset(self) -> None:
        self.accounts.clear()


def event(uid: str, start: datetime, minutes: int = 60, summary: str = "Meeting") -> str:
    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:{stamp(start)}\r\n"
        f"DTEND:{stamp(start + timedelta(minutes=minutes))}\r\nSUMMARY:{summary}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


class Server:
    """Edits made on the server side, as another client (a colleague, a phone) would."""

    def __init__(self, dav_server: DavServer) -> None:
        self.dav = dav_server
        self.account = Account(dav_server.url, USER, PASSWORD)
        OPENED.append(self.account)

    def calendar(self, name: str) -> str:
        for cal in self.account.calendars():
            if cal.name == name:
                return cal.url
        return self.account.make_calendar(name).url

    def put(self, calendar_url: str, uid: str, data: str) -> None:
        href = f"{calendar_url}{uid}.ics"
        current = self.account.get(href)
        self.account.put(href, data, etag=current.etag if current else None)

    def delete(self, calendar_url: str, uid: str) -> None:
        self.account.delete(f"{calendar_url}{uid}.ics", etag=None)

    def events(self, calendar_url: str) -> dict[str, str]:
        delta = self.account.pull(calendar_url, sync_token=None, ctag=None, known={})
        return {r.href: r.data or "" for r in delta.changed}


@pytest.fixture
def server(dav_server: DavServer) -> Iterator[Server]:
    """The other client's side of each server in turn (Radicale, Xandikos)."""
    yield Server(dav_server)


@pytest.fixture
def radicale_side(radicale: Radicale) -> Iterator[Server]:
    """Radicale's alone: for what needs a server that checks passwords, or its storage."""
    yield Server(radicale)


def follow(db: Database, dav_server: DavServer, opener: Opener, *names: str) -> list[int]:
    found = dav.discover(dav_server.url, USER, opener)
    chosen = dav.choose(found, names, skip_url=None)
    with db.transaction() as s:
        sources, _ = dav.add_calendars(s, "tester", dav_server.url, USER, chosen)
    return [x.id for x in sources]


def pull(db: Database, clock: FakeClock, opener: Opener, **kw: Any) -> list[sync.SyncResult]:
    results, _ = dav.sync_all(
        db, "tester", now=clock.now(), zone=BERLIN, opener=opener, publish=False, **kw
    )
    return results


def summaries(db: Database) -> list[str]:
    with db.read() as s:
        return sorted(s.scalars(select(Occurrence.summary)))


# ---------------------------------------------------------------- in


def test_discovery_from_the_bare_server_url_lists_the_calendars_with_events(
    server: Server,
    dav_server: DavServer,
) -> None:
    server.calendar("Work")
    server.calendar("Team")
    opener = Opener()
    found = dav.discover(dav_server.url, USER, opener)
    assert [c.name for c in found] == ["Team", "Work"]
    assert all(c.url.startswith(f"{dav_server.url}{USER}/") and c.events for c in found)
    # a calendar's own URL works as the account URL too (the principal is found from it)
    again = dav.discover(found[0].url, USER, Opener())
    assert [c.name for c in again] == ["Team", "Work"]
    # a server URL that is no DAV address at all (a web site's page): RFC 6764's
    # /.well-known/caldav leads to the principal, its redirect followed as a PROPFIND (a 302
    # from Xandikos: the HTTP library would have turned it into a GET, and found no principal)
    via_well_known = dav.discover(f"{dav_server.url}no/dav/here/", USER, Opener())
    assert [(c.name, c.url) for c in via_well_known] == [(c.name, c.url) for c in found]
    with pytest.raises(Exception, match="no calendar 'Home'"):
        dav.choose(found, ["Home"], skip_url=None)


def test_pull_then_an_unchanged_resync_costs_one_request_per_calendar(
    db: Database,
    server: Server,
    dav_server: DavServer,
    clock: FakeClock,
) -> None:
    work, team = server.calendar("Work"), server.calendar("Team")
    server.put(work, "standup", event("standup", MONDAY + timedelta(hours=1), 15, "Standup"))
    server.put(team, "retro", event("retro", MONDAY + timedelta(hours=5), 60, "Retro"))
    opener = Opener()
    follow(db, dav_server, opener)
    opener.reset()
    first = pull(db, clock, opener)
    assert [r.ok for r in first] == [True, True]
    assert sum(r.added for r in first) == 2
    assert summaries(db) == ["Retro", "Standup"]
    # a first sync-collection REPORT per calendar (bringing the data along, or a multiget)
    assert opener.requests == 2 * (1 + data_requests(dav_server))
    opener.reset()
    logged = dav_server.requests()
    again = pull(db, clock, opener)
    assert all(r.unchanged for r in again)
    assert opener.requests == 2  # one per calendar
    assert dav_server.requests_since(logged, 2) == 2  # and the server saw just those
    assert summaries(db) == ["Retro", "Standup"]


def test_incremental_pull_follows_server_edits_and_deletes_one_request_each(
    db: Database,
    server: Server,
    dav_server: DavServer,
    clock: FakeClock,
) -> None:
    work = server.calendar("Work")
    for i in range(20):
        start = MONDAY + timedelta(days=i % 5, hours=i % 7)
        server.put(work, f"e{i}", event(f"e{i}", start, 30, f"Event {i}"))
    opener = Opener()
    follow(db, dav_server, opener, "Work")
    pull(db, clock, opener)
    assert len(summaries(db)) == 20
    server.put(work, "e3", event("e3", MONDAY + timedelta(hours=2), 45, "Moved event"))
    opener.reset()
    (result,) = pull(db, clock, opener)
    assert opener.requests == 1 + data_requests(dav_server)  # one changed event, one request
    assert (result.added, result.updated, result.removed, result.kept) == (0, 1, 0, 0)
    assert "Moved event" in summaries(db) and "Event 3" not in summaries(db)
    server.delete(work, "e5")
    opener.reset()
    (result,) = pull(db, clock, opener)
    assert opener.requests == 1
    assert result.removed == 1
    assert "Event 5" not in summaries(db) and len(summaries(db)) == 19
    with db.read() as s:
        hrefs = set(s.scalars(select(CalDavResource.href)))
    assert f"{work}e5.ics" not in hrefs and len(hrefs) == 19


def test_a_sync_token_the_server_no_longer_keeps_means_a_fresh_listing_not_a_refused_login(
    db: Database,
    server: Server,
    dav_server: DavServer,
    clock: FakeClock,
) -> None:
    """Radicale forgets tokens older than max_sync_token_age (30 days: a laptop back from a
    holiday) and answers them with 403 valid-sync-token; python-caldav raises that as an
    AuthorizationError, which was said as "refused the login" at every sync from then on."""
    work = server.calendar("Work")
    for uid in ("a", "b", "c"):
        server.put(work, uid, event(uid, MONDAY + timedelta(hours=2), 30, uid.upper()))
    opener = Opener()
    (sid,) = follow(db, dav_server, opener, "Work")
    pull(db, clock, opener)
    with db.transaction() as s:
        source = s.get(CalendarSource, sid)
        assert source is not None and source.sync_token
        token = source.sync_token
        source.sync_token = token[:-8] + "00000000"  # as the server made them, but unknown
    server.put(work, "a", event("a", MONDAY + timedelta(hours=3), 30, "A moved"))
    server.delete(work, "b")
    (result,) = pull(db, clock, Opener())
    assert result.ok, result.message
    assert "refused" not in result.message
    assert summaries(db) == ["A moved", "C"]  # the deletion found by the full listing
    with db.read() as s:
        renewed = s.get(CalendarSource, sid)
        assert renewed is not None and renewed.sync_token not in (None, token)
    opener = Opener()
    (again,) = pull(db, clock, opener)
    assert again.unchanged and opener.requests == 1


def test_ctag_and_etag_fallback_without_sync_tokens(
    db: Database,
    server: Server,
    dav_server: DavServer,
    clock: FakeClock,
) -> None:
    work = server.calendar("Work")
    server.put(work, "a", event("a", MONDAY + timedelta(hours=1), 30, "A"))
    server.put(work, "b", event("b", MONDAY + timedelta(hours=3), 30, "B"))
    opener = Opener()
    (sid,) = follow(db, dav_server, opener, "Work")
    first = dav.pull_source(
        db, "tester", sid, now=clock.now(), zone=BERLIN, opener=opener, use_sync_token=False
    )
    assert first is not None and first.added == 2
    opener.reset()
    same = dav.pull_source(
        db, "tester", sid, now=clock.now(), zone=BERLIN, opener=opener, use_sync_token=False
    )
    assert same is not None and same.unchanged and opener.requests == 1  # the CTag said so
    server.put(work, "a", event("a", MONDAY + timedelta(hours=2), 30, "A moved"))
    server.delete(work, "b")
    changed = dav.pull_source(
        db, "tester", sid, now=clock.now(), zone=BERLIN, opener=opener, use_sync_token=False
    )
    assert changed is not None and (changed.updated, changed.removed) == (1, 1)
    assert summaries(db) == ["A moved"]


@pytest.fixture(params=["radicale-bcrypt", "xandikos-tls"])
def auth_server(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DavServer]:
    """A server that checks passwords, each in turn: Radicale with a bcrypt htpasswd, and
    Xandikos (bcrypt htpasswd, over HTTPS: it checks passwords only there; the client trusts
    the test's certificate through $REQUESTS_CA_BUNDLE)."""
    server: DavServer
    if request.param == "radicale-bcrypt":
        server = Radicale(tmp_path / "radicale", encryption="bcrypt")
    else:
        server = XandikosTLS(tmp_path / "xandikos")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
    server.start()
    yield server
    server.stop()


def test_a_wrong_password_is_said_in_one_line_and_changes_nothing(
    db: Database,
    auth_server: DavServer,
    clock: FakeClock,
) -> None:
    side = Server(auth_server)
    work = side.calendar("Work")  # the right password (a bcrypt hash on the server) works
    side.put(work, "a", event("a", MONDAY + timedelta(hours=1), 30, "A"))
    follow(db, auth_server, Opener(), "Work")
    pull(db, clock, Opener())
    assert summaries(db) == ["A"]
    opener = Opener("wrong")
    (result,) = pull(db, clock, opener)
    assert not result.ok
    assert result.message == (
        f"{auth_server.url}: the server refused the login for alice "
        "(check the user name and password)"
    )
    assert "wrong" not in result.message and PASSWORD not in result.message
    assert summaries(db) == ["A"]
    with db.read() as s:
        (status,) = [x.last_status for x in sync.list_sources(s, "tester")]
    assert status.startswith("error: ") and "refused the login" in status
    opener = Opener("wrong")
    with pytest.raises(LoginRefused, match="refused the login for alice"):
        dav.discover(auth_server.url, USER, opener)
    assert opener.requests == 1  # no other address tried with a password the server refused
    (again,) = pull(db, clock, Opener())
    assert again.ok and again.unchanged


def test_the_server_stopped_mid_sync_loses_nothing_and_the_next_sync_catches_up(
    db: Database,
    server: Server,
    dav_server: DavServer,
    clock: FakeClock,
) -> None:
    work, team = server.calendar("Work"), server.calendar("Team")
    server.put(work, "a", event("a", MONDAY + timedelta(hours=1), 30, "A"))
    server.put(team, "t", event("t", MONDAY + timedelta(hours=2), 30, "T"))
    opener = Opener()
    follow(db, dav_server, opener)
    pull(db, clock, opener)
    server.put(work, "a", event("a", MONDAY + timedelta(hours=1), 30, "A changed"))
    server.put(team, "t", event("t", MONDAY + timedelta(hours=2), 30, "T changed"))

    def stop_before_work(method: str, url: str) -> None:
        if url.startswith(work) and dav_server.process is not None:
            dav_server.stop()  # Team (first by name) is in; Work's REPORT finds no server

    opener.before = stop_before_work
    results = pull(db, clock, opener)
    assert [r.ok for r in results] == [True, False]
    assert "cannot connect" in results[1].message and "try again later" in results[1].message
    assert summaries(db) == ["A", "T changed"]  # Team (first by name) came in; Work kept as it was
    with db.read() as s:
        status = {x.name: x.last_status for x in sync.list_sources(s, "tester")}
    assert status["Work"].startswith("error: ") and "cannot connect" in status["Work"]
    dav_server.start()
    opener.before = None
    results = pull(db, clock, opener)
    assert all(r.ok for r in results)
    assert summaries(db) == ["A changed", "T changed"]


# ---------------------------------------------------------------- out


def _plan(db: Database, clock: FakeClock) -> list[Any]:
    with db.transaction() as s:
        roles = {r.name: r for r in planning.list_roles(s, "tester")}
        made = []
        for hour, role in ((10, "Support"), (13, "Community"), (15, "Support")):
            start = datetime(2026, 12, 7, hour, tzinfo=BERLIN).astimezone(UTC)
            slot, _ = planning.add_slot(
                s, "tester", BERLIN, start, start + timedelta(hours=1), roles[role].id
            )
            made.append(slot)
        return made


def _publish(
    db: Database,
    dav_server: DavServer,
    name: str = "Splitday focus",
    privacy: str = "role",
) -> str:
    cal, _ = dav.choose_publish_calendar(dav_server.url, USER, name, Opener())
    with db.transaction() as s:
        dav.set_publish_target(
            s, "tester", dav.PublishTarget(dav_server.url, USER, cal.url, cal.name, privacy)
        )
    return cal.url


def test_publish_writes_opaque_marked_events_once_and_a_second_sync_changes_nothing(
    db: Database,
    server: Server,
    dav_server: DavServer,
    clock: FakeClock,
) -> None:
    slots = _plan(db, clock)
    url = _publish(db, dav_server)
    assert "Splitday focus" in [c.name for c in server.account.calendars()]
    opener = Opener()
    result = dav.push(db, "tester", now=clock.now(), opener=opener)
    assert result is not None and result.ok and result.created == 3
    assert opener.requests == 3  # one PUT per slot
    events = server.events(url)
    assert len(events) == 3
    for slot in slots:
        (data,) = [d for d in events.values() if f"UID:{slot.uid}@slot.splitday" in d]
        assert "TRANSP:OPAQUE" in data and f"X-SPLITDAY-SLOT:{slot.uid}" in data
    titles = sorted(d.split("SUMMARY:")[1].split("\n")[0].strip() for d in events.values())
    assert titles == ["Community focus", "Support focus", "Support focus"]
    assert all("CATEGORIES:" in d for d in events.values())
    opener.reset()
    again = dav.push(db, "tester", now=clock.now(), opener=opener)
    assert again is not None and again.ok and again.kept == 3
    assert (again.created, again.updated, again.removed, opener.requests) == (0, 0, 0, 0)
    assert len(server.events(url)) == 3


def test_moving_and_removing_slots_one_request_each_and_the_server_follows(
    db: Database,
    server: Server,
    dav_server: DavServer,
    clock: FakeClock,
) -> None:
    slots = _plan(db, clock)
    url = _publish(db, dav_server, privacy="busy")
    dav.push(db, "tester", now=clock.now(), opener=Opener())
    with db.transaction() as s:
        moved = slots[0]
        planning.update_slot(
            s,
            "tester",
            BERLIN,
            moved.id,
            start=moved.start + timedelta(minutes=30),
            end=moved.end + timedelta(minutes=30),
        )
        planning.remove_slot(s, "tester", slots[2].id)
    opener = Opener()
    result = dav.push(db, "tester", now=clock.now(), opener=opener)
    assert result is not None and (result.updated, result.removed, result.kept) == (1, 1, 1)
    assert opener.requests == 2
    events = server.events(url)
    assert len(events) == 2
    assert all("SUMMARY:Busy" in d for d in events.values())
    (data,) = [d for d in events.values() if moved.uid in d]
    new_start = (moved.start + timedelta(minutes=30)).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{new_start}" in data
    assert not any(slots[2].uid in d for d in events.values())


def test_a_412_conflict_keeps_the_plans_change_without_a_duplicate(
    db: Database,
    server: Server,
    dav_server: DavServer,
    clock: FakeClock,
) -> None:
    slots = _plan(db, clock)
    url = _publish(db, dav_server)
    dav.push(db, "tester", now=clock.now(), opener=Opener())
    href = f"{url}splitday-{slots[1].uid}.ics"
    # someone edits the published event on the server (a phone adds an alarm, say)
    current = server.account.get(href)
    assert current is not None and current.data is not None
    edited = current.data.replace("TRANSP:OPAQUE", "TRANSP:OPAQUE\r\nLOCATION:Room 2")
    server.account.put(href, edited, etag=current.etag)
    with db.transaction() as s:
        planning.update_slot(
            s,
            "tester",
            BERLIN,
            slots[1].id,
            start=slots[1].start,
            end=slots[1].end + timedelta(hours=1),
        )
    opener = Opener()
    result = dav.push(db, "tester", now=clock.now(), opener=opener)
    assert result is not None and result.ok and result.conflicts == 1 and result.updated == 1
    assert opener.requests == 3  # the refused PUT, a GET, the PUT over it
    events = server.events(url)
    assert len(events) == 3  # no duplicate
    end = (slots[1].end + timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTEND:{end}" in events[href]
    with db.read() as s:
        stored = s.scalar(select(PublishedSlot.etag).where(PublishedSlot.slot_uid == slots[1].uid))
    assert stored == server.account.get(href).etag  # type: ignore[union-attr]
    again = dav.push(db, "tester", now=clock.now(), opener=Opener())
    assert again is not None and again.kept == 3 and not again.conflicts


def test_events_that_are_not_splitdays_are_never_touched(
    db: Database,
    server: Server,
    dav_server: DavServer,
    clock: FakeClock,
) -> None:
    slots = _plan(db, clock)
    url = _publish(db, dav_server)
    server.put(url, "lunch", event("lunch", MONDAY + timedelta(hours=4), 60, "Lunch"))
    dav.push(db, "tester", now=clock.now(), opener=Opener())
    # a user takes one published event over: edits it and drops Splitday's marker
    href = f"{url}splitday-{slots[0].uid}.ics"
    current = server.account.get(href)
    assert current is not None and current.data is not None
    mine = "\r\n".join(
        line for line in current.data.splitlines() if not line.startswith("X-SPLITDAY")
    ).replace("Support focus", "My own")
    server.account.put(href, mine, etag=current.etag)
    with db.transaction() as s:
        for slot in slots:
            planning.remove_slot(s, "tester", slot.id)
    result = dav.unpublish(db, "tester", remove=True, now=clock.now(), opener=Opener())
    assert result.ok and result.removed == 2
    events = server.events(url)
    assert set(events) == {href, f"{url}lunch.ics"}  # the taken-over event and Lunch stay
    assert "My own" in events[href]
    with db.read() as s:
        assert dav.publish_target(s, "tester") is None


def test_past_slots_stay_as_they_were_published(
    db: Database,
    server: Server,
    dav_server: DavServer,
    clock: FakeClock,
) -> None:
    slots = _plan(db, clock)
    url = _publish(db, dav_server)
    dav.push(db, "tester", now=clock.now(), opener=Opener())
    later = datetime(2026, 12, 7, 14, 30, tzinfo=BERLIN).astimezone(UTC)  # slots 0, 1 are over
    with db.transaction() as s:
        planning.remove_slot(s, "tester", slots[0].id)
        planning.remove_slot(s, "tester", slots[2].id)
    opener = Opener()
    result = dav.push(db, "tester", now=later, opener=opener)
    assert result is not None and result.removed == 1 and opener.requests == 1
    events = server.events(url)
    assert any(slots[0].uid in d for d in events.values())  # over before it was removed: kept
    assert not any(slots[2].uid in d for d in events.values())


def test_the_server_stopped_mid_publish_then_the_rest_is_written_without_duplicates(
    db: Database,
    server: Server,
    dav_server: DavServer,
    clock: FakeClock,
) -> None:
    _plan(db, clock)
    url = _publish(db, dav_server)
    opener = Opener()
    puts: list[str] = []

    def stop_after_one(method: str, url_: str) -> None:
        if method == "PUT":
            puts.append(url_)
            if len(puts) == 2:
                dav_server.stop()

    opener.before = stop_after_one
    result = dav.push(db, "tester", now=clock.now(), opener=opener)
    assert result is not None and not result.ok and result.created == 1
    assert "cannot connect" in result.message and "the rest at the next sync" in result.message
    dav_server.start()
    result = dav.push(db, "tester", now=clock.now(), opener=Opener())
    assert result is not None and result.ok and result.created == 2 and result.kept == 1
    assert len(server.events(url)) == 3


@pytest.mark.slow
@pytest.mark.timeout(1500)  # Radicale itself parses 9 000 objects on its first read (minutes)
def test_a_10_000_event_calendar_pulls_and_resyncs_in_one_request(
    db: Database,
    radicale_side: Server,
    radicale: Radicale,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    from tests.conftest import SHARED

    generator = SHARED / "bench" / "gen_ics.py"
    if not generator.is_file():  # the shared generator lives beside the project, not in it
        pytest.skip(f"no calendar generator at {generator}")
    ics = tmp_path / "c10k.ics"
    subprocess.run(
        [sys.executable, str(SHARED / "bench" / "gen_ics.py"), "10000", str(ics), "7", "5"],
        check=True,
    )
    url = radicale_side.calendar("Big")
    radicale.write_ics(url, ics.read_bytes())
    opener = Opener(timeout=1200)
    follow(db, radicale, opener, "Big")
    opener.reset()
    started = time.perf_counter()
    (first,) = pull(db, clock, opener)
    print(f"first pull of 10 000 events: {time.perf_counter() - started:.2f} s")
    assert first.ok and first.added > 0, first.message
    assert opener.requests == 1
    with db.read() as s:
        assert s.query(CalDavResource).count() >= 9000  # overrides share their master's object
    opener.reset()
    (same,) = pull(db, clock, opener)
    assert same.unchanged and opener.requests == 1
    radicale_side.put(url, "extra", event("extra", MONDAY + timedelta(hours=3), 30, "One more"))
    opener.reset()
    (one,) = pull(db, clock, opener)
    assert opener.requests == 1 and one.added == 1 and "One more" in summaries(db)


def test_conflict_error_type_is_raised_for_a_stale_etag(
    server: Server,
) -> None:
    url = server.calendar("Work")
    server.put(url, "a", event("a", MONDAY, 30, "A"))
    with pytest.raises(Conflict):
        server.account.put(f"{url}a.ics", event("a", MONDAY, 60, "A"), etag='"stale"')


# ---------------------------------------------------------------- the command line


def _cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.shell.launcher", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_follows_an_account_publishes_and_stops(
    radicale_side: Server, radicale: Radicale, tmp_path: Path
) -> None:
    import os

    work = radicale_side.calendar("Work")
    radicale_side.calendar("Team")
    radicale_side.put(work, "standup", event("standup", MONDAY + timedelta(hours=2), 15, "Standup"))
    env = {
        **os.environ,
        "SPLITDAY_DATA_DIR": str(tmp_path / "data"),
        "SPLITDAY_SOCKET": str(tmp_path / "s"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "SPLITDAY_NOW": "2026-12-07T08:50",
        "TZ": "Europe/Berlin",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # the private file, here
    }
    env.pop("SPLITDAY_CALDAV_PASSWORD", None)
    url = radicale.url
    wrong = _cli(
        "calendar", "add", "--caldav", url, "--user", USER, "--calendar", "Work",
        "--password-stdin", env=env, stdin="not it\n",
    )  # fmt: skip
    assert wrong.returncode != 0
    assert "refused the login for alice" in wrong.stderr
    assert wrong.stderr.count("\n") == 1 and "Traceback" not in wrong.stderr
    assert "not it" not in wrong.stderr + wrong.stdout
    added = _cli(
        "calendar", "add", "--caldav", url, "--user", USER, "--calendar", "Work",
        "--password-stdin", env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "added calendar Work (id 1, caldav)" in added.stdout
    assert "Work: " in added.stdout and "1 new" in added.stdout
    database = next((tmp_path / "data").glob("*.sqlite3"))
    assert PASSWORD.encode() not in database.read_bytes()
    listed = _cli("calendar", "list", "--caldav", url, "--user", USER, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "followed as Work" in listed.stdout and "Team" in listed.stdout
    events = _cli("calendar", "events", "--json", env=env)
    assert [e["summary"] for e in json.loads(events.stdout)] == ["Standup"]
    assert _cli("plan", "--auto", env=env).returncode == 0
    published = _cli("calendar", "publish", "--caldav", url, "--user", USER, env=env)
    assert published.returncode == 0, published.stderr
    assert "created the calendar Splitday focus" in published.stdout
    assert "publish: " in published.stdout and " new" in published.stdout
    again = _cli("calendar", "sync", env=env)
    assert again.returncode == 0, again.stderr
    assert "Work: unchanged" in again.stdout and "publish: up to date" in again.stdout
    env_wrong = {**env, "SPLITDAY_CALDAV_PASSWORD": "nope"}
    failed = _cli("calendar", "sync", env=env_wrong)
    assert failed.returncode == 1 and "refused the login" in failed.stderr
    assert "Traceback" not in failed.stderr
    off = _cli("calendar", "publish", "--off", "--remove", env=env)
    assert off.returncode == 0, off.stderr
    assert "stopped publishing to Splitday focus" in off.stdout and "removed" in off.stdout
    focus = next(c.url for c in radicale_side.account.calendars() if c.name == "Splitday focus")
    assert radicale_side.events(focus) == {}


def test_a_followed_calendar_cannot_receive_the_plan(
    db: Database, server: Server, dav_server: DavServer
) -> None:
    work = server.calendar("Work")
    follow(db, dav_server, Opener(), "Work")
    with db.transaction() as s, pytest.raises(Exception, match="followed as a calendar source"):
        dav.set_publish_target(s, "tester", dav.PublishTarget(dav_server.url, USER, work, "Work"))
