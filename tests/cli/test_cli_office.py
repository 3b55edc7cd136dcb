"""The office's instruments through the CLI: inspect (rounds, draws, results), notice, remind,
advance --deadline, status --level/--finding; on the frozen fixture tests/fixtures/office-2026.yaml."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from helpers import Rectify

from cli import cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "office-2026.yaml"
DONGSHAN, XIHE = "dongshan/kongchuo-baoxue", "xihe/kongchuo-baoxue"


@pytest.fixture
def office(tmp_path):
    office = Rectify(tmp_path, source=FIXTURE, today="2026-11-16")
    init = office("init")
    if init.exit_code != 0:  # before `init` exists, the first step creates the journal
        office.ok("advance", "dudao/dudao-jiancha", "start", actor="wangming")
    return office


def test_the_november_round_over_the_townships(office):
    items = office.json("inspect", "township-review")
    assert len(items) == 80 and {row["item"].split("/")[0] for row in items} == {
        "dongshan",
        "xihe",
        "nanling",
        "beiping",
        "shiqiao",
        "liuxi",
        "qingshan",
        "baisha",
        "longquan",
        "matou",
    }
    assert "在外就读学生取证证明" in next(r for r in items if r["item"] == DONGSHAN)["lacks"]
    office.ok("advance", DONGSHAN, "start", "--round", "township-review", actor="lihua")
    office.ok("advance", DONGSHAN, "return", "--note", "取证证明不全", "--round", "township-review", actor="chenjing")
    office.ok("record", XIHE, "取证到位率=85", "--round", "区教育督查小组对各乡镇评估", actor="huanglei")
    refused = office.refused("advance", "edu/neibu-guanli", "start", "--round", "township-review", actor="chenjing")
    assert "outside round" in refused.stderr
    assert (
        "unknown inspection round"
        in office.refused("advance", XIHE, "start", "--round", "nope", actor="huanglei").stderr
    )
    report = {row["item"]: row for row in office.json("inspect", "township-review", "--report")}
    assert report[DONGSHAN]["checked"] is True and report[DONGSHAN]["notes"] == "取证证明不全"
    assert report[DONGSHAN]["change"] == "returned" and report[DONGSHAN]["outcome"] == "退回整改 → 整改中"
    assert report[XIHE]["checked"] is True and report["nanling/quzheng"]["checked"] is False
    assert [e["data"].get("round") for e in office.json("history", DONGSHAN)] == ["township-review"] * 2


def test_the_december_focus_round_lists_its_named_units_without_drawing(office):
    rows = office.json("inspect", "december-focus")
    assert {row["item"].split("/")[0] for row in rows} == {"edu", "finance"}
    assert "declares no sample" in office.refused("inspect", "december-focus", "--draw", actor="wangming").stderr


def test_a_drawn_round_rederived_from_its_recorded_seed(office):
    result = office.ok(
        "inspect",
        "spot-check",
        "--draw",
        "--seed",
        "20261201",
        "--format",
        "json",
        actor="wangming",
        today="2026-12-01",
    )
    listed = [row["item"] for row in json.loads(result.stdout)]
    (draw,) = office.json("history", "@round/spot-check")
    data = draw["data"]
    assert (data["seed"], data["sample"], len(data["population"])) == (20261201, 7, 21)  # ceil(0.3 × 21)
    again = sorted(data["population"], key=lambda i: hashlib.sha256(f"{data['seed']}:{i}".encode()).hexdigest())
    assert sorted(listed) == sorted(again[:7]) == sorted(data["drawn"])
    # a second draw is refused; a redraw needs a note; --seed without --draw is a usage error
    assert "already drawn" in office.refused("inspect", "spot-check", "--draw", actor="wangming").stderr
    assert office("inspect", "spot-check", "--seed", "3").exit_code == 2
    office.refused("inspect", "spot-check", "--draw", "--redraw", actor="wangming")
    office.ok("inspect", "spot-check", "--draw", "--redraw", "--note", "换人抽签", actor="wangming")
    outside = next(
        i for i in data["population"] if i not in office.json("history", "@round/spot-check")[-1]["data"]["drawn"]
    )
    assert "not drawn" in office.refused("advance", outside, "start", "--round", "spot-check", actor="chenjing").stderr


def returned_twice(office):
    office.ok("advance", XIHE, "start", actor="huanglei")
    office.ok("advance", XIHE, "return", "--note", "一", actor="chenjing")
    office.ok("advance", XIHE, "return", "--note", "二", actor="chenjing")


def test_a_twice_returned_item_is_yellow_and_gets_a_numbered_notice(office, tmp_path):
    returned_twice(office)
    (row,) = office.json("status", "--level", "yellow")
    assert (row["item"], row["level"], row["returns"]) == (XIHE, "yellow", 2)
    assert "黄色督办" in office.ok("status", "--level", "yellow", "--format", "markdown").stdout
    assert "黄色督办" in office.ok("board", "--format", "markdown").stdout
    summary = {r["unit"]: r for r in office.json("summary")}
    assert summary["xihe"]["level_yellow"] == 1
    refused = office.refused("notice", DONGSHAN, "-o", str(tmp_path / "a.docx"), actor="wangming")
    assert "no escalation level" in refused.stderr and not (tmp_path / "a.docx").exists()
    out = office.ok("notice", XIHE, "-o", str(tmp_path / "xihe.docx"), actor="wangming", today="2026-12-01")
    assert "区教督〔2026〕1号" in out.stdout and "2026-12-15" in out.stdout
    (event,) = office.json("history", "@notice/1")
    assert event["data"]["sha256"] == hashlib.sha256((tmp_path / "xihe.docx").read_bytes()).hexdigest()
    office.ok("notice", DONGSHAN, "--level", "blue", "-o", str(tmp_path / "d.html"), actor="wangming")
    assert "区教督〔2026〕2号" in (tmp_path / "d.html").read_text(encoding="utf-8")
    # a notice that cannot be written takes no number
    office.refused("notice", XIHE, "-o", str(tmp_path / "missing-dir" / "x.docx"), actor="wangming")
    assert office("notice", XIHE, "-o", str(tmp_path / "x.pdf"), actor="wangming").exit_code == 2
    office.refused("notice", XIHE, "-o", str(tmp_path / "y.docx"), actor="huanglei")


def test_an_extension_moves_the_light_and_overdue_flag_and_history_keeps_the_original(office):
    office.ok("advance", DONGSHAN, "start", actor="lihua")
    (late,) = office.json("status", "--unit", "dongshan", "--duty", "kongchuo-baoxue", today="2026-12-17")
    assert (late["light"], late["overdue"], late["deadline"], late["level"]) == ("red", True, "2026-12-15", "yellow")
    office.refused("advance", DONGSHAN, "extend", "--note", "申请延期", actor="wangming")
    office.refused("advance", DONGSHAN, "extend", "--note", "申请延期", "--deadline", "2026-12-15", actor="wangming")
    office.ok(
        "advance",
        DONGSHAN,
        "extend",
        "--note",
        "申请延期",
        "--deadline",
        "2026-12-31",
        actor="wangming",
        today="2026-12-17",
    )
    (now,) = office.json("status", "--unit", "dongshan", "--duty", "kongchuo-baoxue", today="2026-12-17")
    assert (now["light"], now["overdue"], now["deadline"], now["original_deadline"], now["level"]) == (
        "green",
        False,
        "2026-12-31",
        "2026-12-15",
        None,
    )
    extension = office.json("history", DONGSHAN)[-1]
    assert extension["data"] == {"deadline": "2026-12-31", "previous_deadline": "2026-12-15"}


def test_remind_per_unit_with_the_head_as_a_listing_and_one_file_per_unit(office, tmp_path):
    rows = office.json("remind", today="2026-12-10")  # Thu: 3 working days to Tue 12-15
    assert {r["unit"] for r in rows} >= {"xihe", "edu"}
    xihe = next(r for r in rows if r["item"] == XIHE)
    assert xihe["head"] == "黄磊(分管教育副乡长)" and xihe["days_left"] == 3 and "取证" in xihe["lacks"]
    assert office.json("remind", "--within", "2", today="2026-12-10") == []
    office.ok("remind", "-o", str(tmp_path / "out") + "/", today="2026-12-10")
    assert (tmp_path / "out" / "xihe.xlsx").exists() and (tmp_path / "out" / "edu.xlsx").exists()
    office.ok("remind", "--format", "html", "-o", str(tmp_path / "pages") + "/", today="2026-12-10")
    assert "黄磊" in (tmp_path / "pages" / "xihe.html").read_text(encoding="utf-8")


def test_status_by_finding(office):
    rows = office.json("status", "--finding", "f-quzheng")
    assert len(rows) == 10 and {r["duty"] for r in rows} == {"kongchuo-baoxue"}
    assert office("status", "--finding", "nope").exit_code == 1


def test_note_with_a_round_is_an_observation_tagged_with_it(office):
    out = office.ok("note", DONGSHAN, "取证材料已补齐一半", "--round", "township-review", actor="chenjing")
    assert "added a note" in out.stdout
    event = office.json("history", DONGSHAN)[-1]
    assert (event["trigger"], event["note"], event["data"], event["from"], event["to"]) == (
        "note",
        "取证材料已补齐一半",
        {"round": "township-review"},
        "pending",
        "pending",
    )
    report = {r["item"]: r for r in office.json("inspect", "township-review", "--report")}
    assert report[DONGSHAN]["checked"] and report[DONGSHAN]["notes"] == "取证材料已补齐一半"
    office.refused("note", "edu/neibu-guanli", "看过了", "--round", "township-review", actor="chenjing")
    office.refused("note", DONGSHAN, "  ", actor="chenjing")
    office.refused("note", DONGSHAN, "x", actor="huanglei")  # not of dongshan, not a supervisor


def test_a_notice_never_overwrites_the_journal_in_use(office, tmp_path):
    journal = tmp_path / "journal.html"  # an odd name, but the only way -o FILE.html could hit it
    base = ["-c", str(office.checklist), "--db", str(journal), "--as", "wangming"]

    def run(*args):
        return office.runner.invoke(cli, base + list(args), catch_exceptions=False, env=office.env)

    if run("init").exit_code != 0:
        assert run("note", XIHE, "x").exit_code == 0
    before = journal.read_bytes()
    result = run("notice", XIHE, "--level", "blue", "-o", str(journal))
    assert result.exit_code == 1 and "overwrite" in result.stderr
    assert journal.read_bytes() == before


@pytest.mark.parametrize("deadline", ["20261231", "2026-W53-4", "9999-12-31"])
def test_an_extension_date_is_strict_and_not_absurd(office, deadline):
    """YYYY-MM-DD only (fromisoformat alone takes 20261231), and no 延期 of thousands of years,
    which made every listing walk each day to year 9999."""
    office.ok("advance", DONGSHAN, "start", actor="lihua")
    before = office.json("history", DONGSHAN)
    office.refused("advance", DONGSHAN, "extend", "--note", "申请延期", "--deadline", deadline, actor="wangming")
    assert office.json("history", DONGSHAN) == before
