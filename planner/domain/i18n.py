"""Translations and the user's language: gettext catalogs, SPLITDAY_LANG or the system's locale.

One catalog (resources/locale/<lang>/LC_MESSAGES/splitday.mo, compiled from the .po sources
by `make i18n`) holds every string of the core, the command line and the UI. Standard library
only: the CLI's forwarding path and the window's first paint import it.

    tr("Plan my day")                              # a message
    ntr("{n} interruption", "{n} interruptions", n).format(n=n)
    N_("Support")                                  # marked for extraction, translated later

(`tr`, not `_`: the code base unpacks `value, _ = service(...)` everywhere, which would shadow
a translation function called `_`.)

Placeholders are str.format fields ({name}); tests/planner/test_i18n_catalogs.py checks that every
translation keeps them.
"""

from __future__ import annotations

import gettext
import os
import sys
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "splitday"
SHIPPED = ("it", "de", "fr", "es")  # complete catalogs; English is the source
PSEUDO = "pseudo"  # built by `make i18n`: every string 40 % longer, for layout checks
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "ckb", "dv"})
LANG_ENV = "SPLITDAY_LANG"

_active: gettext.NullTranslations | None = None
_override: list[str] | None = None


def locale_dir() -> Path:
    """resources/locale beside the sources, or inside the frozen app (PyInstaller's _MEIPASS)."""
    frozen = getattr(sys, "_MEIPASS", None)
    base = Path(frozen) if frozen else Path(__file__).resolve().parents[2]
    return base / "resources" / "locale"


def _normalise(value: str) -> str:
    """'it_IT.UTF-8@euro' -> 'it_IT'; 'de-DE' -> 'de_DE'; 'C'/'POSIX' -> ''."""
    value = value.split(".", 1)[0].split("@", 1)[0].strip().replace("-", "_")
    return "" if value in {"C", "POSIX"} else value


def requested(environ: Mapping[str, str] | None = None, *, formats: bool = False) -> list[str]:
    """The languages asked for, best first: SPLITDAY_LANG, else the system's locale variables
    (LANGUAGE, LC_ALL, LC_MESSAGES, LANG as gettext reads them; for `formats`, LC_ALL, LC_TIME,
    LANG). Empty means the C locale: English and the program's own formats."""
    env = os.environ if environ is None else environ
    own = env.get(LANG_ENV, "").strip()
    if own:
        return [x for x in (_normalise(p) for p in own.split(":")) if x]
    names = ("LC_ALL", "LC_TIME", "LANG") if formats else ("LC_ALL", "LC_MESSAGES", "LANG")
    for name in names:
        raw = env.get(name, "").strip()
        if raw:
            first = _normalise(raw)
            if not first:
                return []  # the C locale: LANGUAGE is ignored then, as gettext does
            extra = [] if formats else [_normalise(p) for p in env.get("LANGUAGE", "").split(":")]
            return [x for x in [*extra, first] if x]
    return []


def format_locale(environ: Mapping[str, str] | None = None) -> str:
    """The locale whose formats (times, dates, first weekday, numbers) apply: 'en_US', 'it_IT'…,
    or '' for the C locale (24-hour times, ISO weeks, the English short names)."""
    found = requested(environ, formats=True)
    name = found[0] if found else ""
    return "" if name == PSEUDO else name


def translations() -> gettext.NullTranslations:
    """The active catalog, loaded on first use."""
    global _active
    if _active is None:
        langs = _override if _override is not None else requested()
        _active = gettext.translation(DOMAIN, str(locale_dir()), languages=langs, fallback=True)
    return _active


def set_language(language: str | None) -> None:
    """Switch catalogs (tests, the settings); None goes back to the environment's choice."""
    global _active, _override
    _override = None if language is None else [x for x in [_normalise(language)] if x]
    _active = None


def language() -> str:
    """The language of the loaded catalog ('it', 'de', …), or 'en' when none is loaded."""
    t = translations()
    if isinstance(t, gettext.GNUTranslations):
        return t.info().get("language", "en") or "en"
    return "en"


def is_rtl(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the asked-for language is written right to left (with or without a catalog)."""
    found = requested(environ) if _override is None else _override
    return bool(found) and found[0].split("_")[0].lower() in RTL_LANGUAGES


def tr(message: str) -> str:
    """The message in the user's language."""
    return translations().gettext(message)


def ntr(singular: str, plural: str, n: int) -> str:
    """The plural form for n in the user's language (then .format(n=n, …))."""
    return translations().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations().pgettext(context, message)


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; `_()` translates it where shown."""
    return message
