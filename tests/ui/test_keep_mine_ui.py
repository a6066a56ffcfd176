"""An edit in the window that meets a change another device made since the window read the
row (a second Database on the same SQLite file): the real dialog asks, by keys only: Esc and
Enter keep theirs, Tab then Enter keeps mine, as one undoable step."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from ui_helpers import BERLIN, DAY, Seeded, at, tasks_of

from planner.domain.clock import FakeClock
from planner.domain.values import TaskV
from planner.services import planning
from planner.storage.db import Database, open_database
from planner.storage.models import Slot
from ui.dialogs.conflict import ConflictDialog
from ui.gateway import Gateway
from ui.shell.main_window import MainWindow
from ui.views.tasks import TITLE

Key = Qt.Key


@pytest.fixture
def other(db_url: str, db: Database) -> Iterator[Database]:
    """The person's other device: its own engine on the same database file."""
    device = open_database(db_url, owner="tester")
    yield device
    device.close()


def answer(qtbot: QtBot, *keys: Key) -> list[ConflictDialog]:
    """Once the conflict dialog is up (inside its own event loop), press `keys` on whatever
    has the focus; the dialogs answered."""
    seen: list[ConflictDialog] = []
    tries = [300]  # 3 s, then it stops looking (the test then fails on `seen`)

    def press() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ConflictDialog) or not dialog.isAncestorOf(
            QApplication.focusWidget()
        ):  # not up yet, or the focus not in it yet: keys would go to the window
            tries[0] -= 1
            if tries[0] > 0:
                QTimer.singleShot(10, press)
            return
        seen.append(dialog)
        dialog.setProperty("theirsWasDefault", dialog.keep_theirs.isDefault())  # while open
        for key in keys:
            qtbot.keyClick(QApplication.focusWidget(), key)

    QTimer.singleShot(0, press)
    return seen


def slot_row(db: Database, slot_id: int) -> tuple[str, str, str] | None:
    with db.read() as s:
        row = s.get(Slot, slot_id)
        if row is None:
            return None
        return (
            f"{row.start.astimezone(BERLIN):%H:%M}",
            f"{row.end.astimezone(BERLIN):%H:%M}",
            row.title,
        )


def rename_elsewhere(other: Database, slot_id: int, title: str) -> None:
    with other.transaction() as s:
        planning.update_slot(s, "tester", BERLIN, slot_id, title=title)


def nudge_first_slot(
    qtbot: QtBot,
    window: MainWindow,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.ControlModifier,
    key: Key = Key.Key_Down,
) -> None:
    """Select the 09:00 slot and move it 5 minutes later (Ctrl+Down), or make it 5 minutes
    shorter (Shift+Up), as the window shows it."""
    tl = window.timeline
    tl.setFocus()
    qtbot.keyClick(tl, Key.Key_Down)
    qtbot.keyClick(tl, key, modifier)


@pytest.mark.parametrize("key", [Key.Key_Escape, Key.Key_Return])
def test_esc_or_enter_keeps_theirs(
    qtbot: QtBot, window: MainWindow, db: Database, other: Database, seeded: Seeded, key: Key
) -> None:
    slot_id = seeded.slots["09:00"]
    rename_elsewhere(other, slot_id, "Call with Bo")  # the window still shows it untitled
    steps = window.undo_stack.count()
    dialogs = answer(qtbot, key)
    nudge_first_slot(qtbot, window)
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert dialog.theirs.text() == "09:00–10:00 · Support · “Call with Bo”"
    assert dialog.mine.text() == "09:05–10:05 · Support · “Call with Bo”"
    assert dialog.property("theirsWasDefault")
    # theirs stands, on both devices; no undo step; the window reads the row again
    assert slot_row(db, slot_id) == slot_row(other, slot_id) == ("09:00", "10:00", "Call with Bo")
    assert window.undo_stack.count() == steps
    qtbot.waitUntil(lambda: window.snapshot.slot(slot_id).title == "Call with Bo")


def test_tab_then_enter_keeps_mine_as_one_undoable_step(
    qtbot: QtBot, window: MainWindow, db: Database, other: Database, seeded: Seeded
) -> None:
    slot_id = seeded.slots["09:00"]
    rename_elsewhere(other, slot_id, "Call with Bo")
    steps = window.undo_stack.count()
    dialogs = answer(qtbot, Key.Key_Tab, Key.Key_Return)
    nudge_first_slot(qtbot, window, Qt.KeyboardModifier.ShiftModifier, Key.Key_Up)
    assert len(dialogs) == 1
    # mine (the move) over theirs (the rename), seen alike by the other device
    assert slot_row(other, slot_id) == ("09:00", "09:55", "Call with Bo")
    assert window.undo_stack.count() == steps + 1
    window.undo_action.trigger()  # one step: the move goes, their rename stays
    assert slot_row(other, slot_id) == ("09:00", "10:00", "Call with Bo")


def test_a_task_checked_off_after_a_rename_elsewhere_keeps_mine(
    qtbot: QtBot, window: MainWindow, db: Database, other: Database, seeded: Seeded
) -> None:
    task_id = seeded.tasks["Answer tickets"]
    with other.transaction() as s:
        planning.update_task(s, "tester", task_id, title="Answer Bo's tickets")
    view = window.tasks.view
    view.setFocus()
    view.setCurrentIndex(window.tasks.model.index(0, TITLE))
    dialogs = answer(qtbot, Key.Key_Tab, Key.Key_Return)
    qtbot.keyClick(view, Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # done
    assert len(dialogs) == 1
    assert dialogs[0].theirs.text() == "“Answer Bo's tickets” · Support · 30 min · open"
    assert dialogs[0].mine.text() == "“Answer Bo's tickets” · Support · 30 min · done"
    task = next(t for t in tasks_of(other, DAY) if t.id == task_id)
    assert (task.title, task.status) == ("Answer Bo's tickets", "done")


def test_a_slot_deleted_elsewhere_is_said_and_not_brought_back(
    qtbot: QtBot, window: MainWindow, db: Database, other: Database, seeded: Seeded
) -> None:
    slot_id = seeded.slots["09:00"]
    with other.transaction() as s:
        planning.remove_slot(s, "tester", slot_id)
    dialogs = answer(qtbot, Key.Key_Return)
    nudge_first_slot(qtbot, window)
    assert len(dialogs) == 1
    assert dialogs[0].keep_mine is None  # nothing to keep: it would come back unasked
    assert dialogs[0].message.text() == (
        "The slot was deleted meanwhile on another device or in another window."
    )
    assert slot_row(db, slot_id) is None
    assert at("09:00") not in [s.start for s in window.snapshot.plan.slots]


def test_a_drag_begun_before_a_change_elsewhere_is_asked_about_on_release(
    qtbot: QtBot, window: MainWindow, db: Database, other: Database, seeded: Seeded
) -> None:
    """The window re-reads the day mid-drag (a tick, or the other device's notice): the drag
    goes on, and its save still names the version it began on."""
    tl = window.timeline
    slot_id = seeded.slots["13:00"]
    qtbot.mousePress(tl, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     tl.point_at(at("13:30")))  # fmt: skip
    qtbot.mouseMove(tl, tl.point_at(at("13:50")))
    rename_elsewhere(other, slot_id, "Deep work")
    window.tick()  # reloads every view from the database
    assert window.snapshot.slot(slot_id).title == "Deep work"
    qtbot.mouseMove(tl, tl.point_at(at("14:10")))
    dialogs = answer(qtbot, Key.Key_Escape)
    qtbot.mouseRelease(tl, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       tl.point_at(at("14:15")))  # fmt: skip
    assert len(dialogs) == 1
    assert dialogs[0].mine.text() == "13:45–14:45 · Support · “Deep work”"
    assert slot_row(other, slot_id) == ("13:00", "14:00", "Deep work")


@pytest.mark.parametrize(
    ("keys", "carried"), [((Key.Key_Escape,), False), ((Key.Key_Tab, Key.Key_Return), True)]
)
def test_the_end_of_day_review_carrying_a_task_renamed_elsewhere_asks(
    qtbot: QtBot,
    db: Database,
    other: Database,
    clock: FakeClock,
    seeded: Seeded,
    keys: tuple[Key, ...],
    carried: bool,
) -> None:
    from ui.dialogs import conflict
    from ui.dialogs.end_of_day import EndOfDayDialog

    gateway = Gateway(db, clock, BERLIN)
    review = EndOfDayDialog(gateway, DAY)
    gateway.resolve = lambda c: conflict.ask(c, review)  # as the main window does
    qtbot.addWidget(review)
    review.show()
    qtbot.waitExposed(review)
    task_id = seeded.tasks["Answer tickets"]
    with other.transaction() as s:  # the review still shows it as it was
        planning.update_task(s, "tester", task_id, title="Answer Bo's tickets")
    review.unfinished.setCurrentRow(0)
    review.carry.setFocus()
    dialogs = answer(qtbot, *keys)
    qtbot.keyClick(review.carry, Key.Key_Space)
    assert len(dialogs) == 1
    assert dialogs[0].theirs.text() == "“Answer Bo's tickets” · Support · 30 min · open"
    assert dialogs[0].mine.text().startswith("carry it to ")
    task = next(t for t in planning_tasks(other) if t.id == task_id)
    assert task.title == "Answer Bo's tickets"
    assert (task.day != DAY) is carried


def planning_tasks(db: Database) -> list[TaskV]:
    with db.read() as s:
        return planning.list_tasks(s, "tester")


@pytest.mark.parametrize(
    ("keys", "deleted"), [((Key.Key_Escape,), False), ((Key.Key_Tab, Key.Key_Return), True)]
)
def test_plan_my_day_deleting_a_slot_moved_elsewhere_asks(
    qtbot: QtBot,
    db: Database,
    other: Database,
    clock: FakeClock,
    seeded: Seeded,
    keys: tuple[Key, ...],
    deleted: bool,
) -> None:
    from ui.dialogs import conflict
    from ui.dialogs.plan_day import PlanDayDialog

    gateway = Gateway(db, clock, BERLIN)
    plan = PlanDayDialog(gateway, DAY)
    gateway.resolve = lambda c: conflict.ask(c, plan)
    qtbot.addWidget(plan)
    plan.show()
    qtbot.waitExposed(plan)
    slot_id = seeded.slots["09:00"]
    with other.transaction() as s:  # the dialog still shows it at 09:00
        planning.update_slot(s, "tester", BERLIN, slot_id, start=at("08:00"), end=at("09:00"))
    plan.slots.selectRow(0)
    plan.delete_slot.setFocus()
    dialogs = answer(qtbot, *keys)
    qtbot.keyClick(plan.delete_slot, Key.Key_Space)  # "Remove slot"
    assert len(dialogs) == 1
    assert dialogs[0].theirs.text() == "08:00–09:00 · Support"
    assert dialogs[0].mine.text() == "delete it"
    assert slot_row(other, slot_id) == (None if deleted else ("08:00", "09:00", ""))
    if not deleted:  # the dialog says what stands, and shows it
        assert plan.message.text() == "Kept the change made elsewhere: 08:00–09:00 · Support"
        qtbot.waitUntil(lambda: plan.slot_model.slot(0).start == at("08:00"))
