"""The minimal checklist with the office's keys filled in code: escalation, notices, permissions,
a workflow with a return and an extension, a 重点抽查 with targets, heads, findings.

Built with dataclasses.replace on the loaded minimal.yaml, so these tests do not depend on how the
loader spells the keys, only on the model records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from engine.checklist.load import load_checklist
from engine.model import (
    Calendar,
    Checklist,
    EscalationLevel,
    Finding,
    Inspection,
    NoticeRule,
    Requirements,
    Transition,
)

MINIMAL = Path(__file__).resolve().parent / "cases" / "valid" / "minimal.yaml"
LADDER = (
    EscalationLevel("blue", "蓝色督办", returns=1),
    EscalationLevel("yellow", "黄色督办", returns=2, overdue_days=1),
    EscalationLevel("red", "红色督办", returns=3, overdue_days=10, action="约谈"),
)
PERMISSIONS = {
    "record": ("owner", "support", "supervisor"),
    "attach": ("owner", "support", "supervisor"),
    "note": ("owner", "support", "supervisor"),
    "draw": ("supervisor",),
    "notice": ("supervisor",),
    "import": ("supervisor",),
    "rollover": ("supervisor",),
}


def office_checklist(calendar: Calendar | None = None) -> Checklist:
    base = load_checklist(MINIMAL)
    workflow = base.workflows[0]
    extra = (
        Transition(
            "return",
            "退回整改",
            ("in_progress",),
            "in_progress",
            by=("supervisor",),
            requires=Requirements(note=True),
            is_return=True,
        ),
        Transition(
            "extend",
            "批准延期",
            ("in_progress",),
            None,
            by=("supervisor",),
            requires=Requirements(note=True),
            sets=("deadline",),
        ),
    )
    workflow = replace(workflow, transitions=workflow.transitions + extra)
    units = tuple(u._replace(head="li") if u.id == "dongshan" else u for u in base.units)
    duties = tuple(replace(d, ref="四(一)2", answers=("f1",)) if d.id == "kongchuo" else d for d in base.duties)
    inspections = base.inspections + (
        Inspection(
            "december",
            "区直单位重点抽查",
            dt.date(2026, 12, 1),
            dt.date(2026, 12, 10),
            ("dudao", "edu"),
            targets=("edu",),
        ),
        Inspection(
            "draw-all", "全部抽签", dt.date(2026, 12, 11), dt.date(2026, 12, 12), ("dongshan", "xihe", "edu"), sample=2
        ),
    )
    return replace(
        base,
        workflows=(workflow,),
        units=units,
        duties=duties,
        inspections=inspections,
        escalation=LADDER,
        notices=NoticeRule("区政府教育督导室", "区教督〔{year}〕{n}号"),
        permissions=PERMISSIONS,
        findings=(Finding("f1", "部分乡镇在外就读学生取证不到位"),),
        calendar=calendar,
    )
