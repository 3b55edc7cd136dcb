"""A small checklist built as model records, for the reports' tests.

It uses format keys the loader may not read yet (``aim``, ``optional``, a
``final`` round, ``ref``, ``support``, ``head``, findings), so it is made here
from records rather than from YAML: the reports are tested on their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace

from engine.model import (
    Checklist,
    Duty,
    Evidence,
    Finding,
    Group,
    Indicator,
    Inspection,
    Person,
    Requirements,
    State,
    Target,
    Transition,
    Unit,
    Workflow,
)

D = dt.date
DEADLINE = D(2026, 12, 15)
BEFORE, AFTER, FOLLOWUP = D(2026, 12, 1), D(2026, 12, 16), D(2026, 12, 16)

WORKFLOW = Workflow(
    id="default",
    initial="pending",
    states=(
        State("pending", "待整改"),
        State("in_progress", "整改中"),
        State("planned", "持续整改"),
        State("verified", "已销号", final=True),
    ),
    transitions=(
        Transition("start", "启动整改", ("pending",), "in_progress", by=("owner", "supervisor")),
        Transition(
            "plan",
            "提交整改方案",
            ("in_progress",),
            "planned",
            by=("owner",),
            requires=Requirements(note=True, evidence=("plan",)),
        ),
        Transition(
            "verify",
            "复核销号",
            ("in_progress", "planned"),
            "verified",
            by=("supervisor",),
            not_by=("owner",),
            requires=Requirements(note=True, evidence=("proof", "report"), indicators="met"),
        ),
        Transition(
            "reopen", "回头看重开", ("verified",), "in_progress", by=("supervisor",), requires=Requirements(note=True)
        ),
    ),
)

PROOF = Evidence("proof", "在外就读学生取证证明")
REPORT = Evidence("report", "书面汇报材料", copies=6)
PLAN = Evidence("plan", "具体整改方案", optional=True)
DROPOUT = Indicator("dropout", "义务教育阶段辍学率", "%", target=Target("<=", 1), veto=True)
PROOF_RATE = Indicator("proof_rate", "取证到位率", "%", aim=Target(">=", 100))
ENROL = Indicator("enrol", "残疾少儿入学率", "%", veto=True)  # no target: nothing can judge it

KONGCHUO = Duty(
    "kongchuo",
    "抓控辍保学",
    ("dongshan", "xihe"),
    "default",
    DEADLINE,
    description="加强宣传，强化责任，狠抓落实。",
    evidence=(PROOF, REPORT, PLAN),
    indicators=(DROPOUT, PROOF_RATE),
    ref="四(一)2",
    support=("edu",),
    answers=("f1",),
)
CANJI = Duty(
    "canji",
    "抓残疾少儿普查",
    ("dongshan",),
    "default",
    DEADLINE,
    evidence=(PROOF, REPORT),
    indicators=(ENROL,),
    ref="四(一)3",
)
ZHENGGAI = Duty(
    "zhenggai",
    "做好存在问题整改工作",
    ("edu",),
    "default",
    D(2026, 12, 10),
    evidence=(PROOF, REPORT, PLAN),
    ref="四(二)1",
    support=("dudao", "dongshan"),
)

CHECKLIST = Checklist(
    id="reports-2026",
    title="双高普九跟踪督查整改",
    deadline=DEADLINE,
    source="政教督[]17号",
    units=(
        Unit("dudao", "区政府教育督导室", "office"),
        Unit("edu", "区教育局", "bureau", head="zhao"),
        Unit("dongshan", "东山镇人民政府", "township", head="li"),
        Unit("xihe", "西河乡人民政府", "township", head="xu"),
    ),
    groups=(Group("townships", "各乡镇人民政府", ("dongshan", "xihe")),),
    people=(
        Person("wang", "王明", "dudao", ("supervisor",)),
        Person("li", "李华", "dongshan"),
        Person("xu", "徐芳", "xihe"),
        Person("zhao", "赵强", "edu"),
    ),
    workflows=(WORKFLOW,),
    duties=(KONGCHUO, CANJI, ZHENGGAI),
    inspections=(
        Inspection("review", "乡镇评估", D(2026, 11, 1), D(2026, 11, 30), ("dongshan", "xihe")),
        Inspection("spot-check", "重点抽查", D(2026, 12, 1), D(2026, 12, 10), ("edu", "dongshan"), targets=("edu",)),
        Inspection("followup", "省政府跟踪督查", FOLLOWUP, FOLLOWUP, ("edu", "dongshan", "xihe"), final=True),
    ),
    findings=(Finding("f1", "部分乡镇在外就读学生取证不到位"),),
    permissions={action: ("owner", "support", "supervisor") for action in ("record", "attach", "note")}
    | {action: ("supervisor",) for action in ("draw", "notice", "import", "rollover")},  # the schema's defaults
    sha256=hashlib.sha256(b"reports-2026").hexdigest(),
)


def with_duty(checklist: Checklist, duty: Duty) -> Checklist:
    """The checklist with the duty of the same id replaced."""
    return replace(checklist, duties=tuple(duty if d.id == duty.id else d for d in checklist.duties))
