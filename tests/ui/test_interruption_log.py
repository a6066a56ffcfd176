"""The day's interruption log edited through its table, the re-flow prompt, the hotkey layers."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from planner.domain.clock import FakeClock
from planner.domain.timerange import Interval
from planner.domain.values import EntryV
from planner.services import planning, tracking
from planner.storage.db import Database
from ui.dialogs.interruption_log import (
    FLAGS,
    MINUTES,
    NOTE,
    ROLE,
    SOURCE,
    START,
    InterruptionLogDialog,
    ReflowPrompt,
)
from ui.dialogs.quick_log import QuickLog
from ui.gateway import Gateway
from ui.shell.hotkeys import ECHO_SECONDS, Hotkeys, to_pynput
from ui.shell.interruptions import Interruptions, parse_minutes

OWNER = "tester"
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def intr(qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo) -> Interruptions:
    quick_log = QuickLog(zone, parse_minutes)
    qtbot.addWidget(quick_log)
    return Interruptions(Gateway(db, clock, zone), quick_log)


def _entries(db: Database, clock: FakeClock) -> list[EntryV]:
    window = Interval(clock.now() - timedelta(days=1), clock.now() + timedelta(days=1))
    with db.transaction() as s:
        return tracking.list_entries(s, OWNER, window)


def _role(db: Database, name: str) -> int:
    with db.transaction() as s:
        return planning.find_role(s, OWNER, name).id


def test_edit_dialog_changes_time_duration_role_source_note(
    qtbot: QtBot, intr: Interruptions, db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    t0 = clock.now()
    # logged when they were over: 09:00–09:10 and 10:00–10:05
    intr.log(t0 + timedelta(minutes=10), "printer", "Anna", _role(db, "Support"), 10)
    intr.log(t0 + timedelta(hours=1, minutes=5), "call", "phone", None, 5)
    clock.set(t0 + timedelta(hours=2))  # looked at afterwards (an edit into the future is refused)
    dialog = InterruptionLogDialog(intr.service, zone, parse_minutes)
    qtbot.addWidget(dialog)
    changes: list[bool] = []
    dialog.changed.connect(lambda: changes.append(True))
    dialog.show_day(t0.astimezone(zone).date())
    dialog.show()
    model = dialog.model
    assert model.rowCount() == 2
    assert (
        dialog.summary.text() == "Tuesday 24 November 2026: 2 interruptions, 15 min, 0 cross-role"
    )
    assert model.index(0, START).data() == "09:00"
    assert model.index(0, SOURCE).data() == "Anna"

    # through the table's own editors, as a user would
    view = dialog.table
    view.setCurrentIndex(model.index(0, NOTE))
    view.edit(model.index(0, NOTE))
    editor = view.findChild(QLineEdit)
    assert editor is not None and editor.text() == "printer"
    editor.selectAll()
    qtbot.keyClicks(editor, "printer jam, Anna's floor")
    with qtbot.waitSignal(dialog.reloaded):  # the delegate commits on the next loop turn
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert model.index(0, NOTE).data() == "printer jam, Anna's floor"

    view.edit(model.index(0, ROLE))
    combo = view.findChild(QComboBox)
    assert combo is not None
    combo.setCurrentIndex(combo.findText("Community"))
    with qtbot.waitSignal(dialog.reloaded):
        qtbot.keyClick(combo, Qt.Key.Key_Return)
    assert model.index(0, ROLE).data() == "Community"

    assert model.setData(model.index(0, MINUTES), "25m")
    assert model.setData(model.index(0, START), "08:50")
    assert model.setData(model.index(1, SOURCE), "chat")

    first, second = (e for e in _entries(db, clock) if e.kind == "interruption")
    assert first.note == "printer jam, Anna's floor"
    assert first.role_id == _role(db, "Community")
    assert first.start == datetime(2026, 11, 24, 8, 50, tzinfo=zone)
    assert first.end == first.start + timedelta(minutes=25)  # the length moved with the start
    assert second.source == "chat"
    assert len(changes) == 5
    qtbot.waitUntil(lambda: "30 min" in dialog.summary.text())

    # a refused edit shows why and changes nothing
    model.setData(model.index(1, MINUTES), "0")
    assert dialog.error.isVisibleTo(dialog)
    assert dialog.error.text() == "an entry must end after it starts"
    assert model.index(1, MINUTES).data() == "5"
    assert len(changes) == 5


def test_convert_to_planned_work(
    qtbot: QtBot, intr: Interruptions, db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    t0 = clock.now()
    intr.log(t0, "was the plan", "", None, 30)
    dialog = InterruptionLogDialog(intr.service, zone, parse_minutes)
    qtbot.addWidget(dialog)
    dialog.show_day(t0.astimezone(zone).date())
    qtbot.mouseClick(dialog.to_work_button, Qt.MouseButton.LeftButton)
    assert "Select an interruption" in dialog.error.text()
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.to_work_button, Qt.MouseButton.LeftButton)
    [entry] = [e for e in _entries(db, clock) if e.note == "was the plan"]
    assert entry.kind == "work" and entry.flags == frozenset()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0)
    assert dialog.summary.text().endswith("no interruptions")


def test_long_interruption_offers_a_reflow_and_only_acts_when_asked(
    qtbot: QtBot, intr: Interruptions, db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    t0 = clock.now()
    with db.transaction() as s:
        planning.auto_plan(s, OWNER, t0.astimezone(zone).date(), zone)
        tracking.start_work(s, OWNER, zone, t0, follow_plan=True)
        slots_before = [(x.start, x.end) for x in planning.list_slots(s, OWNER, t0.date())]
    prompt = ReflowPrompt()
    qtbot.addWidget(prompt)
    intr.reflow_suggested.connect(lambda advice: prompt.offer(advice.day, advice.reason))
    prompt.accepted.connect(intr.reflow)

    intr.log(t0, "short", "", None, None)
    clock.advance(timedelta(minutes=5))
    intr.back_to_work()
    assert prompt.isHidden()  # 5 minutes: the plan absorbs it

    intr.log(clock.now(), "server down", "", None, None)
    clock.advance(timedelta(minutes=50))
    with qtbot.waitSignal(intr.reflow_suggested):
        assert intr.back_to_work().startswith("back to work")
    assert prompt.isVisible()
    # (that it never takes the focus is checked under X: offscreen activates every window)
    assert prompt.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert "50-min interruption" in prompt.text.text()
    with db.transaction() as s:  # nothing happened yet
        assert [(x.start, x.end) for x in planning.list_slots(s, OWNER, t0.date())] == slots_before
    qtbot.mouseClick(prompt.reflow_button, Qt.MouseButton.LeftButton)
    assert prompt.isHidden()
    with db.transaction() as s:
        after = [(x.start, x.end) for x in planning.list_slots(s, OWNER, t0.date())]
    assert after != slots_before


def test_hotkey_layers_report(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    presses: list[datetime] = []

    class FakeListener:
        started = False

        def start(self) -> None:
            FakeListener.started = True

        def stop(self) -> None:
            FakeListener.started = False

    captured: dict[str, object] = {}

    def factory(combo: str, callback: object) -> FakeListener:
        captured["combo"], captured["callback"] = combo, callback
        return FakeListener()

    keys = Hotkeys("Ctrl+Alt+I", listener_factory=factory, session="x11")
    keys.triggered.connect(presses.append)
    layer = keys.start_global()
    assert layer.active and FakeListener.started
    assert captured["combo"] == "<ctrl>+<alt>+i"
    assert "[off] in-app shortcut" in keys.status().describe()
    # the listener thread's callback reaches the GUI thread through a queued signal
    callback = captured["callback"]
    assert callable(callback)
    with qtbot.waitSignal(keys.triggered):
        threading.Thread(target=callback).start()
    assert len(presses) == 1 and presses[0].tzinfo is not None

    keys.install_app_shortcut(window)
    text = keys.status().describe()
    assert "[on ] in-app shortcut" in text and "[on ] global hotkey (pynput)" in text
    # one press heard by both layers (the app has focus; pynput listens, it does not grab)
    # triggers once
    qtbot.wait(int(ECHO_SECONDS * 1000) + 50)
    keys._on_shortcut_activated()
    with qtbot.assertNotEmitted(keys.triggered, wait=100):
        threading.Thread(target=callback).start()
    assert len(presses) == 2
    # a later press through pynput alone (say a modal dialog blocks the shortcut) still counts
    qtbot.wait(int(ECHO_SECONDS * 1000) + 50)
    with qtbot.waitSignal(keys.triggered):
        threading.Thread(target=callback).start()
    assert len(presses) == 3
    keys.stop()
    assert not FakeListener.started

    wayland = Hotkeys("Ctrl+Alt+I", listener_factory=factory, session="wayland")
    off = wayland.start_global()
    assert not off.active and "splitday interrupt" in off.detail
    disabled = Hotkeys("Ctrl+Alt+I", global_enabled=False, session="x11")
    assert disabled.start_global().detail == "turned off in Settings"

    def broken(combo: str, callback: object) -> FakeListener:
        raise ImportError("No module named 'pynput'")

    missing = Hotkeys("Ctrl+Alt+I", listener_factory=broken, session="x11")
    assert "pip install 'splitday[hotkey]'" in missing.start_global().detail


def test_to_pynput() -> None:
    assert to_pynput("Ctrl+Shift+F9") == "<ctrl>+<shift>+<f9>"
    assert to_pynput("Meta+Space") == "<cmd>+<space>"
    with pytest.raises(ValueError):
        to_pynput("Ctrl+A, Ctrl+B")


def test_set_sequence_rebinds_the_shortcut_and_restarts_the_listener(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    combos: list[str] = []

    class Listener:
        def start(self) -> None: ...
        def stop(self) -> None: ...

    def factory(combo: str, callback: object) -> Listener:
        combos.append(combo)
        return Listener()

    keys = Hotkeys("Ctrl+Alt+I", listener_factory=factory, session="x11")
    shortcut = keys.install_app_shortcut(window)
    keys.start_global()
    status = keys.set_sequence("Ctrl+Shift+J")
    assert shortcut.key().toString() == "Ctrl+Shift+J"
    assert combos == ["<ctrl>+<alt>+i", "<ctrl>+<shift>+j"]
    assert status.sequence == "Ctrl+Shift+J"
    with pytest.raises(ValueError):
        keys.set_sequence("")


def test_forwarded_interrupt_with_a_role_name_and_its_errors(
    qtbot: QtBot, intr: Interruptions, db: Database, clock: FakeClock
) -> None:
    reply = intr.handle_interrupt(
        {
            "note": "call",
            "role": "comm",
            "source": "phone",
            "duration": "15m",
            "at": clock.now().isoformat(),
        }
    )
    assert reply.ok and "Community" in reply.message and reply.data is not None
    [entry] = [e for e in _entries(db, clock) if e.kind == "interruption"]
    assert entry.id == reply.data["entry_id"]
    assert entry.role_id == _role(db, "Community") and entry.end == clock.now()
    assert entry.start == clock.now() - timedelta(minutes=15)  # already over when logged
    from planner.domain.errors import PlannerError

    with pytest.raises(PlannerError, match="no role"):
        intr.handle_interrupt({"note": "x", "role": "nobody"})
    with pytest.raises(PlannerError, match="not a duration"):
        intr.handle_interrupt({"note": "x", "duration": "soon"})
    with pytest.raises(PlannerError, match="no interruption is running"):
        intr.handle_resume({})


def test_the_log_and_a_forwarded_interrupt_say_the_flags_in_words(
    qtbot: QtBot, intr: Interruptions, db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    """They said 'other role, in focus block' and 'cross_role, in_focus, unplanned'."""
    t0 = clock.now()
    with db.transaction() as s:
        planning.add_slot(s, OWNER, zone, t0, t0 + timedelta(hours=2), _role(db, "Support"))
    reply = intr.handle_interrupt({"note": "forum spam", "role": "Community"})
    assert reply.message == (
        "interruption logged at 09:00 (Community; pulled into Community during a Support "
        "focus block) by the running Splitday"
    )
    dialog = InterruptionLogDialog(intr.service, zone, parse_minutes)
    qtbot.addWidget(dialog)
    dialog.show_day(t0.astimezone(zone).date())
    assert dialog.model.index(0, FLAGS).data() == (
        "pulled into Community during a Support focus block"
    )


def test_an_edit_that_moves_an_interruption_into_the_future_is_refused(
    intr: Interruptions, db: Database, clock: FakeClock
) -> None:
    t0 = clock.now()
    clock.set(t0 + timedelta(minutes=30))
    intr.log(t0 + timedelta(minutes=20), "printer", "Anna", None, 10)  # 09:10-09:20
    [entry] = [e for e in _entries(db, clock) if e.kind == "interruption"]
    outcome = intr.service.edit(entry.id, end=clock.now() + timedelta(hours=1))
    assert outcome.refused and "future" in outcome.message
    [after] = [e for e in _entries(db, clock) if e.kind == "interruption"]
    assert after.end == entry.end  # nothing changed
    assert intr.service.edit(entry.id, end=clock.now()).ok  # up to now is fine
