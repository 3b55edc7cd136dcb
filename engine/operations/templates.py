"""``template``: per unit, a sheet of its items to fill in and send back for ``import``.

Each row is one item with what the journal knows (state, what the next steps
still lack); the cells to fill are the step (a drop-down of the steps the
workflow allows from the item's state, by label), a note, the reporter, one
column per indicator and per evidence. The sheet shape is
:mod:`engine.formats.workbook`'s; the field ids are :mod:`engine.operations.imports`'.
"""

from __future__ import annotations

from typing import Optional

from engine.errors import Refused
from engine.formats.workbook import FillColumn, FillRow, FillSheet, render_fill_workbook
from engine.i18n import _
from engine.journal.store import Reader
from engine.model import Checklist, Evidence, Indicator, Item, Unit
from engine.operations.imports import EVIDENCE_PREFIX, HANDED_IN, VALUE_PREFIX
from engine.workflow.facts import facts_of
from engine.workflow.rules import Attempt, check_evidence, check_indicators, format_number

INSTRUCTIONS_TITLE = "填表说明"


def template_files(
    checklist: Checklist, reader: Reader, unit_id: Optional[str], one_per_unit: bool
) -> list[tuple[str, bytes]]:
    """(file stem, xlsx bytes): one workbook with a sheet per unit, or one workbook per unit."""
    units = _units(checklist, unit_id)
    sheets = [(unit, unit_sheet(checklist, reader, unit)) for unit in units]
    guide = instructions(checklist)
    if one_per_unit:
        return [(unit.id, render_fill_workbook([sheet], guide, INSTRUCTIONS_TITLE)) for unit, sheet in sheets]
    return [(checklist.id, render_fill_workbook([sheet for _unit, sheet in sheets], guide, INSTRUCTIONS_TITLE))]


def _units(checklist: Checklist, unit_id: Optional[str]) -> list[Unit]:
    owning = {item.unit.id for item in checklist.items}
    if unit_id is None:
        return [u for u in checklist.units if u.id in owning]
    unit = checklist.unit_by_id.get(unit_id) or next((u for u in checklist.units if u.name == unit_id), None)
    if unit is None:
        raise Refused(
            [
                _("unknown unit {unit!r}; units: {known}").format(
                    unit=unit_id, known=", ".join(u.id for u in checklist.units)
                )
            ]
        )
    if unit.id not in owning:
        raise Refused([_("{unit} owns no duty: there is nothing for it to fill in").format(unit=unit.name)])
    return [unit]


def unit_sheet(checklist: Checklist, reader: Reader, unit: Unit) -> FillSheet:
    unit_items = [item for item in checklist.items if item.unit.id == unit.id]
    indicators = _distinct([i for item in unit_items for i in item.duty.indicators])
    evidence = _distinct([e for item in unit_items for e in item.duty.evidence])
    people = tuple(p.name for p in checklist.people if p.unit == unit.id)
    columns = [
        FillColumn("item", "任务编号", 22, given=True, comment="请勿修改：导入时据此识别整改任务"),
        FillColumn("ref", "序号", 9, given=True),
        FillColumn("title", "整改任务", 24, given=True),
        FillColumn("due", "整改时限", 12, given=True),
        FillColumn("state", "当前状态", 12, given=True),
        FillColumn("needs", "尚缺材料和指标", 36, given=True),
        FillColumn("trigger", "办理步骤", 14, comment="从下拉列表中选择本次办理的步骤；不办理则留空"),
        FillColumn("note", "情况说明", 36, comment="整改情况、申报或延期理由；部分步骤必须填写"),
        FillColumn("reporter", "填报人", 10, choices=people, comment="本单位填报人姓名；留空则记为导入人"),
    ]
    if any(t.sets for w in checklist.workflows for t in w.transitions):
        columns.append(FillColumn("deadline", "延期至", 12, comment="仅用于批准延期等设定时限的步骤，格式 YYYY-MM-DD"))
    columns += [_value_column(i) for i in indicators] + [_evidence_column(e) for e in evidence]
    rows = tuple(_row(checklist, reader, item, indicators, evidence) for item in unit_items)
    return FillSheet(unit.name, tuple(columns), rows)


def _distinct(records: list) -> list:
    seen: dict[str, object] = {}
    for record in records:
        seen.setdefault(record.id, record)
    return list(seen.values())


def _value_column(indicator: Indicator) -> FillColumn:
    low, high = indicator.min, indicator.max
    if indicator.unit == "%":
        low, high = (0.0 if low is None else low), (100.0 if high is None else high)
    lines = [f"指标：{indicator.name}", f"单位：{indicator.unit or '无'}"]
    if indicator.target:
        lines.append(f"目标：{indicator.target}")
    if indicator.aim:
        lines.append(f"力争：{indicator.aim}")
    if low is not None or high is not None:
        lines.append(
            "允许范围：{} 至 {}".format(
                "不限" if low is None else format_number(low), "不限" if high is None else format_number(high)
            )
        )
    header = f"{indicator.name}（{indicator.unit}）" if indicator.unit else indicator.name
    return FillColumn(
        VALUE_PREFIX + indicator.id, header, 14, comment="\n".join(lines), number=True, minimum=low, maximum=high
    )


def _evidence_column(evidence: Evidence) -> FillColumn:
    how = "填写随表报送的文件名，多个用分号;分隔"
    if not evidence.file:
        how += f"；纸质材料已报送的填“{HANDED_IN[0]}”"
    if evidence.copies:
        how += f"（一式{evidence.copies}份）"
    return FillColumn(EVIDENCE_PREFIX + evidence.id, evidence.name, 20, comment=f"{evidence.name}\n{how}")


def _row(
    checklist: Checklist, reader: Reader, item: Item, indicators: list[Indicator], evidence: list[Evidence]
) -> FillRow:
    workflow = checklist.workflow_of(item)
    facts = facts_of(reader.item_events(item.id), workflow)
    state = workflow.state_by_id[facts.state]
    steps = workflow.transitions_from(facts.state)
    needs = []
    for transition in steps:
        if transition.is_return:
            continue
        attempt = Attempt(item, transition, None, "", facts)
        missing = check_evidence(attempt) + check_indicators(attempt)
        if missing:
            needs.append(f"{transition.label}：" + "；".join(missing))
    values = {
        "item": item.id,
        "ref": item.duty.ref or "",
        "title": item.duty.title,
        "due": item.deadline,
        "state": state.label,
        "needs": "\n".join(needs),
    }
    closed = {VALUE_PREFIX + i.id for i in indicators if item.duty.indicator_by_id(i.id) is None}
    closed |= {EVIDENCE_PREFIX + e.id for e in evidence if item.duty.evidence_by_id(e.id) is None}
    labels = tuple(dict.fromkeys(t.label for t in steps))
    return FillRow(values, {"trigger": labels} if labels else {}, frozenset(closed))


def instructions(checklist: Checklist) -> list[str]:
    return [
        f"{checklist.title}　整改情况填报表　填表说明",
        "1. 每个工作表对应一个责任单位，每行是一项整改任务；灰色单元格为系统填写，请勿修改。",
        "2. “办理步骤”从下拉列表选择（只列出当前状态下可办理的步骤）；不办理的行留空即可。",
        "3. 指标列填写数值（不带%号），表头批注写明单位、目标值和允许范围，超出范围无法录入。",
        "4. 材料列填写随表报送的电子文件名（与本表放在同一文件夹），多个文件用分号;分隔；"
        f"纸质材料已报送的填“{HANDED_IN[0]}”。",
        "5. “情况说明”填写整改情况或申报、延期理由；申报销号等步骤必须填写。",
        "6. “填报人”填写本单位填报人姓名，留空则记为导入人。",
        "7. 请勿增删列、修改表头或隐藏的第2行；整表一次导入，任何一行有误则全部不导入，并逐行列出问题。",
        "8. 同一文件重复导入不会重复记录。",
    ]
