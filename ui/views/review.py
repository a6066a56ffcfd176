"""The weekly review: four charts with week navigation, the week's share (each role's debt day by
day, its trend, the skipped breaks), the interruption insight, exports; on a team server a Team
tab (ui/views/review_team.py).

matplotlib is imported on the first show (it costs ~0.4 s), never at start-up. Run
`python -m ui.views.review --db URL` to show this view alone (for screenshots).
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QLocale, QPoint, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QCursor,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from planner.domain.i18n import format_locale, ntr, tr
from planner.domain.values import Change, Topic
from planner.review import reports
from ui.actions.review import ReviewActions
from ui.formats import first_weekday, short_day
from ui.gateway import Gateway, ReadFailed
from ui.widgets.fit import fit_window

if TYPE_CHECKING:
    from planner.review.charts import Chart, Theme
    from ui.views.review_team import TeamTab

TOPICS = {Topic.ENTRIES, Topic.SLOTS, Topic.ROLES, Topic.SETTINGS, Topic.DAY, Topic.CALENDARS}


class _ChartTab(QWidget):
    """One tab: a placeholder until the first show, then a FigureCanvasQTAgg."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.canvas: Any = None
        self.chart: Chart | None = None
        self.dirty = True
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)


class ReviewView(QWidget):
    """How the week was actually spent; what to change next week."""

    PREFERRED_SIZE = QSize(1100, 760)

    day_activated = Signal(object)  # a date: open that day in the timeline
    week_changed = Signal(object)  # the Monday now shown

    def __init__(self, gateway: Gateway, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReviewView")
        self.gateway = gateway
        self.service = ReviewActions(gateway)
        self._charts_module: Any = None
        self.week: reports.WeekReport | None = None
        self.trend: reports.ShareTrend | None = None
        self.insight: reports.Insight | None = None
        self._stale = True
        self.today: date | None = None
        self.last_tip: str | None = None  # the tooltip shown last (for tests and screen readers)
        self.monday = self._this_monday()

        self.prev_button = QPushButton("◀")
        self.prev_button.setToolTip(tr("Previous week (Alt+Left)"))
        self.prev_button.setShortcut("Alt+Left")
        self.next_button = QPushButton("▶")
        self.next_button.setToolTip(tr("Next week (Alt+Right)"))
        self.next_button.setShortcut("Alt+Right")
        self.this_button = QPushButton(tr("This week"))
        for button in (self.prev_button, self.next_button):
            button.setFixedWidth(36)
        self.week_label = QLabel()
        self.week_label.setObjectName("weekLabel")
        font = self.week_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.week_label.setFont(font)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("summaryLabel")
        self.summary_label.setWordWrap(True)  # a long week's summary must not widen the window
        self.message = QLabel()
        self.message.setObjectName("reviewMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#b00020;")
        self.message.hide()
        self.export_button = QToolButton()
        self.export_button.setText(tr("Export"))
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self._chart_exports: list[QAction] = []  # off while the Team tab (no chart) is shown
        for fmt in ("png", "svg", "pdf"):
            action = menu.addAction(tr("This chart as {fmt}…").format(fmt=fmt.upper()))
            action.setData(fmt)
            action.triggered.connect(self._on_export_chart_triggered)
            self._chart_exports.append(action)
        menu.addSeparator()
        menu.addAction(tr("The whole week as a one-page PDF…"), self._ask_export_week_pdf)
        menu.addAction(tr("Entries and figures as CSV…"), self._ask_export_csv)
        self.export_button.setMenu(menu)

        bar = QHBoxLayout()
        bar.addWidget(self.prev_button)
        bar.addWidget(self.week_label)
        bar.addWidget(self.next_button)
        bar.addWidget(self.this_button)
        bar.addStretch(1)
        bar.addWidget(self.export_button)

        self.insight_frame = QFrame()
        self.insight_frame.setObjectName("insight")
        self.insight_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.insight_label = QLabel()
        self.insight_label.setWordWrap(True)
        # a check box's text does not wrap: the short words on it, the rest in a wrapped line
        self.insight_check = QCheckBox(tr("Let auto-split plan around these hours"))
        self.insight_check.setToolTip(
            tr(
                "Auto-split puts the interrupt-prone role's slots in these hours and the focus "
                "role's slots in the quiet ones"
            )
        )
        insight_more = QLabel(
            tr(
                "(the interrupt-prone role's slots in these hours, the focus role's in the quiet "
                "ones)"
            )
        )
        insight_more.setWordWrap(True)
        insight_more.setEnabled(False)
        box = QVBoxLayout(self.insight_frame)
        box.setContentsMargins(8, 6, 8, 6)
        box.addWidget(self.insight_label)
        box.addWidget(self.insight_check)
        box.addWidget(insight_more)

        # the week's share: each role's debt at the end of each day so far, its trend, and the
        # breaks skipped (the figures Auto-split repays: planner.review.reports.WeekReport.debt)
        self.debt_table = QTableWidget()
        self.debt_table.setObjectName("week_debt")
        self.debt_table.setAccessibleName(tr("the week's share per role, day by day"))
        self.debt_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.debt_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.debt_table.verticalHeader().hide()
        self.debt_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.debt_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.debt_box = QGroupBox(tr("The week's share"))
        debt_layout = QVBoxLayout(self.debt_box)
        debt_layout.setContentsMargins(8, 4, 8, 4)
        debt_layout.addWidget(self.debt_table)

        self.tabs = QTabWidget()
        self._tabs: list[_ChartTab] = []
        for name, title in (
            ("time-split", tr("Time split")),
            ("share", tr("Target vs actual")),
            ("interruptions", tr("Interruptions")),
            ("adherence", tr("Plan adherence")),
        ):
            tab = _ChartTab(name)
            self._tabs.append(tab)
            self.tabs.addTab(tab, title)
        # a shared server's team (planner.review.team): added once the week's read finds it
        self.team_tab: TeamTab | None = None

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.message)
        layout.addWidget(self.insight_frame)
        layout.addWidget(self.debt_box)
        layout.addWidget(self.tabs, 1)

        self.prev_button.clicked.connect(self._on_prev_button_clicked)
        self.next_button.clicked.connect(self._on_next_button_clicked)
        self.this_button.clicked.connect(self._on_this_button_clicked)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.insight_check.toggled.connect(self._on_insight_check_toggled)
        self._update_week_label()

    # ------------------------------------------------------------ public

    def show_week(self, monday: date) -> None:
        self.monday = reports.week_start(monday, first_weekday())
        self._update_week_label()
        self._stale = True
        if self.team_tab is not None:
            self.team_tab.show_week(self.monday)
        if self.isVisible():
            self.refresh()
        self.week_changed.emit(self.monday)

    def refresh(self) -> None:
        """Read the week's figures again and redraw the chart on screen (others when shown)."""
        try:
            week = self.service.week(self.monday)
        except ReadFailed as exc:  # the charts on screen stay; say why they are not new
            self._say(str(exc))
            if self.team_tab is not None and self.tabs.currentWidget() is self.team_tab:
                self._draw_current()  # the Team tab says so too (or keeps its week's figures)
            return
        self.message.hide()
        self.week, self.trend, self.insight = week.report, week.trend, week.insight
        self.today = week.today
        self._stale = False
        self._set_team(week.team)
        self._update_summary(week.use_insight)
        self._update_debt()
        for tab in self._tabs:
            tab.dirty = True
        self._draw_current()

    def on_changed(self, change: Change) -> None:
        """A service changed something: refresh if it touches the week shown."""
        if not (change.topics & TOPICS):
            return
        if change.days and self.week is not None:
            lo, hi = self.week.days[0] - timedelta(days=1), self.week.days[-1]
            if not any(lo <= d <= hi for d in change.days) and Topic.ROLES not in change.topics:
                return
        self._stale = True
        if self.isVisible():
            self.refresh()

    def current_chart(self) -> Chart | None:
        tab = self._current_chart_tab()
        return tab.chart if tab is not None else None

    def _current_chart_tab(self) -> _ChartTab | None:
        tab = self.tabs.currentWidget()
        return tab if isinstance(tab, _ChartTab) else None

    def _set_team(self, reader: str | None) -> None:
        """The Team tab is there while this login has a team to read (a shared server with
        the team views); it reads the team only when it is shown."""
        if reader is None:
            if self.team_tab is not None:
                self.tabs.removeTab(self.tabs.indexOf(self.team_tab))
                self.team_tab.deleteLater()
                self.team_tab = None
            return
        if self.team_tab is None:
            from ui.views.review_team import TeamTab

            self.team_tab = TeamTab(self.service, reader)
            self.tabs.addTab(self.team_tab, self.team_tab.title())
        self.team_tab.reader = reader
        self.tabs.setTabText(self.tabs.indexOf(self.team_tab), self.team_tab.title())
        self.team_tab.show_week(self.monday)
        self.team_tab.dirty = True

    def chart(self, name: str) -> Chart | None:
        return next((t.chart for t in self._tabs if t.name == name), None)

    def canvas(self, name: str) -> Any:
        return next((t.canvas for t in self._tabs if t.name == name), None)

    def export_chart(self, path: str | Path, name: str | None = None) -> Path:
        charts = self._charts()
        assert self.week is not None and self.trend is not None
        current = self._current_chart_tab()
        chart = charts.build(name or (current or self._tabs[0]).name, self.week,
                             self.trend, self._theme())  # fmt: skip
        return Path(charts.save(chart.figure, path))

    def export_week_pdf(self, path: str | Path) -> Path:
        charts = self._charts()
        assert self.week is not None and self.trend is not None
        return Path(charts.save(charts.week_page(self.week, self.trend, charts.LIGHT), path, "pdf"))

    def export_csv(self, path: str | Path) -> tuple[Path, Path]:
        from planner.domain.timerange import Interval
        from planner.review import exports

        assert self.week is not None
        lo, hi = self.week.day_bounds[0][0], self.week.day_bounds[-1][1]
        entries, day_start = self.service.entries(Interval(lo, hi))
        zone, now = self.gateway.zone, self.gateway.now()
        exports.write_week_csv_localised(path, self.week, entries, zone, day_start, now)
        return exports.write_week_csv(path, self.week, entries, zone, day_start, now)

    # ------------------------------------------------------------ Qt events

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()
        else:
            self._draw_current()

    # ------------------------------------------------------------ slots

    def _on_prev_button_clicked(self) -> None:
        self.show_week(self.monday - timedelta(weeks=1))

    def _on_next_button_clicked(self) -> None:
        self.show_week(self.monday + timedelta(weeks=1))

    def as_window(self, preferred: QSize | None = None) -> None:
        """Make it a window of its own, sized to `preferred` shrunk to the screen."""
        self.setWindowFlag(Qt.WindowType.Window)
        self.setWindowTitle(tr("Splitday — weekly review"))
        fit_window(self, preferred or self.PREFERRED_SIZE)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """As a window of its own, Escape (or Ctrl+W) closes it, as it closes every dialog."""
        closing = event.key() == Qt.Key.Key_Escape or event.matches(QKeySequence.StandardKey.Close)
        if self.isWindow() and closing:
            event.accept()
            self.close()
            return
        super().keyPressEvent(event)

    def _this_monday(self) -> date:
        try:
            return self.service.this_monday()
        except ReadFailed:  # the local date will do; the week's figures say what failed
            today = self.gateway.now().astimezone(self.gateway.zone).date()
            return reports.week_start(today, first_weekday())

    def _say(self, text: str) -> None:
        self.message.setText(text[:1].upper() + text[1:])
        self.message.show()

    def _on_this_button_clicked(self) -> None:
        self.show_week(self._this_monday())

    def _on_tabs_current_changed(self, _index: int) -> None:
        for action in self._chart_exports:
            action.setEnabled(self._current_chart_tab() is not None)
        if self.isVisible():
            self._draw_current()

    def _on_insight_check_toggled(self, checked: bool) -> None:
        outcome = self.service.use_insight(checked)  # its Change goes to every view
        if not outcome.ok:
            self._say(outcome.message)
            self.insight_check.blockSignals(True)
            self.insight_check.setChecked(not checked)  # shows what is stored
            self.insight_check.blockSignals(False)

    def _on_canvas_motion(self, tab: _ChartTab, event: Any) -> None:
        hit = tab.chart.hit_at(event) if tab.chart is not None else None
        tip = hit.tip(event.xdata, event.ydata) if hit is not None else None
        if tip:
            QToolTip.showText(QCursor.pos() + QPoint(12, 12), tip, tab.canvas)
            tab.canvas.setCursor(Qt.CursorShape.PointingHandCursor if hit and hit.day else
                                 Qt.CursorShape.ArrowCursor)  # fmt: skip
        else:
            QToolTip.hideText()
            tab.canvas.setCursor(Qt.CursorShape.ArrowCursor)
        self.last_tip = tip

    def _on_canvas_press(self, tab: _ChartTab, event: Any) -> None:
        hit = tab.chart.hit_at(event) if tab.chart is not None else None
        if hit is not None and hit.day is not None and event.button == 1:
            self.day_activated.emit(hit.day)

    # ------------------------------------------------------------ drawing

    def _charts(self) -> Any:
        if self._charts_module is None:
            import gc

            # The lazy matplotlib import (~300 modules, with the Qt canvas): it allocates
            # objects by the hundred thousand and frees next to none, so the cyclic garbage
            # collector's passes during it are wasted (~8 % of the import here). Paused for it.
            paused = gc.isenabled()
            gc.disable()
            try:
                from matplotlib.backends import backend_qtagg  # noqa: F401 - the canvas, below

                from planner.review import charts
            finally:
                if paused:
                    gc.enable()
            self._charts_module = charts
        return self._charts_module

    def _theme(self) -> Theme:
        charts = self._charts()
        window = self.palette().color(QPalette.ColorRole.Window)
        theme: Theme = charts.DARK if window.lightness() < 128 else charts.LIGHT
        return theme

    def _draw_current(self) -> None:
        team = self.team_tab
        if team is not None and self.tabs.currentWidget() is team:
            if team.dirty:
                team.load()
                self.tabs.setTabText(self.tabs.indexOf(team), team.title())
            return
        tab = self._current_chart_tab()
        if tab is None or not tab.dirty or self.week is None or self.trend is None:
            return
        charts = self._charts()
        if tab.canvas is None:
            from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
            from matplotlib.figure import Figure

            tab.canvas = FigureCanvasQTAgg(  # type: ignore[no-untyped-call]
                Figure(figsize=(9, 5), layout="constrained")
            )
            tab.canvas.setObjectName(f"canvas-{tab.name}")
            tab.canvas.mpl_connect(
                "motion_notify_event", lambda e, t=tab: self._on_canvas_motion(t, e)
            )
            tab.canvas.mpl_connect(
                "button_press_event", lambda e, t=tab: self._on_canvas_press(t, e)
            )
            # a resize lays the chart out again (redraws of other weeks keep the layout)
            tab.canvas.mpl_connect(
                "resize_event", lambda _e, c=tab.canvas: charts.thaw_layout(c.figure)
            )
            tab.box.addWidget(tab.canvas)
        if tab.chart is None:
            tab.chart = charts.build(
                tab.name, self.week, self.trend, self._theme(), figure=tab.canvas.figure
            )
        else:  # another week: move the bars when the chart allows, else rebuild
            tab.chart = charts.redraw(tab.chart, self.week, self.trend, self._theme())
        tab.canvas.draw_idle()
        tab.dirty = False

    def _update_week_label(self) -> None:
        last = self.monday + timedelta(days=6)
        if format_locale():
            loc = QLocale()
            first_text = loc.toString(
                QDate(self.monday.year, self.monday.month, self.monday.day), "d MMM"
            )
            last_text = loc.toString(QDate(last.year, last.month, last.day), "d MMM yyyy")
        else:
            first_text, last_text = f"{self.monday:%d %b}", f"{last:%d %b %Y}"
        self.week_label.setText(f"{reports.week_label(self.monday)}  ·  {first_text} – {last_text}")

    def _update_summary(self, use_insight: bool) -> None:
        week = self.week
        assert week is not None
        share = week.actual_share()
        parts = [
            tr("{name} {value:.0f} % (your target {target_percent:.0f} %)").format(
                name=r.name, value=100 * share.get(r.id, 0.0), target_percent=r.target_percent
            )
            for r in week.roles
            if not r.archived
        ]
        n = week.interruption_count
        parts.append(ntr("{n} interruption", "{n} interruptions", n).format(n=n))
        skipped = round(sum(week.breaks_skipped))
        if skipped:
            parts.append(ntr("{n} break skipped", "{n} breaks skipped", skipped).format(n=skipped))
        overtime = sum(week.overtime)
        if overtime:
            parts.append(f"overtime {round(overtime) // 60}:{round(overtime) % 60:02d}")
        self.summary_label.setText("  ·  ".join(parts))
        if self.insight is None:
            self.insight_label.setText(
                tr("No clear pattern in when interruptions come (last 8 weeks).")
            )
            self.insight_check.setVisible(False)
        else:
            self.insight_label.setText(self.insight.text)
            self.insight_check.setVisible(True)
        self.insight_check.blockSignals(True)
        self.insight_check.setChecked(use_insight)
        self.insight_check.blockSignals(False)

    def days_so_far(self) -> int:
        """How many of the shown week's days have figures (up to today)."""
        if self.week is None:
            return 0
        if self.today is None:
            return len(self.week.days)
        return sum(1 for d in self.week.days if d <= self.today)

    def _update_debt(self) -> None:
        """Each active role's place against the week's share at the end of each day so far
        ('50 min behind'), and which way it went on the last of them; then the skipped breaks."""
        week = self.week
        assert week is not None
        shown = self.days_so_far()
        debt = week.debt(max(shown, 1))
        roles = [r for r in week.roles if not r.archived and r.id in debt]
        table = self.debt_table
        table.clear()
        table.setColumnCount(len(week.days) + 2)
        table.setHorizontalHeaderLabels(
            [tr("Role"), *(short_day(d) for d in week.days), tr("This week")]
        )
        header = table.horizontalHeader()
        for column in range(1, len(week.days) + 1):  # the days share the width; the rest fits
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        table.setRowCount(len(roles) + 1)
        for row, role in enumerate(roles):
            series = debt[role.id]
            name = QTableWidgetItem(role.name)
            pixmap = QPixmap(12, 12)
            pixmap.fill(QColor(role.colour))
            name.setIcon(QIcon(pixmap))
            table.setItem(row, 0, name)
            for i in range(shown):
                cell = QTableWidgetItem(reports.debt_words(series[i]))
                cell.setToolTip(tr("{role} at the end of {day}").format(
                    role=role.name, day=short_day(week.days[i])))  # fmt: skip
                table.setItem(row, i + 1, cell)
            if shown:
                before = series[shown - 2] if shown > 1 else 0.0
                trend = QTableWidgetItem(reports.debt_trend(before, series[shown - 1]))
                trend.setToolTip(tr("How the last day changed it"))
                table.setItem(row, len(week.days) + 1, trend)
        breaks = len(roles)
        table.setItem(breaks, 0, QTableWidgetItem(tr("Breaks skipped")))
        for i in range(shown):
            planned, skipped = round(week.breaks_planned[i]), round(week.breaks_skipped[i])
            text = tr("{skipped} of {planned}").format(skipped=skipped, planned=planned)
            table.setItem(breaks, i + 1, QTableWidgetItem(text if planned else "—"))
        planned = round(sum(week.breaks_planned[:shown]))
        skipped = round(sum(week.breaks_skipped[:shown]))
        total = tr("{skipped} of {planned}").format(skipped=skipped, planned=planned)
        table.setItem(breaks, len(week.days) + 1, QTableWidgetItem(total if planned else "—"))
        table.resizeRowsToContents()
        height = table.horizontalHeader().height() + 2 * table.frameWidth()
        height += sum(table.rowHeight(r) for r in range(table.rowCount()))
        if table.horizontalScrollBar().isVisible():
            height += table.horizontalScrollBar().height()
        table.setFixedHeight(height)

    def debt_text(self, row: int, column: int) -> str:
        """What the week's share table shows in a cell ('' when empty; for tests)."""
        item = self.debt_table.item(row, column)
        return item.text() if item is not None else ""

    def _on_export_chart_triggered(self) -> None:
        action = self.sender()
        self._ask_export_chart(str(action.data()) if isinstance(action, QAction) else "png")

    def _ask_export_chart(self, fmt: str) -> None:
        current = self._current_chart_tab()
        if current is None:
            return
        name = current.name
        default = f"splitday-{reports.week_label(self.monday)}-{name}.{fmt}"
        path, _ = QFileDialog.getSaveFileName(self, tr("Export chart"), default, f"*.{fmt}")
        if path:
            self.export_chart(path)

    def _ask_export_week_pdf(self) -> None:
        default = f"splitday-{reports.week_label(self.monday)}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, tr("Export the week"), default, "*.pdf")
        if path:
            self.export_week_pdf(path)

    def _ask_export_csv(self) -> None:
        default = f"splitday-{reports.week_label(self.monday)}.csv"
        path, _ = QFileDialog.getSaveFileName(self, tr("Export as CSV"), default, "*.csv")
        if path:
            self.export_csv(path)


def main(argv: list[str] | None = None) -> int:
    """Show the review alone on a database (for screenshots): --db URL [--week W] [--dark]."""
    import argparse

    from PySide6.QtWidgets import QApplication

    from planner.domain.clock import clock_from_env, local_zone
    from ui.gateway import open_gateway

    p = argparse.ArgumentParser(prog="python -m ui.views.review")
    p.add_argument("--db", help=tr("database URL (default: the user's)"))
    p.add_argument("--week", help="e.g. 2026-W48")
    p.add_argument("--dark", action="store_true", help=tr("a dark palette"))
    p.add_argument("--tab", type=int, default=0, help=tr("which chart tab to show (0-3)"))
    p.add_argument("--screenshot", metavar="PNG", help=tr("save a screenshot and quit"))
    args = p.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from ui.formats import install_translations

    install_translations(app)
    if args.dark:
        from ui.theme import use_dark

        use_dark(app)
    gateway = open_gateway(args.db, clock_from_env(), local_zone())
    view = ReviewView(gateway)
    if args.week:
        view.show_week(reports.parse_week(args.week))
    view.tabs.setCurrentIndex(args.tab)
    view.as_window(QSize(1200, 760))
    view.day_activated.connect(
        lambda d: print(f"open day {d}")
    )  # not translated: a developer's harness
    view.show()
    if args.screenshot:
        from PySide6.QtCore import QTimer

        def shoot() -> None:
            view.grab().save(args.screenshot)
            app.quit()

        QTimer.singleShot(800, shoot)
    try:
        return app.exec()
    finally:
        gateway.close()


if __name__ == "__main__":
    sys.exit(main())
