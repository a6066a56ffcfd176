"""What `splitday status` shows, as one JSON-ready document: computed here once, for the
command line (on any database, or over today's rows in memory: planner.storage.snapshot) and
for the running app, which answers a forwarded `status` with it (issue 18: no connection, no
ORM start-up in the command)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from planner.domain.shapes import entry_json, iso, meeting_json, slot_json
from planner.services import day, planning, tracking


def status_data(session: Session, owner: str, zone: tzinfo, now: datetime) -> dict[str, Any]:
    """The status at `now` (read only: the log should have caught up with the plan first)."""
    today = planning.day_of(session, owner, now, zone)
    state = day.status(session, owner, zone, now)
    names = {r.id: r.name for r in planning.list_roles(session, owner, include_archived=True)}
    focus = state.focus
    slot, run = focus.slot, state.running
    summary = tracking.day_summary(session, owner, today, zone, now)
    nxt: dict[str, Any] | None = None
    if focus.next_is_meeting:
        nxt = {"kind": "meeting", **meeting_json(focus.next_meeting, names, zone)}
    elif focus.next_slot is not None:
        nxt = {"kind": "slot", **slot_json(focus.next_slot, names, zone)}
    return {
        "now": iso(now, zone),
        "date": today.isoformat(),
        "start": iso(state.day.start, zone),
        "hard_stop": iso(state.day.stop, zone),
        "minutes_to_stop": round((state.day.stop - now).total_seconds() / 60),
        "state": state.state.value,
        "state_text": state.describe(),
        "follows_plan_from": iso(state.follows_from, zone),
        "slot": slot_json(slot, names, zone) if slot else None,
        "slot_minutes_left": round((slot.end - now).total_seconds() / 60) if slot else None,
        "meeting": meeting_json(focus.meeting, names, zone),
        "next_slot": slot_json(focus.next_slot, names, zone) if focus.next_slot else None,
        "next_meeting": meeting_json(focus.next_meeting, names, zone),
        "next": nxt,
        "running": entry_json(run, names, zone, now) if run else None,
        "interruptions": {
            "count": summary.count,
            "minutes": max(0.0, round(summary.minutes, 1)),
            "cross_role": summary.cross_role,
            "in_focus": summary.in_focus,
            "after_stop": summary.after_stop,
        },
    }
