"""Standalone dialogs: plan my day, settings, end-of-day review."""
