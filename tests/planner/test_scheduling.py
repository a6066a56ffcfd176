"""The planning rules: auto-split, fit tasks, re-flow (property-tested)."""

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.domain.scheduling import (
    Block,
    Busy,
    PlacedSlot,
    RoleTarget,
    SlotCapacity,
    TaskNeed,
    auto_split,
    fit_tasks,
    reflow,
)
from planner.domain.timerange import Interval, day_bounds, local_wall_time, merge

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
MIN45 = timedelta(minutes=45)
SUPPORT, COMMUNITY, ONCALL = 1, 2, 3


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def window(a: int, b: int) -> Interval:
    return Interval(at(a), at(b))


def share(blocks: list[Block], role: int, extra: float = 0.0) -> float:
    return sum(b.interval.minutes for b in blocks if b.role_id == role) + extra


def test_empty_window_and_no_roles_plan_nothing() -> None:
    assert auto_split(window(0, 0), [], [RoleTarget(SUPPORT, 1)], MIN45) == []
    assert auto_split(window(0, 480), [], [], MIN45) == []


def test_an_open_day_is_split_to_the_targets() -> None:
    blocks = auto_split(
        window(0, 480), [], [RoleTarget(SUPPORT, 60), RoleTarget(COMMUNITY, 40)], MIN45
    )
    # cut on 5-minute marks: 288/192 becomes 290/190
    assert share(blocks, SUPPORT) == 290
    assert share(blocks, COMMUNITY) == 190
    assert blocks[0].start == at(0) and blocks[-1].end == at(480)


def test_meetings_are_cut_out_and_count_for_their_role() -> None:
    busy = [Busy(window(60, 120), SUPPORT), Busy(window(240, 270), None, is_work=False)]
    blocks = auto_split(
        window(0, 480), busy, [RoleTarget(SUPPORT, 1), RoleTarget(COMMUNITY, 1)], MIN45
    )
    assert not any(b.interval.overlaps(x.interval) for b in blocks for x in busy)
    work = 480 - 30
    assert share(blocks, SUPPORT, extra=60) == pytest.approx(work / 2, abs=5)
    assert share(blocks, COMMUNITY) == pytest.approx(work / 2, abs=5)


def test_a_gap_shorter_than_the_minimum_is_one_block() -> None:
    blocks = auto_split(
        window(0, 30), [], [RoleTarget(SUPPORT, 1), RoleTarget(COMMUNITY, 1)], MIN45
    )
    assert len(blocks) == 1 and blocks[0].interval == window(0, 30)


def test_three_roles_and_deterministic() -> None:
    targets = [RoleTarget(SUPPORT, 50), RoleTarget(COMMUNITY, 30), RoleTarget(ONCALL, 20)]
    first = auto_split(window(0, 600), [Busy(window(100, 130))], targets, MIN45)
    again = auto_split(window(0, 600), [Busy(window(100, 130))], targets, MIN45)
    assert first == again
    assert {b.role_id for b in first} == {SUPPORT, COMMUNITY, ONCALL}


busy_strategy = st.lists(
    st.tuples(
        st.integers(0, 700), st.integers(5, 120), st.sampled_from([None, 1, 2]), st.booleans()
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(
    length=st.integers(0, 720),
    busy_raw=busy_strategy,
    weights=st.lists(st.integers(0, 100), min_size=1, max_size=4),
    min_block=st.sampled_from([15, 30, 45, 60, 90]),
)
def test_auto_split_properties(
    length: int,
    busy_raw: list[tuple[int, int, int | None, bool]],
    weights: list[int],
    min_block: int,
) -> None:
    win = window(0, length)
    busy = [Busy(window(a, a + d), role, is_work) for a, d, role, is_work in busy_raw]
    targets = [RoleTarget(i + 1, w) for i, w in enumerate(weights)]
    blocks = auto_split(win, busy, targets, timedelta(minutes=min_block))
    # nothing outside the window, no overlaps with each other or with busy time
    for b in blocks:
        assert win.start <= b.start < b.end <= win.end
        assert not any(b.interval.overlaps(x.interval) for x in busy)
    for a, b in itertools.pairwise(blocks):
        assert a.end <= b.start
        assert not (a.end == b.start and a.role_id == b.role_id)  # same-role neighbours merged
    # all free time (gaps of a minute or more) is planned
    free = win.subtract([x.interval for x in busy])
    assert sum(b.interval.minutes for b in blocks) == pytest.approx(
        sum(g.minutes for g in free if g.minutes >= 1)
    )
    # no block shorter than the minimum unless its gap is shorter
    gaps = merge(free)
    for b in blocks:
        gap = next(g for g in gaps if g.start <= b.start and b.end <= g.end)
        if b.interval.minutes < min_block:
            assert gap.minutes < 2 * min_block or b.interval == gap or gap.minutes >= min_block
    assert blocks == auto_split(win, busy, targets, timedelta(minutes=min_block))


@settings(max_examples=100, deadline=None)
@given(
    length=st.integers(240, 720),
    weight=st.integers(10, 90),
)
def test_shares_come_close_to_targets_in_an_open_day(length: int, weight: int) -> None:
    blocks = auto_split(
        window(0, length),
        [],
        [RoleTarget(SUPPORT, weight), RoleTarget(COMMUNITY, 100 - weight)],
        MIN45,
    )
    # one block's worth of slack at most
    assert share(blocks, SUPPORT) == pytest.approx(length * weight / 100, abs=45)


def test_dst_days_are_split_over_their_real_length() -> None:
    zone = ZoneInfo("Europe/Berlin")
    for day, hours in ((date(2026, 3, 29), 23), (date(2026, 10, 25), 25)):
        whole = day_bounds(day, zone)
        assert whole.duration == timedelta(hours=hours)
        blocks = auto_split(whole, [], [RoleTarget(SUPPORT, 1), RoleTarget(COMMUNITY, 1)], MIN45)
        assert share(blocks, SUPPORT) + share(blocks, COMMUNITY) == hours * 60
        assert share(blocks, SUPPORT) == pytest.approx(hours * 30, abs=5)


def test_a_hard_stop_after_midnight() -> None:
    zone = ZoneInfo("Europe/Berlin")
    day = date(2026, 11, 24)
    win = Interval(local_wall_time(day, 18 * 60, zone), local_wall_time(day, 26 * 60, zone))
    blocks = auto_split(win, [], [RoleTarget(SUPPORT, 1), RoleTarget(COMMUNITY, 1)], MIN45)
    assert blocks[-1].end.astimezone(zone).date() == date(2026, 11, 25)
    assert sum(b.interval.minutes for b in blocks) == 8 * 60


def test_fit_tasks_in_priority_order_with_overflow() -> None:
    slots = [
        SlotCapacity(10, SUPPORT, at(0), at(60)),
        SlotCapacity(11, COMMUNITY, at(60), at(120)),
        SlotCapacity(12, SUPPORT, at(120), at(150), used_minutes=10),
    ]
    tasks = [
        TaskNeed(1, SUPPORT, 45),
        TaskNeed(2, SUPPORT, 30),  # no room left in slot 10 -> slot 12 has 20 left -> overflow
        TaskNeed(3, COMMUNITY, 60),
        TaskNeed(4, SUPPORT, 15),
        TaskNeed(5, ONCALL, 5),  # no slot of its role
    ]
    result = fit_tasks(tasks, slots)
    assert result.placed == {1: 10, 3: 11, 4: 10}
    assert result.overflow == (2, 5)


def test_reflow_keeps_past_and_pinned_slots() -> None:
    win = window(0, 480)
    slots = [
        PlacedSlot(1, SUPPORT, at(0), at(120), movable=True),
        PlacedSlot(2, COMMUNITY, at(120), at(240), movable=True),
        PlacedSlot(3, SUPPORT, at(300), at(360), movable=False),
        PlacedSlot(4, COMMUNITY, at(360), at(480), movable=True),
    ]
    targets = [RoleTarget(SUPPORT, 1), RoleTarget(COMMUNITY, 1)]
    result = reflow(win, at(180), slots, [], targets, MIN45)
    assert result.truncate == {2: at(180)}
    assert set(result.remove) == {4}
    assert all(b.start >= at(180) for b in result.add)
    assert not any(b.interval.overlaps(Interval(at(300), at(360))) for b in result.add)
    # whole day stays balanced: Support 120 past + 60 pinned + new; Community 60 past + new
    support = 180 + share(list(result.add), SUPPORT)
    community = 60 + share(list(result.add), COMMUNITY)
    assert support == pytest.approx(community, abs=45)
    assert sum(b.interval.minutes for b in result.add) == 480 - 180 - 60


def test_reflow_after_the_day_ended_changes_nothing() -> None:
    result = reflow(window(0, 60), at(90), [], [], [RoleTarget(SUPPORT, 1)], MIN45)
    assert result.add == () and result.remove == () and result.truncate == {}
