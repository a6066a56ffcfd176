"""Build the PyInstaller onedir app and smoke-test it (packaging/build.sh + packaging/smoke.sh).

About two minutes on the 2-core CI machine; the same as `make package-check`, but into a
temporary directory so a stale dist/ never passes for a fresh build.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIZE_BUDGET_MB = 240  # 231 MB since CalDAV (python-caldav, lxml); packaging/README.md


@pytest.mark.slow
@pytest.mark.timeout(900)  # PyInstaller build + smoke: 1-4 min on 2 cores
@pytest.mark.e2e
def test_frozen_app_builds_within_budget_and_passes_the_smoke_test(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SPLITDAY_", "QT_QPA_PLATFORM"))
    }
    env |= {
        "PYTHON": sys.executable,
        "SPLITDAY_BUILD_DIR": str(tmp_path / "build"),
        "SPLITDAY_SIZE_LIMIT_MB": str(SIZE_BUDGET_MB),
    }
    dist = tmp_path / "dist"
    build = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh"), str(dist)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    built = re.search(r"built .*: (\d+) MB in (\d+) files, (\d+) s", build.stdout)
    assert built, build.stdout[-2000:]
    print(f"\nfrozen app: {built[1]} MB, {built[2]} files, built in {built[3]} s")
    assert int(built[1]) <= SIZE_BUDGET_MB

    smoke = subprocess.run(
        ["bash", str(ROOT / "packaging" / "smoke.sh"), str(dist / "splitday")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(smoke.stdout)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "smoke passed" in smoke.stdout
    assert "self-check ok" in smoke.stdout
    assert "catalogs it,de,fr,es + qtbase" in smoke.stdout  # the frozen app loads them
    assert "status in Italian: giornata:" in smoke.stdout
    assert re.search(r"GUI: window mapped after \d+ ms, exit 0", smoke.stdout)
