"""The default day as a new user lives it (tests/e2e/test_default_day_as_lived.py): nothing
changed in Settings, so the plan has the lunch (12:30-13:15), a 5-minute break after 90 minutes
of focus, no block over 2 hours and the week's share. Written down once: the plan auto-split
must give around the imported stand-up, what happens when, and — computed here from the
schedule minute by minute, never read back from the app — what the week's report must say."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from tests.e2e.lived_week import ICS as ICS  # the stand-up, every weekday at 10:00
from tests.e2e.lived_week import minutes_between, shift

WEEK = "2026-W50"
MONDAY = date(2026, 12, 7)
TUESDAY = date(2026, 12, 8)
START, STOP = "09:00", "17:30"
MEETING = ("10:00", "10:30", "Team stand-up", "Support")
# Auto-split on the defaults (50/50, 45-minute blocks, 2 h at most, a short break after 90
# minutes of focus) around the stand-up and the lunch (docs/planning.md):
PLAN = (
    ("09:00", "10:00", "Community"),
    ("10:30", "11:15", "Support"),
    ("11:15", "12:30", "Community"),
    ("13:15", "14:45", "Community"),
    ("14:50", "16:20", "Support"),
    ("16:25", "17:30", "Support"),
)
BREAKS = (("12:30", "13:15", "lunch"), ("14:45", "14:50", "short"), ("16:20", "16:25", "short"))
TASKS = (
    ("Answer the ticket backlog", "Support"),
    ("Write the newsletter", "Community"),
    ("Moderate the forum", "Community"),
    ("Triage new tickets", "Support"),
)
DONE = "Answer the ticket backlog"  # ticked off at 11:05; the rest carries over


@dataclass(frozen=True)
class Interruption:
    start: str
    end: str
    role: str
    who: str
    note: str
    flags: str


# By the hotkey command (`splitday interrupt`), and the same command again to go back to work.
INTERRUPTIONS = (
    Interruption("10:50", "11:02", "Support", "Ann", "printer jammed", "in_focus unplanned"),
    Interruption(
        "16:40", "16:55", "Community", "Carla", "forum spam wave", "cross_role in_focus unplanned"
    ),
)
CLOSE = "17:35"  # End of day: the log stops, unfinished tasks carry over
RESUMPTION_COST = 23  # the default setting, minutes of focus lost per interruption


def _inside(minute: str, span: tuple[str, str]) -> bool:
    return span[0] <= minute < span[1]


def log_minutes() -> list[tuple[str, str, str]]:
    """(minute, kind, role) for every minute from the plan's start to the close, by the rules a
    person reads in the README: an interruption is what it is; a meeting wins over the slot
    under it; a planned break is a break (no role); a slot is work on its role; in a gap the
    work before it goes on."""
    out = []
    last = PLAN[0][2]
    minute = START
    while minute < CLOSE:
        role: str = ""
        hit = next((i for i in INTERRUPTIONS if _inside(minute, (i.start, i.end))), None)
        brk = next((b for b in BREAKS if _inside(minute, (b[0], b[1]))), None)
        slot = next((s for s in PLAN if _inside(minute, (s[0], s[1]))), None)
        if hit is not None:
            kind, role = "interruption", hit.role
        elif _inside(minute, (MEETING[0], MEETING[1])):
            kind, role = "meeting", MEETING[3]
        elif slot is not None:
            kind, role = "work", slot[2]
        elif brk is not None:
            kind = "break"
        else:
            kind, role = "work", last
        if kind == "work":
            last = role
        out.append((minute, kind, role))
        minute = shift(minute, 1)
    return out


def _by(kind: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for _, k, role in log_minutes():
        if k == kind:
            out[role] += 1
    return dict(out)


def expected_monday() -> dict[str, object]:
    """Monday's entry in `report --week 2026-W50 --json`'s days, from the schedule."""
    minutes = log_minutes()
    planned: dict[str, float] = defaultdict(float)
    for a, b, role in PLAN:
        planned[role] += minutes_between(a, b)
    slot_minutes = sum(minutes_between(a, b) for a, b, _ in PLAN)
    on_role = sum(
        1
        for minute, kind, role in minutes
        if kind != "break" and any(_inside(minute, (a, b)) and role == r for a, b, r in PLAN)
    )
    return {
        "date": MONDAY.isoformat(),
        "planned": dict(planned),
        "planned_meetings": {MEETING[3]: float(minutes_between(MEETING[0], MEETING[1]))},
        "worked": _by("work"),
        "meetings": _by("meeting"),
        "interruptions": _by("interruption"),
        "breaks": float(sum(1 for _, k, _ in minutes if k == "break")),
        "breaks_planned": len(BREAKS),
        "breaks_skipped": 0,  # each taken as planned: no work was logged in them
        "overtime": float(sum(1 for m, k, _ in minutes if k != "break" and m >= STOP)),
        "slot_minutes": float(slot_minutes),
        "on_role_minutes": float(on_role),
        "adherence_percent": round(100 * on_role / slot_minutes, 1),
    }


def working_minutes() -> dict[str, float]:
    """Each role's working time (work, meetings, interruptions): breaks are not work."""
    out: dict[str, float] = defaultdict(float)
    for _, kind, role in log_minutes():
        if kind != "break":
            out[role] += 1
    return dict(out)


def behind_after_monday() -> tuple[str, int]:
    """The role behind its 50 % after Monday, and by how many minutes (the week's share)."""
    worked = working_minutes()
    total = sum(worked.values())
    role = min(worked, key=lambda r: worked[r])
    return role, round(total / 2 - worked[role])


def expected_week() -> dict[str, object]:
    worked = working_minutes()
    total = sum(worked.values())
    cost = RESUMPTION_COST * len(INTERRUPTIONS)
    return {
        "working_minutes": float(total),
        "share": {
            role: {
                "minutes": m,
                "actual_percent": round(100 * m / total, 1),
                "target_percent": 50.0,
            }
            for role, m in worked.items()
        },
        "interruptions": (
            len(INTERRUPTIONS),
            float(sum(minutes_between(i.start, i.end) for i in INTERRUPTIONS)),
            float(cost),
        ),
        "sources": {i.who: (1, float(minutes_between(i.start, i.end))) for i in INTERRUPTIONS},
    }
