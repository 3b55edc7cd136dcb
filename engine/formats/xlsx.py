"""Reports as an Excel workbook (``--format xlsx``), one sheet per report.

Row 1 names the report and the checklist it comes from, row 2 holds the
headers (frozen, filterable, repeated on every printed page), data starts at
row 3. Dates are real Excel dates and numbers numbers, so people can filter,
sort and count; booleans are words (是/否 under zh); strings are always text,
never formulas. States fill their cells (board) and headers (summary) with
the state's colour; readiness puts its verdict, red or green, in row 1.
"""

from __future__ import annotations

import datetime
import io
import math
import re
import unicodedata
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.formats.report import (
    LIGHT_COLOURS,
    LIGHTS,
    Column,
    Report,
    display_text,
    display_width,
    is_id_list,
    light_label,
    meta_line,
    shown_value,
    state_text,
    structured_text,
    unique_name,
)
from engine.formats.safe import visible

MAX_WIDTH = 60
FONT = "Microsoft YaHei"  # 微软雅黑: what Chinese Windows has; LibreOffice substitutes a CJK face
VERDICT_FILLS = {True: ("C6EFCE", "006100"), False: ("FFC7CE", "9C0006")}
HEADER_WRAP = 12  # a header wider than its column's values wraps at this width (the board's duties)
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def render_xlsx(reports: list[Report]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for report in reports:
        name = sheet_title(report.title, workbook.sheetnames)
        _fill_sheet(workbook.create_sheet(name), report)
    if not workbook.worksheets:
        workbook.create_sheet("Sheet")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_title(title: str, taken: list[str]) -> str:
    """A legal, unique sheet name: no []:*?/\\, at most 31 characters."""
    name = _SHEET_FORBIDDEN.sub("", ILLEGAL_CHARACTERS_RE.sub("", title)).strip().strip("'")
    return unique_name(name or "Sheet", taken, limit=31)


def _fill_sheet(sheet: Worksheet, report: Report) -> None:
    columns = report.human_columns()
    last = get_column_letter(max(1, len(columns)))
    _title_row(sheet, report, last)
    for col, column in enumerate(columns, start=1):
        header = _text_cell(sheet, 2, col, column.header)
        header.font = Font(name=FONT, bold=True)
        header.alignment = Alignment(wrap_text=True, vertical="center")
        style = report.states.get(column.state) if column.state else None
        if style:
            header.fill = _fill(style.fill)
    for index, row in enumerate(report.rows, start=3):
        for col, column in enumerate(columns, start=1):
            if column.key in report.state_keys:
                _write_state(sheet.cell(index, col), report, column, row)
            else:
                _write(sheet, index, col, shown_value(column, row), column.key == report.light_key, column.width)
                style = report.states.get(column.state) if column.state else None
                if style and row.get(column.key):  # summary: a state's count on the state's colour
                    sheet.cell(index, col).fill = _fill(style.fill)
    end = len(report.rows) + 2
    lines = report.summary_lines[1:] if report.verdict is not None else report.summary_lines
    for offset, line in enumerate([*lines, *report.legend], start=end + 2):
        _text_cell(sheet, offset, 1, line).font = Font(name=FONT)
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{last}{end}"
    _page_setup(sheet, report)
    _fit_widths(sheet, report, columns)
    _grid_and_heights(sheet, report, columns)


def _page_setup(sheet: Worksheet, report: Report) -> None:
    """A4, every column on one page wide (as many pages long as it takes), title and
    headers repeated on each printed page."""
    sheet.print_title_rows = "1:2"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if report.landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    if report.landscape:
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.page_margins.top = sheet.page_margins.bottom = 0.5


def _fill(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def _title_row(sheet: Worksheet, report: Report, last: str) -> None:
    parts = [report.title, meta_line(report)]
    if report.verdict is not None and report.summary_lines:  # readiness: the verdict at the top
        parts.append(report.summary_lines[0])
    cell = _text_cell(sheet, 1, 1, " — ".join(part for part in parts if part))
    cell.font = Font(name=FONT, bold=True, size=14)
    cell.alignment = Alignment(vertical="center", wrap_text=report.verdict is not None)
    if report.verdict is not None:
        background, ink = VERDICT_FILLS[report.verdict]
        cell.fill = _fill(background)
        cell.font = Font(name=FONT, bold=True, size=14, color=ink)
    if last != "A":
        sheet.merge_cells(f"A1:{last}1")
    sheet.row_dimensions[1].height = 40 if report.verdict is not None else 24


def _write_state(cell: Any, report: Report, column: Column, row: dict[str, Any]) -> None:
    """A board cell: the state's label and marks, filled with the state's colour."""
    cell.value = _text(state_text(report, column, row)) or None
    style = report.states.get(row.get(column.key) or "")
    if style:
        cell.fill = _fill(style.fill)
    cell.font = Font(name=FONT)


def _write(sheet: Worksheet, row: int, col: int, value: Any, light: bool, width: int | None = None) -> None:
    cell = sheet.cell(row, col, _cell_value(value, light))
    cell.font = Font(name=FONT)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # a note starting with "=" stays text, never a formula
        if "\n" in cell.value or display_width(cell.value) > (width or MAX_WIDTH):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif isinstance(value, datetime.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    if light and value in LIGHTS:
        background, ink = LIGHT_COLOURS[value]
        cell.fill = _fill(background)
        cell.font = Font(name=FONT, color=ink)


def _cell_value(value: Any, light: bool) -> Any:
    if isinstance(value, bool):
        return display_text(value)  # 是/否: a word people read, in their language
    if is_id_list(value):
        value = "、".join(value)
    elif isinstance(value, (dict, list)):
        value = structured_text(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.isoformat(timespec="seconds")  # Excel has no time zones: keep it exact
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return _text(light_label(value) if light else value)
    return value


def _text(value: str) -> str:
    """Control characters as visible escapes (openpyxl refuses C0; C1 and bidi would mislead)."""
    return visible(value)


def _text_cell(sheet: Worksheet, row: int, col: int, value: str) -> Any:
    """A cell that holds text, never a formula, whatever it starts with (headers included)."""
    cell = sheet.cell(row, col, _text(value))
    cell.data_type = "s"
    return cell


def _fit_widths(sheet: Worksheet, report: Report, columns: list[Column]) -> None:
    for col, column in enumerate(columns, start=1):
        cells = (sheet.cell(row, col).value for row in range(3, len(report.rows) + 3))
        widest = max([_shown_width(value) for value in cells] + [min(_header_width(column.header), HEADER_WRAP)])
        sheet.column_dimensions[get_column_letter(col)].width = min(column.width or MAX_WIDTH, widest + 2)


LINE_HEIGHT = 17  # points per line of 11 pt text: CJK faces stand taller than Latin ones


def _grid_and_heights(sheet: Worksheet, report: Report, columns: list[Column]) -> None:
    """Ruled cells, as a printed form has, and rows tall enough for their wrapped text
    (LibreOffice and WPS do not grow a row for wrapped text by themselves)."""
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    widths = [sheet.column_dimensions[get_column_letter(col)].width for col in range(1, len(columns) + 1)]
    for row in range(2, len(report.rows) + 3):
        lines = 1
        for col, width in enumerate(widths, start=1):
            cell = sheet.cell(row, col)
            cell.border = border
            wrap = bool(cell.alignment.wrap_text)
            if row > 2:  # a row reads from its top line, whatever each cell holds
                cell.alignment = Alignment(wrap_text=wrap, vertical="top")
            if isinstance(cell.value, str) and wrap:
                lines = max(lines, _wrapped_lines(cell.value, width))
        if lines > 1:
            sheet.row_dimensions[row].height = LINE_HEIGHT * lines


def _wrapped_lines(text: str, width: float) -> int:
    usable = max(1.0, width - 0.5)
    return sum(max(1, math.ceil(_sheet_units(line) / usable)) for line in text.split("\n"))


def _sheet_units(line: str) -> float:
    """How many column units a line takes in Calc or Excel at the default font: a CJK character
    about 1.75 (not the 2 it takes on a terminal), anything else about 1."""
    return sum(1.75 if unicodedata.east_asian_width(ch) in "WF" else 1.05 for ch in line)


def _header_width(header: str) -> int:
    """A header wraps at a space rather than widen its column past a short word."""
    return max(display_width(word) for word in header.split() or [""])


def _shown_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, datetime.datetime):
        return 19
    if isinstance(value, datetime.date):
        return 10
    return display_width(str(value))
