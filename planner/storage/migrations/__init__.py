"""Alembic schema migrations (batch mode, so SQLite can alter tables)."""

# The newest schema revision this code knows (planner/migrations/versions). A test keeps it true.
SCHEMA_REVISION = "0007"
