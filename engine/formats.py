"""Rows to text, files and pages: the one registry behind every ``--format``.

Every listing builds :class:`Report` s and hands them to :func:`render`.
How a value is shown, per format:

============  ============  ==========  ===============  ===========================
format        bool          None        date             light column
============  ============  ==========  ===============  ===========================
table, md     ✓ / blank     blank       ISO              translated word (colour on a tty)
html          ✓ / blank     blank       ISO              translated word, coloured cell
csv           TRUE / FALSE  empty       ISO              raw value (green/yellow/red)
json          true / false  null        ISO string       raw value
xlsx          TRUE / FALSE  empty cell  real Excel date  translated word, coloured fill
============  ============  ==========  ===============  ===========================

Human views mark only the exceptions (✓ stands out in a column of blanks);
data views keep values Excel, WPS and scripts read as booleans. CSV cells
that Excel would run as a formula (``=``, ``+``, ``-``, ``@``) get a
leading apostrophe, and xlsx strings are always stored as text.
"""
from __future__ import annotations

import csv
import datetime
import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

from engine.i18n import _


@dataclass(frozen=True)
class Column:
    key: str          # stable machine name, e.g. "unit_name"; JSON keys use it
    header: str       # already-translated human header, e.g. "单位"


@dataclass
class Report:
    title: str                      # e.g. "整改进度表"
    columns: list[Column]
    rows: list[dict[str, Any]]      # values: str, int, float, bool, None, datetime.date
    meta: dict[str, str] = field(default_factory=dict)
    light_key: Optional[str] = None  # column whose values are "green"/"yellow"/"red"
    chart: list[tuple[str, float]] = field(default_factory=list)  # (unit name, % verified)
    summary_lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Formatter:
    render: Callable[[list[Report], bool], str | bytes]
    suffix: str
    binary: bool = False


CHECK = "✓"
LIGHTS = ("green", "yellow", "red")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def light_label(value: str) -> str:
    labels = {"green": _("green"), "yellow": _("yellow"), "red": _("red")}
    return labels.get(value, value)


def structured_text(value: dict[str, Any] | list[Any]) -> str:
    """A dict or list cell (e.g. an event's data) as compact JSON; empty as blank."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": ")) if value else ""


def display_text(value: Any) -> str:
    """A cell as people read it (table, markdown, html); control characters dropped."""
    if value is None or value is False:
        return ""
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


def cell_text(report: Report, column: Column, row: dict[str, Any]) -> str:
    text = display_text(row.get(column.key))
    return light_label(text) if column.key == report.light_key else text


def display_width(text: str) -> int:
    """Terminal columns of the widest line (a CJK character counts two)."""
    return max(_line_width(line) for line in text.split("\n"))


def _line_width(line: str) -> int:
    from wcwidth import wcswidth  # ~20 ms: only when widths are measured

    width = wcswidth(line)
    return width if width >= 0 else len(line)


def is_numeric_column(report: Report, column: Column) -> bool:
    values = [row.get(column.key) for row in report.rows]
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


# -- table -----------------------------------------------------------------

_ANSI = {"green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m", "bold": "\x1b[1m"}
_RESET = "\x1b[0m"


def _paint(text: str, style: str | None, tty: bool) -> str:
    if not tty or style not in _ANSI or not text:
        return text
    return f"{_ANSI[style]}{text}{_RESET}"


def _table_block(report: Report, tty: bool) -> str:
    from tabulate import tabulate  # ~70 ms: only when a table is drawn

    cells = [[_table_cell(report, c, row, tty) for c in report.columns] for row in report.rows]
    table = tabulate(cells, headers=[display_text(c.header) for c in report.columns],
                     tablefmt="psql", disable_numparse=True, colalign=_alignments(report),
                     maxcolwidths=_wrap_widths(cells))
    head = [_paint(display_text(report.title), "bold", tty), display_text(meta_line(report)),
            *map(display_text, report.summary_lines)]
    return "\n".join([line for line in head if line] + ["", table])


def _table_cell(report: Report, column: Column, row: dict[str, Any], tty: bool) -> str:
    value = row.get(column.key)
    light = value if column.key == report.light_key and value in LIGHTS else None
    return _paint(cell_text(report, column, row), light, tty)


WRAP_WIDTH = 40  # terminal columns; longer cells (blockers, notes) wrap onto more lines


def _wrap_widths(cells: list[list[str]]) -> list[int | None] | None:
    if not cells:
        return None
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(cells[0]))]
    return [WRAP_WIDTH if width > WRAP_WIDTH else None for width in widths]


def _alignments(report: Report) -> list[str]:
    return ["right" if is_numeric_column(report, c) else "left" for c in report.columns]


def render_table(reports: list[Report], tty: bool = False) -> str:
    return "\n\n".join(_table_block(r, tty) for r in reports) + "\n"


# -- markdown --------------------------------------------------------------

def _markdown_cell(text: str) -> str:
    return display_text(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def _markdown_block(report: Report) -> str:
    from tabulate import tabulate

    cells = [[_markdown_cell(cell_text(report, c, row)) for c in report.columns]
             for row in report.rows]
    table = tabulate(cells, headers=[_markdown_cell(c.header) for c in report.columns],
                     tablefmt="pipe", disable_numparse=True, colalign=_alignments(report))
    parts = [f"## {_markdown_cell(report.title)}"]
    if report.meta:
        parts.append(_markdown_cell(meta_line(report)))
    if report.summary_lines:
        parts.append("\n".join(f"- {_markdown_cell(line)}" for line in report.summary_lines))
    return "\n\n".join([*parts, table])


def render_markdown(reports: list[Report], tty: bool = False) -> str:
    return "\n\n".join(_markdown_block(r) for r in reports) + "\n"


# -- csv -------------------------------------------------------------------

def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return structured_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text  # Excel would otherwise run it as a formula
    return text


def render_csv(reports: list[Report], tty: bool = False) -> str:
    """One report: header row then rows. Several: each under a one-cell title row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, report in enumerate(reports):
        if len(reports) > 1:
            if index:
                writer.writerow([])
            writer.writerow([report.title])
        writer.writerow([c.header for c in report.columns])
        writer.writerows([_csv_cell(row.get(c.key)) for c in report.columns] for row in report.rows)
    return buffer.getvalue()


def csv_bytes_for_file(text: str) -> bytes:
    """CSV text as written to a file: UTF-8 with BOM, so Excel reads Chinese right."""
    return ("\ufeff" + text.removeprefix("\ufeff")).encode("utf-8")


# -- json ------------------------------------------------------------------

def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_default(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


# One encoder for every row: json.dumps() with options builds a new one per call.
_STRICT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=_json_default)
_LENIENT = json.JSONEncoder(ensure_ascii=False, default=str)


def _json_row(row: dict[str, Any], keys: list[str]) -> str:
    """One row as compact JSON with exactly ``keys``, in order (fast path: the row already is)."""
    if list(row) == keys:
        try:
            return _STRICT.encode(row)
        except ValueError:  # a NaN or infinity: null, below
            pass
    return _LENIENT.encode({k: _json_value(row.get(k)) for k in keys})


def _json_rows(report: Report) -> str:
    """A list of row objects, one per line: readable, diffable, and dumped by the C encoder."""
    keys = [c.key for c in report.columns]
    if not report.rows:
        return "[]"
    if keys and all(list(row) == keys for row in report.rows):
        try:  # one C-encoder call for the whole list (a province has 100,000 rows), then a line per row
            text = _STRICT.encode(report.rows)
        except ValueError:  # a NaN or infinity: row by row, below
            pass
        else:
            # Every row starts with its first key. Inside an encoded string a quote is always
            # escaped, so '}, {"KEY": ' with a bare quote can only be the boundary of two rows.
            boundary = "}, {" + _STRICT.encode(keys[0]) + ": "
            return "[\n  " + text[1:-1].replace(boundary, "},\n  {" + _STRICT.encode(keys[0]) + ": ") + "\n]"
    return "[\n" + ",\n".join("  " + _json_row(row, keys) for row in report.rows) + "\n]"


def render_json(reports: list[Report], tty: bool = False) -> str:
    """One report: its list of rows. Several: an object keyed by title."""
    if len(reports) == 1:
        return _json_rows(reports[0]) + "\n"
    titles: dict[str, None] = {}
    parts = []
    for report in reports:
        title = unique_name(report.title, titles)
        titles[title] = None
        parts.append(json.dumps(title, ensure_ascii=False) + ": " + _json_rows(report))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def unique_name(name: str, taken: Any, limit: int = 1000) -> str:
    """``name``, or ``name(2)``, ``name(3)``... cut to ``limit``: unique, ignoring case."""
    folded = {t.casefold() for t in taken}
    candidate, n = name[:limit], 1
    while candidate.casefold() in folded:
        n += 1
        candidate = f"{name[:limit - len(str(n)) - 2]}({n})"
    return candidate


# -- registry --------------------------------------------------------------

def _render_html(reports: list[Report], tty: bool = False) -> str:
    from engine.html_report import render_html

    return render_html(reports)


def _render_xlsx(reports: list[Report], tty: bool = False) -> bytes:
    from engine.xlsx_report import render_xlsx

    return render_xlsx(reports)


FORMATS: dict[str, Formatter] = {
    "table": Formatter(render_table, ".txt"),
    "markdown": Formatter(render_markdown, ".md"),
    "csv": Formatter(render_csv, ".csv"),
    "json": Formatter(render_json, ".json"),
    "html": Formatter(_render_html, ".html"),
    "xlsx": Formatter(_render_xlsx, ".xlsx", binary=True),
}
BINARY_FORMATS = {name for name, formatter in FORMATS.items() if formatter.binary}


def render(fmt: str, reports: list[Report], *, tty: bool = False) -> bytes | str:
    """Render reports in format ``fmt``: str for text formats, bytes for xlsx."""
    formatter = FORMATS.get(fmt)
    if formatter is None:
        raise ValueError(_("unknown format {name!r}; known formats: {known}").format(
            name=fmt, known=", ".join(FORMATS)))
    return formatter.render(list(reports), tty)
