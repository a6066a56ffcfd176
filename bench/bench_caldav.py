"""CalDAV benchmark against a local Radicale: unchanged re-sync per calendar, one changed event,
publishing a day's plan; requests counted on the client (and in Radicale's own log).

    python bench/bench_caldav.py                    # 3 calendars of 200 events, 20 re-syncs
    python bench/bench_caldav.py --big              # and a 10 000-event calendar (gen_ics.py; slow)

Radicale runs from a temporary folder on 127.0.0.1 at a free port; nothing is written into the
repository. Targets (issue 17): an unchanged account re-syncs in <= 50 ms per calendar, one
changed event is pulled in one request, publishing is one request per changed slot.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from planner.calendars import caldav_sync as dav  # noqa: E402
from planner.calendars.caldav_client import Account, Accounts  # noqa: E402
from planner.calendars.sync import SyncResult  # noqa: E402
from planner.domain.timerange import local_wall_time  # noqa: E402
from planner.services import planning  # noqa: E402
from planner.storage.db import Database, open_database  # noqa: E402
from planner.storage.models import CalendarSource  # noqa: E402
from tests.planner.dav_servers import PASSWORD, USER, Radicale  # noqa: E402

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 7, 8, 50, tzinfo=BERLIN).astimezone(UTC)
SHARED = ROOT.parent / "shared"


def _ics(n: int, seed: int) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    for i in range(n):
        start = NOW + timedelta(days=(i * 7 + seed) % 120 - 30, hours=i % 8)
        lines += [
            "BEGIN:VEVENT",
            f"UID:bench-{seed}-{i}",
            "DTSTAMP:20261201T000000Z",
            f"DTSTART:{start.strftime('%Y%m%dT%H%M%SZ')}",
            f"DTEND:{(start + timedelta(minutes=30)).strftime('%Y%m%dT%H%M%SZ')}",
            f"SUMMARY:Meeting {i}",
            "END:VEVENT",
        ]
    return ("\r\n".join([*lines, "END:VCALENDAR", ""])).encode()


def _opener(share: bool = False) -> Accounts:
    return Accounts(lambda url, user: Account(url, user, PASSWORD, timeout=1200), share=share)


def _sync(db: Database, opener: Accounts) -> list[SyncResult]:
    results, _ = dav.sync_all(db, "bench", now=NOW, zone=BERLIN, opener=opener, publish=False)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calendars", type=int, default=3)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--big", action="store_true", help="also a 10 000-event calendar")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="splitday-caldav-bench-") as tmp:
        folder = Path(tmp)
        server = Radicale(folder / "radicale")
        server.start()
        try:
            return _run(args, folder, server)
        finally:
            server.stop()


def _run(args: argparse.Namespace, folder: Path, server: Radicale) -> int:
    admin = Account(server.url, USER, PASSWORD, timeout=1200)
    urls = []
    for c in range(args.calendars):
        url = admin.make_calendar(f"Calendar {c + 1}").url
        server.write_ics(url, _ics(args.events, c))
        urls.append(url)
    db = open_database(f"sqlite:///{folder / 'bench.sqlite3'}", owner="bench")
    with db.transaction() as s:
        planning.ensure_defaults(s, "bench")
    opener = _opener()
    found = dav.discover(server.url, USER, opener)
    with db.transaction() as s:
        dav.add_calendars(s, "bench", server.url, USER, dav.choose(found, [], skip_url=None))
    n = len(urls)
    print(f"Radicale {server.url}: {n} calendars x {args.events} events")

    opener = _opener()
    t = time.perf_counter()
    first = _sync(db, opener)
    print(
        f"first pull: {(time.perf_counter() - t) * 1000:.0f} ms, {opener.requests} requests, "
        f"{sum(r.added for r in first)} occurrences"
    )

    # as the app's background sync runs: its CalDAV clients kept from one sync to the next
    kept = _opener(share=True)
    _sync(db, kept)
    times, requests = [], []
    logged = server.requests()
    for _ in range(args.runs):
        before = kept.requests
        t = time.perf_counter()
        results = _sync(db, kept)
        times.append((time.perf_counter() - t) * 1000 / n)
        requests.append((kept.requests - before) / n)
        assert all(r.unchanged for r in results)
    server_side = (server.requests() - logged) / (args.runs * n)
    print(
        f"unchanged re-sync: {statistics.median(times):.1f} ms per calendar (median of "
        f"{args.runs}; min {min(times):.1f}, max {max(times):.1f}), "
        f"{statistics.median(requests):g} request(s) per calendar (Radicale logged "
        f"{server_side:g})"
    )
    fresh = []
    for _ in range(5):  # as `splitday calendar sync` runs: a new client in each process
        t = time.perf_counter()
        _sync(db, _opener())
        fresh.append((time.perf_counter() - t) * 1000 / n)
    print(
        f"  with a new client for each sync (the command line): "
        f"{statistics.median(fresh):.1f} ms per calendar (median of 5)"
    )
    # the same request, bare: python-caldav's REPORT with the token, no database
    account = Account(server.url, USER, PASSWORD)
    with db.read() as s:
        token = s.execute(select(CalendarSource.sync_token)).scalars().first()
    bare = []
    for _ in range(args.runs):
        t = time.perf_counter()
        account.pull(urls[0], sync_token=token, ctag=None, known={})
        bare.append((time.perf_counter() - t) * 1000)
    print(f"  the bare sync-collection REPORT alone: {statistics.median(bare):.1f} ms")

    admin.put(
        f"{urls[0]}changed.ics",
        _ics(1, 99).decode().replace("bench-99-0", "changed"),
        etag=None,
    )
    opener = _opener()
    t = time.perf_counter()
    results = _sync(db, opener)
    print(
        f"one new event on the server: {(time.perf_counter() - t) * 1000:.0f} ms for the "
        f"account, {opener.requests} requests ({n} calendars), "
        f"{sum(r.added for r in results)} added"
    )

    cal, _ = dav.choose_publish_calendar(server.url, USER, "Splitday focus", _opener())
    with db.transaction() as s:
        dav.set_publish_target(s, "bench", dav.PublishTarget(server.url, USER, cal.url, cal.name))
        roles = planning.list_roles(s, "bench")
        day = NOW.astimezone(BERLIN).date()
        for hour in range(9, 17):
            start = local_wall_time(day, hour * 60, BERLIN)
            role = roles[hour % 2]
            planning.add_slot(s, "bench", BERLIN, start, start + timedelta(minutes=50), role.id)
    for label in ("publish a day's plan (8 slots)", "publish again, unchanged"):
        opener = _opener()
        t = time.perf_counter()
        pushed = dav.push(db, "bench", now=NOW, opener=opener)
        assert pushed is not None and pushed.ok
        print(
            f"{label}: {(time.perf_counter() - t) * 1000:.0f} ms, {opener.requests} requests, "
            f"{pushed.created} new, {pushed.updated} changed"
        )
    with db.transaction() as s:
        slot = planning.list_slots(s, "bench", day)[0]
        planning.update_slot(s, "bench", BERLIN, slot.id, end=slot.end - timedelta(minutes=20))
    opener = _opener()
    pushed = dav.push(db, "bench", now=NOW, opener=opener)
    assert pushed is not None
    print(
        f"publish after resizing one slot: {opener.requests} request(s), {pushed.updated} changed"
    )

    if args.big:
        _big(folder, server, admin)
    db.close()
    return 0


def _big(folder: Path, server: Radicale, admin: Account) -> None:
    ics = folder / "c10k.ics"
    subprocess.run(
        [sys.executable, str(SHARED / "bench" / "gen_ics.py"), "10000", str(ics), "7", "5"],
        check=True,
        capture_output=True,
    )
    url = admin.make_calendar("Big").url
    objects = server.write_ics(url, ics.read_bytes())
    db = open_database(f"sqlite:///{folder / 'big.sqlite3'}", owner="bench")
    with db.transaction() as s:
        planning.ensure_defaults(s, "bench")
        big = [c for c in admin.calendars() if c.url == url]
        dav.add_calendars(s, "bench", server.url, USER, big)
    for label in ("10 000 events: first pull (Radicale's first read included)", "second pull"):
        opener = _opener()
        t = time.perf_counter()
        (result,) = _sync(db, opener)
        print(
            f"{label}: {(time.perf_counter() - t):.1f} s, {opener.requests} request(s), "
            f"{objects} objects, {result.message}"
        )
    times = []
    for _ in range(5):
        opener = _opener()
        t = time.perf_counter()
        _sync(db, opener)
        times.append((time.perf_counter() - t) * 1000)
    print(
        f"10 000 events, unchanged re-sync: {statistics.median(times):.0f} ms "
        f"(median of 5), {opener.requests} request"
    )
    db.close()


if __name__ == "__main__":
    raise SystemExit(main())
