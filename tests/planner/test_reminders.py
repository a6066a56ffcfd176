"""Reminder rules: every trigger, no duplicates, sleep/resume, focus blocks, quiet hours, DST."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planner.domain.timerange import parse_hhmm
from planner.services import planning, reminders, tracking
from planner.services.reminders import Kind
from planner.storage.db import Database

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 24)  # a Tuesday


def at(hhmm: str, day: date = DAY, zone: ZoneInfo = BERLIN) -> datetime:
    h, m = hhmm.split(":")
    return datetime(day.year, day.month, day.day, int(h), int(m), tzinfo=zone).astimezone(UTC)


def roles(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        return {r.name: r.id for r in planning.list_roles(s, "tester")}


@pytest.fixture
def planned(db: Database) -> Database:
    """Support 09:00–11:00 (a focus block), Community 11:00–12:00 with the newsletter."""
    ids = roles(db)
    with db.transaction() as s:
        planning.add_slot(s, "tester", BERLIN, at("09:00"), at("11:00"), ids["Support"])
        slot, _ = planning.add_slot(s, "tester", BERLIN, at("11:00"), at("12:00"), ids["Community"])
        now = at("08:00")
        for title in ("Write the newsletter", "Moderate the forum", "Plan the meetup"):
            task, _ = planning.add_task(s, "tester", title, ids["Community"], now=now, day=DAY)
            if title == "Write the newsletter":
                planning.update_task(s, "tester", task.id, slot_id=slot.id)
    return db


def check(db: Database, now: datetime, zone: ZoneInfo = BERLIN) -> reminders.Check:
    with db.transaction() as s:
        return reminders.check(s, "tester", zone, now)


def walk(db: Database, start: datetime, end: datetime, step: timedelta) -> list[tuple[str, str]]:
    """Check at every step like the app's timer would; (local time, text) of what fired."""
    fired = []
    now = start
    while now <= end:
        for r in check(db, now).fire:
            fired.append((now.astimezone(BERLIN).strftime("%H:%M"), r.text))
        now += step
    return fired


def texts(result: reminders.Check) -> list[str]:
    return [r.text for r in result.fire]


def test_slot_start_fires_at_lead_time_once(planned: Database) -> None:
    assert texts(check(planned, at("08:58"))) == ["Support 09:00–11:00 — starts in 2 min"]
    assert [r.kind for r in check(planned, at("10:55")).fire] == [Kind.SLOT_END]
    early = check(planned, at("10:57") + timedelta(seconds=59))
    assert early.fire == ()
    assert early.next_due == at("10:58")
    first = check(planned, at("10:58"))
    assert texts(first) == ["Community 11:00–12:00 — Write the newsletter — starts in 2 min"]
    assert first.fire[0].title == "Community 11:00–12:00 — Write the newsletter"
    assert check(planned, at("10:58") + timedelta(seconds=30)).fire == ()
    assert check(planned, at("10:59")).fire == ()


def test_a_whole_day_minute_by_minute(planned: Database) -> None:
    fired = walk(planned, at("08:00"), at("18:10"), timedelta(minutes=1))
    assert fired == [
        ("08:58", "Support 09:00–11:00 — starts in 2 min"),
        (
            "10:55",
            "Support 09:00–11:00 ends in 5 min — Next: Community 11:00–12:00 — "
            "Write the newsletter",
        ),
        ("10:58", "Community 11:00–12:00 — Write the newsletter — starts in 2 min"),
        ("11:55", "Community 11:00–12:00 ends in 5 min — Ends at 12:00."),
        # the day's lunch (written with its first slot): it starts, and it ends with no slot
        ("12:30", "Lunch 12:30–13:15 — Time for a break."),
        ("13:15", "Lunch is over — Back to work at 13:15."),
        ("17:30", "Time to stop — You set 17:30 as your stop. 3 tasks carry over to tomorrow."),
    ]


def test_overtime_repeats_only_while_something_runs(planned: Database) -> None:
    support = roles(planned)["Support"]
    with planned.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("16:00"), role_id=support)
    fired = walk(planned, at("17:00"), at("18:20"), timedelta(minutes=1))
    assert [t for t, _ in fired] == ["17:30", "17:45", "18:00", "18:15"]
    assert fired[1][1].startswith("Overtime: 15 min past your stop")
    assert fired[3][1].startswith("Overtime: 45 min past your stop")
    with planned.transaction() as s:
        tracking.stop(s, "tester", BERLIN, at("18:20"))
    assert walk(planned, at("18:21"), at("19:00"), timedelta(minutes=1)) == []


def test_hard_stop_text_counts_open_tasks(db: Database) -> None:
    ids = roles(db)
    with db.transaction() as s:
        task, _ = planning.add_task(
            s, "tester", "Only one", ids["Support"], now=at("08:00"), day=DAY
        )
    assert texts(check(db, at("17:30")))[-1].endswith("1 task carries over to tomorrow.")
    with db.transaction() as s:
        planning.set_task_status(s, "tester", task.id, "done", at("17:00"))
    with db.transaction() as s:
        planning.set_day(s, "tester", DAY, BERLIN, stop_minute=parse_hhmm("18:00"))
    assert texts(check(db, at("18:00"))) == [
        "Time to stop — You set 18:00 as your stop. All of today's tasks are done."
    ]


def test_no_hard_stop_on_a_free_day_without_a_plan(db: Database) -> None:
    saturday = date(2026, 11, 28)
    assert check(db, at("17:30", saturday)).fire == ()


def test_no_stop_reminders_once_the_day_is_closed(planned: Database) -> None:
    with planned.transaction() as s:
        row = planning._day_row(s, "tester", DAY, BERLIN)
        row.closed_at = at("17:00")
    assert check(planned, at("17:30")).fire == ()


def test_wake_after_sleep_fires_one_hard_stop_not_every_overtime(planned: Database) -> None:
    with planned.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("11:00"), follow_plan=True)
    check(planned, at("15:59"))  # the laptop goes to sleep after this
    woke = check(planned, at("19:10"))
    assert [r.kind for r in woke.fire] == [Kind.HARD_STOP]
    assert check(planned, at("19:11")).fire == ()
    assert [r.title for r in check(planned, at("19:15")).fire] == [
        "Overtime: 1 h 45 min past your stop"
    ]


def test_opening_the_app_late_on_a_day_nobody_worked_says_nothing_of_the_stop(
    planned: Database,
) -> None:
    assert [r.kind for r in check(planned, at("22:10")).fire] == []


def test_the_stop_is_announced_around_it_even_if_nobody_started_the_day(
    planned: Database,
) -> None:
    assert [r.kind for r in check(planned, at("17:35")).fire] == [Kind.HARD_STOP]


def test_a_started_day_hears_of_the_stop_however_late(planned: Database) -> None:
    with planned.transaction() as s:
        planning.start_day(s, "tester", DAY, BERLIN, at("09:00"))
    assert [r.kind for r in check(planned, at("22:10")).fire] == [Kind.HARD_STOP]


def test_wake_mid_slot_shows_the_running_slot_only(planned: Database) -> None:
    check(planned, at("08:00"))
    woke = check(planned, at("11:20"))
    # nothing was started: the late reminder must not claim that anything runs
    assert texts(woke) == [
        "Community 11:00–12:00 — Write the newsletter — planned since 11:00; "
        "nothing is being tracked"
    ]
    assert check(planned, at("11:21")).fire == ()
    # After its end warning is due the start notice is stale: a later wake skips it.
    assert check(planned, at("11:56")).fire[0].kind == Kind.SLOT_END


def test_interruption_nag_outside_focus(db: Database) -> None:
    with db.transaction() as s:
        tracking.interrupt(s, "tester", BERLIN, at("10:00"), note="the phone call")
    assert check(db, at("10:14")).fire == ()
    assert texts(check(db, at("10:15"))) == [
        "Still on the phone call? — Back to work with Ctrl+Alt+I"
    ]
    assert check(db, at("10:30")).fire == ()


def test_interruption_nag_waits_for_the_end_of_a_focus_block(planned: Database) -> None:
    check(planned, at("09:00"))
    with planned.transaction() as s:
        tracking.interrupt(s, "tester", BERLIN, at("10:00"), source="Alex")
    fired = walk(planned, at("10:01"), at("10:56"), timedelta(minutes=1))
    assert {t for t, _ in fired} == {"10:55"}
    assert sorted(text.split(" ")[0] for _, text in fired) == ["Still", "Support"]
    assert "Still with Alex? — Back to work with Ctrl+Alt+I" in [text for _, text in fired]


def test_hard_stop_speaks_inside_a_focus_block(db: Database) -> None:
    ids = roles(db)
    with db.transaction() as s:
        planning.add_slot(s, "tester", BERLIN, at("16:00"), at("18:30"), ids["Support"])
    check(db, at("16:00"))
    assert [r.kind for r in check(db, at("17:30")).fire] == [Kind.HARD_STOP]


def test_each_kind_can_be_switched_off(planned: Database) -> None:
    with planned.transaction() as s:
        planning.set_setting(s, "tester", "remind_slot_start", False)
        planning.set_setting(s, "tester", "remind_hard_stop", False)
        planning.set_setting(s, "tester", "remind_break", False)
    fired = walk(planned, at("08:00"), at("18:00"), timedelta(minutes=5))
    assert [t for t, _ in fired] == ["10:55", "11:55"]


def test_quiet_hours_swallow_and_do_not_replay(planned: Database) -> None:
    with planned.transaction() as s:
        planning.set_setting(s, "tester", "quiet_hours_start", "10:50")
        planning.set_setting(s, "tester", "quiet_hours_end", "11:30")
    fired = walk(planned, at("08:00"), at("12:00"), timedelta(minutes=1))
    assert [t for t, _ in fired] == ["08:58", "11:55"]


def test_quiet_hours_may_wrap_midnight() -> None:
    quiet = (parse_hhmm("22:00"), parse_hhmm("07:00"))
    assert reminders.in_quiet_hours(at("23:30"), quiet, BERLIN)
    assert reminders.in_quiet_hours(at("06:59"), quiet, BERLIN)
    assert not reminders.in_quiet_hours(at("07:00"), quiet, BERLIN)
    assert not reminders.in_quiet_hours(at("12:00"), None, BERLIN)


def test_plan_change_moves_the_reminder(planned: Database) -> None:
    with planned.transaction() as s:
        slot = planning.slot_at(s, "tester", at("11:30"))
        assert slot is not None
        planning.update_slot(s, "tester", BERLIN, slot.id, start=at("11:15"))
    assert Kind.SLOT_START not in [r.kind for r in check(planned, at("10:58")).fire]
    assert texts(check(planned, at("11:13")))[0].startswith("Community 11:15–12:00")


def test_zone_change_does_not_repeat(planned: Database) -> None:
    assert len(check(planned, at("10:58")).fire) == 1
    assert check(planned, at("10:58"), zone=ZoneInfo("Europe/London")).fire == ()


def test_clock_set_back_does_not_repeat(planned: Database) -> None:
    assert len(walk(planned, at("08:00"), at("10:58"), timedelta(minutes=1))) == 3
    assert check(planned, at("10:40")).fire == ()
    assert check(planned, at("10:58")).fire == ()


def test_delivered_record_is_pruned(planned: Database) -> None:
    check(planned, at("10:58"))
    later = DAY + timedelta(days=6)  # a Monday
    check(planned, at("17:30", later))
    with planned.transaction() as s:
        record = planning.get_setting(s, "tester", reminders.DELIVERED_KEY)
    assert all(not key.startswith("slot_start") for key in record)
    assert any(key.startswith("hard_stop:2026-11-30") for key in record)


def test_day_rollover_starts_the_next_day(planned: Database) -> None:
    walk(planned, at("08:00"), at("12:00"), timedelta(minutes=5))
    tomorrow = DAY + timedelta(days=1)
    ids = roles(planned)
    with planned.transaction() as s:
        planning.add_slot(
            s, "tester", BERLIN, at("09:00", tomorrow), at("10:00", tomorrow), ids["Support"]
        )
    assert texts(check(planned, at("08:58", tomorrow))) == ["Support 09:00–10:00 — starts in 2 min"]


def _dst_walk(db: Database, first: datetime, last: datetime) -> list[tuple[datetime, str]]:
    out = []
    now = first
    while now <= last:
        out.extend((now, r.key) for r in check(db, now).fire)
        now += timedelta(minutes=1)
    return out


def test_fall_back_night_fires_each_overtime_once(db: Database) -> None:
    saturday = date(2026, 10, 24)  # the night into Sunday 25 Oct, 03:00 CEST -> 02:00 CET
    support = roles(db)["Support"]
    with db.transaction() as s:
        planning.set_day(
            s,
            "tester",
            saturday,
            BERLIN,
            start_minute=parse_hhmm("18:00"),
            stop_minute=parse_hhmm("01:30+1"),
        )
        tracking.start_work(s, "tester", BERLIN, at("23:00", saturday), role_id=support)
    fired = _dst_walk(
        db, datetime(2026, 10, 24, 23, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, 50, tzinfo=UTC)
    )
    keys = [k for _, k in fired]
    assert len(keys) == len(set(keys))
    moments = [t for t, _ in fired]
    # 01:30 CEST is 23:30 UTC; then every 15 real minutes through the doubled hour
    assert moments[0] == datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    assert [b - a for a, b in itertools.pairwise(moments)] == [timedelta(minutes=15)] * (
        len(moments) - 1
    )
    assert len(moments) == 10


def test_spring_forward_day_reminds_on_local_wall_time(db: Database) -> None:
    """Driven like the app: sleep until `next_due`, with a 30-minute heartbeat."""
    sunday = date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST
    ids = roles(db)
    with db.transaction() as s:
        planning.add_slot(
            s, "tester", BERLIN, at("09:00", sunday), at("10:00", sunday), ids["Support"]
        )
    now, end = datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 16, 0, tzinfo=UTC)
    fired = []
    while now <= end:
        result = check(db, now)
        fired.extend((now, r.key.split(":")[0]) for r in result.fire)
        beat = now + timedelta(minutes=30)
        now = min(result.next_due, beat) if result.next_due else beat
    local = [(t.astimezone(BERLIN).strftime("%H:%M"), k) for t, k in fired]
    assert local == [
        ("08:58", "slot_start"),
        ("09:55", "slot_end"),
        ("12:30", "break"),  # lunch on local wall time too
        ("13:15", "break_end"),
        ("17:30", "hard_stop"),
    ]
    assert fired[0][0] == datetime(2026, 3, 29, 6, 58, tzinfo=UTC)  # CEST is UTC+2 now


def test_a_late_slot_reminder_says_what_is_really_logged(planned: Database) -> None:
    with planned.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("09:00"), follow_plan=True)
    check(planned, at("09:00"))
    with planned.transaction() as s:
        tracking.interrupt(s, "tester", BERLIN, at("10:40"), note="printer down")
    woke = [t for t in texts(check(planned, at("11:20"))) if t.startswith("Community")]
    assert woke == [
        "Community 11:00–12:00 — Write the newsletter — planned since 11:00; you are in an "
        "interruption since 10:40 (back to work with Ctrl+Alt+I)"
    ]


def test_following_the_plan_a_late_slot_reminder_says_running_since(planned: Database) -> None:
    with planned.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("11:00"), follow_plan=True)
    check(planned, at("08:00"))
    assert texts(check(planned, at("11:20")))[0].endswith("running since 11:00")


def test_overtime_after_a_restart_counts_the_real_minutes(planned: Database) -> None:
    """The app restarted at 17:59 after the 17:45 repeat was due: 29 min, not 15."""
    with planned.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("11:00"), follow_plan=True)
    check(planned, at("17:31"))  # the hard stop was shown, then the app was closed
    fired = check(planned, at("17:59")).fire
    assert [r.title for r in fired] == ["Overtime: 29 min past your stop"]


def test_the_agenda_lists_overtime_only_up_to_the_next_repeat(planned: Database) -> None:
    with planned.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("11:00"), follow_plan=True)
        rows = reminders.agenda(s, "tester", BERLIN, at("17:40"))
    overtime = [r for r, _ in rows if r.kind == Kind.OVERTIME]
    assert [r.due for r in overtime] == [at("17:45")]  # not 42 lines up to 03:45
    with planned.transaction() as s:
        later = reminders.agenda(s, "tester", BERLIN, at("18:20"))
    due = [r.due for r, _ in later if r.kind == Kind.OVERTIME]
    assert due == [at("17:45"), at("18:00"), at("18:15"), at("18:30")]


def test_a_meeting_gets_a_reminder_before_it_starts(
    planned: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planner.calendars import sync as calendars

    ics = tmp_path / "team.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        "UID:sync@t\r\nDTSTART;TZID=Europe/Berlin:20261124T100000\r\n"
        "DTEND;TZID=Europe/Berlin:20261124T103000\r\nSUMMARY:Team sync\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with planned.transaction() as s:
        source, _ = calendars.add_source(s, "tester", "team", str(ics))
        result = calendars.sync_source(s, "tester", source.id, now=at("08:00"), zone=BERLIN)
        assert result.ok, result.message
    check(planned, at("09:00"))  # the slot's own reminder
    assert check(planned, at("09:57")).fire == ()
    assert texts(check(planned, at("09:58"))) == ["Team sync 10:00–10:30 — starts in 2 min"]
    assert check(planned, at("09:59")).fire == ()


def test_a_reminder_fired_a_little_late_counts_from_now(planned: Database) -> None:
    """After a short sleep, a timer that fired late, or a stepped clock: 'starts in 2 min'
    must not arrive when the slot starts, nor 'ends in 5 min' two minutes before its end."""
    assert texts(check(planned, at("09:00"))) == ["Support 09:00–11:00 — starts now"]
    fired = check(planned, at("10:57")).fire
    assert [r.title for r in fired] == ["Support 09:00–11:00 ends in 3 min"]
    assert texts(check(planned, at("10:59"))) == [
        "Community 11:00–12:00 — Write the newsletter — starts in 1 min"
    ]
