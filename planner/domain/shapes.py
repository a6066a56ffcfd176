"""The stable JSON shapes of slots, log entries and meetings, as `splitday … --json` prints them
and the running app answers a forwarded `status` with them (pure: values in, dicts out)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.domain.values import EntryV, MeetingV, SlotV


def iso(moment: datetime | None, zone: tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="minutes")


def slot_json(slot: SlotV, names: dict[int, str], zone: tzinfo) -> dict[str, Any]:
    return {
        "id": slot.id,
        "start": iso(slot.start, zone),
        "end": iso(slot.end, zone),
        "minutes": round((slot.end - slot.start).total_seconds() / 60),
        "role": names.get(slot.role_id),
        "role_id": slot.role_id,
        "title": slot.title,
        "origin": slot.origin,
        "pinned": slot.pinned,
    }


def entry_json(entry: EntryV, names: dict[int, str], zone: tzinfo, now: datetime) -> dict[str, Any]:
    end = entry.end or now
    return {
        "id": entry.id,
        "kind": entry.kind,
        "role": names.get(entry.role_id) if entry.role_id is not None else None,
        "start": iso(entry.start, zone),
        "end": iso(entry.end, zone),
        "running": entry.end is None,
        # an entry stamped a moment ahead (another device's clock) has run 0 min, not -0.3
        "minutes": max(0.0, round((end - entry.start).total_seconds() / 60, 1)),
        "note": entry.note,
        "source": entry.source,
        "flags": sorted(entry.flags),
        "needs_review": entry.needs_review,
    }


def meeting_json(meeting: MeetingV | None, names: dict[int, str], zone: tzinfo) -> Any:
    if meeting is None:
        return None
    return {
        "id": meeting.id,
        "summary": meeting.summary,
        "start": iso(meeting.start, zone),
        "end": iso(meeting.end, zone),
        "role": names.get(meeting.role_id) if meeting.role_id is not None else None,
    }
