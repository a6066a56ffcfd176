"""On SQLite (the default) the weekly review has no Team tab: it looks as it did."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from planner.domain.clock import FakeClock
from planner.review import team as team_review
from planner.storage.db import Database
from ui.actions.review import ReviewActions
from ui.gateway import Gateway
from ui.views.review import ReviewView

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def test_no_team_tab_on_sqlite(qtbot: QtBot, db: Database, clock: FakeClock) -> None:
    view = ReviewView(Gateway(db, clock, BERLIN))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.chart("time-split") is not None)
    assert view.team_tab is None
    titles = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert titles == ["Time split", "Target vs actual", "Interruptions", "Plan adherence"]
    # the core's one read says why, in words, and does not fail
    said = ReviewActions(view.gateway).team(view.monday)
    assert isinstance(said, team_review.NoTeam)
    # ($SPLITDAY_TEST_DB_URL may be a PostgreSQL database without `server init`: no team either)
    sqlite = db.engine.dialect.name == "sqlite"
    assert ("PostgreSQL" if sqlite else "server init") in said.reason, said.reason
