"""Issue 16 through the services: lunch and short breaks in the plan, skipping lunch, the
re-fit by priority and deadline, the week's share repaid, break reminders, the reviews."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from planner.review import reports
from planner.services import day_review, planning, reminders
from planner.storage.db import Database
from planner.storage.models import Entry

OWNER = "tester"
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)


def at(day: date, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=BERLIN).astimezone(UTC)


def roles(db: Database) -> tuple[int, int]:
    with db.read() as s:
        support, community = planning.list_roles(s, OWNER)
    return support.id, community.id


def minutes_of(plan: planning.PlanV, role_id: int) -> float:
    return sum((s.end - s.start).total_seconds() / 60 for s in plan.slots if s.role_id == role_id)


def test_the_default_day_plans_lunch_and_short_breaks(db: Database) -> None:
    support, community = roles(db)
    with db.transaction() as s:
        before = planning.get_plan(s, OWNER, MONDAY, BERLIN)
        plan, _ = planning.auto_plan(s, OWNER, MONDAY, BERLIN, now=at(MONDAY, "08:50"))
    # before Auto-split the weekday's lunch shows, from the settings
    assert [(b.kind, b.id) for b in before.breaks] == [("lunch", 0)]
    lunch = next(b for b in plan.breaks if b.kind == "lunch")
    assert (lunch.start, lunch.end) == (at(MONDAY, "12:30"), at(MONDAY, "13:15")) and lunch.id
    shorts = [b for b in plan.breaks if b.kind == "short"]
    assert shorts and all(b.end - b.start == timedelta(minutes=5) for b in shorts)
    for slot in plan.slots:
        assert not any(b.start < slot.end and slot.start < b.end for b in plan.breaks)
        assert slot.end - slot.start <= timedelta(hours=2)
    assert len({s.role_id for s in plan.slots}) == 2 and len(plan.slots) >= 4
    pauses = sum((b.end - b.start).total_seconds() / 60 for b in plan.breaks)
    assert minutes_of(plan, support) + minutes_of(plan, community) == 510 - pauses
    assert abs(minutes_of(plan, support) - minutes_of(plan, community)) <= 30


def test_support_at_ninety_minutes_and_lunch_skipped_for_one_day(db: Database) -> None:
    support, _ = roles(db)
    with db.transaction() as s:
        planning.set_max_block_minutes(s, OWNER, support, 60)
        plan, _ = planning.auto_plan(s, OWNER, MONDAY, BERLIN)
        assert max(x.end - x.start for x in plan.slots if x.role_id == support) <= timedelta(
            minutes=60
        )
        planning.skip_lunch(s, OWNER, MONDAY, BERLIN)
        skipped = planning.get_plan(s, OWNER, MONDAY, BERLIN)
        tuesday = planning.get_plan(s, OWNER, MONDAY + timedelta(days=1), BERLIN)
    lunch = next(b for b in skipped.breaks if b.kind == "lunch")
    assert lunch.skipped
    # not started yet: the plan is made again and uses the hour
    assert any(x.start < lunch.end and lunch.start < x.end for x in skipped.slots)
    assert not next(b for b in tuesday.breaks if b.kind == "lunch").skipped  # one day only


def test_tasks_refit_by_priority_span_slots_and_deadlines_are_flagged(db: Database) -> None:
    support, _ = roles(db)
    now = at(MONDAY, "08:50")
    with db.transaction() as s:
        planning.auto_plan(s, OWNER, MONDAY, BERLIN, now=now)
        long, _ = planning.add_task(
            s, OWNER, "Backlog", support, now=now, day=MONDAY, estimate_minutes=90
        )
        small, _ = planning.add_task(
            s, OWNER, "Reply", support, now=now, day=MONDAY, estimate_minutes=15
        )
        urgent, _ = planning.add_task(
            s,
            OWNER,
            "Refund",
            support,
            now=now,
            day=MONDAY,
            estimate_minutes=30,
            due_at=at(MONDAY, "10:00"),
        )
        hopeless, _ = planning.add_task(
            s,
            OWNER,
            "Report",
            support,
            now=now,
            day=MONDAY,
            estimate_minutes=60,
            due_at=at(MONDAY, "09:30"),
        )
        plan = planning.get_plan(s, OWNER, MONDAY, BERLIN)
    by_id = {p.task_id: p for p in plan.placed}
    # the deadline goes first; 90 minutes go on in Support's next slot; then priority order
    assert by_id[urgent.id].start == at(MONDAY, "09:00") and not by_id[urgent.id].late
    assert len(by_id[long.id].slots) >= 2
    assert by_id[long.id].start < by_id[small.id].start
    assert plan.late == (hopeless.id,)  # flagged before the day starts
    assert plan.overflow == ()
    stored = {t.id: t.slot_id for t in plan.tasks}
    assert stored[long.id] == by_id[long.id].slots[0]  # the re-fit wrote it, no Auto-split


def test_the_week_repays_what_support_took_from_community(db: Database) -> None:
    support, community = roles(db)
    with db.transaction() as s:
        for start, end, role in (("09:00", "14:00", support), ("14:00", "17:20", community)):
            s.add(Entry(owner=OWNER, start=at(MONDAY, start), end=at(MONDAY, end), role_id=role))
    tuesday = MONDAY + timedelta(days=1)
    with db.transaction() as s:
        plan, _ = planning.auto_plan(s, OWNER, tuesday, BERLIN, now=at(tuesday, "08:50"))
        week = planning.week_share(s, OWNER, tuesday, BERLIN, at(tuesday, "08:50"))
        planning.set_setting(s, OWNER, "keep_week_share", False)
        plain, _ = planning.auto_plan(s, OWNER, tuesday, BERLIN, now=at(tuesday, "08:50"))
    behind = {w.role_id: w for w in week}
    assert behind[community].behind == 50.0 and behind[support].behind == -50.0
    assert behind[community].extra == 50.0
    # Tuesday gives Community 50 minutes more than its equal share, Support 50 fewer (within
    # what the free pieces between the breaks allow: 15 minutes a role here)
    lead = minutes_of(plan, community) - minutes_of(plan, support)
    assert abs(lead - 100) <= 30, lead
    assert abs(minutes_of(plain, community) - minutes_of(plain, support)) <= 10
    assert minutes_of(plan, support) + minutes_of(plan, community) == minutes_of(
        plain, support
    ) + minutes_of(plain, community)
    assert max(s.end for s in plan.slots) <= at(tuesday, "17:30")
    with db.read() as s:
        report = reports.week_report(s, OWNER, BERLIN, MONDAY, at(tuesday, "08:50"))
    assert report.debt()[community][0] == 50.0  # the review's debt after Monday


def test_break_reminders_and_a_skipped_break_in_the_reviews(db: Database) -> None:
    support, _ = roles(db)
    with db.transaction() as s:
        planning.auto_plan(s, OWNER, MONDAY, BERLIN)
        plan = planning.get_plan(s, OWNER, MONDAY, BERLIN)
        prefs = reminders.load_prefs(s, OWNER)
    context = reminders.DayContext(True, at(MONDAY + timedelta(days=1), "04:00"))
    found = reminders.candidates(plan, None, prefs, BERLIN, context, at(MONDAY, "18:00"))
    lunch = [r for r in found if r.kind is reminders.Kind.BREAK and "Lunch" in r.title]
    assert [r.due for r in lunch][:1] == [at(MONDAY, "12:30")]
    assert lunch[0].title == "Lunch 12:30–13:15"
    # worked straight through lunch: skipped, in the day's review and in the week
    with db.transaction() as s:
        s.add(
            Entry(owner=OWNER, start=at(MONDAY, "12:00"), end=at(MONDAY, "14:00"), role_id=support)
        )
    with db.read() as s:
        review = day_review.load_review(s, OWNER, MONDAY, BERLIN, at(MONDAY, "18:00"))
        week = reports.week_report(s, OWNER, BERLIN, MONDAY, at(MONDAY, "18:00"))
    assert [b.kind for b in review.skipped] == ["lunch"]
    assert week.breaks_skipped[0] == 1 and week.breaks_planned[0] == len(plan.breaks)


def test_a_changed_lunch_setting_reaches_the_days_already_planned(db: Database) -> None:
    tuesday = MONDAY + timedelta(days=1)
    next_monday = MONDAY + timedelta(days=7)
    with db.transaction() as s:
        for day in (MONDAY, next_monday, tuesday):
            planning.auto_plan(s, OWNER, day, BERLIN)
        moved = planning.list_breaks(s, OWNER, next_monday, BERLIN)
        lunch = next(b for b in moved if b.kind == "lunch")
        planning.move_break(
            s,
            OWNER,
            next_monday,
            BERLIN,
            lunch.id,
            at(next_monday, "13:00"),
            at(next_monday, "13:30"),
        )
    with db.transaction() as s:  # from Monday on: Mondays at 12:00–12:40
        planning.set_lunch_minutes(
            s, OWNER, 0, (12 * 60, 12 * 60 + 40), from_day=MONDAY, zone=BERLIN
        )
    with db.transaction() as s:
        plan, _ = planning.auto_plan(s, OWNER, MONDAY, BERLIN)
        lunches = {
            day: [
                (b.start, b.end)
                for b in planning.list_breaks(s, OWNER, day, BERLIN)
                if b.kind == "lunch"
            ]
            for day in (MONDAY, tuesday, next_monday)
        }
    assert lunches[MONDAY] == [(at(MONDAY, "12:00"), at(MONDAY, "12:40"))]
    assert not any(
        x.start < at(MONDAY, "12:40") and at(MONDAY, "12:00") < x.end for x in plan.slots
    )
    assert lunches[tuesday] == [(at(tuesday, "12:30"), at(tuesday, "13:15"))]  # another weekday
    assert lunches[next_monday] == [(at(next_monday, "13:00"), at(next_monday, "13:30"))]  # by hand
    with db.transaction() as s:  # no lunch on Mondays: the planned Monday loses it too
        planning.set_lunch_minutes(s, OWNER, 0, None, from_day=MONDAY, zone=BERLIN)
        kinds = [b.kind for b in planning.list_breaks(s, OWNER, MONDAY, BERLIN)]
    assert "lunch" not in kinds and "short" in kinds
