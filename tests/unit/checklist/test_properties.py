"""Whatever bytes a checklist file holds, the loader answers Checklist or ChecklistError.

Never another exception: a KeyError, TypeError or RecursionError escaping
load_checklist would reach the user as an internal error. Every problem of a
ChecklistError is located inside the file.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from checklist_cases import VALID_DIR, minimal_text
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.checklist.load import load_checklist
from engine.errors import ChecklistError
from engine.model import Checklist

# $RECTIFY_PROPERTY_EXAMPLES raises the count for a longer hunt.
FAST = settings(
    max_examples=int(os.environ.get("RECTIFY_PROPERTY_EXAMPLES", "200")), deadline=None, database=None
)  # no .hypothesis/ directory in the tree

# Keys of the rectify/1 format, so that generated mappings get past the
# top-level checks and into the schema and cross-reference code.
VOCABULARY = [
    "format",
    "checklist",
    "calendar",
    "workflows",
    "units",
    "groups",
    "people",
    "duties",
    "inspections",
    "id",
    "title",
    "name",
    "source",
    "issued",
    "deadline",
    "previous",
    "next",
    "warning_days",
    "description",
    "holidays",
    "workdays",
    "initial",
    "states",
    "transitions",
    "label",
    "final",
    "trigger",
    "from",
    "to",
    "by",
    "not_by",
    "requires",
    "note",
    "evidence",
    "indicators",
    "kind",
    "members",
    "unit",
    "units",
    "group",
    "roles",
    "owners",
    "veto",
    "workflow",
    "copies",
    "target",
    "scope",
    "sample",
    "default",
    "pending",
    "all",
    "met",
    "ref",
    "support",
    "answers",
    "findings",
    "text",
    "head",
    "login",
    "permissions",
    "record",
    "attach",
    "draw",
    "aim",
    "min",
    "max",
    "return",
    "sets",
    "file",
    "optional",
    "targets",
    "escalation",
    "level",
    "when",
    "returns",
    "overdue_days",
    "action",
    "notices",
    "issuer",
    "number",
    "carried_from",
    "china",
]
keys = st.sampled_from(VOCABULARY) | st.text(max_size=6)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.dates()
    | st.sampled_from(
        [
            "rectify/1",
            ">= 100",
            "no",
            "010",
            "1.10",
            "2026-02-30",
            "1e999",
            "owner",
            "supervisor",
            "pending",
            "edu",
            "all",
            "met",
            "",
        ]
    )
    | st.text(max_size=10)
)
yaml_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)
MINIMAL_TREE = yaml.safe_load(minimal_text())
EVERY_KEY_TREE = yaml.safe_load((VALID_DIR / "every-key.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def case_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("properties") / "checklist.yaml"


def assert_checklist_or_located_error(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        result = load_checklist(path)
    except ChecklistError as e:
        assert e.problems
        last_line = len(data.decode("utf-8", "replace").splitlines()) + 1
        for problem in e.problems:
            assert problem.file == str(path)
            assert 1 <= problem.line <= last_line, problem
            assert problem.col >= 1, problem
            assert problem.message
        return
    assert isinstance(result, Checklist)


@FAST
@given(text=st.text())
def test_any_text(case_file: Path, text: str) -> None:
    assert_checklist_or_located_error(case_file, text.encode("utf-8"))


YAMLISH = st.lists(
    st.sampled_from(
        list(":-[]{}&*!|>'\"#%@`,?~ \n\t\r.0123456789ab")
        + ["format: rectify/1\n", "- ", "  ", "&a ", "*a", "--- ", "<<: "]
    )
).map("".join)


@FAST
@given(text=YAMLISH)
def test_any_yaml_punctuation(case_file: Path, text: str) -> None:
    assert_checklist_or_located_error(case_file, text.encode("utf-8"))


@FAST
@given(data=st.binary())
def test_any_bytes(case_file: Path, data: bytes) -> None:
    assert_checklist_or_located_error(case_file, data)


@FAST
@given(tree=yaml_values, rectify=st.booleans())
def test_any_yaml_shaped_data(case_file: Path, tree: Any, rectify: bool) -> None:
    if rectify and isinstance(tree, dict):
        tree = {"format": "rectify/1", **tree}
    dumped = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    assert_checklist_or_located_error(case_file, dumped.encode("utf-8"))


def _places(node: Any, path: tuple = ()) -> list[tuple]:
    """Every (path to a container, key or index in it) of the tree."""
    places: list[tuple] = []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        places.append((path, key))
        places.extend(_places(child, path + (key,)))
    return places


def _at(tree: Any, path: tuple) -> Any:
    for step in path:
        tree = tree[step]
    return tree


@st.composite
def mutated_minimal(draw: st.DrawFn, base: Any = MINIMAL_TREE) -> Any:
    """The minimal checklist (or ``base``) with one to three random edits."""
    tree = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        places = _places(tree)
        path, key = draw(st.sampled_from(places))
        container = _at(tree, path)
        action = draw(st.sampled_from(["delete", "replace", "replace", "rename"]))
        if action == "delete":
            del container[key]
        elif action == "replace":
            container[key] = draw(yaml_values)
        elif isinstance(container, dict):  # rename a key: typos and collisions
            container[draw(keys)] = container.pop(key)
        else:
            container[key] = draw(st.sampled_from(["dongshan", "edu", "pending", "x", "", None]))
        if not _places(tree):
            break
    return tree


def test_the_minimal_tree_is_a_valid_checklist(case_file: Path) -> None:
    case_file.write_text(yaml.safe_dump(MINIMAL_TREE, allow_unicode=True, sort_keys=False), "utf-8")
    assert isinstance(load_checklist(case_file), Checklist)


@FAST
@given(tree=mutated_minimal())
def test_mutations_of_the_minimal_checklist(case_file: Path, tree: Any) -> None:
    dumped = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    assert_checklist_or_located_error(case_file, dumped.encode("utf-8"))


@FAST
@given(tree=mutated_minimal(EVERY_KEY_TREE))
def test_mutations_of_the_checklist_using_every_key(case_file: Path, tree: Any) -> None:
    """Schema errors cut parts of the tree before the cross-checks: whatever is cut, no crash."""
    dumped = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    assert_checklist_or_located_error(case_file, dumped.encode("utf-8"))
