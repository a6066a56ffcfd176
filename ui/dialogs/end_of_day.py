"""End-of-day review: planned vs actual per role, interruptions, done, carry over or drop, close."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from planner.domain.flags import entry_in_words
from planner.domain.i18n import ntr, tr
from planner.domain.values import Change, RoleV
from planner.review import reports
from planner.services.day_review import DayReview
from ui.actions.end_of_day import EndOfDayActions
from ui.dialogs._common import (
    BAR_ROLE,
    BuddyBox,
    MessageBar,
    RowsModel,
    ServiceDialog,
    format_minutes,
    run_dialog,
    scrolled,
    swatch,
    whole_minutes,
)
from ui.formats import clock, long_day, short_day
from ui.gateway import Gateway
from ui.widgets.fit import fit_window

TASK_ID = Qt.ItemDataRole.UserRole
TASK_VERSION = Qt.ItemDataRole.UserRole + 1  # as shown: a change elsewhere since is asked
SPLIT_COLUMNS = (
    tr("Role"),
    tr("Your target"),
    tr("Planned"),
    tr("Actual"),
    tr("Difference"),
    tr("Planned share"),
    tr("Actual share"),
)
PLANNED_SHARE, ACTUAL_SHARE = 5, 6


class ShareBarDelegate(QStyledItemDelegate):
    """A share as a bar in the role's colour, its percentage beside it and the target as a
    dashed mark (the planned and the actual share look alike, so they can be compared)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        bar = index.data(BAR_ROLE)
        if not isinstance(bar, tuple):
            super().paint(painter, option, index)
            return
        share, target = bar
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        item.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        model = index.model()
        colour = model.colour(index.row()) if isinstance(model, RowsModel) else None
        palette = option.palette
        rect = QRectF(option.rect).adjusted(4, 5, -4, -5)
        metrics = option.fontMetrics
        label_width = metrics.horizontalAdvance("100 %") + 8
        track = QRectF(rect.left(), rect.top(), max(0.0, rect.width() - label_width), rect.height())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(QPen(palette.mid().color(), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(track)
        filled = QRectF(
            track.left(), track.top(), track.width() * min(max(share, 0), 100) / 100, track.height()
        )
        painter.fillRect(filled, QColor(colour) if colour else palette.highlight().color())
        if target is not None:
            x = track.left() + track.width() * min(max(target, 0), 100) / 100
            painter.setPen(QPen(palette.text().color(), 1, Qt.PenStyle.DashLine))
            painter.drawLine(int(x), int(track.top()) - 3, int(x), int(track.bottom()) + 3)
        painter.setPen(palette.text().color())
        text_rect = QRectF(track.right() + 4, rect.top() - 4, label_width - 4, rect.height() + 8)
        align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(text_rect, int(align), f"{share:.0f} %")
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 150), hint.height())


def _table(name: str, model: RowsModel) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return view


class EndOfDayDialog(ServiceDialog):
    """Review one day and close it; `day_changed` carries each saved Change."""

    day_changed = Signal(object)  # planner.domain.values.Change
    day_closed = Signal(object)  # planner.domain.values.Change, after "Close the day"

    def __init__(self, gateway: Gateway, day: date, parent: QWidget | None = None) -> None:
        super().__init__(gateway, day, parent)
        self.service = EndOfDayActions(gateway, day)
        self.setWindowTitle(tr("End of day — {day}").format(day=long_day(day)))
        self.setObjectName("end_of_day_dialog")
        self.review: DayReview | None = None
        self._next_day = day
        self._build()
        self._read_bar = self.message
        self.refresh()
        fit_window(self, QSize(1120, 660))

    # ------------------------------------------------------------ layout

    def _build(self) -> None:
        self.heading = QLabel()
        self.heading.setObjectName("heading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.message = MessageBar()

        self.split_model = RowsModel(SPLIT_COLUMNS, numeric=(1, 2, 3, 4))
        self.split = _table("split", self.split_model)
        self.share_bars = ShareBarDelegate(self.split)
        for column in (PLANNED_SHARE, ACTUAL_SHARE):
            self.split.setItemDelegateForColumn(column, self.share_bars)
        self.split.horizontalHeader().setStretchLastSection(False)
        for column in (PLANNED_SHARE, ACTUAL_SHARE):
            self.split.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.Stretch
            )
        self.split.setAccessibleName(tr("planned versus actual time per role"))
        self.totals = QLabel()
        self.totals.setObjectName("totals")
        self.totals.setWordWrap(True)
        split_box = QGroupBox(tr("Planned vs actual"))
        split_layout = QVBoxLayout(split_box)
        split_layout.addWidget(self.split)
        split_layout.addWidget(self.totals)
        # the week's share after today (what tomorrow's Auto-split repays) and the breaks skipped
        self.week_debt = QLabel()
        self.week_debt.setObjectName("week_debt")
        self.week_debt.setWordWrap(True)
        split_layout.addWidget(self.week_debt)
        self.breaks_skipped = QLabel()
        self.breaks_skipped.setObjectName("breaks_skipped")
        self.breaks_skipped.setWordWrap(True)
        split_layout.addWidget(self.breaks_skipped)

        self.interruption_summary = QLabel()
        self.interruption_summary.setObjectName("interruption_summary")
        self.interruptions_model = RowsModel(
            (tr("Time"), tr("Minutes"), tr("Role"), tr("Who / what"), tr("Flags")), (1,)
        )
        self.interruptions = _table("interruptions", self.interruptions_model)
        self.interruptions.setAccessibleName(tr("today's interruptions"))
        intr_box = BuddyBox(tr("&Interruptions"), self.interruptions)
        intr_layout = QVBoxLayout(intr_box)
        intr_layout.addWidget(self.interruption_summary)
        intr_layout.addWidget(self.interruptions)

        left = QVBoxLayout()
        left.addWidget(split_box, 2)
        left.addWidget(intr_box, 3)

        self.done_list = QListWidget()
        self.done_list.setObjectName("done")
        self.done_list.setAccessibleName(tr("done today"))
        self.done_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.done_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        done_box = QGroupBox(tr("Done today"))
        QVBoxLayout(done_box).addWidget(self.done_list)

        self.unfinished = QListWidget()
        self.unfinished.setObjectName("unfinished")
        self.unfinished.setAccessibleName(tr("unfinished tasks"))
        self.unfinished.currentRowChanged.connect(self._on_unfinished_current_row_changed)
        self.carry = QPushButton()
        self.carry.setObjectName("carry_task")
        self.carry.setAutoDefault(False)
        self.carry.clicked.connect(self._on_carry_clicked)
        self.drop = QPushButton(tr("D&rop"))
        self.drop.setObjectName("drop_task")
        self.drop.setAutoDefault(False)
        self.drop.clicked.connect(self._on_drop_clicked)
        self.carry_all = QPushButton(tr("Carry &all"))
        self.carry_all.setObjectName("carry_all")
        self.carry_all.setAutoDefault(False)
        self.carry_all.clicked.connect(self._on_carry_all_clicked)
        unfinished_box = BuddyBox(
            tr("&Unfinished — carry over or drop, one by one"), self.unfinished
        )
        unfinished_layout = QVBoxLayout(unfinished_box)
        unfinished_layout.addWidget(self.unfinished)
        row = QHBoxLayout()
        row.addWidget(self.carry)
        row.addWidget(self.drop)
        row.addStretch(1)
        row.addWidget(self.carry_all)
        unfinished_layout.addLayout(row)

        right = QVBoxLayout()
        right.addWidget(done_box, 1)
        right.addWidget(unfinished_box, 1)

        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)

        self.buttons = QDialogButtonBox()
        self.close_day = self.buttons.addButton(
            tr("&Close the day"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.close_day.setObjectName("close_day")
        self.later = self.buttons.addButton(tr("&Later"), QDialogButtonBox.ButtonRole.RejectRole)
        self.close_day.clicked.connect(self._on_close_day_clicked)
        self.later.clicked.connect(self.reject)
        for button in (self.close_day, self.later):
            button.setAutoDefault(False)
        self.status = QLabel()
        self.status.setObjectName("status")
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.buttons)

        outer = QVBoxLayout(self)
        outer.addWidget(self.heading)
        outer.addWidget(self.message)
        self.scroller = scrolled(columns)  # on a small screen it scrolls; the buttons stay
        outer.addWidget(self.scroller, 1)
        outer.addLayout(bottom)

    # ------------------------------------------------------------ reading

    def reload(self) -> None:
        view = self.service.load()
        review, day, roles, summary, now = view.review, view.day, view.roles, view.summary, view.now
        self._next_day = view.next_day
        self.review = review
        names = {r.id: r for r in roles}
        self.heading.setText(tr("How {day} went").format(day=long_day(self._day)))
        self._show_split(review)
        self._show_week(view.debt, names)
        self._show_breaks(review)
        self.interruption_summary.setText(summary[:1].upper() + summary[1:] + ".")
        rows: list[tuple[str, ...]] = []
        colours: list[str | None] = []
        for e in review.interruptions:
            role = names.get(e.role_id) if e.role_id is not None else None
            end = e.end or now
            who = " — ".join(x for x in (e.source, e.note) if x) or tr("(no note)")
            flags = entry_in_words(e, {r.id: r.name for r in roles}, view.slots)
            rows.append(
                (
                    clock(e.start, self._zone),
                    whole_minutes((end - e.start).total_seconds() / 60),
                    role.name if role else "—",
                    who.replace("\n", " "),
                    flags,
                )
            )
            colours.append(role.colour if role else None)
        self.interruptions_model.set_rows(rows, colours, [e.id for e in review.interruptions])

        self.done_list.clear()
        for task in review.done:
            role = names.get(task.role_id)
            item = QListWidgetItem(f"✓ {task.title}")
            if role:
                item.setIcon(swatch(role.colour))
            self.done_list.addItem(item)
        if not review.done:
            item = QListWidgetItem(tr("Nothing marked done today"))
            item.setForeground(QColor(128, 128, 128))
            self.done_list.addItem(item)

        current = self.unfinished.currentRow()
        self.unfinished.clear()
        for task in review.unfinished:
            role = names.get(task.role_id)
            label = f"{task.title}  [{role.name if role else '?'}]  {task.estimate_minutes} min"
            if task.carried_over:
                label += f"  ↻{task.carried_over}"
            item = QListWidgetItem(label)
            item.setData(TASK_ID, task.id)
            item.setData(TASK_VERSION, task.version or None)
            if role:
                item.setIcon(swatch(role.colour))
            self.unfinished.addItem(item)
        if self.unfinished.count():
            self.unfinished.setCurrentRow(min(max(current, 0), self.unfinished.count() - 1))
        has = bool(review.unfinished)
        self.carry.setText(tr("Carr&y to {day}").format(day=short_day(self._next_day)))
        for button in (self.carry, self.drop, self.carry_all):
            button.setEnabled(has)

        if day.closed_at is not None:
            closed = day.closed_at.astimezone(self._zone)
            self.status.setText(tr("Closed at {time}.").format(time=clock(closed)))
            self.close_day.setEnabled(False)
        else:
            running = (
                tr("{running} entry still running · ").format(running=review.running)
                if review.running
                else ""
            )
            self.status.setText(
                running + tr("Closing ends what is running and marks the day done.")
            )
            self.close_day.setEnabled(True)

    def _show_split(self, review: DayReview) -> None:
        rows: list[tuple[str, ...]] = []
        colours: list[str | None] = []
        planned: list[tuple[float, float | None] | None] = []
        actual: list[tuple[float, float | None] | None] = []
        for r in review.roles:
            rows.append(
                (
                    r.name,
                    f"{r.target_percent:g} %",
                    format_minutes(r.planned_minutes),
                    format_minutes(r.actual_minutes),
                    format_minutes(r.delta_minutes, plus=True),
                    f"{r.planned_share:.0f} %",
                    f"{r.actual_share:.0f} %",
                )
            )
            colours.append(r.colour)
            planned.append((r.planned_share, r.target_percent))
            actual.append((r.actual_share, r.target_percent))
        if review.unassigned_minutes:
            rows.append(
                (tr("No role"), "", "", format_minutes(review.unassigned_minutes), "", "", "")
            )
            colours.append(None)
            planned.append(None)
            actual.append(None)
        self.split_model.set_rows(rows, colours)
        self.split_model.set_bars(PLANNED_SHARE, planned)
        self.split_model.set_bars(ACTUAL_SHARE, actual)
        parts = [
            tr("Planned {format_minutes}").format(
                format_minutes=format_minutes(review.planned_minutes)
            ),
            tr("worked {format_minutes}").format(
                format_minutes=format_minutes(review.actual_minutes)
            ),
            tr("interrupted {format_minutes}").format(
                format_minutes=format_minutes(review.interruption_minutes)
            ),
        ]
        if review.overtime_minutes >= 1:
            parts.append(
                tr("past the hard stop {format_minutes}").format(
                    format_minutes=format_minutes(review.overtime_minutes)
                )
            )
        self.totals.setText(" · ".join(parts) + ".")

    def _show_week(
        self, debt: Sequence[tuple[int, float, float | None]], roles: dict[int, RoleV]
    ) -> None:
        """'Community: 50 min behind this week (yesterday 1 h 20 min behind), narrowing.'"""
        lines = []
        for role_id, now, before in debt:
            role = roles.get(role_id)
            if role is None or role.archived:
                continue
            if before is None:
                line = tr("{role}: {debt} this week.").format(
                    role=role.name, debt=reports.debt_words(now)
                )
            else:
                line = tr("{role}: {debt} this week (yesterday {before}), {trend}.").format(
                    role=role.name,
                    debt=reports.debt_words(now),
                    before=reports.debt_words(before),
                    trend=reports.debt_trend(before, now),
                )
            lines.append(line)
        self.week_debt.setText("\n".join(lines))
        self.week_debt.setVisible(bool(lines))

    def _show_breaks(self, review: DayReview) -> None:
        """The breaks skipped today (skipped for the day, or worked through)."""
        if not review.breaks:
            self.breaks_skipped.setText(tr("No breaks were planned."))
            return
        if not review.skipped:
            self.breaks_skipped.setText(tr("No break skipped."))
            return
        which = ", ".join(
            (tr("lunch {span}") if b.kind == "lunch" else tr("break {span}")).format(
                span=f"{clock(b.start, self._zone)}–{clock(b.end, self._zone)}"
            )
            for b in review.skipped
        )
        n, planned = len(review.skipped), len(review.breaks)
        self.breaks_skipped.setText(
            ntr(
                "{n} of {planned} breaks skipped: {which}.",
                "{n} of {planned} breaks skipped: {which}.",
                n,
            ).format(n=n, planned=planned, which=which)
        )

    def _announce(self, change: Change) -> None:
        self.day_changed.emit(change)

    def _selected_task_id(self) -> int | None:
        item = self.unfinished.currentItem()
        return None if item is None or item.data(TASK_ID) is None else int(item.data(TASK_ID))

    def _selected_version(self) -> int | None:
        item = self.unfinished.currentItem()
        version = None if item is None else item.data(TASK_VERSION)
        return int(version) if version else None

    def _on_unfinished_current_row_changed(self, _row: int) -> None:
        self.carry.setEnabled(self._selected_task_id() is not None)
        self.drop.setEnabled(self._selected_task_id() is not None)

    # ------------------------------------------------------------ edits

    def _on_carry_clicked(self) -> None:
        task_id, target = self._selected_task_id(), self._next_day
        if task_id is None:
            return
        seen = self._selected_version()
        self._save(lambda: self.service.carry_task(task_id, target, seen), self.message)
        self.unfinished.setFocus()

    def _on_drop_clicked(self) -> None:
        task_id = self._selected_task_id()
        if task_id is None:
            return
        seen = self._selected_version()
        self._save(lambda: self.service.drop_task(task_id, seen), self.message)
        self.unfinished.setFocus()

    def _on_carry_all_clicked(self) -> None:
        target = self._next_day
        self._save(lambda: self.service.carry_all(target), self.message)

    def _on_close_day_clicked(self) -> None:
        result = self._save(self.service.close_day, self.message)
        if isinstance(result, Change):
            self.day_closed.emit(result)
            self.accept()


def main(argv: Sequence[str] | None = None) -> int:
    return run_dialog(EndOfDayDialog, tr("End-of-day review (Splitday)"), argv)


if __name__ == "__main__":
    sys.exit(main())
