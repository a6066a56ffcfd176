"""concurrent writers: row versions, one running entry per owner, no overlapping slots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00

- role, task, slot, calendar_source get a `version` (the mappers' version_id_col): an update
  based on a row that another writer changed meanwhile fails instead of overwriting it.
- entry: a unique partial index, at most one running entry (end IS NULL) per owner.
- slot and entry, PostgreSQL only: exclusion constraints (btree_gist): no two slots of one
  owner's day overlap, no two entries of one owner overlap (a running one reaches forever).
  SQLite serialises its writers; the services' own checks hold there.

Data that breaks these rules (left by concurrent writers before this revision) is repaired
first, the way the app would have: the older running entries end when the newest began and
are marked for review; a slot that overlaps an earlier one of its day starts where that one
ends, or goes if nothing of it is left (its tasks become unscheduled); an entry that overlaps
earlier ones starts where they end, or keeps no time of its own (its note stays), marked for
review.
"""

from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VERSIONED = ("role", "task", "slot", "calendar_source")


def _close_extra_running_entries(bind) -> None:
    rows = bind.execute(
        sa.text('SELECT id, owner, start FROM entry WHERE "end" IS NULL ORDER BY owner, start, id')
    ).all()
    by_owner: dict[str, list[tuple[int, object]]] = {}
    for entry_id, owner, start in rows:
        by_owner.setdefault(owner, []).append((entry_id, start))
    for items in by_owner.values():
        *older, (_, last_start) = items
        for entry_id, start in older:
            bind.execute(
                sa.text('UPDATE entry SET "end" = :end, needs_review = :yes WHERE id = :id'),
                {"end": max(start, last_start), "yes": True, "id": entry_id},
            )


def _separate_overlapping_slots(bind) -> None:
    rows = bind.execute(
        sa.text('SELECT id, owner, "day", start, "end" FROM slot ORDER BY owner, "day", start, id')
    ).all()
    key = None
    reach = None
    for slot_id, owner, day, start, end in rows:
        if (owner, day) != key:
            key, reach = (owner, day), end
            continue
        if start < reach:
            if end <= reach:
                bind.execute(sa.text("DELETE FROM slot WHERE id = :id"), {"id": slot_id})
                continue
            bind.execute(
                sa.text("UPDATE slot SET start = :start WHERE id = :id"),
                {"start": reach, "id": slot_id},
            )
        reach = max(reach, end)


def _separate_overlapping_entries(bind) -> None:
    rows = bind.execute(
        sa.text('SELECT id, owner, start, "end" FROM entry ORDER BY owner, start, id')
    ).all()
    owner_seen = None
    reach = None  # where the entries so far end (None: one still runs)
    for entry_id, owner, start, end in rows:
        if owner != owner_seen:
            owner_seen, reach = owner, end
            continue
        if end is not None and end <= start:
            continue  # empty: overlaps nothing
        if reach is not None and start >= reach:
            reach = end
            continue
        if reach is None or (end is not None and end <= reach):
            # inside the time already logged: kept, with nothing of its own left
            at = end if end is not None else start
            bind.execute(
                sa.text('UPDATE entry SET start = :at, "end" = :at, needs_review = :yes WHERE id = :id'),
                {"at": at, "yes": True, "id": entry_id},
            )
            continue
        bind.execute(
            sa.text("UPDATE entry SET start = :start, needs_review = :yes WHERE id = :id"),
            {"start": reach, "yes": True, "id": entry_id},
        )
        reach = end


def upgrade() -> None:
    bind = op.get_bind()
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), server_default="1", nullable=False)
            )
    _close_extra_running_entries(bind)
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.create_index(
            "uq_entry_one_running",
            ["owner"],
            unique=True,
            sqlite_where=sa.text('"end" IS NULL'),
            postgresql_where=sa.text('"end" IS NULL'),
        )
    if bind.dialect.name == "postgresql":
        try:
            with bind.begin_nested():
                op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        except sa.exc.DBAPIError:
            # Not allowed to add the extension (it is "trusted" since PostgreSQL 13, so any
            # database owner may): the services' checks under their advisory locks remain.
            return
        _separate_overlapping_slots(bind)
        op.execute(
            "ALTER TABLE slot ADD CONSTRAINT ex_slot_no_overlap EXCLUDE USING gist "
            '(owner WITH =, "day" WITH =, tstzrange(start, "end") WITH &&) '
            "DEFERRABLE INITIALLY DEFERRED"
        )
        _separate_overlapping_entries(bind)
        op.execute(
            "ALTER TABLE entry ADD CONSTRAINT ex_entry_no_overlap EXCLUDE USING gist "
            '(owner WITH =, tstzrange(start, "end") WITH &&) DEFERRABLE INITIALLY DEFERRED'
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE slot DROP CONSTRAINT IF EXISTS ex_slot_no_overlap")
        op.execute("ALTER TABLE entry DROP CONSTRAINT IF EXISTS ex_entry_no_overlap")
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.drop_index("uq_entry_one_running")
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
