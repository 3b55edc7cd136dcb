"""engine.checklist.read: YAML 1.1 surprises, typed keys, marks, and the safety caps."""

from __future__ import annotations

from typing import Any

import pytest

from engine.checklist import read as yamlread
from engine.checklist.read import YMap, YSeq, read_yaml
from engine.errors import Problem


def read_ok(text: str) -> Any:
    """The value of ``text``, asserting that no problem was found."""
    root, problems = read_yaml(text.encode("utf-8"))
    assert problems == []
    return root


def read_fatal(data: bytes) -> Problem:
    """The one problem of input that cannot be read at all."""
    root, problems = read_yaml(data)
    assert root is None, "a fatal problem must not return a partial tree"
    assert len(problems) == 1
    return problems[0]


# -- YAML 1.1 surprises: text stays the text typed -------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "no",
        "No",
        "NO",
        "yes",
        "off",
        "on",
        "y",
        "n",
        "true",
        "False",
        "010",
        "0o17",
        "0x1f",
        "1_000",
        "1.10",
        "1e3",
        ".inf",
        ".nan",
        "2026-12-15",
        "12:30:00",
        "null",
        "~",
    ],
)
def test_untyped_keys_keep_the_scalar_as_typed(typed: str) -> None:
    value = read_ok(f"name: {typed}\n")["name"]
    assert value == typed
    assert type(value) is str


def test_an_empty_plain_value_is_nothing() -> None:
    assert read_ok("name:\n")["name"] is None
    assert read_ok("name: ''\n")["name"] == ""


def test_a_unit_named_no_with_id_010_stays_text() -> None:
    root = read_ok("units:\n  - {id: 010, name: no, kind: on}\n  - {id: '010', name: 'no'}\n")
    assert root["units"][0] == {"id": "010", "name": "no", "kind": "on"}
    assert root["units"][1] == {"id": "010", "name": "no"}


def test_a_person_named_1_10_stays_text_not_1_1() -> None:
    root = read_ok("people:\n  - {id: li, name: 1.10, unit: 010}\n")
    assert root["people"][0]["name"] == "1.10"
    assert root["people"][0]["unit"] == "010"


def test_dates_stay_text_for_the_loader_to_check() -> None:
    root = read_ok("checklist: {issued: 2026-10-20, deadline: '2026-12-15'}\n")
    assert root["checklist"] == {"issued": "2026-10-20", "deadline": "2026-12-15"}


def test_keys_stay_text() -> None:
    root = read_ok("no: 1\n010: 2\non: 3\n1.10: 4\n")
    assert list(root) == ["no", "010", "on", "1.10"]
    assert list(root.values()) == ["1", "2", "3", "4"]


# -- typed keys: YAML 1.2 core rules ---------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("copies: 6", 6),
        ("copies: 010", 10),  # decimal, never octal 8
        ("copies: -3", -3),
        ("veto: true", True),
        ("veto: True", True),
        ("veto: TRUE", True),
        ("veto: false", False),
        ("final: true", True),
        ("note: true", True),
        ("sample: 0.3", 0.3),
        ("sample: .5", 0.5),
        ("sample: 2", 2),
        ("warning_days: 3", 3),
        ("veto: ~", None),
        ("veto:", None),
    ],
)
def test_typed_keys_are_resolved(text: str, expected: Any) -> None:
    value = read_ok(text + "\n")[text.split(":")[0]]
    assert value == expected
    assert type(value) is type(expected)  # 6 is an int, not True; True is a bool, not 1


@pytest.mark.parametrize(
    "text",
    [
        "veto: yes",
        "veto: no",
        "veto: on",
        "veto: off",
        "veto: y",
        "copies: six",
        "copies: 0x6",
        "copies: 0o6",
        "copies: 1_000",
        "sample: .inf",
        "sample: nan",
    ],
)
def test_typed_keys_refuse_yaml_1_1_forms_by_leaving_them_text(text: str) -> None:
    key, typed = text.split(": ")
    assert read_ok(text + "\n")[key] == typed


@pytest.mark.parametrize("text", ["veto: 'true'", 'copies: "6"', "veto: !!str true"])
def test_a_quoted_or_tagged_scalar_under_a_typed_key_stays_text(text: str) -> None:
    key = text.split(":")[0]
    value = read_ok(text + "\n")[key]
    assert type(value) is str


def test_typed_keys_inside_flow_and_block_mappings() -> None:
    root = read_ok(
        "evidence:\n"
        "  - {id: report, copies: 6}\n"
        "  - id: table\n"
        "    copies: 2\n"
        "states:\n"
        "  - {id: verified, final: true}\n"
    )
    assert root["evidence"][0]["copies"] == 6
    assert root["evidence"][1]["copies"] == 2
    assert root["states"][0]["final"] is True


def test_typed_keys_do_not_type_list_entries() -> None:
    assert read_ok("copies: [6, true]\n")["copies"] == ["6", "true"]


# -- marks ------------------------------------------------------------------


def test_marks_are_one_based_lines_and_columns() -> None:
    root = read_ok("format: rectify/1\nunits:\n  - {id: edu, name: 区教育局}\n  - id: finance\n    name: 财政局\n")
    assert isinstance(root, YMap)
    assert root.mark == (1, 1)
    assert root.key_marks["format"] == (1, 1)
    assert root.value_marks["format"] == (1, 9)
    assert root.key_marks["units"] == (2, 1)
    units = root["units"]
    assert isinstance(units, YSeq)
    assert root.value_marks["units"] == (3, 3)
    assert units.item_marks == [(3, 5), (4, 5)]
    flow, block = units
    assert flow.key_marks["name"] == (3, 15)
    assert flow.value_marks["name"] == (3, 21)
    assert block.mark == (4, 5)
    assert block.key_marks["name"] == (5, 5)
    assert block.value_marks["name"] == (5, 11)


def test_columns_count_characters_not_bytes() -> None:
    root = read_ok("名称: 区教育局\nx: 1\n")
    assert root.value_marks["名称"] == (1, 5)


def test_a_byte_order_mark_is_accepted_and_not_counted() -> None:
    root, problems = read_yaml(b"\xef\xbb\xbfformat: rectify/1\nname: no\n")
    assert problems == []
    assert root == {"format": "rectify/1", "name": "no"}
    assert root.key_marks["format"] == (1, 1)


# -- duplicate keys: collected, all of them ---------------------------------


def test_every_duplicate_key_is_reported_at_its_second_occurrence() -> None:
    text = (
        "id: a\n"  # 1
        "units:\n"  # 2
        "  - id: edu\n"  # 3
        "    name: 教育局\n"  # 4
        "    id: edu2\n"  # 5  duplicate of line 3
        "  - {id: x, name: y, name: z}\n"  # 6  duplicate in a flow mapping
        "id: b\n"  # 7  duplicate of line 1
        "id: c\n"
    )  # 8  duplicate of line 1 again
    root, problems = read_yaml(text.encode())
    assert root is not None, "duplicate keys are not fatal: reading goes on"
    assert [(p.line, p.col) for p in problems] == [(5, 5), (6, 22), (7, 1), (8, 1)]
    assert [p.message for p in problems] == [
        "duplicate key 'id' (first at line 3)",
        "duplicate key 'name' (first at line 6)",
        "duplicate key 'id' (first at line 1)",
        "duplicate key 'id' (first at line 1)",
    ]


def test_quoted_and_plain_spellings_of_a_key_are_the_same_key() -> None:
    _, problems = read_yaml(b"id: a\n'id': b\n\"id\": c\n")
    assert [p.line for p in problems] == [2, 3]


def test_the_same_key_in_different_mappings_is_no_duplicate() -> None:
    root = read_ok("a: {id: 1}\nb: {id: 2}\nc:\n  - id: 3\n  - id: 4\n")
    assert root == {"a": {"id": "1"}, "b": {"id": "2"}, "c": [{"id": "3"}, {"id": "4"}]}


# -- what a checklist never needs: refused, located -------------------------


def test_an_alias_bomb_is_refused_while_reading() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    problem = read_fatal("\n".join(lines).encode())
    assert "alias bomb" in problem.message
    assert str(yamlread.MAX_ALIAS_NODES) in problem.message
    # aliases add 110 nodes in a1 and 1,110 in a2; the 8th *a2 of a3 (1,111 nodes each)
    # passes the 10,000-node alias cap
    assert (problem.line, problem.col) == (4, 45)


def test_a_few_aliases_are_fine_and_shared() -> None:
    root = read_ok("base: &b {name: 教育局}\nunits: [*b, *b]\n")
    assert root["units"] == [{"name": "教育局"}, {"name": "教育局"}]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: &x [1, *x]\n", "alias *x refers to itself"),
        ("a: *nowhere\n", "unknown alias *nowhere"),
    ],
)
def test_bad_aliases(text: str, fragment: str) -> None:
    problem = read_fatal(text.encode())
    assert fragment in problem.message
    assert problem.line == 1


def test_nesting_500_deep_is_refused_at_the_depth_cap() -> None:
    # 500 stays below the limit that newer libyaml builds enforce themselves (1,000)
    problem = read_fatal(("[" * 500 + "]" * 500).encode())
    assert f"nesting deeper than {yamlread.MAX_DEPTH} levels" in problem.message
    assert (problem.line, problem.col) == (1, yamlread.MAX_DEPTH + 1)


def test_nesting_10000_deep_is_a_located_error_whichever_libyaml() -> None:
    problem = read_fatal(("[" * 10_000 + "]" * 10_000).encode())
    assert f"nesting deeper than {yamlread.MAX_DEPTH} levels" in problem.message or (
        "maximum nesting depth" in problem.message
    )
    assert problem.line == 1 and problem.col > yamlread.MAX_DEPTH


def test_block_nesting_past_the_cap_is_refused_at_its_line() -> None:
    # mapping number n starts on line n (at its first key, k<n-1>)
    depth = yamlread.MAX_DEPTH + 1
    text = "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "k: v\n"
    problem = read_fatal(text.encode())
    assert "nesting deeper than" in problem.message
    assert (problem.line, problem.col) == (yamlread.MAX_DEPTH + 1, 2 * yamlread.MAX_DEPTH + 1)


def test_nesting_exactly_at_the_cap_is_read() -> None:
    depth = yamlread.MAX_DEPTH
    root = read_ok("[" * depth + "x" + "]" * depth)
    for _ in range(depth - 1):
        root = root[0]
    assert root == ["x"]


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object:os.system",
        "!!python/object/apply:os.system",
        "!!binary",
        "!!int",
        "!!float",
        "!!bool",
        "!!timestamp",
        "!!set",
        "!custom",
    ],
)
def test_explicit_tags_are_refused(tag: str) -> None:
    problem = read_fatal(f"a: 1\nb: {tag} x\n".encode())
    assert "explicit YAML tag" in problem.message
    assert (problem.line, problem.col) == (2, 4)


@pytest.mark.parametrize("tag", ["!!str", "!!map", "!!seq", "!"])
def test_tags_that_change_nothing_are_allowed(tag: str) -> None:
    value = "{}" if tag == "!!map" else "[]" if tag == "!!seq" else "x"
    expected = {} if tag == "!!map" else [] if tag == "!!seq" else "x"
    assert read_ok(f"a: {tag} {value}\n") == {"a": expected}


def test_two_documents_are_refused_at_the_second() -> None:
    problem = read_fatal(b"a: 1\n---\nb: 2\n")
    assert "one YAML document" in problem.message
    assert problem.line == 2


@pytest.mark.parametrize("text", ["? [a]\n: 1\n", "? {a: 1}\n: 1\n", "a: &s [1]\n*s : 2\n"])
def test_collection_keys_are_refused(text: str) -> None:
    problem = read_fatal(text.encode())
    assert "a mapping key must be plain text" in problem.message


@pytest.mark.parametrize("data", [b"", b"# only a comment\n", b"\n\n   \n"])
def test_an_empty_stream_is_refused(data: bytes) -> None:
    problem = read_fatal(data)
    assert "the file is empty" in problem.message
    assert (problem.line, problem.col) == (1, 1)


def test_a_nul_byte_is_located() -> None:
    problem = read_fatal(b"a: 1\nb: x\x00y\n")
    assert "NUL byte" in problem.message
    assert (problem.line, problem.col) == (2, 5)


def test_a_non_utf8_byte_is_located() -> None:
    problem = read_fatal(b"a: 1\nbb: caf\xe9\n")
    assert "not UTF-8" in problem.message and "0xe9" in problem.message
    assert (problem.line, problem.col) == (2, 8)


def test_utf16_is_refused_as_not_utf8() -> None:
    problem = read_fatal("a: 1\n".encode("utf-16"))
    assert "UTF-8" in problem.message


def test_a_control_character_is_located_at_its_line() -> None:
    """libyaml refuses control characters; the problem must point at them, not at 1:1."""
    problem = read_fatal(b"a: 1\nb: 2\nc: x\x07y\n")
    assert "#x0007" in problem.message
    assert problem.line == 3


def test_a_syntax_error_is_located() -> None:
    problem = read_fatal(b"a: 1\nb: [1, 2\nc: 3\n")
    assert problem.message.startswith("YAML syntax error")
    assert problem.line >= 2
