"""Rows to text, files and pages: the one registry behind every ``--format``.

Every listing builds :class:`Report` s and hands them to :func:`render`.
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

from engine.formats.data import csv_bytes_for_file, render_csv, render_json
from engine.formats.report import Column, Formatter, Report
from engine.formats.text import render_markdown, render_table
from engine.i18n import _


def _render_html(reports: list[Report], tty: bool = False) -> str:
    from engine.formats.html import render_html

    return render_html(reports)


def _render_xlsx(reports: list[Report], tty: bool = False) -> bytes:
    from engine.formats.xlsx import render_xlsx

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


__all__ = ["BINARY_FORMATS", "FORMATS", "Column", "Report", "csv_bytes_for_file", "render"]
