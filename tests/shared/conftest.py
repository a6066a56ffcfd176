"""The shared-server tests: a PostgreSQL server of their own (stopped and started mid-test),
the `splitday` command run as a person runs it (a subprocess in the worktree)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pgcluster import Cluster

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    # a folder of its own under /tmp: the postgres user cannot enter pytest's (0700, root's)
    server = Cluster(Path(tempfile.mkdtemp(prefix="splitday-pg.")))
    hba = server.data / "pg_hba.conf"
    # carol logs in with a password (the wrong-password test); everyone else: trust
    hba.write_text(
        "host all carol 127.0.0.1/32 scram-sha-256\n" + hba.read_text(), encoding="utf-8"
    )
    server.start()
    server.psql("postgres", "CREATE ROLE carol LOGIN PASSWORD 'right'")
    yield server
    server.destroy()


@pytest.fixture
def server_db(cluster: Cluster) -> str:
    """A new database on the shared server; its URL."""
    if not cluster.running():
        cluster.start()
    name = f"sd_{uuid.uuid4().hex[:10]}"
    cluster.createdb(name)
    return cluster.url(name)


class Device:
    """One device of a person: its own data folder (and pending queue), the `splitday`
    command run in a subprocess against the shared server."""

    def __init__(self, folder: Path, url: str, owner: str = "alice") -> None:
        self.folder = folder
        self.url = url
        self.env = {
            **os.environ,
            "SPLITDAY_DATA_DIR": str(folder / "data"),
            "SPLITDAY_SOCKET": str(folder / "no-app.sock"),
            "SPLITDAY_DB_URL": url,
            "SPLITDAY_OWNER": owner,
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("SPLITDAY_NOW", None)
        self.owner = owner

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "planner.cli.main", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def queue(self):  # type: ignore[no-untyped-def]
        from planner.storage.pending import PendingQueue, queue_path

        return PendingQueue(queue_path(self.url, self.owner, self.folder / "data"))


@pytest.fixture(autouse=True)
def _leaks_are_the_leaking_test_s() -> Iterator[None]:
    """Collect after each test, so that a connection left open fails the test that left it
    (under `filterwarnings = error`), not whichever later test the collector happened to run in."""
    import gc

    yield
    gc.collect()
