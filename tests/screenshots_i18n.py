"""Every window in other languages, under Xvfb: to look for clipped or overlapping text.

    python tests/screenshots_i18n.py [--out screenshots/i18n] [--lang it de pseudo ar]

A fresh demo database (`splitday demo`), the clock at SPLITDAY_NOW, one Xvfb per language; the
real app (as `splitday` starts it) opens each window in turn: the main window, the mini
window, the tray menu, Plan my day, the quick log, the interruption log, the end-of-day
review, the week review, Settings, Calendars (and its CalDAV account and publish dialogs),
the gap question and a toast. PNGs go to --out
(an ignored folder). `pseudo` is every string 40 % longer; `ar` is a right-to-left layout.
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
NOW = "2026-12-07T10:20"  # a Monday
LANGS = ("it", "de", "pseudo", "ar")


def child(out: Path, lang: str) -> int:
    """Inside the X server: start the app as `splitday` does, then open every window."""
    from datetime import timedelta

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMenu, QWidget

    from ui.shell.app import build, wire_features
    from ui.shell.single_instance import claim_instance

    instance = claim_instance()
    assert not isinstance(instance, int), "another Splitday answers on this socket"
    app, window, runtime = build()
    runtime.started.append(lambda rt: wire_features(rt, instance, False))
    screen = app.primaryScreen().availableGeometry()
    window.setGeometry(screen.adjusted(0, 0, -80, -60))
    known: set[int] = set()

    def settle(ms: int = 600) -> None:
        end = time.monotonic() + ms / 1000
        while time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.02)

    def save(widget: QWidget, name: str) -> None:
        path = out / f"{lang}-{name}.png"
        widget.grab().save(str(path))
        print(f"{lang}: {name} {widget.width()}×{widget.height()} {widget.windowTitle()!r}")

    def new_windows() -> list[QWidget]:
        found = [
            w
            for w in QApplication.topLevelWidgets()
            if w.isVisible() and id(w) not in known and w is not window and w is not window.mini
        ]
        known.update(id(w) for w in found)
        return found

    def caldav_dialogs(calendars: QWidget) -> None:
        """The CalDAV account and publish dialogs, shown as the Calendars buttons open them."""
        from ui.dialogs.caldav import CalDavEditor, PublishDialog

        service = calendars.service  # type: ignore[attr-defined]
        roles = calendars._roles()  # type: ignore[attr-defined]
        for name, dialog in (
            ("caldav", CalDavEditor(service, roles or [], calendars, opener=None)),
            ("publish", PublishDialog(service, calendars, opener=None)),
        ):
            dialog.show()
            settle()
            save(dialog, name)
            dialog.close()
        known.update(id(w) for w in QApplication.topLevelWidgets())

    def open_each() -> None:
        window.timeline_scroll.verticalScrollBar().setValue(0)
        settle()
        save(window, "main")
        window.set_mini_visible(True)
        settle()
        assert window.mini is not None
        save(window.mini, "mini")
        menu = QMenu()  # what the tray shows (the tray itself may be missing under Xvfb)
        for action in (
            window.track_action,
            window.interrupt_action,
            window.plan_action,
            None,
            window.show_action,
            window.quit_action,
        ):
            menu.addSeparator() if action is None else menu.addAction(action)
        menu.popup(screen.center())
        settle(300)
        save(menu, "tray-menu")
        menu.close()
        new_windows()
        steps = (
            ("plan-day", window.open_plan_day),
            ("quick-log", window.log_interruption),
            ("interruption-log", window.open_interruption_log),
            ("end-of-day", window.open_end_of_day),
            ("review", window.open_review),
            ("settings", window.open_settings),
            ("calendars", window.open_calendars),
        )
        for name, open_it in steps:
            open_it()
            settle(1500 if name == "review" else 800)
            for k, w in enumerate(new_windows()):
                save(w, name if k == 0 else f"{name}-{k}")
                if name == "calendars" and hasattr(w, "caldav_button"):
                    caldav_dialogs(w)
                w.close()
            settle(200)
        # the gap question and a toast, as the reminders show them
        from planner.services.gaps import Gap
        from ui.dialogs.gap import GapDialog
        from ui.widgets.toast import Toast

        assert runtime.gateway is not None
        now = runtime.gateway.now()
        from planner.services import planning

        owner = runtime.gateway.owner
        roles = runtime.gateway.read(lambda s: planning.list_roles(s, owner))
        gap = GapDialog(Gap(now - timedelta(minutes=47), now, "idle"), roles, window.zone)
        gap.show()
        settle()
        save(gap, "gap")
        gap.close()
        from planner.domain.i18n import tr
        from planner.platform.notify import Notice

        body = tr("You set {hhmm} as your stop.").format(hhmm="18:00")
        toast = Toast(Notice(tr("Time to stop"), body, "hard_stop"))
        toast.show()
        settle()
        save(toast, "toast")
        toast.close()
        app.quit()

    def wait_for_plan() -> None:
        if window.snapshot is None or runtime.gateway is None:
            QTimer.singleShot(100, wait_for_plan)
            return
        QTimer.singleShot(500, open_each)

    QTimer.singleShot(300, wait_for_plan)
    try:
        return app.exec()
    finally:
        runtime.close()
        instance.release()


def run(out: Path, langs: list[str]) -> int:
    out.mkdir(parents=True, exist_ok=True)
    if not shutil.which("Xvfb"):
        print("screenshots: Xvfb is missing (tests/install-system-deps.sh)", file=sys.stderr)
        return 2
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="splitday-i18n-") as tmp:
        env = dict(os.environ, SPLITDAY_DATA_DIR=tmp, SPLITDAY_NOW=NOW, TZ="Europe/Berlin")
        env["SPLITDAY_SOCKET"] = str(Path(tmp) / "splitday.sock")
        env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        env.pop("QT_QPA_PLATFORM", None)
        env["PYTHONPATH"] = str(ROOT)
        cli = [python, "-m", "ui.shell.launcher"]
        for command in (
            ["demo", "--weeks", "3"],
            ["task", "add", "--role", "Community", "--estimate", "240", "Migrate the forum"],
            ["plan", "--auto"],
            ["start"],
            ["interrupt", "printer down", "--source", "phone", "--duration", "10m"],
        ):
            subprocess.run(
                [*cli, *command], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
            )
        for index, lang in enumerate(langs):
            display = f":{110 + index}"
            xvfb = subprocess.Popen(
                ["Xvfb", display, "-screen", "0", "1366x800x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                time.sleep(0.8)
                child_env = dict(env, DISPLAY=display, SPLITDAY_LANG=lang, SPLITDAY_THEME="light")
                result = subprocess.run(
                    [python, __file__, "--child", lang, "--out", str(out)],
                    env=child_env,
                    cwd=ROOT,
                    timeout=120,
                )
                if result.returncode:
                    return result.returncode
            finally:
                xvfb.terminate()
                xvfb.wait(5)
    print(f"screenshots in {out}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots" / "i18n")
    parser.add_argument("--lang", nargs="+", default=list(LANGS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.out, args.child)
    return run(args.out, args.lang)


if __name__ == "__main__":
    sys.exit(main())
