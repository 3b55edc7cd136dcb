"""Human text formats: the terminal table and Markdown."""

from __future__ import annotations

from typing import Any

from engine.formats.layout import BORDER, LONG, MIN_WIDTH, fit, least_width, pad, table_width, wrap
from engine.formats.report import (
    LIGHTS,
    PLAIN,
    Column,
    Report,
    View,
    cell_text,
    display_text,
    display_width,
    is_numeric_column,
    meta_line,
    state_text,
)
from engine.i18n import _

_ANSI = {"green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m", "bold": "\x1b[1m"}
_RESET = "\x1b[0m"


def _paint(text: str, style: str | None, colour: bool) -> str:
    if not colour or style not in _ANSI or not text:
        return text
    return f"{_ANSI[style]}{text}{_RESET}"


def _table_block(report: Report, view: View) -> str:
    head = [
        _paint(display_text(report.title), "bold", view.colour),
        display_text(meta_line(report)),
        *map(display_text, report.summary_lines),
    ]
    lines = [line for text in head if text for line in _fold(text, view.width)]
    if report.state_keys and not report.wide:
        tables = _grid_blocks(report, view)
    else:
        tables = [_draw(report, report.human_columns(), view)]
    keys = (
        [
            "  ".join(f"{style.glyph} {style.label}" for style in report.states.values())
            + "  "
            + _("! overdue  * veto (一票否决)")
        ]
        if report.state_keys
        else []
    )
    legend = [line for text in keys + report.legend for line in _fold(display_text(text), view.width)]
    return "\n".join(lines + [""] + ["\n\n".join(tables)] + ([""] + legend if legend else []))


def _fold(text: str, width: int | None) -> list[str]:
    return wrap(text, width) if width else text.split("\n")


def _draw(report: Report, columns: list[Column], view: View, rows: list[dict[str, Any]] | None = None) -> str:
    """One psql-style table of ``columns`` (of ``rows``, default all), fitted to ``view.width``."""
    rows = report.rows if rows is None else rows
    cells = [[_plain_cell(report, c, row) for c in columns] for row in rows]
    if not report.wide and not view.wide and cells:  # a column empty in every row says nothing
        shown = [i for i in range(len(columns)) if any(r[i] for r in cells)] or [0]
        columns, cells = [columns[i] for i in shown], [[r[i] for i in shown] for r in cells]
    headers = [display_text(c.short or c.header) for c in columns]
    numeric = [is_numeric_column(report, c) for c in columns]
    natural = [max([display_width(h)] + [display_width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    least = [
        max(least_width([r[i] for r in cells], numeric[i]), min(display_width(headers[i]), MIN_WIDTH))
        for i in range(len(columns))
    ]
    priorities = [c.priority or 9 for c in columns]
    if view.width:  # essential long text (blockers, notes) keeps a third of the line before others go
        least = [
            max(least[i], view.width // 3) if priorities[i] == 1 and natural[i] > 2 * LONG else least[i]
            for i in range(len(columns))
        ]
    fitted = fit(natural, least, priorities, None if view.wide else view.width)
    widths = fitted.widths
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [
        rule,
        *_row([headers[i] for i in fitted.keep], widths, [False] * len(widths), None, view),
        "|" + "+".join("-" * (w + 2) for w in widths) + "|",
    ]
    for row, line in zip(rows, cells):
        lights = [row.get(columns[i].key) if columns[i].key == report.light_key else None for i in fitted.keep]
        out += _row([line[i] for i in fitted.keep], widths, [numeric[i] for i in fitted.keep], lights, view)
    out.append(rule)
    return "\n".join(out)


def _row(texts: list[str], widths: list[int], right: list[bool], lights: list[Any] | None, view: View) -> list[str]:
    wrapped = [wrap(text, width) for text, width in zip(texts, widths)]
    height = max((len(w) for w in wrapped), default=1)
    lines = []
    for n in range(height):
        parts = []
        for col, width in enumerate(widths):
            text = wrapped[col][n] if n < len(wrapped[col]) else ""
            cell = pad(text, width, right[col])
            light = lights[col] if lights else None
            parts.append(_paint(cell, light if light in LIGHTS else None, view.colour))
        lines.append("| " + " | ".join(parts) + " |")
    return lines


def _plain_cell(report: Report, column: Column, row: dict[str, Any]) -> str:
    if column.key in report.state_keys:
        return state_text(report, column, row, glyph=True)
    return cell_text(report, column, row)


def _grid_blocks(report: Report, view: View) -> list[str]:
    """A state grid (the board) in blocks of state columns, the others repeated in each block."""
    fixed = [c for c in report.human_columns() if c.key not in report.state_keys]
    grid = [c for c in report.columns if c.key in report.state_keys]
    if view.width is None or view.wide:
        return [_draw(report, fixed + grid, view)]
    fixed_width = table_width([min(_natural(report, c), 16) for c in fixed]) - 1
    per_cell = max([display_width(c.short or c.header) for c in grid] + [3]) + BORDER
    per_block = max(1, (view.width - fixed_width) // per_cell)
    blocks = [grid[n : n + per_block] for n in range(0, len(grid), per_block)]
    # a unit with no item among a block's duties has no row in that block
    return [
        _draw(report, fixed + block, view, [r for r in report.rows if any(r.get(c.key) for c in block)])
        for block in blocks
    ] or [_draw(report, fixed, view)]


def _natural(report: Report, column: Column) -> int:
    return max([display_width(column.header)] + [display_width(_plain_cell(report, column, r)) for r in report.rows])


def render_table(reports: list[Report], view: View = PLAIN) -> str:
    return "\n\n".join(_table_block(r, view) for r in reports) + "\n"


# -- markdown --------------------------------------------------------------


def _markdown_cell(text: str) -> str:
    escaped = display_text(text).replace("\\", "\\\\").replace("|", "\\|")
    return escaped.replace("<", "\\<").replace(">", "\\>").replace("\n", "<br>")


def _markdown_block(report: Report) -> str:
    from tabulate import tabulate

    columns = report.human_columns()
    cells = [[_markdown_cell(cell_text(report, c, row)) for c in columns] for row in report.rows]
    table = tabulate(
        cells,
        headers=[_markdown_cell(c.header) for c in columns],
        tablefmt="pipe",
        disable_numparse=True,
        colalign=["right" if is_numeric_column(report, c) else "left" for c in columns],
    )
    parts = [f"## {_markdown_cell(report.title)}"]
    if report.meta:
        parts.append(_markdown_cell(meta_line(report)))
    if report.summary_lines:
        parts.append("\n".join(f"- {_markdown_cell(line)}" for line in report.summary_lines))
    return "\n\n".join([*parts, table])


def render_markdown(reports: list[Report], view: View = PLAIN) -> str:
    return "\n\n".join(_markdown_block(r) for r in reports) + "\n"


# -- csv -------------------------------------------------------------------
