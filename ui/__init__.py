"""Splitday's PySide6 user interface: widgets, Qt models and the app's wiring."""
