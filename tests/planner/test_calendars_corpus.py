"""Every file in the shared ics corpus imports as its SOURCES.md entry expects, or is rejected
with a clear message. Day windows are local days in the zone each upstream test uses."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from planner.calendars.parse import CalendarError, Occ, ParseResult, read
from planner.domain.timerange import Interval
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no ics corpus at {CORPUS}")

BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
ZURICH = ZoneInfo("Europe/Zurich")
UTCZ = ZoneInfo("UTC")


def window(first: date, last: date, zone: tzinfo) -> Interval:
    """Local days first..last inclusive."""
    return Interval(
        datetime.combine(first, time(), zone).astimezone(UTC),
        datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC),
    )


def load(name: str, first: date, last: date, zone: tzinfo = BERLIN) -> ParseResult:
    return read([(name, (CORPUS / name).read_bytes())], window(first, last, zone), zone)


def local(o: Occ, zone: tzinfo) -> tuple[datetime, datetime]:
    return o.start.astimezone(zone), o.end.astimezone(zone)


def days(result: ParseResult, zone: tzinfo) -> list[date]:
    return sorted(o.start.astimezone(zone).date() for o in result.occurrences)


def on_day(name: str, day: date, zone: tzinfo) -> list[Occ]:
    return load(name, day, day, zone).occurrences


def test_corpus_is_complete() -> None:
    assert len(list(CORPUS.glob("*.ics"))) == 52


# ---------------------------------------------------------------- Google


def test_google_daylight_saving_time() -> None:
    name = "recurring-ical-events__daylight_saving_time.ics"
    uid = "7uartkcnhf0elbvs8md0itrf6c@google.com"
    for day, offset in ((date(2019, 3, 20), 1), (date(2019, 4, 24), 2)):
        found = [o for o in on_day(name, day, BERLIN) if o.uid == uid]
        assert len(found) == 1
        assert found[0].summary == "Chaostreff - CCCP"
        start = found[0].start.astimezone(BERLIN)
        assert (start.hour, start.utcoffset()) == (19, timedelta(hours=offset))
    tour_days = [
        date(2018, 9, 22), date(2018, 10, 20), date(2018, 11, 17), date(2018, 12, 8),
        date(2019, 1, 12), date(2019, 1, 27), date(2019, 2, 9), date(2019, 2, 24),
        date(2019, 3, 23), date(2019, 4, 27), date(2019, 5, 25), date(2019, 6, 22),
    ]  # fmt: skip
    result = load(name, date(2018, 9, 1), date(2019, 7, 31), BERLIN)
    tours = [o for o in result.occurrences if "mB-onTour" in o.summary]
    assert sorted(o.start.astimezone(BERLIN).date() for o in tours) == tour_days


def test_google_utc_times_with_x_wr_timezone() -> None:
    result = load(
        "recurring-ical-events__x_wr_timezone_simple_events_issue_59.ics",
        date(2021, 12, 22),
        date(2021, 12, 22),
        NEW_YORK,
    )
    spans = sorted((s.hour, e.hour) for s, e in (local(o, NEW_YORK) for o in result.occurrences))
    assert spans == [(12, 13), (21, 22)]


def test_google_weekly_across_dst_end() -> None:
    lisbon = ZoneInfo("Europe/Lisbon")
    name = "recurring-ical-events__issue_48_daylight_aware_repeats.ics"
    [after] = on_day(name, date(2020, 11, 2), lisbon)
    start, end = local(after, lisbon)
    assert (start.time(), end.time(), start.utcoffset()) == (time(11, 30), time(13), timedelta(0))
    [before] = on_day(name, date(2020, 9, 21), lisbon)
    start, _ = local(before, lisbon)
    assert (start.time(), start.utcoffset()) == (time(11, 30), timedelta(hours=1))


def test_google_big_personal_calendar() -> None:
    result = load(
        "recurring-ical-events__issue42.ics", date(2011, 11, 1), date(2011, 11, 28), LONDON
    )
    assert result.events == 4778
    per_day = Counter(days(result, LONDON))
    expected = [3, 0, 0, 2, 0, 0, 2, 3, 1, 3, 0, 3, 1, 3, 2, 0, 2, 1, 0, 0, 4, 0, 1, 4, 1, 0, 0, 1]
    assert [per_day[date(2011, 11, d)] for d in range(1, 29)] == expected
    assert result.parsed < result.events  # the text pass left most of the file to the side


def test_holiday_feed_with_empty_rrule_and_zero_length_days() -> None:
    result = load(
        "recurring-ical-events__Germany_Holidays.ics", date(2020, 1, 1), date(2020, 12, 31)
    )
    assert len(result.occurrences) == 17
    assert all(o.all_day and not o.busy for o in result.occurrences)
    assert all(o.end - o.start >= timedelta(hours=23) for o in result.occurrences)
    assert sum("empty RRULE" in str(p) for p in result.problems) == 4  # 3 shown, then a count
    assert "14 more" in str(result.problems[-1])  # only the 17 events in the window are read


def test_latin1_google_export() -> None:
    name = "icalevents__basic_latin1.ics"
    on_17 = on_day(name, date(2017, 5, 17), BERLIN)
    assert sorted(o.summary for o in on_17) == ["braune Biotonne", "graue Restmülltonne"]
    assert all(o.all_day for o in on_17)
    assert on_day(name, date(2017, 5, 18), BERLIN) == []


def test_google_shared_instances_without_master() -> None:
    result = load("icalevents__recurrenceid_google.ics", date(2021, 1, 1), date(2021, 12, 31))
    assert [(o.start.date(), o.start.hour, o.end.hour) for o in result.occurrences] == [
        (date(2021, 3, d), 11, 12) for d in (24, 25, 26, 27)
    ]
    assert len({o.recurrence_id for o in result.occurrences}) == 4


def test_empty_exdate_is_reported_and_event_kept() -> None:
    result = load("icalendar__parsing_error.ics", date(2000, 1, 1), date(2030, 1, 1))
    assert {o.uid for o in result.occurrences} and len({o.uid for o in result.occurrences}) == 2
    assert any("EXDATE" in str(p) for p in result.problems)


# ---------------------------------------------------------------- Outlook / Exchange


def test_exchange_mixed_zone_names_and_floating_until() -> None:
    result = load(
        "recurring-ical-events__issue_27_t1.ics", date(2020, 4, 25), date(2020, 4, 29), BERLIN
    )
    assert [local(o, BERLIN)[0] for o in result.occurrences] == [
        datetime(2020, 4, 26, 14, tzinfo=BERLIN),
        datetime(2020, 4, 28, 14, tzinfo=BERLIN),
    ]


def test_exchange_all_day_series_with_utc_until_and_moved_instances() -> None:
    name = "recurring-ical-events__issue_28_rrule_with_UTC_endinginZ.ics"
    assert len(load(name, date(2020, 5, 25), date(2020, 9, 4), LONDON).occurrences) == 15
    [moved] = load(name, date(2020, 9, 3), date(2020, 9, 4), LONDON).occurrences
    assert moved.all_day and moved.start.astimezone(LONDON).date() == date(2020, 9, 4)
    assert not moved.busy  # TRANSP:TRANSPARENT


def test_outlook_holiday_feed_unfolded_lines() -> None:
    [event] = on_day("recurring-ical-events__Germany.ics", date(2014, 5, 11), BERLIN)
    assert event.summary == "Germany: Mother's Day [Not a public holiday]"
    assert event.all_day


def test_windows_zone_with_identical_observance_starts() -> None:
    result = load("icalendar__timezone_same_start.ics", date(2017, 2, 24), date(2017, 2, 25), UTCZ)
    assert [o.start for o in result.occurrences] == [datetime(2017, 2, 24, 20, tzinfo=UTC)]


def test_rrule_with_spaces_in_byday_is_tolerated() -> None:
    result = load("icalendar__issue_165_missing_event.ics", date(2015, 1, 1), date(2015, 12, 31))
    assert result.occurrences
    assert len({o.uid for o in result.occurrences}) == 1
    assert all(o.start.astimezone(BERLIN).weekday() < 5 for o in result.occurrences)


def test_non_ascii_display_name_tzid() -> None:
    name = "icalendar__issue_237_fail_to_parse_timezone_with_non_ascii_tzid.ics"
    [event] = load(name, date(2017, 5, 11), date(2017, 5, 11), UTCZ).occurrences
    assert event.start == datetime(2017, 5, 11, 16, 30, tzinfo=UTC)
    assert event.uid  # no UID in the file: a stable one is made up


def test_outlook_tab_continuations_and_escaped_tzid() -> None:
    name = "ical4j__2207678.ics"
    for day in (date(2008, 10, 31), date(2008, 11, 7)):
        [event] = on_day(name, day, UTCZ)
        assert event.start == datetime.combine(day, time(1, 30), UTC)
    assert on_day(name, date(2008, 11, 1), UTCZ) == []
    assert on_day(name, date(2008, 11, 8), UTCZ) == []


def test_exchange_empty_tzid_read_as_local_time() -> None:
    result = load("ical4j__blankTzid.ics", date(2015, 8, 26), date(2015, 8, 26), BERLIN)
    [event] = result.occurrences
    assert local(event, BERLIN)[0] == datetime(2015, 8, 26, 9, tzinfo=BERLIN)
    assert any("TZID" in str(p) for p in result.problems)


def test_exchange_2003_display_name_zone_event_crosses_midnight() -> None:
    la = ZoneInfo("America/Los_Angeles")
    [event] = load("ical4j__tmeher.ics", date(2004, 10, 11), date(2004, 10, 12), la).occurrences
    start, end = local(event, la)
    assert start == datetime(2004, 10, 11, 22, 30, tzinfo=la)
    assert end == datetime(2004, 10, 12, 0, 0, tzinfo=la)


def test_exchange_multi_value_exdate() -> None:
    result = load(
        "icalevents__multi_exdate_same_line_ms.ics", date(2022, 3, 1), date(2022, 5, 1), NEW_YORK
    )
    starts = [local(o, NEW_YORK)[0] for o in result.occurrences]
    assert [s.date() for s in starts] == [
        date(2022, 3, 11), date(2022, 3, 25), date(2022, 4, 15), date(2022, 4, 22),
        date(2022, 4, 29),
    ]  # fmt: skip
    assert {s.time() for s in starts} == {time(11)}


def test_exchange_overrides_and_dst() -> None:
    name = "icalevents__recurring_override.ics"
    on_23 = on_day(name, date(2021, 11, 23), UTCZ)
    assert [(o.start.hour, o.start.minute) for o in on_23] == [(9, 0), (10, 45), (13, 0)]
    fall = load(name, date(2021, 8, 30), date(2021, 9, 17), ZURICH)
    assert len(fall.occurrences) == 36
    spring = load(name, date(2022, 3, 6), date(2022, 4, 9), ZURICH)
    assert len(spring.occurrences) == 10
    spans = {local(o, ZURICH) for o in spring.occurrences}
    assert (datetime(2022, 4, 3, 8, tzinfo=ZURICH), datetime(2022, 4, 3, 8, 30, tzinfo=ZURICH)) in (
        spans
    )
    all_day = sorted(o.start.astimezone(ZURICH).date() for o in spring.occurrences if o.all_day)
    assert all_day == [date(2022, 3, 10), date(2022, 3, 24), date(2022, 4, 7)]


def test_cyrillic_tzid() -> None:
    [event] = load("vobject__tzid_8bit.ics", date(2008, 5, 30), date(2008, 5, 30), UTCZ).occurrences
    assert event.start == datetime(2008, 5, 30, 9, tzinfo=UTC)


# ---------------------------------------------------------------- Apple


def test_icloud_apple_offset_bug_repaired() -> None:
    result = load("icalevents__icloud.ics", date(2016, 1, 1), date(2016, 12, 31), BERLIN)
    assert len(result.occurrences) == 24
    assert sum(o.summary == "Kinderturnen" for o in result.occurrences) == 21
    assert any("+5328" in str(p) for p in result.problems)


def test_iphone_structured_location() -> None:
    vienna = ZoneInfo("Europe/Vienna")
    [event] = load(
        "ical4j__apple-iphone-os-26-structured-location.ics", date(2026, 5, 22), date(2026, 5, 22)
    ).occurrences
    assert local(event, vienna)[0] == datetime(2026, 5, 22, 10, 30, tzinfo=vienna)


def test_ical_tv_guide_crosses_midnight_and_dst() -> None:
    melbourne = ZoneInfo("Australia/Melbourne")
    result = load(
        "ical4j__Australian_TV_Melbourne.ics", date(2004, 4, 1), date(2004, 4, 14), melbourne
    )
    assert len(result.occurrences) == 48
    conan = load("ical4j__Australian_TV_Melbourne.ics", date(2004, 3, 19), date(2004, 3, 19))
    assert any(o.end - o.start == timedelta(hours=2, minutes=35) for o in conan.occurrences)


def test_truncated_moon_phases_rejected_clearly() -> None:
    with pytest.raises(CalendarError, match=r"13-MoonPhase\.ics.*truncated.*line \d+"):
        load("ical4j__13-MoonPhase.ics", date(2005, 1, 1), date(2005, 12, 31))


def test_large_birthday_calendar() -> None:
    result = load("ical4j__mathBirthdays.ics", date(2004, 1, 1), date(2008, 12, 31))
    assert result.events == 1321
    assert len({o.uid for o in result.occurrences}) == 1321  # yearly, incl. 29 February
    assert all(o.all_day for o in result.occurrences)


# ---------------------------------------------------------------- Nextcloud / CalDAV


def test_nextcloud_yearly_all_day() -> None:
    name = "audriga__nextcloud_conversion_event_1.ics"
    result = load(name, date(2022, 1, 1), date(2024, 12, 31))
    assert days(result, BERLIN) == [date(2022, 9, 20), date(2023, 9, 20), date(2024, 9, 20)]
    assert all(o.all_day and not o.busy for o in result.occurrences)
    assert result.occurrences[0].location == "Some Hotel, Some Country"


def test_nextcloud_override_only_adds_description() -> None:
    name = "audriga__recurring_event_with_changed_occurrence.ics"
    result = load(name, date(2022, 10, 1), date(2022, 10, 31))
    assert days(result, BERLIN) == [date(2022, 10, 13), date(2022, 10, 15), date(2022, 10, 17)]
    assert {o.recurrence_id for o in result.occurrences} == {"20221013", "20221015", "20221017"}


def test_sabredav_utc_exdate_on_local_midnight_series() -> None:
    name = "recurring-ical-events__each_week_but_one_deleted.ics"
    result = load(name, date(2019, 3, 1), date(2019, 4, 30))
    starts = [local(o, BERLIN)[0] for o in result.occurrences]
    assert [s.date() for s in starts] == [
        date(2019, 3, 4), date(2019, 3, 18), date(2019, 3, 25), date(2019, 4, 1),
        date(2019, 4, 8), date(2019, 4, 15), date(2019, 4, 22),
    ]  # fmt: skip
    assert {s.time() for s in starts} == {time(0, 30)}


def test_override_with_duration() -> None:
    name = "recurring-ical-events__duration_edited.ics"
    result = load(name, date(2019, 3, 18), date(2019, 3, 20))
    got = [(o.start.astimezone(BERLIN).day, o.summary, o.end - o.start) for o in result.occurrences]
    assert got == [
        (18, "original event", timedelta(hours=1)),
        (19, "edited duration", timedelta(hours=3)),
        (20, "original event", timedelta(hours=1)),
    ]


def test_davx5_exdates_and_until_one_second_early() -> None:
    name = "recurring-ical-events__issue_20_exdate_ignored.ics"
    result = load(name, date(2019, 1, 1), date(2020, 12, 31))
    starts = [local(o, BERLIN)[0] for o in result.occurrences]
    assert [s.date() for s in starts] == [
        date(2019, 10, 29), date(2019, 11, 12), date(2019, 12, 10), date(2020, 1, 7),
        date(2020, 1, 14), date(2020, 1, 21), date(2020, 1, 28),
    ]  # fmt: skip
    assert {s.time() for s in starts} == {time(16, 15)}


def test_owncloud_mixed_awareness() -> None:
    result = load("khal__event_dt_mixed_awareness.ics", date(2015, 5, 1), date(2015, 6, 30))
    assert [local(o, BERLIN) for o in result.occurrences] == [
        (datetime(2015, 5, 30, 12, tzinfo=BERLIN), datetime(2015, 5, 30, 16, tzinfo=BERLIN)),
        (datetime(2015, 6, 2, 12, tzinfo=BERLIN), datetime(2015, 6, 2, 16, tzinfo=BERLIN)),
    ]


# ---------------------------------------------------------------- Thunderbird


def test_thunderbird_cancelled_instance_dropped() -> None:
    name = "recurring-ical-events__issue_18_cancel_status.ics"
    result = load(name, date(2020, 1, 27), date(2020, 1, 31))
    assert days(result, BERLIN) == [date(2020, 1, 28), date(2020, 1, 30)]
    assert all(o.busy for o in result.occurrences)


def test_thunderbird_moved_instances() -> None:
    name = "recurring-ical-events__recurring_events_moved.ics"
    expected = {7: 2, 8: 1, 9: 3, 10: 2}
    for day, hour in expected.items():
        [event] = on_day(name, date(2019, 3, day), BERLIN)
        assert event.start.astimezone(BERLIN).hour == hour


# ---------------------------------------------------------------- recurrence edge cases


def test_this_and_future_ranges() -> None:
    name = "recurring-ical-events__issue_75_range_parameter.ics"
    result = load(name, date(2024, 9, 1), date(2024, 9, 30), UTCZ)
    by_day = {o.start.date(): o for o in result.occurrences}
    summaries = {
        1: "ORIGINAL EVENT", 11: "ORIGINAL EVENT", 13: "MODIFIED EVENT", 14: "MODIFIED EVENT",
        15: "MODIFIED EVENT", 17: "MODIFIED EVENT", 19: "MODIFIED EVENT", 22: "EDITED EVENT",
        24: "EDITED EVENT", 26: "EDITED EVENT",
    }  # fmt: skip
    for day, summary in summaries.items():
        assert by_day[date(2024, 9, day)].summary == summary
    for day in (13, 17):
        o = by_day[date(2024, 9, day)]
        assert (o.start.hour, o.end.hour) == (9, 16)
    for day in (22, 24):
        o = by_day[date(2024, 9, day)]
        assert (o.start.time(), o.end.time()) == (time(14, 22), time(16, 13))
    before = [o for o in result.occurrences if o.start < datetime(2024, 9, 12, tzinfo=UTC)]
    assert len(before) == 6
    assert len({(o.uid, o.recurrence_id) for o in result.occurrences}) == len(result.occurrences)


def test_rdate_only_series() -> None:
    name = "recurring-ical-events__rdate_hackerpublicradio.ics"
    result = load(name, date(2013, 1, 1), date(2014, 12, 31), LONDON)
    assert len(result.occurrences) == 12
    first = result.occurrences[0]
    assert (first.start, first.end) == (
        datetime(2013, 8, 3, 19, tzinfo=UTC),
        datetime(2013, 8, 3, 21, tzinfo=UTC),
    )


def test_rdate_period_sets_own_length() -> None:
    vancouver = ZoneInfo("America/Vancouver")
    name = "recurring-ical-events__issue_113_period_in_rdate.ics"
    result = load(name, date(2023, 1, 1), date(2024, 12, 31), vancouver)
    assert len(result.occurrences) == 9
    [dec13] = [o for o in result.occurrences if local(o, vancouver)[0].date() == date(2023, 12, 13)]
    assert [t.time() for t in local(dec13, vancouver)] == [time(12), time(15)]
    assert date(2023, 12, 20) not in days(result, vancouver)


def test_confluence_all_day_exdates_out_of_order() -> None:
    name = "recurring-ical-events__issue_4.ics"
    assert days(load(name, date(2019, 6, 13), date(2019, 6, 13)), BERLIN) == [date(2019, 6, 13)]
    result = load(name, date(2019, 2, 1), date(2019, 3, 31))
    assert days(result, BERLIN) == [
        date(2019, 2, 7), date(2019, 2, 14), date(2019, 3, 21), date(2019, 3, 28)
    ]  # fmt: skip


def test_recurrence_id_value_type_differs() -> None:
    name = "recurring-ical-events__issue_36_recurrence_ID_format.ics"
    for day, summary in (
        (17, "Modified event"),
        (14, "Modified event 1"),
        (21, "Modified event 2"),
    ):
        found = on_day(name, date(2020, 9, day), BERLIN)
        assert [o.summary for o in found] == [summary]


def test_duration_forms() -> None:
    name = "recurring-ical-events__duration.ics"
    result = load(name, date(2018, 1, 1), date(2018, 1, 31))
    by_summary = sorted(result.occurrences, key=lambda o: o.start)
    first, second, third = by_summary
    assert first.all_day and days(ParseResult([first]), BERLIN) == [date(2018, 1, 10)]
    assert first.end - first.start == timedelta(days=3)
    assert local(second, BERLIN) == (
        datetime(2018, 1, 15, 10, tzinfo=BERLIN),
        datetime(2018, 1, 15, 13, tzinfo=BERLIN),
    )
    # neither DTEND nor DURATION on a DATE-TIME start: a moment (RFC 5545 3.6.1)
    assert third.start.astimezone(BERLIN).date() == date(2018, 1, 20)
    assert third.end == third.start


# ---------------------------------------------------------------- time semantics


@pytest.mark.parametrize("zone_name", ["Europe/Berlin", "America/Bogota"])
def test_floating_times_in_the_users_zone(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    result = load("khal__event_dt_floating.ics", date(2014, 4, 9), date(2014, 4, 9), zone)
    [event] = result.occurrences
    assert local(event, zone) == (
        datetime(2014, 4, 9, 9, 30, tzinfo=zone),
        datetime(2014, 4, 9, 10, 30, tzinfo=zone),
    )


def test_windows_name_with_wrong_embedded_zone_follows_the_file() -> None:
    # Policy (RFC 5545 3.6.5): the file's own VTIMEZONE defines its TZID, even when the name
    # looks like a Windows or IANA zone; here that VTIMEZONE says +01:00 in November.
    [event] = load(
        "khal__tz_windows_format.ics", date(2019, 11, 20), date(2019, 11, 20)
    ).occurrences
    assert event.start == datetime(2019, 11, 20, 12, tzinfo=UTC)


# ---------------------------------------------------------------- malformed or hostile input


def test_invalid_alarm_duration_does_not_lose_trips() -> None:
    brussels = ZoneInfo("Europe/Brussels")
    result = load("khal__non_dst_error.ics", date(2023, 2, 1), date(2023, 2, 28), brussels)
    assert [
        tuple(t.strftime("%m-%d %H:%M") for t in local(o, brussels)) for o in result.occurrences
    ] == [
        ("02-03 15:15", "02-03 18:06"),
        ("02-06 09:50", "02-06 12:50"),
    ]


def test_invalid_tzoffset_imports_with_warning() -> None:
    result = load("khal__invalid_tzoffset.ics", date(2012, 12, 2), date(2012, 12, 2))
    [event] = result.occurrences
    assert event.summary == "Some event"
    assert local(event, BERLIN) == (
        datetime(2012, 12, 2, 8, tzinfo=BERLIN),
        datetime(2012, 12, 2, 9, 30, tzinfo=BERLIN),
    )
    assert any("TZOFFSETFROM" in str(p) for p in result.problems)


def test_stray_line_skipped_and_reported() -> None:
    result = load("icalendar__issue_104_broken_calendar.ics", date(1990, 1, 1), date(2030, 1, 1))
    assert len(result.occurrences) == 1
    assert any("'X'" in str(p) and "line" in str(p) for p in result.problems)


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("icalendar__small_bad_calendar.ics", r"truncated"),
        ("icalevents__empty.ics", r"empty"),
        ("ical4j__13-MoonPhase.ics", r"truncated"),
    ],
)
def test_unusable_files_rejected_with_short_specific_message(name: str, pattern: str) -> None:
    with pytest.raises(CalendarError, match=pattern) as info:
        load(name, date(1990, 1, 1), date(2030, 1, 1))
    message = str(info.value)
    assert message.startswith(name)
    assert len(message) - len(name) <= 100


def test_bom_and_empty_calendar() -> None:
    result = load("icalendar__bom_calendar.ics", date(1990, 1, 1), date(2030, 1, 1))
    assert result.occurrences == [] and result.events == 0


def test_bad_rrule_series_skipped_with_reason() -> None:
    result = load(
        "recurring-ical-events__bad_rrule_missing_until_event.ics",
        date(2019, 1, 1),
        date(2019, 12, 31),
    )
    assert result.occurrences == []
    assert any("UNTIL" in str(p) and "skipped" in str(p) for p in result.problems)


def test_swapped_start_and_end() -> None:
    paris = ZoneInfo("Europe/Paris")
    [event] = load(
        "recurring-ical-events__issue_132_swapped_start_and_end.ics",
        date(2023, 12, 18),
        date(2023, 12, 18),
        paris,
    ).occurrences
    assert [t.strftime("%H:%M") for t in local(event, paris)] == ["23:30", "23:45"]


def test_broken_utf8_multi_month_all_day() -> None:
    result = load("ical4j__1106817412.ics", date(2005, 3, 1), date(2005, 10, 31), UTCZ)
    [event] = result.occurrences
    assert event.all_day and "\ufffd" in event.summary and event.summary.startswith("2005年")
    assert (event.start.date(), event.end.date()) == (date(2005, 3, 25), date(2005, 9, 26))


def test_sogo_escaped_geo() -> None:
    result = load("ical4j__sogo-geo-escaped-semicolon.ics", date(1990, 1, 1), date(2030, 1, 1))
    assert len(result.occurrences) == 1


def test_lotus_notes_cr_only_line_endings() -> None:
    result = load("calendarserver__Test-03B.ics", date(2005, 4, 26), date(2005, 4, 26), NEW_YORK)
    [event] = result.occurrences
    assert event.summary == "More complicated stream (5 day recurring)"
    assert event.end - event.start == timedelta(hours=1)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.ics")) if CORPUS.is_dir() else [])
def test_every_file_imports_or_is_rejected_clearly(path: object) -> None:
    from pathlib import Path

    assert isinstance(path, Path)
    try:
        result = read(
            [(path.name, path.read_bytes())],
            window(date(2000, 1, 1), date(2030, 1, 1), BERLIN),
            BERLIN,
        )
    except CalendarError as exc:
        assert str(exc).startswith(path.name)
        return
    keys = [(o.uid, o.recurrence_id) for o in result.occurrences]
    assert len(keys) == len(set(keys))
    assert all(o.start.tzinfo is not None and o.end >= o.start for o in result.occurrences)
    assert all(len(o.recurrence_id) <= 40 for o in result.occurrences)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.ics")) if CORPUS.is_dir() else [])
def test_plain_event_shortcut_agrees_with_icalendar(path: object) -> None:
    """One-off events are read without icalendar; the result must be the same."""
    from pathlib import Path

    assert isinstance(path, Path)
    span = window(date(2000, 1, 1), date(2030, 1, 1), BERLIN)
    files = [(path.name, path.read_bytes())]
    try:
        quick = read(files, span, BERLIN)
    except CalendarError:
        with pytest.raises(CalendarError):
            read(files, span, BERLIN, fast=False)
        return
    assert quick.occurrences == read(files, span, BERLIN, fast=False).occurrences
