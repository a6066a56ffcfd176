"""The main window's views: day timeline, task list, now/focus panel."""
