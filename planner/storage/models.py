"""SQLAlchemy 2 typed ORM tables; every timestamp is aware UTC and every user row has an owner."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_uid() -> str:
    """A client-made identity: it survives delete and undo on any database (ids may not)."""
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; refuses naive ones (SQLite would drop the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime refused by the database layer: {value!r}")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"unexpected value in a timestamp column: {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _version() -> Mapped[int]:
    """A row's version, for the mapper's version_id_col: an UPDATE or DELETE based on a row
    that another transaction changed meanwhile matches nothing and fails (StaleDataError),
    instead of silently overwriting that change (a rename on another device)."""
    return mapped_column(Integer, default=1, server_default="1")


class Role(Base):
    __tablename__ = "role"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(80))
    colour: Mapped[str] = mapped_column(String(9), default="#4e79a7")
    target_percent: Mapped[float] = mapped_column(Float, default=50.0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = _version()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class WorkdaySetting(Base):
    """Default hours per weekday (0 = Monday); stop may pass 24:00 (a hard stop after midnight)."""

    __tablename__ = "workday_setting"
    __table_args__ = (UniqueConstraint("owner", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    weekday: Mapped[int] = mapped_column(Integer)
    is_workday: Mapped[bool] = mapped_column(Boolean, default=True)
    start_minute: Mapped[int] = mapped_column(Integer, default=9 * 60)
    stop_minute: Mapped[int] = mapped_column(Integer, default=17 * 60 + 30)


class Day(Base):
    """One local day's plan: its window (an override of the weekday default) and its life cycle."""

    __tablename__ = "day"
    __table_args__ = (UniqueConstraint("owner", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    stop: Mapped[datetime] = mapped_column(UTCDateTime())
    min_block_minutes: Mapped[int] = mapped_column(Integer, default=45)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Started before the plan begins: the log follows the plan from its first item after this.
    follow_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Slot(Base):
    __tablename__ = "slot"
    __table_args__ = (
        Index("ix_slot_owner_start", "owner", "start"),
        # PostgreSQL only: ex_slot_no_overlap (btree_gist, built by migration 0003 in plain SQL):
        # no two slots of one owner's day overlap, whoever writes them; checked at commit. Not
        # declared here: an ExcludeConstraint would load SQLAlchemy's whole PostgreSQL dialect
        # into every start on SQLite (+4.5 MB, before the first paint).
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    owner: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date, index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200), default="")
    origin: Mapped[str] = mapped_column(String(16), default="manual")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = _version()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (Index("ix_task_owner_day", "owner", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    owner: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="RESTRICT"))
    day: Mapped[date | None] = mapped_column(Date, default=None)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    estimate_minutes: Mapped[int] = mapped_column(Integer, default=30)
    status: Mapped[str] = mapped_column(String(16), default="open")
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("slot.id", ondelete="SET NULL"), default=None
    )
    carried_over: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # An optional deadline (migration 0006): the fit places the task to make it, or flags it.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Put into its slot by hand: the re-fit leaves it there (it re-fits all the others).
    slot_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = _version()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


BREAK_KINDS = ("lunch", "short")


class PlannedBreak(Base):
    """A break in a day's plan (migration 0006): lunch (from the weekday's setting, movable,
    skippable for the day) or a short break the rhythm put into a long stretch of focus. Not
    working time. A break taken is logged as an entry of kind "break", like any other."""

    __tablename__ = "planned_break"
    __table_args__ = (Index("ix_planned_break_owner_day", "owner", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    owner: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(16), default="lunch")
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)


class Entry(Base):
    """The actual-time log. An entry with no end is running; it is written when it starts."""

    __tablename__ = "entry"
    __table_args__ = (
        Index("ix_entry_owner_start", "owner", "start"),
        Index("ix_entry_owner_end", "owner", "end"),
        # At most one running entry per owner, on every backend (migration 0003 builds it with
        # the same WHERE on PostgreSQL; postgresql_where here would load that whole dialect into
        # every start on SQLite).
        Index(
            "uq_entry_one_running",
            "owner",
            unique=True,
            sqlite_where=text('"end" IS NULL'),
        ),
        # PostgreSQL only: ex_entry_no_overlap (btree_gist, migration 0003, plain SQL): one
        # owner's entries never overlap (the log's rule, tracking.check_log); a running one
        # reaches forever, an empty one overlaps nothing. Checked at commit, like the slots'.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    kind: Mapped[str] = mapped_column(String(16), default="work")
    role_id: Mapped[int | None] = mapped_column(
        ForeignKey("role.id", ondelete="RESTRICT"), default=None
    )
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="SET NULL"), default=None
    )
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("slot.id", ondelete="SET NULL"), default=None
    )
    follows_plan: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(120), default="")
    interrupted_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("entry.id", ondelete="SET NULL"), default=None
    )
    flag_unplanned: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_cross_role: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_in_focus: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_after_stop: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)


class CalendarSource(Base):
    __tablename__ = "calendar_source"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))  # file | folder | url | caldav
    location: Mapped[str] = mapped_column(Text)  # caldav: the calendar collection's URL
    default_role_id: Mapped[int | None] = mapped_column(
        ForeignKey("role.id", ondelete="SET NULL"), default=None
    )
    rules_json: Mapped[str] = mapped_column(Text, default="[]")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    raw: Mapped[str | None] = mapped_column(Text, default=None)
    etag: Mapped[str | None] = mapped_column(String(400), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(100), default=None)
    content_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_status: Mapped[str] = mapped_column(Text, default="")
    # caldav: the account (server URL and user name; the password is in the keyring) and the
    # RFC 6578 sync-token of the last pull (etag then holds the CTag)
    account_url: Mapped[str | None] = mapped_column(Text, default=None)
    account_user: Mapped[str | None] = mapped_column(String(200), default=None)
    sync_token: Mapped[str | None] = mapped_column(Text, default=None)
    version: Mapped[int] = _version()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CalDavResource(Base):
    """One calendar object of a CalDAV source as last pulled: its href, ETag, UID and data."""

    __tablename__ = "caldav_resource"
    __table_args__ = (UniqueConstraint("source_id", "href"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[int] = mapped_column(ForeignKey("calendar_source.id", ondelete="CASCADE"))
    href: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(400), default=None)
    uid: Mapped[str] = mapped_column(String(500), default="")
    data: Mapped[str] = mapped_column(Text, default="")


class PublishedSlot(Base):
    """A slot as Splitday last wrote it into the publish calendar (href, ETag, what was sent)."""

    __tablename__ = "published_slot"
    __table_args__ = (UniqueConstraint("owner", "slot_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    slot_uid: Mapped[str] = mapped_column(String(36))
    href: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(400), default=None)
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())


class Occurrence(Base):
    """One expanded calendar event in the rolling window, keyed on (source, UID, RECURRENCE-ID)."""

    __tablename__ = "occurrence"
    __table_args__ = (
        UniqueConstraint("source_id", "uid", "recurrence_id"),
        Index("ix_occurrence_owner_start", "owner", "start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[int] = mapped_column(ForeignKey("calendar_source.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(500))
    recurrence_id: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    busy: Mapped[bool] = mapped_column(Boolean, default=True)
    role_id: Mapped[int | None] = mapped_column(
        ForeignKey("role.id", ondelete="SET NULL"), default=None
    )
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    fingerprint: Mapped[str] = mapped_column(String(64), default="")


class UndoStep(Base):
    """One undoable plan edit: the rows it changed, before and after, keyed on their uids.

    Written in the edit's own transaction (planner.services.undo), so the journal and the data
    can never disagree."""

    __tablename__ = "undo_step"
    __table_args__ = (Index("ix_undo_step_owner_id", "owner", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Setting(Base):
    __tablename__ = "setting"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class DeliveredChange(Base):
    """A change made on a device while the server was away, once it has been delivered: its
    client-made uid, written in the change's own transaction, so that a delivery cut off after
    the commit (a kill -9, the network gone again) is recognised and never applied twice."""

    __tablename__ = "delivered_change"

    uid: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime())
