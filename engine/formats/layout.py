"""Fitting a table to a terminal: which columns stay, how wide each is, where cells wrap.

Each column declares a priority (1 is never dropped; larger numbers go first,
ties from the right). Cells wrap by display width (a CJK character counts
two), at spaces where there are any; no line is wider than the width asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.formats.report import display_width

BORDER = 3  # "| " before a cell and " " after it; plus one "|" closing the row
MIN_WIDTH = 4  # narrowest a header wraps to (two CJK characters)
LONG = 16  # wider than this is long text, the first to wrap
WRAP_AT = 10  # a text column wraps down to this width (a date, five CJK characters) before a column goes


@dataclass(frozen=True)
class Fitted:
    """The columns kept (indexes into the input) and the width each gets."""

    keep: list[int]
    widths: list[int]


def table_width(widths: Sequence[int]) -> int:
    return sum(widths) + BORDER * len(widths) + 1


def fit(
    natural: Sequence[int],
    least: Sequence[int],
    priorities: Sequence[int],
    width: int | None,
    floor: Sequence[int] | None = None,
) -> Fitted:
    """Keep the most important columns that fit at their least width, then share out the rest.

    ``natural``: each column's widest cell; ``least``: how narrow it should wrap to while a less
    important column can still go; ``floor``: how narrow it may ever get (default MIN_WIDTH).
    """
    keep = list(range(len(natural)))
    if width is None:
        return Fitted(keep, list(natural))
    while len(keep) > 1 and table_width([min(least[i], natural[i]) for i in keep]) > width:
        keep.remove(max(reversed(keep), key=lambda i: priorities[i]))  # rightmost of the least important
    widths = [natural[i] for i in keep]
    hard = [min(natural[i], floor[i] if floor else MIN_WIDTH) for i in keep]
    excess = table_width(widths) - width
    # long text wraps first (notes, titles), then anything down to its least width, then further
    for limits in ([max(LONG, least[i]) for i in keep], [least[i] for i in keep], hard):
        while excess > 0:
            candidates = [n for n in range(len(widths)) if widths[n] > max(hard[n], limits[n])]
            if not candidates:
                break
            widest = max(candidates, key=lambda n: widths[n])
            widths[widest] -= 1
            excess -= 1
    return Fitted(keep, widths)


def least_width(cells: Sequence[str], numeric: bool) -> int:
    """How narrow a column should get: numbers and short values (names, dates, times) keep their
    width; long text wraps down to WRAP_AT."""
    natural = max((display_width(c) for c in cells), default=0)
    if numeric or natural <= LONG:
        return natural
    return WRAP_AT


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` display columns, breaking at spaces when it can."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_line(paragraph, max(1, width)))
    return lines or [""]


def _wrap_line(line: str, width: int) -> list[str]:
    if display_width(line) <= width:
        return [line]
    out: list[str] = []
    current, used = "", 0
    for word in _words(line):
        size = display_width(word)
        if used + size > width and current.strip():
            out.append(current.rstrip())
            current, used = "", 0
            word = word.lstrip()
            size = display_width(word)
        while size > width:  # a word longer than the column: cut it by display width
            head, rest = _cut(word, width - used)
            out.append((current + head).rstrip())
            current, used, word = "", 0, rest
            size = display_width(word)
        current += word
        used += size
    if current.strip() or not out:
        out.append(current.rstrip())
    return out


def _words(line: str) -> list[str]:
    """Pieces to keep together: runs of non-space ASCII (with a leading space); CJK one by one."""
    words: list[str] = []
    for char in line:
        joins = (
            words
            and char.isascii()
            and not char.isspace()
            and words[-1][-1:].isascii()
            and not words[-1][-1:].isspace()
        )
        if joins:
            words[-1] += char
        elif char == " " or not words:
            words.append(char)
        elif words[-1].strip() == "" and char.isascii():
            words[-1] += char
        else:
            words.append(char)
    return words


def _cut(word: str, width: int) -> tuple[str, str]:
    width = max(1, width)
    used = 0
    for index, char in enumerate(word):
        size = display_width(char)
        if used + size > width and index:
            return word[:index], word[index:]
        used += size
    return word, ""


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap
