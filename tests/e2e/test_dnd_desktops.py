"""Each desktop's Do Not Disturb, switched and put back against the real thing where it can run
here: a real dunst on a real session bus, the real xfconfd (XFCE's settings daemon, activated
by the bus), GNOME's real schema on GSettings' keyfile backend through the real `gsettings`.
KDE Plasma's notification server cannot run here (plasmashell needs a full Plasma session),
so its Inhibit is tested against a service on a real bus that implements Plasma's published
interface exactly (tests/dbus/org.kde.plasma.Notifications.xml), including Plasma's rule that
an inhibition ends when the connection that asked for it closes."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.platform import dnd
from tests.dbus_service import INTERFACES, XmlService, session_bus, wait_for_name
from tests.e2e.xsession import REPO, xvfb

pytestmark = pytest.mark.e2e
OPEN: list[dnd.Detected] = []


def detect(env: dict[str, str] | None = None) -> dnd.Detected:
    """dnd.detect, with the connection it opens closed after the test."""
    found = dnd.detect(env)
    OPEN.append(found)
    return found


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    yield
    while OPEN:
        backend = OPEN.pop().backend
        if backend is not None:
            backend.close()


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing tools (run tests/install-system-deps.sh): {', '.join(missing)}")


@pytest.fixture
def bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _need("dbus-daemon")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    with session_bus() as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address


@pytest.fixture
def dunst(bus: str, tmp_path: Path) -> Iterator[str]:
    """A real dunst on the private bus, drawing on a private Xvfb."""
    _need("Xvfb", "dunst", "dunstctl")
    with xvfb() as display:
        env = {**os.environ, "DISPLAY": display, "DBUS_SESSION_BUS_ADDRESS": bus}
        log = (tmp_path / "dunst.log").open("w")
        proc = subprocess.Popen(["dunst"], env=env, stdout=log, stderr=log)
        try:
            wait_for_name(bus, "org.freedesktop.Notifications")
            yield bus
        finally:
            proc.terminate()
            proc.wait(10)
            log.close()


def dunstctl(bus: str, *args: str) -> str:
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus}
    done = subprocess.run(
        ["dunstctl", *args], env=env, capture_output=True, text=True, timeout=10, check=True
    )
    return done.stdout.strip()


def test_dunst_is_detected_paused_in_a_block_and_put_back(dunst: str, tmp_path: Path) -> None:
    found = detect()
    assert isinstance(found.backend, dnd.DunstBackend), found.description
    assert "dunst" in found.description
    switch = dnd.DndSwitch(found.backend, tmp_path / "data" / "dnd-state.json")
    assert dunstctl(dunst, "is-paused") == "false"
    switch.engage()
    assert dunstctl(dunst, "is-paused") == "true"
    saved = tmp_path / "data" / "dnd-state.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    assert '"before": {"paused": false}' in saved.read_text()
    assert switch.release() == "restored"
    assert dunstctl(dunst, "is-paused") == "false"
    assert not saved.exists()


def test_dunst_paused_before_stays_paused(dunst: str, tmp_path: Path) -> None:
    dunstctl(dunst, "set-paused", "true")
    found = detect()
    assert found.backend is not None
    switch = dnd.DndSwitch(found.backend, tmp_path / "dnd.json")
    switch.engage()
    switch.release()
    assert dunstctl(dunst, "is-paused") == "true"  # as the person had it


def test_dunst_unpaused_by_hand_in_the_block_is_left_alone(dunst: str, tmp_path: Path) -> None:
    found = detect()
    assert found.backend is not None
    switch = dnd.DndSwitch(found.backend, tmp_path / "dnd.json")
    switch.engage()
    dunstctl(dunst, "set-paused", "false")  # the person wants their notifications now
    assert switch.release() == "left as the person set it meanwhile"
    assert dunstctl(dunst, "is-paused") == "false"


def test_kill_9_while_dunst_is_paused_then_the_next_start_restores(
    dunst: str, tmp_path: Path
) -> None:
    state = tmp_path / "data" / "dnd-state.json"
    code = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from planner.platform import dnd
        switch = dnd.DndSwitch(dnd.detect().backend, Path({str(state)!r}))
        switch.engage()
        print("engaged", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "engaged" in done.stdout
    assert dunstctl(dunst, "is-paused") == "true"  # the crash left the desktop silenced
    assert state.exists()
    found = detect()
    assert found.backend is not None
    assert dnd.DndSwitch(found.backend, state).recover() == "restored"
    assert dunstctl(dunst, "is-paused") == "false"
    assert not state.exists()
    assert dnd.DndSwitch(found.backend, state).recover() is None  # nothing left to do


def test_xfce_through_the_real_xfconfd(
    bus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _need("xfconf-query")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "XFCE")
    env = {**os.environ}

    def query(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["xfconf-query", "-c", "xfce4-notifyd", "-p", "/do-not-disturb", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
        )

    found = detect()  # no notification daemon on this bus: XDG_CURRENT_DESKTOP says XFCE
    assert isinstance(found.backend, dnd.XfceBackend), found.description
    switch = dnd.DndSwitch(found.backend, tmp_path / "dnd.json")
    assert query().returncode != 0  # not set at all: xfce4-notifyd's default (off)
    switch.engage()
    assert query().stdout.strip() == "true"
    switch.release()
    assert query().returncode != 0, "the property must be removed again, as it was"
    # set to false by the person before: false again afterwards
    assert query("-n", "-t", "bool", "-s", "false").returncode == 0
    switch.engage()
    assert query().stdout.strip() == "true"
    switch.release()
    assert query().stdout.strip() == "false"
    channel = tmp_path / "config" / "xfce4" / "xfconf" / "xfce-perchannel-xml" / "xfce4-notifyd.xml"
    deadline = time.monotonic() + 10  # xfconfd writes its file a moment later
    while not channel.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert 'name="do-not-disturb" type="bool" value="false"' in channel.read_text()


def test_gnome_show_banners_on_the_real_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _need("gsettings")
    schema = Path("/usr/share/glib-2.0/schemas/org.gnome.desktop.notifications.gschema.xml")
    if not schema.exists():
        pytest.fail("gsettings-desktop-schemas is not installed (tests/install-system-deps.sh)")
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "ubuntu:GNOME")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # no bus: GNOME needs none here
    keyfile = tmp_path / "config" / "glib-2.0" / "settings" / "keyfile"

    def banners() -> str:
        return subprocess.run(
            ["gsettings", "get", "org.gnome.desktop.notifications", "show-banners"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()

    found = detect()
    assert isinstance(found.backend, dnd.GnomeBackend), found.description
    switch = dnd.DndSwitch(found.backend, tmp_path / "dnd.json")
    assert banners() == "true"  # the schema's default
    switch.engage()
    assert banners() == "false"
    assert "show-banners=false" in keyfile.read_text()
    switch.release()
    assert banners() == "true"
    assert "show-banners=true" in keyfile.read_text()


class FakePlasma:
    """Plasma's inhibition rules behind the published interface: a cookie per Inhibit, ended by
    UnInhibit or when the caller's connection goes; Inhibited while any is held."""

    def __init__(self) -> None:
        self.held: dict[int, str] = {}  # cookie: the caller's unique name
        self.next = 0
        self.notified: list[tuple[str, dict[str, object]]] = []

    def handlers(self) -> dict[str, object]:
        def inhibit(sender: str, entry: str, reason: str, hints: object) -> int:
            self.next += 1
            self.held[self.next] = sender
            return self.next

        def uninhibit(sender: str, cookie: int) -> None:
            self.held.pop(cookie, None)

        def notify(sender: str, app: str, _r: int, _i: str, summary: str, *rest: object) -> int:
            self.notified.append((summary, rest[2]))  # type: ignore[arg-type]
            return len(self.notified)

        return {
            "Inhibit": inhibit,
            "UnInhibit": uninhibit,
            "Notify": notify,
            "GetServerInformation": lambda _s: ("Plasma", "KDE", "5.27.5", "1.2"),
            "GetCapabilities": lambda _s: (["body", "inhibitions"],),
            "CloseNotification": lambda _s, _id: None,
        }

    def gone(self, name: str) -> None:
        for cookie in [c for c, who in self.held.items() if who == name]:
            del self.held[cookie]


@pytest.fixture
def plasma(bus: str) -> Iterator[FakePlasma]:
    fake = FakePlasma()
    with XmlService(
        bus,
        "org.freedesktop.Notifications",
        "/org/freedesktop/Notifications",
        INTERFACES / "org.kde.plasma.Notifications.xml",
        fake.handlers(),  # type: ignore[arg-type]
        properties={"Inhibited": lambda: bool(fake.held)},
        on_disconnect=fake.gone,
    ):
        yield fake


def test_kde_inhibit_against_plasmas_published_interface(
    plasma: FakePlasma, tmp_path: Path
) -> None:
    found = detect()  # GetServerInformation says "Plasma"
    assert isinstance(found.backend, dnd.KdeBackend), found.description
    switch = dnd.DndSwitch(found.backend, tmp_path / "dnd.json")
    switch.engage()
    assert list(plasma.held) == [1]
    assert switch.release() == "restored"
    assert plasma.held == {}


def test_kde_inhibition_ends_with_a_crashed_app(plasma: FakePlasma, tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from planner.platform import dnd
        switch = dnd.DndSwitch(dnd.detect().backend, Path({str(tmp_path / "dnd.json")!r}))
        switch.engage()
        print("engaged", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert "engaged" in done.stdout, done.stderr
    deadline = time.monotonic() + 5
    while plasma.held and time.monotonic() < deadline:
        time.sleep(0.05)
    assert plasma.held == {}  # the bus told Plasma the caller is gone
    found = detect()
    assert found.backend is not None
    # the next start finds the record, knows its connection is gone, and just drops the file
    assert dnd.DndSwitch(found.backend, tmp_path / "dnd.json").recover() == "restored"
    assert not (tmp_path / "dnd.json").exists()
    assert plasma.held == {}


def test_no_desktop_found_is_said_in_words(bus: str) -> None:
    found = detect({"DBUS_SESSION_BUS_ADDRESS": bus, "XDG_CURRENT_DESKTOP": "sway"})
    assert found.backend is None
    assert found.description == "no notification daemon found"


MAKO_CONFIG = """[mode=do-not-disturb]
invisible=1

[mode=do-not-disturb app-name=Splitday]
invisible=0
"""
WAYLAND = """sway -c "$HOME/sway.conf" > "$HOME/sway.log" 2>&1 &
for i in $(seq 100); do ls "$XDG_RUNTIME_DIR" | grep -q '^wayland-[0-9]*$' && break; sleep 0.1; done
export WAYLAND_DISPLAY=$(ls "$XDG_RUNTIME_DIR" | grep '^wayland-[0-9]*$' | head -1)
mako > "$HOME/mako.log" 2>&1
kill %1
"""


@pytest.fixture
def mako(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The real mako, on a headless sway (wlroots' headless backend, pixman renderer): sway
    refuses to run as root, so both run as `nobody`, in a home of their own; the bus they share
    with this test lets every user connect."""
    import pwd
    import tempfile

    _need("dbus-daemon", "sway", "mako", "makoctl", "busctl", "setpriv")
    nobody = pwd.getpwnam("nobody")
    home = Path(tempfile.mkdtemp(prefix="splitday-mako-"))
    run = home / "run"
    (home / ".config" / "mako").mkdir(parents=True)
    (home / ".config" / "mako" / "config").write_text(MAKO_CONFIG)
    (home / "sway.conf").write_text("output HEADLESS-1 resolution 800x600\n")
    run.mkdir(mode=0o700)
    for path in (home, *home.rglob("*")):
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    try:
        with session_bus(any_user=True, tmp=tmp_path) as address:
            monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
            env = {
                "PATH": "/usr/bin:/bin",
                "HOME": str(home),
                "XDG_RUNTIME_DIR": str(run),
                "DBUS_SESSION_BUS_ADDRESS": address,
                "WLR_BACKENDS": "headless",
                "WLR_RENDERER": "pixman",
                "WLR_LIBINPUT_NO_DEVICES": "1",
            }
            proc = subprocess.Popen(
                [
                    *("setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}"),
                    *("--clear-groups", "bash", "-c", WAYLAND),
                ],
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                try:
                    wait_for_name(address, "org.freedesktop.Notifications", 20)
                except TimeoutError:
                    logs = [(home / n).read_text() for n in ("sway.log", "mako.log")]
                    pytest.fail(f"mako did not start: {logs}")
                yield address
            finally:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(10)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def makoctl_modes() -> list[str]:
    done = subprocess.run(
        ["makoctl", "mode"], capture_output=True, text=True, timeout=10, check=True
    )
    return done.stdout.split()


def test_mako_mode_and_the_exact_modes_back(mako: str, tmp_path: Path) -> None:
    found = detect()  # GetServerInformation says "mako"
    assert isinstance(found.backend, dnd.MakoBackend), found.description
    switch = dnd.DndSwitch(found.backend, tmp_path / "dnd.json")
    assert makoctl_modes() == ["default"]
    switch.engage()
    assert makoctl_modes() == ["default", "do-not-disturb"]
    switch.release()
    assert makoctl_modes() == ["default"]
    # a mode of the person's own stays, in its place
    subprocess.run(
        ["makoctl", "mode", "-s", "default", "away"], check=True, timeout=10, capture_output=True
    )
    switch.engage()
    assert set(makoctl_modes()) == {"default", "away", "do-not-disturb"}
    switch.release()
    assert set(makoctl_modes()) == {"default", "away"}  # mako keeps its modes as a set
