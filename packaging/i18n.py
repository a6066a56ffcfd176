"""Splitday's catalogs: extract the strings, compile the .po sources, check them.

    python packaging/i18n.py extract   # planner/ + ui/ -> build/i18n/splitday.pot
    python packaging/i18n.py update    # merge the .pot into every resources/locale/*/splitday.po
    python packaging/i18n.py compile   # .po -> .mo (and the 40 %-longer pseudo catalog)
    python packaging/i18n.py check     # untranslated, fuzzy or placeholder-changing entries

`make i18n` runs extract + compile (the .mo files are generated: never committed). The
.po files under resources/locale/<lang>/LC_MESSAGES/ are the translators' sources.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "resources" / "locale"
POT = ROOT / "build" / "i18n" / "splitday.pot"
SHIPPED = ("it", "de", "fr", "es")
PSEUDO = "pseudo"
KEYWORDS = {"tr": None, "N_": None, "ntr": (1, 2), "pgettext": ((1, "c"), 2)}
FIELD = re.compile(r"\{([^{}]*)\}")


def fields(text: str) -> list[str]:
    """The str.format placeholders of a message, sorted ('{n}', '{role}', '{n:02d}' …)."""
    return sorted(FIELD.findall(text.replace("{{", "").replace("}}", "")))


def extract() -> Catalog:
    catalog = Catalog(project="Splitday", domain="splitday", charset="utf-8")
    for package in ("planner", "ui"):
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("i18n:",),
            strip_comment_tags=True,
        ):
            catalog.add(
                message,
                None,
                [(f"{package}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    POT.parent.mkdir(parents=True, exist_ok=True)
    with POT.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False)
    return catalog


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "splitday.po"


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain="splitday")


def update() -> None:
    template = extract()
    for lang in SHIPPED:
        path = po_path(lang)
        if path.exists():
            catalog = read(lang)
            catalog.update(template, no_fuzzy_matching=True)
        else:
            catalog = Catalog(locale=lang, domain="splitday", project="Splitday")
            catalog.update(template, no_fuzzy_matching=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, ignore_obsolete=True, include_previous=False)


def _lengthen(text: str) -> str:
    """A pseudo translation 40 % longer, placeholders, accelerators and markup kept."""
    if not text:
        return text
    extra = max(1, round(len(text) * 0.4))
    # in words of four, as real languages break lines between words
    pad = " ".join("~" * 4 for _ in range(extra // 5)) + "~" * (extra % 5)
    return f"[{text}{pad}]"


def pseudo(template: Catalog) -> Catalog:
    out = Catalog(locale="en", domain="splitday", project="Splitday")
    for m in template:
        if not m.id:
            continue
        if m.pluralizable:
            ids = m.id
            out.add(m.id, (_lengthen(ids[0]), _lengthen(ids[1])), context=m.context)
        else:
            out.add(m.id, _lengthen(str(m.id)), context=m.context)
    return out


def compile_all() -> list[Path]:
    written = []
    for lang in SHIPPED:
        catalog = read(lang)
        written.append(_write_mo(lang, catalog))
    written.append(_write_mo(PSEUDO, pseudo(extract())))
    return written


def _write_mo(lang: str, catalog: Catalog) -> Path:
    path = LOCALE / lang / "LC_MESSAGES" / "splitday.mo"
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.language_team = catalog.language_team or lang
    with path.open("wb") as f:
        write_mo(f, catalog, use_fuzzy=False)
    return path


def problems(lang: str, template: Catalog | None = None) -> list[str]:
    """What keeps a catalog from being complete: a source string it lacks or leaves empty, a
    fuzzy entry, a translation whose placeholders differ from the source's."""
    template = template or extract()
    catalog = read(lang)
    found: list[str] = []
    for m in template:
        if not m.id:
            continue
        t: Message | None = catalog.get(m.id, context=m.context)
        key = m.id[0] if isinstance(m.id, tuple) else m.id
        if t is None or not t.string or (isinstance(t.string, tuple) and not all(t.string)):
            found.append(f"{lang}: untranslated: {key!r}")
            continue
        if t.fuzzy:
            found.append(f"{lang}: fuzzy: {key!r}")
        sources = m.id if isinstance(m.id, tuple) else (m.id,)
        wanted = set().union(*(fields(s) for s in sources))
        strings = t.string if isinstance(t.string, tuple) else (t.string,)
        for s in strings:
            got = set(fields(s))
            if got - wanted or (len(sources) == 1 and got != wanted):
                found.append(f"{lang}: placeholders {sorted(got)} != {sorted(wanted)}: {key!r}")
            if "&" in key.replace("&&", "") and "&" not in s:
                found.append(f"{lang}: accelerator lost: {key!r}")
    return found


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "all"
    if command in ("extract", "all"):
        n = len(extract())
        print(f"extracted {n} messages into {POT.relative_to(ROOT)}")
    if command == "update":
        update()
        print("merged the template into " + ", ".join(SHIPPED))
    if command in ("compile", "all"):
        for path in compile_all():
            print(f"compiled {path.relative_to(ROOT)}")
    if command == "check":
        found = [p for lang in SHIPPED for p in problems(lang)]
        print("\n".join(found) or "every catalog is complete")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
