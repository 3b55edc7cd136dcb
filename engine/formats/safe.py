"""Text from checklists, notes and file names is data, never terminal control.

One function, :func:`visible`, is applied wherever text leaves the program for a person:
every human format (table, markdown, html, xlsx), csv on a terminal, and every message the
CLI prints. It shows C0 controls (but the newline, and the tab where a format keeps it), DEL,
C1 controls (U+0080–U+009F, e.g. the one-byte CSI U+009B) and the bidi controls that reorder
what is shown (U+202A–U+202E, U+2066–U+2069, and the marks U+200E, U+200F, U+061C) as visible
escapes: ``\\x1b``, ``\\u202e``. ``str.isprintable()`` alone would miss the bidi controls.
:func:`json_safe` does the same for JSON text, as ``\\uXXXX`` escapes.
"""

from __future__ import annotations

import re

_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE_KEEP_LINES = re.compile(f"[{_UNSAFE}]")
_UNSAFE_NO_TABS = re.compile(f"[\t{_UNSAFE}]")
_UNSAFE_ONE_LINE = re.compile(f"[\t\n{_UNSAFE}]")
# JSON encoders escape C0 themselves; what they pass through raw is DEL, C1 and bidi.
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, tabs: bool = True, newlines: bool = True) -> str:
    """``text`` with every control character shown as an escape (newlines and tabs kept unless
    told otherwise)."""
    if tabs and newlines:
        pattern = _UNSAFE_KEEP_LINES
    elif newlines:
        pattern = _UNSAFE_NO_TABS
    else:
        pattern = _UNSAFE_ONE_LINE
    return pattern.sub(_escape, text)


def json_safe(text: str) -> str:
    """Encoded JSON with DEL, C1 and bidi controls as ``\\uXXXX`` (they occur only inside strings)."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
