"""Issue items 2, 3, 4: nothing injected into a terminal or a spreadsheet, nothing overwritten.

2. Text from the checklist, notes and argv is data, never terminal control: every human format,
   csv on a terminal and every message show C0/C1/DEL/bidi controls as visible escapes; json
   writes them as \\uXXXX.
3. ``-o`` never writes onto the checklist or the journal in use (compared by real path); a
   journal in memory (``--db :memory:``, ``sqlite:``) is refused: it would lose what it acknowledges.
4. Header rows follow the formula rule of data cells, in csv and in xlsx.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess

import pytest
from openpyxl import load_workbook

ITEM = "dongshan/kongchuo-baoxue"
ESC_NOTE = "\x1b[2J\x1b]0;PWNED\x07"
C1_BIDI_NOTE = "a\u009b31mb\u202ec\x7fd"
UNSAFE = ("\x1b", "\x07", "\u009b", "\u202e", "\x7f")


def on_a_terminal(workspace, *args: str) -> str:
    """stdout of ``rectify ARGS`` when it is a real terminal (a pty), as text."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        workspace.command(*args), env={**workspace.env, "COLUMNS": "400"}, stdout=slave, stderr=subprocess.DEVNULL
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(master)
    assert process.returncode == 0
    return b"".join(chunks).decode("utf-8")


def assert_safe(text: str) -> None:
    found = [c for c in UNSAFE if c in text]
    assert not found, (found, text[-500:])


@pytest.fixture
def noted(workspace):
    """A journal with the two hostile notes of the issue on ITEM."""
    assert workspace.run("advance", ITEM, "start", "--note", ESC_NOTE, actor="lihua").returncode == 0
    assert workspace.run("advance", ITEM, "extend", "--note", C1_BIDI_NOTE, actor="wangming").returncode in (0, 1)
    assert workspace.run("advance", ITEM, "return", "--note", C1_BIDI_NOTE, actor="wangming").returncode in (0, 1)
    done = workspace.run("attach", ITEM, "zerenshu", actor="lihua")
    assert done.returncode == 0
    return workspace


@pytest.mark.parametrize("fmt", ["csv", "table", "markdown"])
def test_history_on_a_terminal_shows_escapes_not_control(noted, fmt):
    # --wide: the note column in full, not dropped or wrapped to fit the terminal
    shown = on_a_terminal(noted, "history", ITEM, "--format", fmt, "--wide").replace("\\\\", "\\")  # md doubles \\
    assert "\\x1b[2J\\x1b]0;PWNED\\x07" in shown
    assert_safe(shown.replace("\x1b[1m", "").replace("\x1b[0m", ""))  # the table's own bold title


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "csv"])
def test_c1_and_bidi_never_reach_a_human_format(workspace, fmt):
    assert workspace.run("advance", ITEM, "start", "--note", C1_BIDI_NOTE, actor="lihua").returncode == 0
    result = workspace.run("history", ITEM, "--format", fmt)
    assert result.returncode == 0
    if fmt == "csv":  # a pipe is a file: the data stays as it is, for scripts and import
        assert C1_BIDI_NOTE in result.stdout
    else:
        assert_safe(result.stdout)
        assert "\\x9b31m" in result.stdout and "\\u202e" in result.stdout


def test_json_writes_controls_as_unicode_escapes(noted):
    text = noted.run("history", ITEM, "--format", "json").stdout
    assert_safe(text)
    assert "\\u009b" in text and "\\u202e" in text and "\\u001b" in text
    assert json.loads(text)[0]["note"] == ESC_NOTE


def test_xlsx_cells_show_escapes(noted, tmp_path):
    path = tmp_path / "h.xlsx"
    assert noted.run("history", ITEM, "--format", "xlsx", "-o", str(path)).returncode == 0
    cells = [str(c.value) for row in load_workbook(path).active.iter_rows() for c in row if c.value]
    assert any("\\x1b[2J" in c for c in cells)
    for cell in cells:
        assert_safe(cell)


def hostile_labels(workspace) -> None:
    text = workspace.checklist.read_text(encoding="utf-8")
    for old, new in [
        ("{id: pending, label: 待整改}", '{id: pending, label: "\\e[2J待整改\\u202e"}'),
        ("label: 启动整改,", 'label: "\\e]0;PWNED\\a启动整改\\u009b",'),
    ]:
        assert text.count(old) == 1
        text = text.replace(old, new)
    workspace.checklist.write_text(text, encoding="utf-8")


def test_yaml_labels_reach_no_terminal_through_messages(workspace):
    hostile_labels(workspace)
    refused = workspace.run("advance", ITEM, "verify", "--note", "x", actor="wangming")
    assert refused.returncode == 1 and "\\x1b[2J" in refused.stderr
    explained = workspace.run("explain", ITEM, actor="lihua")
    assert explained.returncode == 0 and "\\x1b[2J" in explained.stdout and "\\x1b]0;PWNED" in explained.stdout
    advanced = workspace.run("advance", ITEM, "start", actor="lihua")
    assert advanced.returncode == 0 and "\\x1b]0;PWNED\\x07" in advanced.stdout
    for result in (refused, explained, advanced):
        assert_safe(result.stdout + result.stderr)


@pytest.mark.parametrize(
    "argv", [["\x1b[2J"], ["--lang", "\x1b[2J\u202e", "status"], ["advance", "\x1b[2J/x\u202e", "start"]]
)
def test_argv_echoed_in_errors_is_escaped(workspace, argv):
    result = workspace.run(*argv, actor="lihua")
    assert result.returncode in (1, 2)
    assert "\\x1b[2J" in result.stderr or "\\x1b" in result.stderr
    assert_safe(result.stderr)


# -- 3: -o never onto what is in use; no journal in memory ---------------------------------------


def test_output_never_overwrites_the_checklist_or_the_journal(workspace, tmp_path):
    assert workspace.run("advance", ITEM, "start", actor="lihua").returncode == 0
    before = (workspace.checklist.read_bytes(), workspace.audit()[:2])
    (tmp_path / "sub").mkdir()
    alias = tmp_path / "alias.db"
    alias.symlink_to(workspace.db)
    for target in (
        workspace.db,
        workspace.checklist,
        tmp_path / "sub" / ".." / workspace.db.name,
        alias,
        workspace.db.with_name(workspace.db.name + "-wal"),
    ):
        result = workspace.run("status", "--format", "csv", "-o", str(target))
        assert result.returncode == 1, (target, result.stderr)
        assert "the checklist or the journal in use" in result.stderr
    assert (workspace.checklist.read_bytes(), workspace.audit()[:2]) == before


@pytest.mark.parametrize(
    "url", [":memory:", "sqlite:", "sqlite::memory:", "sqlite://:memory:", "file::memory:?cache=shared&mode=memory"]
)
def test_a_journal_in_memory_is_refused(workspace, url):
    result = workspace.run("--db", url, "advance", ITEM, "start", actor="lihua")
    assert result.returncode == 1
    assert result.stdout == "" and "not a journal file" in result.stderr


def test_dash_means_stdout(workspace):
    result = subprocess.run(
        workspace.command("status", "--format", "json", "-o", "-"),
        env=workspace.env,
        capture_output=True,
        text=True,
        cwd=workspace.dir,
        timeout=60,
    )
    assert result.returncode == 0 and json.loads(result.stdout)
    assert not (workspace.dir / "-").exists()


def test_csv_through_a_pipe_is_what_o_writes(workspace, tmp_path):
    assert workspace.run("advance", ITEM, "start", "--note", "a\nb", actor="lihua").returncode == 0
    piped = subprocess.run(
        workspace.command("history", ITEM, "--format", "csv"), env=workspace.env, capture_output=True, timeout=60
    ).stdout
    path = tmp_path / "h.csv"
    assert workspace.run("history", ITEM, "--format", "csv", "-o", str(path)).returncode == 0
    assert piped == path.read_bytes()


# -- 4: formula injection in header rows ---------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil/","x")', "+1+1", "@SUM(A1)", "-2+3"]


@pytest.fixture
def formula_titles(workspace):
    text = workspace.checklist.read_text(encoding="utf-8")
    for number, title in enumerate(["抓组织入学", "抓控辍保学", "抓残疾少儿普查"]):
        old = f"    title: {title}\n"
        assert text.count(old) == 1
        text = text.replace(old, f"    title: '{FORMULAS[number]}'\n")
    workspace.checklist.write_text(text, encoding="utf-8")
    return workspace


def test_csv_headers_and_titles_follow_the_formula_rule(formula_titles):
    result = formula_titles.run("board", "--format", "csv")
    assert result.returncode == 0, result.stderr
    header = next(csv.reader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert not any(cell.startswith(("=", "+", "@", "-")) for cell in header)  # field ids
    from engine.formats import render
    from engine.formats.report import Column, Report

    reports = [Report(formula, [Column("x", formula)], [{"x": 1}]) for formula in FORMULAS]
    rows = list(csv.reader(io.StringIO(render("csv", reports))))
    titles = [row[0] for row in rows if row and row[0] not in ("x", "1")]
    assert titles == ["'" + formula for formula in FORMULAS]


def test_xlsx_headers_are_text_not_formulas(formula_titles, tmp_path):
    path = tmp_path / "board.xlsx"
    result = formula_titles.run("board", "--format", "xlsx", "-o", str(path))
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(path).active
    headers = [c for c in sheet[2] if c.value is not None]
    assert any(c.value == FORMULAS[0] for c in headers)
    for cell in [*headers, *[c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]]:
        assert cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)
