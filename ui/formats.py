"""Times and dates as the user's locale writes them (QLocale: 12/24-hour, names, order).

QLocale's default is set from SPLITDAY_LANG or the system locale at start-up
(ui/formats.install_translations); the C locale keeps the program's own "09:30".
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QTime

from planner.domain.i18n import format_locale


def _locale() -> QLocale | None:
    return QLocale() if format_locale() else None


def clock(moment: datetime, zone: tzinfo | None = None, *, seconds: bool = False) -> str:
    """'09:30', or '9:30 AM' where the locale's clock has 12 hours."""
    local = moment.astimezone(zone) if zone is not None else moment
    loc = _locale()
    if loc is None:
        return local.strftime("%H:%M:%S" if seconds else "%H:%M")
    t = QTime(local.hour, local.minute, local.second)
    kind = QLocale.FormatType.LongFormat if seconds else QLocale.FormatType.ShortFormat
    pattern = loc.timeFormat(kind)
    if seconds:  # the long format names the zone too: keep hours, minutes, seconds, AM/PM
        pattern = pattern.replace(" t", "").replace("t", "").strip()
    return str(loc.toString(t, pattern))


def short_day(day: date) -> str:
    """'Mon 07 Dec' (C) or the locale's weekday, day and month ('lun 7 dic')."""
    loc = _locale()
    if loc is None:
        return day.strftime("%a %d %b")
    q = QDate(day.year, day.month, day.day)
    name = loc.dayName(day.isoweekday(), QLocale.FormatType.ShortFormat)
    return f"{name} {loc.toString(q, 'd MMM')}"


def long_day(day: date) -> str:
    """'Monday 07 December 2026' (C) or the locale's long date ('lunedì 7 dicembre 2026')."""
    loc = _locale()
    if loc is None:
        return day.strftime("%A %d %B %Y")
    return str(loc.toString(QDate(day.year, day.month, day.day), QLocale.FormatType.LongFormat))


def day_heading(day: date) -> str:
    """'Monday 7 December 2026' (C) or the locale's long date, for the main window's heading."""
    if _locale() is None:
        return f"{day:%A} {day.day} {day:%B %Y}"
    return long_day(day)


def decimal(value: float, digits: int = 1) -> str:
    """'7.8' (C, en) or '7,8' (de, it, fr, es)."""
    loc = _locale()
    return f"{value:.{digits}f}" if loc is None else str(loc.toString(float(value), "f", digits))


def weekday_name(weekday: int) -> str:
    """The full name of weekday 0 (Monday) … 6 (Sunday): 'Monday' (C), 'lunedì' (it)."""
    loc = _locale()
    if loc is None:
        import calendar

        return calendar.day_name[weekday]
    return str(loc.dayName(weekday + 1, QLocale.FormatType.LongFormat))


def first_weekday() -> int:
    """0 Monday … 6 Sunday: where the locale's week starts."""
    loc = _locale()
    return 0 if loc is None else int(loc.firstDayOfWeek().value) - 1


def install_translations(app: QCoreApplication) -> None:
    """The user's language in Qt too: QLocale's default (times, dates, first weekday in every
    widget), Qt's own qtbase catalog (the standard dialogs' buttons) and, for a right-to-left
    language, the mirrored layout, with or without a Splitday catalog for it."""
    from PySide6.QtCore import QLibraryInfo, Qt, QTranslator
    from PySide6.QtGui import QGuiApplication

    from planner.domain import i18n

    name = i18n.format_locale()
    if name:
        QLocale.setDefault(QLocale(name))
    wanted = i18n.requested()
    if wanted and wanted[0] != i18n.PSEUDO:
        qt = QTranslator(app)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt.load(QLocale(wanted[0]), "qtbase", "_", folder):
            app.installTranslator(qt)
    if isinstance(app, QGuiApplication) and i18n.is_rtl():
        app.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
