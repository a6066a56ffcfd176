"""the shared server: the uids of changes delivered from a device's pending queue

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:55:00

A change made while the server could not be reached waits on the device
(planner/storage/pending.py); delivering it writes its uid here in the same transaction, so a
delivery cut off after its commit is recognised and never applied twice.

PostgreSQL: a trigger on the tables a person's devices show (entry, slot, task, day, role,
setting) notifies the channel `splitday_changed` with md5(owner) at each commit that changes
them, so another device of that person re-reads at once (planner/storage/live.py) instead of
at its next minute. The payload is a digest, so a listener learns no other member's name.
"""

LIVE_TABLES = ("entry", "slot", "task", "day", "role", "setting")
NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION splitday_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE who text;
BEGIN
    IF TG_OP = 'DELETE' THEN who := OLD.owner; ELSE who := NEW.owner; END IF;
    PERFORM pg_notify('splitday_changed', md5(who));
    RETURN NULL;
END $$
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivered_change",
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_delivered_change")),
    )
    with op.batch_alter_table("delivered_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivered_change_owner"), ["owner"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        for table in LIVE_TABLES:
            op.execute(
                f"CREATE TRIGGER splitday_notify_{table} AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION splitday_notify()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in LIVE_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS splitday_notify_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS splitday_notify()")
    with op.batch_alter_table("delivered_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivered_change_owner"))
    op.drop_table("delivered_change")
