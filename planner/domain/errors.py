"""The one exception type whose message is meant for the user."""

from __future__ import annotations


class PlannerError(Exception):
    """Bad input or an impossible request; the message is one clear line for the user."""


class ConcurrentChange(PlannerError):
    """Another device or window changed the same thing at the same time; nothing was saved.

    When the edit named the version it saw (`seen_version`) the conflict is a choice: `theirs`
    says in words how the row is now, `mine` what this save would have made of it. `kind` and
    `row_id` name the row and `version` is its version now: running the same edit again with
    that version accepted (planner.storage.conflicts.overrule) keeps mine over theirs; doing
    nothing keeps theirs. `gone`: the row was deleted meanwhile (there is no mine to keep: an
    edit of it would bring it back behind the person's back)."""

    def __init__(
        self,
        message: str,
        *,
        kind: str = "",
        row_id: int = 0,
        version: int | None = None,
        theirs: str = "",
        mine: str = "",
        gone: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind, self.row_id, self.version = kind, row_id, version
        self.theirs, self.mine, self.gone = theirs, mine, gone

    @property
    def can_keep_mine(self) -> bool:
        """Whether the same edit can be applied over theirs (the row is still there)."""
        return bool(self.kind) and not self.gone and self.version is not None
