"""`rectify validate` through click's CliRunner: output streams and exit codes."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from checklist_cases import BUNDLED, FROZEN, Expectation, invalid_cases, valid_cases
from click.testing import CliRunner, Result

from cli import cli
from engine.checklist.load import load_checklist

LOCATED = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")
OK_LINE = re.compile(r"^(?P<file>.+): ok\b.*$")


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr


@pytest.fixture(autouse=True)
def _crash_logs_in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An internal error's log (exit 3) lands in the test's own directory."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def test_the_bundled_checklist_is_valid() -> None:
    checklist = load_checklist(BUNDLED)
    result = run("validate", str(BUNDLED))
    assert result.exit_code == 0, result.stderr
    # the notice gives no threshold for its two veto rates: each is a warning, nothing else is
    warnings = result.stderr.splitlines()
    assert len(warnings) == 2, result.stderr
    assert all(": warning: " in w and "veto indicator" in w and "no target" in w for w in warnings)
    (summary,) = result.stdout.splitlines()
    assert summary.startswith(f"{BUNDLED}: ok")
    for word, count in [
        ("units", len(checklist.units)),
        ("people", len(checklist.people)),
        ("duties", len(checklist.duties)),
        ("items", len(checklist.items)),
        ("workflows", len(checklist.workflows)),
    ]:
        assert re.search(rf"\b{count} {word}\b|\b{word} {count}\b", summary), (word, count, summary)
    assert len(checklist.units) >= 20 and len(checklist.items) >= 100


def test_an_invalid_file_exits_1_with_located_lines_on_stderr_only(write_checklist) -> None:
    path = write_checklist(("veto: true", "veto: yes"), ("copies: 6", "copies: six"))
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    for line in lines:
        match = LOCATED.match(line)
        assert match and match["file"] == str(path), line
    assert "expected true or false, got 'yes'" in lines[0]
    assert "expected a whole number, got 'six'" in lines[1]
    assert_no_traceback(result)


def test_one_bad_file_does_not_stop_the_others(write_checklist, tmp_path: Path) -> None:
    good = write_checklist(name="good.yaml")
    bad = write_checklist(("initial: pending", "initial: waiting"), name="bad.yaml")
    result = run("validate", str(bad), str(good), str(FROZEN))
    assert result.exit_code == 1
    ok_files = [OK_LINE.match(line)["file"] for line in result.stdout.splitlines()]
    assert ok_files == [str(good), str(FROZEN)]
    error_lines = [line for line in result.stderr.splitlines() if ": warning: " not in line]
    assert error_lines and all(line.startswith(f"{bad}:") for line in error_lines)
    assert "initial state 'waiting' is not declared" in result.stderr


def test_all_good_files_exit_0(write_checklist) -> None:
    paths = [str(p) for p in valid_cases()]
    result = run("validate", *paths)
    assert result.exit_code == 0, result.stderr
    assert [OK_LINE.match(line)["file"] for line in result.stdout.splitlines()] == paths


def test_a_missing_file_is_one_located_line(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:1:1: ")
    assert "no such file" in lines[0].lower()
    assert_no_traceback(result)


def test_a_directory_is_one_located_line(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{tmp_path}:1:1: ")
    assert "directory" in lines[0]
    assert_no_traceback(result)


def test_no_file_and_no_checklist_is_a_usage_error() -> None:
    result = run("validate")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "-c" in result.stderr and "RECTIFY_CHECKLIST" in result.stderr


def test_no_file_checks_the_dash_c_checklist(write_checklist) -> None:
    path = write_checklist()
    result = run("-c", str(path), "validate")
    assert result.exit_code == 0, result.stderr
    assert OK_LINE.match(result.stdout.strip())["file"] == str(path)


def test_no_file_checks_the_dash_c_checklist_and_reports_its_problems(write_checklist) -> None:
    path = write_checklist(("veto: true", "veto: yes"))
    result = run("-c", str(path), "validate")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert LOCATED.match(result.stderr.splitlines()[0])["file"] == str(path)


def test_no_file_checks_the_environment_checklist(write_checklist) -> None:
    path = write_checklist()
    result = run("validate", env={"RECTIFY_CHECKLIST": str(path)})
    assert result.exit_code == 0, result.stderr
    assert OK_LINE.match(result.stdout.strip())["file"] == str(path)


def test_dash_c_wins_over_the_environment(write_checklist) -> None:
    good = write_checklist(name="good.yaml")
    result = run("-c", str(good), "validate", env={"RECTIFY_CHECKLIST": str(good.parent / "absent.yaml")})
    assert result.exit_code == 0, result.stderr
    assert OK_LINE.match(result.stdout.strip())["file"] == str(good)


def test_files_given_win_over_dash_c(write_checklist) -> None:
    good = write_checklist(name="good.yaml")
    result = run("-c", str(good.parent / "absent.yaml"), "validate", str(good))
    assert result.exit_code == 0, result.stderr


CASES = invalid_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.path.name for c in CASES])
def test_every_invalid_case_through_the_cli(case: Expectation) -> None:
    result = run("validate", str(case.path))
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines and all(LOCATED.match(line) for line in lines), result.stderr
    assert any(line.startswith(f"{case.path}:{case.line}:") for line in lines), result.stderr
