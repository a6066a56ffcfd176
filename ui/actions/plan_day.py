"""Plan my day's reads and edits through the gateway, and the morning rule (no Qt widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from planner.domain.i18n import tr
from planner.domain.values import Change, PlanV, WeekShareV
from planner.services import day as day_flow
from planner.services import planning
from ui.gateway import Gateway, Outcome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def set_targets(session: Session, owner: str, shares: dict[int, int]) -> Change:
    """The split chosen to plan a day is the roles' standing targets: the one figure that the
    end-of-day review, the week and the next Auto-split (here or `splitday plan --auto`) use."""
    change = Change()
    for role in planning.list_roles(session, owner):
        if role.id in shares and role.target_percent != shares[role.id]:
            change |= planning.edit_role(
                session, owner, role.id, target_percent=float(shares[role.id])
            )[1]
    return change


def fit_new_tasks(session: Session, owner: str, day: date) -> Change:
    """Once the day has slots, tasks added or pulled in later are fitted into them too (they
    stayed unscheduled until the next Auto-split)."""
    if not planning.list_slots(session, owner, day):
        return Change()
    return planning.fit_open_tasks(session, owner, day)


@dataclass(frozen=True)
class PlanDayView:
    """What the dialog shows, read in one transaction."""

    plan: PlanV
    carry_from: date | None  # the last earlier day with open tasks
    waiting: int  # how many open tasks it has
    day_start_minute: int
    is_today: bool
    week: tuple[WeekShareV, ...] = ()  # each role's shortfall this week, what today repays


class PlanDayActions:
    """One day's plan: the window, the split, auto-split, slots, tasks, start the day."""

    def __init__(self, gateway: Gateway, day: date) -> None:
        self.gateway, self.day = gateway, day
        self.owner = gateway.owner

    @property
    def zone(self) -> tzinfo:
        return self.gateway.zone

    def now(self) -> datetime:
        return self.gateway.now()

    def _run(self, step: Any) -> Outcome[Any]:
        return self.gateway.run(step, inline=True)

    def _record(self, text: str, step: Any, days: set[date] | None = None) -> Outcome[Any]:
        """A plan edit: one transaction, recorded as one undoable step in the core (Ctrl+Z in
        the main window undoes it after the dialog)."""
        return self.gateway.record(text, step, days or {self.day}, inline=True)

    def load(self) -> PlanDayView:
        owner, day, zone, now = self.owner, self.day, self.zone, self.now()

        def fetch(s: Session) -> PlanDayView:
            today = planning.day_of(s, owner, now, zone) == day
            plan = planning.get_plan(s, owner, day, zone, now if today else None)
            source = planning.last_open_day(s, owner, day)
            waiting = len(planning.list_tasks(s, owner, source, status="open")) if source else 0
            return PlanDayView(
                plan,
                source,
                waiting,
                int(planning.get_setting(s, owner, "day_start_minute")),
                planning.day_of(s, owner, now, zone) == day,
                tuple(planning.week_share(s, owner, day, zone, now, roles=plan.roles)),
            )

        return self.gateway.read(fetch, failure=tr("Could not read the plan"))

    def plan_due(self) -> bool:
        """The morning rule (the core's: planner.services.day.morning_plan_due): a workday
        with no slots, not started, before its hard stop."""
        owner, zone, now = self.owner, self.zone, self.now()
        return self.gateway.read(lambda s: day_flow.morning_plan_due(s, owner, zone, now))

    def set_window(self, start_minute: int, stop_minute: int) -> Outcome[Any]:
        return self._record(
            tr("Change the day's hours"),
            lambda s: planning.set_day(
                s,
                self.owner,
                self.day,
                self.zone,
                start_minute=start_minute,
                stop_minute=stop_minute,
            ),
        )

    def set_min_block(self, minutes: int) -> Outcome[Any]:
        return self._record(
            tr("Change the focus block"),
            lambda s: planning.set_day(
                s, self.owner, self.day, self.zone, min_block_minutes=minutes
            ),
        )

    def save_split(self, shares: dict[int, int]) -> Outcome[Change]:
        """The split becomes the roles' standing targets (see set_targets)."""
        return self._run(lambda s: set_targets(s, self.owner, shares))

    def auto_split(self, shares: dict[int, int], min_block_minutes: int) -> Outcome[Any]:
        def plan(s: Session) -> tuple[PlanV, Change]:
            targets = set_targets(s, self.owner, shares)
            plan, change = planning.auto_plan(
                s,
                self.owner,
                self.day,
                self.zone,
                shares={rid: float(v) for rid, v in shares.items()},
                min_block_minutes=min_block_minutes,
            )
            return plan, change | targets

        return self._record(tr("Auto-split"), plan)

    def skip_lunch(self, skipped: bool) -> Outcome[Any]:
        """Skip the day's lunch (or take it again); before the day starts the plan is made
        again around the rest."""
        return self._record(
            tr("Skip lunch") if skipped else tr("Take lunch"),
            lambda s: planning.skip_lunch(s, self.owner, self.day, self.zone, skipped=skipped),
        )

    def update_slot(self, slot_id: int, **fields: Any) -> Outcome[Any]:
        return self._record(
            tr("Edit slot"),
            lambda s: planning.update_slot(s, self.owner, self.zone, slot_id, **fields),
        )

    def remove_slot(self, slot_id: int, seen_version: int | None = None) -> Outcome[Any]:
        return self._record(
            tr("Delete slot"),
            lambda s: planning.remove_slot(
                s, self.owner, slot_id, seen_version=seen_version, zone=self.zone
            ),
        )

    def reorder_tasks(self, ids: list[int]) -> Outcome[Change]:
        return self._record(
            tr("Reorder tasks"), lambda s: planning.reorder_tasks(s, self.owner, self.day, ids)
        )

    def carry_over(self, from_day: date) -> Outcome[tuple[int, Change]]:
        def carry(s: Session) -> tuple[int, Change]:
            count, change = planning.carry_over(s, self.owner, from_day, self.day)
            return count, change | fit_new_tasks(s, self.owner, self.day)

        return self._record(tr("Carry tasks over"), carry, {from_day, self.day})

    def add_task(self, title: str, role_id: int, estimate_minutes: int) -> Outcome[Any]:
        now = self.now()

        def add(s: Session) -> tuple[Any, Change]:
            task, change = planning.add_task(
                s,
                self.owner,
                title,
                role_id,
                now=now,
                day=self.day,
                estimate_minutes=estimate_minutes,
            )
            return task, change | fit_new_tasks(s, self.owner, self.day)

        return self._record(tr("Add task"), add)

    def start_day(self) -> Outcome[Change]:
        """Start the day as `splitday start` does (the core's planner.services.day.start):
        follow the plan from now, or, before its first slot, from that slot on."""
        now = self.now()
        return self._run(lambda s: day_flow.start(s, self.owner, self.zone, now)[1])
