"""Start / Pause tracking as a person uses it: the day's state always in view, one key (Ctrl+T)
from the main window, the tray and the mini window, and a start before the first slot that is
followed from it."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from ui_helpers import BERLIN, at

from planner.domain.clock import FakeClock
from planner.domain.timerange import Interval
from planner.services import tracking
from planner.storage.db import Database
from ui.shell.main_window import MainWindow


def entries(db: Database) -> list[tuple[str, str, str]]:
    with db.transaction() as s:
        rows = tracking.list_entries(s, "tester", Interval(at("00:00"), at("23:59")))
    return [
        (
            e.kind,
            f"{e.start.astimezone(BERLIN):%H:%M}",
            f"{e.end.astimezone(BERLIN):%H:%M}" if e.end else "running",
        )
        for e in rows
    ]


def test_starting_before_the_first_slot_says_so_and_follows_from_it(
    qtbot: QtBot, window: MainWindow, db: Database, clock: FakeClock
) -> None:
    clock.set(at("08:50"))
    window.tick()
    state = window.now_panel.card.state
    assert state.text() == "Not started — Ctrl+T starts tracking"
    assert window.track_action.text() == "&Start tracking"
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert state.text() == "Following the plan from 09:00"
    assert window.track_action.text() == "&Pause tracking"
    assert entries(db) == []  # nothing logged before the plan begins
    clock.set(at("09:05"))
    window.tick()
    assert entries(db) == [("work", "09:00", "running")]
    assert state.text() == "Following the plan"
    clock.set(at("09:20"))
    window.track_action.trigger()  # pause: the log stops now
    assert entries(db) == [("work", "09:00", "09:20")]
    assert state.text() == "Stopped — Ctrl+T starts tracking"
    assert window.track_action.text() == "&Start tracking"


def test_the_tray_and_the_mini_window_carry_the_same_control(
    qtbot: QtBot, window: MainWindow, clock: FakeClock
) -> None:
    from ui.shell.tray import Tray

    tray = Tray(window)
    clock.set(at("08:50"))
    window.tick()
    assert window.track_action in tray.contextMenu().actions()
    assert tray.toolTip().endswith("· not started")
    window.set_mini_visible(True)
    assert window.mini is not None
    assert window.track_action in window.mini.actions()
    assert window.mini.card.state.text() == "Not started · Ctrl+T"
    window.track_action.trigger()
    assert window.mini.card.state.text() == "Following the plan from 09:00"
    assert "following the plan" in tray.toolTip()
    assert window.track_action.shortcutContext() == Qt.ShortcutContext.ApplicationShortcut
    window.set_mini_visible(False)
    QApplication.processEvents()


def test_a_meeting_before_the_next_slot_is_what_comes_next(
    qtbot: QtBot, window: MainWindow, db: Database, clock: FakeClock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from planner.calendars import sync as calendars

    ics = tmp_path / "team.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:m@t\r\n"
        "DTSTART;TZID=Europe/Berlin:20261124T113000\r\n"
        "DTEND;TZID=Europe/Berlin:20261124T120000\r\nSUMMARY:Team sync\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with db.transaction() as s:
        source, _ = calendars.add_source(s, "tester", "team", str(ics))
        assert calendars.sync_source(s, "tester", source.id, now=clock.now(), zone=BERLIN).ok
    clock.set(at("11:10"))  # after the 10:00-11:00 slot, before the 13:00 one
    window.reload()
    card = window.now_panel.card
    assert card.next.text() == "Next: Team sync at 11:30"
    clock.set(at("11:40"))
    window.reload()
    assert (card.role.text(), card.task.text()) == ("Meeting", "Team sync")
    assert card.left.text() == "20 min left (until 12:00)"
    clock.set(at("12:10") + timedelta(minutes=0))
    window.reload()
    assert card.next.text() == "Next: Support at 13:00"
