"""engine.formats.docx: the 督办单's GB/T 9704-2012 geometry, read back from the docx XML."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from lxml import etree

from engine.formats.docx import notice_docx
from engine.formats.notice import Notice, chinese_date, notice_html

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NOTICE = Notice(
    number="区教督〔2026〕3号",
    year=2026,
    n=3,
    item="dongshan/kongchuo",
    unit_name="东山镇人民政府",
    duty_title="抓控辍保学",
    ref="四(一)2",
    checklist_title="双高普九跟踪督查整改",
    source="政教督[2025]17号",
    state_label="整改中",
    lacks=("missing evidence: 在外就读学生取证证明", "bad\x1b[31m <b>"),
    deadline=dt.date(2026, 12, 31),
    original_deadline=dt.date(2026, 12, 10),
    returns=2,
    overdue_days=0,
    level="yellow",
    level_label="黄色督办",
    action="约谈",
    issuer="区政府教育督导室",
    issued_on=dt.date(2026, 12, 1),
)


def twips_mm(value: str) -> float:
    return int(value) * 25.4 / 1440


@pytest.fixture(scope="module")
def parts():
    with zipfile.ZipFile(io.BytesIO(notice_docx(NOTICE))) as z:
        return {
            name: etree.fromstring(z.read(name))
            for name in ("word/document.xml", "word/styles.xml", "word/fontTable.xml")
        }


def test_a4_with_the_standard_margins_and_a_156_by_225_text_block(parts):
    sect = parts["word/document.xml"].find(f".//{W}sectPr")
    size, margins = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
    assert twips_mm(size.get(f"{W}w")) == pytest.approx(210, abs=0.1)
    assert twips_mm(size.get(f"{W}h")) == pytest.approx(297, abs=0.1)
    mm = {side: twips_mm(margins.get(f"{W}{side}")) for side in ("top", "bottom", "left", "right")}
    assert mm == pytest.approx({"top": 37, "bottom": 35, "left": 28, "right": 26}, abs=0.1)
    assert 210 - mm["left"] - mm["right"] == pytest.approx(156, abs=0.1)
    assert 297 - mm["top"] - mm["bottom"] == pytest.approx(225, abs=0.1)


def test_22_lines_of_28_characters_through_the_document_grid(parts):
    grid = parts["word/document.xml"].find(f".//{W}sectPr/{W}docGrid")
    assert grid.get(f"{W}type") == "linesAndChars"
    pitch = int(grid.get(f"{W}linePitch"))
    assert int(225 / 25.4 * 1440 / pitch) == 22  # 22 whole lines fit, not 23
    char_pt = 16 + int(grid.get(f"{W}charSpace")) / 4096  # 3号 plus the grid's extra spacing
    assert 156 / 25.4 * 72 / char_pt == pytest.approx(28, abs=0.05)
    normal = parts["word/styles.xml"].find(f".//{W}style[@{W}styleId='Normal']")
    spacing = normal.find(f"{W}pPr/{W}spacing")
    assert spacing.get(f"{W}lineRule") == "exact" and int(spacing.get(f"{W}line")) == pitch
    # 28 condensed 3号 characters fit the text block's width without the grid's squeezing
    condensed = 16 + int(normal.find(f"{W}rPr/{W}spacing").get(f"{W}val")) / 20
    assert 28 * condensed <= 156 / 25.4 * 72 < 29 * condensed


def test_fonts_title_2hao_xiaobiaosong_body_3hao_fangsong_on_east_asian_with_fallbacks(parts):
    normal = parts["word/styles.xml"].find(f".//{W}style[@{W}styleId='Normal']")
    assert normal.find(f".//{W}rFonts").get(f"{W}eastAsia") == "仿宋_GB2312"
    assert normal.find(f".//{W}sz").get(f"{W}val") == "32"
    runs = parts["word/document.xml"].findall(f".//{W}r")
    title = next(r for r in runs if "督办单" in "".join(r.itertext()))
    assert title.find(f".//{W}rFonts").get(f"{W}eastAsia") == "方正小标宋简体"
    assert title.find(f".//{W}sz").get(f"{W}val") == "44"
    fonts = {f.get(f"{W}name"): f.find(f"{W}altName") for f in parts["word/fontTable.xml"]}
    for face in ("方正小标宋简体", "仿宋_GB2312"):
        assert fonts[face] is not None and fonts[face].get(f"{W}val") == "Noto Serif CJK SC"


def test_number_with_hexagonal_brackets_date_in_arabic_numerals_and_safe_text(parts):
    text = "".join(parts["word/document.xml"].itertext())
    assert "区教督〔2026〕3号" in text
    assert text.rstrip().endswith("2026年12月1日")
    assert "\x1b" not in text and "\\u001b[31m" in text
    assert "约谈" in text and "2026年12月31日前" in text and "原时限2026年12月10日" in text


def test_the_html_rendering_escapes_text():
    page = notice_html(NOTICE).decode()
    assert "&lt;b&gt;" in page and "\x1b" not in page and "区教督〔2026〕3号" in page


@pytest.mark.parametrize("day, text", [(dt.date(2026, 12, 1), "2026年12月1日"), (dt.date(2027, 1, 9), "2027年1月9日")])
def test_chinese_dates_have_no_leading_zeros(day, text):
    assert chinese_date(day) == text
