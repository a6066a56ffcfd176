"""The "changed elsewhere" question: an edit met a change another device or window made since
the window showed the row; keep theirs (the default, Esc) or keep mine."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from planner.domain.errors import ConcurrentChange
from planner.domain.i18n import tr


class ConflictDialog(QDialog):
    """Shows theirs (how the row is now) and mine (what this save makes of it). Accepted:
    keep mine; rejected (Esc, Enter on the default): keep theirs. No SQL in here."""

    def __init__(self, conflict: ConcurrentChange, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.setObjectName("conflictDialog")
        self.setWindowTitle(tr("Changed elsewhere"))
        said = str(conflict).split(";")[0]
        self.message = message = QLabel(said[:1].upper() + said[1:] + ".")
        message.setObjectName("conflictMessage")
        message.setWordWrap(True)
        self.theirs = QLabel(conflict.theirs or tr("(not known)"))
        self.theirs.setObjectName("conflictTheirs")
        self.mine = QLabel(conflict.mine or tr("(not known)"))
        self.mine.setObjectName("conflictMine")
        for label in (self.theirs, self.mine):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow(tr("Elsewhere (theirs):"), self.theirs)
        form.addRow(tr("This save (mine):"), self.mine)
        box = QDialogButtonBox()
        self.keep_mine: QPushButton | None
        if conflict.can_keep_mine:
            self.keep_theirs = box.addButton(
                tr("Keep &theirs"), QDialogButtonBox.ButtonRole.RejectRole
            )
            self.keep_mine = box.addButton(tr("Keep &mine"), QDialogButtonBox.ButtonRole.AcceptRole)
            self.keep_mine.setAutoDefault(True)  # Tab to it, Enter: keep mine
        else:  # deleted meanwhile: said; an edit would bring it back behind the person's back
            self.keep_theirs = box.addButton(tr("&OK"), QDialogButtonBox.ButtonRole.RejectRole)
            self.keep_mine = None
        self.keep_theirs.setObjectName("keepTheirs")
        self.keep_theirs.setDefault(True)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(message)
        layout.addLayout(form)
        layout.addWidget(box)
        if self.keep_mine is not None:
            self.keep_mine.setObjectName("keepMine")
            QWidget.setTabOrder(self.keep_theirs, self.keep_mine)
        self.setMinimumWidth(420)
        self.keep_theirs.setFocus(Qt.FocusReason.OtherFocusReason)

    def keeps_mine(self) -> bool:
        return self.result() == QDialog.DialogCode.Accepted and self.keep_mine is not None


def ask(conflict: ConcurrentChange, parent: QWidget | None = None) -> bool:
    """Ask (modal); whether to keep mine. The gateway's `resolve`."""
    dialog = ConflictDialog(conflict, parent)
    dialog.exec()
    keep = dialog.keeps_mine()
    dialog.deleteLater()
    return keep
