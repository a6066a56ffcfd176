"""Calendar sources against a real database: sync, idempotent re-import, roles, busy, the plan."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner.calendars import sync as calendars
from planner.calendars.sync import Rule
from planner.domain.clock import FakeClock
from planner.domain.errors import PlannerError
from planner.domain.timerange import Interval, local_wall_time
from planner.services import planning
from planner.storage.db import Database
from planner.storage.models import CalendarSource, Occurrence

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 24)  # the conftest clock's day


def ics(*events: str, extra: str = "") -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{extra}{body}END:VCALENDAR\r\n"


def event(uid: str, summary: str, start: str, end: str, *more: str) -> str:
    lines = [
        f"UID:{uid}",
        f"SUMMARY:{summary}",
        f"DTSTART;TZID=Europe/Berlin:{start}",
        f"DTEND;TZID=Europe/Berlin:{end}",
        *more,
    ]
    return "\r\n".join(lines)


STANDUP = event(
    "s1", "Team standup", "20261124T093000", "20261124T094500", "RRULE:FREQ=DAILY;COUNT=5"
)
REVIEW = event("r1", "Design review", "20261124T140000", "20261124T150000")
LUNCH = event("l1", "Lunch", "20261125T120000", "20261125T130000", "TRANSP:TRANSPARENT")


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


def occurrences(db: Database) -> list[tuple[int, str, str, str]]:
    with db.transaction() as s:
        rows = s.execute(
            select(
                Occurrence.id, Occurrence.uid, Occurrence.recurrence_id, Occurrence.summary
            ).order_by(Occurrence.start)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def add(db: Database, location: Path | str, **kw: object) -> int:
    with db.transaction() as s:
        source, _ = calendars.add_source(s, "tester", "work", str(location), **kw)  # type: ignore[arg-type]
    return source.id


def sync(db: Database, sid: int, clock: FakeClock, **kw: object) -> calendars.SyncResult:
    with db.transaction() as s:
        return calendars.sync_source(s, "tester", sid, now=clock.now(), zone=BERLIN, **kw)  # type: ignore[arg-type]


def roles(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        return {r.name: r.id for r in planning.list_roles(s, "tester")}


def test_reimport_is_idempotent_and_tracks_changes(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    path = write(tmp_path / "work.ics", ics(STANDUP, REVIEW, LUNCH))
    sid = add(db, path)
    first = sync(db, sid, clock)
    assert first.ok and (first.added, first.updated, first.removed) == (7, 0, 0)
    before = occurrences(db)

    again = sync(db, sid, clock)
    assert again.unchanged and occurrences(db) == before

    forced = sync(db, sid, clock, force=True)
    assert (forced.added, forced.updated, forced.removed, forced.kept) == (0, 0, 0, 7)
    assert occurrences(db) == before  # same row ids: unchanged events untouched

    moved = REVIEW.replace("T140000", "T150000").replace("T150000\r\n", "T160000\r\n", 1)
    write(path, ics(STANDUP, moved))  # review moved, lunch deleted
    changed = sync(db, sid, clock)
    assert (changed.added, changed.updated, changed.removed, changed.kept) == (0, 1, 1, 5)
    assert changed.counts == "1 changed, 1 removed"  # no "+0 new", no "-0 removed"
    assert first.counts == "7 new" and forced.counts == "no changes"
    after = occurrences(db)
    assert {r[0] for r in after} < {r[0] for r in before}
    assert "Lunch" not in {r[3] for r in after}


def test_unreadable_file_changes_nothing(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    path = write(tmp_path / "work.ics", ics(STANDUP, REVIEW))
    sid = add(db, path)
    sync(db, sid, clock)
    before = occurrences(db)
    write(path, ics(STANDUP, REVIEW)[:-30])  # truncated download
    result = sync(db, sid, clock)
    assert not result.ok and "truncated" in result.message
    assert occurrences(db) == before
    with db.transaction() as s:
        status = calendars.find_source(s, "tester", "work").last_status
    assert status.startswith("error:") and "work.ics" in status
    path.unlink()
    assert not sync(db, sid, clock).ok and occurrences(db) == before


def test_one_broken_event_is_skipped_and_reported(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    broken = event("b1", "Broken", "20261124T100000", "20261124T110000", "RRULE:FREQ=SOMETIMES")
    path = write(tmp_path / "work.ics", ics(REVIEW, broken, LUNCH))
    result = sync(db, add(db, path), clock)
    assert result.ok and result.added == 2
    assert any("'b1'" in p and "Broken" in p and "work.ics" in p for p in result.problems)


def test_higher_sequence_wins_across_a_folder(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    folder = tmp_path / "cal"
    folder.mkdir()
    write(folder / "a.ics", ics(REVIEW.replace("Design review", "Review v2") + "\r\nSEQUENCE:2"))
    write(folder / "b.ics", ics(REVIEW + "\r\nSEQUENCE:1"))
    sid = add(db, folder)
    with db.transaction() as s:
        assert calendars.find_source(s, "tester", sid).kind == "folder"
    sync(db, sid, clock)
    assert [r[3] for r in occurrences(db)] == ["Review v2"]


def test_rules_default_role_and_busy_flags(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    ids = roles(db)
    extra = [
        event("c1", "Cancelled", "20261124T160000", "20261124T170000", "STATUS:CANCELLED"),
        event(
            "f1", "Focus", "20261124T080000", "20261124T090000", "X-MICROSOFT-CDO-BUSYSTATUS:FREE"
        ),
        "UID:h1\r\nSUMMARY:Holiday\r\nDTSTART;VALUE=DATE:20261126\r\nDTEND;VALUE=DATE:20261127",
        "UID:o1\r\nSUMMARY:Offsite\r\nDTSTART;VALUE=DATE:20261127\r\nTRANSP:OPAQUE",
    ]
    path = write(tmp_path / "work.ics", ics(STANDUP, REVIEW, LUNCH, *extra))
    sid = add(db, path, default_role_id=ids["Community"], rules=[Rule("STANDUP", ids["Support"])])
    sync(db, sid, clock)
    with db.transaction() as s:
        got = {
            o.summary: o
            for o in calendars.list_occurrences(
                s,
                "tester",
                Interval(clock.now() - timedelta(days=1), clock.now() + timedelta(days=7)),
            )
        }
    assert "Cancelled" not in got
    assert (
        got["Team standup"].role_id == ids["Support"]
        and got["Design review"].role_id == ids["Community"]
    )
    assert got["Team standup"].busy and got["Design review"].busy
    assert not got["Lunch"].busy and not got["Focus"].busy
    assert got["Holiday"].all_day and not got["Holiday"].busy
    assert got["Offsite"].all_day and got["Offsite"].busy
    holiday = got["Holiday"]
    assert holiday.start == datetime(2026, 11, 26, tzinfo=BERLIN).astimezone(UTC)
    assert holiday.end - holiday.start == timedelta(days=1)


def test_imported_meetings_are_busy_time_in_the_plan(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    path = write(tmp_path / "work.ics", ics(STANDUP, REVIEW, LUNCH))
    sync(db, add(db, path, default_role_id=roles(db)["Support"]), clock)
    with db.transaction() as s:
        plan, _ = planning.auto_plan(s, "tester", DAY, BERLIN)
    review = next(m for m in plan.meetings if m.summary == "Design review")
    assert review.busy and review.role_id == roles(db)["Support"]
    for slot in plan.slots:
        assert not (slot.start < review.end and slot.end > review.start)
    assert plan.slots


def test_hand_placed_slot_is_never_overwritten(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    ids = roles(db)
    with db.transaction() as s:
        slot, _ = planning.add_slot(
            s,
            "tester",
            BERLIN,
            datetime(2026, 11, 24, 13, 30, tzinfo=BERLIN),
            datetime(2026, 11, 24, 15, 0, tzinfo=BERLIN),
            ids["Community"],
            "Newsletter",
        )
    result = sync(db, add(db, write(tmp_path / "w.ics", ics(REVIEW))), clock)
    assert [(c.slot_id, c.summary) for c in result.clashes] == [(slot.id, "Design review")]
    with db.transaction() as s:
        [still] = planning.list_slots(s, "tester", DAY)
    assert still == slot


def test_window_rolls_with_the_clock(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    far = event("far", "Far away", "20270901T100000", "20270901T110000")
    path = write(tmp_path / "w.ics", ics(REVIEW, far))
    sid = add(db, path)
    sync(db, sid, clock)
    assert [r[3] for r in occurrences(db)] == ["Design review"]
    clock.advance(timedelta(weeks=20))
    result = sync(db, sid, clock)
    assert not result.unchanged
    assert [r[3] for r in occurrences(db)] == ["Far away"]  # the review fell out of the window


def test_remove_source_takes_its_events_along(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    sid = add(db, write(tmp_path / "w.ics", ics(REVIEW)))
    sync(db, sid, clock)
    with db.transaction() as s:
        calendars.remove_source(s, "tester", sid)
        assert s.scalar(select(func.count()).select_from(Occurrence)) == 0


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "ftp://example.org/a.ics", "javascript:alert(1)", "gopher://x"],
)
def test_only_http_urls_are_accepted(db: Database, location: str) -> None:
    with pytest.raises(PlannerError), db.transaction() as s:
        calendars.add_source(s, "tester", "bad", location)


def test_webcal_means_https(db: Database) -> None:
    with db.transaction() as s:
        source, _ = calendars.add_source(s, "tester", "g", "webcal://example.org/cal.ics")
    assert (source.kind, source.location) == ("url", "https://example.org/cal.ics")


def test_import_once_and_export(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    path = write(tmp_path / "team.ics", ics(REVIEW))
    result = calendars.import_database(db, "tester", str(path), now=clock.now(), zone=BERLIN)
    again = calendars.import_database(db, "tester", str(path), now=clock.now(), zone=BERLIN)
    with db.transaction() as s:
        [source] = calendars.list_sources(s, "tester")
        planning.auto_plan(s, "tester", DAY, BERLIN)
        data = calendars.export_ics(s, "tester", DAY, DAY, BERLIN, now=clock.now())
    assert result.added == 1 and again.unchanged
    assert source.name == "import: team.ics" and not source.enabled
    import icalendar

    cal = icalendar.Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    assert events and all(str(e["UID"]).startswith("slot-") for e in events)
    assert {str(e["SUMMARY"]).split(":")[0] for e in events} <= set(roles(db))


def test_a_failed_first_import_leaves_no_source_behind(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    broken = write(tmp_path / "broken.ics", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n")
    result = calendars.import_database(db, "tester", str(broken), now=clock.now(), zone=BERLIN)
    with pytest.raises(PlannerError, match="no such file"):
        calendars.import_database(
            db, "tester", str(tmp_path / "nowhere.ics"), now=clock.now(), zone=BERLIN
        )
    assert not result.ok and "truncated" in result.message
    with db.transaction() as s:
        assert calendars.list_sources(s, "tester") == []
    # a source that imported once is kept when a later import of it fails
    path = write(tmp_path / "team.ics", ics(REVIEW))
    assert calendars.import_database(db, "tester", str(path), now=clock.now(), zone=BERLIN).ok
    path.write_text("not a calendar")
    again = calendars.import_database(db, "tester", str(path), now=clock.now(), zone=BERLIN)
    assert not again.ok
    with db.transaction() as s:
        assert [x.name for x in calendars.list_sources(s, "tester")] == ["import: team.ics"]


def run_cli(db_url: str, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from planner.cli.main import main

    code = main(["--db", db_url, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_calendar_round_trip(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPLITDAY_NOW", "2026-11-24T09:00+01:00")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    from planner.domain.clock import reset_local_zone

    reset_local_zone()
    path = write(tmp_path / "work.ics", ics(STANDUP, REVIEW, LUNCH))
    code, out, _ = run_cli(
        db_url,
        "calendar",
        "add",
        "work",
        str(path),
        "--role",
        "Community",
        "--rule",
        "standup=Support",
        capsys=capsys,
    )
    assert code == 0 and "(7 new; 0 untouched)" in out
    code, out, _ = run_cli(
        db_url,
        "calendar",
        "events",
        "--from",
        "2026-11-24",
        "--to",
        "2026-11-25",
        "--json",
        capsys=capsys,
    )
    items = json.loads(out)
    assert [i["summary"] for i in items] == [
        "Team standup",
        "Design review",
        "Team standup",
        "Lunch",
    ]
    assert items[0] == {
        "summary": "Team standup",
        "start": "2026-11-24T09:30+01:00",
        "end": "2026-11-24T09:45+01:00",
        "all_day": False,
        "busy": True,
        "role": "Support",
        "source": "work",
        "location": "",
    }
    assert items[-1]["busy"] is False and items[1]["role"] == "Community"
    code, out, _ = run_cli(db_url, "calendar", "sync", capsys=capsys)
    assert (code, out.strip()) == (0, "work: unchanged")
    code, out, _ = run_cli(db_url, "calendar", "list", "--json", capsys=capsys)
    assert json.loads(out)[0]["last_status"] == "ok: unchanged"
    bad = write(tmp_path / "bad.ics", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n")
    code, _, err = run_cli(db_url, "import", str(bad), capsys=capsys)
    assert code == 1 and "bad.ics: truncated" in err
    code, out, _ = run_cli(db_url, "calendar", "rm", "work", capsys=capsys)
    assert code == 0
    code, out, _ = run_cli(
        db_url, "calendar", "events", "--from", "2026-11-24", "--json", capsys=capsys
    )
    assert json.loads(out) == []
    code, out, _ = run_cli(db_url, "export-ics", "--from", "2026-11-24", capsys=capsys)
    assert code == 0 and out.startswith("BEGIN:VCALENDAR")


@pytest.mark.parametrize(("marking", "blocks"), [("TRANSP:OPAQUE", True), ("", False)])
def test_all_day_event_blocks_the_day_only_when_marked_busy(
    db: Database, clock: FakeClock, tmp_path: Path, marking: str, blocks: bool
) -> None:
    day_off = "UID:off\r\nSUMMARY:Conference\r\nDTSTART;VALUE=DATE:20261124\r\n" + marking
    sync(db, add(db, write(tmp_path / "w.ics", ics(day_off.strip()))), clock)
    with db.transaction() as s:
        plan, _ = planning.auto_plan(s, "tester", DAY, BERLIN)
    [meeting] = plan.meetings
    assert meeting.all_day and meeting.busy is blocks
    assert (plan.slots == ()) is blocks


def test_sync_database_one_transaction_per_source(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    good = add(db, write(tmp_path / "w.ics", ics(REVIEW)))
    with db.transaction() as s:
        bad, _ = calendars.add_source(s, "tester", "broken", str(write(tmp_path / "b.ics", "x")))
    seen: list[tuple[int, int, str]] = []
    results = calendars.sync_database(
        db, "tester", now=clock.now(), zone=BERLIN, progress=lambda *a: seen.append(a)
    )
    assert {r.name: r.ok for r in results} == {"work": True, "broken": False}
    assert [s[:2] for s in seen] == [(0, 2), (1, 2), (2, 2)]
    assert [r[3] for r in occurrences(db)] == ["Design review"]
    assert good != bad.id


@pytest.mark.parametrize("style", ["outlook", "google"])
def test_plain_event_shortcut_agrees_on_generated_calendars(style: str) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from bench_calendar import generate

    from planner.calendars.parse import read

    data = [(f"{style}.ics", generate(600, style))]
    span = Interval(datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))
    quick = read(data, span, BERLIN)
    assert len(quick.occurrences) > 300
    assert quick.occurrences == read(data, span, BERLIN, fast=False).occurrences


def test_escaped_text_in_plain_events(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    text = event("e1", r"Sync\, plan\; review\\today\nroom 2", "20261124T100000", "20261124T110000")
    sync(db, add(db, write(tmp_path / "w.ics", ics(text + "\r\nLOCATION:Haus 1\\, Raum 2"))), clock)
    assert [r[3] for r in occurrences(db)] == ["Sync, plan; review\\today\nroom 2"]


def test_unchanged_file_is_not_even_read(
    db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "w.ics", ics(REVIEW))
    sid = add(db, path)
    monkeypatch.setattr(calendars, "_wall_ns", lambda: time.time_ns() + 3600 * 10**9)
    sync(db, sid, clock)

    def refuse(self: Path, *args: object, **kw: object) -> bytes:
        raise AssertionError(f"{self} was read")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    monkeypatch.setattr(Path, "open", refuse)
    monkeypatch.setattr(calendars, "_open_regular", lambda path: refuse(path))
    assert sync(db, sid, clock).unchanged
    clock.advance(timedelta(days=1))  # the window moves in 28-day steps: not yet
    assert sync(db, sid, clock).unchanged
    clock.advance(timedelta(days=calendars.WINDOW_STEP_DAYS))  # moved: read the file again
    with pytest.raises(AssertionError, match="was read"):
        sync(db, sid, clock)


def orm_occurrences(
    s: Session, window: Interval, source_id: int | None
) -> list[calendars.OccurrenceV]:
    """What the week query must return, by the plain ORM (no index floor, no raw cursor)."""
    names = {c.id: c.name for c in s.scalars(select(CalendarSource))}
    query = (
        select(Occurrence)
        .where(Occurrence.start < window.end, Occurrence.end > window.start)
        .order_by(Occurrence.start, Occurrence.id)
    )
    if source_id is not None:
        query = query.where(Occurrence.source_id == source_id)
    return [
        calendars.OccurrenceV(
            o.id,
            o.source_id,
            names[o.source_id],
            o.summary,
            o.location,
            o.start,
            o.end,
            o.all_day,
            o.busy,
            o.role_id,
        )
        for o in s.scalars(query)
    ]


@pytest.mark.parametrize("style", ["outlook", "google"])
def test_week_query_agrees_with_the_orm(
    db: Database, clock: FakeClock, tmp_path: Path, style: str
) -> None:
    """The hand-written week query returns exactly what the plain ORM query returns."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from bench_calendar import NOW, generate

    clock.set(NOW)
    sid = add(db, write(tmp_path / f"{style}.ics", generate(800, style).decode()))
    assert sync(db, sid, clock).added > 100
    now = clock.now()
    windows = [
        Interval(now, now + timedelta(days=7)),
        Interval(now - timedelta(weeks=9), now + timedelta(weeks=27)),
        Interval(now + timedelta(hours=1, minutes=7), now + timedelta(hours=5, seconds=1)),
        Interval(now - timedelta(weeks=100), now - timedelta(weeks=99)),  # nothing there
    ]
    with db.transaction() as s:
        for window in windows:
            for source_id in (None, sid, sid + 1):
                fast = calendars.list_occurrences(s, "tester", window, source_id=source_id)
                assert fast == orm_occurrences(s, window, source_id)
                for o in fast:
                    assert type(o) is calendars.OccurrenceV and o.source == "work"
                    assert o.start.tzinfo is UTC and o.end.tzinfo is UTC
                    assert type(o.all_day) is bool and type(o.busy) is bool
        assert calendars.list_occurrences(s, "tester", windows[0])


@pytest.mark.parametrize("back, ahead", [(8, 26), (0, 1), (3, 52)])
def test_the_window_covers_the_weeks_asked_for_and_moves_in_steps(
    db: Database, back: int, ahead: int
) -> None:
    with db.transaction() as s:
        planning.set_setting(s, "tester", calendars.SETTING_BACK, back)
        planning.set_setting(s, "tester", calendars.SETTING_AHEAD, ahead)
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    windows = set()
    for day in range(120):
        now = start + timedelta(days=day)
        with db.transaction() as s:
            window = calendars.rolling_window(s, "tester", now, BERLIN)
        today = now.astimezone(BERLIN).date()
        assert window.start <= local_wall_time(today - timedelta(weeks=back), 0, BERLIN)
        assert window.end >= local_wall_time(today + timedelta(weeks=ahead), 0, BERLIN)
        windows.add(window)
    assert len(windows) in (4, 5)  # 120 days: a new window every 28 days, not every day
