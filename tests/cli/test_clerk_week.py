"""A clerk's week in Chinese: names as well as ids, help and refusals in Chinese, tables that fit,
colour rules, -o FILE by suffix, notes, completion.

Runs the CLI on tests/fixtures/clerk-week.yaml (frozen): two townships whose names differ by one
character (东山镇/西山镇), a duty title two duties share (加强学校安全工作), role labels (督学), an
aim (力争) indicator and a material due in six copies (一式六份).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from wcwidth import wcswidth

import cli as cli_module
from cli import cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "clerk-week.yaml"
ITEM = "dongshan/kongchuo"
ITEM_BY_NAME = "东山镇人民政府/抓控辍保学"
ANSI = re.compile(r"\x1b\[")


class Clerk:
    def __init__(self, directory: Path):
        self.checklist = directory / "clerk-week.yaml"
        shutil.copy(FIXTURE, self.checklist)
        self.env = {
            "RECTIFY_CACHE_DIR": str(directory / "cache"),
            "RECTIFY_LANG": "en",
            "RECTIFY_TODAY": "2026-12-01",
            "RECTIFY_CHECKLIST": None,
            "RECTIFY_DB": None,
            "RECTIFY_ACTOR": None,
            "COLUMNS": None,
            "NO_COLOR": None,
        }
        self.runner = CliRunner()
        assert self("init").exit_code == 0

    def __call__(self, *args: str, actor: str | None = None, lang: str | None = None, **env: str | None):
        prefix = ["-c", str(self.checklist)] + (["--as", actor] if actor else []) + (["--lang", lang] if lang else [])
        return self.runner.invoke(cli, prefix + list(args), catch_exceptions=False, env={**self.env, **env})

    def ok(self, *args: str, **kwargs):
        result = self(*args, **kwargs)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result

    def refused(self, *args: str, **kwargs):
        result = self(*args, **kwargs)
        assert result.exit_code == 1, (result.stdout, result.stderr)
        assert result.stdout == "" and "Traceback" not in result.stderr
        return result.stderr

    def events(self, item: str = ITEM) -> list[dict]:
        return json.loads(self.ok("history", item, "--format", "json").stdout)

    def status(self, *args: str) -> dict[str, dict]:
        return {row["item"]: row for row in json.loads(self.ok("status", "--format", "json", *args).stdout)}


@pytest.fixture
def clerk(tmp_path):
    return Clerk(tmp_path)


# -- 1. names, not only ids -----------------------------------------------------------------------


def test_every_step_accepts_chinese_names(clerk):
    clerk.ok("advance", ITEM_BY_NAME, "启动整改", actor="李华")
    clerk.ok("attach", "东山镇人民政府/kongchuo", "在外就读学生取证证明", actor="李华")
    clerk.ok("attach", "dongshan/抓控辍保学", "书面汇报材料", "--note", "一式六份已交", actor="li")
    clerk.ok("record", ITEM_BY_NAME, "义务教育阶段辍学率=1.5", "取证到位率=98", actor="李华")
    clerk.ok("advance", ITEM_BY_NAME, "申报销号", "--note", "材料齐全", actor="李华")
    clerk.ok("note", ITEM_BY_NAME, "入户核查三户", actor="王明")
    events = clerk.events(ITEM_BY_NAME)
    assert [e["trigger"] for e in events] == ["start", "attach", "attach", "record", "submit", "note"]
    assert [e["actor"] for e in events] == ["li"] * 5 + ["wang"]
    assert events[2]["data"]["evidence"] == "report" and events[2]["note"] == "一式六份已交"
    assert events[3]["data"]["values"] == {"dropout_rate": 1.5, "proof_rate": 98}
    explained = clerk.ok("explain", ITEM_BY_NAME, "复核销号", actor="王明").stdout
    assert explained.startswith(f"{ITEM}: 已申报待复核") and "复核销号 (verify" in explained
    assert clerk.status("--unit", "东山镇人民政府", "--state", "已申报待复核", "--duty", "抓控辍保学").keys() == {ITEM}


@pytest.mark.parametrize(
    "args, actor, words",
    [
        (["status", "--duty", "加强学校安全工作"], None, ["ambiguous", "anquan", "xuexiao-anquan"]),
        (
            ["status", "--unit", "山镇人民政府"],
            None,
            ["did you mean", "dongshan (东山镇人民政府)", "xishan (西山镇人民政府)"],
        ),
        (["status", "--state", "整改"], None, ["did you mean", "in_progress (整改中)"]),
        (["advance", ITEM, "start"], "李", ["unknown person '李'", "li (李华)"]),
        (["advance", "东山镇/抓控辍保学", "start"], "li", ["unknown unit '东山镇'", "dongshan (东山镇人民政府)"]),
        (["advance", "dongshan/抓控辍", "start"], "li", ["unknown duty '抓控辍'", "kongchuo (抓控辍保学)"]),
        (["advance", "edu/kongchuo", "start"], "zhang", ["区教育局 has no item of duty 抓控辍保学"]),
        (["advance", ITEM, "启动"], "li", ["unknown step '启动'", "start (启动整改)"]),
        (["attach", ITEM, "取证"], "li", ["unknown evidence '取证'", "proof (在外就读学生取证证明)"]),
        (["record", ITEM, "辍学率=1"], "li", ["unknown indicator '辍学率'", "dropout_rate (义务教育阶段辍学率)"]),
    ],
)
def test_ambiguous_or_unknown_names_are_refused_with_candidates(clerk, args, actor, words):
    stderr = clerk.refused(*args, actor=actor)
    for word in words:
        assert word in stderr, stderr


# -- 2. Chinese all the way ------------------------------------------------------------------------


def test_refusals_name_roles_by_their_labels(clerk):
    stderr = clerk.refused("advance", ITEM, "启动整改", actor="张伟", lang="zh")
    assert "督学" in stderr and "supervisor" not in stderr
    assert "张伟" in stderr


@pytest.mark.parametrize("setting", ["cn", "zh-CN", "zh_CN.UTF-8", "ZH"])
def test_rectify_lang_spellings_of_chinese(clerk, setting):
    assert "整改进展情况" in clerk.ok("status", RECTIFY_LANG=setting).stdout


def test_an_unknown_language_is_refused_not_silently_english(clerk):
    result = clerk("status", RECTIFY_LANG="fr")
    assert result.exit_code == 2 and "$RECTIFY_LANG: unknown language 'fr'" in result.stderr
    result = clerk("--lang", "klingon", "status")
    assert result.exit_code == 2 and "klingon" in result.stderr


def test_help_of_every_command_and_option_in_chinese(clerk):
    top = clerk.ok("--help", RECTIFY_LANG="zh").stdout  # the group's help, before any callback ran
    assert "用法：" in top and "选项" in top and "命令" in top
    for command in cli.commands:
        text = clerk.ok(command, "--help", lang="zh").stdout
        assert "用法：" in text, command
        assert max(wcswidth(line) for line in text.splitlines()) <= 80, command  # CJK measured in columns
        english = [line for line in text.splitlines() if re.search(r"[a-z]{4,} [a-z]{3,} [a-z]{3,}", line)]
        assert not english, (command, english)
    assert "YYYY-MM-DD" in clerk.ok("readiness", "--help").stdout  # not [%Y-%m-%d]


def test_click_errors_in_chinese(clerk):
    result = clerk("status", "--bogus", lang="zh")
    assert result.exit_code == 2
    assert "用法：" in result.stderr and "错误" in result.stderr


def test_explain_writes_copies_in_chinese_numerals(clerk):
    clerk.ok("advance", ITEM, "start", actor="li")
    text = clerk.ok("explain", ITEM, "submit", lang="zh").stdout
    assert "一式六份" in text and "一式6份" not in text


# -- 3. tables that fit ------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["status"], ["summary"], ["board"], ["readiness"], ["history", ITEM]])
@pytest.mark.parametrize("width", [60, 80, 100])
def test_every_table_fits_columns(clerk, args, width):
    clerk.ok("advance", ITEM, "start", "--note", "已部署入户取证工作，各村分片包干，月底前完成", actor="li")
    result = clerk(*args, lang="zh", COLUMNS=str(width))
    assert result.exit_code in (0, 1), result.stderr
    assert max(wcswidth(line) for line in result.stdout.splitlines()) <= width


def test_status_at_80_keeps_the_important_columns_and_columns_picks_others(clerk):
    clerk.ok("note", ITEM, "入户核查三户", actor="wang")
    table = clerk.ok("status", lang="zh", COLUMNS="80").stdout
    header = table.split("\n\n")[1].splitlines()[1]
    for word in ("责任单位", "整改任务", "状态", "整改时限"):
        assert word in header
    assert "dongshan" not in table  # ids are for scripts
    picked = clerk.ok("status", "--columns", "item,最近说明", lang="zh", COLUMNS="80").stdout
    assert "dongshan/kongchuo" in picked and "入户核查三户" in picked
    assert "整改任务" not in picked.split("\n\n")[1]
    assert clerk("status", "--columns", "itme").exit_code == 1


def test_history_shows_local_minutes_step_who_note(clerk):
    clerk.ok("advance", ITEM, "start", actor="li")
    table = clerk.ok("history", ITEM, lang="zh", COLUMNS="80").stdout
    assert re.search(r"\| \d{4}-\d\d-\d\d \d\d:\d\d \| 启动整改", table), table
    assert "李华" in table and not re.search(r"\d{4}-\d\d-\d\dT", table)  # not the UTC stamp


def test_board_is_glyphs_with_a_legend(clerk):
    clerk.ok("advance", ITEM, "start", actor="li")
    board = clerk.ok("board", lang="zh", COLUMNS="80").stdout
    assert "◐*" in board and "○ 待整改" in board and "◐ 整改中" in board and "1 抓控辍保学" in board


# -- 4. colour ----------------------------------------------------------------------------------------


def test_color_always_never_and_auto(clerk):
    clerk.ok("advance", ITEM, "start", actor="li")
    assert ANSI.search(clerk.ok("--color", "always", "status").stdout)
    assert not ANSI.search(clerk.ok("--color", "never", "status").stdout)
    assert not ANSI.search(clerk.ok("status").stdout)  # auto: CliRunner is no terminal


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("env, expected", [({}, True), ({"NO_COLOR": "1"}, False), ({"TERM": "dumb"}, False)])
def test_auto_colour_on_a_terminal_unless_no_color_or_dumb(monkeypatch, env, expected):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", _Terminal())
    assert cli_module.use_colour("auto") is expected
    assert cli_module.use_colour("always") is True and cli_module.use_colour("never") is False


# -- 5. -o FILE picks the format by its suffix ---------------------------------------------------


def test_output_suffix_picks_the_format(clerk, tmp_path):
    for name, check in [
        ("s.xlsx", lambda p: openpyxl.load_workbook(p).worksheets[0]["A1"].value),
        ("s.csv", lambda p: p.read_text(encoding="utf-8-sig").lower().startswith("item,")),
        ("s.json", lambda p: json.loads(p.read_text(encoding="utf-8"))),
        ("s.html", lambda p: p.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")),
        ("s.md", lambda p: p.read_text(encoding="utf-8").startswith("## ")),
    ]:
        clerk.ok("status", "-o", str(tmp_path / name))
        assert check(tmp_path / name), name
    result = clerk("status", "-o", str(tmp_path / "s.txt"))
    assert result.exit_code == 2 and "--format" in result.stderr and not (tmp_path / "s.txt").exists()
    clerk.ok("status", "--format", "csv", "-o", str(tmp_path / "t.txt"))  # --format wins over the suffix
    assert (tmp_path / "t.txt").read_text(encoding="utf-8-sig").lower().startswith("item,")


# -- 6. sheets under zh ---------------------------------------------------------------------------------


def test_zh_sheets_say_yes_no_and_lights_in_words_while_data_keeps_ids(clerk, tmp_path):
    clerk.ok("status", "-o", str(tmp_path / "s.xlsx"), lang="zh")
    sheet = openpyxl.load_workbook(tmp_path / "s.xlsx").worksheets[0]
    values = {c.value for row in sheet.iter_rows(min_row=3) for c in row}
    assert {"是", "否", "绿灯"} <= values
    rows = json.loads(clerk.ok("status", "--format", "json", lang="zh").stdout)
    assert {r["light"] for r in rows} == {"green"} and {r["veto"] for r in rows} == {True, False}


# -- 7. right numbers, 8. notes ------------------------------------------------------------------------


def walk_to_verified(clerk):
    clerk.ok("advance", ITEM, "start", actor="li")
    clerk.ok("attach", ITEM, "proof", actor="li")
    clerk.ok("attach", ITEM, "report", actor="li")
    clerk.ok("record", ITEM, "dropout_rate=1", "proof_rate=100", "--note", "自查数据", actor="li")
    clerk.ok("advance", ITEM, "submit", "--note", "申报", actor="li")
    clerk.ok("advance", ITEM, "verify", "--note", "复核通过", actor="wang")


def test_a_verified_item_has_no_days_left_and_no_light(clerk):
    walk_to_verified(clerk)
    row = clerk.status()[ITEM]
    assert (row["state"], row["days_left"], row["light"], row["last_note"]) == ("verified", None, None, "复核通过")


def test_note_records_an_observation_without_moving_the_item(clerk):
    clerk.ok("advance", ITEM, "start", actor="li")
    clerk.ok("note", ITEM, "取证材料不全，需补充", actor="wang")
    last = clerk.events()[-1]
    assert (last["trigger"], last["from"], last["to"], last["note"]) == (
        "note",
        "in_progress",
        "in_progress",
        "取证材料不全，需补充",
    )
    assert clerk.status()[ITEM]["last_note"] == "取证材料不全，需补充"
    assert "a note needs some text" in clerk.refused("note", ITEM, "  ", actor="wang")
    refused = clerk.refused("note", ITEM, "看过", actor="zhao", lang="zh")  # another township
    assert "督学" in refused and "赵雪" in refused


def test_aims_unmet_until_the_aim_is_reached(clerk):
    assert clerk.status()[ITEM]["aims_unmet"] == ["proof_rate"]
    clerk.ok("record", ITEM, "proof_rate=99", actor="li")
    assert clerk.status()[ITEM]["aims_unmet"] == ["proof_rate"]
    picked = clerk.ok("status", "--columns", "item,aims_unmet", lang="zh", COLUMNS="80").stdout
    assert "取证到位率：99%，力争 >= 100" in picked  # people read words, scripts get ids
    clerk.ok("record", ITEM, "proof_rate=100", actor="li")
    assert clerk.status()[ITEM]["aims_unmet"] == []
    assert clerk.status()["dongshan/anquan"]["aims_unmet"] == []  # no aim declared


# -- 9. completion ------------------------------------------------------------------------------------


def complete(clerk, words: str) -> list[str]:
    env = {
        **clerk.env,
        "_RECTIFY_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = clerk.runner.invoke(cli, [], prog_name="rectify", env=env)
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


def test_completion_of_items_people_units_triggers_evidence_indicators(clerk):
    c = f"rectify -c {clerk.checklist}"
    assert complete(clerk, f"{c} advance dong") == ["dongshan/kongchuo", "dongshan/anquan"]
    assert complete(clerk, f"{c} advance 东山") == ["dongshan/kongchuo", "dongshan/anquan"]
    assert complete(clerk, f"{c} --as l") == ["li"]
    assert complete(clerk, f"{c} status --unit x") == ["xishan"]
    assert complete(clerk, f"{c} advance {ITEM} ") == ["start", "submit", "verify", "return", "reopen"]
    assert complete(clerk, f"{c} attach {ITEM} ") == ["proof", "report"]
    assert complete(clerk, f"{c} record {ITEM} p") == ["proof_rate="]
    assert complete(clerk, f"{c} advance nowhere/x ") == []  # an unknown item: nothing, no error
