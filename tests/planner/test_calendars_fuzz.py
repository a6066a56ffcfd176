"""Hostile input never crashes, hangs or bloats the importer: it imports or raises CalendarError.

CI runs a few dozen examples per strategy. For a long run (>= 10 000 inputs in all):
    SPLITDAY_FUZZ_EXAMPLES=2500 python -m pytest -q tests/planner/test_calendars_fuzz.py
"""

from __future__ import annotations

import os
import time
import tracemalloc
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from planner.calendars.parse import MAX_PER_SERIES, MAX_PROBLEMS, CalendarError, read
from planner.domain.timerange import Interval
from tests.conftest import CORPUS

EXAMPLES = int(os.environ.get("SPLITDAY_FUZZ_EXAMPLES", "40"))
WINDOW = Interval(datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
ZONE = ZoneInfo("Europe/Berlin")
SMALL = (
    sorted(p for p in CORPUS.glob("*.ics") if p.stat().st_size < 150_000) if CORPUS.is_dir() else []
)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the time limit is asserted below, per input, with a clear message
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 40,  # CI is reproducible; long runs explore
)
SECONDS = 20.0  # generous: a shared CI machine is slow; a hang takes far longer


def note(outcome: str) -> None:
    if currently_in_test_context():  # shown by --hypothesis-show-statistics
        event(outcome)


def check(data: bytes) -> None:
    started = time.monotonic()
    try:
        result = read([("fuzz.ics", data)], WINDOW, ZONE)
    except CalendarError as exc:
        note("rejected")
        message = str(exc)
        assert "internal error" not in message, message  # the safety net caught a bug
        assert message.startswith("fuzz.ics") and "\n" not in message and len(message) < 400
    else:
        note("imported" if result.occurrences else "imported nothing")
        assert len(result.problems) <= MAX_PROBLEMS + 10
        assert len(result.occurrences) <= max(1, result.parsed) * MAX_PER_SERIES
        for o in result.occurrences:
            assert o.start.tzinfo is not None and o.end >= o.start
            assert len(o.recurrence_id) <= 40 and len(o.uid) <= 500
    elapsed = time.monotonic() - started
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"


def mutate(data: bytes, edits: list[tuple[int, int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for kind, a, b, blob in edits:
        if kind >= 5:  # line-level edits keep the structure, so the deeper code gets exercised
            lines = bytes(out).split(b"\n")
            i = a % len(lines)
            line = lines[i]
            if kind == 5 and not line.upper().startswith((b"BEGIN", b"END")):
                del lines[i]
            elif kind == 6:
                lines.insert(i, line)
            elif kind == 7 and b":" in line and not line.upper().startswith((b"BEGIN", b"END")):
                lines[i] = line.split(b":", 1)[0] + b":" + blob
            else:
                lines.insert(i, blob.strip(b"\r\n"))
            out = bytearray(b"\n".join(lines))
            continue
        if not out:
            out.extend(blob)
            continue
        i, j = sorted((a % len(out), b % len(out)))
        if kind == 0:  # delete a span
            del out[i : j + 1]
        elif kind == 1:  # insert bytes
            out[i:i] = blob
        elif kind == 2:  # duplicate a span (repeated components, lines)
            out[i:i] = out[i : min(j + 1, i + 4000)]
        elif kind == 3:  # overwrite
            out[i : i + len(blob)] = blob
        else:  # truncate
            del out[j:]
    return bytes(out)


EDIT = st.tuples(
    st.sampled_from([0, 1, 2, 3, 4, 5, 5, 6, 6, 7, 7, 7, 7, 8, 8, 8]),
    st.integers(0, 10**7),
    st.integers(0, 10**7),
    st.one_of(
        st.binary(max_size=40),
        st.sampled_from(
            [
                b"\r\nBEGIN:VEVENT\r\n",
                b"\r\nEND:VEVENT\r\n",
                b"\r\nRRULE:FREQ=SECONDLY\r\n",
                b"FREQ=HOURLY;BYSETPOS=-9;BYDAY=MO",
                b"20200229",
                b"19000101T000000Z/P9999D",
                b"Europe/Berlin",
                b"W. Europe Standard Time",
                b"\r\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31\r\n",
                b"\r\nRRULE:FREQ=WEEKLY;INTERVAL=0\r\n",
                b"\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:20200101T000000Z\r\n",
                b"\r\nDTSTART;TZID=Nowhere/Land:20200101T100000\r\n",
                b"\r\nEXDATE:,,,\r\n",
                b';TZID="',
                b"\r\n ",
                b"\r\nTZOFFSETFROM:+9999\r\n",
                b"\r\nDURATION:P99999999W\r\n",
                b"\xff\xfe",
                b"\r",
            ]
        ),
    ),
)


@pytest.mark.skipif(not SMALL, reason="no ics corpus")
@FUZZ
@given(index=st.integers(0, 10**6), edits=st.lists(EDIT, min_size=1, max_size=6))
def test_mutated_corpus_files(index: int, edits: list[tuple[int, int, int, bytes]]) -> None:
    check(mutate(SMALL[index % len(SMALL)].read_bytes(), edits))


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes(data: bytes) -> None:
    check(data)


LINES = st.sampled_from(
    [
        "BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT", "BEGIN:VALARM",
        "END:VALARM", "BEGIN:VTIMEZONE", "END:VTIMEZONE", "BEGIN:STANDARD", "END:STANDARD",
        "UID:a", "UID:b", "SUMMARY:x", "DTSTART:20200101T100000Z", "DTSTART;VALUE=DATE:20200101",
        "DTEND:20200101T110000", "DURATION:PT1H", "RRULE:FREQ=DAILY", "RRULE:FREQ=MINUTELY",
        "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5", "EXDATE:20200102T100000Z", "RDATE:20200105",
        "RECURRENCE-ID:20200103T100000Z", "SEQUENCE:3", "STATUS:CANCELLED", "TRANSP:TRANSPARENT",
        "TZID:Europe/Berlin", "TZOFFSETFROM:+0100", "TZOFFSETTO:+5328",
        "X-WR-TIMEZONE:Mars/Olympus",
        "DTSTART;TZID=Europe/Berlin:20200101T100000", "garbage", "",
    ]
)  # fmt: skip


@FUZZ
@given(st.lists(st.one_of(LINES, st.text(max_size=60)), max_size=80))
def test_random_content_lines(lines: list[str]) -> None:
    check("\r\n".join(lines).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("depth", [5, 13, 1000, 50_000])
def test_deep_nesting(depth: int) -> None:
    body = "BEGIN:VCALENDAR\r\n" + "BEGIN:X-A\r\n" * depth + "END:X-A\r\n" * depth
    check((body + "END:VCALENDAR\r\n").encode())


@pytest.mark.parametrize("size", [100_000, 5_000_000])
def test_huge_lines_stay_linear(size: int) -> None:
    tracemalloc.start()
    try:
        event = f"BEGIN:VEVENT\r\nUID:u\r\nSUMMARY:{'x' * size}\r\nDTSTART:20200101T100000Z\r\n"
        check(f"BEGIN:VCALENDAR\r\n{event}END:VEVENT\r\nEND:VCALENDAR\r\n".encode())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * size + 20_000_000


def test_many_tiny_series_are_not_quadratic() -> None:
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:{i}\r\nDTSTART:20200101T{i % 24:02d}0000Z\r\n"
        "RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30\r\nEND:VEVENT\r\n"
        for i in range(300)
    )
    check(f"BEGIN:VCALENDAR\r\n{events}END:VCALENDAR\r\n".encode())


PROPS = LINES.filter(lambda x: not x.startswith(("BEGIN", "END")))


@FUZZ
@given(
    st.lists(st.lists(st.one_of(PROPS, PROPS, st.text(max_size=40)), max_size=12), max_size=8),
    st.lists(PROPS, max_size=4),
)
def test_well_nested_random_events(events: list[list[str]], header: list[str]) -> None:
    body = "".join(
        "BEGIN:VEVENT\r\n" + "".join(f"{p}\r\n" for p in e) + "END:VEVENT\r\n" for e in events
    )
    text = "BEGIN:VCALENDAR\r\n" + "".join(f"{h}\r\n" for h in header) + body + "END:VCALENDAR\r\n"
    check(text.encode("utf-8", "surrogatepass"))
