"""Plans a person would make (issue 16): breaks, rhythm, priority, the week's share.

Property-tested with hypothesis against the pure rules in planner/domain/scheduling.py."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner.domain.scheduling import (
    Block,
    Busy,
    Rhythm,
    RoleTarget,
    SlotCapacity,
    TaskItem,
    auto_split,
    plan_blocks,
    sequence_tasks,
    week_share,
)
from planner.domain.timerange import Interval, local_wall_time, merge

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
MIN = timedelta(minutes=1)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def person(roles: list[int], max_minutes: dict[int, int] | None = None, short: int = 5) -> Rhythm:
    return Rhythm(
        max_block={r: timedelta(minutes=(max_minutes or {}).get(r, 120)) for r in roles},
        short_break=timedelta(minutes=short),
        focus_before_break=timedelta(minutes=90),
        alternate=True,
    )


def hhmm(blocks: tuple[Block, ...] | list[Block]) -> list[tuple[str, str, int]]:
    return [
        (b.start.astimezone(BERLIN).strftime("%H:%M"), b.end.astimezone(BERLIN).strftime("%H:%M"),
         b.role_id)
        for b in blocks
    ]  # fmt: skip


# ---------------------------------------------------------------- the default day


def test_the_default_day_has_lunch_short_breaks_and_alternates() -> None:
    day = date(2026, 12, 7)
    window = Interval(
        local_wall_time(day, 9 * 60, BERLIN), local_wall_time(day, 17 * 60 + 30, BERLIN)
    )
    lunch = Interval(local_wall_time(day, 12 * 60 + 30, BERLIN), local_wall_time(day, 795, BERLIN))
    plan = plan_blocks(
        window,
        [Busy(lunch, None, is_work=False)],
        [RoleTarget(1, 50), RoleTarget(2, 50)],
        timedelta(minutes=45),
        rhythm=person([1, 2]),
    )
    assert not any(b.interval.overlaps(lunch) for b in plan.blocks)
    assert max(b.interval.minutes for b in plan.blocks) <= 120
    roles = [b.role_id for b in plan.blocks]
    assert all(a != b for a, b in itertools.pairwise(roles))  # the day alternates
    assert len(plan.breaks) >= 2 and all(i.minutes == 5 for i in plan.breaks)
    work = sum(b.interval.minutes for b in plan.blocks)
    assert work == 8.5 * 60 - 45 - 5 * len(plan.breaks)  # breaks are not working time
    # today's rule, the same inputs: two long blocks, no break (what the issue complains of)
    old = auto_split(window, [Busy(lunch, None, is_work=False)],
                     [RoleTarget(1, 50), RoleTarget(2, 50)], timedelta(minutes=45))  # fmt: skip
    assert hhmm(old) == [("09:00", "12:30", 1), ("13:15", "17:30", 2)]


def test_support_at_ninety_minutes_hands_over() -> None:
    plan = plan_blocks(
        Interval(at(0), at(480)),
        [],
        [RoleTarget(1, 50), RoleTarget(2, 50)],
        timedelta(minutes=45),
        rhythm=Rhythm(max_block={1: timedelta(minutes=90), 2: timedelta(minutes=120)}),
    )
    assert max(b.interval.minutes for b in plan.blocks if b.role_id == 1) <= 90
    assert max(b.interval.minutes for b in plan.blocks if b.role_id == 2) <= 120
    assert abs(sum(b.interval.minutes for b in plan.blocks if b.role_id == 1) - 240) <= 5


def test_a_day_full_of_meetings_and_a_day_with_no_free_time_plan_nothing() -> None:
    busy = [Busy(Interval(at(m), at(m + 60)), 1) for m in range(0, 480, 60)]
    assert plan_blocks(Interval(at(0), at(480)), busy, [RoleTarget(1, 1), RoleTarget(2, 1)],
                       timedelta(minutes=45), rhythm=person([1, 2])).blocks == ()  # fmt: skip
    lunch_all_day = [Busy(Interval(at(0), at(480)), None, is_work=False)]
    plan = plan_blocks(Interval(at(0), at(480)), lunch_all_day, [RoleTarget(1, 1)],
                       timedelta(minutes=45), rhythm=person([1]))  # fmt: skip
    assert plan.blocks == () and plan.breaks == ()


def test_a_hard_stop_after_midnight_and_dst_days() -> None:
    for day, start, stop in (
        (date(2026, 3, 29), 0, 10 * 60),  # the clocks go forward at 02:00
        (date(2026, 10, 25), 0, 10 * 60),  # and back at 03:00
        (date(2026, 12, 7), 18 * 60, 26 * 60 + 30),  # a hard stop at 02:30 the next morning
    ):
        window = Interval(local_wall_time(day, start, BERLIN), local_wall_time(day, stop, BERLIN))
        plan = plan_blocks(window, [], [RoleTarget(1, 1), RoleTarget(2, 1)],
                           timedelta(minutes=45), rhythm=person([1, 2]))  # fmt: skip
        _check_plan(window, [], plan.blocks, plan.breaks, {1: 120, 2: 120}, 45)
        work = sum(b.interval.minutes for b in plan.blocks)
        assert work == window.minutes - sum(i.minutes for i in plan.breaks)


# ---------------------------------------------------------------- properties of the blocks


def _check_plan(
    window: Interval,
    busy: list[Busy],
    blocks: tuple[Block, ...],
    breaks: tuple[Interval, ...],
    max_minutes: dict[int, int],
    min_minutes: int,
) -> None:
    ordered = sorted(blocks)
    for a, b in itertools.pairwise(ordered):
        assert a.end <= b.start, f"overlap {a} {b}"
    taken = merge([*(b.interval for b in busy), *breaks])
    for block in ordered:
        assert window.start <= block.start < block.end <= window.end
        assert not any(block.interval.overlaps(t) for t in taken), block
        assert block.interval.minutes <= max_minutes[block.role_id], block
    free = [g for g in window.subtract(merge(b.interval for b in busy)) if g.duration >= MIN]
    pieces = [p for g in free for p in g.subtract(breaks)]
    for piece in pieces:
        inside = [b for b in ordered if piece.start <= b.start and b.end <= piece.end]
        assert sum(b.interval.minutes for b in inside) == piece.minutes  # the time is planned
        short = [b for b in inside if b.interval.minutes < min_minutes]
        # a block under the minimum only where the gap itself cannot hold two of them
        assert not short or piece.minutes < 2 * min_minutes, (piece, short)


meetings = st.lists(
    st.tuples(
        st.integers(0, 100), st.integers(1, 24), st.sampled_from([None, 1, 2, 3]), st.booleans()
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(
    start=st.integers(0, 24),
    length=st.integers(0, 20 * 12),
    raw=meetings,
    n_roles=st.integers(2, 3),
    weights=st.lists(st.integers(1, 9), min_size=3, max_size=3),
    min_steps=st.integers(3, 12),
    max_extra=st.lists(st.integers(0, 12), min_size=3, max_size=3),
    short=st.sampled_from([0, 5, 10]),
)
def test_the_plan_keeps_every_rule(
    start: int,
    length: int,
    raw: list[tuple[int, int, int | None, bool]],
    n_roles: int,
    weights: list[int],
    min_steps: int,
    max_extra: list[int],
    short: int,
) -> None:
    window = Interval(at(start * 5), at(start * 5 + length * 5))
    busy = [
        Busy(Interval(at(a * 5), at(a * 5 + d * 5)), role, is_work=work) for a, d, role, work in raw
    ]
    roles = [1, 2, 3][:n_roles]
    min_minutes = min_steps * 5
    max_minutes = {r: 2 * min_minutes + max_extra[r - 1] * 5 for r in roles}
    rhythm = Rhythm(
        max_block={r: timedelta(minutes=m) for r, m in max_minutes.items()},
        short_break=timedelta(minutes=short),
        focus_before_break=timedelta(minutes=90),
        alternate=True,
    )
    targets = [RoleTarget(r, weights[r - 1]) for r in roles]
    plan = plan_blocks(window, busy, targets, timedelta(minutes=min_minutes), rhythm=rhythm)
    _check_plan(window, busy, plan.blocks, plan.breaks, max_minutes, min_minutes)
    for brk in plan.breaks:
        assert brk.minutes == short
    # the rhythm off is today's rule, block for block
    assert list(plan_blocks(window, busy, targets, timedelta(minutes=min_minutes)).blocks) == (
        auto_split(window, busy, targets, timedelta(minutes=min_minutes))
    )


@settings(max_examples=200, deadline=None)
@given(
    hours=st.integers(4, 11),
    weights=st.tuples(st.integers(1, 9), st.integers(1, 9)),
)
def test_an_open_day_keeps_its_share(hours: int, weights: tuple[int, int]) -> None:
    """With no meetings the shares come within the granularity of what the blocks allow: each
    switch can be off by at most one free piece's tail shorter than two minimum blocks."""
    window = Interval(at(0), at(hours * 60))
    targets = [RoleTarget(1, weights[0]), RoleTarget(2, weights[1])]
    plan = plan_blocks(window, [], targets, timedelta(minutes=30), rhythm=person([1, 2]))
    work = sum(b.interval.minutes for b in plan.blocks)
    got = sum(b.interval.minutes for b in plan.blocks if b.role_id == 1)
    want = work * weights[0] / sum(weights)
    assert abs(got - want) <= 60, (got, want, hhmm(plan.blocks))


# ---------------------------------------------------------------- tasks by priority


def _slots(spec: list[tuple[int, int, int]]) -> list[SlotCapacity]:
    return [SlotCapacity(i + 1, role, at(a), at(b)) for i, (a, b, role) in enumerate(spec)]


def test_tasks_go_strictly_by_priority_and_span_the_roles_next_slot() -> None:
    slots = _slots([(0, 60, 1), (60, 120, 2), (120, 200, 1)])
    tasks = [TaskItem(10, 1, 45, 1), TaskItem(11, 1, 40, 2), TaskItem(12, 1, 15, 3)]
    result = sequence_tasks(tasks, slots)
    assert result.overflow == ()
    first, second, third = (result.placements[t] for t in (10, 11, 12))
    assert first.segments[0].start == at(0) and first.end == at(45)
    # 40 minutes with 15 left in the first slot: 15 there, 25 in the role's next slot
    assert second.spans == 2 and [s.slot_id for s in second.segments] == [1, 3]
    assert third.segments[0].start == at(145)
    # today's rule put the 15-minute priority 3 into the first slot, before priority 2
    from planner.domain.scheduling import TaskNeed, fit_tasks

    old = fit_tasks([TaskNeed(t.task_id, t.role_id, t.minutes) for t in tasks], slots)
    assert old.placed == {10: 1, 11: 3, 12: 1}


def test_a_deadline_goes_first_and_one_that_cannot_be_met_is_flagged() -> None:
    slots = _slots([(0, 120, 1)])
    tasks = [
        TaskItem(1, 1, 60, 1),
        TaskItem(2, 1, 30, 2, due=at(40)),  # ahead of priority 1 to make it
        TaskItem(3, 1, 30, 3, due=at(20)),  # no order makes 30 minutes by minute 20
    ]
    result = sequence_tasks(tasks, slots)
    assert result.placements[2].end <= at(40) and not result.placements[2].late
    assert result.late == (3,)
    assert result.overflow == ()


def test_does_not_fit_only_when_the_role_has_no_room() -> None:
    slots = _slots([(0, 30, 1), (30, 60, 2), (60, 90, 1)])
    result = sequence_tasks([TaskItem(1, 1, 50, 1), TaskItem(2, 1, 20, 2)], slots)
    assert result.overflow == (2,)  # 60 minutes of Support, 50 taken
    assert result.placements[1].spans == 2


def _late_in_order(order: tuple[TaskItem, ...], slots: list[SlotCapacity]) -> int:
    """How many deadlines that exact order misses (laid out by priority, no deadline rule)."""
    plain = [TaskItem(t.task_id, t.role_id, t.minutes, i) for i, t in enumerate(order)]
    laid = sequence_tasks(plain, slots).placements
    return sum(1 for t in order if t.due is not None and laid[t.task_id].end > t.due)


tasks_st = st.lists(
    st.tuples(
        st.integers(1, 2),
        st.integers(1, 18),
        st.integers(1, 9),
        st.one_of(st.none(), st.integers(0, 60)),
    ),
    max_size=8,
)
slots_st = st.lists(st.tuples(st.integers(1, 24), st.integers(1, 2)), min_size=0, max_size=6)


@settings(max_examples=300, deadline=None)
@given(raw_tasks=tasks_st, raw_slots=slots_st)
def test_task_order_properties(
    raw_tasks: list[tuple[int, int, int, int | None]], raw_slots: list[tuple[int, int]]
) -> None:
    spec, cursor = [], 0
    for length, role in raw_slots:
        spec.append((cursor, cursor + length * 5, role))
        cursor += length * 5
    slots = _slots(spec)
    tasks = [
        TaskItem(i + 1, role, minutes * 5, prio, None if due is None else at(due * 5))
        for i, (role, minutes, prio, due) in enumerate(raw_tasks)
    ]
    result = sequence_tasks(tasks, slots)
    by_id = {t.task_id: t for t in tasks}
    room = {r: sum((s.end - s.start) / MIN for s in slots if s.role_id == r) for r in (1, 2)}
    # every task is placed or does not fit; overflow only when the room left cannot hold it
    assert set(result.placements) | set(result.overflow) == set(by_id)
    for role in (1, 2):
        placed = [by_id[t] for t in result.placements if by_id[t].role_id == role]
        left = room[role] - sum(t.minutes for t in placed)
        for t in result.overflow:
            if by_id[t].role_id == role:
                assert by_id[t].minutes > left
    # segments: in slots of the task's role, no two tasks share a minute, whole estimate
    used: list[Interval] = []
    for task_id, placement in result.placements.items():
        assert sum((s.end - s.start) / MIN for s in placement.segments) == by_id[task_id].minutes
        for seg in placement.segments:
            slot = next(s for s in slots if s.slot_id == seg.slot_id)
            assert slot.role_id == by_id[task_id].role_id
            assert slot.start <= seg.start < seg.end <= slot.end
            assert not any(Interval(seg.start, seg.end).overlaps(u) for u in used)
            used.append(Interval(seg.start, seg.end))
    # no priority inversion among tasks without deadlines
    free = [t for t in result.placements if by_id[t].due is None]
    for a, b in itertools.permutations(free, 2):
        ta, tb = by_id[a], by_id[b]
        if ta.role_id == tb.role_id and (ta.priority, a) < (tb.priority, b):
            assert result.placements[a].segments[0].start < result.placements[b].segments[0].start
    # deadlines: no order of the role's tasks has fewer late ones (when all of them fit)
    for role in (1, 2):
        own = [t for t in tasks if t.role_id == role]
        if len(own) > 6 or any(by_id[t].role_id == role for t in result.overflow):
            continue
        fewest = min((_late_in_order(perm, slots) for perm in itertools.permutations(own)),
                     default=0)  # fmt: skip
        assert len([t for t in result.late if by_id[t].role_id == role]) <= fewest


# ---------------------------------------------------------------- the week's share


def test_the_week_repays_community_within_the_day() -> None:
    targets = [RoleTarget(1, 50), RoleTarget(2, 50)]
    # Monday: support ate 100 minutes of community time
    share = week_share(targets, {1: 300, 2: 200}, 465)
    assert share.behind == {1: -50.0, 2: 50.0}
    assert share.today[2] == 232.5 + 50 and share.today[1] == 232.5 - 50
    assert sum(share.today.values()) == 465  # the hard stop does not move
    assert share.extra(2, 465, targets) == 50


@settings(max_examples=300, deadline=None)
@given(
    weights=st.lists(st.integers(0, 9), min_size=2, max_size=3),
    worked=st.lists(st.integers(0, 2000), min_size=3, max_size=3),
    day=st.integers(0, 900),
    fraction=st.sampled_from([0.25, 0.5, 1.0]),
)
def test_week_share_properties(
    weights: list[int], worked: list[int], day: int, fraction: float
) -> None:
    assume(sum(weights) > 0)
    targets = [RoleTarget(i + 1, w) for i, w in enumerate(weights)]
    done = {i + 1: float(worked[i]) for i in range(len(weights))}
    share = week_share(targets, done, day, max_repay_fraction=fraction)
    if day == 0:
        assert share.today == {}
        return
    assert abs(sum(share.today.values()) - day) < 1e-6
    assert all(m >= 0 for m in share.today.values())
    total_w = sum(weights)
    plain = {r.role_id: r.share / total_w * day for r in targets}
    repaid = sum(max(0.0, share.today[r] - plain[r]) for r in plain)
    assert repaid <= fraction * day + 1e-6
    for role, behind in share.behind.items():
        extra = share.today[role] - plain[role]
        if behind > 0:
            assert -1e-6 <= extra <= behind + 1e-6  # repay, never more than is owed
        else:
            assert extra <= 1e-6  # a role ahead never gets more
            assert share.today[role] >= plain[role] * 0.5 - 1e-6  # and keeps half its share
    # after a day lived as planned, the debt is smaller (or nothing was owed)
    after = {r: done[r] + share.today[r] for r in done}
    again = week_share(targets, after, day, max_repay_fraction=fraction)
    owed_before = sum(v for v in share.behind.values() if v > 0)
    owed_after = sum(v for v in again.behind.values() if v > 0)
    assert owed_after <= owed_before + 1e-6
