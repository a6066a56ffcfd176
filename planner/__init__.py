"""Splitday's core: domain rules, storage, services and the command line (no Qt here)."""

__version__ = "0.1.0"
APP_ID = "io.github.splitday.Splitday"  # desktop file, AppStream id, icon, Qt desktop name
