"""The weekly review's Team tab on a real team server: two members' weeks made through the real
services, the real review widget driven as their lead (who is also a member, the usual case)
and as a member; the figures the test expects are worked out from the rows it made."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import ROOT, Device
from pgcluster import Cluster
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from planner.calendars import sync as calendars
from planner.domain.clock import FakeClock
from planner.domain.timerange import Interval
from planner.services import planning, tracking
from planner.storage import team
from planner.storage.db import Database, ensure_schema, make_engine, open_database
from ui.gateway import Gateway
from ui.views.review import ReviewView
from ui.views.review_team import HEAT_FROM, HEAT_TO, TeamTab

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore("This plugin does not support")]
# two weeks back: a slot made at the real "now" (who is on a role now) lands in another week
MONDAY = (datetime.now(BERLIN) - timedelta(days=14)).date()
MONDAY -= timedelta(days=MONDAY.weekday())
SECRETS = ("secret", "boss", "private", "Standup", "ann-cal", "plan-title")


def at(day: date, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(day, time(h, m), BERLIN).astimezone(UTC)


def hm(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


@dataclass
class Expected:
    """One person's week as the test works it out from the rows it made."""

    planned: dict[str, int]
    actual: dict[str, int]
    overtime: int
    heat: Counter[tuple[int, int]]  # (weekday 0 = Monday, hour) -> interruptions

    def share(self, role: str) -> str:
        total = sum(self.actual.values())
        return f"{round(100 * self.actual.get(role, 0) / total, 1):.0f} %"


@dataclass
class Team:
    name: str
    cluster: Cluster
    expected: dict[str, Expected]


def _live_ann(db: Database, tmp_path: Path) -> None:
    tue = MONDAY + timedelta(days=1)
    ics = tmp_path / "ann.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:standup@t\r\nDTSTART;TZID=Europe/Berlin:{tue:%Y%m%d}T083000\r\n"
        f"DTEND;TZID=Europe/Berlin:{tue:%Y%m%d}T084500\r\nSUMMARY:Standup secret\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with db.transaction() as s:
        support, community = planning.list_roles(s, "ann")[:2]
        source, _ = calendars.add_source(s, "ann", "ann-cal", str(ics))
        assert calendars.sync_source(s, "ann", source.id, now=at(tue, "07:00"), zone=BERLIN).ok
        planning.set_day(s, "ann", tue, BERLIN, start_minute=8 * 60, stop_minute=17 * 60)
        planning.add_slot(s, "ann", BERLIN, at(tue, "09:00"), at(tue, "12:00"), support.id,
                          "plan-title")  # fmt: skip
        planning.add_slot(s, "ann", BERLIN, at(tue, "13:00"), at(tue, "16:00"), community.id)
        planning.add_task(s, "ann", "ann private task", support.id, now=at(tue, "08:00"), day=tue)
    steps = [
        lambda s: tracking.start_work(s, "ann", BERLIN, at(tue, "09:00"), role_id=support.id),
        lambda s: tracking.interrupt(
            s, "ann", BERLIN, at(tue, "10:15"), minutes=10, note="ann secret", source="ann's boss"
        ),
        lambda s: tracking.interrupt(
            s, "ann", BERLIN, at(tue, "10:40"), minutes=5, source="boss again"
        ),
        lambda s: tracking.start_work(s, "ann", BERLIN, at(tue, "13:00"), role_id=community.id),
        lambda s: tracking.interrupt(s, "ann", BERLIN, at(tue, "16:20"), minutes=4),
        lambda s: tracking.stop(s, "ann", BERLIN, at(tue, "17:40")),
    ]
    for step in steps:
        with db.transaction() as s:
            step(s)
    # a slot at the real now, for "who is on which role now"
    now = datetime.now(UTC)
    with db.transaction() as s:
        planning.add_slot(s, "ann", BERLIN, now - timedelta(minutes=10),
                          now + timedelta(minutes=30), support.id)  # fmt: skip


def _live_ben(db: Database) -> None:
    wed = MONDAY + timedelta(days=2)
    with db.transaction() as s:
        support = planning.list_roles(s, "ben")[0]
        planning.add_slot(s, "ben", BERLIN, at(wed, "08:00"), at(wed, "12:00"), support.id)
    for step in (
        lambda s: tracking.start_work(s, "ben", BERLIN, at(wed, "08:00"), role_id=support.id),
        lambda s: tracking.interrupt(
            s, "ben", BERLIN, at(wed, "10:15"), minutes=5, note="ben secret", source="ben's boss"
        ),
        lambda s: tracking.interrupt(s, "ben", BERLIN, at(wed, "10:50"), minutes=3),
        lambda s: tracking.stop(s, "ben", BERLIN, at(wed, "11:00")),
    ):
        with db.transaction() as s:
            step(s)


def _live_lena(db: Database) -> None:
    """The lead works her own plan too (she is also a member)."""
    thu = MONDAY + timedelta(days=3)
    with db.transaction() as s:
        community = planning.list_roles(s, "lena")[1]
        planning.add_slot(s, "lena", BERLIN, at(thu, "09:00"), at(thu, "10:00"), community.id)
    for step in (
        lambda s: tracking.start_work(s, "lena", BERLIN, at(thu, "09:00"), role_id=community.id),
        lambda s: tracking.stop(s, "lena", BERLIN, at(thu, "09:45")),
    ):
        with db.transaction() as s:
            step(s)


def _expected(db: Database, owner: str) -> Expected:
    """The week's figures from the person's own rows (read back through the services)."""
    days = [MONDAY + timedelta(days=i) for i in range(7)]
    week = Interval(at(days[0], "00:00"), at(days[-1], "00:00") + timedelta(days=1))
    planned: dict[str, float] = defaultdict(float)
    actual: dict[str, float] = defaultdict(float)
    heat: Counter[tuple[int, int]] = Counter()
    overtime = 0.0
    with db.read() as s:
        names = {r.id: r.name for r in planning.list_roles(s, owner, include_archived=True)}
        for day in days:
            for slot in planning.list_slots(s, owner, day):
                planned[names[slot.role_id]] += (slot.end - slot.start).total_seconds() / 60
        entries = tracking.list_entries(s, owner, week)
        for e in entries:
            assert e.end is not None
            if e.kind != "break" and e.role_id is not None and e.start >= week.start:
                actual[names[e.role_id]] += (e.end - e.start).total_seconds() / 60
            if e.kind == "interruption":
                local = e.start.astimezone(BERLIN)
                heat[(local.weekday(), local.hour)] += 1
        for day in days:
            d = planning.get_day(s, owner, day, BERLIN)
            if not d.stored:
                continue
            for e in entries:
                assert e.end is not None
                lo, hi = max(e.start, d.stop), min(e.end, d.stop + timedelta(hours=12))
                if e.kind != "break" and hi > lo:
                    overtime += (hi - lo).total_seconds() / 60
    return Expected(
        {k: round(v) for k, v in planned.items()},
        {k: round(v) for k, v in actual.items()},
        round(overtime),
        heat,
    )


@pytest.fixture
def team_server(cluster: Cluster, server_db: str, tmp_path: Path) -> Team:
    name = server_db.rsplit("/", 1)[1]
    engine = make_engine(server_db)
    try:
        ensure_schema(engine)
        # lena leads and is a member too (she plans her own days); leo only leads. (Roles are the
        # cluster's: not `lea`, whom test_team.py makes a lead only.)
        team.init_server(engine, ["ann", "ben", "lena"], ["lena", "leo"])
    finally:
        engine.dispose()
    expected = {}
    for who, live in (
        ("ann", lambda db: _live_ann(db, tmp_path)),
        ("ben", _live_ben),
        ("lena", _live_lena),
    ):
        db = open_database(cluster.url(name, who), owner=who)
        try:
            with db.transaction() as s:
                planning.ensure_defaults(s, who)
            live(db)
            expected[who] = _expected(db, who)
        finally:
            db.close()
    assert expected["ann"].overtime > 0 and expected["ben"].overtime == 0
    return Team(name, cluster, expected)


@pytest.fixture
def review(qtbot: QtBot, team_server: Team, request: pytest.FixtureRequest) -> Iterator[ReviewView]:
    who = request.param
    db = open_database(team_server.cluster.url(team_server.name, who), owner=who)
    with db.transaction() as s:
        planning.ensure_defaults(s, who)
    clock = FakeClock(at(MONDAY + timedelta(days=3), "12:00"))
    view = ReviewView(Gateway(db, clock, BERLIN))
    qtbot.addWidget(view)
    view.as_window()
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.chart("time-split") is not None)
    yield view
    view.close()
    db.close()


def _open_team_tab(qtbot: QtBot, view: ReviewView) -> TeamTab:
    tab = view.team_tab
    assert tab is not None
    assert tab.reads == 0 and not tab.built  # the review's first display: no read, no widgets
    view.activateWindow()
    qtbot.keyClick(view, Qt.Key.Key_T if tab.reader == "lead" else Qt.Key.Key_L,
                   Qt.KeyboardModifier.AltModifier)  # fmt: skip
    qtbot.waitUntil(lambda: view.tabs.currentWidget() is tab)
    assert tab.reads == 1 and tab.report is not None
    return tab


def _rows(tab: TeamTab) -> dict[tuple[str, str], list[str]]:
    """The split table: (person, role) -> [planned, actual, share, target]."""
    out, person = {}, ""
    table = tab.split_table
    for r in range(table.rowCount()):
        person = tab.cell(table, r, 0) or person
        out[(person, tab.cell(table, r, 1))] = [tab.cell(table, r, c) for c in range(2, 6)]
    return out


@pytest.mark.timeout(300)
@pytest.mark.parametrize("review", ["lena"], indirect=True)
def test_the_lead_sees_each_member_s_week_and_nothing_they_wrote(
    qtbot: QtBot, review: ReviewView, team_server: Team, tmp_path: Path
) -> None:
    tab = _open_team_tab(qtbot, review)
    assert review.tabs.tabText(review.tabs.indexOf(tab)) == "&Team"
    # no chart on this tab: "This chart as …" is off; the week's PDF and CSV stay
    assert [a.isEnabled() for a in review.export_button.menu().actions() if a.text()] == [
        False, False, False, True, True
    ]  # fmt: skip
    rows = _rows(tab)
    for who, exp in team_server.expected.items():
        shown = "lena (you)" if who == "lena" else who  # the lead is a member too
        for role, minutes in exp.actual.items():
            planned, actual, share, _target = rows[(shown, role)]
            assert planned == hm(exp.planned.get(role, 0)), (who, role)
            assert actual == hm(minutes), (who, role)
            assert share == exp.share(role), (who, role)
    assert {p for p, _ in rows} == {"ann", "ben", "lena (you)"}
    # who is on which role now: ann's slot at the real now
    now = {tab.cell(tab.now_table, r, 0): tab.cell(tab.now_table, r, 1)
           for r in range(tab.now_table.rowCount())}  # fmt: skip
    assert now == {"ann": "Support", "ben": "no slot now", "lena (you)": "no slot now"}
    # overtime: ann only, by the minutes worked past her 17:00 stop
    over = tab.overtime_table
    assert over.rowCount() == 1 and tab.cell(over, 0, 0) == "ann"
    assert tab.cell(over, 0, 1) == hm(team_server.expected["ann"].overtime)
    # where interruptions cluster: every weekday x hour cell, summed over both members
    heat = sum((e.heat for e in team_server.expected.values()), Counter())
    hours = [int(tab.heat_table.horizontalHeaderItem(c).text())
             for c in range(1, tab.heat_table.columnCount())]  # fmt: skip
    lo, hi = min(h for _, h in heat), max(h for _, h in heat)
    assert hours == list(range(min(lo, HEAT_FROM), max(hi, HEAT_TO) + 1))
    for wd in range(7):
        for c, hour in enumerate(hours, start=1):
            n = heat.get((wd, hour), 0)
            assert tab.cell(tab.heat_table, wd, c) == (str(n) if n else ""), (wd, hour)
    assert str(sum(heat.values())) in tab.heat_note.text()
    # aggregates only: no title, note, meeting, calendar or source name anywhere in the tab
    text = tab.text()
    for word in SECRETS:
        assert word not in text, word
    assert "ann" in text and "ben" in text
    # keyboard: the tables take the focus in reading order; each has a name
    tab.split_table.setFocus()
    for table in (tab.now_table, tab.overtime_table, tab.heat_table):
        qtbot.keyClick(review.focusWidget(), Qt.Key.Key_Tab)
        assert review.focusWidget() is table
    assert all(t.accessibleName() for t in tab.tables())
    assert tab.accessibleName() == "Team" and "Aggregates only" in tab.accessibleDescription()
    tab.grab().save(str(tmp_path / "team-tab-lead.png"))  # looked at by hand, not committed
    if os.environ.get("SPLITDAY_SHOTS"):
        review.grab().save(os.path.join(os.environ["SPLITDAY_SHOTS"], "team-tab-lead.png"))


@pytest.mark.timeout(300)
@pytest.mark.parametrize("review", ["lena"], indirect=True)
def test_the_team_tab_follows_the_week_and_reads_only_when_shown(
    qtbot: QtBot, review: ReviewView, team_server: Team
) -> None:
    tab = _open_team_tab(qtbot, review)
    ann_support = _rows(tab)[("ann", "Support")]
    assert "ISO week" in tab.intro.text() and f"{MONDAY:%G-W%V}" in tab.intro.text()
    qtbot.mouseClick(review.prev_button, Qt.MouseButton.LeftButton)
    assert tab.reads == 2
    earlier = MONDAY - timedelta(weeks=1)
    assert f"{earlier:%G-W%V}" in tab.intro.text()
    assert tab.cell(tab.split_table, 0, 0) == "Nothing planned or logged that week"
    assert tab.report is not None and tab.report.monday == earlier
    qtbot.mouseClick(review.next_button, Qt.MouseButton.LeftButton)
    assert tab.reads == 3 and _rows(tab)[("ann", "Support")] == ann_support
    # on a chart tab, moving between weeks does not read the team
    review.tabs.setCurrentIndex(0)
    qtbot.mouseClick(review.prev_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(review.next_button, Qt.MouseButton.LeftButton)
    assert tab.reads == 3
    review.tabs.setCurrentWidget(tab)
    assert tab.reads == 4 and _rows(tab)[("ann", "Support")] == ann_support
    # the server goes away: the tab says so in words, never a traceback
    team_server.cluster.stop("immediate")
    try:
        qtbot.mouseClick(review.prev_button, Qt.MouseButton.LeftButton)
        assert tab.message.isVisibleTo(tab)
        said = tab.message.text()
        assert "cannot be reached" in said or "offline since" in said, said
        assert "Traceback" not in said and "\n" not in said
        # the week it cannot read shows no other week's figures
        assert tab.cell(tab.split_table, 0, 0) == "Nothing planned or logged that week"
    finally:
        team_server.cluster.start()
    review.gateway.deliver_pending()  # the app's timer: back online
    qtbot.mouseClick(review.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.message.isVisibleTo(tab))
    assert _rows(tab)[("ann", "Support")] == ann_support


@pytest.mark.timeout(300)
@pytest.mark.parametrize("review", ["ben"], indirect=True)
def test_a_member_sees_what_the_lead_sees_about_them_only(
    qtbot: QtBot, review: ReviewView, team_server: Team, tmp_path: Path
) -> None:
    tab = _open_team_tab(qtbot, review)
    assert review.tabs.tabText(review.tabs.indexOf(tab)) == "What your &lead sees"
    assert tab.intro.text().startswith("What your team lead sees about you")
    exp = team_server.expected["ben"]
    rows = _rows(tab)
    assert {p for p, _ in rows} == {"ben (you)"}
    for role, minutes in exp.actual.items():
        planned, actual, share, _ = rows[("ben (you)", role)]
        expected = (hm(exp.planned.get(role, 0)), hm(minutes), exp.share(role))
        assert (planned, actual, share) == expected
    heat_total = sum(exp.heat.values())
    assert f"{heat_total} interruptions that week" in tab.heat_note.text()
    text = tab.text()
    assert re.search(r"\bann\b", text) is None, text
    assert tab.overtime_table.rowCount() == 1
    assert tab.cell(tab.overtime_table, 0, 0) == "Nobody ran past their hard stop"
    tab.grab().save(str(tmp_path / "team-tab-member.png"))
    if os.environ.get("SPLITDAY_SHOTS"):
        review.grab().save(os.path.join(os.environ["SPLITDAY_SHOTS"], "team-tab-member.png"))


@pytest.mark.timeout(300)
def test_a_lead_only_login_is_told_what_it_can_do(
    cluster: Cluster, team_server: Team, tmp_path: Path
) -> None:
    url = cluster.url(team_server.name, "leo")
    leo = Device(tmp_path / "leo", url, owner="leo")
    done = leo.run("status")
    assert done.returncode != 0
    line = done.stderr.strip().splitlines()[-1]
    assert "leo is a team lead on this server" in line and "--member leo" in line, done.stderr
    assert "Traceback" not in done.stderr
    assert "offline since" not in done.stderr  # a refusal is no outage (relive finding 6)
    again = leo.run("status")
    assert "offline since" not in again.stderr + again.stdout, again.stderr
    shown = leo.run("team")  # what the lead can do: the team's week
    assert shown.returncode == 0 and "ann" in shown.stdout, shown.stderr
    # the app, started as leo: one line on stderr, the same words, and it exits
    env = {**leo.env, "QT_QPA_PLATFORM": "offscreen", "SPLITDAY_NO_DIALOGS": "1"}
    app = subprocess.run(
        [sys.executable, "-m", "ui.shell.launcher"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert app.returncode != 0
    assert "splitday: leo is a team lead on this server" in app.stderr, app.stderr
    assert "Traceback" not in app.stderr
