"""JSON Schema validation of a read YAML tree, errors placed at YAML lines.

The schema is the one source of what the format types, patterns and defaults
are: the typed YAML keys, the target pattern the loader parses with, the
pattern hints and the permission defaults are all read from it here.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engine.checklist.read import Mark, YMap, YSeq
from engine.checklist.resources import data_dir
from engine.errors import Problem
from engine.i18n import N_, _

#: What a value failing the pattern of each ``$defs`` entry should have been.
_PATTERN_HINTS = {
    "id": N_("an id of lowercase letters, digits, '_' and '-', starting with a letter or digit"),
    "date": N_("a date written YYYY-MM-DD"),
    "target": N_("a target 'OP NUMBER' with OP one of >= > <= < =="),
    "notice_number": N_("a number pattern containing {year} and {n}"),
    "carried_item": N_("CHECKLIST/UNIT/DUTY, each part an id"),
}
_NEUTRAL_HINT = N_("of the expected form {pattern}")
SELECTOR_KEYS = {"unit", "units", "group", "kind"}
_TYPE_NAMES = {
    "string": N_("text"),
    "integer": N_("a whole number"),
    "number": N_("a number"),
    "boolean": N_("true or false"),
    "array": N_("a list"),
    "object": N_("a mapping"),
}
_SCALAR_TYPES = {"integer", "number", "boolean"}


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    with open(os.path.join(data_dir("schemas"), "checklist.schema.json"), encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _validator() -> Any:
    return checker_class()(dereferenced(load_schema()))


def checker_class() -> Any:
    """Draft 2020-12, a class of our own (``jsonschema.validators.extend``) whose descent into a
    subschema neither re-resolves its scope nor makes a new validator each time (below)."""
    import jsonschema  # deferred: ~60 ms to import

    checker: Any = jsonschema.validators.extend(jsonschema.Draft202012Validator)
    checker.descend = _in_the_same_scope(checker.descend)
    checker.evolve = _evolving_once(checker.evolve)
    return checker


def _evolving_once(evolve: Any) -> Any:
    """``evolve`` that makes the validator of a (parent, subschema, resolver) once and reuses it.

    ``descend`` evolves a new validator for every node it enters, though the one for the same
    subschema under the same parent and resolver is the same every time (nothing in it depends
    on the instance): on a province, 71,764 of them for a few hundred distinct ones, a quarter
    of the check in cProfile. Each entry keeps what its key names alive, so no id is reused."""
    made: dict[tuple[int, int, int], tuple[Any, ...]] = {}

    def evolve_once(self: Any, **changes: Any) -> Any:
        if changes.keys() != {"schema", "_resolver"}:
            return evolve(self, **changes)
        schema, resolver = changes["schema"], changes["_resolver"]
        key = (id(self), id(schema), id(resolver))
        entry = made.get(key)
        if entry is None:
            entry = made[key] = (evolve(self, **changes), self, schema, resolver)
        return entry[0]

    return evolve_once


def _in_the_same_scope(descend: Any) -> Any:
    """``descend`` that hands a subschema without ``$id`` its parent's resolver.

    Left to itself, jsonschema makes every subschema it descends into a new resource and asks the
    resolver for a scope inside it, which for a subschema with no ``$id`` is the same resolver
    again: on a province, 71,764 descents spent a fifth of the check on it (0.53 against 0.66 s,
    ``schema_errors`` timed both ways in one process). A subschema that does declare ``$id`` is
    resolved as before; a validator without ``_resolver`` (another jsonschema) is left alone."""

    def descend_in_scope(
        self: Any, instance: Any, schema: Any, path: Any = None, schema_path: Any = None, resolver: Any = None
    ) -> Any:
        if resolver is None and not (isinstance(schema, dict) and "$id" in schema):
            resolver = getattr(self, "_resolver", None)
        return descend(self, instance, schema, path=path, schema_path=schema_path, resolver=resolver)

    return descend_in_scope


#: Keywords that only annotate: a ``$ref``'s sibling may override its target's (a description).
_ANNOTATIONS = frozenset({"description", "default", "title", "$comment", "examples"})
#: Keywords whose values are instance data, not schemas: a ``$ref`` inside is text to keep.
_DATA = frozenset({"const", "enum", "default", "examples"})
#: A definition that declares where it stands (its own base URI or anchor) is left referenced.
_SCOPED = frozenset({"$id", "$anchor", "$dynamicAnchor"})


def dereferenced(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with each ``#/$defs/...`` reference replaced by a copy of its target.

    It validates exactly as the schema does, but jsonschema resolves a ``$ref``
    anew for every instance it meets (a JSON pointer walk, a new validator):
    on a province, 71,000 lookups were 60 % of the validation time. A
    reference back into itself stays a ``$ref``, which ``$defs`` still resolves.
    """
    defs = schema.get("$defs", {})

    def expand(node: Any, expanding: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [expand(value, expanding) for value in node]
        if not isinstance(node, dict):
            return node
        ref = str(node.get("$ref", ""))
        name = ref.removeprefix("#/$defs/")
        if name == ref or name not in defs or name in expanding or _SCOPED & set(defs[name]):
            return {key: value if key in _DATA else expand(value, expanding) for key, value in node.items()}
        target = expand(defs[name], expanding + (name,))
        siblings = {
            key: value if key in _DATA else expand(value, expanding) for key, value in node.items() if key != "$ref"
        }
        if set(siblings) & set(target) <= _ANNOTATIONS:
            return {**target, **siblings}
        return {**siblings, "allOf": [target]}

    return expand(schema, ())  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def target_pattern() -> re.Pattern[str]:
    """The schema's target pattern; group 1 is the operator, group 2 the number."""
    return re.compile(load_schema()["$defs"]["target"]["pattern"])


def permission_defaults() -> dict[str, tuple[str, ...]]:
    """Each permission's default roles, as the schema declares them."""
    properties = load_schema()["$defs"]["permissions"]["properties"]
    return {name: tuple(spec["default"]) for name, spec in properties.items()}


def _resolve(spec: dict[str, Any]) -> dict[str, Any]:
    ref = spec.get("$ref", "")
    return load_schema()["$defs"][ref.rsplit("/", 1)[-1]] if ref.startswith("#/$defs/") else spec


def _walk(spec: Any) -> Iterator[dict[str, Any]]:
    """Every sub-schema of the schema (each ``$defs`` entry once)."""
    if isinstance(spec, dict):
        yield spec
        for value in spec.values():
            yield from _walk(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _walk(value)


def key_types() -> dict[str, set[str]]:
    """Property name -> every JSON type the schema allows for it, wherever it appears."""
    types: dict[str, set[str]] = {}
    for spec in _walk(load_schema()):
        for name, sub in spec.get("properties", {}).items():
            resolved = _resolve(sub)
            found = {resolved["type"]} if "type" in resolved else set()
            found |= {_resolve(o).get("type", "string") for o in resolved.get("anyOf", [])}
            if "const" in resolved or "enum" in resolved or "pattern" in resolved:
                found.add("string")
            types.setdefault(name, set()).update(found)
    return types


def typed_keys() -> frozenset[str]:
    """Keys whose plain scalars the reader resolves as numbers or booleans."""
    return frozenset(name for name, types in key_types().items() if types & _SCALAR_TYPES)


@dataclass(frozen=True)
class SchemaError:
    """One located schema problem and the path of the node it is about."""

    path: tuple[Any, ...]
    problem: Problem


def schema_errors(root: Any) -> list[SchemaError]:
    """Every schema violation in ``root``, each at the line of the offending node."""
    found: dict[SchemaError, None] = {}  # a required error per key repeats all missing keys
    for error in _validator().iter_errors(root):
        found.update(dict.fromkeys(_explain(root, error)))
    return list(found)


def schema_problems(root: Any) -> list[Problem]:
    return [e.problem for e in schema_errors(root)]


def path_text(path: Iterable[Any]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or _("the top level")


def mark_of(root: Any, path: Iterable[Any]) -> Mark:
    """The mark of the node at ``path``, or of its nearest marked ancestor."""
    node, mark = root, getattr(root, "mark", (1, 1))
    for step in path:
        if isinstance(node, YMap) and step in node.value_marks:
            mark = node.value_marks[step]
        elif isinstance(node, YSeq) and isinstance(step, int) and step < len(node.item_marks):
            mark = node.item_marks[step]
        else:
            break
        node = node[step]
    return mark


def _error(path: list[Any], mark: Mark, message: str) -> SchemaError:
    return SchemaError(tuple(path), Problem(mark[0], mark[1], message))


def _explain(root: Any, error: Any) -> list[SchemaError]:
    path = list(error.absolute_path)
    where = path_text(path)
    mark = mark_of(root, path)
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "additionalProperties" and isinstance(value, YMap):
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in value if k not in allowed]
        if not allowed:
            return [
                _error(path, mark, _("{where}: unexpected keys {keys}").format(where=where, keys=", ".join(extras)))
            ]
        return [
            _error(
                path + [k],
                value.key_marks.get(k, mark),
                _("unknown key {key!r} in {where}; expected one of: {allowed}").format(
                    key=k, where=where, allowed=", ".join(allowed)
                ),
            )
            for k in extras
        ]
    if kind == "required":
        missing = [k for k in expected if k not in value]
        return [
            _error(path + [k], mark, _("{where}: missing required key {key!r}").format(where=where, key=k))
            for k in missing
        ]
    return [_error(path, mark, _message(kind, expected, value, where, error))]


def _pattern_hint(pattern: str) -> str:
    defs = load_schema()["$defs"]
    for name, hint in _PATTERN_HINTS.items():
        if defs[name]["pattern"] == pattern:
            return _(hint)
    return _(_NEUTRAL_HINT).format(pattern=pattern)


def _message(kind: str, expected: Any, value: Any, where: str, error: Any) -> str:
    if kind == "type":
        return _("{where}: expected {expected}, got {value!r}").format(
            where=where, expected=_(_TYPE_NAMES.get(expected, expected)), value=value
        )
    if kind == "pattern":
        return _("{where}: {value!r} is not {hint}").format(where=where, value=value, hint=_pattern_hint(expected))
    if kind == "const" and where == "format":
        return _("unsupported format {value!r}; this version of rectify reads rectify/1").format(value=value)
    if kind in ("minProperties", "maxProperties") and set(error.schema.get("properties", {})) == SELECTOR_KEYS:
        return _("{where}: give exactly one of unit, units, group or kind").format(where=where)
    if kind == "minItems":
        return _("{where}: the list is empty").format(where=where)
    if kind == "minProperties":
        return _("{where}: the mapping is empty").format(where=where)
    if kind == "minLength":
        return _("{where}: the text is empty").format(where=where)
    if kind == "anyOf":
        return _anyof_message(where, error)
    if kind == "enum":
        return _("{where}: {value!r} is not one of {allowed}").format(
            where=where, value=value, allowed=", ".join(str(v) for v in expected)
        )
    if kind == "uniqueItems":
        return _("{where}: an entry is repeated").format(where=where)
    if kind == "minimum":
        return _("{where}: {value} is too small (minimum {limit})").format(
            where=where, value=_number_text(value), limit=expected
        )
    if kind == "exclusiveMinimum":
        return _("{where}: {value} is too small (it must be more than {limit})").format(
            where=where, value=_number_text(value), limit=expected
        )
    if kind == "maximum":
        return _("{where}: {value} is too large (maximum {limit})").format(
            where=where, value=_number_text(value), limit=expected
        )
    return _("{where}: {detail}").format(where=where, detail=error.message)


def _number_text(value: Any) -> str:
    """A number as the message shows it: a huge one by its size (str() refuses 4,301+ digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return _("a number of about {digits} digits").format(digits=int(value.bit_length() * 0.30103) + 1)
    return repr(value)


def _anyof_message(where: str, error: Any) -> str:
    options = []
    defs = _validator().schema["$defs"]  # the options are dereferenced copies of these
    for sub in error.schema.get("anyOf", []):
        if "const" in sub:
            options.append(repr(sub["const"]))
        elif sub == defs["ids"]:
            options.append(_("a list of ids"))
        elif sub == defs["id"]:
            options.append(_("an id"))
    return _("{where}: {value!r} is not valid; expected {options}").format(
        where=where, value=error.instance, options=_(" or ").join(options) or "?"
    )
