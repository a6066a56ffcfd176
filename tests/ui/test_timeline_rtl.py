"""The timeline in a right-to-left layout (SPLITDAY_LANG=ar or he, or Qt's layout direction set
so): the time axis is vertical and stays top-down; the order across it mirrors, the hour ruler
at the right edge, Planned beside it, Actual at the left, each block's words from its right."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from ui_helpers import BERLIN, Seeded, at, slots_of

from planner.domain import i18n
from planner.domain.clock import FakeClock
from planner.storage.db import Database
from ui.formats import install_translations
from ui.gateway import Gateway
from ui.shell.main_window import MainWindow
from ui.views.timeline.widget import TimelineWidget

LEFT = Qt.MouseButton.LeftButton
NO = Qt.KeyboardModifier.NoModifier


@pytest.fixture(params=["qt", "ar"])
def rtl(
    request: pytest.FixtureRequest, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Right to left, as Qt's layout direction or as an Arabic locale sets it at start-up."""
    if request.param == "ar":
        monkeypatch.setenv("SPLITDAY_LANG", "ar")
        i18n.set_language(None)
        install_translations(qapp)
    else:
        qapp.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    yield request.param
    qapp.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    monkeypatch.delenv("SPLITDAY_LANG", raising=False)
    i18n.set_language(None)


def _window(
    qtbot: QtBot, db: Database, clock: FakeClock, tmp_path: Path
) -> tuple[MainWindow, TimelineWidget]:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, clock, BERLIN)
    qtbot.addWidget(win)
    win.resize(1200, 900)
    win.show()
    qtbot.waitExposed(win)
    win.attach(Gateway(db, clock, BERLIN, win.undo_stack, win))
    tl = win.timeline
    qtbot.waitUntil(lambda: tl.snapshot is not None and len(tl.snapshot.plan.slots) == 3)
    return win, tl


def _ink_columns(image: QImage, x0: int, x1: int, y0: int, y1: int, fill: QColor) -> list[int]:
    """The x of every column in [x0, x1) with a pixel far from the block's fill (its words)."""
    found = []
    for x in range(max(x0, 0), min(x1, image.width())):
        for y in range(max(y0, 0), min(y1, image.height())):
            c = image.pixelColor(x, y)
            if abs(c.red() - fill.red()) + abs(c.green() - fill.green()) > 120:
                found.append(x)
                break
    return found


def test_the_columns_mirror_and_the_time_axis_stays_top_down(
    rtl: str, qtbot: QtBot, db: Database, clock: FakeClock, seeded: Seeded, tmp_path: Path
) -> None:
    _win, tl = _window(qtbot, db, clock, tmp_path)
    assert tl.isRightToLeft()
    (p_left, p_right), (a_left, a_right) = tl.planned_column(), tl.actual_column()
    r_left, r_right = tl.ruler()
    assert a_right < p_left  # Actual at the left, Planned to its right
    assert p_right <= r_left and r_right <= tl.width()  # the hours at the right edge
    assert a_left >= 0 and p_left - a_right >= 6  # a gap for the rule between them
    assert tl.y_of(at("09:00")) < tl.y_of(at("10:00")) < tl.y_of(at("13:00"))
    slot = next(s for s in tl.snapshot.plan.slots if s.start == at("09:00"))
    rect = tl.slot_rect(slot)
    assert rect.left() >= p_left - 0.5 and rect.right() <= p_right + 0.5


def test_a_slot_is_drawn_on_the_right_with_its_words_from_the_right(
    rtl: str, qtbot: QtBot, db: Database, clock: FakeClock, seeded: Seeded, tmp_path: Path
) -> None:
    _win, tl = _window(qtbot, db, clock, tmp_path)
    image = tl.grab().toImage()
    slot = next(s for s in tl.snapshot.plan.slots if s.start == at("09:00"))
    rect = tl.slot_rect(slot)
    fill = image.pixelColor(int(rect.left()) + 3, int(rect.bottom()) - 4)
    mirror_x = tl.width() - int(rect.center().x())  # where the slot is drawn left to right
    assert image.pixelColor(int(rect.center().x()), int(rect.bottom()) - 4) == fill
    assert image.pixelColor(mirror_x, int(rect.bottom()) - 4) != fill
    first_line = (int(rect.top()) + 3, int(rect.top() + tl.fontMetrics().height()))
    ink = _ink_columns(image, int(rect.left()) + 2, int(rect.right()) - 1, *first_line, fill)
    assert ink, "the slot's first line was not drawn"
    assert max(ink) >= rect.right() - 14  # it ends at the right side, where reading starts
    assert min(ink) > rect.left() + rect.width() * 0.3  # and leaves the left side empty
    # the hour labels are in the ruler at the right edge, none at the left (11:00: no slot,
    # no "now" line there)
    r_left, r_right = tl.ruler()
    eleven = int(tl.y_of(at("11:00")))
    base = QColor(tl.palette().base().color())
    assert _ink_columns(image, int(r_left), int(r_right), eleven - 5, eleven + 5, base)
    assert not _ink_columns(image, 0, 40, eleven - 5, eleven + 5, base)


def test_dragging_in_the_mirrored_planned_column_plans_a_slot(
    rtl: str, qtbot: QtBot, db: Database, clock: FakeClock, seeded: Seeded, tmp_path: Path
) -> None:
    """The pointer finds the columns where they are drawn: a drag on the right (Planned) adds a
    slot; the same drag where Planned was, left to right, is now on Actual and plans nothing."""
    _win, tl = _window(qtbot, db, clock, tmp_path)
    a, b = tl.point_at(at("15:01")), tl.point_at(at("16:02"))
    assert a.x() > tl.width() / 2
    qtbot.mousePress(tl, LEFT, NO, a)
    qtbot.mouseMove(tl, QPoint(a.x(), (a.y() + b.y()) // 2))
    qtbot.mouseMove(tl, b)
    qtbot.mouseRelease(tl, LEFT, NO, b)
    assert ("15:00", "16:00", seeded.support) in slots_of(db)
    before = slots_of(db)
    c, d = tl.point_at(at("16:31"), "actual"), tl.point_at(at("17:02"), "actual")
    qtbot.mousePress(tl, LEFT, NO, c)
    qtbot.mouseMove(tl, QPoint(c.x(), (c.y() + d.y()) // 2))
    qtbot.mouseMove(tl, d)
    qtbot.mouseRelease(tl, LEFT, NO, d)
    assert slots_of(db) == before
