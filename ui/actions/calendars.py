"""Calendar sources through the gateway: list, add, edit, remove, CalDAV accounts and publishing,
and the jobs (sync, test connection) for a worker thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from planner.calendars import caldav_sync
from planner.calendars import sync as calendars
from planner.calendars.caldav_client import (
    Account,
    Accounts,
    Opener,
    RemoteCalendar,
    account_key,
    open_account,
)
from planner.calendars.caldav_sync import PublishResult, PublishTarget
from planner.calendars.fetch import Fetcher, UrlFetcher, set_credentials
from planner.calendars.sync import Rule, SourceV, SyncResult
from planner.domain.i18n import tr
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
        self,
        gateway: Gateway,
        source_ids: list[int] | None,
        fetcher: Fetcher | None,
        opener: Opener | None = None,
        shared: Accounts | None = None,
    ) -> None:
        self._gateway, self._source_ids = gateway, source_ids
        self._fetcher: Fetcher = fetcher or UrlFetcher()
        self._accounts = Accounts(opener or open_account, share=True) if shared is None else shared

    def __call__(
        self, progress: Progress, cancelled: Callable[[], bool] = bool
    ) -> list[SyncResult]:
        return self._gateway.sync_calendars(
            self._source_ids, self._fetcher, progress, cancelled, self._accounts
        )

    def abort(self) -> None:
        abort = getattr(self._fetcher, "abort", None)
        if callable(abort):
            abort()
        self._accounts.abort()

    @property
    def aborted(self) -> bool:
        return self._accounts.aborted


class CalDavJob:
    """Talking to a CalDAV server off the GUI thread (test connection, choose or create the
    publish calendar, stop publishing); `abort()` cuts its connections off."""

    def __init__(self, work: Callable[[Opener], list[Any]], opener: Opener | None = None) -> None:
        self._work = work
        self._accounts = Accounts(opener) if opener is not None else Accounts()

    def __call__(self, progress: Progress, cancelled: Callable[[], bool] = bool) -> list[Any]:
        progress(0, 0, "")
        return self._work(self._accounts)

    def abort(self) -> None:
        self._accounts.abort()


def typed_opener(password: str, base: Opener | None = None) -> Opener:
    """Accounts with the password just typed (not yet stored); else the stored one."""
    if not password:
        return base or (lambda url, user: Account(url, user))
    return lambda url, user: Account(url, user, password)


class CalendarActions:
    """The calendar sources of the owner; each edit one gateway call."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.owner = gateway.owner
        self._accounts: Accounts | None = None  # CalDAV clients kept from one sync to the next

    def sources(self) -> tuple[list[SourceV], list[RoleV]]:
        owner = self.owner

        def fetch(s: Session) -> tuple[list[SourceV], list[RoleV]]:
            return calendars.list_sources(s, owner), planning.list_roles(s, owner)

        return self.gateway.read(fetch, failure=tr("Could not read the calendars"))

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

    def sync_job(
        self, source_ids: list[int] | None, fetcher: Fetcher | None, opener: Opener | None = None
    ) -> SyncJob:
        """What a worker thread runs (its own short transactions; see Gateway.sync_calendars).

        Without an opener the CalDAV clients are kept for the next job (building one costs more
        than an unchanged calendar's sync); a job that was aborted leaves none behind."""
        if opener is not None:
            return SyncJob(self.gateway, source_ids, fetcher, opener)
        if self._accounts is None or self._accounts.aborted:
            self._accounts = Accounts(share=True)
        return SyncJob(self.gateway, source_ids, fetcher, shared=self._accounts)

    # ------------------------------------------------------------ CalDAV

    def test_connection_job(
        self, url: str, user: str, password: str, opener: Opener | None = None
    ) -> CalDavJob:
        """A job that lists the account's calendars (the 'test connection')."""
        login = typed_opener(password, opener)
        return CalDavJob(lambda accounts: caldav_sync.discover(url, user, _chain(accounts, login)))

    def publish_target(self) -> PublishTarget | None:
        return self.gateway.read(lambda s: caldav_sync.publish_target(s, self.owner))

    def published_count(self) -> int:
        return self.gateway.read(lambda s: caldav_sync.published_count(s, self.owner))

    def store_password(self, url: str, user: str, password: str) -> str:
        """Keep a typed password in the keyring (or the private file); say where."""
        return set_credentials(account_key(url), user, password) if password else ""

    def add_caldav(
        self,
        url: str,
        user: str,
        chosen: Sequence[RemoteCalendar],
        *,
        default_role_id: int | None,
        rules: Sequence[Rule],
    ) -> Outcome[tuple[list[SourceV], Change]]:
        return self.gateway.run(
            lambda s: caldav_sync.add_calendars(
                s,
                self.owner,
                url,
                user,
                list(chosen),
                default_role_id=default_role_id,
                rules=list(rules),
            ),
            inline=True,
        )

    def choose_publish_job(
        self, url: str, user: str, password: str, calendar: str, opener: Opener | None = None
    ) -> CalDavJob:
        """A job that finds (or creates) the publish calendar: [RemoteCalendar, created]."""
        login = typed_opener(password, opener)

        def work(accounts: Opener) -> list[Any]:
            return list(
                caldav_sync.choose_publish_calendar(url, user, calendar, _chain(accounts, login))
            )

        return CalDavJob(work)

    def set_publish(self, target: PublishTarget | None) -> Outcome[Any]:
        return self.gateway.run(
            lambda s: caldav_sync.set_publish_target(s, self.owner, target), inline=True
        )

    def unpublish_job(self, *, remove: bool, opener: Opener | None = None) -> CalDavJob:
        """A job that stops publishing (and removes what was published): [PublishResult]."""
        gateway = self.gateway

        def work(accounts: Opener) -> list[PublishResult]:
            login = _chain(accounts, opener) if opener is not None else accounts
            return [gateway.unpublish(remove=remove, opener=login)]

        return CalDavJob(work)

    def synced(self, results: Sequence[SyncResult]) -> bool:
        """After a sync: tell every view when some source changed what it holds."""
        changed = any(r.ok and r.changed for r in results)
        if changed:
            self.gateway.broadcast(CALENDARS)
        return changed


def _chain(accounts: Opener, login: Opener | None) -> Opener:
    """`accounts` (which can abort) opening through `login` (which knows the password)."""
    if login is None or not isinstance(accounts, Accounts):
        return accounts
    accounts.opener = login
    return accounts
