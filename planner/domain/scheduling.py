"""Pure planning rules: split free time into role slots, fit tasks into slots, re-flow the day."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from planner.domain.timerange import Interval, merge

GRANULARITY = timedelta(minutes=5)


@dataclass(frozen=True)
class RoleTarget:
    role_id: int
    share: float  # any non-negative weight; normalised over all roles


@dataclass(frozen=True)
class Busy:
    """Time already taken: a meeting (role or not), a placed slot, or a break (not work)."""

    interval: Interval
    role_id: int | None = None
    is_work: bool = True


@dataclass(frozen=True, order=True)
class Block:
    start: datetime
    end: datetime
    role_id: int

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def _normalised(targets: Sequence[RoleTarget]) -> dict[int, float]:
    if not targets:
        return {}
    total = sum(max(0.0, t.share) for t in targets)
    if total <= 0:
        return {t.role_id: 1 / len(targets) for t in targets}
    return {t.role_id: max(0.0, t.share) / total for t in targets}


def _round_to(delta: timedelta, step: timedelta) -> timedelta:
    steps = round(delta / step)
    return steps * step


@dataclass(frozen=True)
class Rhythm:
    """How a person paces the day (issue 16). `Rhythm()` is today's rule: no maximum, no short
    breaks, no alternation; the same code path then gives the same blocks as before.

    `max_block` caps a role's stretch (minutes in a row without a break between); `short_break`
    long pauses go in after `focus_before_break` of focus inside one free gap (0 = off); with
    `alternate`, a new block in the same gap goes to another role than the one before it while
    another role still needs at least half a minimum block."""

    max_block: Mapping[int, timedelta] = field(default_factory=dict)
    short_break: timedelta = timedelta(0)
    focus_before_break: timedelta = timedelta(minutes=90)
    alternate: bool = False

    @property
    def is_off(self) -> bool:
        return not self.max_block and not self.short_break and not self.alternate


@dataclass(frozen=True)
class DayPlan:
    blocks: tuple[Block, ...]
    breaks: tuple[Interval, ...] = ()  # the short breaks the rhythm put in (not working time)


def auto_split(
    window: Interval,
    busy: Sequence[Busy],
    targets: Sequence[RoleTarget],
    min_block: timedelta,
    *,
    credit: Mapping[int, float] | None = None,
    credit_work_minutes: float = 0.0,
    prefer: Callable[[datetime], int | None] | None = None,
) -> list[Block]:
    """Fill the window's free time with role blocks whose shares come close to the targets.

    `busy` intervals are cut out; those with a role count towards it, breaks (is_work=False) do
    not count as working time. `credit` adds minutes already spent per role outside the window
    (e.g. the past part of the day when re-flowing), `credit_work_minutes` the working time
    they belong to. `prefer(moment)` may name a role to favour at a moment (interrupt-prone
    hours); the shares still decide how much each role gets. Deterministic. Today's rule:
    `plan_blocks` with the rhythm off."""
    plan = plan_blocks(
        window,
        busy,
        targets,
        min_block,
        credit=credit,
        credit_work_minutes=credit_work_minutes,
        prefer=prefer,
    )
    return list(plan.blocks)


def _short_breaks(
    gap: Interval,
    rhythm: Rhythm,
    min_block: timedelta,
    prefer: Callable[[datetime], int | None] | None = None,
) -> list[Interval]:
    """Where the short breaks go in one free gap: after each `focus_before_break` of focus,
    while what follows the break still holds a minimum block. With a preference of hours
    (interruption clusters), a break ends where the preferred role changes, if one changes
    after a minimum block, so the cluster's hours are not cut."""
    if rhythm.short_break <= timedelta(0) or rhythm.focus_before_break <= timedelta(0):
        return []
    out: list[Interval] = []
    cursor = gap.start
    while True:
        at = cursor + rhythm.focus_before_break
        if prefer is not None:
            moment, first = cursor + min_block + rhythm.short_break, None
            changes: list[datetime] = []
            while moment <= at + rhythm.short_break and moment < gap.end:
                here = prefer(moment - GRANULARITY)
                if first is not None and here != first:
                    changes.append(moment - GRANULARITY)
                first = here
                moment += GRANULARITY
            if changes:
                at = changes[-1] + GRANULARITY - rhythm.short_break
        after = at + rhythm.short_break
        if gap.end - after < min_block:
            return out
        out.append(Interval(at, after))
        cursor = after


def plan_blocks(
    window: Interval,
    busy: Sequence[Busy],
    targets: Sequence[RoleTarget],
    min_block: timedelta,
    *,
    credit: Mapping[int, float] | None = None,
    credit_work_minutes: float = 0.0,
    prefer: Callable[[datetime], int | None] | None = None,
    rhythm: Rhythm | None = None,
) -> DayPlan:
    """`auto_split` with a rhythm: role blocks no longer than their maximum, short breaks in
    long stretches of focus, alternating roles. The breaks are not working time."""
    rhythm = rhythm or Rhythm()
    shares = _normalised(targets)
    if not shares or window.is_empty():
        return DayPlan(())
    order = [t.role_id for t in targets]
    clipped = [b for b in busy if (c := b.interval.clip(window)) is not None]
    busy_union = merge(c for b in clipped if (c := b.interval.clip(window)) is not None)
    breaks = merge(
        c for b in clipped if not b.is_work and (c := b.interval.clip(window)) is not None
    )
    gaps = [g for g in window.subtract(busy_union) if g.duration >= timedelta(minutes=1)]
    short = [i for g in gaps for i in _short_breaks(g, rhythm, min_block, prefer)]
    work_minutes = (
        window.minutes
        - sum(i.minutes for i in breaks)
        - sum(i.minutes for i in short)
        + credit_work_minutes
    )
    credited: dict[int, float] = dict.fromkeys(order, 0.0)
    for role_id, minutes in (credit or {}).items():
        if role_id in credited:
            credited[role_id] += minutes
    for role_id in order:
        own = merge(
            c
            for b in clipped
            if b.is_work and b.role_id == role_id and (c := b.interval.clip(window)) is not None
        )
        credited[role_id] += sum(i.minutes for i in own)
    need = {r: shares[r] * work_minutes - credited[r] for r in order}
    min_minutes = _minutes(min_block)
    big = timedelta(days=2)

    def cap_of(role: int) -> timedelta:
        return rhythm.max_block.get(role, big)

    def pick(moment: datetime, avoid: int | None, force: bool = False) -> int:
        preferred = prefer(moment) if prefer else None
        if preferred in need and need[preferred] > 0 and preferred != avoid:
            return preferred
        candidates = order
        if avoid is not None:
            others = [r for r in order if r != avoid]
            if others and (
                force
                or max(need[r] for r in others) >= min_minutes
                or need[avoid] < min_minutes / 2
            ):
                candidates = others
        return max(candidates, key=lambda r: (need[r], -order.index(r)))

    blocks: list[Block] = []
    pieces = [p for g in gaps for p in g.subtract(short)] if short else gaps
    previous: Block | None = None
    for piece in pieces:
        cursor = piece.start
        while cursor < piece.end:
            remaining = piece.end - cursor
            # alternate within one free stretch: after a short break too, not after a meeting
            joined = previous is not None and (
                previous.end == cursor
                or any(b.start == previous.end and b.end == cursor for b in short)
            )
            avoid = previous.role_id if rhythm.alternate and joined and previous else None
            force = False
            if rhythm.max_block and previous is not None and previous.end == cursor:
                # a stretch that cannot go on to the end of the piece, or by a minimum block,
                # hands over to another role
                left = cap_of(previous.role_id) - (previous.end - previous.start)
                if left < remaining and left < min_block and len(order) > 1:
                    avoid, force = previous.role_id, True
            role = pick(cursor, avoid, force)
            cap = cap_of(role)
            if previous is not None and previous.end == cursor and previous.role_id == role:
                cap = max(cap - (previous.end - previous.start), timedelta(0))
                if cap <= timedelta(0):
                    cap = cap_of(role)  # one role only: a new stretch of it
            if _minutes(remaining) < 2 * min_minutes:
                length = min(remaining, cap)
            else:
                wanted = _round_to(timedelta(minutes=max(need[role], 0.0)), GRANULARITY)
                if prefer is not None:
                    # end the block where the preference changes, so the next hours get theirs
                    wanted = min(wanted, max(_preference_run(prefer, cursor, piece.end), min_block))
                length = min(max(wanted, min_block), remaining, cap)
                if remaining - length < min_block:
                    # the rest would be too short for a block: take it all or leave one block
                    shorter = remaining - min_block
                    if remaining > cap or abs(need[role] - _minutes(shorter)) < abs(
                        need[role] - _minutes(remaining)
                    ):
                        length = min(shorter, cap)
                    else:
                        length = remaining
            block = Block(cursor, cursor + length, role)
            if (
                previous is not None
                and previous.end == cursor
                and previous.role_id == role
                and previous.end - previous.start + length <= cap_of(role)
            ):
                block = Block(previous.start, cursor + length, role)
                blocks.pop()
            blocks.append(block)
            previous = block
            need[role] -= _minutes(length)
            cursor += length
    if rhythm.is_off:
        return DayPlan(tuple(merge_blocks(blocks)))
    if prefer is None:
        # the shares of the time the roles get (time no role gets, e.g. a meeting without a
        # role, is shared out in proportion, not chased)
        spare = sum(need.values())
        want = {r: need[r] - shares[r] * spare for r in need}
        blocks = _balance(blocks, want, rhythm, short, min_block)
    return DayPlan(tuple(sorted(blocks)), tuple(short))


def _balance(
    blocks: list[Block],
    need: dict[int, float],
    rhythm: Rhythm,
    short: Sequence[Interval],
    min_block: timedelta,
) -> list[Block]:
    """Bring the shares closer after the walk through the day (which cannot foresee the tails
    of the free pieces): swap the roles of two blocks, give a block to another role, or hand a
    minimum block's worth of a long block to another role, one move or two at a time while the
    shares improve; then
    shift the boundaries of touching blocks. Every block stays within its minimum and its
    role's maximum; a role may follow itself across a short break when that keeps the
    shares (alternation gives way to them)."""
    big = timedelta(days=2)

    def allowed(plan: list[Block]) -> bool:
        for i, block in enumerate(plan):
            if block.end - block.start > rhythm.max_block.get(block.role_id, big):
                return False
            if i and plan[i - 1].end == block.start and plan[i - 1].role_id == block.role_id:
                return False  # they would merge past what the walk allowed
        return True

    # (kind: 0 swap with j / 1 head to role / 2 tail to role / 3 all to role, i, j or role, d)
    Move = tuple[int, int, int, float]

    def moves(plan: list[Block]) -> list[Move]:
        out: list[Move] = []
        part = _minutes(min_block)
        for i, a in enumerate(plan):
            len_a = _minutes(a.end - a.start)
            for j in range(i + 1, len(plan)):
                b = plan[j]
                if a.role_id != b.role_id and len_a != _minutes(b.end - b.start):
                    out.append((0, i, j, len_a - _minutes(b.end - b.start)))
            for role in need:
                if role != a.role_id:
                    out.append((3, i, role, len_a))  # the block goes to another role
                    if a.end - a.start >= 2 * min_block:
                        out.extend(((1, i, role, part), (2, i, role, part)))
        return out

    def delta_of(plan: list[Block], move: Move) -> tuple[tuple[int, float], tuple[int, float]]:
        kind, i, other, d = move
        if kind == 0:  # role of i gains d of need (gives its block away), role of j loses it
            return (plan[i].role_id, d), (plan[other].role_id, -d)
        return (other, -d), (plan[i].role_id, d)

    def build(plan: list[Block], move: Move) -> list[Block]:
        kind, i, other, _ = move
        a = plan[i]
        if kind == 0:
            b = plan[other]
            trial = list(plan)
            trial[i] = Block(a.start, a.end, b.role_id)
            trial[other] = Block(b.start, b.end, a.role_id)
            return trial
        if kind == 3:
            trial = list(plan)
            trial[i] = Block(a.start, a.end, other)
            return trial
        if kind == 1:
            cut = a.start + min_block
            pieces = [Block(a.start, cut, other), Block(cut, a.end, a.role_id)]
        else:
            cut = a.end - min_block
            pieces = [Block(a.start, cut, a.role_id), Block(cut, a.end, other)]
        return [*plan[:i], *pieces, *plan[i + 1 :]]

    def cost_with(values: dict[int, float], total: float, *deltas: tuple[int, float]) -> float:
        changed: dict[int, float] = {}
        for role, d in deltas:
            changed[role] = changed.get(role, 0.0) + d
        for role, d in changed.items():
            v = values.get(role, 0.0)
            total += (v + d) * (v + d) - v * v
        return total

    ordered = sorted(blocks)
    left = dict(need)  # minutes each role still lacks (negative: has too many)
    for _ in range(len(ordered) + 2):
        base = sum(v * v for v in left.values())
        if base < 1:
            break
        # the cheapest; among equals the one that changes the day latest (the morning as walked)
        options: list[tuple[float, int, list[Move]]] = []
        first = moves(ordered)
        for move in first:
            c = cost_with(left, base, *delta_of(ordered, move))
            if c < base - 1e-6:
                options.append((c, -move[1], [move]))
        # two moves (one that costs, then one that more than pays it back): only while a role
        # is more than two granularity steps off, which bounds the search's cost
        worst = max(left, key=lambda r: abs(left[r]))
        if not options and abs(left[worst]) > 2 * _minutes(GRANULARITY):
            for move in first:
                if move[0] not in (0, 3):
                    continue  # a swap or a change of role first (the same blocks after it)
                d1 = delta_of(ordered, move)
                if worst not in (d1[0][0], d1[1][0]):
                    continue  # the first move touches the role that is furthest off
                trial = build(ordered, move)
                for second in moves(trial):
                    c = cost_with(left, base, *d1, *delta_of(trial, second))
                    if c < base - 1e-6:
                        options.append((c, -min(move[1], second[1]), [move, second]))
        chosen = None
        for _cost, _, steps in sorted(options, key=lambda o: (o[0], o[1])):
            plan = ordered
            deltas: list[tuple[int, float]] = []
            for step in steps:
                deltas.extend(delta_of(plan, step))
                plan = build(plan, step)
            if allowed(plan):
                chosen = (plan, deltas)
                break
        if chosen is None:
            break
        ordered = chosen[0]
        for role, d in chosen[1]:
            left[role] = left.get(role, 0.0) + d
    return _shift_boundaries(ordered, left, rhythm, min_block)


def _shift_boundaries(
    ordered: list[Block], left: dict[int, float], rhythm: Rhythm, min_block: timedelta
) -> list[Block]:
    """Move the boundary between two touching blocks of different roles by 5-minute steps
    towards the shares, each block staying between the minimum and its maximum."""
    big = timedelta(days=2)
    for _ in range(3):
        moved = False
        for i in range(len(ordered) - 1):
            a, b = ordered[i], ordered[i + 1]
            if a.end != b.start or a.role_id == b.role_id:
                continue
            # positive: a grows (role a lacks minutes), b shrinks
            want = (left[a.role_id] - left[b.role_id]) / 2
            steps = int(want / _minutes(GRANULARITY))
            if steps == 0:
                continue
            shift = steps * GRANULARITY
            len_a, len_b = a.end - a.start + shift, b.end - b.start - shift
            low_a = min(min_block, a.end - a.start)
            low_b = min(min_block, b.end - b.start)
            cap_a = max(rhythm.max_block.get(a.role_id, big), a.end - a.start)
            cap_b = max(rhythm.max_block.get(b.role_id, big), b.end - b.start)
            while shift and not (low_a <= len_a <= cap_a and low_b <= len_b <= cap_b):
                shift -= GRANULARITY if shift > timedelta(0) else -GRANULARITY
                len_a, len_b = a.end - a.start + shift, b.end - b.start - shift
            if not shift:
                continue
            ordered[i] = Block(a.start, a.end + shift, a.role_id)
            ordered[i + 1] = Block(b.start + shift, b.end, b.role_id)
            left[a.role_id] -= _minutes(shift)
            left[b.role_id] += _minutes(shift)
            moved = True
        if not moved:
            break
    return ordered


def _preference_run(
    prefer: Callable[[datetime], int | None], start: datetime, limit: datetime
) -> timedelta:
    """How long from `start` the preferred role stays the same (probed every GRANULARITY)."""
    first = prefer(start)
    moment = start + GRANULARITY
    while moment < limit and prefer(moment) == first:
        moment += GRANULARITY
    return min(moment, limit) - start


def merge_blocks(blocks: Sequence[Block]) -> list[Block]:
    """Join blocks of the same role that touch."""
    out: list[Block] = []
    for block in sorted(blocks):
        if out and out[-1].role_id == block.role_id and out[-1].end == block.start:
            out[-1] = Block(out[-1].start, block.end, block.role_id)
        else:
            out.append(block)
    return out


@dataclass(frozen=True)
class TaskNeed:
    task_id: int
    role_id: int
    minutes: int


@dataclass(frozen=True)
class SlotCapacity:
    slot_id: int
    role_id: int
    start: datetime
    end: datetime
    used_minutes: float = 0.0


@dataclass(frozen=True)
class FitResult:
    placed: dict[int, int] = field(default_factory=dict)  # task id -> slot id
    overflow: tuple[int, ...] = ()


def fit_tasks(tasks: Sequence[TaskNeed], slots: Sequence[SlotCapacity]) -> FitResult:
    """Place tasks (in priority order) into the earliest slot of their role with room left."""
    room = {s.slot_id: _minutes(s.end - s.start) - s.used_minutes for s in slots}
    ordered = sorted(slots, key=lambda s: (s.start, s.slot_id))
    placed: dict[int, int] = {}
    overflow: list[int] = []
    for task in tasks:
        for slot in ordered:
            if slot.role_id == task.role_id and room[slot.slot_id] >= task.minutes:
                placed[task.task_id] = slot.slot_id
                room[slot.slot_id] -= task.minutes
                break
        else:
            overflow.append(task.task_id)
    return FitResult(placed=placed, overflow=tuple(overflow))


@dataclass(frozen=True)
class PlacedSlot:
    slot_id: int
    role_id: int
    start: datetime
    end: datetime
    movable: bool  # an auto slot that is not pinned


@dataclass(frozen=True)
class ReflowResult:
    remove: tuple[int, ...]
    truncate: dict[int, datetime]
    add: tuple[Block, ...]
    breaks: tuple[Interval, ...] = ()  # short breaks the rhythm puts into the rest of the day


def reflow(
    window: Interval,
    now: datetime,
    slots: Sequence[PlacedSlot],
    busy: Sequence[Busy],
    targets: Sequence[RoleTarget],
    min_block: timedelta,
    *,
    prefer: Callable[[datetime], int | None] | None = None,
    rhythm: Rhythm | None = None,
) -> ReflowResult:
    """Re-split the rest of the day from `now`, keeping the past and every fixed slot."""
    start = max(now, window.start)
    if start >= window.end:
        return ReflowResult(remove=(), truncate={}, add=())
    remove: list[int] = []
    truncate: dict[int, datetime] = {}
    kept: list[Busy] = []
    credit: dict[int, float] = {}
    for slot in slots:
        past = Interval(slot.start, min(slot.end, start)) if slot.start < start else None
        if past is not None and not past.is_empty():
            credit[slot.role_id] = credit.get(slot.role_id, 0.0) + past.minutes
        if not slot.movable:
            if slot.end > start:
                kept.append(Busy(Interval(max(slot.start, start), slot.end), slot.role_id))
            continue
        if slot.end <= start:
            continue
        if slot.start < start:
            truncate[slot.slot_id] = start
        else:
            remove.append(slot.slot_id)
    rest = Interval(start, window.end)
    past_window = Interval(window.start, start) if window.start < start else None
    past_breaks = merge(
        c
        for b in busy
        if not b.is_work and past_window is not None and (c := b.interval.clip(past_window))
    )
    past_work = (past_window.minutes if past_window else 0.0) - sum(i.minutes for i in past_breaks)
    for b in busy:
        if b.is_work and b.role_id is not None and past_window is not None:
            clipped = b.interval.clip(past_window)
            if clipped is not None:
                credit[b.role_id] = credit.get(b.role_id, 0.0) + clipped.minutes
    plan = plan_blocks(
        rest,
        [*busy, *kept],
        targets,
        min_block,
        credit=credit,
        credit_work_minutes=past_work,
        prefer=prefer,
        rhythm=rhythm,
    )
    return ReflowResult(
        remove=tuple(remove), truncate=truncate, add=plan.blocks, breaks=plan.breaks
    )


# ---------------------------------------------------------------- tasks in priority order


@dataclass(frozen=True)
class TaskItem:
    """A task to lay out: `priority` 1 comes first; `due` an optional deadline (aware)."""

    task_id: int
    role_id: int
    minutes: int
    priority: int
    due: datetime | None = None


@dataclass(frozen=True)
class Segment:
    slot_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Placement:
    task_id: int
    segments: tuple[Segment, ...]
    late: bool = False  # it ends after its deadline (or the deadline is before the day)

    @property
    def end(self) -> datetime:
        return self.segments[-1].end

    @property
    def spans(self) -> int:
        return len({s.slot_id for s in self.segments})


@dataclass(frozen=True)
class TaskSequence:
    placements: dict[int, Placement] = field(default_factory=dict)
    overflow: tuple[int, ...] = ()

    @property
    def late(self) -> tuple[int, ...]:
        return tuple(t for t, p in self.placements.items() if p.late)


def _lay_out(
    tasks: Sequence[TaskItem], slots: Sequence[SlotCapacity]
) -> tuple[dict[int, Placement], list[int]]:
    """Lay the tasks end to end over the role's slots (in time order), spanning slots."""
    placements: dict[int, Placement] = {}
    overflow: list[int] = []
    ordered = sorted(slots, key=lambda s: (s.start, s.slot_id))
    cursor = [s.start + timedelta(minutes=s.used_minutes) for s in ordered]
    room = sum(max(0.0, _minutes(s.end - c)) for s, c in zip(ordered, cursor, strict=True))
    index = 0
    for task in tasks:
        if task.minutes > room + 1e-9:
            overflow.append(task.task_id)
            continue
        left = timedelta(minutes=task.minutes)
        segments: list[Segment] = []
        while left > timedelta(0):
            slot = ordered[index]
            free = slot.end - cursor[index]
            if free <= timedelta(0):
                index += 1
                continue
            take = min(free, left)
            segments.append(Segment(slot.slot_id, cursor[index], cursor[index] + take))
            cursor[index] += take
            left -= take
        room -= task.minutes
        end = segments[-1].end
        placements[task.task_id] = Placement(
            task.task_id, tuple(segments), late=task.due is not None and end > task.due
        )
    return placements, overflow


def _room_before(slots: Sequence[SlotCapacity]) -> Callable[[datetime | None], float]:
    """Minutes of room the role's slots have before a moment (all of it for no deadline)."""
    spans = [
        (s.start + timedelta(minutes=s.used_minutes), s.end)
        for s in sorted(slots, key=lambda s: (s.start, s.slot_id))
    ]

    def room(moment: datetime | None) -> float:
        total = 0.0
        for start, end in spans:
            stop = end if moment is None else min(end, moment)
            if stop > start:
                total += _minutes(stop - start)
        return total

    return room


def _fewest_late(tasks: Sequence[TaskItem], offset: float, room: dict[int, float]) -> list[int]:
    """Moore and Hodgson: the most deadline tasks that can all be on time after `offset`
    minutes of work, earliest deadline first; returns their ids in that order."""
    on_time: list[TaskItem] = []
    total = offset
    for task in sorted((t for t in tasks if t.due is not None), key=lambda t: (t.due, t.priority)):
        on_time.append(task)
        total += task.minutes
        if total > room[task.task_id] + 1e-9:
            longest = max(on_time, key=lambda t: (t.minutes, t.priority))
            on_time.remove(longest)
            total -= longest.minutes
    return [t.task_id for t in on_time]


def _late_count(order: Sequence[TaskItem], room: dict[int, float]) -> int:
    total, late = 0.0, 0
    for task in order:
        total += task.minutes
        if task.due is not None and total > room[task.task_id] + 1e-9:
            late += 1
    return late


def _priority_with_deadlines(own: list[TaskItem], slots: Sequence[SlotCapacity]) -> list[TaskItem]:
    """The order: by priority, except that a deadline task goes ahead exactly when waiting for
    its turn would make more deadlines fail than need to (Moore and Hodgson's count)."""
    capacity = _room_before(slots)
    total_room = capacity(None)
    fits = [t for t in own if t.minutes <= total_room]
    room = {t.task_id: capacity(t.due) for t in fits}
    by_id = {t.task_id: t for t in fits}

    def best_after(prefix: list[TaskItem], left: list[TaskItem]) -> int:
        done = sum(t.minutes for t in prefix)
        chosen = _fewest_late(left, done, room)
        rest = [t for t in left if t.task_id not in chosen]
        return _late_count([*prefix, *(by_id[i] for i in chosen), *rest], room)

    order: list[TaskItem] = []
    left = list(fits)
    target = best_after([], left)
    while left:
        first_free = next((t for t in left if t.due is None), None)
        for candidate in left:
            if candidate.due is None and candidate is not first_free:
                continue  # tasks without a deadline keep their priority order among themselves
            rest = [t for t in left if t is not candidate]
            if best_after([*order, candidate], rest) <= target:
                break
        order.append(candidate)
        left.remove(candidate)
    return [*order, *(t for t in own if t.minutes > total_room)]


def sequence_tasks(tasks: Sequence[TaskItem], slots: Sequence[SlotCapacity]) -> TaskSequence:
    """Place each role's tasks strictly by priority, end to end over that role's slots; a task
    longer than the room left in a slot goes on in the role's next slot. Deadlines first: a
    deadline task moves ahead of higher-priority tasks only as far as it must to be on time
    without making more deadlines fail than the fewest possible; a task no order can save is
    `late`, flagged when the plan is made. "Does not fit" (overflow) only for a task the room
    its role has left cannot hold."""
    placements: dict[int, Placement] = {}
    overflow: list[int] = []
    for role in sorted({t.role_id for t in tasks}):
        own = sorted((t for t in tasks if t.role_id == role), key=lambda t: (t.priority, t.task_id))
        own_slots = [s for s in slots if s.role_id == role]
        order = own
        if any(t.due is not None for t in own):
            order = _priority_with_deadlines(own, own_slots)
        laid, spill = _lay_out(order, own_slots)
        placements.update(laid)
        overflow.extend(spill)
    return TaskSequence(placements, tuple(overflow))


# ---------------------------------------------------------------- the week's share


@dataclass(frozen=True)
class WeekShare:
    """The week so far per role: `behind` minutes (negative: ahead) against the target share
    of the time worked, and `today` the minutes today's plan gives each role to repay it."""

    behind: dict[int, float]
    today: dict[int, float]

    def extra(self, role_id: int, day_minutes: float, targets: Sequence[RoleTarget]) -> float:
        """How many minutes more (or fewer) than its plain share today gives the role."""
        return self.today.get(role_id, 0.0) - _normalised(targets).get(role_id, 0.0) * day_minutes


def week_share(
    targets: Sequence[RoleTarget],
    worked: Mapping[int, float],
    day_minutes: float,
    *,
    max_repay_fraction: float = 0.25,
    keep_fraction: float = 0.5,
) -> WeekShare:
    """Repay the week's shortfall in today's plan. `worked`: minutes each role got on the
    week's earlier days; `day_minutes`: today's working time (window less breaks). A role
    behind gets up to its shortfall more today, taken from the roles ahead in proportion to
    their lead, never more than `max_repay_fraction` of the day, and a role ahead keeps at
    least `keep_fraction` of its plain share (support still gets its queue checked); the
    day's total (so the hard stop) does not move. Pure and deterministic."""
    shares = _normalised(targets)
    if not shares or day_minutes <= 0:
        return WeekShare({}, {})
    total = sum(max(0.0, worked.get(r, 0.0)) for r in shares)
    behind = {r: shares[r] * total - max(0.0, worked.get(r, 0.0)) for r in shares}
    plain = {r: shares[r] * day_minutes for r in shares}
    owed = sum(v for v in behind.values() if v > 0)
    ahead = {r: -v for r, v in behind.items() if v < 0}
    room = sum(min(ahead[r], plain[r] * (1 - keep_fraction)) for r in ahead)
    repay = max(0.0, min(owed, room, max_repay_fraction * day_minutes))
    today = dict(plain)
    if repay > 0:
        gives = {r: min(ahead[r], plain[r] * (1 - keep_fraction)) for r in ahead}
        give_total = sum(gives.values())
        for r, v in behind.items():
            if v > 0:
                today[r] += repay * v / owed
        for r, g in gives.items():
            today[r] -= repay * g / give_total
    return WeekShare(behind, {r: max(0.0, m) for r, m in today.items()})
