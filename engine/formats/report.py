"""The Report type every listing builds, and how one cell is shown to people.

How a value is shown, per format:

============  ============  ==========  ===============  ===========================
format        bool          None        date             light column
============  ============  ==========  ===============  ===========================
table, md     ✓ / blank     blank       ISO              translated word (colour on a tty)
html          ✓ / blank     blank       ISO              translated word, coloured cell
csv           true / false  empty       ISO              raw value (green/yellow/red)
json          true / false  null        ISO string       raw value
xlsx          TRUE / FALSE  empty cell  real Excel date  translated word, coloured fill
============  ============  ==========  ===============  ===========================

The data formats (csv, json) are keyed by each column's field id and hold ids
(state ids, ``true``/``false``, ``red``), whatever the language, so scripts
and ``import`` can rely on them; the human formats (table, markdown, html,
xlsx) show each column's translated header and, where a column names a
``shown`` key, the row's human text under that key instead of the id.
A list of ids is one ``;``-separated csv cell and a JSON array.

Human views mark only the exceptions (✓ stands out in a column of blanks);
data views keep values Excel, WPS and scripts read as booleans. CSV cells
that Excel would run as a formula (``=``, ``+``, ``-``, ``@``) get a
leading apostrophe, and xlsx strings are always stored as text.
"""
from __future__ import annotations

import datetime
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from engine.i18n import _


@dataclass(frozen=True)
class Column:
    key: str          # the field id, e.g. "unit_name": csv headers and JSON keys use it
    header: str       # already-translated human header, e.g. "单位"
    shown: Optional[str] = None  # row key of the human text (a label for an id); None: ``key``
    human: bool = True  # False: data formats only (an id the human view already shows by name)
    width: Optional[int] = None  # widest a printed column gets (xlsx, in characters); longer text wraps


@dataclass
class Report:
    title: str                      # e.g. "整改进度表"
    columns: list[Column]
    rows: list[dict[str, Any]]      # values: str, int, float, bool, None, datetime.date
    meta: dict[str, str] = field(default_factory=dict)
    light_key: Optional[str] = None  # column whose values are "green"/"yellow"/"red"
    chart: list[tuple[str, float]] = field(default_factory=list)  # (unit name, % verified)
    summary_lines: list[str] = field(default_factory=list)
    landscape: bool = False  # printed on landscape A4 (a wide form such as the 整改责任表)


CHECK = "✓"
# The traffic light: each light's cell colours, (background, text) as RGB hex; the html page and
# the xlsx sheet both paint with these.
LIGHT_COLOURS = {"green": ("C6EFCE", "006100"), "yellow": ("FFEB9C", "9C5700"), "red": ("FFC7CE", "9C0006")}
LIGHTS = tuple(LIGHT_COLOURS)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def light_label(value: str) -> str:
    labels = {"green": _("green"), "yellow": _("yellow"), "red": _("red")}
    return labels.get(value, value)


def structured_text(value: dict[str, Any] | list[Any]) -> str:
    """A dict or list cell (e.g. an event's data) as compact JSON; empty as blank."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": ")) if value else ""


def is_id_list(value: Any) -> bool:
    """A list of plain strings (ids, names): one cell, not a JSON structure."""
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def display_text(value: Any) -> str:
    """A cell as people read it (table, markdown, html); control characters dropped."""
    if value is None or value is False:
        return ""
    if is_id_list(value):
        return _CONTROL.sub("", "、".join(value))
    if isinstance(value, (dict, list)):
        return _CONTROL.sub("", structured_text(value))
    if value is True:
        return CHECK
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if math.isfinite(value) else ""
    return _CONTROL.sub("", str(value).replace("\t", " "))


def human_columns(report: Report) -> list[Column]:
    """The columns the human formats (table, markdown, html, xlsx) show."""
    return [c for c in report.columns if c.human]


def shown_value(column: Column, row: dict[str, Any]) -> Any:
    """The value people see in a cell: the row's ``shown`` text where it has one, else the value."""
    if column.shown is not None and column.shown in row:
        return row[column.shown]
    return row.get(column.key)


def cell_text(report: Report, column: Column, row: dict[str, Any]) -> str:
    text = display_text(shown_value(column, row))
    return light_label(text) if column.key == report.light_key else text


def display_width(text: str) -> int:
    """Terminal columns of the widest line (a CJK character counts two)."""
    return max(_line_width(line) for line in text.split("\n"))


def _line_width(line: str) -> int:
    from wcwidth import wcswidth  # ~20 ms: only when widths are measured

    width = wcswidth(line)
    return width if width >= 0 else len(line)


def is_numeric_column(report: Report, column: Column) -> bool:
    values = [shown_value(column, row) for row in report.rows]
    present = [v for v in values if v is not None]
    return bool(present) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)


def meta_line(report: Report) -> str:
    labels = {"source": _("Source"), "date": _("Generated")}
    parts = []
    for key, value in report.meta.items():
        if key == "checklist":
            parts.append(value)
        else:
            parts.append(f"{labels.get(key, key)}: {value}")
    return " · ".join(parts)


def unique_name(name: str, taken: Any, limit: int = 1000) -> str:
    """``name``, or ``name(2)``, ``name(3)``... cut to ``limit``: unique, ignoring case."""
    folded = {t.casefold() for t in taken}
    candidate, n = name[:limit], 1
    while candidate.casefold() in folded:
        n += 1
        candidate = f"{name[:limit - len(str(n)) - 2]}({n})"
    return candidate
