"""A change kept on one device, delivered after a later change of another device (shared-day
finding 1): it is applied at its own moment, and "not in the future" is judged against the
delivery's real time — the other device's log going on past its moment is no reason to
refuse it. Both backends (tests/with-postgres.sh runs this on PostgreSQL too)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from planner.domain.clock import FakeClock
from planner.domain.errors import PlannerError
from planner.domain.timerange import Interval
from planner.domain.values import EntryV
from planner.services import day, offline, planning, tracking
from planner.storage.db import Database
from planner.storage.pending import PendingChange


def _kept(kind: str, at: datetime, **fields: object) -> PendingChange:
    return PendingChange(1, f"uid-{kind}-{at:%H%M}", kind, at, dict(fields), at)


def _followed_day(db: Database, clock: FakeClock, zone: ZoneInfo) -> datetime:
    """Today planned and started at the clock's 09:00, followed by the plan; that moment."""
    t = clock.now()
    with db.transaction() as s:
        planning.auto_plan(s, "tester", planning.day_of(s, "tester", t, zone), zone)
        day.start(s, "tester", zone, t)
    return t


def _log(db: Database, t: datetime, until: datetime) -> list[EntryV]:
    with db.read() as s:
        return tracking.list_entries(s, "tester", Interval(t, until))


def test_an_earlier_interruption_delivered_after_the_other_devices_later_ones(
    db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    t = _followed_day(db, clock, zone)  # 09:00
    # the desktop's, delivered first: an interruption 10:36-10:44
    with db.transaction() as s:
        tracking.interrupt(s, "tester", zone, t + timedelta(minutes=96), note="spam")
    with db.transaction() as s:
        tracking.resume(s, "tester", zone, t + timedelta(minutes=104))
    laptop = _kept("interrupt", t + timedelta(minutes=94), note="DM", minutes=3)  # 10:31-10:34
    delivered = t + timedelta(minutes=135)  # 11:15
    with db.transaction() as s:
        offline.apply(s, "tester", zone, laptop, now=delivered)
    log = _log(db, t, delivered)
    notes = {e.note: (e.start - t, e.end and e.end - t) for e in log if e.kind == "interruption"}
    assert notes == {
        "DM": (timedelta(minutes=91), timedelta(minutes=94)),
        "spam": (timedelta(minutes=96), timedelta(minutes=104)),
    }
    for first, second in pairwise(log):
        assert first.end is not None and first.end <= second.start  # no overlap
    assert all(e.start <= delivered and (e.end is None or e.end <= delivered) for e in log)


def test_a_running_interruption_delivered_before_a_later_one_ends_where_that_begins(
    db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    """The laptop's interruption 10:40-10:45 reached the server first; the desktop's, running
    from 10:36, is delivered after it: it ends at 10:40 (marked for review) instead of being
    refused as "that would hide the interruption 10:40-10:45" — both stay in the log."""
    t = _followed_day(db, clock, zone)
    with db.transaction() as s:  # the laptop's, over: 10:40-10:45
        tracking.interrupt(s, "tester", zone, t + timedelta(minutes=105), note="DM", minutes=5)
    desktop = _kept("interrupt", t + timedelta(minutes=96), note="spam")  # running from 10:36
    delivered = t + timedelta(minutes=135)
    with db.transaction() as s:
        offline.apply(s, "tester", zone, desktop, now=delivered)
    log = _log(db, t, delivered)
    spans = {
        e.note: (e.start - t, e.end and e.end - t, e.needs_review)
        for e in log
        if e.kind == "interruption"
    }
    assert spans == {
        "spam": (timedelta(minutes=96), timedelta(minutes=100), True),
        "DM": (timedelta(minutes=100), timedelta(minutes=105), False),
    }
    for first, second in pairwise(log):
        assert first.end is not None and first.end <= second.start
    # its resume (10:44) finds nothing running: refused in words, kept and shown by the queue
    resume = _kept("resume", t + timedelta(minutes=104))
    with pytest.raises(PlannerError, match="no interruption is running"), db.transaction() as s:
        offline.apply(s, "tester", zone, resume, now=delivered)


def test_a_running_interruption_delivered_inside_one_the_other_device_logged_begins_after_it(
    db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    """The laptop's interruption 10:34-10:45 (a quick log, back to work at 10:45) reached the
    server first; the desktop's, running from 10:36 and resumed at 10:48, is delivered after
    it. It used to cut the laptop's to 10:34-10:36 without a word (relive finding 1): now the
    laptop's stays whole and the desktop's begins where it ends, both marked for review."""
    t = _followed_day(db, clock, zone)
    with db.transaction() as s:
        tracking.interrupt(s, "tester", zone, t + timedelta(minutes=94), note="printer down")
    with db.transaction() as s:
        tracking.resume(s, "tester", zone, t + timedelta(minutes=105))
    delivered = t + timedelta(minutes=135)
    for change in (
        _kept("interrupt", t + timedelta(minutes=96), note="chat escalation"),
        _kept("resume", t + timedelta(minutes=108)),
    ):
        with db.transaction() as s:
            offline.apply(s, "tester", zone, change, now=delivered)
    log = _log(db, t, delivered)
    spans = {
        e.note: (e.start - t, e.end and e.end - t, e.needs_review)
        for e in log
        if e.kind == "interruption"
    }
    assert spans == {
        "printer down": (timedelta(minutes=94), timedelta(minutes=105), True),
        "chat escalation": (timedelta(minutes=105), timedelta(minutes=108), True),
    }
    for first, second in pairwise(log):
        assert first.end is not None and first.end <= second.start
    assert log[-1].end is None and log[-1].kind == "work"  # back to work after 10:48
