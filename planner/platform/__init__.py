"""Adapters to the machine: paths, the IPC message format, notifications, autostart."""
