"""The item commands through the CLI: advance, record, attach, history, audit, status.

Walks the new user's path from the issue: a township reporter starts a duty, attaches evidence and
records indicators; a supervisor's verify is refused with every missing piece listed and nothing
recorded, then succeeds. Every refusal and every invalid name exits 1 and records nothing.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from helpers import HEAD, Rectify

ITEM = "dongshan/kongchuo-baoxue"
OFFICE_ITEM = "dudao/dudao-jiancha"
EVIDENCE = ["zerenshu", "ruxue-tongzhi", "quzheng-zhengming", "chuoxue-baogao"]
EVIDENCE_NAMES = ["“双线目标管理责任制”责任书", "义务教育阶段学生入学通知", "在外就读学生取证证明", "辍学报告"]


@pytest.fixture
def rectify(tmp_path):
    return Rectify(tmp_path)


def fill_in(rectify: Rectify, item: str = ITEM, actor: str = "lihua") -> None:
    """Everything the verify step of a township's 控辍保学 needs, done by its reporter."""
    for evidence in EVIDENCE:
        rectify.ok("attach", item, evidence, actor=actor)
    rectify.ok("record", item, "chuoxue-lv=0", "quzheng-daowei=100", "quzheng-youxiao=100%", actor=actor)


def test_new_user_walk_through(rectify, tmp_path):
    started = rectify.ok("advance", ITEM, "start", actor="lihua")
    assert started.stdout.startswith(f"#1 {ITEM}: 启动整改, 待整改 → 整改中")

    material = tmp_path / "责任书.pdf"
    material.write_bytes(b"%PDF-1.4 signed responsibility letters\n")
    rectify.ok("attach", ITEM, "zerenshu", "--file", str(material), actor="lihua")
    rectify.ok("record", ITEM, "quzheng-daowei=98.5", actor="lihua")

    refused = rectify.refused("advance", ITEM, "verify", actor="wangming")
    headline, *reasons = refused.stderr.splitlines()
    assert ITEM in headline and "验收销号" in headline
    assert reasons == [
        "  - a note is required (--note)",
        *[f"  - missing evidence: {name}" for name in EVIDENCE_NAMES[1:]],
        "  - indicator 义务教育阶段辍学率: no value recorded (target any value)",
        "  - indicator 取证到位率: 98.5% does not meet the target >= 100",
        "  - indicator 取证有效性: no value recorded (target >= 100)",
    ]

    for evidence in EVIDENCE[1:]:
        rectify.ok("attach", ITEM, evidence, actor="lihua")
    rectify.ok("record", ITEM, "chuoxue-lv=0.2", "取证到位率=100", "quzheng-youxiao=100", actor="lihua")
    verified = rectify.ok("advance", ITEM, "verify", "--note", "材料齐全，同意销号", actor="wangming")
    assert verified.stdout.startswith(f"#8 {ITEM}: 验收销号, 整改中 → 已销号")

    events = rectify.history(ITEM)
    assert [e["trigger"] for e in events] == ["start", "attach", "record"] + ["attach"] * 3 + ["record", "verify"]
    assert [e["seq"] for e in events] == list(range(1, 9))
    attached = events[1]["data"]
    assert attached["evidence"] == "zerenshu"
    assert attached["sha256"] == hashlib.sha256(material.read_bytes()).hexdigest()
    assert attached["size"] == len(material.read_bytes())
    assert events[2]["data"] == {"values": {"quzheng-daowei": 98.5}}
    assert events[-1]["data"] == {}
    assert (events[-1]["actor"], events[-1]["note"]) == ("wangming", "材料齐全，同意销号")
    assert rectify.status("--unit", "dongshan")[ITEM]["state"] == "verified"
    assert rectify.head()[0] == 8


def test_history_json_fields_oldest_first(rectify):
    rectify.ok("advance", ITEM, "start", "--note", "开始", actor="lihua")
    rectify.ok("advance", ITEM, "return", "--note", "取证不全", actor="chenjing")
    rectify.ok("record", ITEM, "chuoxue-lv=1", actor="wangming")
    events = rectify.history(ITEM)
    for event in events:
        assert {"trigger", "from", "to", "actor", "note", "recorded_at"} <= set(event)
    assert [(e["trigger"], e["from"], e["to"], e["actor"], e["note"]) for e in events] == [
        ("start", "pending", "in_progress", "lihua", "开始"),
        ("return", "in_progress", "in_progress", "chenjing", "取证不全"),
        ("record", "in_progress", "in_progress", "wangming", ""),
    ]
    stamps = [e["recorded_at"] for e in events]
    assert stamps == sorted(stamps)
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", s) for s in stamps)
    assert rectify.history("xihe/kongchuo-baoxue") == []


def test_an_office_supervisor_cannot_verify_the_offices_own_duty(rectify):
    rectify.ok("advance", OFFICE_ITEM, "start", actor="wangming")
    rectify.ok("attach", OFFICE_ITEM, "peixun", actor="chenjing")
    rectify.ok("attach", OFFICE_ITEM, "ducha-jilu", actor="liuyang")
    for supervisor, name in [("wangming", "王明"), ("chenjing", "陈静"), ("liuyang", "刘洋")]:
        refused = rectify.refused("advance", OFFICE_ITEM, "verify", "--note", "自查合格", actor=supervisor)
        assert refused.stderr.splitlines()[1:] == [
            f"  - separation of duties: {name} is a person of the item's own unit and may not take step 验收销号"
        ]
    rectify.ok("advance", OFFICE_ITEM, "verify", "--note", "区政府验收合格", actor="zhaoguoqiang")
    assert [(e["trigger"], e["actor"]) for e in rectify.history(OFFICE_ITEM)][-1] == ("verify", "zhaoguoqiang")


def test_audit_prints_the_head(rectify):
    assert rectify.head() == (0, "0" * 64)
    rectify.ok("advance", ITEM, "start", actor="lihua")
    result = rectify.ok("audit")
    assert HEAD.match(result.stdout.strip()).group(1) == "1"
    assert result.stderr == ""
    head = rectify.head()
    assert rectify.ok("audit", "--anchor", head[1]).stdout.strip() == f"head 1 {head[1]}"


def test_init_creates_an_empty_journal_once(rectify):
    assert rectify.head() == (0, "0" * 64)
    rectify.ok("advance", ITEM, "start", actor="lihua")
    again = rectify.ok("init")
    assert "already the journal of checklist" in again.stderr
    assert rectify.head()[0] == 1


@pytest.mark.parametrize(
    "args, actor, message",
    [
        (["advance", ITEM, "start"], "nobody", "unknown person 'nobody'"),
        (["record", ITEM, "chuoxue-lv=1"], "nobody", "unknown person 'nobody'"),
        (["attach", ITEM, "zerenshu"], "nobody", "unknown person 'nobody'"),
        (["advance", "dongshan/no-such-duty", "start"], "lihua", "unknown duty 'no-such-duty'"),
        (["advance", "xihe/dudao-jiancha", "start"], "wangming", "西河乡人民政府 has no item of duty"),
        (["record", "nowhere/kongchuo-baoxue", "chuoxue-lv=1"], "lihua", "unknown unit 'nowhere'"),
        (["attach", "kongchuo-baoxue", "zerenshu"], "lihua", "unknown item"),
        (["advance", ITEM, "finish"], "lihua", "unknown step 'finish'"),
        (["advance", ITEM, "verify", "--note", "x"], "wangming", "'验收销号' is not allowed from state 待整改"),
        (["record", ITEM, "no-such-indicator=1"], "lihua", "unknown indicator 'no-such-indicator'"),
        (["record", ITEM, "chuoxue-lv"], "lihua", "'chuoxue-lv'"),
        (["record", ITEM], "lihua", "give at least one NAME=VALUE"),
        (["record", ITEM, "quzheng-daowei=很多"], "lihua", "取证到位率: '很多' is not a number"),
        (["record", ITEM, "quzheng-daowei=nan"], "lihua", "is not a number"),
        (["record", ITEM, "chuoxue-lv=1", "quzheng-daowei=abc"], "lihua", "is not a number"),
        (["attach", ITEM, "no-such-evidence"], "lihua", "unknown evidence 'no-such-evidence'"),
        (
            ["record", ITEM, "chuoxue-lv=1"],
            "huanglei",
            "only a person of the item's own unit or a person of a support unit or supervisor may record values on this item; 黄磊 is not",
        ),
        (["attach", ITEM, "zerenshu"], "zhangwei", "may attach evidence on this item; 张伟 is not"),
        (
            ["advance", ITEM, "start"],
            "huanglei",
            "启动整改 may be taken only by: a person of the item's own unit or supervisor; 黄磊 is not",
        ),
    ],
)
def test_invalid_or_unknown_names_exit_1_and_record_nothing(rectify, args, actor, message):
    rectify.ok("record", "xihe/kongchuo-baoxue", "chuoxue-lv=0", actor="huanglei")  # a journal with one event
    refused = rectify.refused(*args, actor=actor)
    assert message in refused.stderr


@pytest.mark.parametrize(
    "args", [["advance", ITEM, "start"], ["record", ITEM, "chuoxue-lv=1"], ["attach", ITEM, "zerenshu"]]
)
def test_missing_actor_exits_1(rectify, args):
    refused = rectify.refused(*args)
    assert "--as" in refused.stderr


def test_actor_from_the_environment(rectify):
    rectify.ok("advance", ITEM, "start", RECTIFY_ACTOR="lihua")
    assert rectify.history(ITEM)[0]["actor"] == "lihua"


def test_attach_a_missing_file_exits_1(rectify, tmp_path):
    refused = rectify.refused("attach", ITEM, "zerenshu", "--file", str(tmp_path / "missing.pdf"), actor="lihua")
    assert "missing.pdf" in refused.stderr
    assert rectify.history(ITEM) == []


def test_nothing_may_be_reported_on_a_verified_item(rectify):
    rectify.ok("advance", ITEM, "start", actor="lihua")
    fill_in(rectify)
    rectify.ok("advance", ITEM, "verify", "--note", "ok", actor="chenjing")
    assert "already 已销号" in rectify.refused("record", ITEM, "chuoxue-lv=3", actor="lihua").stderr
    assert "already 已销号" in rectify.refused("attach", ITEM, "zerenshu", actor="wangming").stderr
    rectify.refused("advance", ITEM, "reopen", actor="wangming")  # a note is required
    rectify.ok("advance", ITEM, "reopen", "--note", "回头看发现问题", actor="wangming")
    rectify.ok("record", ITEM, "chuoxue-lv=3", actor="lihua")


def test_refusal_of_a_wrong_state_lists_the_allowed_steps(rectify):
    refused = rectify.refused("advance", ITEM, "reopen", "--note", "x", actor="wangming")
    assert "allowed here: 启动整改" in refused.stderr


def test_malformed_command_line_exits_2(rectify):
    result = rectify("advance", ITEM, actor="lihua")
    assert result.exit_code == 2
    assert rectify.head() == (0, "0" * 64)


STATUS_FIELDS = {"item", "unit", "unit_name", "duty", "title", "state", "state_label", "deadline", "overdue", "veto"}


def test_status_json_fields(rectify):
    rectify.ok("advance", ITEM, "start", actor="lihua")
    rows = rectify.status("--unit", "dongshan", RECTIFY_TODAY="2026-12-14")
    row = rows[ITEM]
    assert STATUS_FIELDS <= set(row)
    assert {k: row[k] for k in STATUS_FIELDS} == {
        "item": ITEM,
        "unit": "dongshan",
        "unit_name": "东山镇人民政府",
        "duty": "kongchuo-baoxue",
        "title": "抓控辍保学",
        "state": "in_progress",
        "state_label": "整改中",
        "deadline": "2026-12-15",
        "overdue": False,
        "veto": True,
    }
    assert rows["dongshan/quzheng"]["veto"] is False
    assert rows["dongshan/canji-pucha"]["veto"] is True  # veto through the duty
    assert all(r["unit"] == "dongshan" for r in rows.values())
    assert len(rows) == 8  # the 7 township duties and the self-evaluation plan


@pytest.mark.parametrize(
    "today, overdue", [("2026-12-14", False), ("2026-12-15", False), ("2026-12-16", True), ("2027-01-01", True)]
)
def test_status_overdue_against_today(rectify, today, overdue):
    rectify.ok("advance", ITEM, "start", actor="lihua")
    rows = rectify.status("--unit", "dongshan", RECTIFY_TODAY=today)
    assert rows[ITEM]["overdue"] is overdue
    assert rows["dongshan/quzheng"]["overdue"] is overdue  # pending, never touched


def test_a_verified_item_is_never_overdue(rectify):
    rectify.ok("advance", ITEM, "start", actor="lihua")
    fill_in(rectify)
    rectify.ok("advance", ITEM, "verify", "--note", "ok", actor="wangming")
    rows = rectify.status("--unit", "dongshan", RECTIFY_TODAY="2026-12-16")
    assert (rows[ITEM]["state"], rows[ITEM]["overdue"]) == ("verified", False)
    assert rows["dongshan/quzheng"]["overdue"] is True
