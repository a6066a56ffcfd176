"""Calendar sources through the gateway: list, add, edit, remove, and the sync job for a thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from planner.calendars import sync as calendars
from planner.calendars.fetch import Fetcher, UrlFetcher
from planner.calendars.sync import Rule, SourceV, SyncResult
from planner.domain.values import Change, RoleV, Topic
from planner.services import planning
from ui.gateway import Gateway, Outcome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Progress = Callable[[int, int, str], None]
CALENDARS = Change.of(Topic.CALENDARS)


class SyncJob:
    """A sync for a worker thread: its own short transactions (see Gateway.sync_calendars);
    `abort()`, from another thread, cuts its downloads off at once."""

    def __init__(
        self, gateway: Gateway, source_ids: list[int] | None, fetcher: Fetcher | None
    ) -> None:
        self._gateway, self._source_ids = gateway, source_ids
        self._fetcher: Fetcher = fetcher or UrlFetcher()

    def __call__(
        self, progress: Progress, cancelled: Callable[[], bool] = bool
    ) -> list[SyncResult]:
        return self._gateway.sync_calendars(self._source_ids, self._fetcher, progress, cancelled)

    def abort(self) -> None:
        abort = getattr(self._fetcher, "abort", None)
        if callable(abort):
            abort()


class CalendarActions:
    """The calendar sources of the owner; each edit one gateway call."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.owner = gateway.owner

    def sources(self) -> tuple[list[SourceV], list[RoleV]]:
        owner = self.owner

        def fetch(s: Session) -> tuple[list[SourceV], list[RoleV]]:
            return calendars.list_sources(s, owner), planning.list_roles(s, owner)

        return self.gateway.read(fetch, failure="Could not read the calendars")

    def sync_interval_minutes(self) -> int:
        return self.gateway.read(lambda s: calendars.sync_interval_minutes(s, self.owner))

    def roles(self) -> list[RoleV]:
        return self.gateway.read(lambda s: planning.list_roles(s, self.owner))

    def add(
        self,
        name: str,
        location: str,
        *,
        default_role_id: int | None,
        rules: Sequence[Rule],
        enabled: bool,
    ) -> Outcome[tuple[SourceV, Change]]:
        return self.gateway.run(
            lambda s: calendars.add_source(
                s,
                self.owner,
                name,
                location,
                default_role_id=default_role_id,
                rules=list(rules),
                enabled=enabled,
            ),
            inline=True,
        )

    def edit(self, source_id: int, **fields: Any) -> Outcome[tuple[SourceV, Change]]:
        return self.gateway.run(
            lambda s: calendars.edit_source(s, self.owner, source_id, **fields), inline=True
        )

    def remove(self, source_id: int) -> Outcome[Change]:
        return self.gateway.run(
            lambda s: calendars.remove_source(s, self.owner, source_id), inline=True
        )

    def sync_job(self, source_ids: list[int] | None, fetcher: Fetcher | None) -> SyncJob:
        """What a worker thread runs (its own short transactions; see Gateway.sync_calendars)."""
        return SyncJob(self.gateway, source_ids, fetcher)

    def synced(self, results: Sequence[SyncResult]) -> bool:
        """After a sync: tell every view when some source changed what it holds."""
        changed = any(r.ok and r.changed for r in results)
        if changed:
            self.gateway.broadcast(CALENDARS)
        return changed
