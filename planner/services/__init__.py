"""One module per entity or workflow, each run inside the caller's transaction."""
