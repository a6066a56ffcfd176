"""Calendar import benchmark: generated Outlook- and Google-style calendars of 1k/10k/50k events.

    python bench/bench_calendar.py            # 1k, 10k, 50k; khal at 10k
    python bench/bench_calendar.py --sizes 1000 --khal 0

Everything is written to a temporary directory, never into the repository. khal must be
installed in the same venv (`pip install khal`); it is timed with its own temporary config.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BERLIN = ZoneInfo("Europe/Berlin")
FIRST_DAY = date(2022, 1, 3)
YEARS = 5
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN).astimezone(UTC)

OUTLOOK_TZ = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""

GOOGLE_TZ = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
X-LIC-LOCATION:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""

TITLES = [
    "Team standup", "1:1 with Alex", "Support handover", "Community call", "Design review",
    "Customer escalation", "Forum moderation", "Newsletter planning", "Sprint planning",
    "Retro", "Lunch", "Dentist", "Webinar: release notes", "Board prep", "Interview",
]  # fmt: skip


def fold(line: str) -> str:
    """RFC 5545 folding at 75 octets (as both producers do)."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, start = [], 0
    while start < len(raw):
        size = 75 if start == 0 else 74
        end = min(len(raw), start + size)
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(raw[start:end].decode())
        start = end
    return "\r\n ".join(parts)


def generate(count: int, style: str, seed: int = 7) -> bytes:
    """count VEVENTs over five years: ~3 % recurring masters (with overrides), the rest single."""
    rng = random.Random(seed + count + (0 if style == "outlook" else 1))
    out: list[str] = []
    if style == "outlook":
        out += [
            "BEGIN:VCALENDAR", "METHOD:PUBLISH", "PRODID:Microsoft Exchange Server 2010",
            "VERSION:2.0", "X-WR-CALNAME:Calendar", OUTLOOK_TZ,
        ]  # fmt: skip
    else:
        out += [
            "BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
            "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:me@example.org",
            "X-WR-TIMEZONE:Europe/Berlin", GOOGLE_TZ,
        ]  # fmt: skip
    days = YEARS * 365
    made = 0
    n = 0
    while made < count:
        n += 1
        day = FIRST_DAY + timedelta(days=rng.randrange(days))
        while day.weekday() >= 5 and rng.random() < 0.9:
            day += timedelta(days=1)
        hour, minute = rng.randrange(8, 18), rng.choice((0, 15, 30, 45))
        length = rng.choice((15, 30, 30, 45, 60, 60, 90, 120))
        start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)
        end = start + timedelta(minutes=length)
        title = rng.choice(TITLES)
        uid = (
            f"040000008200E00074C5B7101A82E00800000000{n:08X}{rng.getrandbits(64):016X}"
            if style == "outlook"
            else f"{rng.getrandbits(80):020x}{n}@google.com"
        )
        kind = rng.random()
        lines = ["BEGIN:VEVENT", f"UID:{uid}", f"SUMMARY:{title}"]
        recurring = kind < 0.03 and made + 4 <= count
        all_day = not recurring and kind > 0.95
        if all_day:
            lines += [
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            ]
        elif style == "outlook" or recurring:
            tz = "W. Europe Standard Time" if style == "outlook" else "Europe/Berlin"
            lines += [
                f"DTSTART;TZID={tz}:{start:%Y%m%dT%H%M%S}",
                f"DTEND;TZID={tz}:{end:%Y%m%dT%H%M%S}",
            ]
        else:
            lines += [
                f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
                f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            ]
        overrides: list[list[str]] = []
        if recurring:
            freq = rng.choice(("WEEKLY", "WEEKLY", "DAILY", "MONTHLY"))
            ending = rng.random()
            if ending < 0.6:  # most series end
                until = start + timedelta(days=rng.randrange(30, 400))
                rule = f"FREQ={freq};UNTIL={until.astimezone(UTC):%Y%m%dT%H%M%SZ}"
            elif ending < 0.8:
                rule = f"FREQ={freq};COUNT={rng.randrange(5, 60)}"
            else:
                rule = f"FREQ={freq}"
            if freq == "DAILY":
                rule += ";BYDAY=MO,TU,WE,TH,FR"
            lines.append(f"RRULE:{rule}")
            step = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31}[freq]
            ex = start + timedelta(days=step * 2)
            lines.append(f"EXDATE;TZID={lines[3].split('=')[1].split(':')[0]}:{ex:%Y%m%dT%H%M%S}")
            for k in (3, 5):
                rid = start + timedelta(days=step * k)
                tz = lines[3].split("=")[1].split(":")[0]
                moved = rid + timedelta(hours=1)
                overrides.append(
                    [
                        "BEGIN:VEVENT",
                        f"UID:{uid}",
                        f"RECURRENCE-ID;TZID={tz}:{rid:%Y%m%dT%H%M%S}",
                        f"SUMMARY:{title} (moved)",
                        f"DTSTART;TZID={tz}:{moved:%Y%m%dT%H%M%S}",
                        f"DTEND;TZID={tz}:{moved + timedelta(minutes=length):%Y%m%dT%H%M%S}",
                        "SEQUENCE:1",
                        "DTSTAMP:20250101T000000Z",
                        "END:VEVENT",
                    ]
                )
        lines += [
            "DTSTAMP:20250101T000000Z",
            f"LOCATION:{rng.choice(['', 'Room 2.14', 'https://meet.example.org/abc-defg-hij'])}",
            "SEQUENCE:0",
            "STATUS:CONFIRMED",
            f"TRANSP:{'TRANSPARENT' if all_day or rng.random() < 0.05 else 'OPAQUE'}",
            "DESCRIPTION:Agenda:\\n- item one\\n- item two\\nJoin: https://meet.example.org/"
            "abc-defg-hij?pin=12345678 or dial +49 30 123456789\\, PIN 987654#",
            "ORGANIZER;CN=Alex Example:mailto:alex@example.org",
            "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;"
            "CN=Sam Sample;X-NUM-GUESTS=0:mailto:sam@example.org",
        ]
        if style == "outlook":
            lines += [
                "CLASS:PUBLIC",
                "PRIORITY:5",
                f"X-MICROSOFT-CDO-BUSYSTATUS:{'FREE' if all_day else 'BUSY'}",
                "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY",
                f"X-MICROSOFT-CDO-ALLDAYEVENT:{'TRUE' if all_day else 'FALSE'}",
                "X-MICROSOFT-CDO-IMPORTANCE:1",
                "X-MICROSOFT-CDO-INSTTYPE:0",
                "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
            ]
        else:
            lines += ["CREATED:20240101T000000Z", "LAST-MODIFIED:20250101T000000Z"]
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:REMINDER",
            "TRIGGER;RELATED=START:-PT15M",
            "END:VALARM",
            "END:VEVENT",
        ]
        out.extend(lines)
        made += 1
        for o in overrides:
            out.extend(o)
            made += 1
    out.append("END:VCALENDAR")
    text = "\r\n".join(fold(x) if "\n" not in x else x.replace("\n", "\r\n") for x in out)
    return (text + "\r\n").encode()


# ---------------------------------------------------------------- timing helpers


def best(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bare_parse(data: bytes) -> None:
    import icalendar

    icalendar.Calendar.from_ical(data)


def fresh_import(path: Path, workdir: Path) -> tuple[float, object, int]:
    """A full import into a new database: read, parse, expand, upsert, commit."""
    from planner.calendars import sync as calendars
    from planner.services import planning
    from planner.storage.db import open_database

    db_path = workdir / f"db-{time.monotonic_ns()}.sqlite3"
    db = open_database(f"sqlite:///{db_path}", owner="bench")
    with db.transaction() as s:
        planning.ensure_defaults(s, "bench")
        source, _ = calendars.add_source(s, "bench", "bench", str(path))
    started = time.perf_counter()
    with db.transaction() as s:
        result = calendars.sync_source(s, "bench", source.id, now=NOW, zone=BERLIN)
    elapsed = time.perf_counter() - started
    assert result.ok, result.message
    return elapsed, db, source.id


def khal_import(path: Path, workdir: Path) -> float:
    khal = Path(sys.executable).with_name("khal")
    if not khal.exists():
        raise SystemExit("khal is not installed in this venv: pip install khal")
    home = workdir / f"khal-{time.monotonic_ns()}"
    (home / "cal").mkdir(parents=True)
    config = home / "config"
    config.write_text(
        f"""[calendars]
[[bench]]
path = {home / "cal"}
type = calendar
[locale]
local_timezone = Europe/Berlin
default_timezone = Europe/Berlin
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
[sqlite]
path = {home / "khal.db"}
"""
    )
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home), XDG_DATA_HOME=str(home))
    started = time.perf_counter()
    done = subprocess.run(
        [str(khal), "-c", str(config), "import", "--batch", "-a", "bench", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"khal import failed: {done.stderr[-500:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
    parser.add_argument(
        "--khal", type=int, nargs="*", default=[10_000], help="sizes to run khal on"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from planner.calendars import sync as calendars
    from planner.domain.timerange import Interval

    workdir = Path(tempfile.mkdtemp(prefix="splitday-bench-"))
    try:
        print(
            f"now = {NOW:%Y-%m-%d}; window 8 weeks back, 26 ahead; python {sys.version.split()[0]}"
        )
        header = (
            f"{'events':>7} {'style':<8} {'MB':>5} {'from_ical':>9} {'import':>8} {'ratio':>6} "
            f"{'stored':>6} {'resync':>8} {'rehash':>8} {'week q':>8} {'day':>8} {'step':>7} "
            f"{'khal':>8} "
            f"{'khal/x':>7}"
        )
        print(header)
        for size in args.sizes:
            for style in ("outlook", "google"):
                data = generate(size, style)
                path = workdir / f"{style}-{size}.ics"
                path.write_bytes(data)
                written = time.time()
                parse_s = best(lambda d=data: bare_parse(d), args.repeat)
                runs = [fresh_import(path, workdir) for _ in range(args.repeat)]
                import_s = statistics.median(r[0] for r in runs)
                _, db, source_id = runs[-1]
                with db.transaction() as s:  # type: ignore[attr-defined]
                    stored = len(
                        calendars.list_occurrences(
                            s,
                            "bench",
                            Interval(NOW - timedelta(weeks=9), NOW + timedelta(weeks=27)),
                        )
                    )

                def resync(db: object = db, source_id: int = source_id) -> None:
                    with db.transaction() as s:  # type: ignore[attr-defined]
                        r = calendars.sync_source(s, "bench", source_id, now=NOW, zone=BERLIN)
                        assert r.unchanged

                # a file changed in the last 3 s is hashed, not trusted by its stat()
                time.sleep(max(0.0, written + calendars._SETTLE_NS / 1e9 + 0.1 - time.time()))
                resync(db, source_id)  # the first one after settling keeps the stat()
                resync_s = best(resync, 10)

                def rehash(db: object = db, source_id: int = source_id, path: Path = path) -> None:
                    stat = path.stat()  # touched: same bytes, new mtime
                    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1000))
                    resync(db, source_id)

                rehash_s = best(rehash, 10)
                week = Interval(NOW, NOW + timedelta(days=7))

                def query(db: object = db, week: Interval = week) -> None:
                    with db.transaction() as s:  # type: ignore[attr-defined]
                        calendars.list_occurrences(s, "bench", week)

                query_s = best(query, 200)
                days = iter(range(1, 10_000))

                def next_day(db: object = db, source_id: int = source_id) -> None:
                    # the next morning: the window moves in 28-day steps, so (off a step day)
                    # this is the unchanged re-sync that runs every day
                    later = NOW + timedelta(days=1)
                    with db.transaction() as s:  # type: ignore[attr-defined]
                        r = calendars.sync_source(s, "bench", source_id, now=later, zone=BERLIN)
                        assert r.ok and r.unchanged, r.message

                # the rehash runs touched the file: let it settle again, then keep the stat()
                time.sleep(calendars._SETTLE_NS / 1e9 + 0.1)
                next_day(db, source_id)
                day_s = best(next_day, 10)

                def move(
                    db: object = db, source_id: int = source_id, days: Iterator[int] = days
                ) -> None:
                    # the window's next step (every WINDOW_STEP_DAYS): parse and expand again
                    later = NOW + timedelta(days=calendars.WINDOW_STEP_DAYS * next(days))
                    with db.transaction() as s:  # type: ignore[attr-defined]
                        r = calendars.sync_source(s, "bench", source_id, now=later, zone=BERLIN)
                        assert r.ok and not r.unchanged, r.message

                move_s = best(move, args.repeat)
                for r in runs:
                    r[1].close()  # type: ignore[attr-defined]
                khal_text = ratio_text = "-"
                if size in (args.khal or []):
                    khal_s = khal_import(path, workdir)
                    khal_text = f"{khal_s:7.2f}s"
                    ratio_text = f"{khal_s / import_s:6.0f}x"
                print(
                    f"{size:>7} {style:<8} {len(data) / 2**20:5.1f} {parse_s:8.3f}s "
                    f"{import_s:7.3f}s {import_s / parse_s:6.2f} {stored:>6} "
                    f"{resync_s * 1000:6.1f}ms {rehash_s * 1000:6.1f}ms {query_s * 1000:6.2f}ms "
                    f"{day_s * 1000:6.1f}ms {move_s:6.2f}s {khal_text:>8} "
                    f"{ratio_text:>7}",
                    flush=True,
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
