"""A realistic synthetic history (plans, actual time, interruptions) for demos and benchmarks."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from planner.domain import scheduling
from planner.domain.errors import PlannerError
from planner.domain.i18n import tr
from planner.domain.timerange import Interval, local_wall_time
from planner.domain.values import RoleV
from planner.services import planning
from planner.storage.models import CalendarSource, Day, Entry, Occurrence, Slot, Task

SOURCES = (("chat", 45), ("email", 22), ("phone", 15), ("Maria", 8), ("Tom", 6), ("walk-in", 4))
NOTES = {
    "chat": ("customer asks about invoice", "login problem", "quick question", "bug report"),
    "email": ("urgent ticket escalated", "partner request", "refund request"),
    "phone": ("printer down", "customer call", "VIP customer"),
    "Maria": ("forum post needs an answer", "event logistics"),
    "Tom": ("release question", "needs a review"),
    "walk-in": ("colleague needs help", "hallway question"),
}
TASKS = {
    0: ("Answer the ticket backlog", "Update the FAQ", "Escalation follow-up", "Triage new bugs"),
    1: ("Write the newsletter", "Moderate the forum", "Plan the meetup", "Welcome new members"),
}


@dataclass(frozen=True)
class DemoStats:
    days: int
    slots: int
    entries: int
    interruptions: int
    tasks: int


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _interruption_minute(rng: random.Random, weekday: int) -> int:
    """Minutes after 09:00; Mon–Wed cluster 10:00–11:00, otherwise spread over the day."""
    if weekday <= 2 and rng.random() < 0.55:
        return 60 + rng.randrange(60)
    if rng.random() < 0.3:
        return 240 + rng.randrange(60)  # after lunch
    return rng.randrange(8 * 60)


@dataclass
class _Demo:
    """What every generated day needs, and the rows gathered for one bulk insert at the end."""

    session: Session
    owner: str
    zone: tzinfo
    now: datetime
    today: date
    rng: random.Random
    roles: list[RoleV]
    source_id: int
    entries: list[dict[str, Any]] = field(default_factory=list)
    occurrences: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    days: int = 0
    slots: int = 0
    interruptions: int = 0

    @property
    def support(self) -> RoleV:
        return self.roles[0]

    @property
    def community(self) -> RoleV:
        return self.roles[1]


def generate(
    session: Session,
    owner: str,
    zone: tzinfo,
    now: datetime,
    *,
    weeks: int,
    seed: int = 7,
    force: bool = False,
) -> DemoStats:
    if not 1 <= weeks <= 520:
        raise PlannerError(tr("--weeks is between 1 and 520"))
    existing = session.scalar(select(func.count()).select_from(Entry).where(Entry.owner == owner))
    if existing and not force:
        raise PlannerError(
            tr(
                "the database already holds {existing} entries; use a fresh one (--db) or --force"
            ).format(existing=existing)
        )
    planning.ensure_defaults(session, owner)
    roles = planning.list_roles(session, owner)
    if len(roles) < 2:
        raise PlannerError(tr("the demo needs at least two roles"))
    source = CalendarSource(
        owner=owner, name=f"Demo team calendar {seed}", kind="file", location="(demo)"
    )
    session.add(source)
    session.flush()
    today = planning.day_of(session, owner, now, zone)
    demo = _Demo(session, owner, zone, now, today, random.Random(seed), roles, source.id)
    day = today - timedelta(days=weeks * 7 - 1)
    while day <= today:
        if day.weekday() < 5:
            _workday(demo, day)
        day += timedelta(days=1)
    _merge_adjacent(demo.entries)
    for model, rows in ((Occurrence, demo.occurrences), (Task, demo.tasks), (Entry, demo.entries)):
        if rows:
            session.execute(insert(model), rows)
    session.flush()
    return DemoStats(demo.days, demo.slots, len(demo.entries), demo.interruptions, len(demo.tasks))


def _workday(demo: _Demo, day: date) -> None:
    """One workday: its hours, meetings, auto-split slots, tasks, interruptions and the log."""
    rng, zone = demo.rng, demo.zone
    demo.days += 1
    stop_minute = 17 * 60 + 30 + (rng.choice((0, 0, 0, -30, 30)))
    start = local_wall_time(day, 9 * 60, zone)
    stop = local_wall_time(day, stop_minute, zone)
    demo.session.add(Day(owner=demo.owner, day=day, start=start, stop=stop, started_at=start))
    busy = _meetings(demo, day)
    lunch = Interval(local_wall_time(day, 12 * 60 + 30, zone), local_wall_time(day, 13 * 60, zone))
    busy.append(scheduling.Busy(lunch, None, is_work=False))
    blocks = scheduling.auto_split(
        Interval(start, stop),
        busy,
        [scheduling.RoleTarget(r.id, r.target_percent) for r in demo.roles],
        timedelta(minutes=45),
    )
    slot_rows = [
        Slot(
            owner=demo.owner,
            day=day,
            start=b.start,
            end=b.end,
            role_id=b.role_id,
            origin="auto",
            pinned=False,
        )
        for b in blocks
    ]
    demo.session.add_all(slot_rows)
    demo.slots += len(slot_rows)
    demo.session.flush()
    demo.tasks.extend(_tasks(demo, day, start, slot_rows))
    end_of_work, intervals = _interruptions(demo, day.weekday(), start, stop, stop_minute)
    _log(demo, day, Interval(start, stop), end_of_work, lunch, busy, blocks, intervals)


def _meetings(demo: _Demo, day: date) -> list[scheduling.Busy]:
    """The daily stand-up, and Thursday's community sync, as occurrences and busy time."""
    zone = demo.zone
    meetings = [
        (local_wall_time(day, 9 * 60 + 30, zone), 15, "Stand-up", demo.support.id, "standup")
    ]
    if day.weekday() == 3:
        meetings.append(
            (local_wall_time(day, 14 * 60, zone), 60, "Community sync", demo.community.id, "sync")
        )
    busy = []
    for m_start, minutes, summary, role_id, uid in meetings:
        m_end = m_start + timedelta(minutes=minutes)
        busy.append(scheduling.Busy(Interval(m_start, m_end), role_id))
        demo.occurrences.append(
            dict(
                owner=demo.owner,
                source_id=demo.source_id,
                uid=f"demo-{uid}@splitday",
                recurrence_id=m_start.strftime("%Y%m%dT%H%M%SZ"),
                summary=summary,
                location="",
                start=m_start,
                end=m_end,
                all_day=False,
                busy=True,
                role_id=role_id,
                sequence=0,
                fingerprint="",
            )
        )
    return busy


def _tasks(demo: _Demo, day: date, start: datetime, slot_rows: list[Slot]) -> list[dict[str, Any]]:
    """Three to five prioritised tasks, most of them done on past days, fitted into the slots."""
    rng = demo.rng
    day_tasks: list[dict[str, Any]] = []
    for i in range(rng.randint(3, 5)):
        role = demo.support if rng.random() < 0.5 else demo.community
        done = day < demo.today and rng.random() < 0.8
        day_tasks.append(
            dict(
                owner=demo.owner,
                title=rng.choice(TASKS[0 if role is demo.support else 1]),
                role_id=role.id,
                day=day,
                priority=i + 1,
                estimate_minutes=rng.choice((15, 30, 45, 60, 90)),
                status="done" if done else "open",
                carried_over=0,
                created_at=start,
                done_at=start + timedelta(hours=rng.randint(1, 7)) if done else None,
            )
        )
    fit = scheduling.fit_tasks(
        [
            scheduling.TaskNeed(i, t["role_id"], t["estimate_minutes"])
            for i, t in enumerate(day_tasks)
        ],
        [scheduling.SlotCapacity(r.id, r.role_id, r.start, r.end) for r in slot_rows],
    )
    for index, task in enumerate(day_tasks):
        task["slot_id"] = fit.placed.get(index)
    return day_tasks


Picked = tuple[datetime, datetime, str, str]  # start, end, source, note


def _interruptions(
    demo: _Demo, weekday: int, start: datetime, stop: datetime, stop_minute: int
) -> tuple[datetime, list[Picked]]:
    """When work really ended (some overtime) and the day's interruptions in a daily pattern."""
    rng = demo.rng
    count = max(0, round(rng.gauss(6 if weekday <= 2 else 3, 1.5)))
    picks = sorted(_interruption_minute(rng, weekday) for _ in range(count))
    overtime = rng.choice((0, 0, 0, 0, 15, 25, 40, 60))
    end_of_work = stop + timedelta(minutes=overtime)
    if overtime and rng.random() < 0.5:
        picks.append(stop_minute - 9 * 60 + rng.randrange(max(overtime - 5, 1)))
    intervals: list[Picked] = []
    cursor = start
    for minute in picks:
        i_start = max(start + timedelta(minutes=minute), cursor)
        i_end = i_start + timedelta(minutes=max(2, round(rng.lognormvariate(2.2, 0.6))))
        if i_end >= end_of_work:
            break
        src = _weighted(rng, SOURCES)
        intervals.append((i_start, i_end, src, rng.choice(NOTES[src])))
        cursor = i_end
    return end_of_work, intervals


def _log(
    demo: _Demo,
    day: date,
    hours: Interval,
    end_of_work: datetime,
    lunch: Interval,
    busy: list[scheduling.Busy],
    blocks: list[scheduling.Block],
    intervals: list[Picked],
) -> None:
    """The day's actual log: work following the slots, meetings, lunch and the interruptions."""
    start, stop = hours.start, hours.end
    entries, owner = demo.entries, demo.owner
    limit = demo.now if day == demo.today else end_of_work
    meeting_iv = [(b.interval, b.role_id) for b in busy if b.is_work]

    def slot_role(moment: datetime) -> int | None:
        return next((b.role_id for b in blocks if b.start <= moment < b.end), None)

    cuts = sorted(
        {start, end_of_work, lunch.start, lunch.end}
        | {b.start for b in blocks}
        | {iv.start for iv, _ in meeting_iv}
        | {iv.end for iv, _ in meeting_iv}
        | {x for iv in intervals for x in iv[:2]}
    )
    for a, b in itertools.pairwise(cuts):
        if a >= limit or b <= start or a >= end_of_work:
            continue
        b = min(b, limit, end_of_work)
        hit = next((iv for iv in intervals if iv[0] <= a < iv[1]), None)
        meeting = next((r for iv, r in meeting_iv if iv.start <= a < iv.end), None)
        planned = slot_role(a)
        running = day == demo.today and b >= limit
        if hit is not None:
            role_id = demo.support.id if demo.rng.random() < 0.8 else demo.community.id
            demo.interruptions += 1
            entries.append(
                dict(
                    owner=owner,
                    start=a,
                    end=None if running else b,
                    kind="interruption",
                    role_id=role_id,
                    note=hit[3],
                    source=hit[2],
                    follows_plan=False,
                    flag_unplanned=True,
                    flag_cross_role=planned is not None and planned != role_id,
                    flag_in_focus=planned is not None,
                    flag_after_stop=a >= stop,
                    needs_review=False,
                )
            )
        elif lunch.start <= a < lunch.end:
            entries.append(dict(owner=owner, start=a, end=b, kind="break", note="", source=""))
        else:
            role_id = meeting or planned or (entries[-1]["role_id"] if entries else demo.support.id)
            entries.append(
                dict(
                    owner=owner,
                    start=a,
                    end=None if running else b,
                    kind="meeting" if meeting else "work",
                    role_id=role_id,
                    note="",
                    source="",
                    follows_plan=meeting is None and planned is not None,
                )
            )


def _merge_adjacent(entries: list[dict[str, Any]]) -> None:
    """Join consecutive work entries of the same role (the cuts made them finer than real)."""
    out: list[dict[str, Any]] = []
    for e in entries:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev["kind"] == e["kind"] == "work"
            and prev["role_id"] == e["role_id"]
            and prev["end"] == e["start"]
        ):
            prev["end"] = e["end"]
            continue
        out.append(e)
    entries[:] = out
