"""Durations as people type them: '30m', '1h', '1h30m', '1:30', '90' (standard library only:
`splitday interrupt --duration 10m` checks it before forwarding to the running app)."""

from __future__ import annotations

import re

from planner.domain.errors import PlannerError
from planner.domain.i18n import tr


def parse_duration(text: str) -> int:
    """'30m', '1h', '1h30m', '1:30', '90' -> minutes."""
    raw = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+", raw):
        return int(raw)
    if m := re.fullmatch(r"(\d+):(\d{2})", raw):
        return int(m[1]) * 60 + int(m[2])
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)(?:m|min))?", raw)
    if m and (m[1] or m[2]):
        return int(m[1] or 0) * 60 + int(m[2] or 0)
    raise PlannerError(tr("not a duration: {text!r} (try 30m, 1h, 1h30m)").format(text=text))
