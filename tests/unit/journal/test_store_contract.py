"""What every journal store promises, run on SQLite and on PostgreSQL alike.

Same events, same bytes: ``recorded_at`` and ``data`` are stored as the exact text that was
hashed; appends are atomic with the current row; the journal is append-only; a journal copied
between the stores keeps every hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import pytest
from helpers import append_draft as append
from stores import admin, new_journal, open_store, raw_rows

from engine.errors import Refused, StoreError
from engine.journal.chain import GENESIS, Draft, ItemRow, data_text, event_hash, seal
from engine.operations.audit import audit
from engine.operations.database import copy_journal

CHECKLIST_ID = "shuanggao-2026"
ITEM = "dongshan/kongchuo-baoxue"


@pytest.fixture
def store(store_url):
    store = new_journal(store_url, CHECKLIST_ID)
    yield store
    store.close()


def fill(store):
    with store.transaction() as tx:
        append(tx, "start", "pending", "in_progress", note='启动整改\n第二行 "引号" \\ \t')
        append(tx, data={"values": {"chuoxue-lv": 0.25, "quzheng-daowei": 100.0}, "中文键": ["a", 1, None]})
    with store.transaction() as tx:
        append(tx, "attach", data={"evidence": "zerenshu", "sha256": "00" * 32, "size": 3, "file": "a\u202eb.pdf"})
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


def test_events_read_back_and_hash_to_their_hash(store):
    fill(store)
    events = list(store.events())
    assert [e.seq for e in events] == [1, 2, 3, 4]
    for before, event in zip([None, *events], events):
        assert event.hash == event_hash(event.body())
        assert event.prev_hash == (before.hash if before else GENESIS)
    assert store.head() == (4, events[-1].hash)
    assert [e.seq for e in store.item_events(ITEM)] == [1, 2, 3, 4]
    assert store.item_events("nobody/none") == []
    assert events[1].data["中文键"] == ["a", 1, None]


def test_recorded_at_and_data_are_stored_as_the_hashed_text(store, store_url):
    fill(store)
    stored = raw_rows(store_url, "SELECT seq, recorded_at, data FROM events ORDER BY seq")
    for (seq, recorded_at, data), event in zip(stored, store.events()):
        assert (seq, recorded_at, data) == (event.seq, event.recorded_at, data_text(event.data))
        assert len(recorded_at) == len("2026-12-01T08:30:00.000000Z") and recorded_at.endswith("Z")


def test_recorded_at_never_runs_backwards(store):
    fill(store)
    times = [e.recorded_at for e in store.events()]
    assert times == sorted(times)


def test_a_later_previous_time_is_kept(store_url):
    """The clock (this machine's or the server's) is behind the last event: time does not run back."""
    store = new_journal(store_url, CHECKLIST_ID)
    future = "2999-01-01T00:00:00.000000Z"
    first = seal(
        Draft(ITEM, "start", "pending", "in_progress", "lihua", "", "ab" * 32, {}), 1, GENESIS, future, "clerk"
    )
    store.load([first], [])
    with store.transaction() as tx:
        second = append(tx)
    assert second.recorded_at == future
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert audit(store).ok
    store.close()


def test_current_is_written_in_the_same_transaction(store, store_url):
    other = open_store(store_url, CHECKLIST_ID)
    with store.transaction() as tx:
        event = append(tx, "start", "pending", "in_progress")
        assert tx.current()[ITEM].state == "in_progress"
        assert tx.states() == {ITEM: "in_progress"}
        assert other.head() == (0, GENESIS) and other.current() == {}  # not visible before commit
    assert other.head() == (1, event.hash)
    current = other.current()[ITEM]
    assert (current.state, current.seq, current.trigger, current.returns) == ("in_progress", 1, "start", 0)
    assert current.recorded_at == event.recorded_at
    assert len(current.recorded_local) == len("2026-12-01 08:30")
    other.close()


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "UTC"])
def test_listings_show_local_time(store_url, monkeypatch, zone):
    """recorded_local is recorded_at in the machine's time zone, on either store."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        store = new_journal(store_url, CHECKLIST_ID)
        fill(store)
        for row in store.current().values():
            utc = dt.datetime.fromisoformat(row.recorded_at.replace("Z", "+00:00"))
            assert row.recorded_local == utc.astimezone().strftime("%Y-%m-%d %H:%M")
        store.close()
    finally:
        monkeypatch.undo()
        time.tzset()


def test_current_keeps_the_row_the_operation_computed(store):
    fill(store)
    assert store.current()[ITEM].returns == 1
    assert store.current()[ITEM].seq == 4


def test_a_journal_wide_event_has_no_current_row(store):
    with store.transaction() as tx:
        tx.append(Draft("@round/review", "draw", "", "", "wangming", "", "ab" * 32, {"seed": 1}), None)
    assert store.current() == {}
    assert store.head()[0] == 1


def test_a_refusal_inside_writing_records_nothing(store):
    with store.transaction() as tx:
        append(tx, "start", "pending", "in_progress")
    head = store.head()
    with pytest.raises(Refused):
        with store.transaction() as tx:
            append(tx, data={"values": {"x": 1.0}})
            append(tx, "verify", "in_progress", "verified", actor="wangming")
            raise Refused(["no"])
    assert store.head() == head
    assert store.current()[ITEM].state == "in_progress"
    with store.transaction() as tx:  # still usable, and the chain continues where it was
        assert append(tx).seq == 2


def test_any_exception_inside_writing_rolls_back(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            append(tx, "start", "pending", "in_progress")
            raise RuntimeError("crash in the middle")
    assert store.head() == (0, GENESIS)
    assert store.current() == {}


@pytest.mark.parametrize("field", ["note", "data", "item"])
def test_a_nul_character_is_refused_and_nothing_is_written(store, field):
    values = {"note": "a\x00b", "data": {"values": {"x\x00": 1.0}}, "item": "dongshan/x\x00"}
    with pytest.raises(Refused, match=f"NUL character.*{field}"):
        with store.transaction() as tx:
            append(tx, "start", "pending", "in_progress")
            if field == "data":
                append(tx, data=values["data"])
            elif field == "note":
                append(tx, note=values["note"])
            else:
                append(tx, item=values["item"])
    assert store.head() == (0, GENESIS)


def test_another_checklists_journal_is_refused(store, store_url):
    with pytest.raises(StoreError, match="shuanggao-2026"):
        open_store(store_url, "other-2027")


def test_events_cannot_be_changed_or_removed_even_by_the_administrator(store, store_url):
    fill(store)
    statements = [
        "UPDATE events SET note = 'changed' WHERE seq = 1",
        "DELETE FROM events WHERE seq = 4",
        "DELETE FROM events",
    ]
    if store_url.startswith("postgresql:"):
        statements = [s.replace("events", "rectify.events") for s in statements] + ["TRUNCATE rectify.events"]
        for statement in statements:
            with admin(store_url) as conn, pytest.raises(Exception, match="append-only"):
                conn.execute(statement)
    else:
        import sqlite3

        for statement in statements:
            conn = sqlite3.connect(store_url)
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(statement)
            conn.close()
    assert [e.note for e in store.events()][0].startswith("启动整改")
    assert store.head()[0] == 4


def test_audit_passes_on_an_untouched_journal(store):
    fill(store)
    report = audit(store)
    assert report.ok, report.problems
    assert (report.head_seq, report.head_hash) == store.head()


def test_a_snapshot_does_not_see_later_appends(store, store_url):
    fill(store)
    writer = open_store(store_url, CHECKLIST_ID)
    with store.snapshot() as reader:
        before = reader.head()
        with writer.transaction() as tx:
            append(tx)
        assert reader.head() == before
        assert len(list(reader.events())) == 4
    assert store.head()[0] == 5
    writer.close()


def test_load_refuses_a_journal_that_is_not_empty(store):
    fill(store)
    with pytest.raises(StoreError, match="not empty"):
        store.load(list(store.events()), [])
    assert store.head()[0] == 4


EVENT_ROWS = (
    "SELECT seq, item, trigger, from_state, to_state, actor, os_user, recorded_at, note, data, "
    "checklist_sha256, prev_hash, hash FROM events ORDER BY seq"
)
CURRENT_ROWS = "SELECT item, state, seq, trigger, recorded_at, returns FROM current ORDER BY item"


def test_a_journal_copied_to_postgresql_and_back_keeps_every_byte(tmp_path, pg_url):
    """SQLite -> PostgreSQL -> SQLite: the same head, the same stored text, column by column."""
    first_url, back_url = str(tmp_path / "first.db"), str(tmp_path / "back.db")
    first = new_journal(first_url, CHECKLIST_ID)
    fill(first)
    on_server, back = new_journal(pg_url, CHECKLIST_ID), new_journal(back_url, CHECKLIST_ID)
    assert copy_journal(first, on_server) == first.head()
    assert copy_journal(on_server, back) == first.head()
    for url in (pg_url, back_url):
        assert raw_rows(url, EVENT_ROWS) == raw_rows(first_url, EVENT_ROWS)
        assert raw_rows(url, CURRENT_ROWS) == raw_rows(first_url, CURRENT_ROWS)
    assert audit(on_server).head_hash == audit(back).head_hash == first.head()[1]
    with on_server.transaction() as tx:  # the copy goes on from where the original stopped
        assert append(tx).prev_hash == first.head()[1]
    for store in (first, on_server, back):
        store.close()


def test_copying_a_broken_journal_is_refused_and_writes_nothing(tmp_path, pg_url):
    good = new_journal(str(tmp_path / "good.db"), CHECKLIST_ID)
    fill(good)
    events = list(good.events())
    broken = new_journal(str(tmp_path / "broken.db"), CHECKLIST_ID)
    broken.load([events[0], events[2], events[3]], [])  # #2 removed
    target = new_journal(pg_url, CHECKLIST_ID)
    with pytest.raises(StoreError, match="position 2"):
        copy_journal(broken, target)
    assert target.head() == (0, GENESIS)
    for store in (good, broken, target):
        store.close()


def test_journal_wide_events_by_prefix_and_extended_deadlines(store):
    fill(store)
    with store.transaction() as tx:
        append(tx, "extend", data={"deadline": "2026-12-31", "previous_deadline": "2026-12-15"})
        append(tx, "extend", data={"deadline": "2027-01-15", "previous_deadline": "2026-12-31"})
        append(
            tx,
            "extend",
            item="xihe/kongchuo-baoxue",
            actor="huanglei",
            data={"deadline": "2026-12-20", "previous_deadline": "2026-12-15"},
        )
        draw = Draft("@round/spot-check", "draw", "", "", "wangming", "", "ab" * 32, {"seed": 1})
        tx.append(draw, None)
        for n in (1, 2):
            tx.append(Draft(f"@notice/{n}", "notice", "", "", "wangming", "", "ab" * 32, {"n": n}), None)
    deadlines = {item: row.deadline for item, row in store.current().items() if row.deadline}
    assert deadlines == {ITEM: "2027-01-15", "xihe/kongchuo-baoxue": "2026-12-20"}  # the last one wins
    assert [e.item for e in store.events_under("@notice/")] == ["@notice/1", "@notice/2"]
    assert [e.data for e in store.events_under("@round/")] == [{"seed": 1}]
    assert store.events_under("@import/") == []


def test_current_rows_hold_each_items_latest_note(store):
    """status's ``last_note``: the note of an item's latest event that has one, on either store."""
    fill(store)
    with store.transaction() as tx:
        append(tx, "note", note="入户核查三户", item="xihe/kongchuo-baoxue")
        append(tx, "record", data={"values": {"chuoxue-lv": 0.1}})  # no note: the earlier one stands
    assert {item: row.note for item, row in store.current().items()} == {
        ITEM: "退回",
        "xihe/kongchuo-baoxue": "入户核查三户",
    }


def test_events_under_a_prefix_and_the_deadlines_of_extensions(store):
    with store.transaction() as tx:
        append(tx, "start", "pending", "in_progress")
        tx.append(
            Draft("@notice/1", "notice", "", "", "wangming", "", "ab" * 32, {"number": "区教督〔2026〕1号"}), None
        )
        append(tx, "extend", note="延期", data={"deadline": "2026-12-20"}, actor="wangming")
        append(tx, data={"values": {"x": 1.0}, "comment": 'no "deadline": here'})
        tx.append(Draft("@round/review", "draw", "", "", "wangming", "", "ab" * 32, {"seed": 1}), None)
        append(tx, "extend", note="再延期", data={"deadline": "2026-12-28"}, actor="wangming")
        append(tx, item="xihe/kongchuo-baoxue")
    assert [e.item for e in store.events_under("@notice/")] == ["@notice/1"]
    assert [e.seq for e in store.events_under("@")] == [2, 5]
    assert store.events_under("@import/") == []
    assert {item: row.deadline for item, row in store.current().items()} == {
        ITEM: "2026-12-28",
        "xihe/kongchuo-baoxue": None,
    }


def test_evidence_files_are_kept_by_their_digest(store, tmp_path):
    material = tmp_path / "取证证明.pdf"
    material.write_bytes(b"%PDF scan \x00\xff" * 100)
    digest = hashlib.sha256(material.read_bytes()).hexdigest()
    with store.transaction() as tx:
        kept = tx.put_file(material)
        assert tx.put_file(material) == kept  # the same bytes twice: one copy
    assert (kept.sha256, kept.size) == (digest, 1200)
    assert [(f.sha256, f.size) for f in store.stored_files()] == [(digest, 1200)]
    with store.open_file(digest) as blob:
        assert blob.read() == material.read_bytes()
    with pytest.raises(StoreError, match="missing"):
        store.open_file("0" * 64)
    with pytest.raises(Refused, match="not a regular file"):
        store.put_file(tmp_path)


def test_a_copied_journal_keeps_its_evidence_files(tmp_path, pg_url):
    first = new_journal(str(tmp_path / "first.db"), CHECKLIST_ID)
    material = tmp_path / "报告.docx"
    material.write_bytes(b"report" * 1000)
    with first.transaction() as tx:
        stored = tx.put_file(material)
        append(tx, "attach", data={"evidence": "report", "sha256": stored.sha256, "size": stored.size})
    on_server = new_journal(pg_url, CHECKLIST_ID)
    copy_journal(first, on_server)
    back = new_journal(str(tmp_path / "back.db"), CHECKLIST_ID)
    copy_journal(on_server, back)
    for store in (on_server, back):
        assert list(store.stored_files()) == list(first.stored_files())
        with store.open_file(stored.sha256) as blob:
            assert blob.read() == material.read_bytes()
        store.close()
    first.close()


def test_db_copy_carries_the_checklist_versions(tmp_path, pg_url):
    from engine.journal.sqlite import SQLiteStore

    source = "format: rectify/1\n# 第一版\n".encode()
    sha256 = hashlib.sha256(source).hexdigest()
    path = str(tmp_path / "first.db")
    new_journal(path, CHECKLIST_ID).close()
    first = SQLiteStore(path, CHECKLIST_ID, checklist_source=source)
    with first.transaction() as tx:
        tx.append(Draft(ITEM, "start", "pending", "in_progress", "lihua", "", sha256, {}), ItemRow("in_progress", 0))
    assert first.checklist_source(sha256) == source
    on_server = new_journal(pg_url, CHECKLIST_ID)
    copy_journal(first, on_server)
    back = new_journal(str(tmp_path / "back.db"), CHECKLIST_ID)
    copy_journal(on_server, back)
    assert on_server.checklist_source(sha256) == back.checklist_source(sha256) == source
    for store in (first, on_server, back):
        store.close()
