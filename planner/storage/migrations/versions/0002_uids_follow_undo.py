"""stable uids on slots and tasks, the day's follow-the-plan mark, the undo journal

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:00:00
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in ("slot", "task"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("uid", sa.String(length=36), nullable=True))
        ids = bind.execute(sa.text(f"SELECT id FROM {table}")).scalars().all()
        if ids:
            bind.execute(
                sa.text(f"UPDATE {table} SET uid = :uid WHERE id = :id"),
                [{"uid": str(uuid.uuid4()), "id": row_id} for row_id in ids],
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("uid", existing_type=sa.String(length=36), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_uid"), ["uid"])
    with op.batch_alter_table("day", schema=None) as batch_op:
        batch_op.add_column(sa.Column("follow_from", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "undo_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_undo_step")),
    )
    with op.batch_alter_table("undo_step", schema=None) as batch_op:
        batch_op.create_index("ix_undo_step_owner_id", ["owner", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("undo_step", schema=None) as batch_op:
        batch_op.drop_index("ix_undo_step_owner_id")
    op.drop_table("undo_step")
    with op.batch_alter_table("day", schema=None) as batch_op:
        batch_op.drop_column("follow_from")
    for table in ("task", "slot"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_uid"), type_="unique")
            batch_op.drop_column("uid")
