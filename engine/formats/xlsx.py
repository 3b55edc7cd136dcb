"""Reports as an Excel workbook (``--format xlsx``), one sheet per report.

Row 1 names the report and the checklist it comes from, row 2 holds the
headers (frozen, filterable, repeated on every printed page), data starts at
row 3. Booleans are real TRUE/FALSE cells and dates real Excel dates, so
people can filter, sort and count; strings are always text, never formulas.
"""
from __future__ import annotations

import datetime
import io
import math
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.formats.report import LIGHTS, Report, display_width, light_label, meta_line, structured_text, unique_name
from engine.formats.safe import visible

MAX_WIDTH = 60
LIGHT_FILLS = {"red": ("FFC7CE", "9C0006"), "yellow": ("FFEB9C", "9C5700"),
               "green": ("C6EFCE", "006100")}
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
    last = get_column_letter(max(1, len(report.columns)))
    _title_row(sheet, report, last)
    for col, column in enumerate(report.columns, start=1):
        _text_cell(sheet, 2, col, column.header).font = Font(bold=True)
    for index, row in enumerate(report.rows, start=3):
        for col, column in enumerate(report.columns, start=1):
            _write(sheet, index, col, row.get(column.key), column.key == report.light_key)
    end = len(report.rows) + 2
    for offset, line in enumerate(report.summary_lines, start=end + 2):
        _text_cell(sheet, offset, 1, line)
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{last}{end}"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    _fit_widths(sheet, report)


def _title_row(sheet: Worksheet, report: Report, last: str) -> None:
    heading = " — ".join(part for part in (report.title, meta_line(report)) if part)
    cell = _text_cell(sheet, 1, 1, heading)
    cell.font = Font(bold=True, size=14)
    cell.alignment = Alignment(vertical="center")
    if last != "A":
        sheet.merge_cells(f"A1:{last}1")
    sheet.row_dimensions[1].height = 24


def _write(sheet: Worksheet, row: int, col: int, value: Any, light: bool) -> None:
    cell = sheet.cell(row, col, _cell_value(value, light))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # a note starting with "=" stays text, never a formula
        if "\n" in cell.value or display_width(cell.value) > MAX_WIDTH:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif isinstance(value, datetime.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    if light and value in LIGHTS:
        background, ink = LIGHT_FILLS[value]
        cell.fill = PatternFill(fill_type="solid", start_color=background, end_color=background)
        cell.font = Font(color=ink)


def _cell_value(value: Any, light: bool) -> Any:
    if isinstance(value, (dict, list)):
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


def _fit_widths(sheet: Worksheet, report: Report) -> None:
    for col in range(1, len(report.columns) + 1):
        cells = (sheet.cell(row, col).value for row in range(2, len(report.rows) + 3))
        widest = max(_shown_width(value) for value in cells)
        sheet.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, widest + 2)


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
