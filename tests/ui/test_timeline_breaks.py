"""Breaks on the real timeline (issue 16): a break is moved and resized by dragging it like a
slot, skipped for one day from its context menu; the database is checked afterwards."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from pytestqt.qtbot import QtBot
from ui_helpers import BERLIN, DAY, Seeded, at, slots_of

from planner.domain.values import BreakV
from planner.services import planning
from planner.storage.db import Database
from planner.storage.models import Slot
from ui.shell.main_window import MainWindow
from ui.views.timeline.widget import TimelineWidget

NO = Qt.KeyboardModifier.NoModifier
LEFT = Qt.MouseButton.LeftButton


def drag(qtbot: QtBot, tl: TimelineWidget, a: QPoint, b: QPoint) -> None:
    qtbot.mousePress(tl, LEFT, NO, a)
    qtbot.mouseMove(tl, QPoint(a.x(), (a.y() + b.y()) // 2))
    qtbot.mouseMove(tl, b)
    qtbot.mouseRelease(tl, LEFT, NO, b)


def breaks_of(db: Database, day: date = DAY) -> list[tuple[str, str, str, bool]]:
    """(kind, start, end, skipped) in local HH:MM for the day's breaks, from the database."""
    with db.read() as s:
        return [
            (
                b.kind,
                f"{b.start.astimezone(BERLIN):%H:%M}",
                f"{b.end.astimezone(BERLIN):%H:%M}",
                b.skipped,
            )
            for b in planning.list_breaks(s, "tester", day, BERLIN)
        ]


def lunch_on_screen(window: MainWindow) -> BreakV:
    assert window.snapshot is not None
    return next(b for b in window.snapshot.plan.breaks if b.kind == "lunch")


@pytest.fixture
def planned(qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded) -> MainWindow:
    """The seeded day Auto-split: lunch 12:30–13:15 and short breaks, the timeline showing it."""
    with db.transaction() as s:
        s.query(Slot).filter(Slot.owner == "tester", Slot.day == DAY).delete()
        planning.auto_plan(s, "tester", DAY, BERLIN)
    window.tick()  # reloads every view from the database
    qtbot.waitUntil(
        lambda: (
            window.snapshot is not None
            and any(b.kind == "short" for b in window.snapshot.plan.breaks)
        ),
        timeout=10_000,
    )
    assert ("lunch", "12:30", "13:15", False) in breaks_of(db)
    return window


def test_a_lunch_is_moved_by_dragging_it(qtbot: QtBot, planned: MainWindow, db: Database) -> None:
    tl = planned.timeline
    assert tl.describe_at(QPointF(tl.point_at(at("12:50")))) == "12:30–13:15 Lunch"
    drag(qtbot, tl, tl.point_at(at("12:50")), tl.point_at(at("12:31")))  # 19 min: snapped 20
    assert ("lunch", "12:10", "12:55", False) in breaks_of(db)
    qtbot.waitUntil(lambda: lunch_on_screen(planned).start == at("12:10"), timeout=10_000)
    assert lunch_on_screen(planned).end == at("12:55")
    # the day has not started: its Auto-split plans around the lunch where it now is
    plan = slots_of(db)
    assert not any(a < "12:55" and b > "12:10" for a, b, _ in plan)
    assert any(b == "12:10" for _, b, _ in plan) and any(a == "12:55" for a, _, _ in plan)


def test_a_lunch_is_resized_by_either_edge(qtbot: QtBot, planned: MainWindow, db: Database) -> None:
    tl = planned.timeline
    top = tl.point_at(at("12:30")) + QPoint(0, 1)  # inside the band: the lunch's, not the slot's
    drag(qtbot, tl, top, tl.point_at(at("12:02")))
    assert ("lunch", "12:00", "13:15", False) in breaks_of(db)
    qtbot.waitUntil(lambda: lunch_on_screen(planned).start == at("12:00"), timeout=10_000)
    bottom = tl.point_at(at("13:15")) - QPoint(0, 1)
    drag(qtbot, tl, bottom, tl.point_at(at("13:29")))
    assert ("lunch", "12:00", "13:30", False) in breaks_of(db)


def test_the_cursor_says_a_break_can_be_dragged(planned: MainWindow) -> None:
    tl = planned.timeline
    tl._update_cursor(QPointF(tl.point_at(at("12:50"))))
    assert tl.cursor().shape() == Qt.CursorShape.OpenHandCursor
    tl._update_cursor(QPointF(tl.point_at(at("13:15")) - QPoint(0, 1)))
    assert tl.cursor().shape() == Qt.CursorShape.SizeVerCursor


def test_a_lunch_is_skipped_for_the_day_and_taken_again(
    qtbot: QtBot, planned: MainWindow, db: Database
) -> None:
    tl = planned.timeline
    menu = tl.build_break_menu(lunch_on_screen(planned))
    skip = next(a for a in menu.actions() if a.objectName() == "skip_break")
    assert skip.text() == "Skip lunch today"
    skip.trigger()
    assert ("lunch", "12:30", "13:15", True) in breaks_of(db)
    # the day has not started: it is planned again through the hour
    assert any(a <= "12:30" and b >= "13:15" for a, b, _ in slots_of(db))
    qtbot.waitUntil(lambda: lunch_on_screen(planned).skipped, timeout=10_000)
    assert "(skipped today)" in tl.describe_break(lunch_on_screen(planned))
    take = tl.build_break_menu(lunch_on_screen(planned))
    assert [a.text() for a in take.actions()] == ["Take lunch today"]
    take.actions()[0].trigger()
    assert ("lunch", "12:30", "13:15", False) in breaks_of(db)
    assert not any(a < "13:15" and b > "12:30" for a, b, _ in slots_of(db))


def test_a_short_break_is_skipped_or_moved_from_its_menu(
    qtbot: QtBot, planned: MainWindow, db: Database
) -> None:
    tl = planned.timeline
    assert planned.snapshot is not None
    first = next(b for b in planned.snapshot.plan.breaks if b.kind == "short")
    start = f"{first.start.astimezone(BERLIN):%H:%M}"
    menu = tl.build_break_menu(first)
    later = next(a for a in menu.actions() if a.text() == "Move 5 min later")
    later.trigger()
    moved = next(b for b in breaks_of(db) if b[0] == "short")
    assert moved[1] == f"{(first.start.astimezone(BERLIN) + (first.end - first.start)):%H:%M}"
    assert moved[1] != start
    qtbot.waitUntil(
        lambda: (
            planned.snapshot is not None
            and next(b for b in planned.snapshot.plan.breaks if b.kind == "short").start
            != first.start
        ),
        timeout=10_000,
    )
    now_first = next(b for b in planned.snapshot.plan.breaks if b.kind == "short")
    skip = next(a for a in tl.build_break_menu(now_first).actions() if a.objectName())
    assert skip.text() == "Skip this break today"
    skip.trigger()
    assert next(b for b in breaks_of(db) if b[0] == "short")[3] is True
    # the others stay
    assert not all(b[3] for b in breaks_of(db) if b[0] == "short")


def test_a_dragged_or_skipped_break_is_undone_and_redone(
    qtbot: QtBot, planned: MainWindow, db: Database
) -> None:
    tl = planned.timeline
    before, plan = breaks_of(db), slots_of(db)
    drag(qtbot, tl, tl.point_at(at("12:50")), tl.point_at(at("13:10")))
    assert ("lunch", "12:50", "13:35", False) in breaks_of(db)
    assert planned.undo_action.isEnabled() and "Move break" in planned.undo_action.text()
    qtbot.keyClick(planned, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert breaks_of(db) == before and slots_of(db) == plan
    qtbot.waitUntil(lambda: lunch_on_screen(planned).start == at("12:30"), timeout=10_000)
    planned.redo_action.trigger()
    assert ("lunch", "12:50", "13:35", False) in breaks_of(db)

    planned.undo_action.trigger()
    qtbot.waitUntil(lambda: lunch_on_screen(planned).start == at("12:30"), timeout=10_000)
    skip = next(
        a
        for a in tl.build_break_menu(lunch_on_screen(planned)).actions()
        if a.objectName() == "skip_break"
    )
    skip.trigger()
    assert ("lunch", "12:30", "13:15", True) in breaks_of(db)
    planned.undo_action.trigger()
    assert breaks_of(db) == before and slots_of(db) == plan
