"""Pure rules behind the planning forms: a role split kept at 100 %, wall minutes, settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from planner.domain.errors import PlannerError
from planner.domain.i18n import tr
from planner.domain.timerange import local_wall_time

# Allowed range (inclusive) of each numeric setting a form may change, with its unit for messages.
SETTING_LIMITS: dict[str, tuple[int, int]] = {
    "min_block_minutes": (5, 240),
    "slot_lead_minutes": (0, 60),
    "slot_end_warning_minutes": (0, 60),
    "overtime_every_minutes": (1, 240),
    "interruption_nag_minutes": (1, 240),
    "resumption_cost_minutes": (0, 120),
    "short_break_minutes": (0, 60),  # 0: no short breaks
    "short_break_after_minutes": (15, 8 * 60),
    "max_block_minutes": (15, 12 * 60),
}
HOTKEY_MODIFIERS = ("Ctrl", "Alt", "Meta", "Shift")


def _spread(total: int, weights: Mapping[int, float], order: Sequence[int]) -> dict[int, int]:
    """Whole numbers in proportion to `weights` that add up to `total` (largest remainder)."""
    if not order:
        return {}
    clean = {k: max(0.0, float(weights.get(k, 0.0))) for k in order}
    mass = sum(clean.values())
    if mass <= 0:
        clean = dict.fromkeys(order, 1.0)
        mass = float(len(order))
    raw = {k: total * clean[k] / mass for k in order}
    out = {k: int(raw[k]) for k in order}
    left = total - sum(out.values())
    by_remainder = sorted(order, key=lambda k: (-(raw[k] - out[k]), order.index(k)))
    for k in by_remainder[:left]:
        out[k] += 1
    return {k: out[k] for k in order}


def initial_shares(
    targets: Sequence[tuple[int, float]], saved: Mapping[str, Any] | None = None
) -> dict[int, int]:
    """The split to start from: the last one saved if it fits these roles, else the targets.

    Both come out as whole percentages adding up to 100. `saved` maps role ids (as JSON keys)
    to percentages.
    """
    order = [role_id for role_id, _ in targets]
    if saved:
        try:
            weights = {int(k): float(v) for k, v in saved.items()}
        except (TypeError, ValueError):
            weights = {}
        if sorted(weights) == sorted(order) and sum(weights.values()) > 0:
            return _spread(100, weights, order)
    return _spread(100, dict(targets), order)


def rebalance(shares: Mapping[int, int], changed: int, value: int) -> dict[int, int]:
    """Set one role's share; the others share the rest in their current proportions."""
    if changed not in shares:
        raise PlannerError(tr("no role with id {changed} in this split").format(changed=changed))
    value = min(100, max(0, int(value)))
    others = [k for k in shares if k != changed]
    if not others:
        return {changed: 100}
    rest = _spread(100 - value, {k: float(shares[k]) for k in others}, others)
    return {k: (value if k == changed else rest[k]) for k in shares}


def minute_of_day(moment: datetime, day: date, zone: tzinfo) -> int:
    """Wall-clock minutes of `moment` after local midnight of `day` (past 1440 on the next day)."""
    local = moment.astimezone(zone)
    return (local.date() - day).days * 24 * 60 + local.hour * 60 + local.minute


def window_minutes(start_minute: int, stop_time_minute: int) -> tuple[int, int]:
    """A workday from two times of day: a stop at or before the start is on the next day."""
    if stop_time_minute <= start_minute:
        stop_time_minute += 24 * 60
    return start_minute, stop_time_minute


def moment_at(day: date, minute: int, zone: tzinfo, day_start_minute: int) -> datetime:
    """The moment a time of day means on `day`: before the day's start it is the next morning."""
    if not 0 <= minute < 24 * 60:
        raise PlannerError(tr("a time of day is between 00:00 and 23:59"))
    if minute < day_start_minute:
        minute += 24 * 60
    return local_wall_time(day, minute, zone)


def check_setting(key: str, value: Any) -> int:
    """A numeric setting's value if it is allowed, else a PlannerError saying what is."""
    if key not in SETTING_LIMITS:
        raise PlannerError(tr("unknown setting {key!r}").format(key=key))
    low, high = SETTING_LIMITS[key]
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise PlannerError(
            tr("{replace}: not a number: {value!r}").format(
                replace=key.replace("_", " "), value=value
            )
        ) from exc
    if number != value and not isinstance(value, str):
        raise PlannerError(
            tr("{replace}: whole minutes only").format(replace=key.replace("_", " "))
        )
    if not low <= number <= high:
        label = key.replace("_minutes", "").replace("_", " ")
        raise PlannerError(
            tr("{label} is between {low} and {high} minutes, not {number}").format(
                label=label, low=low, high=high, number=number
            )
        )
    return number


def check_hotkey(text: str) -> str:
    """A hotkey in Qt's portable text ('Ctrl+Alt+I'): one chord, a modifier and a key."""
    clean = text.strip()
    if not clean:
        raise PlannerError(tr("the hotkey is empty; press a key combination such as Ctrl+Alt+I"))
    if ", " in clean:
        raise PlannerError(tr("the hotkey must be a single key combination, not a sequence"))
    if clean.endswith("++"):
        modifiers, key = clean[:-2].split("+"), "+"
    else:
        *modifiers, key = clean.split("+")
    modifiers = [m for m in modifiers if m]
    if not key or key in HOTKEY_MODIFIERS:
        raise PlannerError(
            tr("the hotkey {clean!r} has no key besides its modifiers").format(clean=clean)
        )
    unknown = [m for m in modifiers if m not in HOTKEY_MODIFIERS]
    if unknown:
        raise PlannerError(
            tr("the hotkey {clean!r} has an unknown modifier {value!r}").format(
                clean=clean, value=unknown[0]
            )
        )
    if not any(m in ("Ctrl", "Alt", "Meta") for m in modifiers):
        raise PlannerError(
            tr(
                "the hotkey {clean!r} needs Ctrl, Alt or Meta, or it would fire while you type"
            ).format(clean=clean)
        )
    return clean
