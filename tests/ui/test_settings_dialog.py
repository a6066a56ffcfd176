"""Settings, driven with keys and clicks; every saved field is checked in the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDateTimeEdit, QLineEdit, QPushButton, QSpinBox, QWidget
from pytestqt.qtbot import QtBot

from planner.domain.clock import FakeClock
from planner.domain.values import Topic
from planner.services import planning
from planner.storage.db import Database
from planner.storage.models import Entry
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


# ---------------------------------------------------------------- breaks and rhythm (issue 16)


def next_plan(db: Database, zone: ZoneInfo, day: date = DAY) -> planning.PlanV:
    """What the next Auto-split of `day` plans (the core's own plan, not the dialog's view)."""
    with db.transaction() as s:
        plan, _ = planning.auto_plan(s, OWNER, day, zone)
    return plan


def local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%H:%M}"


def test_lunch_per_weekday_moves_the_next_auto_split(
    qtbot: QtBot, dialog: SettingsDialog, db: Database, zone: ZoneInfo
) -> None:
    tuesday = dialog.hours_rows[DAY.weekday()]
    assert tuesday.lunch.isChecked() and tuesday.lunch_start.time().toString("HH:mm") == "12:30"
    type_into(qtbot, tuesday.lunch_start, "1200")
    type_into(qtbot, tuesday.lunch_end, "1245")
    assert not dialog.hours_message.is_error
    with db.read() as s:
        assert planning.lunch_minutes(s, OWNER, 1) == (12 * 60, 12 * 60 + 45)
        assert planning.lunch_minutes(s, OWNER, 0) == (12 * 60 + 30, 13 * 60 + 15)
    plan = next_plan(db, zone)
    lunch = [(local(b.start, zone), local(b.end, zone)) for b in plan.breaks if b.kind == "lunch"]
    assert lunch == [("12:00", "12:45")]
    for slot in plan.slots:  # nothing planned in the new lunch, the old one is working time
        assert not (local(slot.start, zone) < "12:45" and local(slot.end, zone) > "12:00")
    assert any(local(s.start, zone) <= "12:45" < local(s.end, zone) for s in plan.slots)

    # an end before the start is refused with the weekday and why; the stored lunch comes back
    type_into(qtbot, tuesday.lunch_end, "1130")
    assert dialog.hours_message.is_error
    assert dialog.hours_message.text() == "Tuesday: a lunch break ends after it starts"
    assert tuesday.lunch_end.time().toString("HH:mm") == "12:45"

    # no lunch on Tuesday: the next plan works through midday
    tuesday.lunch.setFocus()
    qtbot.keyClick(tuesday.lunch, Qt.Key.Key_Space)
    assert not tuesday.lunch_window.isEnabled()
    with db.read() as s:
        assert planning.lunch_minutes(s, OWNER, 1) is None
    plan = next_plan(db, zone)
    assert [b.kind for b in plan.breaks if b.kind == "lunch"] == []
    assert any(local(s.start, zone) <= "12:00" < local(s.end, zone) for s in plan.slots)
    # and back: the times last shown are the lunch again
    qtbot.keyClick(tuesday.lunch, Qt.Key.Key_Space)
    with db.read() as s:
        assert planning.lunch_minutes(s, OWNER, 1) == (12 * 60, 12 * 60 + 45)


def test_short_breaks_length_focus_and_off_in_the_next_auto_split(
    qtbot: QtBot, dialog: SettingsDialog, db: Database, zone: ZoneInfo
) -> None:
    assert dialog.short_breaks.isChecked() and dialog.short_length.value() == 5
    type_into(qtbot, dialog.short_length, "10")
    type_into(qtbot, dialog._numbers["short_break_after_minutes"], "60")
    assert setting(db, "short_break_minutes") == 10
    assert setting(db, "short_break_after_minutes") == 60
    plan = next_plan(db, zone)
    shorts = [b for b in plan.breaks if b.kind == "short"]
    assert shorts and all(b.end - b.start == timedelta(minutes=10) for b in shorts)
    # focus runs 60 minutes between pauses, longer only where what would follow a break
    # could not hold a minimum focus block (45 min) before the lunch or the hard stop
    stretches: list[list[datetime]] = []
    for slot in plan.slots:
        if stretches and stretches[-1][1] == slot.start:
            stretches[-1][1] = slot.end
        else:
            stretches.append([slot.start, slot.end])
    assert len(stretches) >= 6
    for start, end in stretches:
        over = end - start - timedelta(minutes=60)
        assert over <= timedelta(0) or over < timedelta(minutes=45 + 10), local(start, zone)
    assert sum(end - start == timedelta(minutes=60) for start, end in stretches) >= 4

    dialog.short_breaks.setFocus()
    with qtbot.waitSignal(dialog.settings_changed):
        qtbot.keyClick(dialog.short_breaks, Qt.Key.Key_Space)
    assert setting(db, "short_break_minutes") == 0
    assert not dialog.short_length.isEnabled()
    assert dialog.short_length.value() == 10  # kept for turning them on again
    plan = next_plan(db, zone)
    assert [b.kind for b in plan.breaks] == ["lunch"]


def test_the_longest_block_per_role_in_the_next_auto_split(
    qtbot: QtBot, dialog: SettingsDialog, db: Database, zone: ZoneInfo
) -> None:
    support, community = role_id(db, "Support"), role_id(db, "Community")
    spin = dialog.findChild(QSpinBox, f"max_block_{support}")
    assert spin is not None and spin.value() == 0 and spin.text() == "as above"
    type_into(qtbot, spin, "60")
    assert setting(db, "max_block_by_role") == {str(support): 60}
    type_into(qtbot, dialog._numbers["max_block_minutes"], "100")
    assert setting(db, "max_block_minutes") == 100
    plan = next_plan(db, zone)
    longest = {
        role: max(s.end - s.start for s in plan.slots if s.role_id == role)
        for role in (support, community)
    }
    assert longest[support] <= timedelta(minutes=60)
    assert timedelta(minutes=60) < longest[community] <= timedelta(minutes=100)

    # under 15 minutes is refused with the limits; 0 gives the role the general one again
    type_into(qtbot, spin, "10")
    assert dialog.breaks_message.is_error
    assert "between 15 minutes and 12 hours" in dialog.breaks_message.text()
    assert spin.value() == 60
    type_into(qtbot, spin, "0")
    assert setting(db, "max_block_by_role") == {}
    plan = next_plan(db, zone)
    assert max(s.end - s.start for s in plan.slots if s.role_id == support) > timedelta(minutes=60)


def test_keep_the_weeks_share_on_by_default_and_off_in_the_next_auto_split(
    qtbot: QtBot, dialog: SettingsDialog, db: Database, zone: ZoneInfo
) -> None:
    support, community = role_id(db, "Support"), role_id(db, "Community")
    monday = DAY - timedelta(days=1)

    def at(day: date, hhmm: str) -> datetime:
        h, m = map(int, hhmm.split(":"))
        return datetime(day.year, day.month, day.day, h, m, tzinfo=zone).astimezone(UTC)

    with db.transaction() as s:  # Monday: support took most of the day
        for start, end, role in (("09:00", "14:00", support), ("14:00", "17:20", community)):
            s.add(Entry(owner=OWNER, start=at(monday, start), end=at(monday, end), role_id=role))

    def lead() -> float:
        plan = next_plan(db, zone)
        by_role = {
            role: sum(
                (s.end - s.start).total_seconds() / 60 for s in plan.slots if s.role_id == role
            )
            for role in (support, community)
        }
        return by_role[community] - by_role[support]

    assert dialog.week_share.isChecked()
    assert lead() >= 60  # Tuesday repays Community
    dialog.week_share.setFocus()
    qtbot.keyClick(dialog.week_share, Qt.Key.Key_Space)
    assert setting(db, "keep_week_share") is False
    assert abs(lead()) <= 15  # the plain equal split


def test_the_breaks_box_by_keyboard(qtbot: QtBot, dialog: SettingsDialog, db: Database) -> None:
    support, community = role_id(db, "Support"), role_id(db, "Community")
    alt = Qt.KeyboardModifier.AltModifier
    dialog.new_role.setFocus()
    qtbot.keyClick(dialog.new_role, Qt.Key.Key_B, alt)
    assert dialog.focusWidget() is dialog.short_breaks
    seen = []
    for _ in range(6):
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        seen.append(dialog.focusWidget().objectName())
    assert seen == [
        "short_break_minutes",
        "short_break_after_minutes",
        "max_block_minutes",
        f"max_block_{support}",
        f"max_block_{community}",
        "keep_week_share",
    ]
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_L, alt)
    assert dialog.focusWidget() is dialog._numbers["max_block_minutes"]
    # a weekday's row: its hours, then its lunch
    monday = dialog.hours_rows[0]
    monday.window.stop.setFocus()
    monday.window.stop.setCurrentSection(QDateTimeEdit.Section.MinuteSection)  # Tab leaves it
    qtbot.keyClick(monday.window.stop, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is monday.lunch
    qtbot.keyClick(monday.lunch, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is monday.lunch_start
    # every Alt+letter of the dialog is used once
    from ui.dialogs._common import mnemonics_in

    texts = [
        w.property("title") if w.inherits("QGroupBox") else w.property("text")
        for w in dialog.findChildren(QWidget)
        if w.isVisibleTo(dialog)
    ]
    letters = [
        t.replace("&&", "")[t.replace("&&", "").find("&") + 1].casefold()
        for t in texts
        if isinstance(t, str) and "&" in t.replace("&&", "")
    ]
    assert len(letters) == len(set(letters)) == len(mnemonics_in(dialog)), letters
