"""Pure rules and values: time ranges, scheduling, forms, the clock, defaults, errors (no I/O)."""
