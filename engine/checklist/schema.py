"""JSON Schema validation of a read YAML tree, errors placed at YAML lines."""
from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from engine.checklist.read import Mark, YMap, YSeq
from engine.checklist.resources import data_dir
from engine.errors import Problem
from engine.i18n import N_, _

_PATTERN_HINTS = {
    "^[a-z0-9][a-z0-9_-]*$": N_("an id of lowercase letters, digits, '_' and '-', starting with a letter or digit"),
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": N_("a date written YYYY-MM-DD"),
}
_TARGET_HINT = N_("a target 'OP NUMBER' with OP one of >= > <= < ==")
SELECTOR_KEYS = {"unit", "units", "group", "kind"}
_TYPE_NAMES = {"string": N_("text"), "integer": N_("a whole number"), "number": N_("a number"),
               "boolean": N_("true or false"), "array": N_("a list"), "object": N_("a mapping")}


def load_schema() -> dict[str, Any]:
    with open(data_dir("schemas") / "checklist.schema.json", encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema  # deferred: ~60 ms to import

    return jsonschema.Draft202012Validator(load_schema())


def schema_problems(root: Any) -> list[Problem]:
    """Every schema violation in ``root``, each at the line of the offending node."""
    problems: dict[Problem, None] = {}  # a required error per key repeats all missing keys
    for error in _validator().iter_errors(root):
        problems.update(dict.fromkeys(_explain(root, error)))
    return list(problems)


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


def _problem(mark: Mark, message: str) -> Problem:
    return Problem(mark[0], mark[1], message)


def _explain(root: Any, error: Any) -> list[Problem]:
    path = list(error.absolute_path)
    where = path_text(path)
    mark = mark_of(root, path)
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "additionalProperties" and isinstance(value, YMap):
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in value if k not in allowed]
        if not allowed:
            return [_problem(mark, _("{where}: unexpected keys {keys}").format(
                where=where, keys=", ".join(extras)))]
        return [_problem(value.key_marks.get(k, mark), _(
            "unknown key {key!r} in {where}; expected one of: {allowed}").format(
            key=k, where=where, allowed=", ".join(allowed))) for k in extras]
    if kind == "required":
        missing = [k for k in expected if k not in value]
        return [_problem(mark, _("{where}: missing required key {key!r}").format(
            where=where, key=k)) for k in missing]
    return [_problem(mark, _message(kind, expected, value, where, error))]


def _message(kind: str, expected: Any, value: Any, where: str, error: Any) -> str:
    if kind == "type":
        return _("{where}: expected {expected}, got {value!r}").format(
            where=where, expected=_(_TYPE_NAMES.get(expected, expected)), value=value)
    if kind == "pattern":
        hint = _PATTERN_HINTS.get(expected, _TARGET_HINT)
        return _("{where}: {value!r} is not {hint}").format(where=where, value=value, hint=_(hint))
    if kind == "const" and where == "format":
        return _("unsupported format {value!r}; this version of rectify reads rectify/1").format(
            value=value)
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
    if kind == "minimum":
        return _("{where}: {value} is too small (minimum {limit})").format(
            where=where, value=_number_text(value), limit=expected)
    if kind == "exclusiveMinimum":
        return _("{where}: {value} is too small (it must be more than {limit})").format(
            where=where, value=_number_text(value), limit=expected)
    if kind == "maximum":
        return _("{where}: {value} is too large (maximum {limit})").format(
            where=where, value=_number_text(value), limit=expected)
    return _("{where}: {detail}").format(where=where, detail=error.message)


def _number_text(value: Any) -> str:
    """A number as the message shows it: a huge one by its size (str() refuses 4,301+ digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return _("a number of about {digits} digits").format(digits=int(value.bit_length() * 0.30103) + 1)
    return repr(value)


def _anyof_message(where: str, error: Any) -> str:
    options = []
    for sub in error.schema.get("anyOf", []):
        if "const" in sub:
            options.append(repr(sub["const"]))
        elif sub.get("$ref", "").endswith("/ids"):
            options.append(_("a list of ids"))
        elif sub.get("$ref", "").endswith("/id"):
            options.append(_("an id"))
    return _("{where}: {value!r} is not valid; expected {options}").format(
        where=where, value=error.instance, options=_(" or ").join(options) or "?")
