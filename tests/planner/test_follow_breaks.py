"""The default day as lived, through the services: its breaks logged as breaks and counted so
by the reviews, an interruption in lunch, what a slot's end reminder says follows it, and no
"next" for a role that goes on after a short break (tests/planner/test_breaks_followed.py has
the rule of following the breaks itself)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from planner.domain import day_rules
from planner.domain.timerange import Interval
from planner.domain.values import BreakV, EntryV, SlotV
from planner.review import reports
from planner.services import day, day_review, planning, reminders, tracking
from planner.storage.db import Database

OWNER = "tester"
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)


def at(hhmm: str, on: date = MONDAY) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(on.year, on.month, on.day, h, m, tzinfo=BERLIN).astimezone(UTC)


def hm(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(BERLIN).strftime("%H:%M")


def _entries(db: Database) -> list[EntryV]:
    with db.read() as s:
        return tracking.list_entries(s, OWNER, Interval(at("04:00"), at("23:00")))


def log(db: Database) -> list[tuple[str, str | None, str | None, str | None]]:
    with db.read() as s:
        names = {r.id: r.name for r in planning.list_roles(s, OWNER)}
    rows = _entries(db)
    return [(e.kind, hm(e.start), hm(e.end), names.get(e.role_id or -1)) for e in rows]


def planned_day(db: Database) -> planning.PlanV:
    with db.transaction() as s:
        plan, _ = planning.auto_plan(s, OWNER, MONDAY, BERLIN, now=at("08:50"))
        day.start(s, OWNER, BERLIN, at("08:50"))
    return plan


def test_following_the_default_day_logs_its_breaks_as_breaks(db: Database) -> None:
    plan = planned_day(db)
    breaks = sorted((hm(b.start), hm(b.end), b.kind) for b in plan.breaks)
    assert ("12:30", "13:15", "lunch") in breaks and any(k == "short" for *_, k in breaks)
    with db.transaction() as s:
        day.catch_up(s, OWNER, BERLIN, at("12:40"))
        assert day.status(s, OWNER, BERLIN, at("12:40")).state is day.DayState.BREAK
        day.catch_up(s, OWNER, BERLIN, at("17:30"))
        day.close(s, OWNER, BERLIN, MONDAY, at("17:30"))
    rows = log(db)
    logged_breaks = sorted((a, b) for kind, a, b, _ in rows if kind == "break")
    assert logged_breaks == sorted((a, b) for a, b, _ in breaks)
    for kind, _a, _b, role in rows:  # every break from the plan, and no work inside one
        assert (kind == "break") == (role is None), rows
    worked = sum(
        (e.end - e.start).total_seconds() / 60
        for e in _entries(db)
        if e.kind in ("work", "meeting") and e.end is not None
    )
    pauses = sum((b.end - b.start).total_seconds() / 60 for b in plan.breaks)
    assert worked == 510 - pauses  # 09:00-17:30 less lunch and the short breaks
    with db.read() as s:
        review = day_review.load_review(s, OWNER, MONDAY, BERLIN, at("18:00"))
        week = reports.week_report(s, OWNER, BERLIN, MONDAY, at("18:00"))
    assert review.skipped == ()  # taken as planned, not skipped
    assert week.breaks_skipped[0] == 0 and week.breaks_planned[0] == len(plan.breaks)
    assert week.breaks[0] == pauses  # the break minutes the day logged
    assert week.break_minutes[0] == pauses  # ...and planned (the hard-stop line leaves them out)


def test_an_interruption_in_lunch_goes_back_to_lunch_then_to_the_plan(db: Database) -> None:
    planned_day(db)
    with db.transaction() as s:
        tracking.interrupt(s, OWNER, BERLIN, at("12:50"), note="phone", now=at("12:50"))
        tracking.resume(s, OWNER, BERLIN, at("12:55"))
        assert day.status(s, OWNER, BERLIN, at("12:56")).state is day.DayState.BREAK
        day.catch_up(s, OWNER, BERLIN, at("13:20"))
    rows = log(db)
    lunch = [r for r in rows if r[1] is not None and "12:30" <= r[1] < "13:15"]
    assert [(k, a, b) for k, a, b, _ in lunch] == [
        ("break", "12:30", "12:50"),
        ("interruption", "12:50", "12:55"),
        ("break", "12:55", "13:15"),
    ]
    assert rows[-1][0] == "work" and rows[-1][1] == "13:15" and rows[-1][2] is None


def test_the_rule_a_slot_put_over_a_break_wins_and_a_skipped_break_is_not_followed() -> None:
    lunch = BreakV(1, MONDAY, at("12:30"), at("13:15"), "lunch")
    slot = SlotV(7, MONDAY, at("12:00"), at("13:00"), 1, "", "manual", True)
    assert day_rules.planned_at([], [], at("12:40"), [lunch]).kind == "break"  # type: ignore[union-attr]
    assert day_rules.planned_at([slot], [], at("12:40"), [lunch]).kind == "work"  # type: ignore[union-attr]
    skipped = BreakV(1, MONDAY, at("12:30"), at("13:15"), "lunch", skipped=True)
    assert day_rules.planned_at([], [], at("12:40"), [skipped]) is None
    points = day_rules.change_points([], [], at("12:00"), at("14:00"), [lunch])
    assert points == [at("12:30"), at("13:15")]


def test_a_slot_end_reminder_says_what_comes_next_a_meeting_lunch_or_a_short_break(
    db: Database,
) -> None:
    """Before lunch it said 'Ends at 12:30.', before the stand-up 'Ends at 10:00.', and before
    a short break only the next slot, as if it began at once."""
    from tests.planner.test_day_workflows import meeting

    with db.transaction() as s:
        support = planning.list_roles(s, OWNER)[0].id
        meeting(s, OWNER, at("10:00"), at("10:30"), support)
        planning.auto_plan(s, OWNER, MONDAY, BERLIN, now=at("08:50"))
        plan = planning.get_plan(s, OWNER, MONDAY, BERLIN)
        prefs = reminders.load_prefs(s, OWNER)
    context = reminders.DayContext(True, at("04:00", MONDAY + timedelta(days=1)))
    found = reminders.candidates(plan, None, prefs, BERLIN, context, at("20:00"))
    ends = {hm(r.until): r.body for r in found if r.kind is reminders.Kind.SLOT_END}
    assert ends["10:00"] == "Next: Team call 10:00–10:30"
    assert ends["12:30"] == "Then lunch until 13:15."
    short = next(b for b in plan.breaks if b.kind == "short")
    body = ends[hm(short.start)]
    assert body.startswith("Then a 5-minute break. Next: "), body


def test_a_role_going_on_after_a_short_break_is_no_next() -> None:
    """In Support 14:50-16:20 with Support again at 16:25 after a short break, the Now panel
    and `status` said 'Next: Support at 16:25'."""
    first = SlotV(1, MONDAY, at("14:50"), at("16:20"), 1, "", "auto", False)
    second = SlotV(2, MONDAY, at("16:25"), at("17:30"), 1, "", "auto", False)
    short = BreakV(3, MONDAY, at("16:20"), at("16:25"), "short")
    focus = day_rules.focus_at([first, second], [], at("15:00"), [short])
    assert focus.slot == first and focus.next_slot is None
    # without the break between them the gap is a gap: Support at 16:25 is what comes next
    assert day_rules.focus_at([first, second], [], at("15:00")).next_slot == second
