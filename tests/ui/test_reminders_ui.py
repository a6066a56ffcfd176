"""The Qt reminder service with a fake clock and fake notifiers; toast and gap dialog."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from planner.domain.clock import FakeClock, ShiftedClock
from planner.domain.timerange import day_bounds
from planner.platform.notify import MemoryNotifier, Notice, NotifyFailed
from planner.services import planning, tracking
from planner.storage.db import Database
from ui.dialogs.gap import GapDialog
from ui.gateway import Gateway
from ui.shell.reminders import Dispatcher, GapAsker, ReminderService, TrayNotifier
from ui.widgets.toast import ToastNotifier, ToastStack

# The offscreen platform cannot raise windows or pass size hints; under X11 (e2e) it can.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")
BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 24)


def at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(2026, 11, 24, int(h), int(m), tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def planned(db: Database) -> Database:
    with db.transaction() as s:
        ids = {r.name: r.id for r in planning.list_roles(s, "tester")}
        slot, _ = planning.add_slot(s, "tester", BERLIN, at("11:00"), at("12:00"), ids["Community"])
        task, _ = planning.add_task(
            s, "tester", "Write the newsletter", ids["Community"], now=at("08:00"), day=DAY
        )
        planning.update_task(s, "tester", task.id, slot_id=slot.id)
    return db


class Mono:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def make(
    qtbot: QtBot,
    db: Database,
    clock: FakeClock | ShiftedClock,
    *,
    desktop_fails: bool = False,
    mono: Mono | None = None,
    idle: list[timedelta | None] | None = None,
) -> tuple[ReminderService, MemoryNotifier, ToastStack]:
    desktop = MemoryNotifier("desktop", fail=desktop_fails)
    stack = ToastStack(timeout_ms=0)
    dispatcher = Dispatcher(desktop, [ToastNotifier(stack)])
    service = ReminderService(
        Gateway(db, clock, BERLIN),
        dispatcher,
        monotonic=mono or Mono(),
        boottime=lambda: None,
        idle_probe=(lambda: idle.pop(0) if idle else None) if idle is not None else None,
        heartbeat_ms=60_000,
    )
    return service, desktop, stack


def close_toasts(stack: ToastStack) -> None:
    for toast in list(stack.toasts):
        toast.close()


def test_slot_start_goes_to_the_desktop_once(qtbot: QtBot, planned: Database) -> None:
    clock = FakeClock(at("10:58"))
    service, desktop, stack = make(qtbot, planned, clock)
    with qtbot.waitSignal(service.dispatcher.delivered, timeout=3000) as blocker:
        service.start()
    assert blocker.args[1] == "desktop"
    assert [n.title for n in desktop.shown] == ["Community 11:00–12:00 — Write the newsletter"]
    assert stack.toasts == []
    service.refresh()
    service.beat()
    qtbot.wait(100)
    assert len(desktop.shown) == 1
    service.stop()


def test_without_a_desktop_service_the_toast_shows(qtbot: QtBot, planned: Database) -> None:
    clock = FakeClock(at("10:58"))
    service, _, stack = make(qtbot, planned, clock, desktop_fails=True)
    with qtbot.waitSignal(service.dispatcher.delivered, timeout=3000) as blocker:
        service.start()
    assert blocker.args[1] == "toast"
    assert len(stack.toasts) == 1
    toast = stack.toasts[0]
    assert toast.isVisible()
    assert toast.title.text() == "Community 11:00–12:00 — Write the newsletter"
    assert toast.body.text() == "starts in 2 min"
    qtbot.mouseClick(toast, Qt.MouseButton.LeftButton)
    assert stack.toasts == []
    service.stop()


def test_the_timer_wakes_up_for_the_next_reminder(qtbot: QtBot, planned: Database) -> None:
    clock = ShiftedClock(at("10:58") - timedelta(milliseconds=600))
    service, desktop, _ = make(qtbot, planned, clock)
    service.start()
    assert desktop.shown == []
    assert service.next_due == at("10:58")
    qtbot.waitUntil(lambda: len(desktop.shown) == 1, timeout=5000)
    assert desktop.shown[0].title.startswith("Community 11:00–12:00")
    service.stop()


def test_sleep_through_the_stop_gives_one_stop_and_a_gap(qtbot: QtBot, planned: Database) -> None:
    with planned.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("11:00"), follow_plan=True)
    clock, mono = FakeClock(at("16:00")), Mono()
    service, desktop, _ = make(qtbot, planned, clock, mono=mono)
    service.start()
    qtbot.wait(100)
    desktop.shown.clear()
    clock.set(at("19:10"))  # suspended; the monotonic clock stood still
    mono.value += 20
    with qtbot.waitSignal(service.gap_found, timeout=3000) as blocker:
        service.beat()
    gap = blocker.args[0]
    assert gap.cause == "sleep"
    assert (gap.start, gap.end) == (at("16:00"), at("19:10") - timedelta(seconds=20))
    qtbot.waitUntil(lambda: len(desktop.shown) == 1, timeout=3000)
    assert desktop.shown[0].body.startswith("You set 17:30 as your stop.")
    assert desktop.shown[0].urgent
    service.stop()


def test_idle_return_asks_about_the_gap(qtbot: QtBot, planned: Database) -> None:
    clock = FakeClock(at("14:00"))
    idle: list[timedelta | None] = [timedelta(minutes=25), timedelta(seconds=3)]
    service, _, _ = make(qtbot, planned, clock, idle=idle)
    service.start()
    service.beat()
    clock.set(at("14:05"))
    with qtbot.waitSignal(service.gap_found, timeout=1000) as blocker:
        service.beat()
    gap = blocker.args[0]
    assert (gap.cause, gap.start) == ("idle", at("13:35"))
    service.stop()


def test_the_desktop_runs_off_the_gui_thread(qtbot: QtBot, planned: Database) -> None:
    threads = []

    class Slow(MemoryNotifier):
        def notify(self, notice: Notice) -> None:
            threads.append(threading.current_thread())
            raise NotifyFailed("no daemon")

    stack = ToastStack(timeout_ms=0)
    dispatcher = Dispatcher(Slow("desktop"), [ToastNotifier(stack)])
    with qtbot.waitSignal(dispatcher.delivered, timeout=3000) as blocker:
        dispatcher.send(Notice("Hard stop", "You set 17:30 as your stop.", urgent=True))
    assert threads and threads[0] is not threading.main_thread()
    assert blocker.args[1] == "toast"
    assert stack.toasts[0].title.text() == "Hard stop"
    close_toasts(stack)
    dispatcher.shutdown()


def test_tray_without_a_visible_icon_refuses(qtbot: QtBot) -> None:
    tray = QSystemTrayIcon()
    with pytest.raises(NotifyFailed):
        TrayNotifier(tray).notify(Notice("x"))


def test_gap_dialog_logs_an_interruption(qtbot: QtBot, planned: Database) -> None:
    with planned.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("11:00"), follow_plan=True)
    asker = GapAsker(Gateway(planned, FakeClock(at("11:45")), BERLIN))
    from planner.services.gaps import Gap

    dialog = asker.ask(Gap(at("11:10"), at("11:40"), "idle"))
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QLabel

    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert "From 11:10 to 11:40 (30 min) nobody used the computer.\nWhat was it?" in texts
    assert dialog.buttons["break"].isChecked()
    dialog.buttons["interruption"].setChecked(True)
    qtbot.keyClicks(dialog.note, "Alex on the phone")
    with qtbot.waitSignal(asker.recorded, timeout=1000):
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    with planned.transaction() as s:
        rows = tracking.list_entries(s, "tester", day_bounds(DAY, BERLIN, 240))
    assert [(e.kind, e.note, e.source) for e in rows] == [
        ("work", "", ""),
        ("interruption", "Alex on the phone", "gap"),
        ("work", "", ""),
    ]
    assert rows[1].start == at("11:10") and rows[1].end == at("11:40")


def test_no_question_about_a_gap_when_nothing_was_logged(qtbot: QtBot, planned: Database) -> None:
    """The laptop slept through the night after the day was closed: nothing ran, nothing to ask
    (it asked 'From 18:00 to 08:50 (890 min) the computer was asleep. What was it?')."""
    from planner.services import day as day_flow
    from planner.services.gaps import Gap

    with planned.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("11:00"), follow_plan=True)
        day_flow.close(s, "tester", BERLIN, DAY, at("18:00"))
    morning = at("08:50") + timedelta(days=1)
    asker = GapAsker(Gateway(planned, FakeClock(morning), BERLIN))
    assert asker.ask(Gap(at("18:00"), morning, "sleep")) is None
    assert asker.dialogs == []
    with planned.transaction() as s:  # work started again is asked about once it runs on
        role = planning.list_roles(s, "tester")[0]
        tracking.start_work(s, "tester", BERLIN, morning, role_id=role.id)
    assert asker.ask(Gap(at("18:00"), morning, "sleep")) is None  # nothing logged *in* it
    later = morning + timedelta(hours=2)
    asker = GapAsker(Gateway(planned, FakeClock(later), BERLIN))
    dialog = asker.ask(Gap(morning + timedelta(minutes=30), later, "idle"))
    assert dialog is not None
    qtbot.addWidget(dialog)


def test_gap_dialog_work_on_a_role(qtbot: QtBot, planned: Database) -> None:
    with planned.transaction() as s:
        roles = planning.list_roles(s, "tester")
    from planner.services.gaps import Gap

    dialog = GapDialog(Gap(at("11:10"), at("11:40"), "sleep"), roles, BERLIN)
    qtbot.addWidget(dialog)
    dialog.role.setCurrentIndex(1)
    dialog.role.activated.emit(1)
    assert dialog.buttons["work"].isChecked()
    answer = dialog.answer()
    assert (answer.kind, answer.role_id) == ("work", roles[1].id)


def test_a_system_zone_change_is_followed(qtbot: QtBot, planned: Database) -> None:
    zones = [BERLIN, ZoneInfo("Europe/London")]
    desktop = MemoryNotifier("desktop")
    gateway = Gateway(
        planned,
        FakeClock(at("09:00")),
        BERLIN,
        zone_source=lambda: zones.pop(0) if len(zones) > 1 else zones[0],
    )
    service = ReminderService(
        gateway,
        Dispatcher(desktop, []),
        monotonic=Mono(),
        boottime=lambda: None,
        heartbeat_ms=60_000,
    )
    service.start()
    service.beat()
    assert service.zone == BERLIN
    service.beat()
    assert str(service.zone) == "Europe/London"
    service.stop()


def test_install_wires_a_working_service(qtbot: QtBot, planned: Database) -> None:
    from PySide6.QtWidgets import QApplication, QWidget

    from ui.shell.reminders import install

    window = QWidget()
    qtbot.addWidget(window)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    desktop = MemoryNotifier("desktop", fail=True)
    service = install(
        app,
        Gateway(planned, FakeClock(at("10:58")), BERLIN),
        window=lambda: window,
        desktop=desktop,
        start=False,
    )
    changes, broadcast = [], []
    service.changed.connect(changes.append)
    service.gateway.changed.connect(broadcast.append)  # what it wrote, for every view
    with qtbot.waitSignal(service.dispatcher.delivered, timeout=3000) as blocker:
        service.start()
    assert blocker.args[1] == "toast"
    assert changes and changes[0].topics
    qtbot.waitUntil(lambda: broadcast == changes)
    assert service.asker is not None
    service.stop()
    for toast in [w for w in app.topLevelWidgets() if w.objectName() == "toast"]:
        toast.close()


def test_a_toast_closing_after_its_window_is_gone_does_not_raise(qtbot: QtBot) -> None:
    """The app quits with a toast still open: the window the toasts sit on is deleted first,
    then the toast closes and the stack re-places what is left (CI saw this raise)."""
    import shiboken6
    from PySide6.QtWidgets import QWidget

    window = QWidget()
    window.resize(800, 600)
    window.show()
    stack = ToastStack(anchor=lambda: window, timeout_ms=0)
    first = stack.show(Notice("Support from 09:00", "first"))
    stack.show(Notice("Community from 10:00", "second"))
    shiboken6.delete(window)
    first.close()  # re-places the rest against a deleted anchor: the screen is used instead
    assert len(stack.toasts) == 1
    close_toasts(stack)
    assert stack.toasts == []


def test_no_question_about_being_away_at_lunch(qtbot: QtBot, planned: Database) -> None:
    """Away from the desk over the planned lunch, which the log took as a break: nothing to ask.
    Only the stretch the log does not account for is asked about (was: the whole absence)."""
    from planner.services.gaps import Gap

    with planned.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("11:00"), follow_plan=True)
        lunch = next(b for b in planning.list_breaks(s, "tester", DAY, BERLIN) if b.kind == "lunch")
        tracking.catch_up(s, "tester", BERLIN, at("13:45"))
    assert (lunch.start, lunch.end) == (at("12:30"), at("13:15"))
    asker = GapAsker(Gateway(planned, FakeClock(at("13:45")), BERLIN))
    assert asker.ask(Gap(at("12:25"), at("13:20"), "idle")) is None  # 5 + 5 min around it
    assert asker.dialogs == []
    dialog = asker.ask(Gap(at("12:25"), at("13:45"), "idle"))  # 30 min after the lunch
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert (dialog.gap.start, dialog.gap.end) == (at("13:15"), at("13:45"))


def test_gone_home_without_closing_the_day_is_asked_and_answered(
    qtbot: QtBot, planned: Database
) -> None:
    """Left at 18:00 with the log running, back at 08:50 the next day: the question offers "I
    had stopped working" first, and answering it ends the log at 18:00."""
    from PySide6.QtWidgets import QLabel

    from planner.services.gaps import Gap

    morning = at("08:50") + timedelta(days=1)
    with planned.transaction() as s:
        tracking.start_work(s, "tester", BERLIN, at("11:00"), follow_plan=True)
        tracking.catch_up(s, "tester", BERLIN, morning)  # closed at the day's end, 04:00
        assert tracking.running(s, "tester") is None
    asker = GapAsker(Gateway(planned, FakeClock(morning), BERLIN))
    dialog = asker.ask(Gap(at("18:00"), morning, "sleep"))
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.buttons["stopped"].isChecked()
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert any("From 18:00 to 04:00 (10 h 00 min)" in t for t in texts), texts
    with qtbot.waitSignal(asker.recorded, timeout=5000):
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    with planned.transaction() as s:
        rows = tracking.list_entries(s, "tester", day_bounds(DAY, BERLIN, 240))
    assert rows and max(e.end for e in rows if e.end) == at("18:00")
