"""The UI's one door to the core: each action is one transaction, broadcast as a `Change`.

Plan edits are undoable: each runs once inside planner.services.undo.recorded (one step in the
core's journal, written in the edit's transaction) and is pushed onto the QUndoStack as a
command that asks the core to undo or redo that step (again one transaction each). Steps name
rows by uid, so a deleted slot that comes back (with a new id) is still found.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from planner.domain.clock import Clock
from planner.domain.errors import PlannerError
from planner.domain.timerange import day_bounds
from planner.domain.values import Change, SlotV, StepV, TaskV, Topic
from planner.services import day as day_flow
from planner.services import planning, tracking, undo
from planner.storage.db import Database, StorageError
from ui.day_data import DaySnapshot

Step = Callable[[Session], Any]  # a service call: returns a Change, (value, Change) or nothing
Days = Iterable[date] | Callable[[Session], Iterable[date]]
EVERYTHING = Change(frozenset(Topic))


def change_in(result: Any) -> Change:
    """Services return a Change, or (value, Change), or nothing worth broadcasting."""
    if isinstance(result, Change):
        return result
    if isinstance(result, tuple) and result and isinstance(result[-1], Change):
        return result[-1]
    return Change()


class _Edit(QUndoCommand):
    """An edit that already ran once (recorded as a core step); undo/redo ask the core."""

    def __init__(self, gateway: Gateway, step: StepV) -> None:
        super().__init__(step.text)
        self._gateway, self.step_id = gateway, step.id
        self._fresh = True

    def redo(self) -> None:
        if self._fresh:  # pushed right after it ran
            self._fresh = False
            return
        ok = self._gateway.replay(
            lambda s: undo.redo(s, self._gateway.owner, self._gateway.zone, step_id=self.step_id),
            failure=f"Could not redo “{self.text()}”",
        )
        if not ok:
            self.setObsolete(True)  # the stack drops it: it no longer matches the data

    def undo(self) -> None:
        ok = self._gateway.replay(
            lambda s: undo.undo(s, self._gateway.owner, self._gateway.zone, step_id=self.step_id),
            failure=f"Could not undo “{self.text()}”",
        )
        if not ok:
            self.setObsolete(True)


class Gateway(QObject):
    """Runs planner services for the widgets and tells every view what changed."""

    changed = Signal(object)  # Change
    failed = Signal(str)

    def __init__(
        self,
        db: Database,
        clock: Clock,
        zone: tzinfo,
        undo_stack: QUndoStack,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.clock, self.zone, self.undo_stack = db, clock, zone, undo_stack
        self.owner = db.owner
        self.replaying = False  # True while an undo or redo runs

    # ------------------------------------------------------------ plumbing

    def now(self) -> datetime:
        return self.clock.now()

    def apply(self, step: Callable[[Session], Any], *, failure: str = "") -> tuple[bool, Any]:
        """Run `step` in one transaction; broadcast its Change, or report the error readably."""
        try:
            with self.db.transaction() as session:
                result = step(session)
        except PlannerError as exc:
            self._fail(f"{failure}: {exc}" if failure else str(exc))
            return False, None
        except (StorageError, SQLAlchemyError) as exc:
            detail = getattr(exc, "orig", None) or exc
            self._fail(f"{failure or 'The change was not saved'}: database error: {detail}")
            return False, None
        except Exception as exc:  # a bug: roll back, say so in one line, keep the details
            traceback.print_exc()
            self._fail(
                f"{failure or 'The change was not saved'}: unexpected error "
                f"({type(exc).__name__}: {exc})"
            )
            return False, None
        change = change_in(result)
        if change.topics:
            self.changed.emit(change)
        return True, result

    def replay(self, step: Step, *, failure: str) -> bool:
        """Undo or redo: like apply, but views may follow the change to the day it touched."""
        self.replaying = True
        try:
            ok, _ = self.apply(step, failure=failure)
        finally:
            self.replaying = False
        return ok

    def _fail(self, message: str) -> None:
        self.failed.emit(message)
        self.changed.emit(EVERYTHING)  # views drop any preview and show the data as it is

    def edit(self, text: str, do: Step, days: Days) -> bool:
        """Run a plan edit as one transaction, recorded as one undoable step in the core.

        `days`: the days it touches (or a function of the session giving them): the slot's
        day and the day it moves to, the task's day, the day tasks are carried to."""

        def step(session: Session) -> tuple[undo.Recorder, Change]:
            touched = days(session) if callable(days) else days
            with undo.recorded(
                session, self.owner, self.zone, text, touched, self.now()
            ) as recorder:
                change = change_in(do(session))
            return recorder, change

        ok, result = self.apply(step)
        if ok:
            recorder = result[0]
            if recorder.step is not None:
                self.undo_stack.push(_Edit(self, recorder.step))
            elif recorder.lost:
                self.undo_stack.clear()  # the core could not record it: no undo across it
        return ok

    # ------------------------------------------------------------ reading

    def today(self) -> date:
        with self.db.read() as session:
            return planning.day_of(session, self.owner, self.now(), self.zone)

    def load(self, day: date) -> DaySnapshot:
        now = self.now()
        with self.db.read() as session:  # never waits for a writer (the CLI, a sync)
            plan = planning.get_plan(session, self.owner, day, self.zone)
            start_minute = int(planning.get_setting(session, self.owner, "day_start_minute"))
            bounds = day_bounds(day, self.zone, start_minute)
            entries = tuple(
                e
                for e in tracking.list_entries(session, self.owner, bounds)
                if (e.end or now) > bounds.start  # a running entry only reaches until now
            )
            today = planning.day_of(session, self.owner, now, self.zone)
        return DaySnapshot(plan, entries, now, today, start_minute, (bounds.start, bounds.end))

    # ------------------------------------------------------------ the clock ticks

    def tick(self) -> bool:
        """Follow the plan and leave a sign of life (once a minute and on resume)."""

        def step(session: Session) -> Change:
            now = self.now()
            change = day_flow.catch_up(session, self.owner, self.zone, now)
            tracking.heartbeat(session, self.owner, now)
            return change

        ok, _ = self.apply(step)
        return ok

    def recover(self) -> int:
        """After an unclean exit: close entries left open at the last sign of life."""
        ok, result = self.apply(lambda s: tracking.recover(s, self.owner, self.zone))
        return int(result[0]) if ok else 0

    # ------------------------------------------------------------ slots

    def _day_of(self, session: Session, moment: datetime) -> date:
        return planning.day_of(session, self.owner, moment, self.zone)

    def add_slot(self, start: datetime, end: datetime, role_id: int, title: str = "") -> bool:
        return self.edit(
            "New slot",
            lambda s: planning.add_slot(s, self.owner, self.zone, start, end, role_id, title),
            lambda s: {self._day_of(s, start)},
        )

    def change_slot(
        self,
        slot: SlotV,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        role_id: int | None = None,
        title: str | None = None,
        text: str = "Change slot",
    ) -> bool:
        return self.edit(
            text,
            lambda s: planning.update_slot(
                s,
                self.owner,
                self.zone,
                slot.id,
                start=start,
                end=end,
                role_id=role_id,
                title=title,
            ),
            lambda s: {slot.day, self._day_of(s, start or slot.start)},
        )

    def remove_slot(self, slot: SlotV) -> bool:
        return self.edit(
            "Delete slot", lambda s: planning.remove_slot(s, self.owner, slot.id), {slot.day}
        )

    # ------------------------------------------------------------ tasks

    @staticmethod
    def _task_days(task: TaskV) -> set[date]:
        return {task.day} if task.day is not None else set()  # undated tasks: always looked at

    def add_task(self, title: str, role_id: int, estimate_minutes: int, day: date) -> bool:
        return self.edit(
            "Add task",
            lambda s: planning.add_task(
                s,
                self.owner,
                title,
                role_id,
                now=self.now(),
                day=day,
                estimate_minutes=estimate_minutes,
            ),
            {day},
        )

    def set_task_status(self, task: TaskV, status: str) -> bool:
        names = {"done": "Check off task", "open": "Reopen task", "dropped": "Remove task"}
        return self.edit(
            names.get(status, "Task status"),
            lambda s: planning.set_task_status(s, self.owner, task.id, status, self.now()),
            self._task_days(task),
        )

    def edit_task(
        self,
        task: TaskV,
        *,
        title: str | None = None,
        estimate_minutes: int | None = None,
        role_id: int | None = None,
    ) -> bool:
        return self.edit(
            "Edit task",
            lambda s: planning.update_task(
                s,
                self.owner,
                task.id,
                title=title,
                estimate_minutes=estimate_minutes,
                role_id=role_id,
            ),
            self._task_days(task),
        )

    def schedule_task(self, task: TaskV, slot_id: int | None) -> bool:
        def days(session: Session) -> set[date]:
            found = self._task_days(task)
            if slot_id is not None:
                found.add(planning.get_slot(session, self.owner, slot_id).day)
            return found

        return self.edit(
            "Schedule task" if slot_id else "Unschedule task",
            lambda s: planning.update_task(s, self.owner, task.id, slot_id=slot_id),
            days,
        )

    def reorder_tasks(self, day: date, before: list[int], after: list[int]) -> bool:
        if before == after:
            return True
        return self.edit(
            "Reorder tasks", lambda s: planning.reorder_tasks(s, self.owner, day, after), {day}
        )
