"""The `python -m ui.dialogs.<name>` runners start, draw the dialog and save a screenshot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from planner.services import planning
from planner.storage.db import Database

ROOT = Path(__file__).resolve().parents[2]


def mean_lightness(image: QImage) -> float:
    total = count = 0
    for y in range(0, image.height(), 8):
        for x in range(0, image.width(), 8):
            total += image.pixelColor(x, y).lightness()
            count += 1
    return total / count


@pytest.mark.parametrize("name", ["plan_day", "settings", "end_of_day"])
def test_runner_draws_the_dialog_light_and_dark(
    qtbot: QtBot, tmp_path: Path, db_url: str, db: Database, name: str
) -> None:
    with db.transaction() as s:
        planning.add_role(s, "tester", "Ops")
    # a screen large enough for the whole dialog (on a small one it shrinks and scrolls)
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "s", "width": 1600, "height": 1000}]}))
    shots = {}
    for scheme in ("light", "dark"):
        out = tmp_path / f"{name}-{scheme}.png"
        env = dict(
            os.environ,
            QT_QPA_PLATFORM=f"offscreen:configfile={config}",
            SPLITDAY_OWNER="tester",
            SPLITDAY_NOW="2026-11-24T09:00",
            TZ="Europe/Berlin",
        )
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                f"ui.dialogs.{name}",
                "--db",
                db_url,
                f"--{scheme}",
                "--day",
                "2026-11-24",
                "--screenshot",
                str(out),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        image = QImage(str(out))
        assert image.width() >= 900 and image.height() >= 400
        shots[scheme] = mean_lightness(image)
    assert shots["light"] > 150 > 90 > shots["dark"]


def test_runner_refuses_a_bad_database_url(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ui.dialogs.settings", "--db", "nonsense://"],
        cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("splitday: ")
    assert "Traceback" not in done.stderr
