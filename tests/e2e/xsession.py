"""Helpers for end-to-end tests: a private Xvfb, the real app as a process, xdotool."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QUICK_LOG_TITLE = "Splitday — interruption"
MAIN_TITLE = (
    "Splitday( — [A-Z][a-z]{2} [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4})?"  # a regex for xdotool --name
)
ENTRY = "ui.shell.launcher"  # the `splitday` entry point: the CLI, with the GUI injected
SERVERS: dict[str, subprocess.Popen[bytes]] = {}  # display -> its Xvfb, for diagnostics


def server_state(display: str) -> str:
    proc = SERVERS.get(display)
    if proc is None:
        return "not started here"
    code = proc.poll()
    return "running" if code is None else f"exited with {code}"


@contextmanager
def xvfb(size: str = "1280x800x24") -> Iterator[str]:
    """A private Xvfb on a free, high display number (other sessions on this machine use low
    ones); -displayfd tells us when the server is ready."""
    rng = random.Random()
    for _attempt in range(8):
        number = rng.randrange(300, 900)
        if Path(f"/tmp/.X{number}-lock").exists():
            continue
        read, write = os.pipe()
        proc = subprocess.Popen(
            [
                "Xvfb",
                f":{number}",
                "-displayfd",
                str(write),
                "-screen",
                "0",
                size,
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            ready = pipe.readline().strip()
        if ready != str(number):  # lost a race for that display: try another one
            proc.kill()
            proc.wait(5)
            continue
        SERVERS[f":{number}"] = proc
        try:
            yield f":{number}"
        finally:
            SERVERS.pop(f":{number}", None)
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        return
    raise RuntimeError("no free X display found for Xvfb")


def require(*programs: str) -> str | None:
    """The reason to skip when a program the test drives is missing, else None."""
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        return f"{', '.join(missing)} not installed (run tests/install-system-deps.sh)"
    return None


def xdotool(env: dict[str, str], *args: str, check: bool = True) -> str:
    done = subprocess.run(
        ["xdotool", *args], env=env, capture_output=True, text=True, timeout=15, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"xdotool {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def wait_for(predicate: Callable[[], object], timeout: float = 10.0, step: float = 0.02) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting after {timeout} s")
        time.sleep(step)


def visible_window(env: dict[str, str], title: str) -> str | None:
    out = xdotool(env, "search", "--onlyvisible", "--name", f"^{title}$", check=False)
    return out.splitlines()[0] if out else None


def focused_name(env: dict[str, str]) -> str:
    return xdotool(env, "getwindowfocus", "getwindowname", check=False)


def splitday(
    env: dict[str, str], *args: str, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", ENTRY, *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class App:
    """The real Splitday under X: `splitday` with no command."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        for attempt in (1, 2):
            self.proc = self._spawn()
            try:
                self.window = str(
                    # "Splitday", then "Splitday — Tue 24 Nov 2026" once a plan is shown
                    wait_for(lambda: self._alive() and visible_window(env, MAIN_TITLE), 30)
                )
                break
            except RuntimeError as exc:
                # On this shared machine other jobs clean up /tmp/.X* now and then, and Qt
                # sometimes cannot connect to a healthy Xvfb; one retry, reported in the log.
                if attempt == 2 or "could not connect to display" not in str(exc):
                    raise
                print(f"retrying the app start: {exc}", file=sys.stderr)
        from planner.platform import ipc

        def answers() -> bool:
            reply = ipc.send(env["SPLITDAY_SOCKET"], ipc.encode_request("ping"))
            return reply is not None and reply.ok

        wait_for(answers, 15)

    def _spawn(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", ENTRY],
            env=self.env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def _alive(self) -> bool:
        if self.proc.poll() is not None:
            out = self.output()
            xserver = server_state(self.env["DISPLAY"])
            raise RuntimeError(
                f"the app exited with {self.proc.returncode} (Xvfb: {xserver}): {out}"
            )
        return True

    def focus(self) -> None:
        xdotool(self.env, "windowfocus", "--sync", self.window)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.output()

    def output(self) -> str:
        if self.proc.stdout is None or self.proc.stdout.closed:
            return ""
        with self.proc.stdout:
            return self.proc.stdout.read()


def app_env(display: str, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # the suite runs offscreen; this app needs the X server
    env.pop("WAYLAND_DISPLAY", None)
    env.update(
        DISPLAY=display,
        XDG_SESSION_TYPE="x11",
        SPLITDAY_DATA_DIR=str(tmp / "data"),
        SPLITDAY_SOCKET=str(tmp / "splitday.sock"),
        SPLITDAY_DB_URL=f"sqlite:///{tmp / 'splitday.sqlite3'}",
        SPLITDAY_OWNER="e2e",
        PYTHONPATH=str(REPO),
    )
    return env
