"""`main()`: the one place that builds and wires everything."""

from __future__ import annotations

import os
import sys

NO_DISPLAY = (
    "splitday: no display found (DISPLAY and WAYLAND_DISPLAY are unset). "
    "Run it in a desktop session, under Xvfb (xvfb-run splitday), "
    "or with QT_QPA_PLATFORM=offscreen."
)


def has_display() -> bool:
    if sys.platform != "linux":
        return True
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(db_url: str | None = None, open_plan: bool = False) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    from planner.cli import Context

    app = QApplication.instance() or QApplication(sys.argv[:1])
    # --- intr: single instance (ui/interruptions.py) ---
    from ui.interruptions import claim_instance, install

    instance = claim_instance()
    if isinstance(instance, int):
        return instance  # the running Splitday got "show"
    # --- end intr ---
    # packaging (issue 8): desktop identity + the smoke test's SPLITDAY_QUIT_AFTER_MS hook
    from ui.desktop import apply_identity, quit_after_first_window_from_env

    apply_identity(app)
    quit_after_first_window_from_env(app)
    ctx = Context(db_url)
    window = QMainWindow()
    window.setWindowTitle("Splitday")
    window.setCentralWidget(QLabel("Splitday"))
    window.resize(900, 600)
    window.show()
    _intr = install(app, ctx, window, instance)  # intr: hotkey, quick log, commands, re-flow
    try:
        return app.exec()
    finally:
        ctx.close()
