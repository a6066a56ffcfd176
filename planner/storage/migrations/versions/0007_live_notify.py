"""live re-reads: the minute's sign of life wakes no device (issue 18)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:40:00

PostgreSQL only (migration 0005's trigger): the `last_seen` setting (each running app's sign
of life, written every minute for crash recovery) no longer notifies `splitday_changed`. It
changes nothing a device shows, and every device re-read every view at every device's minute
(over a slow link, that froze each window for seconds a minute).
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

QUIET_FUNCTION = """
CREATE OR REPLACE FUNCTION splitday_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE who text;
BEGIN
    -- nested: PL/pgSQL does not stop at a false AND, and other tables have no `key`
    IF TG_TABLE_NAME = 'setting' AND TG_OP <> 'DELETE' THEN
        IF NEW.key = 'last_seen' THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN who := OLD.owner; ELSE who := NEW.owner; END IF;
    PERFORM pg_notify('splitday_changed', md5(who));
    RETURN NULL;
END $$
"""

LOUD_FUNCTION = """
CREATE OR REPLACE FUNCTION splitday_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE who text;
BEGIN
    IF TG_OP = 'DELETE' THEN who := OLD.owner; ELSE who := NEW.owner; END IF;
    PERFORM pg_notify('splitday_changed', md5(who));
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(QUIET_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LOUD_FUNCTION)
