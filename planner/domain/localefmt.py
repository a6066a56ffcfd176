"""Times, dates, weekdays and numbers in the user's locale (Babel's CLDR data), for the command
line, the charts and the exports; the UI uses QLocale for the same (ui/formats.py).

The locale is i18n.format_locale(): SPLITDAY_LANG, else LC_ALL / LC_TIME / LANG. The C locale
(or none) keeps the program's own formats: 24-hour "09:30", "Mon 07 Dec", ISO weeks (Monday).
Babel is imported on first use, never at start-up.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, tzinfo
from functools import cache
from typing import Any

from planner.domain.i18n import format_locale


@cache
def _babel_locale(name: str) -> Any:
    from babel import Locale, UnknownLocaleError
    from babel.core import get_global

    try:
        loc = Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        try:
            loc = Locale.parse(name.split("_")[0])
        except (UnknownLocaleError, ValueError):
            return None
    if loc.territory is None:  # 'ar' -> ar_EG, 'en' -> en_US: the region's week and clock
        likely = get_global("likely_subtags").get(loc.language)
        if likely:
            parts = str(likely).split("_")
            region = next((p for p in parts[1:] if p.isupper() or p.isdigit()), None)
            if region:
                with contextlib.suppress(UnknownLocaleError, ValueError):
                    loc = Locale.parse(f"{loc.language}_{region}")
    return loc


def current(name: str | None = None) -> Any:
    """The Babel Locale in effect, or None for the C locale."""
    name = format_locale() if name is None else name
    return _babel_locale(name) if name else None


def clock(moment: datetime | time, zone: tzinfo | None = None, locale: str | None = None) -> str:
    """'09:30' (C, de, it, fr, es …) or '9:30 AM' (en_US): the locale's short time."""
    if isinstance(moment, datetime) and zone is not None:
        moment = moment.astimezone(zone)
    loc = current(locale)
    if loc is None:
        return moment.strftime("%H:%M")
    from babel.dates import format_time

    plain = moment.replace(tzinfo=None) if isinstance(moment, datetime | time) else moment
    return str(format_time(plain, format="short", locale=loc))


def uses_12_hour(locale: str | None = None) -> bool:
    loc = current(locale)
    return loc is not None and "a" in str(loc.time_formats["short"].pattern)


def short_day(day: date, locale: str | None = None) -> str:
    """'Mon 07 Dec' (C), 'lun 7 dic' (it), 'Mon, Dec 7' (en_US)."""
    loc = current(locale)
    if loc is None:
        return day.strftime("%a %d %b")
    from babel.dates import format_skeleton

    return str(format_skeleton("MMMEd", day, locale=loc))


def long_day(day: date, locale: str | None = None) -> str:
    """'Mon 2026-12-07' (C) or the locale's medium date with its weekday."""
    loc = current(locale)
    if loc is None:
        return day.strftime("%a %Y-%m-%d")
    from babel.dates import format_skeleton

    return str(format_skeleton("yMMMEd", day, locale=loc))


def weekday_name(weekday: int, width: str = "abbreviated", locale: str | None = None) -> str:
    """The name of weekday 0 (Monday) … 6 (Sunday) in the locale."""
    loc = current(locale)
    if loc is None:
        return ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[weekday]
    return str(loc.days["format"][width][weekday])


def first_weekday(locale: str | None = None) -> int:
    """The locale's first day of the week: 0 Monday (C, ISO, most of Europe), 6 Sunday (en_US)."""
    loc = current(locale)
    return 0 if loc is None else int(loc.first_week_day)


def decimal(value: float, digits: int = 1, locale: str | None = None) -> str:
    """'12.5' (C) or '12,5' (de, it, fr, es): a number as the locale writes it."""
    loc = current(locale)
    if loc is None:
        return f"{value:.{digits}f}"
    from babel.numbers import format_decimal

    pattern = "0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, format=pattern, locale=loc))


def decimal_separator(locale: str | None = None) -> str:
    loc = current(locale)
    return "." if loc is None else str(loc.number_symbols["latn"]["decimal"])
