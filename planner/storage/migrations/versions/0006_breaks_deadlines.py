"""breaks in the plan, task deadlines, tasks put into a slot by hand (issue 16)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:00:00

- planned_break: a day's lunch and short breaks (not working time; `skipped` for a lunch
  skipped that day).
- task.due_at: an optional deadline; task.slot_pinned: put into its slot by hand, so the
  re-fit that follows every change of tasks, slots or meetings leaves it there.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "planned_break",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_break")),
        sa.UniqueConstraint("uid", name=op.f("uq_planned_break_uid")),
    )
    with op.batch_alter_table("planned_break", schema=None) as batch_op:
        batch_op.create_index("ix_planned_break_owner_day", ["owner", "day"], unique=False)
    if op.get_bind().dialect.name == "postgresql":  # other devices re-read (see 0005)
        op.execute(
            "CREATE TRIGGER splitday_notify_planned_break AFTER INSERT OR UPDATE OR DELETE "
            "ON planned_break FOR EACH ROW EXECUTE FUNCTION splitday_notify()"
        )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("slot_pinned", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("slot_pinned")
        batch_op.drop_column("due_at")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS splitday_notify_planned_break ON planned_break")
    with op.batch_alter_table("planned_break", schema=None) as batch_op:
        batch_op.drop_index("ix_planned_break_owner_day")
    op.drop_table("planned_break")
