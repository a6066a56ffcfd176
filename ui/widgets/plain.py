"""Text from outside (calendar titles, notes, task names) shown as plain text, never as markup."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from planner.domain.printable import printable


def shown(text: str) -> str:
    """`text` with control characters and bidi overrides made visible stand-ins: a meeting
    titled with U+202E cannot reverse what follows it on screen."""
    return printable(text)


def as_tip(text: str) -> str:
    """A tooltip that shows `text` as typed: Qt takes a tooltip that looks like HTML as HTML
    (a meeting called '<img src=…>' would load an image), so it is escaped inside a paragraph."""
    return f"<p style='white-space:pre'>{escape(shown(text))}</p>" if text else ""


class PlainLabel(QLabel):
    """A label for text that may come from outside: plain text (QLabel's default guesses, and
    takes anything that looks like tags as HTML), control characters neutralised."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(shown(text))
