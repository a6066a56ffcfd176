"""Refuse to run on Qt bindings that leak references to None (PySide6 6.12.0 on CPython 3.11)."""

from __future__ import annotations

import sys

from planner.domain.i18n import tr

BROKEN_BINDINGS = tr(
    "this PySide6 ({version}) drops a reference to None on every call, and Python {python} would "
    "abort within minutes (none_dealloc); install PySide6-Essentials<6.12 (pip install "
    "'PySide6-Essentials<6.12') or run Splitday on Python 3.12 or newer"
)


def none_refcount_drift(calls: int = 256) -> int:
    """How None's reference count moves over `calls` void Qt calls (0 on sound bindings)."""
    from PySide6.QtCore import QTimer

    timer = QTimer()
    headroom = [None] * (calls + 64)  # so that a leaking binding cannot abort the measurement
    before = sys.getrefcount(None)
    for i in range(calls):
        timer.setInterval(i)  # a void call: returns None
    drift = sys.getrefcount(None) - before
    del headroom
    return drift


def check_bindings(calls: int = 256) -> str | None:
    """A one-line reason not to start, or None when the bindings keep None's count level."""
    if sys.version_info >= (3, 12):  # None is immortal (PEP 683): a drift cannot abort
        return None
    if none_refcount_drift(calls) > -calls // 2:
        return None
    import PySide6

    python = ".".join(map(str, sys.version_info[:3]))
    return BROKEN_BINDINGS.format(version=PySide6.__version__, python=python)
