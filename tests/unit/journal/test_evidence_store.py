"""The evidence store behind the Store protocol: put_file, open_file, stored_files.

Written against the protocol only: ``STORES`` names each implementation's factory, so the
PostgreSQL store runs the same tests by adding one entry.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.errors import Refused, StoreError
from engine.journal.chain import Draft, ItemRow
from engine.journal.sqlite import SQLiteStore
from engine.journal.store import Store


def _sqlite(tmp_path: Path) -> Store:
    return SQLiteStore.init(str(tmp_path / "journal.db"), "evidence-test")[0]


STORES: dict[str, Callable[[Path], Store]] = {"sqlite": _sqlite}


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store = STORES[request.param](tmp_path)
    yield store
    store.close()


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_put_file_returns_the_digest_and_size_of_the_stored_bytes(store, tmp_path):
    data = "整改方案\n".encode() * 1000
    stored = store.put_file(_file(tmp_path, "方案.docx", data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    with store.open_file(stored.sha256) as f:
        assert f.read() == data


def test_the_same_bytes_are_stored_once(store, tmp_path):
    first = store.put_file(_file(tmp_path, "a.pdf", b"same"))
    second = store.put_file(_file(tmp_path, "b.pdf", b"same"))
    third = store.put_file(_file(tmp_path, "c.pdf", b"other"))
    assert first == second != third
    assert [f.sha256 for f in store.stored_files()] == sorted({first.sha256, third.sha256})


def test_put_file_inside_a_transaction(store, tmp_path):
    with store.transaction() as tx:
        stored = tx.put_file(_file(tmp_path, "x.txt", b"x"))
        with tx.open_file(stored.sha256) as f:
            assert f.read() == b"x"


def test_a_rolled_back_transaction_leaves_no_event_only_an_orphan_blob(store, tmp_path):
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            stored = tx.put_file(_file(tmp_path, "x.txt", b"orphan"))
            tx.append(Draft("u/d", "attach", "a", "a", "p", "", "0" * 64, {"sha256": stored.sha256}), ItemRow("a", 0))
            raise RuntimeError("refused after the copy")
    assert store.head()[0] == 0
    assert [f.sha256 for f in store.stored_files()] == [stored.sha256]


def test_an_unknown_digest_is_a_store_error(store):
    with pytest.raises(StoreError):
        store.open_file("ab" * 32)
    with pytest.raises(StoreError):
        store.open_file("../../etc/passwd")


def test_only_regular_files_are_taken(store, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo), str(tmp_path)):
        with pytest.raises(Refused, match="not a regular file"):
            store.put_file(path)
    with pytest.raises(Refused, match="cannot read"):
        store.put_file(tmp_path / "missing.pdf")
    assert list(store.stored_files()) == []


def test_stored_files_are_read_only(store, tmp_path):
    stored = store.put_file(_file(tmp_path, "a.txt", b"keep"))
    if isinstance(store, SQLiteStore):
        blob = tmp_path / "journal.evidence" / stored.sha256[:2] / stored.sha256[2:]
        assert blob.is_file() and not blob.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
