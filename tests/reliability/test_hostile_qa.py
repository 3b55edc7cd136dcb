"""What a hostile tester found on the merged tool, each reproduced and held here.

- ``-o`` onto a hard link of the journal overwrote it (the guard compared paths, not files);
- ``record`` cleaned names and values up instead of refusing them: a name with a newline, ``1_0``,
  full-width digits, the same indicator twice;
- a listing whose stdout could not be written exited 3 (an internal error) instead of 1.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

ITEM = "dongshan/kongchuo-baoxue"


def triggers(workspace) -> list[str]:
    return [e["trigger"] for e in json.loads(workspace.run("history", ITEM, "--format", "json").stdout)]


def test_o_onto_a_hard_link_of_the_journal_is_refused(workspace):
    link = workspace.dir / "hard.csv"
    os.link(workspace.db, link)
    before = workspace.db.read_bytes()
    done = workspace.run("summary", "-o", str(link))
    assert done.returncode == 1 and "journal in use" in done.stderr
    assert workspace.db.read_bytes() == before
    assert workspace.run("audit").returncode == 0


@pytest.mark.parametrize(
    "assignment", ["chuoxue-lv\n=1", "chuoxue-lv=1_0", "chuoxue-lv=０.５", "chuoxue-lv=٣", "chuoxue-lv=1e1"]
)
def test_record_refuses_what_it_would_have_to_guess(workspace, assignment):
    workspace.run("advance", ITEM, "start", actor="lihua")
    done = workspace.run("record", ITEM, assignment, actor="lihua")
    assert done.returncode == 1, done.stdout
    assert triggers(workspace) == ["start"]


def test_record_refuses_the_same_indicator_twice(workspace):
    workspace.run("advance", ITEM, "start", actor="lihua")
    done = workspace.run("record", ITEM, "chuoxue-lv=1", "chuoxue-lv=2", actor="lihua")
    assert done.returncode == 1 and "twice" in done.stderr
    assert workspace.run("record", ITEM, "chuoxue-lv=1", "quzheng-daowei=99.5", actor="lihua").returncode == 0


def test_a_listing_to_a_full_disk_exits_1_with_one_line(workspace):
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            workspace.command("summary", "--format", "csv"),
            env=workspace.env,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1, done.stderr
    assert "internal error" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
