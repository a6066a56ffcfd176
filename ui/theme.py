"""Follow the system's light/dark scheme (or $SPLITDAY_THEME) and give views their colours."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from ui.geometry import text_colour_on

WARNING = {"light": "#b3261e", "dark": "#ff8a80"}
NOW = {"light": "#e65100", "dark": "#ffb74d"}


def requested_scheme() -> str:
    """'light', 'dark' or 'system' ($SPLITDAY_THEME wins over the desktop)."""
    value = os.environ.get("SPLITDAY_THEME", "system").strip().lower()
    return value if value in ("light", "dark") else "system"


def system_is_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor("#2b2d30"), QColor("#1e1f22"), QColor("#e8e8e8")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Window, window)
        p.setColor(group, QPalette.ColorRole.WindowText, text)
        p.setColor(group, QPalette.ColorRole.Base, base)
        p.setColor(group, QPalette.ColorRole.AlternateBase, QColor("#26282b"))
        p.setColor(group, QPalette.ColorRole.Text, text)
        p.setColor(group, QPalette.ColorRole.Button, QColor("#3a3d41"))
        p.setColor(group, QPalette.ColorRole.ButtonText, text)
        p.setColor(group, QPalette.ColorRole.ToolTipBase, QColor("#3a3d41"))
        p.setColor(group, QPalette.ColorRole.ToolTipText, text)
        p.setColor(group, QPalette.ColorRole.PlaceholderText, QColor("#9a9a9a"))
        p.setColor(group, QPalette.ColorRole.Highlight, QColor("#3d7bd9"))
        p.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        p.setColor(group, QPalette.ColorRole.Link, QColor("#8ab4f8"))
        p.setColor(group, QPalette.ColorRole.Mid, QColor("#55585c"))
        p.setColor(group, QPalette.ColorRole.Dark, QColor("#18191b"))
        p.setColor(group, QPalette.ColorRole.Light, QColor("#45484c"))
        p.setColor(group, QPalette.ColorRole.BrightText, QColor("#ffffff"))
    disabled = QPalette.ColorGroup.Disabled
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(disabled, role, QColor("#7a7a7a"))
    p.setColor(disabled, QPalette.ColorRole.Window, window)
    p.setColor(disabled, QPalette.ColorRole.Base, base)
    p.setColor(disabled, QPalette.ColorRole.Button, QColor("#3a3d41"))
    return p


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def apply(app: QApplication) -> None:
    """Set the palette for the requested or system scheme; called again when it changes."""
    wanted = requested_scheme()
    dark = system_is_dark() if wanted == "system" else wanted == "dark"
    if wanted != "system":
        app.setStyle("Fusion")
    if dark and not is_dark(app.style().standardPalette()):
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    elif wanted != "system" or is_dark(app.palette()) != dark:
        app.setPalette(app.style().standardPalette())
    # else: the platform's own palette already matches; leave it (and save start-up time)


def use_dark(app: QApplication) -> None:
    """Fusion with the app's dark palette, whatever the desktop says (for dark screenshots)."""
    app.setStyle("Fusion")
    hints = app.styleHints()
    if hasattr(hints, "setColorScheme"):
        hints.setColorScheme(Qt.ColorScheme.Dark)
    app.setPalette(dark_palette())


def follow_system(app: QApplication) -> None:
    apply(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply(app))


def scheme_of(palette: QPalette) -> str:
    return "dark" if is_dark(palette) else "light"


def warning_colour(palette: QPalette) -> QColor:
    return QColor(WARNING[scheme_of(palette)])


def now_colour(palette: QPalette) -> QColor:
    return QColor(NOW[scheme_of(palette)])


def role_fill(colour: str) -> QColor:
    return QColor(colour)


def role_text(colour: str) -> QColor:
    return QColor(text_colour_on(colour))


def blend(colour: QColor, background: QColor, amount: float) -> QColor:
    """`amount` of `colour` over `background`, as an opaque colour (so text can be chosen)."""
    return QColor(
        round(colour.red() * amount + background.red() * (1 - amount)),
        round(colour.green() * amount + background.green() * (1 - amount)),
        round(colour.blue() * amount + background.blue() * (1 - amount)),
    )
