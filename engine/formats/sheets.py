"""Read filled sheets back: xlsx (openpyxl, read-only, XML defused) and csv.

Sheets come from outside and are not trusted: the file must be a regular
file under a size cap, an xlsx's parts must not inflate past a cap (a zip
bomb), and ``defusedxml`` must be installed so openpyxl parses without
entity expansion. A csv is UTF-8 (with or without the BOM Excel writes), or
GB18030 — what Excel on Chinese Windows saves as "CSV (逗号分隔)" — with a
notice. The header is the row holding the field id ``item``: row 2 of a
template (under the Chinese headers), row 1 of a csv.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.errors import Refused
from engine.i18n import _

MAX_FILE_BYTES = 64 << 20
MAX_UNPACKED_BYTES = 512 << 20
MAX_ROWS = 1_000_000
MAX_COLUMNS = 512
HEADER_ROWS = 2  # the field ids are in row 1 (csv) or row 2 (template, under the Chinese headers)
KEY_FIELD = "item"


@dataclass(frozen=True)
class SheetRow:
    """One row of a spreadsheet, with the number the spreadsheet shows for it."""

    number: int  # the row number a spreadsheet shows
    cells: tuple[Any, ...]


@dataclass
class Table:
    """One sheet (or a csv) as read: its field ids and its rows under them."""

    file: str
    sheet: str  # the sheet's name; empty for a csv
    header_row: int
    fields: tuple[str, ...]
    rows: list[SheetRow] = field(default_factory=list)


@dataclass
class SheetFile:
    """A spreadsheet read for import: its name, digest, tables and what was noticed reading it."""

    path: str
    name: str
    sha256: str
    tables: list[Table]
    notices: list[str]

    @property
    def row_count(self) -> int:
        return sum(len(t.rows) for t in self.tables)


def read_sheet_file(path: str, data: bytes, name: str) -> SheetFile:
    """Parse the bytes of a filled sheet read from ``path`` (its display ``name``)."""
    if len(data) > MAX_FILE_BYTES:
        raise Refused(
            [
                _("{file}: {size} bytes is more than a sheet may be ({limit})").format(
                    file=name, size=len(data), limit=MAX_FILE_BYTES
                )
            ]
        )
    digest = hashlib.sha256(data).hexdigest()
    if data[:4] == b"PK\x03\x04":
        tables, notices = _read_xlsx(data, name), list[str]()
    elif os.path.splitext(name)[1].lower() in (".xlsx", ".xlsm"):
        raise Refused([_("{file}: not an Excel .xlsx file (an old .xls? save it as .xlsx)").format(file=name)])
    else:
        tables, notices = _read_csv(data, name)
    if not tables:
        raise Refused(
            [
                _(
                    "{file}: no sheet has the field id row (item, trigger, ...) in row 1 or 2; "
                    "fill in a sheet made by 'rectify template'"
                ).format(file=name)
            ]
        )
    return SheetFile(path, name, digest, tables, notices)


def _read_xlsx(data: bytes, name: str) -> list[Table]:
    from openpyxl import load_workbook
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:
        raise Refused(
            [
                _("{file}: refusing to read a sheet without defusedxml installed (it guards against XML bombs)").format(
                    file=name
                )
            ]
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise Refused(
                [
                    _("{file}: unpacks to {size} bytes, more than a sheet may ({limit})").format(
                        file=name, size=unpacked, limit=MAX_UNPACKED_BYTES
                    )
                ]
            )
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Refused:
        raise
    except Exception as e:  # noqa: BLE001 - a damaged file raises anything from zipfile to XML
        raise Refused([_("{file}: not a readable .xlsx file: {reason}").format(file=name, reason=e)]) from None
    try:
        tables = []
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible" and sheet.title == "lists":
                continue
            table = _table(name, sheet.title, sheet.iter_rows(values_only=True))
            if table is not None:
                tables.append(table)
        return tables
    finally:
        workbook.close()


def _read_csv(data: bytes, name: str) -> tuple[list[Table], list[str]]:
    notices: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise Refused(
                [_("{file}: neither UTF-8 nor GB18030 text; save it as CSV UTF-8").format(file=name)]
            ) from None
        notices.append(
            _("{file}: read as GB18030 (Excel's CSV on Chinese Windows); CSV UTF-8 avoids guessing").format(file=name)
        )
    if "\x00" in text:
        raise Refused([_("{file}: binary data, not a csv file").format(file=name)])
    table = _table(name, "", csv.reader(io.StringIO(text, newline="")))
    return ([table] if table is not None else []), notices


def _table(name: str, sheet: str, rows: Iterator[Any]) -> Table | None:
    table = None
    for number, cells in enumerate(rows, start=1):
        if table is None:
            if number > HEADER_ROWS:
                return None
            fields = tuple(_field(c) for c in cells)
            if KEY_FIELD in fields:
                last = max(i for i, f in enumerate(fields) if f) + 1
                table = Table(name, sheet, number, fields[:last])
            continue
        if number - table.header_row > MAX_ROWS:
            raise Refused([_("{file}: more than {limit} rows").format(file=name, limit=MAX_ROWS)])
        cells = tuple(cells[:MAX_COLUMNS])
        if any(c is not None and str(c).strip() for c in cells):
            table.rows.append(SheetRow(number, cells))
    return table


def _field(cell: Any) -> str:
    return str(cell).strip() if cell is not None else ""
