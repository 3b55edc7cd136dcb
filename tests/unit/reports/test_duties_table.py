"""engine.reports.duties and the 整改责任表 Report: one row per duty, ids for data, words for people."""

from __future__ import annotations

from dataclasses import replace

import openpyxl
import pytest
from reports_model import CHECKLIST, KONGCHUO, REPORT, ZHENGGAI, with_duty

from engine import i18n
from engine.formats import render
from engine.i18n import chinese_number, count_words
from engine.reports.duties import duty_rows, material_words, units_words

DIGITS = "零一二三四五六七八九"


def spoken(n: int) -> str:
    """An independent oracle for 0..99: how a count is said (十二, 二十, 九十九)."""
    tens, ones = divmod(n, 10)
    if not tens:
        return DIGITS[ones]
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


@pytest.mark.parametrize("n", range(100))
def test_chinese_numbers_up_to_99(n):
    assert chinese_number(n) == spoken(n)


@pytest.mark.parametrize(
    "n, words",
    [
        (6, "六"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (999, "九百九十九"),
        (1000, "一千"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (1100, "一千一百"),
        (2006, "二千零六"),
        (9999, "九千九百九十九"),
    ],
)
def test_chinese_numbers_past_99(n, words):
    assert chinese_number(n) == words


@pytest.mark.parametrize("n", [-1, 10000])
def test_chinese_numbers_outside_the_range_are_refused(n):
    with pytest.raises(ValueError):
        chinese_number(n)


@pytest.fixture
def zh():
    i18n.set_language("zh_CN")
    yield
    i18n.set_language("en")


def test_materials_name_their_paper_copies_in_chinese_numerals(zh):
    assert material_words(REPORT) == "书面汇报材料一式六份"
    assert material_words(REPORT._replace(copies=12)) == "书面汇报材料一式十二份"
    assert material_words(REPORT._replace(copies=None)) == "书面汇报材料"


def test_counts_in_running_text_follow_the_language(zh):
    assert (count_words(6), count_words(12), count_words(10000)) == ("六", "十二", "10000")
    i18n.set_language("en")
    assert count_words(6) == "6"


def test_materials_in_english_keep_arabic_numbers():
    assert material_words(REPORT) == "书面汇报材料, 6 paper copies"


def test_a_whole_group_goes_by_its_name_else_each_unit():
    assert units_words(CHECKLIST, ("dongshan", "xihe")) == "各乡镇人民政府"
    assert units_words(CHECKLIST, ("dongshan",)) == "东山镇人民政府"
    assert units_words(CHECKLIST, ("edu", "dongshan")) == "区教育局, 东山镇人民政府"
    assert units_words(CHECKLIST, ()) == ""


def test_one_row_per_duty_with_ids_for_scripts(zh):
    rows = duty_rows(
        CHECKLIST, {"dongshan/kongchuo": "verified", "xihe/kongchuo": "in_progress", "edu/zhenggai": "verified"}
    )
    assert [r["duty"] for r in rows] == ["kongchuo", "canji", "zhenggai"]
    row = rows[0]
    assert {
        k: row[k]
        for k in (
            "ref",
            "duty",
            "title",
            "description",
            "owners",
            "support",
            "heads",
            "deadline",
            "evidence",
            "findings",
            "verified",
            "items",
        )
    } == {
        "ref": "四(一)2",
        "duty": "kongchuo",
        "title": "抓控辍保学",
        "description": "加强宣传，强化责任，狠抓落实。",
        "owners": ["dongshan", "xihe"],
        "support": ["edu"],
        "heads": ["li", "xu"],
        "deadline": KONGCHUO.deadline,
        "evidence": ["proof", "report", "plan"],
        "findings": ["f1"],
        "verified": 1,
        "items": 2,
    }
    assert (row["owners_text"], row["support_text"], row["heads_text"], row["progress_text"]) == (
        "各乡镇人民政府",
        "区教育局",
        "李华、徐芳",
        "1/2",
    )
    assert row["evidence_text"] == "在外就读学生取证证明\n书面汇报材料一式六份\n具体整改方案（如需）"
    assert row["findings_text"] == "部分乡镇在外就读学生取证不到位"
    assert (rows[1]["verified"], rows[1]["items"], rows[1]["heads"]) == (0, 1, ["li"])
    assert (rows[2]["support_text"], rows[2]["heads_text"], rows[2]["verified"]) == (
        "区政府教育督导室、东山镇人民政府",
        "赵强",
        1,
    )


def test_a_unit_without_a_head_gives_none():
    checklist = replace(CHECKLIST, units=tuple(u._replace(head=None) for u in CHECKLIST.units))
    row = duty_rows(checklist, {})[0]
    assert (row["heads"], row["heads_text"], row["verified"]) == ([], "", 0)


def duties_report(checklist=CHECKLIST):
    from engine.reports.tables import duties_report as build

    class NoJournal:
        def states(self):
            return {"edu/zhenggai": "verified"}

    return build(checklist, NoJournal(), KONGCHUO.deadline)


def test_csv_holds_ids_and_the_human_formats_hold_words(zh):
    report = duties_report()
    text = render("csv", [report])
    header, first = text.splitlines()[:2]
    assert header == "ref,duty,title,description,owners,support,heads,deadline,evidence,findings,verified,items"
    assert (
        first
        == "四(一)2,kongchuo,抓控辍保学,加强宣传，强化责任，狠抓落实。,dongshan;xihe,edu,li;xu,2026-12-15,proof;report;plan,f1,0,2"
    )
    markdown = render("markdown", [report])
    assert "| 序号 " in markdown and "| 各乡镇人民政府 " in markdown and "书面汇报材料一式六份" in markdown
    assert "dongshan;xihe" not in markdown and "| kongchuo " not in markdown  # ids stay in the data formats
    assert "| 1/1 " in markdown  # 区教育局's duty: verified


def test_html_and_xlsx_print_on_landscape_a4_with_repeated_headers(zh, tmp_path):
    report = duties_report(with_duty(CHECKLIST, replace(ZHENGGAI, description="长" * 400)))
    page = render("html", [report])
    assert "@page { size: A4 landscape;" in page and "thead { display: table-header-group; }" in page
    assert "<th>序号</th><th>整改任务</th><th>整改要求</th><th>牵头单位</th><th>配合单位</th><th>责任人</th>" in page
    path = tmp_path / "duties.xlsx"
    path.write_bytes(render("xlsx", [report]))
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$1:$2"
    assert [c.value for c in sheet[2]][:3] == ["序号", "整改任务", "整改要求"]
    assert sheet["C5"].alignment.wrap_text is True  # the long requirement wraps inside its column
    assert sheet.column_dimensions["C"].width <= 38
    assert sheet.row_dimensions[5].height >= 17 * 10  # 400 characters: tall enough to print them all
    assert sheet["A3"].border.left.style == "thin"  # ruled like a printed form
    assert sheet["G3"].value.year == 2026 and sheet["G3"].number_format == "yyyy-mm-dd"  # a real date cell
    assert sheet["H3"].value == "在外就读学生取证证明\n书面汇报材料一式六份\n具体整改方案（如需）"
