"""The main window while the shared server is away (`pg_ctl stop -m immediate`): the Now panel
shows the interruption the hotkey kept on this device (since the key press, "saved on this
device") and the state after a kept back-to-work; task edits made in the task list (add,
check off, rename, delete) are kept, shown at once and marked as waiting; when the server is
back the timer's delivery puts every one on the server exactly once, in order."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pgcluster import Cluster
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from planner.domain.clock import FakeClock
from planner.services import day as day_flow
from planner.services import planning
from planner.storage.db import open_database
from ui.dialogs.quick_log import QuickLog
from ui.gateway import Gateway
from ui.shell.interruptions import Interruptions, parse_minutes
from ui.shell.main_window import MainWindow
from ui.shell.offline import OfflineWatch
from ui.views.tasks import TITLE, WHEN
from ui.views.timeline.layout import STEP

BERLIN = ZoneInfo("Europe/Berlin")
OFFSCREEN_LIMITS = r"This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)"
pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore(OFFSCREEN_LIMITS)]
MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN)  # a Monday


def _listed(window: MainWindow) -> dict[str, str]:
    model = window.tasks.model
    return {
        str(model.index(r, TITLE).data()): str(model.index(r, WHEN).data())
        for r in range(model.rowCount())
    }


def test_the_window_keeps_task_edits_and_shows_the_kept_interruption(
    qtbot: QtBot, cluster: Cluster, server_db: str, tmp_path: Path
) -> None:
    clock = FakeClock(MORNING)
    db = open_database(server_db, owner="alice")
    with db.transaction() as s:
        planning.ensure_defaults(s, "alice")
        support = planning.find_role(s, "alice", "Support")
        second = planning.list_roles(s, "alice")[1]
        today = planning.day_of(s, "alice", clock.now(), BERLIN)
        planning.add_slot(
            s,
            "alice",
            BERLIN,
            MORNING - timedelta(hours=1),
            MORNING + timedelta(hours=2),
            support.id,
        )
        for title in ("Answer tickets", "Rename me", "Old idea"):
            planning.add_task(s, "alice", title, support.id, now=clock.now(), day=today)
        day_flow.start(s, "alice", BERLIN, clock.now())  # the log follows the plan
    window = MainWindow(
        QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat), clock, BERLIN
    )
    qtbot.addWidget(window)
    window.resize(1200, 900)
    window.show()
    qtbot.waitExposed(window)
    gateway = Gateway(db, clock, BERLIN, window.undo_stack, window)
    window.attach(gateway)
    quick_log = QuickLog(BERLIN, parse_minutes)
    qtbot.addWidget(quick_log)
    intr = Interruptions(gateway, quick_log)
    watch = OfflineWatch(gateway, window, lambda: None)
    watch.timer.stop()  # the test delivers at the moment it chooses
    panel = window.tasks
    assert set(_listed(window)) == {"Answer tickets", "Rename me", "Old idea"}
    card = window.now_panel.card
    assert "Interruption" not in card.task.text()

    cluster.stop("immediate")
    try:
        # the hotkey's interruption: kept, and the Now panel shows it running since the press
        clock.advance(timedelta(minutes=2))
        pressed = clock.now()
        reply = intr.handle_interrupt({"note": "printer on fire", "at": pressed.isoformat()})
        assert reply.ok and reply.message.startswith("Saved on this device: "), reply.message
        qtbot.waitUntil(lambda: "Interruption since 10:02" in card.task.text(), timeout=5000)
        assert "printer on fire" in card.task.text()
        assert "saved on this device" in card.state.text(), card.state.text()
        assert card.state.text().startswith("In an interruption"), card.state.text()

        # task edits in the list, by keyboard: added, checked off, renamed, deleted
        panel.title.setFocus()
        qtbot.keyClicks(panel.title, "Offline task")
        qtbot.keyClick(panel.title, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Offline task" in _listed(window), timeout=5000)
        assert _listed(window)["Offline task"] == "waiting"
        row = panel.model.ids().index(next(t.id for t in panel.model.tasks if t.id < 0))
        tip = str(panel.model.index(row, TITLE).data(Qt.ItemDataRole.ToolTipRole))
        assert "Saved on this device: delivered when the shared server is back" in tip
        assert "Saved on this device: 10:02 add task 'Offline task'" in (
            window.statusBar().currentMessage()
        )
        rows = {t.title: r for r, t in enumerate(panel.model.tasks)}
        panel.view.setCurrentIndex(panel.model.index(rows["Answer tickets"], TITLE))
        panel.toggle_action.trigger()  # Ctrl+Return
        qtbot.waitUntil(lambda: "waiting" in _listed(window)["Answer tickets"], timeout=5000)
        assert next(t for t in panel.model.tasks if t.title == "Answer tickets").status == "done"
        rows = {t.title: r for r, t in enumerate(panel.model.tasks)}
        index = panel.model.index(rows["Rename me"], TITLE)
        assert panel.model.setData(index, "Renamed offline", Qt.ItemDataRole.EditRole)
        qtbot.waitUntil(lambda: "Renamed offline" in _listed(window), timeout=5000)
        rows = {t.title: r for r, t in enumerate(panel.model.tasks)}
        panel.view.setCurrentIndex(panel.model.index(rows["Old idea"], TITLE))
        panel.remove_action.trigger()  # Delete
        qtbot.waitUntil(lambda: "Old idea" not in _listed(window), timeout=5000)
        assert "Interruption since 10:02" in card.task.text()  # still what runs
        assert panel.view.columnWidth(TITLE) > 100  # the titles are in view, not squeezed out

        # the slot, by keyboard in the timeline: 15 minutes shorter, then the second role
        timeline = window.timeline
        timeline.setFocus()
        qtbot.keyClick(timeline, Qt.Key.Key_Down)  # selects the first slot
        slot = timeline.selected_slot()
        assert slot is not None and slot.end == MORNING + timedelta(hours=2)
        qtbot.keyClick(timeline, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
        shorter = MORNING + timedelta(hours=2, minutes=-STEP)
        qtbot.waitUntil(lambda: window.snapshot.plan.slots[0].end == shorter, timeout=5000)
        said = window.statusBar().currentMessage()
        assert "Saved on this device: 10:02 move slot 09:00–12:00 to 09:00–11:55" in said, said
        qtbot.keyClick(timeline, Qt.Key.Key_2)
        qtbot.waitUntil(lambda: window.snapshot.plan.slots[0].role_id == second.id, timeout=5000)
        assert slot.uid in window.snapshot.waiting  # painted "· waiting"

        # back to work, by the hotkey: kept too; the Now panel follows
        clock.advance(timedelta(minutes=8))
        back = intr.on_hotkey(clock.now())
        assert back.startswith("Saved on this device: ") and "back to work" in back
        qtbot.waitUntil(lambda: "Interruption" not in card.task.text(), timeout=5000)
        assert card.state.text().startswith("Following the plan"), card.state.text()
        assert "saved on this device" in card.state.text()
        # Ctrl+T pauses the log, and starts it again: kept, and said so
        window.track_action.trigger()
        qtbot.waitUntil(lambda: card.state.text().startswith("Stopped"), timeout=5000)
        assert "saved on this device" in card.state.text(), card.state.text()
        assert window.track_action.text() == "&Start tracking"
        clock.advance(timedelta(minutes=5))
        restarted = clock.now()
        window.track_action.trigger()
        qtbot.waitUntil(lambda: card.state.text().startswith("Following"), timeout=5000)
        assert window.track_action.text() == "&Pause tracking"
        assert len(gateway.waiting()) == 10
        assert "10 changes waiting" in watch.label.text()
        # a slot edit still waits for the server, and says what is kept
        failed: list[str] = []
        gateway.failed.connect(failed.append)
        later = clock.now() + timedelta(hours=3)
        assert not gateway.add_slot(later, later + timedelta(minutes=30), support.id)
        assert "task edits (add, check off, rename, delete) and moving, resizing" in failed[-1]
        assert "new or deleted slots, planning the day" in failed[-1] and "wait" in failed[-1]
        assert watch.deliver() is None  # the port does not answer: no wait, nothing lost
    finally:
        cluster.start()
    report = watch.deliver()
    assert report is not None and (report.delivered, report.left, report.refused) == (10, 0, [])
    assert watch.deliver() is None  # nothing waits: nothing delivered twice
    with db.engine.connect() as conn:
        tasks = conn.execute(text("SELECT title, status FROM task ORDER BY id")).all()
        kinds = conn.execute(text("SELECT kind FROM delivered_change ORDER BY made_at")).all()
        interruptions = conn.execute(
            text("SELECT note, start, \"end\" FROM entry WHERE kind = 'interruption'")
        ).all()
        running = conn.execute(text('SELECT kind, start FROM entry WHERE "end" IS NULL')).all()
    assert [tuple(r) for r in tasks] == [
        ("Answer tickets", "done"),
        ("Renamed offline", "open"),
        ("Old idea", "dropped"),
        ("Offline task", "open"),
    ]
    assert [r[0] for r in kinds] == [
        "interrupt",
        "task_add",
        "task_status",
        "task_edit",
        "task_status",
        "slot_edit",
        "slot_edit",
        "resume",
        "stop",
        "start",
    ]
    with db.read() as s:
        slots = planning.list_slots(s, "alice", today)
    assert [(x.start, x.end, x.role_id) for x in slots] == [
        (MORNING - timedelta(hours=1), shorter, second.id)
    ]
    assert [(r[0], r[1], r[2] - r[1]) for r in interruptions] == [
        ("printer on fire", pressed, timedelta(minutes=8))
    ]
    assert [tuple(r) for r in running] == [("work", restarted)]  # paused, then started again
    # read from the server again: real rows, nothing marked as waiting
    qtbot.waitUntil(lambda: "Renamed offline" in _listed(window), timeout=10000)
    assert all("waiting" not in when for when in _listed(window).values()), _listed(window)
    assert all(t.id > 0 for t in panel.model.tasks)
    assert "saved on this device" not in card.state.text()
    # the listener ends within a second; a re-read it asked for runs before the database
    # closes (one after it would open a connection that nothing closes)
    watch.close()
    qtbot.wait(1300)
    window.close()
    db.close()


def test_kept_edits_of_rows_changed_meanwhile_are_refused_and_said_in_the_window(
    qtbot: QtBot, cluster: Cluster, server_db: str, tmp_path: Path
) -> None:
    clock = FakeClock(MORNING)
    db = open_database(server_db, owner="alice")
    with db.transaction() as s:
        planning.ensure_defaults(s, "alice")
        support = planning.find_role(s, "alice", "Support")
        second = planning.list_roles(s, "alice")[1]
        today = planning.day_of(s, "alice", clock.now(), BERLIN)
        slot, _ = planning.add_slot(
            s,
            "alice",
            BERLIN,
            MORNING - timedelta(hours=1),
            MORNING + timedelta(hours=2),
            support.id,
        )
        task, _ = planning.add_task(s, "alice", "Shared", support.id, now=clock.now(), day=today)
    window = MainWindow(
        QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat), clock, BERLIN
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    gateway = Gateway(db, clock, BERLIN, window.undo_stack, window)
    window.attach(gateway)
    watch = OfflineWatch(gateway, window, lambda: None)
    watch.timer.stop()
    panel = window.tasks
    cluster.stop("immediate")
    try:
        assert panel.model.setData(panel.model.index(0, TITLE), "Mine", Qt.ItemDataRole.EditRole)
        qtbot.waitUntil(lambda: "Mine" in _listed(window), timeout=5000)
        window.timeline.setFocus()
        qtbot.keyClick(window.timeline, Qt.Key.Key_Down)
        qtbot.keyClick(window.timeline, Qt.Key.Key_2)  # the slot to the second role
        qtbot.waitUntil(lambda: window.snapshot.plan.slots[0].role_id == second.id, timeout=5000)
        assert [c.kind for c in gateway.waiting()] == ["task_edit", "slot_edit"]
    finally:
        cluster.start()
    other = open_database(server_db, owner="alice")  # another device, on the server meanwhile
    try:
        with other.transaction() as s:
            planning.update_task(s, "alice", task.id, title="Theirs")
            planning.update_slot(s, "alice", BERLIN, slot.id, end=MORNING + timedelta(hours=1))
    finally:
        other.close()
    failed: list[str] = []
    gateway.failed.connect(failed.append)
    report = watch.deliver()
    assert report is not None and (report.delivered, report.left) == (0, 0)
    assert len(report.refused) == 2
    assert len(failed) == 2, failed
    assert "the task 'Shared' was changed meanwhile on another device" in failed[0]
    assert "'Shared' → 'Theirs'" in failed[0]
    assert "the slot 09:00–12:00 was changed meanwhile on another device (end)" in failed[1]
    assert "2 changes were refused by the server" in watch.label.text()
    # nothing of this device's was applied: the window shows the server's rows
    qtbot.waitUntil(lambda: "Theirs" in _listed(window), timeout=10000)
    with db.read() as s:
        (kept_slot,) = planning.list_slots(s, "alice", today)
    assert (kept_slot.end, kept_slot.role_id) == (MORNING + timedelta(hours=1), support.id)
    # the listener ends within a second; a re-read it asked for runs before the database
    # closes (one after it would open a connection that nothing closes)
    watch.close()
    qtbot.wait(1300)
    window.close()
    db.close()


def test_a_task_added_offline_and_delivered_is_found_by_its_uid_from_a_stale_row(
    qtbot: QtBot, cluster: Cluster, server_db: str, tmp_path: Path
) -> None:
    """The list still shows the row made on this device (id below 0) when its add was just
    delivered: checking it off reaches the server's row, found by the uid made here."""
    clock = FakeClock(MORNING)
    db = open_database(server_db, owner="alice")
    with db.transaction() as s:
        planning.ensure_defaults(s, "alice")
        today = planning.day_of(s, "alice", clock.now(), BERLIN)
    window = MainWindow(
        QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat), clock, BERLIN
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    gateway = Gateway(db, clock, BERLIN, window.undo_stack, window)
    window.attach(gateway)
    watch = OfflineWatch(gateway, window, lambda: None)
    watch.timer.stop()
    panel = window.tasks
    cluster.stop("immediate")
    try:
        qtbot.keyClicks(panel.title, "Made here")
        qtbot.keyClick(panel.title, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Made here" in _listed(window), timeout=5000)
    finally:
        cluster.start()
    from planner.services import offline

    assert gateway.pending is not None  # delivered behind the window's back: the row is stale
    done = gateway.pending.deliver(db, lambda s, c: offline.apply(s, "alice", BERLIN, c))
    assert done.delivered == 1
    (stale,) = panel.model.tasks
    assert stale.id < 0
    panel.view.setCurrentIndex(panel.model.index(0, TITLE))
    panel.toggle_action.trigger()
    with db.read() as s:
        tasks = [(t.title, t.status, t.uid) for t in planning.list_tasks(s, "alice", today)]
    assert tasks == [("Made here", "done", stale.uid)]
    # the listener ends within a second; a re-read it asked for runs before the database
    # closes (one after it would open a connection that nothing closes)
    watch.close()
    qtbot.wait(1300)
    window.close()
    db.close()
