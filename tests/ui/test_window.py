"""The main window as a whole: day navigation, now panel, mini window, closing, layout, start-up."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from ui_helpers import BERLIN, DAY, Seeded, at, slots_of

from planner.domain.clock import FakeClock
from planner.domain.timerange import day_bounds
from planner.services import planning, tracking
from planner.storage.db import Database
from ui.shell import app as app_module
from ui.shell.main_window import MainWindow

NEXT = DAY + timedelta(days=1)


def test_day_navigation_and_editing_another_day(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    assert window.day == DAY
    assert "Today" in window.day_label.text()
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.day == NEXT
    assert window.timeline.snapshot.day == NEXT
    assert window.timeline.snapshot.plan.slots == ()
    assert window.tasks.model.rowCount() == 0
    assert "Tomorrow" in window.day_label.text()
    tl = window.timeline
    qtbot.mousePress(tl, Qt.MouseButton.LeftButton, pos=tl.point_at(at("10:00", NEXT)))
    qtbot.mouseMove(tl, tl.point_at(at("10:30", NEXT)))
    qtbot.mouseRelease(tl, Qt.MouseButton.LeftButton, pos=tl.point_at(at("11:00", NEXT)))
    assert slots_of(db, NEXT) == [("10:00", "11:00", seeded.support)]
    assert len(slots_of(db, DAY)) == 3
    # the now panel keeps showing today while another day is on screen
    assert window.now_panel.card.role.text() == "Support"
    window.previous_day()
    window.previous_day()
    assert window.day == DAY - timedelta(days=1)
    window.date_edit.setDate(QDate(2026, 11, 25))
    assert window.day == NEXT
    assert len(window.timeline.snapshot.plan.slots) == 1
    window.today_action.trigger()
    assert window.day == DAY
    assert len(window.timeline.snapshot.plan.slots) == 3


def test_now_panel_shows_role_task_time_left_and_next(
    window: MainWindow, seeded: Seeded, clock: FakeClock
) -> None:
    card = window.now_panel.card
    assert card.role.text() == "Support"
    assert card.task.text() == "Answer tickets"
    assert card.left.text() == "1 h 00 min left (until 10:00)"
    assert card.next.text() == "Next: Community at 10:00"
    clock.set(at("10:45"))
    window.tick()
    assert card.role.text() == "Community"
    assert card.task.text() == "Write newsletter"
    assert card.left.text().startswith("15 min left")
    assert card.next.text() == "Next: Support at 13:00"
    clock.set(at("18:10"))
    window.tick()
    assert card.role.text() == "Day over"
    assert "Hard stop was at 17:30" in card.left.text()


def test_now_panel_says_when_work_is_still_logged_past_the_hard_stop(
    window: MainWindow, db: Database, seeded: Seeded, clock: FakeClock
) -> None:
    with db.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("17:00"), role_id=seeded.community)
    clock.set(at("21:40"))
    window.tick()
    card = window.now_panel.card
    assert card.role.text() == "Overtime"
    assert card.task.text() == "Still logging Community"
    assert card.left.text() == "4 h 10 min past the hard stop (17:30)"
    assert "Ctrl+E" in card.next.text()
    assert window.end_of_day_action.shortcut().toString() == "Ctrl+E"
    window.set_mini_visible(True)
    assert window.mini is not None
    mini = window.mini.card
    assert (mini.role.text(), mini.task.text()) == ("Overtime", "Still logging Community")
    assert mini.next.text() == ""  # no room for the hint; the main window carries it
    with db.transaction() as s:
        tracking.stop(s, "tester", BERLIN, at("21:45"))
    clock.set(at("21:46"))
    window.tick()
    assert card.role.text() == "Day over"
    assert card.task.text() == "" and card.next.text() == ""


LONG_TITLE = "Answer the escalated tickets from the enterprise customers about the outage"


def _fits(card) -> bool:  # type: ignore[no-untyped-def]
    """Every line of the card in view: no label squeezed under its wrapped height or overlapped."""
    labels = [card.role, card.task, card.left, card.next]
    for above, below in itertools.pairwise(labels):
        if below.geometry().top() < above.geometry().bottom():
            return False
    return all(
        label.height() >= (label.heightForWidth(label.width()) if label.wordWrap() else 0)
        for label in labels
    )


def test_a_long_task_title_wraps_without_being_cut_in_the_panel_and_the_mini_window(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    window.resize(900, 700)
    window.set_mini_visible(True)
    assert window.mini is not None
    qtbot.waitExposed(window.mini)
    short_height = window.mini.height()
    assert _fits(window.mini.card)
    with db.transaction() as s:
        planning.update_task(s, "tester", seeded.tasks["Answer tickets"], title=LONG_TITLE)
    window.tick()
    qtbot.wait(20)
    panel, mini = window.now_panel.card, window.mini.card
    assert panel.task.text() == mini.task.text() == LONG_TITLE
    assert mini.task.heightForWidth(mini.task.width()) > 2 * mini.task.fontMetrics().height()
    assert _fits(panel) and _fits(mini)
    assert window.mini.height() > short_height  # the window grew for the wrapped title
    with db.transaction() as s:
        planning.update_task(s, "tester", seeded.tasks["Answer tickets"], title="Short")
    window.tick()
    qtbot.wait(20)
    assert window.mini.height() == short_height  # and gave the room back


def test_tick_moves_the_now_line_and_follows_the_plan(
    window: MainWindow, db: Database, seeded: Seeded, clock: FakeClock
) -> None:
    with db.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, clock.now(), follow_plan=True)
    clock.set(at("10:05"))
    window.tick()
    assert window.timeline.now == clock.now()
    with db.transaction() as s:
        running = tracking.running(s, "tester")
        seen = tracking.last_seen(s, "tester")
    assert running is not None and running.role_id == seeded.community  # split at 10:00
    assert seen == clock.now()


def test_tick_past_midnight_follows_the_new_day(
    window: MainWindow, seeded: Seeded, clock: FakeClock
) -> None:
    clock.set(at("05:00", NEXT))
    window.tick()
    assert window.day == NEXT


def test_mini_window_toggles_and_mirrors_the_focus(qtbot: QtBot, window: MainWindow) -> None:
    assert window.mini is None  # built only when first asked for
    window.now_panel.mini_button.click()
    assert window.mini is not None and window.mini.isVisible()
    assert window.mini_action.isChecked()
    flags = window.mini.windowFlags()
    assert flags & Qt.WindowType.WindowStaysOnTopHint
    assert window.mini.card.role.text() == "Support"
    window.mini_action.trigger()
    assert not window.mini.isVisible()
    assert not window.now_panel.mini_button.isChecked()


def test_features_not_wired_say_so_honestly(window: MainWindow) -> None:
    window.interrupt_action.trigger()
    assert "not available yet" in window.statusBar().currentMessage()
    assert window.plan_action.shortcut().toString() == "Ctrl+P"


def test_plan_my_day_opens_on_the_shown_day(qtbot: QtBot, window: MainWindow) -> None:
    from ui.dialogs.plan_day import PlanDayDialog

    window.plan_action.trigger()
    dialog = window.findChild(PlanDayDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.close()


def test_closing_without_a_tray_quits_and_saves_the_layout(
    qtbot: QtBot, window: MainWindow, settings: QSettings
) -> None:
    window.resize(760, 560)  # the offscreen screen is 800×600; restoring clamps to it
    window.splitter.setSizes([420, 320])
    sizes = window.splitter.sizes()
    window.close()
    assert not window.isVisible()
    settings.sync()
    again = MainWindow(settings, window.clock, BERLIN)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert again.size() == window.size()
    assert again.splitter.sizes() == sizes


class FakeTray:
    def __init__(self) -> None:
        self.visible = True

    def isVisible(self) -> bool:
        return self.visible


def test_closing_with_a_tray_keeps_running(qtbot: QtBot, window: MainWindow) -> None:
    window.tray = FakeTray()
    window.close()
    assert not window.isVisible()
    window.toggle_visible()
    assert window.isVisible()


def test_error_from_the_core_is_a_readable_message(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded
) -> None:
    window.tasks.model.edit_requested.emit(seeded.tasks["Update FAQ"], {"title": "   "})
    assert window.last_error == "a task needs a title"
    box = window._error_box
    assert box is not None and box.isVisible() and box.text() == "a task needs a title"
    assert "Update FAQ" in [t.title for t in planning_tasks(db)]
    box.accept()


def planning_tasks(db: Database):  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        return planning.list_tasks(s, "tester")


def test_timeline_is_usable_on_a_small_screen(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1280, 720)
    qtbot.wait(10)
    assert window.width() <= 1280 and window.height() <= 720
    scroll = window.timeline_scroll
    assert scroll.viewport().height() > 250
    assert window.tasks.view.height() > 80


# ------------------------------------------------------------ start-up through ui.shell.app


@pytest.fixture
def started(qtbot: QtBot, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPLITDAY_NOW", "2026-11-24T09:30")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    monkeypatch.setenv("SPLITDAY_OWNER", "tester")
    from planner.domain import clock as clock_module

    clock_module.reset_local_zone()
    made = []

    def start(with_flag: bool):  # type: ignore[no-untyped-def]
        if with_flag:
            settings = app_module.ui_settings()
            settings.setValue("session/running", True)
            settings.sync()
        _app, window, runtime = app_module.build(db_url)
        qtbot.addWidget(window)
        made.append(runtime)
        qtbot.waitUntil(lambda: window.snapshot is not None, timeout=5000)
        return window, runtime

    yield start
    for runtime in made:
        runtime.close()
    monkeypatch.delenv("TZ")
    clock_module.reset_local_zone()


def test_start_paints_first_then_shows_today(started) -> None:  # type: ignore[no-untyped-def]
    window, runtime = started(False)
    assert window.day == DAY
    assert runtime.recovered == 0
    assert app_module.ui_settings().value("session/running", type=bool) is True
    runtime._on_app_about_to_quit()
    assert app_module.ui_settings().value("session/running", type=bool) is False


def test_what_follows_the_first_paint_is_built_in_place(started) -> None:  # type: ignore[no-untyped-def]
    # the task list and the app icon come right after the first frame, not in it
    window, _runtime = started(False)
    panel = window.tasks
    assert window.right.widget(1) is panel and window.right.count() == 2
    sizes = window.right.sizes()
    assert sizes[1] > 0 and panel.isVisible()
    # no saved layout: the now panel and tasks get a third of the width, enough for the titles
    assert window.right.width() >= window.width() // 4
    assert panel.model.ids() == [t.id for t in window.snapshot.plan.tasks]
    assert not QApplication.windowIcon().isNull()


def test_unclean_exit_is_recovered_on_start(db: Database, started) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        tracking.start_work(s, db.owner, BERLIN, at("09:00"), role_id=1)
        tracking.heartbeat(s, db.owner, at("09:10"))
    db.close()
    window, runtime = started(True)
    assert runtime.recovered == 1
    with runtime.db.transaction() as s:
        entries = tracking.list_entries(s, runtime.db.owner, day_bounds(DAY, BERLIN))
    assert entries[0].end == at("09:10") and entries[0].needs_review
    assert "did not quit cleanly" in window.statusBar().currentMessage()


def test_no_display_prints_one_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(app_module.sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert app_module.main() == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no display" in err


def test_drag_point_helper_is_inside_the_planned_column(window: MainWindow) -> None:
    point: QPoint = window.timeline.point_at(at("09:30"))
    left, right = window.timeline.planned_column()
    assert left < point.x() < right
    assert QApplication.instance() is not None


def test_tray_shows_the_current_role_colour_and_its_menu(window: MainWindow) -> None:
    from ui.shell.tray import IDLE, Tray

    tray = Tray(window)
    window.reload()
    assert tray.colour == "#e15759"  # Support is planned at 09:00
    texts = [a.text().replace("&", "") for a in tray.contextMenu().actions() if a.text()]
    assert texts == [
        "Start tracking",
        "Log interruption…\tCtrl+Alt+I",
        "Plan my day…",
        "Show/hide window",
        "Quit",
    ]
    window.focus_changed.emit(None)
    assert tray.colour == IDLE
    assert window.tray is tray


def test_a_bug_in_a_service_is_reported_readably_and_rolled_back(
    window: MainWindow, db: Database, seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway = window.gateway
    assert gateway is not None

    def broken(session):  # type: ignore[no-untyped-def]
        planning.set_task_status(session, "tester", seeded.tasks["Update FAQ"], "done", at("09:00"))
        raise RuntimeError("boom")

    ok, _ = gateway.apply(broken)
    assert not ok
    assert window.last_error.endswith("unexpected error (RuntimeError: boom)")
    assert "Traceback" not in window.last_error
    with db.transaction() as s:
        statuses = {t.title: t.status for t in planning.list_tasks(s, "tester")}
    assert statuses["Update FAQ"] == "open"  # rolled back
    assert "RuntimeError" in capsys.readouterr().err  # the details stay for a bug report
    window._error_box.accept()


def test_a_running_entry_does_not_spill_into_later_days(
    window: MainWindow, db: Database, seeded: Seeded, clock: FakeClock
) -> None:
    with db.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("09:00"), role_id=seeded.support)
    clock.set(at("10:20"))
    window.reload()
    assert len(window.timeline.snapshot.entries) == 1
    window.show_day(DAY + timedelta(days=4))
    snap = window.timeline.snapshot
    assert snap.entries == ()
    first, last = window.timeline.scale().origin, window.timeline.scale().end
    assert last - first <= timedelta(hours=12)  # the day's hours only, not four days
    window.show_day(DAY - timedelta(days=1))
    assert window.timeline.snapshot.entries == ()


def test_a_database_that_will_not_open_is_one_readable_line(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SPLITDAY_NO_DIALOGS", "1")
    bad = tmp_path / "not-a-db.sqlite3"
    bad.write_bytes(b"this is not SQLite at all" * 100)
    _app, window, runtime = app_module.build(f"sqlite:///{bad}")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: bool(runtime.failure), timeout=5000)
    assert "cannot be read" in runtime.failure
    assert "Traceback" not in runtime.failure
    assert window.gateway is None
    runtime.close()


def _answer_recovery_box(qtbot: QtBot, button_text: str) -> None:
    """Click a button of the recovery box once it is up (it runs its own event loop)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    def click() -> None:
        box = next(
            (w for w in QApplication.topLevelWidgets() if w.objectName() == "recovery_box"), None
        )
        if not isinstance(box, QMessageBox) or not box.isVisible():
            QTimer.singleShot(50, click)
            return
        button = next(b for b in box.buttons() if button_text in b.text().replace("&", ""))
        button.click()

    QTimer.singleShot(50, click)


def test_a_damaged_database_can_start_fresh_and_keeps_the_file(
    qtbot: QtBot, tmp_path: Path
) -> None:
    bad = tmp_path / "damaged.sqlite3"
    garbage = b"this is not SQLite at all" * 100
    bad.write_bytes(garbage)
    _answer_recovery_box(qtbot, "Start fresh")
    _app, window, runtime = app_module.build(f"sqlite:///{bad}")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.gateway is not None, timeout=10000)
    kept = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == garbage
    assert "damaged file is kept" in window.statusBar().currentMessage()
    runtime.close()


def test_a_damaged_database_can_be_restored_from_its_backup(qtbot: QtBot, tmp_path: Path) -> None:
    from planner.storage.db import backup_sqlite, open_database

    path = tmp_path / "mine.sqlite3"
    db = open_database(f"sqlite:///{path}", owner="tester")
    with db.transaction() as s:
        planning.ensure_defaults(s, "tester")
        planning.add_role(s, "tester", "On-call")
    db.close()
    backup_sqlite(path, reason="daily")
    path.write_bytes(path.read_bytes()[:512])  # truncated
    _answer_recovery_box(qtbot, "Restore the newest backup")
    _app, window, runtime = app_module.build(f"sqlite:///{path}")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.gateway is not None, timeout=10000)
    with runtime.db.transaction() as s:  # type: ignore[union-attr]
        assert "On-call" in [r.name for r in planning.list_roles(s, "tester")]
    assert any(".before-restore-" in p.name for p in tmp_path.iterdir())
    runtime.close()


def test_the_timer_ticks_once_per_new_minute(started) -> None:  # type: ignore[no-untyped-def]
    window, runtime = started(False)
    qtbot_wait_until(lambda: runtime._timer is not None)
    calls = []
    window.tick = lambda: calls.append(1)  # type: ignore[method-assign]
    runtime._on_timer_timeout()
    assert calls == []  # same minute: nothing to do
    runtime._last_minute = runtime._last_minute - timedelta(minutes=3)  # e.g. after a suspend
    runtime._on_timer_timeout()
    assert calls == [1]


def qtbot_wait_until(condition) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer

    deadline = QDeadlineTimer(5000)
    while not condition() and not deadline.hasExpired():
        QCoreApplication.processEvents()
    assert condition()


ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:holiday@test\r
DTSTAMP:20261101T000000Z\r
DTSTART;VALUE=DATE:20261124\r
DTEND;VALUE=DATE:20261125\r
SUMMARY:Team offsite\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:review@test\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=Europe/Berlin:20261124T150000\r
DTEND;TZID=Europe/Berlin:20261124T153000\r
SUMMARY:Design review\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_background_sync_brings_meetings_and_an_all_day_header(
    qtbot: QtBot, window: MainWindow, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    from planner.calendars import sync as calendars
    from ui.shell.calendar_sync import BackgroundSync

    ics = tmp_path / "team.ics"
    ics.write_text(ICS, encoding="utf-8")
    with db.transaction() as s:
        calendars.add_source(s, "tester", "Team", str(ics))
    assert window.gateway is not None
    sync = BackgroundSync(window.gateway)  # broadcasts what it changed through the gateway
    with qtbot.waitSignal(sync.synced, timeout=20000) as result:
        sync.sync_now()
    assert result.args and result.args[0][0].ok
    qtbot.waitUntil(lambda: window.all_day_label.isVisible(), timeout=5000)
    assert window.all_day_label.text() == "All day: Team offsite"
    meetings = [m.summary for m in window.snapshot.plan.meetings if not m.all_day]
    assert meetings == ["Design review"]
    sync.stop()


def test_the_running_app_backs_up_once_a_day(qtbot: QtBot, tmp_path: Path) -> None:
    from planner.storage.db import backup_sqlite, list_backups

    path = tmp_path / "daily.sqlite3"
    _app, window, runtime = app_module.build(f"sqlite:///{path}")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.gateway is not None, timeout=10000)
    assert runtime.db is not None
    with runtime.db.transaction() as s:
        planning.set_setting(s, runtime.db.owner, "backups_kept", 2)
    made = runtime.backup_daily()
    assert made is not None and made.exists() and made.name.endswith("-daily.sqlite3")
    assert runtime.backup_daily() is None  # once a day
    for _ in range(3):  # more dailies (as if from other days): the setting keeps two
        backup_sqlite(path, reason="daily", keep=2)
    assert len(list_backups(path)) == 2
    runtime.close()


def test_a_first_start_fits_the_window_on_the_screen(
    qtbot: QtBot, clock: FakeClock, settings: QSettings
) -> None:
    win = MainWindow(settings, clock, BERLIN)
    qtbot.addWidget(win)
    free = win.screen().availableGeometry()
    assert win.width() <= free.width() and win.height() <= free.height()
    assert win.width() >= min(1100, free.width() - 40)  # as large as the screen allows


def test_a_saved_geometry_from_a_larger_screen_is_shrunk_to_this_one(
    qtbot: QtBot, clock: FakeClock, settings: QSettings
) -> None:
    first = MainWindow(settings, clock, BERLIN)
    qtbot.addWidget(first)
    first.resize(3000, 2000)  # as if saved on a 4K screen
    first.save_layout()
    again = MainWindow(settings, clock, BERLIN)
    qtbot.addWidget(again)
    free = again.screen().availableGeometry()
    assert again.width() <= free.width() and again.height() <= free.height()


def test_the_day_menu_names_the_hotkey_and_the_toolbar_takes_tab(window: MainWindow) -> None:
    from PySide6.QtWidgets import QToolBar, QToolButton

    assert window.interrupt_action.text().endswith("\tCtrl+Alt+I")
    window.show_hotkey("Ctrl+Shift+F9")  # a new hotkey from Settings
    assert window.interrupt_action.text() == "Log &interruption…\tCtrl+Shift+F9"
    assert "Ctrl+Shift+F9" in window.interrupt_action.toolTip()
    bar = window.findChild(QToolBar, "dayToolbar")
    buttons = [bar.widgetForAction(a) for a in bar.actions()]
    buttons = [b for b in buttons if isinstance(b, QToolButton)]
    assert buttons and all(b.focusPolicy() & Qt.FocusPolicy.TabFocus for b in buttons)
    log = bar.widgetForAction(window.interrupt_action)
    assert log.text() == "Log interruption…"  # not the menu text with its key, cut short


def test_the_now_panel_says_an_interruption_pulled_you_into_the_other_role(
    qtbot: QtBot, window: MainWindow, db: Database, seeded: Seeded, clock: FakeClock
) -> None:
    """It said only '⚡ Interrupted: printer down'; the timeline said '09:02–09:02'."""
    with db.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("09:00"), follow_plan=True)
        tracking.interrupt(
            s,
            "tester",
            BERLIN,
            at("09:02"),
            note="printer down",
            source="Anna",
            role_id=seeded.community,
        )
    clock.set(at("09:02"))
    window.tick()
    window.set_mini_visible(True)
    assert window.mini is not None
    said = (
        "⚡ Interruption since 09:02 — pulled into Community during a Support focus block\n"
        "Anna — printer down"
    )
    assert window.now_panel.card.task.text() == said
    assert window.mini.card.task.text() == said
    clock.set(at("09:10"))
    window.tick()
    snap = window.timeline.snapshot
    assert snap is not None
    [running] = [e for e in snap.entries if e.end is None and e.kind == "interruption"]
    scale = window.timeline.scale()
    assert scale is not None
    rect = window.timeline._entry_rect(scale, running)
    assert rect is not None
    tip = window.timeline.describe_at(rect.center())
    assert tip.startswith("since 09:02 interruption · Community")
    assert tip.endswith("Pulled into Community during a Support focus block")


def test_the_date_box_and_the_window_title_say_the_day_the_same_way(
    window: MainWindow,
) -> None:
    window.show_day(date(2026, 12, 1))  # a one-digit day: '1', not '01', in both
    assert window.date_edit.text() == "Tue 1 Dec 2026"
    assert window.windowTitle() == "Splitday — Tue 1 Dec 2026"
    assert window.day_label.text().startswith("Tuesday 1 December 2026")
    window.show_day(DAY)
    assert window.windowTitle() == f"Splitday — {window.date_edit.text()}"


def test_a_closed_dialog_gives_the_focus_back_to_the_window(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no window manager the keyboard went nowhere after Plan my day closed (Escape),
    so Ctrl+P, Alt+D or Ctrl+E did nothing until a click."""
    asked: list[bool] = []
    monkeypatch.setattr(window, "activateWindow", lambda: asked.append(True))
    window.open_plan_day()
    dialog = window.findChild(QDialog, "plan_day_dialog")
    assert dialog is not None
    qtbot.waitExposed(dialog)
    asked.clear()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: bool(asked))
