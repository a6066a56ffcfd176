"""Reminders and gap answers through the gateway: what is due now, and logging a gap."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from planner.domain.values import Change, EntryV, RoleV
from planner.services import gaps, planning, reminders, tracking
from ui.gateway import Gateway, Outcome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class ReminderActions:
    """What the reminder service and the gap question read and write (one transaction each)."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.owner = gateway.owner

    def gap_threshold(self) -> timedelta:
        """How long an absence must last to be asked about (setting gap_minutes)."""
        minutes = self.gateway.setting("gap_minutes")
        return timedelta(minutes=max(1, int(minutes or 10)))

    def check(self, now: datetime) -> Outcome[tuple[reminders.Check, Change]]:
        """Take the reminders due now (recorded as delivered); broadcast after this event."""
        gateway = self.gateway

        def step(s: Session) -> tuple[reminders.Check, Change]:
            check = reminders.check(s, self.owner, gateway.zone, now)
            return check, check.change

        return gateway.run(step, inline=True, later=True)

    def gap_context(self, gap: gaps.Gap) -> tuple[list[RoleV], EntryV | None, str, gaps.Gap | None]:
        """The roles, what runs, the answer to offer first, and the part of the gap worth
        asking about (None: the log does not count it as work: the lunch, a closed day)."""
        owner = self.owner
        threshold = self.gap_threshold()
        zone = self.gateway.zone

        def fetch(s: Session) -> tuple[list[RoleV], EntryV | None, str, gaps.Gap | None]:
            asked = gaps.to_ask(s, owner, gap, threshold)
            return (
                planning.list_roles(s, owner),
                tracking.running(s, owner),
                gaps.suggest(s, owner, zone, asked or gap),
                asked,
            )

        return self.gateway.read(fetch)

    def record_gap(
        self, gap: gaps.Gap, kind: str, *, role_id: int | None, note: str
    ) -> Outcome[Any]:
        gateway = self.gateway
        return gateway.run(
            lambda s: gaps.record_gap(
                s, self.owner, gateway.zone, gap.interval, kind, role_id=role_id, note=note
            ),
            inline=True,
        )
