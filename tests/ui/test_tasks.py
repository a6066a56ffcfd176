"""The task list: reorder by drag and keys, drop onto a slot, check off, estimate, add, overflow."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from ui_helpers import DAY, Seeded, at, tasks_of

from planner.services import planning
from planner.storage.db import Database
from ui.shell.main_window import MainWindow
from ui.views.tasks import ESTIMATE, TITLE

MOVE = Qt.DropAction.MoveAction
LEFT = Qt.MouseButton.LeftButton
NO = Qt.KeyboardModifier.NoModifier


def titles(db: Database) -> list[str]:
    return [t.title for t in tasks_of(db) if t.status != "dropped"]


def drop_on(widget, pos: QPoint, mime) -> QDropEvent:  # type: ignore[no-untyped-def]
    """Deliver a real drag-enter/move/drop sequence to `widget` at `pos`."""
    # Qt's signatures: enter and move take a QPoint, the drop a QPointF
    enter = QDragEnterEvent(pos, MOVE, mime, LEFT, NO)
    QApplication.sendEvent(widget, enter)
    move = QDragMoveEvent(pos, MOVE, mime, LEFT, NO)
    QApplication.sendEvent(widget, move)
    drop = QDropEvent(QPointF(pos), MOVE, mime, LEFT, NO)
    QApplication.sendEvent(widget, drop)
    return drop


def test_drag_reorders_tasks_and_undo(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    view = window.tasks.view
    model = window.tasks.model
    assert titles(db) == ["Answer tickets", "Write newsletter", "Update FAQ"]
    mime = model.mimeData([model.index(2, TITLE)])  # "Update FAQ"
    first = view.visualRect(model.index(0, TITLE))
    drop_on(view.viewport(), QPoint(first.center().x(), first.top() + 2), mime)
    qtbot.waitUntil(lambda: titles(db)[0] == "Update FAQ")
    assert titles(db) == ["Update FAQ", "Answer tickets", "Write newsletter"]
    assert [t.title for t in model.tasks] == titles(db)
    window.undo_action.trigger()
    assert titles(db) == ["Answer tickets", "Write newsletter", "Update FAQ"]


def test_keyboard_reorders_tasks(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    view = window.tasks.view
    view.setFocus()
    view.setCurrentIndex(window.tasks.model.index(0, TITLE))
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert titles(db) == ["Write newsletter", "Answer tickets", "Update FAQ"]
    assert window.tasks.current_task().title == "Answer tickets"  # the selection follows


def test_drop_task_onto_slot_schedules_it(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    model = window.tasks.model
    row = model.ids().index(seeded.tasks["Write newsletter"])
    mime = model.mimeData([model.index(row, TITLE)])
    tl = window.timeline
    drop = drop_on(tl, tl.point_at(at("10:30")), mime)
    assert drop.isAccepted()
    task = next(t for t in tasks_of(db) if t.id == seeded.tasks["Write newsletter"])
    assert task.slot_id == seeded.slots["10:00"]
    assert model.data(model.index(row, 2)) == "10:00"
    assert task.slot_pinned  # put there by hand: the re-fit leaves it
    window.undo_action.trigger()
    task = next(t for t in tasks_of(db) if t.id == seeded.tasks["Write newsletter"])
    assert not task.slot_pinned  # back to where the fit put it


def test_drop_on_empty_time_is_refused(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    model = window.tasks.model
    mime = model.mimeData([model.index(0, TITLE)])
    tl = window.timeline
    drop = drop_on(tl, tl.point_at(at("16:00")), mime)
    assert not drop.isAccepted()
    assert not any(t.slot_pinned for t in tasks_of(db))


def test_check_off_with_the_mouse(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    view = window.tasks.view
    rect = view.visualRect(window.tasks.model.index(0, TITLE))
    # the check box sits at the left of the title cell
    box = QPoint(rect.left() + 10, rect.center().y())
    qtbot.mouseClick(view.viewport(), LEFT, NO, box)
    done = {t.title: t.status for t in tasks_of(db)}
    assert done["Answer tickets"] == "done"
    window.undo_action.trigger()
    assert {t.title: t.status for t in tasks_of(db)}["Answer tickets"] == "open"


def test_edit_estimate_in_place(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    model = window.tasks.model
    assert model.setData(model.index(1, ESTIMATE), 90)
    assert next(t for t in tasks_of(db) if t.title == "Write newsletter").estimate_minutes == 90


def test_add_task_from_the_line_edit(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    panel = window.tasks
    panel.role.setCurrentIndex(1)
    panel.estimate.setValue(20)
    qtbot.keyClicks(panel.title, "Plan the meetup")
    qtbot.keyClick(panel.title, Qt.Key.Key_Return)
    added = next(t for t in tasks_of(db) if t.title == "Plan the meetup")
    assert (added.role_id, added.estimate_minutes, added.day) == (seeded.community, 20, DAY)
    assert panel.title.text() == ""
    window.undo_action.trigger()  # undo an add: the task leaves the day
    assert "Plan the meetup" not in titles(db)
    assert "Plan the meetup" not in [t.title for t in panel.model.tasks]


def test_tasks_that_do_not_fit_show_as_overflow(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded, clock
) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        planning.add_task(
            s,
            "tester",
            "Migrate the forum",
            seeded.community,
            now=clock.now(),
            day=DAY,
            estimate_minutes=240,
        )
    window.reload()
    model = window.tasks.model
    row = [t.title for t in model.tasks].index("Migrate the forum")
    assert model.data(model.index(row, 2)) == "did not fit"
    assert window.tasks.overflow_label.isVisibleTo(window)
    assert "Migrate the forum" in window.tasks.overflow_label.text()


def test_context_menu_schedules_and_changes_role(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    panel = window.tasks
    index = panel.model.index(0, TITLE)  # "Answer tickets", Support
    menu = panel.build_menu(index)
    assert menu is not None
    submenus = {a.text(): a.menu() for a in menu.actions() if a.menu()}
    submenus["Schedule into slot"].actions()[2].trigger()  # the 13:00 slot
    task = next(t for t in tasks_of(db) if t.title == "Answer tickets")
    assert task.slot_id == seeded.slots["13:00"]
    menu = panel.build_menu(panel.model.index(0, TITLE))
    submenus = {a.text(): a.menu() for a in menu.actions() if a.menu()}
    community = next(a for a in submenus["Role"].actions() if a.text() == "Community")
    community.trigger()
    task = next(t for t in tasks_of(db) if t.title == "Answer tickets")
    assert task.role_id == seeded.community
    window.undo_action.trigger()
    assert next(t for t in tasks_of(db) if t.title == "Answer tickets").role_id == seeded.support
