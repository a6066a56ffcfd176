"""Plain frozen values that services hand out (never ORM objects), and the record of a change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

# Entry kinds that count as working time for a role (a break is not work): the one list that
# the end-of-day review, the week's report and the day's workflows share.
WORKING_KINDS: tuple[str, ...] = ("work", "meeting", "interruption")
# Every kind an entry of the log can have (the week's report counts each).
ENTRY_KINDS: tuple[str, ...] = ("work", "interruption", "meeting", "break")


class Topic(StrEnum):
    ROLES = "roles"
    SETTINGS = "settings"
    DAY = "day"
    SLOTS = "slots"
    TASKS = "tasks"
    ENTRIES = "entries"
    CALENDARS = "calendars"


@dataclass(frozen=True)
class Change:
    """What a service changed, so each view refreshes only what it shows."""

    topics: frozenset[Topic] = frozenset()
    days: frozenset[date] = frozenset()

    def __or__(self, other: Change) -> Change:
        return Change(self.topics | other.topics, self.days | other.days)

    @staticmethod
    def of(*topics: Topic, day: date | None = None) -> Change:
        return Change(frozenset(topics), frozenset({day}) if day else frozenset())


@dataclass(frozen=True)
class RoleV:
    id: int
    name: str
    colour: str
    target_percent: float
    position: int
    archived: bool
    version: int = field(default=0, compare=False)  # the row's version when it was read


@dataclass(frozen=True)
class DayV:
    day: date
    start: datetime
    stop: datetime
    min_block_minutes: int
    stored: bool
    started_at: datetime | None = None
    closed_at: datetime | None = None
    follow_from: datetime | None = None  # started, waiting for the plan: follow it from here


@dataclass(frozen=True)
class SlotV:
    id: int
    day: date
    start: datetime
    end: datetime
    role_id: int
    title: str
    origin: str
    pinned: bool
    uid: str = ""  # the identity that survives delete and undo (ids may differ after a restore)
    version: int = field(default=0, compare=False)  # the row's version when it was read


@dataclass(frozen=True)
class TaskV:
    id: int
    title: str
    role_id: int
    day: date | None
    priority: int
    estimate_minutes: int
    status: str
    slot_id: int | None
    carried_over: int
    uid: str = ""
    due_at: datetime | None = None  # an optional deadline
    slot_pinned: bool = False  # put into its slot by hand: the re-fit leaves it there
    version: int = field(default=0, compare=False)  # the row's version when it was read


@dataclass(frozen=True)
class MeetingV:
    """An imported calendar occurrence as the planner sees it."""

    id: int
    summary: str
    start: datetime
    end: datetime
    all_day: bool
    busy: bool
    role_id: int | None
    source_id: int


@dataclass(frozen=True)
class EntryV:
    id: int
    start: datetime
    end: datetime | None
    kind: str
    role_id: int | None
    task_id: int | None
    slot_id: int | None
    note: str
    source: str
    flags: frozenset[str] = field(default_factory=frozenset)
    needs_review: bool = False
    follows_plan: bool = False
    interrupted_entry_id: int | None = None


@dataclass(frozen=True)
class BreakV:
    """A break in the plan: lunch or a short break (not working time). `id` 0: the weekday's
    lunch as the settings give it, not written for the day yet."""

    id: int
    day: date
    start: datetime
    end: datetime
    kind: str  # "lunch" | "short"
    skipped: bool = False


@dataclass(frozen=True)
class TaskPlanV:
    """Where the fit puts an open task: from `start` to `end`, over `slots` (more than one
    when it goes on in the role's next slot); `late` when it cannot make its deadline."""

    task_id: int
    start: datetime
    end: datetime
    slots: tuple[int, ...]
    late: bool = False


@dataclass(frozen=True)
class WeekShareV:
    """One role's week so far: minutes `behind` its target share of the week's working time
    (negative: ahead), and how many minutes more (`extra`) today's plan gives it."""

    role_id: int
    behind: float
    extra: float


@dataclass(frozen=True)
class PlanV:
    """A day's plan as a whole: window, slots, tasks, meetings and what did not fit."""

    day: DayV
    roles: tuple[RoleV, ...]
    slots: tuple[SlotV, ...]
    tasks: tuple[TaskV, ...]
    meetings: tuple[MeetingV, ...]
    overflow: tuple[int, ...] = ()
    breaks: tuple[BreakV, ...] = ()
    placed: tuple[TaskPlanV, ...] = ()

    @property
    def late(self) -> tuple[int, ...]:
        """Tasks that cannot make their deadline (flagged before the day starts)."""
        return tuple(p.task_id for p in self.placed if p.late)

    def placement(self, task_id: int) -> TaskPlanV | None:
        return next((p for p in self.placed if p.task_id == task_id), None)

    def task_in(self, slot_id: int) -> TaskV | None:
        """The task to work on in a slot: the first open task put into it by hand, else the
        first open one the fit lays into it (a task going on from the role's previous slot
        comes first). Never a task that did not fit: that one has no time in the plan."""
        open_tasks = [t for t in self.tasks if t.status == "open"]
        for task in open_tasks:
            if task.slot_pinned and task.slot_id == slot_id:
                return task
        fitted = {p.task_id: p for p in self.placed if slot_id in p.slots}
        ordered = sorted(
            (t for t in open_tasks if t.id in fitted),
            key=lambda t: (fitted[t.id].start, t.id),
        )
        return ordered[0] if ordered else None

    @property
    def taken_breaks(self) -> tuple[BreakV, ...]:
        return tuple(b for b in self.breaks if not b.skipped)


@dataclass(frozen=True)
class StepV:
    """One undoable plan edit in the journal (planner.services.undo)."""

    id: int
    text: str
    undone: bool
    days: tuple[date, ...] = ()
