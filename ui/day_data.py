"""What the views show for one day (a frozen snapshot) and the now/focus summary derived from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from planner.domain.i18n import N_, tr

if TYPE_CHECKING:  # (the values module is not needed for the first paint)
    from planner.domain.values import BreakV, EntryV, MeetingV, PlanV, RoleV, SlotV, TaskV
    from planner.services.day import DayStatus


# what the Now panel and the timeline say of a day drawn while the server is away and never
# seen from it (DaySnapshot.unseen): no plan to follow, and what can be done meanwhile
NO_PLAN_SEEN = N_(
    "No plan seen for today yet — the server is away; interruptions are kept on this device"
)
NO_PLAN_SEEN_OTHER = N_("No plan of this day was seen — the server is away")


@dataclass(frozen=True)
class DaySnapshot:
    """One day's plan plus its actual log, read in one transaction at `now`."""

    plan: PlanV
    entries: tuple[EntryV, ...]
    now: datetime
    today: date
    day_start_minute: int = 0
    bounds: tuple[datetime, datetime] | None = None  # the whole local day (start to start)
    roles_by_id: dict[int, RoleV] = field(default_factory=dict, compare=False)
    status: DayStatus | None = None  # today's state (not started, following the plan, …)
    # the shared server is away: uids of the tasks whose edits wait on this device
    # (planner.services.offline.view; rows with ids below 0 exist only on this device)
    waiting: frozenset[str] = frozenset()
    kept: bool = False  # today's state is that of tracking changes kept on this device
    # the shared server is away and this day was never seen from it: drawn empty with the
    # roles last seen (ui.shell.plan_cache.empty_day); the views say so, not "plan it"
    unseen: bool = False

    def __post_init__(self) -> None:
        if not self.roles_by_id:
            self.roles_by_id.update({r.id: r for r in self.plan.roles})

    @property
    def day(self) -> date:
        return self.plan.day.day

    def role(self, role_id: int | None) -> RoleV | None:
        return None if role_id is None else self.roles_by_id.get(role_id)

    def slot(self, slot_id: int | None) -> SlotV | None:
        return next((s for s in self.plan.slots if s.id == slot_id), None)

    def tasks_in(self, slot_id: int) -> list[TaskV]:
        """The slot's tasks: those placed in it, and those the fit lets go on in it."""
        return [
            t
            for t in self.plan.tasks
            if t.status != "dropped" and (t.slot_id == slot_id or slot_id in self.spans(t.id)[1:])
        ]

    def spans(self, task_id: int) -> tuple[int, ...]:
        """The slots an open task runs over, first to last (one, unless it goes on)."""
        placed = self.plan.placement(task_id)
        return placed.slots if placed is not None else ()


@dataclass(frozen=True)
class Focus:
    """The one thing to do now: the current slot's role, its task, time left, what comes next."""

    now: datetime
    slot: SlotV | None
    role: RoleV | None
    task: TaskV | None
    left: timedelta | None
    next_slot: SlotV | None
    next_role: RoleV | None
    interruption: EntryV | None
    stop: datetime
    after_stop: bool
    working: EntryV | None = None  # the work being logged now, if any
    working_role: RoleV | None = None
    meeting: MeetingV | None = None  # the meeting now, if any
    next_meeting: MeetingV | None = None  # the next meeting (it may come before next_slot)
    interruption_role: RoleV | None = None  # the role the running interruption is on
    state: str = ""  # the day's state in words: "not started", "following the plan", …
    tracking: bool = False  # something is logged now, or the log waits for the plan to begin
    follows_from: datetime | None = None  # waiting: when the log starts following the plan
    brk: BreakV | None = None  # the planned break now, when no slot or meeting is
    kept: bool = False  # what runs now was saved on this device, not yet on the shared server
    unseen: bool = False  # the server is away and no plan of today was seen from it

    @property
    def next_is_meeting(self) -> bool:
        """Whether the next thing on the plan is a meeting, before the next slot."""
        if self.next_meeting is None:
            return False
        return self.next_slot is None or self.next_meeting.start <= self.next_slot.start


# planner.services.day.DayState values in which the log runs or waits for the plan
TRACKING_STATES = frozenset({"waiting", "following", "off_plan", "interrupted", "break"})


def current_task(snapshot: DaySnapshot, slot: SlotV) -> TaskV | None:
    """The core's rule for the slot's task (PlanV.task_in): the task list's fit, so the Now
    panel never shows a task the list says did not fit."""
    return snapshot.plan.task_in(slot.id)


def focus_of(snapshot: DaySnapshot) -> Focus:
    """The core's one rule for now and next (planner.domain.day_rules.focus_at, which
    `splitday status` uses too), with the snapshot's roles, task and log."""
    from planner.domain.day_rules import focus_at

    now, status = snapshot.now, snapshot.status
    plan_focus = focus_at(snapshot.plan.slots, snapshot.plan.meetings, now, snapshot.plan.breaks)
    slot, nxt = plan_focus.slot, plan_focus.next_slot
    running = [e for e in snapshot.entries if e.end is None]
    interruption = running[-1] if running and running[-1].kind == "interruption" else None
    working = next((e for e in reversed(running) if e.kind == "work"), None)
    return Focus(
        now=now,
        slot=slot,
        role=snapshot.role(slot.role_id) if slot else None,
        task=current_task(snapshot, slot) if slot else None,
        left=(slot.end - now) if slot else None,
        next_slot=nxt,
        next_role=snapshot.role(nxt.role_id) if nxt else None,
        interruption=interruption,
        stop=snapshot.plan.day.stop,
        after_stop=now >= snapshot.plan.day.stop,
        working=working,
        working_role=snapshot.role(working.role_id) if working and working.role_id else None,
        meeting=plan_focus.meeting,
        next_meeting=plan_focus.next_meeting,
        interruption_role=snapshot.role(interruption.role_id) if interruption else None,
        brk=None
        if slot is not None or plan_focus.meeting is not None
        else next((b for b in snapshot.plan.taken_breaks if b.start <= now < b.end), None),
        state=tr(status.describe()) if status else "",
        tracking=status is not None and status.state.value in TRACKING_STATES,
        follows_from=status.follows_from if status else None,
        kept=snapshot.kept,
        unseen=snapshot.unseen,
    )


def format_span(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes} min"


def format_left(left: timedelta) -> str:
    return tr("{span} left").format(span=format_span(left))
