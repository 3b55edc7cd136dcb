"""The README's two commands, .ci/run, a non-editable install that works from anywhere, lint, format, types."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "rectify"


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, re.S)


def test_readme_starts_with_two_commands() -> None:
    main, tests = readme_commands()[:2]
    assert "pip install" in main and "checklists/shuanggao-2026.yaml" in main
    assert "'.[test]'" in tests and "pytest" in tests


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert readme_commands()[1] in ci_lines


def installed_python() -> str:
    """The interpreter of an environment where rectify is installed (not from this tree)."""
    if not SCRIPT.exists():
        pytest.skip(f"rectify is not installed beside {sys.executable}; run the README's test command")
    return sys.executable


def test_installed_rectify_validates_from_another_directory(tmp_path: Path) -> None:
    installed_python()
    result = subprocess.run(
        [str(SCRIPT), "validate", str(REPO / "checklists" / "shuanggao-2026.yaml")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def test_engine_and_cli_are_type_checked() -> None:
    """STYLE.md: mypy on engine/ and cli.py (configured in setup.cfg)."""
    mypy = pytest.importorskip("mypy.api")
    stdout, stderr, status = mypy.run(
        ["--config-file", str(REPO / "setup.cfg"), str(REPO / "engine"), str(REPO / "cli.py")]
    )
    assert status == 0, stdout + stderr


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    program = Path(sys.executable).parent / "ruff"
    if not program.exists():
        pytest.skip("ruff is not installed beside this interpreter; run the README's test command")
    return subprocess.run([str(program), *args, str(REPO)], capture_output=True, text=True, cwd=REPO)


def test_code_is_lint_clean() -> None:
    result = ruff("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted() -> None:
    """STYLE.md: ruff formats the code; run `ruff format .` and commit."""
    result = ruff("format", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_installed_package_carries_schema_and_checklists(tmp_path: Path) -> None:
    python = installed_python()
    code = (
        "import engine.checklist.resources as r, engine.i18n as i; print(r.data_dir('schemas'));"
        " print(r.data_dir('checklists')); print(i.LOCALE_DIR)"
    )
    result = subprocess.run([python, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    schemas, checklists, locale = result.stdout.split()
    assert "site-packages" in schemas and (Path(schemas) / "checklist.schema.json").is_file()
    assert (Path(checklists) / "shuanggao-2026.yaml").is_file()
    for domain in ("rectify", "click"):  # compiled catalogs ship; the .po sources need not
        assert (Path(locale) / "zh_CN" / "LC_MESSAGES" / f"{domain}.mo").is_file(), domain
