"""template → fill as a clerk would → import (dry run, refused, real, again) → status, history, evidence.

On the frozen minimal checklist: dongshan's item is started by its reporter 李华; the office
(王明, supervisor, holds the import permission) imports what 李华 filled in.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cli import cli

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "tests" / "cases" / "valid" / "minimal.yaml"
SHEET = "东山镇人民政府"


class Office:
    def __init__(self, tmp_path: Path):
        self.dir = tmp_path
        self.checklist = tmp_path / "minimal.yaml"
        shutil.copy(MINIMAL, self.checklist)
        self.env = {"RECTIFY_CACHE_DIR": str(tmp_path / "cache"), "RECTIFY_LANG": "en"}
        assert self("init").exit_code == 0

    def __call__(self, *args: str, actor: str = "wang"):
        return CliRunner().invoke(
            cli, ["-c", str(self.checklist), "--as", actor, *args], catch_exceptions=False, env=self.env
        )

    def ok(self, *args: str, actor: str = "wang"):
        result = self(*args, actor=actor)
        assert result.exit_code == 0, result.stderr
        return result

    def head(self) -> str:
        return self.ok("audit").stdout

    def history(self, item: str) -> list[dict]:
        return json.loads(self.ok("history", item, "--format", "json").stdout)


@pytest.fixture
def office(tmp_path: Path) -> Office:
    office = Office(tmp_path)
    office("init")
    office.ok("advance", "dongshan/kongchuo", "start", actor="li")
    return office


def fill(path: Path, out: Path, **cells: object) -> None:
    """Fill cells of the dongshan sheet by field id (row 2), as a clerk does in Excel."""
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    fields = [c.value for c in sheet[2]]
    for field, value in cells.items():
        sheet.cell(3, fields.index(field.replace("__", ":")) + 1, value)
    book.save(out)


def test_the_template_has_headers_ids_locked_given_cells_and_drop_downs(office):
    office.ok("template", "--unit", "dongshan", "-o", str(office.dir / "t.xlsx"))
    book = openpyxl.load_workbook(office.dir / "t.xlsx")
    assert book.sheetnames == [SHEET, "填表说明"]
    sheet = book[SHEET]
    fields = [c.value for c in sheet[2]]
    assert fields[:9] == ["item", "ref", "title", "due", "state", "needs", "trigger", "note", "reporter"]
    assert "value:proof_rate" in fields and "evidence:proof" in fields
    assert sheet.row_dimensions[2].hidden and sheet.protection.sheet
    assert sheet["A1"].value == "任务编号" and sheet["A3"].value == "dongshan/kongchuo"
    assert sheet["A3"].protection.locked and not sheet["G3"].protection.locked
    assert sheet["E3"].value == "整改中" and "取证到位率" in sheet["F3"].value
    lists = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert lists["G3"].formula1 == '"验收销号"'  # the one step from 整改中, by label
    rate = lists[f"{openpyxl.utils.get_column_letter(fields.index('value:proof_rate') + 1)}3"]
    assert (rate.type, float(rate.formula1), float(rate.formula2)) == ("decimal", 0, 100)
    assert sheet.page_setup.orientation == "landscape"


def test_a_folder_gets_one_workbook_per_unit(office):
    office.ok("template", "-o", str(office.dir / "out") + "/")
    assert sorted(p.name for p in (office.dir / "out").iterdir()) == ["dongshan.xlsx", "edu.xlsx", "xihe.xlsx"]


def test_the_new_users_round_trip(office):
    template, filled = office.dir / "t.xlsx", office.dir / "filled.xlsx"
    office.ok("template", "--unit", "dongshan", "-o", str(template))
    (office.dir / "取证证明.pdf").write_bytes(b"%PDF proof")
    fill(
        template,
        filled,
        value__proof_rate=120,
        evidence__proof="取证证明.pdf",
        evidence__report="已提交",
        note="已入户取证",
        reporter="李华",
    )
    before = office.head()
    dry = office("import", str(filled), "--dry-run")
    assert dry.exit_code == 1
    assert "filled.xlsx, sheet 东山镇人民政府, row 3, column J (value:proof_rate)" in dry.stderr
    assert "outside the values accepted (0 to 100)" in dry.stderr
    assert office.head() == before

    fill(filled, filled, value__proof_rate=100)
    dry = office.ok("import", str(filled), "--dry-run")
    assert "4 event(s) would be recorded" in dry.stderr and office.head() == before
    office.ok("import", str(filled))
    events = office.history("dongshan/kongchuo")
    assert [e["trigger"] for e in events] == ["start", "record", "attach", "attach", "note"]
    assert {e["actor"] for e in events[1:]} == {"li"}
    assert all(e["data"]["entered_by"] == "wang" for e in events[1:])
    listed = json.loads(office.ok("evidence", "dongshan/kongchuo", "--format", "json").stdout)
    assert [(f["file"], f["sha256"]) for f in listed] == [("取证证明.pdf", hashlib.sha256(b"%PDF proof").hexdigest())]

    head = office.head()
    again = office.ok("import", str(filled))
    assert "already imported" in again.stderr and office.head() == head
    assert len(office.history("dongshan/kongchuo")) == 5

    office.ok("evidence", "dongshan/kongchuo", "--export", str(office.dir / "out"))
    assert (office.dir / "out" / "取证证明.pdf").read_bytes() == b"%PDF proof"
    assert "1 checked" in office.ok("audit", "--files").stderr


def test_every_problem_is_named_and_nothing_is_recorded(office):
    csv = office.dir / "rows.csv"
    csv.write_text(
        "item,trigger,note,value:proof_rate,evidence:proof\n"
        "dongshan/kongchuo,,,abc,\n"
        "nowhere/kongchuo,启动整改,,,\n"
        "xihe/kongchuo,启动整改,开始,,missing.pdf\n"
        "xihe/kongchuo,verify,,,\n",
        encoding="utf-8-sig",
    )
    before = office.head()
    result = office("import", str(csv))
    assert result.exit_code == 1
    for where in (
        "row 2, column D (value:proof_rate)",
        "row 3, column A (item)",
        "row 4, column E (evidence:proof)",
        "row 5, column B (trigger)",
    ):
        assert f"rows.csv, {where}" in result.stderr
    assert office.head() == before


def test_unknown_columns_and_people_are_refused(office):
    csv = office.dir / "rows.csv"
    csv.write_text("item,note,colour\ndongshan/kongchuo,x,red\n", encoding="utf-8")
    assert "unknown column 'colour'" in office("import", str(csv)).stderr
    csv.write_text("item,reporter,note\nxihe/kongchuo,李华,x\n", encoding="utf-8")
    result = office("import", str(csv))
    assert result.exit_code == 1 and "column B (reporter)" in result.stderr
    assert office("import", str(csv), actor="li").exit_code == 1  # li lacks the import permission


def test_a_gb18030_csv_is_read_with_a_notice_and_a_leading_apostrophe_is_stripped(office):
    csv = office.dir / "excel.csv"
    csv.write_bytes("item,note\ndongshan/kongchuo,'=已入户取证\n".encode("gb18030"))
    result = office.ok("import", str(csv))
    assert "GB18030" in result.stderr
    assert office.history("dongshan/kongchuo")[-1]["note"] == "=已入户取证"


def test_a_damaged_or_hostile_sheet_is_one_line_and_exit_1(office):
    bad = office.dir / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = office("import", str(bad))
    assert result.exit_code == 1 and "not a readable .xlsx" in result.stderr
    result = office("import", "/dev/zero")
    assert result.exit_code == 1 and "not a regular file" in result.stderr


def test_a_bad_value_is_named_by_its_own_column(tmp_path):
    office = Office(tmp_path)
    text = office.checklist.read_text(encoding="utf-8").replace(
        "      - {id: proof_rate, name: 取证到位率, unit: '%', target: '>= 100'}\n",
        "      - {id: proof_rate, name: 取证到位率, unit: '%', target: '>= 100'}\n"
        "      - {id: visits, name: 入户次数, unit: 次, min: 0}\n",
    )
    office.checklist.write_text(text, encoding="utf-8")
    office.ok("advance", "dongshan/kongchuo", "start", actor="li")
    csv = tmp_path / "rows.csv"
    csv.write_text("item,value:proof_rate,value:visits\ndongshan/kongchuo,100,-3\n", encoding="utf-8")
    result = office("import", str(csv))
    assert result.exit_code == 1
    assert "row 2, column C (value:visits)" in result.stderr and "column B" not in result.stderr


def test_import_reports_progress_on_large_files(office, monkeypatch):
    from engine.checklist.load import load_checklist
    from engine.journal.store import open_store
    from engine.operations.imports import import_sheets

    csv = office.dir / "many.csv"
    csv.write_text(
        "item,note\n" + "".join(f"dongshan/kongchuo,第{n}次督查意见\n" for n in range(1200)), encoding="utf-8"
    )
    checklist = load_checklist(office.checklist)
    calls: list[tuple[int, int]] = []
    store = open_store(None, str(office.checklist), checklist.id)
    result = import_sheets(
        checklist, store, "wang", [str(csv)], dry_run=True, progress=lambda done, total: calls.append((done, total))
    )
    store.close()
    assert calls[0] == (500, 1200) and calls[-1] == (1200, 1200)
    assert len(result.planned) == 1201 and not result.recorded  # 1,200 notes and the import event


def test_an_extension_row_carries_its_new_deadline(tmp_path):
    """A 批准延期 row (a ``sets: [deadline]`` step) records the 延期至 date cell as the new deadline."""
    checklist = tmp_path / "office-2026.yaml"
    shutil.copy(REPO / "tests" / "fixtures" / "office-2026.yaml", checklist)
    env = {"RECTIFY_CACHE_DIR": str(tmp_path / "cache"), "RECTIFY_LANG": "en"}

    def run(*args: str, actor: str = "wangming"):
        return CliRunner().invoke(cli, ["-c", str(checklist), "--as", actor, *args], catch_exceptions=False, env=env)

    run("init")
    item = "dongshan/zuzhi-ruxue"
    assert run("advance", item, "start").exit_code == 0
    template = tmp_path / "t.xlsx"
    assert run("template", "--unit", "dongshan", "-o", str(template)).exit_code == 0
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    fields = [c.value for c in sheet[2]]
    assert "deadline" in fields
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == item)
    sheet.cell(row, fields.index("trigger") + 1, "批准延期")
    sheet.cell(row, fields.index("note") + 1, "汛期道路中断")
    sheet.cell(row, fields.index("deadline") + 1, datetime.date(2026, 12, 31))
    book.save(template)
    result = run("import", str(template))
    assert result.exit_code == 0, result.stderr
    events = json.loads(run("history", item, "--format", "json").stdout)
    assert events[-1]["trigger"] == "extend" and events[-1]["data"]["deadline"] == "2026-12-31"


def test_evidence_file_names_are_base_names_only(office, tmp_path):
    (tmp_path / "outside.pdf").write_bytes(b"secret")
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    csv = sheets / "rows.csv"
    csv.write_text("item,evidence:proof\ndongshan/kongchuo,../outside.pdf\n", encoding="utf-8")
    result = office("import", str(csv))
    assert result.exit_code == 1 and "'../outside.pdf' not found in" in result.stderr
