"""engine.formats: every --format renders the same report faithfully."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wcwidth import wcswidth

from engine.errors import Refused
from engine.formats import (
    BINARY_FORMATS,
    FORMATS,
    Column,
    Report,
    csv_bytes_for_file,
    render,
)
from engine.formats.report import MARKS, StateStyle, with_columns

ANSI = re.compile(r"\x1b\[[0-9;]*m")
UNITS = ["东山镇", "区政府教育督导室", "区教育局"]
COLUMNS = [
    Column("item", "事项"),
    Column("unit_name", "单位"),
    Column("state_label", "状态"),
    Column("light", "进度灯"),
    Column("overdue", "逾期"),
    Column("deadline", "期限"),
    Column("percent", "销号率"),
    Column("count", "件数"),
    Column("note", "备注"),
]
ROWS = [
    {
        "item": "dongshan/dropout",
        "unit_name": "东山镇",
        "state_label": "整改中",
        "light": "red",
        "overdue": True,
        "deadline": datetime.date(2026, 12, 15),
        "percent": 66.7,
        "count": 12,
        "note": None,
    },
    {
        "item": "dudao/report",
        "unit_name": "区政府教育督导室",
        "state_label": "已销号",
        "light": "green",
        "overdue": False,
        "deadline": datetime.date(2026, 11, 30),
        "percent": 100.0,
        "count": 3,
        "note": "材料|6份",
    },
    {
        "item": "edu/funds",
        "unit_name": "区教育局",
        "state_label": "待整改",
        "light": "yellow",
        "overdue": False,
        "deadline": datetime.date(2026, 12, 1),
        "percent": 0.0,
        "count": 0,
        "note": "010",
    },
]
META = {"checklist": "双高普九跟踪督查整改", "source": "政教督[2025]17号", "date": "2026-11-29"}


def sample_report(**changes) -> Report:
    fields = dict(
        title="整改进度表",
        columns=list(COLUMNS),
        rows=[dict(r) for r in ROWS],
        meta=dict(META),
        light_key="light",
        chart=[("东山镇", 66.7), ("区政府教育督导室", 100.0), ("区教育局", 0.0)],
        summary_lines=["未就绪：1 项一票否决事项未销号"],
    )
    fields.update(changes)
    return Report(**fields)


def summary_report() -> Report:
    return Report(
        title="整改汇总表",
        columns=[Column("unit_name", "单位"), Column("verified", "已销号")],
        rows=[{"unit_name": "东山镇", "verified": 1}],
        meta=dict(META),
    )


def table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(("+", "|"))]


# -- registry --------------------------------------------------------------


def test_registry_names_every_format():
    assert list(FORMATS) == ["table", "markdown", "csv", "json", "html", "xlsx"]
    assert BINARY_FORMATS == {"xlsx"}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_render_returns_bytes_only_for_binary_formats(fmt):
    output = render(fmt, [sample_report()])
    assert isinstance(output, bytes if fmt in BINARY_FORMATS else str)
    assert output


def test_unknown_format_is_a_value_error_naming_the_known_ones():
    with pytest.raises(ValueError) as caught:
        render("pdf", [sample_report()])
    message = str(caught.value)
    assert "'pdf'" in message
    assert all(name in message for name in FORMATS)


# -- table -----------------------------------------------------------------


def test_table_lines_up_chinese_by_display_width():
    lines = table_lines(render("table", [sample_report()]))
    assert len(lines) == 4 + len(ROWS)
    assert {wcswidth(line) for line in lines} == {wcswidth(lines[0])}
    # every line has a border at each display column where the top rule has a "+"
    rule = [i for i, ch in enumerate(lines[0]) if ch == "+"]
    assert len(rule) == len(COLUMNS) + 1
    for line in lines:
        borders = {wcswidth(line[:i]) for i, ch in enumerate(line) if ch in "|+"}
        assert set(rule) <= borders, line


def test_columns_picks_by_id_or_header_in_order_and_refuses_unknown_ones_with_candidates():
    picked = with_columns(sample_report(), ["单位", "item", "备注"])
    assert [c.key for c in picked.columns] == ["unit_name", "item", "note"]
    with pytest.raises(Refused) as refused:
        with_columns(sample_report(), ["itme", "状"])
    first, second = refused.value.reasons
    assert first.startswith("unknown column 'itme'; did you mean: item (事项)")
    assert second == "unknown column '状'; did you mean: state_label (状态)"


def test_table_shows_title_meta_summary_and_cells():
    text = render("table", [sample_report()])
    first, meta, summary = text.splitlines()[:3]
    assert first == "整改进度表"
    assert meta == "双高普九跟踪督查整改 · Source: 政教督[2025]17号 · Generated: 2026-11-29"
    assert summary == "未就绪：1 项一票否决事项未销号"
    dongshan = next(line for line in table_lines(text) if "东山镇" in line)
    cells = [c.strip() for c in dongshan.strip("|").split("|")]
    assert cells == ["dongshan/dropout", "东山镇", "整改中", "red", "yes", "2026-12-15", "66.7", "12", ""]
    edu = next(line for line in table_lines(text) if "区教育局" in line)
    assert [c.strip() for c in edu.strip("|").split("|")][4] == "no"  # 否 under zh


def test_table_fits_the_width_dropping_the_least_important_columns_first():
    columns = [
        Column("item", "事项", priority=8),
        Column("unit_name", "单位", priority=1),
        Column("state_label", "状态", priority=1),
        Column("note", "备注", priority=2),
        Column("count", "件数", priority=9),
        Column("unit", "单位编号", priority=None),
    ]
    long_note = "材料已经全部报送，等待督导室复核，" * 3
    rows = [dict(ROWS[0], note=long_note, unit="dongshan"), dict(ROWS[1], unit="dudao")]
    report = Report(title="整改进度表" * 8, columns=columns, rows=rows, meta=dict(META))
    text = render("table", [report], width=48)
    assert max(wcswidth(line) for line in text.splitlines()) <= 48
    header = table_lines(text)[1]
    assert "单位" in header and "状态" in header and "备注" in header
    assert "事项" not in header and "件数" not in header  # priorities 8 and 9 went first
    assert "单位编号" not in text and "dongshan" not in text  # a hidden (id) column never shows
    note_lines = [line.split("|")[3].strip() for line in table_lines(text)[3:-1]]
    assert long_note in "".join(note_lines)  # the long note wrapped onto several lines, nothing lost
    assert len([n for n in note_lines if n]) > 3
    wide = render("table", [with_columns(report, [], wide=True)], width=40, wide=True)  # --wide: all, full width
    assert "件数" in wide and "单位编号" in wide and max(wcswidth(line) for line in wide.splitlines()) > 40


def test_table_keeps_strings_as_typed_and_right_aligns_numbers():
    lines = table_lines(render("table", [sample_report()]))
    edu = next(line for line in lines if "区教育局" in line)
    assert "| 010 " in edu  # not parsed into the number 10
    assert re.search(r"\|\s+0 \|", edu)  # numbers right-aligned


def test_table_without_tty_has_no_ansi_codes_even_from_data():
    report = sample_report(title="\x1b[31m整改进度表", summary_lines=["\x1b[1m未就绪"])
    report.rows[0]["note"] = "\x1b[2J清屏"
    text = render("table", [report], tty=False)
    assert "\x1b" not in text
    assert "清屏" in text


def test_table_on_tty_colours_the_lights_and_stays_aligned():
    text = render("table", [sample_report()], tty=True)
    assert "\x1b[31mred   \x1b[0m" in text  # the padded cell is painted
    assert "\x1b[32mgreen \x1b[0m" in text
    assert "\x1b[33myellow\x1b[0m" in text
    lines = [ANSI.sub("", line) for line in table_lines(text)]
    assert {wcswidth(line) for line in lines} == {wcswidth(lines[0])}


def test_table_prints_several_reports_in_order_with_titles():
    text = render("table", [sample_report(), summary_report()])
    assert text.index("整改进度表") < text.index("整改汇总表")
    assert text.endswith("\n")


CJK_OR_ASCII = st.text(alphabet=st.sampled_from("东山镇区教育局督导室整改销号abcXYZ019 -_"), max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(CJK_OR_ASCII, CJK_OR_ASCII), min_size=1, max_size=6))
def test_table_alignment_holds_for_any_mix_of_chinese_and_ascii(pairs):
    report = Report(
        title="t", columns=[Column("a", "单位"), Column("b", "note")], rows=[{"a": a, "b": b} for a, b in pairs]
    )
    lines = table_lines(render("table", [report]))
    assert len({wcswidth(line) for line in lines}) == 1


# -- markdown --------------------------------------------------------------


def test_markdown_has_heading_header_separator_and_escaped_pipes():
    text = render("markdown", [sample_report()])
    assert text.startswith("## 整改进度表\n")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    header, separator = rows[0], rows[1]
    assert [c.strip() for c in header.strip("|").split("|")] == [c.header for c in COLUMNS]
    assert re.fullmatch(r"\|(:?-+:?\|)+", separator)
    assert separator.count("|") == len(COLUMNS) + 1
    assert "材料\\|6份" in text
    for row in rows:  # an escaped pipe does not split a cell
        assert len(re.findall(r"(?<!\\)\|", row)) == len(COLUMNS) + 1
    assert "- 未就绪：1 项一票否决事项未销号" in text
    assert "政教督[2025]17号" in text


# -- csv -------------------------------------------------------------------


def test_csv_reads_back_as_the_same_cells():
    text = render("csv", [sample_report()])
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [
        [c.key for c in COLUMNS],  # field ids, not the translated headers
        ["dongshan/dropout", "东山镇", "整改中", "red", "true", "2026-12-15", "66.7", "12", ""],
        ["dudao/report", "区政府教育督导室", "已销号", "green", "false", "2026-11-30", "100.0", "3", "材料|6份"],
        ["edu/funds", "区教育局", "待整改", "yellow", "false", "2026-12-01", "0.0", "0", "010"],
    ]


def test_csv_neutralises_cells_excel_would_run_as_formulas():
    report = sample_report()
    report.rows[0]["note"] = '=HYPERLINK("x")'
    report.rows[1]["note"] = "@SUM(A1)"
    rows = list(csv.reader(io.StringIO(render("csv", [report]), newline="")))
    assert rows[1][-1] == '\'=HYPERLINK("x")'
    assert rows[2][-1] == "'@SUM(A1)"


def test_csv_of_several_reports_puts_a_title_row_before_each():
    rows = list(csv.reader(io.StringIO(render("csv", [sample_report(), summary_report()]))))
    assert rows[0] == ["整改进度表"]
    assert rows[1][0] == "item"
    second = rows.index(["整改汇总表"])
    assert rows[second - 1] == []
    assert rows[second + 1 :] == [["unit_name", "verified"], ["东山镇", "1"]]


def test_csv_file_bytes_carry_one_bom():
    text = render("csv", [sample_report()])
    data = csv_bytes_for_file(text)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == text
    assert csv_bytes_for_file(data.decode("utf-8")) == data


# -- json ------------------------------------------------------------------


def test_json_of_one_report_is_its_list_of_rows():
    text = render("json", [sample_report()])
    assert text.endswith("}\n]\n")
    assert "东山镇" in text and '"overdue": true' in text
    rows = json.loads(text)
    expected = [{k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in row.items()} for row in ROWS]
    assert rows == expected
    assert all(list(row) == [c.key for c in COLUMNS] for row in rows)
    assert rows[0]["overdue"] is True and rows[1]["overdue"] is False
    assert rows[0]["note"] is None


def test_json_keeps_every_column_key_even_when_a_row_lacks_it():
    report = sample_report(rows=[{"unit_name": "东山镇", "percent": float("nan")}])
    (row,) = json.loads(render("json", [report]))
    assert list(row) == [c.key for c in COLUMNS]
    assert row["percent"] is None and row["item"] is None


def test_json_of_several_reports_is_an_object_keyed_by_title():
    data = json.loads(render("json", [sample_report(), summary_report()]))
    assert list(data) == ["整改进度表", "整改汇总表"]
    assert data["整改汇总表"] == [{"unit_name": "东山镇", "verified": 1}]


# -- html ------------------------------------------------------------------


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.doctype = ""

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_page(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def test_html_is_a_self_contained_chinese_page():
    page = render("html", [sample_report()])
    parsed = parse_page(page)
    assert parsed.doctype.lower() == "doctype html"
    assert ("html", {"lang": "zh-CN"}) in parsed.tags
    assert ("meta", {"charset": "utf-8"}) in parsed.tags
    assert not re.search(r"https?://", page)
    assert not {tag for tag, _ in parsed.tags} & {"script", "link", "img", "iframe"}
    assert "Noto Sans CJK SC" in page and "WenQuanYi Micro Hei" in page
    assert "@media print" in page and "break-before: page" in page


def test_html_shows_title_source_date_summary_and_every_unit():
    text = "".join(parse_page(render("html", [sample_report()])).text)
    for expected in ["整改进度表", "政教督[2025]17号", "2026-11-29", "未就绪：1 项一票否决事项未销号", *UNITS]:
        assert expected in text


def test_html_colours_light_cells_by_class():
    parsed = parse_page(render("html", [sample_report()]))
    classes = [attrs.get("class") for tag, attrs in parsed.tags if tag == "td"]
    assert classes.count("light-red") == 1
    assert classes.count("light-green") == 1
    assert classes.count("light-yellow") == 1


def test_html_draws_one_bar_per_unit_scaled_to_its_percent():
    parsed = parse_page(render("html", [sample_report()]))
    bars = [attrs for tag, attrs in parsed.tags if tag == "rect" and attrs.get("class") == "bar"]
    tracks = [attrs for tag, attrs in parsed.tags if tag == "rect" and "class" not in attrs]
    assert len(bars) == 3 and len(tracks) == 3
    full = float(tracks[0]["width"])
    assert [round(float(b["width"]) / full * 100, 1) for b in bars] == [66.7, 100.0, 0.0]
    text = "".join(parsed.text)
    assert "66.7%" in text and "100%" in text and "Completion by unit" in text


def test_html_without_chart_has_no_svg():
    assert "<svg" not in render("html", [sample_report(chart=[])])


def test_html_escapes_cells():
    report = sample_report()
    report.rows[0]["unit_name"] = "<b>东山镇</b>&"
    page = render("html", [report])
    assert "&lt;b&gt;东山镇&lt;/b&gt;&amp;" in page
    assert "b" not in {tag for tag, _ in parse_page(page).tags}


# -- xlsx ------------------------------------------------------------------


def load(reports: list[Report]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render("xlsx", reports)))


def test_xlsx_has_title_row_header_row_and_frozen_pane():
    sheet = load([sample_report()])["整改进度表"]
    title = sheet["A1"].value
    assert "整改进度表" in title and "政教督[2025]17号" in title and "2026-11-29" in title
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:I1"]
    assert [c.value for c in sheet[2]] == [c.header for c in COLUMNS]
    assert all(c.font.bold for c in sheet[2])
    assert sheet.freeze_panes == "A3"


def test_xlsx_prints_landscape_one_page_wide_with_headers_repeated():
    sheet = load([sample_report(landscape=True)]).worksheets[0]
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$2"
    assert sheet["B3"].font.name == "Microsoft YaHei"


def test_xlsx_fills_state_counts_and_board_cells_with_the_state_colour():
    styles = {"pending": StateStyle("待整改", "○", "F2F2F2"), "in_progress": StateStyle("整改中", "◐", "FFEB9C")}
    counts = Report(
        title="汇总",
        columns=[Column("unit_name", "单位"), Column("state_in_progress", "整改中", state="in_progress")],
        rows=[{"unit_name": "东山镇", "state_in_progress": 2}, {"unit_name": "西河乡", "state_in_progress": 0}],
        states=styles,
    )
    board = Report(
        title="责任表",
        columns=[Column("unit_name", "单位"), Column("kongchuo", "抓控辍保学")],
        rows=[{"unit_name": "东山镇", "kongchuo": "in_progress", MARKS: {"kongchuo": "*"}}],
        states=styles,
        state_keys=frozenset({"kongchuo"}),
    )
    summary_sheet, board_sheet = load([counts, board]).worksheets
    assert summary_sheet["B2"].fill.start_color.rgb.endswith("FFEB9C")  # the header
    assert summary_sheet["B3"].fill.start_color.rgb.endswith("FFEB9C") and summary_sheet["B4"].fill.fill_type is None
    assert board_sheet["B3"].value == "整改中 *" and board_sheet["B3"].fill.start_color.rgb.endswith("FFEB9C")


def test_xlsx_stores_real_values_from_row_three():
    sheet = load([sample_report()]).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=5)]
    assert values[0][:3] == ["dongshan/dropout", "东山镇", "整改中"]
    assert values[0][4] == "yes" and values[1][4] == "no"  # 是/否 under zh: words, not TRUE/FALSE
    assert values[0][5].date() == datetime.date(2026, 12, 15)
    assert sheet["F3"].is_date and sheet["F3"].number_format == "yyyy-mm-dd"
    assert values[0][6:] == [66.7, 12, None]
    assert values[2][8] == "010"
    assert sheet["A7"].value == "未就绪：1 项一票否决事项未销号"


def test_xlsx_fills_traffic_light_cells():
    sheet = load([sample_report()]).worksheets[0]
    fills = [sheet.cell(row, 4).fill.fgColor.rgb[-6:] for row in (3, 4, 5)]
    assert fills == ["FFC7CE", "C6EFCE", "FFEB9C"]
    assert sheet.cell(3, 2).fill.fill_type is None


def test_xlsx_fits_columns_to_chinese_display_width():
    sheet = load([sample_report()]).worksheets[0]
    assert sheet.column_dimensions["B"].width > len("区政府教育督导室")
    assert sheet.column_dimensions["B"].width >= wcswidth("区政府教育督导室")


def test_xlsx_keeps_formula_like_text_as_text():
    report = sample_report()
    report.rows[0]["note"] = "=1+1"
    cell = load([report]).worksheets[0]["I3"]
    assert cell.value == "=1+1" and cell.data_type == "s"


def test_xlsx_gives_each_report_a_legal_unique_sheet():
    long_title = "整改[进度]:表*?/\\" + "很长的标题" * 10
    workbook = load([sample_report(title=long_title), sample_report(title=long_title), summary_report()])
    names = workbook.sheetnames
    assert len(names) == 3 and len(set(names)) == 3
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert names[0].startswith("整改进度表很长的标题") and names[2] == "整改汇总表"
