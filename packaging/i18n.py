"""Splitday's catalogs: extract the strings, compile the .po sources, check them.

    python packaging/i18n.py extract   # planner/ + ui/ -> build/i18n/splitday.pot
    python packaging/i18n.py update    # merge the .pot into every resources/locale/*/splitday.po
    python packaging/i18n.py compile   # .po -> .mo (and the 40 %-longer pseudo catalog)
    python packaging/i18n.py check     # untranslated, fuzzy or placeholder-changing entries,
                                       # and shown strings not passed through tr()

`make i18n` runs extract + compile (the .mo files are generated: never committed). The
.po files under resources/locale/<lang>/LC_MESSAGES/ are the translators' sources.
"""

from __future__ import annotations

import ast
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
PRINTF = re.compile(r"%(?:\(\w+\))?[srd]")  # argparse's words: %(prog)s, %s, %r


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
            if sorted(PRINTF.findall(s)) != sorted(PRINTF.findall(sources[-1])) and PRINTF.search(
                sources[0]
            ):
                found.append(f"{lang}: %-fields {sorted(PRINTF.findall(s))}: {key!r}")
            if "&" in key.replace("&&", "") and "&" not in s:
                found.append(f"{lang}: accelerator lost: {key!r}")
    return found


# ---------------------------------------------------------------- strings not marked


# Where a string literal reaches the person: Qt's text setters and widgets, the argparse
# help, print() of the command line, the user-facing errors (the subclasses of these roots,
# found in the sources), and the value types whose words the UI shows.
TEXT_METHODS = frozenset(
    {
        "setText", "setToolTip", "setWindowTitle", "setPlaceholderText", "setStatusTip",
        "setWhatsThis", "setTitle", "setLabelText", "showMessage", "setHeaderLabels",
        "setHorizontalHeaderLabels", "setVerticalHeaderLabels", "setSuffix", "setPrefix",
        "setSpecialValueText", "addTab", "insertTab", "setTabText", "setTabToolTip",
        "setItemText", "addItem", "insertItem", "addRow", "addAction", "addMenu",
        "setInformativeText", "setDetailedText", "setButtonText", "setAccessibleName",
        "setAccessibleDescription", "information", "warning", "critical", "question",
        "about", "getText", "getItem", "setHtml", "setPlainText", "setFormat", "toast",
        "show_toast", "_action", "say", "_record",
    }
)  # fmt: skip
TEXT_CLASSES = frozenset(
    {
        "QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction",
        "QToolButton", "QMenu", "QTableWidgetItem", "QListWidgetItem", "QTreeWidgetItem",
        "QCommandLinkButton", "QMessageBox", "print", "Notice", "Reminder", "Detected",
        "DndDecision", "Problem", "SyncResult", "_discarded",
    }
)  # fmt: skip
# keyword arguments that carry words to the person, whatever the call (replace(reminder, body=…))
SHOWN_FIELDS = frozenset(
    {"title", "body", "message", "text", "tooltip", "label", "reason", "hint", "failure"}
)
# the positional arguments shown, for the value types that also carry keys
SHOWN_ARGS = {
    "Notice": slice(0, 2),
    "Reminder": slice(4, 6),
    "_action": slice(0, 1),
    "_record": slice(0, 1),
    "Problem": slice(2, 3),  # the calendar importer's note: (file, where, message)
    "SyncResult": slice(1, 4),  # (id, name, ok, message, …)
    "_discarded": slice(2, 3),  # (id, name, why)
}
DATA_LAST = frozenset({"addItem", "insertItem", "addRow"})
ARGPARSE = frozenset({"add_argument", "add_parser", "add_subparsers", "add_argument_group"})
ARGPARSE_WORDS = frozenset({"help", "description", "epilog", "title"})
ERROR_ROOTS = frozenset(
    {"PlannerError", "StorageError", "CliError", "CommandFailed", "GatewayError", "DndFailed"}
)
LOGGERS = frozenset({"log", "logger", "_log", "LOG", "logging", "warnings"})
WRAPPERS = frozenset(KEYWORDS)
UNTRANSLATED_MARK = "# not translated:"  # in the call's lines (or the next one), with the why


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _has_words(text: str) -> bool:
    """Two letters in a row once markup, {fields}, the program's name and URLs are gone."""
    text = re.sub(r"<[^>]*>|\{[^{}]*\}|https?://\S+|\bsplitday\b", "", text, flags=re.I)
    return re.search(r"[^\W\d_]{2,}", text) is not None


def _literals(node: ast.AST) -> list[ast.Constant]:
    """The worded string literals of an expression outside tr()/ntr()/N_()/pgettext()."""
    found: list[ast.Constant] = []

    def walk(n: ast.AST) -> None:
        if isinstance(n, ast.Call):
            name = _name(n.func)
            if name in WRAPPERS or name in {"QKeySequence", "setObjectName", "strftime"}:
                return
            if name == "join" and isinstance(n.func, ast.Attribute):  # "\n".join(lines)
                for a in n.args:
                    walk(a)
                return
            if name == "get" and isinstance(n.func, ast.Attribute):  # data.get("date"): a key
                walk(n.func.value)
                return
        if isinstance(n, ast.Constant):
            if isinstance(n.value, str) and _has_words(n.value):
                found.append(n)
            return
        if isinstance(n, ast.Subscript):  # DAYS["mon"]: the key is not shown
            walk(n.value)
            return
        if isinstance(n, ast.Compare):  # `"x" if kind == "role" else …`: a comparison
            return
        for child in ast.iter_child_nodes(n):
            walk(child)

    walk(node)
    return found


def _error_classes(trees: list[ast.Module]) -> set[str]:
    bases: dict[str, set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(_name(b) for b in node.bases)
    shown = set(ERROR_ROOTS)
    while True:
        more = {c for c, bs in bases.items() if c not in shown and bs & shown}
        if not more:
            return shown
        shown |= more


def unwrapped(root: Path = ROOT) -> list[str]:
    """Worded string literals that reach the person without tr(): `path:line: 'text'`.
    A line may say why its literal stays English with `# not translated: <why>`."""
    files = [
        p
        for package in ("planner", "ui")
        for p in sorted((root / package).rglob("*.py"))
        if "migrations" not in p.parts
    ]
    sources = {p: p.read_text(encoding="utf-8") for p in files}
    trees = {p: ast.parse(s, filename=str(p)) for p, s in sources.items()}
    errors = _error_classes(list(trees.values()))
    found: dict[str, None] = {}
    for path, tree in trees.items():
        lines = sources[path].splitlines()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            owner = node.func.value if isinstance(node.func, ast.Attribute) else None
            if owner is not None and _name(owner) in LOGGERS:
                continue  # the log is for developers, in English
            kw = [k.value for k in node.keywords]
            if name in ARGPARSE or name == "ArgumentParser":
                args = [k.value for k in node.keywords if k.arg in ARGPARSE_WORDS]
            elif not {k.arg for k in node.keywords}.isdisjoint(SHOWN_FIELDS):
                args = [k.value for k in node.keywords if k.arg in SHOWN_FIELDS]
            elif name in TEXT_METHODS or name in TEXT_CLASSES or name in errors:
                args = [*node.args, *kw]
                if name in DATA_LAST and len(node.args) >= 2:
                    args = node.args[:-1]  # addItem(text, data), addRow(label, field)
                if name in SHOWN_ARGS:
                    args = node.args[SHOWN_ARGS[name]]
            else:
                continue
            for arg in args:
                for lit in _literals(arg):
                    span = range(node.lineno - 1, (node.end_lineno or node.lineno) + 1)
                    if any(UNTRANSLATED_MARK in lines[i] for i in span if i < len(lines)):
                        continue
                    where = f"{path.relative_to(root)}:{lit.lineno}"
                    found[f"{where}: {name}: {lit.value!r}"] = None
    return list(found)


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
        found += [f"not marked for translation: {u}" for u in unwrapped()]
        print("\n".join(found) or "every catalog is complete")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
