"""Paths and helpers shared by the checklist tests (imported by conftest.py and the tests).

A module of its own, not conftest.py: several conftest modules exist under
tests/, so ``from conftest import ...`` would be ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "cases"
VALID_DIR = CASES / "valid"
INVALID_DIR = CASES / "invalid"
MINIMAL_PATH = VALID_DIR / "minimal.yaml"
# The bundled checklist the office edits every year: only its own fidelity tests read it.
BUNDLED = REPO / "checklists" / "shuanggao-2026.yaml"
# A frozen copy of it (as of the 2026 notice) that every other test reads, so the office's edits
# to the bundled file never move a test's expected counts.
FIXTURES = REPO / "tests" / "fixtures"
FROZEN = FIXTURES / "shuanggao-frozen.yaml"


def minimal_text() -> str:
    """The text of tests/cases/valid/minimal.yaml."""
    return MINIMAL_PATH.read_text(encoding="utf-8")


def edit(text: str, old: str, new: str) -> str:
    """``text`` with its one occurrence of ``old`` replaced (fails loudly if not exactly one)."""
    found = text.count(old)
    assert found == 1, f"expected {old!r} exactly once in the checklist, found it {found} times"
    return text.replace(old, new)


def locate(text: str, needle: str) -> tuple[int, int]:
    """Line and column (from 1, in characters) of the one occurrence of ``needle``."""
    assert text.count(needle) == 1, f"expected {needle!r} exactly once"
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


@dataclass(frozen=True)
class Expectation:
    """The `# expect-...` header of an invalid case (see tests/cases/README.md)."""

    path: Path
    line: int
    col: Optional[int]
    messages: tuple[str, ...]
    count: Optional[int]


_HEADER = re.compile(r"#\s*expect-(line|col|message|count):\s*(.*?)\s*\Z")


def read_expectation(path: Path) -> Expectation:
    fields: dict[str, list[str]] = {}
    for raw in path.read_bytes().split(b"\n"):
        if not raw.startswith(b"#"):
            break
        match = _HEADER.match(raw.decode("utf-8"))
        if match:
            fields.setdefault(match.group(1), []).append(match.group(2))
    assert "line" in fields and "message" in fields, f"{path.name}: no expect-line/expect-message header"

    def number(key: str) -> Optional[int]:
        return int(fields[key][0]) if key in fields else None

    return Expectation(path, int(fields["line"][0]), number("col"), tuple(fields["message"]), number("count"))


def invalid_cases() -> list[Expectation]:
    return [read_expectation(p) for p in sorted(INVALID_DIR.glob("*.yaml"))]


def valid_cases() -> list[Path]:
    return sorted(VALID_DIR.glob("*.yaml"))
