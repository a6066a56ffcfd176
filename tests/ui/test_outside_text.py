"""Text from outside (a calendar server's titles) is shown as typed: never as HTML, and no
control character or bidi override reaches the screen (issue 13, item 6)."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot
from ui_helpers import BERLIN

from planner.domain.timerange import local_wall_time
from planner.domain.values import DayV, MeetingV, PlanV, RoleV, SlotV
from planner.platform.notify import Notice
from ui.day_data import DaySnapshot, focus_of
from ui.views.now_panel import FocusCard
from ui.views.timeline.widget import TimelineWidget
from ui.widgets.plain import as_tip
from ui.widgets.toast import ToastStack

DAY = date(2026, 11, 24)
HOSTILE = "<img src='http://tracker.example/x.png'><b>Stand-up</b> \u202eevil\x1b]0;owned\x07"


def at(hh: int, mm: int = 0) -> datetime:
    return local_wall_time(DAY, hh * 60 + mm, BERLIN)


def snapshot(now: datetime) -> DaySnapshot:
    roles = (RoleV(1, "Support", "#e15759", 50, 0, False),)
    slots = (SlotV(1, DAY, at(9), at(10), 1, "", "auto", False),)  # the meeting after it
    meeting = MeetingV(9, HOSTILE, at(10), at(10, 30), False, True, 1, 1)
    plan = PlanV(DayV(DAY, at(9), at(17, 30), 45, True), roles, slots, (), (meeting,))
    return DaySnapshot(plan, (), now, DAY)


def assert_plain(text: str) -> None:
    assert "<b>Stand-up</b>" in text  # the tags as typed, not bold
    assert "\u202e" not in text and "\x1b" not in text and "\x07" not in text
    assert "␛]0;owned␇" in text  # visible stand-ins, nothing silently dropped


def test_a_meeting_title_in_the_now_panel_is_plain_text(qtbot: QtBot) -> None:
    card = FocusCard(BERLIN)
    qtbot.addWidget(card)
    card.show_focus(focus_of(snapshot(at(10, 10))))
    assert card.task.textFormat() == Qt.TextFormat.PlainText
    assert_plain(card.task.text())


def test_a_reminder_toast_is_plain_text(qtbot: QtBot) -> None:
    stack = ToastStack(timeout_ms=0)
    toast = stack.show(Notice(HOSTILE, HOSTILE))
    qtbot.addWidget(toast)
    for label in (toast.title, toast.body):
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert_plain(label.text())


def test_the_timeline_tooltip_escapes_a_meeting_title(qtbot: QtBot) -> None:
    widget = TimelineWidget(BERLIN)
    qtbot.addWidget(widget)
    widget.resize(500, 900)
    widget.set_snapshot(snapshot(at(9, 30)))
    # find the meeting's place by asking the widget what each point shows
    spots = [
        (x, y)
        for x in range(0, 500, 20)
        for y in range(0, 900, 3)
        if "(meeting)" in widget.describe_at(QPointF(x, y))
    ]
    assert spots, "the meeting is somewhere on the timeline"
    x, y = spots[len(spots) // 2]
    widget.show()
    pos = QPoint(x, y)
    QApplication.sendEvent(widget, QHelpEvent(QEvent.Type.ToolTip, pos, widget.mapToGlobal(pos)))
    tip = QToolTip.text()
    assert tip == as_tip(widget.describe_at(QPointF(x, y)))
    assert "<img" not in tip and "&lt;img" in tip and "&lt;b&gt;Stand-up&lt;/b&gt;" in tip
    assert "\u202e" not in tip and "\x1b" not in tip
    QToolTip.hideText()
