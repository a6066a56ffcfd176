"""SIGKILL the real app and the CLI at random moments: nothing acknowledged is lost.

A short run of the crash soak in bench/crash_soak.py (the long one makes 1 000 kills; figures
in bench/README.md). Each round starts the app under Xvfb (which proves the single-instance
lock of the killed one is recovered), drives it with forwarded `splitday interrupt` / `resume`
and with `task add` writing the database beside it, kills the CLI mid-write and mid-forward,
then kills the app — idle, with a forwarded command in flight, with a CLI write beside it, or
during its start-up. After every kill the SQLite file must pass `PRAGMA integrity_check`, keep
the log's invariants (no overlap, at most one entry running, no negative duration) and hold
every action that was acknowledged (exit code 0). A last start must close the entries the
crashes left open, at the last sign of life, marked for review.
SPLITDAY_CRASH_KILLS sets the number of kills (default 12).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.xsession import REPO, require, xvfb

sys.path.insert(0, str(REPO / "bench"))
from crash_soak import report, soak

pytestmark = pytest.mark.e2e
KILLS = int(os.environ.get("SPLITDAY_CRASH_KILLS", "12"))


@pytest.fixture
def display() -> Iterator[str]:
    reason = require("Xvfb")
    if reason:
        pytest.skip(reason)
    with xvfb() as name:
        yield name


@pytest.mark.timeout(600)  # ~40 s on a quiet machine, two to three times that on a busy one
def test_kill_9_at_random_moments_loses_nothing(display: str, tmp_path: Path) -> None:
    tally = soak(tmp_path, KILLS, display=display)
    print(report(tally))
    assert tally.total_kills >= KILLS
    kinds = {kind.split(":")[0] for kind in tally.kills}
    assert kinds == {"app", "cli"}, tally.kills  # both the app and the CLI were killed
    assert sum(tally.acknowledged.values()) > KILLS // 2  # and there was something to lose
    assert tally.lost == []
    assert tally.duplicates == 0  # every acknowledged write is there exactly once
    assert tally.integrity == []
    assert tally.invariants == []
    assert tally.stuck == []
    assert tally.app_died == []
    assert tally.tracebacks == []
    assert tally.final == ""  # the last clean start closed everything left open
    assert tally.needs_review > 0  # ... and marked it for review
