"""Known deviations of real producers from RFC 5545, each in a hand-written minimal calendar:
read as the producer meant it where that is clear, reported where it is not, and one bad part
never sinks the rest of the file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from planner.calendars.parse import CalendarError, Occ, ParseResult, read
from planner.domain.timerange import Interval

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def window(first: date, last: date, zone: tzinfo) -> Interval:
    return Interval(
        datetime.combine(first, time(), zone).astimezone(UTC),
        datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC),
    )


def ics(*events: str, header: str = "") -> bytes:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + header
    return (head + "".join(events) + "END:VCALENDAR\r\n").encode()


def vevent(*lines: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", *lines, "END:VEVENT"]) + "\r\n"


def load(data: bytes, zone: tzinfo = BERLIN, fast: bool = True) -> ParseResult:
    return read(
        [("t.ics", data)], window(date(2026, 11, 30), date(2026, 12, 31), zone), zone, fast=fast
    )


def local_days(result: ParseResult, zone: tzinfo) -> list[date]:
    return [o.start.astimezone(zone).date() for o in result.occurrences]


def spans(result: ParseResult, zone: tzinfo) -> list[tuple[datetime, datetime]]:
    return [(o.start.astimezone(zone), o.end.astimezone(zone)) for o in result.occurrences]


def only(result: ParseResult) -> Occ:
    assert len(result.occurrences) == 1, result.occurrences
    return result.occurrences[0]


def at(day: int, hour: int = 0, minute: int = 0, zone: tzinfo = BERLIN) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=zone)


# ---------------------------------------------------------------- DATE values that carry a TZID


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK])
def test_a_date_with_a_tzid_and_no_value_date_is_all_day(zone: tzinfo, fast: bool) -> None:
    """Old Google exports: DTSTART;TZID=America/New_York:20261207 — a day, not a 24-hour block
    from midnight in New York (06:00 in Berlin)."""
    data = ics(
        vevent(
            "UID:holiday@test",
            "DTSTART;TZID=America/New_York:20261207",
            "DTEND;TZID=America/New_York:20261208",
            "SUMMARY:Company holiday",
        )
    )
    occ = only(load(data, zone, fast))
    assert occ.all_day
    assert (occ.start, occ.end) == (at(7, zone=zone), at(8, zone=zone))


def test_an_all_day_series_with_tzid_dates_and_its_exdate() -> None:
    data = ics(
        vevent(
            "UID:series@test",
            "DTSTART;TZID=Europe/Berlin:20261207",
            "DTEND;TZID=Europe/Berlin:20261208",
            "RRULE:FREQ=DAILY;COUNT=4",
            "EXDATE;TZID=Europe/Berlin:20261208",
            "SUMMARY:On call",
        )
    )
    result = load(data, NEW_YORK)
    assert all(o.all_day for o in result.occurrences)
    assert local_days(result, NEW_YORK) == [
        date(2026, 12, 7),
        date(2026, 12, 9),
        date(2026, 12, 10),
    ]


# ---------------------------------------------------------------- UNTIL


@pytest.mark.parametrize(
    ("zone", "until"),
    [
        (BERLIN, "20261209T230000Z"),  # Outlook in Berlin: local midnight starting the 10th
        (NEW_YORK, "20261210T050000Z"),
        (BERLIN, "20261210T225959Z"),  # the end of the last day
    ],
)
def test_an_all_day_series_until_a_utc_midnight_keeps_its_last_day(
    zone: tzinfo, until: str
) -> None:
    data = ics(
        vevent(
            "UID:trip@test",
            "DTSTART;VALUE=DATE:20261207",
            "DTEND;VALUE=DATE:20261208",
            f"RRULE:FREQ=DAILY;UNTIL={until}",
            "SUMMARY:Trip",
        )
    )
    result = load(data, zone)
    assert local_days(result, zone) == [date(2026, 12, d) for d in (7, 8, 9, 10)]
    assert all(o.all_day for o in result.occurrences)


def test_an_all_day_series_until_uses_the_calendars_own_zone() -> None:
    """Exported in Berlin (X-WR-TIMEZONE), read in New York: the last day is still the 10th."""
    data = ics(
        vevent(
            "UID:trip@test",
            "DTSTART;VALUE=DATE:20261207",
            "DTEND;VALUE=DATE:20261208",
            "RRULE:FREQ=DAILY;UNTIL=20261209T230000Z",
            "SUMMARY:Trip",
        ),
        header="X-WR-TIMEZONE:Europe/Berlin\r\n",
    )
    assert local_days(load(data, NEW_YORK), NEW_YORK)[-1] == date(2026, 12, 10)


def test_a_floating_until_on_a_zoned_series_is_read_in_the_series_zone() -> None:
    data = ics(
        vevent(
            "UID:evening@test",
            "DTSTART;TZID=America/New_York:20261207T200000",
            "DTEND;TZID=America/New_York:20261207T210000",
            "RRULE:FREQ=DAILY;UNTIL=20261209T200000",
            "SUMMARY:Evening class",
        )
    )
    result = load(data, BERLIN)
    assert local_days(result, NEW_YORK) == [date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)]


def test_a_floating_until_on_a_custom_vtimezone_series() -> None:
    tz = (
        "BEGIN:VTIMEZONE\r\nTZID:Eastern\r\nBEGIN:STANDARD\r\nDTSTART:19701101T020000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\n"
        "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700308T020000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n"
        "END:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    )
    data = ics(
        vevent(
            "UID:evening@test",
            "DTSTART;TZID=Eastern:20261207T200000",
            "DTEND;TZID=Eastern:20261207T210000",
            "RRULE:FREQ=DAILY;UNTIL=20261209T200000",
            "SUMMARY:Evening class",
        ),
        header=tz,
    )
    result = load(data, BERLIN)
    assert [s for s, _ in spans(result, NEW_YORK)] == [at(d, 20, zone=NEW_YORK) for d in (7, 8, 9)]


@pytest.mark.parametrize(
    "start", ["DTSTART;TZID=America/New_York:20261207T200000", "DTSTART:20261208T010000Z"]
)
def test_a_date_until_on_a_timed_series_includes_that_day(start: str) -> None:
    """UNTIL=20261209 on a DATE-TIME series (RFC 5545 wants the same type): through the 9th."""
    end = start.replace("20261207T200000", "20261207T210000").replace("T010000Z", "T020000Z")
    data = ics(
        vevent(
            "UID:evening@test",
            start,
            end.replace("DTSTART", "DTEND"),
            "RRULE:FREQ=DAILY;UNTIL=20261209",
            "SUMMARY:Evening class",
        )
    )
    zone = NEW_YORK if "TZID" in start else UTC
    days = [o.start.astimezone(zone).date() for o in load(data, NEW_YORK).occurrences]
    first = 7 if "TZID" in start else 8
    assert days == [date(2026, 12, d) for d in range(first, 10)]


# ---------------------------------------------------------------- malformed DATE-TIME values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20261207T090000Z ", at(7, 10)),  # trailing space
        ("20261207T090000ZZ", at(7, 10)),
        ("20261207t090000z", at(7, 10)),
        ("20261207T0900Z", at(7, 10)),  # seconds left out
        ("20261207T090000.000Z", at(7, 10)),  # fractional seconds
        ("2026-12-07T09:00:00Z", at(7, 10)),  # ISO 8601 extended
        ("20261207 090000Z", at(7, 10)),
    ],
)
@pytest.mark.parametrize("fast", [True, False])
def test_a_recoverable_typo_in_a_date_time_is_read_leniently(
    value: str, expected: datetime, fast: bool
) -> None:
    data = ics(
        vevent(
            "UID:typo@test",
            f"DTSTART:{value}",
            "DTEND:20261207T100000Z",
            "SUMMARY:Typo",
        )
    )
    result = load(data, BERLIN, fast)
    occ = only(result)
    assert (occ.start, occ.end) == (expected, at(7, 11))
    assert not occ.all_day


def test_a_trailing_t_is_read_as_the_date_and_reported() -> None:
    data = ics(
        vevent(
            "UID:t@test",
            "DTSTART;TZID=Europe/Berlin:20261207T",
            "DTEND;TZID=Europe/Berlin:20261208T",
            "SUMMARY:Offsite",
        )
    )
    result = load(data)
    occ = only(result)
    assert occ.all_day and (occ.start, occ.end) == (at(7), at(8))
    assert any("20261207T" in p.message and "Offsite" in p.component for p in result.problems)


def test_a_trailing_t_on_a_series_and_its_until() -> None:
    data = ics(
        vevent(
            "UID:t@test",
            "DTSTART;TZID=Europe/Berlin:20261207T090000",
            "DTEND;TZID=Europe/Berlin:20261207T100000",
            "RRULE:FREQ=DAILY;UNTIL=20261209T",
            "EXDATE;TZID=Europe/Berlin:20261208T090000Z ",
            "SUMMARY:Standup",
        )
    )
    assert local_days(load(data), BERLIN) == [date(2026, 12, 7), date(2026, 12, 9)]


def test_an_unreadable_date_time_is_reported_and_the_rest_imported() -> None:
    data = ics(
        vevent("UID:bad@test", "DTSTART:2026120", "DTEND:20261207T100000Z", "SUMMARY:Broken"),
        vevent("UID:ok@test", "DTSTART:20261207T110000Z", "DTEND:20261207T120000Z", "SUMMARY:Ok"),
    )
    result = load(data)
    assert [o.summary for o in result.occurrences] == ["Ok"]
    assert any("Broken" in p.component and "2026120" in p.message for p in result.problems)


# ---------------------------------------------------------------- mixed DATE and DATE-TIME


def test_a_date_end_on_a_timed_series_ends_at_local_midnight_like_a_single() -> None:
    single = vevent(
        "UID:one@test", "DTSTART:20261207T090000Z", "DTEND;VALUE=DATE:20261208", "SUMMARY:One"
    )
    series = vevent(
        "UID:two@test",
        "DTSTART:20261209T090000Z",
        "DTEND;VALUE=DATE:20261210",
        "RRULE:FREQ=DAILY;COUNT=2",
        "SUMMARY:Two",
    )
    result = load(ics(single, series))
    assert spans(result, BERLIN) == [
        (at(7, 10), at(8)),
        (at(9, 10), at(10)),
        (at(10, 10), at(11)),
    ]


@pytest.mark.parametrize("rrule", [None, "RRULE:FREQ=DAILY;COUNT=2"])
def test_a_date_start_with_a_date_time_end_is_all_day(rrule: str | None) -> None:
    lines = ["UID:d@test", "DTSTART;VALUE=DATE:20261207", "DTEND:20261207T170000Z", "SUMMARY:D"]
    result = load(ics(vevent(*lines, *([rrule] if rrule else []))))
    assert result.occurrences and all(o.all_day for o in result.occurrences)
    assert spans(result, BERLIN)[0] == (at(7), at(8))


@pytest.mark.parametrize(
    "exdate",
    [
        "EXDATE;TZID=Europe/Berlin:20261208,20261209T090000",
        "EXDATE:20261208,20261209T080000Z",
    ],
)
def test_an_exdate_list_of_mixed_types_excludes_every_one(exdate: str) -> None:
    data = ics(
        vevent(
            "UID:x@test",
            "DTSTART;TZID=Europe/Berlin:20261207T090000",
            "DTEND;TZID=Europe/Berlin:20261207T100000",
            "RRULE:FREQ=DAILY;COUNT=4",
            exdate,
            "SUMMARY:X",
        )
    )
    assert local_days(load(data), BERLIN) == [date(2026, 12, 7), date(2026, 12, 10)]


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK])
def test_a_floating_exdate_on_a_zoned_series_is_read_in_the_series_zone(zone: tzinfo) -> None:
    data = ics(
        vevent(
            "UID:x@test",
            "DTSTART;TZID=America/New_York:20261207T200000",
            "DTEND;TZID=America/New_York:20261207T210000",
            "RRULE:FREQ=DAILY;COUNT=3",
            "EXDATE:20261208T200000",
            "SUMMARY:X",
        )
    )
    days = [o.start.astimezone(NEW_YORK).date() for o in load(data, zone).occurrences]
    assert days == [date(2026, 12, 7), date(2026, 12, 9)]


def test_a_quoted_x_wr_timezone_still_places_floating_times() -> None:
    data = ics(
        vevent("UID:y@test", "DTSTART:20261207T090000", "DTEND:20261207T100000", "SUMMARY:Y"),
        header='X-WR-TIMEZONE:"Europe/Berlin"\r\n',
    )
    occ = only(load(data, NEW_YORK))
    assert occ.start == at(7, 9)


# ---------------------------------------------------------------- several calendars, damage


E1 = vevent("UID:e1@test", "DTSTART:20261207T090000Z", "DTEND:20261207T100000Z", "SUMMARY:One")
E2 = vevent("UID:e2@test", "DTSTART:20261208T090000Z", "DTEND:20261208T100000Z", "SUMMARY:Two")
E3 = vevent("UID:e3@test", "DTSTART:20261209T090000Z", "DTEND:20261209T100000Z", "SUMMARY:Three")


def summaries(result: ParseResult) -> list[str]:
    return [o.summary for o in result.occurrences]


def test_several_calendars_in_one_file_are_all_imported() -> None:
    result = load(ics(E1) + ics(E2) + ics(E3))
    assert summaries(result) == ["One", "Two", "Three"]


def test_a_calendar_without_its_end_before_the_next_one() -> None:
    first = ics(E1).replace(b"END:VCALENDAR\r\n", b"")
    result = load(first + ics(E2))
    assert summaries(result) == ["One", "Two"]
    assert any("END:VCALENDAR" in p.message for p in result.problems)


def test_a_cut_event_inside_the_first_calendar_loses_only_that_event() -> None:
    cut = E2.replace("END:VEVENT\r\n", "")
    result = load(ics(E1, cut) + ics(E3))
    assert summaries(result) == ["One", "Three"]
    assert any("never closed" in p.message for p in result.problems)


def test_a_stray_or_mismatched_end_is_reported_and_the_rest_imported() -> None:
    stray = "END:VEVENT\r\n"
    mismatched = "BEGIN:VEVENT\r\nUID:x@test\r\nDTSTART:20261210T090000Z\r\nEND:VTODO\r\n"
    result = load(ics(E1, stray, mismatched, E2))
    assert summaries(result) == ["One", "Two"]
    assert len([p for p in result.problems if "END:" in p.message]) >= 2


def test_a_calendar_nested_in_another_is_read_too() -> None:
    inner = ics(E2).decode()
    result = load(ics(E1, inner, E3))
    assert summaries(result) == ["One", "Two", "Three"]


def test_a_file_cut_at_its_end_is_still_refused_as_truncated() -> None:
    """A cut download must not look like a calendar whose later events were deleted."""
    with pytest.raises(CalendarError, match="truncated"):
        load(ics(E1) + ics(E2)[:-30])


def test_blank_lines_inside_folded_lines_are_part_of_the_fold() -> None:
    data = ics(
        vevent(
            "UID:f@test",
            "DTSTART;TZID=Europe/\r\n\r\n Berlin:20261207T090000",
            "DTEND;TZID=Europe/Berlin:20261207T100000",
            "RRULE:FREQ=DAILY;CO\r\n\r\n\r\n UNT=2",
            "SUMMARY:Team \r\n\r\n meeting",
        )
    )
    result = load(data)
    assert summaries(result) == ["Team meeting", "Team meeting"]
    assert spans(result, BERLIN)[0] == (at(7, 9), at(7, 10))


# ---------------------------------------------------------------- what the window filter skips


def series(uid: str, start: str, rule: str, summary: str = "S") -> str:
    return vevent(
        f"UID:{uid}",
        f"DTSTART;TZID=Europe/Berlin:{start}",
        f"DTEND;TZID=Europe/Berlin:{start[:9]}{int(start[9:11]) + 1:02d}0000",
        f"RRULE:{rule}",
        f"SUMMARY:{summary}",
    )


def override(uid: str, rid: str, start: str) -> str:
    return vevent(
        f"UID:{uid}",
        f"RECURRENCE-ID;TZID=Europe/Berlin:{rid}",
        f"DTSTART;TZID=Europe/Berlin:{start}",
        f"DTEND;TZID=Europe/Berlin:{start[:9]}{int(start[9:11]) + 1:02d}0000",
        "SUMMARY:moved",
    )


def test_series_that_cannot_reach_the_window_are_not_parsed() -> None:
    data = ics(
        series("ended@test", "20250106T090000", "FREQ=WEEKLY;BYDAY=MO;COUNT=20"),
        override("ended@test", "20250113T090000", "20250113T140000"),
        series("until@test", "20250106T090000", "FREQ=DAILY;UNTIL=20250301T000000Z"),
        series("later@test", "20270601T090000", "FREQ=DAILY;COUNT=5"),
        series("live@test", "20250106T090000", "FREQ=WEEKLY;BYDAY=MO;COUNT=200"),
        override("live@test", "20250113T090000", "20250113T140000"),  # outside: not needed
        override("live@test", "20261207T090000", "20261207T150000"),  # inside
    )
    result = load(data)
    assert result.events == 7 and result.parsed == 2  # the live master, its override inside
    live = [o for o in result.occurrences if o.uid == "live@test"]
    assert [o.start.astimezone(BERLIN).day for o in live] == [30, 7, 14, 21, 28]
    assert [o.summary for o in live][1] == "moved" and live[1].start == at(7, 15)
    assert {o.uid for o in result.occurrences} == {"live@test"}


@pytest.mark.parametrize(
    ("start", "rule"),
    [
        ("20251207T090000", "FREQ=DAILY;BYMONTH=12;COUNT=40"),  # 40 days would end in January
        ("20251207T090000", "FREQ=MONTHLY;BYMONTHDAY=7;COUNT=13"),
        ("20241207T090000", "FREQ=YEARLY;COUNT=3"),
        ("20251208T090000", "FREQ=WEEKLY;INTERVAL=4;COUNT=14"),
        ("20261130T090000", "FREQ=WEEKLY;BYDAY=MO;COUNT=2"),
    ],
)
def test_series_that_may_still_reach_the_window_are_read(start: str, rule: str) -> None:
    result = load(ics(series("s@test", start, rule)))
    assert result.parsed == 1
    assert at(7, 9) in [o.start for o in result.occurrences]


def test_an_override_moved_into_the_window_of_an_ended_series_is_kept() -> None:
    data = ics(
        series("ended@test", "20250106T090000", "FREQ=WEEKLY;BYDAY=MO;COUNT=3"),
        override("ended@test", "20250113T090000", "20261208T100000"),
    )
    occ = only(load(data))
    assert occ.summary == "moved" and occ.start == at(8, 10)


@pytest.mark.parametrize("fast", [True, False])
def test_one_off_events_with_categories_or_duration_read_alike_both_ways(fast: bool) -> None:
    data = ics(
        vevent(
            "UID:c@test",
            "DTSTART:20261207T090000Z",
            "DURATION:PT1H30M",
            "CATEGORIES:Support,Admin\\, misc",
            "CATEGORIES:Community",
            "SUMMARY:Tagged",
        ),
        vevent("UID:d@test", "DTSTART;VALUE=DATE:20261209", "DURATION:P2D", "SUMMARY:Two days"),
    )
    result = load(data, fast=fast)
    tagged, days = result.occurrences
    assert tagged.categories == ("Support", "Admin, misc", "Community")
    assert (tagged.start, tagged.end) == (at(7, 10), at(7, 11, 30))
    assert days.all_day and (days.start, days.end) == (at(9), at(11))


# ---------------------------------------------------------------- plain series without icalendar

PLAIN_SERIES = {
    "weekly across DST, exdate, moved": (
        series("w@test", "20261019T090000", "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=40")
        .replace("SUMMARY:S", "EXDATE;TZID=Europe/Berlin:20261102T090000\r\nSUMMARY:S")
        + override("w@test", "20261207T090000", "20261207T150000")
        + override("w@test", "20250101T090000", "20261209T150000")  # RID matches nothing
    ),
    "dtstart off the rule": series("o@test", "20261201T090000", "FREQ=WEEKLY;BYDAY=FR;COUNT=3"),
    "utc until": series("u@test", "20261130T090000", "FREQ=DAILY;UNTIL=20261210T080000Z"),
    "all-day monthly": vevent(
        "UID:a@test",
        "DTSTART;VALUE=DATE:20261015",
        "DTEND;VALUE=DATE:20261016",
        "RRULE:FREQ=MONTHLY;INTERVAL=1",
        "EXDATE;VALUE=DATE:20261115",
        "CATEGORIES:Admin",
        "SUMMARY:Invoices",
    ),
    "utc daily with a cancelled move": vevent(
        "UID:z@test", "DTSTART:20261201T230000Z", "DURATION:PT2H", "RRULE:FREQ=DAILY;COUNT=9",
        "SUMMARY:Night",
    )
    + vevent("UID:z@test", "RECURRENCE-ID:20261203T230000Z", "DTSTART:20261203T230000Z",
             "DTEND:20261204T010000Z", "STATUS:CANCELLED", "SUMMARY:Night"),
    "floating": vevent(
        "UID:f@test", "DTSTART:20261207T070000", "DTEND:20261207T080000",
        "RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=20270301T000000", "SUMMARY:Floating",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PLAIN_SERIES))
@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK])
def test_plain_series_read_without_icalendar_agree_with_the_full_path(
    name: str, zone: tzinfo
) -> None:
    data = ics(PLAIN_SERIES[name])
    quick, full = load(data, zone, fast=True), load(data, zone, fast=False)
    assert quick.occurrences and quick.occurrences == full.occurrences
    assert quick.problems == full.problems == []


def test_a_utc_start_with_a_floating_end_in_a_series_is_read_as_the_full_path_reads_it() -> None:
    """Found by the fuzz test: the fast series path subtracted a floating DTEND from a UTC
    DTSTART ('internal error … offset-naive and offset-aware')."""
    data = ics(
        vevent("UID:mixed", "DTSTART:20200101T100000Z", "DTEND:20200101T110000", "RRULE:FREQ=DAILY")
    )
    fast, full = load(data), load(data, fast=False)
    assert not any("internal error" in str(p) for p in fast.problems), fast.problems
    assert spans(fast, BERLIN) == spans(full, BERLIN)
    assert len(fast.occurrences) == 32  # every day of the window, 30 Nov - 31 Dec
