"""engine.reports.readiness: would the checklist pass the follow-up inspection on a given day?

Ready = every veto item (一票否决) final with its veto indicators met, and nothing overdue.
"""
from __future__ import annotations

import datetime as dt

import pytest
from checklist_cases import FROZEN
from helpers import ops

from engine.checklist.load import load_checklist
from engine.journal.sqlite import SQLiteStore
from engine.reports.readiness import readiness

D = dt.date
ITEM = "dongshan/kongchuo-baoxue"
BEFORE = D(2026, 12, 1)
AFTER = D(2026, 12, 16)
EVIDENCE = {"zerenshu": "“双线目标管理责任制”责任书", "ruxue-tongzhi": "义务教育阶段学生入学通知",
            "quzheng-zhengming": "在外就读学生取证证明", "chuoxue-baogao": "辍学报告"}
INDICATORS = ["义务教育阶段辍学率", "取证到位率", "取证有效性"]


@pytest.fixture(scope="module")
def bundled():
    return load_checklist(FROZEN)


@pytest.fixture
def store(tmp_path, bundled):
    store = SQLiteStore(str(tmp_path / "journal.db"), bundled.id)
    yield store
    store.close()


def veto_items(checklist) -> set[str]:
    return {i.id for i in checklist.items if i.duty.veto or any(x.veto for x in i.duty.indicators)}


def blockers(result) -> dict[str, dict]:
    return {b["item"]: b for b in result.blockers}


def verify_kongchuo(checklist, store, item=ITEM, reporter="lihua", supervisor="wangming"):
    ops.advance(checklist, store, reporter, item, "start")
    for evidence in EVIDENCE:
        ops.attach(checklist, store, reporter, item, evidence)
    ops.record(checklist, store, reporter, item, ["chuoxue-lv=0.3", "quzheng-daowei=100", "quzheng-youxiao=100"])
    ops.advance(checklist, store, supervisor, item, "verify", "材料齐全")


# -- the bundled checklist -----------------------------------------------------

def test_fresh_journal_blocks_on_exactly_the_veto_items(bundled, store):
    result = readiness(bundled, store, BEFORE)
    assert result.ready is False and result.on == BEFORE
    found = blockers(result)
    assert set(found) == veto_items(bundled)
    assert len(found) == 27  # 10 townships x 2, 区教育局, 区残联, 5 schools
    for item, blocker in found.items():
        assert blocker["veto"] is True and blocker["overdue"] is False
        assert blocker["lacks"].startswith("veto item not verified (still 待整改)")
        assert blocker["unit"] == item.split("/")[0]
        assert blocker["unit_name"] == bundled.unit_by_id[blocker["unit"]].name
        assert blocker["title"] == bundled.duty_by_id[item.split("/")[1]].title
        assert blocker["state_label"] == "待整改"
    assert [b["item"] for b in result.blockers] == [i.id for i in bundled.items if i.id in found]  # checklist order


def test_after_the_deadline_every_overdue_item_blocks_too(bundled, store):
    result = readiness(bundled, store, AFTER)
    found = blockers(result)
    assert set(found) == {i.id for i in bundled.items}
    assert found["dongshan/quzheng"]["lacks"] == "overdue since 2026-12-15"
    assert found["dongshan/quzheng"]["overdue"] is True and found["dongshan/quzheng"]["veto"] is False
    assert found[ITEM]["lacks"].startswith("veto item not verified (still 待整改)")
    assert found[ITEM]["lacks"].endswith("; overdue since 2026-12-15")
    # the last day itself is not late
    assert set(blockers(readiness(bundled, store, D(2026, 12, 15)))) == veto_items(bundled)


def test_lacks_names_the_missing_evidence_and_indicators(bundled, store):
    lacks = blockers(readiness(bundled, store, BEFORE))[ITEM]["lacks"]
    for name in EVIDENCE.values():
        assert f"missing evidence: {name}" in lacks
    for name in INDICATORS:
        assert f"indicator {name}: no value recorded" in lacks
    assert "取证到位率: no value recorded (target >= 100)" in lacks

    ops.advance(bundled, store, "lihua", ITEM, "start")
    ops.attach(bundled, store, "lihua", ITEM, "zerenshu")
    ops.record(bundled, store, "lihua", ITEM, ["quzheng-daowei=98.5", "chuoxue-lv=0"])
    lacks = blockers(readiness(bundled, store, BEFORE))[ITEM]["lacks"]
    assert lacks.startswith("veto item not verified (still 整改中)")
    assert EVIDENCE["zerenshu"] not in lacks
    assert all(f"missing evidence: {name}" in lacks for name in list(EVIDENCE.values())[1:])
    assert "indicator 取证到位率: 98.5% does not meet the target >= 100" in lacks
    assert "义务教育阶段辍学率" not in lacks  # no target: met once recorded
    assert "indicator 取证有效性: no value recorded (target >= 100)" in lacks
    # a veto duty without indicators lacks only its evidence
    lacks = blockers(readiness(bundled, store, BEFORE))["canlian/canji-jianding"]["lacks"]
    assert lacks == ("veto item not verified (still 待整改); missing evidence: 全区适龄残疾少年儿童普查汇总统计表; "
                     "missing evidence: 适龄残疾少年儿童医学鉴定材料")


def test_a_verified_veto_item_no_longer_blocks(bundled, store):
    verify_kongchuo(bundled, store)
    before = blockers(readiness(bundled, store, BEFORE))
    assert set(before) == veto_items(bundled) - {ITEM}
    after = blockers(readiness(bundled, store, AFTER))
    assert ITEM not in after  # verified: not overdue either
    assert set(after) == {i.id for i in bundled.items} - {ITEM}


def test_reopening_makes_it_block_again(bundled, store):
    verify_kongchuo(bundled, store)
    ops.advance(bundled, store, "chenjing", ITEM, "reopen", "回头看发现问题")
    lacks = blockers(readiness(bundled, store, BEFORE))[ITEM]["lacks"]
    assert lacks == "veto item not verified (still 整改中)"  # evidence and values still count


# -- a small checklist whose verify does not look at the indicators ------------

VETO_INDICATOR = "      - {id: dropout, name: 辍学率, unit: '%', target: '<= 1', veto: true}\n"


@pytest.fixture
def lenient(write_checklist):
    """minimal.yaml where verify needs evidence and a note only, and 抓控辍保学 is a veto item through
    its indicator 辍学率 (target <= 1), not through the duty."""
    path = write_checklist(
        ("requires: {evidence: all, indicators: met, note: true}", "requires: {evidence: all, note: true}"),
        ("    veto: true\n", ""),
        ("      - {id: proof_rate, name: 取证到位率, unit: '%', target: '>= 100'}\n",
         "      - {id: proof_rate, name: 取证到位率, unit: '%', target: '>= 100'}\n" + VETO_INDICATOR))
    checklist = load_checklist(path)
    store = SQLiteStore(str(path.with_suffix(".db")), checklist.id)
    yield checklist, store
    store.close()


def verify_minimal(checklist, store, item, values=()):
    ops.advance(checklist, store, "wang", item, "start")
    for evidence in ("proof", "report"):
        ops.attach(checklist, store, "wang", item, evidence)
    if values:
        ops.record(checklist, store, "wang", item, list(values))
    ops.advance(checklist, store, "wang", item, "verify", "ok")


def test_lenient_checklist_veto_through_the_indicator(lenient):
    checklist, store = lenient
    assert veto_items(checklist) == {"dongshan/kongchuo", "xihe/kongchuo"}
    assert not checklist.duty_by_id["kongchuo"].veto
    assert set(blockers(readiness(checklist, store, BEFORE))) == veto_items(checklist)


def test_verified_veto_item_with_an_unmet_veto_indicator_still_blocks(lenient):
    checklist, store = lenient
    verify_minimal(checklist, store, "dongshan/kongchuo", ["dropout=3"])
    verify_minimal(checklist, store, "xihe/kongchuo")
    assert {r.item: r.state for r in store.current().values()} == {
        "dongshan/kongchuo": "verified", "xihe/kongchuo": "verified"}
    result = readiness(checklist, store, BEFORE)
    assert result.ready is False
    found = blockers(result)
    assert set(found) == {"dongshan/kongchuo", "xihe/kongchuo"}
    assert found["dongshan/kongchuo"]["lacks"] == "veto indicator 辍学率: 3%, target <= 1"
    assert found["xihe/kongchuo"]["lacks"] == "veto indicator 辍学率: no value, target <= 1"
    assert found["dongshan/kongchuo"]["state_label"] == "已销号"
    assert found["dongshan/kongchuo"]["overdue"] is False
    # the non-veto indicator 取证到位率 (never recorded) is no blocker of a verified item
    assert "取证到位率" not in found["dongshan/kongchuo"]["lacks"]

    # reopen, record a value that meets the target, verify again: no longer a blocker
    ops.advance(checklist, store, "wang", "dongshan/kongchuo", "reopen", "回头看")
    ops.record(checklist, store, "wang", "dongshan/kongchuo", ["dropout=0.5"])
    ops.advance(checklist, store, "wang", "dongshan/kongchuo", "verify", "ok")
    assert set(blockers(readiness(checklist, store, BEFORE))) == {"xihe/kongchuo"}


def test_ready_when_every_veto_item_is_verified_and_nothing_is_overdue(lenient):
    checklist, store = lenient
    verify_minimal(checklist, store, "dongshan/kongchuo", ["dropout=1"])  # <= 1: met at the edge
    assert readiness(checklist, store, BEFORE).ready is False
    verify_minimal(checklist, store, "xihe/kongchuo", ["dropout=0"])
    result = readiness(checklist, store, BEFORE)
    assert (result.ready, result.blockers) == (True, [])
    # 抓控辍保学's deadline (12-10) has passed, but both are verified; edu/zhenggai is due 12-15
    assert readiness(checklist, store, D(2026, 12, 15)).ready is True
    late = readiness(checklist, store, AFTER)
    assert late.ready is False
    assert [(b["item"], b["veto"], b["lacks"]) for b in late.blockers] == [
        ("edu/zhenggai", False, "overdue since 2026-12-15")]
