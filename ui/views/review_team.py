"""The weekly review's Team tab (a shared server with the team views): who is on which role now,
each person's week per role against their target, where interruptions cluster, overtime. A
member's tab is what the lead sees about them. It reads only when it is shown."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from planner.domain.i18n import ntr, tr
from planner.review import team as team_review
from ui.actions.review import ReviewActions
from ui.formats import short_day
from ui.gateway import ReadFailed
from ui.widgets.plain import shown

HEAT_FROM, HEAT_TO = 8, 17  # the heat map shows at least these hours (a workday)


def hm(minutes: int) -> str:
    """'2:05' (hours and minutes)."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def _table(name: str, accessible: str) -> QTableWidget:
    table = QTableWidget()
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move inside it
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _fit_height(table: QTableWidget) -> None:
    """As tall as its rows (the heat map's seven days): no scroll bar inside a scroll bar."""
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
    height += sum(table.verticalHeader().sectionSize(r) for r in range(table.rowCount()))
    if table.horizontalScrollBar().isVisible():
        height += table.horizontalScrollBar().height()
    table.setFixedHeight(height)


def _item(text: str, tip: str = "", *, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if tip:
        item.setToolTip(tip)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class TeamTab(QWidget):
    """The team's ISO week that shares most days with the review's week."""

    def __init__(self, service: ReviewActions, reader: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teamTab")
        self.service = service
        self.reader = reader
        self.first_day: date | None = None
        self.report: team_review.TeamReport | None = None
        self.dirty = True
        self.reads = 0  # how many times it read the team (it reads only when shown)
        self.built = False  # its widgets are made on its first show, not with the review
        self.setAccessibleName(self.title().replace("&", ""))

    def _build(self) -> None:
        if self.built:
            return
        self.built = True
        self.intro = QLabel()
        self.intro.setObjectName("teamIntro")
        self.intro.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("teamMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#b00020;")
        self.message.hide()

        self.now_table = _table("teamNow", tr("who is on which role now"))
        self.split_table = _table("teamSplit", tr("each person's week per role against target"))
        self.heat_table = _table("teamHeat", tr("interruptions by weekday and hour"))
        self.overtime_table = _table("teamOvertime", tr("overtime past the hard stop this week"))
        self.heat_note = QLabel()
        self.heat_note.setWordWrap(True)

        self.now_box = QGroupBox(tr("On a role now"))
        self.split_box = QGroupBox(tr("The week per role: planned, actual, share against target"))
        self.heat_box = QGroupBox(tr("Where interruptions cluster (weekday × hour)"))
        self.overtime_box = QGroupBox(tr("Overtime this week"))
        for box, widgets in (
            (self.now_box, (self.now_table,)),
            (self.split_box, (self.split_table,)),
            (self.heat_box, (self.heat_note, self.heat_table)),
            (self.overtime_box, (self.overtime_table,)),
        ):
            inner = QVBoxLayout(box)
            inner.setContentsMargins(8, 4, 8, 4)
            for widget in widgets:
                inner.addWidget(widget)

        grid = QGridLayout(self)
        grid.addWidget(self.intro, 0, 0, 1, 2)
        grid.addWidget(self.message, 1, 0, 1, 2)
        grid.addWidget(self.split_box, 2, 0, 2, 1)
        grid.addWidget(self.now_box, 2, 1)
        grid.addWidget(self.overtime_box, 3, 1)
        grid.addWidget(self.heat_box, 4, 0, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(2, 1)
        grid.setRowStretch(3, 1)
        QWidget.setTabOrder(self.split_table, self.now_table)
        QWidget.setTabOrder(self.now_table, self.overtime_table)
        QWidget.setTabOrder(self.overtime_table, self.heat_table)
        # made inside a tab on screen: shown now, not at the next event (Tab reaches them)
        if self.isVisible():
            parts: tuple[QWidget, ...] = (self.intro, self.split_box, self.now_box)
            for part in (*parts, self.overtime_box, self.heat_box):
                part.show()
        self._say_intro()

    # ------------------------------------------------------------ public

    def title(self) -> str:
        """The tab's text (with its mnemonic): the lead's team, or what the lead sees of you."""
        if self.reader == team_review.MEMBER:
            return tr("What your &lead sees")
        return tr("&Team")

    def show_week(self, first_day: date) -> None:
        """The review moved to the week from `first_day`: read it when next shown."""
        if first_day != self.first_day:
            self.first_day = first_day
            self.dirty = True
            if self.built:
                self._say_intro()

    def load(self) -> None:
        """Read the team's week (the review calls it when the tab is on screen and dirty)."""
        if self.first_day is None:
            return
        self._build()
        self.reads += 1
        try:
            found = self.service.team(self.first_day)
        except ReadFailed as exc:  # what was shown stays if it was this week, else it goes
            text = str(exc)
            self.message.setText(text[:1].upper() + text[1:])
            self.message.show()
            if self.report is None or self.report.monday != self._monday():
                self._fill(None)
            return
        self.dirty = False
        if isinstance(found, team_review.NoTeam):
            self.message.setText(found.reason[:1].upper() + found.reason[1:])
            self.message.show()
            self._fill(None)
            return
        self.message.hide()
        self.reader = found.reader
        self._fill(found)

    def text(self) -> str:
        """Every word the tab shows: labels, group titles, headers, cells, tooltips (tests)."""
        if not self.built:
            return self.title()
        parts = [self.title(), self.intro.text(), self.heat_note.text()]
        if self.message.isVisibleTo(self):
            parts.append(self.message.text())
        for box in (self.now_box, self.split_box, self.heat_box, self.overtime_box):
            parts.append(box.title())
        for table in self.tables():
            parts.append(table.accessibleName())
            for c in range(table.columnCount()):
                header = table.horizontalHeaderItem(c)
                if header is not None:
                    parts.append(header.text())
            for r in range(table.rowCount()):
                header = table.verticalHeaderItem(r)
                if header is not None:
                    parts.append(header.text())
                for c in range(table.columnCount()):
                    item = table.item(r, c)
                    if item is not None:
                        parts += [item.text(), item.toolTip()]
        return "\n".join(p for p in parts if p)

    def tables(self) -> tuple[QTableWidget, ...]:
        return (self.split_table, self.now_table, self.overtime_table, self.heat_table)

    def cell(self, table: QTableWidget, row: int, column: int) -> str:
        item = table.item(row, column)
        return item.text() if item is not None else ""

    # ------------------------------------------------------------ filling

    def _monday(self) -> date | None:
        return None if self.first_day is None else team_review.iso_monday(self.first_day)

    def _say_intro(self) -> None:
        monday = self._monday()
        if monday is None:
            week = ""
        else:
            week = tr("ISO week {week} ({first} – {last})").format(
                week=f"{monday:%G-W%V}",
                first=short_day(monday),
                last=short_day(monday + timedelta(days=6)),
            )
        if self.reader == team_review.MEMBER:
            text = tr(
                "What your team lead sees about you, {week}: your planned and actual minutes "
                "per role, your share against your targets, when interruptions came and your "
                "overtime. The lead sees these figures for each member, and nothing else: no "
                "task, note, meeting or source."
            )
        else:
            text = tr(
                "Your team, {week}: each member's planned and actual minutes per role, their "
                "share against their targets, where interruptions cluster and who runs into "
                "overtime. Aggregates only: no task, note, meeting or source is shown."
            )
        self.intro.setText(text.format(week=week))
        self.setAccessibleName(self.title().replace("&", ""))
        self.setAccessibleDescription(self.intro.text())

    def _who(self, person: str) -> str:
        if self.report is not None and person == self.report.login:
            return tr("{person} (you)").format(person=shown(person))
        return shown(person)

    def _fill(self, report: team_review.TeamReport | None) -> None:
        self.report = report
        self._say_intro()
        people = report.people if report is not None else ()
        self._fill_split(people)
        self._fill_now(people)
        self._fill_overtime(report)
        self._fill_heat(report)

    def _fill_split(self, people: tuple[team_review.PersonWeek, ...]) -> None:
        table = self.split_table
        table.clear()
        table.setColumnCount(6)
        table.setHorizontalHeaderLabels(
            [tr("Person"), tr("Role"), tr("Planned"), tr("Actual"), tr("Share"), tr("Target")]
        )
        rows = [(p, r) for p in people for r in p.roles]
        table.setRowCount(len(rows))
        last = None
        for row, (person, role) in enumerate(rows):
            who = self._who(person.person)
            table.setItem(row, 0, _item(who if person.person != last else ""))
            last = person.person
            table.setItem(row, 1, _item(shown(role.role)))
            table.setItem(
                row,
                2,
                _item(
                    hm(role.planned_minutes),
                    tr("{minutes} min planned").format(minutes=role.planned_minutes),
                    right=True,
                ),
            )
            table.setItem(
                row,
                3,
                _item(
                    hm(role.actual_minutes),
                    tr("{minutes} min worked").format(minutes=role.actual_minutes),
                    right=True,
                ),
            )
            share = role.actual_share_percent
            table.setItem(
                row,
                4,
                _item(
                    "—" if share is None else f"{share:.0f} %",
                    tr("{who}: {role}'s share of the minutes worked that week").format(
                        who=who, role=shown(role.role)
                    ),
                    right=True,
                ),
            )
            table.setItem(row, 5, _item(f"{role.target_percent:.0f} %", right=True))
        if not rows:
            table.setRowCount(1)
            table.setItem(0, 0, _item(tr("Nothing planned or logged that week")))
            table.setSpan(0, 0, 1, table.columnCount())

    def _fill_now(self, people: tuple[team_review.PersonWeek, ...]) -> None:
        table = self.now_table
        table.clear()
        table.setColumnCount(3)
        table.setHorizontalHeaderLabels([tr("Person"), tr("Role now"), tr("Until")])
        table.setRowCount(len(people))
        zone = self.service.gateway.zone
        for row, person in enumerate(people):
            table.setItem(row, 0, _item(self._who(person.person)))
            if person.now_role is None:
                table.setItem(row, 1, _item(tr("no slot now")))
                continue
            table.setItem(row, 1, _item(shown(person.now_role)))
            until = person.now_until.astimezone(zone) if person.now_until is not None else None
            table.setItem(row, 2, _item(f"{until:%H:%M}" if until is not None else ""))

    def _fill_overtime(self, report: team_review.TeamReport | None) -> None:
        table = self.overtime_table
        table.clear()
        table.setColumnCount(3)
        table.setHorizontalHeaderLabels([tr("Person"), tr("Overtime"), tr("Days")])
        over = report.overtime() if report is not None else []
        table.setRowCount(max(len(over), 1))
        for row, person in enumerate(over):
            table.setItem(row, 0, _item(self._who(person.person)))
            table.setItem(
                row,
                1,
                _item(
                    hm(person.overtime_minutes),
                    tr("{minutes} min past the hard stop").format(minutes=person.overtime_minutes),
                    right=True,
                ),
            )
            days = ", ".join(f"{short_day(d)} {hm(m)}" for d, m in person.overtime_days)
            table.setItem(row, 2, _item(days))
        if not over:
            table.setItem(0, 0, _item(tr("Nobody ran past their hard stop")))
            table.setSpan(0, 0, 1, table.columnCount())

    def _fill_heat(self, report: team_review.TeamReport | None) -> None:
        table = self.heat_table
        table.clear()
        heat = report.heat if report is not None else ((0,) * 24,) * 7
        used = [h for h in range(24) if any(heat[wd][h] for wd in range(7))]
        total = report.interruptions if report is not None else 0
        if not used:
            self.heat_note.setText(tr("No interruptions logged that week."))
            table.setRowCount(0)
            table.setColumnCount(0)
            table.hide()
            return
        table.show()
        busiest = report.busiest(3) if report is not None else []
        monday = report.monday if report is not None else date.min
        top = ", ".join(
            f"{short_day(monday + timedelta(days=wd))} {h:02d}:00 ({n})" for wd, h, n in busiest
        )
        self.heat_note.setText(
            ntr(
                "{n} interruption that week; most at {top}",
                "{n} interruptions that week; most at {top}",
                total,
            ).format(n=total, top=top)
        )
        hours = list(range(min(min(used), HEAT_FROM), max(max(used), HEAT_TO) + 1))
        table.setColumnCount(len(hours) + 1)
        table.setRowCount(7)
        table.setHorizontalHeaderLabels([tr("Day"), *(f"{h:02d}" for h in hours)])
        peak = max(max(row) for row in heat)
        colour = self.palette().color(QPalette.ColorRole.Highlight)
        for wd in range(7):
            day = monday + timedelta(days=wd)
            table.setItem(wd, 0, _item(short_day(day)))
            for column, hour in enumerate(hours, start=1):
                n = heat[wd][hour]
                tip = ntr(
                    "{n} interruption on {day} between {hour:02d}:00 and {hour:02d}:59",
                    "{n} interruptions on {day} between {hour:02d}:00 and {hour:02d}:59",
                    n,
                ).format(n=n, day=short_day(day), hour=hour)
                item = _item(str(n) if n else "", tip, right=True)
                if n:
                    shade = QColor(colour)
                    alpha = 50 + round(180 * n / peak)
                    shade.setAlpha(alpha)
                    item.setBackground(shade)
                    if alpha > 150:  # dark enough that the palette's text would not read
                        item.setForeground(self.palette().color(QPalette.ColorRole.HighlightedText))
                table.setItem(wd, column, item)
        header = table.horizontalHeader()
        for column in range(1, len(hours) + 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        table.resizeRowsToContents()
        _fit_height(table)
