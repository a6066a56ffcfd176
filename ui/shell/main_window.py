"""The main window: assembles the timeline, task list and now panel; holds no business rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QChildEvent,
    QDate,
    QEvent,
    QLocale,
    QObject,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeyEvent,
    QKeySequence,
    QPaintEvent,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QDateEdit,
    QDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from planner.domain.clock import Clock
from planner.domain.i18n import format_locale, tr
from ui.formats import clock, day_heading
from ui.views.now_panel import MiniWindow, NowPanel
from ui.views.timeline.widget import TimelineWidget
from ui.widgets.fit import fit_to_screen

if TYPE_CHECKING:
    from planner.domain.values import Change
    from ui.day_data import DaySnapshot, Focus
    from ui.gateway import Gateway
    from ui.views.tasks import TaskPanel

NOT_YET = tr("{} is not available yet in this build.")
DAY_FORMAT = "ddd d MMM yyyy"  # the date box's (Qt) format; `short_day` writes the same


def short_day(day: date) -> str:
    """'Tue 1 Dec 2026': the date box and the window title say a day the same way (in the
    user's locale: QLocale's default, set at start-up)."""
    if not format_locale():
        return f"{day:%a} {day.day} {day:%b %Y}"
    return QLocale().toString(QDate(day.year, day.month, day.day), DAY_FORMAT)


class OwnShortcuts(QObject):
    """Lets the window's own shortcuts win over a text field's editing keys.

    On X11 a QLineEdit claims Ctrl+E ('end of line') and Ctrl+A through ShortcutOverride,
    so End of day did nothing while the cursor was in the task row. Installed on the
    application, this declines the override for the window's sequences when the field is
    in `window`: the key goes to the shortcut; every other key reaches the field as before.
    """

    def __init__(self, window: QWidget, actions: Callable[[], list[QAction]]) -> None:
        super().__init__(window)
        self._window = window
        self._actions = actions

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(watched, QWidget):
            return False
        if watched.window() is not self._window or not isinstance(event, QKeyEvent):
            return False
        pressed = QKeySequence(event.keyCombination())
        for action in self._actions():
            if action.isEnabled() and any(
                key.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
                for key in action.shortcuts()
            ):
                event.ignore()  # not overridden: the shortcut map tries the window's action
                return True
        return False


class MainWindow(QMainWindow):
    """Shows one day; every edit goes through the gateway (one transaction, undoable)."""

    first_painted = Signal()
    day_shown = Signal(object)  # the date whose plan is now on screen
    focus_changed = Signal(object)  # Focus of today (tray colour, mini window)
    today_loaded = Signal(object)  # DaySnapshot of today, fresh from the database
    day_over = Signal(object)  # a date that is over: closed (End of day), or a new day began
    day_dialog_opened = Signal()  # Plan my day or End of day opened (prompts make way)
    offline_shown = Signal(object)  # DaySnapshot of today as drawn while the server is away

    def __init__(
        self, settings: QSettings, clock: Clock, zone: tzinfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings, self.clock, self.zone = settings, clock, zone
        self.gateway: Gateway | None = None
        self.day: date | None = None
        self.today: date | None = None
        self.snapshot: DaySnapshot | None = None
        self.seen: dict[date, DaySnapshot] = {}  # what the database last gave (for offline)
        # the plan last kept on this device, of whichever day (ui.shell.plan_cache.load_any):
        # its roles and hours draw a day the server has not shown yet while it is away
        self.last_seen: Callable[[], DaySnapshot | None] | None = None
        # the workday hours kept with it (ui.shell.plan_cache.load_week), for such a day
        self.week_seen: Callable[[], Any] | None = None
        self.focus: Focus | None = None
        self.last_error = ""
        self.tray: Any = None  # set by the app when a system tray exists
        # features that live outside the window, handed in by ui/shell/app.py once they are built
        self.on_log_interruption: Callable[[], object] | None = None
        self.on_open_interruption_log: Callable[[date | None], object] | None = None
        self.on_open_review: Callable[[], None] | None = None
        self.on_open_calendars: Callable[[], None] | None = None
        self.hotkey_status: Callable[[], str] | None = None  # which hotkey layers work, and why
        self.on_end_focus: Callable[[], bool] | None = None  # ui.shell.focus_dnd: DND off early
        self.dnd_status: Callable[[], str] | None = None  # which desktop's DND was found
        self.dnd_text = ""  # "Focus — Do Not Disturb until 11:00", or "" while DND is off
        self.dnd_label: Any = None  # its permanent place in the status bar, made when first on
        self.mini: MiniWindow | None = None
        self._painted = False
        self._loads = 0
        self._quitting = False
        self._error_box: QMessageBox | None = None
        self._days_over: set[date] = set()  # told already through day_over
        self.undo_stack = QUndoStack(self)
        self.setWindowTitle(tr("Splitday"))
        self.setObjectName("mainWindow")
        self._build_views()
        self._build_actions()
        self.statusBar().showMessage(tr("Opening the database…"))
        self._restore_layout()

    # ------------------------------------------------------------ building

    def _build_views(self) -> None:
        self.timeline = TimelineWidget(self.zone)
        self.timeline_scroll = QScrollArea()
        self.timeline_scroll.setWidget(self.timeline)
        self.timeline_scroll.setWidgetResizable(True)
        self.timeline_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.timeline_scroll.setMinimumWidth(300)
        self.now_panel = NowPanel(self.zone)
        # the task list is built right after the first paint (see `tasks`); until then an
        # empty widget holds its place in the splitter, so the layout does not move
        self._tasks: TaskPanel | None = None
        self._tasks_placeholder = QWidget()
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.setObjectName("rightSplitter")
        self.right.addWidget(self.now_panel)
        self.right.addWidget(self._tasks_placeholder)
        self.right.setStretchFactor(0, 0)
        self.right.setStretchFactor(1, 1)
        self.right.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.timeline_scroll)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(6, 4, 6, 4)
        self.day_label = QLabel()
        self.day_label.setObjectName("dayLabel")
        font = self.day_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.day_label.setFont(font)
        layout.addWidget(self.day_label)
        # all-day calendar events: a header row above the timeline, not blocks in it
        self.all_day_label = QLabel()
        self.all_day_label.setObjectName("allDayLabel")
        self.all_day_label.setWordWrap(True)
        self.all_day_label.hide()
        layout.addWidget(self.all_day_label)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(holder)

        self.timeline.slot_create_requested.connect(self._on_timeline_slot_create_requested)
        self.timeline.slot_edit_requested.connect(self._on_timeline_slot_edit_requested)
        self.timeline.slot_remove_requested.connect(self._on_timeline_slot_remove_requested)
        self.timeline.task_drop_requested.connect(self._on_timeline_task_drop_requested)
        self.timeline.break_move_requested.connect(self._on_timeline_break_move_requested)
        self.timeline.break_skip_requested.connect(self._on_timeline_break_skip_requested)
        self.now_panel.mini_button.toggled.connect(self.set_mini_visible)

    @property
    def tasks(self) -> TaskPanel:
        """The day's task list, built on first use (the app touches it right after the first
        paint: importing and building it is a tenth of the window's start-up)."""
        if self._tasks is None:
            from ui.views.tasks import TaskPanel

            panel = TaskPanel(self.zone)
            self.right.replaceWidget(1, panel)
            self._tasks_placeholder.deleteLater()
            self._tasks = panel
            panel.model.reorder_requested.connect(self._on_tasks_reorder_requested)
            panel.model.status_requested.connect(self._on_tasks_status_requested)
            panel.model.edit_requested.connect(self._on_tasks_edit_requested)
            panel.add_requested.connect(self._on_tasks_add_requested)
            panel.remove_requested.connect(self._on_tasks_remove_requested)
            panel.schedule_requested.connect(self._on_tasks_schedule_requested)
            self._guard_shortcuts(panel)
        return self._tasks

    def _guard_shortcuts(self, widget: QWidget) -> None:
        """The window's own keys win in this widget's text fields (not an application-wide
        filter: that would see every event of the app, from the first paint on)."""
        for field in [
            widget,
            *widget.findChildren(QLineEdit),
            *widget.findChildren(QAbstractSpinBox),
        ]:
            if isinstance(field, QLineEdit | QAbstractSpinBox):
                field.installEventFilter(self.own_shortcuts)

    def _action(self, text: str, keys: str | QKeySequence.StandardKey | None, slot: Any) -> QAction:
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.undo_action = self.undo_stack.createUndoAction(self, tr("&Undo"))
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        self.redo_action = self.undo_stack.createRedoAction(self, tr("&Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.prev_action = self._action(tr("◀ &Previous day"), "Alt+Left", self.previous_day)
        self.today_action = self._action(tr("&Today"), "Alt+Home", self.go_today)
        self.next_action = self._action(tr("&Next day ▶"), "Alt+Right", self.next_day)
        self.plan_action = self._action(tr("&Plan my day…"), "Ctrl+P", self.open_plan_day)
        # Start / Pause tracking: from any Splitday window (the mini window too)
        self.track_action = self._action(tr("&Start tracking"), "Ctrl+T", self.toggle_tracking)
        self.track_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        # the key itself (Ctrl+Alt+I, configurable) is an application-wide shortcut owned by
        # ui/shell/hotkeys.py, so that it works from every Splitday window
        self.interrupt_action = self._action(tr("Log &interruption…"), None, self.log_interruption)
        self.show_hotkey("Ctrl+Alt+I")
        self.interruption_log_action = self._action(
            tr("Interruption &log…"), "Ctrl+L", self.open_interruption_log
        )
        self.end_of_day_action = self._action(tr("&End of day…"), "Ctrl+E", self.open_end_of_day)
        self.review_action = self._action(tr("&Review…"), "Ctrl+R", self.open_review)
        self.calendars_action = self._action(tr("&Calendars…"), None, self.open_calendars)
        self.settings_action = self._action(tr("&Settings…"), "Ctrl+,", self.open_settings)
        # Do Not Disturb in a focus block: one key ends it early, from any Splitday window
        self.end_focus_action = self._action(tr("End &focus (Do Not Disturb off)"), "Ctrl+D", None)
        self.end_focus_action.triggered.connect(self.end_focus)
        self.end_focus_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.end_focus_action.setEnabled(False)
        self.mini_action = self._action(tr("&Mini window"), "Ctrl+M", None)
        self.mini_action.setCheckable(True)
        self.mini_action.toggled.connect(self.set_mini_visible)
        self.show_action = self._action(tr("Show/&hide window"), None, self.toggle_visible)
        self.focus_timeline_action = self._action(
            tr("Go to the &timeline"), "Ctrl+1", lambda: self.timeline.setFocus()
        )
        self.focus_tasks_action = self._action(
            tr("Go to the task &list"), "Ctrl+2", lambda: self.tasks.view.setFocus()
        )
        self.new_task_action = self._action(
            tr("&New task…"), "Ctrl+N", lambda: self.tasks.title.setFocus()
        )
        self.quit_action = self._action(tr("&Quit"), std.Quit, self.quit)
        self.addActions([self.undo_action, self.redo_action])
        # the window's own keys beat a line edit's editing keys (Ctrl+E is 'end of line' on X11)
        self.own_shortcuts = OwnShortcuts(
            self,
            lambda: [
                self.end_of_day_action,
                self.plan_action,
                self.track_action,
                self.interruption_log_action,
                self.review_action,
                self.mini_action,
            ],
        )

        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat(DAY_FORMAT)
        if not format_locale():  # the C locale: English names, as strftime's in `short_day`
            self.date_edit.setLocale(QLocale.c())
        local = self.clock.now().astimezone(self.zone).date()  # until the database says which day
        self.date_edit.setDate(QDate(local.year, local.month, local.day))
        self.date_edit.setAccessibleName(tr("Day shown"))
        self.date_edit.dateChanged.connect(self._on_date_edit_date_changed)
        self._guard_shortcuts(self.date_edit)

        bar = QToolBar(tr("Day"))
        bar.setObjectName("dayToolbar")
        bar.setMovable(False)
        bar.addAction(self.prev_action)
        bar.addAction(self.today_action)
        bar.addAction(self.next_action)
        bar.addWidget(self.date_edit)
        bar.addSeparator()
        bar.addAction(self.plan_action)
        bar.addAction(self.track_action)
        bar.addAction(self.interrupt_action)
        bar.addSeparator()
        bar.addAction(self.undo_action)
        bar.addAction(self.redo_action)
        # the toolbar is reachable with Tab like the rest. findChildren(QToolButton), not
        # widgetForAction(): that returns a QWidget*, and finding out its Python type made
        # PySide6 set up some 60 widget classes' enums before the first paint (~25 ms)
        for button in bar.findChildren(QToolButton):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.addToolBar(bar)

        menus = self.menuBar()
        file_menu = menus.addMenu(tr("&File"))
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit = menus.addMenu(tr("&Edit"))
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        view = menus.addMenu(tr("&View"))
        for action in (self.prev_action, self.today_action, self.next_action):
            view.addAction(action)
        view.addSeparator()
        view.addAction(self.focus_timeline_action)
        view.addAction(self.focus_tasks_action)
        view.addSeparator()
        view.addAction(self.mini_action)
        view.addAction(self.review_action)
        day = menus.addMenu(tr("&Day"))
        day.addAction(self.plan_action)
        day.addAction(self.track_action)
        day.addAction(self.new_task_action)
        day.addAction(self.interrupt_action)
        day.addAction(self.interruption_log_action)
        day.addAction(self.calendars_action)
        day.addSeparator()
        day.addAction(self.end_of_day_action)

    def show_hotkey(self, text: str) -> None:
        """Name the interruption hotkey in the menus and the tooltip (the key itself is an
        application-wide shortcut owned by ui/shell/hotkeys.py, so the action only shows it)."""
        self.interrupt_action.setText(tr("Log &interruption…	{text}").format(text=text))
        # the toolbar shows the icon text: without it, 'Log interr…Ctrl+Alt+I', cut in two
        self.interrupt_action.setIconText(tr("Log interruption…"))
        self.interrupt_action.setToolTip(tr("Log an interruption ({text})").format(text=text))

    # ------------------------------------------------------------ start-up

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    def attach(self, gateway: Gateway) -> None:
        """Connect to the core once the database is open (after the first paint)."""
        self.gateway = gateway
        gateway.changed.connect(self._on_gateway_changed)
        gateway.failed.connect(self._on_gateway_failed)
        gateway.zone_changed.connect(self._on_gateway_zone_changed)
        gateway.resolve = self._ask_conflict  # an edit that met a change made elsewhere
        self.set_zone(gateway.zone)
        self.statusBar().clearMessage()
        self.today = self._today_or_none() or self.clock.now().astimezone(self.zone).date()
        self.show_day(self.today)

    def _ask_conflict(self, conflict: Any) -> bool:
        """Keep theirs or mine, asked over the window the edit came from (a dialog too)."""
        from PySide6.QtWidgets import QApplication

        from ui.dialogs import conflict as dialog  # loaded when first needed

        return dialog.ask(conflict, QApplication.activeWindow() or self)

    def _today_or_none(self) -> date | None:
        from ui.gateway import ReadFailed

        if self.gateway is None:
            return None
        try:
            return self.gateway.today()
        except ReadFailed as exc:
            self._read_failed(str(exc))
            return None

    def _read_failed(self, message: str) -> None:
        """The database could not be read: say so and keep showing what is on screen."""
        self.last_error = message
        self.statusBar().showMessage(message, 60000)

    def set_zone(self, zone: tzinfo) -> None:
        """Show wall times in `zone` (the gateway's: the user's zone, which may change)."""
        self.zone = zone
        self.timeline.set_zone(zone)
        self.now_panel.set_zone(zone)
        if self._tasks is not None:
            self._tasks.set_zone(zone)
        if self.mini is not None:
            self.mini.set_zone(zone)

    def _on_gateway_zone_changed(self, zone: tzinfo) -> None:
        self.set_zone(zone)  # the reload follows with the gateway's broadcast

    # ------------------------------------------------------------ days

    def show_day(self, day: date) -> None:
        if self.gateway is None:
            return
        first = self.day != day
        self.day = day
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.date_edit.blockSignals(False)
        self.reload()
        if first:
            self._scroll_to_interesting()
        self.day_shown.emit(day)

    def show_day_from_elsewhere(self, day: date) -> None:
        """Another window (the review) asks for a day: show it and come forward."""
        self.show_day(day)
        if self.isMinimized() or not self.isVisible():
            self.showNormal()
        self.raise_()
        self.activateWindow()

    def previous_day(self) -> None:
        if self.day is not None:
            self.show_day(self.day - timedelta(days=1))

    def next_day(self) -> None:
        if self.day is not None:
            self.show_day(self.day + timedelta(days=1))

    def go_today(self) -> None:
        today = self._today_or_none()
        if today is not None:
            self.today = today
            self.show_day(today)

    def _on_date_edit_date_changed(self, qdate: QDate) -> None:
        self.show_day(date(qdate.year(), qdate.month(), qdate.day()))

    def reload(self) -> None:
        """Read the shown day (and today, for the now panel) and hand it to every view."""
        if self.gateway is None or self.day is None:
            return
        from ui.gateway import ReadFailed

        try:
            snapshot = self.gateway.load(self.day)
            today = (
                snapshot if snapshot.day == snapshot.today else self.gateway.load(snapshot.today)
            )
        except ReadFailed as exc:
            self._read_failed(str(exc))
            self._show_offline()
            return
        self._loads += 1
        self.seen = {snapshot.day: snapshot, today.day: today}
        self.snapshot = snapshot
        before, self.today = self.today, snapshot.today
        if before is not None and before < snapshot.today:
            self._tell_day_over(before)  # past the day boundary: yesterday is over
        if today.status is not None and today.status.state == "closed":
            self._tell_day_over(today.day)
        self.timeline.set_snapshot(snapshot)
        self.tasks.set_snapshot(snapshot)
        self._update_title(snapshot)
        self._show_focus(today)
        self.today_loaded.emit(today)

    def _tell_day_over(self, day: date) -> None:
        if day not in self._days_over:
            self._days_over.add(day)
            self.day_over.emit(day)

    def _show_offline(self) -> None:
        """The shared server is away: the day as last seen from it, at the clock's now (the now
        line, the time left and the next meeting follow the clock over the plan last seen),
        with what waits on this device laid over it (a kept interruption running in the Now
        panel, a task added or checked off, marked as waiting). A day never seen from the
        server (the first start of a morning) is drawn empty with the roles last seen."""
        gateway = self.gateway
        if gateway is None or self.day is None:
            return
        from dataclasses import replace

        from planner.domain.timerange import local_date

        now = self.clock.now()
        base = self._newest_seen()
        if base is None:
            return  # nothing was ever seen on this device: "Loading…" says the truth
        away = gateway.pending is not None and gateway.pending.state().offline
        today = local_date(now, self.zone, base.day_start_minute)
        if not away:
            today = self.today or today
        elif self.today is not None and today != self.today:  # the day boundary while away
            if self.day == self.today:
                self._set_day(today)
            self.today = today

        def drawn(day: date) -> DaySnapshot | None:
            from ui.shell import plan_cache

            seen = self.seen.get(day)
            if seen is None and not away:  # (a file that cannot be read: nothing to draw)
                return None
            if seen is None:
                week = self.week_seen() if self.week_seen is not None else None
                seen = plan_cache.empty_day(base, day, now, self.zone, week)
            else:
                seen = replace(seen, now=now, today=today)
            return gateway.offline_snapshot(seen) or seen

        shown = drawn(self.day)
        if shown is not None:
            self.snapshot = shown
            self.timeline.set_snapshot(shown)
            self.tasks.set_snapshot(shown)
            self._update_title(shown)
        current = shown if shown is not None and shown.day == today else drawn(today)
        if current is not None:
            self._show_focus(current)
            self.offline_shown.emit(current)

    def _newest_seen(self) -> DaySnapshot | None:
        """The newest day the server showed in this run, else the plan kept on this device."""
        if self.seen:
            return max(self.seen.values(), key=lambda snap: snap.now)
        return self.last_seen() if self.last_seen is not None else None

    def _set_day(self, day: date) -> None:
        self.day = day
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.date_edit.blockSignals(False)

    def show_cached(self, snapshot: DaySnapshot) -> None:
        """Paint today's plan as last seen while the database opens (nothing is editable yet)."""
        self.day = self.today = snapshot.day
        self.seen = {snapshot.day: snapshot}
        self.snapshot = snapshot
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(snapshot.day.year, snapshot.day.month, snapshot.day.day))
        self.date_edit.blockSignals(False)
        self.timeline.set_snapshot(snapshot)
        self.tasks.set_snapshot(snapshot)
        self._update_title(snapshot)
        self._show_focus(snapshot)
        QTimer.singleShot(0, self._scroll_to_interesting)

    def _update_title(self, snapshot: DaySnapshot) -> None:
        d = snapshot.day
        when = {0: tr("Today"), -1: tr("Yesterday"), 1: tr("Tomorrow")}.get(
            (d - snapshot.today).days, ""
        )
        start = clock(snapshot.plan.day.start, self.zone)
        stop = clock(snapshot.plan.day.stop, self.zone)
        prefix = f"{when}, " if when else ""
        self.day_label.setText(f"{prefix}{day_heading(d)}  ·  {start}–{stop}")
        untitled, busy = tr("(no title)"), tr(" (busy)")
        all_day = [
            (m.summary or untitled) + (busy if m.busy else "")
            for m in snapshot.plan.meetings
            if m.all_day
        ]
        self.all_day_label.setText(tr("All day: ") + " · ".join(all_day) if all_day else "")
        self.all_day_label.setVisible(bool(all_day))
        self.setWindowTitle(tr("Splitday — {short_day}").format(short_day=short_day(d)))

    def toggle_tracking(self) -> None:
        """Start tracking (follow the plan from now, or from its next item), or pause it."""
        if self.gateway is None:
            return
        if self.focus is not None and self.focus.tracking:
            self.gateway.pause_tracking()
        else:
            self.gateway.start_tracking()

    def _show_tracking(self, focus: Focus | None) -> None:
        tracking = focus is not None and focus.tracking
        self.track_action.setText(tr("&Pause tracking") if tracking else tr("&Start tracking"))
        self.track_action.setToolTip(
            tr("Pause tracking: the log stops now (Ctrl+T starts it again)")
            if tracking
            else tr("Start tracking: follow the plan from now, or from its next slot (Ctrl+T)")
        )

    def _show_focus(self, snapshot: DaySnapshot) -> None:
        self.focus = self.now_panel.set_snapshot(snapshot)
        if snapshot.day == snapshot.today:
            self._show_tracking(self.focus)
        if self.mini is not None:
            self.mini.show_focus(self.focus)
        self.focus_changed.emit(self.focus)

    def _scroll_to_interesting(self) -> None:
        if self.snapshot is None:
            return
        snap = self.snapshot
        moment = snap.now if snap.day == snap.today else snap.plan.day.start
        y = self.timeline.y_of(moment)
        bar = self.timeline_scroll.verticalScrollBar()
        bar.setValue(max(0, int(y - self.timeline_scroll.viewport().height() / 3)))

    # ------------------------------------------------------------ the clock

    def tick(self) -> None:
        """Once a minute and on resume: follow the plan, leave a sign of life, move 'now'."""
        if self.gateway is None:
            return
        was_today = self.day == self.today
        loads = self._loads
        self.gateway.tick()
        today = self._today_or_none()
        if today is None:  # the server is away: the plan last seen, at the clock's now
            self._show_offline()
            return
        if was_today and today != self.today:
            self.show_day(today)  # past the day boundary: follow the new day
        elif self._loads == loads:  # the tick changed nothing: still move the now line
            self.reload()

    # ------------------------------------------------------------ gateway events

    def _on_gateway_changed(self, change: Change) -> None:
        from planner.domain.values import Topic

        replaying = self.gateway is not None and self.gateway.replaying
        if replaying and change.days and self.day not in change.days:
            self.show_day(min(change.days))  # show what an undo/redo changed
            return
        shown = {self.day, self.today}
        if not change.days or shown & set(change.days) or Topic.ROLES in change.topics:
            self.reload()

    def _on_gateway_failed(self, message: str) -> None:
        self.show_error(message)

    def show_error(self, message: str) -> None:
        """A readable message (never a traceback); the data stayed as it was."""
        self.last_error = message
        self.statusBar().showMessage(message, 15000)
        if self._error_box is None:
            self._error_box = QMessageBox(
                QMessageBox.Icon.Warning,
                tr("Splitday"),
                message,
                QMessageBox.StandardButton.Ok,
                self,
            )
            self._error_box.setWindowModality(Qt.WindowModality.WindowModal)
        self._error_box.setText(message)
        self._error_box.open()

    # ------------------------------------------------------------ view requests -> services

    def _slot(self, slot_id: int) -> Any:
        return self.snapshot.slot(slot_id) if self.snapshot else None

    def _task(self, task_id: int) -> Any:
        if self.snapshot is None:
            return None
        return next((t for t in self.snapshot.plan.tasks if t.id == task_id), None)

    def _on_timeline_slot_create_requested(self, start: datetime, end: datetime, role: int) -> None:
        if self.gateway is not None:
            self.gateway.add_slot(start, end, role)

    def _on_timeline_slot_edit_requested(self, slot_id: int, changes: dict[str, Any]) -> None:
        slot = self._slot(slot_id)
        if self.gateway is None or slot is None:
            return
        if "start" in changes or "end" in changes:
            same_length = changes.get("end", slot.end) - changes.get("start", slot.start) == (
                slot.end - slot.start
            )
            text = tr("Move slot") if same_length else tr("Resize slot")
        elif "role_id" in changes:
            text = tr("Change slot role")
        else:
            text = tr("Rename slot")
        self.gateway.change_slot(slot, text=text, **changes)

    def _on_timeline_slot_remove_requested(self, slot_id: int) -> None:
        slot = self._slot(slot_id)
        if self.gateway is not None and slot is not None:
            self.gateway.remove_slot(slot)

    def _on_timeline_break_move_requested(self, brk: Any, start: datetime, end: datetime) -> None:
        if self.gateway is not None:
            self.gateway.move_break(brk, start, end)

    def _on_timeline_break_skip_requested(self, brk: Any, skipped: bool) -> None:
        if self.gateway is not None:
            self.gateway.skip_break(brk, skipped)

    def _on_timeline_task_drop_requested(self, task_id: int, slot_id: int) -> None:
        self._on_tasks_schedule_requested(task_id, slot_id)

    def _on_tasks_schedule_requested(self, task_id: int, slot_id: int | None) -> None:
        task = self._task(task_id)
        if task is None or self.gateway is None:
            return
        # dropped on the slot the fit chose: it is now put there by hand (the re-fit keeps it)
        if task.slot_id != slot_id or (slot_id is not None and not task.slot_pinned):
            self.gateway.schedule_task(task, slot_id)

    def _on_tasks_reorder_requested(self, ids: list[int]) -> None:
        if self.gateway is None or self.day is None:
            return
        self.gateway.reorder_tasks(self.day, self.tasks.model.ids(), list(ids))

    def _on_tasks_status_requested(self, task_id: int, status: str) -> None:
        task = self._task(task_id)
        if self.gateway is not None and task is not None and task.status != status:
            self.gateway.set_task_status(task, status)

    def _on_tasks_edit_requested(self, task_id: int, changes: dict[str, Any]) -> None:
        task = self._task(task_id)
        if self.gateway is not None and task is not None:
            self.gateway.edit_task(task, **changes)

    def _on_tasks_add_requested(self, title: str, role_id: int, estimate: int) -> None:
        if self.gateway is not None and self.day is not None:
            self.gateway.add_task(title, role_id, estimate, self.day)

    def _on_tasks_remove_requested(self, task_id: int) -> None:
        task = self._task(task_id)
        if self.gateway is not None and task is not None:
            self.gateway.set_task_status(task, "dropped")

    def childEvent(self, event: QChildEvent) -> None:
        """Each dialog opened over this window gives the focus back when it closes."""
        child = event.child()
        if (
            event.type() == QEvent.Type.ChildPolished  # (at ChildAdded it is no dialog yet)
            and isinstance(child, QDialog)
            and not child.property("splitday_focus_back")
        ):
            child.setProperty("splitday_focus_back", True)
            child.finished.connect(self._on_dialog_finished)
        super().childEvent(event)

    def _on_dialog_finished(self, _result: int) -> None:
        """A dialog of this window closed: the focus comes back here if it went nowhere. A
        window manager does this by itself; with none (a kiosk, a bare X session) the keyboard
        went nowhere after Plan my day closed, and Ctrl+P, Ctrl+E or Alt+D did nothing."""
        QTimer.singleShot(0, self._take_the_focus_back)

    def _take_the_focus_back(self) -> None:
        focused = QApplication.activeModalWidget() or QApplication.activePopupWidget()
        if self.isVisible() and not self.isMinimized() and focused is None:
            self.activateWindow()  # (Qt may think it has it: the X server says otherwise)

    # ------------------------------------------------------------ features wired by the integrator

    def _not_yet(self, what: str) -> None:
        self.statusBar().showMessage(NOT_YET.format(what), 8000)

    def _dialog_day(self) -> date | None:
        """The day a dialog opens on; None (and a message) before the database is open."""
        if self.gateway is None:
            self.statusBar().showMessage(tr("The database is still opening…"), 5000)
            return None
        if self.day or self.today:
            return self.day or self.today
        return self._today_or_none()

    def open_plan_day(self) -> None:
        day = self._dialog_day()
        if day is None or self.gateway is None:
            return
        from ui.dialogs.plan_day import PlanDayDialog

        dialog = PlanDayDialog(self.gateway, day, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.day_dialog_opened.emit()
        dialog.open()

    def open_settings(self) -> None:
        day = self._dialog_day()
        if day is None or self.gateway is None:
            return
        from ui.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(
            self.gateway,
            day,
            parent=self,
            hotkey_status=self.hotkey_status,
            dnd_status=self.dnd_status,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_end_of_day(self) -> None:
        day = self._dialog_day()
        if day is None or self.gateway is None:
            return
        from ui.dialogs.end_of_day import EndOfDayDialog

        dialog = EndOfDayDialog(self.gateway, self.today or day, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.day_dialog_opened.emit()
        dialog.open()

    def open_review(self) -> None:
        if self.on_open_review is None:
            self._not_yet(tr("The week review"))
            return
        self.on_open_review()

    def log_interruption(self) -> None:
        if self.on_log_interruption is None:
            self._not_yet(tr("Logging an interruption"))
            return
        self.on_log_interruption()

    def open_interruption_log(self) -> None:
        if self.on_open_interruption_log is None:
            self._not_yet(tr("The interruption log"))
            return
        self.on_open_interruption_log(self.day)

    def open_calendars(self) -> None:
        if self.on_open_calendars is None:
            self._not_yet(tr("Calendars"))
            return
        self.on_open_calendars()

    # ------------------------------------------------------------ mini window, tray, closing

    def set_mini_visible(self, visible: bool) -> None:
        if visible and self.mini is None:
            self.mini = MiniWindow(self.zone)
            self.mini.closed.connect(lambda: self.set_mini_visible(False))
            # its right-click menu: the two things to do without the main window
            self.mini.addAction(self.track_action)
            self.mini.addAction(self.interrupt_action)
            self.mini.addAction(self.end_focus_action)
            self.mini.end_focus.clicked.connect(self.end_focus)
            self.mini.show_dnd(self.dnd_text)
            self.mini.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            self.mini.show_focus(self.focus)
            geometry = self.settings.value("mini/geometry")
            if geometry is not None:
                self.mini.restoreGeometry(geometry)
            else:  # out of the way: the top right corner of the screen
                area = self.screen().availableGeometry()
                self.mini.adjustSize()
                self.mini.move(area.right() - self.mini.width() - 16, area.top() + 16)
        if self.mini is not None:
            if visible:
                self.mini.show()
            elif self.mini.isVisible():
                self.settings.setValue("mini/geometry", self.mini.saveGeometry())
                self.mini.hide()
        for control in (self.mini_action, self.now_panel.mini_button):
            control.blockSignals(True)
            control.setChecked(visible)
            control.blockSignals(False)

    def show_dnd(self, on: bool, text: str) -> None:
        """The desktop's Do Not Disturb is on for a focus block (ui.shell.focus_dnd), or off."""
        self.dnd_text = text if on else ""
        self.end_focus_action.setEnabled(on)
        if self.dnd_label is None:
            from PySide6.QtWidgets import QLabel

            self.dnd_label = QLabel(self)
            self.dnd_label.setObjectName("dndStatus")
            self.statusBar().addPermanentWidget(self.dnd_label)
        self.dnd_label.setText(
            tr("{dnd} (Ctrl+D ends it)").format(dnd=self.dnd_text) if self.dnd_text else ""
        )
        self.dnd_label.setVisible(bool(self.dnd_text))
        if self.mini is not None:
            self.mini.show_dnd(self.dnd_text)

    def end_focus(self) -> None:
        """End this focus block's Do Not Disturb early (Ctrl+D, the mini window's button)."""
        if self.on_end_focus is not None and self.on_end_focus():
            self.statusBar().showMessage(
                tr("Do Not Disturb is off for the rest of this focus block"), 8000
            )

    def toggle_visible(self) -> None:
        if self.isVisible() and not self.isMinimized():
            self.hide()
        else:
            self.showNormal()
            self.raise_()
            self.activateWindow()

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
            fit_to_screen(self)  # saved on a larger screen, or at another scale
        else:
            fit_to_screen(self, QSize(1100, 720))
        self.right.setSizes([self.now_panel.sizeHint().height(), 10_000])
        # a third of the width for the now panel and tasks (the task list, built after the
        # first paint, is not there yet to ask for its width)
        width = self.width()
        self.splitter.setSizes([width - width // 3, width // 3])
        for key, splitter in (("window/main", self.splitter), ("window/right", self.right)):
            state = self.settings.value(key)
            if state is not None:
                splitter.restoreState(state)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/main", self.splitter.saveState())
        self.settings.setValue("window/right", self.right.saveState())
        if self.mini is not None and self.mini.isVisible():
            self.settings.setValue("mini/geometry", self.mini.saveGeometry())
        self.settings.sync()

    def quit(self) -> None:
        self._quitting = True
        self.save_layout()
        if self.mini is not None:
            self.mini.close()
        self.close()
        QApplication.quit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        if not self._quitting and self.tray is not None and self.tray.isVisible():
            self.hide()  # keep running in the tray
            self.statusBar().clearMessage()
            event.ignore()
            return
        if self.mini is not None:
            self.mini.close()
        event.accept()
        QApplication.quit()
