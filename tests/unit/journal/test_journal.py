"""engine.journal: canonical form, hash chain, append-only triggers, SQLite settings, transactions."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest
from helpers import append_draft as append

import engine.journal.sqlite as sqlite_store
import engine.journal.store as journal
from engine.errors import Refused, StoreError
from engine.journal.chain import GENESIS, canonical, event_hash
from engine.journal.sqlite import SQLiteStore

CHECKLIST_ID = "shuanggao-2026"
ITEM = "dongshan/kongchuo-baoxue"

# One fixed event body and the bytes and hash it must always give. These literals were computed
# once and pasted: any change of the canonical form (key order, separators, escaping of Chinese,
# float spelling, what is hashed) changes them and breaks every journal written before.
KNOWN_BODY = {
    "seq": 7,
    "item": ITEM,
    "trigger": "verify",
    "from_state": "in_progress",
    "to_state": "verified",
    "actor": "zhaoguoqiang",
    "os_user": "clerk",
    "recorded_at": "2026-12-01T08:30:00.000000Z",
    "note": "材料齐全，同意销号",
    "data": {"values": {"quzheng-daowei": 100.0, "chuoxue-lv": 0.5}, "evidence": "zerenshu"},
    "checklist_sha256": "ab" * 32,
    "prev_hash": "cd" * 32,
}
KNOWN_CANONICAL = (
    b'{"actor":"zhaoguoqiang","checklist_sha256":"abababababababababababababababababababababababababababababababab",'
    b'"data":{"evidence":"zerenshu","values":{"chuoxue-lv":0.5,"quzheng-daowei":100.0}},'
    b'"from_state":"in_progress","item":"dongshan/kongchuo-baoxue",'
    b'"note":"\xe6\x9d\x90\xe6\x96\x99\xe9\xbd\x90\xe5\x85\xa8\xef\xbc\x8c\xe5\x90\x8c\xe6\x84\x8f\xe9\x94\x80\xe5\x8f\xb7",'
    b'"os_user":"clerk","prev_hash":"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",'
    b'"recorded_at":"2026-12-01T08:30:00.000000Z","seq":7,"to_state":"verified","trigger":"verify"}'
)
KNOWN_HASH = "607cfbc9b2e09ab759dee62538ac279ed0675c342783e035bd9f7d15b5b31272"
# The first two events appended to an empty journal with a fixed clock and OS user.
KNOWN_FIRST_HASH = "12458732768bee3ad88eaa9a8f7ad231870e0b9d016c381ea7cf5e299c7e22a7"
KNOWN_SECOND_HASH = "ca96f5656b2cf7710be6c665142895440f8fe37b779010b7eb5ae57b825c118c"


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "journal.db")


@pytest.fixture
def store(db_path):
    store, created = SQLiteStore.init(db_path, CHECKLIST_ID)
    assert created
    yield store
    store.close()


def raw(db_path):
    return sqlite3.connect(db_path, isolation_level=None)


# --- canonical form and hash: known answers ---------------------------------------------------


def test_canonical_bytes_of_a_fixed_body_are_known():
    assert canonical(KNOWN_BODY) == KNOWN_CANONICAL


def test_hash_of_a_fixed_body_is_known():
    assert event_hash(KNOWN_BODY) == KNOWN_HASH
    # and it is sha256(prev_hash + canonical body), recomputed here without the engine
    assert hashlib.sha256(b"cd" * 32 + KNOWN_CANONICAL).hexdigest() == KNOWN_HASH


def test_canonical_form_does_not_depend_on_key_order():
    assert canonical(dict(reversed(list(KNOWN_BODY.items())))) == KNOWN_CANONICAL


def test_canonical_form_refuses_nan():
    with pytest.raises(ValueError):
        canonical({**KNOWN_BODY, "data": {"values": {"x": float("nan")}}})


def test_appended_events_have_known_hashes(store, monkeypatch):
    monkeypatch.setattr(sqlite_store, "utc_now", lambda: "2026-12-01T08:30:00.000000Z")
    monkeypatch.setattr(sqlite_store, "os_user", lambda: "clerk")
    with store.transaction() as tx:
        first = append(tx, "start", "pending", "in_progress", note="启动整改")
    with store.transaction() as tx:
        second = append(tx, data={"values": {"quzheng-daowei": 100.0}})
    assert (first.seq, first.prev_hash, first.hash) == (1, GENESIS, KNOWN_FIRST_HASH)
    assert (second.seq, second.prev_hash, second.hash) == (2, KNOWN_FIRST_HASH, KNOWN_SECOND_HASH)
    assert store.head() == (2, KNOWN_SECOND_HASH)


def test_stored_events_read_back_hash_to_their_hash(store):
    with store.transaction() as tx:
        append(tx, "start", "pending", "in_progress", note="启动")
        append(tx, data={"values": {"chuoxue-lv": 0.25, "quzheng-daowei": 100.0}})
        append(tx, "attach", data={"evidence": "zerenshu", "sha256": "00" * 32, "size": 3})
    events = list(store.events())
    assert [e.seq for e in events] == [1, 2, 3]
    for before, event in zip([None, *events], events):
        assert event.hash == event_hash(event.body())
        assert event.prev_hash == (before.hash if before else GENESIS)
        assert event.body()["seq"] == event.seq  # the position is inside the hashed body
        assert "checklist_sha256" in event.body() and "hash" not in event.body()


# --- append-only ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET note = 'changed' WHERE seq = 1",
        "UPDATE events SET hash = '00' WHERE seq = 1",
        "DELETE FROM events WHERE seq = 1",
        "DELETE FROM events",
    ],
)
def test_events_cannot_be_updated_or_deleted(store, db_path, statement):
    with store.transaction() as tx:
        append(tx, note="original")
    conn = raw(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute(statement)
    conn.close()
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute(statement)
    [event] = store.events()
    assert event.note == "original"


# --- SQLite settings --------------------------------------------------------------------------


def test_wal_and_synchronous_full_and_busy_timeout(store, db_path):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    conn = raw(db_path)  # WAL is a property of the file, seen by every connection
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_writing_takes_the_write_lock_at_begin(store, db_path):
    """BEGIN IMMEDIATE: a second writer cannot even begin while a write transaction is open."""
    other = sqlite3.connect(db_path, isolation_level=None, timeout=0)
    with store.transaction():
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


# --- transactions -----------------------------------------------------------------------------


def test_current_is_updated_in_the_same_transaction(store, db_path):
    other = raw(db_path)
    with store.transaction() as tx:
        event = append(tx, "start", "pending", "in_progress")
        assert tx.current()[ITEM].state == "in_progress"
        assert tx.current()[ITEM].seq == event.seq
        # not yet visible to anyone else: neither the event nor the new current state
        assert other.execute("SELECT count(*) FROM events").fetchone()[0] == 0
        assert other.execute("SELECT count(*) FROM current").fetchone()[0] == 0
    assert other.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    assert other.execute("SELECT state, seq FROM current WHERE item = ?", (ITEM,)).fetchone() == ("in_progress", 1)
    other.close()
    current = store.current()[ITEM]
    assert (current.state, current.seq, current.trigger, current.returns) == ("in_progress", 1, "start", 0)


def test_current_keeps_the_row_the_operation_computed(store):
    with store.transaction() as tx:
        append(tx, "start", "pending", "in_progress")
        append(
            tx,
            "return",
            "in_progress",
            "in_progress",
            note="退回",
            data={"returned": True},
            actor="wangming",
            returns=1,
        )
    assert store.current()[ITEM].returns == 1


def test_a_refusal_inside_writing_records_nothing(store):
    with store.transaction() as tx:
        append(tx, "start", "pending", "in_progress")
    head = store.head()
    with pytest.raises(Refused) as refused:
        with store.transaction() as tx:
            append(tx, data={"values": {"x": 1.0}})
            append(tx, "verify", "in_progress", "verified")
            raise Refused(["no"])
    assert refused.value.reasons == ["no"]
    assert store.head() == head
    assert len(list(store.events())) == 1
    assert store.current()[ITEM].state == "in_progress"
    with store.transaction() as tx:  # the store is still usable and the chain continues
        assert append(tx).seq == 2


def test_any_exception_inside_writing_rolls_back(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            append(tx, "start", "pending", "in_progress")
            raise RuntimeError("crash in the middle")
    assert store.head() == (0, GENESIS)
    assert store.current() == {}


def test_sqlite_errors_while_writing_are_store_errors(store):
    with pytest.raises(StoreError):
        with store.transaction() as tx:
            tx.conn.execute("INSERT INTO no_such_table VALUES (1)")


def test_another_checklists_journal_is_refused(db_path):
    SQLiteStore.init(db_path, CHECKLIST_ID)[0].close()
    with pytest.raises(StoreError, match="shuanggao-2026"):
        SQLiteStore(db_path, "other-2027")
    with pytest.raises(StoreError, match="shuanggao-2026"):
        SQLiteStore.init(db_path, "other-2027")


def test_init_twice_keeps_the_journal(db_path):
    first, created = SQLiteStore.init(db_path, CHECKLIST_ID)
    with first.transaction() as tx:
        append(tx, "start", "pending", "in_progress")
    second, created_again = SQLiteStore.init(db_path, CHECKLIST_ID)
    assert created and not created_again
    assert second.head() == first.head() and second.head()[0] == 1


@pytest.mark.parametrize("read_only", [False, True])
def test_a_missing_journal_is_refused_and_no_file_made(tmp_path, read_only):
    path = tmp_path / "nobody-wrote-me.db"
    with pytest.raises(StoreError, match="nobody-wrote-me.db: no journal there"):
        SQLiteStore(str(path), CHECKLIST_ID, read_only=read_only)
    assert os.listdir(tmp_path) == []


def test_reading_an_existing_journal_read_only(store, db_path):
    with store.transaction() as tx:
        append(tx, "start", "pending", "in_progress")
    reader = SQLiteStore(db_path, CHECKLIST_ID, read_only=True)
    assert reader.head() == store.head()
    with pytest.raises(StoreError, match="read-only"):
        with reader.transaction():
            pass
    reader.close()


@pytest.mark.parametrize("name", ["东山 镇.db", "per%25cent.db", "what?mode=rw.db", "hash#tag.db", "a&b=c;d.db"])
def test_a_journal_whose_path_has_uri_characters_opens_both_ways(tmp_path, name):
    path = str(tmp_path / name)
    writer, created = SQLiteStore.init(path, CHECKLIST_ID)
    with writer.transaction() as tx:
        append(tx, "start", "pending", "in_progress")
    reader = SQLiteStore(path, CHECKLIST_ID, read_only=True)
    assert created and reader.head() == writer.head() and reader.head()[0] == 1
    reader.close()
    writer.close()
    assert sorted(os.listdir(tmp_path)) == [name]  # no second file under a mangled name


def test_default_db_path_is_beside_the_checklist():
    assert journal.default_db_path("/x/y/shuanggao-2026.yaml") == "/x/y/shuanggao-2026.db"
    assert journal.default_db_path("/x/y.d/plan") == "/x/y.d/plan.db"
    assert journal.default_db_path("/x/y/plan.v2.yaml") == "/x/y/plan.v2.db"
    assert sqlite_store.evidence_folder("/x/y.d/j.db") == "/x/y.d/j.evidence"


@pytest.mark.parametrize("url", ["{path}", "sqlite:{path}", "sqlite://{path}"])
def test_open_store_urls(tmp_path, url):
    path = str(tmp_path / "j.db")
    store, created = journal.init_store(url.format(path=path), "ignored.yaml", CHECKLIST_ID)
    store.close()
    assert created and os.path.exists(path)
    journal.open_store(url.format(path=path), "ignored.yaml", CHECKLIST_ID).close()


def test_a_postgresql_url_opens_the_postgresql_store(tmp_path):
    """No server at that socket: the PostgreSQL store was chosen, and says it cannot connect."""
    with pytest.raises(StoreError, match="cannot connect to the journal database"):
        journal.open_store(f"postgresql:///rectify?host={tmp_path}", str(tmp_path / "c.yaml"), CHECKLIST_ID)
