"""Screenshots of the main window and the mini window, light and dark, under Xvfb on demo data.

    python tests/screenshots.py [--out screenshots]

Each run makes a fresh demo database (`splitday demo`), fixes the clock with SPLITDAY_NOW, starts
its own Xvfb for each variant and saves PNGs into --out (an ignored folder). Look at every one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-24T10:20"
LATE = "2026-11-24T21:40"  # the view scrolls to "now", far below the workday's start
# name, theme, screen, Qt scale factor, clock
VARIANTS = (
    ("light", "light", "1280x720", "1", NOW),
    ("dark", "dark", "1280x720", "1", NOW),
    ("hidpi-light", "light", "2560x1440", "2", NOW),
    ("late-dark", "dark", "1280x720", "1", LATE),
)


def child(out: Path, name: str) -> int:
    """Inside the X server: start the app, wait for today's plan, grab the windows."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.shell.app import build

    app, window, runtime = build()
    screen = app.primaryScreen().availableGeometry()
    window.setGeometry(screen)

    def grab() -> None:
        if window.snapshot is None:
            QTimer.singleShot(100, grab)
            return
        window.set_mini_visible(True)
        if not name.startswith("late"):  # the morning in view; "late" keeps the scroll to now
            window.timeline_scroll.verticalScrollBar().setValue(0)
        QApplication.processEvents()
        time.sleep(0.3)
        QApplication.processEvents()
        window.grab().save(str(out / f"main-{name}.png"))
        assert window.mini is not None
        window.mini.grab().save(str(out / f"mini-{name}.png"))
        # the whole screen too, so that window sizes and placement can be judged
        shot = app.primaryScreen().grabWindow(0)
        shot.save(str(out / f"screen-{name}.png"))
        print(f"{name}: {window.width()}×{window.height()}, error={window.last_error!r}")
        app.quit()

    QTimer.singleShot(300, grab)
    try:
        return app.exec()
    finally:
        runtime.close()


def run(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    if not shutil.which("Xvfb"):
        print("screenshots: Xvfb is missing (tests/install-system-deps.sh)", file=sys.stderr)
        return 2
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="splitday-shots-") as tmp:
        env = dict(os.environ, SPLITDAY_DATA_DIR=tmp, SPLITDAY_NOW=NOW, TZ="Europe/Berlin")
        env.pop("QT_QPA_PLATFORM", None)
        env["PYTHONPATH"] = str(ROOT)
        cli = [python, "-m", "ui.shell.launcher"]
        for command in (
            ["demo", "--weeks", "3"],
            ["task", "add", "--role", "Community", "--estimate", "240", "Migrate the forum"],
            ["task", "add", "--role", "Support", "--estimate", "30", "Call back the VIP"],
            ["plan", "--auto"],  # what "Plan my day" does: slots, and tasks fitted into them
        ):
            subprocess.run(
                [*cli, *command], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
            )
        for index, (name, theme, screen, scale, now) in enumerate(VARIANTS):
            display = f":{90 + index}"
            xvfb = subprocess.Popen(
                ["Xvfb", display, "-screen", "0", f"{screen}x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                time.sleep(0.8)
                child_env = dict(
                    env,
                    DISPLAY=display,
                    SPLITDAY_THEME=theme,
                    QT_SCALE_FACTOR=scale,
                    SPLITDAY_NOW=now,
                )
                result = subprocess.run(
                    [python, __file__, "--child", name, "--out", str(out)],
                    env=child_env,
                    cwd=ROOT,
                    timeout=60,
                )
                if result.returncode:
                    return result.returncode
            finally:
                xvfb.terminate()
                xvfb.wait(5)
        code = dialogs(out, env, Path(tmp) / "splitday.sqlite3")
        if code:
            return code
    print(f"screenshots in {out}")
    return 0


DIALOGS = (
    ("plan-day", "ui.dialogs.plan_day"),
    ("settings", "ui.dialogs.settings"),
    ("end-of-day", "ui.dialogs.end_of_day"),
    ("review", "ui.views.review"),
)


def dialogs(out: Path, env: dict[str, str], db_file: Path) -> int:
    """Plan my day, Settings, the end-of-day review and the week review, light and dark."""
    display = ":97"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.8)
        for name, module in DIALOGS:
            for theme in ("light", "dark"):
                shot = out / f"{name}-{theme}.png"
                style = [f"--{theme}"] if module.startswith("ui.dialogs") or theme == "dark" else []
                result = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        module,
                        "--db",
                        f"sqlite:///{db_file}",
                        *style,
                        "--screenshot",
                        str(shot),
                    ],
                    env=dict(env, DISPLAY=display),
                    cwd=ROOT,
                    timeout=60,
                )
                if result.returncode:
                    return result.returncode
    finally:
        xvfb.terminate()
        xvfb.wait(5)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.out, args.child)
    return run(args.out)


if __name__ == "__main__":
    sys.exit(main())
