"""Calendar sources: parse, fetch, sync into occurrences, export."""
