"""Reports as one self-contained, printable HTML page (``--format html``).

No external asset, no script: inline CSS, and the per-unit completion chart
as inline SVG (SVG fills print even when a browser drops backgrounds).
"""

from __future__ import annotations

import math
from html import escape as escape_html

from engine.formats.report import (
    LIGHT_COLOURS,
    LIGHTS,
    Column,
    Report,
    cell_text,
    display_text,
    display_width,
    is_numeric_column,
    meta_line,
    state_text,
)
from engine.formats.safe import visible
from engine.i18n import _


def escape(text: str) -> str:
    """HTML-escaped, with control and bidi characters shown as visible escapes."""
    return escape_html(visible(text))


FONT_STACK = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif'
BAR_COLOUR = "#4472C4"
TRACK_COLOUR = "#E7E6E6"

CSS = """
@page { size: PAGE_SIZE; margin: 14mm 12mm; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: FONT_STACK; font-size: 14px; line-height: 1.5; color: #222;
       margin: 24px 16px; }
h1 { font-size: 22px; margin: 0 0 4px; }
.meta { color: #555; margin: 0 0 12px; }
.summary { margin: 0 0 12px; padding-left: 1.2em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 16px; }
th, td { border: 1px solid #999; padding: 4px 8px; text-align: left; vertical-align: top;
         white-space: pre-line; }
thead th { background: #E7E6E6; }
table.form { table-layout: fixed; width: calc(100% - 2px); }  /* the collapsed outer border stays on the paper */
table.form td, table.form th { overflow-wrap: anywhere; padding: 3px 5px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th.state { writing-mode: horizontal-tb; text-align: center; min-width: 2.5em; cursor: help; }
td.state { text-align: center; }
table.grid { font-size: 13px; }
table.grid td:first-child, table.grid th:first-child { white-space: nowrap; }
.verdict { font-size: 20px; font-weight: bold; padding: 10px 14px; margin: 0 0 12px; border-radius: 4px; }
.verdict.good { background: #C6EFCE; color: #006100; border: 2px solid #006100; }
.verdict.bad { background: #FFC7CE; color: #9C0006; border: 2px solid #9C0006; }
.legend { margin: 0 0 12px; } .legend span { display: inline-block; padding: 1px 8px; margin: 0 6px 4px 0;
  border: 1px solid #999; }
LIGHT_RULES
figure.chart { margin: 0 0 16px; break-inside: avoid; page-break-inside: avoid; }
figure.chart figcaption { font-weight: bold; margin-bottom: 4px; }
figure.chart svg { max-width: 100%; height: auto; font-family: inherit; }
section + section { margin-top: 32px; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  section + section { margin-top: 0; break-before: page; page-break-before: always; }
  thead { display: table-header-group; }
  tr, h1 { break-inside: avoid; page-break-inside: avoid; }
  h1, .meta, .summary { break-after: avoid; page-break-after: avoid; }
}
""".replace("FONT_STACK", FONT_STACK).replace(
    "LIGHT_RULES",
    "\n".join(
        f"td.light-{light} {{ background: #{fill}; color: #{text}; }}" for light, (fill, text) in LIGHT_COLOURS.items()
    ),
)


def render_html(reports: list[Report]) -> str:
    title = " · ".join(report.title for report in reports)
    body = "\n".join(_section(report) for report in reports)
    # a wide form (the 整改责任表) prints on landscape A4; the header row repeats on every page
    css = CSS.replace("PAGE_SIZE", "A4 landscape" if any(r.landscape for r in reports) else "A4")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{css}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _section(report: Report) -> str:
    parts = [f"<h1>{escape(report.title)}</h1>"]
    if report.meta:
        parts.append(f'<p class="meta">{escape(meta_line(report))}</p>')
    lines = list(report.summary_lines)
    if report.verdict is not None and lines:
        verdict = "good" if report.verdict else "bad"
        parts.append(f'<p class="verdict {verdict}">{escape(display_text(lines.pop(0)))}</p>')
    if lines:
        items = "".join(f"<li>{escape(display_text(line))}</li>" for line in lines)
        parts.append(f'<ul class="summary">{items}</ul>')
    if report.state_keys:
        keys = "".join(
            f'<span style="background:#{style.fill}">{escape(style.label)}</span>' for style in report.states.values()
        )
        marks = escape(_("⚠ overdue  ★ veto (一票否决)"))  # (outside the f-string: Babel reads it there)
        parts.append(f'<p class="legend">{keys}{marks}</p>')
    if report.chart:
        parts.append(_chart(report.chart))
    parts.append(_table(report))
    if report.legend:
        parts.append('<p class="legend">' + "<br>".join(escape(display_text(line)) for line in report.legend) + "</p>")
    return "<section>\n" + "\n".join(parts) + "\n</section>"


def _table(report: Report) -> str:
    columns = report.human_columns()
    numeric = {c.key for c in columns if is_numeric_column(report, c)}
    head = "".join(_header(report, c) for c in columns)
    rows = "\n".join("<tr>" + "".join(_cell(report, c, row, numeric) for c in columns) + "</tr>" for row in report.rows)
    start = _table_start(columns)
    if start == "<table>" and report.state_keys:
        start = '<table class="grid">'
    return f"{start}\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"


def _header(report: Report, column: Column) -> str:
    """A header; a grid's state column shows its short label and the full title on hover."""
    style = report.states.get(column.state) if column.state else None
    fill = f' style="background:#{style.fill}"' if style else ""
    if column.key in report.state_keys and column.short:
        return f'<th class="state" title="{escape(column.header)}">{escape(column.short)}</th>'
    return f"<th{fill}>{escape(column.header)}</th>"


def _table_start(columns: list[Column]) -> str:
    """A form whose columns declare print widths keeps them (shares of the page width), so long
    text wraps inside its column instead of pushing the table off the paper."""
    if not any(c.width for c in columns):
        return "<table>"
    widths = [c.width or DEFAULT_WIDTH for c in columns]
    cols = "".join(f'<col style="width: {100 * w / sum(widths):.1f}%">' for w in widths)
    return f'<table class="form"><colgroup>{cols}</colgroup>'


DEFAULT_WIDTH = 8  # characters, for a column of a form that declares no width


def _cell(report: Report, column: Column, row: dict, numeric: set[str]) -> str:
    value = row.get(column.key)
    if column.key in report.state_keys:
        style = report.states.get(value) if value else None
        fill = f' style="background:#{style.fill}"' if style else ""
        return f'<td class="state"{fill}>{escape(state_text(report, column, row))}</td>'
    classes = []
    if column.key in numeric:
        classes.append("num")
    if column.key == report.light_key and value in LIGHTS:
        classes.append(f"light-{value}")
    attribute = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attribute}>{escape(cell_text(report, column, row))}</td>"


def _chart(chart: list[tuple[str, float]]) -> str:
    """A horizontal bar per unit: name, bar (0..100 % verified), percent."""
    row_height, bar_width, font_size = 26, 420, 13
    label_width = max(display_width(name) for name, _ in chart) * (font_size // 2 + 1) + 12
    width, height = label_width + bar_width + 64, row_height * len(chart)
    bars = [_bar(i * row_height, name, percent, label_width, bar_width) for i, (name, percent) in enumerate(chart)]
    caption = escape(_("Completion by unit"))
    return (
        f'<figure class="chart"><figcaption>{caption}</figcaption>\n'
        f'<svg role="img" aria-label="{caption}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="{font_size}">\n' + "\n".join(bars) + "\n</svg></figure>"
    )


def _bar(y: int, name: str, percent: float, label_width: int, bar_width: int) -> str:
    share = min(100.0, max(0.0, percent)) if math.isfinite(percent) else 0.0
    fill = round(bar_width * share / 100, 1)
    text = f"{display_text(round(share, 1))}%"
    return (
        f"<g><title>{escape(name)} {text}</title>"
        f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">{escape(name)}</text>'
        f'<rect x="{label_width}" y="{y + 4}" width="{bar_width}" height="18" fill="{TRACK_COLOUR}"/>'
        f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{fill}" height="18" '
        f'fill="{BAR_COLOUR}"/>'
        f'<text x="{label_width + bar_width + 6}" y="{y + 17}">{text}</text></g>'
    )
