"""Issue items 6, 7, 13: no hang, no exit 3 for user input, and the smaller ones.

6. ``validate FIFO`` and ``-c FIFO`` end at once with a clear error;
7. every exit-3-for-user-input case of the issue exits 0 or 1 with a clear line: bytes that are
   not UTF-8 in ``--note``, a GBK-named ``--file``, a 4,301-digit number, a trigger named like a
   state machine attribute, stdout full after a committed step, a corrupted cache entry (and a
   planted one is never read from a folder that is not the user's own);
13. strict ``RECTIFY_TODAY``, bounded ``copies``, honest messages, events of removed items
   announced, each event's checklist version in ``history``.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

from engine.checklist import read as yaml_reader

ITEM = "dongshan/kongchuo-baoxue"


def run_bytes(workspace, *args: bytes | str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    argv = [os.fsencode(a) if isinstance(a, str) else a for a in workspace.command(*args)]
    return subprocess.run(argv, env=workspace.env, stdout=stdout, stderr=subprocess.PIPE, timeout=60)


def edited(workspace, old: str, new: str, name: str = "edited.yaml"):
    text = workspace.checklist.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path = workspace.dir / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# -- 6 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("validate", "{fifo}"), ("-c", "{fifo}", "status"), ("-c", "{fifo}", "init")])
def test_a_fifo_checklist_is_refused_at_once(bare_workspace, args):
    fifo = bare_workspace.dir / "pipe.yaml"
    os.mkfifo(fifo)
    argv = [a.format(fifo=fifo) for a in args]
    done = subprocess.run(
        [sys.executable, str(REPO / "cli.py"), *argv],
        env=bare_workspace.env,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 1
    assert f"{fifo}:1:1: not a regular file" in done.stderr


# -- 7 ----------------------------------------------------------------------------------------------


def test_a_note_that_is_not_utf8_is_refused_and_nothing_recorded(workspace):
    done = run_bytes(workspace, "--as", "lihua", "advance", ITEM, "start", "--note", b"\xff\xfe")
    assert done.returncode == 1, done.stderr
    assert b"not UTF-8" in done.stderr and b"internal error" not in done.stderr
    assert workspace.audit()[0] == 0


def test_a_gbk_named_file_is_attached_with_its_chinese_name(workspace):
    name = "中文材料.pdf".encode("gbk")
    path = os.path.join(os.fsencode(workspace.dir), name)
    with open(path, "wb") as f:
        f.write(b"%PDF scanned\n")
    done = run_bytes(workspace, "--as", "lihua", "attach", ITEM, "zerenshu", "--file", path)
    assert done.returncode == 0, done.stderr
    history = json.loads(workspace.run("history", ITEM, "--format", "json").stdout)
    assert history[-1]["data"]["file"] == "中文材料.pdf"
    assert workspace.audit()[2].returncode == 0


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("copies: 6}", "copies: " + "9" * 4400 + "}", "copies: a number of 4400 characters is too large"),
        ("warning_days: 3", "warning_days: " + "9" * 4400, "warning_days: a number of 4400 characters is too large"),
        ("copies: 6}", "copies: " + "9" * 40 + "}", "a number of about 41 digits is too large (maximum 100)"),
        ("copies: 6}", "copies: 1e308}", "1e+308 is too large (maximum 100)"),
    ],
)
def test_huge_numbers_are_located_errors(workspace, old, new, message):
    done = workspace.run("validate", str(edited(workspace, old, new)))
    assert done.returncode == 1, done.stderr
    assert message in done.stderr and "internal error" not in done.stderr


@pytest.mark.parametrize("name", ["state", "check", "reasons", "trigger"])
def test_a_trigger_named_like_the_state_machines_attributes_is_refused_at_validate(workspace, name):
    done = workspace.run("validate", str(edited(workspace, "{trigger: start,", f"{{trigger: {name},")))
    assert done.returncode == 1
    assert f"trigger '{name}'" in done.stderr and "reserved" in done.stderr


def test_a_committed_step_exits_0_when_stdout_is_full(workspace):
    with open("/dev/full", "wb") as full:
        done = run_bytes(workspace, "--as", "lihua", "advance", ITEM, "start", stdout=full)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert workspace.audit()[0] == 1  # committed once: a retry is not needed


def cache_entries(workspace) -> list:
    return [p for p in (workspace.dir / "cache").iterdir() if p.suffix == ".pickle"]


def test_a_corrupted_cache_entry_is_ignored_and_rebuilt(workspace):
    assert workspace.run("status").returncode == 0
    entries = cache_entries(workspace)
    assert entries
    for entry in entries:
        entry.write_bytes(b"\x80\x05garbage" + bytes(range(256)))
    for _ in range(2):
        done = workspace.run("status", "--format", "json")
        assert done.returncode == 0, done.stderr
    assert all(pickle.loads(entry.read_bytes()) for entry in cache_entries(workspace))


class Planted:
    def __reduce__(self):
        return (os.system, (f"touch {os.environ['PLANTED_MARKER']}",))


@pytest.mark.parametrize("how", ["group-writable folder", "world-writable folder", "file of another user"])
def test_a_planted_cache_entry_never_runs(workspace, monkeypatch, how):
    assert workspace.run("status").returncode == 0
    marker = workspace.dir / "pwned"
    monkeypatch.setenv("PLANTED_MARKER", str(marker))
    folder = workspace.dir / "cache"
    for entry in cache_entries(workspace):
        entry.write_bytes(pickle.dumps(Planted()))
        if how == "file of another user":
            os.chown(entry, 65534, 65534)
    folder.chmod({"group-writable folder": 0o770, "world-writable folder": 0o777}.get(how, 0o700))
    done = workspace.run("status", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), "a pickle planted in the cache ran"


# -- 13 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["20261130", "2026-W48-1", "2026-11-30T00:00", "2026-1-30"])
def test_rectify_today_is_strict(workspace, value):
    done = subprocess.run(
        workspace.command("status"),
        env={**workspace.env, "RECTIFY_TODAY": value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr
    ok = subprocess.run(
        workspace.command("status"),
        env={**workspace.env, "RECTIFY_TODAY": "2026-11-30"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0


def test_utf16_is_called_utf16_not_binary(workspace):
    path = workspace.dir / "utf16.yaml"
    path.write_bytes(workspace.checklist.read_text(encoding="utf-8").encode("utf-16"))
    done = workspace.run("validate", str(path))
    assert done.returncode == 1 and "UTF-16" in done.stderr and "binary" not in done.stderr


def test_a_big_document_without_aliases_is_not_called_an_alias_bomb(monkeypatch):
    monkeypatch.setattr(yaml_reader, "MAX_NODES", 50)
    _root, problems = yaml_reader.read_yaml(("items:\n" + "".join(f"  - n{i}\n" for i in range(80))).encode())
    assert problems and "alias bomb" not in problems[0].message and "more than 50 nodes" in problems[0].message
    _root, problems = yaml_reader.read_yaml(b"a: &x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*x, *x, *x, *x, *x, *x]\n")
    assert problems and "alias bomb" in problems[0].message


def test_an_exclusive_minimum_is_not_called_minimum_0(workspace):
    done = workspace.run("validate", str(edited(workspace, "sample: 0.3}", "sample: 0}")))
    assert done.returncode == 1
    assert "must be more than 0" in done.stderr and "minimum 0)" not in done.stderr


def test_events_of_a_removed_duty_are_announced(workspace):
    assert workspace.run("advance", ITEM, "start", actor="lihua").returncode == 0
    assert workspace.run("record", ITEM, "chuoxue-lv=1", actor="lihua").returncode == 0
    text = workspace.checklist.read_text(encoding="utf-8")
    start = text.index("  - id: kongchuo-baoxue\n")
    end = text.index("\n  - id: ", start + 10) + 1
    workspace.checklist.write_text(text[:start] + text[end:], encoding="utf-8")
    assert workspace.run("validate").returncode == 0, workspace.run("validate").stderr
    for listing in (("status",), ("summary",), ("board",), ("status", "--format", "json")):
        done = workspace.run(*listing)
        assert done.returncode == 0, done.stderr
        assert "warning: 2 events belong to items the checklist no longer declares" in done.stderr
        assert ITEM in done.stderr
    # a listing of one unit reads that unit's rows only, and warns of that unit's items only
    for unit in ("dongshan", "东山镇人民政府"):
        done = workspace.run("status", "--unit", unit)
        assert (
            done.returncode == 0
            and f"2 events belong to items the checklist no longer declares ({ITEM})" in done.stderr
        )
    done = workspace.run("status", "--unit", "xihe")
    assert done.returncode == 0 and "no longer declares" not in done.stderr, done.stderr
    assert workspace.run("status", "--unit", "nowhere").returncode == 1  # refused once, by the listing
    audited = workspace.run("audit")
    assert audited.returncode == 0, audited.stderr
    assert f"2 events belong to items the checklist no longer declares: {ITEM} (2)" in audited.stderr


def test_history_names_each_events_checklist_version(workspace):
    assert workspace.run("advance", ITEM, "start", actor="lihua").returncode == 0
    before = workspace.checklist.read_bytes()
    workspace.checklist.write_bytes(before + b"# edited after the first step\n")
    assert workspace.run("record", ITEM, "chuoxue-lv=1", actor="lihua").returncode == 0
    events = json.loads(workspace.run("history", ITEM, "--format", "json").stdout)
    assert [e["checklist_sha256"] for e in events] == [
        hashlib.sha256(before).hexdigest(),
        hashlib.sha256(workspace.checklist.read_bytes()).hexdigest(),
    ]
    assert [e["other_version"] for e in events] == [True, False]
    table = subprocess.run(
        workspace.command("history", ITEM, "--format", "markdown"),
        env=workspace.env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    rows = [line for line in table.splitlines() if line.startswith("|") and "李华" in line]
    assert len(rows) == 2 and "(earlier checklist version)" in rows[0]
    assert "(earlier checklist version)" not in rows[1]


def test_no_cache_folder_is_made_world_readable(workspace):
    shutil.rmtree(workspace.dir / "cache", ignore_errors=True)
    assert workspace.run("status").returncode == 0
    assert (workspace.dir / "cache").stat().st_mode & 0o077 == 0
