"""Which reminders are due when: slots, meetings, the hard stop, overtime, long interruptions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from planner.domain.errors import PlannerError
from planner.domain.i18n import N_, ntr, tr
from planner.domain.timerange import Interval, day_bounds, parse_hhmm
from planner.domain.values import Change, EntryV, PlanV, SlotV, Topic
from planner.services import planning, tracking

DELIVERED_KEY = "reminders_delivered"
KEEP_DELIVERED = timedelta(days=3)
FOREVER = timedelta(days=1)


class Kind(StrEnum):
    SLOT_START = "slot_start"
    SLOT_END = "slot_end"
    MEETING = "meeting"
    HARD_STOP = "hard_stop"
    OVERTIME = "overtime"
    INTERRUPTION = "interruption"
    BREAK = "break"  # a planned break starts, and ends when nothing else marks its end


# After a sleep only the most relevant reminder of each group fires (one hard stop, not eight
# overtime repeats; the slot running now, not every slot that started meanwhile).
GROUP = {
    Kind.SLOT_START: "slot",
    Kind.SLOT_END: "slot",
    Kind.MEETING: "meeting",
    Kind.HARD_STOP: "stop",
    Kind.OVERTIME: "stop",
    Kind.INTERRUPTION: "interruption",
    Kind.BREAK: "break",
}
# Kinds that may speak inside a focus block: they mark its edges, a meeting that ends it, or
# the day's end.
FOCUS_ALLOWED = frozenset(
    {Kind.SLOT_START, Kind.SLOT_END, Kind.MEETING, Kind.HARD_STOP, Kind.BREAK}
)
SETTING_OF = {kind: f"remind_{kind.value}" for kind in Kind}


@dataclass(frozen=True)
class Reminder:
    """One notification the plan asks for: due from `due`, still worth showing until `until`."""

    kind: Kind
    key: str
    due: datetime
    until: datetime
    title: str
    body: str

    @property
    def text(self) -> str:
        return f"{self.title} — {self.body}" if self.body else self.title


@dataclass(frozen=True)
class Prefs:
    lead: timedelta = timedelta(minutes=2)
    end_warning: timedelta = timedelta(minutes=5)
    overtime_every: timedelta = timedelta(minutes=15)
    interruption_nag: timedelta = timedelta(minutes=15)
    enabled: frozenset[Kind] = frozenset(Kind)
    quiet: tuple[int, int] | None = None  # local minutes of the day [start, end), may wrap
    hotkey: str = "Ctrl+Alt+I"

    @property
    def focus_edge(self) -> timedelta:
        return max(self.lead, self.end_warning)


def _minutes(value: Any, default: int, low: int = 0) -> timedelta:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = default
    return timedelta(minutes=max(low, number))


def _quiet(start: Any, end: Any) -> tuple[int, int] | None:
    if not start or not end:
        return None
    try:
        first, last = parse_hhmm(str(start)) % 1440, parse_hhmm(str(end)) % 1440
    except ValueError:
        return None
    return None if first == last else (first, last)


def load_prefs(session: Session, owner: str) -> Prefs:
    def get(key: str) -> Any:
        return planning.get_setting(session, owner, key)

    return Prefs(
        lead=_minutes(get("slot_lead_minutes"), 2),
        end_warning=_minutes(get("slot_end_warning_minutes"), 5),
        overtime_every=_minutes(get("overtime_every_minutes"), 15, low=1),
        interruption_nag=_minutes(get("interruption_nag_minutes"), 15, low=1),
        enabled=frozenset(k for k in Kind if get(SETTING_OF[k]) is not False),
        quiet=_quiet(get("quiet_hours_start"), get("quiet_hours_end")),
        hotkey=str(get("hotkey") or "Ctrl+Alt+I"),
    )


# ---------------------------------------------------------------- pure rules


def _hhmm(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def slot_head(plan: PlanV, slot: SlotV, zone: tzinfo) -> str:
    """'Community 11:00–12:00'."""
    roles = {r.id: r.name for r in plan.roles}
    return f"{roles.get(slot.role_id, 'Slot')} {_hhmm(slot.start, zone)}–{_hhmm(slot.end, zone)}"


def slot_label(plan: PlanV, slot: SlotV, zone: tzinfo) -> str:
    """'Community 11:00–12:00 — Write the newsletter' (the slot's first open task, or title)."""
    tasks = sorted(
        (t for t in plan.tasks if t.slot_id == slot.id and t.status == "open"),
        key=lambda t: (t.priority, t.id),
    )
    what = tasks[0].title if tasks else slot.title
    head = slot_head(plan, slot, zone)
    return f"{head} — {what}" if what else head


def _carry_text(open_tasks: int) -> str:
    if open_tasks == 0:
        return tr("All of today's tasks are done.")
    return ntr(
        "{n} task carries over to tomorrow.", "{n} tasks carry over to tomorrow.", open_tasks
    ).format(n=open_tasks)


@dataclass(frozen=True)
class DayContext:
    """What the rules need besides the plan: is this a working day, where the local day ends."""

    workday: bool
    day_end: datetime


def candidates(
    plan: PlanV,
    running: EntryV | None,
    prefs: Prefs,
    zone: tzinfo,
    context: DayContext,
    now: datetime,
) -> list[Reminder]:
    """Every reminder this day's plan asks for up to `now`, and the next one of each kind
    after it, focus blocks already respected (pure). Overtime repeats only while work is
    still logged, so only those up to the next one after `now` exist."""
    slots = sorted(plan.slots, key=lambda s: s.start)
    out = _slot_reminders(plan, slots, prefs, zone)
    out.extend(_meeting_reminders(plan, prefs, zone))
    out.extend(_break_reminders(plan, slots, zone))
    if (context.workday or plan.day.stored or slots) and plan.day.closed_at is None:
        out.extend(_stop_reminders(plan, running, prefs, zone, context, now))
    if running is not None and running.kind == "interruption" and running.end is None:
        out.append(_interruption_reminder(running, prefs))
    out = [r for r in out if r.kind in prefs.enabled]
    return _respect_focus(out, slots, plan.day.min_block_minutes, prefs)


def _slot_reminders(plan: PlanV, slots: list[SlotV], prefs: Prefs, zone: tzinfo) -> list[Reminder]:
    """Each slot's start (a lead before it) and its coming end (with what follows)."""
    out: list[Reminder] = []
    lead_min = round(prefs.lead.total_seconds() / 60)
    for index, slot in enumerate(slots):
        warn = prefs.end_warning if prefs.end_warning < slot.end - slot.start else timedelta(0)
        out.append(
            Reminder(
                Kind.SLOT_START,
                f"slot_start:{slot.id}:{slot.start.isoformat()}",
                slot.start - prefs.lead,
                max(slot.end - warn, slot.start + timedelta(minutes=1)),
                slot_label(plan, slot, zone),
                _starts_in(lead_min),
            )
        )
        if not warn:
            continue
        then = _after_slot(plan, slot, slots[index + 1] if index + 1 < len(slots) else None, zone)
        out.append(
            Reminder(
                Kind.SLOT_END,
                f"slot_end:{slot.id}:{slot.end.isoformat()}",
                slot.end - warn,
                slot.end,
                tr("{slot_head} ends in {value} min").format(
                    slot_head=slot_head(plan, slot, zone), value=round(warn.total_seconds() / 60)
                ),
                then,
            )
        )
    return out


def _after_slot(plan: PlanV, slot: SlotV, nxt: SlotV | None, zone: tzinfo) -> str:
    """What a slot's end reminder says comes after it: a meeting or a planned break starting
    then ('Then lunch until 13:15.'), the next slot, the hard stop, or only the end."""
    stop = plan.day.stop
    meeting = min(
        (
            m
            for m in plan.meetings
            if m.busy and not m.all_day and m.start == slot.end and m.end > m.start
        ),
        key=lambda m: (m.start, m.id),
        default=None,
    )
    if meeting is not None:
        span = f"{_hhmm(meeting.start, zone)}–{_hhmm(meeting.end, zone)}"
        name = meeting.summary.strip()[:60] or tr("Meeting")
        return tr("Next: {what}").format(what=f"{name} {span}")
    rest = next((b for b in plan.breaks if not b.skipped and b.start == slot.end), None)
    if nxt is not None and nxt.start - slot.end < timedelta(minutes=30):
        following = tr("Next: {what}").format(what=slot_label(plan, nxt, zone))
    elif slot.end <= stop < slot.end + timedelta(minutes=30):
        following = tr("Then your hard stop at {hhmm}.").format(hhmm=_hhmm(stop, zone))
    else:
        following = ""
    if rest is not None:
        minutes = round((rest.end - rest.start).total_seconds() / 60)
        if rest.kind == "lunch":
            pause = tr("Then lunch until {hhmm}.").format(hhmm=_hhmm(rest.end, zone))
        else:
            pause = ntr("Then a {n}-minute break.", "Then a {n}-minute break.", minutes).format(
                n=minutes
            )
        return f"{pause} {following}" if following else pause
    return following or tr("Ends at {hhmm}.").format(hhmm=_hhmm(slot.end, zone))


BREAK_NAMES = {"lunch": N_("Lunch"), "short": N_("Short break")}


def _break_reminders(plan: PlanV, slots: list[SlotV], zone: tzinfo) -> list[Reminder]:
    """A break's start ('Lunch 12:30–13:15 — time for a break'), and its end when no slot or
    meeting starts then (their own reminder says so otherwise)."""
    out: list[Reminder] = []
    starts = {s.start for s in slots} | {m.start for m in plan.meetings if m.busy}
    for brk in plan.breaks:
        if brk.skipped or brk.end <= brk.start:
            continue
        name = tr(BREAK_NAMES.get(brk.kind, N_("Break")))
        span = f"{_hhmm(brk.start, zone)}–{_hhmm(brk.end, zone)}"
        minutes = round((brk.end - brk.start).total_seconds() / 60)
        body = (
            tr("Time for a break.")
            if brk.kind == "lunch"
            else tr("{minutes} min: stand up, look away.").format(minutes=minutes)
        )
        out.append(
            Reminder(
                Kind.BREAK,
                f"break:{brk.kind}:{brk.start.isoformat()}",
                brk.start,
                brk.end,
                tr("{name} {span}").format(name=name, span=span),
                body,
            )
        )
        if brk.end not in starts:
            out.append(
                Reminder(
                    Kind.BREAK,
                    f"break_end:{brk.kind}:{brk.end.isoformat()}",
                    brk.end,
                    brk.end + timedelta(minutes=15),
                    tr("{name} is over").format(name=name),
                    tr("Back to work at {hhmm}.").format(hhmm=_hhmm(brk.end, zone)),
                )
            )
    return out


def _stop_reminders(
    plan: PlanV,
    running: EntryV | None,
    prefs: Prefs,
    zone: tzinfo,
    context: DayContext,
    now: datetime,
) -> list[Reminder]:
    """The hard stop, and the overtime repeats while work is still logged after it."""
    stop = plan.day.stop
    open_tasks = sum(t.status == "open" for t in plan.tasks)
    stop_text = tr("You set {hhmm} as your stop.").format(hhmm=_hhmm(stop, zone))
    # Someone at work hears of the stop however late they come back; an app opened late on a
    # day nobody worked only mentions it around the stop itself.
    working = running is not None or plan.day.started_at is not None
    until = context.day_end if working else stop + timedelta(minutes=15)
    out = [
        Reminder(
            Kind.HARD_STOP,
            f"hard_stop:{plan.day.day.isoformat()}:{stop.isoformat()}",
            stop,
            max(until, stop + timedelta(minutes=1)),
            tr("Time to stop"),
            f"{stop_text} {_carry_text(open_tasks)}",
        )
    ]
    if running is None:
        return out
    step = prefs.overtime_every
    due = stop + step
    while due < context.day_end and due <= max(now, stop) + step:
        over = round((due - stop).total_seconds() / 60)
        out.append(
            Reminder(
                Kind.OVERTIME,
                f"overtime:{plan.day.day.isoformat()}:{due.isoformat()}:stop={stop.isoformat()}",
                due,
                due + step,
                tr("Overtime: {duration} past your stop").format(duration=_duration(over)),
                tr("{stop_text} Wrap up and close the day.").format(stop_text=stop_text),
            )
        )
        due += step
    return out


def _interruption_reminder(running: EntryV, prefs: Prefs) -> Reminder:
    """A nudge when an interruption has run long: still on it, or back to work?"""
    note = running.note.strip().splitlines()
    if note:
        question = tr("Still on {value}?").format(value=note[0][:60])
    elif running.source.strip():
        question = tr("Still with {value}?").format(value=running.source.strip()[:60])
    else:
        question = tr("Still on that interruption?")
    due = running.start + prefs.interruption_nag
    return Reminder(
        Kind.INTERRUPTION,
        f"interruption:{running.id}:{due.isoformat()}",
        due,
        due + FOREVER,
        question,
        tr("Back to work with {hotkey}").format(hotkey=prefs.hotkey),
    )


def _meeting_reminders(plan: PlanV, prefs: Prefs, zone: tzinfo) -> list[Reminder]:
    """A heads-up before each timed, busy meeting of the day (it ends whatever slot runs)."""
    out = []
    lead_min = round(prefs.lead.total_seconds() / 60)
    for meeting in plan.meetings:
        if meeting.all_day or not meeting.busy or meeting.end <= meeting.start:
            continue
        span = f"{_hhmm(meeting.start, zone)}–{_hhmm(meeting.end, zone)}"
        out.append(
            Reminder(
                Kind.MEETING,
                f"meeting:{meeting.id}:{meeting.start.isoformat()}",
                meeting.start - prefs.lead,
                meeting.end,
                tr("{meeting} {span}").format(
                    meeting=meeting.summary.strip()[:60] or tr("Meeting"), span=span
                ),
                _starts_in(lead_min),
            )
        )
    return out


def focus_interiors(
    slots: Iterable[SlotV], min_block_minutes: int, edge: timedelta
) -> list[Interval]:
    """The quiet inside of each focus block (a slot long enough for deep work), minus its end."""
    out = []
    for slot in slots:
        if slot.end - slot.start >= timedelta(minutes=min_block_minutes):
            end = slot.end - edge
            if end > slot.start:
                out.append(Interval(slot.start, end))
    return out


def _respect_focus(
    reminders: list[Reminder], slots: list[SlotV], min_block: int, prefs: Prefs
) -> list[Reminder]:
    """Inside a focus block only its edges and the hard stop speak; the rest waits for the edge."""
    interiors = focus_interiors(slots, min_block, prefs.focus_edge)
    out = []
    for reminder in reminders:
        if reminder.kind not in FOCUS_ALLOWED:
            due = reminder.due
            for interior in interiors:
                if interior.contains(due):
                    due = interior.end
            if due != reminder.due:
                if due >= reminder.until:
                    continue
                reminder = Reminder(
                    reminder.kind, reminder.key, due, reminder.until, reminder.title, reminder.body
                )
        out.append(reminder)
    return out


def in_quiet_hours(moment: datetime, quiet: tuple[int, int] | None, zone: tzinfo) -> bool:
    if quiet is None:
        return False
    local = moment.astimezone(zone)
    minute = local.hour * 60 + local.minute
    start, end = quiet
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


@dataclass(frozen=True)
class Selection:
    """What to show now, what to silently mark as handled, and when to look again."""

    fire: tuple[Reminder, ...] = ()
    skip: tuple[Reminder, ...] = ()
    next_due: datetime | None = None


def select(
    reminders: Iterable[Reminder],
    delivered: Mapping[str, Any],
    now: datetime,
    prefs: Prefs,
    zone: tzinfo,
    running: EntryV | None = None,
) -> Selection:
    """Pick the reminders due at `now` that were not delivered yet (pure).

    Everything whose window has passed is stale and never fires (the machine slept through
    it); of several due in one group only the most relevant fires and the rest are skipped.
    """
    due: list[Reminder] = []
    later: list[datetime] = []
    for reminder in reminders:
        if reminder.key in delivered:
            continue
        if reminder.due > now:
            later.append(reminder.due)
        elif now < reminder.until:
            due.append(reminder)
    fire: list[Reminder] = []
    skip: list[Reminder] = []
    groups: dict[str, list[Reminder]] = {}
    for reminder in due:
        if in_quiet_hours(reminder.due, prefs.quiet, zone) or in_quiet_hours(
            now, prefs.quiet, zone
        ):
            skip.append(reminder)
        else:
            groups.setdefault(GROUP[reminder.kind], []).append(reminder)
    for members in groups.values():
        members.sort(key=lambda r: (r.kind == Kind.HARD_STOP, r.due))
        fire.append(members[-1])
        skip.extend(members[:-1])
    fire = [_as_of_now(r, now, prefs, zone, running) for r in fire]
    fire.sort(key=lambda r: r.due)
    return Selection(tuple(fire), tuple(skip), min(later) if later else None)


def _as_of_now(
    reminder: Reminder, now: datetime, prefs: Prefs, zone: tzinfo, running: EntryV | None
) -> Reminder:
    """A reminder that fires late (the app started, or the machine woke, after it was due) says
    what is true now: how long the slot has been planned and what is actually logged, how far
    past the stop it really is."""
    late = now >= reminder.due + prefs.lead + timedelta(minutes=1)
    if reminder.kind == Kind.SLOT_START and late:
        since = _hhmm(reminder.due + prefs.lead, zone)
        if running is None:
            body = tr("planned since {since}; nothing is being tracked").format(since=since)
        elif running.kind == "interruption":
            body = tr(
                "planned since {since}; you are in an interruption since {hhmm} (back to work "
                "with {hotkey})"
            ).format(since=since, hhmm=_hhmm(running.start, zone), hotkey=prefs.hotkey)
        else:
            body = tr("running since {since}").format(since=since)
        return replace(reminder, body=body)
    if reminder.kind == Kind.MEETING and late:
        return replace(
            reminder,
            body=tr("started at {hhmm}").format(hhmm=_hhmm(reminder.due + prefs.lead, zone)),
        )
    if reminder.kind in (Kind.SLOT_START, Kind.MEETING) and now > reminder.due:
        # a little late (a timer, a short sleep): count the minutes from now, not from the lead
        left = _minutes_until(reminder.due + prefs.lead, now)
        return replace(reminder, body=_starts_in(left))
    if reminder.kind == Kind.SLOT_END and now > reminder.due:
        left = _minutes_until(reminder.until, now)
        head = _slot_head_of(reminder.title)
        title = (
            tr("{slot_head} ends in {value} min").format(slot_head=head, value=left)
            if left
            else tr("{slot_head} ends now").format(slot_head=head)
        )
        return replace(reminder, title=title)
    if reminder.kind == Kind.OVERTIME:
        over = max(0, int((now - _stop_of(reminder)).total_seconds() // 60))
        return replace(
            reminder,
            title=tr("Overtime: {duration} past your stop").format(duration=_duration(over)),
        )
    return reminder


def _starts_in(minutes: int) -> str:
    if not minutes:
        return tr("starts now")
    return ntr("starts in {n} min", "starts in {n} min", minutes).format(n=minutes)


def _slot_head_of(title: str) -> str:
    """The slot's words in a slot-end reminder's title, whichever language wrote it."""
    for template in (tr("{slot_head} ends in {value} min"), tr("{slot_head} ends now")):
        pattern = re.escape(template).replace(re.escape("{slot_head}"), "(?P<head>.*)")
        pattern = pattern.replace(re.escape("{value}"), r"\d+")
        found = re.fullmatch(pattern, title)
        if found:
            return found["head"]
    return title


def _minutes_until(moment: datetime, now: datetime) -> int:
    """Whole minutes from `now` to `moment`, rounded up (0 once it is there)."""
    return max(0, -int((now - moment).total_seconds() // 60))


def _stop_of(reminder: Reminder) -> datetime:
    """The hard stop an overtime reminder counts from (its key ends with the stop's moment)."""
    return datetime.fromisoformat(reminder.key.rsplit(":stop=", 1)[1])


def _duration(minutes: int) -> str:
    """'25 min', '1 h', '1 h 5 min'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


# ---------------------------------------------------------------- services


def _context(session: Session, owner: str, plan: PlanV, zone: tzinfo) -> DayContext:
    is_workday, _, _ = planning.workday_hours(session, owner, plan.day.day.weekday())
    start_minute = int(planning.get_setting(session, owner, "day_start_minute"))
    return DayContext(is_workday, day_bounds(plan.day.day, zone, start_minute).end)


def _delivered(session: Session, owner: str) -> dict[str, str]:
    value = planning.get_setting(session, owner, DELIVERED_KEY)
    return dict(value) if isinstance(value, dict) else {}


def pending(session: Session, owner: str, zone: tzinfo, now: datetime) -> Selection:
    """What is due at `now` for today's plan, without recording anything."""
    day = planning.day_of(session, owner, now, zone)
    plan = planning.get_plan(session, owner, day, zone, now)
    prefs = load_prefs(session, owner)
    running = tracking.running(session, owner)
    found = candidates(plan, running, prefs, zone, _context(session, owner, plan, zone), now)
    return select(found, _delivered(session, owner), now, prefs, zone, running)


def mark_delivered(
    session: Session, owner: str, reminders: Iterable[Reminder], now: datetime
) -> Change:
    """Remember what was shown (or deliberately skipped) so it never shows twice."""
    record = _delivered(session, owner)
    new = {r.key: r.due.isoformat() for r in reminders}
    if not new:
        return Change()
    record.update(new)
    horizon = now - KEEP_DELIVERED
    kept = {}
    for key, due in record.items():
        try:
            if datetime.fromisoformat(due) >= horizon:
                kept[key] = due
        except (TypeError, ValueError):
            continue
    planning.set_setting(session, owner, DELIVERED_KEY, kept)
    return Change.of(Topic.SETTINGS)


@dataclass(frozen=True)
class Check:
    fire: tuple[Reminder, ...] = ()
    next_due: datetime | None = None
    change: Change = field(default_factory=Change)


def check(session: Session, owner: str, zone: tzinfo, now: datetime) -> Check:
    """Take the reminders due now: they are recorded as delivered and returned to be shown."""
    selection = pending(session, owner, zone, now)
    change = mark_delivered(session, owner, (*selection.fire, *selection.skip), now)
    return Check(selection.fire, selection.next_due, change)


def agenda(
    session: Session, owner: str, zone: tzinfo, now: datetime, day: date | None = None
) -> list[tuple[Reminder, str]]:
    """A day's reminders with their state: shown, due, upcoming or missed (read only)."""
    day = day or planning.day_of(session, owner, now, zone)
    plan = planning.get_plan(session, owner, day, zone)
    prefs = load_prefs(session, owner)
    running = tracking.running(session, owner)
    found = candidates(plan, running, prefs, zone, _context(session, owner, plan, zone), now)
    delivered = _delivered(session, owner)
    out = []
    for reminder in sorted(found, key=lambda r: (r.due, r.kind)):
        if reminder.key in delivered:
            state = "shown"
        elif reminder.due > now:
            state = "upcoming"
        elif now < reminder.until:
            state = "due"
        else:
            state = "missed"
        out.append((reminder, state))
    return out


def set_enabled(session: Session, owner: str, kind: str, on: bool) -> Change:
    try:
        which = Kind(kind)
    except ValueError:
        names = ", ".join(k.value for k in Kind)
        raise PlannerError(
            tr("no reminder kind {kind!r} (kinds: {names})").format(kind=kind, names=names)
        ) from None
    return planning.set_setting(session, owner, SETTING_OF[which], on)


def set_quiet_hours(session: Session, owner: str, start: str | None, end: str | None) -> Change:
    """Quiet hours as local "HH:MM" (they may wrap midnight); None switches them off."""
    if (start is None) != (end is None):
        raise PlannerError(tr("quiet hours need a start and an end"))
    if start is not None and end is not None:
        try:
            first, last = parse_hhmm(start) % 1440, parse_hhmm(end) % 1440
        except ValueError as exc:
            raise PlannerError(str(exc)) from None
        if first == last:
            raise PlannerError(tr("quiet hours must not start and end at the same time"))
        start, end = f"{first // 60:02d}:{first % 60:02d}", f"{last // 60:02d}:{last % 60:02d}"
    planning.set_setting(session, owner, "quiet_hours_start", start)
    return planning.set_setting(session, owner, "quiet_hours_end", end)
