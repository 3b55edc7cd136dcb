"""The journal: an append-only, hash-chained event store (SQLite).

Every event's ``hash`` is sha256(prev_hash + canonical JSON of its body); the
body holds its position (``seq``), so a changed, removed, inserted or swapped
event breaks the chain at the first bad position, and a cut-off tail is found
by checking that a head published earlier (``--anchor``) is still there.
Database triggers refuse UPDATE and DELETE on events; the current state of
each item is kept in ``current``, written in the same transaction.

Writers take ``BEGIN IMMEDIATE`` (Python's implicit deferred transactions
fail at once under contention); WAL with ``synchronous=FULL`` keeps every
acknowledged commit across a crash or power loss.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pwd
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple, Optional

from engine.errors import StoreError
from engine.i18n import _

GENESIS = "0" * 64
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
EVENT_COLUMNS = ("seq", "item", "trigger", "from_state", "to_state", "actor", "os_user",
                 "recorded_at", "note", "data", "checklist_sha256", "prev_hash", "hash")


@dataclass(frozen=True)
class Event:
    seq: int
    item: str
    trigger: str
    from_state: str
    to_state: str
    actor: str
    os_user: str
    recorded_at: str
    note: str
    data: dict[str, Any]
    checklist_sha256: str
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        body = asdict(self)
        del body["hash"]
        return body


class CurrentState(NamedTuple):  # a tuple: a province's journal has 100,000 of them per listing
    item: str
    state: str
    seq: int
    trigger: str
    recorded_at: str
    returns: int
    recorded_local: str  # 'YYYY-MM-DD HH:MM' in the machine's time zone, converted by SQLite


# SQLite converts the times in C: in Python it was a quarter of a province's status listing.
CURRENT_SQL = ("SELECT item, state, seq, trigger, recorded_at, returns, "
               "strftime('%Y-%m-%d %H:%M', recorded_at, 'localtime') FROM current")


def canonical(body: dict[str, Any]) -> bytes:
    """The hashed form of an event body: sorted keys, no spaces, UTF-8."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def event_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(body["prev_hash"].encode("ascii") + canonical(body)).hexdigest()


def os_user() -> str:
    """The OS account (not $USER, which anyone can set)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _event(row: sqlite3.Row | tuple) -> Event:
    values = list(row)
    values[9] = json.loads(values[9])
    return Event(*values)


class Writer:
    """The store as seen inside one write transaction."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def item_events(self, item: str) -> list[Event]:
        return item_events(self.conn, item)

    def current(self, item: str) -> Optional[CurrentState]:
        row = self.conn.execute(CURRENT_SQL + " WHERE item = ?", (item,)).fetchone()
        return CurrentState(*row) if row else None

    def append(self, *, item: str, trigger: str, from_state: str, to_state: str, actor: str,
               note: str, data: dict[str, Any], checklist_sha256: str, is_return: bool = False) -> Event:
        head = self.conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
        body: dict[str, Any] = {"seq": seq, "item": item, "trigger": trigger, "from_state": from_state,
                "to_state": to_state, "actor": actor, "os_user": os_user(), "recorded_at": utc_now(),
                "note": note, "data": data, "checklist_sha256": checklist_sha256, "prev_hash": prev_hash}
        event = Event(**body, hash=event_hash(body))
        row = [getattr(event, c) for c in EVENT_COLUMNS]
        row[9] = json.dumps(data, sort_keys=True, ensure_ascii=False)
        self.conn.execute(f"INSERT INTO events VALUES ({', '.join('?' * len(row))})", row)
        self.conn.execute(
            "INSERT INTO current (item, state, seq, trigger, recorded_at, returns) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (item) DO UPDATE SET state = excluded.state, seq = excluded.seq, "
            "trigger = excluded.trigger, recorded_at = excluded.recorded_at, "
            "returns = current.returns + excluded.returns",
            (item, to_state, seq, trigger, event.recorded_at, int(is_return)))
        return event


def item_events(conn: sqlite3.Connection, item: str) -> list[Event]:
    rows = conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE item = ? ORDER BY seq",
                        (item,))
    return [_event(r) for r in rows]


class SQLiteStore:
    """The embedded store: one SQLite file, one trust domain."""

    def __init__(self, path: str, checklist_id: str, create: bool = True):
        self.path = path
        if not create and path != ":memory:" and not os.path.exists(path):
            path = ":memory:"  # reading a journal nobody has written yet: empty, and no file made
        try:
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if path != ":memory:":
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = FULL")
            self._prepare(checklist_id)
        except sqlite3.Error as e:
            raise StoreError(_("{path}: cannot open the journal: {reason}").format(path=self.path, reason=e)) from e

    def _prepare(self, checklist_id: str) -> None:
        known = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
        if not known:
            with self._immediate():
                for statement in SCHEMA.split(";\n"):  # executescript would COMMIT our transaction
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('checklist_id', ?)", (checklist_id,))
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'checklist_id'").fetchone()
        if row and row[0] != checklist_id:
            raise StoreError(_("{path} is the journal of checklist {other!r}, not {mine!r}").format(
                path=self.path, other=row[0], mine=checklist_id))

    @contextmanager
    def _immediate(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[Writer]:
        """One write transaction: everything read and appended inside is atomic."""
        try:
            with self._immediate():
                yield Writer(self.conn)
        except sqlite3.Error as e:
            raise StoreError(_("{path}: the journal could not be written: {reason}").format(
                path=self.path, reason=e)) from e

    def item_events(self, item: str) -> list[Event]:
        return item_events(self.conn, item)

    def events(self) -> Iterator[Event]:
        rows = self.conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY seq")
        return (_event(r) for r in rows)

    def current(self) -> dict[str, CurrentState]:
        rows = map(CurrentState._make, self.conn.execute(CURRENT_SQL))
        return {row.item: row for row in rows}

    def states(self) -> dict[str, str]:
        """Item -> current state id (what summaries need, without building a record per item)."""
        return dict(self.conn.execute("SELECT item, state FROM current"))

    def head(self) -> tuple[int, str]:
        row = self.conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def close(self) -> None:
        self.conn.close()


def default_db_path(checklist_path: str) -> str:
    """``shuanggao-2026.yaml`` -> ``shuanggao-2026.db`` beside it."""
    return str(Path(checklist_path).with_suffix(".db"))


def open_store(url: Optional[str], checklist_path: str, checklist_id: str, create: bool = True) -> SQLiteStore:
    """Open the journal named by ``--db`` (a path or sqlite:///path), else the one beside the checklist."""
    if not url:
        return SQLiteStore(default_db_path(checklist_path), checklist_id, create)
    if url.startswith(("postgresql:", "postgres:")):
        raise StoreError(_("the PostgreSQL store is not available yet; use a SQLite file"))
    if url.startswith("sqlite:"):
        url = url.removeprefix("sqlite:").removeprefix("//")
    return SQLiteStore(url, checklist_id, create)
