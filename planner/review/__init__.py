"""Week aggregates, the interruption insight, charts and exports (read models)."""
