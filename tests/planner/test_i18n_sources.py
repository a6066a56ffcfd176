"""Every string shown goes through tr(): the checker that finds the ones that do not (so it
stays true), argparse's own words, and the newer features' words in the user's language."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from planner.domain import i18n

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_build", ROOT / "packaging" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- the checker


def test_every_shown_string_goes_through_tr(build: ModuleType) -> None:
    """No widget text, tooltip, title, argparse help, print() of the CLI, user-facing error,
    reminder or notice is an English literal outside tr() (a line may say why it stays
    English with `# not translated: <why>`)."""
    assert build.unwrapped() == []


SAMPLE = """
from planner.domain.i18n import tr


class PlannerError(Exception):
    pass


class FetchError(PlannerError):
    pass


def shown(label, parser, url, log, combo, form, field):
    label.setText("Sync now")
    label.setToolTip(tr("Sync now"))
    label.setText(f"{url}: cannot connect")
    parser.add_argument("--x", metavar="HH:MM", help="a quiet hour")
    combo.addItem(tr("just 'Busy'"), "busy")
    form.addRow("Ser&ver", field)
    log.warning("sync failed: %s", url)
    print("wrote the file")
    print(f"{url}")
    raise FetchError(f"{url} has no host name")


def quiet(key):
    QKeySequence("Ctrl+P")
    raise ValueError("naive datetime refused")
    print(f"[{key} ms]")  # not translated: a developer's timing
"""


def test_the_checker_finds_what_is_not_marked(build: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "planner").mkdir()
    (tmp_path / "ui").mkdir()
    (tmp_path / "planner" / "sample.py").write_text(SAMPLE, encoding="utf-8")
    found = build.unwrapped(tmp_path)
    assert sorted(found) == [
        "planner/sample.py:14: setText: 'Sync now'",
        "planner/sample.py:16: setText: ': cannot connect'",
        "planner/sample.py:17: add_argument: 'a quiet hour'",
        "planner/sample.py:19: addRow: 'Ser&ver'",
        "planner/sample.py:21: print: 'wrote the file'",
        "planner/sample.py:23: FetchError: ' has no host name'",
    ]


# ---------------------------------------------------------------- argparse's own words


def test_argparse_speaks_the_users_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from planner.cli.main import main

    monkeypatch.setenv("SPLITDAY_LANG", "it")
    i18n.set_language(None)
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("uso: splitday ")
    assert "\nopzioni:\n" in out
    assert "mostra questo aiuto ed esci" in out
    assert "consegna le modifiche tenute su questo dispositivo" in out  # `sync`, newer
    with pytest.raises(SystemExit) as done:
        main(["roles", "frobnicate"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "splitday roles: errore: argomento action: scelta non valida: 'frobnicate'" in err

    monkeypatch.setenv("SPLITDAY_LANG", "de")
    i18n.set_language(None)
    with pytest.raises(SystemExit):
        main(["calendar", "--help"])
    assert capsys.readouterr().out.startswith("Aufruf: splitday calendar ")


def test_argparse_stays_english_in_the_c_locale(capsys: pytest.CaptureFixture[str]) -> None:
    from planner.cli.main import main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: splitday ") and "\noptions:\n" in out


# ---------------------------------------------------------------- the newer features' words


def test_do_not_disturb_says_why_in_german() -> None:
    from planner.domain import dnd

    i18n.set_language("de")
    prefs = dnd.DndPrefs(enabled=False)
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    decision = dnd.wanted(
        prefs, now=now, state="following", slot=None, meeting=None, hard_stop=None
    )
    assert decision.reason == "Nicht stören in Fokusblöcken ist aus"
    on = dnd.wanted(
        dnd.DndPrefs(enabled=True), now=now, state="interrupted", slot=None, meeting=None,
        hard_stop=None,
    )  # fmt: skip
    assert on.reason == "in einer Unterbrechung"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Support 09:00–11:00 ends in 3 min"),
        ("de", "Support 09:00–11:00 endet in 3 Min."),
        ("fr", "Support 09:00–11:00 se termine dans 3 min"),
    ],
)
def test_a_late_slot_end_reminder_keeps_its_slot_in_every_language(
    lang: str, expected: str
) -> None:
    """The late reminder rewrites its own title: the slot's words are found again in the
    title the catalog wrote (it used to split on the English words, so in German the whole
    title was kept and "ends in 3 min" glued after it)."""
    from planner.services import reminders

    i18n.set_language(lang)
    end = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    title = i18n.tr("{slot_head} ends in {value} min").format(
        slot_head="Support 09:00–11:00", value=5
    )
    due = end - timedelta(minutes=5)
    reminder = reminders.Reminder(reminders.Kind.SLOT_END, "slot_end:1", due, end, title, "")
    now = end - timedelta(minutes=3)
    late = reminders._as_of_now(reminder, now, reminders.Prefs(), UTC, None)
    assert late.title == expected


def test_break_reminders_and_waiting_changes_in_italian() -> None:
    from planner.services import reminders
    from planner.storage.pending import OfflineState

    i18n.set_language("it")
    assert i18n.tr(reminders.BREAK_NAMES["short"]) == "Pausa breve"
    assert reminders._starts_in(0) == "inizia ora"
    assert reminders._starts_in(4) == "inizia tra 4 min"
    since = datetime(2026, 12, 7, 9, 42, tzinfo=UTC)
    state = OfflineState(offline_since=since, reason="", waiting=3, refused=1)
    assert state.describe(UTC) == (
        "non in linea dalle 09:42 — 3 modifiche in attesa — "
        "1 modifica è stata rifiutata dal server (vedi `splitday sync`)"
    )


# ---------------------------------------------------------------- right to left: the charts


def test_the_charts_time_axes_run_right_to_left_in_arabic() -> None:
    """A horizontal time axis mirrors: days, hours and weeks run from the right; the value
    axes (hours, percent) keep theirs. The vertical timeline stays top-down (tests/ui)."""
    from test_charts import _trend, _week

    from planner.review import charts

    def directions() -> dict[str, bool]:
        split = charts.build("time-split", _week(), _trend()).figure.axes[0]
        share_left, share_right = charts.build("share", _week(), _trend()).figure.axes[:2]
        heat = charts.build("interruptions", _week(), _trend()).figure.axes[0]
        adherence = charts.build("adherence", _week(), _trend()).figure.axes
        return {
            "split days": split.xaxis_inverted(),
            "split hours": split.yaxis_inverted(),
            "share percent": share_left.xaxis_inverted(),
            "share weeks": share_right.xaxis_inverted(),
            "heat hours": heat.xaxis_inverted(),
            "adherence days": all(ax.xaxis_inverted() for ax in adherence),
        }

    assert not any(directions().values())
    i18n.set_language("ar")
    assert directions() == {
        "split days": True,
        "split hours": False,
        "share percent": False,
        "share weeks": True,
        "heat hours": True,
        "adherence days": True,
    }


def test_a_calendars_stored_status_is_shown_in_the_users_language() -> None:
    """The last status stays English in the database (and `calendar list --json`); the
    Calendars dialog and `calendar list` say it in the user's language."""
    from planner.calendars.sync import status_words

    stored = [
        "never synced",
        "ok: unchanged",
        "ok: 1 events in the window",
        "ok: 6 events in the window, 2 problem(s)",
        "ok: 3 changed, 1 deleted on the server, 1 problem(s)",
        "error: webcal://x: cannot connect (refused)",
    ]
    assert [status_words(s) for s in stored] == [
        "never synced",
        "ok: unchanged",
        "ok: 1 event in the window",
        "ok: 6 events in the window, 2 problems",
        "ok: 3 changed, 1 deleted on the server, 1 problem",
        "error: webcal://x: cannot connect (refused)",
    ]
    i18n.set_language("de")
    assert [status_words(s) for s in stored] == [
        "nie synchronisiert",
        "ok: unverändert",
        "ok: 1 Termin im Zeitraum",
        "ok: 6 Termine im Zeitraum, 2 Probleme",
        "ok: 3 geändert, 1 gelöscht auf dem Server, 1 Problem",
        "Fehler: webcal://x: cannot connect (refused)",
    ]
