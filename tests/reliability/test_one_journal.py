"""Issue item 10: one journal, one path, made only by ``rectify init``.

A symlinked checklist shares the journal of its real path; every command but ``init`` refuses a
missing journal naming the path (a mistyped ``--db`` never shows an empty journal, and ``audit``
never prints ``head 0`` for a file that is not there); ``init`` is idempotent for the same
checklist id and refuses another one naming both; concurrent first users never see
"database is locked"; the README's main command runs as pasted.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time

import pytest
from conftest import REPO

ITEM = "dongshan/kongchuo-baoxue"
READ_AND_WRITE = [
    ("audit",),
    ("status",),
    ("summary",),
    ("board",),
    ("readiness",),
    ("history", ITEM),
    ("explain", ITEM),
    ("status", "--format", "csv"),
    ("--as", "lihua", "advance", ITEM, "start"),
    ("--as", "lihua", "record", ITEM, "chuoxue-lv=1"),
    ("--as", "lihua", "attach", ITEM, "zerenshu"),
]


@pytest.mark.parametrize("args", READ_AND_WRITE, ids=lambda a: " ".join(a))
def test_every_command_refuses_a_missing_journal_naming_it(bare_workspace, args):
    result = bare_workspace.run(*args)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert f"{bare_workspace.db}: no journal there" in result.stderr
    assert "rectify -c CHECKLIST init" in result.stderr
    assert not bare_workspace.db.exists()


def test_a_mistyped_db_is_refused_not_shown_empty(workspace):
    assert workspace.run("--as", "lihua", "advance", ITEM, "start").returncode == 0
    typo = workspace.dir / "shuangao-2026.db"
    result = workspace.run("--db", str(typo), "status")
    assert result.returncode == 1 and f"{typo}: no journal there" in result.stderr
    assert not typo.exists()


def test_init_creates_once_and_names_both_ids_when_another_checklist_owns_the_journal(bare_workspace):
    first = bare_workspace.run("init")
    assert first.returncode == 0 and "journal created for checklist shuanggao-2026" in first.stderr
    assert bare_workspace.audit()[:2] == (0, "0" * 64)
    again = bare_workspace.run("init")
    assert again.returncode == 0 and "already the journal of checklist shuanggao-2026" in again.stderr
    other = bare_workspace.dir / "other.yaml"
    other.write_text(
        bare_workspace.checklist.read_text(encoding="utf-8").replace("id: shuanggao-2026", "id: shuanggao-2027", 1),
        encoding="utf-8",
    )
    refused = subprocess.run(
        [sys.executable, str(REPO / "cli.py"), "-c", str(other), "--db", str(bare_workspace.db), "init"],
        env=bare_workspace.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "'shuanggao-2026'" in refused.stderr and "'shuanggao-2027'" in refused.stderr


def test_a_symlinked_checklist_shares_the_journal_of_its_real_path(workspace):
    link_dir = workspace.dir / "elsewhere"
    link_dir.mkdir()
    link = link_dir / "mine.yaml"
    link.symlink_to(workspace.checklist)
    linked = subprocess.run(
        [sys.executable, str(REPO / "cli.py"), "-c", str(link), "--as", "lihua", "advance", ITEM, "start"],
        env=workspace.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert linked.returncode == 0, linked.stderr
    assert not (link_dir / "mine.db").exists()
    assert workspace.audit()[0] == 1


def test_concurrent_first_users_all_succeed(bare_workspace):
    """Six clerks start on a new journal at the same moment: one creates it, none is locked out."""
    start_at = time.time() + 1.5
    script = (
        "import subprocess, sys, time\n"
        "while time.time() < float(sys.argv[1]): time.sleep(0.001)\n"
        "sys.exit(subprocess.run(sys.argv[2:]).returncode)\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(start_at), *bare_workspace.command("init")],
            env=bare_workspace.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0] * 6, outputs
    created = [err for _out, err in outputs if "journal created" in err]
    assert len(created) == 1, outputs
    assert bare_workspace.audit()[:2] == (0, "0" * 64)


def test_readme_main_command_creates_the_journal_before_the_summary(tmp_path):
    text = (REPO / "README.md").read_text(encoding="utf-8")
    main = re.findall(r"```sh\n(.+?)\n```", text.split("## Two commands", 1)[1], re.S)[0]
    assert "rectify -c checklists/shuanggao-2026.yaml init &&" in main
    steps = [part.strip().split()[1:] for part in main.split("&&") if "bin/rectify " in part]
    assert [s[s.index("init") if "init" in s else -1] for s in steps][1] == "init"
    shutil.copytree(REPO / "checklists", tmp_path / "checklists")
    env = {"RECTIFY_CACHE_DIR": str(tmp_path / "cache"), "RECTIFY_LANG": "en", "PATH": "/usr/bin:/bin"}
    for _pasted_twice in range(2):
        for step in steps:
            done = subprocess.run(
                [sys.executable, str(REPO / "cli.py"), *step],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, (step, done.stderr)
    assert (tmp_path / "checklists" / "shuanggao-2026.db").exists()
