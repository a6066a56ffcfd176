"""A team on one PostgreSQL server: one database role per member, row-level security so that a
member reads and writes only their own rows, and a lead role that reads only aggregates.

- `splitday_member` (a group role): SELECT/INSERT/UPDATE/DELETE on Splitday's tables, every
  one of them under the policy `owner = current_user`. A member's Splitday owner is their
  database login (`SPLITDAY_OWNER` = the user name in their URL).
- `splitday_lead` (a group role): no right on any table; SELECT on the views of the `team`
  schema only. The views hold minutes, counts, role names and targets — never a note, a task
  or slot title, a meeting summary, an interruption's source or a calendar's name.
- The views are owned by the database's owner (who ran `server init`), so they aggregate
  every member's rows; each filters itself to `current_user` unless the reader is a lead:
  members see exactly what the lead sees about them, and nothing of the others.

Hours and weeks are those of the session's TimeZone (`splitday team` sets the reader's zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from planner.domain.i18n import tr
from planner.storage.failures import DatabaseUnavailable, StorageError

MEMBER = "splitday_member"
LEAD = "splitday_lead"
OWNED_TABLES = (
    "role",
    "workday_setting",
    "day",
    "slot",
    "task",
    "entry",
    "calendar_source",
    "occurrence",
    "undo_step",
    "setting",
    "delivered_change",
    "planned_break",
)
_VISIBLE = f"(owner = current_user OR pg_has_role(current_user, '{LEAD}', 'MEMBER'))"

VIEWS = {
    "week_split": f"""
        WITH planned AS (
            SELECT owner, date_trunc('week', day)::date AS week, role_id,
                   sum(extract(epoch FROM "end" - start) / 60) AS minutes
            FROM public.slot GROUP BY 1, 2, 3),
        actual AS (
            SELECT owner, date_trunc('week', start)::date AS week, role_id,
                   sum(extract(epoch FROM coalesce("end", now()) - start) / 60) AS minutes
            FROM public.entry WHERE role_id IS NOT NULL AND kind <> 'break' GROUP BY 1, 2, 3),
        cells AS (SELECT owner, week, role_id FROM planned
                  UNION SELECT owner, week, role_id FROM actual)
        SELECT c.owner AS person, c.week, r.name AS role, r.target_percent,
               round(coalesce(p.minutes, 0)::numeric) AS planned_minutes,
               round(coalesce(a.minutes, 0)::numeric) AS actual_minutes,
               round((100 * coalesce(a.minutes, 0) / nullif(sum(coalesce(a.minutes, 0))
                     OVER (PARTITION BY c.owner, c.week), 0))::numeric, 1)
                   AS actual_share_percent
        FROM cells c JOIN public.role r ON r.id = c.role_id
        LEFT JOIN planned p ON p.owner = c.owner AND p.week = c.week AND p.role_id = c.role_id
        LEFT JOIN actual a ON a.owner = c.owner AND a.week = c.week AND a.role_id = c.role_id
        WHERE {_VISIBLE.replace("owner", "c.owner", 1)}""",
    "interruptions_by_hour": f"""
        SELECT owner AS person, date_trunc('week', start)::date AS week,
               extract(isodow FROM start)::int AS weekday, extract(hour FROM start)::int AS hour,
               count(*) AS interruptions,
               round(sum(extract(epoch FROM coalesce("end", now()) - start) / 60)::numeric)
                   AS minutes,
               count(*) FILTER (WHERE flag_cross_role) AS cross_role,
               count(*) FILTER (WHERE flag_in_focus) AS in_focus,
               count(*) FILTER (WHERE flag_after_stop) AS after_stop,
               count(*) FILTER (WHERE source <> '') AS with_source
        FROM public.entry WHERE kind = 'interruption' AND {_VISIBLE}
        GROUP BY 1, 2, 3, 4""",
    "overtime": f"""
        SELECT d.owner AS person, date_trunc('week', d.day)::date AS week, d.day,
               round(sum(extract(epoch FROM
                   least(coalesce(e."end", now()), d.stop + interval '12 hours')
                   - greatest(e.start, d.stop)) / 60)::numeric) AS overtime_minutes
        FROM public.day d JOIN public.entry e ON e.owner = d.owner
             AND e.start < d.stop + interval '12 hours' AND coalesce(e."end", now()) > d.stop
             AND e.kind <> 'break'
        WHERE {_VISIBLE.replace("owner", "d.owner", 1)}
        GROUP BY 1, 2, 3""",
    "now_on": f"""
        SELECT s.owner AS person, r.name AS role, s.start, s."end"
        FROM public.slot s JOIN public.role r ON r.id = s.role_id
        WHERE s.start <= now() AND s."end" > now() AND {_VISIBLE.replace("owner", "s.owner", 1)}
        """,
}


def _quote(conn: Connection, name: str) -> str:
    return str(conn.execute(text("SELECT quote_ident(:n)"), {"n": name}).scalar_one())


def _ensure_role(conn: Connection, name: str, *, login: bool, group: str | None) -> bool:
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    ident = _quote(conn, name)
    if exists is None:
        conn.execute(text(f"CREATE ROLE {ident} {'LOGIN' if login else 'NOLOGIN'}"))
    if group is not None:
        conn.execute(text(f"GRANT {group} TO {ident}"))
    return exists is None


def init_server(engine: Engine, members: list[str], leads: list[str]) -> list[str]:
    """Roles, grants, row-level security and the team views (idempotent); what it did."""
    done: list[str] = []
    with engine.begin() as conn:
        for group in (MEMBER, LEAD):
            if _ensure_role(conn, group, login=False, group=None):
                done.append(f"created the group role {group}")
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {MEMBER}"))
        conn.execute(text(f"GRANT SELECT ON public.alembic_version TO {MEMBER}"))
        for table in OWNED_TABLES:
            conn.execute(
                text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON public.{table} TO {MEMBER}")
            )
            conn.execute(text(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY"))
            conn.execute(text(f"DROP POLICY IF EXISTS splitday_own_rows ON public.{table}"))
            conn.execute(
                text(
                    f"CREATE POLICY splitday_own_rows ON public.{table} TO {MEMBER} "
                    "USING (owner = current_user) WITH CHECK (owner = current_user)"
                )
            )
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {MEMBER}"))
        done.append(f"row-level security on {len(OWNED_TABLES)} tables: a member sees own rows")
        conn.execute(text("CREATE SCHEMA IF NOT EXISTS team"))
        conn.execute(text("REVOKE ALL ON SCHEMA team FROM PUBLIC"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA team TO {MEMBER}, {LEAD}"))
        for name, body in VIEWS.items():
            conn.execute(text(f"DROP VIEW IF EXISTS team.{name}"))
            conn.execute(text(f"CREATE VIEW team.{name} AS {body}"))
            conn.execute(text(f"GRANT SELECT ON team.{name} TO {MEMBER}, {LEAD}"))
        done.append(f"views team.{', team.'.join(VIEWS)} (aggregates only)")
        for name in members:
            new = _ensure_role(conn, name, login=True, group=MEMBER)
            done.append(f"member {name}" + (" (new login role)" if new else ""))
        for name in leads:
            new = _ensure_role(conn, name, login=True, group=LEAD)
            done.append(f"lead {name}" + (" (new login role)" if new else ""))
    return done


@dataclass(frozen=True)
class TeamWeek:
    week: date
    split: list[dict[str, Any]]
    interruptions: list[dict[str, Any]]
    overtime: list[dict[str, Any]]
    now_on: list[dict[str, Any]]


def read_team(conn: Connection, week: date, zone_name: str | None) -> TeamWeek:
    """The team views for one week (Monday), in the reader's zone."""
    if zone_name:
        conn.execute(text("SELECT set_config('TimeZone', :z, true)"), {"z": zone_name})

    def rows(sql: str) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in conn.execute(text(sql), {"week": week})]

    return TeamWeek(
        week,
        rows("SELECT * FROM team.week_split WHERE week = :week ORDER BY person, role"),
        rows(
            "SELECT person, weekday, hour, interruptions, minutes, cross_role, in_focus, "
            "after_stop FROM team.interruptions_by_hour WHERE week = :week "
            "ORDER BY person, weekday, hour"
        ),
        rows(
            "SELECT person, day, overtime_minutes FROM team.overtime WHERE week = :week "
            "ORDER BY person, day"
        ),
        rows('SELECT person, role, start, "end" FROM team.now_on ORDER BY person'),
    )


@dataclass(frozen=True)
class Access:
    """What the connected login may read of the team views."""

    login: str
    views: bool  # the team views exist and this login may read them
    lead: bool  # in the lead group: the views show every member
    member: bool  # in the member group: the views show this login only; it has a plan


_ACCESS = f"""
    SELECT current_user AS login,
           CASE WHEN to_regclass('team.week_split') IS NOT NULL
                THEN has_table_privilege('team.week_split', 'SELECT') ELSE false END AS views,
           CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{LEAD}')
                THEN pg_has_role('{LEAD}', 'MEMBER') ELSE false END AS lead,
           CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{MEMBER}')
                THEN pg_has_role('{MEMBER}', 'MEMBER') ELSE false END AS member"""


def read_access(conn: Connection) -> Access | None:
    """Who reads the team views, and may they (None: not a PostgreSQL database)."""
    if conn.dialect.name != "postgresql":
        return None
    row = conn.execute(text(_ACCESS)).one()
    return Access(str(row.login), bool(row.views), bool(row.lead), bool(row.member))


def lead_only(conn: Connection) -> str | None:
    """The login, if it is a team lead without a plan of its own (no right on any table)."""
    access = read_access(conn)
    if access is None or not access.lead or access.member:
        return None
    return access.login


def explain_denied(engine: Engine, exc: BaseException) -> StorageError | None:
    """A lead-only login refused the tables (opening the app or a command as the lead): say
    so in a line, with what it can do (None: another refusal, or not PostgreSQL)."""
    orig = getattr(exc, "orig", None) or exc
    if engine.dialect.name != "postgresql" or getattr(orig, "sqlstate", None) != "42501":
        return None
    try:
        with engine.connect() as conn:
            login = lead_only(conn)
    except DBAPIError:
        return None
    if login is None:
        return None
    return DatabaseUnavailable(
        tr(
            "{login} is a team lead on this server and may read only the team's aggregates "
            "(`splitday team`); to plan your own days here too, its owner adds you as a "
            "member: `splitday server init URL --member {login}`"
        ).format(login=login)
    )
