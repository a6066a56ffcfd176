"""CalDAV accounts in, the plan out: a source's account and sync-token, pulled resources,
published slots

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("account_user", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("sync_token", sa.Text(), nullable=True))
    op.create_table(
        "caldav_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("href", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=400), nullable=True),
        sa.Column("uid", sa.String(length=500), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["calendar_source.id"],
            name=op.f("fk_caldav_resource_source_id_calendar_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caldav_resource")),
        sa.UniqueConstraint("source_id", "href", name=op.f("uq_caldav_resource_source_id")),
    )
    op.create_table(
        "published_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("slot_uid", sa.String(length=36), nullable=False),
        sa.Column("href", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=400), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_slot")),
        sa.UniqueConstraint("owner", "slot_uid", name=op.f("uq_published_slot_owner")),
    )


def downgrade() -> None:
    op.drop_table("published_slot")
    op.drop_table("caldav_resource")
    with op.batch_alter_table("calendar_source", schema=None) as batch_op:
        batch_op.drop_column("sync_token")
        batch_op.drop_column("account_user")
        batch_op.drop_column("account_url")
