"""planner.storage.rawsql: hand-written SQL reads what SQLAlchemy wrote, on SQLite and elsewhere."""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from planner.platform import paths
from planner.storage import rawsql
from planner.storage.db import Database, sqlite_path
from planner.storage.models import Day, Entry

MOMENTS = [
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 10, 25, 2, 30, tzinfo=timezone(timedelta(hours=2))),
    datetime(1999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
]


def test_stamp_is_the_text_sqlalchemy_stores(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the text form is SQLite's")
    with db.transaction() as s:
        s.add_all(Entry(owner="tester", start=m, end=m, kind="work") for m in MOMENTS)
    with db.transaction() as s:
        stored = s.execute(text("SELECT start FROM entry ORDER BY id")).scalars().all()
    assert stored == [rawsql.stamp(m) for m in MOMENTS]
    assert [rawsql.moment(x) for x in stored] == MOMENTS


def test_rows_read_the_same_values_on_every_database(db: Database) -> None:
    day = date(2026, 3, 29)
    with db.transaction() as s:
        s.add_all(Entry(owner="tester", start=m, end=m, kind="work") for m in MOMENTS)
        s.add(Day(owner="tester", day=day, start=MOMENTS[0], stop=MOMENTS[1]))
    with db.transaction() as s:
        rows = rawsql.Rows(s)
        assert rows.sqlite == (db.engine.dialect.name == "sqlite")
        found = rows(
            "SELECT start FROM entry WHERE owner = :owner AND start >= :lo ORDER BY start",
            {"owner": "tester", "lo": MOMENTS[2] + timedelta(seconds=1)},
        )
        assert [rawsql.moment(x) for (x,) in found] == sorted(MOMENTS[:2])
        (got,) = rows('SELECT "day", start FROM "day" WHERE "day" = :d', {"d": day})
        assert rawsql.day(got[0]) == day and rawsql.moment(got[1]) == MOMENTS[0]


def test_rows_see_what_the_session_has_not_committed(db: Database) -> None:
    with db.transaction() as s:
        s.add(Entry(owner="tester", start=MOMENTS[0], kind="work"))
        assert rawsql.Rows(s)("SELECT COUNT(*) FROM entry", {}) == [(1,)]


def test_naive_datetimes_and_odd_values_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        rawsql.stamp(datetime(2026, 1, 1, 9, 0))  # noqa: DTZ001
    with pytest.raises(TypeError):
        rawsql.moment(42)
    with pytest.raises(TypeError):
        rawsql.day(datetime(2026, 1, 1, tzinfo=UTC))


def test_a_bare_sqlite3_connection_runs_the_same_sql(db: Database, tmp_path: Path) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.transaction() as s:
        s.add(Entry(owner="tester", start=MOMENTS[1], kind="work"))
    path = sqlite_path(str(db.engine.url))
    assert path is not None
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = rawsql.Rows(conn)
        found = rows("SELECT start FROM entry WHERE start < :hi", {"hi": MOMENTS[1] + timedelta(1)})
        assert [rawsql.moment(x) for (x,) in found] == [MOMENTS[1]]
    finally:
        conn.close()


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////abs/path/db.sqlite3",
        "sqlite:///relative.sqlite3",
        "sqlite:///with space/ü.sqlite3",
        "sqlite:///:memory:",
        "sqlite://",
        "sqlite+pysqlite:////abs/db.sqlite3",
        "sqlite:////abs/db.sqlite3?timeout=3",
        "postgresql+psycopg://u@h/db",
    ],
)
def test_plain_sqlite_file_is_a_subset_of_sqlalchemys_reading(url: str) -> None:
    plain = paths.plain_sqlite_file(url)
    if plain is not None:
        assert plain == sqlite_path(url)
    if url.startswith("sqlite:///") and "?" not in url and ":memory:" not in url:
        assert plain is not None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux rule")
@pytest.mark.parametrize("xdg", [None, "/tmp/xdg-data", "", "  ", "relative/dir", " /tmp/spaced "])
@pytest.mark.parametrize("home", [None, "/tmp/home-x", "relative-home"])
def test_data_dir_is_where_platformdirs_puts_it(
    xdg: str | None, home: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    monkeypatch.delenv("SPLITDAY_DATA_DIR", raising=False)
    for name, value in (("XDG_DATA_HOME", xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert paths.data_dir() == Path(platformdirs.user_data_dir("splitday", appauthor=False))
