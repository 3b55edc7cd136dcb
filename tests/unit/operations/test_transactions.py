"""Several operations in one ``with store.transaction() as tx:`` commit together or not at all."""

from __future__ import annotations

import pytest
from checklist_cases import FROZEN
from helpers import ops

from engine.checklist.load import load_checklist
from engine.errors import Refused
from engine.journal.sqlite import SQLiteStore
from engine.operations import items

CHECKLIST = load_checklist(FROZEN)
ITEM = "dongshan/kongchuo-baoxue"
OTHER = "xihe/kongchuo-baoxue"


@pytest.fixture
def store(tmp_path):
    store = SQLiteStore.init(str(tmp_path / "journal.db"), CHECKLIST.id)[0]
    ops.advance(CHECKLIST, store, "huanglei", OTHER, "start")  # a chain that is not empty
    yield store
    store.close()


def snapshot(store):
    return store.head(), list(store.events()), store.current()


def test_three_operations_the_third_refused_record_nothing(store):
    before = snapshot(store)
    with pytest.raises(Refused) as refused:
        with store.transaction() as tx:
            items.advance(CHECKLIST, tx, "lihua", ITEM, "start")
            items.attach(CHECKLIST, tx, "lihua", ITEM, "zerenshu")
            # the first two are visible inside the transaction: the item is in progress now...
            assert tx.item_events(ITEM)[-1].trigger == items.ATTACH
            # ...but the owner may not verify their own unit's item
            items.advance(CHECKLIST, tx, "lihua", ITEM, "verify", "done")
    assert any("李华" in reason for reason in refused.value.reasons), refused.value.reasons
    assert snapshot(store) == before
    assert store.item_events(ITEM) == []


def test_three_operations_in_one_transaction_commit_together(store):
    (seq, head), _events, _current = snapshot(store)
    with store.transaction() as tx:
        started = items.advance(CHECKLIST, tx, "lihua", ITEM, "start")
        attached = items.attach(CHECKLIST, tx, "lihua", ITEM, "zerenshu")
        recorded = items.record(CHECKLIST, tx, "lihua", ITEM, ["quzheng-daowei=100"])
    assert [e.seq for e in (started, attached, recorded)] == [seq + 1, seq + 2, seq + 3]
    assert started.prev_hash == head and recorded.hash == store.head()[1]
    assert [e.trigger for e in store.item_events(ITEM)] == ["start", items.ATTACH, items.RECORD]
    assert store.current()[ITEM].state == "in_progress"


def test_an_error_that_is_not_a_refusal_rolls_back_too(store):
    before = snapshot(store)
    with pytest.raises(KeyError):
        with store.transaction() as tx:
            items.advance(CHECKLIST, tx, "lihua", ITEM, "start")
            raise KeyError("interrupted between two steps")
    assert snapshot(store) == before
