"""The public YAML test suite: no file of it is a checklist, so each is refused, located.

Every case goes through the CLI, as a user would run it: exit 1 and at least
one `FILE:LINE:COL: message` line, never exit 0, never a traceback or an
internal error (exit 3), never a hang.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "yaml-test-suite"
CASES = sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else []
ABSENT = pytest.mark.skip(reason=f"YAML test suite corpus not found at {CORPUS}")


@pytest.fixture(autouse=True)
def _crash_logs_in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An internal error's log (exit 3) lands in the test's own directory."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def test_the_corpus_is_complete() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"YAML test suite corpus not found at {CORPUS}")
    assert len(CASES) == 402


@pytest.mark.parametrize(
    "path", CASES or [pytest.param(None, marks=ABSENT)], ids=[p.name for p in CASES] or ["corpus-absent"]
)
def test_yaml_test_suite_case_is_refused_with_a_location(path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(path)], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    located = re.compile(rf"^{re.escape(str(path))}:\d+:\d+: .+")
    lines = result.stderr.splitlines()
    assert any(located.match(line) for line in lines), result.stderr
    assert "Traceback" not in result.stderr
