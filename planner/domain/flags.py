"""An interruption's flags in words, the same everywhere a person reads them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from planner.domain.i18n import tr

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
    cross, focus = "cross_role" in found, "in_focus" in found
    if cross and focus:
        if role and planned:
            words.append(tr("pulled into {role} during a {planned} focus block"))
        elif role:
            words.append(tr("pulled into {role} during a focus block"))
        elif planned:
            words.append(tr("pulled into the other role during a {planned} focus block"))
        else:
            words.append(tr("pulled into the other role during a focus block"))
    elif cross:
        if role and planned:
            words.append(tr("pulled into {role} from {planned}"))
        elif role:
            words.append(tr("pulled into {role}"))
        elif planned:
            words.append(tr("pulled into the other role from {planned}"))
        else:
            words.append(tr("pulled into the other role"))
    elif focus:
        words.append(
            tr("inside a {planned} focus block") if planned else tr("inside a focus block")
        )
    if "after_stop" in found:
        words.append(tr("after the hard stop"))
    if not words and "unplanned" in found:
        words.append(tr("unplanned"))
    words = [w.format(role=role, planned=planned) for w in words]
    return tr(", ").join(words)


def entry_in_words(entry: EntryV, role_names: Mapping[int, str], slots: Iterable[SlotV]) -> str:
    """in_words() for a logged interruption: its role, and the role of the slot it broke into
    (the slot planned at its start)."""
    planned = next((s for s in slots if s.start <= entry.start < s.end), None)
    role = role_names.get(entry.role_id) if entry.role_id is not None else None
    return in_words(entry.flags, role, role_names.get(planned.role_id) if planned else None)


def sentence(words: str) -> str:
    """'Pulled into Community …': the words as the start of a line."""
    return words[:1].upper() + words[1:]
