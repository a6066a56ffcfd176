"""Plan my day, driven like a person would: keys and clicks, then a look at the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QTimeEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from planner.domain.clock import FakeClock
from planner.domain.values import Change, Topic
from planner.services import planning, tracking
from planner.storage.db import Database
from planner.storage.models import CalendarSource, Day, Occurrence
from tests.ui.dialog_helpers import IGNORED_QT_MESSAGES, type_into
from ui.actions.review import ReviewActions
from ui.dialogs.end_of_day import EndOfDayDialog
from ui.dialogs.plan_day import COL_END, COL_ROLE, COL_TITLE, PlanDayDialog
from ui.gateway import Gateway

pytestmark = pytest.mark.qt_log_ignore(*IGNORED_QT_MESSAGES)

OWNER = "tester"
DAY = date(2026, 11, 24)  # a Tuesday; the clock fixture says 09:00 Berlin on it


def at(hour: int, minute: int = 0, day: date = DAY, zone: ZoneInfo | None = None) -> datetime:
    zone = zone or ZoneInfo("Europe/Berlin")
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


@pytest.fixture
def roles(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        return {r.name: r.id for r in planning.list_roles(s, OWNER)}


@pytest.fixture
def dialog(
    qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo, roles: dict[str, int]
) -> Iterator[PlanDayDialog]:
    widget = PlanDayDialog(Gateway(db, clock, zone), DAY)
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    yield widget


def slot_minutes(db: Database) -> dict[int, float]:
    with db.transaction() as s:
        slots = planning.list_slots(s, OWNER, DAY)
    out: dict[int, float] = {}
    for slot in slots:
        out[slot.role_id] = out.get(slot.role_id, 0) + (slot.end - slot.start).total_seconds() / 60
    return out


def test_auto_split_follows_the_chosen_shares(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, roles: dict[str, int]
) -> None:
    support, community = roles["Support"], roles["Community"]
    assert dialog.shares() == {support: 50, community: 50}
    type_into(qtbot, dialog.findChild(type(dialog.min_block), f"share_{support}"), "70")
    assert dialog.shares() == {support: 70, community: 30}
    assert dialog.findChild(type(dialog.min_block), f"share_{community}").value() == 30

    with qtbot.waitSignal(dialog.plan_changed) as signal:
        qtbot.mouseClick(dialog.auto_split, Qt.MouseButton.LeftButton)
    change = signal.args[0]
    assert isinstance(change, Change) and Topic.SLOTS in change.topics and DAY in change.days

    minutes = slot_minutes(db)
    total = sum(minutes.values())
    with db.read() as s:
        breaks = planning.get_plan(s, OWNER, DAY, ZoneInfo("Europe/Berlin")).breaks
    pauses = sum((b.end - b.start).total_seconds() / 60 for b in breaks)
    assert pauses >= 45  # lunch and the short breaks are not working time
    assert total == pytest.approx(510 - pauses, abs=5)  # 09:00-17:30 less the breaks
    assert minutes[support] / total == pytest.approx(0.70, abs=0.05)
    assert dialog.slot_model.rowCount() == len(planning_slots(db))
    assert not dialog.message.is_error

    # the split is the roles' standing targets: the next plan starts from it, and the
    # end-of-day review and the week compare with the same figure
    again = PlanDayDialog(dialog.gateway, DAY)
    qtbot.addWidget(again)
    assert again.shares() == {support: 70, community: 30}
    with db.transaction() as s:
        targets = {r.id: r.target_percent for r in planning.list_roles(s, OWNER)}
    assert targets == {support: 70.0, community: 30.0}
    assert "standing targets" in dialog.split_note.text()
    end = EndOfDayDialog(dialog.gateway, DAY)
    qtbot.addWidget(end)
    assert [end.split_model.index(row, 1).data() for row in (0, 1)] == ["70 %", "30 %"]
    week = ReviewActions(dialog.gateway).week(DAY - timedelta(days=DAY.weekday()))
    assert {r.id: r.target_percent for r in week.report.roles} == targets


def test_a_share_typed_without_auto_split_is_the_target_too(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, roles: dict[str, int]
) -> None:
    spin = dialog.findChild(type(dialog.min_block), f"share_{roles['Community']}")
    type_into(qtbot, spin, "40")  # Enter: editing finished
    with db.transaction() as s:
        targets = {r.name: r.target_percent for r in planning.list_roles(s, OWNER)}
    assert targets == {"Support": 60.0, "Community": 40.0}


def planning_slots(db: Database) -> list[object]:
    with db.transaction() as s:
        return list(planning.list_slots(s, OWNER, DAY))


def test_auto_split_leaves_meetings_free_and_lists_them(
    qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo, roles: dict[str, int]
) -> None:
    with db.transaction() as s:
        source = CalendarSource(owner=OWNER, name="work", kind="file", location="x.ics")
        s.add(source)
        s.flush()
        s.add(
            Occurrence(
                owner=OWNER,
                source_id=source.id,
                uid="u1",
                recurrence_id="",
                summary="Stand-up",
                start=at(10),
                end=at(11),
                role_id=roles["Support"],
            )
        )
    dialog = PlanDayDialog(Gateway(db, clock, zone), DAY)
    qtbot.addWidget(dialog)
    assert dialog.meetings.count() == 1
    assert "10:00–11:00" in dialog.meetings.item(0).text()
    assert "Stand-up" in dialog.meetings.item(0).text()
    qtbot.mouseClick(dialog.auto_split, Qt.MouseButton.LeftButton)
    for slot in planning_slots(db):
        assert slot.end <= at(10) or slot.start >= at(11)  # type: ignore[attr-defined]


def test_min_block_and_a_hard_stop_after_midnight_are_saved(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database
) -> None:
    type_into(qtbot, dialog.min_block, "60")
    type_into(qtbot, dialog.window_edit.stop, "0130")
    assert dialog.window_edit.next_day.text() == "next day"
    with db.transaction() as s:
        day = planning.get_day(s, OWNER, DAY, ZoneInfo("Europe/Berlin"))
    assert day.min_block_minutes == 60
    assert day.stop == at(1, 30, DAY + timedelta(days=1))
    assert day.start == at(9)
    assert not dialog.message.is_error


def test_a_refused_edit_shows_why_and_changes_nothing(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database
) -> None:
    type_into(qtbot, dialog.window_edit.start, "0500")
    type_into(qtbot, dialog.window_edit.stop, "0200")  # 21 hours
    assert dialog.message.is_error
    assert "20 hours" in dialog.message.text()
    with db.transaction() as s:
        row = s.scalar(select(Day).where(Day.owner == OWNER, Day.day == DAY))
        assert row is not None
        assert row.start == at(5) and row.stop == at(17, 30)  # the start alone was fine
    # the form shows what is stored again
    assert dialog.window_edit.stop.time().hour() == 17


def test_slots_can_be_edited_and_removed(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, roles: dict[str, int]
) -> None:
    qtbot.mouseClick(dialog.auto_split, Qt.MouseButton.LeftButton)
    before = planning_slots(db)
    assert len(before) >= 2
    first = before[0]

    # change the first slot's role with the keyboard: F2 opens the role picker
    dialog.slots.setFocus()
    dialog.slots.setCurrentIndex(dialog.slot_model.index(0, COL_ROLE))
    qtbot.keyClick(dialog.slots, Qt.Key.Key_F2)
    editor = dialog.slots.indexWidget(dialog.slot_model.index(0, COL_ROLE)) or (
        dialog.slots.focusWidget()
    )
    other = next(r for r in roles.values() if r != first.role_id)  # type: ignore[attr-defined]
    editor.setCurrentIndex(editor.findData(other))  # type: ignore[union-attr]
    with qtbot.waitSignal(dialog.plan_changed):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.slot_model.slot(0).role_id == other)
    assert planning_slots(db)[0].role_id == other  # type: ignore[attr-defined]

    # an end before the start is refused with a message; the slot stays as it was
    dialog.slots.setCurrentIndex(dialog.slot_model.index(0, COL_END))
    qtbot.keyClick(dialog.slots, Qt.Key.Key_F2)
    editor = dialog.slots.focusWidget()
    assert isinstance(editor, QTimeEdit)
    type_into(qtbot, editor, "0800")  # the view commits an editor's data after Return, queued
    qtbot.waitUntil(lambda: dialog.message.is_error)
    assert "end after it starts" in dialog.message.text()
    assert planning_slots(db)[0].end == first.end  # type: ignore[attr-defined]

    # typing over the title cell names the slot
    dialog.slots.setFocus()
    dialog.slots.setCurrentIndex(dialog.slot_model.index(1, COL_TITLE))
    qtbot.keyClick(dialog.slots, Qt.Key.Key_F2)
    title_editor = dialog.slots.focusWidget()
    qtbot.keyClick(title_editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(title_editor, "Inbox zero")
    with qtbot.waitSignal(dialog.plan_changed):
        qtbot.keyClick(title_editor, Qt.Key.Key_Return)
    assert planning_slots(db)[1].title == "Inbox zero"  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: dialog.slot_model.index(1, COL_TITLE).data() == "Inbox zero")

    # Delete removes the selected slot
    dialog.slots.setFocus()
    dialog.slots.selectRow(0)
    qtbot.keyClick(dialog.slots, Qt.Key.Key_Delete)
    after = planning_slots(db)
    assert len(after) == len(before) - 1
    assert first.id not in {s.id for s in after}  # type: ignore[attr-defined]


def add_tasks(db: Database, clock: FakeClock, role: int, titles: list[str], day: date) -> list[int]:
    ids = []
    with db.transaction() as s:
        for title in titles:
            task, _ = planning.add_task(s, OWNER, title, role, now=clock.now(), day=day)
            ids.append(task.id)
    return ids


def priorities(db: Database, day: date) -> list[str]:
    with db.transaction() as s:
        return [t.title for t in planning.list_tasks(s, OWNER, day)]


def test_tasks_reorder_with_keys_and_by_drop(
    qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo, roles: dict[str, int]
) -> None:
    add_tasks(db, clock, roles["Support"], ["a", "b", "c"], DAY)
    dialog = PlanDayDialog(Gateway(db, clock, zone), DAY)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()  # shortcuts fire in the active window only
    qtbot.waitActive(dialog)
    dialog.tasks.setFocus()
    dialog.tasks.setCurrentRow(2)
    qtbot.keyClick(dialog.tasks, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert priorities(db, DAY) == ["a", "c", "b"]
    assert dialog.tasks.currentItem().text().startswith("2. c")
    qtbot.keyClick(dialog.tasks, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert priorities(db, DAY) == ["c", "a", "b"]
    qtbot.mouseClick(dialog.move_down, Qt.MouseButton.LeftButton)
    assert priorities(db, DAY) == ["a", "c", "b"]

    # what a drag and drop does to the list's model: move a row, then the order is saved
    model = dialog.tasks.model()
    assert model.moveRow(QModelIndex(), 2, QModelIndex(), 0)
    qtbot.waitUntil(lambda: priorities(db, DAY) == ["b", "a", "c"])


def test_carry_over_pulls_in_the_last_open_day(
    qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo, roles: dict[str, int]
) -> None:
    friday = date(2026, 11, 20)
    ids = add_tasks(db, clock, roles["Support"], ["old one", "old two", "finished"], friday)
    add_tasks(db, clock, roles["Community"], ["today's"], DAY)
    with db.transaction() as s:
        planning.set_task_status(s, OWNER, ids[2], "done", clock.now())
    dialog = PlanDayDialog(Gateway(db, clock, zone), DAY)
    qtbot.addWidget(dialog)
    assert dialog.carry.isEnabled()
    assert "2 unfinished tasks from Fri 20 Nov" in dialog.carry.text()
    with qtbot.waitSignal(dialog.plan_changed):
        qtbot.mouseClick(dialog.carry, Qt.MouseButton.LeftButton)
    assert priorities(db, DAY) == ["today's", "old one", "old two"]
    assert priorities(db, friday) == ["finished"]
    assert not dialog.carry.isEnabled()
    assert dialog.tasks.count() == 3


def test_add_a_task_inline_and_an_empty_one_is_refused(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, roles: dict[str, int]
) -> None:
    dialog.new_task_role.setCurrentIndex(dialog.new_task_role.findData(roles["Community"]))
    type_into(qtbot, dialog.new_task_estimate, "45", enter=False)
    dialog.new_task.setFocus()
    qtbot.keyClicks(dialog.new_task, "Welcome the new members")
    qtbot.keyClick(dialog.new_task, Qt.Key.Key_Return)
    with db.transaction() as s:
        tasks = planning.list_tasks(s, OWNER, DAY)
    assert [(t.title, t.role_id, t.estimate_minutes) for t in tasks] == [
        ("Welcome the new members", roles["Community"], 45)
    ]
    assert dialog.new_task.text() == ""
    qtbot.keyClicks(dialog.new_task, "   ")
    qtbot.keyClick(dialog.new_task, Qt.Key.Key_Return)
    assert dialog.message.is_error and "needs a title" in dialog.message.text()
    assert len(priorities(db, DAY)) == 1


def test_start_the_day_follows_the_current_slot(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, clock: FakeClock
) -> None:
    qtbot.mouseClick(dialog.auto_split, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.day_started) as started:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert Topic.ENTRIES in started.args[0].topics
    assert dialog.result() == PlanDayDialog.DialogCode.Accepted
    with db.transaction() as s:
        day = planning.get_day(s, OWNER, DAY, ZoneInfo("Europe/Berlin"))
        entry = tracking.running(s, OWNER)
        slot = planning.slot_at(s, OWNER, clock.now())
    assert day.started_at == clock.now()
    assert entry is not None and entry.follows_plan and slot is not None
    assert entry.role_id == slot.role_id


def test_started_before_the_first_slot_the_log_follows_the_plan_from_it(
    qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    """Issue 15 item 1: Plan my day at 08:50, Auto-split, Start the day; at 09:00 and later
    the log follows the plan (it stayed empty). The same core call as `splitday start`."""
    clock.set(at(8, 50))
    gateway = Gateway(db, clock, zone)
    dialog = PlanDayDialog(gateway, DAY)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.auto_split, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.day_started):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    with db.transaction() as s:
        assert tracking.running(s, OWNER) is None  # nothing is logged before 09:00
        first = planning.list_slots(s, OWNER, DAY)[0]
    assert first.start == at(9)
    clock.set(at(9, 20))
    assert gateway.tick()  # the window's minute tick, or `splitday status`: the same catch-up
    with db.transaction() as s:
        entry = tracking.running(s, OWNER)
    assert entry is not None and entry.follows_plan
    assert (entry.start, entry.role_id) == (at(9), first.role_id)


def test_another_day_cannot_be_started(
    qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo
) -> None:
    dialog = PlanDayDialog(Gateway(db, clock, zone), DAY + timedelta(days=1))
    qtbot.addWidget(dialog)
    assert not dialog.start_button.isEnabled()


def test_tab_walks_the_form_in_reading_order(
    qtbot: QtBot, dialog: PlanDayDialog, roles: dict[str, int]
) -> None:
    seen: list[str] = []
    dialog.window_edit.start.setFocus()
    for _ in range(9):  # Tab steps through a time edit's hour and minute first
        name = dialog.focusWidget().objectName()
        if not seen or seen[-1] != name:
            seen.append(name)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    assert seen == [
        "day_start",
        "day_stop",
        "min_block",
        "skip_lunch",
        f"share_{roles['Support']}",
        f"share_{roles['Community']}",
        "auto_split",
    ]
    assert dialog.focusWidget() is dialog.slots


def test_start_the_day_before_any_slot_only_marks_it_started(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, clock: FakeClock
) -> None:
    with qtbot.waitSignal(dialog.day_started) as started:
        qtbot.keyClick(dialog, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # Start the &day
    assert started.args[0].topics == {Topic.DAY}
    with db.transaction() as s:
        assert planning.get_day(s, OWNER, DAY, ZoneInfo("Europe/Berlin")).started_at == clock.now()
        assert tracking.running(s, OWNER) is None


# ---------------------------------------------------------------- the keyboard, as lived


def test_enter_in_the_task_row_adds_the_task_and_keeps_the_dialog_open(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, roles: dict[str, int]
) -> None:
    """Enter also pressed the default button: the dialog closed and started the day, 0 slots."""
    dialog.new_task.setFocus()
    for title in ("Answer tickets", "Write the newsletter"):
        qtbot.keyClicks(dialog.new_task, title)
        qtbot.keyClick(dialog.new_task, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.result() == 0
    assert dialog.focusWidget() is dialog.new_task and dialog.new_task.text() == ""
    assert priorities(db, DAY) == ["Answer tickets", "Write the newsletter"]
    with db.transaction() as s:
        assert planning.get_day(s, OWNER, DAY, ZoneInfo("Europe/Berlin")).started_at is None
    # the list shows them while the dialog is open (the view was never told of new rows)
    for row in range(2):
        rect = dialog.tasks.visualRect(dialog.tasks.model().index(row, 0))
        assert rect.isValid() and dialog.tasks.indexAt(rect.center()).row() == row
    assert "does not fit" not in dialog.tasks.item(0).text()  # nothing is planned yet
    assert not any(b.isDefault() for b in dialog.findChildren(type(dialog.start_button)))


def test_enter_in_the_estimate_adds_the_typed_task(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, roles: dict[str, int]
) -> None:
    """Enter in the estimate box closed the dialog and threw the typed title away."""
    dialog.new_task.setFocus()
    qtbot.keyClicks(dialog.new_task, "Update the FAQ")
    qtbot.keyClick(dialog.new_task, Qt.Key.Key_Tab)  # the role
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)  # the estimate
    assert dialog.focusWidget() is dialog.new_task_estimate
    type_into(qtbot, dialog.new_task_estimate, "45")  # ... and Enter
    assert dialog.isVisible() and dialog.result() == 0
    with db.transaction() as s:
        [task] = planning.list_tasks(s, OWNER, DAY)
    assert (task.title, task.estimate_minutes) == ("Update the FAQ", 45)
    assert dialog.focusWidget() is dialog.new_task
    # Enter there with no title only keeps the number and goes back to the title
    type_into(qtbot, dialog.new_task_estimate, "20")
    assert dialog.isVisible() and len(priorities(db, DAY)) == 1
    assert dialog.focusWidget() is dialog.new_task


def test_enter_on_a_focused_button_presses_that_button(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database
) -> None:
    dialog.auto_split.setFocus()
    with qtbot.waitSignal(dialog.plan_changed):
        qtbot.keyClick(dialog.auto_split, Qt.Key.Key_Return)
    assert dialog.isVisible() and planning_slots(db)


def test_tasks_added_after_auto_split_are_fitted(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, roles: dict[str, int]
) -> None:
    """They stayed unscheduled (no slot) until the next Auto-split."""
    qtbot.mouseClick(dialog.auto_split, Qt.MouseButton.LeftButton)
    dialog.new_task_role.setCurrentIndex(dialog.new_task_role.findData(roles["Community"]))
    dialog.new_task.setFocus()
    qtbot.keyClicks(dialog.new_task, "Welcome the new members")
    qtbot.keyClick(dialog.new_task, Qt.Key.Key_Return)
    with db.transaction() as s:
        [task] = planning.list_tasks(s, OWNER, DAY)
        slots = {x.id: x for x in planning.list_slots(s, OWNER, DAY)}
    assert task.slot_id in slots and slots[task.slot_id].role_id == roles["Community"]
    # one that is too long for any slot says so, now that there are slots
    type_into(qtbot, dialog.new_task_estimate, "600", enter=False)
    dialog.new_task.setFocus()
    qtbot.keyClicks(dialog.new_task, "Migrate the forum")
    qtbot.keyClick(dialog.new_task, Qt.Key.Key_Return)
    assert "does not fit" in dialog.tasks.item(1).text()
    assert "does not fit" not in dialog.tasks.item(0).text()


def test_each_share_has_its_own_alt_letter(
    qtbot: QtBot, dialog: PlanDayDialog, roles: dict[str, int]
) -> None:
    """Alt+S went to the group box, which sent it to the share that had the focus last."""
    support = dialog.findChild(type(dialog.min_block), f"share_{roles['Support']}")
    community = dialog.findChild(type(dialog.min_block), f"share_{roles['Community']}")
    community.setFocus()
    labels = {rid: row.label for rid, row in dialog._share_rows.items()}
    assert labels[roles["Support"]].text() == "&Support"
    assert labels[roles["Support"]].buddy() is support
    qtbot.keyClick(community, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is support
    support.selectAll()
    for char in "60":
        qtbot.keyClick(support, char)
    assert dialog.shares() == {roles["Support"]: 60, roles["Community"]: 40}
    # Community's letter is one that nothing else in the dialog uses
    text = labels[roles["Community"]].text()
    letter = text[text.index("&") + 1].casefold()
    others = [w.text() for w in dialog.findChildren(type(dialog.start_button)) if "&" in w.text()]
    assert all(f"&{letter}" not in o.casefold() for o in others)
    qtbot.keyClick(
        support, getattr(Qt.Key, f"Key_{letter.upper()}"), Qt.KeyboardModifier.AltModifier
    )
    assert dialog.focusWidget() is community
    # the group boxes' letters go to their one control, wherever the focus was
    qtbot.keyClick(community, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.tasks
    qtbot.keyClick(dialog.tasks, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.window_edit.start
    qtbot.keyClick(dialog.window_edit.start, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.new_task


def test_typing_into_a_time_box_works_without_selecting_a_part(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database
) -> None:
    """A click put the cursor into '17:30' and the digits typed after it were ignored."""
    stop = dialog.window_edit.stop
    line = stop.lineEdit()
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton, pos=line.rect().topLeft() + QPoint(3, 5))
    line.deselect()  # as after a click that only placed the cursor
    for char in "1815":
        qtbot.keyClick(stop, char)
    qtbot.keyClick(stop, Qt.Key.Key_Return)
    assert (stop.time().hour(), stop.time().minute()) == (18, 15)
    with db.transaction() as s:
        assert planning.get_day(s, OWNER, DAY, ZoneInfo("Europe/Berlin")).stop == at(18, 15)
    # a click on the minutes replaces the minutes
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton, pos=line.rect().topRight() - QPoint(8, -5))
    for char in "45":
        qtbot.keyClick(stop, char)
    assert (stop.time().hour(), stop.time().minute()) == (18, 45)


def test_a_morning_plan_by_keyboard_with_the_defaults(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, clock: FakeClock, roles: dict[str, int]
) -> None:
    """The keystrokes written in the issue: Alt+T, a title, Enter (for each task), Alt+A, Alt+D."""
    alt = Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_T, alt)  # New &task
    assert dialog.focusWidget() is dialog.new_task
    for title in ("Answer tickets", "Triage new bugs"):
        qtbot.keyClicks(dialog.new_task, title)
        qtbot.keyClick(dialog.new_task, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.new_task, Qt.Key.Key_A, alt)  # &Auto-split free time
    with qtbot.waitSignal(dialog.day_started):
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_D, alt)  # Start the &day
    assert not dialog.isVisible()
    minutes = slot_minutes(db)
    assert minutes[roles["Support"]] == pytest.approx(minutes[roles["Community"]], abs=60)
    with db.transaction() as s:
        tasks = planning.list_tasks(s, OWNER, DAY)
        assert planning.get_day(s, OWNER, DAY, ZoneInfo("Europe/Berlin")).started_at is not None
    assert [t.title for t in tasks] == ["Answer tickets", "Triage new bugs"]
    assert all(t.slot_id is not None for t in tasks)  # fitted into Support slots


def test_plan_my_day_edits_are_undone_and_redone_in_the_core(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, roles: dict[str, int]
) -> None:
    """Auto-split and a slot deleted in Plan my day are undoable steps (the window's Ctrl+Z
    after the dialog): the deleted slot comes back as itself, then the plan goes."""
    stack = dialog.gateway.undo_stack
    with qtbot.waitSignal(dialog.plan_changed):
        qtbot.mouseClick(dialog.auto_split, Qt.MouseButton.LeftButton)
    planned = [(s.uid, s.start, s.end, s.role_id) for s in planning_slots(db)]
    assert planned and stack.undoText() == "Auto-split"
    first = planning_slots(db)[0]
    assert dialog.service.remove_slot(first.id).ok
    assert stack.undoText() == "Delete slot"
    stack.undo()  # the slot is back, with its identity
    assert [(s.uid, s.start, s.end, s.role_id) for s in planning_slots(db)] == planned
    stack.undo()  # the auto-split is undone: no slots
    assert planning_slots(db) == []
    stack.redo()
    assert [(s.uid, s.start, s.end, s.role_id) for s in planning_slots(db)] == planned


def test_a_letter_in_the_task_row_picks_the_role_at_once_however_fast_it_comes(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, roles: dict[str, int]
) -> None:
    """Four tasks typed in a row (title, Tab, the role's first letter, Shift+Tab, Enter): the
    combo box's own keyboard search joined letters typed within its interval ('S', then 'C'
    for the next task: no role starts with 'SC'), so under a quick typist (xdotool in the lived
    default day) every other task got the role before it."""
    typed = [("Answer the backlog", "S"), ("Newsletter", "C"), ("Forum", "C"), ("Triage", "S")]
    dialog.new_task.setFocus()
    for title, letter in typed:
        qtbot.keyClicks(dialog.new_task, title)
        qtbot.keyClick(dialog.new_task, Qt.Key.Key_Tab)
        assert dialog.focusWidget() is dialog.new_task_role
        qtbot.keyClicks(dialog.new_task_role, letter)
        qtbot.keyClick(dialog.new_task_role, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClick(dialog.new_task, Qt.Key.Key_Return)
    with db.read() as s:
        got = [(t.title, t.role_id) for t in planning.list_tasks(s, OWNER, DAY)]
    want = {"S": roles["Support"], "C": roles["Community"]}
    assert got == [(title, want[letter]) for title, letter in typed]


def test_the_summary_counts_the_free_time_not_lunch_and_breaks(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database
) -> None:
    """After Auto-split of the default day it said '6 slots, 7.1 h of 8.5 h planned': 1.4 h
    seemingly left to plan, which were the lunch, the short breaks and the stand-up."""
    import re

    with qtbot.waitSignal(dialog.plan_changed):
        qtbot.mouseClick(dialog.auto_split, Qt.MouseButton.LeftButton)
    text = dialog.status.text()
    found = re.match(r"(\d+) slots, ([\d.]+) h of ([\d.]+) h free planned", text)
    assert found is not None, text
    assert found.group(2) == found.group(3), text  # Auto-split filled all the free time
    breaks = re.search(r"(\d+) min of breaks", text)
    assert breaks is not None and int(breaks.group(1)) >= 45, text  # the lunch at least


def test_a_plan_made_on_another_device_shows_before_auto_split(
    qtbot: QtBot, dialog: PlanDayDialog, db: Database, db_url: str, zone: ZoneInfo
) -> None:
    """Both devices opened Plan my day in the morning; the laptop planned and started the
    day. The desktop's dialog said "0 slots" and its Auto-split replaced the laptop's plan
    (relive finding 2): it now shows the plan as soon as the change is heard of (the live
    re-read broadcasts it, as OfflineWatch does for another device's commit)."""
    from planner.storage.db import open_database

    assert dialog.slot_model.rowCount() == 0
    laptop = open_database(db_url, owner=OWNER)
    try:
        with laptop.transaction() as s:
            planning.auto_plan(s, OWNER, DAY, zone)
            made = len(planning.list_slots(s, OWNER, DAY))
    finally:
        laptop.close()
    assert made > 0
    dialog.service.gateway.broadcast(Change(frozenset(Topic)))  # the live re-read
    qtbot.waitUntil(lambda: dialog.slot_model.rowCount() == made)
