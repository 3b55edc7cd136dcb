"""The issue's "done when", through the CLI on a frozen fixture with DESIGN's workflow:

- a township records 辍学率 = 50 on a veto indicator that has no target; everything else is done
  (every item verified) and readiness still fails, naming that indicator (kind no_target);
- 取证到位率 = 95 (an aim, 力争 >= 100) does not block submit; status and readiness show the aim
  as not reached (aims_unmet);
- duties prints the 整改责任表 rows from the same file.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "duties-readiness.yaml"
NOTE = "整改到位，材料齐全"


@pytest.fixture
def rectify(tmp_path):
    checklist = tmp_path / "checklist.yaml"
    checklist.write_bytes(FIXTURE.read_bytes())
    env = {"RECTIFY_CACHE_DIR": str(tmp_path / "cache"), "RECTIFY_LANG": "en", "RECTIFY_TODAY": "2026-12-01"}

    def run(*args, actor=None, code=0):
        prefix = ["-c", str(checklist)] + (["--as", actor] if actor else [])
        result = CliRunner().invoke(cli, prefix + list(args), catch_exceptions=False, env=env)
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return result

    if "init" in cli.commands:  # DESIGN: only init creates a journal (once that command exists)
        run("init")
    return run


def finish(rectify, item, reporter, values):
    rectify("advance", item, "start", actor=reporter)
    for evidence in ("proof", "report"):
        rectify("attach", item, evidence, actor=reporter)
    rectify("record", item, *values, actor=reporter)
    rectify("advance", item, "submit", "--note", NOTE, actor=reporter)  # the unit reports
    rectify("advance", item, "verify", "--note", NOTE, actor="wang")  # the office verifies


def test_a_value_no_target_can_judge_blocks_readiness_and_a_missed_aim_does_not(rectify):
    finish(rectify, "dongshan/dropout", "li", ["dropout_rate=50", "proof_rate=95"])  # 95: submit not blocked
    finish(rectify, "xihe/dropout", "zhou", ["dropout_rate=0.5", "proof_rate=100"])
    rectify("advance", "edu/rectify", "start", actor="zhangwei")
    rectify("attach", "edu/rectify", "report", actor="zhangwei")
    rectify("advance", "edu/rectify", "submit", "--note", NOTE, actor="zhangwei")
    rectify("advance", "edu/rectify", "verify", "--note", NOTE, actor="wang")
    status = {row["item"]: row for row in json.loads(rectify("status", "--format", "json").stdout)}
    assert {row["state"] for row in status.values()} == {"verified"}  # everything else done
    assert status["dongshan/dropout"]["aims_unmet"] == ["proof_rate"]
    assert status["xihe/dropout"]["aims_unmet"] == [] and status["edu/rectify"]["aims_unmet"] == []
    assert status["dongshan/dropout"]["ref"] == "四(一)2"

    table = rectify("readiness", code=1).stdout  # on the final round's first day
    assert "NOT READY for the inspection on 2026-12-16: 2 item(s) block it" in table
    rows = json.loads(rectify("readiness", "--format", "json", code=1).stdout)
    assert [(r["item"], r["indicator"], r["kind"], r["blocks"]) for r in rows] == [
        ("dongshan/dropout", "dropout_rate", "no_target", True),
        ("dongshan/dropout", "proof_rate", "aim", False),
        ("xihe/dropout", "dropout_rate", "no_target", True),
    ]
    assert rows[0]["reason"] == (
        "veto indicator 义务教育阶段辍学率 (50%) has no target: nothing can judge it "
        "(declare the threshold the province sets)"
    )
    assert rows[1]["reason"] == "取证到位率: 95%, aim >= 100"
    # the same findings under the round of the townships, on its first day
    assert len(json.loads(rectify("readiness", "--for", "township-review", "--format", "json", code=1).stdout)) == 3


def test_the_plan_path_is_listed_apart(rectify):
    rectify("advance", "edu/rectify", "start", actor="zhangwei")
    rectify("attach", "edu/rectify", "plan", actor="zhangwei")
    rectify("advance", "edu/rectify", "plan", "--note", "一时难以整改到位", actor="zhangwei")
    rows = json.loads(rectify("readiness", "--for", "spot-check", "--format", "json").stdout)  # not veto: ready
    assert [(r["item"], r["kind"], r["blocks"]) for r in rows] == [("edu/rectify", "planned", False)]


def test_duties_is_the_responsibility_table_of_the_file(rectify):
    rows = list(csv.DictReader(io.StringIO(rectify("duties", "--format", "csv").stdout.removeprefix("\ufeff"))))
    assert [
        (r["ref"], r["duty"], r["owners"], r["support"], r["heads"], r["findings"], r["verified"], r["items"])
        for r in rows
    ] == [
        ("四(一)2", "dropout", "dongshan;xihe", "edu", "li;zhou", "f1", "0", "2"),
        ("四(二)1", "rectify", "edu", "dudao;dongshan", "zhangwei", "f2", "0", "1"),
    ]
    page = rectify("--lang", "zh", "duties", "--format", "markdown").stdout
    for text in (
        "四(一)2",
        "各乡镇人民政府",
        "李华、周芳",
        "书面汇报材料一式六份",
        "部分乡镇在外就读学生取证不到位",
        "0/2",
    ):
        assert text in page


def test_missing_paper_copies_read_as_the_notice_writes_them(rectify):
    zh = rectify("--lang", "zh", "readiness", "--format", "csv", code=1).stdout
    assert "缺少佐证材料：书面汇报材料（一式六份）" in zh
    en = rectify("readiness", "--format", "csv", code=1).stdout
    assert "missing evidence: 书面汇报材料 (6 paper copies due)" in en
