"""The format keys of DESIGN § The checklist YAML: loaded into the model, cross-checked, warned about.

The schema is the one source of types, patterns and defaults; the tests below hold the
reader, the loader and the hints to it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from checklist_cases import VALID_DIR, edit, minimal_text
from click.testing import CliRunner

from cli import cli
from engine.checklist import schema
from engine.checklist.build import ModelBuilder
from engine.checklist.load import load_checklist
from engine.checklist.read import TYPED_KEYS, read_yaml
from engine.errors import ChecklistError
from engine.model import PERMISSIONS, Target

EVERY_KEY = VALID_DIR / "every-key.yaml"


def load_text(tmp_path: Path, text: str):
    path = tmp_path / "checklist.yaml"
    path.write_text(text, encoding="utf-8")
    return load_checklist(path)


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ChecklistError) as raised:
        load_text(tmp_path, text)
    return [f"{p.line}: {p.message}" for p in raised.value.problems]


# --- one source: the schema ---------------------------------------------------------------------


def test_typed_keys_are_the_keys_the_schema_types_as_numbers_or_booleans():
    assert TYPED_KEYS == schema.typed_keys()


def test_no_key_is_a_number_in_one_place_and_text_in_another():
    for name, types in schema.key_types().items():
        assert not ({"integer", "number", "boolean"} & types and "string" in types), (name, types)


def test_every_schema_pattern_is_a_whole_string_match():
    """``$`` alone matches before a trailing newline: 'dudao\\n' must fail every anchored pattern."""
    patterns = [s["pattern"] for s in schema._walk(schema.load_schema()) if "pattern" in s]
    assert len(patterns) >= 5
    samples = {"id": "dudao", "date": "2026-12-15", "carried_item": "a-2025/edu/funding"}
    for name, sample in samples.items():
        pattern = schema.load_schema()["$defs"][name]["pattern"]
        assert re.search(pattern, sample)
        assert not re.search(pattern, sample + "\n"), name


def test_the_loader_parses_targets_with_the_schema_pattern():
    match = schema.target_pattern().match(" <= 3.5 ")
    assert match and (match.group(1), match.group(2)) == ("<=", "3.5")
    for bad in ("100", "=> 1", ">= 1\n>= 2"):
        assert not re.search(schema.load_schema()["$defs"]["target"]["pattern"], bad)


def test_pattern_hints_are_explicit_and_the_default_is_neutral():
    assert schema._pattern_hint(schema.load_schema()["$defs"]["date"]["pattern"]) == "a date written YYYY-MM-DD"
    assert "OP NUMBER" not in schema._pattern_hint("^x$")
    assert schema._pattern_hint("^x$") == "of the expected form ^x$"


def test_permission_defaults_come_from_the_schema_and_cover_every_permission():
    defaults = schema.permission_defaults()
    assert set(defaults) == set(PERMISSIONS)
    assert defaults["record"] == ("owner", "support", "supervisor")
    assert defaults["draw"] == ("supervisor",)


def test_no_role_id_is_written_in_the_engine():
    engine = Path(__file__).resolve().parents[3] / "engine"
    offenders = [str(p) for p in engine.rglob("*.py") if '"supervisor"' in p.read_text(encoding="utf-8")]
    assert offenders == []


# --- every key into the model -----------------------------------------------------------------


def test_every_key_is_loaded_into_the_model():
    checklist = load_checklist(EVERY_KEY)
    assert checklist.warnings == ()
    assert checklist.source == "政教督[]17号" and checklist.issued is None
    assert checklist.unit_by_id["edu"].head == "zhangwei"
    assert checklist.person_by_id["wang"].login == "wang_ming"
    assert checklist.role_labels == {"supervisor": "督学"}
    assert [f.id for f in checklist.findings] == ["f1"]
    dropout = checklist.duty_by_id["dropout"]
    assert (dropout.ref, dropout.support, dropout.answers) == ("四(一)2", ("edu",), ("f1",))
    assert [(e.id, e.file, e.optional) for e in dropout.evidence] == [
        ("proof", True, False),
        ("report", False, False),
        ("plan", False, True),
    ]
    rate, proof_rate, returned = dropout.indicators
    assert (rate.target, rate.aim, rate.min, rate.max) == (Target("<=", 3.0), None, 0.0, 100.0)
    assert (proof_rate.target, proof_rate.aim) == (None, Target(">=", 100.0))
    assert (returned.min, returned.max) == (0.0, None)
    assert checklist.duty_by_id["funding"].carried_from == ("shuanggao-2025/edu/funding",)
    workflow = checklist.workflow_by_id["default"]
    by_trigger = {t.trigger: t for t in workflow.transitions}
    assert by_trigger["return"].is_return and not by_trigger["reopen"].is_return
    assert by_trigger["extend"].dest is None and by_trigger["extend"].sets == ("deadline",)
    review, spot, followup = checklist.inspections
    assert spot.targets == ("edu",) and not spot.final and followup.final
    assert [(e.level, e.returns, e.overdue_days, e.action) for e in checklist.escalation] == [
        ("blue", 1, None, None),
        ("yellow", 2, 1, None),
        ("red", 3, 10, "约谈"),
    ]
    assert checklist.notices is not None and checklist.notices.number == "区教督〔{year}〕{n}号"
    assert checklist.calendar is not None and checklist.calendar.source == "china"
    assert checklist.permissions["draw"] == ("supervisor",)


def test_explicit_permissions_replace_the_default_of_that_action_only(tmp_path):
    text = minimal_text() + "permissions: {record: [owner]}\n"
    checklist = load_text(tmp_path, text)
    assert checklist.permissions["record"] == ("owner",)
    assert checklist.permissions["attach"] == ("owner", "support", "supervisor")


def test_a_percent_indicator_is_bounded_0_100_unless_told(tmp_path):
    text = edit(minimal_text(), "target: '>= 100'}", "target: '>= 100', max: 150}")
    indicator = load_text(tmp_path, text).duty_by_id["kongchuo"].indicators[0]
    assert (indicator.min, indicator.max) == (0.0, 150.0)


def test_issued_is_optional(tmp_path):
    checklist = load_text(tmp_path, edit(minimal_text(), "  issued: 2026-10-20\n", ""))
    assert checklist.issued is None


# --- warnings -----------------------------------------------------------------------------------


def test_warnings_are_located_and_do_not_stop_the_load(tmp_path):
    text = edit(minimal_text(), "target: '>= 100'}", "veto: true}")
    text = edit(text, "duties:\n", "findings:\n  - {id: f1, text: 取证不到位}\nduties:\n")
    text = edit(
        text,
        "      - {id: verified, label: 已销号, final: true}\n",
        "      - {id: verified, label: 已销号, final: true}\n      - {id: stuck, label: 搁置}\n",
    )
    text = edit(
        text,
        "      - {trigger: reopen,",
        "      - {trigger: park, from: in_progress, to: stuck}\n      - {trigger: reopen,",
    )
    checklist = load_text(tmp_path, text)
    messages = [(p.line, p.message) for p in checklist.warnings]
    assert all(p.warning and str(p).count(": warning: ") == 1 for p in checklist.warnings)
    lines = text.splitlines()
    assert len(messages) == 3, messages
    (l1, m1), (l2, m2), (l3, m3) = messages
    assert "{id: stuck" in lines[l1 - 1] and "no final state can be reached from state 'stuck'" in m1
    assert "f1" in lines[l2 - 1] and "finding 'f1' is answered by no duty" in m2
    assert "proof_rate" in lines[l3 - 1] and "veto indicator 'proof_rate' has no target" in m3


def test_validate_prints_warnings_and_strict_makes_them_errors(tmp_path):
    path = tmp_path / "warned.yaml"
    path.write_text(edit(minimal_text(), "target: '>= 100'}", "veto: true}"), encoding="utf-8")
    runner = CliRunner()
    plain = runner.invoke(cli, ["validate", str(path)], catch_exceptions=False)
    assert plain.exit_code == 0
    assert re.fullmatch(rf"{re.escape(str(path))}:\d+:\d+: warning: .*veto indicator.*\n", plain.stderr)
    assert plain.stdout.startswith(f"{path}: ok")
    strict = runner.invoke(cli, ["validate", "--strict", str(path)], catch_exceptions=False)
    assert strict.exit_code == 1
    assert strict.stderr == plain.stderr and strict.stdout == ""


# --- cross-checks -------------------------------------------------------------------------------


def test_a_requires_id_one_duty_declares_is_not_an_error(tmp_path):
    """zhenggai has no 'report': the step is unavailable for its items, not a load error."""
    text = edit(
        minimal_text(),
        "requires: {evidence: all, indicators: met, note: true}",
        "requires: {evidence: [report], indicators: [proof_rate], note: true}",
    )
    assert load_text(tmp_path, text).duties[1].evidence == ()


def test_an_unanswered_finding_is_not_reported_when_a_duty_was_cut(tmp_path):
    """The broken duty might be the one answering it: only the schema error is reported."""
    text = edit(minimal_text(), "duties:\n", "findings:\n  - {id: f1, text: 取证不到位}\nduties:\n")
    text = edit(text, "    veto: true\n", "    veto: yes\n    answers: [f1]\n")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1 and "expected true or false, got 'yes'" in problems[0]


def test_a_reference_into_a_broken_record_is_not_reported_as_dangling(tmp_path):
    """The unit 'edu' has a schema error: the duty owning it is not told 'unknown unit'."""
    text = edit(minimal_text(), "{id: edu, name: 区教育局, kind: bureau}", "{id: edu, name: 区教育局, kind: Bureau}")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1 and "units[1].kind" in problems[0]


def test_an_unknown_key_is_cut_and_the_rest_of_its_record_still_checked(tmp_path):
    text = edit(minimal_text(), "    owners: {unit: edu}\n", "    owners: {unit: edux}\n    vetoo: true\n")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 2, problems
    assert "unknown key 'vetoo'" in problems[1] and "unknown unit 'edux'" in problems[0]


def test_the_builder_reads_only_a_tree_the_schema_accepts(tmp_path):
    """Whatever was cut, what is left validates: the builder never sees a raw broken node."""
    text = edit(
        minimal_text(),
        "  - {id: li, name: 李华, unit: dongshan, roles: [reporter]}\n",
        "  - {id: li, name: 李华, unit: [dongshan], roles: reporter}\n",
    )
    root, _ = read_yaml(text.encode())
    from engine.checklist.load import _prune

    damage = _prune(root, schema.schema_errors(root))
    assert damage is not None and "people" in damage.altered and damage.ids["people"] == {"li"}
    assert schema.schema_errors(root) == []
    ModelBuilder(root, damage).build()
