"""Settings: roles, workday hours and lunch per weekday, focus block, short breaks, the longest
block per role, the week's share, reminder lead times, hotkey."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QSignalBlocker, QSize, Signal
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from planner.domain import forms
from planner.domain.i18n import tr
from planner.domain.values import Change, RoleV
from planner.platform.autostart import Autostart, for_platform
from ui.actions.settings import SettingsActions
from ui.dialogs._common import (
    BuddyBox,
    MessageBar,
    ServiceDialog,
    WindowEdit,
    chain,
    minute_of,
    qtime,
    retire,
    run_dialog,
    scrolled,
    time_edit,
)
from ui.formats import weekday_name
from ui.gateway import Gateway
from ui.widgets.fit import fit_window

# The numeric settings a person may change here, with their labels.
NUMBER_SETTINGS = (
    (
        "min_block_minutes",
        tr("Minimum focus block"),
        tr("Auto-split never makes a slot shorter"),
    ),
    ("slot_lead_minutes", tr("Remind before a slot starts"), tr("0 = at the start")),
    ("slot_end_warning_minutes", tr("Warn before a slot ends"), tr("0 = at the end")),
    ("overtime_every_minutes", tr("Past the hard stop, remind every"), ""),
    ("interruption_nag_minutes", tr("Ask about a long interruption after"), ""),
    (
        "resumption_cost_minutes",
        tr("Resumption cost of an interruption"),
        tr("Time lost getting back"),
    ),
)
# The rhythm's numbers (planner/services/planning.py rhythm()), saved like the ones above.
RHYTHM_SETTINGS = (
    (
        "short_break_after_minutes",
        tr("After this much focus in a row"),
        tr("A short break comes after this many minutes of focus without one"),
    ),
    (
        "max_block_minutes",
        tr("&Longest block of one role"),
        tr(
            "Auto-split alternates the roles so that no block is longer (never shorter than "
            "the minimum focus block)"
        ),
    ),
)
DEFAULT_LUNCH = (12 * 60 + 30, 13 * 60 + 15)
DEFAULT_SHORT_BREAK = 5
# The reminder kinds a person may switch off (planner/services/reminders.py), with their labels.
REMINDER_SWITCHES = (
    ("remind_slot_start", tr("When a slot starts")),
    ("remind_slot_end", tr("Before a slot ends")),
    ("remind_meeting", tr("Before a meeting")),
    ("remind_hard_stop", tr("At the hard stop")),
    ("remind_overtime", tr("During overtime")),
    ("remind_interruption", tr("When an interruption runs long")),
)


class RoleRow:
    """One role's line: colour, name, target share, archive/restore."""

    def __init__(self, role: RoleV, dialog: SettingsDialog) -> None:
        self.role = role
        self.colour = QPushButton()
        self.colour.setObjectName(f"role_colour_{role.id}")
        self.colour.setAccessibleName(tr("{name} colour").format(name=role.name))
        self.colour.setToolTip(tr("Pick a colour"))
        self.colour.setFixedWidth(44)
        self.name = QLineEdit(role.name)
        self.name.setObjectName(f"role_name_{role.id}")
        self.name.setAccessibleName(tr("role name"))
        self.name.setMaxLength(80)
        self.target = QSpinBox()
        self.target.setObjectName(f"role_target_{role.id}")
        self.target.setAccessibleName(tr("{name} target share").format(name=role.name))
        self.target.setRange(0, 100)
        self.target.setSuffix(" %")
        self.archive = QPushButton(tr("Restore") if role.archived else tr("Archive"))
        self.archive.setObjectName(f"role_archive_{role.id}")
        self.archive.setAutoDefault(False)
        self.colour.setAutoDefault(False)
        self.show(role)
        self.colour.clicked.connect(lambda: dialog.pick_colour(self.role))
        self.name.editingFinished.connect(
            lambda: dialog.edit_role(self.role, name=self.name.text())
        )
        self.target.editingFinished.connect(
            lambda: dialog.edit_role(self.role, target_percent=float(self.target.value()))
        )
        self.archive.clicked.connect(
            lambda: dialog.edit_role(self.role, archived=not self.role.archived)
        )

    def show(self, role: RoleV) -> None:
        self.role = role
        self.colour.setStyleSheet(
            f"QPushButton {{ background: {role.colour}; border: 1px solid palette(mid); "
            "border-radius: 3px; min-height: 18px; }"
            "QPushButton:focus { border: 2px solid palette(highlight); }"
        )
        with QSignalBlocker(self.name), QSignalBlocker(self.target):
            if not self.name.hasFocus() or self.name.text().strip() == role.name:
                self.name.setText(role.name)
            self.target.setValue(round(role.target_percent))
        for widget in (self.name, self.target, self.colour):
            widget.setEnabled(not role.archived)

    def widgets(self) -> list[QWidget]:
        return [self.colour, self.name, self.target, self.archive]


class HoursRow:
    """One weekday's default hours: is it a workday, its start and hard stop."""

    def __init__(self, weekday: int, dialog: SettingsDialog) -> None:
        self.weekday = weekday
        self.is_workday = QCheckBox(weekday_name(weekday))
        self.is_workday.setObjectName(f"workday_{weekday}")
        self.window = WindowEdit(f"hours_{weekday}")
        self.is_workday.toggled.connect(lambda: dialog.save_hours(self))
        self.window.start.editingFinished.connect(lambda: dialog.save_hours(self))
        self.window.stop.editingFinished.connect(lambda: dialog.save_hours(self))
        self.stored: tuple[bool, int, int] | None = None
        # the weekday's lunch break: none, or from–to
        day = weekday_name(weekday)
        self.lunch = QCheckBox(tr("Lunch"))
        self.lunch.setObjectName(f"lunch_{weekday}")
        self.lunch.setAccessibleName(tr("{day} lunch").format(day=day))
        self.lunch_start = time_edit(f"lunch_{weekday}_start")
        self.lunch_start.setAccessibleName(tr("{day} lunch from").format(day=day))
        self.lunch_end = time_edit(f"lunch_{weekday}_end")
        self.lunch_end.setAccessibleName(tr("{day} lunch until").format(day=day))
        self.lunch_window = QWidget()
        lunch_layout = QHBoxLayout(self.lunch_window)
        lunch_layout.setContentsMargins(0, 0, 0, 0)
        lunch_layout.addWidget(self.lunch_start)
        lunch_layout.addWidget(QLabel("–"))
        lunch_layout.addWidget(self.lunch_end)
        lunch_layout.addStretch(1)
        self.lunch.toggled.connect(lambda: dialog.save_lunch(self))
        self.lunch_start.editingFinished.connect(lambda: dialog.save_lunch(self))
        self.lunch_end.editingFinished.connect(lambda: dialog.save_lunch(self))
        self.stored_lunch: tuple[int, int] | None = None

    def widgets(self) -> list[QWidget]:
        """The row's fields in Tab order."""
        return [
            self.is_workday,
            self.window.start,
            self.window.stop,
            self.lunch,
            self.lunch_start,
            self.lunch_end,
        ]

    def show_lunch(self, lunch: tuple[int, int] | None) -> None:
        self.stored_lunch = lunch
        with QSignalBlocker(self.lunch), QSignalBlocker(self.lunch_start):
            self.lunch.setChecked(lunch is not None)
            if lunch is not None:  # with none, the times last shown stay for a second thought
                self.lunch_start.setTime(qtime(lunch[0]))
        with QSignalBlocker(self.lunch_end):
            if lunch is not None:
                self.lunch_end.setTime(qtime(lunch[1]))
        is_workday = self.is_workday.isChecked()
        self.lunch.setEnabled(is_workday)
        self.lunch_window.setEnabled(is_workday and lunch is not None)

    def lunch_values(self) -> tuple[int, int] | None:
        """The lunch as typed (minutes after the day's midnight), or None when it is off; on a
        workday that runs past midnight a lunch before its start is the next day's."""
        if not self.lunch.isChecked():
            return None
        start, end = minute_of(self.lunch_start.time()), minute_of(self.lunch_end.time())
        day_start, day_stop = self.window.minutes()
        if day_stop > 24 * 60 and start < day_start and end <= day_stop - 24 * 60:
            start, end = start + 24 * 60, end + 24 * 60
        return start, end

    def show(self, is_workday: bool, start: int, stop: int) -> None:
        self.stored = (is_workday, start, stop)
        with QSignalBlocker(self.is_workday):
            self.is_workday.setChecked(is_workday)
        self.window.set_minutes(start, stop)
        self.window.setEnabled(is_workday)

    def values(self) -> tuple[bool, int, int]:
        start, stop = self.window.minutes()
        return self.is_workday.isChecked(), start, stop


class SettingsDialog(ServiceDialog):
    """Every field is saved when it is left; `settings_changed` carries each saved Change."""

    settings_changed = Signal(object)  # planner.domain.values.Change

    def __init__(
        self,
        gateway: Gateway,
        day: date,
        parent: QWidget | None = None,
        *,
        autostart: Autostart | None = None,
        hotkey_status: Callable[[], str] | None = None,
        dnd_status: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(gateway, day, parent)
        self.service = SettingsActions(gateway)
        self._autostart = autostart if autostart is not None else for_platform()
        self._hotkey_status = hotkey_status
        self._dnd_status = dnd_status
        self._dnd_roles: dict[int, QCheckBox] = {}
        self._switches: dict[str, QCheckBox] = {}
        self.setWindowTitle(tr("Splitday settings"))
        self.setObjectName("settings_dialog")
        self._role_rows: dict[int, RoleRow] = {}
        self._numbers: dict[str, QSpinBox] = {}
        self._number_bars: dict[str, MessageBar] = {}
        self._stored_numbers: dict[str, int] = {}
        self._max_blocks: dict[int, QSpinBox] = {}
        self._max_block_labels: dict[int, QLabel] = {}
        self._stored_max_blocks: dict[int, int] = {}
        self._stored_short = 0
        self._stored_hotkey = ""
        self.colour_dialog: QColorDialog | None = None
        self._build()
        chain(*(w for row in self.hours_rows for w in row.widgets()))  # each day, then its lunch
        self._read_bar = self.roles_message
        self.refresh()
        # all of it in view where the screen allows; on a small one the form scrolls
        form = self.scroller.widget()
        assert form is not None
        content = form.sizeHint()
        chrome = self.sizeHint() - self.scroller.sizeHint()  # margins and the buttons' row
        fit_window(
            self,
            QSize(max(980, content.width() + chrome.width()), content.height() + chrome.height()),
        )

    # ------------------------------------------------------------ layout

    def _build(self) -> None:
        left = QVBoxLayout()
        left.addWidget(self._roles_box())
        left.addWidget(self._numbers_box())
        left.addWidget(self._breaks_box())
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self._hours_box())
        right.addWidget(self._desktop_box())
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setAutoDefault(False)
        note = QLabel(tr("Changes are saved as you go."))
        note.setEnabled(False)
        bottom = QHBoxLayout()
        bottom.addWidget(note, 1)
        bottom.addWidget(buttons)

        outer = QVBoxLayout(self)
        self.scroller = scrolled(columns)
        outer.addWidget(self.scroller, 1)
        outer.addLayout(bottom)

    def _roles_box(self) -> BuddyBox:
        """The roles, their target shares and colours, and a row to add one."""
        self.roles_message = MessageBar("roles_message")
        self.roles_grid = QGridLayout()
        self.roles_grid.setColumnStretch(1, 1)
        self.targets_sum = QLabel()
        self.targets_sum.setObjectName("targets_sum")
        self.new_role = QLineEdit()
        self.new_role.setObjectName("new_role")
        self.new_role.setPlaceholderText(tr("New role — Enter adds it"))
        self.new_role.setAccessibleName(tr("new role name"))
        self.new_role.returnPressed.connect(self._on_add_role_clicked)
        self.add_role = QPushButton(tr("&Add role"))
        self.add_role.setObjectName("add_role")
        self.add_role.setAutoDefault(False)
        self.add_role.clicked.connect(self._on_add_role_clicked)
        roles_box = self.roles_box = BuddyBox(tr("&Roles"), self.new_role)
        roles_layout = QVBoxLayout(roles_box)
        roles_layout.addWidget(self.roles_message)
        roles_layout.addLayout(self.roles_grid)
        roles_layout.addWidget(self.targets_sum)
        add_row = QHBoxLayout()
        add_row.addWidget(self.new_role, 1)
        add_row.addWidget(self.add_role)
        roles_layout.addLayout(add_row)
        return roles_box

    def _numbers_box(self) -> BuddyBox:
        """Focus block, reminder lead times and the interruption hotkey."""
        self.numbers_message = MessageBar("numbers_message")
        numbers_box = BuddyBox(tr("&Focus and reminders"))
        numbers_form = QFormLayout(numbers_box)
        numbers_form.addRow(self.numbers_message)
        for key, label, tip in NUMBER_SETTINGS:
            spin = QSpinBox()
            spin.setObjectName(key)
            low, high = forms.SETTING_LIMITS[key]
            spin.setRange(low, high)
            spin.setSuffix(tr(" min"))
            spin.setAccessibleName(label)
            spin.setMaximumWidth(110)
            if tip:
                spin.setToolTip(tip)
            spin.editingFinished.connect(lambda key=key: self._on_number_edited(key))
            self._numbers[key] = spin
            self._number_bars[key] = self.numbers_message
            numbers_form.addRow(label, spin)
            numbers_box.buddy = numbers_box.buddy or spin
        self.hotkey = QKeySequenceEdit()
        self.hotkey.setObjectName("hotkey")
        self.hotkey.setAccessibleName(tr("interruption hotkey"))
        self.hotkey.setMaximumSequenceLength(1)
        self.hotkey.setClearButtonEnabled(True)
        self.hotkey.setToolTip(
            tr(
                "Logs an interruption. On Wayland bind `splitday interrupt` in the desktop "
                "settings."
            )
        )
        self.hotkey.editingFinished.connect(self._on_hotkey_edited)
        numbers_form.addRow(tr("Interruption &hotkey"), self.hotkey)
        self.hotkey_layers = QLabel()
        self.hotkey_layers.setObjectName("hotkey_layers")
        self.hotkey_layers.setWordWrap(True)
        self.hotkey_layers.setEnabled(False)
        numbers_form.addRow(self.hotkey_layers)
        return numbers_box

    def _minutes_spin(self, key: str, label: str, tip: str, low: int, high: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(key)
        spin.setRange(low, high)
        spin.setSuffix(tr(" min"))
        spin.setAccessibleName(label.replace("&", ""))
        spin.setMaximumWidth(110)
        if tip:
            spin.setToolTip(tip)
        return spin

    def _breaks_box(self) -> BuddyBox:
        """Short breaks, the longest block (general and per role), the week's share."""
        self.breaks_message = MessageBar("breaks_message")
        box = BuddyBox(tr("&Breaks and rhythm"))
        form = QFormLayout(box)
        form.addRow(self.breaks_message)
        self.short_breaks = QCheckBox(tr("&Short breaks in long stretches of focus"))
        self.short_breaks.setObjectName("short_breaks")
        self.short_breaks.toggled.connect(self._on_short_breaks_toggled)
        form.addRow(self.short_breaks)
        box.buddy = self.short_breaks
        self.short_length = self._minutes_spin(
            "short_break_minutes", tr("Short break length"), "", 1, 60
        )
        self.short_length.editingFinished.connect(self._on_short_length_edited)
        form.addRow(tr("Short break length"), self.short_length)
        for key, label, tip in RHYTHM_SETTINGS:
            spin = self._minutes_spin(key, label, tip, *forms.SETTING_LIMITS[key])
            spin.editingFinished.connect(lambda key=key: self._on_number_edited(key))
            self._numbers[key] = spin
            self._number_bars[key] = self.breaks_message
            form.addRow(label, spin)
            if key == "max_block_minutes":
                self._max_block_row = form.rowCount() - 1
        self.breaks_form = form  # each role's longest block goes in rows below the general one
        self.week_share = QCheckBox(tr("&Keep the week's share"))
        self.week_share.setObjectName("keep_week_share")
        self.week_share.setToolTip(
            tr(
                "When one role takes another's time (interruptions, overruns), the following "
                "days' Auto-split gives it back within the week's working time"
            )
        )
        self.week_share.toggled.connect(
            lambda on: self._on_switch_toggled("keep_week_share", on, self.breaks_message)
        )
        self._switches["keep_week_share"] = self.week_share
        form.addRow(self.week_share)
        return box

    def _show_max_blocks(self, roles: Sequence[RoleV], own: dict[int, int]) -> None:
        """One line per active role: its longest block, or the general one ('as above')."""
        active = [r for r in roles if not r.archived]
        if [r.id for r in active] != list(self._max_blocks):
            for spin in self._max_blocks.values():
                self.breaks_form.removeRow(spin)  # deletes the row's label and spin box
            self._max_blocks, self._max_block_labels = {}, {}
            for line, role in enumerate(active, start=self._max_block_row + 1):
                label = QLabel()
                label.setObjectName(f"max_block_label_{role.id}")
                label.setIndent(20)
                spin = self._minutes_spin(
                    f"max_block_{role.id}",
                    tr("{name}: longest block").format(name=role.name),
                    tr("0: the longest block above"),
                    0,
                    12 * 60,
                )
                spin.setSpecialValueText(tr("as above"))
                spin.editingFinished.connect(lambda r=role.id: self._on_max_block_edited(r))
                label.setBuddy(spin)
                self.breaks_form.insertRow(line, label, spin)
                self._max_blocks[role.id] = spin
                self._max_block_labels[role.id] = label
        self._stored_max_blocks = dict(own)
        for role in active:
            spin = self._max_blocks[role.id]
            self._max_block_labels[role.id].setText(tr("{name}:").format(name=role.name))
            spin.setAccessibleName(tr("{name}: longest block").format(name=role.name))
            with QSignalBlocker(spin):
                spin.setValue(own.get(role.id, 0))
        self._chain_breaks()

    def _chain_breaks(self) -> None:
        """Tab through the box top to bottom (the role lines are built after the form)."""
        chain(
            self.short_breaks,
            self.short_length,
            self._numbers["short_break_after_minutes"],
            self._numbers["max_block_minutes"],
            *self._max_blocks.values(),
            self.week_share,
        )

    def _desktop_box(self) -> BuddyBox:
        """Start at login, and which reminders to show."""
        self.desktop_message = MessageBar("desktop_message")
        desktop_box = BuddyBox(tr("&Desktop and reminders"))
        desktop_layout = QVBoxLayout(desktop_box)
        desktop_layout.addWidget(self.desktop_message)
        self.autostart_check = QCheckBox(tr("Start Splitday when I log in"))
        self.autostart_check.setObjectName("autostart")
        self.autostart_check.setToolTip(tr("So that the morning plan is there in the morning"))
        self.autostart_check.toggled.connect(self._on_autostart_toggled)
        desktop_layout.addWidget(self.autostart_check)
        desktop_box.buddy = self.autostart_check
        desktop_layout.addWidget(QLabel(tr("Remind me:")))
        for key, label in REMINDER_SWITCHES:
            check = QCheckBox(label)
            check.setObjectName(key)
            check.toggled.connect(lambda on, key=key: self._on_switch_toggled(key, on))
            self._switches[key] = check
            desktop_layout.addWidget(check)
        desktop_layout.addSpacing(6)
        desktop_layout.addWidget(QLabel(tr("While I focus:")))
        dnd = QCheckBox(tr("Do Not Disturb on the desktop during focus blocks"))
        dnd.setObjectName("dnd_focus")
        dnd.setToolTip(
            tr(
                "While a focus block runs, the desktop's own Do Not Disturb is on (Splitday's "
                "reminders still come through); it is put back as it was when the block ends, "
                "during an interruption, off-plan, at the hard stop and on quit"
            )
        )
        dnd.toggled.connect(lambda on: self._on_switch_toggled("dnd_focus", on))
        self._switches["dnd_focus"] = dnd
        desktop_layout.addWidget(dnd)
        self.dnd_roles_row = QHBoxLayout()
        self.dnd_roles_row.setContentsMargins(20, 0, 0, 0)
        self.dnd_roles_row.addWidget(QLabel(tr("Also every slot of:")))
        self.dnd_roles_row.addStretch(1)
        desktop_layout.addLayout(self.dnd_roles_row)
        self.dnd_desktop = QLabel()
        self.dnd_desktop.setObjectName("dnd_desktop")
        self.dnd_desktop.setWordWrap(True)
        self.dnd_desktop.setEnabled(False)
        desktop_layout.addWidget(self.dnd_desktop)
        return desktop_box

    def _show_dnd_roles(self, roles: Sequence[RoleV], chosen: set[int]) -> None:
        """One box per active role: every slot of a ticked role is quiet, long or short."""
        active = [r for r in roles if not r.archived]
        if [r.id for r in active] != list(self._dnd_roles):
            for check in self._dnd_roles.values():
                self.dnd_roles_row.removeWidget(check)
                retire(check)
            self._dnd_roles = {}
            for role in active:
                check = QCheckBox(role.name)
                check.setObjectName(f"dnd_role_{role.id}")
                check.toggled.connect(self._on_dnd_roles_toggled)
                self._dnd_roles[role.id] = check
                self.dnd_roles_row.insertWidget(self.dnd_roles_row.count() - 1, check)
        for role in active:
            check = self._dnd_roles[role.id]
            with QSignalBlocker(check):
                check.setText(role.name)
                check.setChecked(role.id in chosen)

    def _on_dnd_roles_toggled(self, _on: bool) -> None:
        chosen = [rid for rid, check in self._dnd_roles.items() if check.isChecked()]
        self._save(lambda: self.service.set_dnd_roles(chosen), self.desktop_message)

    def _hours_box(self) -> BuddyBox:
        """Each weekday's hours: a workday or not, its start and its hard stop."""
        self.hours_message = MessageBar("hours_message")
        hours_box = BuddyBox(tr("&Workday hours (start – hard stop)"))
        hours_layout = QVBoxLayout(hours_box)
        hours_layout.addWidget(self.hours_message)
        hours_grid = QGridLayout()
        self.hours_rows = [HoursRow(weekday, self) for weekday in range(7)]
        hours_box.buddy = self.hours_rows[0].is_workday
        for weekday, row in enumerate(self.hours_rows):
            hours_grid.addWidget(row.is_workday, weekday, 0)
            hours_grid.addWidget(row.window, weekday, 1)
            hours_grid.addWidget(row.lunch, weekday, 2)
            hours_grid.addWidget(row.lunch_window, weekday, 3)
        hours_grid.setColumnStretch(3, 1)
        hours_layout.addLayout(hours_grid)
        hours_layout.addStretch(1)
        return hours_box

    # ------------------------------------------------------------ reading

    def reload(self) -> None:
        keys = [key for key, *_ in NUMBER_SETTINGS] + [key for key, *_ in RHYTHM_SETTINGS]
        view = self.service.load([*keys, "short_break_minutes"], list(self._switches))
        roles, hours, numbers, hotkey = view.roles, view.hours, view.numbers, view.hotkey
        self._show_roles(roles)
        for row, (is_workday, start, stop) in zip(self.hours_rows, hours, strict=True):
            row.show(is_workday, start, stop)
        for row, lunch in zip(self.hours_rows, view.lunch, strict=True):
            row.show_lunch(lunch)
        self._stored_short = numbers.pop("short_break_minutes")
        with QSignalBlocker(self.short_breaks), QSignalBlocker(self.short_length):
            self.short_breaks.setChecked(self._stored_short > 0)
            if self._stored_short > 0:  # off: the length last shown stays for turning it on
                self.short_length.setValue(self._stored_short)
            elif self.short_length.value() == self.short_length.minimum():
                self.short_length.setValue(DEFAULT_SHORT_BREAK)
        self.short_length.setEnabled(self._stored_short > 0)
        self._numbers["short_break_after_minutes"].setEnabled(self._stored_short > 0)
        self._stored_numbers = numbers
        for key, value in numbers.items():
            with QSignalBlocker(self._numbers[key]):
                self._numbers[key].setValue(value)
        self._show_max_blocks(roles, view.max_blocks or {})
        self._stored_hotkey = hotkey
        with QSignalBlocker(self.hotkey):
            self.hotkey.setKeySequence(QKeySequence(hotkey))
        self.hotkey_layers.setText(self._hotkey_status() if self._hotkey_status else "")
        self.hotkey_layers.setVisible(self._hotkey_status is not None)
        with QSignalBlocker(self.autostart_check):
            self.autostart_check.setChecked(self._autostart.is_enabled())
        for key, on in view.switches.items():
            with QSignalBlocker(self._switches[key]):
                self._switches[key].setChecked(on)
        self._show_dnd_roles(roles, set(view.dnd_roles))
        found = self._dnd_status() if self._dnd_status else ""
        self.dnd_desktop.setText(tr("Desktop found: {found}").format(found=found) if found else "")
        self.dnd_desktop.setVisible(bool(found))

    def _show_roles(self, roles: Sequence[RoleV]) -> None:
        ordered = [r for r in roles if not r.archived] + [r for r in roles if r.archived]
        layout_key = [(r.id, r.archived) for r in ordered]
        if layout_key != [(row.role.id, row.role.archived) for row in self._role_rows.values()]:
            while self.roles_grid.count():
                item = self.roles_grid.takeAt(0)
                if item is not None and (widget := item.widget()) is not None:
                    retire(widget)
            self._role_rows = {}
            for line, role in enumerate(ordered):
                row = RoleRow(role, self)
                self._role_rows[role.id] = row
                for column, widget in enumerate(row.widgets()):
                    self.roles_grid.addWidget(widget, line, column)
            order = [w for row in self._role_rows.values() for w in row.widgets()]
            chain(*order, self.new_role, self.add_role)
            # Alt+R goes to the first role's name (a plain group box: to the field used last)
            first = next(iter(self._role_rows.values()), None)
            self.roles_box.buddy = first.name if first is not None else self.new_role
        else:
            for role in ordered:
                self._role_rows[role.id].show(role)
        total = sum(r.target_percent for r in roles if not r.archived)
        text = tr("Target shares add up to {total:g} %").format(total=total)
        if round(total) != 100:
            text += tr(" — auto-split scales them to 100 %")
        self.targets_sum.setText(text)

    def _announce(self, change: Change) -> None:
        self.settings_changed.emit(change)

    # ------------------------------------------------------------ edits

    def edit_role(self, role: RoleV, **fields: Any) -> None:
        unchanged = all(getattr(role, k) == v for k, v in fields.items() if k != "name") and (
            "name" not in fields or fields["name"].strip() == role.name
        )
        if unchanged:
            return
        self._save(lambda: self.service.edit_role(role.id, **fields), self.roles_message)
        if "archived" in fields and role.id in self._role_rows:
            self._role_rows[role.id].archive.setFocus()  # the row was rebuilt; keep the place

    def pick_colour(self, role: RoleV) -> None:
        dialog = QColorDialog(QColor(role.colour), self)
        dialog.setObjectName("colour_dialog")
        dialog.setWindowTitle(tr("Colour of {name}").format(name=role.name))
        dialog.colorSelected.connect(
            lambda colour: self.edit_role(role, colour=colour.name(QColor.NameFormat.HexRgb))
        )
        self.colour_dialog = dialog
        dialog.open()

    def _on_add_role_clicked(self) -> None:
        name = self.new_role.text()
        result = self._save(lambda: self.service.add_role(name), self.roles_message)
        if result is not None:
            self.new_role.clear()
            self.new_role.setFocus()

    def save_hours(self, row: HoursRow) -> None:
        values = row.values()
        if values == row.stored:
            return
        is_workday, start, stop = values
        result = self._save(
            lambda: self.service.set_hours(row.weekday, start, stop, is_workday),
            self.hours_message,
        )
        if result is None:
            why = self.hours_message.text()
            self.hours_message.setText(f"{weekday_name(row.weekday)}: {why[:1].lower()}{why[1:]}")

    def save_lunch(self, row: HoursRow) -> None:
        lunch = row.lunch_values()
        if lunch == row.stored_lunch:
            row.lunch_window.setEnabled(row.lunch.isChecked() and row.lunch.isEnabled())
            return
        result = self._save(lambda: self.service.set_lunch(row.weekday, lunch), self.hours_message)
        if result is None:
            why = self.hours_message.text()
            self.hours_message.setText(f"{weekday_name(row.weekday)}: {why[:1].lower()}{why[1:]}")

    def _on_short_breaks_toggled(self, on: bool) -> None:
        minutes = self.short_length.value() if on else 0
        self._save(
            lambda: self.service.set_number("short_break_minutes", minutes), self.breaks_message
        )

    def _on_short_length_edited(self) -> None:
        minutes = self.short_length.value()
        if not self.short_breaks.isChecked() or minutes == self._stored_short:
            return
        self._save(
            lambda: self.service.set_number("short_break_minutes", minutes), self.breaks_message
        )

    def _on_max_block_edited(self, role_id: int) -> None:
        minutes = self._max_blocks[role_id].value()
        if minutes == self._stored_max_blocks.get(role_id, 0):
            return
        self._save(
            lambda: self.service.set_max_block(role_id, minutes or None), self.breaks_message
        )

    def _on_number_edited(self, key: str) -> None:
        value = self._numbers[key].value()
        if value == self._stored_numbers.get(key):
            return
        self._save(lambda: self.service.set_number(key, value), self._number_bars[key])

    def _on_hotkey_edited(self) -> None:
        text = self.hotkey.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
        if text == self._stored_hotkey:
            return
        self._save(lambda: self.service.set_hotkey(text), self.numbers_message)

    def _on_autostart_toggled(self, on: bool) -> None:
        try:
            if on:
                where = self._autostart.enable()
                self.desktop_message.show_note(
                    tr("Splitday will start at login ({where}).").format(where=where)
                )
            else:
                self._autostart.disable()
                self.desktop_message.show_note(tr("Splitday will not start at login."))
        except OSError as exc:
            self.desktop_message.show_error(
                tr("Could not change the login start: {exc}").format(exc=exc)
            )
            with QSignalBlocker(self.autostart_check):
                self.autostart_check.setChecked(self._autostart.is_enabled())

    def _on_switch_toggled(self, key: str, on: bool, bar: MessageBar | None = None) -> None:
        self._save(lambda: self.service.set_switch(key, on), bar or self.desktop_message)


def main(argv: Sequence[str] | None = None) -> int:
    return run_dialog(SettingsDialog, tr("Splitday settings"), argv)


if __name__ == "__main__":
    sys.exit(main())
