"""The Qt bindings keep None's reference count level (PySide6 6.12.0 on CPython 3.11 did not).

On 3.11 None is mortal: a binding that drops one reference per void call aborts the running
app with `none_dealloc` after a few thousand calls. Each case holds enough extra references
that a leaking binding fails the assertion instead of aborting the test run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QLabel, QProgressBar, QWidget
from pytestqt.qtbot import QtBot

from ui.qt_guard import check_bindings, none_refcount_drift

CALLS = 5000


def _drift(call: Callable[[int], object]) -> int:
    headroom = [None] * (2 * CALLS)
    before = sys.getrefcount(None)
    for i in range(CALLS):
        call(i)
    drift = sys.getrefcount(None) - before
    del headroom
    return drift


def test_void_calls_of_the_widgets_the_app_uses_keep_none_level(qtbot: QtBot) -> None:
    label, bar, widget = QLabel("x"), QProgressBar(), QWidget()
    for w in (label, bar, widget):
        qtbot.addWidget(w)
    timer, action = QTimer(), QAction("Log interruption")
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    pen = QPen(QColor("#3465a4"))
    try:
        cases: dict[str, Callable[[int], object]] = {
            "QLabel.setText": lambda i: label.setText(str(i)),
            "QWidget.update": lambda i: widget.update(),
            "QProgressBar.setValue": lambda i: bar.setValue(i % 100),
            "QTimer.setInterval": timer.setInterval,
            "QAction.setEnabled": lambda i: action.setEnabled(bool(i % 2)),
            "QPainter.setPen": lambda i: painter.setPen(pen),
            "QPainter.drawLine": lambda i: painter.drawLine(0, 0, i % 64, 63),
        }
        drifts = {name: _drift(call) for name, call in cases.items()}
    finally:
        painter.end()
    # A leaking binding moves by -CALLS per case; allow a little noise from the interpreter.
    assert {n: d for n, d in drifts.items() if abs(d) > 50} == {}


def test_the_start_up_guard_passes_on_the_installed_bindings() -> None:
    assert abs(none_refcount_drift(2000)) < 50
    assert check_bindings() is None


def test_the_start_up_guard_names_the_fix_when_bindings_leak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ui.qt_guard as guard

    monkeypatch.setattr(guard, "none_refcount_drift", lambda calls=256: -calls)
    monkeypatch.setattr(guard.sys, "version_info", (3, 11, 7, "final", 0))
    reason = guard.check_bindings()
    assert reason is not None
    assert "PySide6-Essentials<6.12" in reason and "Python 3.12" in reason
