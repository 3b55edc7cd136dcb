"""engine.reports.readiness: would the checklist pass the follow-up inspection?

Ready = every veto item verified with its veto indicators meeting their targets, no veto indicator
without a target, nothing overdue; items in 持续整改 under a filed plan are listed apart and block
only if veto; aims (力争) not reached are listed and never block.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import ops
from reports_model import AFTER, BEFORE, CANJI, CHECKLIST, ENROL, FOLLOWUP, KONGCHUO, Target, with_duty

from engine.journal.sqlite import SQLiteStore
from engine.operations.inspections import draw_round
from engine.reports.readiness import default_day, readiness
from engine.workflow.rounds import resolve_round


@pytest.fixture
def store(tmp_path):
    store = SQLiteStore.init(str(tmp_path / "journal.db"), CHECKLIST.id)[0]
    yield store
    store.close()


def rows_of(result, item):
    return [(r["kind"], r["indicator"], r["reason"], r["blocks"]) for r in result.rows if r["item"] == item]


def verify(checklist, store, item, values, reporter):
    ops.advance(checklist, store, reporter, item, "start")
    for evidence in ("proof", "report"):
        ops.attach(checklist, store, reporter, item, evidence)
    ops.record(checklist, store, reporter, item, values)
    ops.advance(checklist, store, "wang", item, "verify", "材料齐全")


def test_a_fresh_journal_is_blocked_by_every_veto_item_and_lists_what_each_lacks(store):
    result = readiness(CHECKLIST, store, BEFORE)
    assert result.ready is False
    assert result.blocking_items == ["dongshan/kongchuo", "dongshan/canji", "xihe/kongchuo"]
    assert rows_of(result, "dongshan/kongchuo") == [
        ("failure", None, "veto item not verified (still 待整改)", True),
        ("failure", None, "missing evidence: 在外就读学生取证证明", True),
        ("failure", None, "missing evidence: 书面汇报材料 (6 paper copies due)", True),
        ("failure", "dropout", "indicator 义务教育阶段辍学率: no value recorded (target <= 1)", True),
        ("aim", "proof_rate", "取证到位率: no value, aim >= 100", False),
    ]
    no_target = [r for r in rows_of(result, "dongshan/canji") if r[0] == "no_target"]
    assert no_target == [
        (
            "no_target",
            "enrol",
            "veto indicator 残疾少儿入学率 (no value) has no target: nothing can "
            "judge it (declare the threshold the province sets)",
            True,
        )
    ]
    assert rows_of(result, "edu/zhenggai") == []  # not veto, not overdue: nothing to say
    row = result.rows[0]
    assert (row["unit_name"], row["title"], row["state_label"]) == ("东山镇人民政府", "抓控辍保学", "待整改")


def test_a_veto_indicator_without_a_target_blocks_even_when_verified(store):
    """The bundled checklist's case: 辍学率 recorded as 50 passes every step, and readiness says why
    that proves nothing."""
    verify(CHECKLIST, store, "dongshan/canji", ["enrol=50"], "li")
    assert store.states()["dongshan/canji"] == "verified"
    assert rows_of(readiness(CHECKLIST, store, BEFORE), "dongshan/canji") == [
        (
            "no_target",
            "enrol",
            "veto indicator 残疾少儿入学率 (50%) has no target: nothing can judge it "
            "(declare the threshold the province sets)",
            True,
        )
    ]
    # once the office declares the province's threshold, the same journal is judged by it
    judged = with_duty(CHECKLIST, replace(CANJI, indicators=(ENROL._replace(target=Target(">=", 95)),)))
    assert rows_of(readiness(judged, store, BEFORE), "dongshan/canji") == [
        ("failure", "enrol", "veto indicator 残疾少儿入学率: 50%, target >= 95", True)
    ]


def test_ready_when_every_veto_item_is_verified_with_its_targets_met_and_an_aim_missed_does_not_block(store):
    checklist = with_duty(CHECKLIST, replace(CANJI, indicators=(ENROL._replace(target=Target(">=", 95)),)))
    verify(checklist, store, "dongshan/kongchuo", ["dropout=0.5", "proof_rate=95"], "li")
    verify(checklist, store, "xihe/kongchuo", ["dropout=1", "proof_rate=100"], "xu")  # <= 1: met at the edge
    verify(checklist, store, "dongshan/canji", ["enrol=96"], "li")
    result = readiness(checklist, store, BEFORE)
    assert result.ready is True, result.rows
    assert [(r["item"], r["kind"], r["indicator"], r["reason"], r["blocks"]) for r in result.rows] == [
        ("dongshan/kongchuo", "aim", "proof_rate", "取证到位率: 95%, aim >= 100", False)
    ]


def lenient(checklist):
    """The checklist where verify looks at evidence and the note only, not at the indicators."""
    workflow = checklist.workflows[0]
    steps = tuple(
        t._replace(requires=t.requires._replace(indicators=None)) if t.trigger == "verify" else t
        for t in workflow.transitions
    )
    return replace(checklist, workflows=(replace(workflow, transitions=steps),))


def test_a_verified_veto_item_whose_veto_indicator_misses_its_target_still_blocks(store):
    checklist = lenient(CHECKLIST)
    verify(checklist, store, "dongshan/kongchuo", ["dropout=3", "proof_rate=100"], "li")
    verify(checklist, store, "xihe/kongchuo", ["proof_rate=100"], "xu")
    result = readiness(checklist, store, BEFORE)
    assert rows_of(result, "dongshan/kongchuo") == [
        ("failure", "dropout", "veto indicator 义务教育阶段辍学率: 3%, target <= 1", True)
    ]
    assert rows_of(result, "xihe/kongchuo") == [
        ("failure", "dropout", "veto indicator 义务教育阶段辍学率: no value, target <= 1", True)
    ]


def test_overdue_items_block_after_their_deadline_veto_or_not(store):
    result = readiness(CHECKLIST, store, AFTER)
    assert ("failure", None, "overdue since 2026-12-10", True) in rows_of(result, "edu/zhenggai")
    assert rows_of(result, "dongshan/kongchuo")[-2] == ("failure", None, "overdue since 2026-12-15", True)
    # the last day itself is not late
    assert rows_of(readiness(CHECKLIST, store, KONGCHUO.deadline), "dongshan/kongchuo")[-1][0] == "aim"


def file_plan(store, item, reporter):
    ops.advance(CHECKLIST, store, reporter, item, "start")
    ops.attach(CHECKLIST, store, reporter, item, "plan")
    ops.advance(CHECKLIST, store, reporter, item, "plan", "一时难以整改到位，已提交具体整改方案")


def test_items_under_a_filed_plan_are_listed_apart_and_block_only_if_veto(store):
    file_plan(store, "edu/zhenggai", "zhao")
    file_plan(store, "dongshan/kongchuo", "li")
    result = readiness(CHECKLIST, store, AFTER)  # both past their deadlines
    assert rows_of(result, "edu/zhenggai") == [
        (
            "planned",
            None,
            "continuing rectification (持续整改) under a filed plan: 具体整改方案; past its deadline 2026-12-10",
            False,
        )
    ]  # not veto: listed, no blocker, not "overdue" either
    planned = rows_of(result, "dongshan/kongchuo")
    assert planned[0] == (
        "planned",
        None,
        "continuing rectification (持续整改) under a filed plan: 具体整改方案; past its deadline 2026-12-15",
        True,
    )
    assert [r[0] for r in planned] == ["planned", "aim"]
    assert "dongshan/kongchuo" in result.blocking_items and "edu/zhenggai" not in result.blocking_items
    assert (result.count("planned"), result.count("no_target")) == (2, 1)


def test_a_plan_before_the_deadline_is_listed_too(store):
    file_plan(store, "edu/zhenggai", "zhao")
    result = readiness(CHECKLIST, store, BEFORE)
    assert rows_of(result, "edu/zhenggai") == [
        ("planned", None, "continuing rectification (持续整改) under a filed plan: 具体整改方案", False)
    ]


def test_in_progress_without_a_plan_is_a_plain_failure(store):
    ops.advance(CHECKLIST, store, "zhao", "edu/zhenggai", "start")
    ops.attach(CHECKLIST, store, "zhao", "edu/zhenggai", "plan")  # a plan on file, but not in 持续整改
    assert rows_of(readiness(CHECKLIST, store, AFTER), "edu/zhenggai") == [
        ("failure", None, "overdue since 2026-12-10", True)
    ]


def test_the_default_day_is_the_final_rounds_first_day_else_today():
    assert default_day(CHECKLIST, BEFORE) == FOLLOWUP
    no_final = replace(CHECKLIST, inspections=tuple(r._replace(final=False) for r in CHECKLIST.inspections))
    assert default_day(no_final, BEFORE) == BEFORE


def test_for_a_round_only_its_items_are_judged(store):
    review = resolve_round(CHECKLIST, "review")
    result = readiness(CHECKLIST, store, review.start, review)
    assert {r["item"] for r in result.rows} == {"dongshan/kongchuo", "dongshan/canji", "xihe/kongchuo"}
    spot = resolve_round(CHECKLIST, "重点抽查")  # by its name; its targets narrow the scope to edu
    assert {r["item"] for r in readiness(CHECKLIST, store, AFTER, spot).rows} == {"edu/zhenggai"}
    assert readiness(CHECKLIST, store, spot.start, spot).ready is True


def test_a_drawn_round_judges_its_draw_in_force(store):
    """A round with a sample, once drawn, is its drawn items (DESIGN: the draw in force)."""
    checklist = replace(
        CHECKLIST, inspections=tuple(r._replace(sample=1) if r.id == "review" else r for r in CHECKLIST.inspections)
    )
    review = resolve_round(checklist, "review")
    assert {r["item"] for r in readiness(checklist, store, review.start, review).rows} == {
        "dongshan/kongchuo",
        "dongshan/canji",
        "xihe/kongchuo",
    }  # not drawn yet: its whole scope
    with store.transaction() as tx:
        drawn = draw_round(checklist, tx, "wang", "review", seed=7).draw.drawn
    assert len(drawn) == 1
    assert {r["item"] for r in readiness(checklist, store, review.start, review).rows} == set(drawn)
