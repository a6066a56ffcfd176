"""the shared server: the uids of changes delivered from a device's pending queue

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01 23:55:00

A change made while the server could not be reached waits on the device
(planner/storage/pending.py); delivering it writes its uid here in the same transaction, so a
delivery cut off after its commit is recognised and never applied twice.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
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


def downgrade() -> None:
    with op.batch_alter_table("delivered_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivered_change_owner"))
    op.drop_table("delivered_change")
