"""What an item command loads on a cache hit: the compiled checklist, never the loader.

Every command is a fresh interpreter (a clerk's shell runs one per step), so what it imports is
most of what it costs. On a cache hit the YAML reader, the JSON Schema validator and the model
builder are dead weight (jsonschema and referencing alone were ~40 ms of a 59 ms floor); a step
taken needs no listing code either. Each command here runs in its own process, which writes the
names of the modules it imported when it exits.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FROZEN = REPO / "tests" / "fixtures" / "shuanggao-frozen.yaml"
# Runs the script named first (cli.py) with the arguments after it, but the last: the file it
# writes the names in sys.modules to when it exits.
RUN_AND_LIST_MODULES = """
import atexit, runpy, sys
listing = sys.argv.pop()
del sys.argv[0]  # "-c"
atexit.register(lambda: open(listing, "w", encoding="utf-8").write("\\n".join(sorted(sys.modules))))
runpy.run_path(sys.argv[0], run_name="__main__")
"""
LOADER = {
    "yaml",
    "jsonschema",
    "referencing",
    "engine.checklist.load",
    "engine.checklist.read",
    "engine.checklist.schema",
    "engine.checklist.build",
}
LISTINGS = {"engine.reports", "engine.formats.report"}
MACHINE = {"transitions", "engine.workflow.machine"}  # ~5 ms: only a step that moves the item
ROUNDS = {"engine.operations.inspections", "engine.workflow.rounds"}  # ~3 ms: only a step given --round

OWN = "dongshan/kongchuo-baoxue"
REPORTER, SUPERVISOR = "lihua", "wangming"
STEPS = [
    (REPORTER, ["advance", OWN, "start"]),
    (REPORTER, ["attach", OWN, "zerenshu"]),
    (SUPERVISOR, ["record", OWN, "chuoxue-lv=1"]),
    (SUPERVISOR, ["note", OWN, "台账已核"]),
]
READINGS = [
    (None, ["explain", OWN]),
    (None, ["history", OWN]),
    (None, ["status", "--unit", "dongshan"]),
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A copy of the frozen checklist, its journal made by ``init``, which also compiles the cache."""
    folder = tmp_path_factory.mktemp("startup")
    checklist = folder / FROZEN.name
    shutil.copy(FROZEN, checklist)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFY_")}
    env.update(RECTIFY_CACHE_DIR=str(folder / "cache"), RECTIFY_LANG="en", RECTIFY_CHECKLIST=str(checklist))
    loaded = imported_by(env, folder, None, ["init"])
    assert "engine.checklist.load" in loaded  # init missed and compiled: every test below runs on a hit
    return folder, env


def imported_by(env: dict[str, str], folder: Path, actor: str | None, args: list[str]) -> set[str]:
    listing = folder / "modules.txt"
    argv = [sys.executable, "-c", RUN_AND_LIST_MODULES, str(REPO / "cli.py"), *(["--as", actor] if actor else [])]
    done = subprocess.run([*argv, *args, str(listing)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(listing.read_text(encoding="utf-8").split())


def within(modules: set[str], packages: set[str]) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in packages)}


@pytest.mark.parametrize(("actor", "args"), STEPS, ids=[args[0] for _actor, args in STEPS])
def test_a_step_on_a_cache_hit_imports_neither_the_loader_nor_the_listings(workspace, actor, args):
    folder, env = workspace
    loaded = imported_by(env, folder, actor, args)
    assert "engine.checklist.cache" in loaded and "engine.operations.items" in loaded
    assert within(loaded, LOADER | LISTINGS | ROUNDS) == set()
    assert (MACHINE <= loaded) == (args[0] == "advance")  # attach, record, note leave the state alone


@pytest.mark.parametrize(("actor", "args"), READINGS, ids=[args[0] for _actor, args in READINGS])
def test_a_reading_on_a_cache_hit_imports_neither_the_loader_nor_the_machine(workspace, actor, args):
    folder, env = workspace
    assert within(imported_by(env, folder, actor, args), LOADER | MACHINE) == set()


def test_every_dataclass_of_the_engine_has_a_docstring():
    """Without one, ``dataclass`` builds ``__doc__`` from ``inspect.signature``: ~0.3 ms per class
    at every start (cProfile of ``advance``; the model alone has 18)."""
    missing = []
    for path in [REPO / "cli.py", *sorted((REPO / "engine").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(_is_dataclass(d) for d in node.decorator_list):
                if ast.get_docstring(node) is None:
                    missing.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}")
    assert missing == []


def _is_dataclass(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Name) and target.id == "dataclass"
