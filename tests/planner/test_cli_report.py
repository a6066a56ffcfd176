"""`splitday report`: text, JSON, exports without a display, and CSV that cannot inject formulas."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planner.cli.main import main
from planner.review import exports
from planner.services import planning
from planner.storage.db import open_database
from planner.storage.models import Entry

BERLIN = ZoneInfo("Europe/Berlin")
ROOT = Path(__file__).resolve().parents[2]


def at(day: int, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 11, 23 + day, h, m, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def filled(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SPLITDAY_OWNER", "tester")
    monkeypatch.setenv("SPLITDAY_NOW", "2026-11-27T12:00:00+01:00")
    monkeypatch.setattr("planner.domain.clock._local_zone", BERLIN)
    db = open_database(db_url, owner="tester")
    with db.transaction() as s:
        planning.ensure_defaults(s, "tester")
        evil, _ = planning.add_role(s, "tester", "=cmd|' /C calc'!A0", target_percent=0)
        support = planning.find_role(s, "tester", "Support")
        s.add_all(
            [
                Entry(owner="tester", start=at(0, "09:00"), end=at(0, "10:00"), kind="work",
                      role_id=support.id),
                Entry(owner="tester", start=at(0, "10:00"), end=at(0, "10:10"),
                      kind="interruption", role_id=evil.id, source="=HYPERLINK(\"http://x\")",
                      note="+1 555 call"),
                Entry(owner="tester", start=at(1, "10:00"), end=at(1, "10:05"),
                      kind="interruption", role_id=support.id, source="@SUM(A1:A9)",
                      note="-2 tickets"),
            ]
        )  # fmt: skip
    db.close()
    return db_url


def test_text_report(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", filled, "report"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Week 2026-W48 (2026-11-23 to 2026-11-29, Europe/Berlin)")
    assert "Interruptions: 2 (0:15)" in out
    assert "focus lost ≈ 0:46 at 23 min each" in out


def test_json_report(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", filled, "report", "--week", "2026-W48", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["week"] == "2026-W48"
    monday = data["days"][0]
    assert monday["worked"] == {"Support": 60.0}
    assert monday["interruptions"] == {"=cmd|' /C calc'!A0": 10.0}
    assert monday["hard_stop"] == "2026-11-23T17:30+01:00"
    assert data["interruptions"]["count"] == 2
    assert data["interruptions"]["focus_lost_minutes"] == 46.0
    assert "Gloria Mark" in data["interruptions"]["resumption_cost_source"]
    assert data["share"]["Support"]["actual_percent"] == round(100 * 65 / 75, 1)
    assert len(data["trend"]["weeks"]) == 8


def test_bad_week(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", filled, "report", "--week", "48"]) == 1
    assert "not a week" in capsys.readouterr().err


def test_csv_neutralises_formulas(filled: str, tmp_path: Path) -> None:
    target = tmp_path / "week.csv"
    assert main(["--db", filled, "report", "--week", "2026-W48", "--csv", str(target)]) == 0
    with target.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["kind"] for r in rows] == ["work", "interruption", "interruption"]
    assert rows[1]["source"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["note"] == "'+1 555 call"
    assert rows[1]["role"] == "'=cmd|' /C calc'!A0"
    assert rows[2]["source"] == "'@SUM(A1:A9)"
    assert rows[2]["note"] == "'-2 tickets"
    assert rows[0]["minutes"] == "60.0" and rows[0]["start"] == "2026-11-23T09:00+01:00"
    with (tmp_path / "week-aggregates.csv").open(newline="", encoding="utf-8") as fh:
        agg = list(csv.DictReader(fh))
    cells = [v for row in agg for v in row.values()]
    assert not [c for c in cells if c and c[0] in "=+-@"]
    assert {"date": "2026-11-23", "weekday": "Mon", "role": "Support", "measure": "worked",
            "value": "60.0", "unit": "min"} in agg  # fmt: skip
    assert any(r["role"] == "'=cmd|' /C calc'!A0" for r in agg)
    assert any(r["measure"] == 'interruptions from =HYPERLINK("http://x")' for r in agg)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-x", "'-x"),
        ("@cmd", "'@cmd"),
        ("\tTAB", "'\tTAB"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (-5, -5),
        (12.5, 12.5),
        ("", ""),
    ],
)
def test_neutralise(cell: object, expected: object) -> None:
    assert exports.neutralise(cell) == expected


def test_exports_work_headless(filled: str, tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "MPLBACKEND")
    }
    env["PYTHONPATH"] = str(ROOT)
    env["TZ"] = "Europe/Berlin"
    files = {fmt: tmp_path / f"w.{fmt}" for fmt in ("png", "svg", "pdf")}
    args = ["--db", filled, "report", "--week", "2026-W48"]
    args += [x for fmt, p in files.items() for x in (f"--{fmt}", str(p))]
    code = (
        "import sys; from planner.cli.main import main; rc = main(sys.argv[1:]); "
        "assert 'PySide6' not in sys.modules, 'Qt imported'; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert files["png"].read_bytes().startswith(b"\x89PNG")
    assert files["pdf"].read_bytes().startswith(b"%PDF")
    assert b"<svg" in files["svg"].read_bytes()[:500]


def test_json_does_not_import_matplotlib(filled: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TZ="Europe/Berlin")
    code = (
        "import sys, io, contextlib; from planner.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): rc = main(sys.argv[1:])\n"
        "print(rc, 'matplotlib' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--db", filled, "report", "--json"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.split() == ["0", "False"], done.stderr


def test_chart_option_exports_one_chart(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "split.svg"
    assert main(["--db", filled, "report", "--chart", "time-split", "--svg", str(out)]) == 0
    svg = out.read_text(encoding="utf-8")
    assert "Time split per day" in svg and "Target vs actual" not in svg


def test_auto_split_option_from_the_command_line(
    filled: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--db", filled, "report", "--json"]
    assert main([*args, "--auto-split-around-interruptions", "on"]) == 0
    assert json.loads(capsys.readouterr().out)["auto_split_around_interruptions"] is True
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["auto_split_around_interruptions"] is True
    assert main([*args, "--auto-split-around-interruptions", "off"]) == 0
    assert json.loads(capsys.readouterr().out)["auto_split_around_interruptions"] is False


# ---------------------------------------------------------------- the path without the ORM


def _run_report(args: list[str]) -> tuple[str, bool]:
    """`splitday report …` in a fresh process: its stdout, and whether SQLAlchemy was imported."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TZ="Europe/Berlin")
    code = (
        "import sys, io, contextlib; from planner.cli.main import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out): rc = main(sys.argv[1:])\n"
        "assert rc == 0, rc\n"
        "sys.stdout.write(str('sqlalchemy' in sys.modules) + '\\n' + out.getvalue())"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    flag, _, out = done.stdout.partition("\n")
    return out, flag == "True"


@pytest.fixture
def sqlite_filled(filled: str) -> str:
    if not filled.startswith("sqlite:///"):
        pytest.skip("the ORM-free report path is for the SQLite file only")
    return filled


@pytest.mark.parametrize(
    "extra",
    [
        ["--json"],
        [],
        ["--week", "2026-W44", "--json"],
        ["--week", "2026-W48", "--insight-weeks", "4"],
    ],
)
def test_report_without_the_orm_prints_what_the_full_path_prints(
    sqlite_filled: str, extra: list[str]
) -> None:
    # the same database through a URL form the fast path leaves to SQLAlchemy
    full_url = sqlite_filled.replace("sqlite:///", "sqlite+pysqlite:///", 1)
    fast, fast_orm = _run_report(["--db", sqlite_filled, "report", *extra])
    full, full_orm = _run_report(["--db", full_url, "report", *extra])
    assert (fast_orm, full_orm) == (False, True)
    assert fast == full
    assert "2026-W4" in fast


def test_report_without_the_orm_falls_back_when_the_file_needs_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPLITDAY_OWNER", "tester")
    monkeypatch.setenv("SPLITDAY_NOW", "2026-11-27T12:00:00+01:00")
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    # no file yet: the full path creates it and seeds the default roles
    out, orm = _run_report(["--db", url, "report", "--json"])
    assert orm and [r["name"] for r in json.loads(out)["roles"]] == ["Support", "Community"]
    # now it exists, is current and seeded: the fast path takes it
    out2, orm2 = _run_report(["--db", url, "report", "--json"])
    assert not orm2 and out2 == out
    # another user's rows only: the defaults must be seeded first, by the full path
    monkeypatch.setenv("SPLITDAY_OWNER", "someone-else")
    out3, orm3 = _run_report(["--db", url, "report", "--json"])
    assert orm3 and json.loads(out3)["week"] == "2026-W48"


def test_report_on_a_damaged_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    assert main(["--db", f"sqlite:///{bad}", "report", "--json"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("splitday: ") and err.count("\n") == 1 and "Traceback" not in err
    assert bad.read_bytes() == b"this is not a database" * 100


def test_exports_are_private_files(
    filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exports hold the log (notes on who interrupted whom): 0600, like the database, whatever
    the umask; an older export in the way is made private too."""
    out = tmp_path / "out"
    out.mkdir()
    older = out / "w.pdf"
    older.write_bytes(b"old")
    older.chmod(0o644)
    previous = os.umask(0o022)
    try:
        args = ["--db", filled, "report", "--week", "2026-W48", "--csv", str(out / "w.csv")]
        assert main([*args, "--png", str(out / "w.png"), "--pdf", str(older)]) == 0
        assert (
            main(["--db", filled, "export-ics", "--from", "2026-11-23", "-o", str(out / "p.ics")])
            == 0
        )
    finally:
        os.umask(previous)
    capsys.readouterr()
    written = sorted(p.name for p in out.iterdir())
    assert written == ["p.ics", "w-aggregates.csv", "w.csv", "w.pdf", "w.png"]
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in out.iterdir()}
    assert set(modes.values()) == {"0o600"}, modes
    assert older.read_bytes().startswith(b"%PDF")
