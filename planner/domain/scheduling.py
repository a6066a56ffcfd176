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
    hours); the shares still decide how much each role gets. Deterministic.
    """
    shares = _normalised(targets)
    if not shares or window.is_empty():
        return []
    order = [t.role_id for t in targets]
    clipped = [b for b in busy if (c := b.interval.clip(window)) is not None]
    busy_union = merge(c for b in clipped if (c := b.interval.clip(window)) is not None)
    breaks = merge(
        c for b in clipped if not b.is_work and (c := b.interval.clip(window)) is not None
    )
    work_minutes = window.minutes - sum(i.minutes for i in breaks) + credit_work_minutes
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

    def pick(moment: datetime) -> int:
        preferred = prefer(moment) if prefer else None
        best = max(order, key=lambda r: (need[r], -order.index(r)))
        if preferred in need and need[preferred] > 0:
            return preferred
        return best

    blocks: list[Block] = []
    min_minutes = _minutes(min_block)
    for gap in window.subtract(busy_union):
        if gap.duration < timedelta(minutes=1):
            continue
        cursor = gap.start
        while cursor < gap.end:
            remaining = gap.end - cursor
            role = pick(cursor)
            if _minutes(remaining) < 2 * min_minutes:
                length = remaining
            else:
                wanted = _round_to(timedelta(minutes=max(need[role], 0.0)), GRANULARITY)
                if prefer is not None:
                    # end the block where the preference changes, so the next hours get theirs
                    wanted = min(wanted, max(_preference_run(prefer, cursor, gap.end), min_block))
                length = min(max(wanted, min_block), remaining)
                if remaining - length < min_block:
                    # the rest would be too short for a block: take it all or leave one block
                    shorter = remaining - min_block
                    if abs(need[role] - _minutes(shorter)) < abs(need[role] - _minutes(remaining)):
                        length = shorter
                    else:
                        length = remaining
            blocks.append(Block(cursor, cursor + length, role))
            need[role] -= _minutes(length)
            cursor += length
    return merge_blocks(blocks)


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


def reflow(
    window: Interval,
    now: datetime,
    slots: Sequence[PlacedSlot],
    busy: Sequence[Busy],
    targets: Sequence[RoleTarget],
    min_block: timedelta,
    *,
    prefer: Callable[[datetime], int | None] | None = None,
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
    blocks = auto_split(
        rest,
        [*busy, *kept],
        targets,
        min_block,
        credit=credit,
        credit_work_minutes=past_work,
        prefer=prefer,
    )
    return ReflowResult(remove=tuple(remove), truncate=truncate, add=tuple(blocks))
