"""engine.operations.notices: numbered 督办单, taken inside the append transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import sqlite3

import pytest
from helpers import ops
from office_case import office_checklist

from engine.errors import Refused
from engine.journal.chain import data_text, event_hash
from engine.journal.sqlite import SQLiteStore
from engine.operations.audit import audit
from engine.operations.notices import issue

D = dt.date
ITEM = "dongshan/kongchuo"
DECEMBER_1 = D(2026, 12, 1)


@pytest.fixture
def checklist():
    return office_checklist()


@pytest.fixture
def store(tmp_path, checklist):
    store = SQLiteStore.init(str(tmp_path / "journal.db"), checklist.id)[0]
    yield store
    store.close()


def notice(checklist, store, item=ITEM, level=None, today=DECEMBER_1, kind="html", actor="wang"):
    with store.transaction() as tx:
        return issue(checklist, tx, actor, item, level, today, kind)


def returned_twice(checklist, store):
    ops.advance(checklist, store, "li", ITEM, "start")
    ops.advance(checklist, store, "wang", ITEM, "return", note="取证不全")
    ops.advance(checklist, store, "wang", ITEM, "return", note="仍不全")


def test_an_item_without_a_level_is_refused_unless_a_level_is_given(checklist, store):
    with pytest.raises(Refused, match="no escalation level"):
        notice(checklist, store)
    issued = notice(checklist, store, level="blue")
    assert issued.notice.number == "区教督〔2026〕1号" and issued.notice.level_label == "蓝色督办"
    with pytest.raises(Refused, match="unknown escalation level"):
        notice(checklist, store, level="purple")


def test_a_twice_returned_item_gets_a_yellow_notice_numbered_in_sequence(checklist, store):
    returned_twice(checklist, store)
    first = notice(checklist, store)
    second = notice(checklist, store, kind="docx")
    assert first.notice.level == "yellow" and first.notice.level_label == "黄色督办"
    assert [first.notice.n, second.notice.n] == [1, 2]
    assert second.notice.number == "区教督〔2026〕2号"
    event = second.event
    assert (event.item, event.trigger, event.from_state, event.to_state) == ("@notice/2", "notice", "", "")
    assert event.data["sha256"] == hashlib.sha256(second.document).hexdigest()
    assert event.data["item"] == ITEM and event.data["level"] == "yellow"
    # a new year starts again at 1
    assert notice(checklist, store, today=D(2027, 1, 4)).notice.number == "区教督〔2027〕1号"
    assert audit(store).ok


def test_the_notice_says_what_is_missing_the_deadline_and_the_action(checklist, store):
    returned_twice(checklist, store)
    for _ in range(1):
        ops.advance(checklist, store, "wang", ITEM, "return", note="第三次")
    text = notice(checklist, store).document.decode()
    assert "东山镇人民政府" in text and "抓控辍保学" in text and "四(一)2" in text
    assert "缺少佐证材料：在外就读学生取证证明" in text  # the reasons explain gives, in Chinese
    assert "2026年12月10日前" in text and "2026年12月1日" in text
    assert "红色督办" in text and "约谈" in text


def test_a_final_item_gets_no_notice(checklist, store):
    ops.advance(checklist, store, "li", ITEM, "start")
    ops.attach(checklist, store, "li", ITEM, "proof")
    ops.attach(checklist, store, "li", ITEM, "report")
    ops.record(checklist, store, "li", ITEM, ["proof_rate=100"])
    ops.advance(checklist, store, "wang", ITEM, "verify", note="ok")
    with pytest.raises(Refused, match="已销号"):
        notice(checklist, store, level="red")


def test_only_the_notice_permission_issues(checklist, store):
    with pytest.raises(Refused, match="only supervisor may notice"):
        notice(checklist, store, level="blue", actor="li")
    assert store.head()[0] == 0


def test_audit_finds_a_notice_number_out_of_sequence(checklist, store, tmp_path):
    notice(checklist, store, level="blue")
    notice(checklist, store, level="blue")
    assert audit(store).ok
    conn = sqlite3.connect(tmp_path / "journal.db")
    conn.execute("DROP TRIGGER events_no_update")
    columns = [c[1] for c in conn.execute("PRAGMA table_info(events)")]
    prev = conn.execute("SELECT hash FROM events WHERE seq = 1").fetchone()[0]
    row = dict(zip(columns, conn.execute("SELECT * FROM events WHERE seq = 2").fetchone()))
    row["data"] = {**json.loads(row["data"]), "n": 1}  # a reused number, the chain re-sealed
    row["item"] = "@notice/1"
    del row["hash"]
    assert row["prev_hash"] == prev
    conn.execute(
        "UPDATE events SET item = ?, data = ?, hash = ? WHERE seq = 2",
        (row["item"], data_text(row["data"]), event_hash(row)),
    )
    conn.execute(
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "  # put back: only the check tells
        "BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END"
    )
    conn.commit()
    report = audit(store)
    assert not report.ok and report.first_bad == 2 and "out of sequence" in report.problems[0]


def _clerk(path: str, start, results) -> None:  # runs in a child process
    checklist = office_checklist()
    store = SQLiteStore(path, checklist.id)
    start.wait()
    with store.transaction() as tx:
        issued = issue(checklist, tx, "wang", ITEM, "blue", D(2026, 12, 1), "html")
    results.put(issued.notice.n)


def test_clerks_issuing_at_the_same_moment_get_different_numbers(tmp_path, checklist):
    path = str(tmp_path / "journal.db")
    SQLiteStore.init(path, checklist.id)[0].close()  # `rectify init`
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    clerks = [context.Process(target=_clerk, args=(path, start, results)) for _ in range(6)]
    for clerk in clerks:
        clerk.start()
    start.set()
    for clerk in clerks:
        clerk.join(60)
        assert clerk.exitcode == 0
    numbers = sorted(results.get(timeout=5) for _ in clerks)
    assert numbers == [1, 2, 3, 4, 5, 6]
    store = SQLiteStore(path, checklist.id)
    assert audit(store).ok
    store.close()
