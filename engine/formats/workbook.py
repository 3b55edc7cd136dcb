"""Fill-in workbooks (``template``): sheets the units fill and send back for ``import``.

Row 1 holds the Chinese headers, row 2 the field ids ``import`` reads (hidden);
rows from 3 are items. Given cells (item id, state, what is missing) are
locked; the cells to fill are unlocked, with drop-downs and numeric ranges
as data validation, and the sheet is protected so nothing else changes.
Long drop-down lists (over Excel's 255 characters) live on a hidden sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from typing import Any, Optional

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from engine.formats.report import display_width
from engine.formats.xlsx import sheet_title

GIVEN_FILL = PatternFill(fill_type="solid", start_color="F2F2F2", end_color="F2F2F2")
CLOSED_FILL = PatternFill(fill_type="solid", start_color="D9D9D9", end_color="D9D9D9")
HEADER_FILL = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LISTS_SHEET = "lists"
QUOTED_LIST_LIMIT = 255
LINE_HEIGHT = 15  # points per line of 11 pt CJK text
PAGE_WIDTH = 150  # column-width units on landscape A4 at about 90%


@dataclass(frozen=True)
class FillColumn:
    """A column of the fill-in workbook: its field, header, width and what it accepts."""

    field: str  # the id in hidden row 2, what import reads
    header: str  # the Chinese header in row 1
    width: int = 14
    given: bool = False  # pre-filled and locked
    comment: str = ""  # header note: unit and target, how to fill
    number: bool = False
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    choices: tuple[str, ...] = ()  # a drop-down for the whole column


@dataclass(frozen=True)
class FillRow:
    """A row of the fill-in workbook: its given values and per-row choices."""

    values: dict[str, Any]  # field -> given value
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per-row drop-downs
    closed: frozenset[str] = frozenset()  # input fields that do not apply to this row


@dataclass(frozen=True)
class FillSheet:
    """A sheet of the fill-in workbook: title, columns and rows."""

    title: str
    columns: tuple[FillColumn, ...]
    rows: tuple[FillRow, ...]


def render_fill_workbook(sheets: list[FillSheet], instructions: list[str], instructions_title: str) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    lists = _Lists(workbook)
    for spec in sheets:
        _fill(workbook.create_sheet(sheet_title(spec.title, workbook.sheetnames)), spec, lists)
    guide = workbook.create_sheet(sheet_title(instructions_title, workbook.sheetnames))
    guide.column_dimensions["A"].width = 110
    for row, line in enumerate(instructions, start=1):
        cell = guide.cell(row, 1, _text(line))
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide["A1"].font = Font(bold=True, size=14)
    guide.protection.sheet = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _Lists:
    """Drop-down sources: a quoted list when short, else a column of the hidden lists sheet."""

    def __init__(self, workbook: Workbook):
        self.workbook = workbook
        self.sheet: Optional[Worksheet] = None
        self.known: dict[tuple[str, ...], str] = {}

    def formula(self, choices: tuple[str, ...]) -> str:
        quoted = ",".join(choices)
        if len(quoted) + 2 <= QUOTED_LIST_LIMIT and all("," not in c and '"' not in c for c in choices):
            return f'"{quoted}"'
        if choices not in self.known:
            if self.sheet is None:
                self.sheet = self.workbook.create_sheet(LISTS_SHEET)
                self.sheet.sheet_state = "hidden"
            col = len(self.known) + 1
            for row, choice in enumerate(choices, start=1):
                self.sheet.cell(row, col, _text(choice)).data_type = "s"
            letter = get_column_letter(col)
            self.known[choices] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(choices)}"
        return self.known[choices]


def _fill(sheet: Worksheet, spec: FillSheet, lists: _Lists) -> None:
    for col, column in enumerate(spec.columns, start=1):
        head = sheet.cell(1, col, _text(column.header))
        head.data_type = "s"
        head.font = Font(bold=True)
        head.fill = HEADER_FILL
        head.border = BOX
        head.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        if column.comment:
            head.comment = Comment(_text(column.comment), "rectify", width=300, height=120)
        sheet.cell(2, col, column.field).data_type = "s"
        sheet.column_dimensions[get_column_letter(col)].width = column.width
    validations: dict[tuple[Any, ...], DataValidation] = {}
    for index, row in enumerate(spec.rows, start=3):
        for col, column in enumerate(spec.columns, start=1):
            _cell(sheet, index, col, column, row, lists, validations)
        sheet.row_dimensions[index].height = LINE_HEIGHT * max(2, _lines(row, spec.columns))
    last_row = max(3, len(spec.rows) + 2)
    _validate_columns(sheet, spec, last_row, lists, validations)
    for validation in validations.values():
        sheet.add_data_validation(validation)
    sheet.row_dimensions[1].height = 32
    sheet.row_dimensions[2].hidden = True
    sheet.freeze_panes = "B3"
    sheet.print_title_rows = "1:1"
    sheet.print_title_cols = "A:C"  # every printed page shows which item a row is
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    # a township's sheet has dozens of columns: pages across at a readable scale, not one page
    # shrunk to illegibility
    sheet.page_setup.fitToWidth = max(1, math.ceil(sum(c.width for c in spec.columns) / PAGE_WIDTH))
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.protection.sheet = True
    sheet.protection.formatRows = False  # clerks may make a row taller to read a long note
    sheet.protection.formatColumns = False


def _cell(
    sheet: Worksheet,
    index: int,
    col: int,
    column: FillColumn,
    row: FillRow,
    lists: _Lists,
    validations: dict[tuple[Any, ...], DataValidation],
) -> None:
    cell = sheet.cell(index, col)
    cell.border = BOX
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if column.given:
        value = row.values.get(column.field)
        cell.value = _text(value) if isinstance(value, str) else value
        if isinstance(cell.value, str):
            cell.data_type = "s"
        elif isinstance(cell.value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        cell.fill = GIVEN_FILL
        return
    if column.field in row.closed:
        cell.fill = CLOSED_FILL
        return
    cell.protection = Protection(locked=False)
    choices = row.choices.get(column.field)
    if choices:
        key = ("list", lists.formula(choices))
        if key not in validations:
            validations[key] = DataValidation(
                type="list", formula1=key[1], allow_blank=True, showErrorMessage=True, errorTitle="请从下拉列表中选择"
            )
        validations[key].add(cell.coordinate)


def _validate_columns(
    sheet: Worksheet, spec: FillSheet, last_row: int, lists: _Lists, validations: dict[tuple[Any, ...], DataValidation]
) -> None:
    for col, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(col)
        cells = f"{letter}3:{letter}{last_row}"
        if column.choices:
            validation = DataValidation(
                type="list", formula1=lists.formula(column.choices), allow_blank=True, showErrorMessage=True
            )
        elif column.number:
            low = -1e308 if column.minimum is None else column.minimum
            high = 1e308 if column.maximum is None else column.maximum
            validation = DataValidation(
                type="decimal",
                operator="between",
                formula1=repr(low),
                formula2=repr(high),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="数值超出范围",
                error=f"请填写 {_number(low)} 至 {_number(high)} 之间的数值",
            )
        else:
            continue
        validation.add(cells)
        validations[("column", col)] = validation


def _lines(row: FillRow, columns: tuple[FillColumn, ...]) -> int:
    """Lines the tallest given cell wraps to (spreadsheets do not grow rows for wrapped text)."""
    tallest = 1
    for column in columns:
        value = row.values.get(column.field)
        if isinstance(value, str):
            wrapped = sum(
                max(1, math.ceil(display_width(part) / max(1, column.width - 1))) for part in value.split("\n")
            )
            tallest = max(tallest, wrapped)
    return tallest


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)
