"""Built-in defaults: the first roles, workday hours and every setting's default value.

Standard library only (the `splitday report` fast path reads them without SQLAlchemy);
planning re-exports them.
"""

from __future__ import annotations

from typing import Any

DEFAULT_ROLES = (("Support", "#e15759", 50.0), ("Community", "#4e79a7", 50.0))
DEFAULT_START = 9 * 60
DEFAULT_STOP = 17 * 60 + 30
DEFAULTS: dict[str, Any] = {
    "min_block_minutes": 45,
    "day_start_minute": 240,  # a "day" runs from 04:00 to 04:00, so late nights stay in it
    "slot_lead_minutes": 2,
    "slot_end_warning_minutes": 5,
    "overtime_every_minutes": 15,
    "interruption_nag_minutes": 15,
    "resumption_cost_minutes": 23,
    "auto_split_interruption_hours": False,  # opt-in: plan around when interruptions cluster
    "hotkey": "Ctrl+Alt+I",
    "backups_kept": 10,  # daily copies of the SQLite file kept (planner.storage.db.daily_backup)
    # reminders (planner/services/reminders.py): each kind on/off, quiet hours as "HH:MM" or None
    "remind_slot_start": True,
    "remind_slot_end": True,
    "remind_meeting": True,
    "remind_hard_stop": True,
    "remind_overtime": True,
    "remind_interruption": True,
    "quiet_hours_start": None,
    "quiet_hours_end": None,
    "gap_minutes": 10,
    "global_hotkey": True,  # the pynput layer, where the desktop allows it (X11, Windows)
    "reflow_after_minutes": 20,  # offer a re-flow after an interruption this long
    # plans a person would make (issue 16, docs/planning.md)
    "lunch": [[12 * 60 + 30, 13 * 60 + 15]] * 7,  # per weekday (0 = Monday): [from, to] or None
    "short_break_minutes": 5,  # 0: no short breaks
    "short_break_after_minutes": 90,  # of focus in a row
    "max_block_minutes": 120,  # the longest block of one role (per role: max_block_by_role)
    "max_block_by_role": {},  # {"role id": minutes}
    "keep_week_share": True,  # repay the week's shortfall in the following days' plans
    "remind_break": True,
    # the desktop's Do Not Disturb in focus blocks (planner/domain/dnd.py): opt-in, and the ids
    # of roles whose every slot is quiet too
    "dnd_focus": False,
    "dnd_roles": [],
}
