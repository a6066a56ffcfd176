"""A team on one server: row-level security proven from plain SQL (psql) as a member and as
the lead; the lead reads aggregates only, never a note, a title or a source's name."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import Device
from pgcluster import Cluster

pytestmark = pytest.mark.slow


def _denied(cluster: Cluster, name: str, sql: str, user: str) -> str:
    with pytest.raises(subprocess.CalledProcessError) as failed:
        cluster.psql(name, sql, user=user)
    return str(failed.value.stderr)


@pytest.mark.timeout(300)
def test_members_see_their_own_rows_and_the_lead_only_aggregates(
    cluster: Cluster, server_db: str, tmp_path: Path
) -> None:
    name = server_db.rsplit("/", 1)[1]
    admin = Device(tmp_path / "admin", server_db, owner="postgres")
    init = admin.run(
        "server", "init", server_db, "--member", "ann", "--member", "ben", "--lead", "lea"
    )
    assert init.returncode == 0, init.stderr
    assert "row-level security" in init.stdout
    for who in ("ann", "ben"):
        me = Device(tmp_path / who, cluster.url(name, who), owner=who)
        for command in (
            ["plan", "--auto"],
            ["start", "Support"],
            ["interrupt", f"{who} secret note", "--source", f"{who}'s boss"],
            ["task", "add", f"{who} private task", "--role", "Support"],
        ):
            done = me.run(*command)
            assert done.returncode == 0, (who, command, done.stderr)

    # a member, from plain SQL: only own rows, in every table, for every statement
    assert cluster.psql(name, "SELECT DISTINCT owner FROM entry", user="ben") == "ben"
    assert cluster.psql(name, "SELECT count(*) FROM task WHERE owner = 'ann'", user="ben") == "0"
    update = "WITH u AS (UPDATE entry SET note = 'x' WHERE owner = 'ann' RETURNING id) "
    assert cluster.psql(name, update + "SELECT count(*) FROM u", user="ben") == "0"
    delete = "WITH d AS (DELETE FROM role WHERE owner = 'ann' RETURNING id) "
    assert cluster.psql(name, delete + "SELECT count(*) FROM d", user="ben") == "0"
    said = _denied(
        cluster,
        name,
        "INSERT INTO setting (owner, key, value) VALUES ('ann', 'x', 'y')",
        user="ben",
    )
    assert "row-level security" in said
    assert cluster.psql(name, "SELECT count(*) FROM entry WHERE note LIKE 'ann%'") == "1"
    # a member reads the team views about themselves only
    assert cluster.psql(name, "SELECT DISTINCT person FROM team.week_split", user="ben") == "ben"

    # the lead: no table at all; the views of everyone; no text column in them
    for sql in (
        "SELECT note FROM entry",
        "SELECT title FROM task",
        "SELECT title FROM slot",
        "SELECT summary FROM occurrence",
        "SELECT name FROM calendar_source",
        "SELECT source FROM entry",
    ):
        assert "permission denied" in _denied(cluster, name, sql, user="lea")
    people = cluster.psql(
        name, "SELECT DISTINCT person FROM team.week_split ORDER BY 1", user="lea"
    )
    assert people.split() == ["ann", "ben"]
    columns = cluster.psql(
        name,
        "SELECT string_agg(column_name, ' ') FROM information_schema.columns "
        "WHERE table_schema = 'team'",
    ).split()
    for word in ("note", "title", "summary", "source", "name", "location"):
        assert word not in columns
    everything = cluster.psql(
        name,
        "SELECT (SELECT json_agg(t) FROM team.week_split t)::text || "
        "(SELECT json_agg(t) FROM team.interruptions_by_hour t)::text || "
        "coalesce((SELECT json_agg(t) FROM team.overtime t)::text, '') || "
        "coalesce((SELECT json_agg(t) FROM team.now_on t)::text, '')",
        user="lea",
    )
    assert "secret" not in everything and "boss" not in everything
    assert "private" not in everything

    lead = Device(tmp_path / "lea", cluster.url(name, "lea"), owner="lea")
    shown = lead.run("team", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert {r["person"] for r in data["split"]} == {"ann", "ben"}
    assert sum(r["interruptions"] for r in data["interruptions_by_hour"]) == 2
    assert "secret" not in shown.stdout
    text = lead.run("team")
    assert text.returncode == 0 and "ann" in text.stdout and "planned" in text.stdout
    # a member's `team` is the same about themselves only
    ben = Device(tmp_path / "ben", cluster.url(name, "ben"), owner="ben")
    mine = json.loads(ben.run("team", "--json").stdout)
    assert {r["person"] for r in mine["split"]} == {"ben"}
