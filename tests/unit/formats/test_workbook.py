"""Fill-in workbooks: drop-downs past Excel's 255-character limit move to a hidden sheet."""

from __future__ import annotations

import io

import openpyxl

from engine.formats.workbook import FillColumn, FillRow, FillSheet, render_fill_workbook


def _book(choices: tuple[str, ...]) -> openpyxl.Workbook:
    sheet = FillSheet(
        "东山镇人民政府",
        (FillColumn("item", "任务编号", given=True), FillColumn("trigger", "办理步骤")),
        (FillRow({"item": "dongshan/a"}, {"trigger": choices}),),
    )
    return openpyxl.load_workbook(io.BytesIO(render_fill_workbook([sheet], ["说明"], "填表说明")))


def test_a_short_list_is_quoted_in_the_validation():
    book = _book(("启动整改", "申报销号"))
    (validation,) = book["东山镇人民政府"].data_validations.dataValidation
    assert validation.formula1 == '"启动整改,申报销号"' and "lists" not in book.sheetnames


def test_a_long_list_or_one_with_commas_lives_on_a_hidden_sheet():
    for choices in (tuple(f"第{n}个很长的办理步骤名称" for n in range(30)), ("退回整改,补充材料", "销号")):
        book = _book(choices)
        (validation,) = book["东山镇人民政府"].data_validations.dataValidation
        assert validation.formula1 == f"'lists'!$A$1:$A${len(choices)}"
        assert book["lists"].sheet_state == "hidden"
        assert [c.value for c in book["lists"]["A"]] == list(choices)
