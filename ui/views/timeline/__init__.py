"""The day timeline: layout (geometry), painting and the widget (interaction)."""
