"""An interruption's flags in words, the same everywhere a person reads them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (the values module is not needed for the window's first paint)
    from planner.domain.values import EntryV, SlotV

ORDER = ("unplanned", "cross_role", "in_focus", "after_stop")


def in_words(flags: Iterable[str], role: str | None = None, planned: str | None = None) -> str:
    """'pulled into Community during a Support focus block, after the hard stop'.

    `role` is the role the interruption was logged on, `planned` the role of the slot it
    broke into (when one was planned); without names the words stay general.
    """
    found = set(flags)
    words = []
    into = f"pulled into {role}" if role else "pulled into the other role"
    block = f"a {planned} focus block" if planned else "a focus block"
    if "cross_role" in found and "in_focus" in found:
        words.append(f"{into} during {block}")
    elif "cross_role" in found:
        words.append(f"{into} from {planned}" if planned else into)
    elif "in_focus" in found:
        words.append(f"inside {block}")
    if "after_stop" in found:
        words.append("after the hard stop")
    if not words and "unplanned" in found:
        words.append("unplanned")
    return ", ".join(words)


def entry_in_words(entry: EntryV, role_names: Mapping[int, str], slots: Iterable[SlotV]) -> str:
    """in_words() for a logged interruption: its role, and the role of the slot it broke into
    (the slot planned at its start)."""
    planned = next((s for s in slots if s.start <= entry.start < s.end), None)
    role = role_names.get(entry.role_id) if entry.role_id is not None else None
    return in_words(entry.flags, role, role_names.get(planned.role_id) if planned else None)


def sentence(words: str) -> str:
    """'Pulled into Community …': the words as the start of a line."""
    return words[:1].upper() + words[1:]
