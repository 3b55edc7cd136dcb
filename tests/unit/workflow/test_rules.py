"""engine.workflow.rules: each requirement kind and its reason text; a refusal lists every unmet reason."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.model import Duty, Evidence, Indicator, Item, Person, Requirements, Target, Transition, Unit
from engine.workflow.rules import RULES, Attempt, Facts, unmet

DONGSHAN = Unit("dongshan", "东山镇人民政府", "township")
DUDAO = Unit("dudao", "区政府教育督导室", "office")
LIHUA = Person("lihua", "李华", "dongshan", ("reporter",))
WANGMING = Person("wangming", "王明", "dudao", ("supervisor",))
ZHAO = Person("zhaoguoqiang", "赵国强", "district", ("supervisor",))
ZHANGWEI = Person("zhangwei", "张伟", "edu")

EVIDENCE = (Evidence("zerenshu", "责任书"), Evidence("tongzhi", "入学通知"), Evidence("baogao", "辍学报告"))
INDICATORS = (
    Indicator("chuoxue", "辍学率", "%", veto=True),  # no target: met once recorded
    Indicator("daowei", "取证到位率", "%", Target(">=", 100.0)),
    Indicator("youxiao", "取证有效性", "%", Target(">=", 100.0)),
)
DUTY = Duty(
    "kongchuo",
    "抓控辍保学",
    ("dongshan", "dudao"),
    "default",
    dt.date(2026, 12, 15),
    evidence=EVIDENCE,
    indicators=INDICATORS,
)
ITEM = Item(DONGSHAN, DUTY)
OFFICE_ITEM = Item(DUDAO, DUTY)
ALL_FACTS = Facts(
    "in_progress",
    {"chuoxue": 0.0, "daowei": 100.0, "youxiao": 100.0},
    frozenset(e.id for e in EVIDENCE),
    frozenset({"lihua"}),
)


def step(**fields):
    return Transition("verify", "验收销号", ("in_progress",), "verified", **fields)


def reasons(transition, actor=WANGMING, note="", facts=ALL_FACTS, item=ITEM, labels=None):
    return unmet(Attempt(item, transition, actor, note, facts, labels or {}))


def test_the_registry_names_every_kind():
    assert list(RULES) == ["by", "not_by", "note", "evidence", "indicators"]


def test_nothing_required_nothing_unmet():
    assert reasons(step(), actor=ZHANGWEI, facts=Facts("in_progress")) == []


# --- by ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "by, actor, expected",
    [
        (("supervisor",), WANGMING, []),
        (("supervisor",), LIHUA, ["step 验收销号 may be taken only by: supervisor; 李华 is not one of them"]),
        (("owner",), LIHUA, []),
        (
            ("owner",),
            WANGMING,
            ["step 验收销号 may be taken only by: a person of the item's own unit; 王明 is not one of them"],
        ),
        (("owner", "supervisor"), ZHAO, []),
        (
            ("owner", "supervisor"),
            ZHANGWEI,
            [
                "step 验收销号 may be taken only by: a person of the item's own unit or supervisor; 张伟 is not one of them"
            ],
        ),
        (("participant",), LIHUA, []),
        (
            ("participant",),
            ZHAO,
            [
                "step 验收销号 may be taken only by: someone who took an earlier step on this item; "
                "赵国强 is not one of them"
            ],
        ),
    ],
)
def test_by(by, actor, expected):
    assert reasons(step(by=by), actor=actor) == expected


def test_by_without_an_actor_names_who_may():
    assert reasons(step(by=("supervisor",)), actor=None) == ["step 验收销号 may be taken only by: supervisor"]


def test_roles_are_named_by_their_labels():
    """The ``roles:`` map's labels replace role ids in what people read (督学, not supervisor)."""
    got = reasons(step(by=("owner", "supervisor")), actor=ZHANGWEI, labels={"supervisor": "督学"})
    assert got == [
        "step 验收销号 may be taken only by: a person of the item's own unit or 督学; 张伟 is not one of them"
    ]


# --- not_by -----------------------------------------------------------------------------------


def test_not_by_owner_refuses_the_items_own_unit():
    transition = step(by=("supervisor",), not_by=("owner",))
    assert reasons(transition, actor=WANGMING, item=OFFICE_ITEM) == [
        "separation of duties: 王明 is a person of the item's own unit and may not take step 验收销号"
    ]
    assert reasons(transition, actor=WANGMING, item=ITEM) == []
    assert reasons(transition, actor=ZHAO, item=OFFICE_ITEM) == []


def test_not_by_participant_refuses_anyone_with_an_earlier_event():
    transition = step(not_by=("participant",))
    facts = Facts("in_progress", participants=frozenset({"wangming"}))
    assert reasons(transition, actor=WANGMING, facts=facts) == [
        "separation of duties: 王明 is someone who took an earlier step on this item and may not take step 验收销号"
    ]
    assert reasons(transition, actor=ZHAO, facts=facts) == []


def test_not_by_lists_each_role_held():
    transition = step(not_by=("owner", "participant"))
    facts = Facts("in_progress", participants=frozenset({"lihua"}))
    assert reasons(transition, actor=LIHUA, facts=facts) == [
        "separation of duties: 李华 is a person of the item's own unit and may not take step 验收销号",
        "separation of duties: 李华 is someone who took an earlier step on this item and may not take step 验收销号",
    ]


def test_not_by_is_not_judged_without_an_actor():
    assert reasons(step(not_by=("owner",)), actor=None) == []


# --- note -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note, expected",
    [
        ("", ["a note is required (--note)"]),
        ("   \n\t", ["a note is required (--note)"]),
        ("材料齐全", []),
    ],
)
def test_note(note, expected):
    assert reasons(step(requires=Requirements(note=True)), note=note) == expected


def test_note_not_required():
    assert reasons(step(requires=Requirements(note=False)), note="") == []


# --- evidence ---------------------------------------------------------------------------------


def test_evidence_all_names_every_missing_material_in_declared_order():
    facts = Facts("in_progress", evidence=frozenset({"tongzhi"}))
    assert reasons(step(requires=Requirements(evidence="all")), facts=facts) == [
        "missing evidence: 责任书",
        "missing evidence: 辍学报告",
    ]


def test_evidence_all_met():
    assert reasons(step(requires=Requirements(evidence="all"))) == []


def test_evidence_list_asks_only_for_the_listed_ids():
    transition = step(requires=Requirements(evidence=("baogao",)))
    assert reasons(transition, facts=Facts("in_progress")) == ["missing evidence: 辍学报告"]
    assert reasons(transition, facts=Facts("in_progress", evidence=frozenset({"baogao"}))) == []


def test_missing_paper_material_says_how_many_copies_are_due():
    report = Evidence("huibao", "书面汇报材料", copies=6)
    duty = Duty("yingjian", "准备迎检材料", ("dongshan",), "default", dt.date(2026, 12, 15), evidence=(report,))
    transition = step(requires=Requirements(evidence="all"))
    assert reasons(transition, facts=Facts("in_progress"), item=Item(DONGSHAN, duty)) == [
        "missing evidence: 书面汇报材料 (6 paper copies due)"
    ]


# --- indicators -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "op, target, value, met",
    [
        (">=", 100, 100, True),
        (">=", 100, 99.9, False),
        (">=", 100, 101, True),
        (">", 100, 100, False),
        (">", 100, 100.5, True),
        ("<=", 1, 1, True),
        ("<=", 1, 1.01, False),
        ("<", 1, 1, False),
        ("<", 1, 0.99, True),
        ("<", 0.5, 0, True),
        ("==", 0, 0, True),
        ("==", 0, 0.1, False),
        ("==", 100, 100.0, True),
    ],
)
def test_indicator_target_each_operator(op, target, value, met):
    indicator = Indicator("rate", "辍学率", "%", Target(op, float(target)))
    duty = Duty("d", "题", ("dongshan",), "default", dt.date(2026, 12, 15), indicators=(indicator,))
    item = Item(DONGSHAN, duty)
    got = reasons(
        step(requires=Requirements(indicators="met")), item=item, facts=Facts("in_progress", {"rate": float(value)})
    )
    shown = str(value)
    assert got == ([] if met else [f"indicator 辍学率: {shown}% does not meet the target {op} {target}"])


def test_indicator_without_a_value_shows_its_target():
    facts = Facts("in_progress", {"chuoxue": 3.0})
    assert reasons(step(requires=Requirements(indicators="met")), facts=facts) == [
        "indicator 取证到位率: no value recorded (target >= 100)",
        "indicator 取证有效性: no value recorded (target >= 100)",
    ]


def test_indicator_without_a_target_is_met_once_recorded():
    transition = step(requires=Requirements(indicators=("chuoxue",)))
    assert reasons(transition, facts=Facts("in_progress")) == ["indicator 辍学率: no value recorded (target any value)"]
    for value in (0.0, 37.5, 100.0, -1.0):
        assert reasons(transition, facts=Facts("in_progress", {"chuoxue": value})) == []


def test_indicator_list_asks_only_for_the_listed_ids():
    transition = step(requires=Requirements(indicators=("daowei",)))
    assert reasons(transition, facts=Facts("in_progress", {"daowei": 99.5})) == [
        "indicator 取证到位率: 99.5% does not meet the target >= 100"
    ]
    assert reasons(transition, facts=Facts("in_progress", {"daowei": 100.0})) == []


# --- every reason at once -----------------------------------------------------------------------


def test_a_refusal_lists_every_unmet_reason():
    transition = step(
        by=("supervisor",), not_by=("owner",), requires=Requirements(note=True, evidence="all", indicators="met")
    )
    facts = Facts("in_progress", {"daowei": 99.0}, frozenset({"tongzhi"}), frozenset({"lihua"}))
    assert reasons(transition, actor=LIHUA, note=" ", facts=facts) == [
        "step 验收销号 may be taken only by: supervisor; 李华 is not one of them",
        "separation of duties: 李华 is a person of the item's own unit and may not take step 验收销号",
        "a note is required (--note)",
        "missing evidence: 责任书",
        "missing evidence: 辍学报告",
        "indicator 辍学率: no value recorded (target any value)",
        "indicator 取证到位率: 99% does not meet the target >= 100",
        "indicator 取证有效性: no value recorded (target >= 100)",
    ]


def test_the_same_attempt_with_everything_in_place_is_met():
    transition = step(
        by=("supervisor",), not_by=("owner",), requires=Requirements(note=True, evidence="all", indicators="met")
    )
    assert reasons(transition, actor=ZHAO, note="同意销号", item=OFFICE_ITEM) == []
