"""The Review view, driven like a user: week navigation, hover tooltips, day clicks, insight."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt

from planner.domain.clock import FakeClock
from planner.domain.values import Change, Topic
from planner.services import planning
from planner.storage.db import Database
from planner.storage.models import Entry, Slot
from ui.gateway import Gateway
from ui.views.review import ReviewView

BERLIN = ZoneInfo("Europe/Berlin")
ROOT = Path(__file__).resolve().parents[2]
MONDAY = date(2026, 11, 23)
# the offscreen platform cannot size or raise top-level windows (the tooltip); harmless there
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def at(day: date, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def filled(db: Database) -> Database:
    with db.transaction() as s:
        sup, com = planning.list_roles(s, "tester")
        s.add(Slot(owner="tester", day=MONDAY, start=at(MONDAY, "09:00"),
                   end=at(MONDAY, "12:00"), role_id=sup.id, origin="auto"))  # fmt: skip
        s.add(Entry(owner="tester", start=at(MONDAY, "09:00"), end=at(MONDAY, "11:30"),
                    kind="work", role_id=sup.id))  # fmt: skip
        s.add(Entry(owner="tester", start=at(MONDAY, "13:00"), end=at(MONDAY, "15:00"),
                    kind="work", role_id=com.id))  # fmt: skip
        for k in range(8):  # eight weeks of chat at Mon-Wed 10:00-11:00
            for wd in range(3):
                day = MONDAY - timedelta(weeks=k, days=-wd)
                for minute in ("10:05", "10:30", "10:50"):
                    s.add(Entry(owner="tester", start=at(day, minute),
                                end=at(day, minute) + timedelta(minutes=4),
                                kind="interruption", role_id=sup.id, source="chat"))  # fmt: skip
            day = MONDAY - timedelta(weeks=k, days=-3)
            s.add(Entry(owner="tester", start=at(day, "15:00"), end=at(day, "15:05"),
                        kind="interruption", role_id=com.id, source="email"))  # fmt: skip
    return db


@pytest.fixture
def view(qtbot, filled: Database, clock: FakeClock) -> ReviewView:  # type: ignore[no-untyped-def]
    widget = ReviewView(Gateway(filled, clock, BERLIN))
    qtbot.addWidget(widget)
    widget.resize(1100, 720)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: widget.chart("time-split") is not None)
    widget.canvas("time-split").draw()
    return widget


def _centre(view: ReviewView, name: str, text_part: str) -> tuple[float, float, object]:
    chart = view.chart(name)
    assert chart is not None
    hit = next(h for h in chart.hits if isinstance(h.text, str) and text_part in h.text)
    box = hit.artist.get_window_extent()
    return box.x0 + box.width / 2, box.y0 + box.height / 2, hit


def test_shows_this_week(view: ReviewView) -> None:
    assert view.week is not None and view.week.week == "2026-W48"
    assert view.week_label.text().startswith("2026-W48")
    assert "Support" in view.summary_label.text()
    assert view.canvas("share") is None  # other charts are drawn when their tab is opened
    assert gc.isenabled()  # paused only while matplotlib was imported


def test_week_navigation(qtbot, view: ReviewView) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(view.week_changed) as blocker:
        qtbot.mouseClick(view.prev_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [MONDAY - timedelta(weeks=1)]
    assert view.week is not None and view.week.week == "2026-W47"
    assert view.week_label.text().startswith("2026-W47")
    qtbot.mouseClick(view.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.next_button, Qt.MouseButton.LeftButton)
    assert view.week is not None and view.week.week == "2026-W49"
    qtbot.mouseClick(view.this_button, Qt.MouseButton.LeftButton)
    assert view.week is not None and view.week.week == "2026-W48"


def test_hover_shows_the_exact_figure(view: ReviewView) -> None:
    from matplotlib.backend_bases import MouseEvent

    canvas = view.canvas("time-split")
    x, y, _ = _centre(view, "time-split", "Mon 23 · Support · worked")
    canvas.callbacks.process("motion_notify_event", MouseEvent("motion_notify_event", canvas, x, y))
    assert view.last_tip == "Mon 23 · Support · worked: 2 h 30 min"
    canvas.callbacks.process("motion_notify_event", MouseEvent("motion_notify_event", canvas, 2, 2))
    assert view.last_tip is None


def test_clicking_a_day_opens_it(qtbot, view: ReviewView) -> None:  # type: ignore[no-untyped-def]
    canvas = view.canvas("time-split")
    x, y, _ = _centre(view, "time-split", "Mon 23 · Community · worked")
    ratio = canvas.device_pixel_ratio or 1
    pos = QPoint(round(x / ratio), round(canvas.height() - y / ratio))
    with qtbot.waitSignal(view.day_activated) as blocker:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [MONDAY]


def test_each_tab_draws_its_chart(qtbot, view: ReviewView) -> None:  # type: ignore[no-untyped-def]
    for index, name in enumerate(("time-split", "share", "interruptions", "adherence")):
        view.tabs.setCurrentIndex(index)
        qtbot.waitUntil(lambda n=name: view.chart(n) is not None)
        chart = view.chart(name)
        assert chart is not None and chart.figure.axes and chart.hits


def test_insight_and_its_auto_split_option(view: ReviewView, filled: Database) -> None:
    assert view.insight_label.text().startswith("Most interruptions: Mon–Wed 10:00–11:00")
    assert view.insight_check.isVisible() and not view.insight_check.isChecked()
    view.insight_check.click()
    with filled.transaction() as s:
        assert planning.get_setting(s, "tester", "auto_split_interruption_hours") is True
    view.insight_check.click()
    with filled.transaction() as s:
        assert planning.get_setting(s, "tester", "auto_split_interruption_hours") is False


def test_refreshes_on_a_change_in_its_week(view: ReviewView, filled: Database) -> None:
    with filled.transaction() as s:
        sup = planning.list_roles(s, "tester")[0]
        s.add(Entry(owner="tester", start=at(MONDAY, "16:00"), end=at(MONDAY, "17:00"),
                    kind="work", role_id=sup.id))  # fmt: skip
    view.on_changed(Change.of(Topic.ENTRIES, day=MONDAY + timedelta(weeks=3)))
    assert view.week is not None and view.week.work[sup.id][0] == 150.0  # not this week
    view.on_changed(Change.of(Topic.ENTRIES, day=MONDAY))
    assert view.week.work[sup.id][0] == 210.0


def test_exports(view: ReviewView, tmp_path: Path) -> None:
    png = view.export_chart(tmp_path / "a.png")
    assert png.read_bytes().startswith(b"\x89PNG")
    svg = view.export_chart(tmp_path / "b.svg", "interruptions")
    assert b"<svg" in svg.read_bytes()[:500]
    pdf = view.export_week_pdf(tmp_path / "w.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    entries, aggregates = view.export_csv(tmp_path / "w.csv")
    assert entries.read_text().splitlines()[0].startswith("id,day,start,end")
    assert aggregates.name == "w-aggregates.csv" and aggregates.exists()


def test_matplotlib_loads_on_first_show_only() -> None:
    code = """
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo
from PySide6.QtWidgets import QApplication
from planner.services import planning
from planner.domain.clock import FakeClock
from ui.gateway import open_gateway
from ui.views.review import ReviewView
app = QApplication([])
clock = FakeClock(datetime(2026, 11, 24, tzinfo=UTC))
view = ReviewView(open_gateway(sys.argv[1], clock, ZoneInfo("Europe/Berlin"), owner="t"))
before = "matplotlib" in sys.modules
view.show()
app.processEvents()
print(before, "matplotlib" in sys.modules, view.chart("time-split") is not None)
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    url = f"sqlite:///{Path(os.environ['SPLITDAY_DATA_DIR']).parent / 'lazy.sqlite3'}"
    done = subprocess.run([sys.executable, "-c", code, url], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.stdout.split() == ["False", "True", "True"], done.stderr


def test_escape_closes_the_review_window(qtbot, filled: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+R opened it and nothing on the keyboard closed it again (the lived default day)."""
    from PySide6.QtCore import Qt

    widget = ReviewView(Gateway(filled, clock, BERLIN))
    qtbot.addWidget(widget)
    widget.as_window()
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.keyClick(widget, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not widget.isVisible())
