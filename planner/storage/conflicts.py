"""Concurrent writers: per-owner write locks, and one clear error when another writer won."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from planner.domain.errors import ConcurrentChange
from planner.domain.i18n import tr

_NOUNS = {
    "role": "role",
    "task": "task",
    "slot": "slot",
    "calendar_source": "calendar",
    "entry": "entry",
}
# Constraint (or, for SQLite, the columns in its message) -> what the other writer did.
_CONSTRAINTS = {
    "uq_entry_one_running": "another device or window started something at the same moment",
    "entry.owner": "another device or window started something at the same moment",
    "ex_slot_no_overlap": "another device or window put a slot there at the same moment",
    "ex_entry_no_overlap": "another device or window logged time there at the same moment",
}


def hold(session: Session, owner: str) -> None:
    """Wait until no other transaction writes this owner's entries or slots; keep that until
    this transaction ends. Called before reading what is about to be changed.

    The rules it protects span rows ("one running entry", "no two slots overlap"), so there is
    no row to lock with SELECT … FOR UPDATE: PostgreSQL takes a transaction-scoped advisory
    lock instead (read committed: every statement after it sees what the previous holder
    committed). One lock per owner, not one per rule, so two of them can never deadlock.
    SQLite needs nothing: each writing transaction holds the file's write lock from its start
    (BEGIN IMMEDIATE). The database's own constraints stay the last word either way.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    held = (id(session.get_transaction()), owner)
    if session.info.get("splitday_lock") == held:  # taken already in this transaction
        return
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"splitday:writer:{owner}"},
    )
    session.info["splitday_lock"] = held


def translate(exc: BaseException) -> ConcurrentChange | None:
    """The user's words for a write that lost a race; None for any other error."""
    if isinstance(exc, StaleDataError):
        text_ = str(exc)
        noun = next((word for table, word in _NOUNS.items() if f"table '{table}'" in text_), "item")
        return ConcurrentChange(
            tr(
                "the {noun} was changed meanwhile on another device or in another window; nothing"
                " was saved — look at it again and retry"
            ).format(noun=noun)
        )
    if isinstance(exc, OperationalError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if code in ("40001", "40P01"):  # serialization failure, deadlock detected
            return ConcurrentChange(
                tr(
                    "another device or window was changing the same data; nothing was saved — try"
                    " again"
                )
            )
        return None
    if isinstance(exc, IntegrityError):
        orig = exc.orig
        diag = getattr(orig, "diag", None)
        name = getattr(diag, "constraint_name", None) or ""
        message = str(orig)
        for key, what in _CONSTRAINTS.items():
            if key == name or (not name and message.endswith(f"failed: {key}")):
                return ConcurrentChange(
                    tr("{what}; nothing was saved — try again").format(what=what)
                )
    return None


_OVERRULED = "splitday_overrule"


def overrule(session: Session, conflict: ConcurrentChange) -> Session:
    """Keep mine: in this transaction, an edit that saw an older version of the conflict's row
    goes ahead as long as the row is still as the conflict described it (its version then).
    A row changed once more since (a third save) is a new conflict, asked again."""
    if conflict.can_keep_mine:
        kept: dict[tuple[str, int], int] = session.info.setdefault(_OVERRULED, {})
        kept[(conflict.kind, conflict.row_id)] = conflict.version or 0
    return session


def overruled(session: Session, kind: str, row_id: int, version: int) -> bool:
    """Whether the person chose to keep their edit over this row at this version."""
    kept: dict[tuple[str, int], int] = session.info.get(_OVERRULED, {})
    return kept.get((kind, row_id)) == version
