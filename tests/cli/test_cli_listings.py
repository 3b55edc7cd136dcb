"""The listing commands through the CLI: status, summary, board, readiness, history × every --format.

Most tests read one shared journal on a copy of the bundled checklist, built once per module by a
few real steps (a verified 抓控辍保学 of 东山镇, a returned one of 西河乡, the office's own duty
verified by the district leader). In that copy 抓控辍保学 is due 2026-12-08, so on "today"
2026-12-10 its open items are red (overdue), every other open item is yellow (3 working days to
2026-12-15) and the verified ones are green.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from checklist_cases import FROZEN
from helpers import Rectify
from wcwidth import wcswidth

from engine.checklist.load import load_checklist

MODEL = load_checklist(FROZEN)
TITLE, SOURCE = "双高普九跟踪督查整改", "政教督[2025]17号"
TODAY = "2026-12-10"
ITEM = "dongshan/kongchuo-baoxue"
RETURNED = "xihe/kongchuo-baoxue"
OFFICE_ITEM = "dudao/dudao-jiancha"
EVIDENCE = ["zerenshu", "ruxue-tongzhi", "quzheng-zhengming", "chuoxue-baogao"]
VALUES = ["chuoxue-lv=0", "quzheng-daowei=100", "quzheng-youxiao=100"]

OWNING_UNITS = list(dict.fromkeys(i.unit.id for i in MODEL.items))
UNIT_NAMES = [MODEL.unit_by_id[u].name for u in OWNING_UNITS]
VETO_ITEMS = {i.id for i in MODEL.items if i.duty.veto or any(x.veto for x in i.duty.indicators)}
KONGCHUO_ITEMS = {i.id for i in MODEL.items if i.duty.id == "kongchuo-baoxue"}
ANSI = re.compile(r"\x1b\[")
MD_SEPARATOR = re.compile(r"^\|(:?-{3,}:?\|)+$")

STATUS_EN = [
    "Item",
    "Unit id",
    "Unit",
    "Duty id",
    "Duty",
    "Clause",
    "State id",
    "State",
    "Deadline",
    "Original deadline",
    "Days left",
    "Traffic light",
    "Overdue",
    "Veto",
    "Level",
    "Times returned",
    "Last step",
    "Last step at",
    "Last note",
    "Aims not reached",
]
STATUS_ZH = [
    "整改事项",
    "单位编号",
    "责任单位",
    "任务编号",
    "整改任务",
    "序号",
    "状态编号",
    "状态",
    "整改时限",
    "原定时限",
    "剩余天数",
    "预警灯",
    "逾期",
    "一票否决",
    "督办等级",
    "退回次数",
    "最近办理步骤",
    "最近办理时间",
    "最近说明",
    "未达力争目标",
]
# DESIGN § Listings: the field ids of status, in order; csv headers and json keys in every language
STATUS_KEYS = [
    "item",
    "unit",
    "unit_name",
    "duty",
    "title",
    "ref",
    "state",
    "state_label",
    "deadline",
    "original_deadline",
    "days_left",
    "light",
    "overdue",
    "veto",
    "level",
    "returns",
    "last_step",
    "last_at",
    "last_note",
    "aims_unmet",
]
STATES = ["待整改", "整改中", "已销号"]
SUMMARY_EN = ["Unit id", "Unit", "Items", *STATES, "% verified", "Overdue", "Open veto items"]
SUMMARY_ZH = ["单位编号", "责任单位", "事项数", *STATES, "验收完成率（%）", "逾期", "未销号一票否决事项"]
SUMMARY_KEYS = [
    "unit",
    "unit_name",
    "items",
    "state_pending",
    "state_in_progress",
    "state_verified",
    "verified_pct",
    "overdue",
    "veto_open",
]
BY_DUTY_EN = ["Duty id", "Duty", *SUMMARY_EN[2:]]
BY_DUTY_ZH = ["任务编号", "整改任务", *SUMMARY_ZH[2:]]
# a duty title shared by two duties (加强学校安全工作) is told apart by its id
DUTY_HEADERS = [
    d.title if [e.title for e in MODEL.duties].count(d.title) == 1 else f"{d.title} ({d.id})" for d in MODEL.duties
]
BOARD_EN = ["Unit id", "Unit", *DUTY_HEADERS]
BOARD_ZH = ["单位编号", "责任单位", *DUTY_HEADERS]
READINESS_EN = ["Item", "Unit", "Duty", "State", "Indicator", "Problem", "Kind", "Blocks"]
READINESS_ZH = ["整改事项", "责任单位", "整改任务", "状态", "指标", "存在问题", "类别", "影响迎检"]
READINESS_KEYS = ["item", "unit_name", "title", "state_label", "indicator", "reason", "kind", "blocks"]
HISTORY_EN = [
    "No.",
    "Recorded at",
    "Trigger",
    "Step",
    "From",
    "To",
    "From state",
    "To state",
    "Actor",
    "Name",
    "OS user",
    "Note",
    "Data",
    "Details",
    "Checklist version",
    "Under another checklist version",
]
HISTORY_ZH = [
    "序号",
    "记录时间",
    "操作代码",
    "办理步骤",
    "原状态编号",
    "新状态编号",
    "原状态",
    "新状态",
    "办理人编号",
    "办理人",
    "系统用户",
    "说明",
    "数据",
    "详情",
    "清单版本",
    "非现行清单版本",
]
HISTORY_KEYS = [
    "seq",
    "recorded_at",
    "trigger",
    "step",
    "from",
    "to",
    "from_label",
    "to_label",
    "actor",
    "actor_name",
    "os_user",
    "note",
    "data",
    "details",
    "checklist_sha256",
    "other_version",
]
BOARD_NUMBERS = [str(n) for n in range(1, len(MODEL.duties) + 1)]  # the terminal's headers
# ids (unit, duty, state, trigger, actor ids) are for scripts: the human formats leave them out
HIDDEN_EN = {
    "Unit id",
    "Duty id",
    "State id",
    "Trigger",
    "From",
    "To",
    "Actor",
    "OS user",
    "Data",
    "Checklist version",
    "Under another checklist version",
}
DUTIES_EN = [
    "Clause",
    "Task",
    "Requirements",
    "Lead units",
    "Supporting units",
    "Responsible persons",
    "Deadline",
    "Materials",
    "Problems answered",
    "Verified / items",
]
DUTIES_ZH = [
    "序号",
    "整改任务",
    "整改要求",
    "牵头单位",
    "配合单位",
    "责任人",
    "整改时限",
    "整改材料",
    "反馈问题",
    "销号进度",
]
DUTIES_KEYS = [
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
]
HISTORY_TRIGGERS = ["start", *["attach"] * len(EVIDENCE), "record", "verify"]
OPEN_VETO = VETO_ITEMS - {ITEM}
# readiness on 2026-12-10: per open veto item, "not verified" and each missing material or value; the
# overdue 抓控辍保学 items add "overdue since"; 东山镇's verified one misses no aim of this checklist
READINESS_ROWS = 157


class Listing:
    """What one listing command must show on the shared journal."""

    def __init__(self, args, en, zh, keys, rows, texts, title_en, title_zh, exit_code=0):
        self.args, self.en, self.zh, self.keys = list(args), en, zh, keys
        self.human = [h for h in en if h not in HIDDEN_EN]  # html, xlsx, markdown headers
        self.rows, self.texts, self.title_en, self.title_zh, self.exit_code = rows, texts, title_en, title_zh, exit_code


LISTINGS = {
    "status": Listing(
        ["status"],
        STATUS_EN,
        STATUS_ZH,
        STATUS_KEYS,
        len(MODEL.items),
        UNIT_NAMES,
        "Rectification status",
        "整改进展情况",
    ),
    "summary": Listing(
        ["summary"],
        SUMMARY_EN,
        SUMMARY_ZH,
        SUMMARY_KEYS,
        len(OWNING_UNITS),
        UNIT_NAMES,
        "Summary by unit",
        "按责任单位汇总",
    ),
    "summary-by-duty": Listing(
        ["summary", "--by", "duty"],
        BY_DUTY_EN,
        BY_DUTY_ZH,
        ["duty", "title", *SUMMARY_KEYS[2:]],
        len(MODEL.duties),
        [d.title for d in MODEL.duties],
        "Summary by duty",
        "按整改任务汇总",
    ),
    "board": Listing(
        ["board"],
        BOARD_EN,
        BOARD_ZH,
        ["unit", "unit_name", *[d.id for d in MODEL.duties]],
        len(OWNING_UNITS),
        UNIT_NAMES,
        "Responsibility board",
        "整改",
    ),
    "readiness": Listing(
        ["readiness"],
        READINESS_EN,
        READINESS_ZH,
        READINESS_KEYS,
        READINESS_ROWS,
        sorted({MODEL.unit_by_id[i.split("/")[0]].name for i in OPEN_VETO}) + [RETURNED],
        "Readiness for the follow-up inspection",
        "迎检",
        exit_code=1,
    ),
    "duties": Listing(
        ["duties"],
        DUTIES_EN,
        DUTIES_ZH,
        DUTIES_KEYS,
        len(MODEL.duties),
        [d.title for d in MODEL.duties],
        "Rectification responsibility table",
        "整改责任表",
    ),
    "history": Listing(
        ["history", ITEM],
        HISTORY_EN,
        HISTORY_ZH,
        HISTORY_KEYS,
        len(HISTORY_TRIGGERS),
        [ITEM, "李华", "王明", "启动整改", "验收销号"],
        f"History of {ITEM}",
        ITEM,
    ),
}


def walk_kongchuo(rectify: Rectify, item: str = ITEM, reporter: str = "lihua", supervisor: str = "wangming"):
    """The whole path of a township's 抓控辍保学 to 已销号, via the CLI."""
    rectify.ok("advance", item, "start", actor=reporter)
    for evidence in EVIDENCE:
        rectify.ok("attach", item, evidence, actor=reporter)
    rectify.ok("record", item, *VALUES, actor=reporter)
    rectify.ok("advance", item, "verify", "--note", "材料齐全，同意销号", actor=supervisor)


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Rectify:
    rectify = Rectify(tmp_path_factory.mktemp("listings"), today=TODAY)
    text = rectify.checklist.read_text(encoding="utf-8")
    old = "    deadline: 2026-12-15                # 在跟踪督查"
    assert text.count(old) == 1
    rectify.checklist.write_text(
        text.replace(old, "    deadline: 2026-12-08                # 在跟踪督查"), encoding="utf-8"
    )
    walk_kongchuo(rectify)
    rectify.ok("advance", RETURNED, "start", actor="huanglei")
    rectify.ok("advance", RETURNED, "return", "--note", "取证不全", actor="chenjing")
    rectify.ok("advance", OFFICE_ITEM, "start", actor="wangming")
    rectify.ok("attach", OFFICE_ITEM, "peixun", actor="wangming")
    rectify.ok("attach", OFFICE_ITEM, "ducha-jilu", actor="chenjing")
    rectify.ok("advance", OFFICE_ITEM, "verify", "--note", "区政府验收合格", actor="zhaoguoqiang")
    rectify.ok("advance", "dongshan/quzheng", "start", actor="lihua")
    return rectify


def table_part(text: str) -> list[str]:
    """The lines of the drawn table: everything after the first blank line."""
    _head, sep, table = text.partition("\n\n")
    assert sep, text
    return table.split("\n\n")[0].rstrip("\n").split("\n")  # a legend may follow after a blank line


def wide_headers(name: str, headers: list[str], duties_data_only: list[str]) -> list[str]:
    """What ``--wide`` shows: every column, the board's duties by number, the 整改责任表's data-only ids too."""
    if name == "board":
        return [*headers[:2], *BOARD_NUMBERS]
    if name == "duties":
        return [headers[0], duties_data_only[0], *headers[1:], duties_data_only[1]]
    return headers


def listing_ids():
    return list(LISTINGS)


# -- the matrix: each listing × each format ---------------------------------------


@pytest.mark.parametrize("name", listing_ids())
def test_table(shared, name):
    listing = LISTINGS[name]
    result = shared(*listing.args, "--wide")  # every column: ids too
    assert result.exit_code == listing.exit_code, result.stderr
    out = result.stdout
    assert not ANSI.search(out)  # CliRunner is no terminal: no colour codes
    assert out.startswith(listing.title_en)
    assert TITLE in out and SOURCE in out
    lines = table_part(out)
    body = lines[3:-1]  # border, header, rule, rows (long cells wrap onto more lines), border
    # a row's first line has its first or second cell filled; wrapped lines have neither
    assert sum(1 for line in body if any(c.strip() for c in line.strip("|").split("|")[:2])) == listing.rows
    widths = {wcswidth(line) for line in lines}
    assert len(widths) == 1, sorted(widths)
    header = [cell.strip() for cell in lines[1].strip("|").split("|")]
    assert header == wide_headers(name, listing.en, ["Duty id", "Items"])
    for text in listing.texts:
        assert text in out


@pytest.mark.parametrize("name", listing_ids())
def test_markdown(shared, name):
    listing = LISTINGS[name]
    result = shared(*listing.args, "--format", "markdown")
    assert result.exit_code == listing.exit_code, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"## {listing.title_en}")
    table = [line for line in lines if line.startswith("|")]
    assert [cell.strip() for cell in table[0].strip("|").split("|")] == listing.human
    assert MD_SEPARATOR.match(table[1]), table[1]
    assert table[1].count("|") == len(listing.human) + 1
    assert len(table) == listing.rows + 2
    for text in listing.texts:
        assert text in result.stdout


@pytest.mark.parametrize("name", listing_ids())
def test_csv_on_stdout_and_in_a_file(shared, name, tmp_path):
    listing = LISTINGS[name]
    result = shared(*listing.args, "--format", "csv")
    assert result.exit_code == listing.exit_code, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert rows[0] == listing.keys  # field ids, not the translated headers
    assert len(rows) == listing.rows + 1
    assert all(len(row) == len(listing.keys) for row in rows)

    path = tmp_path / f"{name}.csv"
    written = shared(*listing.args, "--format", "csv", "-o", str(path))
    assert written.exit_code == listing.exit_code, written.stderr
    assert written.stdout == ""
    assert f"written: {path}" in written.stderr
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf" * 2)
    with open(path, encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == rows
    assert data == result.stdout_bytes  # a pipe gets what the file gets (BOM included)


@pytest.mark.parametrize("name", listing_ids())
def test_json(shared, name):
    listing = LISTINGS[name]
    result = shared(*listing.args, "--format", "json")
    assert result.exit_code == listing.exit_code, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == listing.rows
    assert all(list(row) == listing.keys for row in rows)
    if name == "status":  # flags are JSON booleans, not strings or 0/1
        assert '"overdue": true' in result.stdout and '"veto": true' in result.stdout
        assert all(isinstance(row[k], bool) for row in rows for k in ("overdue", "veto"))
    if name == "readiness":
        assert all(row["blocks"] is True for row in rows)


@pytest.mark.parametrize("name", listing_ids())
def test_html_file(shared, name, tmp_path):
    listing = LISTINGS[name]
    path = tmp_path / f"{name}.html"
    result = shared(*listing.args, "--format", "html", "-o", str(path))
    assert result.exit_code == listing.exit_code, result.stderr
    assert result.stdout == ""
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for text in [TITLE, SOURCE, listing.title_en, *listing.texts]:
        assert text in page
    assert "http://" not in page and "https://" not in page
    assert page.count("<tr>") == listing.rows + 1


@pytest.mark.parametrize("name", listing_ids())
def test_xlsx_to_a_pipe_writes_the_workbook_bytes(shared, name):
    listing = LISTINGS[name]
    result = shared(*listing.args, "--format", "xlsx")
    assert result.exit_code == listing.exit_code, result.stderr
    assert result.stdout_bytes[:2] == b"PK"


@pytest.mark.parametrize("name", listing_ids())
def test_xlsx_file(shared, name, tmp_path):
    listing = LISTINGS[name]
    path = tmp_path / f"{name}.xlsx"
    result = shared(*listing.args, "--format", "xlsx", "-o", str(path))
    assert result.exit_code == listing.exit_code, result.stderr
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert listing.title_en in sheet["A1"].value and TITLE in sheet["A1"].value and SOURCE in sheet["A1"].value
    assert [c.value for c in sheet[2]] == listing.human
    assert sheet.freeze_panes == "A3"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    data = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=2 + listing.rows)]
    assert all(row[0] is not None or row[1] is not None for row in data)
    assert all(c.value is None for c in sheet[3 + listing.rows])


def test_xlsx_fills_the_traffic_light_cells(shared, tmp_path):
    path = tmp_path / "status.xlsx"
    shared.ok("status", "--format", "xlsx", "-o", str(path))
    rows = {row["item"]: row for row in shared.json("status")}
    sheet = openpyxl.load_workbook(path).worksheets[0]
    human = [h for h in STATUS_EN if h not in HIDDEN_EN]
    column = human.index("Traffic light") + 1
    fills = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}
    seen = set()
    for index in range(3, 3 + len(rows)):
        light = rows[sheet.cell(index, 1).value]["light"]
        cell = sheet.cell(index, column)
        assert sheet.cell(index, column - 2).fill.fill_type is None  # only the light cell is filled
        if light is None:  # verified: no light at all
            assert cell.value is None and cell.fill.fill_type is None
            continue
        assert cell.value == light  # the English word for it
        assert cell.fill.fill_type == "solid"
        assert cell.fill.start_color.rgb.endswith(fills[light]), (index, light, cell.fill.start_color.rgb)
        seen.add(light)
    assert seen == {"red", "yellow"}  # every open item is due within 3 working days or overdue
    overdue = sheet.cell(3, human.index("Overdue") + 1).value
    assert overdue in ("yes", "no")  # a word people read
    deadline = sheet.cell(3, human.index("Deadline") + 1)
    assert isinstance(deadline.value, dt.datetime) and deadline.number_format == "yyyy-mm-dd"  # a date cell


# -- content of the shared journal -------------------------------------------------


def test_status_json_values(shared):
    rows = {row["item"]: row for row in shared.json("status")}
    assert [row["item"] for row in shared.json("status")] == [i.id for i in MODEL.items]
    for row in rows.values():
        assert isinstance(row["overdue"], bool) and isinstance(row["veto"], bool)
    assert {
        k: rows[ITEM][k]
        for k in ("state", "state_label", "light", "days_left", "overdue", "veto", "last_step", "returns", "last_note")
    } == {
        "state": "verified",
        "state_label": "已销号",
        "light": None,
        "days_left": None,
        "overdue": False,
        "veto": True,
        "last_step": "verify",
        "returns": 0,
        "last_note": "材料齐全，同意销号",
    }
    assert {k: rows[RETURNED][k] for k in ("state", "light", "overdue", "days_left", "returns", "last_step")} == {
        "state": "in_progress",
        "light": "red",
        "overdue": True,
        "days_left": -2,
        "returns": 1,
        "last_step": "return",
    }
    markdown = shared("status", "--format", "markdown").stdout  # people read the steps' labels
    assert "| 验收销号 " in markdown and "| 退回整改 " in markdown and "| verify " not in markdown
    quzheng = rows["dongshan/quzheng"]
    assert (quzheng["light"], quzheng["days_left"], quzheng["overdue"], quzheng["veto"]) == ("yellow", 3, False, False)
    assert rows[OFFICE_ITEM]["light"] is None  # verified: no light, no days left
    assert {item for item, row in rows.items() if row["light"] == "red"} == KONGCHUO_ITEMS - {ITEM}


def test_summary_json_worst_first(shared):
    rows = shared.json("summary")
    assert rows[-1]["unit"] == OFFICE_ITEM.split("/")[0] and rows[-1]["verified_pct"] == 100.0
    assert {r["unit"] for r in rows[:9]} == {i.split("/")[0] for i in KONGCHUO_ITEMS} - {"dongshan"}
    dongshan = next(r for r in rows if r["unit"] == "dongshan")
    assert (
        dongshan["state_verified"],
        dongshan["state_in_progress"],
        dongshan["state_pending"],
        dongshan["verified_pct"],
        dongshan["overdue"],
        dongshan["veto_open"],
    ) == (1, 1, 6, 12.5, 0, 1)
    by_duty = {r["duty"]: r for r in shared.json("summary", "--by", "duty")}
    assert (by_duty["kongchuo-baoxue"]["state_verified"], by_duty["kongchuo-baoxue"]["overdue"]) == (1, 9)


def test_board_cells(shared, tmp_path):
    board = {row["unit"]: row for row in shared.json("board")}
    # json and csv hold state ids; html and xlsx show the labels with ⚠ overdue and ★ veto
    assert board["dongshan"]["kongchuo-baoxue"] == "verified"
    assert board["xihe"]["kongchuo-baoxue"] == "in_progress"
    assert board["dongshan"]["quzheng"] == "in_progress"
    assert board["dongshan"]["canji-pucha"] == "pending"
    assert board["dudao"]["dudao-jiancha"] == "verified"
    assert board["dongshan"]["wenti-zhenggai"] is None  # a duty dongshan does not own: an empty cell
    csv_rows = {
        row["unit"]: row
        for row in csv.DictReader(io.StringIO(shared("board", "--format", "csv").stdout.removeprefix("\ufeff")))
    }
    assert csv_rows["xihe"]["kongchuo-baoxue"] == "in_progress" and csv_rows["dongshan"]["wenti-zhenggai"] == ""
    table = shared("board", COLUMNS="80").stdout  # glyphs, ! overdue, * veto, and a legend
    assert "●*" in table and "◐!*" in table and "○ 待整改" in table and "● 已销号" in table
    assert max(wcswidth(line) for line in table.splitlines()) <= 80
    page = tmp_path / "board.html"
    shared.ok("board", "-o", str(page))
    html = page.read_text(encoding="utf-8")
    assert '<th class="state" title="抓控辍保学">2</th>' in html  # short header, full title on hover
    assert '<td class="state" style="background:#C6EFCE">已销号 ★</td>' in html  # coloured by state
    assert "in_progress" not in table and "in_progress" not in html


def test_history_json_is_the_events_oldest_first(shared):
    events = shared.json("history", ITEM)
    assert [e["trigger"] for e in events] == HISTORY_TRIGGERS
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert (events[-1]["actor"], events[-1]["note"], events[-1]["from"], events[-1]["to"]) == (
        "wangming",
        "材料齐全，同意销号",
        "in_progress",
        "verified",
    )
    assert events[-2]["data"] == {"values": {"chuoxue-lv": 0, "quzheng-daowei": 100, "quzheng-youxiao": 100}}
    # recorded_at is UTC, ISO 8601, in the data formats; people read local time to the minute
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", e["recorded_at"]) for e in events)
    moment = dt.datetime.fromisoformat(events[-1]["recorded_at"].replace("Z", "+00:00")).astimezone()
    assert f"| {moment:%Y-%m-%d %H:%M} " in shared("history", ITEM, "--format", "markdown").stdout
    assert events[-1]["recorded_at"] not in shared("history", ITEM, "--format", "markdown").stdout


# -- languages ---------------------------------------------------------------------


@pytest.mark.parametrize("name", listing_ids())
def test_lang_zh_gives_chinese_headers(shared, name, tmp_path):
    listing = LISTINGS[name]
    table = shared(*listing.args, lang="zh").stdout
    assert listing.title_zh in table.splitlines()[0]
    wide = shared(*listing.args, "--wide", lang="zh").stdout
    header = [cell.strip() for cell in table_part(wide)[1].strip("|").split("|")]
    assert header == wide_headers(name, listing.zh, ["任务编号", "事项数"])
    # json keys stay the same in every language
    assert all(
        list(row) == listing.keys for row in json.loads(shared(*listing.args, "--format", "json", lang="zh").stdout)
    )
    wide = shared(*listing.args, "--wide", lang="zh").stdout
    header = [cell.strip() for cell in table_part(wide)[1].strip("|").split("|")]
    assert header == wide_headers(name, listing.zh, ["任务编号", "事项数"])
    sheet = tmp_path / f"{name}.xlsx"
    shared(*listing.args, "--format", "xlsx", "-o", str(sheet), lang="zh")
    human_zh = [zh for en, zh in zip(listing.en, listing.zh) if en in listing.human]
    assert [c.value for c in openpyxl.load_workbook(sheet).worksheets[0][2]] == human_zh


@pytest.mark.parametrize("name", listing_ids())
def test_csv_and_json_use_the_same_field_ids_in_every_language(shared, name):
    """DESIGN § Listings: scripts and import rely on the field ids, whatever --lang says."""
    listing = LISTINGS[name]
    seen = {}
    for lang in ("zh", "en"):
        result = shared(*listing.args, "--format", "csv", lang=lang)
        assert result.exit_code == listing.exit_code, result.stderr
        csv_header = next(csv.reader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
        result = shared(*listing.args, "--format", "json", lang=lang)
        assert result.exit_code == listing.exit_code, result.stderr
        rows = json.loads(result.stdout)
        assert rows, f"{name}: no rows to compare"
        json_keys = {tuple(row) for row in rows}
        assert json_keys == {tuple(listing.keys)}, (lang, json_keys)
        assert csv_header == listing.keys, lang
        seen[lang] = (csv_header, json_keys, [row.get("light") for row in rows], [row.get("kind") for row in rows])
    assert seen["zh"] == seen["en"]  # the values that are ids (lights, kinds) do not translate either


def test_lang_en_overrides_a_chinese_environment(shared):
    result = shared("status", "--format", "markdown", lang="en", RECTIFY_LANG="zh")
    assert "| Item " in result.stdout and "整改事项" not in result.stdout
    result = shared("status", "--format", "markdown", RECTIFY_LANG="zh")
    assert "| 整改事项 " in result.stdout


def test_lang_zh_translates_the_lights_in_human_formats(shared):
    table = shared("status", lang="zh").stdout
    assert "红灯" in table and "黄灯" in table
    assert "整改进展情况" in table and "整改依据" in table
    csv_rows = list(
        csv.DictReader(io.StringIO(shared("status", "--format", "csv", lang="zh").stdout.removeprefix("\ufeff")))
    )
    assert {row["light"] for row in csv_rows} == {"red", "yellow", ""}  # data formats keep the ids; verified: none
    assert {row["overdue"] for row in csv_rows} == {"true", "false"}
    assert "是" in table and "否" in table


# -- status filters and sorting ---------------------------------------------------------


def test_status_filters(shared):
    assert {r["item"] for r in shared.json("status", "--overdue")} == KONGCHUO_ITEMS - {ITEM}
    assert {r["item"] for r in shared.json("status", "--veto")} == VETO_ITEMS
    assert [r["duty"] for r in shared.json("status", "--unit", "dongshan")] == [
        i.duty.id for i in MODEL.items if i.unit.id == "dongshan"
    ]
    assert {r["item"] for r in shared.json("status", "--state", "in_progress")} == {RETURNED, "dongshan/quzheng"}
    assert {r["item"] for r in shared.json("status", "--state", "verified")} == {ITEM, OFFICE_ITEM}
    assert [r["item"] for r in shared.json("status", "--unit", "xihe", "--overdue", "--veto")] == [RETURNED]
    assert [r["unit"] for r in shared.json("status", "--duty", "canji-pucha")] == [
        i.unit.id for i in MODEL.items if i.duty.id == "canji-pucha"
    ]
    assert shared.json("status", "--unit", "edu", "--overdue") == []
    table = shared("status", "--unit", "dongshan").stdout
    assert "东山镇人民政府" in table and "西河乡人民政府" not in table


@pytest.mark.parametrize("option, value", [("--unit", "nowhere"), ("--state", "finished"), ("--duty", "no-such-duty")])
def test_unknown_filter_value_exits_1_naming_it(shared, option, value):
    result = shared("status", option, value)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and value in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_status_sort_light_then_days_left_descending(shared):
    rows = shared.json("status", "--sort", "light,-days_left")
    order = {"red": 0, "yellow": 1, "green": 2}
    keys = [(order.get(r["light"], 3), -(r["days_left"] or 0)) for r in rows]
    assert keys == sorted(keys)
    assert [r["light"] for r in rows[:9]] == ["red"] * 9
    assert rows[-1]["light"] is None  # verified items last
    by_unit = shared.json("status", "--sort", "-unit,item")
    expected = sorted(sorted(i.id for i in MODEL.items), key=lambda item: item.split("/")[0], reverse=True)
    assert [r["item"] for r in by_unit] == expected
    assert by_unit[0]["unit"] == "yizhong" and by_unit[-1]["unit"] == "baisha"


def test_status_sort_by_an_unknown_column_exits_1(shared):
    result = shared("status", "--sort", "light,colour")
    assert result.exit_code == 1 and result.stdout == ""
    assert "colour" in result.stderr and "days_left" in result.stderr


# -- readiness ---------------------------------------------------------------------------


def test_readiness_names_exactly_the_open_veto_items_until_one_is_verified(tmp_path):
    rectify = Rectify(tmp_path, today=TODAY)
    rows = rectify.json("readiness", code=1)
    assert {r["item"] for r in rows} == VETO_ITEMS
    assert {r["kind"] for r in rows} == {"failure", "no_target"} and all(r["blocks"] is True for r in rows)
    assert {r["item"] for r in rows if r["reason"] == "veto item not verified (still 待整改)"} == VETO_ITEMS
    table = rectify("readiness")
    assert table.exit_code == 1
    assert "NOT READY for the inspection on 2026-12-10: 27 item(s) block it" in table.stdout
    assert all(item in table.stdout for item in VETO_ITEMS)

    walk_kongchuo(rectify)  # lihua starts, attaches, records; wangming of 督导室 verifies
    rows = rectify.json("readiness", code=1)
    # verified, yet its veto indicator 辍学率 has no target in this checklist: nothing can judge it
    assert [(r["kind"], r["indicator"]) for r in rows if r["item"] == ITEM] == [("no_target", "chuoxue-lv")]
    assert {r["item"] for r in rows if r["kind"] == "failure"} == VETO_ITEMS - {ITEM}
    table = rectify("readiness").stdout
    assert "27 item(s) block it" in table
    # on the day of the follow-up everything still open is overdue as well
    late = rectify.json("readiness", "--on", "2026-12-16", code=1)
    assert {r["item"] for r in late} == {i.id for i in MODEL.items}  # ITEM: its no_target row
    assert {r["item"] for r in late if r["reason"] == "overdue since 2026-12-15"} == {i.id for i in MODEL.items} - {
        ITEM
    }


TINY_CHANGES = [
    (
        "  - {id: wang, name: 王明, unit: dudao, roles: [supervisor]}\n",
        "  - {id: wang, name: 王明, unit: dudao, roles: [supervisor]}\n"
        "  - {id: zhao, name: 赵强, unit: edu, roles: [reporter]}\n",
    ),
]


def test_readiness_exit_0_when_ready(tmp_path):
    from checklist_cases import edit, minimal_text

    text = minimal_text()
    for old, new in TINY_CHANGES:
        text = edit(text, old, new)
    rectify = Rectify(tmp_path, text, name="tiny.yaml", today=TODAY)
    rectify.ok("validate")
    for item in ("dongshan/kongchuo", "xihe/kongchuo"):
        rectify.ok("advance", item, "start", actor="wang")
        rectify.ok("attach", item, "proof", actor="wang")
        rectify.ok("attach", item, "report", actor="wang")
        rectify.ok("record", item, "proof_rate=100", actor="wang")
        assert rectify("readiness", RECTIFY_TODAY="2026-12-01").exit_code == 1
        rectify.ok("advance", item, "verify", "--note", "ok", actor="wang")
    ready = rectify("readiness", RECTIFY_TODAY="2026-12-01")
    assert ready.exit_code == 0, ready.stderr
    assert "READY for the inspection on 2026-12-01" in ready.stdout and "NOT READY" not in ready.stdout
    assert rectify.json("readiness", RECTIFY_TODAY="2026-12-01") == []
    for fmt in ("markdown", "csv", "html"):
        assert rectify("readiness", "--format", fmt, RECTIFY_TODAY="2026-12-01").exit_code == 0
    assert rectify("readiness", "--format", "xlsx", RECTIFY_TODAY="2026-12-01").stdout_bytes[:2] == b"PK"
    # the bureau's duty, never started, is overdue after 12-15
    late = rectify.json("readiness", "--on", "2026-12-16", code=1)
    assert [(r["item"], r["kind"], r["reason"]) for r in late] == [
        ("edu/zhenggai", "failure", "overdue since 2026-12-15")
    ]


# -- a real browser ----------------------------------------------------------------------


def _browser():
    try:
        from browser.test_html_chromium import BAR_FILL, CHROMIUM, RED_FILL, chromium, near, png_pixels
    except ImportError:  # pragma: no cover - the helpers moved
        pytest.skip("tests/browser/test_html_chromium.py helpers not importable")
    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install chromium fonts-wqy-microhei)")
    return chromium, png_pixels, near, RED_FILL, BAR_FILL


def test_summary_html_in_chromium_shows_every_unit(shared, tmp_path):
    chromium, *_ = _browser()
    page = tmp_path / "x.html"
    shared.ok("summary", "--format", "html", "-o", str(page))
    dom = chromium(tmp_path, page, "--dump-dom").decode("utf-8")
    text = re.sub(r"<[^>]+>", "", dom)
    for name in UNIT_NAMES:
        assert name in text
    assert TITLE in text and SOURCE in text
    assert dom.count("<rect") == 2 * len(UNIT_NAMES)  # the chart: track and bar per unit


STATUS_SHOT = Path("/tmp/rectify-status.png")


def test_status_html_screenshot(shared, tmp_path):
    chromium, png_pixels, near, red, _bar = _browser()
    page = tmp_path / "status.html"
    # the items acted on lately first: a red and a yellow light in view (verified items have none)
    shared.ok("status", "--sort", "-last_at,light", "--format", "html", "-o", str(page), lang="zh")
    shot = tmp_path / "status.png"
    chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1200,1600")
    shutil.copy(shot, STATUS_SHOT)
    pixels = png_pixels(shot.read_bytes())
    assert len(pixels) == 1200 * 1600
    assert len(set(pixels)) > 50  # text drawn
    assert sum(1 for p in pixels if near(p, red)) > 500  # red light cells
    assert sum(1 for p in pixels if near(p, (0xFF, 0xEB, 0x9C))) > 500  # yellow
    assert sum(1 for p in pixels if near(p, (0xC6, 0xEF, 0xCE))) == 0  # no green: the open items are all due
