"""Calendar sources and their sync: load, parse/expand (ics_import), upsert occurrences, export."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat as stat_mode
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, defer

from planner.calendars.fetch import (
    Fetcher,
    FetchError,
    UrlFetcher,
    display_url,
    is_url,
    normalize_url,
    set_credentials,
    split_userinfo,
)
from planner.calendars.parse import CalendarError, Occ, ParseResult, decode, read
from planner.domain.errors import PlannerError
from planner.domain.i18n import ntr, tr
from planner.domain.timerange import Interval, local_wall_time
from planner.domain.values import Change, Topic
from planner.services import planning
from planner.storage import rawsql
from planner.storage.db import Database
from planner.storage.models import CalendarSource, Occurrence, Slot

WEEKS_BACK = 8
WINDOW_STEP_DAYS = 28
WINDOW_EPOCH = date(2001, 1, 1)  # a Monday: the steps start on Mondays
WEEKS_AHEAD = 26
SYNC_MINUTES = 30
MAX_FILE_BYTES = 50 * 1024 * 1024
SETTING_BACK = "calendar_weeks_back"
SETTING_AHEAD = "calendar_weeks_ahead"
SETTING_SYNC = "calendar_sync_minutes"
SETTING_SPAN = "calendar_max_span_minutes"  # kept by sync; bounds the week query
_CHUNK = 500
_HASH_BUFFER = 1 << 20  # the unchanged-file check hashes files in pieces of this size
_SETTLE_NS = 3 * 10**9  # file times can be this coarse (FAT: 2 s); newer ones are not trusted
_wall_ns = time.time_ns  # the clock file times are written with (not the app's clock)

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Rule:
    """A keyword (case-insensitive, in SUMMARY or CATEGORIES) that gives an event a role."""

    keyword: str
    role_id: int


@dataclass(frozen=True)
class SourceV:
    id: int
    name: str
    kind: str  # file | folder | url
    location: str  # shown without any password
    default_role_id: int | None
    rules: tuple[Rule, ...]
    enabled: bool
    last_sync_at: datetime | None
    last_status: str


@dataclass(frozen=True)
class Clash:
    """A slot the user placed by hand that an imported busy event now overlaps (not resolved)."""

    slot_id: int
    summary: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class SyncResult:
    source_id: int
    name: str
    ok: bool
    message: str
    unchanged: bool = False
    added: int = 0
    updated: int = 0
    removed: int = 0
    kept: int = 0
    problems: tuple[str, ...] = ()
    clashes: tuple[Clash, ...] = ()
    discarded: bool = False  # removed, edited or synced elsewhere meanwhile: nothing stored

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    @property
    def counts(self) -> str:
        """'3 new, 1 changed, 2 removed' (only what happened), or 'no changes'."""
        parts = [
            f"{n} {what}"
            for n, what in (
                (self.added, "new"),
                (self.updated, "changed"),
                (self.removed, "removed"),
            )
            if n
        ]
        return ", ".join(parts) or "no changes"


class OccurrenceV(NamedTuple):
    """A stored occurrence (a NamedTuple: the week view builds hundreds per repaint)."""

    id: int
    source_id: int
    source: str
    summary: str
    location: str
    start: datetime
    end: datetime
    all_day: bool
    busy: bool
    role_id: int | None


# ---------------------------------------------------------------- sources


def kind_of(location: str) -> str:
    if is_url(location) or location.strip().lower().startswith("webcal:"):
        return "url"
    return "folder" if Path(location).expanduser().is_dir() else "file"


def _clean_location(location: str) -> tuple[str, str]:
    text = location.strip()
    if not text:
        raise PlannerError(tr("a calendar source needs a file, folder or URL"))
    if "://" in text or text.lower().startswith(("webcal:", "file:")):
        return "url", _without_password(normalize_url(text))
    path = Path(text).expanduser()
    if not path.exists():
        raise PlannerError(tr("{text}: no such file or folder").format(text=text))
    if not path.is_dir() and not path.is_file():  # both follow symbolic links
        raise PlannerError(f"{text}: {_NOT_REGULAR}")
    return ("folder" if path.is_dir() else "file"), str(path.resolve())


def _without_password(url: str) -> str:
    """The URL as stored: a user:password in it goes to the system keyring (or the private
    credentials file where there is no keyring), never into the database and its backups."""
    clean, userinfo = split_userinfo(url)
    if userinfo is not None:
        set_credentials(clean, *userinfo)
    return clean


def _move_passwords_out(db: Database, owner: str) -> None:
    """Rows an older Splitday stored with user:password in the URL lose it (to the keyring)."""
    with db.transaction() as s:
        found = [
            (row.id, row.location)
            for row in s.scalars(
                select(CalendarSource).where(
                    CalendarSource.owner == owner,
                    CalendarSource.kind == "url",
                    CalendarSource.location.contains("@"),
                )
            )
            if split_userinfo(row.location)[1] is not None
        ]
    if not found:
        return
    moved = {source_id: _without_password(location) for source_id, location in found}
    with db.transaction() as s:  # the keyring may have asked to be unlocked: no lock held then
        for source_id, location in found:
            row = s.get(CalendarSource, source_id)
            if row is not None and row.location == location:
                row.location = moved[source_id]


def _rules_of(row: _Source) -> tuple[Rule, ...]:
    try:
        items = json.loads(row.rules_json or "[]")
        return tuple(Rule(str(i["keyword"]), int(i["role_id"])) for i in items)
    except (ValueError, KeyError, TypeError):
        return ()


def _source_v(row: CalendarSource) -> SourceV:
    return SourceV(
        row.id,
        row.name,
        row.kind,
        display_url(row.location) if row.kind == "url" else row.location,
        row.default_role_id,
        _rules_of(row),
        row.enabled,
        row.last_sync_at,
        row.last_status,
    )


def _check_rules(session: Session, owner: str, rules: Sequence[Rule]) -> str:
    valid = {r.id for r in planning.list_roles(session, owner, include_archived=True)}
    for rule in rules:
        if not rule.keyword.strip():
            raise PlannerError(tr("a rule needs a keyword"))
        if rule.role_id not in valid:
            raise PlannerError(
                tr("rule {keyword!r}: no role with id {role_id}").format(
                    keyword=rule.keyword, role_id=rule.role_id
                )
            )
    return json.dumps([{"keyword": r.keyword.strip(), "role_id": r.role_id} for r in rules])


def add_source(
    session: Session,
    owner: str,
    name: str,
    location: str,
    *,
    default_role_id: int | None = None,
    rules: Sequence[Rule] = (),
    enabled: bool = True,
) -> tuple[SourceV, Change]:
    name = name.strip()
    if not name:
        raise PlannerError(tr("a calendar source needs a name"))
    if session.scalar(
        select(CalendarSource.id).where(CalendarSource.owner == owner, CalendarSource.name == name)
    ):
        raise PlannerError(tr("there is already a calendar named {name!r}").format(name=name))
    kind, where = _clean_location(location)
    if default_role_id is not None:
        planning.find_role(session, owner, default_role_id)
    row = CalendarSource(
        owner=owner,
        name=name,
        kind=kind,
        location=where,
        default_role_id=default_role_id,
        rules_json=_check_rules(session, owner, rules),
        enabled=enabled,
        last_status="never synced",
    )
    session.add(row)
    session.flush()
    return _source_v(row), Change.of(Topic.CALENDARS)


_UNSET: Any = object()


def edit_source(
    session: Session,
    owner: str,
    source_id: int,
    *,
    name: str | None = None,
    location: str | None = None,
    default_role_id: int | None = _UNSET,
    rules: Sequence[Rule] | None = None,
    enabled: bool | None = None,
) -> tuple[SourceV, Change]:
    row = _row(session, owner, source_id)
    if name is not None and name.strip() != row.name:
        if not name.strip():
            raise PlannerError(tr("a calendar source needs a name"))
        row.name = name.strip()
    if location is not None and row.kind == "caldav":
        if location.strip() != row.location:
            raise PlannerError(
                tr("a CalDAV calendar keeps its address: remove it and add the account again")
            )
    elif location is not None:
        row.kind, row.location = _clean_location(location)
        row.content_hash = row.etag = row.last_modified = row.raw = None
    if default_role_id is not _UNSET:
        if default_role_id is not None:
            planning.find_role(session, owner, default_role_id)
        row.default_role_id = default_role_id
    if rules is not None:
        row.rules_json = _check_rules(session, owner, rules)
    if enabled is not None:
        row.enabled = enabled
    session.flush()
    return _source_v(row), Change.of(Topic.CALENDARS)


def remove_source(session: Session, owner: str, source_id: int) -> Change:
    """Remove a source and its occurrences (they leave the plan)."""
    row = _row(session, owner, source_id)
    session.execute(delete(Occurrence).where(Occurrence.source_id == row.id))
    session.delete(row)
    session.flush()
    return Change.of(Topic.CALENDARS, Topic.SLOTS)


def list_sources(session: Session, owner: str) -> list[SourceV]:
    rows = session.scalars(
        select(CalendarSource).where(CalendarSource.owner == owner).order_by(CalendarSource.name)
    )
    return [_source_v(r) for r in rows]


def find_source(session: Session, owner: str, name_or_id: str | int) -> SourceV:
    text = str(name_or_id).strip()
    sources = list_sources(session, owner)
    for s in sources:
        if str(s.id) == text or s.name.casefold() == text.casefold():
            return s
    names = ", ".join(s.name for s in sources) or "none"
    raise PlannerError(
        tr("no calendar {text!r} (calendars: {names})").format(text=text, names=names)
    )


def _row(session: Session, owner: str, source_id: int) -> CalendarSource:
    row = session.get(CalendarSource, source_id)
    if row is None or row.owner != owner:
        raise PlannerError(tr("no calendar with id {source_id}").format(source_id=source_id))
    return row


# ---------------------------------------------------------------- window and settings


def rolling_window(session: Session, owner: str, now: datetime, zone: tzinfo) -> Interval:
    """Local midnights around today: at least WEEKS_BACK weeks back and WEEKS_AHEAD ahead.

    The window moves in steps of WINDOW_STEP_DAYS, not daily: a moved window means parsing and
    expanding the whole calendar again (seconds for a large one), so with the step an unchanged
    source is re-parsed once every four weeks instead of every morning; the window holds up to
    WINDOW_STEP_DAYS more days ahead meanwhile.
    """
    back = planning.get_setting(session, owner, SETTING_BACK)
    ahead = planning.get_setting(session, owner, SETTING_AHEAD)
    today = now.astimezone(zone).date()
    first = today - timedelta(weeks=int(WEEKS_BACK if back is None else back))
    first -= timedelta(days=(first - WINDOW_EPOCH).days % WINDOW_STEP_DAYS)
    span = timedelta(weeks=int(WEEKS_BACK if back is None else back)) + timedelta(
        weeks=int(WEEKS_AHEAD if ahead is None else ahead), days=WINDOW_STEP_DAYS
    )
    return Interval(local_wall_time(first, 0, zone), local_wall_time(first + span, 0, zone))


def sync_interval_minutes(session: Session, owner: str) -> int:
    """How often the app re-syncs enabled sources (0 = only at start and on demand)."""
    value = planning.get_setting(session, owner, SETTING_SYNC)
    return int(SYNC_MINUTES if value is None else value)


# ---------------------------------------------------------------- loading

_Source: TypeAlias = "CalendarSource | _SourceData"  # a row, or what a sync read of it (_prepare)


@dataclass
class _Loaded:
    files: list[tuple[str, bytes]]
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    raw: str | None = None


_NOT_REGULAR = "not a regular file (a device, FIFO or socket cannot be a calendar)"


def _too_large(path: Path) -> CalendarError:
    return CalendarError(
        tr("{name}: larger than {cap_text}").format(name=path.name, cap_text=_cap_text())
    )


def _cap_text() -> str:
    cap = MAX_FILE_BYTES
    return f"{cap // 2**20} MB" if cap >= 2**20 else f"{cap} bytes"


def _open_regular(path: Path) -> int:
    """A descriptor of the regular file at `path`, opened without waiting: a FIFO would block
    open() until someone writes, and a device (/dev/zero) never ends."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        if not stat_mode.S_ISREG(os.fstat(fd).st_mode):
            raise CalendarError(f"{path}: {_NOT_REGULAR}")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read_file(path: Path) -> bytes:
    """The file's bytes, at most MAX_FILE_BYTES of them: the cap holds on what is read, since
    stat() can say 0 for a file that is not empty (/proc) or that grows while it is read."""
    try:
        fd = _open_regular(path)
        with os.fdopen(fd, "rb", buffering=0) as f:
            data = f.read(MAX_FILE_BYTES + 1)
            while len(data) <= MAX_FILE_BYTES and (more := f.read(MAX_FILE_BYTES + 1 - len(data))):
                data += more  # a short read before the end (pipes, /proc)
    except OSError as exc:
        raise CalendarError(
            tr("{path}: cannot be read ({reason})").format(path=path, reason=exc.strerror or exc)
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(path)
    return data


def _load(row: _Source, fetcher: Fetcher | None) -> _Loaded:
    if row.kind == "url":
        fetch = fetcher or UrlFetcher()
        have_raw = row.raw is not None
        got = fetch(
            row.location,
            etag=row.etag if have_raw else None,
            last_modified=row.last_modified if have_raw else None,
        )
        name = display_url(row.location)
        if got.data is None:
            assert row.raw is not None
            return _Loaded([(name, row.raw.encode())], None, got.etag, got.last_modified, None)
        # Decode once and keep the text: a later 304 re-expands exactly the same input.
        text = decode(got.data, got.charset)
        return _Loaded([(name, text.encode())], None, got.etag, got.last_modified, text)
    return _Loaded([(p.name, _read_file(p)) for p in _local_files(row)])


def _local_files(row: _Source) -> list[Path]:
    """The files a file or folder source is read from, in the order they are read."""
    path = Path(row.location)
    if row.kind == "folder":
        if not path.is_dir():
            raise CalendarError(tr("{path}: the folder is gone").format(path=path))
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".ics" and p.is_file())
        if not files:
            raise CalendarError(tr("{path}: no .ics files in this folder").format(path=path))
        return files
    return [path]


def _context(row: _Source, window: Interval, zone: tzinfo) -> str:
    text = f"{window.start.isoformat()}|{window.end.isoformat()}|{zone}|{row.default_role_id}|"
    return hashlib.sha256((text + row.rules_json).encode()).hexdigest()[:32]


def _stat_signature(row: _Source) -> str | None:
    """Size, mtime, ctime and inode of the file(s): an unchanged local calendar costs a stat().

    The ctime moves on every write and cannot be set back (a restored mtime can). None when a
    file cannot be stat()ed, or changed less than _SETTLE_NS ago: a second write within the
    same timestamp tick would leave every field as it is, so until then the files are hashed.
    """
    path = Path(row.location)
    try:
        if row.kind == "folder":
            items = sorted(p for p in path.iterdir() if p.suffix.lower() == ".ics")
        else:
            items = [path]
        parts = []
        newest = 0
        for item in items:
            st = item.stat()
            parts.append(f"{item.name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}")
            newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
    except OSError:
        return None
    if _wall_ns() - newest < _SETTLE_NS:
        return None
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def _digest(loaded: _Loaded, row: _Source, window: Interval, zone: tzinfo) -> str:
    """What an unchanged source is recognised by: its bytes, the window, zone, roles and rules."""
    files = ((name, hashlib.sha256(data).digest()) for name, data in loaded.files)
    return _combine(files, row, window, zone, loaded.charset)


def _local_digest(row: _Source, window: Interval, zone: tzinfo) -> str | None:
    """_digest of a file or folder source, hashed in pieces without reading the files whole.

    The same value _digest gives once the files are loaded (a test keeps it so), for about
    half the time: a 44 MB file is never copied into one bytes object. None if a file cannot
    be read; the caller then loads the source, which says why.
    """
    buffer = bytearray(_HASH_BUFFER)
    view = memoryview(buffer)

    def sha256(path: Path) -> bytes:
        h = hashlib.sha256()
        total = 0
        with os.fdopen(_open_regular(path), "rb", buffering=0) as f:
            while size := f.readinto(buffer):
                h.update(view[:size])
                total += size
                if total > MAX_FILE_BYTES:
                    # never stored, never shown: loading says so
                    raise CalendarError("too large")  # not translated: see above
        return h.digest()

    try:
        files = [(p.name, sha256(p)) for p in _local_files(row)]
    except (OSError, CalendarError):
        return None
    return _combine(files, row, window, zone, None)


def _combine(
    files: Iterable[tuple[str, bytes]],
    row: _Source,
    window: Interval,
    zone: tzinfo,
    charset: str | None,
) -> str:
    h = hashlib.sha256()
    context = f"{window.start.isoformat()}|{window.end.isoformat()}|{zone}|{row.default_role_id}|"
    h.update((context + row.rules_json + "|" + (charset or "")).encode())
    for name, file_sha256 in files:
        h.update(name.encode() + b"\0")
        h.update(file_sha256)
    return h.hexdigest()


# ---------------------------------------------------------------- sync


def _role_for(occ: Occ, rules: Sequence[Rule], default: int | None) -> int | None:
    if rules:
        text = " ".join((occ.summary, *occ.categories)).casefold()
        for rule in rules:
            if rule.keyword.casefold() in text:
                return rule.role_id
    return default


def _fingerprint(values: dict[str, Any]) -> str:
    text = "\x1f".join(
        str(values[k])
        for k in ("summary", "location", "start", "end", "all_day", "busy", "role_id", "sequence")
    )
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class _SourceData:
    """What a sync needs to know about a source, read in a short first transaction.

    Loading, fetching and parsing then run with no transaction open; the result is stored only
    if the source is still as read here (see _store).
    """

    id: int
    name: str
    kind: str
    location: str
    default_role_id: int | None
    rules_json: str
    enabled: bool
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    raw: str | None  # the kept copy of a URL's calendar (None for files and folders)

    @classmethod
    def of(cls, row: CalendarSource) -> _SourceData:
        return cls(
            row.id,
            row.name,
            row.kind,
            row.location,
            row.default_role_id,
            row.rules_json,
            row.enabled,
            row.etag,
            row.last_modified,
            row.content_hash,
            row.raw if row.kind == "url" else None,  # raw is deferred: only URLs load it
        )

    def edited(self, row: CalendarSource) -> bool:
        """The user changed what a sync result depends on (an edit, not another sync)."""
        if self.content_hash is not None and row.content_hash is None:
            return True  # the location was set again (to the same place): its cache was reset
        return (row.kind, row.location, row.default_role_id, row.rules_json, row.enabled) != (
            self.kind,
            self.location,
            self.default_role_id,
            self.rules_json,
            self.enabled,
        )

    def stored_meanwhile(self, row: CalendarSource) -> bool:
        """Another sync stored its result after this one read the source."""
        return (row.etag, row.last_modified, row.content_hash) != (
            self.etag,
            self.last_modified,
            self.content_hash,
        )


@dataclass(frozen=True)
class _Read:
    """What loading and parsing a source found; nothing of it is written yet.

    error set: the source could not be read (only its status changes). rows None otherwise:
    unchanged (only etag/last_modified and the status change).
    """

    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None
    raw: str | None = None
    rows: _Rows | None = None


@dataclass(frozen=True)
class _Rows:
    """Parsed occurrences as the column values to store: built before the write transaction
    (the roles come from the rules and default role, which _store checks are unchanged)."""

    values: dict[tuple[str, str], tuple[Occ, dict[str, Any]]]  # (uid, recurrence-id): first
    count: int  # occurrences in the window, repeated keys included
    longest: int | None  # minutes, for SETTING_SPAN
    problems: tuple[str, ...]


def _rows(parsed: ParseResult, source: _SourceData) -> _Rows:
    rules = _rules_of(source)
    by_key: dict[tuple[str, str], tuple[Occ, dict[str, Any]]] = {}
    for occ in parsed.occurrences:
        key = (occ.uid, occ.recurrence_id)
        if key in by_key:
            continue
        values: dict[str, Any] = {
            "summary": occ.summary,
            "location": occ.location,
            "start": occ.start,
            "end": occ.end,
            "all_day": occ.all_day,
            "busy": occ.busy,
            "role_id": _role_for(occ, rules, source.default_role_id),
            "sequence": occ.sequence,
        }
        values["fingerprint"] = _fingerprint(values)
        by_key[key] = (occ, values)
    longest = max(
        (int((o.end - o.start).total_seconds() // 60) + 1 for o in parsed.occurrences),
        default=None,
    )
    problems = tuple(str(p) for p in parsed.problems)
    return _Rows(by_key, len(parsed.occurrences), longest, problems)


def _prepare(
    session: Session, owner: str, source_id: int, now: datetime, zone: tzinfo
) -> tuple[_SourceData, Interval] | None:
    """Phase 1 (a short transaction): the source as it is now and the window; None if gone."""
    row = session.get(CalendarSource, source_id, options=[defer(CalendarSource.raw)])
    if row is None or row.owner != owner:
        return None
    return _SourceData.of(row), rolling_window(session, owner, now, zone)


def _read_source(
    source: _SourceData,
    window: Interval,
    zone: tzinfo,
    *,
    fetcher: Fetcher | None,
    force: bool,
    report: Progress,
) -> _Read:
    """Phase 2 (no transaction, no session): stat, hash, load or fetch, parse and expand."""
    report("loading", 0.0)
    context = _context(source, window, zone)
    local = source.kind != "url"
    stat = _stat_signature(source) if local else None
    if not force and stat is not None and (source.etag, source.last_modified) == (stat, context):
        # same files (size, mtime, inode) and same window: nothing to read
        return _Read(etag=stat, last_modified=context)
    if (
        local
        and not force
        and source.content_hash is not None
        and source.last_modified == context  # else the digest cannot match: skip to parsing
        and _local_digest(source, window, zone) == source.content_hash
    ):
        # touched or replaced, but the same bytes (and the same window, zone, roles, rules)
        return _Read(etag=stat, last_modified=context)
    try:
        loaded = _load(source, fetcher)
        if local:
            loaded.etag, loaded.last_modified = stat, context
        digest = _digest(loaded, source, window, zone)
        if not force and digest == source.content_hash:
            return _Read(etag=loaded.etag, last_modified=loaded.last_modified)
        report("parsing", 0.2)
        parsed = read(loaded.files, window, zone, charset=loaded.charset)
    except (CalendarError, FetchError) as exc:
        return _Read(error=str(exc))
    rows = _rows(parsed, source)
    return _Read(None, loaded.etag, loaded.last_modified, digest, loaded.raw, rows)


def _store(
    session: Session,
    owner: str,
    source: _SourceData,
    window: Interval,
    now: datetime,
    found: _Read,
    report: Progress,
) -> SyncResult:
    """Phase 3 (a short write transaction): store what was read, if the source is as it was.

    A source removed or edited meanwhile (location, rules, default role, enabled), or one that
    another sync stored in the meantime, is left alone: the result is dropped (the next sync
    reads the source again) and the SyncResult says so with discarded=True.
    """
    row = session.get(
        CalendarSource,
        source.id,
        options=[defer(CalendarSource.raw)],
        with_for_update=True,  # PostgreSQL: an edit waits for this; SQLite's lock is the file's
    )
    if row is None or row.owner != owner:
        return _discarded(source.id, source.name, tr("the calendar was removed during the sync"))
    if source.edited(row):
        row.last_status = "not synced: changed during the sync (the next sync reads it)"
        return _discarded(row.id, row.name, tr("the calendar was changed during the sync"))
    if source.stored_meanwhile(row):
        return _discarded(row.id, row.name, tr("another sync stored it meanwhile"))
    row.last_sync_at = now
    if found.error is not None:
        row.last_status = f"error: {found.error}"
        return SyncResult(row.id, row.name, False, found.error)
    row.etag, row.last_modified = found.etag, found.last_modified
    if found.rows is None:
        row.last_status = "ok: unchanged"
        report("done", 1.0)
        return SyncResult(row.id, row.name, True, tr("unchanged"), unchanged=True)
    report("storing", 0.8)
    rows = found.rows
    added, updated, removed, kept, clashes = _upsert(session, owner, row.id, rows, window)
    row.content_hash = found.digest
    if row.kind == "url" and found.raw is not None:
        row.raw = found.raw
    problems = rows.problems
    summary = f"{rows.count} events in the window"
    if problems:
        summary += f", {len(problems)} problem(s)"
    row.last_status = f"ok: {summary}"
    session.flush()
    report("done", 1.0)
    said = summary_words(summary)
    return SyncResult(
        row.id, row.name, True, said, False, added, updated, removed, kept, problems, clashes
    )


def _discarded(source_id: int, name: str, why: str) -> SyncResult:
    said = tr("not stored: {why}").format(why=why)
    return SyncResult(source_id, name, True, said, discarded=True)


# A source's last status is stored in English (`calendar list --json` shows it as it is);
# status_words() says it in the user's language where it is shown.
_IN_WINDOW = re.compile(r"(\d+) events in the window")
_ON_SERVER = re.compile(r"(\d+) changed, (\d+) deleted on the server")


def summary_words(summary: str) -> str:
    """'6 events in the window, 2 problem(s)' (as stored) in the user's language."""
    head, _, problems = summary.rpartition(", ")
    if problems.endswith(" problem(s)") and problems[: -len(" problem(s)")].isdigit():
        n = int(problems[: -len(" problem(s)")])
        said = ntr("{summary}, {n} problem", "{summary}, {n} problems", n)
        return said.format(summary=summary_words(head), n=n)
    fixed = {
        "unchanged": tr("unchanged"),
        "stored; the next sync derives the events again": tr(
            "stored; the next sync derives the events again"
        ),
    }
    if summary in fixed:
        return fixed[summary]
    found = _IN_WINDOW.fullmatch(summary)
    if found:
        n = int(found[1])
        return ntr("{n} event in the window", "{n} events in the window", n).format(n=n)
    found = _ON_SERVER.fullmatch(summary)
    if found:
        return tr("{changed} changed, {deleted} deleted on the server").format(
            changed=found[1], deleted=found[2]
        )
    return summary


def status_words(status: str) -> str:
    """A source's stored last status ('ok: …', 'error: …', 'never synced') as shown."""
    if status == "never synced":
        return tr("never synced")
    if status == "not synced: changed during the sync (the next sync reads it)":
        return tr("not synced: changed during the sync (the next sync reads it)")
    if status.startswith("ok: "):
        return tr("ok: {summary}").format(summary=summary_words(status[4:]))
    if status.startswith("error: "):
        return tr("error: {message}").format(message=status[7:])
    return status


def sync_source(
    session: Session,
    owner: str,
    source_id: int,
    *,
    now: datetime,
    zone: tzinfo,
    fetcher: Fetcher | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> SyncResult:
    """Bring one source's occurrences up to date; a source that cannot be read changes nothing.

    Only the source's status is written on failure. Everything runs in the caller's
    transaction, loading and parsing included: on SQLite that holds the write lock throughout,
    so the app and the command line use sync_database, which does not.
    """
    prepared = _prepare(session, owner, source_id, now, zone)
    if prepared is None:
        raise PlannerError(tr("no calendar with id {source_id}").format(source_id=source_id))
    source, window = prepared
    report = progress or _no_progress
    found = _read_source(source, window, zone, fetcher=fetcher, force=force, report=report)
    return _store(session, owner, source, window, now, found, report)


def _no_progress(stage: str, fraction: float) -> None:
    return


def _sync_in_phases(
    db: Database,
    owner: str,
    source_id: int,
    *,
    now: datetime,
    zone: tzinfo,
    fetcher: Fetcher | None,
    force: bool,
    name: str = "",
    cancelled: Callable[[], bool] = bool,
) -> SyncResult | None:
    """sync_source in three transactions: read the source, load and parse with none open, store.

    On SQLite every transaction takes the write lock (BEGIN IMMEDIATE): the seconds a large
    calendar takes to fetch or parse must not keep the app's other writes waiting. None when
    `cancelled()` said so before the store: nothing was written.
    """
    with db.transaction() as s:
        prepared = _prepare(s, owner, source_id, now, zone)
    if prepared is None:
        return _discarded(source_id, name, tr("the calendar was removed before the sync"))
    source, window = prepared
    found = _read_source(source, window, zone, fetcher=fetcher, force=force, report=_no_progress)
    if cancelled():
        return None
    with db.transaction() as s:
        return _store(s, owner, source, window, now, found, _no_progress)


def _upsert(
    session: Session, owner: str, source_id: int, rows: _Rows, window: Interval
) -> tuple[int, int, int, int, tuple[Clash, ...]]:
    existing = {
        (uid, rid): (oid, fp)
        for oid, uid, rid, fp in session.execute(
            select(
                Occurrence.id, Occurrence.uid, Occurrence.recurrence_id, Occurrence.fingerprint
            ).where(Occurrence.source_id == source_id)
        )
    }
    return apply_rows(session, owner, source_id, rows, window, existing)


def apply_rows(
    session: Session,
    owner: str,
    source_id: int,
    rows: _Rows,
    window: Interval,
    existing: dict[tuple[str, str], tuple[int, str]],
) -> tuple[int, int, int, int, tuple[Clash, ...]]:
    """Store `rows` over `existing` (the stored occurrences they replace, by (uid, recurrence
    id)): insert the new, update the changed, delete the gone; counts and the clashes."""
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    touched: list[Occ] = []
    for key, (occ, values) in rows.values.items():
        old = existing.get(key)
        if old is None:
            inserts.append(
                {"owner": owner, "source_id": source_id, "uid": key[0], "recurrence_id": key[1]}
                | values
            )
            touched.append(occ)
        elif old[1] != values["fingerprint"]:
            updates.append({"id": old[0]} | values)
            touched.append(occ)
    gone = [oid for key, (oid, _) in existing.items() if key not in rows.values]
    for i in range(0, len(gone), _CHUNK):
        session.execute(delete(Occurrence).where(Occurrence.id.in_(gone[i : i + _CHUNK])))
    if updates:
        session.execute(update(Occurrence), updates)
    for i in range(0, len(inserts), _CHUNK):
        session.execute(insert(Occurrence), inserts[i : i + _CHUNK])
    session.flush()
    _widen_span(session, owner, rows.longest)
    kept = len(rows.values) - len(inserts) - len(updates)
    return len(inserts), len(updates), len(gone), kept, _clashes(session, owner, touched, window)


def _widen_span(session: Session, owner: str, longest: int | None) -> None:
    """Remember the longest occurrence ever stored (minutes), so week queries can be bounded."""
    if longest is None:
        return
    known = planning.get_setting(session, owner, SETTING_SPAN)
    if known is None or longest > int(known):
        planning.set_setting(session, owner, SETTING_SPAN, longest)


def _clashes(
    session: Session, owner: str, occs: Sequence[Occ], window: Interval
) -> tuple[Clash, ...]:
    busy = sorted(
        (o for o in occs if o.busy and not o.all_day and o.end > o.start), key=lambda o: o.start
    )
    if not busy:
        return ()
    slots = session.execute(
        select(Slot.id, Slot.start, Slot.end).where(
            Slot.owner == owner,
            Slot.origin != "auto",
            Slot.start < min(window.end, busy[-1].end),
            Slot.end > max(window.start, busy[0].start),
        )
    ).all()
    out: list[Clash] = []
    for slot_id, s_start, s_end in slots:
        for occ in busy:
            if occ.start >= s_end:
                break
            if occ.end > s_start:
                out.append(Clash(slot_id, occ.summary, occ.start, occ.end))
    return tuple(out)


def sync_database(
    db: Database,
    owner: str,
    *,
    now: datetime,
    zone: tzinfo,
    source_ids: Sequence[int] | None = None,
    fetcher: Fetcher | None = None,
    force: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    cancelled: Callable[[], bool] = bool,
) -> list[SyncResult]:
    """Sync sources (all enabled ones by default) for a worker thread or the command line.

    Each source is read in a short transaction, loaded and parsed with none open, and stored
    in another short one: a slow URL or a large file never holds the database's write lock.
    progress(done, total, source name) is called before each source and once at the end.
    Once `cancelled()` is true (the app quits) no further source is read and nothing more is
    stored; the results so far are returned. CalDAV sources are not synced here (see
    planner.calendars.caldav_sync.sync_all, which syncs everything).
    """
    _move_passwords_out(db, owner)
    with db.transaction() as s:
        if source_ids is None:
            source_ids = s.scalars(
                select(CalendarSource.id).where(
                    CalendarSource.owner == owner, CalendarSource.enabled.is_(True)
                )
            ).all()
        names = {x.id: x.name for x in list_sources(s, owner) if x.kind != "caldav"}
    results: list[SyncResult] = []
    ids = [i for i in source_ids if i in names]
    for done, source_id in enumerate(ids):
        if cancelled():
            return results
        if progress:
            progress(done, len(ids), names[source_id])
        result = _sync_in_phases(
            db,
            owner,
            source_id,
            now=now,
            zone=zone,
            fetcher=fetcher,
            force=force,
            name=names[source_id],
            cancelled=cancelled,
        )
        if result is None:
            return results
        results.append(result)
    if progress:
        progress(len(ids), len(ids), "")
    return results


def import_database(
    db: Database,
    owner: str,
    location: str,
    *,
    now: datetime,
    zone: tzinfo,
    role_id: int | None = None,
    fetcher: Fetcher | None = None,
) -> SyncResult:
    """`splitday import`: a source that is not synced periodically; importing again updates it.

    The source is created (or its role set) in one transaction, then synced like sync_database.
    """
    kind, where = _clean_location(location)
    shown = display_url(where) if kind == "url" else Path(where).name
    name = f"import: {shown}"[:120]
    with db.transaction() as session:
        found = session.execute(
            select(CalendarSource.id, CalendarSource.default_role_id).where(
                CalendarSource.owner == owner, CalendarSource.name == name
            )
        ).first()
        if found is None:
            source, _ = add_source(
                session, owner, name, location, default_role_id=role_id, enabled=False
            )
            source_id = source.id
        else:
            source_id = found.id
            if role_id is not None and found.default_role_id != role_id:
                edit_source(session, owner, source_id, default_role_id=role_id)
    result = _sync_in_phases(
        db, owner, source_id, now=now, zone=zone, fetcher=fetcher, force=False, name=name
    )
    assert result is not None  # never cancelled
    if found is None and not result.ok:  # a first import that failed leaves nothing behind
        with db.transaction() as session:
            if session.get(CalendarSource, source_id) is not None:
                remove_source(session, owner, source_id)
    return result


# ---------------------------------------------------------------- queries


_WEEK_SQL = (
    'SELECT id, source_id, summary, location, start, "end", all_day, busy, role_id '
    'FROM occurrence WHERE owner = :owner AND start < :hi AND "end" > :lo'
)


def list_occurrences(
    session: Session, owner: str, window: Interval, *, source_id: int | None = None
) -> list[OccurrenceV]:
    """Stored occurrences overlapping window, by start: ~1.6 µs a row returned (1 000: 1.6 ms).

    It runs on every repaint of the week, so the scan of the (owner, start) index is bounded
    below by the longest stored event, and the rows come through planner.storage.rawsql (on
    SQLite straight from the DB-API cursor of the session's connection).
    """
    rows = rawsql.Rows(session)
    sources = "SELECT id, name FROM calendar_source WHERE owner = :owner"
    names = dict(rows(sources, {"owner": owner}))
    found = rows(
        "SELECT value FROM setting WHERE owner = :owner AND key = :key",
        {"owner": owner, "key": SETTING_SPAN},
    )
    longest = json.loads(found[0][0]) if found else None
    sql, params = _WEEK_SQL, {"owner": owner, "hi": window.end, "lo": window.start}
    if longest is not None:
        sql += " AND start > :floor"
        params["floor"] = window.start - timedelta(minutes=int(longest) + 1)
    if source_id is not None:
        sql += " AND source_id = :source"
        params["source"] = source_id
    found = rows(sql + " ORDER BY start, id", params)
    # Meetings share start and end times: parse each distinct value once (on SQLite the
    # values are UTC text, and with the offset appended fromisoformat returns UTC itself).
    distinct = {r[4] for r in found} | {r[5] for r in found}
    if rows.sqlite:
        parse = datetime.fromisoformat
        moments = {x: parse(x + "+00:00") for x in distinct}
    else:
        moments = {x: rawsql.moment(x) for x in distinct}
    get = names.get
    new = tuple.__new__  # what OccurrenceV(...) runs, minus its Python-level __new__
    return [
        new(
            OccurrenceV,
            (i, sid, get(sid, ""), summ, loc, moments[st], moments[en], bool(ad), bool(b), role),
        )
        for i, sid, summ, loc, st, en, ad, b, role in found
    ]


# ---------------------------------------------------------------- export


def export_ics(
    session: Session, owner: str, first: date, last: date, zone: tzinfo, *, now: datetime
) -> bytes:
    """The plan from first to last (inclusive) as an .ics: one event per slot, tasks listed."""
    import icalendar

    if last < first:
        raise PlannerError(tr("the end date is before the start date"))
    if (last - first).days > 366:
        raise PlannerError(tr("export at most one year at a time"))
    roles = {r.id: r for r in planning.list_roles(session, owner, include_archived=True)}
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Splitday//Plan export//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Splitday plan")
    day = first
    while day <= last:
        tasks = planning.list_tasks(session, owner, day)
        for slot in planning.list_slots(session, owner, day):
            role = roles.get(slot.role_id)
            role_name = role.name if role else "?"
            event = icalendar.Event()
            event.add("uid", f"slot-{slot.id}@splitday")
            event.add("dtstamp", now.astimezone(UTC))
            event.add("dtstart", slot.start.astimezone(UTC))
            event.add("dtend", slot.end.astimezone(UTC))
            title = f"{role_name}: {slot.title}" if slot.title else role_name
            event.add("summary", title)
            event.add("categories", [role_name])
            event.add("transp", "OPAQUE")
            lines = [
                f"- {t.title} ({t.estimate_minutes} min)" for t in tasks if t.slot_id == slot.id
            ]
            if lines:
                event.add("description", "\n".join(lines))
            cal.add_component(event)
        day += timedelta(days=1)
    data: bytes = cal.to_ical()
    return data
