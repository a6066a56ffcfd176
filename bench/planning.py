"""Planning benchmark (issue 16): today's rule against the plan a person would make.

1 000 generated days (Europe/Berlin, DST days among them): a window of 7-10 hours, 0-6
meetings (some with a role), two or three roles with random shares, 3-10 tasks with estimates,
priorities and, for some, a deadline. Both configurations run through the same pure code in
planner/domain/scheduling.py:

- old: `plan_blocks` with the rhythm off and no lunch (today's default day) + `fit_tasks`
  (earliest slot with room, by priority): exactly today's auto-split (tests/planner/
  test_plan_rhythm.py checks the rhythm-off output against `auto_split` block for block);
- new: lunch 12:30-13:15, short breaks of 5 min after 90 min, a longest block of 90 min for
  role 1 (support) and 120 min for the others, alternation, `sequence_tasks` (strictly by
  priority, spanning slots, deadlines first).

Run: python bench/planning.py [--days 1000] [--seed 16]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.domain import scheduling as sch  # noqa: E402
from planner.domain.timerange import Interval, local_wall_time  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
MIN_BLOCK = timedelta(minutes=45)
MAX = {1: 90, 2: 120, 3: 120}


@dataclass
class Day:
    window: Interval
    lunch: Interval
    meetings: list[sch.Busy]
    targets: list[sch.RoleTarget]
    tasks: list[sch.TaskItem]


def generate(rng: random.Random, n: int) -> list[Day]:
    days: list[Day] = []
    first = date(2026, 1, 5)
    for i in range(n):
        day = first + timedelta(days=i % 364)
        start = rng.choice([7 * 60 + 30, 8 * 60, 8 * 60 + 30, 9 * 60])
        stop = start + rng.choice([7, 8, 8.5, 9, 10]) * 60
        window = Interval(local_wall_time(day, start, ZONE), local_wall_time(day, int(stop), ZONE))
        lunch = Interval(local_wall_time(day, 750, ZONE), local_wall_time(day, 795, ZONE))
        roles = [1, 2, 3][: rng.choice([2, 2, 3])]
        targets = [sch.RoleTarget(r, rng.choice([20, 30, 40, 50, 60])) for r in roles]
        meetings = []
        for _ in range(rng.choice([0, 1, 1, 2, 3, 4, 6])):
            a = rng.randrange(start, int(stop) - 30, 15)
            length = rng.choice([15, 30, 30, 60, 90])
            meetings.append(
                sch.Busy(
                    Interval(local_wall_time(day, a, ZONE), local_wall_time(day, a + length, ZONE)),
                    rng.choice([None, *roles]),
                )
            )
        tasks = []
        for t in range(rng.randrange(3, 11)):
            due = None
            if rng.random() < 0.3:
                due = local_wall_time(day, rng.randrange(start + 60, int(stop), 15), ZONE)
            tasks.append(
                sch.TaskItem(
                    t + 1,
                    rng.choice(roles),
                    rng.choice([15, 30, 30, 45, 60, 90, 120]),
                    rng.randrange(1, 10),
                    due,
                )
            )
        days.append(Day(window, lunch, meetings, targets, tasks))
    return days


@dataclass
class Figures:
    share_error: list[float] = field(default_factory=list)
    over_max: int = 0
    blocks: int = 0
    inversions: int = 0
    misses: int = 0
    deadlines: int = 0
    breaks: int = 0
    breaks_kept: int = 0
    ms: list[float] = field(default_factory=list)


def _old_placements(
    day: Day, blocks: tuple[sch.Block, ...]
) -> dict[int, tuple[datetime, datetime]]:
    """Where today's fit puts each task: its slot, after the tasks placed there before it."""
    slots = [sch.SlotCapacity(i, b.role_id, b.start, b.end) for i, b in enumerate(blocks)]
    order = sorted(day.tasks, key=lambda t: (t.priority, t.task_id))
    fit = sch.fit_tasks([sch.TaskNeed(t.task_id, t.role_id, t.minutes) for t in order], slots)
    cursor = {s.slot_id: s.start for s in slots}
    out: dict[int, tuple[datetime, datetime]] = {}
    for t in order:
        if t.task_id in fit.placed:
            slot = fit.placed[t.task_id]
            begin = cursor[slot]
            cursor[slot] = begin + timedelta(minutes=t.minutes)
            out[t.task_id] = (begin, cursor[slot])
    return out


def measure(day: Day, new: bool, figures: Figures) -> None:
    busy = list(day.meetings)
    rhythm = None
    if new:
        busy.append(sch.Busy(day.lunch, None, is_work=False))
        roles = [t.role_id for t in day.targets]
        rhythm = sch.Rhythm(
            max_block={r: timedelta(minutes=MAX[r]) for r in roles},
            short_break=timedelta(minutes=5),
            focus_before_break=timedelta(minutes=90),
            alternate=True,
        )
    t0 = time.thread_time()  # CPU time of this thread: the machine's load does not count
    plan = sch.plan_blocks(day.window, busy, day.targets, MIN_BLOCK, rhythm=rhythm)
    if new:
        slots = [sch.SlotCapacity(i, b.role_id, b.start, b.end) for i, b in enumerate(plan.blocks)]
        seq = sch.sequence_tasks(day.tasks, slots)
        placed = {t: (p.segments[0].start, p.end) for t, p in seq.placements.items()}
    else:
        placed = _old_placements(day, plan.blocks)
    figures.ms.append((time.thread_time() - t0) * 1000)

    # share error: each role's planned working minutes against its share of them
    total_w = sum(t.share for t in day.targets)
    minutes = {t.role_id: 0.0 for t in day.targets}
    for b in plan.blocks:
        minutes[b.role_id] += b.interval.minutes
    for m in day.meetings:
        c = m.interval.clip(day.window)
        if m.role_id in minutes and c is not None:
            minutes[m.role_id] += c.minutes
    work = sum(minutes.values())
    figures.share_error.append(
        max(abs(minutes[t.role_id] - work * t.share / total_w) for t in day.targets)
    )
    figures.blocks += len(plan.blocks)
    figures.over_max += sum(1 for b in plan.blocks if b.interval.minutes > MAX[b.role_id])
    # priority inversions: a higher-priority task (no deadline) starting after a lower one
    by_id = {t.task_id: t for t in day.tasks}
    plain = [t for t in day.tasks if t.due is None and t.task_id in placed]
    for a in plain:
        for b in plain:
            if a.role_id == b.role_id and (a.priority, a.task_id) < (b.priority, b.task_id):
                figures.inversions += placed[a.task_id][0] > placed[b.task_id][0]
    for t in by_id.values():
        if t.due is not None:
            figures.deadlines += 1
            figures.misses += t.task_id not in placed or placed[t.task_id][1] > t.due
    # breaks honoured: the person's lunch (and the short breaks the new rule plans)
    wanted = [day.lunch, *plan.breaks]
    figures.breaks += len(wanted)
    figures.breaks_kept += sum(
        1 for w in wanted if not any(b.interval.overlaps(w) for b in plan.blocks)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    days = generate(random.Random(args.seed), args.days)
    results = {}
    for name, new in (("today's rule", False), ("new rule", True)):
        figures = Figures()
        for day in days:
            measure(day, new, figures)
        results[name] = figures
    rows = [
        ("share error, mean (min)", lambda f: f"{statistics.mean(f.share_error):.1f}"),
        (
            "share error, p95 (min)",
            lambda f: f"{statistics.quantiles(f.share_error, n=20)[-1]:.1f}",
        ),
        ("blocks per day", lambda f: f"{f.blocks / args.days:.2f}"),
        ("blocks over their maximum", lambda f: f"{f.over_max} of {f.blocks}"),
        ("priority inversions", lambda f: f"{f.inversions}"),
        ("deadline misses", lambda f: f"{f.misses} of {f.deadlines}"),
        ("breaks honoured", lambda f: f"{f.breaks_kept} of {f.breaks}"),
        ("CPU time per day, mean (ms)", lambda f: f"{statistics.mean(f.ms):.2f}"),
        ("CPU time per day, median (ms)", lambda f: f"{statistics.median(f.ms):.2f}"),
        ("CPU time per day, p95 (ms)", lambda f: f"{statistics.quantiles(f.ms, n=20)[-1]:.2f}"),
    ]
    names = list(results)
    print(f"{args.days} generated days, seed {args.seed}")
    print(f"| figure | {' | '.join(names)} |")
    print(f"|---|{'---|' * len(names)}")
    for label, fmt in rows:
        print(f"| {label} | {' | '.join(fmt(results[n]) for n in names)} |")


if __name__ == "__main__":
    main()
