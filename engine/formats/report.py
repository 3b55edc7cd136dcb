"""The Report type every listing builds, and how one cell is shown to people.

Which value each format shows for a bool, None, a date or a light: see the table in
``engine/formats/__init__.py``.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

from engine.formats.safe import visible
from engine.i18n import _

HIDDEN = None  # the priority of a column only data formats, --columns and --wide show (ids)


@dataclass(frozen=True)
class Column:
    """A column of a listing: its field id, its header, and how each format shows it."""

    key: str  # the field id, e.g. "unit_name": csv headers and JSON keys use it
    header: str  # already-translated human header, e.g. "单位"
    shown: Optional[str] = None  # row key of the human text (a label for an id); None: ``key``
    human: bool = True  # False: data formats only (an id the human view already shows by name)
    width: Optional[int] = None  # widest a printed column gets (xlsx, in characters); longer text wraps
    # In a table: 1 is never dropped, larger numbers go first when the terminal is too narrow
    # (ties: the rightmost first); HIDDEN columns show only with --wide or --columns.
    priority: Optional[int] = 5
    short: str = ""  # a narrow header (the board's duty number); the full one shows on hover
    state: Optional[str] = None  # the state this column counts (summary): filled with its colour
    # The human text computed from the row when people read it, instead of ``shown`` (so the rows
    # stay exactly the fields, and json and csv dump them as they are)
    words: Optional[Callable[[dict[str, Any]], Any]] = None


@dataclass
class Report:
    """A listing to render: title, columns, rows, and what the formats draw around them."""

    title: str  # e.g. "整改进度表"
    columns: list[Column]
    rows: list[dict[str, Any]]  # values: str, int, float, bool, None, datetime.date
    meta: dict[str, str] = field(default_factory=dict)
    light_key: Optional[str] = None  # column whose values are "green"/"yellow"/"red"
    chart: list[tuple[str, float]] = field(default_factory=list)  # (unit name, % verified)
    summary_lines: list[str] = field(default_factory=list)
    landscape: bool = False  # printed on landscape A4 (a wide form such as the 整改责任表)
    # State grids (the board): columns whose values are state ids, shown by glyph or colour
    states: dict[str, StateStyle] = field(default_factory=dict)  # state id -> how it is shown
    state_keys: frozenset[str] = frozenset()
    legend: list[str] = field(default_factory=list)  # lines under a table: what glyphs and codes mean
    wide: bool = False  # --wide/--columns: show every column given, hidden or not
    verdict: Optional[bool] = None  # readiness: summary_lines[0] is a verdict, good (True) or bad

    def human_columns(self) -> list[Column]:
        """The columns people see: all of them with --wide or --columns, else the human ones."""
        if self.wide:
            return list(self.columns)
        return [c for c in self.columns if c.human and c.priority is not HIDDEN]


@dataclass(frozen=True)
class StateStyle:
    """How a state shows in grids: its label, a one-character glyph, a fill colour (hex)."""

    label: str
    glyph: str
    fill: str
    final: bool = False


@dataclass(frozen=True)
class View:
    """How a rendering is to be seen: in colour, and at most how many columns wide (tables)."""

    colour: bool = False
    width: Optional[int] = None
    wide: bool = False  # --wide: every column, never narrowed
    terminal: bool = False  # stdout is a terminal: csv shows control characters as escapes


PLAIN = View()


# The traffic light: each light's cell colours, (background, text) as RGB hex; the html page and
# the xlsx sheet both paint with these.
LIGHT_COLOURS = {"green": ("C6EFCE", "006100"), "yellow": ("FFEB9C", "9C5700"), "red": ("FFC7CE", "9C0006")}
LIGHTS = tuple(LIGHT_COLOURS)
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
    """A cell as people read it (table, markdown, html, xlsx); control characters shown as escapes."""
    if value is None:
        return ""
    if is_id_list(value):
        return visible("、".join(value))
    if isinstance(value, (dict, list)):
        return visible(structured_text(value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if math.isfinite(value) else ""
    return visible(str(value).replace("\t", " "))


def human_columns(report: Report) -> list[Column]:
    """The columns the human formats (table, markdown, html, xlsx) show."""
    return report.human_columns()


def shown_value(column: Column, row: dict[str, Any]) -> Any:
    """The value people see in a cell: the column's ``words`` for the row, or the row's ``shown``
    text where it has one, else the value."""
    if column.words is not None:
        return column.words(row)
    if column.shown is not None and column.shown in row:
        return row[column.shown]
    return row.get(column.key)


def cell_text(report: Report, column: Column, row: dict[str, Any]) -> str:
    if column.key in report.state_keys:
        return state_text(report, column, row)
    text = display_text(shown_value(column, row))
    return light_label(text) if column.key == report.light_key else text


def state_text(report: Report, column: Column, row: dict[str, Any], glyph: bool = False) -> str:
    """A grid cell: the state's label (or glyph) and its marks (⚠ overdue, ★ veto)."""
    value = row.get(column.key)
    if value is None:
        return ""
    if not glyph and column.shown is not None and column.shown in row:
        return display_text(row[column.shown])  # the row's own words: 整改中 ⚠★
    style = report.states.get(value)
    shown = (style.glyph if glyph else style.label) if style else display_text(value)
    marks = row.get(MARKS, {}).get(column.key, "")
    return shown + (marks if glyph else (f" {marks}" if marks else ""))


MARKS = "_marks"  # a grid row's {column key: "⚠★"}: shown by human formats, not a field


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
    return bool(present) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)


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
        candidate = f"{name[: limit - len(str(n)) - 2]}({n})"
    return candidate


def with_columns(report: Report, wanted: list[str], wide: bool = False) -> Report:
    """The report with only the ``wanted`` columns (field ids or headers), in that order, each
    kept at any width; with ``wide``, every column shown. Unknown names are refused together."""
    from dataclasses import replace

    from engine.errors import Refused
    from engine.model import pick

    if not wanted:
        return replace(report, wide=True) if wide else report
    by_key = {c.key: c for c in report.columns}
    keys, reasons = [], []
    for text in wanted:
        try:
            keys.append(pick(_("column"), text, [(c.key, c.header) for c in report.columns]))
        except Refused as unknown:
            reasons += unknown.reasons
    if reasons:
        raise Refused(reasons)
    columns = [replace(by_key[k], priority=1) for k in dict.fromkeys(keys)]
    return replace(report, columns=columns, wide=True)
