"""Machine formats: csv and json, keyed by field ids whatever the language."""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
from typing import Any

from engine.formats.report import FORMULA_START, PLAIN, Report, View, is_id_list, structured_text, unique_name
from engine.formats.safe import json_safe, visible


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if is_id_list(value):
        return _csv_text(";".join(value))
    if isinstance(value, (dict, list)):
        return structured_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _csv_text(value) if isinstance(value, str) else str(value)


def _csv_text(text: str) -> str:
    if text.startswith(FORMULA_START):
        return "'" + text  # Excel would otherwise run it as a formula
    return text


def render_csv(reports: list[Report], view: View = PLAIN) -> str:
    """One report: a row of field ids then rows. Several: each under a one-cell title row.

    On a terminal every cell shows control characters as visible escapes; in a file or a pipe
    the data stays as it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, report in enumerate(reports):
        if len(reports) > 1:
            if index:
                writer.writerow([])
            writer.writerow([_csv_text(report.title)])
        writer.writerow([_csv_text(c.key) for c in report.columns])  # field ids, whatever the language
        writer.writerows([_csv_cell(row.get(c.key)) for c in report.columns] for row in report.rows)
    text = buffer.getvalue()
    return visible(text.replace("\r\n", "\n")).replace("\n", "\r\n") if view.terminal else text


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
    rows = report.rows
    if keys and not all(list(row) == keys for row in rows):
        # rows also carry the words the human formats show (labels for ids): keep the field ids only
        rows = [{key: row.get(key) for key in keys} for row in rows]
    if keys:
        try:  # one C-encoder call for the whole list (a province has 100,000 rows), then a line per row
            text = _STRICT.encode(rows)
        except ValueError:  # a NaN or infinity: row by row, below
            pass
        else:
            # Every row starts with its first key. Inside an encoded string a quote is always
            # escaped, so '}, {"KEY": ' with a bare quote can only be the boundary of two rows.
            boundary = "}, {" + _STRICT.encode(keys[0]) + ": "
            return "[\n  " + text[1:-1].replace(boundary, "},\n  {" + _STRICT.encode(keys[0]) + ": ") + "\n]"
    return "[\n" + ",\n".join("  " + _json_row(row, keys) for row in rows) + "\n]"


def render_json(reports: list[Report], view: View = PLAIN) -> str:
    """One report: its list of rows. Several: an object keyed by title. Control and bidi
    characters are ``\\uXXXX`` escapes, on a terminal or not."""
    return json_safe(_render_json(reports))


def _render_json(reports: list[Report]) -> str:
    if len(reports) == 1:
        return _json_rows(reports[0]) + "\n"
    titles: dict[str, None] = {}
    parts = []
    for report in reports:
        title = unique_name(report.title, titles)
        titles[title] = None
        parts.append(json.dumps(title, ensure_ascii=False) + ": " + _json_rows(report))
    return "{\n" + ",\n".join(parts) + "\n}\n"
