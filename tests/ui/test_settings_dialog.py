"""Settings, driven with keys and clicks; every saved field is checked in the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLineEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from planner.domain.clock import FakeClock
from planner.domain.values import Topic
from planner.services import planning
from planner.storage.db import Database
from tests.ui.dialog_helpers import IGNORED_QT_MESSAGES, type_into
from ui.dialogs.settings import SettingsDialog
from ui.gateway import Gateway

pytestmark = pytest.mark.qt_log_ignore(*IGNORED_QT_MESSAGES)

OWNER = "tester"
DAY = date(2026, 11, 24)


@pytest.fixture
def dialog(
    qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo
) -> Iterator[SettingsDialog]:
    widget = SettingsDialog(Gateway(db, clock, zone), DAY)
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    yield widget


def roles(db: Database) -> dict[str, tuple[str, float, bool]]:
    with db.transaction() as s:
        return {
            r.name: (r.colour, r.target_percent, r.archived)
            for r in planning.list_roles(s, OWNER, include_archived=True)
        }


def role_id(db: Database, name: str) -> int:
    with db.transaction() as s:
        return planning.find_role(s, OWNER, name).id


def setting(db: Database, key: str) -> object:
    with db.transaction() as s:
        return planning.get_setting(s, OWNER, key)


def test_rename_a_role_and_change_its_target(
    qtbot: QtBot, dialog: SettingsDialog, db: Database
) -> None:
    support = role_id(db, "Support")
    name = dialog.findChild(QLineEdit, f"role_name_{support}")
    with qtbot.waitSignal(dialog.settings_changed) as signal:
        type_into(qtbot, name, "Help desk")
    assert Topic.ROLES in signal.args[0].topics
    target = dialog.findChild(QSpinBox, f"role_target_{support}")
    type_into(qtbot, target, "60")
    assert roles(db)["Help desk"][1] == 60
    assert "Support" not in roles(db)
    assert "110 %" in dialog.targets_sum.text()


def test_add_a_role_and_a_duplicate_is_refused(
    qtbot: QtBot, dialog: SettingsDialog, db: Database
) -> None:
    type_into(qtbot, dialog.new_role, "On call")
    assert "On call" in roles(db)
    assert dialog.new_role.text() == ""
    new_id = role_id(db, "On call")
    assert dialog.findChild(QLineEdit, f"role_name_{new_id}") is not None

    type_into(qtbot, dialog.new_role, "support")
    assert dialog.roles_message.is_error
    assert "exists already" in dialog.roles_message.text()
    assert len(roles(db)) == 3

    # renaming to an empty name is refused too; the stored name comes back
    name = dialog.findChild(QLineEdit, f"role_name_{new_id}")
    type_into(qtbot, name, " ")
    assert "needs a name" in dialog.roles_message.text()
    assert "On call" in roles(db)
    assert dialog.findChild(QLineEdit, f"role_name_{new_id}").text() == "On call"


def test_archive_and_restore_and_the_last_role_stays(
    qtbot: QtBot, dialog: SettingsDialog, db: Database
) -> None:
    support, community = role_id(db, "Support"), role_id(db, "Community")
    qtbot.mouseClick(
        dialog.findChild(QPushButton, f"role_archive_{support}"), Qt.MouseButton.LeftButton
    )
    assert roles(db)["Support"][2] is True
    restore = dialog.findChild(QPushButton, f"role_archive_{support}")
    assert restore.text() == "Restore"
    qtbot.mouseClick(
        dialog.findChild(QPushButton, f"role_archive_{community}"), Qt.MouseButton.LeftButton
    )
    assert dialog.roles_message.text() == "At least one role must stay active"
    assert roles(db)["Community"][2] is False
    qtbot.mouseClick(restore, Qt.MouseButton.LeftButton)
    assert roles(db)["Support"][2] is False


def test_pick_a_colour(qtbot: QtBot, dialog: SettingsDialog, db: Database) -> None:
    support = role_id(db, "Support")
    qtbot.mouseClick(
        dialog.findChild(QPushButton, f"role_colour_{support}"), Qt.MouseButton.LeftButton
    )
    picker = dialog.colour_dialog
    assert picker is not None and picker.isVisible()
    picker.setCurrentColor(QColor("#123456"))
    qtbot.keyClick(picker, Qt.Key.Key_Return)
    assert roles(db)["Support"][0] == "#123456"


def test_workday_hours_per_weekday(qtbot: QtBot, dialog: SettingsDialog, db: Database) -> None:
    monday, saturday = dialog.hours_rows[0], dialog.hours_rows[5]
    type_into(qtbot, monday.window.start, "1400")
    type_into(qtbot, monday.window.stop, "0130")  # after midnight
    assert monday.window.next_day.text() == "next day"
    saturday.is_workday.setFocus()
    qtbot.keyClick(saturday.is_workday, Qt.Key.Key_Space)
    with db.transaction() as s:
        assert planning.workday_hours(s, OWNER, 0) == (True, 14 * 60, 25 * 60 + 30)
        assert planning.workday_hours(s, OWNER, 5) == (True, 9 * 60, 17 * 60 + 30)
    assert saturday.window.isEnabled()


def test_a_workday_of_21_hours_is_refused(
    qtbot: QtBot, dialog: SettingsDialog, db: Database
) -> None:
    tuesday = dialog.hours_rows[1]
    type_into(qtbot, tuesday.window.start, "0800")
    type_into(qtbot, tuesday.window.stop, "0500")
    assert dialog.hours_message.is_error
    assert dialog.hours_message.text().startswith("Tuesday: ")
    assert "20 hours" in dialog.hours_message.text()
    with db.transaction() as s:
        assert planning.workday_hours(s, OWNER, 1) == (True, 8 * 60, 17 * 60 + 30)
    assert tuesday.window.stop.time().hour() == 17


def test_reminder_lead_times_and_focus_block(
    qtbot: QtBot, dialog: SettingsDialog, db: Database
) -> None:
    for key, value in (
        ("slot_lead_minutes", "10"),
        ("slot_end_warning_minutes", "3"),
        ("overtime_every_minutes", "30"),
        ("interruption_nag_minutes", "20"),
        ("resumption_cost_minutes", "15"),
        ("min_block_minutes", "60"),
    ):
        type_into(qtbot, dialog.findChild(QSpinBox, key), value)
        assert setting(db, key) == int(value), key
    assert not dialog.numbers_message.is_error
    # the spin box keeps values inside the planner's limits; typing more is not accepted
    spin = dialog.findChild(QSpinBox, "min_block_minutes")
    type_into(qtbot, spin, "999")
    assert setting(db, "min_block_minutes") <= 240  # type: ignore[operator]


def test_hotkey_is_recorded_and_a_bare_key_is_refused(
    qtbot: QtBot, dialog: SettingsDialog, db: Database
) -> None:
    dialog.hotkey.setFocus()
    with qtbot.waitSignal(dialog.settings_changed, timeout=3000):
        qtbot.keyClick(
            dialog.hotkey,
            Qt.Key.Key_K,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert setting(db, "hotkey") == "Ctrl+Shift+K"

    dialog.hotkey.clear()
    dialog.hotkey.setFocus()
    qtbot.keyClick(dialog.hotkey, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: dialog.numbers_message.is_error, timeout=3000)
    assert "needs Ctrl, Alt or Meta" in dialog.numbers_message.text()
    assert setting(db, "hotkey") == "Ctrl+Shift+K"
    assert dialog.hotkey.keySequence().toString() == "Ctrl+Shift+K"


def test_tab_walks_the_role_rows_then_the_new_role(
    qtbot: QtBot, dialog: SettingsDialog, db: Database
) -> None:
    support, community = role_id(db, "Support"), role_id(db, "Community")
    dialog.findChild(QLineEdit, f"role_name_{support}").setFocus()
    seen = []
    for _ in range(7):
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        seen.append(dialog.focusWidget().objectName())
    assert seen == [
        f"role_target_{support}",
        f"role_archive_{support}",
        f"role_colour_{community}",
        f"role_name_{community}",
        f"role_target_{community}",
        f"role_archive_{community}",
        "new_role",
    ]


def test_start_at_login_writes_and_removes_the_autostart_entry(
    qtbot: QtBot, dialog: SettingsDialog
) -> None:
    from planner.platform.autostart import XdgAutostart

    entry = XdgAutostart().path
    assert not dialog.autostart_check.isChecked() and not entry.exists()
    dialog.autostart_check.setFocus()
    qtbot.keyClick(dialog.autostart_check, Qt.Key.Key_Space)
    assert entry.exists() and "Exec=" in entry.read_text()
    assert "will start at login" in dialog.desktop_message.text()
    qtbot.keyClick(dialog.autostart_check, Qt.Key.Key_Space)
    assert not entry.exists()


def test_reminder_switches_are_saved(qtbot: QtBot, dialog: SettingsDialog, db: Database) -> None:
    check = dialog._switches["remind_overtime"]
    assert check.isChecked()
    check.setFocus()
    with qtbot.waitSignal(dialog.settings_changed):
        qtbot.keyClick(check, Qt.Key.Key_Space)
    with db.transaction() as s:
        assert planning.get_setting(s, OWNER, "remind_overtime") is False
        assert planning.get_setting(s, OWNER, "remind_hard_stop") is True


def test_each_box_letter_goes_to_its_first_field_wherever_the_focus_was(
    qtbot: QtBot, dialog: SettingsDialog, db: Database
) -> None:
    """A group box's Alt+letter went to the field of it used last, not to a fixed one."""
    alt = Qt.KeyboardModifier.AltModifier
    first_role = dialog._role_rows[role_id(db, "Support")].name
    dialog.new_role.setFocus()  # the roles box's field used last
    qtbot.keyClick(dialog.new_role, Qt.Key.Key_W, alt)
    assert dialog.focusWidget() is dialog.hours_rows[0].is_workday
    dialog.hours_rows[4].window.stop.setFocus()
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_R, alt)
    assert dialog.focusWidget() is first_role
    qtbot.keyClick(first_role, Qt.Key.Key_D, alt)
    assert dialog.focusWidget() is dialog.autostart_check
    qtbot.keyClick(dialog.autostart_check, Qt.Key.Key_F, alt)
    assert dialog.focusWidget() is dialog._numbers["min_block_minutes"]
