"""readiness --on/--for and duties through the CLI, on the minimal checklist."""

from __future__ import annotations

import json

import openpyxl
import pytest
from checklist_cases import MINIMAL_PATH
from click.testing import CliRunner

from cli import cli


@pytest.fixture
def rectify(tmp_path):
    checklist = tmp_path / "minimal.yaml"
    checklist.write_bytes(MINIMAL_PATH.read_bytes())
    env = {"RECTIFY_CACHE_DIR": str(tmp_path / "cache"), "RECTIFY_LANG": "en", "RECTIFY_TODAY": "2026-12-01"}

    def run(*args):
        return CliRunner().invoke(cli, ["-c", str(checklist), *args], catch_exceptions=False, env=env)

    assert run("init").exit_code == 0
    return run


def test_on_and_for_together_is_a_usage_error(rectify):
    result = rectify("readiness", "--on", "2026-12-16", "--for", "review")
    assert result.exit_code == 2 and result.stdout == ""
    assert "--on DATE or --for ROUND, not both" in result.stderr


def test_an_unknown_round_prints_no_verdict(rectify):
    result = rectify("readiness", "--for", "reveiw")
    assert result.exit_code == 1
    assert result.stdout == ""  # an error is no verdict: neither READY nor NOT READY
    assert (
        result.stderr.strip() == "unknown inspection round 'reveiw'; rounds: review (乡镇评估), spot-check (重点抽查)"
    )


def test_for_a_round_judges_its_items_on_its_first_day(rectify):
    result = rectify("readiness", "--for", "review")
    assert result.exit_code == 1
    assert "NOT READY for the inspection on 2026-11-01 (round 乡镇评估): 2 item(s) block it" in result.stdout
    rows = json.loads(rectify("readiness", "--for", "review", "--format", "json").stdout)
    assert {r["item"] for r in rows} == {"dongshan/kongchuo", "xihe/kongchuo"}
    spot = rectify("readiness", "--for", "spot-check")  # the bureau's duty alone, not veto, not yet late
    assert spot.exit_code == 0, spot.stdout
    assert "READY for the inspection on 2026-12-01 (round 重点抽查)" in spot.stdout


def test_without_a_final_round_the_day_is_today(rectify):
    assert "on 2026-12-01:" in rectify("readiness").stdout
    assert "on 2026-12-16:" in rectify("readiness", "--on", "2026-12-16").stdout


def test_duties_lists_one_row_per_duty_in_every_format(rectify, tmp_path):
    rows = json.loads(rectify("duties", "--format", "json").stdout)
    assert [(r["duty"], r["owners"], r["items"], r["verified"]) for r in rows] == [
        ("kongchuo", ["dongshan", "xihe"], 2, 0),
        ("zhenggai", ["edu"], 1, 0),
    ]
    assert rows[0]["evidence"] == ["proof", "report"] and rows[0]["deadline"] == "2026-12-10"
    table = rectify("duties").stdout
    assert "各乡镇人民政府" in table and "书面汇报材料, 6 paper copies" in table and "0/2" in table
    path = tmp_path / "duties.xlsx"
    result = rectify("duties", "--format", "xlsx", "-o", str(path))
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$2"
    assert sheet.max_row == 4  # title, headers, two duties


@pytest.mark.parametrize("args", [["--on", "2026-13-01"], ["--on", "16/12/2026"], ["--for"]])
def test_a_malformed_option_is_a_usage_error_without_a_verdict(rectify, args):
    result = rectify("readiness", *args)
    assert result.exit_code == 2 and result.stdout == ""
