"""The "what was that gap?" dialog: a meeting, an interruption, a break, work on a role, or
the person had stopped working."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from planner.domain.i18n import tr
from planner.domain.values import RoleV
from planner.services.gaps import Gap
from ui.formats import clock

CHOICES = (
    ("meeting", tr("&Meeting")),
    ("interruption", tr("&Interruption")),
    ("break", tr("&Break")),
    ("work", tr("&Work on")),
    ("stopped", tr("I had &stopped working")),
)
CAUSES = {"sleep": tr("the computer was asleep"), "idle": tr("nobody used the computer")}


@dataclass(frozen=True)
class GapAnswer:
    kind: str
    role_id: int | None
    note: str


def describe(gap: Gap, zone: tzinfo) -> str:
    start = clock(gap.start, zone)
    end = clock(gap.end, zone)
    cause = CAUSES.get(gap.cause, tr("you were away"))
    from ui.day_data import format_span

    return tr("From {start} to {end} ({span}) {cause}.\nWhat was it?").format(
        start=start, end=end, span=format_span(gap.end - gap.start), cause=cause
    )


class GapDialog(QDialog):
    """Asks once about a gap; `answered` carries the choice. No SQL in here.

    "Log it" closes the dialog once the answer is logged: a listener that could not log it
    calls `keep_open(why)` and the dialog stays, with the answer and the reason.
    """

    answered = Signal(object)  # GapAnswer

    def __init__(
        self,
        gap: Gap,
        roles: Sequence[RoleV],
        zone: tzinfo,
        *,
        suggested: str = "break",
        role_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.gap = gap
        self.setWindowTitle(tr("You were away"))
        self.setModal(False)
        question = QLabel(describe(gap, zone))
        question.setWordWrap(True)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        grid = QGridLayout()
        for row, (kind, label) in enumerate(CHOICES):
            button = QRadioButton(label)
            self.group.addButton(button, row)
            self.buttons[kind] = button
            grid.addWidget(button, row, 0)
        self.role = QComboBox()
        self.role.setAccessibleName(tr("Role"))
        for role in roles:
            self.role.addItem(role.name, role.id)
        if role_id is not None and (index := self.role.findData(role_id)) >= 0:
            self.role.setCurrentIndex(index)
        work_row = [kind for kind, _ in CHOICES].index("work")
        grid.addWidget(self.role, work_row, 1)  # "Work on [role]"
        grid.setColumnStretch(1, 1)
        self.note = QLineEdit()
        self.note.setPlaceholderText(tr("Note (optional): who or what"))
        self.note.setAccessibleName(tr("Note"))
        self.error = QLabel()
        self.error.setObjectName("gapError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color:#b00020;")
        self.error.hide()
        self._kept = False
        box = QDialogButtonBox()
        self.save = box.addButton(tr("&Log it"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep = box.addButton(tr("Leave it &as it was"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save.setDefault(True)
        box.accepted.connect(self._on_box_accepted)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addLayout(grid)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(box)
        self.buttons.get(suggested, self.buttons["break"]).setChecked(True)
        # picking a role means "work on it"
        self.role.activated.connect(lambda _: self.buttons["work"].setChecked(True))
        self.setMinimumWidth(420)
        self.buttons[suggested if suggested in self.buttons else "break"].setFocus(
            Qt.FocusReason.OtherFocusReason
        )

    def _on_box_accepted(self) -> None:
        self._kept = False
        self.error.hide()
        self.answered.emit(self.answer())
        if not self._kept:
            self.accept()

    def keep_open(self, message: str) -> None:
        """The answer could not be logged: stay open with it, and say why."""
        self._kept = True
        self.error.setText(message[:1].upper() + message[1:])
        self.error.show()

    def answer(self) -> GapAnswer:
        kind = CHOICES[max(0, self.group.checkedId())][0]
        role_id = self.role.currentData() if kind == "work" else None
        return GapAnswer(kind, role_id, self.note.text().strip())
