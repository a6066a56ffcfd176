"""What is about a day leaves the screen with the day: the re-flow prompt and the toasts."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from ui_helpers import DAY

from planner.domain.clock import FakeClock
from planner.platform.notify import Notice
from ui.dialogs.end_of_day import EndOfDayDialog
from ui.dialogs.interruption_log import ReflowPrompt
from ui.dialogs.plan_day import PlanDayDialog
from ui.shell.app import follow_the_day
from ui.shell.main_window import MainWindow
from ui.widgets.toast import ToastStack

STOP = Notice("Time to stop", "The hard stop is now (17:30).", "stop", urgent=True)


def wired(qtbot: QtBot, window: MainWindow) -> tuple[ReflowPrompt, ToastStack]:
    prompt = ReflowPrompt()
    qtbot.addWidget(prompt)
    toasts = ToastStack(lambda: window, day=lambda: window.today)
    follow_the_day(window, prompt, toasts)
    return prompt, toasts


def open_dialog(qtbot: QtBot, window: MainWindow, kind: type) -> QWidget:
    qtbot.waitUntil(lambda: any(w.isVisible() for w in window.findChildren(kind)))
    [dialog] = [w for w in window.findChildren(kind) if w.isVisible()]
    return dialog


def test_the_prompt_makes_way_for_plan_my_day_and_end_of_day(
    qtbot: QtBot, window: MainWindow
) -> None:
    prompt, _ = wired(qtbot, window)
    prompt.offer(DAY, "A 50-min interruption.")
    assert prompt.isVisible()
    window.end_of_day_action.trigger()
    open_dialog(qtbot, window, EndOfDayDialog).reject()
    assert prompt.isHidden() and prompt.day is None
    prompt.offer(DAY, "A 50-min interruption.")
    window.plan_action.trigger()
    open_dialog(qtbot, window, PlanDayDialog).reject()
    assert prompt.isHidden()


def test_closing_the_day_closes_its_toasts_and_its_prompt(qtbot: QtBot, window: MainWindow) -> None:
    prompt, toasts = wired(qtbot, window)
    toast = toasts.show(STOP)
    assert toast.day == DAY and toast.isVisible()
    window.end_of_day_action.trigger()
    dialog = open_dialog(qtbot, window, EndOfDayDialog)
    assert isinstance(dialog, EndOfDayDialog)
    prompt.offer(DAY, "A 50-min interruption.")  # an interruption ended meanwhile
    qtbot.mouseClick(dialog.close_day, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not toasts.toasts)
    assert prompt.isHidden()
    assert not [
        w for w in QApplication.topLevelWidgets() if w.objectName() == "toast" and w.isVisible()
    ]


def test_the_next_morning_yesterdays_toast_and_prompt_are_gone(
    qtbot: QtBot, window: MainWindow, clock: FakeClock
) -> None:
    prompt, toasts = wired(qtbot, window)
    toasts.show(STOP)
    prompt.offer(DAY, "A 50-min interruption.")
    clock.advance(timedelta(hours=23))  # 08:00 the next day, the window left open
    window.tick()
    assert window.today == DAY + timedelta(days=1)
    assert not toasts.toasts and prompt.isHidden()
    today = toasts.show(Notice("Support starts", "09:00–10:00", "slot"))
    assert today.day == DAY + timedelta(days=1) and today.isVisible()


def test_the_prompt_has_alt_letters_and_tab_reaches_the_safe_choice_first(
    qtbot: QtBot,
) -> None:
    prompt = ReflowPrompt()
    qtbot.addWidget(prompt)
    dismissed: list[bool] = []
    prompt.dismissed.connect(lambda: dismissed.append(True))
    prompt.offer(DAY, "A 50-min interruption.")
    assert prompt.keep_button.text() == "&Keep the plan"
    assert prompt.reflow_button.text() == "&Re-flow the rest of the day"
    chain, widget = [], prompt.nextInFocusChain()
    while widget is not prompt:
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == [prompt.keep_button, prompt.reflow_button]
    prompt.activateWindow()
    qtbot.waitUntil(prompt.isActiveWindow)
    qtbot.keyClick(prompt, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dismissed == [True])  # a mnemonic clicks after a short animation
    assert prompt.isHidden()
