"""The app's wiring: main window, tray, single instance, hotkeys, reminders, background sync."""
