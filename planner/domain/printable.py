"""Text safe to print on a terminal: control characters and bidi overrides neutralised."""

from __future__ import annotations

import re

# Reorder what follows them on screen (Trojan Source, "gnp.exe"): left-to-right/right-to-left
# embeddings, overrides and isolates, the marks, and the Arabic letter mark.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# C1 controls (U+0080..U+009F: 0x9B is a one-character CSI on many terminals), DEL, the line
# and paragraph separators, and the bidi controls: escaped in JSON, replaced in text.
_UNSAFE_NON_C0 = re.compile(f"[\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}]")
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}]")


def _replacement(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the control picture: ESC shows as ␛, BEL as ␇, CR as ␍
    if code == 0x7F:
        return "\u2421"  # ␡
    if code in (0x2028, 0x2029):
        return " "
    return "\ufffd"


def printable(text: str) -> str:
    """`text` as it may be shown on a terminal: nothing in it can move the cursor, set the
    window title, clear the screen or reorder what follows. Tabs and newlines, any script and
    emoji stay as they are; a neutralised character stays visible as a stand-in."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(_replacement, text)


def escape_json(dumped: str) -> str:
    """JSON text (json.dumps escapes C0 already) with C1, DEL, separators and bidi controls
    written as \\uXXXX: the same data for a script, nothing raw for a terminal."""
    return _UNSAFE_NON_C0.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
