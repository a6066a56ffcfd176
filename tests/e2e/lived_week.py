"""The week a support specialist who also runs the community lives, Monday to Friday, written
down once: what happens when, and what the week's report must then say, computed here from the
schedule itself (never read back from the app). tests/e2e/test_week_as_lived.py lives it twice:
in the real app under X by keyboard, and at the command line."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = "2026-W49"
MONDAY = date(2026, 11, 30)
START, STOP = "09:00", "17:30"
MEETING = ("10:00", "10:30", "Team stand-up")  # every weekday, from the imported calendar
# Auto-split with the defaults (50/50, 45-minute focus blocks) around the stand-up:
PLAN = (
    ("09:00", "10:00", "Community"),
    ("10:30", "14:15", "Support"),
    ("14:15", "17:30", "Community"),
)
TASKS = (("Answer the ticket backlog", "Support"), ("Write the newsletter", "Community"))
# This person plans no fixed lunch (they take it when the queue allows, and the app asks about
# the gap), no short breaks, no longest block and no week's repayment: the plan stays the three
# blocks above, so each day's log follows from it. The default day (lunch 12:30-13:15, short
# breaks, 2 h blocks, the week's share) is lived by tests/planner/test_plan_breaks.py, not here.
SETTINGS = {
    "lunch": [None] * 7,
    "short_break_minutes": 0,
    "max_block_minutes": 24 * 60,
    "keep_week_share": False,
}


def set_the_persons_settings(db_url: str, owner: str) -> None:
    """What this person set in Settings, before their first start."""
    from planner.services import planning
    from planner.storage.db import open_database

    db = open_database(db_url)
    try:
        with db.transaction() as s:
            for key, value in SETTINGS.items():
                planning.set_setting(s, owner, key, value)
    finally:
        db.close()


RESUMPTION_COST = 23  # the default setting, minutes of focus lost per interruption

ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Splitday e2e//lived week//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:standup@e2e.splitday
DTSTAMP:20261120T120000Z
DTSTART;TZID=Europe/Berlin:20261130T100000
DTEND;TZID=Europe/Berlin:20261130T103000
RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=10
SUMMARY:Team stand-up
END:VEVENT
END:VCALENDAR
"""


@dataclass(frozen=True)
class Interruption:
    start: str
    end: str
    role: str
    who: str
    note: str

    @property
    def minutes(self) -> int:
        return minutes_between(self.start, self.end)


@dataclass(frozen=True)
class DayScript:
    """One day as lived (local HH:MM). `after_the_fact` is logged at its end with its duration
    ('took 12m'); `cross_role` is pulled into Support during the Community focus block;
    `after_stop` comes after the hard stop. Lunch is away from the desk, the laptop asleep."""

    day: date
    after_the_fact: Interruption
    lunch: tuple[str, str]
    cross_role: Interruption
    after_stop: Interruption
    close: str  # End of day: the log stops, unfinished tasks carry over


def _day(offset: int, i1: tuple[str, str, str], lunch: tuple[str, str], i2: tuple[str, str],
         i3: tuple[str, str], close: str) -> DayScript:  # fmt: skip
    return DayScript(
        MONDAY + timedelta(days=offset),
        Interruption(i1[0], i1[1], "Support", i1[2], "printer in room 2 jammed"),
        lunch,
        Interruption(i2[0], i2[1], "Support", "Bob", "customer escalation: refund"),
        Interruption(i3[0], i3[1], "Community", "Carla", "question about the release"),
        close,
    )


# Cross-role interruptions stay under 20 min: a longer one offers a re-flow of the day.
# Each day: logged after the fact (from-to who); lunch; cross-role; after the stop; End of day.
WEEK_AS_LIVED = """
11:02-11:12 Ann       12:30-13:15  15:00-15:15  17:40-17:50  17:55
11:18-11:30 Ann       12:15-13:00  14:40-14:58  17:35-17:45  17:50
10:50-10:58 Dev-team  12:45-13:30  15:30-15:42  17:31-17:38  17:45
11:40-11:55 Ann       12:30-13:00  16:00-16:19  17:50-18:05  18:10
10:35-10:40 Dev-team  13:00-13:50  14:20-14:30  17:30-17:36  17:40
"""


def _span(text: str) -> tuple[str, str]:
    start, end = text.split("-")
    return start, end


def _parse(n: int, line: str) -> DayScript:
    i1, who, lunch, i2, i3, close = line.split()
    return _day(n, (*_span(i1), who.replace("-", " ")), _span(lunch), _span(i2), _span(i3), close)


DAYS = tuple(_parse(n, line) for n, line in enumerate(WEEK_AS_LIVED.strip().splitlines()))


def minutes_between(a: str, b: str) -> int:
    (ha, ma), (hb, mb) = (map(int, a.split(":")), map(int, b.split(":")))
    return (hb * 60 + mb) - (ha * 60 + ma)


def shift(hhmm: str, minutes: int) -> str:
    h, m = map(int, hhmm.split(":"))
    total = h * 60 + m + minutes
    return f"{total // 60:02d}:{total % 60:02d}"


def local(day: date, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=BERLIN)


def moment(day: date, hhmm: str) -> str:
    """The clock file's text for a local moment."""
    return f"{day.isoformat()}T{hhmm}"


@dataclass(frozen=True)
class Row:
    """One expected row of the log (as `splitday report --csv` writes it, less the id)."""

    day: date
    start: str
    end: str
    kind: str
    role: str
    source: str = ""
    note: str = ""
    flags: str = ""

    @property
    def minutes(self) -> int:
        return minutes_between(self.start, self.end)

    def csv(self) -> dict[str, str]:
        return {
            "day": self.day.isoformat(),
            "start": local(self.day, self.start).isoformat(timespec="minutes"),
            "end": local(self.day, self.end).isoformat(timespec="minutes"),
            "minutes": f"{float(self.minutes)}",
            "kind": self.kind,
            "role": self.role,
            "source": self.source,
            "note": self.note,
            "flags": self.flags,
            "needs_review": "",
        }


def log_of(script: DayScript, *, breaks: bool = True) -> list[Row]:
    """The day's log as the schedule says it must come out: the plan followed from 09:00,
    the stand-up, each interruption cut out of the work it broke into, lunch as a break."""
    d, i1, i2, i3 = script.day, script.after_the_fact, script.cross_role, script.after_stop
    lunch_from, lunch_to = script.lunch
    support_slot, community_slot = PLAN[1], PLAN[2]
    assert support_slot[0] <= i1.start and i1.end <= lunch_from and lunch_to <= support_slot[1]
    assert community_slot[0] <= i2.start and i2.end <= STOP <= i3.start and i3.end <= script.close

    def intr(i: Interruption, flags: str) -> Row:
        return Row(d, i.start, i.end, "interruption", i.role, i.who, i.note, flags)

    rows = [
        Row(d, "09:00", "10:00", "work", "Community"),
        Row(d, MEETING[0], MEETING[1], "meeting", "Support", "calendar", MEETING[2]),
        Row(d, "10:30", i1.start, "work", "Support"),
        intr(i1, "in_focus unplanned"),
        Row(d, i1.end, lunch_from, "work", "Support"),
    ]
    if breaks:
        rows.append(Row(d, lunch_from, lunch_to, "break", "(no role)", "gap"))
    rows += [
        Row(d, lunch_to, support_slot[1], "work", "Support"),
        Row(d, community_slot[0], i2.start, "work", "Community"),
        intr(i2, "cross_role in_focus unplanned"),
        Row(d, i2.end, i3.start, "work", "Community"),
        intr(i3, "after_stop unplanned"),
        Row(d, i3.end, script.close, "work", "Community"),
    ]
    return [r for r in rows if r.minutes > 0]


def _per_role(rows: list[Row], kind: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for r in rows:
        if r.kind == kind:
            out[r.role] += r.minutes
    return dict(out)


def _overlap(a: tuple[str, str], b: tuple[str, str]) -> int:
    return max(0, minutes_between(max(a[0], b[0]), min(a[1], b[1])))


def expected_day(script: DayScript, *, breaks: bool = True) -> dict[str, object]:
    """The day's entry in `report --json`'s days, computed from the schedule."""
    rows = log_of(script, breaks=breaks)
    planned: dict[str, float] = defaultdict(float)
    for a, b, role in PLAN:
        planned[role] += minutes_between(a, b)
    slot_minutes = sum(minutes_between(a, b) for a, b, _ in PLAN)
    on_role = sum(
        _overlap((r.start, r.end), (a, b))
        for a, b, role in PLAN
        for r in rows
        if r.role == role and r.kind != "break"
    )
    overtime = sum(_overlap((r.start, r.end), (STOP, "24:00")) for r in rows if r.kind != "break")
    d = script.day
    return {
        "date": d.isoformat(),
        "weekday": d.strftime("%a"),
        "start": local(d, START).isoformat(timespec="minutes"),
        "hard_stop": local(d, STOP).isoformat(timespec="minutes"),
        "planned": dict(planned),
        "planned_meetings": {"Support": float(minutes_between(MEETING[0], MEETING[1]))},
        "worked": _per_role(rows, "work"),
        "meetings": _per_role(rows, "meeting"),
        "interruptions": _per_role(rows, "interruption"),
        "breaks": float(sum(r.minutes for r in rows if r.kind == "break")),
        "overtime": float(overtime),
        "slot_minutes": float(slot_minutes),
        "on_role_minutes": float(on_role),
        "adherence_percent": round(100 * on_role / slot_minutes, 1),
    }


def expected_week(*, breaks: bool = True) -> dict[str, object]:
    """What `report --week 2026-W49 --json` must say about the lived week (the parts the
    schedule decides: days, share, interruptions)."""
    rows = [r for s in DAYS for r in log_of(s, breaks=breaks)]
    by_role: dict[str, float] = defaultdict(float)
    for r in rows:
        if r.kind in ("work", "meeting", "interruption"):
            by_role[r.role] += r.minutes
    total = sum(by_role.values())
    interruptions = [r for r in rows if r.kind == "interruption"]
    sources: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    grid = [[0] * 24 for _ in range(7)]
    for r in interruptions:
        sources[r.source][0] += 1
        sources[r.source][1] += r.minutes
        grid[r.day.weekday()][int(r.start[:2])] += 1
    return {
        "working_minutes": float(total),
        "share": {
            role: {
                "minutes": minutes,
                "actual_percent": round(100 * minutes / total, 1),
                "target_percent": 50.0,
            }
            for role, minutes in by_role.items()
        },
        "interruptions": {
            "count": len(interruptions),
            "minutes": float(sum(r.minutes for r in interruptions)),
            "focus_lost_minutes": float(RESUMPTION_COST * len(interruptions)),
            "sources": {s: (int(c), float(m)) for s, (c, m) in sources.items()},
            "by_weekday_hour": grid,
        },
    }


def expected_csv_rows(*, breaks: bool = True) -> list[dict[str, str]]:
    return [r.csv() for s in DAYS for r in log_of(s, breaks=breaks)]
