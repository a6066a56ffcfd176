"""Interruptions through the gateway: the quick log's lists, logging, back to work, the day log."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from planner.domain.flags import entry_in_words
from planner.domain.i18n import tr
from planner.domain.values import Change, EntryV, RoleV, SlotV
from planner.services import interruptions, planning, tracking
from planner.services.interruptions import ReflowAdvice
from ui.gateway import Gateway, Outcome, ReadFailed

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class DayLog:
    """What the interruption log shows for one day."""

    day: date
    entries: tuple[EntryV, ...]
    roles: tuple[RoleV, ...]
    summary: str
    now: datetime
    slots: tuple[SlotV, ...] = ()  # the day's plan, for the flags in words


@dataclass(frozen=True)
class Resumed:
    """What going back to work did: the interruption it ended, and what runs now."""

    ended: EntryV | None  # the interruption, as it ended
    entry: EntryV  # what runs now (or the interruption, when nothing was planned)
    at: datetime


class InterruptionActions:
    """Each call one transaction; a log or a resume is broadcast after the current event, so a
    forwarded command gets its reply before the views redraw."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.owner = gateway.owner

    def lists(self) -> tuple[list[RoleV], list[str]]:
        """Roles and recent sources for the quick log."""
        owner = self.owner

        def fetch(s: Session) -> tuple[list[RoleV], list[str]]:
            return planning.list_roles(s, owner), interruptions.recent_sources(s, owner)

        return self.gateway.read(fetch)

    def hotkey_state(self, at: datetime) -> tuple[EntryV | None, int | None]:
        """What runs now, and the role a new interruption at `at` would get."""
        owner = self.owner

        def fetch(s: Session) -> tuple[EntryV | None, int | None]:
            run = tracking.running(s, owner)
            if run is not None and run.kind == "interruption":
                return run, None
            return run, tracking.default_interruption_role(s, owner, at)

        return self.gateway.read(fetch)

    def log(
        self,
        at: datetime,
        note: str,
        source: str,
        role_id: int | None,
        minutes: int | None,
        *,
        role_name: str | None = None,
    ) -> Outcome[tuple[EntryV, Change]]:
        """Log an interruption at `at` (the key press): running from it, or, with `minutes`,
        over at it (it began `minutes` before; tracking.interrupt). No `now=` check here: a
        forwarded `splitday interrupt` is stamped by the CLI's own clock at the key press."""
        gateway, owner = self.gateway, self.owner

        def step(s: Session) -> tuple[EntryV, Change]:
            role = planning.find_role(s, owner, role_name).id if role_name else role_id
            entry, change = tracking.interrupt(
                s,
                owner,
                gateway.zone,
                at,
                note=note,
                role_id=role,
                source=source,
                minutes=minutes,
            )
            tracking.heartbeat(s, owner, gateway.now())
            return entry, change

        return gateway.run(step, inline=True, later=True)

    def back_to_work(self) -> Outcome[tuple[Resumed, Change]]:
        """End the running interruption and go back to what it interrupted."""
        gateway, owner, now = self.gateway, self.owner, self.gateway.now()

        def step(s: Session) -> tuple[Resumed, Change]:
            before = tracking.running(s, owner)
            entry, change = tracking.resume(s, owner, gateway.zone, now)
            tracking.heartbeat(s, owner, now)
            ended = replace(before, end=max(now, before.start)) if before is not None else None
            return Resumed(ended, entry, now), change

        return gateway.run(step, inline=True, later=True)

    def in_words(self, entry: EntryV) -> str:
        """The entry's flags in words ('pulled into Community during a Support focus block')."""
        owner, zone = self.owner, self.gateway.zone

        def fetch(s: Session) -> str:
            names = {r.id: r.name for r in planning.list_roles(s, owner, include_archived=True)}
            day = planning.day_of(s, owner, entry.start, zone)
            return entry_in_words(entry, names, planning.list_slots(s, owner, day))

        try:
            return self.gateway.read(fetch)
        except ReadFailed:  # the words are a courtesy: the entry is stored
            return ""

    def reflow_advice(self, ended: EntryV) -> ReflowAdvice | None:
        gateway = self.gateway
        return gateway.read(
            lambda s: interruptions.reflow_advice(s, self.owner, gateway.zone, gateway.now(), ended)
        )

    def reflow(self, day: date) -> Outcome[Any]:
        gateway = self.gateway
        return gateway.run(
            lambda s: planning.reflow_day(s, self.owner, day, gateway.zone, gateway.now())
        )

    # ------------------------------------------------------------ the day log

    def load(self, day: date) -> DayLog:
        gateway, owner, now = self.gateway, self.owner, self.gateway.now()

        def fetch(s: Session) -> DayLog:
            entries = interruptions.day_interruptions(s, owner, day, gateway.zone)
            roles = planning.list_roles(s, owner, include_archived=True)
            summary = tracking.summarise(entries, now).describe()
            slots = tuple(planning.list_slots(s, owner, day))
            return DayLog(day, tuple(entries), tuple(roles), summary, now, slots)

        return gateway.read(fetch, failure=tr("Could not read the interruptions"))

    def edit(self, entry_id: int, **fields: Any) -> Outcome[tuple[EntryV, Change]]:
        gateway = self.gateway
        return gateway.run(
            lambda s: tracking.edit_entry(
                s, self.owner, gateway.zone, entry_id, now=gateway.now(), **fields
            ),
            inline=True,
        )

    def to_work(self, entry_id: int) -> Outcome[tuple[EntryV, Change]]:
        """It was part of the plan after all: count it as work."""
        return self.edit(entry_id, kind="work")
