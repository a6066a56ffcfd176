"""The team's week (planner/review/team.py) where there is no team: the core says why, in words,
and fails for nothing; and which ISO week a review week that starts on another day reads."""

from __future__ import annotations

from datetime import UTC, date, timedelta, timezone
from zoneinfo import ZoneInfo

from planner.review import team
from planner.storage.db import Database


def test_the_iso_week_sharing_most_days_with_the_review_s_week() -> None:
    monday = date(2026, 11, 30)
    for first_day, days_shared in ((monday, 7), (monday - timedelta(days=1), 6),
                                   (monday - timedelta(days=2), 5)):  # fmt: skip
        iso = team.iso_monday(first_day)
        assert iso == monday, first_day
        review = {first_day + timedelta(days=i) for i in range(7)}
        shared = review & {iso + timedelta(days=i) for i in range(7)}
        assert len(shared) == days_shared
        # any other ISO week shares fewer of the review's days
        for other in (iso - timedelta(weeks=1), iso + timedelta(weeks=1)):
            assert len(review & {other + timedelta(days=i) for i in range(7)}) < days_shared


def test_no_team_on_a_file_or_an_uninitialised_server(db: Database) -> None:
    with db.read() as s:
        found = team.team_week(s.connection(), date(2026, 11, 30), ZoneInfo("Europe/Berlin"))
    assert isinstance(found, team.NoTeam)
    if db.engine.dialect.name == "sqlite":
        assert "PostgreSQL" in found.reason
    else:  # tests/with-postgres.sh: a server without `splitday server init`
        assert "splitday server init" in found.reason


def test_the_reader_s_zone_as_the_server_names_it(db: Database) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert team.zone_name(berlin) == "Europe/Berlin"
    assert team.zone_name(UTC) == "UTC"
    assert team.zone_name(timezone(timedelta(hours=2))) == "Etc/GMT-2"
    assert team.zone_name(timezone(timedelta(hours=-5))) == "Etc/GMT+5"
    assert team.zone_name(timezone(timedelta(hours=5, minutes=30))) is None
    if db.engine.dialect.name == "postgresql":  # the server takes it, with the sign it means
        with db.read() as s:
            conn = s.connection()
            conn.exec_driver_sql("SELECT set_config('TimeZone', 'Etc/GMT-2', true)")
            hour = conn.exec_driver_sql(
                "SELECT extract(hour FROM timestamptz '2026-11-30 10:00+00')"
            ).scalar_one()
            assert int(hour) == 12
