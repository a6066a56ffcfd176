"""Every dialog fits the screen it opens on: long ones scroll, their buttons stay in view."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QAbstractButton, QWidget
from pytestqt.qtbot import QtBot

from planner.domain.clock import FakeClock
from planner.services import demo
from planner.storage.db import Database
from ui.actions.interruptions import InterruptionActions
from ui.dialogs.calendars import CalendarsDialog
from ui.dialogs.end_of_day import EndOfDayDialog
from ui.dialogs.interruption_log import InterruptionLogDialog
from ui.dialogs.plan_day import PlanDayDialog
from ui.dialogs.settings import SettingsDialog
from ui.gateway import Gateway
from ui.shell.interruptions import parse_minutes
from ui.views.review import ReviewView

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _review(gateway: Gateway) -> QWidget:
    view = ReviewView(gateway)
    view.as_window()
    return view


def _log(gateway: Gateway) -> QWidget:
    dialog = InterruptionLogDialog(InterruptionActions(gateway), gateway.zone, parse_minutes)
    dialog.show_day(gateway.today())
    return dialog


DIALOGS: dict[str, Callable[[Gateway], QWidget]] = {
    "plan my day": lambda g: PlanDayDialog(g, g.today()),
    "end of day": lambda g: EndOfDayDialog(g, g.today()),
    "settings": lambda g: SettingsDialog(g, g.today()),
    "calendars": lambda g: CalendarsDialog(g),
    "interruption log": _log,
    "review": _review,
}


def _global(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


@pytest.mark.parametrize("name", list(DIALOGS))
def test_each_dialog_fits_the_screen_with_its_buttons_in_view(
    qtbot: QtBot, db: Database, clock: FakeClock, zone: ZoneInfo, name: str
) -> None:
    """The offscreen screen is 800×800: Plan my day opened at 1160×680, Settings wider still;
    with weeks of history the review's summary and insight made it wider than the screen."""
    with db.transaction() as s:  # long lists, long summaries: what a person has after weeks
        demo.generate(s, "tester", zone, clock.now(), weeks=3)
    widget = DIALOGS[name](Gateway(db, clock, zone))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    screen = widget.screen() or QGuiApplication.primaryScreen()
    free = screen.availableGeometry()
    assert free.contains(widget.frameGeometry()), (widget.frameGeometry(), free)
    buttons = [b for b in widget.findChildren(QAbstractButton) if b.isVisible()]
    assert buttons
    for button in buttons:  # inside a scroll area a button may be scrolled out of view: not lost
        if not any(p.objectName() == "scroll" for p in _ancestors(button)):
            assert free.contains(_global(button)), (button.text(), _global(button), free)


def _ancestors(widget: QWidget) -> list[QWidget]:
    out = []
    parent = widget.parentWidget()
    while parent is not None:
        out.append(parent)
        parent = parent.parentWidget()
    return out


@pytest.mark.parametrize(
    "module",
    ["ui.dialogs.plan_day", "ui.dialogs.end_of_day", "ui.dialogs.settings", "ui.views.review"],
)
def test_the_windows_at_twice_the_scale_on_a_small_screen(
    tmp_path: Path, db_url: str, db: Database, clock: FakeClock, zone: ZoneInfo, module: str
) -> None:
    """QT_SCALE_FACTOR=2 on a 1600×1000 screen: Plan my day opened at 2320×1360, its buttons
    off screen; the review, with weeks of history, at 2176 wide."""
    with db.transaction() as s:
        demo.generate(s, "tester", zone, clock.now(), weeks=3)
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps({"screens": [{"name": "small", "width": 1600, "height": 1000, "dpr": 1}]})
    )
    out = tmp_path / "plan.png"
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        QT_SCALE_FACTOR="2",
        SPLITDAY_OWNER="tester",
        SPLITDAY_NOW="2026-11-24T10:00",
        TZ="Europe/Berlin",
    )
    done = subprocess.run(
        [sys.executable, "-m", module, "--db", db_url, "--screenshot", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))  # in device pixels: twice the dialog's size
    assert 0 < image.width() <= 1600 and 0 < image.height() <= 1000, image.size()


def test_a_dialog_widens_rather_than_scroll_sideways(qtbot: QtBot) -> None:
    """Longer words (the pseudo-locale at 1366×800: Plan my day and the end of day needed the
    horizontal scroll bar): once shown, a dialog whose scrolled contents are wider than what it
    shows grows to them, screen permitting; one wider than the screen still scrolls."""
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout

    from ui.dialogs._common import scrolled
    from ui.widgets.fit import fit_window

    def dialog(words: int) -> tuple[QDialog, QWidget]:
        d = QDialog()
        qtbot.addWidget(d)
        row = QHBoxLayout()
        for i in range(words):
            row.addWidget(QPushButton(f"[Pull in {i} unfinished tasks~~~~]"))
        outer = QVBoxLayout(d)
        area = scrolled(row)
        outer.addWidget(area)
        fit_window(d, QSize(300, 200))
        d.show()
        qtbot.waitExposed(d)
        return d, area

    free = (QGuiApplication.primaryScreen()).availableGeometry()
    d, area = dialog(3)
    need = area.widget().minimumSizeHint().width()
    # more than a scroll area asks for (Qt caps its hint), less than the screen
    assert area.sizeHint().width() < need < free.width() - 40, (area.sizeHint(), need, free)
    qtbot.waitUntil(lambda: area.horizontalScrollBar().maximum() == 0, timeout=15000)
    assert d.width() > 300 and free.contains(d.frameGeometry())
    wide, wide_area = dialog(12)  # far wider than the 800-pixel screen: fitted, and scrolls
    qtbot.waitUntil(lambda: wide.width() > 300, timeout=15000)
    assert wide.frameGeometry().width() <= free.width()
    assert wide_area.horizontalScrollBar().maximum() > 0
