"""The Calendars dialog's CalDAV account and publish windows, driven against a real Radicale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from planner.calendars import caldav_sync
from planner.calendars import sync as calendars
from planner.calendars.caldav_client import Account
from planner.domain.clock import FakeClock
from planner.services import planning
from planner.storage.db import Database
from tests.planner.dav_servers import PASSWORD, USER, Radicale
from ui.dialogs.caldav import CalDavEditor, PublishDialog
from ui.dialogs.calendars import CalendarsDialog
from ui.gateway import Gateway

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 24, 11, 0, tzinfo=BERLIN)  # after the fixture clock's 09:00


def _seed(radicale: Radicale) -> str:
    account = Account(radicale.url, USER, PASSWORD)
    url = account.make_calendar("Work").url
    start = MONDAY.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    end = (MONDAY + timedelta(hours=1)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    account.put(
        f"{url}review.ics",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:review\r\n"
        f"DTSTAMP:20261120T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
        "SUMMARY:Design review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        etag=None,
    )
    return url


def _opener(password: str = PASSWORD) -> Any:
    return lambda url, user: Account(url, user, password, timeout=10)


def test_a_wrong_password_is_said_in_the_editor_and_ok_stays_off(
    qtbot: Any, db: Database, clock: FakeClock, radicale: Radicale
) -> None:
    _seed(radicale)
    dialog = CalendarsDialog(Gateway(db, clock, BERLIN), opener=_opener("wrong"))
    qtbot.addWidget(dialog)
    editor = CalDavEditor(dialog.service, [], dialog, opener=_opener("wrong"))
    qtbot.addWidget(editor)
    editor.url_edit.setText(radicale.url)
    editor.user_edit.setText(USER)
    editor.test_button.click()
    assert editor.progress.isVisible() or editor.busy() or editor.message_label.text()
    qtbot.waitUntil(lambda: not editor.busy(), timeout=15_000)
    assert "refused the login for alice" in editor.message_label.text()
    assert "Traceback" not in editor.message_label.text()
    assert not editor.ok_button.isEnabled()


def test_add_an_account_then_publish_the_plan_and_stop_with_removal(
    qtbot: Any,
    db: Database,
    clock: FakeClock,
    radicale: Radicale,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = _seed(radicale)
    gateway = Gateway(db, clock, BERLIN)
    dialog = CalendarsDialog(gateway, opener=_opener())
    qtbot.addWidget(dialog)

    class Driven(CalDavEditor):
        def exec(self) -> int:
            self.url_edit.setText(radicale.url)
            self.user_edit.setText(USER)
            self.test_button.click()
            qtbot.waitUntil(lambda: self.ok_button.isEnabled(), timeout=15_000)
            assert [self.calendar_list.item(i).text() for i in range(self.calendar_list.count())]
            assert self.calendar_list.item(0).checkState() == Qt.CheckState.Checked
            self.ok_button.click()
            return int(self.result())

    with qtbot.waitSignal(dialog.sync_finished, timeout=20_000) as done:
        dialog.open_caldav(Driven(dialog.service, [], dialog, opener=_opener()))
    [result] = done.args[0]
    assert result.ok and result.added == 1, result.message
    assert dialog.model.rowCount() == 1 and dialog.model.index(0, 1).data() == "caldav"
    with db.read() as s:
        [source] = calendars.list_sources(s, "tester")
        assert source.location == work
        occs = calendars.list_occurrences(
            s, "tester", calendars.rolling_window(s, "tester", clock.now(), BERLIN)
        )
    assert [o.summary for o in occs] == ["Design review"]

    with db.transaction() as s:
        role = planning.list_roles(s, "tester")[1]
        start = datetime(2026, 11, 24, 14, 0, tzinfo=BERLIN).astimezone(UTC)
        planning.add_slot(s, "tester", BERLIN, start, start + timedelta(hours=2), role.id)

    class Publishing(PublishDialog):
        def exec(self) -> int:
            assert "Not publishing" in self.state_label.text()
            self.url_edit.setText(radicale.url)
            self.user_edit.setText(USER)
            self.privacy_combo.setCurrentIndex(self.privacy_combo.findData("busy"))
            self.publish_button.click()
            qtbot.waitUntil(lambda: not self.busy(), timeout=15_000)
            return int(self.result())

    with qtbot.waitSignal(dialog.sync_finished, timeout=20_000) as done:
        dialog.open_publish(Publishing(dialog.service, dialog, opener=_opener()))
    names = [r.name for r in done.args[0]]
    assert names[-1] == "Publish to Splitday focus"
    assert done.args[0][-1].ok and done.args[0][-1].message == "1 new"
    assert "Publish to Splitday focus: 1 new" in dialog.status_label.text().splitlines()
    with db.read() as s:
        target = caldav_sync.publish_target(s, "tester")
    assert target is not None and target.privacy == "busy"
    account = Account(radicale.url, USER, PASSWORD)
    delta = account.pull(target.calendar_url, sync_token=None, ctag=None, known={})
    assert len(delta.changed) == 1 and "SUMMARY:Busy" in (delta.changed[0].data or "")

    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    stop = PublishDialog(dialog.service, dialog, opener=_opener())
    qtbot.addWidget(stop)
    assert "Publishing to Splitday focus" in stop.state_label.text()
    stop.stop_button.click()
    qtbot.waitUntil(lambda: stop.stopped is not None, timeout=15_000)
    assert stop.stopped is not None and stop.stopped.removed == 1
    delta = account.pull(target.calendar_url, sync_token=None, ctag=None, known={})
    assert delta.changed == ()
    with db.read() as s:
        assert caldav_sync.publish_target(s, "tester") is None


def test_a_plan_edit_reaches_the_publish_calendar_soon_in_the_background(
    qtbot: Any,
    db: Database,
    clock: FakeClock,
    radicale: Radicale,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.shell.calendar_sync import BackgroundSync

    monkeypatch.setenv("SPLITDAY_CALDAV_PASSWORD", PASSWORD)
    cal, _ = caldav_sync.choose_publish_calendar(radicale.url, USER, "Splitday focus", _opener())
    gateway = Gateway(db, clock, BERLIN)
    with db.transaction() as s:
        caldav_sync.set_publish_target(
            s, "tester", caldav_sync.PublishTarget(radicale.url, USER, cal.url, cal.name)
        )
    background = BackgroundSync(gateway)
    background.soon.setInterval(50)
    start = datetime(2026, 11, 24, 15, 0, tzinfo=BERLIN).astimezone(UTC)
    with db.read() as s:
        role = planning.list_roles(s, "tester")[0]
    with qtbot.waitSignal(background.synced, timeout=20_000) as done:
        outcome = gateway.run(
            lambda s: planning.add_slot(
                s, "tester", BERLIN, start, start + timedelta(hours=1), role.id
            )
        )
        assert outcome.ok
    assert done.args[0][-1].name == "Publish to Splitday focus" and done.args[0][-1].ok
    account = Account(radicale.url, USER, PASSWORD)
    delta = account.pull(cal.url, sync_token=None, ctag=None, known={})
    assert len(delta.changed) == 1 and "SUMMARY:Support focus" in (delta.changed[0].data or "")
    background.stop()
