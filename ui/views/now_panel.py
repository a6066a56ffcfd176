"""Now / focus: the current slot's role in large type, the one task, time left, what is next."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QFontMetrics, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from planner.domain.i18n import tr
from ui import theme
from ui.formats import clock
from ui.widgets.plain import PlainLabel

if TYPE_CHECKING:
    from ui.day_data import DaySnapshot, Focus


class FocusCard(QFrame):
    """The focus summary; `compact` for the mini window."""

    def __init__(self, zone: tzinfo, compact: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.compact = compact
        self.focus: Focus | None = None
        self.role = PlainLabel("…", self)
        self.role.setObjectName("focusRole")
        self.role.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.role.setAutoFillBackground(True)
        self.role.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * (1.6 if compact else 2.2))
        font.setBold(True)
        self.role.setFont(font)
        pad = 4 if compact else 10
        self.role.setContentsMargins(8, pad, 8, pad)
        self.role.setMinimumHeight(QFontMetrics(font).height() + 2 * pad + 4)
        self.task = PlainLabel(parent=self)
        self.task.setObjectName("focusTask")
        self.task.setWordWrap(True)
        self.task.setAlignment(Qt.AlignmentFlag.AlignCenter)
        task_font = QFont(self.font())
        task_font.setPointSizeF(task_font.pointSizeF() * 1.2)
        self.task.setFont(task_font)
        self.left = PlainLabel(parent=self)
        self.left.setObjectName("focusLeft")
        self.left.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next = PlainLabel(parent=self)
        self.next.setObjectName("focusNext")
        self.next.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next.setWordWrap(True)
        self.state = PlainLabel(parent=self)  # the day's state: always in view, in words
        self.state.setObjectName("focusState")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state.setWordWrap(True)
        self.state.setAccessibleName(tr("day state"))
        layout = QVBoxLayout(self)
        margin = 6 if compact else 10
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setSpacing(4 if compact else 6)
        layout.addWidget(self.role)
        layout.addWidget(self.task)
        layout.addWidget(self.left)
        layout.addWidget(self.next)
        layout.addWidget(self.state)
        if not compact:
            layout.addStretch(1)

    def _hhmm(self, moment: datetime) -> str:
        return clock(moment, self.zone)

    def _interruption_text(self, focus: Focus) -> str:
        """'⚡ Interruption since 09:02 — pulled into Community during a Support focus block',
        then what it is about."""
        from planner.domain.flags import in_words

        entry = focus.interruption
        assert entry is not None
        role = focus.interruption_role.name if focus.interruption_role else None
        planned = focus.role.name if focus.slot is not None and focus.role else None
        words = in_words(entry.flags, role, planned)
        head = tr("⚡ Interruption since {hhmm}").format(hhmm=self._hhmm(entry.start))
        if words:
            head += f" — {words}"
        elif role:
            head += f" ({role})"
        about = " — ".join(x for x in (entry.source, entry.note) if x)
        return f"{head}\n{about}" if about else head

    def show_focus(self, focus: Focus | None) -> None:
        from ui.day_data import format_left, format_span  # (not for the first, empty paint)

        self.focus = focus
        if focus is None:
            self.role.setText("…")
            return
        if focus.role is not None:
            colour = focus.role.colour
            self.role.setText(focus.role.name)
            self.role.setStyleSheet(
                f"background:{colour}; color:{theme.role_text(colour).name()}; border-radius:6px;"
            )
        else:
            overtime = focus.after_stop and focus.working is not None
            self.role.setText(
                tr("Overtime")
                if overtime
                else tr("Meeting")
                if focus.meeting is not None
                else (tr("Lunch") if focus.brk.kind == "lunch" else tr("Break"))
                if focus.brk is not None
                else tr("Day over")
                if focus.after_stop
                else tr("Offline")
                if focus.unseen
                else tr("No slot now")
            )
            self.role.setStyleSheet("border:1px solid palette(mid); border-radius:6px;")
        if focus.interruption is not None:
            self.task.setText(self._interruption_text(focus))
        elif focus.unseen:  # nothing to follow: say why, and what still works
            from ui.day_data import NO_PLAN_SEEN

            self.task.setText(tr(NO_PLAN_SEEN))
        elif focus.task is not None:
            self.task.setText(focus.task.title)
        elif focus.slot is not None:
            self.task.setText(focus.slot.title or tr("No task planned for this slot"))
        elif focus.meeting is not None:
            self.task.setText(focus.meeting.summary or tr("a meeting"))
        elif focus.after_stop and focus.working is not None:
            what = focus.working_role.name if focus.working_role else "work"
            self.task.setText(tr("Still logging {what}").format(what=what))
        else:
            self.task.setText("")
        closed = focus.state == tr("day closed")
        if closed:  # the day is over: no slot's time left (relive finding 8)
            self.left.setText("")
        elif focus.slot is not None and focus.left is not None:
            self.left.setText(
                tr("{format_left} (until {hhmm})").format(
                    format_left=format_left(focus.left), hhmm=self._hhmm(focus.slot.end)
                )
            )
        elif focus.meeting is not None:
            left = format_left(focus.meeting.end - focus.now)
            self.left.setText(
                tr("{left} (until {hhmm})").format(left=left, hhmm=self._hhmm(focus.meeting.end))
            )
        elif focus.brk is not None:
            left = format_left(focus.brk.end - focus.now)
            self.left.setText(
                tr("{left} (until {hhmm})").format(left=left, hhmm=self._hhmm(focus.brk.end))
            )
        elif focus.after_stop and focus.working is not None:
            over = format_span(focus.now - focus.stop)
            self.left.setText(
                tr("{over} past the hard stop ({hhmm})").format(
                    over=over, hhmm=self._hhmm(focus.stop)
                )
            )
        elif focus.after_stop:
            self.left.setText(tr("Hard stop was at {hhmm}").format(hhmm=self._hhmm(focus.stop)))
        else:
            self.left.setText("")
        if focus.next_is_meeting and focus.next_meeting is not None:
            meeting = focus.next_meeting
            self.next.setText(
                tr("Next: {value} at {hhmm}").format(
                    value=meeting.summary or tr("a meeting"), hhmm=self._hhmm(meeting.start)
                )
            )
        elif focus.next_slot is not None and focus.next_role is not None:
            self.next.setText(
                tr("Next: {name} at {hhmm}").format(
                    name=focus.next_role.name, hhmm=self._hhmm(focus.next_slot.start)
                )
            )
        elif not focus.after_stop and not focus.unseen:  # (an unseen day's hours are a guess)
            self.next.setText(tr("Hard stop at {hhmm}").format(hhmm=self._hhmm(focus.stop)))
        elif focus.working is not None and not self.compact:  # the mini window has no room
            self.next.setText(tr("End of day… (Ctrl+E) stops the log and closes the day"))
        else:
            self.next.setText("")
        self.state.setText(self._state_text(focus))
        self._fit_height()

    def _state_text(self, focus: Focus) -> str:
        """'Following the plan', 'Following the plan from 09:00', 'Not started — Ctrl+T starts
        tracking': what the log is doing, so that nobody believes it runs when it does not."""
        if not focus.state:
            return ""
        text = focus.state[:1].upper() + focus.state[1:]
        if focus.follows_from is not None and focus.follows_from > focus.now:
            text += f" from {self._hhmm(focus.follows_from)}"
        if not focus.tracking and focus.state != tr("day closed"):
            text += tr(" · Ctrl+T") if self.compact else tr(" — Ctrl+T starts tracking")
        if focus.kept:  # the shared server is away: this is what the device keeps
            text += (
                tr(" · saved on this device")
                if self.compact
                else tr(" — saved on this device, delivered when the server is back")
            )
        return text

    def _fit_height(self) -> None:
        """Wrapped lines need the height they take at this width: neither the splitter nor a
        window asks a layout for height-for-width, so the card says it as its minimum height
        (else a long task title is drawn over the role and cut off)."""
        layout = self.layout()
        if self.isVisible() and layout is not None and layout.hasHeightForWidth():
            self.setMinimumHeight(layout.totalHeightForWidth(self.width()))

    def showEvent(self, event: QShowEvent) -> None:  # the width is known from here on
        super().showEvent(event)
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()


class NowPanel(QWidget):
    """The focus card for today plus the button that toggles the mini window."""

    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card = FocusCard(zone, parent=self)
        self.heading = QLabel(tr("<b>Now</b>"), self)
        self.mini_button = QPushButton(tr("Mini window"), self)
        self.mini_button.setCheckable(True)
        self.mini_button.setToolTip(tr("A small always-on-top window for a second screen"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.card, 1)
        layout.addWidget(self.mini_button, 0, Qt.AlignmentFlag.AlignRight)

    def set_zone(self, zone: tzinfo) -> None:
        self.card.zone = zone

    def set_snapshot(self, snapshot: DaySnapshot) -> Focus:
        from ui.day_data import focus_of

        focus = focus_of(snapshot)
        self.card.show_focus(focus)
        return focus


class MiniWindow(QWidget):
    """A compact always-on-top focus window for mono-tasking on a second screen."""

    closed = Signal()

    def __init__(self, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowTitle(tr("Splitday — now"))
        self.setObjectName("miniWindow")
        self.card = FocusCard(zone, compact=True, parent=self)
        # the desktop's Do Not Disturb is on for this focus block, and the one key to end it
        self.dnd = QLabel(self)
        self.dnd.setObjectName("miniDnd")
        self.dnd.setAccessibleName(tr("do not disturb"))
        bold = QFont(self.dnd.font())
        bold.setBold(True)
        self.dnd.setFont(bold)
        self.dnd.setWordWrap(True)
        self.end_focus = QPushButton(tr("End (Ctrl+D)"), self)
        self.end_focus.setObjectName("miniEndFocus")
        self.end_focus.setToolTip(
            tr("Turn the desktop's Do Not Disturb off for the rest of this block")
        )
        self.end_focus.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 0, 6, 6)
        bar.addWidget(self.dnd, 1)
        bar.addWidget(self.end_focus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.card)
        layout.addLayout(bar)
        self.setMinimumWidth(260)
        self.show_dnd("")

    def set_zone(self, zone: tzinfo) -> None:
        self.card.zone = zone
        self.card.show_focus(self.card.focus)

    def show_focus(self, focus: Focus | None) -> None:
        self.card.show_focus(focus)

    def show_dnd(self, text: str) -> None:
        """'Focus — Do Not Disturb until 11:00' while Splitday keeps the desktop quiet."""
        # in words and a colour of its own (no emoji: many desktops' fonts have none)
        self.dnd.setText(text)
        self.dnd.setVisible(bool(text))
        self.end_focus.setVisible(bool(text))

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            # the card's height changed (new words, or a new width): as tall as it needs, no
            # clipped lines and no empty band once a long title is gone
            layout = self.layout()
            height = layout.totalMinimumSize().height() if layout is not None else 0
            if height and height != self.height():
                self.resize(self.width(), height)
        return handled

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)
