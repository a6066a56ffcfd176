"""The real app under Xvfb: a real mouse drag (xdotool) plans a slot, Ctrl+Z takes it back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys
from datetime import datetime
from zoneinfo import ZoneInfo
from PySide6.QtCore import QTimer
from ui.shell.app import build

out = sys.argv[1]
app, window, runtime = build()
berlin = ZoneInfo("Europe/Berlin")

def on_day_shown(_day):
    def report():
        tl = window.timeline
        points = {}
        for hhmm in ("15:00", "16:00"):
            h, m = map(int, hhmm.split(":"))
            moment = datetime(2026, 11, 25, h, m, tzinfo=berlin)
            window.timeline_scroll.ensureVisible(0, int(tl.y_of(moment)), 0, 50)
        for hhmm in ("15:00", "16:00"):
            h, m = map(int, hhmm.split(":"))
            moment = datetime(2026, 11, 25, h, m, tzinfo=berlin)
            p = tl.mapToGlobal(tl.point_at(moment))
            points[hhmm] = [p.x(), p.y()]
        with open(out, "w") as f:
            json.dump(points, f)
    QTimer.singleShot(300, report)

window.day_shown.connect(on_day_shown)
code = app.exec()
runtime.close()
sys.exit(code)
"""


def xdotool(*args: str, env: dict[str, str]) -> str:
    return subprocess.run(
        ["xdotool", *args], env=env, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def x_session(tmp_path: Path) -> Iterator[dict[str, str]]:
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        pytest.fail("Xvfb and xdotool are needed (tests/install-system-deps.sh)")
    display = f":{70 + os.getpid() % 20}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.8)
    env = dict(
        os.environ,
        DISPLAY=display,
        SPLITDAY_DATA_DIR=str(tmp_path / "data"),
        SPLITDAY_NOW="2026-11-25T09:30",  # a Wednesday with nothing planned yet
        TZ="Europe/Berlin",
        PYTHONPATH=str(ROOT),
    )
    env.pop("QT_QPA_PLATFORM", None)
    try:
        yield env
    finally:
        xvfb.terminate()
        xvfb.wait(5)


def slots(env: dict[str, str]) -> list[dict[str, object]]:
    out = subprocess.run(
        [sys.executable, "-m", "planner.cli.main", "plan", "2026-11-25", "--json"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return list(json.loads(out)["slots"])


def test_drag_plans_a_slot_and_ctrl_z_undoes_it(x_session: dict[str, str], tmp_path: Path) -> None:
    env = x_session
    points_file = tmp_path / "points.json"
    log = tmp_path / "stderr.txt"
    with log.open("w") as err:
        app = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(points_file)], env=env, cwd=ROOT, stderr=err
        )
    try:
        deadline = time.monotonic() + 30
        while not points_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert points_file.exists(), "the app did not show its window"
        points = json.loads(points_file.read_text())
        (x0, y0), (_, y1) = points["15:00"], points["16:00"]
        window_id = xdotool("search", "--onlyvisible", "--name", "^Splitday", env=env).split()[0]
        xdotool("windowfocus", "--sync", window_id, env=env)
        xdotool("mousemove", "--sync", str(x0), str(y0 + 1), env=env)
        xdotool("mousedown", "1", env=env)
        for step in range(1, 11):
            y = y0 + (y1 - y0) * step // 10
            xdotool("mousemove", "--sync", str(x0), str(y), env=env)
        xdotool("mouseup", "1", env=env)
        deadline = time.monotonic() + 10
        while not slots(env) and time.monotonic() < deadline:
            time.sleep(0.2)
        planned = slots(env)
        assert [(s["start"][11:16], s["end"][11:16]) for s in planned] == [("15:00", "16:00")]
        xdotool("key", "ctrl+z", env=env)
        deadline = time.monotonic() + 10
        while slots(env) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert slots(env) == []
        xdotool("key", "ctrl+q", env=env)
        assert app.wait(15) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(5)
    assert "Traceback" not in log.read_text()
