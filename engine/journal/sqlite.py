"""The embedded store: one SQLite file, one trust domain.

Database triggers refuse UPDATE and DELETE on events; the current state of
each item is kept in ``current``, written in the same transaction as the
event. Writers take ``BEGIN IMMEDIATE`` (Python's implicit deferred
transactions fail at once under contention); WAL with ``synchronous=FULL``
keeps every acknowledged commit across a crash or power loss.
"""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Optional

from engine.errors import StoreError
from engine.i18n import _
from engine.journal.chain import (
    EVENT_COLUMNS,
    GENESIS,
    CurrentState,
    Draft,
    Event,
    ItemRow,
    data_text,
    not_before,
    os_user,
    refuse_nul,
    seal,
    utc_now,
)
from engine.journal.evidence import EvidenceFolder, StoredFile

BUSY_TIMEOUT_MS = 60_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    item TEXT NOT NULL,
    trigger TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor TEXT NOT NULL,
    os_user TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    note TEXT NOT NULL,
    data TEXT NOT NULL,
    checklist_sha256 TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_item ON events (item, seq);
CREATE TABLE IF NOT EXISTS current (
    item TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    seq INTEGER NOT NULL,
    trigger TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    returns INTEGER NOT NULL DEFAULT 0
);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: events cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: events cannot be deleted'); END;
"""

# SQLite converts the times in C: in Python it was a quarter of a province's status listing.
CURRENT_SQL = ("SELECT item, state, seq, trigger, recorded_at, returns, "
               "strftime('%Y-%m-%d %H:%M', recorded_at, 'localtime') FROM current")
EVENTS_SQL = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events"
INSERT_EVENT = f"INSERT INTO events VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
UPSERT_CURRENT = (
    "INSERT INTO current (item, state, seq, trigger, recorded_at, returns) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (item) DO UPDATE SET state = excluded.state, seq = excluded.seq, "
    "trigger = excluded.trigger, recorded_at = excluded.recorded_at, returns = excluded.returns")


def evidence_folder(journal_path: str) -> Path:
    """``NAME.db`` keeps its evidence files in ``NAME.evidence`` beside it."""
    return Path(journal_path).with_suffix(".evidence")


def _event(row: tuple) -> Event:
    values = list(row)
    values[9] = json.loads(values[9])
    return Event(*values)


class SQLiteReader:
    """Reads over one connection; inside a transaction they share its snapshot."""

    def __init__(self, conn: sqlite3.Connection, files: EvidenceFolder):
        self.conn = conn
        self.files = files

    def item_events(self, item: str) -> list[Event]:
        rows = self.conn.execute(EVENTS_SQL + " WHERE item = ? ORDER BY seq", (item,))
        return [_event(r) for r in rows]

    def events(self) -> Iterator[Event]:
        return (_event(r) for r in self.conn.execute(EVENTS_SQL + " ORDER BY seq"))

    def current(self) -> dict[str, CurrentState]:
        rows = map(CurrentState._make, self.conn.execute(CURRENT_SQL))
        return {row.item: row for row in rows}

    def states(self) -> dict[str, str]:
        """Item -> current state id (what summaries need, without building a record per item)."""
        return dict(self.conn.execute("SELECT item, state FROM current"))

    def last_notes(self) -> dict[str, str]:
        # SQLite takes the bare column from the row that holds max(seq)
        rows = self.conn.execute("SELECT item, note, max(seq) FROM events WHERE note != '' GROUP BY item")
        return {item: note for item, note, _seq in rows}
    def events_under(self, prefix: str) -> list[Event]:
        """Events whose item starts with ``prefix`` (``@notice/``, ``@round/``), oldest first."""
        rows = self.conn.execute(EVENTS_SQL + " WHERE item >= ? AND item < ? ORDER BY seq",
                                 (prefix, prefix + "\U0010ffff"))
        return [_event(r) for r in rows]

    def deadlines(self) -> dict[str, str]:
        """Item -> the deadline its last extension (延期) set, ISO text; items never extended are absent."""
        rows = self.conn.execute("SELECT item, json_extract(data, '$.deadline') FROM events "
                                 "WHERE json_extract(data, '$.deadline') IS NOT NULL ORDER BY seq")
        return dict(rows)

    def head(self) -> tuple[int, str]:
        row = self.conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def open_file(self, sha256: str) -> BinaryIO:
        return self.files.open(sha256)

    def stored_files(self) -> Iterator[StoredFile]:
        return self.files.files()

    def put_file(self, path: str | os.PathLike[str]) -> StoredFile:
        return self.files.put(path)


class SQLiteTransaction(SQLiteReader):
    """The store as seen inside one write transaction."""

    _last: Optional[Event] = None  # the event this transaction appended last: the head, under our lock

    def append(self, draft: Draft, row: Optional[ItemRow]) -> Event:
        refuse_nul(draft)
        previous_time: Optional[str]
        if self._last is not None:
            seq, prev_hash, previous_time = self._last.seq + 1, self._last.hash, self._last.recorded_at
        else:
            head = self.conn.execute(
                "SELECT seq, hash, recorded_at FROM events ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev_hash, previous_time = (head[0] + 1, head[1], head[2]) if head else (1, GENESIS, None)
        event = seal(draft, seq, prev_hash, not_before(previous_time, utc_now()), os_user())
        values = [getattr(event, c) for c in EVENT_COLUMNS]
        values[EVENT_COLUMNS.index("data")] = data_text(event.data)
        self.conn.execute(INSERT_EVENT, values)
        if row is not None:
            self.conn.execute(UPSERT_CURRENT, (event.item, row.state, seq, event.trigger,
                                               event.recorded_at, row.returns))
        self._last = event
        return event


class SQLiteStore(SQLiteReader):
    """One SQLite file beside the checklist (or named by ``--db``)."""

    login: Optional[str] = None  # the actor is declared (--as): one trust domain

    def __init__(self, path: str, checklist_id: str, create: bool = True):
        self.location = path
        if not create and path != ":memory:" and not os.path.exists(path):
            path = ":memory:"  # reading a journal nobody has written yet: empty, and no file made
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            super().__init__(conn, EvidenceFolder(evidence_folder(self.location)))
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if path != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            self._prepare(checklist_id)
        except sqlite3.Error as e:
            raise StoreError(_("{path}: cannot open the journal: {reason}").format(
                path=self.location, reason=e)) from e

    def _prepare(self, checklist_id: str) -> None:
        known = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
        if not known:
            with self._begin("BEGIN IMMEDIATE"):
                for statement in SCHEMA.split(";\n"):  # executescript would COMMIT our transaction
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('checklist_id', ?)", (checklist_id,))
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'checklist_id'").fetchone()
        if row and row[0] != checklist_id:
            raise StoreError(_("{path} is the journal of checklist {other!r}, not {mine!r}").format(
                path=self.location, other=row[0], mine=checklist_id))

    @contextmanager
    def _begin(self, statement: str) -> Iterator[None]:
        self.conn.execute(statement)
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[SQLiteTransaction]:
        """One write transaction: everything read and appended inside is atomic."""
        try:
            with self._begin("BEGIN IMMEDIATE"):
                yield SQLiteTransaction(self.conn, self.files)
        except sqlite3.Error as e:
            raise StoreError(_("{path}: the journal could not be written: {reason}").format(
                path=self.location, reason=e)) from e

    @contextmanager
    def snapshot(self) -> Iterator[SQLiteReader]:
        """A read transaction: events and the current table as of one moment."""
        with self._begin("BEGIN"):
            yield SQLiteReader(self.conn, self.files)

    def load(self, events: Iterable[Event], current: Iterable[CurrentState]) -> None:
        """Write verified events and current rows into this empty journal as they are (``db copy``)."""
        try:
            with self._begin("BEGIN IMMEDIATE"):
                if self.head() != (0, GENESIS):
                    raise StoreError(_("{url}: the journal is not empty; db copy writes only into an empty "
                                       "one").format(url=self.location))
                for event in events:
                    values = [getattr(event, c) for c in EVENT_COLUMNS]
                    values[EVENT_COLUMNS.index("data")] = data_text(event.data)
                    self.conn.execute(INSERT_EVENT, values)
                self.conn.executemany(UPSERT_CURRENT, (row[:6] for row in current))
        except sqlite3.Error as e:
            raise StoreError(_("{path}: the journal could not be written: {reason}").format(
                path=self.location, reason=e)) from e

    def close(self) -> None:
        self.conn.close()
