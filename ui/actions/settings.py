"""Settings through the gateway: roles, weekday hours and lunch, numbers, the longest blocks,
the hotkey, the switches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planner.domain import forms
from planner.domain.i18n import tr
from planner.domain.values import Change, RoleV
from planner.services import planning
from ui.gateway import Gateway, Outcome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class SettingsView:
    """What the dialog shows, read in one transaction."""

    roles: tuple[RoleV, ...]
    hours: tuple[tuple[bool, int, int], ...]  # per weekday: is it a workday, start, stop
    numbers: dict[str, int]
    hotkey: str
    switches: dict[str, bool]
    dnd_roles: tuple[int, ...] = ()  # roles whose every slot turns Do Not Disturb on
    lunch: tuple[tuple[int, int] | None, ...] = ()  # per weekday: from, to (minutes) or None
    max_blocks: dict[int, int] | None = None  # the roles with a longest block of their own


class SettingsActions:
    """The settings a person may change; each edit is one gateway call."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.owner = gateway.owner

    def _run(self, step: Any) -> Outcome[Any]:
        return self.gateway.run(step, inline=True)

    def load(self, numbers: Iterable[str], switches: Iterable[str]) -> SettingsView:
        owner = self.owner

        def fetch(s: Session) -> SettingsView:
            return SettingsView(
                tuple(planning.list_roles(s, owner, include_archived=True)),
                tuple(planning.workday_hours(s, owner, weekday) for weekday in range(7)),
                {key: int(planning.get_setting(s, owner, key)) for key in numbers},
                str(planning.get_setting(s, owner, "hotkey") or ""),
                {key: bool(planning.get_setting(s, owner, key)) for key in switches},
                tuple(int(r) for r in planning.get_setting(s, owner, "dnd_roles") or ()),
                tuple(planning.lunch_minutes(s, owner, weekday) for weekday in range(7)),
                planning.max_blocks_by_role(s, owner),
            )

        return self.gateway.read(fetch, failure=tr("Could not read the settings"))

    def add_role(self, name: str) -> Outcome[Any]:
        return self._run(lambda s: planning.add_role(s, self.owner, name))

    def edit_role(self, role_id: int, **fields: Any) -> Outcome[Any]:
        return self._run(lambda s: planning.edit_role(s, self.owner, role_id, **fields))

    def set_hours(self, weekday: int, start: int, stop: int, is_workday: bool) -> Outcome[Any]:
        return self._run(
            lambda s: planning.set_workday_hours(s, self.owner, weekday, start, stop, is_workday)
        )

    def set_lunch(self, weekday: int, minutes: tuple[int, int] | None) -> Outcome[Change]:
        """A weekday's lunch break (from, to in minutes after midnight), or None for none; the
        lunches already written from today on follow it (see planning.set_lunch_minutes)."""
        zone = self.gateway.zone

        def save(s: Session) -> Change:
            today = planning.day_of(s, self.owner, self.gateway.now(), zone)
            return planning.set_lunch_minutes(
                s, self.owner, weekday, minutes, from_day=today, zone=zone
            )

        return self._run(save)

    def set_max_block(self, role_id: int, minutes: int | None) -> Outcome[Change]:
        """One role's longest block; None: the general one."""
        return self._run(lambda s: planning.set_max_block_minutes(s, self.owner, role_id, minutes))

    def set_number(self, key: str, value: int) -> Outcome[Change]:
        return self._run(
            lambda s: planning.set_setting(s, self.owner, key, forms.check_setting(key, value))
        )

    def set_hotkey(self, text: str) -> Outcome[Change]:
        return self._run(
            lambda s: planning.set_setting(s, self.owner, "hotkey", forms.check_hotkey(text))
        )

    def set_switch(self, key: str, on: bool) -> Outcome[Change]:
        return self._run(lambda s: planning.set_setting(s, self.owner, key, on))

    def set_dnd_roles(self, role_ids: Iterable[int]) -> Outcome[Change]:
        """The roles whose every slot is quiet (Do Not Disturb), whatever its length."""
        chosen = sorted({int(r) for r in role_ids})
        return self._run(lambda s: planning.set_setting(s, self.owner, "dnd_roles", chosen))
