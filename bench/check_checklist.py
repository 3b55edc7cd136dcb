"""Check a rectify/1 checklist the way the bench expects: JSON Schema and cross references.

An independent, slow-but-simple oracle for generated benchmark files; it is
not the engine's loader. ``python bench/check_checklist.py FILE...``
"""

from __future__ import annotations

import datetime
import json
import sys
import time
from collections import Counter
from pathlib import Path

import jsonschema
import yaml

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "checklist.schema.json"


def dates_to_text(node: object) -> object:
    """Turn the date objects PyYAML makes into the ISO strings the schema expects."""
    if isinstance(node, dict):
        return {key: dates_to_text(value) for key, value in node.items()}
    if isinstance(node, list):
        return [dates_to_text(value) for value in node]
    if isinstance(node, datetime.date):
        return node.isoformat()
    return node


def duplicates(idents: list[str]) -> list[str]:
    return sorted(ident for ident, count in Counter(idents).items() if count > 1)


def resolve(selector: dict, doc: dict) -> list[str]:
    """Unit ids a selector names (empty when it names nothing that exists)."""
    units = {unit["id"]: unit.get("kind") for unit in doc["units"]}
    if "unit" in selector:
        return [selector["unit"]] if selector["unit"] in units else []
    if "units" in selector:
        return [ident for ident in selector["units"] if ident in units]
    if "kind" in selector:
        return [ident for ident, kind in units.items() if kind == selector["kind"]]
    group = doc.get("groups", {}).get(selector["group"])
    if group is None:
        return []
    if "kind" in group:
        return resolve({"kind": group["kind"]}, doc)
    return resolve({"units": group["members"]}, doc)


def id_problems(doc: dict) -> list[str]:
    units = {unit["id"] for unit in doc["units"]}
    problems = [
        f"duplicate {section} id {ident}"
        for section in ("units", "people", "duties", "inspections")
        for ident in duplicates([entry["id"] for entry in doc.get(section, [])])
    ]
    for name, group in doc.get("groups", {}).items():
        problems += [
            f"group {name}: unknown member {member}" for member in group.get("members", []) if member not in units
        ]
    problems += [
        f"person {person['id']}: unknown unit {person['unit']}"
        for person in doc.get("people", [])
        if person["unit"] not in units
    ]
    return problems


def workflow_problems(doc: dict) -> list[str]:
    roles = {"owner", "participant"}
    roles |= {role for person in doc.get("people", []) for role in person.get("roles", [])}
    problems = []
    for name, workflow in doc["workflows"].items():
        states = {state["id"] for state in workflow["states"]}
        if workflow["initial"] not in states:
            problems.append(f"workflow {name}: unknown initial state {workflow['initial']}")
        for transition in workflow["transitions"]:
            sources = transition["from"]
            ends = (sources if isinstance(sources, list) else [sources]) + [transition["to"]]
            problems += [f"workflow {name}: unknown state {state}" for state in ends if state not in states]
            problems += [
                f"workflow {name}: unknown role {role}"
                for role in transition.get("by", []) + transition.get("not_by", [])
                if role not in roles
            ]
    return problems


def selector_problems(doc: dict) -> list[str]:
    selectors = [(duty["id"], "owners", duty["owners"]) for duty in doc["duties"]]
    selectors += [(round_["id"], "scope", round_["scope"]) for round_ in doc.get("inspections", [])]
    return [f"{ident}: {key} match no unit" for ident, key, selector in selectors if not resolve(selector, doc)]


def cross_reference_problems(doc: dict) -> list[str]:
    return id_problems(doc) + workflow_problems(doc) + selector_problems(doc)


def check(text: str) -> tuple[list[str], int, float]:
    """Schema and cross-reference problems, the expanded item count, and the load time."""
    started = time.perf_counter()
    raw = yaml.load(text, Loader=yaml.CSafeLoader)
    load_seconds = time.perf_counter() - started
    doc = dates_to_text(raw)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    problems = [f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
    if problems:
        return problems, 0, load_seconds
    items = sum(len(resolve(duty["owners"], doc)) for duty in doc["duties"])
    return cross_reference_problems(doc), items, load_seconds


def main(paths: list[str]) -> int:
    status = 0
    for path in paths:
        problems, items, load_seconds = check(Path(path).read_text(encoding="utf-8"))
        for problem in problems:
            print(f"{path}: {problem}", file=sys.stderr)
        verdict = f"{len(problems)} problem(s)" if problems else "valid"
        print(f"{path}: {verdict}  items: {items}  CSafeLoader load: {load_seconds:.3f} s")
        status = status or (1 if problems else 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
