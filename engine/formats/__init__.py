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

from collections.abc import Iterable
from importlib import import_module
from typing import TYPE_CHECKING, Any, NamedTuple

from engine.i18n import _

if TYPE_CHECKING:
    from engine.formats.data import csv_bytes_for_file
    from engine.formats.report import Column, Report, View


class Formatter(NamedTuple):
    """One format of the registry: where its renderer lives, imported on first use, so reading
    the registry (cli.py's ``--format`` choices, at every start) costs no renderer import."""

    module: str
    function: str
    suffixes: tuple[str, ...] = ()  # the -o FILE suffixes that pick this format (none for table)
    binary: bool = False
    colours: bool = True  # the renderer takes a View (colour, width: the terminal's formats)
    parts: str = ""  # a function yielding the rendered text in parts (written as made): render joins them

    def render(self, reports: list[Report], view: View) -> str | bytes:
        renderer: Any = getattr(import_module(self.module), self.function)
        return renderer(reports, view) if self.colours else renderer(reports)

    def render_parts(self, reports: list[Report], view: View) -> Iterable[str | bytes]:
        """The rendered text in parts: made as they are read (``parts``), else all of it now."""
        if not self.parts:
            return [self.render(reports, view)]
        parts: Iterable[str | bytes] = getattr(import_module(self.module), self.parts)(reports, view)
        return parts


FORMATS: dict[str, Formatter] = {
    "table": Formatter("engine.formats.text", "render_table"),
    "markdown": Formatter("engine.formats.text", "render_markdown", (".md", ".markdown")),
    "csv": Formatter("engine.formats.data", "render_csv", (".csv",)),
    "json": Formatter("engine.formats.data", "render_json", (".json",), parts="json_parts"),
    "html": Formatter("engine.formats.html", "render_html", (".html", ".htm"), colours=False),
    "xlsx": Formatter("engine.formats.xlsx", "render_xlsx", (".xlsx",), binary=True, colours=False),
}
FORMAT_NAMES = tuple(FORMATS)
BINARY_FORMATS = frozenset(name for name, formatter in FORMATS.items() if formatter.binary)


def format_for_path(path: str) -> str | None:
    """The format a file name's suffix picks (``.xlsx`` -> xlsx), or None for an unknown one."""
    lower = path.lower()
    return next(
        (name for name, formatter in FORMATS.items() if any(lower.endswith(s) for s in formatter.suffixes)), None
    )


def render(
    fmt: str,
    reports: list[Report],
    *,
    tty: bool = False,
    width: int | None = None,
    wide: bool = False,
    terminal: bool = False,
) -> bytes | str:
    """Render reports in format ``fmt``: str for text formats, bytes for xlsx.

    ``tty``: colour the table; ``width``: no table line wider (None: no limit); ``wide``: every
    column at its full width.
    """
    from engine.formats.report import View

    return _formatter(fmt).render(list(reports), View(colour=tty, width=width, wide=wide, terminal=terminal))


def render_parts(
    fmt: str,
    reports: list[Report],
    *,
    tty: bool = False,
    width: int | None = None,
    wide: bool = False,
    terminal: bool = False,
) -> Iterable[str | bytes]:
    """What ``render`` returns, in parts to write one after the other (json: a few thousand rows
    each, so a province's listing is never held whole; the other formats: one part)."""
    from engine.formats.report import View

    return _formatter(fmt).render_parts(list(reports), View(colour=tty, width=width, wide=wide, terminal=terminal))


def _formatter(fmt: str) -> Formatter:
    formatter = FORMATS.get(fmt)
    if formatter is None:
        raise ValueError(
            _("unknown format {name!r}; known formats: {known}").format(name=fmt, known=", ".join(FORMATS))
        )
    return formatter


_REEXPORTED = {
    "Column": "engine.formats.report",
    "Report": "engine.formats.report",
    "View": "engine.formats.report",
    "csv_bytes_for_file": "engine.formats.data",
}


def __getattr__(name: str) -> Any:
    """``from engine.formats import Report`` still works, without importing it at start-up."""
    if name in _REEXPORTED:
        return getattr(import_module(_REEXPORTED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BINARY_FORMATS",
    "FORMATS",
    "FORMAT_NAMES",
    "Column",
    "Formatter",
    "Report",
    "View",
    "csv_bytes_for_file",
    "format_for_path",
    "render",
    "render_parts",
]
