"""The end-of-day review's reads and edits through the gateway (one transaction each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from planner.domain.i18n import tr
from planner.domain.values import Change, DayV, RoleV, SlotV
from planner.review import reports
from planner.services import day as day_flow
from planner.services import planning, tracking
from planner.services.day_review import DayReview, load_review
from ui.gateway import Gateway, Outcome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class EndOfDayView:
    """What the dialog shows, read in one transaction."""

    review: DayReview
    day: DayV
    roles: tuple[RoleV, ...]
    next_day: date  # where unfinished tasks are carried
    summary: str  # the interruptions in words
    now: datetime
    slots: tuple[SlotV, ...] = ()  # the day's plan, for the flags in words
    # each active role's debt to the week's share at the end of this day and of the day before
    # (None on the week's first day); minutes, negative: ahead (reports.WeekReport.debt)
    debt: tuple[tuple[int, float, float | None], ...] = ()


def week_debt(
    session: Session, owner: str, day: date, zone: tzinfo, now: datetime
) -> tuple[tuple[int, float, float | None], ...]:
    """Each role's shortfall against the week's share after `day` and after the day before."""
    monday = reports.monday_of(day)
    index = (day - monday).days
    debt = reports.week_report(session, owner, zone, monday, now).debt(index + 1)
    return tuple(
        (role_id, series[index], series[index - 1] if index else None)
        for role_id, series in debt.items()
    )


class EndOfDayActions:
    """One day's review: carry over or drop the unfinished tasks, close the day."""

    def __init__(self, gateway: Gateway, day: date) -> None:
        self.gateway, self.day = gateway, day
        self.owner = gateway.owner

    @property
    def zone(self) -> tzinfo:
        return self.gateway.zone

    def _run(self, step: Any) -> Outcome[Any]:
        return self.gateway.run(step, inline=True)

    def load(self) -> EndOfDayView:
        owner, day, zone, now = self.owner, self.day, self.zone, self.gateway.now()

        def fetch(s: Session) -> EndOfDayView:
            summary = tracking.day_summary(s, owner, day, zone, now)
            words = (
                summary.describe()
                + (
                    tr(", {in_focus} in a focus block").format(in_focus=summary.in_focus)
                    if summary.in_focus
                    else ""
                )
                + (
                    tr(", {after_stop} after the hard stop").format(after_stop=summary.after_stop)
                    if summary.after_stop
                    else ""
                )
            )
            return EndOfDayView(
                load_review(s, owner, day, zone, now),
                planning.get_day(s, owner, day, zone),
                tuple(planning.list_roles(s, owner, include_archived=True)),
                planning.next_workday(s, owner, day),
                words,
                now,
                tuple(planning.list_slots(s, owner, day)),
                week_debt(s, owner, day, zone, now),
            )

        return self.gateway.read(fetch, failure=tr("Could not read the day"))

    def _record(self, text: str, step: Any, days: set[date]) -> Outcome[Any]:
        """A plan edit, recorded as one undoable step in the core (Ctrl+Z in the window)."""
        return self.gateway.record(text, step, days, inline=True)

    def carry_task(
        self, task_id: int, to_day: date, seen_version: int | None = None
    ) -> Outcome[Any]:
        return self._record(
            tr("Carry a task over"),
            lambda s: planning.carry_task(
                s, self.owner, task_id, to_day, seen_version=seen_version
            ),
            {self.day, to_day},
        )

    def drop_task(self, task_id: int, seen_version: int | None = None) -> Outcome[Any]:
        now = self.gateway.now()
        return self._record(
            tr("Drop a task"),
            lambda s: planning.set_task_status(
                s, self.owner, task_id, "dropped", now, seen_version=seen_version
            ),
            {self.day},
        )

    def carry_all(self, to_day: date) -> Outcome[Any]:
        return self._record(
            tr("Carry tasks over"),
            lambda s: planning.carry_over(s, self.owner, self.day, to_day),
            {self.day, to_day},
        )

    def close_day(self) -> Outcome[Change]:
        """End what is running and mark the day closed (planner.services.day.close)."""
        now, zone = self.gateway.now(), self.zone
        return self._run(lambda s: day_flow.close(s, self.owner, zone, self.day, now))
