"""Small helpers the dialog tests share: type into widgets like a person, read the database."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QDateTimeEdit, QWidget
from pytestqt.qtbot import QtBot

# The offscreen platform warns about a feature it lacks; that says nothing about our widgets.
IGNORED_QT_MESSAGES = ("This plugin does not support propagateSizeHints",)


def type_into(qtbot: QtBot, widget: QWidget, text: str, *, enter: bool = True) -> None:
    """Focus, select everything, type `text` key by key, and press Enter."""
    widget.setFocus()
    if isinstance(widget, QDateTimeEdit):
        # like clicking into the first section: it is selected, typing overwrites it
        widget.setSelectedSection(widget.sectionAt(0))
    elif isinstance(widget, QAbstractSpinBox):
        widget.selectAll()
    else:
        qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    for char in text:
        qtbot.keyClick(widget, char)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return)
