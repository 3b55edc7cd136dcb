"""The import graph of engine/ and cli.py follows DESIGN's levels.

A module imports only from a lower level, and the packages of one level do
not import each other; there are no cycles. Every import counts, including
those inside functions (they are still dependencies).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LEVELS = {
    "cli": 5,
    "engine.operations": 4,
    "engine.reports": 4,
    "engine.checklist": 3,
    "engine.workflow": 3,
    "engine.journal": 3,
    "engine.formats": 3,
    "engine.model": 2,
    "engine.errors": 1,
    "engine.i18n": 1,
}


def component(module: str) -> str:
    """The DESIGN component a module belongs to: its stage package, or itself."""
    parts = module.split(".")
    for size in (2, 1):
        name = ".".join(parts[:size])
        if name in LEVELS:
            return name
    raise AssertionError(f"{module} belongs to no level of DESIGN's layout; add it to LEVELS")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in ("engine", "cli")}


def graph(root: Path = REPO) -> dict[str, set[str]]:
    files = [root / "cli.py", *sorted((root / "engine").rglob("*.py"))]
    modules = {module_name(f): f for f in files}
    edges = {}
    for name, path in modules.items():
        targets = set()
        for imported in imports_of(path):
            while imported not in modules and "." in imported:
                imported = imported.rsplit(".", 1)[0]  # `from engine.formats import render`
            if imported in modules and imported != name and imported != "engine":
                targets.add(imported)
        edges[name] = targets
    return edges


def layering_problems(edges: dict[str, set[str]]) -> list[str]:
    problems = []
    for source, targets in edges.items():
        if source == "engine":
            continue
        here = component(source)
        for target in targets:
            there = component(target)
            if here == there:
                continue
            if LEVELS[there] > LEVELS[here]:
                problems.append(f"{source} imports {target}: upward, level {LEVELS[here]} -> {LEVELS[there]}")
            elif LEVELS[there] == LEVELS[here]:
                problems.append(f"{source} imports {target}: two packages of level {LEVELS[here]}")
    return problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                found.append(path[path.index(target) :] + [target] if target in path else [node, target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_no_import_goes_up_or_across_a_level() -> None:
    assert layering_problems(graph()) == []


def test_the_import_graph_has_no_cycle() -> None:
    # a package's __init__ importing its own modules lazily is still an edge; none may loop back
    assert cycles(graph()) == []


@pytest.mark.parametrize(
    ("source", "target", "words"),
    [
        ("engine.journal.sqlite", "engine.operations.items", "upward"),
        ("engine.workflow.facts", "engine.journal.chain", "two packages of level 3"),
        ("engine.reports.readiness", "engine.operations.items", "two packages of level 4"),
    ],
)
def test_the_check_catches_a_bad_import(source: str, target: str, words: str) -> None:
    edges = graph()
    edges[source] = edges[source] | {target}
    assert any(words in p and source in p for p in layering_problems(edges))


def test_the_check_catches_a_cycle() -> None:
    edges = graph()
    edges["engine.formats.report"] = edges["engine.formats.report"] | {"engine.formats.html"}
    assert cycles(edges)


def test_no_sql_outside_the_journal() -> None:
    import re

    sql = re.compile(r"\b(INSERT INTO|CREATE TABLE|DELETE FROM|UPDATE \w+ SET|SELECT [\w*, ]+ FROM)\b")
    offenders = [
        str(path.relative_to(REPO))
        for path in [REPO / "cli.py", *(REPO / "engine").rglob("*.py")]
        if "journal" not in path.relative_to(REPO).parts and sql.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
