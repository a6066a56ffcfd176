"""When the desktop's Do Not Disturb should be on: the pure rule behind Splitday's quiet focus.

DND is on while a *focus block* of the plan is being followed: the slot under `now` is long
enough for deep work (the `min_block_minutes` setting, the same rule the reminders use to keep
quiet inside a block, planner.services.reminders.focus_interiors), or it belongs to a role the
person chose in Settings ("every slot of Support is quiet"). It is off otherwise, and in
particular:

- when the switch is off (the `dnd_focus` setting; off by default: changing the desktop's own
  state is something a person opts into);
- when the person is not following the plan: the day not started or stopped, closed, waiting
  for its first slot, on a break, or working off-plan ("leaving the plan" gives the desktop back);
- during a meeting (a meeting is no focus block, and its own notifications matter);
- **during a logged interruption.** The interruption *is* the disturbance: once someone has
  pulled the person away, the follow-ups of that conversation (the chat reply, the mail with
  the log file) are what they now need to see, and a silenced desktop would hide them. Back to
  work (`resume`) inside the same block turns DND on again;
- at and after the hard stop;
- for the rest of a block the person ended early (the mini window's "End focus" key): that
  block stays loud, the next one is quiet again.

Standard library only, no I/O: planner.platform.dnd does the switching, the app decides with
`wanted()` on every tick and on every change.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from planner.domain.i18n import tr

if TYPE_CHECKING:
    from planner.domain.values import MeetingV, SlotV

# the day states (planner.services.day.DayState values) in which the plan is being followed
FOLLOWING = "following"


@dataclass(frozen=True)
class DndPrefs:
    """The person's choices: the switch, the minimum focus block, roles that are always quiet."""

    enabled: bool = False
    min_block: timedelta = timedelta(minutes=45)
    roles: frozenset[int] = frozenset()


@dataclass(frozen=True)
class DndDecision:
    """Whether DND should be on now, why (in words for the UI) and for which slot."""

    on: bool
    reason: str
    slot_id: int | None = None  # the focus block that wants quiet
    until: datetime | None = None  # when that block ends (or the hard stop, if sooner)


def is_focus_block(slot: SlotV, prefs: DndPrefs) -> bool:
    """A slot long enough for deep work, or any slot of a role the person made quiet."""
    return slot.end - slot.start >= prefs.min_block or slot.role_id in prefs.roles


def wanted(
    prefs: DndPrefs,
    *,
    now: datetime,
    state: str,
    slot: SlotV | None,
    meeting: MeetingV | None,
    hard_stop: datetime | None,
    ended_early: Collection[int] = (),
) -> DndDecision:
    """The one rule (see the module's text). `state` is a planner.services.day.DayState value;
    `slot` and `meeting` are what the plan has at `now` (day_rules.focus_at); `ended_early`
    holds the ids of blocks the person released by hand."""
    if not prefs.enabled:
        return DndDecision(False, tr("Do Not Disturb in focus blocks is off"))
    if hard_stop is not None and now >= hard_stop:
        return DndDecision(False, tr("past the hard stop"))
    if state == "interrupted":
        return DndDecision(False, tr("in an interruption"))
    if state != FOLLOWING:
        return DndDecision(False, tr("not following the plan"))
    if meeting is not None:
        return DndDecision(False, tr("in a meeting"))
    if slot is None or not is_focus_block(slot, prefs):
        return DndDecision(False, tr("no focus block now"))
    if slot.id in ended_early:
        return DndDecision(False, tr("focus ended early"), slot_id=slot.id)
    until = slot.end if hard_stop is None else min(slot.end, hard_stop)
    return DndDecision(True, tr("focus block"), slot_id=slot.id, until=until)


def prefs_from_settings(enabled: object, min_block_minutes: object, roles: object) -> DndPrefs:
    """The prefs from stored setting values (JSON: a bool, a number, a list of role ids)."""
    role_ids = frozenset(int(r) for r in roles) if isinstance(roles, list | tuple) else frozenset()
    minutes = int(min_block_minutes) if isinstance(min_block_minutes, int | float) else 45
    return DndPrefs(bool(enabled), timedelta(minutes=max(1, minutes)), role_ids)
