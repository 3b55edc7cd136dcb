"""The one loader: checklist file -> frozen Checklist, or every problem found.

Strict YAML (engine.checklist.read) -> JSON Schema (engine.checklist.schema) -> cross
references and model construction (engine.checklist.build), in one call. When the
schema refuses part of the file, that part is cut and the rest is still
cross-checked, so one run reports every problem that does not depend on the
broken part.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import replace
from typing import Any, Optional

from engine.checklist.build import Damage, ModelBuilder
from engine.checklist.read import YMap, YSeq, read_yaml
from engine.checklist.resources import read_bytes
from engine.checklist.schema import SchemaError, load_schema, schema_errors
from engine.errors import ChecklistError, Problem
from engine.i18n import _
from engine.model import Checklist

#: Top-level sections that are lists of records, with the key that names a record.
_LIST_SECTIONS = {
    "units": "id",
    "people": "id",
    "duties": "id",
    "inspections": "id",
    "findings": "id",
    "escalation": "level",
}
_MAP_SECTIONS = {"workflows", "groups", "roles"}
#: Sections whose records are cut whole, whichever key is broken (a group needs members or kind).
_WHOLE_RECORDS = {"workflows", "groups"}


def load_checklist(path: str | os.PathLike[str]) -> Checklist:
    """Load and check one checklist file; raise ChecklistError with every problem."""
    name = os.fspath(path)
    return load_checklist_bytes(name, read_bytes(name))


def load_checklist_bytes(name: str, data: bytes) -> Checklist:
    """Load a checklist from bytes already read from ``name``.

    Warnings do not stop it: they are in the result's ``warnings``.
    """
    root, problems = read_yaml(data)
    checklist = None
    if root is not None or not problems:
        structure = _structure_problems(root)
        if structure is not None:
            problems += structure
        else:
            errors = schema_errors(root)
            problems += [e.problem for e in errors]
            damage = _prune(root, errors) if errors else Damage()
            if damage is not None:
                builder = ModelBuilder(root, damage)
                checklist = builder.build()
                problems += builder.problems + builder.warnings
    located = [p._replace(file=name) for p in problems]
    if any(not p.warning for p in located):
        raise ChecklistError(located)
    assert checklist is not None
    return replace(
        checklist, path=name, sha256=hashlib.sha256(data).hexdigest(), warnings=tuple(sorted(located)), file_bytes=data
    )


def _structure_problems(root: Any) -> Optional[list[Problem]]:
    """Problems that leave nothing to check against the schema, or None."""
    if not isinstance(root, YMap):
        return [
            Problem(
                1,
                1,
                _("expected a mapping at the top level (format: rectify/1, checklist: ...), found {kind}").format(
                    kind=_type_word(root)
                ),
            )
        ]
    if "format" not in root:
        return [
            Problem(
                root.mark[0],
                root.mark[1],
                _("missing 'format: rectify/1' at the top level; is this a rectify checklist?"),
            )
        ]
    if root["format"] != "rectify/1":
        mark = root.value_marks["format"]
        return [
            Problem(
                mark[0],
                mark[1],
                _("unsupported format {value!r}; this version of rectify reads rectify/1").format(value=root["format"]),
            )
        ]
    return None


def _type_word(value: Any) -> str:
    if isinstance(value, list):
        return _("a list")
    return _("a text value") if isinstance(value, str) else _("nothing")


# -- cutting what the schema refused ----------------------------------------


def _prune(root: YMap, errors: list[SchemaError]) -> Optional[Damage]:
    """Cut from ``root`` (in place) every record or key the schema refused.

    Returns what was cut, or None when the rest cannot be trusted either.
    """
    damage = Damage()
    cut_records: dict[str, set[Any]] = {}
    for error in errors:
        if not _cut(root, list(error.path), damage, cut_records):
            return None
    for section, keys in cut_records.items():
        _drop_records(root, section, keys)
    if schema_errors(root):  # a safety net: build only from a tree the schema accepts
        return None
    return damage


def _cut(root: YMap, path: list[Any], damage: Damage, cut_records: dict[str, set[Any]]) -> bool:
    if not path:
        return False
    section = path[0]
    if len(path) == 1 or section not in root:
        if section in root or section in load_schema()["required"]:
            damage.altered.add(section)
            damage.whole.add(section)
            root.pop(section, None)
        return True
    node = root[section]
    if section in _LIST_SECTIONS or section in _MAP_SECTIONS:
        record_key = path[1]
        if not _in(node, record_key):
            return True
        record = node[record_key]
        damage.altered.add(section)
        if (
            len(path) > 2
            and isinstance(record, YMap)
            and section not in _WHOLE_RECORDS
            and not _required(section, path[2])
        ):
            record.pop(path[2], None)
            return True
        cut_records.setdefault(section, set()).add(record_key)
        name = (
            record_key
            if section in _MAP_SECTIONS
            else (record.get(_LIST_SECTIONS[section]) if isinstance(record, YMap) else None)
        )
        if isinstance(name, str) and _is_id(name):
            damage.ids.setdefault(section, set()).add(name)
        else:
            damage.whole.add(section)
        return True
    damage.altered.add(section)
    if section != "checklist" and _required(section, path[1]):
        root.pop(section, None)
    elif isinstance(node, YMap):
        node.pop(path[1], None)
    return True


def _is_id(name: str) -> bool:
    return re.search(load_schema()["$defs"]["id"]["pattern"], name) is not None


def _in(node: Any, key: Any) -> bool:
    if isinstance(node, YSeq):
        return isinstance(key, int) and 0 <= key < len(node)
    return isinstance(node, YMap) and key in node


def _record_schema(section: str) -> dict[str, Any]:
    schema = load_schema()
    spec = schema["properties"][section]
    spec = spec.get("items") or spec.get("additionalProperties") or spec
    if "$ref" in spec:
        spec = schema["$defs"][spec["$ref"].rsplit("/", 1)[-1]]
    return spec  # type: ignore[no-any-return]


def _required(section: str, key: Any) -> bool:
    """Is ``key`` one a record of ``section`` cannot be read without (or not a key at all)?"""
    spec = _record_schema(section)
    return not isinstance(key, str) or key in spec.get("required", ())


def _drop_records(root: YMap, section: str, keys: set[Any]) -> None:
    node = root[section]
    if isinstance(node, YSeq):
        kept = YSeq(node.mark)
        for index, (value, mark) in enumerate(zip(node, node.item_marks)):
            if index not in keys:
                kept.append(value)
                kept.item_marks.append(mark)
        root[section] = kept
    else:
        for key in keys:
            node.pop(key, None)
