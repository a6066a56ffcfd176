"""The UI's one door to the core: each action is one transaction, broadcast as a `Change`.

Plan edits are undoable: they run once here and are then pushed onto a QUndoStack whose
commands call the inverse service (again in one transaction each).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from planner.domain.clock import Clock
from planner.domain.errors import PlannerError
from planner.domain.timerange import day_bounds
from planner.domain.values import Change, SlotV, TaskV, Topic
from planner.services import planning, tracking
from planner.storage.db import Database, StorageError
from ui.day_data import DaySnapshot

Step = Callable[[Session], Change]
EVERYTHING = Change(frozenset(Topic))


def change_in(result: Any) -> Change:
    """Services return a Change, or (value, Change), or nothing worth broadcasting."""
    if isinstance(result, Change):
        return result
    if isinstance(result, tuple) and result and isinstance(result[-1], Change):
        return result[-1]
    return Change()


class _Edit(QUndoCommand):
    """An edit that already ran once; undo/redo call the services again."""

    def __init__(self, gateway: Gateway, text: str, do: Step, undo: Step) -> None:
        super().__init__(text)
        self._gateway, self._do, self._undo = gateway, do, undo
        self._fresh = True

    def redo(self) -> None:
        if self._fresh:  # pushed right after it ran
            self._fresh = False
            return
        self._gateway.replay(self._do, failure=f"Could not redo “{self.text()}”")

    def undo(self) -> None:
        self._gateway.replay(self._undo, failure=f"Could not undo “{self.text()}”")


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

    def replay(self, step: Step, *, failure: str) -> None:
        """Undo or redo: like apply, but views may follow the change to the day it touched."""
        self.replaying = True
        try:
            self.apply(step, failure=failure)
        finally:
            self.replaying = False

    def _fail(self, message: str) -> None:
        self.failed.emit(message)
        self.changed.emit(EVERYTHING)  # views drop any preview and show the data as it is

    def edit(self, text: str, do: Step, undo: Step) -> bool:
        ok, _ = self.apply(do)
        if ok:
            self.undo_stack.push(_Edit(self, text, do, undo))
        return ok

    # ------------------------------------------------------------ reading

    def today(self) -> date:
        with self.db.transaction() as session:
            return planning.day_of(session, self.owner, self.now(), self.zone)

    def load(self, day: date) -> DaySnapshot:
        now = self.now()
        with self.db.transaction() as session:
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
            change = tracking.follow_plan(session, self.owner, self.zone, now)
            tracking.heartbeat(session, self.owner, now)
            return change

        ok, _ = self.apply(step)
        return ok

    def recover(self) -> int:
        """After an unclean exit: close entries left open at the last sign of life."""
        ok, result = self.apply(lambda s: tracking.recover(s, self.owner, self.zone))
        return int(result[0]) if ok else 0

    # ------------------------------------------------------------ slots

    def add_slot(self, start: datetime, end: datetime, role_id: int, title: str = "") -> bool:
        made: dict[str, int] = {}

        def do(session: Session) -> Change:
            # on redo after undo the slot comes back with a new id
            slot, change = planning.add_slot(
                session, self.owner, self.zone, start, end, role_id, title
            )
            made["id"] = slot.id
            return change

        def undo(session: Session) -> Change:
            return planning.remove_slot(session, self.owner, made["id"])[1]

        return self.edit("New slot", do, undo)

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
        ids = {"id": slot.id}

        def do(session: Session) -> Change:
            return planning.update_slot(
                session,
                self.owner,
                self.zone,
                ids["id"],
                start=start,
                end=end,
                role_id=role_id,
                title=title,
            )[1]

        def undo(session: Session) -> Change:
            return planning.update_slot(
                session,
                self.owner,
                self.zone,
                ids["id"],
                start=slot.start if start or end else None,
                end=slot.end if start or end else None,
                role_id=slot.role_id if role_id is not None else None,
                title=slot.title if title is not None else None,
                pinned=slot.pinned,
            )[1]

        return self.edit(text, do, undo)

    def remove_slot(self, slot: SlotV) -> bool:
        state: dict[str, Any] = {"id": slot.id, "tasks": []}

        def do(session: Session) -> Change:
            state["tasks"] = [
                t.id
                for t in planning.list_tasks(session, self.owner, slot.day)
                if t.slot_id == state["id"]
            ]
            return planning.remove_slot(session, self.owner, state["id"])[1]

        def undo(session: Session) -> Change:
            again, change = planning.add_slot(
                session,
                self.owner,
                self.zone,
                slot.start,
                slot.end,
                slot.role_id,
                slot.title,
                origin=slot.origin,
                pinned=slot.pinned,
            )
            state["id"] = again.id
            for task_id in state["tasks"]:
                change |= planning.update_task(session, self.owner, task_id, slot_id=again.id)[1]
            return change | Change.of(Topic.TASKS, day=slot.day)

        return self.edit("Delete slot", do, undo)

    # ------------------------------------------------------------ tasks

    def add_task(self, title: str, role_id: int, estimate_minutes: int, day: date) -> bool:
        made: dict[str, int] = {}

        def do(session: Session) -> Change:
            if "id" in made:
                return planning.set_task_status(
                    session, self.owner, made["id"], "open", self.now()
                )[1]
            task, change = planning.add_task(
                session,
                self.owner,
                title,
                role_id,
                now=self.now(),
                day=day,
                estimate_minutes=estimate_minutes,
            )
            made["id"] = task.id
            return change

        def undo(session: Session) -> Change:
            return planning.set_task_status(session, self.owner, made["id"], "dropped", self.now())[
                1
            ]

        return self.edit("Add task", do, undo)

    def set_task_status(self, task: TaskV, status: str) -> bool:
        names = {"done": "Check off task", "open": "Reopen task", "dropped": "Remove task"}

        def do(session: Session) -> Change:
            return planning.set_task_status(session, self.owner, task.id, status, self.now())[1]

        def undo(session: Session) -> Change:
            return planning.set_task_status(session, self.owner, task.id, task.status, self.now())[
                1
            ]

        return self.edit(names.get(status, "Task status"), do, undo)

    def edit_task(
        self,
        task: TaskV,
        *,
        title: str | None = None,
        estimate_minutes: int | None = None,
        role_id: int | None = None,
    ) -> bool:
        def do(session: Session) -> Change:
            return planning.update_task(
                session,
                self.owner,
                task.id,
                title=title,
                estimate_minutes=estimate_minutes,
                role_id=role_id,
            )[1]

        def undo(session: Session) -> Change:
            return planning.update_task(
                session,
                self.owner,
                task.id,
                title=task.title if title is not None else None,
                estimate_minutes=task.estimate_minutes if estimate_minutes is not None else None,
                role_id=task.role_id if role_id is not None else None,
            )[1]

        return self.edit("Edit task", do, undo)

    def schedule_task(self, task: TaskV, slot_id: int | None) -> bool:
        def do(session: Session) -> Change:
            return planning.update_task(session, self.owner, task.id, slot_id=slot_id)[1]

        def undo(session: Session) -> Change:
            return planning.update_task(session, self.owner, task.id, slot_id=task.slot_id)[1]

        return self.edit("Schedule task" if slot_id else "Unschedule task", do, undo)

    def reorder_tasks(self, day: date, before: list[int], after: list[int]) -> bool:
        if before == after:
            return True
        return self.edit(
            "Reorder tasks",
            lambda s: planning.reorder_tasks(s, self.owner, day, after),
            lambda s: planning.reorder_tasks(s, self.owner, day, before),
        )
