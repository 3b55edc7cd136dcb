"""Machine formats: csv and json, keyed by field ids whatever the language."""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
from collections.abc import Iterator
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


ROWS_PER_PART = 2000  # a province's listing is encoded and written a part at a time, not held whole


def _json_rows(report: Report) -> Iterator[str]:
    """A list of row objects, one per line (readable, diffable), each part of rows dumped by one
    call of the C encoder."""
    keys = [c.key for c in report.columns]
    if not report.rows:
        yield "[]"
        return
    yield "[\n  "
    rows = report.rows
    for start in range(0, len(rows), ROWS_PER_PART):
        if start:
            yield ",\n  "
        yield json_safe(_json_part(rows[start : start + ROWS_PER_PART], keys))
    yield "\n]"


def _json_part(rows: list[dict[str, Any]], keys: list[str]) -> str:
    """Rows as ``{...},\n  {...}``: exactly their field ids (a row may also carry words the human
    formats show), NaN and infinity as null."""
    exact = [row if list(row) == keys else {key: row.get(key) for key in keys} for row in rows]
    if keys:
        try:
            text = _STRICT.encode(exact)
        except ValueError:  # a NaN or infinity: row by row, below
            pass
        else:
            # Every row starts with its first key. Inside an encoded string a quote is always
            # escaped, so '}, {"KEY": ' with a bare quote can only be the boundary of two rows.
            first = _STRICT.encode(keys[0])
            return text[1:-1].replace("}, {" + first + ": ", "},\n  {" + first + ": ")
    return ",\n  ".join(_json_row(row, keys) for row in exact)


def json_parts(reports: list[Report], view: View = PLAIN) -> Iterator[str]:
    """``render_json`` in parts, for writing as they are made. Control and bidi characters are
    ``\\uXXXX`` escapes, on a terminal or not."""
    if len(reports) == 1:
        yield from _json_rows(reports[0])
        yield "\n"
        return
    titles: dict[str, None] = {}
    yield "{\n"
    for index, report in enumerate(reports):
        title = unique_name(report.title, titles)
        titles[title] = None
        yield ("" if index == 0 else ",\n") + json_safe(json.dumps(title, ensure_ascii=False)) + ": "
        yield from _json_rows(report)
    yield "\n}\n"


def render_json(reports: list[Report], view: View = PLAIN) -> str:
    """One report: its list of rows. Several: an object keyed by title. Control and bidi
    characters are ``\\uXXXX`` escapes, on a terminal or not."""
    return "".join(json_parts(reports, view))
