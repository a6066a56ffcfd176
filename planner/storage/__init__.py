"""Engine, ORM models, migrations and raw SQL; imports nothing above it."""
