"""The office edits its checklist during the year: the journal must still be read safely."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from checklist_cases import FROZEN
from click.testing import CliRunner

from cli import cli

ITEM = "dongshan/kongchuo-baoxue"


def run(tmp_path: Path, checklist: Path, *args: str):
    env = {
        "RECTIFY_CACHE_DIR": str(tmp_path / "cache"),
        "RECTIFY_DB": str(tmp_path / "journal.db"),
        "RECTIFY_TODAY": "2026-12-01",
    }
    if not (tmp_path / "journal.db").exists():
        assert CliRunner().invoke(cli, ["-c", str(checklist), "init"], env=env).exit_code == 0
    return CliRunner().invoke(cli, ["-c", str(checklist), *args], env=env, catch_exceptions=False)


def test_a_state_removed_from_the_checklist_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    original = tmp_path / "shuanggao-2026.yaml"
    shutil.copy(FROZEN, original)
    assert run(tmp_path, original, "--as", "lihua", "advance", ITEM, "start").exit_code == 0

    edited = tmp_path / "edited.yaml"
    edited.write_text(original.read_text(encoding="utf-8").replace("in_progress", "working"), encoding="utf-8")
    for args in (
        ["status"],
        ["readiness"],
        ["summary"],
        ["--as", "lihua", "record", ITEM, "quzheng-daowei=1"],
        ["explain", ITEM],
    ):
        result = run(tmp_path, edited, *args)
        assert result.exit_code == 1, (args, result.stderr)
        assert "'in_progress'" in result.stderr and "no longer declares" in result.stderr, (args, result.stderr)
        assert "internal error" not in result.stderr
    assert run(tmp_path, original, "audit").exit_code == 0  # nothing was recorded by the refusals


def test_an_event_records_the_checklist_file_in_force(tmp_path: Path) -> None:
    original = tmp_path / "shuanggao-2026.yaml"
    shutil.copy(FROZEN, original)
    run(tmp_path, original, "--as", "lihua", "advance", ITEM, "start")
    original.write_text(original.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    run(tmp_path, original, "--as", "lihua", "record", ITEM, "quzheng-daowei=90")
    rows = (
        sqlite3.connect(tmp_path / "journal.db").execute("SELECT checklist_sha256 FROM events ORDER BY seq").fetchall()
    )
    assert len(rows) == 2 and rows[0][0] != rows[1][0]  # each event names the file it was taken under
    history = json.loads(run(tmp_path, original, "history", ITEM, "--format", "json").stdout)
    assert [e["trigger"] for e in history] == ["start", "record"]


def test_an_unwritable_output_file_is_a_one_line_error(tmp_path: Path) -> None:
    checklist = tmp_path / "shuanggao-2026.yaml"
    shutil.copy(FROZEN, checklist)
    result = run(tmp_path, checklist, "status", "--format", "csv", "-o", str(tmp_path / "missing" / "x.csv"))
    assert result.exit_code == 1
    assert "cannot write" in result.stderr and "internal error" not in result.stderr
