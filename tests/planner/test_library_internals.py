"""The private parts of libraries that Splitday relies on are still there, and still mean the same.

recurring-ical-events and plyer are pinned to a tested range in pyproject.toml because no public
API gives what the importer and the notifier need; an upgrade past the range fails here first.
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import icalendar
import recurring_ical_events as rie

ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:weekly@test
DTSTART:20261130T090000Z
DTEND:20261130T093000Z
RRULE:FREQ=DAILY;COUNT=3
SUMMARY:Standup
END:VEVENT
BEGIN:VEVENT
UID:weekly@test
RECURRENCE-ID:20261201T090000Z
DTSTART:20261201T100000Z
DTEND:20261201T103000Z
SUMMARY:Standup (moved)
END:VEVENT
END:VCALENDAR
"""


def test_series_of_event_adapters_expands_and_exposes_the_adapter_and_its_component() -> None:
    cal = icalendar.Calendar.from_ical(ICS)
    comps = [c for c in cal.walk("VEVENT")]
    series = rie.Series([rie.EventAdapter(c) for c in comps])
    occurrences = list(
        series.between(datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC))
    )
    assert [o.start.hour for o in occurrences] == [9, 10, 9]
    moved = occurrences[1]
    adapter = moved._adapter  # used by planner.calendars.parse._occurrence
    assert adapter.recurrence_ids and not adapter.this_and_future
    assert str(adapter._component["SUMMARY"]) == "Standup (moved)"
    first = occurrences[0]._adapter
    assert "RRULE" in first._component  # parse._has_recurrence
    assert first.recurrence_ids == ()


def test_plyer_backends_take_the_timeout_through_notify_private() -> None:
    from plyer.facades import Notification

    assert callable(getattr(Notification, "_notify", None))
    from plyer.platforms.linux import notification as linux

    params = inspect.signature(linux.NotifySendNotification._notify).parameters
    assert "kwargs" in params  # takes title, message, timeout, … as keywords
    source = inspect.getsource(linux.NotifySendNotification._notify)
    assert "timeout" in source or "expire" in source
