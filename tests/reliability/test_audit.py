"""Issue items 1, 5, 11, 12: an audit that proves every step was lawful, and never cries wolf.

1. audits running while four clerks write all pass, and nothing acknowledged is lost;
5. forged `current` columns, dropped append-only triggers, a dropped `current` table, a BLOB
   note, broken JSON in `data`, and correctly hashed events that break the rules (separation
   of duties, an undeclared step, an unknown person, a backdated time) all fail at a named
   position, exit 1; steps are judged under the checklist version they were taken under (an
   item by its duty in that version, roles by the replayed participants), and a version the
   journal does not keep is a "not judged" warning;
11. --anchor takes the pasted `head N HASH` line, blanks, either case; each failure has its own
   message;
12. a read-only journal (file and folder) can still be audited and listed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from helpers import ops
from test_reliability import attacker, build_journal, first_bad_position, run_audit

from engine.checklist.load import load_checklist
from engine.journal.chain import EVENT_COLUMNS, Draft, data_text, seal
from engine.journal.sqlite import SQLiteStore
from engine.operations.audit import audit as run_engine_audit

ITEM = "dongshan/kongchuo-baoxue"
OFFICE = "dudao/dudao-jiancha"
ACK = re.compile(r"^#(\d+) ")


# -- 1: audits during concurrent writes -----------------------------------------------------------

WRITERS = [("dongshan", "lihua"), ("xihe", "huanglei"), ("nanling", "linfang"), ("beiping", "yangfan")]


@pytest.mark.slow
def test_audits_during_concurrent_writes_all_pass_and_nothing_is_lost(workspace):
    deadline = time.monotonic() + 20
    acknowledged: dict[int, tuple[str, str]] = {}
    audits: list[list[str]] = []  # the problems of each audit
    writer_failures: list[str] = []
    lock = threading.Lock()
    checklist = load_checklist(str(workspace.checklist))

    def write(unit: str, reporter: str) -> None:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            done = workspace.run("record", f"{unit}/kongchuo-baoxue", f"chuoxue-lv={n % 50}", actor=reporter)
            match = ACK.match(done.stdout)
            with lock:  # failures are collected: an assert in a thread would not fail the test
                if done.returncode != 0 or match is None:
                    writer_failures.append(done.stderr)
                    continue
                seq = int(match.group(1))
                if seq in acknowledged:
                    writer_failures.append(f"#{seq} acknowledged twice")
                acknowledged[seq] = (f"{unit}/kongchuo-baoxue", reporter)

    def audit() -> None:  # in this process, so that hundreds of audits meet the writers
        while time.monotonic() < deadline:
            store = SQLiteStore(str(workspace.db), checklist.id, read_only=True)
            try:
                audits.append(run_engine_audit(store, checklist).problems)
            finally:
                store.close()

    threads = [threading.Thread(target=write, args=w) for w in WRITERS] + [threading.Thread(target=audit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not writer_failures, writer_failures[:3]
    failed = [problems for problems in audits if problems]
    assert not failed, f"{len(failed)} of {len(audits)} audits failed: {failed[:3]}"
    assert workspace.audit()[0] == max(acknowledged)
    store = SQLiteStore(str(workspace.db), checklist.id, read_only=True)
    events = {e.seq: (e.item, e.actor) for e in store.events()}
    store.close()
    assert all(events.get(seq) == who for seq, who in acknowledged.items()), "an acknowledged event was lost"
    assert len(audits) >= 20 and len(acknowledged) >= 8, (len(audits), len(acknowledged))  # a loaded machine
    print(f"{len(audits)} audits during {len(acknowledged)} acknowledged writes: 0 failed, 0 lost")


# -- 5: forged current columns, guards, broken rows -----------------------------------------------


@pytest.mark.parametrize(
    "column, value", [("returns", 3), ("trigger", "return"), ("recorded_at", "2026-01-01T00:00:00.000000Z"), ("seq", 2)]
)
def test_every_current_column_is_checked_against_the_replay(workspace, column, value):
    build_journal(workspace)
    conn = attacker(workspace)
    conn.execute(f"UPDATE current SET {column} = ? WHERE item = ?", (value, ITEM))
    conn.close()
    result = run_audit(workspace)
    assert result.exit_code == 1
    assert f"item {ITEM}: the current-state table says" in result.stderr
    assert first_bad_position(result.stderr) == 9


def test_dropped_append_only_triggers_fail_the_audit(workspace):
    build_journal(workspace)
    conn = sqlite3.connect(str(workspace.db))
    conn.execute("DROP TRIGGER events_no_update")
    conn.close()
    result = run_audit(workspace)
    assert result.exit_code == 1
    assert "append-only triggers are missing: events_no_update" in result.stderr


@pytest.mark.parametrize(
    "tamper, message, position",
    [
        ("DROP TABLE current", "no such table: current", None),
        ("UPDATE events SET note = X'00ff1b' WHERE seq = 3", "position 3: the stored row is not an event", 3),
        ("UPDATE events SET data = '{\"values\": ' WHERE seq = 6", "position 6: the stored row is not an event", 6),
        ("UPDATE events SET data = '[1]' WHERE seq = 6", "position 6: the stored row is not an event", 6),
    ],
)
def test_broken_rows_and_tables_are_named_failures_not_internal_errors(workspace, tamper, message, position):
    build_journal(workspace)
    conn = attacker(workspace)
    conn.execute(tamper)
    conn.close()
    result = run_audit(workspace)
    assert result.exit_code == 1, result.stderr
    assert message in result.stderr and "internal error" not in result.stderr
    if position is not None:
        assert first_bad_position(result.stderr) == position


def test_a_journal_of_the_wrong_schema_is_refused_not_exit_3(workspace):
    workspace.db.unlink()
    conn = sqlite3.connect(str(workspace.db))
    conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    conn.execute("CREATE TABLE events (seq INTEGER, item TEXT)")
    conn.close()
    result = workspace.run("audit")
    assert result.returncode == 1 and "not a rectify journal" in result.stderr


# -- 5: correctly hashed events that break the rules ----------------------------------------------


def forge(
    workspace,
    item: str,
    trigger: str,
    from_state: str,
    to_state: str,
    actor: str,
    note: str = "",
    data: dict | None = None,
    recorded_at: str | None = None,
) -> int:
    """Append a correctly hashed event (and its current row) straight into the file."""
    conn = sqlite3.connect(str(workspace.db), isolation_level=None)
    seq, prev, last_time, sha = conn.execute(
        "SELECT seq, hash, recorded_at, checklist_sha256 FROM events ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    event = seal(
        Draft(item, trigger, from_state, to_state, actor, note, sha, data or {}),
        seq + 1,
        prev,
        recorded_at or last_time,
        "mallory",
    )
    values = [getattr(event, c) for c in EVENT_COLUMNS]
    values[EVENT_COLUMNS.index("data")] = data_text(event.data)
    conn.execute(f"INSERT INTO events VALUES ({', '.join('?' * len(values))})", values)
    conn.execute(
        "INSERT OR REPLACE INTO current (item, state, seq, trigger, recorded_at, returns) VALUES (?, ?, ?, ?, ?, 0)",
        (item, to_state, seq + 1, trigger, event.recorded_at),
    )
    conn.close()
    return seq + 1


def office_ready(workspace) -> None:
    checklist = load_checklist(str(workspace.checklist))
    store = SQLiteStore(str(workspace.db), checklist.id, checklist_source=checklist.file_bytes)
    ops.advance(checklist, store, "wangming", OFFICE, "start")
    ops.attach(checklist, store, "chenjing", OFFICE, "peixun")
    ops.attach(checklist, store, "chenjing", OFFICE, "ducha-jilu")
    store.close()


FORGERIES = {
    "owner verifies own item": (
        dict(
            item=OFFICE,
            trigger="verify",
            from_state="in_progress",
            to_state="verified",
            actor="chenjing",
            note="自己验收",
        ),
        "separation of duties",
    ),
    "undeclared step": (
        dict(item=ITEM, trigger="verify", from_state="pending", to_state="verified", actor="wangming", note="x"),
        "no step 'verify' is declared from state 'pending'",
    ),
    "unknown person": (
        dict(item=ITEM, trigger="start", from_state="pending", to_state="in_progress", actor="mallory"),
        "'mallory' is not a declared person",
    ),
    "wrong starting state": (
        dict(item=OFFICE, trigger="return", from_state="verified", to_state="in_progress", actor="wangming", note="x"),
        "it starts from 'verified'",
    ),
    "backdated": (
        dict(
            item=ITEM,
            trigger="start",
            from_state="pending",
            to_state="in_progress",
            actor="lihua",
            recorded_at="2020-01-01T00:00:00.000000Z",
        ),
        "time runs backwards",
    ),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_a_correctly_hashed_unlawful_event_fails_the_audit(workspace, name):
    office_ready(workspace)
    published = workspace.audit()[1]
    fields, message = FORGERIES[name]
    position = forge(workspace, **fields)
    for args in ((), ("--anchor", published)):
        result = run_audit(workspace, *args)
        assert result.exit_code == 1, (args, result.stderr)
        assert message in result.stderr
        assert first_bad_position(result.stderr) == position


def test_steps_are_judged_under_the_checklist_version_they_were_taken_under(workspace):
    office_ready(workspace)
    text = workspace.checklist.read_text(encoding="utf-8")
    old = "by: [owner, supervisor]}"
    assert text.count(old) == 1
    workspace.checklist.write_text(
        text.replace(old, "by: [district]}").replace("roles: [supervisor]}", "roles: [supervisor, district]}", 1),
        encoding="utf-8",
    )
    assert workspace.run("validate").returncode == 0, workspace.run("validate").stderr
    result = run_audit(workspace)  # wangming's start was lawful then, and is judged by that version
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def edit_checklist(workspace, old: str, new: str) -> None:
    text = workspace.checklist.read_text(encoding="utf-8")
    assert text.count(old) == 1
    workspace.checklist.write_text(text.replace(old, new), encoding="utf-8")


def in_store(workspace, operation, *args, **kwargs) -> None:
    """Take one step through the engine under the checklist file as it is now."""
    checklist = load_checklist(str(workspace.checklist))
    store = SQLiteStore(str(workspace.db), checklist.id, checklist_source=checklist.file_bytes)
    operation(checklist, store, *args, **kwargs)
    store.close()


def test_an_item_is_judged_by_its_duty_in_each_version(workspace):
    """The office's duty drops one of its two pieces of evidence between the start and the
    verify: the verify, lawful under the new version, must not be judged by the old duty."""
    in_store(workspace, ops.advance, "wangming", OFFICE, "start")
    edit_checklist(workspace, "      - {id: ducha-jilu, name: 年度整改工作检查、指导及跟踪督查记录}\n", "")
    in_store(workspace, ops.attach, "chenjing", OFFICE, "peixun")
    in_store(workspace, ops.advance, "zhaoguoqiang", OFFICE, "verify", "验收合格")
    result = run_audit(workspace)
    assert result.exit_code == 0, result.stderr


def test_a_step_by_someone_who_took_an_earlier_one_is_judged_by_the_replayed_participants(workspace):
    edit_checklist(workspace, "        not_by: [owner]                 #", "        not_by: [owner, participant]    #")
    in_store(workspace, ops.advance, "zhaoguoqiang", OFFICE, "start")  # the district's supervisor takes part
    in_store(workspace, ops.attach, "chenjing", OFFICE, "peixun")
    in_store(workspace, ops.attach, "chenjing", OFFICE, "ducha-jilu")
    assert run_audit(workspace).exit_code == 0
    position = forge(
        workspace,
        item=OFFICE,
        trigger="verify",
        from_state="in_progress",
        to_state="verified",
        actor="zhaoguoqiang",
        note="验收",
    )
    result = run_audit(workspace)
    assert result.exit_code == 1, result.stderr
    assert "may not take step" in result.stderr and "someone who took an earlier step" in result.stderr
    assert first_bad_position(result.stderr) == position


def test_a_version_the_journal_does_not_keep_is_not_judged_a_warning(workspace):
    office_ready(workspace)
    workspace.checklist.write_text(workspace.checklist.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    conn = sqlite3.connect(str(workspace.db))
    conn.execute("DROP TRIGGER checklists_no_delete")
    conn.execute("DELETE FROM checklists")
    conn.commit()
    conn.close()
    result = run_audit(workspace)
    assert result.exit_code == 0, result.stderr
    assert "warning: 3 events taken under checklist version" in result.stderr
    assert "were not judged" in result.stderr


def test_the_stored_checklist_version_is_the_file_of_the_events(workspace):
    office_ready(workspace)
    rows = sqlite3.connect(str(workspace.db)).execute("SELECT sha256, source FROM checklists").fetchall()
    assert len(rows) == 1 and rows[0][1] == workspace.checklist.read_bytes()
    assert rows[0][0] == hashlib.sha256(rows[0][1]).hexdigest()  # kept under its own digest


# -- 11: --anchor forms and messages --------------------------------------------------------------


def test_anchor_accepts_the_pasted_line_blanks_and_either_case(workspace):
    head = build_journal(workspace)
    printed = run_audit(workspace).stdout.strip()
    assert printed == f"head 14 {head}"
    for anchor in (printed, f"  {printed}\n", head + " ", head.upper(), f"head 14 {head.upper()}", "\t" + head):
        result = run_audit(workspace, "--anchor", anchor)
        assert result.exit_code == 0, (anchor, result.stderr)
    earlier = sqlite3.connect(str(workspace.db)).execute("SELECT hash FROM events WHERE seq = 5").fetchone()[0]
    assert run_audit(workspace, "--anchor", f"head 5 {earlier}").exit_code == 0


def test_each_anchor_failure_has_its_own_message(workspace):
    head = build_journal(workspace)
    stranger = "ab" * 32
    never = run_audit(workspace, "--anchor", stranger)
    assert never.exit_code == 1
    assert "not a head of this journal: cut off, or from another journal" in never.stderr
    past = run_audit(workspace, "--anchor", f"head 20 {stranger}")
    assert past.exit_code == 1 and "cut off after 14" in past.stderr
    other = run_audit(workspace, "--anchor", f"head 7 {head}")
    assert other.exit_code == 1 and "rewritten at or before 7" in other.stderr
    assert first_bad_position(other.stderr) == 7
    malformed = run_audit(workspace, "--anchor", "head x")
    assert malformed.exit_code == 2 and "head N HASH" in malformed.stderr


# -- 12: a read-only journal ----------------------------------------------------------------------


def freeze(paths: list[Path], on: bool) -> bool:
    """``chattr +i``: read-only even for root (the tests may run as root, which ignores modes)."""
    done = subprocess.run(["chattr", "+i" if on else "-i", *map(str, paths)], capture_output=True)
    return done.returncode == 0


@pytest.mark.parametrize("leave_wal", [False, True])
def test_a_read_only_journal_can_be_audited_and_listed(workspace, tmp_path, leave_wal):
    head = build_journal(workspace)
    folder = tmp_path / "read-only"
    folder.mkdir()
    shutil.copy(workspace.checklist, folder / workspace.checklist.name)
    db = folder / workspace.db.name
    if leave_wal:  # committed frames not yet checkpointed: immutable=1 would miss them
        keeper = sqlite3.connect(str(workspace.db))
        keeper.execute("SELECT count(*) FROM events").fetchall()  # keeps the -wal from being removed
        checklist = load_checklist(str(workspace.checklist))
        store = SQLiteStore(str(workspace.db), checklist.id, checklist_source=checklist.file_bytes)
        ops.record(checklist, store, "huanglei", "xihe/kongchuo-baoxue", ["chuoxue-lv=1"])
        store.close()
        for suffix in ("", "-wal"):
            shutil.copy(str(workspace.db) + suffix, str(db) + suffix)
        keeper.close()
        assert os.path.getsize(str(db) + "-wal") > 0
    else:
        shutil.copy(workspace.db, db)
    frozen = sorted(folder.iterdir()) + [folder]
    if not freeze(frozen, True):
        pytest.skip("chattr +i is not available here")
    try:
        audited = subprocess.run(
            workspace.command("--db", str(db), "audit"), env=workspace.env, capture_output=True, text=True, timeout=60
        )
        assert audited.returncode == 0, audited.stderr
        assert audited.stdout.startswith(f"head {15 if leave_wal else 14} ")
        if not leave_wal:
            assert audited.stdout.strip() == f"head 14 {head}"
        listed = subprocess.run(
            workspace.command("--db", str(db), "status", "--format", "json"),
            env=workspace.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 0, listed.stderr
        assert len(json.loads(listed.stdout)) > 10
        refused = subprocess.run(
            workspace.command("--db", str(db), "advance", "xihe/kongchuo-baoxue", "start", actor="huanglei"),
            env=workspace.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
    finally:
        freeze(frozen, False)
