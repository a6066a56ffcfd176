"""The tray icon: the current role's colour and the day's state; Start/Pause tracking, Log
interruption, Plan my day, Show, Quit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from planner.domain.i18n import tr
from ui.day_data import Focus
from ui.shell.main_window import MainWindow
from ui.widgets.plain import shown

IDLE = "#9e9e9e"


def role_icon(colour: str, size: int = 64) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(QColor(colour).darker(160))
    margin = size // 10
    painter.drawEllipse(margin, margin, size - 2 * margin, size - 2 * margin)
    painter.end()
    return QIcon(pixmap)


class Tray(QSystemTrayIcon):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(role_icon(IDLE), window)
        self.window = window
        self.colour = IDLE
        menu = QMenu()
        menu.addAction(window.track_action)
        menu.addAction(window.interrupt_action)
        menu.addAction(window.plan_action)
        menu.addSeparator()
        menu.addAction(window.show_action)
        menu.addAction(window.quit_action)
        self._menu = menu
        self.setContextMenu(menu)
        self.setToolTip(tr("Splitday"))
        self.activated.connect(self._on_tray_activated)
        window.focus_changed.connect(self._on_window_focus_changed)
        window.tray = self

    def _on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.window.toggle_visible()

    def _on_window_focus_changed(self, focus: Focus | None) -> None:
        colour = focus.role.colour if focus and focus.role else IDLE
        if colour != self.colour:
            self.colour = colour
            self.setIcon(role_icon(colour))
        tip = (
            f"Splitday — {focus.role.name}"
            if focus and focus.role
            else tr("Splitday — no slot now")
        )
        if focus is not None and focus.state:
            tip += f" · {focus.state}"
        self._tip = tip
        self._show_tip()

    def set_offline(self, text: str) -> None:
        """'offline since 10:42 — 3 changes waiting' (a shared server away), or ''."""
        self._offline = text
        self._show_tip()

    def _show_tip(self) -> None:
        offline = getattr(self, "_offline", "")
        tip = getattr(self, "_tip", "Splitday")
        # a role's name is the user's, and a tray host may take markup
        self.setToolTip(f"{shown(tip)}\n{shown(offline)}" if offline else shown(tip))
