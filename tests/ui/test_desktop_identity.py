"""ui/shell/desktop.py: the app id handed to Qt, the icon, and the SPLITDAY_QUIT_AFTER_MS hook."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from planner import APP_ID
from ui.shell.desktop import apply_identity, resources_dir

ROOT = Path(__file__).resolve().parents[2]


def test_apply_identity_sets_the_desktop_file_name_and_icon(qapp: QApplication) -> None:
    old_name, old_desktop = qapp.applicationName(), qapp.desktopFileName()
    try:
        apply_identity(qapp)
        assert qapp.desktopFileName() == APP_ID
        assert not qapp.windowIcon().isNull()
        assert qapp.windowIcon().pixmap(16, 16).width() == 16
    finally:
        qapp.setApplicationName(old_name)
        qapp.setDesktopFileName(old_desktop)


def test_resources_dir_holds_the_icon() -> None:
    assert (resources_dir() / "icons" / f"{APP_ID}.svg").exists()


def _run_app(tmp_path: Path, quit_after: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SPLITDAY_QUIT_AFTER_MS": quit_after,
        "SPLITDAY_DB_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-c", "import sys; from ui.shell.app import main; sys.exit(main())"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_quit_after_ms_ends_the_real_app_cleanly(tmp_path: Path) -> None:
    started = time.monotonic()
    result = _run_app(tmp_path, "300")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 30


def test_a_bad_quit_after_value_is_reported_not_fatal(tmp_path: Path) -> None:
    # With a bad value the hook is off, so the app would run on: end it from outside.
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SPLITDAY_QUIT_AFTER_MS": "soon",
        "SPLITDAY_DB_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from ui.shell.app import main; sys.exit(main())"],
            env=env,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 30
        while "ignoring" not in err_path.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, err_path.read_text()
            time.sleep(0.05)
        time.sleep(0.5)
        assert proc.poll() is None  # still running: the bad value neither quit nor crashed it
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "ignoring SPLITDAY_QUIT_AFTER_MS='soon'" in err_path.read_text()
