"""Following the plan, the log takes the planned breaks: lunch and the short breaks are logged
as breaks, not as the work around them.

Was: on the default day (lunch 12:30–13:15, short breaks after 90 minutes of focus) a day
started at 08:50 logged Community work through the lunch and every short break ("a gap in the
plan: the work goes on"), so the day's worked time counted the lunch and End of day called every
break skipped.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from planner.domain.timerange import Interval, local_wall_time
from planner.domain.values import WORKING_KINDS, PlanV
from planner.services import day, day_review, gaps, planning, tracking
from planner.storage.db import Database

OWNER = "tester"
MONDAY = date(2026, 12, 7)


def at(zone: ZoneInfo, hh: int, mm: int = 0) -> datetime:
    return local_wall_time(MONDAY, hh * 60 + mm, zone)


def _plan_the_default_day(db: Database, zone: ZoneInfo) -> PlanV:
    with db.transaction() as s:
        plan, _ = planning.auto_plan(s, OWNER, MONDAY, zone)
        day.start(s, OWNER, zone, at(zone, 8, 50))
    assert [b.kind for b in plan.breaks].count("lunch") == 1
    assert len(plan.breaks) >= 2  # the lunch and at least one short break
    return plan


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def test_a_day_following_the_plan_logs_its_breaks_as_breaks(db: Database, zone: ZoneInfo) -> None:
    plan = _plan_the_default_day(db, zone)
    stop = plan.day.stop
    with db.transaction() as s:
        for hh, mm in ((9, 30), (12, 40)):  # the app ticks now and then
            tracking.catch_up(s, OWNER, zone, at(zone, hh, mm))
        status = day.status(s, OWNER, zone, at(zone, 12, 40))  # in the lunch
        for hh, mm in ((13, 30), (16, 0)):
            tracking.catch_up(s, OWNER, zone, at(zone, hh, mm))
        day.close(s, OWNER, zone, MONDAY, stop)
        entries = tracking.list_entries(s, OWNER, Interval(at(zone, 0), at(zone, 23)))
        review = day_review.load_review(s, OWNER, MONDAY, zone, stop)
    assert status.state == day.DayState.BREAK
    breaks = [(e.start, e.end) for e in entries if e.kind == "break"]
    assert breaks == [(b.start, b.end) for b in plan.breaks]  # every planned break, as planned
    worked = sum(_minutes(e.start, e.end or stop) for e in entries if e.kind in WORKING_KINDS)
    # the slots fill the day but for the breaks: what is worked is the slots, to the minute
    assert worked == sum(_minutes(sl.start, sl.end) for sl in plan.slots)
    assert worked == _minutes(plan.day.start, stop) - sum(
        _minutes(b.start, b.end) for b in plan.breaks
    )
    for e in entries:  # each piece of work is on the role its slot planned
        if e.kind == "work":
            slot = next(sl for sl in plan.slots if sl.start <= e.start < sl.end)
            assert e.role_id == slot.role_id
    assert review.skipped == ()  # the breaks were taken
    assert review.actual_minutes == worked


def test_the_log_is_the_same_whether_the_app_ticked_or_not(db: Database, zone: ZoneInfo) -> None:
    """catch_up is the same at any calling rate across the breaks: one look at 15:00 by one
    person, a tick every 7 minutes by another with the same default day."""
    ticking = "ticking"

    def log(owner: str) -> list[tuple[str, str | None, datetime, datetime | None]]:
        with db.transaction() as s:
            names = {r.id: r.name for r in planning.list_roles(s, owner)}
            rows = tracking.list_entries(s, owner, Interval(at(zone, 0), at(zone, 23)))
        return [(e.kind, names.get(e.role_id or 0), e.start, e.end) for e in rows]

    _plan_the_default_day(db, zone)
    with db.transaction() as s:
        tracking.catch_up(s, OWNER, zone, at(zone, 15))
        planning.ensure_defaults(s, ticking)
        planning.auto_plan(s, ticking, MONDAY, zone)
        day.start(s, ticking, zone, at(zone, 8, 50))
    for minute in range(0, 6 * 60 + 1, 7):
        with db.transaction() as s:
            tracking.catch_up(
                s, ticking, zone, min(at(zone, 9) + timedelta(minutes=minute), at(zone, 15))
            )
    with db.transaction() as s:
        tracking.catch_up(s, ticking, zone, at(zone, 15))
    once = log(OWNER)
    assert log(ticking) == once
    assert [k for k, _, _, _ in once].count("break") >= 2


def test_an_interruption_in_the_lunch_goes_back_to_the_lunch(db: Database, zone: ZoneInfo) -> None:
    plan = _plan_the_default_day(db, zone)
    lunch = next(b for b in plan.breaks if b.kind == "lunch")
    with db.transaction() as s:
        tracking.interrupt(s, OWNER, zone, lunch.start + timedelta(minutes=10), note="phone")
        tracking.resume(s, OWNER, zone, lunch.start + timedelta(minutes=15))
        running = tracking.running(s, OWNER)
        assert running is not None and running.kind == "break"
        tracking.catch_up(s, OWNER, zone, lunch.end + timedelta(minutes=5))
        running = tracking.running(s, OWNER)
    after = next(sl for sl in plan.slots if sl.start == lunch.end)
    assert running is not None and running.kind == "work" and running.role_id == after.role_id


def test_a_skipped_lunch_is_worked_through(db: Database, zone: ZoneInfo) -> None:
    plan = _plan_the_default_day(db, zone)
    lunch = next(b for b in plan.breaks if b.kind == "lunch")
    with db.transaction() as s:
        planning.skip_lunch(s, OWNER, MONDAY, zone)
        tracking.catch_up(s, OWNER, zone, lunch.end + timedelta(minutes=1))
        entries = tracking.list_entries(s, OWNER, Interval(lunch.start, lunch.end))
    assert entries and all(e.kind == "work" for e in entries)


def test_gone_home_without_closing_the_day(db: Database, zone: ZoneInfo) -> None:
    """The person leaves at 17:40 without End of day; the laptop sleeps until 08:50. Was: the
    log went on as Community work until the day's end at 04:00 (10 h 20 min of overtime) and,
    with nothing running by the morning, the gap question was not even asked."""
    plan = _plan_the_default_day(db, zone)
    left = at(zone, 17, 40)
    morning = at(zone, 8, 50) + timedelta(days=1)
    gap = gaps.Gap(left, morning, "sleep")
    with db.transaction() as s:
        tracking.catch_up(s, OWNER, zone, left)
        tracking.catch_up(s, OWNER, zone, morning)  # the app wakes up: the log caught up
        asked = gaps.to_ask(s, OWNER, gap, timedelta(minutes=10))
        suggested = gaps.suggest(s, OWNER, zone, asked) if asked else None
    day_end = local_wall_time(MONDAY, 28 * 60, zone)  # 04:00 the next morning
    assert asked is not None and (asked.start, asked.end) == (left, day_end)
    assert suggested == "stopped"
    with db.transaction() as s:
        gaps.record_gap(s, OWNER, zone, asked.interval, "stopped")
        tracking.catch_up(s, OWNER, zone, morning)
        entries = tracking.list_entries(s, OWNER, Interval(at(zone, 0), morning))
        review = day_review.load_review(s, OWNER, MONDAY, zone, morning)
        running = tracking.running(s, OWNER)
        asked_again = gaps.to_ask(s, OWNER, gap, timedelta(minutes=10))
    assert running is None and asked_again is None
    assert max(e.end for e in entries if e.end) == left
    assert review.overtime_minutes == _minutes(plan.day.stop, left)  # 10 min, not 10 h 30


def test_a_closed_day_or_a_lunch_away_is_not_asked_about(db: Database, zone: ZoneInfo) -> None:
    plan = _plan_the_default_day(db, zone)
    lunch = next(b for b in plan.breaks if b.kind == "lunch")
    ten = timedelta(minutes=10)
    with db.transaction() as s:
        tracking.catch_up(s, OWNER, zone, lunch.end + timedelta(minutes=3))
        away = gaps.Gap(
            lunch.start - timedelta(minutes=2), lunch.end + timedelta(minutes=3), "idle"
        )
        assert gaps.to_ask(s, OWNER, away, ten) is None
        longer = gaps.Gap(away.start, lunch.end + timedelta(minutes=40), "idle")
        tracking.catch_up(s, OWNER, zone, longer.end)
        asked = gaps.to_ask(s, OWNER, longer, ten)
        assert asked is not None and (asked.start, asked.end) == (lunch.end, longer.end)
        assert gaps.suggest(s, OWNER, zone, asked) == "break"
        day.close(s, OWNER, zone, MONDAY, plan.day.stop)
        night = gaps.Gap(plan.day.stop, plan.day.stop + timedelta(hours=14), "sleep")
        assert gaps.to_ask(s, OWNER, night, ten) is None  # nothing was logged: nothing to ask


def test_a_resume_stamped_a_little_before_the_interruption_resumes_where_it_began(
    db: Database, zone: ZoneInfo
) -> None:
    """Was (the Italian CLI test on PostgreSQL): two commands' clocks a microsecond apart gave
    "interval ends before it starts: …000005 > …000004" instead of resuming."""
    _plan_the_default_day(db, zone)
    pressed = at(zone, 10, 20) + timedelta(microseconds=5)
    with db.transaction() as s:
        hit, _ = tracking.interrupt(s, OWNER, zone, pressed, note="printer", now=pressed)
        back, _ = tracking.resume(s, OWNER, zone, pressed - timedelta(microseconds=1))
        rows = tracking.list_entries(s, OWNER, Interval(at(zone, 0), at(zone, 23)))
    interruption = next(e for e in rows if e.id == hit.id)
    assert interruption.end == interruption.start == pressed
    assert back.kind == "work" and back.start == pressed
    assert all(e.end is None or e.end >= e.start for e in rows)
