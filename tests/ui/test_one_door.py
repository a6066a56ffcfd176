"""The gateway as the UI's one door: errors said in words, the one zone, failures made visible."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy.exc import IntegrityError, OperationalError
from ui_helpers import BERLIN, DAY, Seeded, at

from planner.domain import clock as clock_module
from planner.domain.clock import FakeClock
from planner.domain.errors import PlannerError
from planner.domain.timerange import Interval
from planner.platform.notify import MemoryNotifier
from planner.services import planning, tracking
from planner.storage.db import Database, StorageError
from tests.ui.breakdown import READ_ONLY, Breakdown
from ui.gateway import Gateway, ReadFailed, SystemZone, explain
from ui.shell import app as app_module
from ui.shell.main_window import MainWindow
from ui.shell.reminders import Dispatcher, ReminderService
from ui.shell.single_instance import SingleInstance

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


# ---------------------------------------------------------------- errors in words


def _operational(message: str) -> OperationalError:
    return OperationalError("INSERT INTO entry ...", {}, Exception(message))


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (PlannerError("a task needs a title"), "a task needs a title"),
        (StorageError("cannot open the database"), "cannot open the database"),
        (
            _operational("attempt to write a readonly database"),
            "the database is read-only (attempt to write a readonly database)",
        ),
        (
            _operational("database or disk is full"),
            "the disk is full (database or disk is full)",
        ),
        (
            _operational(
                'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
                "Connection refused\n\tIs the server running on that host?"
            ),
            "the database server cannot be reached (connection failed: connection to server",
        ),
        (
            _operational("server closed the connection unexpectedly"),
            "the database server cannot be reached",
        ),
        (_operational("database is locked"), "the database is busy"),
        (IntegrityError("INSERT", {}, Exception("UNIQUE failed")), "database error: UNIQUE"),
        (RuntimeError("boom"), "unexpected error (RuntimeError: boom)"),
    ],
)
def test_errors_are_said_in_one_line_of_words(error: Exception, words: str) -> None:
    said = explain(error)
    assert said.startswith(words)
    assert "\n" not in said and "Traceback" not in said and "[SQL:" not in said


def test_a_failed_read_is_a_read_failed_with_words(db: Database, clock: FakeClock) -> None:
    gateway = Gateway(db, clock, BERLIN)

    def broken(_session: Any) -> None:
        raise _operational("disk I/O error")

    with pytest.raises(ReadFailed) as failed:
        gateway.read(broken, failure="Could not read the day")
    assert str(failed.value) == (
        "Could not read the day: the database file cannot be used (disk I/O error)"
    )


# ---------------------------------------------------------------- the one zone


def test_the_window_and_the_reminders_follow_a_zone_change_together(
    qtbot: QtBot, db: Database, clock: FakeClock, seeded: Seeded, settings: Any
) -> None:
    zones: list[tzinfo] = [BERLIN]
    window = MainWindow(settings, clock, BERLIN)
    qtbot.addWidget(window)
    window.show()
    gateway = Gateway(db, clock, BERLIN, window.undo_stack, window, zone_source=lambda: zones[0])
    window.attach(gateway)
    reminders = ReminderService(gateway, Dispatcher(MemoryNotifier("desktop"), []))
    card = window.now_panel.card
    assert card.left.text().endswith("(until 10:00)")  # the 09:00-10:00 Berlin slot

    zones[0] = LONDON  # the system zone moves (a trip, a daylight-saving rule change)
    clock.advance(timedelta(minutes=1))
    with qtbot.waitSignal(gateway.zone_changed):
        window.tick()  # once a minute
    assert window.zone is LONDON and gateway.zone is LONDON and reminders.zone is LONDON
    assert window.timeline.zone is LONDON and window.tasks.model.zone is LONDON
    assert card.zone is LONDON
    assert card.left.text().endswith("(until 09:00)")  # the same slot, in London time
    window.set_mini_visible(True)
    assert window.mini is not None and window.mini.card.zone is LONDON
    window.set_mini_visible(False)

    # the reminders' heartbeat asks the same gateway, so both always agree
    zones[0] = BERLIN
    reminders.beat()
    assert window.zone is BERLIN and card.left.text().endswith("(until 10:00)")
    reminders.stop()
    window.undo_stack.clear()


def test_a_dialog_opened_after_a_zone_change_shows_the_new_zone(
    qtbot: QtBot, window: MainWindow
) -> None:
    from ui.dialogs.plan_day import COL_START, PlanDayDialog

    assert window.gateway is not None
    window.gateway.set_zone(LONDON)
    dialog = PlanDayDialog(window.gateway, DAY)
    qtbot.addWidget(dialog)
    starts = [dialog.slot_model.index(r, COL_START).data() for r in range(3)]
    assert starts == ["08:00", "09:00", "12:00"]  # the slots at 09, 10 and 13 Berlin time


@pytest.fixture
def berlin_system(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    clock_module.reset_local_zone()
    yield
    monkeypatch.undo()
    clock_module.reset_local_zone()


def test_the_system_zone_is_read_again_when_it_changes(
    berlin_system: None, monkeypatch: pytest.MonkeyPatch, db: Database, clock: FakeClock
) -> None:
    source = SystemZone()
    gateway = Gateway(db, clock, source(), zone_source=source)
    assert str(gateway.zone) == "Europe/Berlin"
    assert not gateway.follow_zone()
    monkeypatch.setenv("TZ", "Europe/London")
    assert gateway.follow_zone()
    assert str(gateway.zone) == "Europe/London"
    assert str(clock_module.local_zone()) == "Europe/London"  # the cache was dropped


# ---------------------------------------------------------------- the running app


@pytest.fixture
def running(
    qtbot: QtBot, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[Any, Any, SingleInstance]]:
    monkeypatch.setenv("SPLITDAY_NOW", "2026-11-24T09:30")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    monkeypatch.setenv("SPLITDAY_OWNER", "tester")
    monkeypatch.setenv("SPLITDAY_NO_DIALOGS", "1")
    monkeypatch.delenv("DISPLAY", raising=False)
    clock_module.reset_local_zone()
    _app, window, runtime = app_module.build(db_url)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=5000)
    instance = SingleInstance(str(tmp_path / "app.sock"), {})
    assert instance.acquire()
    app = QApplication.instance()
    app_module.wire_features(runtime, instance, False)
    yield window, runtime, instance
    wiring, service, background = runtime.features
    background.stop()
    service.stop()
    wiring.hotkeys.stop()
    wiring.quick_log.retry_timer.stop()
    wiring.quick_log.hide()
    instance.release()
    runtime.close()
    assert app is not None
    for toast in [w for w in app.topLevelWidgets() if w.objectName() == "toast"]:
        toast.close()
    monkeypatch.undo()
    clock_module.reset_local_zone()


def test_a_forwarded_interruption_that_fails_is_said_on_screen_and_kept(
    qtbot: QtBot, running: tuple[Any, Any, SingleInstance], tmp_path: Path
) -> None:
    window, runtime, instance = running
    wiring, service, _background = runtime.features
    broken = Breakdown(runtime.db, READ_ONLY)
    try:
        client = SingleInstance(instance.name, {})
        with qtbot.waitSignal(service.dispatcher.delivered, timeout=5000) as shown:
            reply = client.forward("interrupt", note="fire alarm test", source="facilities")
        assert reply is not None and not reply.ok
        assert reply.message.startswith("splitday: The change was not saved: the database is")
        notice = shown.args[0]
        assert notice.title == "Splitday: that did not work"
        assert "read-only" in notice.body and "the quick log holds it" in notice.body
        assert "read-only" in window.statusBar().currentMessage()
        quick_log = wiring.quick_log
        assert quick_log.isVisible() and quick_log.note.text() == "fire alarm test"
    finally:
        broken.close()  # the database can be written again
    quick_log.retry_timer.setInterval(50)
    qtbot.waitUntil(quick_log.isHidden, timeout=3000)
    with runtime.db.transaction() as s:
        rows = tracking.list_entries(s, "tester", Interval(at("00:00"), at("23:59")))
    assert [(e.note, e.source) for e in rows if e.kind == "interruption"] == [
        ("fire alarm test", "facilities")
    ]


def test_the_running_app_opens_its_dialogs_on_the_gateway(
    qtbot: QtBot, running: tuple[Any, Any, SingleInstance]
) -> None:
    window, runtime, _instance = running
    heard: list[Any] = []
    runtime.gateway.changed.connect(heard.append)
    window.open_settings()
    from ui.dialogs.settings import SettingsDialog

    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.gateway is runtime.gateway
    dialog.service.set_number("slot_lead_minutes", 4)
    assert len(heard) == 1  # broadcast once by the gateway, not again by the dialog
    with runtime.db.transaction() as s:
        assert planning.get_setting(s, "tester", "slot_lead_minutes") == 4
    dialog.reject()


TEAM_ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    "BEGIN:VEVENT\r\nUID:weekly@test\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Team meeting\r\n"
    "DTSTART;TZID=Europe/Berlin:20261124T100000\r\nDTEND;TZID=Europe/Berlin:20261124T103000\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _cli(qtbot: QtBot, instance: SingleInstance, db_url: str, *argv: str) -> str:
    """`splitday …` as a process while the app's event loop keeps running."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, SPLITDAY_DB_URL=db_url, SPLITDAY_SOCKET=instance.name)
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.shell.launcher", *argv],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=30_000)
    out, _ = proc.communicate()
    assert proc.returncode == 0, out
    return out


def test_a_calendar_imported_at_the_command_line_shows_in_the_window_at_once(
    qtbot: QtBot, running: tuple[Any, Any, SingleInstance], db_url: str, tmp_path: Path
) -> None:
    """The meetings showed only once something else made the window read the day again
    (opening Plan my day, the next minute's tick): the command line never told the app."""
    window, runtime, instance = running
    runtime._timer.stop()  # no minute tick to hide it
    ics = tmp_path / "team.ics"
    ics.write_text(TEAM_ICS, encoding="utf-8")
    assert [m.summary for m in window.snapshot.plan.meetings] == []
    _cli(qtbot, instance, db_url, "import", str(ics))
    qtbot.waitUntil(
        lambda: [m.summary for m in window.snapshot.plan.meetings] == ["Team meeting"],
        timeout=3000,
    )
    assert window.timeline.snapshot is window.snapshot
    # a task added there is in the task list too
    _cli(qtbot, instance, db_url, "task", "add", "Call back the VIP", "--role", "Support")
    qtbot.waitUntil(
        lambda: "Call back the VIP" in [t.title for t in window.snapshot.plan.tasks],
        timeout=3000,
    )


def test_back_to_work_by_the_hotkey_is_said_when_the_window_is_out_of_sight(
    qtbot: QtBot, running: tuple[Any, Any, SingleInstance]
) -> None:
    """Resuming with the hotkey while the window was minimised gave no feedback at all."""
    window, runtime, _instance = running
    wiring, service, _background = runtime.features
    intr = wiring.interruptions
    intr.log(runtime.gateway.now(), "printer down", "Anna", None, None)
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)
    with qtbot.waitSignal(service.dispatcher.delivered, timeout=5000) as shown:
        said = intr.on_hotkey(runtime.gateway.now())
    notice, backend = shown.args
    assert said.startswith("interruption ended") or said.startswith("back to work")
    assert notice.title == "Splitday: back to work"
    assert notice.body == said[:1].upper() + said[1:]
    assert backend  # shown somewhere (a desktop notification, the tray or the toast)
    assert window.statusBar().currentMessage() == notice.body
