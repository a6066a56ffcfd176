"""Translations and locale formats: complete catalogs, placeholders kept, plural forms, times,
weeks and numbers per locale, and the command line in Italian."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest

from planner.domain import i18n, localefmt
from planner.domain.flags import in_words

ROOT = Path(__file__).resolve().parents[2]
BERLIN = ZoneInfo("Europe/Berlin")


def _build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_build", ROOT / "packaging" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build() -> ModuleType:
    return _build()


@pytest.fixture(scope="module")
def template(build: ModuleType) -> object:
    return build.extract()


# ---------------------------------------------------------------- the catalogs


@pytest.mark.parametrize("lang", i18n.SHIPPED)
def test_every_source_string_is_translated_with_its_placeholders(
    build: ModuleType, template: object, lang: str
) -> None:
    assert build.problems(lang, template) == []


def test_the_source_holds_the_strings_of_every_layer(template: object) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}  # type: ignore[attr-defined]
    assert len(ids) > 500
    for probe in (
        "&Plan my day…",  # the main window's menu
        "What happened?",  # the quick log
        "Splitday settings",  # a dialog
        "pulled into {role} during a {planned} focus block",  # the core's words
        "a role needs a name",  # a service's refusal
        "interruption logged at {time} ({detail})",  # the command line
        "Top sources",  # the charts
    ):
        assert probe in ids, probe


def test_the_check_fails_on_a_missing_or_broken_translation(
    build: ModuleType, template: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The completeness test is real: drop a translation, change a placeholder, lose an
    accelerator, and each is reported."""
    shutil.copytree(build.LOCALE / "it", tmp_path / "it")
    po = tmp_path / "it" / "LC_MESSAGES" / "splitday.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "aggiunto il ruolo {name} (id {id})"', 'msgstr "ruolo {nome}"')
    text = text.replace('msgstr "Cos\'è successo?"', 'msgstr ""')
    text = text.replace('msgstr "&Pianifica la giornata…"', 'msgstr "Pianifica la giornata…"')
    po.write_text(text, encoding="utf-8")
    monkeypatch.setattr(build, "LOCALE", tmp_path)
    found = "\n".join(build.problems("it", template))
    assert "placeholders ['nome'] != ['id', 'name']: 'added role {name} (id {id})'" in found
    assert "untranslated: 'What happened?'" in found
    assert "accelerator lost: '&Plan my day…'" in found


def test_the_pseudo_locale_is_forty_percent_longer(build: ModuleType, template: object) -> None:
    catalog = build.pseudo(template)
    message = catalog.get("Interruption &log…")
    assert message.string.startswith("[Interruption &log…") and message.string.endswith("]")
    assert len(message.string) >= 1.4 * len("Interruption &log…")


# ---------------------------------------------------------------- choosing the language


def test_the_language_comes_from_splitday_lang_then_the_system() -> None:
    assert i18n.requested({"SPLITDAY_LANG": "it", "LANG": "de_DE.UTF-8"}) == ["it"]
    assert i18n.requested({"LANG": "de_DE.UTF-8"}) == ["de_DE"]
    assert i18n.requested({"LANGUAGE": "fr:es", "LANG": "de_DE.UTF-8"}) == ["fr", "es", "de_DE"]
    assert i18n.requested({"LC_ALL": "es_ES.UTF-8@euro", "LANG": "de_DE"}) == ["es_ES"]
    assert i18n.requested({"LC_MESSAGES": "it_IT", "LANG": "de_DE"}) == ["it_IT"]
    assert i18n.requested({"LANG": "C.UTF-8", "LANGUAGE": "it"}) == []  # C: English
    assert i18n.requested({}) == []
    # formats follow LC_TIME (a German UI with American times is a real configuration)
    env = {"LANG": "de_DE.UTF-8", "LC_TIME": "en_US.UTF-8"}
    assert i18n.format_locale(env) == "en_US"
    assert i18n.requested(env) == ["de_DE"]
    assert i18n.format_locale({"LANG": "C.UTF-8"}) == ""
    assert i18n.is_rtl({"SPLITDAY_LANG": "ar"}) and i18n.is_rtl({"LANG": "he_IL.UTF-8"})
    assert not i18n.is_rtl({"LANG": "it_IT.UTF-8"})


def test_a_system_locale_picks_its_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    i18n.set_language(None)
    assert i18n.language() == "de"
    assert i18n.tr("&Plan my day…") == "Meinen Tag &planen…"
    monkeypatch.setenv("SPLITDAY_LANG", "fr_CA")  # no fr_CA catalog: French
    i18n.set_language(None)
    assert i18n.tr("Top sources") == "Principales sources"
    monkeypatch.setenv("SPLITDAY_LANG", "ar")  # no Arabic catalog: English words
    i18n.set_language(None)
    assert i18n.language() == "en" and i18n.tr("Top sources") == "Top sources"


# ---------------------------------------------------------------- plural forms


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("it", 1, "1 interruzione"),
        ("it", 2, "2 interruzioni"),
        ("de", 1, "1 Unterbrechung"),
        ("de", 5, "5 Unterbrechungen"),
        ("fr", 0, "0 interruption"),  # French counts 0 as singular
        ("fr", 2, "2 interruptions"),
        ("es", 1, "1 interrupción"),
        ("es", 3, "3 interrupciones"),
        ("en", 1, "1 interruption"),
        ("en", 0, "0 interruptions"),
    ],
)
def test_plural_forms(lang: str, n: int, expected: str) -> None:
    i18n.set_language(lang)
    assert i18n.ntr("{n} interruption", "{n} interruptions", n).format(n=n) == expected


def test_the_core_words_in_italian() -> None:
    i18n.set_language("it")
    every = {"unplanned", "cross_role", "in_focus", "after_stop"}
    assert in_words(every, "Community", "Support") == (
        "chiamato su Community durante un blocco di concentrazione Support, dopo la fine tassativa"
    )
    i18n.set_language("de")
    assert in_words({"after_stop"}) == "nach dem Feierabend"


# ---------------------------------------------------------------- formats per locale

AFTERNOON = datetime(2026, 12, 7, 13, 5, tzinfo=UTC)  # 14:05 in Berlin, a Monday


def test_en_us_has_a_12_hour_clock_and_sunday_weeks() -> None:
    assert localefmt.clock(AFTERNOON, BERLIN, locale="en_US") == "2:05\u202fPM"
    assert localefmt.uses_12_hour("en_US")
    assert localefmt.first_weekday("en_US") == 6  # Sunday
    assert localefmt.short_day(date(2026, 12, 7), "en_US") == "Mon, Dec 7"
    assert localefmt.decimal(12.5, 1, "en_US") == "12.5"


@pytest.mark.parametrize(
    ("locale", "day", "weekday", "number"),
    [
        ("de_DE", "Mo., 7. Dez.", "Mo.", "12,5"),
        ("it_IT", "lun 7 dic", "lun", "12,5"),
        ("fr_FR", "lun. 7 déc.", "lun.", "12,5"),
        ("es_ES", "lun, 7 dic", "lun", "12,5"),
    ],
)
def test_european_locales_have_24_hours_and_monday_weeks(
    locale: str, day: str, weekday: str, number: str
) -> None:
    assert localefmt.clock(AFTERNOON, BERLIN, locale=locale) == "14:05"
    assert not localefmt.uses_12_hour(locale)
    assert localefmt.first_weekday(locale) == 0
    assert localefmt.short_day(date(2026, 12, 7), locale) == day
    assert localefmt.weekday_name(0, locale=locale) == weekday
    assert localefmt.decimal(12.5, 1, locale) == number


def test_arabic_has_its_own_clock_and_a_saturday_week() -> None:
    assert localefmt.clock(time(14, 5), locale="ar") == "2:05 م"
    assert localefmt.first_weekday("ar") == 5  # Saturday (ar_EG)
    assert localefmt.weekday_name(0, "wide", "ar") == "الاثنين"


def test_the_c_locale_keeps_the_programs_own_formats() -> None:
    assert localefmt.clock(AFTERNOON, BERLIN, locale="") == "14:05"
    assert localefmt.short_day(date(2026, 12, 7), "") == "Mon 07 Dec"
    assert localefmt.first_weekday("") == 0
    assert localefmt.decimal(12.5, 1, "") == "12.5"


# ---------------------------------------------------------------- the command line in Italian


def test_the_command_line_speaks_italian(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from planner.cli.main import main

    monkeypatch.setenv("SPLITDAY_LANG", "it")
    monkeypatch.setenv("SPLITDAY_NOW", "2026-12-07T10:20")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    monkeypatch.setattr("planner.domain.clock._local_zone", None)
    i18n.set_language(None)
    assert main(["--db", db_url, "plan", "--auto"]) == 0
    plan = capsys.readouterr().out
    assert plan.startswith("lun 7 dic 2026  09:00–17:30"), plan
    assert main(["--db", db_url, "interrupt", "stampante", "--source", "telefono"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("interruzione registrata alle 10:20 ("), out
    assert main(["--db", db_url, "status"]) == 0
    status = capsys.readouterr().out
    assert "2026-12-07  ora 10:20  fine tassativa 17:30" in status
    assert "in corso: interruzione " in status
    assert "oggi:     1 interruzione, 0 min" in status
    assert main(["--db", db_url, "resume"]) == 0
    assert capsys.readouterr().out.startswith("di nuovo al lavoro: ")
    assert (
        main(["--db", db_url, "slot", "add", "today", "25:00-26:00", "Support"]) == 2
    )  # a usage error
    err = capsys.readouterr().err
    assert err == "splitday: una fascia inizia nel suo giorno: '25:00' è dopo mezzanotte\n"


def test_csv_exports_keep_a_machine_form_and_add_the_locales(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from planner.cli.main import main

    monkeypatch.setenv("SPLITDAY_LANG", "de_DE")
    monkeypatch.setenv("SPLITDAY_NOW", "2026-12-07T11:20")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    monkeypatch.setattr("planner.domain.clock._local_zone", None)
    i18n.set_language(None)
    assert main(["--db", db_url, "interrupt", "x", "--duration", "10m"]) == 0
    target = tmp_path / "week.csv"
    assert main(["--db", db_url, "report", "--iso", "--csv", str(target)]) == 0
    capsys.readouterr()
    machine = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()))
    local_text = (tmp_path / "week-de_DE.csv").read_text(encoding="utf-8")
    local = list(csv.DictReader(local_text.splitlines(), delimiter=";"))
    assert [r["minutes"] for r in machine] == ["10.0"]
    assert [r["minutes"] for r in local] == ["10,0"]
    assert (tmp_path / "week-aggregates.csv").exists()
    assert (tmp_path / "week-aggregates-de_DE.csv").read_text(encoding="utf-8").count(";") > 10


def test_no_translation_call_hides_inside_an_f_string() -> None:
    """On Python 3.11 an f-string is one token: a tr() inside it is never extracted, so its
    message would be missing from every catalog without the completeness test noticing."""
    import ast

    found = []
    for folder in ("planner", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FormattedValue):
                    for inner in ast.walk(node.value):
                        if (
                            isinstance(inner, ast.Call)
                            and isinstance(inner.func, ast.Name)
                            and inner.func.id in ("tr", "ntr")
                        ):
                            found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert found == []
