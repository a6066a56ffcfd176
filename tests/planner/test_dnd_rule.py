"""When Do Not Disturb is wanted: the pure rule, and the day service that feeds it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from planner.domain import dnd
from planner.domain.clock import FakeClock
from planner.domain.values import MeetingV, SlotV
from planner.services import day, planning, tracking
from planner.storage.db import Database

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ON = dnd.DndPrefs(enabled=True)


def slot(minutes: int, role: int = 1, sid: int = 7, start: datetime = T0) -> SlotV:
    return SlotV(
        sid, date(2026, 12, 7), start, start + timedelta(minutes=minutes), role, "", "auto", False
    )


def meeting() -> MeetingV:
    return MeetingV(3, "Stand-up", T0, T0 + timedelta(minutes=15), False, True, None, 1)


def ask(prefs: dnd.DndPrefs = ON, **kw: object) -> dnd.DndDecision:
    args: dict[str, object] = {
        "now": T0 + timedelta(minutes=10),
        "state": "following",
        "slot": slot(60),
        "meeting": None,
        "hard_stop": T0 + timedelta(hours=8),
    }
    args.update(kw)
    return dnd.wanted(prefs, **args)  # type: ignore[arg-type]


def test_a_followed_focus_block_wants_quiet_until_it_ends() -> None:
    decision = ask()
    assert decision.on and decision.slot_id == 7
    assert decision.until == T0 + timedelta(minutes=60)


def test_the_hard_stop_ends_it_sooner() -> None:
    assert ask(hard_stop=T0 + timedelta(minutes=30)).until == T0 + timedelta(minutes=30)
    assert not ask(now=T0 + timedelta(minutes=30), hard_stop=T0 + timedelta(minutes=30)).on


def test_off_by_default_and_when_switched_off() -> None:
    assert dnd.DndPrefs().enabled is False
    assert not ask(dnd.DndPrefs()).on


def test_a_short_slot_is_no_focus_block_unless_its_role_is_chosen() -> None:
    assert not ask(slot=slot(30)).on
    assert ask(dnd.DndPrefs(True, roles=frozenset({1})), slot=slot(30)).on
    assert not ask(dnd.DndPrefs(True, roles=frozenset({2})), slot=slot(30)).on


def test_an_interruption_a_meeting_off_plan_and_no_slot_give_the_desktop_back() -> None:
    assert ask(state="interrupted").reason == "in an interruption"
    assert not ask(state="interrupted").on
    for state in ("off_plan", "break", "stopped", "closed", "waiting", "not_started"):
        assert not ask(state=state).on, state
    assert not ask(meeting=meeting()).on
    assert not ask(slot=None).on


def test_a_block_ended_early_stays_loud_the_next_is_quiet_again() -> None:
    assert not ask(ended_early={7}).on
    assert ask(ended_early={7}).slot_id == 7  # the app keeps the mark while this block runs
    assert ask(ended_early={7}, slot=slot(60, sid=8)).on


def test_prefs_from_stored_settings() -> None:
    prefs = dnd.prefs_from_settings(True, 30, [2, "3"])
    assert prefs == dnd.DndPrefs(True, timedelta(minutes=30), frozenset({2, 3}))
    assert dnd.prefs_from_settings(None, None, None) == dnd.DndPrefs()


def test_the_day_service_follows_the_plan_and_an_interruption(
    db: Database, clock: FakeClock
) -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 11, 24, 10, 0, tzinfo=zone)
    with db.transaction() as s:
        community = planning.find_role(s, "tester", "Community")
        planning.add_slot(s, "tester", zone, start, start + timedelta(hours=1), community.id, "")
        planning.set_setting(s, "tester", "dnd_focus", True)
    now = start.astimezone(UTC) + timedelta(minutes=5)
    with db.transaction() as s:
        assert not day.dnd_decision(s, "tester", zone, now).on  # not started
        day.start(s, "tester", zone, now)
    with db.transaction() as s:
        decision = day.dnd_decision(s, "tester", zone, now)
        assert decision.on, decision
    with db.transaction() as s:
        tracking.interrupt(s, "tester", zone, now + timedelta(minutes=1), note="phone")
    with db.transaction() as s:
        assert not day.dnd_decision(s, "tester", zone, now + timedelta(minutes=2)).on
        tracking.resume(s, "tester", zone, now + timedelta(minutes=3))
    with db.transaction() as s:
        assert day.dnd_decision(s, "tester", zone, now + timedelta(minutes=4)).on
        assert not day.dnd_decision(
            s, "tester", zone, start.astimezone(UTC) + timedelta(hours=1, minutes=1)
        ).on
