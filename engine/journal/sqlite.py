"""The embedded store: one SQLite file, one trust domain.

Database triggers refuse UPDATE and DELETE on events; the current state of
each item is kept in ``current``, written in the same transaction as the
event. Writers take ``BEGIN IMMEDIATE`` (Python's implicit deferred
transactions fail at once under contention); WAL with ``synchronous=FULL``
keeps every acknowledged commit across a crash or power loss.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import BinaryIO, Optional

from engine.errors import StoreError
from engine.i18n import _
from engine.journal.chain import (
    CURRENT_COLUMNS,
    EVENT_COLUMNS,
    GENESIS,
    CorruptEvent,
    CurrentState,
    Draft,
    Event,
    ItemRow,
    Position,
    ReadOnce,
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
    returns INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    deadline TEXT
);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: events cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: events cannot be deleted'); END;
CREATE TABLE IF NOT EXISTS checklists (sha256 TEXT PRIMARY KEY, source BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS checklists_no_update BEFORE UPDATE ON checklists
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: checklist versions cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS checklists_no_delete BEFORE DELETE ON checklists
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: checklist versions cannot be deleted'); END;
"""

# What the store derives from an item's events for its current row (beside the operation's
# state and returns): the last note, and the deadline the last extension set.
NOTE_IN_FORCE = (
    "coalesce((SELECT e.note FROM events e WHERE e.item = current.item AND e.note != '' "
    "ORDER BY e.seq DESC LIMIT 1), '')"
)
DEADLINE_IN_FORCE = (
    "(SELECT json_extract(e.data, '$.deadline') FROM events e WHERE e.item = current.item "
    "AND json_extract(e.data, '$.deadline') IS NOT NULL ORDER BY e.seq DESC LIMIT 1)"
)
# SQLite converts the times in C: in Python it was a quarter of a province's status listing.
LOCAL_TIME = "strftime('%Y-%m-%d %H:%M', recorded_at, 'localtime')"


def select_current(columns: Sequence[str], old_table: bool = False) -> str:
    """A query of the current table; of a journal written before the table kept note and
    deadline (``old_table``, opened read-only), with the two read from the events."""
    derived = {"note": f"{NOTE_IN_FORCE} AS note", "deadline": f"{DEADLINE_IN_FORCE} AS deadline"}
    return f"SELECT {', '.join(derived.get(c, c) if old_table else c for c in columns)} FROM current"


UPGRADE_CURRENT = (
    "ALTER TABLE current ADD COLUMN note TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE current ADD COLUMN deadline TEXT",
    f"UPDATE current SET note = {NOTE_IN_FORCE}, deadline = {DEADLINE_IN_FORCE}",
)
EVENTS_SQL = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events"
INSERT_EVENT = f"INSERT INTO events VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
UPSERT_CURRENT = (
    f"INSERT INTO current ({', '.join(CURRENT_COLUMNS)}) VALUES ({', '.join('?' * len(CURRENT_COLUMNS))}) "
    "ON CONFLICT (item) DO UPDATE SET state = excluded.state, seq = excluded.seq, "
    "trigger = excluded.trigger, recorded_at = excluded.recorded_at, returns = excluded.returns, "
    "note = CASE WHEN excluded.note != '' THEN excluded.note ELSE current.note END, "
    "deadline = coalesce(excluded.deadline, current.deadline)"
)


def uri_path(path: str) -> str:
    """``path`` as the path of a SQLite ``file:`` URI: the three characters a URI path gives a
    meaning to escaped (sqlite.org/uri.html), every other character as it is. Not
    urllib.parse.quote: its import (and ipaddress's) took 4 ms of every command's start."""
    return path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")


def evidence_folder(journal_path: str) -> str:
    """``NAME.db`` keeps its evidence files in ``NAME.evidence`` beside it."""
    return os.path.splitext(journal_path)[0] + ".evidence"


def _event(row: tuple) -> Event:
    """A stored row as an Event; a row no rectify wrote (a BLOB, broken JSON) names its position."""
    values = list(row)
    try:
        # a list, not a generator: 0.79 us a row against 0.98 (200,000 rows), for each event an audit reads
        if not all([type(v) is str for v in values[1:]]):
            raise TypeError
        values[9] = json.loads(values[9])
        if not isinstance(values[9], dict):
            raise TypeError
    except (TypeError, ValueError):
        raise CorruptEvent(
            values[0],
            _(
                "position {seq}: the stored row is not an event rectify wrote "
                "(a value of the wrong type, or data that is not a JSON object)"
            ).format(seq=values[0]),
        ) from None
    return Event(*values)


@contextmanager
def _reading(location: str) -> Iterator[None]:
    """sqlite3 errors while reading (a dropped table, a foreign file) as one clear line."""
    try:
        yield
    except sqlite3.Error as e:
        raise StoreError(_("{path}: the journal cannot be read: {reason}").format(path=location, reason=e)) from e


class SQLiteReader:
    """Reads over one connection; inside a transaction they share its snapshot."""

    def __init__(self, conn: sqlite3.Connection, location: str, files: EvidenceFolder, old_table: bool = False):
        self.conn = conn
        self.location = location
        self.files = files
        self._old_table = old_table  # a journal from before the current table kept note and deadline

    def item_events(self, item: str) -> list[Event]:
        with _reading(self.location):
            rows = self.conn.execute(EVENTS_SQL + " WHERE item = ? ORDER BY seq", (item,)).fetchall()
        return [_event(r) for r in rows]

    def events(self) -> Iterator[Event]:
        with _reading(self.location):
            cursor = self.conn.execute(EVENTS_SQL + " ORDER BY seq")
            for row in cursor:
                yield _event(row)

    def current(self, unit: Optional[str] = None) -> dict[str, CurrentState]:
        sql = select_current((*CURRENT_COLUMNS, LOCAL_TIME), self._old_table)
        with _reading(self.location):
            if unit is None:
                query = self.conn.execute(sql)
            else:  # the items UNIT/…: between 'UNIT/' and 'UNIT0' ('0' follows '/'), on the primary key
                query = self.conn.execute(sql + " WHERE item >= ? AND item < ?", (unit + "/", unit + "0"))
            return {row.item: row for row in map(CurrentState._make, query)}

    def positions(self) -> dict[str, Position]:
        with _reading(self.location):
            return {row[0]: row for row in self.conn.execute(select_current(CURRENT_COLUMNS[:4], self._old_table))}

    def states(self) -> dict[str, str]:
        """Item -> current state id (what summaries need, without building a record per item)."""
        with _reading(self.location):
            return dict(self.conn.execute("SELECT item, state FROM current"))

    def events_under(self, prefix: str) -> list[Event]:
        """Events whose item starts with ``prefix`` (``@notice/``, ``@round/``), oldest first."""
        with _reading(self.location):
            rows = self.conn.execute(
                EVENTS_SQL + " WHERE item >= ? AND item < ? ORDER BY seq", (prefix, prefix + "\U0010ffff")
            ).fetchall()
        return [_event(r) for r in rows]

    def head(self) -> tuple[int, str]:
        with _reading(self.location):
            row = self.conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def checklist_source(self, sha256: str) -> Optional[bytes]:
        """The bytes of the checklist version ``sha256`` kept in the journal, or None."""
        if not self._has_table("checklists"):  # a journal older than the rule that keeps them
            return None
        with _reading(self.location):
            row = self.conn.execute("SELECT source FROM checklists WHERE sha256 = ?", (sha256,)).fetchone()
        return bytes(row[0]) if row else None

    def append_only_guards(self) -> set[str]:
        """The names of the database triggers present that refuse changing or deleting events."""
        with _reading(self.location):
            return {
                name
                for (name,) in self.conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
                )
            }

    def open_file(self, sha256: str) -> BinaryIO:
        return self.files.open(sha256)

    def stored_files(self) -> Iterator[StoredFile]:
        return self.files.files()

    def put_file(self, path: str | os.PathLike[str]) -> StoredFile:
        return self.files.put(path)

    def _has_table(self, name: str) -> bool:
        with _reading(self.location):
            return (
                self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
                is not None
            )


class SQLiteTransaction(SQLiteReader):
    """The store as seen inside one write transaction."""

    _last: Optional[Event] = None  # the event this transaction appended last: the head, under our lock

    def __init__(self, conn: sqlite3.Connection, location: str, files: EvidenceFolder, checklist: tuple[str, bytes]):
        super().__init__(conn, location, files)
        self._checklist = checklist  # (sha256, bytes) of the version in use, kept at its first event
        self._kept = False

    def append(self, draft: Draft, row: Optional[ItemRow]) -> Event:
        refuse_nul(draft)
        previous_time: Optional[str]
        if self._last is not None:
            seq, prev_hash, previous_time = self._last.seq + 1, self._last.hash, self._last.recorded_at
        else:
            head = self.conn.execute("SELECT seq, hash, recorded_at FROM events ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev_hash, previous_time = (head[0] + 1, head[1], head[2]) if head else (1, GENESIS, None)
        event = seal(draft, seq, prev_hash, not_before(previous_time, utc_now()), os_user())
        values = [getattr(event, c) for c in EVENT_COLUMNS]
        values[EVENT_COLUMNS.index("data")] = data_text(event.data)
        self.conn.execute(INSERT_EVENT, values)
        if row is not None:
            self.conn.execute(
                UPSERT_CURRENT,
                (
                    event.item,
                    row.state,
                    row.returns,
                    event.data.get("deadline"),
                    seq,
                    event.trigger,
                    event.recorded_at,
                    event.note,
                ),
            )
        sha256, source = self._checklist
        if not self._kept and source and draft.checklist_sha256 == sha256:
            self.conn.execute("CREATE TABLE IF NOT EXISTS checklists (sha256 TEXT PRIMARY KEY, source BLOB NOT NULL)")
            self.conn.execute("INSERT OR IGNORE INTO checklists VALUES (?, ?)", (sha256, source))
            self._kept = True
        self._last = event
        return event


def _into_wal(conn: sqlite3.Connection, attempts: int = 100) -> None:
    """WAL mode on a new file. Clerks creating it at the same moment can meet SQLite's "database
    is locked" here without its busy handler being asked (seen under load with six first users
    at once): try again shortly, a bounded number of times."""
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or attempt == attempts - 1:
                raise
            time.sleep(0.02 + 0.01 * attempt)


class SQLiteStore(ReadOnce, SQLiteReader):
    """One existing SQLite journal beside the checklist (or named by ``--db``); ``init`` creates it."""

    login: Optional[str] = None  # the actor is declared (--as): one trust domain

    def __init__(
        self,
        path: str,
        checklist_id: str,
        *,
        read_only: bool = False,
        checklist_source: bytes = b"",
        checklist_sha256: str = "",
    ):
        self.read_only = read_only
        # the version in use, kept at its first event: hashed only by a store that may append
        # and was not given the digest (1.4 MB of province: ~1 ms of a command otherwise)
        digest = checklist_sha256 or (
            hashlib.sha256(checklist_source).hexdigest() if checklist_source and not read_only else ""
        )
        self._checklist = (digest, checklist_source)
        if not os.path.exists(path):
            raise StoreError(_("{path}: no journal there; create it with: rectify -c CHECKLIST init").format(path=path))
        try:
            super().__init__(self._connect(path, read_only), path, EvidenceFolder(evidence_folder(path)))
            self._check(checklist_id)
        except sqlite3.Error as e:
            raise StoreError(_("{path}: cannot open the journal: {reason}").format(path=path, reason=e)) from e

    @classmethod
    def init(cls, path: str, checklist_id: str) -> tuple[SQLiteStore, bool]:
        """Create the journal at ``path`` for ``checklist_id``; (store, created?). Concurrent
        first writers are serialised by ``BEGIN IMMEDIATE``; the first one creates the schema."""
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                _into_wal(conn)
                conn.execute("BEGIN IMMEDIATE")
                tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                created = "meta" not in tables
                if created and tables:
                    conn.execute("ROLLBACK")
                    raise StoreError(
                        _("{path} is not a rectify journal (no events table with the expected columns)").format(
                            path=path
                        )
                    )
                if created:
                    for statement in SCHEMA.split(";\n"):  # executescript would COMMIT our transaction
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute("INSERT INTO meta VALUES ('checklist_id', ?)", (checklist_id,))
                conn.execute("COMMIT")
            finally:
                conn.close()
        except sqlite3.Error as e:
            raise StoreError(_("{path}: cannot create the journal: {reason}").format(path=path, reason=e)) from e
        return cls(path, checklist_id), created

    @staticmethod
    def _connect(path: str, read_only: bool) -> sqlite3.Connection:
        """Read-write, never creating a file; read-only with ``mode=ro``, or ``immutable=1`` when
        the -shm cannot be made (a read-only folder) and no -wal holds frames it would miss."""
        uri = "file:" + uri_path(os.path.abspath(path))
        try:
            wal_has_frames = os.path.getsize(path + "-wal") > 0
        except OSError:  # no -wal, or the last writer removed it between two looks
            wal_has_frames = False
        if not read_only:
            modes = ["?mode=rw"]
        else:
            modes = ["?mode=ro"] + ([] if wal_has_frames else ["?mode=ro&immutable=1"])
        for attempt, mode in enumerate(modes, start=1):
            conn = sqlite3.connect(uri + mode, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
                if not read_only:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = FULL")
                return conn
            except sqlite3.Error:
                conn.close()
                if attempt == len(modes) and not (read_only and wal_has_frames):
                    raise
        return SQLiteStore._connect_to_copy(path)

    @staticmethod
    def _connect_to_copy(path: str) -> sqlite3.Connection:
        """A read-only folder whose -wal holds frames not yet checkpointed: neither ``mode=ro``
        (it must create the -shm) nor ``immutable=1`` (it would miss those frames) can read it;
        a private copy of the file and its -wal can. Nobody can write there meanwhile: the
        folder is read-only."""
        import shutil  # with tempfile, ~9 ms of every command's start if imported above
        import tempfile

        folder = tempfile.mkdtemp(prefix="rectify-read-only-")
        copy = os.path.join(folder, "journal.db")
        try:
            shutil.copyfile(path, copy)
            shutil.copyfile(path + "-wal", copy + "-wal")
            conn = sqlite3.connect(copy, isolation_level=None)
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except (OSError, sqlite3.Error) as e:
            shutil.rmtree(folder, ignore_errors=True)
            raise sqlite3.OperationalError(str(e)) from e
        atexit.register(shutil.rmtree, folder, True)  # the copy lives as long as the process reads it
        return conn

    def _check(self, checklist_id: str) -> None:
        """A rectify journal of this checklist, with the columns this version reads."""
        columns = tuple(r[1] for r in self.conn.execute("PRAGMA table_info(events)"))
        meta = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        if columns != EVENT_COLUMNS or not meta:
            raise StoreError(
                _("{path} is not a rectify journal (no events table with the expected columns)").format(
                    path=self.location
                )
            )
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'checklist_id'").fetchone()
        if row and row[0] != checklist_id:
            raise StoreError(
                _("{path} is the journal of checklist {other!r}, not {mine!r}").format(
                    path=self.location, other=row[0], mine=checklist_id
                )
            )
        current = {r[1] for r in self.conn.execute("PRAGMA table_info(current)")}
        if not {"note", "deadline"} <= current:
            self._upgrade_current()

    def _upgrade_current(self) -> None:
        """A journal from before the current table kept each item's last note and extended
        deadline: add both, filled from the events, once; read-only, read them from the events."""
        if self.read_only:
            self._old_table = True
            return
        with self._begin("BEGIN IMMEDIATE"):
            columns = {r[1] for r in self.conn.execute("PRAGMA table_info(current)")}
            if "note" not in columns:  # another process may have upgraded it meanwhile
                for statement in UPGRADE_CURRENT:
                    self.conn.execute(statement)

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
        if self.read_only:
            raise StoreError(_("{path}: opened read-only").format(path=self.location))
        try:
            with self._begin("BEGIN IMMEDIATE"):
                yield SQLiteTransaction(self.conn, self.location, self.files, self._checklist)
        except sqlite3.Error as e:
            raise StoreError(
                _("{path}: the journal could not be written: {reason}").format(path=self.location, reason=e)
            ) from e

    @contextmanager
    def snapshot(self) -> Iterator[SQLiteReader]:
        """A read transaction: events and the current table as of one moment."""
        with _reading(self.location), self._begin("BEGIN"):
            yield SQLiteReader(self.conn, self.location, self.files, self._old_table)

    def keep_checklist(self, source: bytes) -> None:
        """Keep a checklist version's bytes by their sha256 (db copy carries them over)."""
        with self._begin("BEGIN IMMEDIATE"):
            self.conn.execute("CREATE TABLE IF NOT EXISTS checklists (sha256 TEXT PRIMARY KEY, source BLOB NOT NULL)")
            self.conn.execute(
                "INSERT OR IGNORE INTO checklists VALUES (?, ?)", (hashlib.sha256(source).hexdigest(), source)
            )

    def load(self, events: Iterable[Event], current: Iterable[CurrentState]) -> None:
        """Write verified events and current rows into this empty journal as they are (``db copy``)."""
        if self.read_only:
            raise StoreError(_("{path}: opened read-only").format(path=self.location))
        try:
            with self._begin("BEGIN IMMEDIATE"):
                if self.head() != (0, GENESIS):
                    raise StoreError(
                        _("{url}: the journal is not empty; db copy writes only into an empty one").format(
                            url=self.location
                        )
                    )
                for event in events:
                    values = [getattr(event, c) for c in EVENT_COLUMNS]
                    values[EVENT_COLUMNS.index("data")] = data_text(event.data)
                    self.conn.execute(INSERT_EVENT, values)
                self.conn.executemany(UPSERT_CURRENT, (row[: len(CURRENT_COLUMNS)] for row in current))
        except sqlite3.Error as e:
            raise StoreError(
                _("{path}: the journal could not be written: {reason}").format(path=self.location, reason=e)
            ) from e

    def close(self) -> None:
        self.conn.close()
