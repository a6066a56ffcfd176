"""What every `splitday` subcommand shares: the context, the usage error, dates, JSON output."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from planner.domain.i18n import N_, ntr, tr

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from planner.domain.clock import Clock
    from planner.domain.values import RoleV
    from planner.storage.db import Database
    from planner.storage.pending import PendingQueue

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
        raise CliError(
            tr("not a date: {text!r} (use YYYY-MM-DD, today, tomorrow, +1)").format(text=text)
        ) from exc


# ---------------------------------------------------------------- argparse's own words

# argparse looks up its words ("usage:", "options", its errors) through the module-level
# gettext functions it imported, in gettext's default domain, which Splitday does not ship.
# They are in Splitday's catalog instead (marked here for extraction; their %-style fields
# are checked like the {fields} of the rest) and argparse is pointed at it.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("subcommands"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ignored explicit argument %r"),
    N_("unexpected option string: %s"),
    N_("can't open '%(filename)s': %(error)s"),
)


def _argparse_ngettext(singular: str, plural: str, n: int) -> str:
    return ntr(singular, plural, n)


def translate_argparse() -> None:
    """argparse's usage, headings and errors in the user's language (idempotent)."""
    import argparse

    ntr("expected %s argument", "expected %s arguments", 1)  # marks the plural for extraction
    setattr(argparse, "_", tr)  # noqa: B010 - argparse calls its module-level _ and ngettext
    setattr(argparse, "ngettext", _argparse_ngettext)  # noqa: B010


# ---------------------------------------------------------------- context


class Context:
    """What a command needs: the database, the owner, the clock and the user's zone."""

    def __init__(self, db_url: str | None, *, connect_timeout: int | None = None) -> None:
        from planner.domain.clock import clock_from_env, local_zone
        from planner.services import planning
        from planner.storage.db import open_database

        self.clock: Clock = clock_from_env()
        self.zone = local_zone()
        # A write that may wait on this device when the server is away (planner.cli.offline)
        # carries its uid; the command writes it with its change (mark), so a commit whose
        # answer was lost is never applied twice when the kept copy is delivered.
        self.change_uid: str | None = None
        self.at: datetime | None = None  # the moment of that change, when it has one
        self.queue: PendingQueue | None = None  # a shared server's queue on this device
        self.db: Database = open_database(db_url, connect_timeout=connect_timeout)
        self.owner = self.db.owner
        with self.db.read() as session:
            seeded = not planning.needs_defaults(session, self.owner)
        if not seeded:  # the first run only: every other command starts without the write lock
            with self.db.transaction() as session:
                planning.ensure_defaults(session, self.owner)

    @classmethod
    def over(cls, db: Database) -> Context:
        """A context on a database already open (today's rows in memory: planner.storage.
        snapshot), with no schema check and no seeding."""
        from planner.domain.clock import clock_from_env, local_zone

        ctx = cls.__new__(cls)
        ctx.clock, ctx.zone = clock_from_env(), local_zone()
        ctx.change_uid, ctx.at, ctx.queue = None, None, None
        ctx.db, ctx.owner = db, db.owner
        return ctx

    def now(self) -> datetime:
        return self.clock.now()

    def mark(self, session: Session, kind: str, at: datetime) -> None:
        """Record this command's change uid on the server, in the change's own transaction."""
        if self.change_uid is None:
            return
        from datetime import UTC

        from planner.storage.models import DeliveredChange

        session.add(
            DeliveredChange(
                uid=self.change_uid,
                owner=self.owner,
                kind=kind,
                made_at=at,
                delivered_at=datetime.now(UTC),
            )
        )

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


def _at(iso: str) -> str:
    """An ISO moment of the JSON shapes (already in the local zone) as the locale's clock."""
    from datetime import datetime

    from planner.domain.localefmt import clock

    return clock(datetime.fromisoformat(iso))


def print_status(data: dict[str, Any]) -> None:
    """The lines of `status` (also offline, from what was last seen), in the user's language."""
    from planner.domain.flags import in_words
    from planner.domain.i18n import N_, ntr, tr

    kinds = {
        "work": N_("work"),
        "meeting": N_("meeting"),
        "interruption": N_("interruption"),
        "break": N_("break"),
    }
    slot, run = data["slot"], data["running"]
    print(
        tr("{date}  now {now}  hard stop {stop}").format(
            date=data["date"], now=_at(data["now"]), stop=_at(data["hard_stop"])
        )
    )
    state = tr(data["state_text"])
    if data["follows_plan_from"]:
        state = tr("{state} from {time}").format(state=state, time=_at(data["follows_plan_from"]))
    labels = [tr("day:"), tr("slot:"), tr("next:"), tr("running:"), tr("today:")]
    width = max(len(x) for x in labels) + 1
    day_l, slot_l, next_l, run_l, today_l = (x.ljust(width) for x in labels)
    print(f"{day_l}{state}")
    if slot:
        left = data["slot_minutes_left"]
        print(
            slot_l
            + ntr(
                "{role} until {time} ({n} min left)", "{role} until {time} ({n} min left)", left
            ).format(role=slot["role"], time=_at(slot["end"]), n=left)
        )
    else:
        print(slot_l + tr("none planned now"))
    if data["next"]:
        nxt = data["next"]
        if nxt["kind"] == "meeting":
            what = tr("meeting {title}").format(title=nxt["summary"])
        else:
            what = nxt["role"]
        print(next_l + tr("{what} at {time}").format(what=what, time=_at(nxt["start"])))
    if run:
        extra = f" — {run['note']}" if run["note"] else ""
        planned = slot["role"] if slot else None
        words = in_words(run["flags"], run["role"], planned)
        flags = f" ({words})" if words else ""
        minutes = round(run["minutes"])  # an int, never negative: no "-0 min"
        kind = tr(kinds.get(run["kind"], run["kind"]))
        if run["role"] is None:  # a break has no role: "break since 12:30", never "break None"
            what = tr("{kind} since {time} for {n} min").format(
                kind=kind, time=_at(run["start"]), n=minutes
            )
        else:
            what = tr("{kind} {role} since {time} for {n} min").format(
                kind=kind, role=run["role"], time=_at(run["start"]), n=minutes
            )
        print(run_l + what + extra + flags)
    else:
        print(run_l + tr("nothing"))
    i = data["interruptions"]
    print(
        today_l
        + ntr(
            "{n} interruption, {minutes} min, {cross} cross-role",
            "{n} interruptions, {minutes} min, {cross} cross-role",
            i["count"],
        ).format(n=i["count"], minutes=round(i["minutes"]), cross=i["cross_role"])
    )


def _tell_the_app() -> None:
    """A running app re-reads its views at once (else only at its next minute): a calendar
    imported here shows its meetings in the open window, a task added here its task list."""
    import contextlib

    from planner.platform import ipc
    from planner.platform.paths import current_owner

    # an older app, or one too busy to answer: its minute tick catches up
    with contextlib.suppress(ipc.ProtocolError, OSError):
        ipc.send(ipc.server_name(current_owner()), ipc.encode_request("changed"), timeout=1.0)
