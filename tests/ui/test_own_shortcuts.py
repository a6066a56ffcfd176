"""The window's own keys (Ctrl+E, Ctrl+M, …) work with the cursor in a line edit, on X11."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (Xvfb)")
def test_ctrl_e_opens_end_of_day_from_the_task_row_on_x11(tmp_path: Path) -> None:
    # on X11 QLineEdit takes Ctrl+E as 'end of line' through ShortcutOverride (the offscreen
    # platform has no such binding, hence a real X server)
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", PYTHONPATH=f"{ROOT}{os.pathsep}{HERE}")
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1280x800x24",
            sys.executable,
            str(HERE / "x11_own_shortcuts.py"),
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["platform"] == "xcb"
    assert "EndOfDayDialog" in out["visible"], out
    assert out["text"] == "Call Ana"  # typing reached the field
    assert out["cursor"] == 0  # Ctrl+E did not move the cursor to the end of the line
    assert out["mini"] is True  # Ctrl+M too
    assert out["selected"] == "Call Ana"  # a key the window does not own is the field's
