"""engine.checklist.load: the bundled checklist, the valid cases, and how problems are collected."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import jsonschema
import pytest
from checklist_cases import BUNDLED, REPO, edit, locate, minimal_text, valid_cases

from engine.checklist import read as yamlread
from engine.checklist.load import load_checklist
from engine.checklist.schema import load_schema
from engine.errors import ChecklistError, Refused
from engine.model import Checklist, Target


def problems_of(path: Path) -> list:
    with pytest.raises(ChecklistError) as raised:
        load_checklist(path)
    return raised.value.problems


# -- the bundled checklist encodes the seed notice --------------------------


@pytest.fixture(scope="module")
def bundled() -> Checklist:
    return load_checklist(BUNDLED)


def test_bundled_deadline_is_december_15(bundled: Checklist) -> None:
    assert bundled.deadline == dt.date(2026, 12, 15)
    assert bundled.id == "shuanggao-2026"


def test_bundled_township_group_has_at_least_8_members(bundled: Checklist) -> None:
    townships = {g.id: g for g in bundled.groups}["townships"]
    assert len(townships.members) >= 8
    assert all(bundled.unit_by_id[m].kind == "township" for m in townships.members)


@pytest.mark.parametrize("unit_name", ["区教育局", "区财政局", "区政府教育督导室", "区残联"])
def test_bundled_units_named_in_the_notice_own_duties(bundled: Checklist, unit_name: str) -> None:
    owning = [item for item in bundled.items if item.unit.name == unit_name]
    assert owning, f"no duty for {unit_name}"


def test_bundled_veto_duties_include_kongchuo_baoxue(bundled: Checklist) -> None:
    veto_titles = [d.title for d in bundled.duties if d.is_veto]
    assert any("控辍保学" in title for title in veto_titles)
    kongchuo = bundled.duty_by_id["kongchuo-baoxue"]
    assert kongchuo.veto is True
    assert kongchuo.owners == {g.id: g for g in bundled.groups}["townships"].members


def test_bundled_has_an_indicator_targeting_100(bundled: Checklist) -> None:
    targets = [i.target for d in bundled.duties for i in d.indicators if i.target is not None]
    assert Target(">=", 100.0) in targets
    assert all(isinstance(t.value, float) for t in targets)


def test_bundled_has_evidence_in_6_copies(bundled: Checklist) -> None:
    copies = [e.copies for d in bundled.duties for e in d.evidence]
    assert 6 in copies
    assert all(c is None or type(c) is int for c in copies)


def test_bundled_inspection_rounds_in_november_and_early_december(bundled: Checklist) -> None:
    november = [r for r in bundled.inspections if r.start >= dt.date(2026, 11, 1) and r.end <= dt.date(2026, 11, 30)]
    early_december = [r for r in bundled.inspections if dt.date(2026, 12, 1) <= r.start <= dt.date(2026, 12, 10)]
    assert november and early_december
    assert all(r.scope for r in bundled.inspections)
    spot = {r.id: r for r in bundled.inspections}["spot-check"]
    # 五.3(2) 对我区直各教育职能单位…重点抽查: all of them, no invented random sample
    assert spot.sample is None and spot.targets == ()
    assert set(spot.scope) == set({g.id: g for g in bundled.groups}["district-units"].members)


def test_bundled_dudao_has_at_least_two_supervisors(bundled: Checklist) -> None:
    supervisors = [p for p in bundled.people if p.unit == "dudao" and "supervisor" in p.roles]
    assert len(supervisors) >= 2


def test_bundled_items_expand_unit_slash_duty(bundled: Checklist) -> None:
    ids = [item.id for item in bundled.items]
    assert len(ids) == len(set(ids)) == sum(len(d.owners) for d in bundled.duties)
    assert "dongshan/kongchuo-baoxue" in ids
    assert "edu/wenti-zhenggai" in ids
    assert all(item.id == f"{item.unit.id}/{item.duty.id}" for item in bundled.items)
    item = bundled.item("dongshan/kongchuo-baoxue")
    assert item is not None and item.unit.name == "东山镇人民政府" and item.veto
    assert bundled.item("edu/kongchuo-baoxue") is None  # edu does not own it
    assert bundled.item("nowhere/kongchuo-baoxue") is None


def test_bundled_path_and_digest(bundled: Checklist) -> None:
    assert bundled.path == str(BUNDLED)
    assert bundled.sha256 == hashlib.sha256(BUNDLED.read_bytes()).hexdigest()


def test_bundled_veto_only_where_the_notice_says(bundled: Checklist) -> None:
    """四(一)2 and 四(一)3 (七个“一票否决”项目之一), and their two rates: nothing else."""
    assert [(d.id, d.ref) for d in bundled.duties if d.is_veto] == [
        ("kongchuo-baoxue", "四(一)2"),
        ("canji-pucha", "四(一)3"),
    ]
    veto_indicators = [(d.id, i.name, i.target) for d in bundled.duties for i in d.indicators if i.veto]
    assert veto_indicators == [("kongchuo-baoxue", "义务教育阶段辍学率", None), ("canji-pucha", "残疾少儿入学率", None)]
    assert sum(item.veto for item in bundled.items) == 20  # 10 townships x 2


def test_bundled_veto_rates_without_a_threshold_are_the_only_warnings(bundled: Checklist) -> None:
    assert [p.message.split(":")[0] for p in bundled.warnings] == ["duty 'kongchuo-baoxue'", "duty 'canji-pucha'"]
    assert all("has no target" in p.message for p in bundled.warnings)


def test_bundled_every_duty_cites_its_clause(bundled: Checklist) -> None:
    refs = [d.ref for d in bundled.duties]
    assert all(refs) and len(set(refs)) == len(refs)
    assert {"四(一)1", "四(一)6", "四(二)1", "四(五)", "四(六)", "五.2"} <= set(refs)


def test_bundled_aims_and_targets(bundled: Checklist) -> None:
    kongchuo = bundled.duty_by_id["kongchuo-baoxue"]
    for rate in ("quzheng-daowei", "quzheng-youxiao"):  # 力争…达100%: an aim, not a gate
        indicator = kongchuo.indicator_by_id(rate)
        assert indicator is not None and indicator.target is None and indicator.aim == Target(">=", 100.0)
        assert indicator.met_by(95.0) and indicator.aim_reached(95.0) is False
    shengchu = bundled.duty_by_id["zuzhi-ruxue"].indicator_by_id("shengchu")  # 小学毕业生100%升入初中
    assert shengchu is not None and shengchu.target == Target(">=", 100.0)


def test_bundled_schools_support_and_own_nothing(bundled: Checklist) -> None:
    schools = {u.id for u in bundled.units if u.kind == "school"}
    assert len(schools) == 5 and not [i for i in bundled.items if i.unit.id in schools]
    supported = sorted(d.id for d in bundled.duties if set(d.support) == schools)
    assert supported == ["anquan", "neibu-guanli", "ruxue-kongchuo"]
    assert all(bundled.duty_by_id[d].owners == ("edu",) for d in supported)
    townships = {g.id: g for g in bundled.groups}["townships"].members
    assert set(bundled.duty_by_id["canji-jianding"].support) == set(townships) | {"weisheng", "edu"}


def test_bundled_source_as_written_and_no_invented_date(bundled: Checklist) -> None:
    assert bundled.source == "政教督[]17号" and bundled.issued is None
    assert bundled.description is not None and "2025" not in bundled.description
    assert all("2025" not in (d.description or "") for d in bundled.duties)
    assert bundled.calendar is not None and bundled.calendar.source == "china"
    assert bundled.role_labels == {"supervisor": "督学"}


def test_bundled_materials_in_six_copies_are_the_townships(bundled: Checklist) -> None:
    six = [(d.id, e.id) for d in bundled.duties for e in d.evidence if e.copies == 6]
    assert six == [("yingjian-cailiao", "jichu-shuju"), ("yingjian-cailiao", "huibao")]
    assert all(d.evidence for d in bundled.duties)


def test_bundled_plan_path_only_where_the_notice_allows_a_plan(bundled: Checklist) -> None:
    with_plan = [(d.id, e.optional) for d in bundled.duties for e in d.evidence if e.id == "plan"]
    assert with_plan == [("wenti-zhenggai", True)]  # 四(二)1 一时有困难的…要提出具体整改方案


def test_bundled_workflow_is_the_notice_s_process(bundled: Checklist) -> None:
    workflow = bundled.workflow_by_id["default"]
    steps = {t.trigger: t for t in workflow.transitions}
    assert [s.label for s in workflow.states] == ["待整改", "整改中", "已申报待复核", "持续整改", "已销号"]
    assert (steps["submit"].sources, steps["submit"].dest, steps["submit"].by) == (
        ("in_progress", "planned"),
        "submitted",
        ("owner",),
    )
    assert steps["verify"].not_by == ("owner",) and steps["verify"].sources == ("submitted",)
    assert [t for t, step in steps.items() if step.is_return] == ["return"]
    assert steps["extend"].dest is None and steps["extend"].sets == ("deadline",)
    assert steps["plan"].requires.evidence == ("plan",) and steps["plan"].dest == "planned"


def test_bundled_final_inspection_covers_every_unit_owning_duties(bundled: Checklist) -> None:
    (final,) = [r for r in bundled.inspections if r.final]
    assert final.start == dt.date(2026, 12, 16)
    assert set(final.scope) == {u for d in bundled.duties for u in d.owners}


def _bundled_store(bundled: Checklist, tmp_path: Path):
    from engine.journal.sqlite import SQLiteStore

    return SQLiteStore.init(str(tmp_path / "journal.db"), bundled.id)[0]


def test_bundled_an_aim_below_100_does_not_block_submit(bundled: Checklist, tmp_path: Path) -> None:
    from helpers import ops

    store, item = _bundled_store(bundled, tmp_path), "dongshan/kongchuo-baoxue"
    ops.advance(bundled, store, "lihua", item, "start")
    for evidence in ("ruxue-tongzhi", "quzheng-zhengming", "chuoxue-baogao"):
        ops.attach(bundled, store, "lihua", item, evidence)
    ops.record(bundled, store, "lihua", item, ["chuoxue-lv=0.5", "quzheng-daowei=95", "quzheng-youxiao=95"])
    assert ops.advance(bundled, store, "lihua", item, "submit", "书面汇报已交").to_state == "submitted"
    ops.advance(bundled, store, "chenjing", item, "return", "取证到位率偏低")
    assert store.current()[item].returns == 1
    store.close()


def test_bundled_schools_report_on_edu_s_duties_and_edu_submits(bundled: Checklist, tmp_path: Path) -> None:
    from helpers import ops

    store, item = _bundled_store(bundled, tmp_path), "edu/anquan"
    ops.advance(bundled, store, "zhangwei", item, "start")
    ops.attach(bundled, store, "jiangjun", item, "anquan-cailiao")  # 东山镇中学, a support unit
    with pytest.raises(Refused):
        ops.advance(bundled, store, "jiangjun", item, "submit", "已完成")
    assert ops.advance(bundled, store, "zhangwei", item, "submit", "已完成").to_state == "submitted"
    with pytest.raises(Refused):  # a school is no support unit of 区财政局's duty
        ops.attach(bundled, store, "jiangjun", "finance/caizheng-zhenggai", "huibao")
    store.close()


def test_bundled_a_veto_rate_nothing_can_judge_blocks_readiness(bundled: Checklist, tmp_path: Path) -> None:
    """Issue 9's "done when": 辍学率 50 on a township, everything else verified, and readiness
    fails naming that indicator, on the final inspection's day."""
    from helpers import ops

    from engine.reports.readiness import default_day, readiness

    store = _bundled_store(bundled, tmp_path)
    first_person = {}
    for person in bundled.people:
        first_person.setdefault(person.unit, person.id)
    for item in bundled.items:
        owner = first_person[item.unit.id]
        ops.advance(bundled, store, owner, item.id, "start")
        for evidence in item.duty.evidence:
            if not evidence.optional:
                ops.attach(bundled, store, owner, item.id, evidence.id)
        values = [
            f"{i.id}={50 if item.id == 'dongshan/kongchuo-baoxue' and i.id == 'chuoxue-lv' else 100}"
            for i in item.duty.indicators
        ]
        if values:
            ops.record(bundled, store, owner, item.id, values)
        ops.advance(bundled, store, owner, item.id, "submit", "书面汇报已交")
        verifier = "zhaoguoqiang" if item.unit.id == "dudao" else "chenjing"
        ops.advance(bundled, store, verifier, item.id, "verify", "复核通过")
    day = default_day(bundled, dt.date(2026, 11, 1))
    assert day == dt.date(2026, 12, 16)
    verdict = readiness(bundled, store, day)
    assert not verdict.ready
    blocking = [(row["item"], row["kind"]) for row in verdict.rows if row["blocks"]]
    assert ("dongshan/kongchuo-baoxue", "no_target") in blocking
    assert {kind for _item, kind in blocking} == {"no_target"}  # everything else is done
    named = [row for row in verdict.rows if row["item"] == "dongshan/kongchuo-baoxue" and row["blocks"]]
    assert "义务教育阶段辍学率" in str(named)
    store.close()


# -- the valid cases --------------------------------------------------------


@pytest.mark.parametrize("path", valid_cases(), ids=lambda p: p.name)
def test_valid_case_loads(path: Path) -> None:
    checklist = load_checklist(path)
    assert isinstance(checklist, Checklist)
    assert checklist.items


def test_the_valid_folder_has_the_variants() -> None:
    assert {p.name for p in valid_cases()} >= {
        "minimal.yaml",
        "list-from.yaml",
        "owners-selectors.yaml",
        "custom-workflow.yaml",
    }


def test_minimal_case_defaults() -> None:
    checklist = load_checklist(REPO / "tests/cases/valid/minimal.yaml")
    zhenggai = checklist.duty_by_id["zhenggai"]
    assert zhenggai.deadline == checklist.deadline == dt.date(2026, 12, 15)  # inherited
    assert checklist.duty_by_id["kongchuo"].deadline == dt.date(2026, 12, 10)  # its own
    assert zhenggai.workflow == "default" and zhenggai.veto is False
    assert checklist.warning_days == 3
    assert [i.id for i in checklist.items] == ["edu/zhenggai", "dongshan/kongchuo", "xihe/kongchuo"]


def test_list_from_case() -> None:
    workflow = load_checklist(REPO / "tests/cases/valid/list-from.yaml").workflows[0]
    by_trigger = {t.trigger: t for t in workflow.transitions}
    assert by_trigger["suspend"].sources == ("pending", "in_progress")
    assert by_trigger["resume"].sources == ("suspended",)
    assert by_trigger["resume"].by == ()
    assert by_trigger["suspend"].requires.note is True
    assert by_trigger["start"].label == "启动整改" and by_trigger["resume"].label == "resume"


def test_owners_selectors_case() -> None:
    checklist = load_checklist(REPO / "tests/cases/valid/owners-selectors.yaml")
    owners = {d.id: d.owners for d in checklist.duties}
    assert owners == {
        "wenti-zhenggai": ("edu",),
        "touru": ("finance", "canlian"),
        "kongchuo": ("dongshan", "xihe"),
        "ziping": ("edu", "finance"),
        "xueji": ("yizhong",),
    }
    scopes = {r.id: r.scope for r in checklist.inspections}
    assert scopes == {
        "by-unit": ("edu",),
        "by-units": ("edu", "canlian"),
        "by-group": ("dongshan", "xihe"),
        "by-kind": ("edu", "finance", "canlian"),
    }
    assert {r.id: r.sample for r in checklist.inspections}["by-kind"] == 2


def test_custom_workflow_case() -> None:
    checklist = load_checklist(REPO / "tests/cases/valid/custom-workflow.yaml")
    assert [w.id for w in checklist.workflows] == ["default", "plan-approval"]
    plan = checklist.duty_by_id["ziping-jihua"]
    assert plan.workflow == "plan-approval" and checklist.duty_by_id["anquan"].workflow == "default"
    assert plan.is_veto and not plan.veto  # through its veto indicator
    assert plan.indicators[0].target == Target(">=", 95.5)
    approve = {t.trigger: t for t in checklist.workflow_by_id["plan-approval"].transitions}["approve"]
    assert approve.requires.evidence == ("plan",)
    assert approve.requires.indicators == ("coverage",)
    assert approve.requires.note is False
    assert approve.not_by == ("participant",)
    assert (checklist.previous, checklist.next, checklist.warning_days) == ("custom-2025", "custom-2027", 5)
    assert checklist.calendar is not None
    assert checklist.calendar.holidays == {dt.date(2026, 10, 1), dt.date(2026, 10, 2)}
    assert checklist.calendar.workdays == {dt.date(2026, 10, 10)}
    assert checklist.issued == dt.date(2026, 10, 20)


def test_yaml11_scalars_case_keeps_text() -> None:
    checklist = load_checklist(REPO / "tests/cases/valid/yaml11-scalars.yaml")
    assert (checklist.id, checklist.title) == ("yes", "no")
    assert [(u.id, u.name, u.kind) for u in checklist.units] == [
        ("010", "no", "on"),
        ("020", "1.10", "0x1f"),
        ("1e3", "1_000", "0o17"),
    ]
    person = checklist.people[0]
    assert (person.name, person.unit, person.roles) == ("1.10", "010", ("true",))
    assert checklist.duty_by_id["no"].owners == ("010",)
    assert checklist.duty_by_id["no"].evidence[0].name == "2026-12-15"
    assert checklist.workflows[0].initial == "off"
    assert checklist.workflows[0].transitions[0].label == "1.10"


# -- every problem, sorted --------------------------------------------------


def test_three_independent_cross_reference_errors_give_three_problems_sorted(write_checklist) -> None:
    # the loader finds them in the order people, workflows, inspections
    edits = [
        ("unit: dongshan, roles: [reporter]", "unit: dongshen, roles: [reporter]"),
        ("initial: pending", "initial: waiting"),
        ("from: 2026-11-01, to: 2026-11-30", "from: 2026-11-30, to: 2026-11-01"),
    ]
    path = write_checklist(*edits)
    text = path.read_text("utf-8")
    problems = problems_of(path)
    assert [(p.line, p.col) for p in problems] == [
        locate(text, "waiting"),
        locate(text, "dongshen"),
        locate(text, "2026-11-01"),
    ]
    assert "initial state 'waiting' is not declared" in problems[0].message
    assert "person 'li': unknown unit 'dongshen'" in problems[1].message
    assert "inspection 'review' ends before it starts" in problems[2].message
    assert all(p.file == str(path) for p in problems)


def test_yaml_and_schema_errors_are_reported_together_sorted(write_checklist) -> None:
    text = minimal_text() + "format: rectify/1\n"  # a duplicate key, on the last line
    text = edit(text, "  deadline: 2026-12-15", "  deadline: 2026/12/15")
    text = edit(text, "copies: 6", "copies: six")
    problems = problems_of(write_checklist(text=text))
    last_line = len(text.splitlines())
    assert [(p.line, p.col) for p in problems] == [locate(text, "2026/12/15"), locate(text, "six"), (last_line, 1)]
    assert "is not a date written YYYY-MM-DD" in problems[0].message
    assert "expected a whole number, got 'six'" in problems[1].message
    assert "duplicate key 'format' (first at line 3)" in problems[2].message


def test_the_error_text_is_one_located_line_per_problem(write_checklist) -> None:
    path = write_checklist(("veto: true", "veto: yes"), ("copies: 6", "copies: six"))
    with pytest.raises(ChecklistError) as raised:
        load_checklist(path)
    lines = str(raised.value).splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{path}:") for line in lines)
    line, col = locate(path.read_text("utf-8"), "yes")
    assert lines[0] == f"{path}:{line}:{col}: duties[0].veto: expected true or false, got 'yes'"


# -- files that are not checklists ------------------------------------------


def test_a_zero_byte_file_is_empty(write_checklist) -> None:
    problems = problems_of(write_checklist(data=b""))
    assert [(p.line, p.col) for p in problems] == [(1, 1)]
    assert "the file is empty" in problems[0].message


def test_nesting_10000_deep_is_refused(write_checklist) -> None:
    deep = "format: rectify/1\nchecklist: " + "[" * 10_000 + "]" * 10_000 + "\n"
    problems = problems_of(write_checklist(text=deep))
    assert len(problems) == 1
    assert problems[0].line == 2
    # our cap (64), or the one compiled into newer libyaml (1,000) when its scanner runs ahead
    message = problems[0].message
    assert f"nesting deeper than {yamlread.MAX_DEPTH} levels" in message or "maximum nesting depth" in message


def test_a_deep_block_mapping_is_refused(write_checklist) -> None:
    deep = "format: rectify/1\n" + "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "x\n"
    problems = problems_of(write_checklist(text=deep))
    assert len(problems) == 1 and "nesting deeper than" in problems[0].message


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    problems = problems_of(path)
    assert [(p.file, p.line, p.col, p.message) for p in problems] == [(str(path), 1, 1, "no such file")]


def test_a_directory(tmp_path: Path) -> None:
    problems = problems_of(tmp_path)
    assert len(problems) == 1 and problems[0].file == str(tmp_path)
    assert "is a directory" in problems[0].message


# -- the JSON Schema --------------------------------------------------------


def test_the_schema_is_valid_draft_2020_12() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_schema_file_is_the_one_shipped_in_schemas() -> None:
    import json

    assert load_schema() == json.loads((REPO / "schemas/checklist.schema.json").read_text("utf-8"))
