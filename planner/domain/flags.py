"""An interruption's flags in words, the same everywhere a person reads them."""

from __future__ import annotations

from collections.abc import Iterable

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
