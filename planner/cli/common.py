"""What every `splitday` subcommand shares: the context, the usage error, dates, JSON output."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from planner.domain.clock import Clock
    from planner.domain.values import RoleV
    from planner.storage.db import Database

EXIT_USAGE = 2
EXIT_ERROR = 1


class CliError(Exception):
    """A usage mistake (exit code 2)."""


class CommandFailed(Exception):
    """The command was understood but could not be carried out (exit code 1)."""


def parse_duration(text: str) -> int:
    """'30m', '1h', '1h30m', '1:30', '90' -> minutes (a usage error when it is none of these)."""
    from planner.domain import durations  # not at import: `splitday interrupt` forwards first
    from planner.domain.errors import PlannerError

    try:
        return durations.parse_duration(text)
    except PlannerError as exc:
        raise CliError(str(exc)) from exc


def parse_date(text: str | None, today: date) -> date:
    if text is None or text == "today":
        return today
    words = {"tomorrow": 1, "yesterday": -1}
    if text in words:
        return today + timedelta(days=words[text])
    if re.fullmatch(r"[+-]\d+", text):
        return today + timedelta(days=int(text))
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CliError(f"not a date: {text!r} (use YYYY-MM-DD, today, tomorrow, +1)") from exc


# ---------------------------------------------------------------- context


class Context:
    """What a command needs: the database, the owner, the clock and the user's zone."""

    def __init__(self, db_url: str | None) -> None:
        from planner.domain.clock import clock_from_env, local_zone
        from planner.services import planning
        from planner.storage.db import open_database

        self.clock: Clock = clock_from_env()
        self.zone = local_zone()
        self.db: Database = open_database(db_url)
        self.owner = self.db.owner
        with self.db.read() as session:
            seeded = not planning.needs_defaults(session, self.owner)
        if not seeded:  # the first run only: every other command starts without the write lock
            with self.db.transaction() as session:
                planning.ensure_defaults(session, self.owner)

    def now(self) -> datetime:
        return self.clock.now()

    def today(self, session: Session) -> date:
        from planner.services import planning

        return planning.day_of(session, self.owner, self.now(), self.zone)

    def role(self, session: Session, name: str) -> RoleV:
        from planner.services import planning

        return planning.find_role(session, self.owner, name)

    def close(self) -> None:
        self.db.close()


def _print_json(data: Any) -> None:
    from planner.domain.printable import escape_json

    print(escape_json(json.dumps(data, indent=2, ensure_ascii=False)))


class PrintableStream:
    """A text stream whose writes are made safe for a terminal (planner.domain.printable);
    everything else (buffer for binary output, flush, isatty, encoding) is the stream's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from planner.domain.printable import printable

        self._stream.write(printable(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
