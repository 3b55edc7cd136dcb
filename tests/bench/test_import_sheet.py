"""bench_import's sheet builder, which bench_postgres imports into a filled journal: every row must pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_import import write_sheet
from fill_journal import fill
from gen_province import generate
from openpyxl import load_workbook

from engine.checklist.load import load_checklist
from engine.journal.sqlite import SQLiteStore
from engine.operations.imports import import_sheets


def rows_of(sheet: Path) -> list[tuple[object, ...]]:
    book = load_workbook(sheet, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return rows


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("province") / "province.yaml"
    path.write_text(generate(8, 1), encoding="utf-8")  # one county: 4 townships, 3 bureaus -> 59 items
    return path


def test_a_new_journal_gets_every_item_started_then_notes(province: Path, tmp_path: Path) -> None:
    checklist = load_checklist(province)
    rows, importer = write_sheet(province, tmp_path / "sheet.xlsx", len(checklist.items) + 5)
    header, fields, *body = rows_of(tmp_path / "sheet.xlsx")
    assert fields[:3] == ("item", "trigger", "note") and "reporter" not in fields
    assert [row[1] for row in body] == ["启动整改"] * len(checklist.items) + [None] * 5
    assert [row[0] for row in body[: len(checklist.items)]] == [item.id for item in checklist.items]
    assert "supervisor" in checklist.person_by_id[importer].roles


def test_on_a_filled_journal_only_pending_items_start_and_final_ones_get_no_row(province: Path, tmp_path: Path) -> None:
    checklist = load_checklist(province)
    db = tmp_path / "province.db"
    fill(checklist, str(db), 400, 1)
    store = SQLiteStore(str(db), checklist.id, checklist_source=checklist.file_bytes)
    states = store.states()
    assert "verified" in states.values() and len(states) < len(checklist.items)  # some of each kind
    rows, importer = write_sheet(province, tmp_path / "sheet.xlsx", 150, states, reporters=True)
    header, fields, *body = rows_of(tmp_path / "sheet.xlsx")
    assert header[3] == "填报人" and fields[3] == "reporter"
    started = [row[0] for row in body if row[1] == "启动整改"]
    assert sorted(started) == sorted(i.id for i in checklist.items if i.id not in states)
    assert not [row for row in body if states.get(str(row[0])) == "verified"]
    assert all(checklist.person_by_id[str(row[3])].unit == str(row[0]).split("/")[0] for row in body)

    head = store.head()[0]
    result = import_sheets(checklist, store, importer, [str(tmp_path / "sheet.xlsx")])
    assert store.head()[0] - head == len(result.recorded) > 150  # every row, and its values, and the import
    recorded = [e for e in result.recorded if not e.item.startswith("@")]
    assert {e.actor for e in recorded} <= {row[3] for row in body}
    assert {e.data["entered_by"] for e in recorded} == {importer}
    store.close()


def test_a_journal_with_every_item_final_cannot_make_a_sheet(province: Path, tmp_path: Path) -> None:
    checklist = load_checklist(province)
    with pytest.raises(ValueError, match="final state"):
        write_sheet(province, tmp_path / "sheet.xlsx", 10, {item.id: "verified" for item in checklist.items})
