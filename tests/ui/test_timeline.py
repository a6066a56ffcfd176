"""Drive the real timeline with the mouse and keys; assert on the database afterwards."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from ui_helpers import BERLIN, DAY, Seeded, at, slots_of, tasks_of

from planner.domain.clock import FakeClock
from planner.services import planning
from planner.storage.db import Database
from ui.shell.main_window import MainWindow
from ui.views.timeline.widget import TimelineWidget

NO = Qt.KeyboardModifier.NoModifier
LEFT = Qt.MouseButton.LeftButton


def drag(
    qtbot: QtBot,
    tl: TimelineWidget,
    a: QPoint,
    b: QPoint,
    mods: Qt.KeyboardModifier = NO,
) -> None:
    qtbot.mousePress(tl, LEFT, mods, a)
    middle = QPoint(a.x(), (a.y() + b.y()) // 2)
    qtbot.mouseMove(tl, middle)
    qtbot.mouseMove(tl, b)
    qtbot.mouseRelease(tl, LEFT, mods, b)


def y(tl: TimelineWidget, moment: datetime) -> QPoint:
    return tl.point_at(moment)


def test_drag_on_empty_space_creates_a_slot(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    tl = window.timeline
    drag(qtbot, tl, y(tl, at("15:01")), y(tl, at("16:02")))
    assert ("15:00", "16:00", seeded.support) in slots_of(db)
    assert len(window.snapshot.plan.slots) == 4  # the view reloaded from the database


def test_drag_moves_a_slot_snapped_and_undo_redo(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    tl = window.timeline
    drag(qtbot, tl, y(tl, at("13:30")), y(tl, at("14:02")))
    assert ("13:30", "14:30", seeded.support) in slots_of(db)
    assert window.undo_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ("13:00", "14:00", seeded.support) in slots_of(db)
    qtbot.keyClick(
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert ("13:30", "14:30", seeded.support) in slots_of(db)


def test_drag_bottom_edge_resizes_and_undo(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    tl = window.timeline
    edge = y(tl, at("14:00")) - QPoint(0, 1)
    drag(qtbot, tl, edge, y(tl, at("14:38")))
    assert ("13:00", "14:40", seeded.support) in slots_of(db)
    window.undo_action.trigger()
    assert ("13:00", "14:00", seeded.support) in slots_of(db)


def test_top_edge_resize_and_alt_disables_snapping(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    tl = window.timeline
    edge = y(tl, at("13:00")) + QPoint(0, 1)
    drag(qtbot, tl, edge, y(tl, at("12:43")), Qt.KeyboardModifier.AltModifier)
    assert ("12:43", "14:00", seeded.support) in slots_of(db)


def test_overlap_is_refused_readably_and_nothing_changes(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    before = slots_of(db)
    tl = window.timeline
    drag(qtbot, tl, y(tl, at("13:30")), y(tl, at("10:30")))  # onto the 10:00 slot
    assert slots_of(db) == before
    assert "overlap" in window.last_error
    assert "Traceback" not in window.last_error
    assert not window.undo_action.isEnabled()
    assert [s.start for s in window.snapshot.plan.slots] == [
        at("09:00"),
        at("10:00"),
        at("13:00"),
    ]


def test_keyboard_selects_moves_resizes_and_deletes(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    tl = window.timeline
    tl.setFocus()
    qtbot.keyClick(tl, Qt.Key.Key_Down)  # select the first slot
    qtbot.keyClick(tl, Qt.Key.Key_Down)
    qtbot.keyClick(tl, Qt.Key.Key_Down)  # the 13:00 slot
    assert tl.selected_id == seeded.slots["13:00"]
    # what a screen reader hears: the slot, and the task the fit put into it
    assert tl.accessibleDescription() == "13:00–14:00 Support\n• Update FAQ"
    qtbot.keyClick(tl, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert ("13:05", "14:05", seeded.support) in slots_of(db)
    qtbot.keyClick(tl, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert ("13:05", "14:10", seeded.support) in slots_of(db)
    qtbot.keyClick(tl, Qt.Key.Key_2)  # second role
    assert ("13:05", "14:10", seeded.community) in slots_of(db)
    qtbot.keyClick(tl, Qt.Key.Key_Delete)
    assert len(slots_of(db)) == 2
    window.undo_action.trigger()  # the deleted slot comes back
    assert ("13:05", "14:10", seeded.community) in slots_of(db)
    window.undo_action.trigger()
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert ("13:00", "14:00", seeded.support) in slots_of(db)


def test_move_delete_undo_undo_of_a_slot_that_is_not_the_newest(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    """Issue 14: slots 1, 2, 3; move 1; delete 1; undo; undo. The deleted slot came back with
    a new id, and undoing the move then failed with "no slot with id 1"."""
    original = slots_of(db)
    tl = window.timeline
    tl.setFocus()
    qtbot.keyClick(tl, Qt.Key.Key_Down)  # the first slot, 09:00 (not the newest id)
    assert tl.selected_id == seeded.slots["09:00"]
    qtbot.keyClick(tl, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)  # 5 min earlier
    assert ("08:55", "09:55", seeded.support) in slots_of(db)
    qtbot.keyClick(tl, Qt.Key.Key_Delete)
    assert len(slots_of(db)) == 2
    window.undo_action.trigger()
    assert ("08:55", "09:55", seeded.support) in slots_of(db)
    window.undo_action.trigger()
    assert window.last_error == ""
    assert slots_of(db) == original
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert window.last_error == "" and len(slots_of(db)) == 2


def test_an_undo_of_an_edit_changed_elsewhere_is_refused_readably(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    tl = window.timeline
    drag(qtbot, tl, y(tl, at("13:30")), y(tl, at("14:02")))
    assert ("13:30", "14:30", seeded.support) in slots_of(db)
    with db.transaction() as s:  # the command line moves it again meanwhile
        planning.update_slot(
            s, "tester", BERLIN, seeded.slots["13:00"], start=at("15:00"), end=at("16:00")
        )
    window.undo_action.trigger()
    assert "Could not undo" in window.last_error and "changed since" in window.last_error
    assert ("15:00", "16:00", seeded.support) in slots_of(db)  # left as the user has it now
    assert not window.undo_action.isEnabled()  # the stale step left the stack


def test_delete_then_undo_puts_scheduled_tasks_back_into_the_slot(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    task_id = seeded.tasks["Update FAQ"]
    window.tasks.schedule_requested.emit(task_id, seeded.slots["13:00"])
    assert next(t for t in tasks_of(db) if t.id == task_id).slot_id == seeded.slots["13:00"]
    tl = window.timeline
    qtbot.mouseClick(tl, LEFT, NO, y(tl, at("13:30")))
    qtbot.keyClick(tl, Qt.Key.Key_Delete)
    assert next(t for t in tasks_of(db) if t.id == task_id).slot_id is None
    window.undo_action.trigger()
    slot_id = next(s.id for s in window.snapshot.plan.slots if s.start == at("13:00"))
    assert next(t for t in tasks_of(db) if t.id == task_id).slot_id == slot_id


def test_context_menu_offers_every_mouse_action(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    tl = window.timeline
    point = y(tl, at("13:30"))
    qtbot.mouseClick(tl, LEFT, NO, point)
    menu = tl.build_menu(point)
    texts = [a.text().split("\t")[0] for a in menu.actions()]
    for wanted in ("New 30-minute slot here", "Role", "Move 5 min later", "5 min longer"):
        assert wanted in texts
    assert "Delete slot" in texts
    later = next(a for a in menu.actions() if a.text().startswith("Move 5 min later"))
    later.trigger()
    assert ("13:05", "14:05", seeded.support) in slots_of(db)
    empty = tl.build_menu(y(tl, at("16:00")))
    new_menu = empty.actions()[0].menu()
    new_menu.actions()[1].trigger()  # a Community slot at 16:00
    assert ("16:00", "16:30", seeded.community) in slots_of(db)


def test_the_plan_is_painted(qtbot: QtBot, window: MainWindow, seeded: Seeded) -> None:
    tl = window.timeline
    image = tl.grab().toImage()
    inside = tl.point_at(at("09:30"))
    colour = image.pixelColor(inside.x(), inside.y()).name()
    assert colour == "#e15759"  # the Support slot, in its role colour
    assert tl.snapshot is not None and tl.snapshot.day == DAY


def test_a_minute_tick_during_a_drag_does_not_drop_it(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    tl = window.timeline
    qtbot.mousePress(tl, LEFT, NO, y(tl, at("13:30")))
    qtbot.mouseMove(tl, y(tl, at("13:50")))
    window.tick()  # reloads every view from the database
    qtbot.mouseMove(tl, y(tl, at("14:10")))
    qtbot.mouseRelease(tl, LEFT, NO, y(tl, at("14:15")))
    assert ("13:45", "14:45", seeded.support) in slots_of(db)


def test_undo_shows_the_day_it_changes(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    tl = window.timeline
    drag(qtbot, tl, y(tl, at("13:30")), y(tl, at("14:00")))
    assert ("13:30", "14:30", seeded.support) in slots_of(db)
    window.next_day()
    window.undo_action.trigger()
    assert window.day == DAY  # back on the day whose slot moved back
    assert ("13:00", "14:00", seeded.support) in slots_of(db)


def test_the_column_titles_stay_in_view_when_scrolled(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    # late in the evening the view scrolls to "now": the titles must not scroll away with 07:00
    window.resize(900, 400)
    qtbot.wait(10)
    bar = window.timeline_scroll.verticalScrollBar()
    viewport = window.timeline_scroll.viewport()
    tl = window.timeline
    band = 26  # HEADER

    def top_band() -> list[str]:  # over the columns; the gutter's hour labels scroll on
        image = viewport.grab().toImage()
        left = int(tl.planned_column()[0])
        return [
            image.pixelColor(x, y).name()
            for y in range(0, band, 2)
            for x in range(left, image.width(), 3)
        ]

    bar.setValue(0)
    at_top = top_band()
    assert bar.maximum() > 200  # the day does not fit: there is somewhere to scroll to
    bar.setValue(bar.maximum())
    assert tl.header_top() == bar.maximum()
    assert top_band() == at_top  # the same titles on the same band, not hours or slots
    # the band is not a place to start a new slot: a drag on it creates nothing
    before = slots_of(db)
    title = tl.mapFrom(viewport, QPoint(int(tl.planned_column()[0]) + 20, 10))
    drag(qtbot, tl, title, title + QPoint(0, 120))
    assert slots_of(db) == before


STAND_UP_ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    "BEGIN:VEVENT\r\nUID:su@t\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Team stand-up\r\n"
    "DTSTART;TZID=Europe/Berlin:20261124T113000\r\nDTEND;TZID=Europe/Berlin:20261124T114500\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_the_actual_column_names_meetings_and_breaks_plainly(
    qtbot: QtBot,
    window: MainWindow,
    db: Database,
    clock: FakeClock,
    seeded: Seeded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from planner.calendars import sync as calendars
    from planner.storage.models import Entry

    ics = tmp_path / "team.ics"
    ics.write_text(STAND_UP_ICS, encoding="utf-8")
    calendars.import_database(db, "tester", str(ics), now=clock.now(), zone=BERLIN)
    with db.transaction() as s:
        for start, end, kind, note in (
            ("09:00", "09:15", "meeting", "Weekly sync"),  # as following the plan writes it
            ("11:30", "11:45", "meeting", ""),  # a gap answered 'meeting': no note
            ("12:00", "13:00", "break", ""),
        ):
            s.add(
                Entry(
                    owner="tester",
                    start=at(start),
                    end=at(end),
                    kind=kind,
                    role_id=seeded.support,
                    note=note,
                    source="",
                )
            )
    window.reload()
    painted: list[str] = []
    real = type(window.timeline)._paint_block_text

    def record(self: Any, painter: Any, rect: Any, lines: list[str], colour: Any) -> None:
        painted.extend(lines)
        real(self, painter, rect, lines, colour)

    monkeypatch.setattr(type(window.timeline), "_paint_block_text", record)
    window.timeline.grab()  # paints it
    assert "Weekly sync" in painted
    assert "Team stand-up" in painted  # the imported meeting the entry lies in
    assert "break" in painted
    assert not [line for line in painted if line.startswith(("break:", "meeting:"))]


def test_a_full_slot_card_says_how_many_tasks_it_cannot_show(
    qtbot: QtBot,
    window: MainWindow,
    db: Database,
    clock: FakeClock,
    seeded: Seeded,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 45-minute slot showed its first task only: the second one, planned in it too, was
    nowhere, and the next slot said that task was 'continued' (the lived default day)."""
    from PySide6.QtGui import QPainter

    with db.transaction() as s:
        for title in ("Call back Ann", "Reply to Bob", "Close old tickets"):
            planning.add_task(
                s, "tester", title, seeded.support, now=clock.now(), day=DAY, estimate_minutes=5
            )
    window.reload()
    drawn: list[str] = []
    real = QPainter.drawText

    def record(self: QPainter, *args: Any) -> None:
        drawn.extend(a for a in args if isinstance(a, str))
        real(self, *args)

    monkeypatch.setattr(QPainter, "drawText", record)
    window.timeline.grab()
    more = [text for text in drawn if text.endswith(" more")]
    assert more, drawn
    assert all(text.startswith("• ") and "  +" in text for text in more), more
