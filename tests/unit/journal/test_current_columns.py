"""The current table keeps each item's last note and extended deadline, so a listing reads one
row per item and never scans the events for them. A journal written before the table kept them
is read right all the same, and upgraded: on SQLite by the first command that writes, on
PostgreSQL by ``db init`` (staff logins may not change tables)."""

from __future__ import annotations

import sqlite3

import pytest
from helpers import append_draft as append
from stores import admin, init_journal, new_journal, open_store

from engine.errors import StoreError
from engine.journal.sqlite import SQLiteStore
from engine.operations.audit import audit

CHECKLIST_ID = "shuanggao-2026"
ITEM, OTHER = "dongshan/kongchuo-baoxue", "xihe/kongchuo-baoxue"
EXPECTED = {ITEM: ("退回", "2027-01-15"), OTHER: ("入户核查", None)}


def fill(store) -> None:
    with store.transaction() as tx:
        append(tx, "start", "pending", "in_progress", note="启动整改")
        append(tx, "extend", note="延期", data={"deadline": "2026-12-31"}, actor="wangming")
        append(tx, "return", note="退回", data={"returned": True}, actor="wangming", returns=1)
        append(tx, "extend", data={"deadline": "2027-01-15"}, actor="wangming", returns=1)  # no note: 退回 stands
        append(tx, data={"values": {"chuoxue-lv": 0.1}}, returns=1)
        append(tx, "start", "pending", "in_progress", note="入户核查", item=OTHER, actor="huanglei")
        append(tx, item=OTHER, actor="huanglei")


def notes_and_deadlines(store) -> dict[str, tuple[str, str | None]]:
    return {item: (row.note, row.deadline) for item, row in store.current().items()}


def test_each_row_holds_the_last_note_and_the_last_extension(store_url):
    store = new_journal(store_url, CHECKLIST_ID)
    try:
        fill(store)
        assert notes_and_deadlines(store) == EXPECTED
        assert {item: row[:4] for item, row in store.positions().items()} == {
            ITEM: (ITEM, "in_progress", 1, "2027-01-15"),
            OTHER: (OTHER, "in_progress", 0, None),
        }
        assert audit(store).ok
    finally:
        store.close()


def test_audit_finds_a_changed_note_or_deadline_in_the_current_table(tmp_path):
    path = str(tmp_path / "journal.db")
    store = open_store(path, CHECKLIST_ID)
    fill(store)
    store.close()
    for change in ("note = '同意'", "deadline = '2027-06-30'", "deadline = NULL"):
        conn = sqlite3.connect(path)
        conn.execute(f"UPDATE current SET {change} WHERE item = ?", (ITEM,))
        conn.commit()
        conn.close()
        store = SQLiteStore(path, CHECKLIST_ID, read_only=True)
        report = audit(store)
        store.close()
        assert not report.ok, change
        assert any(ITEM in line and "current-state table" in line for line in report.problems), report.problems
        conn = sqlite3.connect(path)  # put it back for the next change
        conn.execute("UPDATE current SET note = '退回', deadline = '2027-01-15' WHERE item = ?", (ITEM,))
        conn.commit()
        conn.close()


def make_old(path: str) -> None:
    """The journal as an earlier rectify wrote it: no note or deadline in the current table."""
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE current DROP COLUMN note")
    conn.execute("ALTER TABLE current DROP COLUMN deadline")
    conn.commit()
    conn.close()


def current_columns(path: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[1] for row in conn.execute("PRAGMA table_info(current)")]
    finally:
        conn.close()


def test_an_older_sqlite_journal_is_read_right_then_upgraded_by_a_writer(tmp_path):
    path = str(tmp_path / "journal.db")
    store = open_store(path, CHECKLIST_ID)
    fill(store)
    store.close()
    make_old(path)

    reading = SQLiteStore(path, CHECKLIST_ID, read_only=True)
    assert notes_and_deadlines(reading) == EXPECTED  # read from the events, nothing written
    assert reading.positions()[ITEM][3] == "2027-01-15"
    reading.close()
    assert "note" not in current_columns(path)

    writing = SQLiteStore(path, CHECKLIST_ID)  # any command that may write upgrades it, once
    assert current_columns(path)[-2:] == ["note", "deadline"]
    assert notes_and_deadlines(writing) == EXPECTED
    with writing.transaction() as tx:
        append(tx, item=OTHER, note="复核", actor="huanglei")
    assert notes_and_deadlines(writing) == {**EXPECTED, OTHER: ("复核", None)}
    assert audit(writing).ok
    writing.close()
    SQLiteStore(path, CHECKLIST_ID).close()  # a second open finds it upgraded and changes nothing
    assert current_columns(path)[-2:] == ["note", "deadline"]


def test_an_older_postgresql_journal_is_refused_until_db_init_upgrades_it(pg_url):
    store = new_journal(pg_url, CHECKLIST_ID)
    fill(store)
    store.close()
    with admin(pg_url) as conn:
        conn.execute("ALTER TABLE rectify.current DROP COLUMN note, DROP COLUMN deadline")

    with pytest.raises(StoreError, match="older rectify.*db init"):
        open_store(pg_url, CHECKLIST_ID, create=False)

    init_journal(pg_url, CHECKLIST_ID)  # db init again: adds the columns and fills them
    store = open_store(pg_url, CHECKLIST_ID, create=False)
    try:
        assert notes_and_deadlines(store) == EXPECTED
        with store.transaction() as tx:
            append(tx, item=OTHER, note="复核", actor="huanglei")
        assert notes_and_deadlines(store) == {**EXPECTED, OTHER: ("复核", None)}
        assert audit(store).ok
    finally:
        store.close()


def test_the_current_rows_of_one_unit(store_url):
    """status --unit reads that unit's rows only; a unit whose id starts another's is not mixed in."""
    store = new_journal(store_url, CHECKLIST_ID)
    try:
        fill(store)
        with store.transaction() as tx:
            append(tx, "start", "pending", "in_progress", item="dongshan2/kongchuo-baoxue", actor="huanglei")
        assert set(store.current("dongshan")) == {ITEM}
        assert set(store.current("xihe")) == {OTHER}
        assert set(store.current("dongshan2")) == {"dongshan2/kongchuo-baoxue"}
        assert store.current("nobody") == {}
        assert set(store.current()) == {ITEM, OTHER, "dongshan2/kongchuo-baoxue"}
    finally:
        store.close()
