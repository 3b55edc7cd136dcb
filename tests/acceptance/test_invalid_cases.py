"""Every file in tests/cases/invalid/ is refused, at the line its header declares."""

from __future__ import annotations

import pytest
from checklist_cases import Expectation, invalid_cases

from engine.checklist.load import load_checklist
from engine.errors import ChecklistError

CASES = invalid_cases()


def describe(problems: list) -> str:
    return "\n".join(f"  {p.line}:{p.col}: {p.message}" for p in problems) or "  (none)"


def test_the_invalid_folder_is_populated() -> None:
    assert len(CASES) >= 30
    assert all(case.messages and case.line >= 1 for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.path.name for c in CASES])
def test_invalid_case_is_reported_where_declared(case: Expectation) -> None:
    with pytest.raises(ChecklistError) as raised:
        load_checklist(case.path)
    problems = raised.value.problems
    assert problems, "a ChecklistError must carry at least one problem"
    assert {p.file for p in problems} == {str(case.path)}
    at_place = [p for p in problems if p.line == case.line and (case.col is None or p.col == case.col)]
    where = f"{case.line}:{case.col}" if case.col is not None else f"line {case.line}"
    assert any(all(fragment in p.message for fragment in case.messages) for p in at_place), (
        f"expected a problem at {where} containing {list(case.messages)}; got:\n{describe(problems)}"
    )
    if case.count is not None:
        assert len(problems) == case.count, f"expected {case.count} problem(s); got:\n{describe(problems)}"
    assert problems == sorted(problems, key=lambda p: (p.line, p.col, p.message))
