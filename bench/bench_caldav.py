"""CalDAV benchmark against local servers: unchanged re-sync per calendar, one changed event,
publishing a day's plan; requests counted on the client (and in the server's own log).

    python bench/bench_caldav.py                    # Radicale and Xandikos, side by side:
                                                    # 3 calendars of 200 events, 20 re-syncs
    python bench/bench_caldav.py --server xandikos  # one server only
    python bench/bench_caldav.py --big              # and a 10 000-event calendar (Radicale;
                                                    # gen_ics.py; slow)

Each server runs from a temporary folder on 127.0.0.1 at a free port (tests/planner/
dav_servers.py); nothing is written into the repository. Targets (issue 17): an unchanged
account re-syncs in <= 50 ms per calendar, one changed event is pulled in one request,
publishing is one request per changed slot.
"""

from __future__ import annotations

import argparse
import os
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
from planner.calendars.caldav_client import Account, Accounts, _getctag, _tree, _xml  # noqa: E402
from planner.calendars.sync import SyncResult  # noqa: E402
from planner.domain.timerange import local_wall_time  # noqa: E402
from planner.services import planning  # noqa: E402
from planner.storage.db import Database, open_database  # noqa: E402
from planner.storage.models import CalendarSource  # noqa: E402
from tests.planner.dav_servers import PASSWORD, SERVERS, USER, DavServer, Radicale  # noqa: E402

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
    parser.add_argument("--server", choices=[*sorted(SERVERS), "both"], default="both")
    parser.add_argument("--calendars", type=int, default=3)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--big", action="store_true", help="also a 10 000-event calendar")
    args = parser.parse_args()
    names = sorted(SERVERS) if args.server == "both" else [args.server]
    figures: dict[str, dict[str, str]] = {}
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="splitday-caldav-bench-") as tmp:
        for name in names:
            folder = Path(tmp) / name
            server = SERVERS[name](folder / "server")
            server.start()
            try:
                figures[name] = _run(args, folder, server)
            finally:
                server.stop()
            load.append(os.getloadavg()[0])
    print(
        f"\n{args.calendars} calendars x {args.events} events, load average "
        + " -> ".join(f"{x:.1f}" for x in load)
        + f" ({os.cpu_count()} cores)"
    )
    print("| what | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for key in figures[names[0]]:
        print(f"| {key} | " + " | ".join(figures[n].get(key, "—") for n in names) + " |")
    return 0


def _run(args: argparse.Namespace, folder: Path, server: DavServer) -> dict[str, str]:
    fig: dict[str, str] = {}
    admin = Account(server.url, USER, PASSWORD, timeout=1200)
    urls = []
    t = time.perf_counter()
    for c in range(args.calendars):
        url = admin.make_calendar(f"Calendar {c + 1}").url
        server.write_ics(url, _ics(args.events, c))
        urls.append(url)
    print(f"{server.name}: filled in {time.perf_counter() - t:.1f} s")
    db = open_database(f"sqlite:///{folder / 'bench.sqlite3'}", owner="bench")
    with db.transaction() as s:
        planning.ensure_defaults(s, "bench")
    opener = _opener()
    found = dav.discover(server.url, USER, opener)
    with db.transaction() as s:
        dav.add_calendars(s, "bench", server.url, USER, dav.choose(found, [], skip_url=None))
    n = len(urls)
    print(f"{server.name} {server.url}: {n} calendars x {args.events} events")

    opener = _opener()
    t = time.perf_counter()
    first = _sync(db, opener)
    ms = (time.perf_counter() - t) * 1000
    print(
        f"first pull: {ms:.0f} ms, {opener.requests} requests, "
        f"{sum(r.added for r in first)} occurrences"
    )
    fig["first pull of the account"] = f"{ms:,.0f} ms, **{opener.requests} requests**"

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
    server_side = server.requests_since(logged, args.runs * n) / (args.runs * n)
    print(
        f"unchanged re-sync: {statistics.median(times):.1f} ms per calendar (median of "
        f"{args.runs}; min {min(times):.1f}, max {max(times):.1f}), "
        f"{statistics.median(requests):g} request(s) per calendar ({server.name} logged "
        f"{server_side:g})"
    )
    fig["unchanged re-sync, per calendar (clients kept)"] = (
        f"**{statistics.median(times):.1f} ms** median of {args.runs} (min {min(times):.1f})"
    )
    fig["requests per calendar, unchanged (client / server's log)"] = (
        f"**{statistics.median(requests):g} / {server_side:g}**"
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
    fig["unchanged re-sync with a new client each time"] = f"{statistics.median(fresh):.0f} ms"
    # the requests alone, bare (no database): which unchanged check is cheapest here
    account = Account(server.url, USER, PASSWORD)
    with db.read() as s:
        first_source = select(CalendarSource.sync_token).where(CalendarSource.location == urls[0])
        token = s.scalar(first_source)
    probes = (
        ("the bare sync-collection REPORT (token)", lambda: _pull(account, urls[0], token)),
        ("the bare PROPFIND of the CTag (Depth 0)", lambda: _propfind(account, urls[0], "ctag")),
        ("the bare PROPFIND of sync-token (Depth 0)", lambda: _propfind(account, urls[0], "token")),
        ("the bare PROPFIND of getetag (Depth 0)", lambda: _propfind(account, urls[0], "etag")),
    )
    bare: dict[str, list[float]] = {label: [] for label, _ in probes}
    answers: dict[str, str] = {}
    for _ in range(args.runs):  # interleaved: the machine's load drifts alike for each
        for label, probe in probes:
            t = time.perf_counter()
            answers[label] = probe()
            bare[label].append((time.perf_counter() - t) * 1000)
    for label, _ in probes:
        print(f"  {label}: {statistics.median(bare[label]):.1f} ms ({answers[label]})")
        fig[label] = f"{statistics.median(bare[label]):.1f} ms" + (
            "" if answers[label] else " (no value)"
        )
    account.close_now()

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
    fig["one new event: requests for the account"] = f"**{opener.requests}** ({n} calendars)"

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
        ms = (time.perf_counter() - t) * 1000
        print(
            f"{label}: {ms:.0f} ms, {opener.requests} requests, "
            f"{pushed.created} new, {pushed.updated} changed"
        )
        fig[label] = f"**{opener.requests} requests**, {ms:,.0f} ms"
    with db.transaction() as s:
        slot = planning.list_slots(s, "bench", day)[0]
        planning.update_slot(s, "bench", BERLIN, slot.id, end=slot.end - timedelta(minutes=20))
    opener = _opener()
    pushed = dav.push(db, "bench", now=NOW, opener=opener)
    assert pushed is not None
    print(
        f"publish after resizing one slot: {opener.requests} request(s), {pushed.updated} changed"
    )
    fig["publish after resizing one slot"] = f"**{opener.requests} request**"

    if args.big and isinstance(server, Radicale):
        _big(folder, server, admin)
    db.close()
    admin.close_now()
    return fig


def _pull(account: Account, url: str, token: str | None) -> str:
    delta = account.pull(url, sync_token=token, ctag=None, known={})
    return "unchanged" if delta.same else "changed"


def _propfind(account: Account, url: str, what: str) -> str:
    """One Depth-0 PROPFIND of the collection's CTag, sync-token or getetag; the value."""
    from caldav.elements import dav as d

    prop = {"ctag": _getctag, "token": d.SyncToken, "etag": d.GetEtag}[what]()
    body = _tree(d.Propfind(), _tree(d.Prop(), prop))
    response = account._request(url, "PROPFIND", _xml(body), {"Depth": "0"})
    for item in response.parse_propfind():
        for value in item.properties.values():
            text = getattr(value, "text", value)
            if isinstance(text, str) and text.strip():
                return text.strip()[-12:]
    return ""


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
