"""Shared fixtures: a temporary database (SQLite, or $SPLITDAY_TEST_DB_URL), a fake clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from planner.domain.clock import FakeClock
from planner.services import planning
from planner.storage.db import Database, open_database
from planner.storage.models import Base
from tests.planner.dav_servers import SERVERS, DavServer, Radicale

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SPLITDAY_SHARED") or Path(__file__).resolve().parents[2] / "shared")
CORPUS = SHARED / "ics-corpus"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="session", autouse=True)
def _catalogs() -> None:
    """The compiled catalogs (generated, never committed): built as `make i18n` does, once."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("i18n_build", ROOT / "packaging" / "i18n.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    build.compile_all()


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the real user's data, socket or clock."""
    monkeypatch.setenv("SPLITDAY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SPLITDAY_SOCKET", str(tmp_path / "splitday.sock"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # autostart entries
    monkeypatch.delenv("SPLITDAY_DB_URL", raising=False)
    monkeypatch.delenv("SPLITDAY_NOW", raising=False)
    # the C locale (English, 24-hour times, ISO weeks) unless a test asks for another
    for name in ("SPLITDAY_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_TIME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    from planner.domain import i18n

    i18n.set_language(None)


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a clean schema on $SPLITDAY_TEST_DB_URL."""
    url = os.environ.get("SPLITDAY_TEST_DB_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    db = open_database(url)
    with db.engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.close()
    yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, owner="tester")
    with database.transaction() as session:
        planning.ensure_defaults(session, "tester")
    yield database
    database.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN).astimezone(UTC))


@pytest.fixture
def zone() -> ZoneInfo:
    return BERLIN


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    """A real Radicale CalDAV server (tests/planner/dav_servers.py): 127.0.0.1, a free port,
    htpasswd auth, its data in tmp_path; stopped after the test."""
    server = Radicale(tmp_path / "radicale")
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=sorted(SERVERS))
def dav_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DavServer]:
    """Each real CalDAV server in turn (Radicale, Xandikos): a test that takes it runs twice."""
    server = SERVERS[request.param](tmp_path / request.param)
    server.start()
    yield server
    server.stop()
