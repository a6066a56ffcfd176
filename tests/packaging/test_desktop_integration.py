"""Linux desktop integration: one app id everywhere, valid desktop/AppStream files, icons."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from planner import APP_ID, __version__
from planner.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
DESKTOP = RESOURCES / f"{APP_ID}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"
sys.path.insert(0, str(ROOT / "packaging"))

import render_icons  # noqa: E402


def _tool(name: str) -> str:
    """The validator's path; in CI (tests/install-system-deps.sh installs it) it must be there."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: tests/install-system-deps.sh should install it")
        pytest.skip(f"{name} is not installed (bash tests/install-system-deps.sh)")
    return path


def _desktop() -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DESKTOP, encoding="utf-8")
    return parser


def test_app_id_is_the_one_reverse_dns_name_everywhere() -> None:
    assert re.fullmatch(r"[a-z]+(\.[a-z0-9]+)+\.[A-Za-z0-9]+", APP_ID)
    assert DESKTOP.exists()
    assert _desktop()["Desktop Entry"]["Icon"] == APP_ID
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == f"{APP_ID}.desktop"
    assert (RESOURCES / "icons" / f"{APP_ID}.svg").exists()
    for script in ("splitday.spec", "install-desktop.sh"):
        text = (ROOT / "packaging" / script).read_text()
        assert f'APP_ID = "{APP_ID}"' in text or f"APP_ID={APP_ID}" in text, script
    assert "setDesktopFileName(APP_ID)" in (ROOT / "ui" / "shell" / "desktop.py").read_text()


def test_desktop_actions_run_commands_the_cli_knows() -> None:
    entry = _desktop()
    assert entry["Desktop Entry"]["Exec"] == "splitday"
    assert entry["Desktop Entry"]["Actions"].rstrip(";").split(";") == [
        "log-interruption",
        "plan-day",
    ]
    actions = {
        entry[f"Desktop Action {a}"]["Name"]: entry[f"Desktop Action {a}"]["Exec"]
        for a in ("log-interruption", "plan-day")
    }
    assert actions == {
        "Log interruption": "splitday interrupt",
        "Plan my day": "splitday --plan-day",
    }
    parser = build_parser()
    assert parser.parse_args(["interrupt"]).command == "interrupt"
    plan = parser.parse_args(["--plan-day"])
    assert plan.command is None and plan.plan_day is True


def test_desktop_file_validate_accepts_the_desktop_file() -> None:
    result = subprocess.run(
        [_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout  # no warnings either


def test_appstreamcli_accepts_the_metainfo() -> None:
    result = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Errors and warnings fail; infos (e.g. an older appstream not knowing <developer>) do not.
    assert not re.search(r"^[EW]:", result.stdout, re.MULTILINE), result.stdout


def test_metainfo_has_a_description_screenshots_and_notes_for_this_release() -> None:
    root = ET.parse(METAINFO).getroot()
    assert len(root.findall("description/p")) >= 1
    shots = root.findall("screenshots/screenshot/image")
    assert len(shots) >= 2
    assert all(
        (s.text or "").startswith("https://") and (s.text or "").endswith(".png") for s in shots
    )
    newest = root.find("releases/release")
    assert newest is not None and newest.get("version") == __version__
    assert newest.findall("description/ul/li")


def test_icons_render_at_every_size_and_stay_two_toned_at_16px(tmp_path: Path) -> None:
    from PIL import Image

    files = render_icons.render(tmp_path)
    pngs = [f for f in files if f.suffix == ".png"]
    sizes = []
    for f in pngs:
        with Image.open(f) as image:
            sizes.append(image.size)
    assert sorted(sizes) == [(n, n) for n in sorted(render_icons.SIZES)]
    with Image.open(tmp_path / "hicolor" / "16x16" / "apps" / f"{APP_ID}.png") as image:
        small = image.convert("RGBA")
    grid = [small.getpixel((x, y)) for x in range(16) for y in range(16)]
    pixels = [p for p in grid if isinstance(p, tuple) and p[3] > 200]
    teal = sum(1 for r, g, b, _ in pixels if g > r + 40 and b > r + 40)
    coral = sum(1 for r, g, b, _ in pixels if r > g + 60 and r > b + 80)
    white = sum(1 for r, g, b, _ in pixels if min(r, g, b) > 200)
    # Both role colours and the hands survive at 16 px (not one blurred blob).
    assert teal >= 40 and coral >= 25 and white >= 6, (teal, coral, white)
    assert (tmp_path / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").exists()


def test_install_desktop_puts_files_in_xdg_user_locations_and_removes_them(tmp_path: Path) -> None:
    share = tmp_path / "share"
    fake_bin = tmp_path / "venv" / "splitday"
    fake_bin.parent.mkdir()
    fake_bin.write_text("#!/bin/sh\necho splitday 0.0\n")
    fake_bin.chmod(0o755)
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(share),
        "PYTHON": sys.executable,
    }
    script = str(ROOT / "packaging" / "install-desktop.sh")
    subprocess.run(["bash", script, "--user", "--bin", str(fake_bin)], env=env, check=True)
    desktop = share / "applications" / f"{APP_ID}.desktop"
    link = tmp_path / ".local" / "bin" / "splitday"
    # ~/.local/bin may be missing from the session's PATH: the entry names the command fully.
    assert desktop.read_text() == DESKTOP.read_text().replace("Exec=splitday", f"Exec={link}")
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True)
        assert check.returncode == 0 and not check.stdout, check.stdout
    assert (share / "metainfo" / f"{APP_ID}.metainfo.xml").exists()
    for size in render_icons.SIZES:
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").exists()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").exists()
    assert link.resolve() == fake_bin.resolve()

    subprocess.run(["bash", script, "--user", "--uninstall"], env=env, check=True)
    assert not [p for p in share.rglob("*") if p.is_file()]
    assert not link.exists() and fake_bin.exists()


def test_qt_renderer_draws_the_same_icon_when_rsvg_convert_is_missing(tmp_path: Path) -> None:
    # In a child process: the fallback builds its own QGuiApplication.
    code = (
        "import shutil, sys; from pathlib import Path; sys.path.insert(0, 'packaging');"
        "import render_icons; render_icons.shutil.which = lambda name: None;"
        f"render_icons.render(Path({str(tmp_path / 'qt')!r}))"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
    render_icons.render(tmp_path / "ref")
    from PIL import Image, ImageChops

    for size in (16, 48, 256):
        rel = Path("hicolor") / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        with Image.open(tmp_path / "qt" / rel) as a, Image.open(tmp_path / "ref" / rel) as b:
            diff = ImageChops.difference(a.convert("RGBA"), b.convert("RGBA"))
            mean = sum(diff.convert("L").histogram()[i] * i for i in range(256)) / size**2
        assert mean < 8, (size, mean)  # anti-aliasing differs; the drawing does not


def test_install_desktop_system_scope_honours_destdir(tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    env = {**os.environ, "DESTDIR": str(stage), "PREFIX": "/usr", "PYTHON": sys.executable}
    script = str(ROOT / "packaging" / "install-desktop.sh")
    subprocess.run(["bash", script, "--system"], env=env, check=True)
    share = stage / "usr" / "share"
    installed = sorted(str(p.relative_to(share)) for p in share.rglob("*") if p.is_file())
    assert installed == sorted(
        [
            f"applications/{APP_ID}.desktop",
            f"metainfo/{APP_ID}.metainfo.xml",
            f"icons/hicolor/scalable/apps/{APP_ID}.svg",
        ]
        + [f"icons/hicolor/{n}x{n}/apps/{APP_ID}.png" for n in render_icons.SIZES]
    )
    assert (share / "applications" / f"{APP_ID}.desktop").read_text() == DESKTOP.read_text()
    assert [p for p in stage.rglob("*") if p.is_file() and share not in p.parents] == []


def test_desktop_file_and_metainfo_are_translated_for_every_shipped_language() -> None:
    from planner.domain.i18n import SHIPPED

    entry = configparser.RawConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(RESOURCES / f"{APP_ID}.desktop", encoding="utf-8")
    main, log, plan = (
        entry["Desktop Entry"],
        entry["Desktop Action log-interruption"],
        entry["Desktop Action plan-day"],
    )
    root = ET.parse(RESOURCES / f"{APP_ID}.metainfo.xml").getroot()
    lang_key = "{http://www.w3.org/XML/1998/namespace}lang"
    summaries = {s.get(lang_key): s.text for s in root.findall("summary")}
    captions = [c for c in root.iter("caption") if c.get(lang_key)]
    for lang in SHIPPED:
        for section, key in ((main, "Comment"), (main, "GenericName"), (main, "Keywords")):
            assert section.get(f"{key}[{lang}]", "") not in ("", section[key]), (key, lang)
        assert log[f"Name[{lang}]"] != log["Name"] and plan[f"Name[{lang}]"] != plan["Name"]
        assert summaries.get(lang) not in (None, summaries[None]), lang
        assert sum(c.get(lang_key) == lang for c in captions) == 3, lang
