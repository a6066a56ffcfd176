"""Weekly aggregates on a hand-built week (every number checked), DST weeks, the trend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.domain.errors import PlannerError
from planner.review import reports
from planner.services import planning
from planner.storage.db import Database
from planner.storage.models import CalendarSource, Entry, Occurrence, Slot

BERLIN = ZoneInfo("Europe/Berlin")
OWNER = "tester"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MONDAY = date(2026, 11, 23)  # 2026-W48


def at(day: date, hhmm: str, fold: int = 0) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=BERLIN, fold=fold).astimezone(UTC)


def d(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def entry(start: datetime, end: datetime | None, kind: str, role: int | None, source: str = ""):
    return Entry(owner=OWNER, start=start, end=end, kind=kind, role_id=role, source=source)


@pytest.fixture
def roles(db: Database) -> tuple[int, int]:
    with db.transaction() as s:
        support, community = planning.list_roles(s, OWNER)
    return support.id, community.id


@pytest.fixture
def week(db: Database, roles: tuple[int, int]) -> reports.WeekReport:
    sup, com = roles
    with db.transaction() as s:
        # Monday: two planned slots; an interruption; a lunch break; work from 03:30 that the
        # 04:00 day start splits with the previous week's Sunday
        s.add_all(
            [
                Slot(
                    owner=OWNER,
                    day=d(0),
                    start=at(d(0), "09:00"),
                    end=at(d(0), "11:00"),
                    role_id=sup,
                    origin="auto",
                ),
                Slot(
                    owner=OWNER,
                    day=d(0),
                    start=at(d(0), "11:00"),
                    end=at(d(0), "13:00"),
                    role_id=com,
                    origin="auto",
                ),
                entry(at(d(0), "03:30"), at(d(0), "04:30"), "work", com),
                entry(at(d(0), "09:00"), at(d(0), "10:00"), "work", sup),
                entry(at(d(0), "10:00"), at(d(0), "10:15"), "interruption", com, "chat"),
                entry(at(d(0), "10:15"), at(d(0), "11:00"), "work", sup),
                entry(at(d(0), "11:00"), at(d(0), "12:30"), "work", com),
                entry(at(d(0), "12:30"), at(d(0), "13:00"), "break", None),
            ]
        )
        # Tuesday: hard stop moved to 16:00; an hour of work past it
        planning.set_day(s, OWNER, d(1), BERLIN, stop_minute=16 * 60)
        s.add_all(
            [
                entry(at(d(1), "15:00"), at(d(1), "16:30"), "work", com),
                entry(at(d(1), "16:30"), at(d(1), "16:40"), "interruption", sup, "email"),
                entry(at(d(1), "16:40"), at(d(1), "17:00"), "work", com),
            ]
        )
        # Wednesday 23:00 to Thursday 05:00: the day boundary (04:00) splits it 300 / 60
        s.add(entry(at(d(2), "23:00"), at(d(3), "05:00"), "work", sup))
        # Thursday: a meeting planned and attended; an all-day and a free event do not count
        source = CalendarSource(owner=OWNER, name="cal", kind="file", location="x")
        s.add(source)
        s.flush()
        for uid, start, end, all_day, busy in (
            ("m1", at(d(3), "14:00"), at(d(3), "15:00"), False, True),
            ("m2", at(d(3), "00:00"), at(d(4), "00:00"), True, True),
            ("m3", at(d(3), "16:00"), at(d(3), "17:00"), False, False),
        ):
            s.add(
                Occurrence(
                    owner=OWNER,
                    source_id=source.id,
                    uid=uid,
                    recurrence_id="",
                    start=start,
                    end=end,
                    all_day=all_day,
                    busy=busy,
                    role_id=com,
                )
            )
        s.add(entry(at(d(3), "14:00"), at(d(3), "15:00"), "meeting", com))
        # Saturday is a day off: all of it is overtime
        s.add(entry(at(d(5), "10:00"), at(d(5), "11:00"), "work", sup))
        # Sunday's planner day runs to Monday 04:00
        s.add_all(
            [
                entry(at(d(6), "23:30"), at(d(6), "23:50"), "interruption", sup, "chat"),
                entry(at(d(7), "01:00"), at(d(7), "01:05"), "interruption", sup, "phone"),
                entry(at(d(7), "03:00"), at(d(7), "03:30"), "work", com),
                # next week: not counted
                # (the log as tracking writes it: the work is split around the interruption;
                # one owner's entries never overlap, and PostgreSQL refuses any that do)
                entry(at(d(7), "09:00"), at(d(7), "09:30"), "work", com),
                entry(at(d(7), "09:30"), at(d(7), "09:40"), "interruption", sup, "chat"),
                entry(at(d(7), "09:40"), at(d(7), "10:00"), "work", com),
            ]
        )
    with db.transaction() as s:
        return reports.week_report(s, OWNER, BERLIN, MONDAY, NOW)


def test_week_identity(week: reports.WeekReport) -> None:
    assert week.week == "2026-W48"
    assert week.days == tuple(d(i) for i in range(7))
    assert week.day_bounds[0] == (at(d(0), "04:00"), at(d(1), "04:00"))
    assert week.hard_stops[0] == at(d(0), "17:30")
    assert week.hard_stops[1] == at(d(1), "16:00")
    assert week.hard_stops[5] is None and week.hard_stops[6] is None


def test_actual_minutes_per_day_role_and_kind(
    week: reports.WeekReport, roles: tuple[int, int]
) -> None:
    sup, com = roles
    assert week.work[sup] == (105.0, 0.0, 300.0, 60.0, 0.0, 60.0, 0.0)
    assert week.work[com] == (120.0, 110.0, 0.0, 0.0, 0.0, 0.0, 30.0)
    assert week.interruptions[com] == (15.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert week.interruptions[sup] == (0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 25.0)
    assert dict(week.meetings) == {com: (0.0, 0.0, 0.0, 60.0, 0.0, 0.0, 0.0)}
    assert week.breaks == (30.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def test_planned_minutes(week: reports.WeekReport, roles: tuple[int, int]) -> None:
    sup, com = roles
    assert dict(week.planned) == {
        sup: (120.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        com: (120.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    }
    assert dict(week.planned_meetings) == {com: (0.0, 0.0, 0.0, 60.0, 0.0, 0.0, 0.0)}


def test_overtime_and_adherence(week: reports.WeekReport) -> None:
    # Tue: 30 + 10 + 20 min after 16:00; Wed: 23:00-04:00 after 17:30; Sat and Sun: days off
    assert week.overtime == (0.0, 60.0, 300.0, 0.0, 0.0, 60.0, 55.0)
    # Monday's slots: Support 105 of 120 min (the interruption was Community), Community 90 of
    # 120 (the break is not Community)
    assert week.slot_minutes == (240.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert week.on_role_minutes == (195.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert week.adherence == (195 / 240, None, None, None, None, None, None)


def test_share_of_working_time(week: reports.WeekReport, roles: tuple[int, int]) -> None:
    sup, com = roles
    by_role = week.actual_by_role()
    assert by_role == {sup: 560.0, com: 335.0}
    assert week.working_minutes == 895.0
    share = week.actual_share()
    assert share[sup] == pytest.approx(560 / 895)
    assert share[com] == pytest.approx(335 / 895)


def test_interruptions(week: reports.WeekReport) -> None:
    assert week.interruption_count == 4
    assert week.interruption_minutes == 50.0
    assert week.sources == (
        reports.SourceStat("chat", 2, 35.0),
        reports.SourceStat("email", 1, 10.0),
        reports.SourceStat("phone", 1, 5.0),
    )
    cells = {(wd, h): c for wd, row in enumerate(week.heat) for h, c in enumerate(row) if c}
    # Sunday's planner day holds Monday 01:00 (local hour 1)
    assert cells == {(0, 10): 1, (1, 16): 1, (6, 23): 1, (6, 1): 1}
    assert week.resumption_cost_minutes == 23
    assert week.focus_lost_minutes == 92


def test_resumption_cost_is_a_setting(db: Database, roles: tuple[int, int]) -> None:
    with db.transaction() as s:
        s.add(entry(at(d(0), "10:00"), at(d(0), "10:05"), "interruption", roles[0]))
        planning.set_setting(s, OWNER, "resumption_cost_minutes", 10)
    with db.transaction() as s:
        week = reports.week_report(s, OWNER, BERLIN, MONDAY, NOW)
    assert week.focus_lost_minutes == 10
    assert week.sources == (reports.SourceStat("(no source)", 1, 5.0),)


def test_running_entry_counts_until_now(db: Database, roles: tuple[int, int]) -> None:
    now = at(d(1), "11:00")
    with db.transaction() as s:
        # started long before the look-back, still open
        s.add(entry(at(d(0), "09:00") - timedelta(days=10), None, "work", roles[0]))
    with db.transaction() as s:
        week = reports.week_report(s, OWNER, BERLIN, MONDAY, now)
    assert week.work[roles[0]][0] == 24 * 60
    assert week.work[roles[0]][1] == 7 * 60  # 04:00 to 11:00
    assert sum(week.work[roles[0]][2:]) == 0


def test_dst_week_has_a_25_hour_day(db: Database, roles: tuple[int, int]) -> None:
    sat, sun = date(2026, 10, 24), date(2026, 10, 25)  # clocks go back on Sun 03:00
    with db.transaction() as s:
        # the second 02:30 of the night (fold=1) is still Saturday's planner day, hour 2; the
        # work is split around the interruption, as tracking logs it (entries never overlap)
        s.add(entry(at(sat, "20:00"), at(sun, "02:30", fold=1), "work", roles[1]))
        s.add(entry(at(sun, "02:30", fold=1), at(sun, "02:40", fold=1), "interruption", None))
        s.add(entry(at(sun, "02:40", fold=1), at(sun, "06:00"), "work", roles[1]))
    with db.transaction() as s:
        week = reports.week_report(s, OWNER, BERLIN, date(2026, 10, 19), NOW)
    lo, hi = week.day_bounds[5]
    assert hi - lo == timedelta(hours=25)
    assert week.work[roles[1]][5] == 530.0  # Sat 20:00 to Sun 04:00 is 9 h that night, less 10
    assert week.work[roles[1]][6] == 120.0
    assert week.heat[5][2] == 1


def test_spring_forward_week(db: Database, roles: tuple[int, int]) -> None:
    sat, sun = date(2026, 3, 28), date(2026, 3, 29)  # clocks go forward on Sun 02:00
    with db.transaction() as s:
        s.add(entry(at(sat, "22:00"), at(sun, "03:30"), "work", roles[0]))
        s.add(entry(at(sun, "03:30"), at(sun, "03:35"), "interruption", roles[0]))
        s.add(entry(at(sun, "03:35"), at(sun, "05:00"), "work", roles[0]))
    with db.transaction() as s:
        week = reports.week_report(s, OWNER, BERLIN, date(2026, 3, 23), NOW)
    lo, hi = week.day_bounds[5]
    assert hi - lo == timedelta(hours=23)
    assert week.work[roles[0]][5] == 295.0  # 22:00 to 04:00 is 5 h that night, less 5
    assert week.work[roles[0]][6] == 60.0
    assert week.heat[5][3] == 1


def test_share_trend(db: Database, roles: tuple[int, int]) -> None:
    sup, com = roles
    with db.transaction() as s:
        for k in range(3):
            monday = MONDAY - timedelta(weeks=k)
            s.add(entry(at(monday, "09:00"), at(monday, "12:00"), "work", sup))
            s.add(
                entry(
                    at(monday, "13:00"),
                    at(monday, "13:00") + timedelta(minutes=60 * k + 60),
                    "meeting",
                    com,
                )
            )
            s.add(entry(at(monday, "12:00"), at(monday, "13:00"), "break", None))
    with db.transaction() as s:
        trend = reports.share_trend(s, OWNER, BERLIN, MONDAY, NOW, weeks=4)
    assert trend.weeks == ("2026-W45", "2026-W46", "2026-W47", "2026-W48")
    assert trend.minutes[sup] == (0.0, 180.0, 180.0, 180.0)
    assert trend.minutes[com] == (0.0, 180.0, 120.0, 60.0)
    assert trend.shares[sup] == (None, 0.5, 0.6, 0.75)
    assert trend.shares[com] == (None, 0.5, 0.4, 0.25)


def test_parse_week() -> None:
    assert reports.parse_week("2026-W48") == MONDAY
    assert reports.parse_week("2026w48") == MONDAY
    assert reports.week_label(date(2027, 1, 4)) == "2027-W01"
    assert reports.week_label(date(2026, 12, 28)) == "2026-W53"
    with pytest.raises(PlannerError):
        reports.parse_week("2026-11-23")
    with pytest.raises(PlannerError):
        reports.parse_week("2025-W53")


def test_a_sunday_first_week_runs_sunday_to_saturday(db: Database, roles: tuple[int, int]) -> None:
    """Sunday-first locales (en_US) see the week from the Sunday before; its ISO label is the
    Monday's, and the heat rows follow the days shown."""
    with db.transaction() as s:
        s.add(entry(at(d(0), "10:00"), at(d(0), "10:05"), "interruption", roles[0]))
    sunday = reports.week_start(d(2), first_weekday=6)
    assert sunday == d(-1) and sunday.weekday() == 6
    assert reports.week_start(d(2)) == d(0)  # ISO: the Monday
    with db.read() as s:
        week = reports.week_report(s, OWNER, BERLIN, sunday, NOW)
    assert week.days[0] == d(-1) and week.days[-1] == d(5)
    assert week.week == reports.week_label(d(0))
    assert week.heat[1][10] == 1 and sum(map(sum, week.heat)) == 1  # Monday is the second row


def test_other_owners_rows_are_not_counted(db: Database, roles: tuple[int, int]) -> None:
    with db.transaction() as s:
        other = Entry(
            owner="someone",
            start=at(d(0), "09:00"),
            end=at(d(0), "10:00"),
            kind="work",
            role_id=roles[0],
        )
        s.add(other)
    with db.transaction() as s:
        week = reports.week_report(s, OWNER, BERLIN, MONDAY, NOW)
    assert week.working_minutes == 0
