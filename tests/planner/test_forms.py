"""The pure rules behind the planning forms."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.domain.errors import PlannerError
from planner.domain.forms import (
    check_hotkey,
    check_setting,
    initial_shares,
    minute_of_day,
    moment_at,
    rebalance,
    window_minutes,
)

BERLIN = ZoneInfo("Europe/Berlin")


def test_initial_shares_from_targets_add_up_to_100() -> None:
    assert initial_shares([(1, 50.0), (2, 50.0)]) == {1: 50, 2: 50}
    assert initial_shares([(1, 1.0), (2, 1.0), (3, 1.0)]) == {1: 34, 2: 33, 3: 33}
    assert initial_shares([(1, 0.0), (2, 0.0)]) == {1: 50, 2: 50}
    assert initial_shares([(7, 60.0), (9, 20.0)]) == {7: 75, 9: 25}


def test_initial_shares_prefer_a_saved_split_that_fits() -> None:
    targets = [(1, 50.0), (2, 50.0)]
    assert initial_shares(targets, {"1": 70, "2": 30}) == {1: 70, 2: 30}
    assert initial_shares(targets, {"1": 70, "3": 30}) == {1: 50, 2: 50}  # other roles
    assert initial_shares(targets, {"1": "x", "2": 30}) == {1: 50, 2: 50}
    assert initial_shares(targets, {"1": 0, "2": 0}) == {1: 50, 2: 50}


def test_rebalance_two_roles_moves_the_other() -> None:
    assert rebalance({1: 50, 2: 50}, 1, 70) == {1: 70, 2: 30}
    assert rebalance({1: 50, 2: 50}, 2, 100) == {1: 0, 2: 100}
    assert rebalance({1: 50, 2: 50}, 1, 140) == {1: 100, 2: 0}


def test_rebalance_keeps_the_others_in_proportion() -> None:
    assert rebalance({1: 50, 2: 30, 3: 20}, 1, 0) == {1: 0, 2: 60, 3: 40}
    # others at zero share the rest evenly
    assert rebalance({1: 100, 2: 0, 3: 0}, 1, 40) == {1: 40, 2: 30, 3: 30}


def test_rebalance_unknown_role_is_an_error() -> None:
    with pytest.raises(PlannerError):
        rebalance({1: 100}, 2, 10)


@given(
    st.lists(st.integers(0, 100), min_size=1, max_size=6),
    st.data(),
)
def test_rebalance_always_sums_to_100(weights: list[int], data: st.DataObject) -> None:
    shares = initial_shares([(i, float(w)) for i, w in enumerate(weights)])
    assert sum(shares.values()) == 100
    changed = data.draw(st.sampled_from(sorted(shares)))
    value = data.draw(st.integers(-20, 130))
    out = rebalance(shares, changed, value)
    assert sum(out.values()) == 100
    assert list(out) == list(shares)
    assert out[changed] == min(100, max(0, value)) or len(out) == 1
    assert all(v >= 0 for v in out.values())


def test_minute_of_day_past_midnight() -> None:
    day = date(2026, 11, 24)
    assert minute_of_day(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), day, BERLIN) == 9 * 60
    assert minute_of_day(datetime(2026, 11, 25, 0, 30, tzinfo=UTC), day, BERLIN) == 25 * 60 + 30


def test_moment_at_before_day_start_is_next_morning() -> None:
    day = date(2026, 11, 24)
    assert moment_at(day, 9 * 60, BERLIN, 240) == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert moment_at(day, 60, BERLIN, 240) == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    with pytest.raises(PlannerError):
        moment_at(day, 24 * 60, BERLIN, 240)


def test_check_setting_limits() -> None:
    assert check_setting("min_block_minutes", 45) == 45
    assert check_setting("slot_lead_minutes", "0") == 0
    with pytest.raises(PlannerError, match="between 5 and 240"):
        check_setting("min_block_minutes", 4)
    with pytest.raises(PlannerError, match="whole minutes"):
        check_setting("overtime_every_minutes", 2.5)
    with pytest.raises(PlannerError, match="not a number"):
        check_setting("overtime_every_minutes", "soon")
    with pytest.raises(PlannerError, match="unknown setting"):
        check_setting("colour_of_the_sky", 1)


@pytest.mark.parametrize("text", ["Ctrl+Alt+I", "Meta+F9", "Ctrl+Shift++", " Alt+Space "])
def test_check_hotkey_accepts(text: str) -> None:
    assert check_hotkey(text) == text.strip()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("I", "needs Ctrl"),
        ("Shift+I", "needs Ctrl"),
        ("Ctrl+Alt", "no key"),
        ("Ctrl+K, Ctrl+I", "single key combination"),
        ("Hyper+I", "unknown modifier"),
    ],
)
def test_check_hotkey_rejects(text: str, why: str) -> None:
    with pytest.raises(PlannerError, match=why):
        check_hotkey(text)


def test_window_minutes_stop_at_or_before_start_is_next_day() -> None:
    assert window_minutes(9 * 60, 17 * 60 + 30) == (540, 1050)
    assert window_minutes(18 * 60, 90) == (1080, 1530)
    assert window_minutes(9 * 60, 9 * 60) == (540, 540 + 1440)
