"""Changes made while the shared server was away, applied when it is back.

`apply` runs one waiting change (planner.storage.pending) in the caller's session, at the
moment it was made — the interruption starts at the key press, not at the delivery — through
the same workflows the commands use when the server answers. The queue inserts the change's
uid in the same transaction (exactly once) and owns the commit.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from planner.domain.errors import PlannerError
from planner.domain.i18n import N_, tr
from planner.domain.values import Change
from planner.services import day, planning, tracking
from planner.storage.pending import PendingChange


def zone_name(zone: tzinfo) -> str | None:
    """The IANA name of a zone, kept with a change so it is delivered in the zone it was made."""
    key = getattr(zone, "key", None)
    return str(key) if key else None


def _zone(change: PendingChange, fallback: tzinfo) -> tzinfo:
    name = change.fields.get("zone")
    if not name:
        return fallback
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def _role_id(session: Session, owner: str, fields: dict[str, Any]) -> int | None:
    if fields.get("role_id") is not None:
        return int(fields["role_id"])
    if fields.get("role"):
        return planning.find_role(session, owner, str(fields["role"])).id
    return None


def apply(
    session: Session,
    owner: str,
    zone: tzinfo,
    change: PendingChange,
    *,
    now: datetime | None = None,
) -> Change:
    """Carry out one waiting change as of the moment it was made (never commits).

    `now` is the delivery's real time. The change is stamped at its own moment, but "not in
    the future" is judged against `now`: another device may have logged, and delivered, time
    after this change's moment (its work then goes on past it — shared-day finding 1: a
    change delivered after a later one from the other device was refused as "in the future"
    and never reached the server)."""
    at = change.at
    real_now = max(at, now) if now is not None else at
    zone = _zone(change, zone)
    fields = change.fields
    if change.kind == "interrupt":
        minutes = fields.get("minutes")
        _, done = tracking.interrupt(
            session,
            owner,
            zone,
            at,
            note=str(fields.get("note") or ""),
            role_id=_role_id(session, owner, fields),
            source=str(fields.get("source") or ""),
            minutes=float(minutes) if minutes is not None else None,
            now=real_now,
            before_later=True,
        )
        return done
    if change.kind == "resume":
        _, done = tracking.resume(session, owner, zone, at)
        return done
    if change.kind == "start":
        task = fields.get("task_id")
        _, done = day.start(
            session,
            owner,
            zone,
            at,
            role_id=_role_id(session, owner, fields),
            task_id=int(task) if task is not None else None,
        )
        return done
    if change.kind == "stop":
        return day.pause(session, owner, zone, at)
    raise PlannerError(
        tr("this Splitday does not know the change {kind!r}").format(kind=change.kind)
    )


def describe(change: PendingChange, zone: tzinfo) -> str:
    """One line for a waiting change: '10:42 interruption — printer down (phone)'."""
    local = change.at.astimezone(zone)
    fields = change.fields
    hhmm = f"{local:%H:%M}"
    if change.kind == "interrupt":
        if fields.get("minutes"):
            minutes = round(float(fields["minutes"]))
            what = tr("{hhmm} interruption of {minutes} min").format(hhmm=hhmm, minutes=minutes)
        else:
            what = tr("{hhmm} interruption").format(hhmm=hhmm)
        extra = f" — {fields['note']}" if fields.get("note") else ""
        source = f" ({fields['source']})" if fields.get("source") else ""
        return f"{what}{extra}{source}"
    words = {"resume": N_("back to work"), "start": N_("start working"), "stop": N_("stop the log")}
    said = tr(words[change.kind]) if change.kind in words else change.kind
    if fields.get("role"):
        return tr("{hhmm} {what} on {role}").format(hhmm=hhmm, what=said, role=fields["role"])
    return f"{hhmm} {said}"
