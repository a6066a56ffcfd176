"""Planner test fixtures: a real Radicale CalDAV server (tests/planner/radicale_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.planner.radicale_server import Radicale


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    """Radicale on 127.0.0.1 at a free port, htpasswd auth, data in tmp_path; stopped after."""
    server = Radicale(tmp_path / "radicale")
    server.start()
    yield server
    server.stop()
