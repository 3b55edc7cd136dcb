"""Data formats hold ids under field ids; human formats show words under translated headers."""

from __future__ import annotations

import csv
import io
import json

import openpyxl

from engine.formats import Column, Report, render

COLUMNS = [
    Column("unit", "单位编号", human=False),
    Column("state", "状态", shown="state_label"),
    Column("owners", "牵头单位"),
    Column("overdue", "逾期"),
]
ROWS = [
    {
        "unit": "dongshan",
        "state": "in_progress",
        "state_label": "整改中 ⚠",
        "owners": ["=xihe", "dongshan"],
        "overdue": True,
    },
    {"unit": "xihe", "state": None, "owners": [], "overdue": False},
]  # no label: the value itself


def report() -> Report:
    return Report("整改责任表", list(COLUMNS), [dict(r) for r in ROWS])


def test_csv_headers_are_field_ids_and_values_ids():
    rows = list(csv.reader(io.StringIO(render("csv", [report()]))))
    assert rows == [
        ["unit", "state", "owners", "overdue"],
        ["dongshan", "in_progress", "'=xihe;dongshan", "true"],  # a list is one cell, formula-safe
        ["xihe", "", "", "false"],
    ]


def test_json_keys_are_field_ids_and_lists_stay_lists():
    assert json.loads(render("json", [report()])) == [
        {"unit": "dongshan", "state": "in_progress", "owners": ["=xihe", "dongshan"], "overdue": True},
        {"unit": "xihe", "state": None, "owners": [], "overdue": False},
    ]


def test_human_formats_show_the_words_and_leave_out_data_only_columns(tmp_path):
    for fmt in ("table", "markdown", "html"):
        text = render(fmt, [report()])
        assert "整改中 ⚠" in text and "in_progress" not in text, fmt
        assert "单位编号" not in text and "=xihe、dongshan" in text, fmt
    path = tmp_path / "r.xlsx"
    path.write_bytes(render("xlsx", [report()]))
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[2]] == ["状态", "牵头单位", "逾期"]
    assert [c.value for c in sheet[3]] == ["整改中 ⚠", "=xihe、dongshan", "yes"]  # 是 under zh: a word people read
    assert sheet["B3"].data_type == "s"  # text, never a formula
    assert sheet.page_setup.orientation == "portrait" and sheet.page_setup.fitToWidth == 1
