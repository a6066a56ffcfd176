"""Read real-world .ics bytes leniently and expand their events into UTC occurrences in a window.

Pipeline: decode -> a cheap line pass (repairs known producer bugs, drops alarms/todos, and
drops single events that cannot touch the window) -> icalendar -> recurring-ical-events, one
series at a time so that one broken series is skipped and reported, never fatal.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from planner.domain.errors import PlannerError
from planner.domain.i18n import ntr, tr
from planner.domain.timerange import Interval

MAX_DEPTH = 12  # VCALENDAR > VEVENT > VALARM is 3; anything far deeper is hostile or broken
MAX_PROBLEMS = 200  # keep the report (and memory) bounded on garbage input
MAX_PER_SERIES = 3000  # repetitions of one series in the window (hourly for 18 weeks)
MAX_RULE_STEPS = 400_000  # rule steps dateutil may walk from DTSTART to the window's end
FREE_STATUSES = frozenset({"FREE", "WORKINGELSEWHERE"})
BUSY_STATUSES = frozenset({"BUSY", "OOF", "TENTATIVE"})

_OFFSET_RE = re.compile(r"^([+-])(\d{2})(\d{2})(\d{2})?$")
_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DUR_RE = re.compile(r"^[+-]?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_UNTIL_RE = re.compile(r"UNTIL=(\d{8})", re.IGNORECASE)
_BLANK_FOLD_RE = re.compile(rb"\n(?:[ \t]*\n)+(?=[ \t])")


class CalendarError(PlannerError):
    """The whole input cannot be used; nothing was imported from it."""


@dataclass(frozen=True)
class Problem:
    """Something skipped or repaired: which file, which component, what was wrong."""

    file: str
    component: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.component}" if self.component else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Occ:
    """One expanded occurrence, times in aware UTC; recurrence_id '' for a single event."""

    uid: str
    recurrence_id: str
    summary: str
    location: str
    start: datetime
    end: datetime
    all_day: bool
    busy: bool
    sequence: int
    categories: tuple[str, ...] = ()


@dataclass
class ParseResult:
    occurrences: list[Occ] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    events: int = 0  # VEVENTs in the input (before the window filter)
    parsed: int = 0  # VEVENTs handed to the full parser

    repeats: dict[str, int] = field(default_factory=dict)

    def note(self, problem: Problem) -> None:
        """Record a problem; the same message for many events is reported three times."""
        seen = self.repeats.get(problem.message, 0)
        self.repeats[problem.message] = seen + 1
        if seen < 3 and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def finish(self) -> None:
        for message, count in self.repeats.items():
            if count > 3 and len(self.problems) < MAX_PROBLEMS + 10:
                first = next((p for p in self.problems if p.message == message), None)
                where = first.file if first else ""
                self.problems.append(
                    Problem(
                        where,
                        ntr("{n} more", "{n} more", count - 3).format(n=count - 3),
                        tr("also: {message}").format(message=message),
                    )
                )
        self.repeats.clear()


# ---------------------------------------------------------------- bytes -> text


def decode(data: bytes, charset: str | None = None) -> str:
    """Bytes to text: BOMs, a declared charset, UTF-8, else Windows-1252/Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    # Unify line endings and unfold on bytes, so a fold inside a UTF-8 sequence is healed.
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if b"\n\n" in data or b"\n \n" in data or b"\n\t\n" in data:
        # blank lines inside a folded line (mail clients, copy and paste) belong to the fold
        data = _BLANK_FOLD_RE.sub(b"\n", data)
    data = data.replace(b"\n ", b"").replace(b"\n\t", b"")
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Mostly-UTF-8 with a few broken sequences stays UTF-8; otherwise it is a legacy 8-bit file.
    valid = len(re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", data))
    invalid = data.decode("utf-8", errors="replace").count("\ufffd")
    if valid > invalid:
        return data.decode("utf-8", errors="replace")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# ---------------------------------------------------------------- the line pass


class _Block:
    """A top-level component: its own lines (a VEVENT's without its VALARMs), split lazily."""

    def __init__(self, name: str, line: int, lines: list[str] | None = None, body: str = ""):
        self.name = name
        self.line = line  # line number of BEGIN (1-based, after unfolding)
        self._lines = lines
        self.body = body

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = [x.rstrip("\r") for x in self.body.split("\n") if x.strip()]
        return self._lines


@dataclass
class _Cal:
    header: list[str] = field(default_factory=list)
    timezones: list[_Block] = field(default_factory=list)
    events: list[_Block] = field(default_factory=list)


def _prop(line: str) -> tuple[str, str, str]:
    """'NAME;PARAMS:VALUE' -> (NAME upper, ';PARAMS' as written, VALUE); the colon may be quoted."""
    colon = line.find(":")
    if colon < 0:
        return "", "", ""
    head = line[:colon]
    if '"' in head:
        quoted = False
        for i, ch in enumerate(line):
            if ch == '"':
                quoted = not quoted
            elif ch == ":" and not quoted:
                colon = i
                break
        head = line[:colon]
    semi = head.find(";")
    if semi < 0:
        return head.strip().upper(), "", line[colon + 1 :]
    return head[:semi].strip().upper(), head[semi:], line[colon + 1 :]


_TOP_LEVEL = frozenset({"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE"})
_BOUNDARY_RE = re.compile(r"^(BEGIN|END)[ \t]*:([^\n]*)$", re.MULTILINE | re.IGNORECASE)


def _scan(text: str, name: str, result: ParseResult) -> list[_Cal]:
    """Split into calendars and top-level components, checking BEGIN/END nesting.

    Only the BEGIN/END lines are visited one by one (a regex finds them); a VEVENT is kept as
    text with its sub-components (alarms) cut out, so events that the window filter drops are
    never split into lines.
    """
    scanner = _Scanner(text, name, result)
    for m in _BOUNDARY_RE.finditer(text):
        value = m[2].strip().upper()
        if m[1].upper() == "BEGIN":
            scanner.begin(value, m.start(), m.end())
        else:
            scanner.end(value, m.start(), m.end())
    return scanner.finish()


class _Scanner:
    """The state of _scan between two BEGIN/END lines."""

    def __init__(self, text: str, name: str, result: ParseResult) -> None:
        self.text, self.name, self.result = text, name, result
        self.cals: list[_Cal] = []
        self.cal: _Cal | None = None
        self.stack: list[tuple[str, int]] = []  # ("" marks an implied VCALENDAR: bare events)
        self.outside = 0  # where text outside any calendar starts
        self.gap = 0  # where calendar-level lines start
        self.own = 0  # where the current VEVENT's own text resumes after a sub-component
        self.pieces: list[str] = []
        self.bare: _Cal | None = None

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def header(self, cal: _Cal, begin: int, end: int) -> None:
        chunk = self.text[begin:end]
        for raw in chunk.split("\n"):
            line = raw.rstrip("\r")
            if not line.strip():
                continue
            if ":" not in line:
                where = f"line {self.line_of(begin + chunk.find(raw))}"
                self.result.note(
                    Problem(
                        self.name,
                        where,
                        tr("not a content line, skipped: {line!r}").format(line=line[:40]),
                    )
                )
                continue
            cal.header.append(line)

    def begin(self, value: str, start: int, end: int) -> None:
        stack = self.stack
        if len(stack) >= MAX_DEPTH:
            raise CalendarError(
                tr("{name}: components nested deeper than {depth} levels").format(
                    name=self.name, depth=MAX_DEPTH
                )
            )
        if not stack:
            if self.text[self.outside : start].strip():
                where = f"line {self.line_of(self.outside)}"
                self.result.note(Problem(self.name, where, tr("text outside a calendar ignored")))
            if value == "VCALENDAR":
                self.cal = _Cal()
                self.cals.append(self.cal)
                stack.append((value, start))
                self.gap = end
                return
            if self.bare is None or self.cal is not self.bare:
                self.cal = self.bare = _Cal()
                self.cals.append(self.cal)
                self.result.note(
                    Problem(self.name, "", tr("no VCALENDAR around the events; read anyway"))
                )
            stack.append(("", start))
            self.gap = start
        elif value == "VCALENDAR":
            # the calendar before never ended (files glued together, a cut part, or a calendar
            # nested in another): close it with what it has and read the new one
            opened = stack[0][0] or "VCALENDAR"
            self.abandon_to(
                0,
                start,
                f"BEGIN:{opened}",
                tr("before BEGIN:VCALENDAR (line {line})").format(line=self.line_of(start)),
            )
            self.begin(value, start, end)
            return
        elif len(stack) >= 2 and value in _TOP_LEVEL:
            # a VEVENT never sits inside another component: the one open never ended
            why = tr("before BEGIN:{component} (line {line})")
            self.abandon_to(1, start, "", why.format(component=value, line=self.line_of(start)))
        if len(stack) == 1:
            assert self.cal is not None
            if stack[0][0]:
                self.header(self.cal, self.gap, start)
            if value == "VEVENT":
                self.pieces = []
                self.own = start
        elif len(stack) == 2 and stack[1][0] == "VEVENT":
            self.pieces.append(self.text[self.own : start])
        stack.append((value, start))

    def end(self, value: str, start: int, end: int) -> None:
        stack = self.stack
        names = [opened or "VCALENDAR" for opened, _ in stack]
        if value not in names or (value == "VCALENDAR" and not stack[0][0]):
            where = f"line {self.line_of(start)}"
            self.result.note(
                Problem(
                    self.name,
                    where,
                    tr("END:{value} without a matching BEGIN, ignored").format(value=value),
                )
            )
            return
        depth = len(names) - 1 - names[::-1].index(value)
        if depth < len(stack) - 1:  # what was opened inside never ended: it is dropped
            why = tr("before END:{component} (line {line})")
            self.abandon_to(
                depth + 1, start, "", why.format(component=value, line=self.line_of(start))
            )
        _, at = stack[-1]
        stack.pop()
        if not stack:  # END:VCALENDAR
            assert self.cal is not None
            self.header(self.cal, self.gap, start)
            self.outside = end
        elif len(stack) == 1:
            self._end_top_level(value, at, end)
        elif len(stack) == 2 and stack[1][0] == "VEVENT":
            self.own = end

    def abandon_to(self, depth: int, offset: int, what: str, why: str) -> None:
        """Close every component opened at depth or deeper, unfinished, at offset: a top-level
        one (an event) is dropped and reported; a sub-component (an alarm) just ends there."""
        stack = self.stack
        while len(stack) > depth:
            opened, at = stack.pop()
            if len(stack) == 0:  # the calendar itself: keep what it holds
                if opened:
                    assert self.cal is not None
                    self.header(self.cal, self.gap, offset)
                    message = tr(
                        "{begin} (line {line}) has no END:VCALENDAR {why}; its events are read"
                    ).format(begin=what or "BEGIN:VCALENDAR", line=self.line_of(at), why=why)
                    self.result.note(Problem(self.name, "", message))
                self.outside = offset
            elif len(stack) == 1:
                label = tr("BEGIN:{component} (line {line})").format(
                    component=opened, line=self.line_of(at)
                )
                uid = re.search(r"^UID[;:]([^\n]*)", self.text[at:offset], re.MULTILINE)
                if uid:
                    label += f" UID {uid[1].split(':')[-1].strip()[:60]!r}"
                self.result.note(
                    Problem(self.name, label, tr("never closed {why}; skipped").format(why=why))
                )
                self.gap = offset
                if stack[0][0] == "":
                    stack.pop()
                    self.outside = offset
                    return
            elif len(stack) == 2 and stack[1][0] == "VEVENT":
                self.own = offset

    def _end_top_level(self, value: str, at: int, end: int) -> None:
        """A component right inside the calendar ends: keep an event or a time zone."""
        cal = self.cal
        assert cal is not None
        if value == "VEVENT":
            self.pieces.append(self.text[self.own : end])
            cal.events.append(_Block("VEVENT", 0, None, "".join(self.pieces)))
        elif value == "VTIMEZONE":
            cal.timezones.append(_Block("VTIMEZONE", 0, self.text[at:end].split("\n")))
        self.gap = end
        if self.stack[0][0] == "":
            self.stack.pop()
            self.outside = end

    def finish(self) -> list[_Cal]:
        name = self.name
        if self.stack:
            opened, at = self.stack[-1]
            raise CalendarError(
                tr(
                    "{name}: truncated - BEGIN:{component} (line {line}) is never closed; nothing "
                    "imported"
                ).format(
                    name=name, component=opened or "VCALENDAR", line=self.line_of(at)
                )  # not translated: a keyword
            )
        if self.text[self.outside :].strip() and self.cals:
            where = f"line {self.line_of(self.outside)}"
            self.result.note(Problem(name, where, tr("text after the calendar ignored")))
        if not self.cals:
            raise CalendarError(
                tr("{name}: no BEGIN:VCALENDAR found - this is not an iCalendar file").format(
                    name=name
                )
            )
        return self.cals


def _fix_offset(value: str) -> str | None:
    """Apple's tzdata bug writes LMT +00:53:28 as '+5328'; read the digits as minutes/seconds."""
    m = _OFFSET_RE.match(value.strip())
    if not m:
        return None
    sign, hh, mm, _ = m.groups()
    if int(hh) < 24 and int(mm) < 60:
        return value.strip()
    return f"{sign}00{hh}" if int(hh) < 60 else f"{sign}0000"


def _repair_timezone(
    block: _Block, name: str, result: ParseResult, floor_year: int | None = None
) -> _Block | None:
    lines: list[str] = []
    tzid = None
    for line in block.lines:
        prop, params, value = _prop(line)
        if prop == "TZID":
            tzid = value.strip()
        elif prop in ("TZOFFSETFROM", "TZOFFSETTO"):
            fixed = _fix_offset(value)
            if fixed is None:
                result.note(
                    Problem(
                        name,
                        f"VTIMEZONE {tzid}",
                        tr("bad {prop} {value!r}; dropped").format(prop=prop, value=value),
                    )
                )
                return None
            if fixed != value.strip():
                result.note(
                    Problem(
                        name,
                        f"VTIMEZONE {tzid}",
                        tr("{prop}:{value} repaired to {fixed}").format(
                            prop=prop, value=value, fixed=fixed
                        ),
                    )
                )
                line = f"{prop}{params}:{fixed}"
        lines.append(line)
    if not tzid:
        result.note(
            Problem(name, "VTIMEZONE", tr("has no TZID; its events are read as local time"))
        )
        return None
    if floor_year is not None:
        lines = _shift_old_rules(lines, floor_year)
    return _Block(block.name, block.line, lines)


def _shift_old_rules(lines: list[str], floor_year: int) -> list[str]:
    """Move an open-ended observance's DTSTART (Outlook writes 1601) up to floor_year.

    The rule gives the same onsets from then on, but the zone no longer walks four centuries
    of rule dates for every conversion (milliseconds each, per occurrence).
    """
    out = list(lines)
    start = None
    for i, line in enumerate(lines):
        prop, _, value = _prop(line)
        upper = line.upper()
        if upper in ("BEGIN:STANDARD", "BEGIN:DAYLIGHT"):
            start, open_ended = None, False
        elif prop == "DTSTART":
            start = i
        elif prop == "RRULE":
            open_ended = "UNTIL=" not in value.upper() and "COUNT=" not in value.upper()
        elif upper in ("END:STANDARD", "END:DAYLIGHT") and start is not None and open_ended:
            dprop, dparams, dvalue = _prop(lines[start])
            year = dvalue.strip()[:4]
            if year.isdigit() and int(year) < floor_year:
                out[start] = f"{dprop}{dparams}:{floor_year:04d}0101{dvalue.strip()[8:]}"
    return out


def _date_of(value: str) -> date | None:
    """The date a DATE or DATE-TIME value starts with (its first eight digits), or None."""
    return _date_of_digits(value.strip()[:8])


@functools.lru_cache(maxsize=4096)
def _date_of_digits(digits: str) -> date | None:
    m = _DATE_RE.match(digits)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _duration_days(value: str) -> int | None:
    m = _DUR_RE.match(value.strip().upper())
    if not m:
        return None
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in m.groups())
    return weeks * 7 + days + (hours * 3600 + minutes * 60 + seconds) // 86400 + 1


_TZID_PARAM_RE = re.compile(r';TZID=("[^"]*"|[^;:]*)', re.IGNORECASE)


def _iana(name: str) -> tzinfo | None:
    from zoneinfo import ZoneInfo

    if not name or len(name) > 60 or name.startswith((".", "/")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None


class _Zones:
    """Decide what each TZID of one calendar means, before icalendar sees it.

    Policy: a valid IANA name means the tz database zone (as icalendar does). Any other name
    (Windows "W. Europe Standard Time", "/vendor/Europe/Berlin", "(UTC-03:00) Brasília") means
    its VTIMEZONE; when an IANA zone (from the Windows mapping, a vendor prefix, X-LIC-LOCATION,
    X-WR-TIMEZONE or the user's zone) has the same offsets all through the window, that zone is
    used instead (same times, and far faster than a VTIMEZONE rule walked from 1601). A custom
    VTIMEZONE gets a name derived from its content, because icalendar caches zones by name
    across calendars. A name with neither is read as local (floating) time, with a warning.
    """

    def __init__(
        self,
        blocks: list[_Block],
        header: list[str],
        name: str,
        result: ParseResult,
        window: Interval | None,
        zone: tzinfo | None,
    ) -> None:
        self.name = name
        self.result = result
        self.blocks: dict[str, _Block] = {}
        for block in blocks:
            tzid = next((_prop(x)[2].strip() for x in block.lines if _prop(x)[0] == "TZID"), "")
            self.blocks[_unescape(tzid).strip('"')] = block
        self.hints: list[str] = []
        for line in header:
            prop, _, value = _prop(line)
            if prop == "X-WR-TIMEZONE" and value.strip(' "'):
                self.hints.append(value.strip(' "'))
        self.zone = zone
        start = window.start if window else datetime(2020, 1, 1, tzinfo=UTC)
        end = window.end if window else datetime(2021, 1, 1, tzinfo=UTC)
        count = max(2, min(80, int((end - start) / timedelta(days=7)) + 1))
        step = (end - start) / (count - 1)
        self.samples = [start + step * i for i in range(count)]
        self.cache: dict[str, str | None] = {}
        self.emit: dict[str, list[str]] = {}
        self.custom: dict[str, tzinfo] = {}

    def zone_of(self, resolved: str) -> tzinfo | None:
        """The zone behind a name that resolve() gave: IANA, or a custom VTIMEZONE's."""
        zone = _iana(resolved)
        if zone is None and resolved in self.custom:
            zone = self.custom[resolved]
        return zone

    def local_zone(self) -> tzinfo:
        """The calendar's own zone (X-WR-TIMEZONE), else the user's: where its days begin."""
        for hint in self.hints:
            zone = _iana(hint)
            if zone is not None:
                return zone
        return self.zone or UTC

    def resolve(self, tzid: str) -> str | None:
        key = _unescape(tzid).strip('"').strip()
        if key not in self.cache:
            self.cache[key] = self._resolve(key)
        return self.cache[key]

    def _candidates(self, key: str, block: _Block | None) -> list[str]:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

        names = [key.strip("/")]
        if names[0] in WINDOWS_TO_OLSON:
            names.append(WINDOWS_TO_OLSON[names[0]])
        parts = key.strip("/").split("/")
        names += ["/".join(parts[i:]) for i in range(1, len(parts))]
        if block is not None:
            names += [_prop(x)[2].strip() for x in block.lines if _prop(x)[0] == "X-LIC-LOCATION"]
            names += self.hints
            if self.zone is not None and hasattr(self.zone, "key"):
                names.append(str(self.zone.key))
        return names

    def _resolve(self, key: str) -> str | None:
        if not key:
            return None
        direct = _iana(key)
        if direct is not None:
            return key
        block = self.blocks.get(key)
        candidates = [(c, z) for c in self._candidates(key, block) if (z := _iana(c)) is not None]
        if block is None:
            if candidates:
                return candidates[0][0]
            self.result.note(
                Problem(self.name, f"TZID {key!r}", tr("unknown time zone; read as local time"))
            )
            return None
        custom = self._custom(block)
        if custom is None:
            if candidates:
                return candidates[0][0]
            return None
        for candidate, zone in candidates:
            if all(
                t.astimezone(custom).utcoffset() == t.astimezone(zone).utcoffset()
                for t in self.samples
            ):
                return candidate
        digest = hashlib.sha1(
            "\n".join(x for x in block.lines if _prop(x)[0] != "TZID").encode(),
            usedforsecurity=False,
        ).hexdigest()[:16]
        new = f"splitday-tz-{digest}"
        self.emit[new] = [f"TZID:{new}" if _prop(x)[0] == "TZID" else x for x in block.lines]
        self.custom[new] = custom
        return new

    def _custom(self, block: _Block) -> tzinfo | None:
        import icalendar

        try:
            component: Any = icalendar.Timezone.from_ical("\r\n".join(block.lines))
            custom: tzinfo = component.to_tz(lookup_tzid=False)
            for t in self.samples[:2]:
                t.astimezone(custom)
            return custom
        except Exception as exc:  # a VTIMEZONE icalendar cannot use
            self.result.note(
                Problem(
                    self.name,
                    "VTIMEZONE",
                    tr("unusable, ignored ({short})").format(short=_short(exc)),
                )
            )
            return None


def _unescape(text: str) -> str:
    return text.replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")


@dataclass
class _EventInfo:
    uid: str
    recurring: bool
    override: bool
    keep: bool


_NAME_RE = re.compile(r"[A-Za-z0-9-]*")
# What the importer reads; everything else (DESCRIPTION, ATTENDEE, X-ALT-DESC…) never reaches
# icalendar, which makes parsing faster and immune to errors in properties we do not use.
_NEEDED = frozenset(
    {
        "UID", "SUMMARY", "LOCATION", "DTSTART", "DTEND", "DURATION", "RRULE", "EXRULE",
        "RDATE", "EXDATE", "RECURRENCE-ID", "SEQUENCE", "STATUS", "TRANSP", "CATEGORIES",
        "X-MICROSOFT-CDO-BUSYSTATUS", "BEGIN", "END",
    }
)  # fmt: skip
_DECIDING = frozenset({"UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "RECURRENCE-ID"})


def _repair_event(
    block: _Block, name: str, result: ParseResult, lo: date, hi: date, zones: _Zones
) -> tuple[list[str], _EventInfo]:
    """Decide whether one VEVENT can touch [lo, hi]; if so, repair known producer bugs in it.

    The decision reads a handful of properties as text, so the many single events outside the
    window cost next to nothing; recurring masters and their overrides are always kept.
    """
    uid = ""
    start: date | None = None
    end: date | None = None
    duration: int | None = None
    recurring = override = ended = has_rdate = False
    touches = True  # an override's RECURRENCE-ID may be in the window (or cannot be read)
    rules: list[str] = []
    for m in _DECIDE_RE.finditer(block.body) if block.body else _decide_lines(block.lines):
        prop = m[1].upper()
        rest = m[2]
        if '"' in rest:
            _, params, value = _prop(m[0])
        else:
            params, _, value = rest.partition(":")
        if prop == "UID":
            uid = value.strip()
        elif prop == "DTSTART":
            start = _date_of(value)
        elif prop == "DTEND":
            end = _date_of(value)
        elif prop == "DURATION":
            duration = _duration_days(value)
        elif prop == "RECURRENCE-ID":
            override = True
            rid_day = _date_of(value)
            touches = rid_day is None or "RANGE" in params.upper() or lo <= rid_day <= hi
        elif prop == "RDATE" and value.strip(" ,"):
            recurring = has_rdate = True
        elif prop == "RRULE" and value.strip(" ;,"):
            recurring = True
            rules.append(value.upper())
    if recurring and not has_rdate and start is not None:
        # a series that ended before the window (UNTIL, or COUNT repetitions that cannot
        # reach it) or starts after it has nothing in it; its overrides only if moved into it
        span = 0 if end is None else max(0, (end - start).days)
        last = max((_last_day(rule, start, span) for rule in rules), default=date.max)
        ended = last < lo or start > hi
    if recurring:
        keep = not ended
    elif start is None:
        keep = True  # let the real parser say what is wrong with it
    else:
        if end is None:
            try:
                end = start + timedelta(days=duration if duration is not None else 1)
            except OverflowError:
                end = date.max
        first, last = min(start, end), max(start, end)
        keep = first <= hi and last >= lo
    if not keep and (not override or not touches):
        return [], _EventInfo(uid or "-", recurring, override, keep)
    needed: list[tuple[str, str]] = []
    for line in block.lines:
        prop = _NAME_RE.match(line).group().upper()  # type: ignore[union-attr]
        if prop in _NEEDED:
            needed.append((prop, line))
    if not uid:
        digest = hashlib.sha1(
            "\n".join(x for x in block.lines if not x.upper().startswith("DTSTAMP")).encode(),
            usedforsecurity=False,
        ).hexdigest()
        uid = f"splitday-{digest[:20]}"
        needed.insert(1, ("UID", f"UID:{uid}"))
    return _repair_lines(needed, name, result, zones, uid), _EventInfo(
        uid, recurring, override, keep
    )


_DECIDE_RE = re.compile(
    r"^(UID|DTSTART|DTEND|DURATION|RRULE|RDATE|RECURRENCE-ID)([;:][^\n]*)",
    re.MULTILINE | re.IGNORECASE,
)
_RULE_PART_RE = re.compile(r"([A-Z]+)=([^;]*)")
_PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
# parts that only ever add repetitions within a period, never leave a period empty
_ADDING = {
    "DAILY": frozenset({"BYHOUR", "BYMINUTE", "BYSECOND"}),
    "WEEKLY": frozenset({"BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND"}),
    "MONTHLY": frozenset({"BYHOUR", "BYMINUTE", "BYSECOND"}),
    "YEARLY": frozenset({"BYMONTH", "BYHOUR", "BYMINUTE", "BYSECOND"}),
}
_ALWAYS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"})


def _last_day(rule: str, start: date, span: int) -> date:
    """An upper bound of the last day a rule's repetitions touch, read from the text alone:
    UNTIL, or COUNT periods when every period holds at least one repetition; else date.max."""
    parts = dict(_RULE_PART_RE.findall(rule.replace(" ", "")))
    until = _date_of(parts.get("UNTIL", ""))
    if until is not None and "COUNT" not in parts:
        return until + timedelta(days=span + 1)  # +1: a UTC UNTIL may be the next local day
    freq = parts.get("FREQ", "")
    if freq not in _PERIOD_DAYS or not parts.get("COUNT", "").isdigit():
        return date.max
    if any(key not in _ALWAYS and key not in _ADDING[freq] for key in parts):
        return date.max  # BYMONTH on a daily rule, BYSETPOS…: periods may be empty
    if freq in ("MONTHLY", "YEARLY") and start.day > 28:
        return date.max  # the 31st is not in every month (nor the 29th of February every year)
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or int(interval) < 1:
        return date.max
    days = int(parts["COUNT"]) * int(interval) * _PERIOD_DAYS[freq]
    try:
        return start + timedelta(days=days + span + 1)
    except OverflowError:
        return date.max


def _decide_lines(lines: list[str]) -> list[re.Match[str]]:
    return [m for line in lines if (m := _DECIDE_RE.match(line))]


def _repair_lines(
    needed: list[tuple[str, str]], name: str, result: ParseResult, zones: _Zones, uid: str
) -> list[str]:
    out: list[str] = []
    summary = next((line.partition(":")[2][:60] for p, line in needed if p == "SUMMARY"), "")
    label = _label(uid, summary)
    start = _StartKind.of(needed, zones)
    for prop, line in needed:
        if prop in ("BEGIN", "END"):
            out.append(line)
            continue
        _, params, value = _prop(line)
        if prop in ("RRULE", "EXRULE"):
            fixed = re.sub(r"\s+", "", value).replace("\\;", ";").replace("\\,", ",")
            fixed = re.sub(r"[;,]+$", "", re.sub(r",;", ";", fixed))
            if not fixed:
                result.note(Problem(name, label, tr("empty {prop} ignored").format(prop=prop)))
                continue
            out.append(f"{prop}{params}:{_fix_until(fixed, start, zones, name, result, label)}")
            continue
        if prop not in _TIME_PROPS:
            out.append(line)
            continue
        if ";" in params and "TZID=" in params.upper():
            params = _TZID_PARAM_RE.sub(lambda m: _tzid_param(zones.resolve(m[1])), params)
        value = value.strip().rstrip(",")
        if not value:
            if prop in ("EXDATE", "RDATE"):
                result.note(Problem(name, label, tr("empty {prop} ignored").format(prop=prop)))
                continue
            result.note(Problem(name, label, tr("empty {prop}").format(prop=prop)))
            out.append(f"{prop}{params}:")
            continue
        if "/" in value or "VALUE=PERIOD" in params.upper():  # RDATE periods: as written
            out.append(f"{prop}{params}:{value}")
            continue
        out.extend(_time_lines(prop, params, value, start, zones, name, result, label))
    return out


_TIME_PROPS = frozenset({"DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"})
_STRICT_DT_RE = re.compile(r"^\d{8}(?:T\d{6}Z?)?$")
_LOOSE_DT_RE = re.compile(
    r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](?:(\d{2}):?(\d{2})(?::?(\d{2}))?(?:[.,]\d+)?)?)?[ ]*(Z*)$"
)
_VALUE_PARAM_RE = re.compile(r";VALUE=[^;:]*", re.IGNORECASE)


def _clean_time(raw: str) -> str | None:
    """One DATE or DATE-TIME as written -> its RFC 5545 form, or None when unreadable.

    Clear typos are mended: case, spaces, a doubled Z, seconds left out, fractional seconds,
    ISO 8601 dashes and colons, a space for the T, and a trailing T with no time (a date).
    """
    value = raw.strip().upper()
    if _STRICT_DT_RE.match(value):
        return value
    m = _LOOSE_DT_RE.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second, zulu = m.groups()
    if hour is None:
        return f"{year}{month}{day}"
    return f"{year}{month}{day}T{hour}{minute}{second or '00'}{'Z' if zulu else ''}"


@dataclass
class _StartKind:
    """What an event's DTSTART is: a date, UTC, in a zone (its TZID as resolved) or floating;
    the event's other times are made to agree with it, as RFC 5545 requires."""

    kind: str  # "date", "utc", "zone", "floating" or "" (no readable DTSTART)
    tzid: str | None = None
    zone: tzinfo | None = None
    day: date | None = None

    @classmethod
    def of(cls, needed: list[tuple[str, str]], zones: _Zones) -> _StartKind:
        line = next((x for p, x in needed if p == "DTSTART"), None)
        if line is None:
            return cls("")
        _, params, value = _prop(line)
        clean = _clean_time(value)
        if clean is None:
            return cls("")
        day = _date_of(clean)
        if len(clean) == 8:
            return cls("date", day=day)
        if clean.endswith("Z"):
            return cls("utc", zone=UTC, day=day)
        m = _TZID_PARAM_RE.search(params)
        tzid = zones.resolve(m[1]) if m else None
        if tzid is None:
            return cls("floating", day=day)
        return cls("zone", tzid, zones.zone_of(tzid), day)


def _time_lines(
    prop: str,
    params: str,
    value: str,
    start: _StartKind,
    zones: _Zones,
    name: str,
    result: ParseResult,
    label: str,
) -> list[str]:
    """One time property, mended: typos read leniently (and reported), a DATE loses the TZID
    that old Google exports give it, a list of mixed DATEs and DATE-TIMEs is split in two, and
    times are made to agree with DTSTART (a DTEND date on a timed event ends at midnight, a
    floating time on a zoned series is in the series' zone)."""
    has_tzid = "TZID=" in params.upper()
    dates: list[str] = []
    times: list[str] = []
    for raw in value.split(","):
        if not raw.strip():
            continue
        clean = _clean_time(raw)
        if clean is None:  # left for icalendar, which reports it with the event
            return [f"{prop}{params}:{value}"]
        if clean != raw.strip().upper().rstrip():
            shown = "the date " + clean if len(clean) == 8 else clean
            result.note(
                Problem(
                    name,
                    label,
                    tr("{prop} {raw!r} read as {shown}").format(
                        prop=prop, raw=raw.strip(), shown=shown
                    ),
                )
            )
        if len(clean) == 8:
            dates.append(clean)
        else:
            if has_tzid and clean.endswith("Z"):
                clean = clean[:-1]  # ownCloud writes TZID and Z together; the TZID is meant
            times.append(clean)
    bare = _VALUE_PARAM_RE.sub("", _TZID_PARAM_RE.sub("", params))
    if prop == "DTEND" and start.kind == "date" and times:
        dates, times = [_end_day(times[0], has_tzid, start, zones)], []
    elif prop == "DTEND" and start.kind in ("utc", "zone", "floating") and dates:
        dates, times = [], [_midnight(dates[0], start, zones)]
        if start.kind == "zone":
            return [f"{prop}{bare};TZID={start.tzid}:{times[0]}"]
        return [f"{prop}{bare}:{times[0]}"]
    lines: list[str] = []
    if dates:
        lines.append(f"{prop}{bare};VALUE=DATE:{','.join(dates)}")
    if times:
        zoned = _VALUE_PARAM_RE.sub("", params)
        floating = not has_tzid and not any(t.endswith("Z") for t in times)
        if floating and start.kind == "zone" and prop != "DTSTART":
            zoned += f";TZID={start.tzid}"  # a floating time on a zoned series: its zone
        lines.append(f"{prop}{zoned}:{','.join(times)}")
    return lines


def _end_day(end: str, zoned: bool, start: _StartKind, zones: _Zones) -> str:
    """A DATE-TIME DTEND on an all-day event: the day it falls in (rounded up past midnight),
    at least the day after DTSTART."""
    moment = datetime.strptime(end[:15], "%Y%m%dT%H%M%S")  # noqa: DTZ007 - wall time on purpose
    if end.endswith("Z") and not zoned:
        moment = moment.replace(tzinfo=UTC).astimezone(zones.local_zone()).replace(tzinfo=None)
    day = moment.date() + timedelta(days=1 if moment.time() != datetime.min.time() else 0)
    if start.day is not None and day <= start.day:
        day = start.day + timedelta(days=1)
    return day.strftime("%Y%m%d")


def _midnight(day: str, start: _StartKind, zones: _Zones) -> str:
    """Midnight starting a DATE, written in the form of a timed DTSTART."""
    if start.kind == "utc":
        local = datetime.strptime(day, "%Y%m%d").replace(tzinfo=zones.local_zone())
        return local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{day}T000000"


_UNTIL_VALUE_RE = re.compile(r"(UNTIL=)([^;]*)", re.IGNORECASE)


def _fix_until(
    rule: str, start: _StartKind, zones: _Zones, name: str, result: ParseResult, label: str
) -> str:
    """Make UNTIL agree with DTSTART, reading what producers mean:

    - an all-day series until a UTC DATE-TIME (Outlook: local midnight of the last day) ends on
      the day that instant falls on in the calendar's zone;
    - a floating UNTIL on a zoned series is in the series' zone;
    - a DATE UNTIL on a timed series includes that whole day.
    """

    def fix(m: re.Match[str]) -> str:
        raw = m[2]
        clean = _clean_time(raw)
        if clean is None:
            return m[0]
        if clean != raw.strip().upper():
            result.note(
                Problem(
                    name,
                    label,
                    tr("RRULE UNTIL {raw!r} read as {clean}").format(raw=raw, clean=clean),
                )
            )
        if start.kind == "date" and len(clean) > 8:
            moment = datetime.strptime(clean[:15], "%Y%m%dT%H%M%S")  # noqa: DTZ007
            if clean.endswith("Z"):
                moment = moment.replace(tzinfo=UTC).astimezone(zones.local_zone())
            clean = moment.strftime("%Y%m%d")
        elif start.kind in ("utc", "zone") and not clean.endswith("Z"):
            if len(clean) == 8:
                clean += "T235959"
            wall = datetime.strptime(clean, "%Y%m%dT%H%M%S")  # noqa: DTZ007
            zone = start.zone or UTC
            clean = wall.replace(tzinfo=zone).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        elif start.kind == "floating" and len(clean) == 8:
            clean += "T235959"
        return f"{m[1]}{clean}"

    return _UNTIL_VALUE_RE.sub(fix, rule)


def _tzid_param(tzid: str | None) -> str:
    return "" if tzid is None else f";TZID={tzid}"


def _label(uid: str, summary: str) -> str:
    text = f"VEVENT {uid!r}" if uid else "VEVENT"
    return f"{text} ({summary.strip()!r})" if summary.strip() else text


def prepare(
    text: str,
    name: str,
    window: Interval | None,
    result: ParseResult,
    zone: tzinfo | None = None,
    *,
    fast: bool = False,
) -> list[str]:
    """The line pass: one repaired VCALENDAR text per calendar in the input.

    With fast, plain one-off events are read right here into result.occurrences (see
    _plain_event) and only the rest is left for icalendar.
    """
    cals = _scan(text, name, result)
    lo = (window.start - timedelta(days=2)).date() if window else date.min
    hi = (window.end + timedelta(days=2)).date() if window else date.max
    texts: list[str] = []
    # Outlook's observances start in 1601; moving them to a few years before the window
    # keeps every onset that matters and makes each conversion cheap.
    floor = max(1900, lo.year - 3) if window else None
    for cal in cals:
        result.events += len(cal.events)
        timezones = [
            tz
            for b in cal.timezones
            if (tz := _repair_timezone(b, name, result, floor)) is not None
        ]
        zones = _Zones(timezones, cal.header, name, result, window, zone)
        events = [_repair_event(b, name, result, lo, hi, zones) for b in cal.events]
        masters = {info.uid for _, info in events if info.recurring and info.keep}
        kept = [
            (lines, info)
            for lines, info in events
            if lines and (info.keep or (info.override and info.uid in masters))
        ]
        result.parsed += len(kept)
        if fast and zone is not None and window is not None:
            kept = _take_plain_events(kept, cal.header, zone, window, result)
        header = [_header_line(h) for h in cal.header if _prop(h)[0] not in ("BEGIN", "END")]
        parts = ["BEGIN:VCALENDAR", *header]
        for lines in zones.emit.values():
            parts.extend(lines)
        for lines, _ in kept:
            parts.extend(lines)
        parts.append("END:VCALENDAR")
        texts.append("\r\n".join(parts) + "\r\n")
    return texts


_QUOTES = ' "'


def _header_line(line: str) -> str:
    """X-WR-TIMEZONE:"Europe/Berlin" (quoted by some exporters) -> X-WR-TIMEZONE:Europe/Berlin."""
    prop, params, value = _prop(line)
    if prop == "X-WR-TIMEZONE" and '"' in value:
        return f"{prop}{params}:{value.strip(_QUOTES)}"
    return line


_DT_RE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$")
_ESCAPE_RE = re.compile(r"\\([\\;,Nn])")
_FAIL = object()


def _take_plain_events(
    kept: list[tuple[list[str], _EventInfo]],
    header: list[str],
    zone: tzinfo,
    window: Interval,
    result: ParseResult,
) -> list[tuple[list[str], _EventInfo]]:
    """Read one-off events without icalendar; return the events icalendar still has to see."""
    counts: dict[str, int] = defaultdict(int)
    for _, info in kept:
        counts[info.uid] += 1
    xwr = any(_prop(h)[0] == "X-WR-TIMEZONE" for h in header)
    rest: list[tuple[list[str], _EventInfo]] = []
    groups: dict[str, list[tuple[list[str], _EventInfo]]] = defaultdict(list)
    for lines, info in kept:
        if info.recurring or info.override or counts[info.uid] > 1:
            groups[info.uid].append((lines, info))
            continue
        occ = _plain_event(lines, info.uid, zone, xwr)
        if occ is _FAIL:
            rest.append((lines, info))
        elif isinstance(occ, Occ) and occ.start < window.end and occ.end > window.start:
            result.occurrences.append(occ)
    for uid, group in groups.items():
        series = _plain_series(group, uid, zone, window, xwr)
        if isinstance(series, list):
            result.occurrences.extend(series)
        else:
            rest.extend(group)
    return rest


_PLAIN_RULE_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY", "BYMONTHDAY", "BYMONTH"}
)


def _plain_props(
    lines: list[str], multi: frozenset[str]
) -> tuple[dict[str, tuple[str, str]], list[str], list[tuple[str, str]]] | None:
    """A component's (repaired) lines as {name: (params, value)}, its categories and the values
    of the properties in multi (EXDATE); None when a property repeats that may not."""
    props: dict[str, tuple[str, str]] = {}
    categories: list[str] = []
    many: list[tuple[str, str]] = []
    for line in lines:
        prop, params, value = _prop(line)
        if prop in ("BEGIN", "END"):
            continue
        if prop == "CATEGORIES":
            categories.extend(_split_text_list(value))
        elif prop in multi:
            many.append((params, value))
        elif prop in props or not prop:
            return None
        else:
            props[prop] = (params, value)
    return props, categories, many


def _plain_span(
    props: dict[str, tuple[str, str]], xwr: bool
) -> tuple[date | datetime, timedelta] | None:
    if "DTSTART" not in props:
        return None
    start_v = _plain_time(*props["DTSTART"], xwr)
    if start_v is _FAIL:
        return None
    assert isinstance(start_v, date)
    if "DTEND" in props:
        end_v = _plain_time(*props["DTEND"], xwr)
        if end_v is _FAIL or isinstance(end_v, datetime) != isinstance(start_v, datetime):
            return None
        assert isinstance(end_v, date)
        if (
            isinstance(end_v, datetime)
            and isinstance(start_v, datetime)
            and (end_v.tzinfo is None) != (start_v.tzinfo is None)
        ):
            return None  # a UTC start and a floating end: the full path reads those
        return start_v, end_v - start_v
    if "DURATION" in props:
        length = _plain_duration(*props["DURATION"])
        return None if length is None else (start_v, length)
    return start_v, timedelta(0 if isinstance(start_v, datetime) else 1)


def _plain_series(
    group: list[tuple[list[str], _EventInfo]],
    uid: str,
    zone: tzinfo,
    window: Interval,
    xwr: bool,
) -> list[Occ] | object:
    """A plain series (one RRULE of days, weeks, months or years, EXDATEs, moved occurrences)
    expanded with dateutil alone, as recurring-ical-events would: the many weekly meetings of a
    real calendar then never need icalendar. Anything else is _FAIL (the full path reads it)."""
    if xwr:  # X-WR-TIMEZONE moves recurring UTC times into its zone: the full path does that
        return _FAIL
    masters = [lines for lines, info in group if not info.override]
    if len(masters) != 1 or not all(info.recurring or info.override for _, info in group):
        return _FAIL
    read_master = _plain_props(masters[0], frozenset({"EXDATE"}))
    if read_master is None:
        return _FAIL
    props, categories, exdates = read_master
    if set(props) & {"RDATE", "EXRULE", "RECURRENCE-ID"} or "RRULE" not in props:
        return _FAIL
    if props.get("STATUS", ("", ""))[1].strip().upper() == "CANCELLED":
        return _FAIL
    rule_params, rule = props["RRULE"]
    parts = dict(_RULE_PART_RE.findall(rule.upper()))
    if rule_params or set(parts) - _PLAIN_RULE_PARTS or parts.get("FREQ") not in _PERIOD_DAYS:
        return _FAIL
    if not parts.get("INTERVAL", "1").isdigit() or int(parts.get("INTERVAL", "1")) < 1:
        return _FAIL
    filters = ";".join(f"{k}={parts[k]}" for k in _DAY_FILTERS if k in parts)
    if filters and _filters_never_match(filters):
        return _FAIL
    span = _plain_span(props, xwr)
    if span is None:
        return _FAIL
    start_v, length = span
    timed = isinstance(start_v, datetime)
    aware = timed and start_v.tzinfo is not None  # type: ignore[union-attr]
    until = parts.get("UNTIL", "")
    if until and aware and not until.endswith("Z"):
        return _FAIL
    if until and not timed and len(until) != 8:
        return _FAIL
    text = rule.upper().replace(" ", "")
    if until.endswith("Z") and not aware:
        text = text.replace(f"UNTIL={until}", f"UNTIL={until[:-1]}")  # as recurring-ical-events
    first: datetime = (
        start_v
        if isinstance(start_v, datetime)
        else datetime(start_v.year, start_v.month, start_v.day)  # noqa: DTZ001 - all-day
    )
    skip_days: set[date] = set()
    skip_moments: set[datetime] = set()
    for params, value in exdates:
        for item in value.split(","):
            moment = _plain_time(params, item, xwr)
            if moment is _FAIL:
                return _FAIL
            if isinstance(moment, datetime):
                if (moment.tzinfo is not None) != aware:
                    return _FAIL
                skip_moments.add(moment)
            else:
                assert isinstance(moment, date)
                skip_days.add(moment)
    moved: dict[datetime, list[str]] = {}
    for lines, info in group:
        if not info.override:
            continue
        rid_line = next((x for x in lines if _prop(x)[0] == "RECURRENCE-ID"), None)
        if rid_line is None:
            return _FAIL
        rid = _plain_time(*_prop(rid_line)[1:], xwr)
        if rid is _FAIL or isinstance(rid, datetime) != timed:
            return _FAIL
        assert isinstance(rid, date)
        key = rid if isinstance(rid, datetime) else datetime(rid.year, rid.month, rid.day)  # noqa: DTZ001
        if (key.tzinfo is not None) != aware or key in moved:
            return _FAIL
        moved[key] = lines
    if skip_days and moved:
        return _FAIL  # a DATE EXDATE of a moved occurrence: leave it to the full path
    fan = 1
    for part in _EXPANDING:
        if part in parts:
            fan *= len(parts[part].split(","))
    rate = fan / (_FREQ_SECONDS[parts["FREQ"]] * int(parts.get("INTERVAL", "1")))
    if rate * ((window.end - window.start).total_seconds() + 2 * 86400) > MAX_PER_SERIES:
        return _FAIL  # the full path imports the first MAX_PER_SERIES and says so
    steps = (window.end.date() - first.date()).days / _PERIOD_DAYS[parts["FREQ"]]
    if steps * (len(parts.get("BYDAY", "").split(",")) + 1) > MAX_RULE_STEPS / 4:
        return _FAIL  # a rule walked from far back: the full path caps or skips it
    from dateutil.rrule import rrulestr

    try:
        rrule = rrulestr(f"RRULE:{text}", dtstart=first, cache=False)
    except (ValueError, TypeError, OverflowError):
        return _FAIL
    if aware:
        lo: datetime = window.start - timedelta(days=1) - length
        hi: datetime = window.end + timedelta(days=1)
    else:
        lo = (window.start.astimezone(zone) - timedelta(days=1) - length).replace(tzinfo=None)
        hi = (window.end.astimezone(zone) + timedelta(days=1)).replace(tzinfo=None)
    starts = set(rrule.between(lo, hi, inc=True))
    last = getattr(rrule, "_until", None)
    if lo <= first <= hi and (last is None or first <= last):
        starts.add(first)  # DTSTART is the first occurrence, whether the rule has it or not
    transp = props.get("TRANSP", ("", ""))[1].strip().upper()
    cdo = props.get("X-MICROSOFT-CDO-BUSYSTATUS", ("", ""))[1].strip().upper()
    try:
        sequence = int(props.get("SEQUENCE", ("", "0"))[1].strip() or 0)
    except ValueError:
        return _FAIL
    summary = _unescape_text(props.get("SUMMARY", ("", ""))[1])
    location = _unescape_text(props.get("LOCATION", ("", ""))[1])
    out: list[Occ] = []
    for moment in sorted(starts, key=lambda m: m.timestamp() if aware else m.toordinal()):
        if moment in skip_moments or moment.date() in skip_days or moment in moved:
            continue
        begin: date | datetime = moment if timed else moment.date()
        out.append(
            _values_occ(
                uid,
                summary,
                location,
                begin,
                begin + length,
                "",
                zone,
                transp,
                cdo,
                sequence,
                tuple(categories),
            )
        )
    for key, lines in moved.items():
        if key in skip_moments:
            continue
        read_moved = _plain_props(lines, frozenset())
        if read_moved is None:
            return _FAIL
        mprops, mcats, _ = read_moved
        if "RRULE" in mprops or "RDATE" in mprops or "RANGE" in mprops["RECURRENCE-ID"][0].upper():
            return _FAIL
        moved_span = _plain_span(mprops, xwr)
        if moved_span is None:
            return _FAIL
        if mprops.get("STATUS", ("", ""))[1].strip().upper() == "CANCELLED":
            continue
        try:
            msequence = int(mprops.get("SEQUENCE", ("", "0"))[1].strip() or 0)
        except ValueError:
            return _FAIL
        mstart, mlength = moved_span
        out.append(
            _values_occ(
                uid,
                _unescape_text(mprops.get("SUMMARY", ("", ""))[1]),
                _unescape_text(mprops.get("LOCATION", ("", ""))[1]),
                mstart,
                mstart + mlength,
                _stamp(key if timed else key.date()),
                zone,
                mprops.get("TRANSP", ("", ""))[1].strip().upper(),
                mprops.get("X-MICROSOFT-CDO-BUSYSTATUS", ("", ""))[1].strip().upper(),
                msequence,
                tuple(mcats),
            )
        )
    kept: list[Occ] = []
    used: set[str] = set()
    for occ in out:
        if not (occ.start < window.end and occ.end > window.start):
            continue
        if occ.recurrence_id in used:
            occ = _replace_rid(occ, f"{occ.recurrence_id}@{_stamp(occ.start)}")
        used.add(occ.recurrence_id)
        kept.append(occ)
    return kept


def _plain_event(lines: list[str], uid: str, zone: tzinfo, xwr: bool) -> Occ | object | None:
    """A one-off VEVENT read from its (already repaired) lines: the Occ, None when cancelled,
    or _FAIL when anything is unusual (then icalendar reads it, and reports what is wrong).

    Thousands of one-off meetings are most of a real calendar; icalendar would build a full
    component for each, property by property.
    """
    props: dict[str, tuple[str, str]] = {}
    categories: list[str] = []
    for line in lines:
        prop, params, value = _prop(line)
        if prop in ("BEGIN", "END"):
            continue
        if prop == "CATEGORIES":
            categories.extend(_split_text_list(value))
            continue
        if prop in props or not prop:
            return _FAIL
        props[prop] = (params, value)
    if "DTSTART" not in props:
        return _FAIL
    start_v = _plain_time(*props["DTSTART"], xwr)
    if start_v is _FAIL:
        return _FAIL
    if "DTEND" in props:
        end_v = _plain_time(*props["DTEND"], xwr)
        if end_v is _FAIL:
            return _FAIL
    elif "DURATION" in props:
        length = _plain_duration(*props["DURATION"])
        if length is None:
            return _FAIL
        end_v = start_v + length  # type: ignore[operator]
    elif isinstance(start_v, datetime):
        end_v = start_v
    else:
        end_v = start_v + timedelta(days=1)  # type: ignore[operator]
    if props.get("STATUS", ("", ""))[1].strip().upper() == "CANCELLED":
        return None
    try:
        sequence = int(props.get("SEQUENCE", ("", "0"))[1].strip() or 0)
    except ValueError:
        return _FAIL
    return _values_occ(
        uid,
        _unescape_text(props.get("SUMMARY", ("", ""))[1]),
        _unescape_text(props.get("LOCATION", ("", ""))[1]),
        start_v,  # type: ignore[arg-type]
        end_v,  # type: ignore[arg-type]
        None,
        zone,
        props.get("TRANSP", ("", ""))[1].strip().upper(),
        props.get("X-MICROSOFT-CDO-BUSYSTATUS", ("", ""))[1].strip().upper(),
        sequence,
        tuple(categories),
    )


def _split_text_list(value: str) -> list[str]:
    """CATEGORIES:a,b\\,c -> ["a", "b,c"] (commas separate unless escaped)."""
    items = re.split(r"(?<!\\),", value)
    return [text for item in items if (text := _unescape_text(item))]


def _plain_duration(params: str, value: str) -> timedelta | None:
    m = _DUR_RE.match(value.strip().upper())
    if params or not m or value.strip() in ("P", "PT", "+P", "-P"):
        return None
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in m.groups())
    length = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    return -length if value.strip().startswith("-") else length


def _plain_time(params: str, value: str, xwr: bool) -> date | datetime | object:
    tz: tzinfo | None = None
    is_date = None
    if params:
        if '"' in params:
            return _FAIL
        for item in params.strip(";").split(";"):
            key, _, val = item.partition("=")
            key = key.strip().upper()
            if key == "VALUE" and val.strip().upper() in ("DATE", "DATE-TIME"):
                is_date = val.strip().upper() == "DATE"
            elif key == "TZID":
                tz = _iana(val.strip())
                if tz is None:
                    return _FAIL  # a custom VTIMEZONE: icalendar builds it
            else:
                return _FAIL
    m = _DT_RE.match(value.strip())
    if not m:
        return _FAIL
    try:
        if m[4] is None:
            if tz is not None or is_date is False:
                return _FAIL
            return date(int(m[1]), int(m[2]), int(m[3]))
        if is_date:
            return _FAIL
        moment = datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]))  # noqa: DTZ001
    except ValueError:
        return _FAIL
    if m[7]:
        return _FAIL if tz is not None else moment.replace(tzinfo=UTC)
    if tz is not None:
        return moment.replace(tzinfo=tz)
    return _FAIL if xwr else moment  # floating under X-WR-TIMEZONE: x-wr-timezone decides


def _unescape_text(value: str) -> str:
    def repl(m: re.Match[str]) -> str:
        ch = m[1]
        return "\n" if ch in "Nn" else ch

    return _ESCAPE_RE.sub(repl, value).strip()


# ---------------------------------------------------------------- full parse and expansion


def _parse_components(text: str, name: str, result: ParseResult) -> list[Any]:
    """icalendar on the repaired text; on failure, one component at a time (skip the bad)."""
    import icalendar

    try:
        cal = icalendar.Calendar.from_ical(text)
        return [_with_header(cal)]
    except Exception as exc:
        first_error = exc
    cals = _scan(text, name, ParseResult())
    header = "\r\n".join(["BEGIN:VCALENDAR", *cals[0].header])
    good_tz: list[str] = []
    for tz in cals[0].timezones:
        tz_text = "\r\n".join(tz.lines)
        try:
            icalendar.Calendar.from_ical(f"{header}\r\n{tz_text}\r\nEND:VCALENDAR\r\n")
            good_tz.append(tz_text)
        except Exception as exc:
            result.note(
                Problem(
                    name, "VTIMEZONE", tr("unreadable, ignored ({short})").format(short=_short(exc))
                )
            )
    prefix = "\r\n".join([header, *good_tz])
    out: list[Any] = []
    for block in cals[0].events:
        body = "\r\n".join(block.lines)
        try:
            out.append(
                _with_header(
                    icalendar.Calendar.from_ical(f"{prefix}\r\n{body}\r\nEND:VCALENDAR\r\n")
                )
            )
        except Exception as exc:
            uid = next((_prop(x)[2] for x in block.lines if _prop(x)[0] == "UID"), "")
            summary = next((_prop(x)[2] for x in block.lines if _prop(x)[0] == "SUMMARY"), "")
            result.note(
                Problem(
                    name, _label(uid, summary), tr("skipped: {short}").format(short=_short(exc))
                )
            )
    if not out and cals[0].events:
        raise CalendarError(
            tr("{name}: cannot be parsed: {short}").format(name=name, short=_short(first_error))
        )
    return out


def _with_header(cal: Any) -> Any:
    """Apply Google's X-WR-TIMEZONE (UTC times meant for a zone) before expanding.

    Only recurring events (and floating ones) need it: a one-off UTC time is the same instant
    either way, so the thousands of single meetings skip the rewrite.
    """
    import icalendar
    import x_wr_timezone

    if "X-WR-TIMEZONE" not in cal:
        return cal
    needs, rest = [], []
    for comp in cal.subcomponents:
        if comp.name == "VEVENT" and not _needs_zone(comp):
            rest.append(comp)
        else:
            needs.append(comp)
    part = icalendar.Calendar()
    for key, value in cal.items():
        part[key] = value
    part.subcomponents = needs
    try:
        converted = x_wr_timezone.to_standard(part)
    except Exception:  # an unknown zone name: keep the times as written
        return cal
    converted.subcomponents = [*converted.subcomponents, *rest]
    return converted


def _needs_zone(comp: Any) -> bool:
    if any(k in comp for k in _RECURRENCE):
        return True
    start = comp.get("DTSTART")
    value = getattr(start, "dt", None)
    return isinstance(value, datetime) and value.tzinfo is None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _seq(component: Any) -> int:
    try:
        return int(component.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        return 0


def _rid_key(component: Any) -> str:
    rid = component.get("RECURRENCE-ID")
    if rid is None:
        return ""
    try:
        value = rid.dt
    except Exception:
        return str(rid)
    return _stamp(value)


def _stamp(value: date | datetime) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return value.strftime("%Y%m%dT%H%M%S")
    return value.strftime("%Y%m%d")


def _to_utc(value: date | datetime, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=zone).astimezone(UTC)
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=zone).astimezone(UTC)


def _text(component: Any, key: str) -> str:
    value = component.get(key)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def _categories(component: Any) -> tuple[str, ...]:
    raw = component.get("CATEGORIES")
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        cats = getattr(item, "cats", None)
        out.extend(str(c) for c in (cats if cats is not None else [item]))
    return tuple(out)


def _busy(transp: str, cdo: str, all_day: bool) -> bool:
    if transp == "TRANSPARENT" or cdo in FREE_STATUSES:
        return False
    if all_day:  # an all-day entry blocks the day only when it says so
        return transp == "OPAQUE" or cdo in BUSY_STATUSES
    return True


def _expand(
    components: list[Any], name: str, window: Interval, zone: tzinfo, result: ParseResult
) -> None:
    if not components:
        return
    import recurring_ical_events as rie

    # One version per (UID, RECURRENCE-ID): the higher SEQUENCE wins, then the later one.
    chosen: dict[tuple[str, str], Any] = {}
    for comp in components:
        key = (str(comp.get("UID", "")), _rid_key(comp))
        old = chosen.get(key)
        if old is None or _seq(comp) >= _seq(old):
            chosen[key] = comp
    groups: dict[str, list[Any]] = defaultdict(list)
    for (uid, _), comp in chosen.items():
        groups[uid].append(comp)
    span_start = (window.start - timedelta(days=1)).replace(tzinfo=None)
    span_stop = (window.end + timedelta(days=1)).replace(tzinfo=None)
    for uid, comps in groups.items():
        summary = _text(comps[0], "SUMMARY")
        stop = span_stop
        if len(comps) == 1 and not any(k in comps[0] for k in _RECURRENCE):
            try:
                single = _single(comps[0], uid, zone)
            except Exception as exc:
                result.note(
                    Problem(
                        name, _label(uid, summary), tr("skipped: {short}").format(short=_short(exc))
                    )
                )
                continue
            if single is not None and single.start < window.end and single.end > window.start:
                result.occurrences.append(single)
            continue
        try:
            steps, per_second = _cost(comps, span_start, span_stop)
            if steps > MAX_RULE_STEPS:
                result.note(
                    Problem(
                        name,
                        _label(uid, summary),
                        tr(
                            "skipped: the rule repeats too often to expand (about {steps:.3g} "
                            "repetitions up to the window's end)"
                        ).format(steps=steps),
                    )
                )
                continue
            if per_second * (span_stop - span_start).total_seconds() > MAX_PER_SERIES:
                stop = span_start + timedelta(seconds=MAX_PER_SERIES / per_second)
                result.note(
                    Problem(
                        name,
                        _label(uid, summary),
                        tr("only the first {limit} repetitions in the window are imported").format(
                            limit=MAX_PER_SERIES
                        ),
                    )
                )
            series = rie.Series([rie.EventAdapter(c) for c in comps])
            occurrences = list(series.between(span_start, stop))
        except Exception as exc:  # one bad series never sinks the calendar
            result.note(
                Problem(
                    name, _label(uid, summary), tr("skipped: {short}").format(short=_short(exc))
                )
            )
            continue
        used: set[str] = set()
        for occ in occurrences:
            try:
                item = _occurrence(occ, uid, zone)
            except Exception as exc:
                result.note(
                    Problem(
                        name,
                        _label(uid, summary),
                        tr("occurrence skipped: {short}").format(short=_short(exc)),
                    )
                )
                continue
            if item is None or not (item.start < window.end and item.end > window.start):
                continue
            if item.recurrence_id in used:
                item = _replace_rid(item, f"{item.recurrence_id}@{_stamp(item.start)}")
            used.add(item.recurrence_id)
            result.occurrences.append(item)


_RECURRENCE = ("RRULE", "RDATE", "RECURRENCE-ID", "EXRULE")
_FREQ_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86400,
    "WEEKLY": 7 * 86400,
    "MONTHLY": 28 * 86400,
    "YEARLY": 365 * 86400,
}
_EXPANDING = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")


def _cost(comps: Sequence[Any], span_start: datetime, span_stop: datetime) -> tuple[float, float]:
    """Upper estimates: rule steps from DTSTART to the window's end, and repetitions per second.

    dateutil walks every step from DTSTART and lists all hits at once, so a FREQ=SECONDLY
    rule from 1970 would hang the import and eat memory; such series are capped or skipped.
    """
    steps = 0.0
    rate = 0.0
    for comp in comps:
        rules = comp.get("RRULE")
        if rules is None:
            continue
        begin = comp.get("DTSTART")
        try:
            first = begin.dt if begin is not None else span_start
        except Exception:  # a broken DTSTART fails later with its own message
            continue
        if isinstance(first, datetime):
            first = first.astimezone(UTC).replace(tzinfo=None) if first.tzinfo else first
        else:
            first = datetime(first.year, first.month, first.day)  # noqa: DTZ001 - naive on purpose
        for rule in rules if isinstance(rules, list) else [rules]:
            freq = str((rule.get("FREQ") or ["DAILY"])[0]).upper()
            period = _FREQ_SECONDS.get(freq, 86400)
            interval = int((rule.get("INTERVAL") or [1])[0])
            if interval < 1:
                raise ValueError(f"INTERVAL={interval} in RRULE (must be 1 or more)")
            fan = 1
            for key in _EXPANDING:
                values = rule.get(key)
                if values:
                    fan *= len(values)
            seconds = max(0.0, (span_stop - first).total_seconds())
            total = seconds / (period * interval) * fan
            count = rule.get("COUNT")
            if count:
                total = min(total, float(int(count[0])) * fan)
            if _never_matches(rule, freq, fan):
                raise ValueError(f"RRULE {rule.to_ical().decode()[:80]} never matches a date")
            steps += total
            rate += fan / (period * interval)
    return steps, rate


_DAY_FILTERS = ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY")


def _never_matches(rule: Any, freq: str, fan: int) -> bool:
    """Rules whose filters exclude every date make dateutil walk to the year 9999 (seconds of
    CPU per series). Check the day filters alone, yearly, near that limit (about a ms)."""
    positions = rule.get("BYSETPOS")
    if positions:
        per_period = {"YEARLY": 366, "MONTHLY": 31, "WEEKLY": 7}.get(freq, 1)
        if rule.get("BYDAY"):
            per_period = len(rule["BYDAY"]) * {"YEARLY": 53, "MONTHLY": 5}.get(freq, 1)
        size = per_period * fan
        if all(abs(int(p)) > size or int(p) == 0 for p in positions):
            return True
    parts = [f"{key}={_join(rule[key])}" for key in _DAY_FILTERS if rule.get(key)]
    if not parts:
        return False
    return _filters_never_match(";".join(parts))


@functools.lru_cache(maxsize=512)
def _filters_never_match(filters: str) -> bool:
    """56 years (two 28-year weekday cycles, with leap days) before the year 9999 limit."""
    from dateutil.rrule import rrulestr

    start = datetime(9943, 1, 1)  # noqa: DTZ001 - naive on purpose
    probe = rrulestr(f"RRULE:FREQ=YEARLY;{filters}", dtstart=start)
    return probe.after(start, inc=True) is None


def _join(values: Any) -> str:
    items = values if isinstance(values, list) else [values]
    return ",".join(str(v) for v in items)


def _replace_rid(item: Occ, rid: str) -> Occ:
    from dataclasses import replace

    return replace(item, recurrence_id=rid[:40])


def _occurrence(occ: Any, uid: str, zone: tzinfo) -> Occ | None:
    adapter = occ._adapter
    component = getattr(adapter, "_component", None)
    if component is None:
        component = occ.as_component(False)
    if _text(component, "STATUS").upper() == "CANCELLED":
        return None
    is_override = bool(adapter.recurrence_ids) and not adapter.this_and_future
    if is_override:
        rid: str | None = _rid_key(component)
    elif adapter.recurrence_ids or _has_recurrence(adapter):
        rid = ""  # keyed on its start
    else:
        rid = None
    return _build(component, uid, occ.start, occ.end, rid, zone)


def _single(component: Any, uid: str, zone: tzinfo) -> Occ | None:
    """A plain event (no RRULE, RDATE or RECURRENCE-ID) without recurring-ical-events' series
    machinery, which costs more than the rest of the import for the many one-off meetings."""
    if _text(component, "STATUS").upper() == "CANCELLED":
        return None
    begin = component.get("DTSTART")
    if begin is None:
        raise ValueError("the event has no DTSTART")
    start_v = begin.dt
    if "DTEND" in component:
        end_v = component["DTEND"].dt
    elif "DURATION" in component:
        end_v = start_v + component["DURATION"].dt
    else:  # RFC 5545 3.6.1: a day for a DATE start, a moment for a DATE-TIME start
        end_v = start_v if isinstance(start_v, datetime) else start_v + timedelta(days=1)
    return _build(component, uid, start_v, end_v, None, zone)


def _build(
    component: Any,
    uid: str,
    start_v: date | datetime,
    end_v: date | datetime | None,
    rid: str | None,
    zone: tzinfo,
) -> Occ:
    return _values_occ(
        uid,
        _text(component, "SUMMARY"),
        _text(component, "LOCATION"),
        start_v,
        end_v,
        rid,
        zone,
        _text(component, "TRANSP").upper(),
        _text(component, "X-MICROSOFT-CDO-BUSYSTATUS").upper(),
        _seq(component),
        _categories(component),
    )


def _values_occ(
    uid: str,
    summary: str,
    location: str,
    start_v: date | datetime,
    end_v: date | datetime | None,
    rid: str | None,
    zone: tzinfo,
    transp: str,
    busy_status: str,
    sequence: int,
    categories: tuple[str, ...],
) -> Occ:
    all_day = not isinstance(start_v, datetime)
    start = _to_utc(start_v, zone)
    end = _to_utc(end_v, zone) if end_v is not None else start
    if end < start:
        start, end = end, start
    if all_day and end <= start:
        end = _to_utc(start_v + timedelta(days=1), zone)
    if rid is None:
        rid = ""
    elif not rid:
        rid = start_v.strftime("%Y%m%d") if all_day else _stamp(start)
    return Occ(
        uid=uid[:500],
        recurrence_id=rid[:40],
        summary=summary,
        location=location,
        start=start,
        end=end,
        all_day=all_day,
        busy=_busy(transp, busy_status, all_day),
        sequence=sequence,
        categories=categories,
    )


def _has_recurrence(adapter: Any) -> bool:
    comp = adapter._component
    return "RRULE" in comp or "RDATE" in comp


# ---------------------------------------------------------------- entry points


def read(
    files: Sequence[tuple[str, bytes]] | Iterable[tuple[str, bytes]],
    window: Interval,
    zone: tzinfo,
    *,
    charset: str | None = None,
    fast: bool = True,
) -> ParseResult:
    """Parse one or more .ics files (a folder is one calendar) into occurrences within window.

    Raises CalendarError when a file cannot be used at all, so the caller changes nothing.
    """
    result = ParseResult()
    components: list[Any] = []
    names: list[str] = []
    files = list(files)
    for name, data in files:
        names.append(name)
        if not data.strip():
            raise CalendarError(tr("{name}: the file is empty").format(name=name))
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise CalendarError(
                tr("{name}: this is a binary file, not an iCalendar file").format(name=name)
            )
        text = decode(data, charset)
        try:
            # a folder may repeat a UID across files (SEQUENCE decides): icalendar for all
            texts = prepare(text, name, window, result, zone, fast=fast and len(files) == 1)
        except CalendarError:
            raise
        except Exception as exc:  # a bug of ours must still not take the caller down
            raise CalendarError(
                tr("{name}: internal error while reading ({short})").format(
                    name=name, short=_short(exc)
                )
            ) from exc
        for cal_text in texts:
            if "BEGIN:VEVENT" not in cal_text:
                continue  # every event was read on the fast path: icalendar is not needed
            for cal in _parse_components(cal_text, name, result):
                components.extend(cal.walk("VEVENT"))
                for comp in cal.walk("VEVENT"):
                    for prop, message in getattr(comp, "errors", ()) or ():
                        result.note(
                            Problem(
                                name,
                                _label(_text(comp, "UID"), _text(comp, "SUMMARY")),
                                f"{prop}: {message}",
                            )
                        )
    label = names[0] if len(names) == 1 else f"{len(names)} files"
    try:
        _expand(components, label, window, zone, result)
    except Exception as exc:
        raise CalendarError(
            tr("{label}: internal error while expanding ({short})").format(
                label=label, short=_short(exc)
            )
        ) from exc
    result.occurrences.sort(key=lambda o: (o.start, o.uid, o.recurrence_id))
    result.finish()
    return result
