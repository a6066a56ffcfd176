"""The Qt bindings keep None's reference count level (PySide6 6.12.0 on CPython 3.11 did not).

On 3.11 None is mortal: a binding that drops one reference per void call aborts the running
app with `none_dealloc` after a few thousand calls. The calls run in a child interpreter that
holds spare references to None first, so that a leaking binding fails an assertion here
instead of aborting the test run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CALLS = 5000

CHILD = """
import json, os, sys
spare = [None] * 200_000  # headroom: a leaking binding must not reach zero here
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QWidget

app = QApplication([])
label, bar, widget = QLabel("x"), QProgressBar(), QWidget()
timer, action = QTimer(), QAction("Log interruption")
image = QImage(64, 64, QImage.Format.Format_ARGB32)
painter = QPainter(image)
pen = QPen(QColor("#3465a4"))
cases = {
    "QLabel.setText": lambda i: label.setText(str(i)),
    "QWidget.update": lambda i: widget.update(),
    "QProgressBar.setValue": lambda i: bar.setValue(i % 100),
    "QTimer.setInterval": timer.setInterval,
    "QAction.setEnabled": lambda i: action.setEnabled(bool(i % 2)),
    "QPainter.setPen": lambda i: painter.setPen(pen),
    "QPainter.drawLine": lambda i: painter.drawLine(0, 0, i % 64, 63),
}
drifts = {}
for name, call in cases.items():
    before = sys.getrefcount(None)
    for i in range(CALLS):
        call(i)
    drifts[name] = sys.getrefcount(None) - before
painter.end()
from ui.shell.qt_guard import check_bindings
print(json.dumps({"drifts": drifts, "guard": check_bindings()}), flush=True)
os._exit(0)  # freeing `spare` at exit would abort a leaking binding after the measurement
"""


def _measure() -> dict[str, object]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD.replace("CALLS", str(CALLS))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_void_calls_of_the_qt_classes_the_app_uses_keep_none_level() -> None:
    result = _measure()
    drifts = result["drifts"]
    assert isinstance(drifts, dict) and len(drifts) == 7
    # A leaking binding moves by -CALLS per case; allow a little noise from the interpreter.
    assert {name: d for name, d in drifts.items() if abs(d) > 50} == {}
    assert result["guard"] is None  # and the start-up guard lets the app start


def test_the_start_up_guard_names_the_fix_when_bindings_leak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ui.shell.qt_guard as guard

    monkeypatch.setattr(guard, "none_refcount_drift", lambda calls=256: -calls)
    monkeypatch.setattr(guard.sys, "version_info", (3, 11, 7, "final", 0))
    reason = guard.check_bindings()
    assert reason is not None
    assert "PySide6-Essentials<6.12" in reason and "Python 3.12" in reason
