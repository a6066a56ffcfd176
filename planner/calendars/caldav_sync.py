"""CalDAV accounts as calendar sources (pulled incrementally); the plan published as busy time."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from planner.calendars import sync
from planner.calendars.caldav_client import (
    Account,
    Accounts,
    CalDavError,
    Conflict,
    Delta,
    Opener,
    RemoteCalendar,
    Resource,
    open_account,
)
from planner.calendars.fetch import Fetcher
from planner.calendars.parse import CalendarError, read
from planner.calendars.sync import Rule, SourceV, SyncResult
from planner.domain.errors import PlannerError
from planner.domain.i18n import tr
from planner.domain.timerange import Interval
from planner.domain.values import Change, Topic
from planner.services import planning
from planner.storage.db import Database
from planner.storage.models import (
    CalDavResource,
    CalendarSource,
    Occurrence,
    PublishedSlot,
    Role,
    Slot,
)

KIND = "caldav"
PUBLISH_SETTING = "caldav_publish"  # {"url", "user", "calendar_url", "calendar", "privacy"}
DEFAULT_PUBLISH_CALENDAR = "Splitday focus"
PRIVACY = ("role", "busy")  # title "<Role> focus", or just "Busy"
PUBLISH_DAYS_AHEAD = 28  # slots this far ahead are published (the plan rarely reaches further)
UID_DOMAIN = "slot.splitday"  # published UIDs are <slot uid>@slot.splitday
MARKER = "X-SPLITDAY-SLOT"  # and carry this property: Splitday never touches anything else
_CHUNK = 500
_PARTS_RE = re.compile(r"(?m)^(?=BEGIN:(?:VTIMEZONE|VEVENT|VTODO|VJOURNAL|VFREEBUSY)\b)")
_UID_RE = re.compile(r"^UID[;:](?:[^:\r\n]*:)?([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.MULTILINE)


# ---------------------------------------------------------------- accounts as sources


def _source_name(session: Session, owner: str, wanted: str) -> str:
    taken = set(session.scalars(select(CalendarSource.name).where(CalendarSource.owner == owner)))
    name, n = wanted.strip()[:110] or "CalDAV", 2
    while name in taken:
        name = f"{wanted.strip()[:104]} ({n})"
        n += 1
    return name


def choose(
    found: Sequence[RemoteCalendar], names: Sequence[str], *, skip_url: str | None
) -> list[RemoteCalendar]:
    """The calendars named (by display name or the last part of the URL), or every calendar
    that holds events except the one Splitday publishes into."""
    usable = [c for c in found if c.events and c.url != skip_url]
    if not names:
        return usable
    out: list[RemoteCalendar] = []
    for wanted in names:
        key = wanted.strip().casefold()
        match = [
            c
            for c in found
            if c.name.casefold() == key or c.url.rstrip("/").rsplit("/", 1)[-1].casefold() == key
        ]
        if not match:
            have = ", ".join(c.name for c in found) or "none"
            raise PlannerError(
                tr("no calendar {wanted!r} on this account (calendars: {have})").format(
                    wanted=wanted, have=have
                )
            )
        out.extend(c for c in match if c not in out)
    return out


def add_calendars(
    session: Session,
    owner: str,
    url: str,
    user: str,
    calendars: Sequence[RemoteCalendar],
    *,
    default_role_id: int | None = None,
    rules: Sequence[Rule] = (),
    enabled: bool = True,
) -> tuple[list[SourceV], Change]:
    """Follow these calendars of the account (each one a source; the same calendar twice is
    refused)."""
    if not calendars:
        raise PlannerError(tr("no calendar with events to follow on this account"))
    rules_json = sync._check_rules(session, owner, rules)
    if default_role_id is not None:
        planning.find_role(session, owner, default_role_id)
    followed = set(
        session.scalars(
            select(CalendarSource.location).where(
                CalendarSource.owner == owner, CalendarSource.kind == KIND
            )
        )
    )
    out: list[SourceV] = []
    for cal in calendars:
        if cal.url in followed:
            raise PlannerError(
                tr("the calendar {name!r} is followed already").format(name=cal.name)
            )
        row = CalendarSource(
            owner=owner,
            name=_source_name(session, owner, cal.name),
            kind=KIND,
            location=cal.url,
            account_url=url,
            account_user=user,
            default_role_id=default_role_id,
            rules_json=rules_json,
            enabled=enabled,
            last_status="never synced",
        )
        session.add(row)
        session.flush()
        out.append(sync._source_v(row))
    return out, Change.of(Topic.CALENDARS)


def discover(url: str, user: str, opener: Opener = open_account) -> list[RemoteCalendar]:
    """The account's calendars: the 'test connection' (no database involved)."""
    account = opener(url, user)
    try:
        return account.calendars()
    finally:
        account.close()


# ---------------------------------------------------------------- pull


@dataclass(frozen=True)
class _Pulling:
    source: sync._SourceData
    account_url: str
    user: str
    sync_token: str | None
    ctag: str | None
    context: str | None
    version: int
    window: Interval


def _prepare(
    session: Session, owner: str, source_id: int, now: datetime, zone: tzinfo
) -> _Pulling | None:
    row = session.get(CalendarSource, source_id)
    if row is None or row.owner != owner or row.kind != KIND:
        return None
    return _Pulling(
        sync._SourceData.of(row),
        row.account_url or "",
        row.account_user or "",
        row.sync_token,
        row.etag,
        row.last_modified,
        row.version,
        sync.rolling_window(session, owner, now, zone),
    )


class _KeptETags(Mapping[str, str]):
    """href -> ETag of the objects kept for a source, read only if the pull needs them (an
    unchanged calendar's reply names none: the rows are not read at all)."""

    def __init__(self, db: Database, source_id: int) -> None:
        self._db, self._source_id = db, source_id
        self._rows: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._rows is None:
            with self._db.read() as s:
                self._rows = {
                    href: etag or ""
                    for href, etag in s.execute(
                        select(CalDavResource.href, CalDavResource.etag).where(
                            CalDavResource.source_id == self._source_id
                        )
                    )
                }
        return self._rows

    def __getitem__(self, href: str) -> str:
        return self._all()[href]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _uid_of(data: str) -> str:
    m = _UID_RE.search(data)
    if not m:
        return ""
    return re.sub(r"\r?\n[ \t]", "", m.group(1)).strip()[:500]


def _merged(resources: Sequence[tuple[str, str]]) -> bytes:
    """Calendar objects (one UID each, RFC 4791) as one VCALENDAR: parsed in one pass, as a
    .ics file is, with each time zone once."""
    zones: dict[str, str] = {}
    events: list[str] = []
    for _href, data in resources:
        text = data.replace("\r\n", "\n")
        body_start = text.find("\nBEGIN:", text.upper().find("BEGIN:VCALENDAR") + 1)
        body_end = text.upper().rfind("END:VCALENDAR")
        if body_start < 0 or body_end < 0:
            continue
        body = text[body_start + 1 : body_end]
        for part in _PARTS_RE.split(body):
            if part.upper().startswith("BEGIN:VTIMEZONE"):
                m = re.search(r"(?m)^TZID[^:]*:(.*)$", part)
                zones.setdefault(m.group(1).strip() if m else part, part)
            elif part.upper().startswith("BEGIN:VEVENT"):
                events.append(part)
    head = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Splitday//CalDAV pull//EN\n"
    text = head + "".join(z if z.endswith("\n") else z + "\n" for z in zones.values())
    text += "".join(e if e.endswith("\n") else e + "\n" for e in events) + "END:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode()


def _ours(data: str | None) -> bool:
    return data is not None and MARKER in data


@dataclass(frozen=True)
class _Pulled:
    error: str | None = None
    delta: Delta | None = None
    rows: sync._Rows | None = None
    uids: dict[str, str] | None = None  # href -> UID of the changed resources
    rederived: bool = False  # rows cover every stored resource (the window or rules moved)
    requests: int = 0


def _read(
    db: Database,
    pulling: _Pulling,
    zone: tzinfo,
    *,
    opener: Opener,
    use_sync_token: bool,
    stored: Callable[[], list[tuple[str, str]]],
    force: bool,
) -> _Pulled:
    source = pulling.source
    context = sync._context(source, pulling.window, zone)
    known = _KeptETags(db, source.id)
    try:
        account = opener(pulling.account_url, pulling.user)
    except CalDavError as exc:
        return _Pulled(error=str(exc))
    try:
        delta = account.pull(
            source.location,
            sync_token=None if force else pulling.sync_token,
            ctag=None if force else pulling.ctag,
            known={} if force else known,
            use_sync_token=use_sync_token,
        )
    except CalDavError as exc:
        return _Pulled(error=str(exc), requests=account.requests)
    finally:
        account.close()
    rederive = force or delta.full or context != pulling.context
    if delta.same and not rederive:
        return _Pulled(delta=delta, requests=account.requests)
    changed = {r.href: r.data or "" for r in delta.changed if not _ours(r.data)}
    uids = {href: _uid_of(data) for href, data in changed.items()}
    if rederive:  # every stored object again (the window or the rules moved), with the news
        items = dict(stored())
        if delta.full:  # the listing is complete: what it does not name is gone
            items = {h: d for h, d in items.items() if h in delta.unchanged}
        for href in delta.deleted:
            items.pop(href, None)
        items = {h: d for h, d in items.items() if not _ours(d)}
        items.update(changed)
        to_parse = list(items.items())
    else:
        to_parse = list(changed.items())
    try:
        parsed = read(
            [(source.name, _merged(to_parse))] if to_parse else [],
            pulling.window,
            zone,
        )
    except CalendarError as exc:
        return _Pulled(error=str(exc), requests=account.requests)
    return _Pulled(
        None, delta, sync._rows(parsed, source), uids, rederive, requests=account.requests
    )


def _store(
    session: Session,
    owner: str,
    pulling: _Pulling,
    found: _Pulled,
    now: datetime,
    zone: tzinfo,
) -> SyncResult:
    source = pulling.source
    row = session.get(CalendarSource, source.id, with_for_update=True)
    if row is None or row.owner != owner:
        gone = tr("the calendar was removed during the sync")
        return sync._discarded(source.id, source.name, gone)
    if source.edited(row):
        row.last_status = "not synced: changed during the sync (the next sync reads it)"
        return sync._discarded(row.id, row.name, tr("the calendar was changed during the sync"))
    if (row.sync_token, row.etag, row.last_modified) != (
        pulling.sync_token,
        pulling.ctag,
        pulling.context,
    ):
        return sync._discarded(row.id, row.name, tr("another sync stored it meanwhile"))
    row.last_sync_at = now
    if found.error is not None:
        # nothing else changes: the token stays, so the next sync asks for the same changes
        row.last_status = f"error: {found.error}"
        return SyncResult(row.id, row.name, False, found.error)
    delta = found.delta
    assert delta is not None
    row.sync_token = delta.sync_token
    row.etag = delta.ctag
    row.last_modified = sync._context(source, pulling.window, zone)
    if found.rows is None:
        row.last_status = "ok: unchanged"
        return SyncResult(row.id, row.name, True, tr("unchanged"), unchanged=True)
    uids = found.uids or {}
    # the stored resources follow the server
    old = {
        href: (rid, uid)
        for rid, href, uid in session.execute(
            select(CalDavResource.id, CalDavResource.href, CalDavResource.uid).where(
                CalDavResource.source_id == row.id
            )
        )
    }
    gone_hrefs = set(delta.deleted)
    if delta.full:
        gone_hrefs |= {h for h in old if h not in delta.unchanged and h not in uids}
    scope: set[str] | None = None
    if not found.rederived:
        scope = set(uids.values())
        scope |= {old[h][1] for h in gone_hrefs | set(uids) if h in old}
    ids = [old[h][0] for h in gone_hrefs if h in old]
    for i in range(0, len(ids), _CHUNK):
        session.execute(delete(CalDavResource).where(CalDavResource.id.in_(ids[i : i + _CHUNK])))
    by_href = {r.href: r for r in delta.changed}
    updates, inserts = [], []
    for href, uid in uids.items():
        res = by_href[href]
        values = {"etag": res.etag, "uid": uid, "data": res.data or ""}
        if href in old:
            updates.append({"id": old[href][0]} | values)
        else:
            inserts.append({"owner": owner, "source_id": row.id, "href": href} | values)
    if updates:
        session.execute(update(CalDavResource), updates)
    for i in range(0, len(inserts), _CHUNK):
        session.execute(insert(CalDavResource), inserts[i : i + _CHUNK])
    rows = found.rows
    if scope is None or "" in scope:
        if scope is not None:  # an object without a UID: derive the whole calendar again
            return _rederive_later(row)
        added, updated, removed, kept, clashes = sync._upsert(
            session, owner, row.id, rows, pulling.window
        )
    else:
        added, updated, removed, kept, clashes = _upsert_scope(
            session, owner, row.id, rows, pulling.window, scope
        )
    summary = f"{len(delta.changed)} changed, {len(delta.deleted)} deleted on the server"
    if found.rederived:
        summary = f"{rows.count} events in the window"
    if rows.problems:
        summary += f", {len(rows.problems)} problem(s)"
    row.last_status = f"ok: {summary}"
    session.flush()
    return SyncResult(
        row.id,
        row.name,
        True,
        sync.summary_words(summary),
        False,
        added,
        updated,
        removed,
        kept,
        rows.problems,
        clashes,
    )


def _rederive_later(row: CalendarSource) -> SyncResult:
    row.last_modified = None  # the next sync derives every occurrence again
    row.last_status = "ok: stored; the next sync derives the events again"
    return SyncResult(row.id, row.name, True, tr("stored (events derived at the next sync)"))


def _upsert_scope(
    session: Session,
    owner: str,
    source_id: int,
    rows: sync._Rows,
    window: Interval,
    scope: set[str],
) -> tuple[int, int, int, int, tuple[sync.Clash, ...]]:
    """sync._upsert for the events of some UIDs only: the rest of the calendar stays as it is."""
    existing: dict[tuple[str, str], tuple[int, str]] = {}
    uids = sorted(scope)
    for i in range(0, len(uids), _CHUNK):
        for oid, uid, rid, fp in session.execute(
            select(
                Occurrence.id, Occurrence.uid, Occurrence.recurrence_id, Occurrence.fingerprint
            ).where(Occurrence.source_id == source_id, Occurrence.uid.in_(uids[i : i + _CHUNK]))
        ):
            existing[(uid, rid)] = (oid, fp)
    return sync.apply_rows(session, owner, source_id, rows, window, existing)


def pull_source(
    db: Database,
    owner: str,
    source_id: int,
    *,
    now: datetime,
    zone: tzinfo,
    opener: Opener = open_account,
    use_sync_token: bool = True,
    force: bool = False,
    cancelled: Callable[[], bool] = bool,
) -> SyncResult | None:
    """One CalDAV source brought up to date in three steps: read it (a short transaction), ask
    the server with no transaction open, store (another short one). A server that cannot be
    reached changes nothing but the status; the next sync asks again from the same point."""
    with db.read() as s:  # no write lock: most pulls find nothing new
        pulling = _prepare(s, owner, source_id, now, zone)
    if pulling is None:
        return sync._discarded(source_id, "", tr("the calendar was removed before the sync"))

    def stored() -> list[tuple[str, str]]:
        with db.read() as s:
            return [
                (href, data)
                for href, data in s.execute(
                    select(CalDavResource.href, CalDavResource.data).where(
                        CalDavResource.source_id == source_id
                    )
                )
            ]

    found = _read(
        db, pulling, zone, opener=opener, use_sync_token=use_sync_token, stored=stored, force=force
    )
    if cancelled():
        return None
    with db.transaction() as s:
        return _store(s, owner, pulling, found, now, zone)


# ---------------------------------------------------------------- publish


@dataclass(frozen=True)
class PublishTarget:
    url: str  # the account's server URL
    user: str
    calendar_url: str
    calendar: str
    privacy: str = "role"


@dataclass(frozen=True)
class PublishResult:
    ok: bool
    message: str
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept: int = 0
    conflicts: int = 0  # 412s resolved (the plan's version was written)
    requests: int = 0
    calendar: str = ""


def publish_target(session: Session, owner: str) -> PublishTarget | None:
    value = planning.get_setting(session, owner, PUBLISH_SETTING)
    if not isinstance(value, dict) or not value.get("calendar_url"):
        return None
    return PublishTarget(
        str(value["url"]),
        str(value["user"]),
        str(value["calendar_url"]),
        str(value.get("calendar") or DEFAULT_PUBLISH_CALENDAR),
        str(value.get("privacy") or "role"),
    )


def published_count(session: Session, owner: str) -> int:
    rows = session.scalars(select(PublishedSlot.id).where(PublishedSlot.owner == owner))
    return len(list(rows))


def set_publish_target(
    session: Session, owner: str, target: PublishTarget | None
) -> tuple[PublishTarget | None, Change]:
    if target is not None and target.privacy not in PRIVACY:
        raise PlannerError(
            tr("privacy is one of {choices}, not {privacy!r}").format(
                choices=", ".join(PRIVACY), privacy=target.privacy
            )
        )
    if target is not None and session.scalar(
        select(CalendarSource.id).where(
            CalendarSource.owner == owner,
            CalendarSource.kind == KIND,
            CalendarSource.location == target.calendar_url,
        )
    ):
        raise PlannerError(
            tr(
                "{calendar} is followed as a calendar source: publish into another one (or "
                "remove that source first)"
            ).format(calendar=target.calendar)
        )
    old = publish_target(session, owner)
    if old is not None and (target is None or target.calendar_url != old.calendar_url):
        # another calendar (or none): what was published there is no longer ours to follow
        session.execute(delete(PublishedSlot).where(PublishedSlot.owner == owner))
    value = None
    if target is not None:
        value = {
            "url": target.url,
            "user": target.user,
            "calendar_url": target.calendar_url,
            "calendar": target.calendar,
            "privacy": target.privacy,
        }
    planning.set_setting(session, owner, PUBLISH_SETTING, value)
    return target, Change.of(Topic.SETTINGS)


def choose_publish_calendar(
    url: str, user: str, name: str, opener: Opener = open_account
) -> tuple[RemoteCalendar, bool]:
    """The account's calendar named `name`, created if it does not exist; (calendar, created)."""
    account = opener(url, user)
    try:
        for cal in account.calendars():
            if cal.name.casefold() == name.strip().casefold():
                return cal, False
        return account.make_calendar(name.strip()), True
    finally:
        account.close()


@dataclass(frozen=True)
class _Wanted:
    slot_uid: str
    start: datetime
    end: datetime
    title: str
    role: str
    fingerprint: str


@dataclass(frozen=True)
class _Known:
    id: int
    slot_uid: str
    href: str
    etag: str | None
    fingerprint: str
    start: datetime
    end: datetime


def _wanted(session: Session, owner: str, now: datetime, privacy: str) -> dict[str, _Wanted]:
    """The slots to publish: those not over yet, up to PUBLISH_DAYS_AHEAD days ahead.

    Past slots are left as they were published (the calendar keeps what was planned then; a
    later edit of yesterday's plan does not rewrite colleagues' view of yesterday)."""
    roles = {r.id: r.name for r in session.scalars(select(Role).where(Role.owner == owner))}
    rows = session.execute(
        select(Slot.uid, Slot.start, Slot.end, Slot.role_id).where(
            Slot.owner == owner,
            Slot.end > now,
            Slot.start < now + timedelta(days=PUBLISH_DAYS_AHEAD),
            Slot.origin != "calendar",  # a meeting from a calendar is not focus time
        )
    ).all()
    out: dict[str, _Wanted] = {}
    for uid, start, end, role_id in rows:
        role = roles.get(role_id, "Focus")
        title = f"{role} focus" if privacy == "role" else "Busy"
        text = f"{start.isoformat()}|{end.isoformat()}|{title}|{role}"
        fp = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
        out[uid] = _Wanted(uid, start, end, title, role, fp)
    return out


def _event(w: _Wanted, now: datetime) -> str:
    def esc(text: str) -> str:
        return (
            text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        )

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Splitday//Published plan//EN",
        "BEGIN:VEVENT",
        f"UID:{w.slot_uid}@{UID_DOMAIN}",
        f"DTSTAMP:{stamp(now)}",
        f"DTSTART:{stamp(w.start)}",
        f"DTEND:{stamp(w.end)}",
        f"SUMMARY:{esc(w.title)}",
        f"CATEGORIES:{esc(w.role)}",
        "TRANSP:OPAQUE",
        "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
        f"{MARKER}:{w.slot_uid}",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)


def _is_ours(res: Resource | None, slot_uid: str) -> bool:
    if res is None or res.data is None:
        return False
    text = res.data.replace("\r\n ", "").replace("\n ", "")
    return f"{MARKER}:{slot_uid}" in text and f"UID:{slot_uid}@{UID_DOMAIN}" in text


def push(
    db: Database,
    owner: str,
    *,
    now: datetime,
    opener: Opener = open_account,
    cancelled: Callable[[], bool] = bool,
) -> PublishResult | None:
    """Bring the publish calendar in step with the plan: one request per changed slot.

    Conflicts (412: the event changed on the server since Splitday wrote it) are resolved for
    the plan: the event is read again and, if it is still Splitday's, written over; an event
    that is no longer Splitday's (its marker gone) is left alone and forgotten. A failure
    keeps what was done so far; the rest is tried at the next sync. None: not publishing."""
    with db.read() as s:
        target = publish_target(s, owner)
    if target is None:
        return None
    result = _push_to(db, owner, target, now=now, opener=opener, cancelled=cancelled)
    return replace(result, calendar=target.calendar)


def _push_to(
    db: Database,
    owner: str,
    target: PublishTarget,
    *,
    now: datetime,
    opener: Opener,
    cancelled: Callable[[], bool],
) -> PublishResult:
    with db.read() as s:
        wanted = _wanted(s, owner, now, target.privacy)
        known = {
            k.slot_uid: k
            for k in (
                _Known(r.id, r.slot_uid, r.href, r.etag, r.fingerprint, r.start, r.end)
                for r in s.scalars(select(PublishedSlot).where(PublishedSlot.owner == owner))
            )
        }
    todo_put = [
        w
        for w in wanted.values()
        if (k := known.get(w.slot_uid)) is None or k.fingerprint != w.fingerprint
    ]
    todo_delete = [k for uid, k in known.items() if uid not in wanted and k.end > now]
    kept = len(wanted) - len(todo_put)
    if not todo_put and not todo_delete:
        return PublishResult(True, "up to date", kept=kept)
    try:
        account = opener(target.url, target.user)
    except CalDavError as exc:
        return PublishResult(False, str(exc))
    created = updated = removed = conflicts = 0
    error: str | None = None
    base = target.calendar_url if target.calendar_url.endswith("/") else target.calendar_url + "/"
    try:
        for w in todo_put:
            if cancelled():
                break
            k = known.get(w.slot_uid)
            href = k.href if k else f"{base}splitday-{w.slot_uid}.ics"
            data = _event(w, now)
            etag = k.etag if k else None
            try:
                new_etag, resolved = _put_resolving(account, href, data, etag, w.slot_uid)
            except _NotOurs:
                _forget(db, owner, w.slot_uid)
                continue
            conflicts += resolved
            _remember(db, owner, w, href, new_etag)
            if k:
                updated += 1
            else:
                created += 1
        for k in todo_delete:
            if cancelled():
                break
            with contextlib.suppress(_NotOurs):
                _delete_resolving(account, k)
            _forget(db, owner, k.slot_uid)
            removed += 1
    except CalDavError as exc:
        error = str(exc)
    finally:
        account.close()
    counts = ", ".join(
        f"{n} {what}"
        for n, what in ((created, "new"), (updated, "changed"), (removed, "removed"))
        if n
    )
    if error is not None:
        done = f" ({counts} done; the rest at the next sync)" if counts else ""
        return PublishResult(
            False, error + done, created, updated, removed, kept, conflicts, account.requests
        )
    return PublishResult(
        True, counts or "up to date", created, updated, removed, kept, conflicts, account.requests
    )


class _NotOurs(Exception):
    """The event at Splitday's href no longer carries Splitday's marker: never touched."""


def _put_resolving(
    account: Account, href: str, data: str, etag: str | None, slot_uid: str
) -> tuple[str | None, int]:
    try:
        return account.put(href, data, etag=etag), 0
    except Conflict:
        current = account.get(href)
        if current is None:  # deleted on the server meanwhile: the plan still wants it
            return account.put(href, data, etag=None), 1
        if not _is_ours(current, slot_uid):
            raise _NotOurs from None
        return account.put(href, data, etag=current.etag), 1


def _delete_resolving(account: Account, k: _Known) -> None:
    try:
        account.delete(k.href, etag=k.etag)
    except Conflict:
        current = account.get(k.href)
        if current is None:
            return
        if not _is_ours(current, k.slot_uid):
            raise _NotOurs from None
        account.delete(k.href, etag=current.etag)


def _remember(db: Database, owner: str, w: _Wanted, href: str, etag: str | None) -> None:
    # each request's outcome is stored at once: a failure later on loses nothing done
    with db.transaction() as s:
        row = s.scalar(
            select(PublishedSlot).where(
                PublishedSlot.owner == owner, PublishedSlot.slot_uid == w.slot_uid
            )
        )
        if row is None:
            row = PublishedSlot(owner=owner, slot_uid=w.slot_uid, href=href)
            s.add(row)
        row.href, row.etag, row.fingerprint = href, etag, w.fingerprint
        row.start, row.end = w.start, w.end


def _forget(db: Database, owner: str, slot_uid: str) -> None:
    with db.transaction() as s:
        s.execute(
            delete(PublishedSlot).where(
                PublishedSlot.owner == owner, PublishedSlot.slot_uid == slot_uid
            )
        )


def unpublish(
    db: Database, owner: str, *, remove: bool, now: datetime, opener: Opener = open_account
) -> PublishResult:
    """Stop publishing; with remove, delete what Splitday published (only its own events; past
    ones too). The setting goes either way."""
    with db.read() as s:
        target = publish_target(s, owner)
        known = [
            _Known(r.id, r.slot_uid, r.href, r.etag, r.fingerprint, r.start, r.end)
            for r in s.scalars(select(PublishedSlot).where(PublishedSlot.owner == owner))
        ]
    if target is None:
        return PublishResult(True, "not publishing")
    removed = 0
    error = None
    if remove and known:
        try:
            account = opener(target.url, target.user)
        except CalDavError as exc:
            return PublishResult(False, str(exc))
        try:
            for k in known:
                try:
                    _delete_resolving(account, k)
                    removed += 1
                except _NotOurs:
                    pass
                _forget(db, owner, k.slot_uid)
        except CalDavError as exc:
            error = str(exc)
        finally:
            account.close()
    if error is not None:
        message = f"{error} ({removed} removed; still publishing)"
        return PublishResult(False, message, removed=removed)
    with db.transaction() as s:
        set_publish_target(s, owner, None)
    what = f"; {removed} published event(s) removed" if remove else ""
    return PublishResult(True, f"stopped publishing to {target.calendar}{what}", removed=removed)


# ---------------------------------------------------------------- everything at once


def caldav_ids(session: Session, owner: str, only: Sequence[int] | None) -> list[int]:
    q = select(CalendarSource.id).where(CalendarSource.owner == owner, CalendarSource.kind == KIND)
    if only is None:
        q = q.where(CalendarSource.enabled.is_(True))
    ids = list(session.scalars(q))
    return ids if only is None else [i for i in only if i in ids]


def sync_all(
    db: Database,
    owner: str,
    *,
    now: datetime,
    zone: tzinfo,
    source_ids: Sequence[int] | None = None,
    fetcher: Fetcher | None = None,
    opener: Opener = open_account,
    force: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    cancelled: Callable[[], bool] = bool,
    publish: bool = True,
) -> tuple[list[SyncResult], PublishResult | None]:
    """`calendar sync`: files, folders and URLs (sync.sync_database), then the CalDAV sources
    (pulled), then the plan pushed to the publish calendar."""
    with db.read() as s:
        dav = caldav_ids(s, owner, source_ids)
        sources = sync.list_sources(s, owner)
    names = {x.id: x.name for x in sources}
    others = None if source_ids is None else [i for i in source_ids if i not in dav]
    if others is None and all(x.kind == KIND or not x.enabled for x in sources):
        others = []  # nothing else to sync
    results: list[SyncResult] = []
    if others is None or others:
        results = sync.sync_database(
            db,
            owner,
            now=now,
            zone=zone,
            source_ids=others,
            fetcher=fetcher,
            force=force,
            progress=None,
            cancelled=cancelled,
        )
    # one client per account for the whole sync (or for as long as the caller keeps it)
    own = not (isinstance(opener, Accounts) and opener.share)
    shared = Accounts(opener, share=True) if own else opener
    try:
        return _sync_caldav(
            db, owner, dav, names, results, shared,
            now=now, zone=zone, force=force, progress=progress, cancelled=cancelled,
            publish=publish,
        )  # fmt: skip
    finally:
        if own and isinstance(shared, Accounts):
            shared.close()


def _sync_caldav(
    db: Database,
    owner: str,
    dav: list[int],
    names: dict[int, str],
    results: list[SyncResult],
    opener: Opener,
    *,
    now: datetime,
    zone: tzinfo,
    force: bool,
    progress: Callable[[int, int, str], None] | None,
    cancelled: Callable[[], bool],
    publish: bool,
) -> tuple[list[SyncResult], PublishResult | None]:
    before = len(results)
    total = before + len(dav)
    for n, source_id in enumerate(dav):
        if cancelled():
            return results, None
        if progress:
            progress(before + n, total, names.get(source_id, ""))
        result = pull_source(
            db,
            owner,
            source_id,
            now=now,
            zone=zone,
            opener=opener,
            force=force,
            cancelled=cancelled,
        )
        if result is None:
            return results, None
        results.append(result)
    if progress:
        progress(total, total, "")
    pushed = push(db, owner, now=now, opener=opener, cancelled=cancelled) if publish else None
    return results, pushed


def as_sync_result(r: PublishResult) -> SyncResult:
    """A publish step in the list of sync results (source_id 0: no source)."""
    name = tr("Publish to {calendar}").format(calendar=r.calendar) if r.calendar else tr("Publish")
    return SyncResult(0, name, r.ok, r.message)


def counts_json(r: PublishResult) -> dict[str, Any]:
    return {
        "ok": r.ok,
        "message": r.message,
        "created": r.created,
        "updated": r.updated,
        "removed": r.removed,
        "kept": r.kept,
        "conflicts": r.conflicts,
    }


def describe(r: PublishResult) -> str:
    return json.dumps(counts_json(r))
