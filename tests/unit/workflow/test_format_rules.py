"""The rules that read the format keys: support, return: true, optional and file evidence, aims,
bounds, permissions, steps unavailable for a duty, steps that keep the state.

Driven through engine.operations.items on the every-key case (DESIGN's example checklist).
"""

from __future__ import annotations

import pytest
from checklist_cases import VALID_DIR, edit
from helpers import ops

from engine import i18n
from engine.checklist.load import load_checklist, load_checklist_bytes
from engine.errors import Refused
from engine.journal.sqlite import SQLiteStore
from engine.workflow.facts import facts_of
from engine.workflow.machine import compiled

EVERY_KEY = VALID_DIR / "every-key.yaml"
CHECKLIST = load_checklist(EVERY_KEY)
ITEM = "dongshan/dropout"


@pytest.fixture(autouse=True)
def english():
    i18n.set_language("en")


@pytest.fixture
def store(tmp_path):
    store = SQLiteStore.init(str(tmp_path / "journal.db"), CHECKLIST.id)[0]
    yield store
    store.close()


@pytest.fixture
def proof_file(tmp_path):
    path = tmp_path / "proof.pdf"
    path.write_bytes(b"%PDF-1.4 proof")
    return str(path)


def refusal(call, *args, **kwargs) -> list[str]:
    with pytest.raises(Refused) as refused:
        call(*args, **kwargs)
    return refused.value.reasons


def facts(store, item=ITEM):
    return facts_of(store.item_events(item), CHECKLIST.workflow_of(CHECKLIST.item(item)))


def submit_ready(store, proof_file, checklist=CHECKLIST):
    ops.advance(checklist, store, "li", ITEM, "start")
    ops.attach(checklist, store, "li", ITEM, "proof", proof_file)
    ops.attach(checklist, store, "li", ITEM, "report")
    ops.record(checklist, store, "li", ITEM, ["dropout_rate=1", "returned=3"])


# --- support units ------------------------------------------------------------------------------


def test_a_support_unit_records_and_attaches_but_does_not_take_the_owners_steps(store):
    ops.advance(CHECKLIST, store, "li", ITEM, "start")
    ops.record(CHECKLIST, store, "zhangwei", ITEM, ["dropout_rate=2"])  # 区教育局 supports dongshan
    ops.attach(CHECKLIST, store, "zhangwei", ITEM, "report")
    reasons = refusal(ops.advance, CHECKLIST, store, "zhangwei", ITEM, "submit", "done")
    assert any("张伟 is not" in r for r in reasons), reasons


def test_the_support_role_names_the_duty_s_support_units_only(store):
    """li of dongshan owns dongshan/dropout but is nobody on xihe/dropout."""
    ops.advance(CHECKLIST, store, "wang", "xihe/dropout", "start")
    reasons = refusal(ops.record, CHECKLIST, store, "li", "xihe/dropout", ["dropout_rate=1"])
    assert reasons == [
        "only a person of the item's own unit or a person of a support unit or 督学 may record "
        "values on this item; 李华 is not"
    ]


# --- evidence: optional, file -------------------------------------------------------------------


def test_evidence_all_leaves_optional_evidence_out(store, proof_file):
    submit_ready(store, proof_file)
    event = ops.advance(CHECKLIST, store, "li", ITEM, "submit", "材料齐全")  # no plan attached
    assert event.to_state == "submitted"


def test_optional_evidence_named_in_a_list_is_required_there(store):
    ops.advance(CHECKLIST, store, "li", ITEM, "start")
    assert refusal(ops.advance, CHECKLIST, store, "li", ITEM, "plan", "方案") == ["missing evidence: 具体整改方案"]
    ops.attach(CHECKLIST, store, "li", ITEM, "plan")
    assert ops.advance(CHECKLIST, store, "li", ITEM, "plan", "方案").to_state == "planned"


def test_file_evidence_counts_only_when_attached_with_a_file(store, proof_file):
    ops.advance(CHECKLIST, store, "li", ITEM, "start")
    ops.attach(CHECKLIST, store, "li", ITEM, "proof")  # registered, no file
    ops.attach(CHECKLIST, store, "li", ITEM, "report")
    ops.record(CHECKLIST, store, "li", ITEM, ["dropout_rate=1", "returned=3"])
    reasons = refusal(ops.advance, CHECKLIST, store, "li", ITEM, "submit", "done")
    assert reasons == ["missing evidence: 在外就读学生取证证明 counts only when attached with a file (attach --file)"]
    ops.attach(CHECKLIST, store, "li", ITEM, "proof", proof_file)
    ops.attach(CHECKLIST, store, "li", ITEM, "proof")  # a later attachment without a file keeps the file
    assert ops.advance(CHECKLIST, store, "li", ITEM, "submit", "done").to_state == "submitted"
    assert facts(store).files == {"proof"}


# --- indicators: target, aim, neither, bounds ---------------------------------------------------


def test_an_aim_never_blocks_and_an_indicator_with_neither_needs_a_value(store, proof_file):
    ops.advance(CHECKLIST, store, "li", ITEM, "start")
    ops.attach(CHECKLIST, store, "li", ITEM, "proof", proof_file)
    ops.attach(CHECKLIST, store, "li", ITEM, "report")
    ops.record(CHECKLIST, store, "li", ITEM, ["dropout_rate=1", "proof_rate=95"])
    reasons = refusal(ops.advance, CHECKLIST, store, "li", ITEM, "submit", "done")
    assert reasons == ["indicator 劝返人数: no value recorded (target any value)"]  # proof_rate 95 < aim 100: fine
    ops.record(CHECKLIST, store, "li", ITEM, ["returned=0"])
    assert ops.advance(CHECKLIST, store, "li", ITEM, "submit", "done").to_state == "submitted"
    proof_rate = CHECKLIST.duty_by_id["dropout"].indicator_by_id("proof_rate")
    assert proof_rate.aim_reached(95.0) is False and proof_rate.aim_reached(100.0) is True


def test_a_target_is_a_gate(store, proof_file):
    submit_ready(store, proof_file)
    ops.record(CHECKLIST, store, "li", ITEM, ["dropout_rate=3.5"])
    reasons = refusal(ops.advance, CHECKLIST, store, "li", ITEM, "submit", "done")
    assert reasons == ["indicator 义务教育阶段辍学率: 3.5% does not meet the target <= 3"]


@pytest.mark.parametrize(
    "assignment, message",
    [
        ("dropout_rate=120", "义务教育阶段辍学率: 120 is outside the values accepted (0 to 100)"),
        ("dropout_rate=-1", "义务教育阶段辍学率: -1 is outside the values accepted (0 to 100)"),
        ("returned=-2", "劝返人数: -2 is outside the values accepted (0 to any)"),
    ],
)
def test_record_refuses_values_outside_min_max(store, assignment, message):
    ops.advance(CHECKLIST, store, "li", ITEM, "start")
    before = store.head()
    assert refusal(ops.record, CHECKLIST, store, "li", ITEM, [assignment]) == [message]
    assert store.head() == before
    ops.record(CHECKLIST, store, "li", ITEM, ["dropout_rate=100", "returned=100000"])  # the bounds themselves pass


# --- returns ------------------------------------------------------------------------------------


def test_only_return_true_steps_count_as_returns(store, proof_file):
    submit_ready(store, proof_file)
    ops.advance(CHECKLIST, store, "li", ITEM, "submit", "done")
    ops.advance(CHECKLIST, store, "wang", ITEM, "return", "取证不全")
    assert facts(store).returns == 1
    ops.advance(CHECKLIST, store, "li", ITEM, "submit", "补齐")
    ops.advance(CHECKLIST, store, "wang", ITEM, "verify", "复核通过")
    ops.advance(CHECKLIST, store, "wang", ITEM, "reopen", "回头看")  # back to in_progress: no return
    assert facts(store).returns == 1
    assert store.current()[ITEM].returns == 1


# --- permissions --------------------------------------------------------------------------------


def test_permissions_come_from_the_checklist(store, tmp_path):
    text = edit(
        EVERY_KEY.read_text(encoding="utf-8"),
        "permissions: {record: [owner, support, supervisor], draw: [supervisor]}",
        "permissions: {attach: [supervisor]}",
    )
    checklist = load_checklist_bytes(str(tmp_path / "c.yaml"), text.encode())
    ops.advance(checklist, store, "li", ITEM, "start")
    reasons = refusal(ops.attach, checklist, store, "li", ITEM, "report")
    assert reasons == ["only 督学 may attach evidence on this item; 李华 is not"]
    ops.attach(checklist, store, "wang", ITEM, "report")
    ops.record(checklist, store, "li", ITEM, ["dropout_rate=1"])  # record keeps its default


def test_nothing_is_recorded_on_a_final_item(store, proof_file):
    submit_ready(store, proof_file)
    ops.advance(CHECKLIST, store, "li", ITEM, "submit", "done")
    ops.advance(CHECKLIST, store, "wang", ITEM, "verify", "ok")
    reasons = refusal(ops.record, CHECKLIST, store, "li", ITEM, ["dropout_rate=1"])
    assert reasons == ["the item is already 已销号; reopen it first"]


# --- steps a duty cannot take, steps that keep the state -----------------------------------------


def test_a_step_needing_evidence_the_duty_lacks_is_unavailable_and_explain_says_why(store):
    ops.advance(CHECKLIST, store, "zhangwei", "edu/funding", "start")
    reasons = refusal(ops.advance, CHECKLIST, store, "zhangwei", "edu/funding", "plan", "方案")
    assert reasons == [
        "step 提交整改方案 is unavailable for duty 加大教育投入: it needs evidence 'plan', "
        "which this duty does not declare"
    ]
    state, options = ops.explain(CHECKLIST, store, "edu/funding", "plan")
    assert state == "in_progress" and reasons[0] in options[0].reasons


def test_a_step_without_to_keeps_the_state():
    machine = compiled(CHECKLIST.workflow_by_id["default"])
    assert machine.fire("in_progress", "extend", lambda transition: []) == "in_progress"
    assert machine.fire("planned", "extend", lambda transition: []) == "planned"
