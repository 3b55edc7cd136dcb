"""Human text formats: the terminal table and Markdown."""
from __future__ import annotations

from typing import Any

from engine.formats.report import (
    LIGHTS,
    Column,
    Report,
    cell_text,
    display_text,
    display_width,
    human_columns,
    is_numeric_column,
    meta_line,
)

_ANSI = {"green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m", "bold": "\x1b[1m"}
_RESET = "\x1b[0m"


def _paint(text: str, style: str | None, tty: bool) -> str:
    if not tty or style not in _ANSI or not text:
        return text
    return f"{_ANSI[style]}{text}{_RESET}"


def _table_block(report: Report, tty: bool) -> str:
    from tabulate import tabulate  # ~70 ms: only when a table is drawn

    columns = human_columns(report)
    cells = [[_table_cell(report, c, row, tty) for c in columns] for row in report.rows]
    table = tabulate(cells, headers=[display_text(c.header) for c in columns],
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
    return ["right" if is_numeric_column(report, c) else "left" for c in human_columns(report)]


def render_table(reports: list[Report], tty: bool = False) -> str:
    return "\n\n".join(_table_block(r, tty) for r in reports) + "\n"


# -- markdown --------------------------------------------------------------

def _markdown_cell(text: str) -> str:
    return display_text(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def _markdown_block(report: Report) -> str:
    from tabulate import tabulate

    columns = human_columns(report)
    cells = [[_markdown_cell(cell_text(report, c, row)) for c in columns] for row in report.rows]
    table = tabulate(cells, headers=[_markdown_cell(c.header) for c in columns],
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

