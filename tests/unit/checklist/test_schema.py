"""engine.checklist.schema: the dereferenced schema validates exactly as the schema file does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from checklist_cases import FROZEN, INVALID_DIR, edit, minimal_text, valid_cases

from engine.checklist import read as yamlread
from engine.checklist.schema import (
    _evolving_once,
    _in_the_same_scope,
    _validator,
    checker_class,
    dereferenced,
    load_schema,
    schema_problems,
)


def refs_outside_defs(node: Any) -> list[str]:
    if isinstance(node, list):
        return [ref for value in node for ref in refs_outside_defs(value)]
    if not isinstance(node, dict):
        return []
    own = [node["$ref"]] if "$ref" in node else []
    return own + [ref for key, value in node.items() if key != "$defs" for ref in refs_outside_defs(value)]


def test_the_dereferenced_schema_has_no_reference_left() -> None:
    assert refs_outside_defs(load_schema())  # the file does use them
    assert refs_outside_defs(dereferenced(load_schema())) == []


def test_a_reference_back_into_itself_stays_a_reference() -> None:
    schema = {
        "type": "object",
        "properties": {"tree": {"$ref": "#/$defs/tree"}},
        "$defs": {"tree": {"type": "object", "properties": {"child": {"$ref": "#/$defs/tree"}}}},
    }
    tree = dereferenced(schema)["properties"]["tree"]
    assert tree["properties"]["child"] == {"$ref": "#/$defs/tree"}
    validator = jsonschema.Draft202012Validator(dereferenced(schema))
    assert not validator.is_valid({"tree": {"child": {"child": 5}}})
    assert validator.is_valid({"tree": {"child": {"child": {}}}})


def test_a_reference_and_its_siblings_both_apply() -> None:
    schema = {
        "properties": {
            "n": {"$ref": "#/$defs/n", "maximum": 20, "description": "n"},
            "m": {"$ref": "#/$defs/n", "minimum": 0},  # the same keyword as the target's
        },
        "$defs": {"n": {"type": "integer", "minimum": 10, "description": "a number"}},
    }
    validator = jsonschema.Draft202012Validator(dereferenced(schema))
    assert [validator.is_valid({"n": n}) for n in (15, 25, 5, "x")] == [True, False, False, False]
    assert [validator.is_valid({"m": m}) for m in (15, 5)] == [True, False]


def test_data_and_scoped_definitions_are_left_as_they_are() -> None:
    schema = {
        "properties": {
            "a": {"$ref": "#/$defs/anchored"},
            "b": {"const": {"$ref": "#/$defs/n"}},  # an instance value that looks like a reference
        },
        "$defs": {"anchored": {"$anchor": "here", "type": "integer"}, "n": {"type": "integer"}},
    }
    properties = dereferenced(schema)["properties"]
    assert properties == schema["properties"]
    validator = jsonschema.Draft202012Validator(dereferenced(schema))
    assert validator.is_valid({"a": 1, "b": {"$ref": "#/$defs/n"}})
    assert not validator.is_valid({"b": {"type": "integer"}})


def error_summary(schema: dict[str, Any], root: Any, validator: Any = None) -> list[tuple[str, str, str, str]]:
    errors = (validator or jsonschema.Draft202012Validator(schema)).iter_errors(root)
    return sorted(
        (json.dumps(list(e.absolute_path)), json.dumps(list(e.absolute_schema_path)), str(e.validator), e.message)
        for e in errors
    )


def trees() -> list[Path]:
    return [*valid_cases(), FROZEN, *sorted(INVALID_DIR.glob("*.yaml"))]


@pytest.mark.parametrize("path", trees(), ids=lambda p: p.name)
def test_dereferenced_schema_finds_the_same_errors(path: Path) -> None:
    root, _ = yamlread.read_yaml(path.read_bytes())
    assert error_summary(dereferenced(load_schema()), root) == error_summary(load_schema(), root)


@pytest.mark.parametrize("path", trees(), ids=lambda p: p.name)
def test_the_checklist_validator_finds_what_jsonschema_finds_on_the_schema_file(path: Path) -> None:
    """_validator descends without re-resolving each subschema: the same errors, at the same
    places of the document, as jsonschema's own validator given the schema file itself."""
    root, _ = yamlread.read_yaml(path.read_bytes())
    ours = error_summary(load_schema(), root, _validator())
    assert [e[:1] + e[2:] for e in ours] == [e[:1] + e[2:] for e in error_summary(load_schema(), root)]
    assert ours == error_summary(dereferenced(load_schema()), root)


def test_a_subschema_with_its_own_id_is_still_resolved_in_its_scope() -> None:
    schema = {
        "$id": "https://rectify.invalid/outer.json",
        "type": "object",
        "properties": {
            "inner": {
                "$id": "https://rectify.invalid/inner/",
                "properties": {"n": {"$ref": "number.json"}},
                "$defs": {"number": {"$id": "number.json", "type": "integer"}},
            }
        },
    }
    checker = checker_class()
    assert checker(schema).is_valid({"inner": {"n": 3}})  # number.json resolves against inner/
    assert not checker(schema).is_valid({"inner": {"n": "x"}})
    assert not checker(schema).is_valid({"inner": {"n": 2.5}, "n": 1})


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "from: pending,",
            "from: Pending,",
            "workflows.default.transitions[0].from: 'Pending' is not valid; expected an id or a list of ids",
        ),
        (
            "evidence: all,",
            "evidence: some,",
            "workflows.default.transitions[1].requires.evidence: 'some' is not valid; expected 'all' or a list of ids",
        ),
    ],
)
def test_any_of_names_its_options_after_dereferencing(old: str, new: str, expected: str) -> None:
    root, _ = yamlread.read_yaml(edit(minimal_text(), old, new).encode())
    assert expected in [p.message for p in schema_problems(root)]


def test_a_subschema_gets_one_validator_however_many_nodes_it_checks() -> None:
    """_evolving_once: jsonschema evolves a validator per node; ours makes one per subschema."""
    made = []
    checker: Any = jsonschema.validators.extend(jsonschema.Draft202012Validator)
    plain_evolve = checker.evolve

    def counted(self: Any, **changes: Any) -> Any:
        made.append(changes.get("schema"))
        return plain_evolve(self, **changes)

    checker.descend = _in_the_same_scope(checker.descend)
    checker.evolve = _evolving_once(counted)
    schema = {
        "type": "array",
        "items": {"type": "object", "properties": {"id": {"type": "string"}, "n": {"minimum": 0}}},
    }
    for count in (1, 500):
        made.clear()
        assert checker(schema).is_valid([{"id": "a", "n": 1}] * count)
        assert len(made) == 3  # the items, id and n subschemas, once each
    errors = list(checker(schema).iter_errors([{"id": "a", "n": 1}, {"id": 5, "n": -1}, {"id": "b"}]))
    assert sorted((list(e.absolute_path), e.validator) for e in errors) == [([1, "id"], "type"), ([1, "n"], "minimum")]
