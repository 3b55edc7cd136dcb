"""The shared store: one PostgreSQL database that many offices reach at once.

Same events, same bytes, same chain as the SQLite store: ``recorded_at`` and ``data`` are kept
as the exact text that was hashed. What differs is who may write: staff logins append only
through ``rectify_append`` (see :mod:`engine.journal.pg_schema`), which authenticates the actor
as ``session_user``, serialises appends with an advisory lock and stamps the server's clock.
Reads need only SELECT.

A write transaction takes the same advisory lock before it reads anything, so the rules an
operation checks (state, separation of duties) hold on the state its append will follow.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO, Optional

import psycopg
from psycopg import conninfo

from engine.errors import Refused, StoreError
from engine.i18n import _
from engine.journal import pg_schema
from engine.journal.chain import (
    CURRENT_COLUMNS,
    EVENT_COLUMNS,
    GENESIS,
    CurrentState,
    Draft,
    Event,
    ItemRow,
    Position,
    ReadOnce,
    data_text,
    os_user,
    refuse_nul,
    seal,
)
from engine.journal.evidence import StoredFile, open_regular

S = pg_schema.SCHEMA_NAME
EVENTS_SQL = f"SELECT {', '.join(EVENT_COLUMNS)} FROM {S}.events"
CURRENT_SQL = (
    f"SELECT {', '.join(CURRENT_COLUMNS)}, to_char(recorded_at::timestamptz, 'YYYY-MM-DD HH24:MI') FROM {S}.current"
)
POSITIONS_SQL = f"SELECT {', '.join(CURRENT_COLUMNS[:4])} FROM {S}.current"
APPEND_SQL = f"SELECT seq, recorded_at, prev_hash, hash FROM {S}.rectify_append({', '.join(['%s'] * 11)})"
FETCH_ROWS = 10_000
# Opening the journal takes two round trips: the session's settings, the login and the journal's
# shape (from the catalog: information_schema costs the server ~9 ms per new connection), then,
# once the tables are known to exist, the checklist id and whether the version in use is kept.
OPEN_SQL = f"""SELECT set_config('TimeZone', %s, false),
    CASE WHEN %s THEN set_config('default_transaction_read_only', 'on', false) END,
    session_user,
    to_regclass('{S}.meta') IS NOT NULL,
    (SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass('{S}.current')
        AND attname IN ('note', 'deadline') AND NOT attisdropped)"""
JOURNAL_SQL = (
    f"SELECT (SELECT value FROM {S}.meta WHERE key = 'checklist_id'), "
    f"EXISTS (SELECT FROM {S}.checklists WHERE sha256 = %s)"
)
# A write transaction starts and ends in one round trip each (no parameters: several statements
# go as one simple query). It commits without waiting for its WAL flush, then waits for it: a
# transaction that writes WAL (a transactional logical message, which any login may emit and
# nothing stores) commits only once the WAL is flushed up to its commit record.
BEGIN_SQL = "BEGIN; SELECT set_config('synchronous_commit', 'off', true)"
LOCKED_BEGIN_SQL = f"{BEGIN_SQL}, pg_advisory_xact_lock({pg_schema.LOCK_KEY})"
COMMIT_SQL = "COMMIT; SELECT pg_logical_emit_message(true, 'rectify', '')"


def is_postgres_url(url: Optional[str]) -> bool:
    return bool(url) and str(url).startswith(("postgresql:", "postgres:"))


def redacted(url: str) -> str:
    """The URL as messages show it: never a password."""
    try:
        params = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    user, host, dbname = params.get("user", ""), params.get("host", ""), params.get("dbname", "")
    return f"postgresql://{user}{'@' if user else ''}{'' if str(host).startswith('/') else host}/{dbname}" + (
        f"?host={host}" if str(host).startswith("/") else ""
    )


def local_zone() -> str:
    """The machine's time zone for PostgreSQL, so listings show local times as SQLite's do."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        target = os.path.realpath("/etc/localtime")
        name = target.split("/zoneinfo/", 1)[1] if "/zoneinfo/" in target else ""
    if not name:  # no zone name to be had: today's offset, as a POSIX zone (which counts west as +)
        east = -(time.altzone if time.localtime().tm_isdst > 0 else time.timezone)
        hours, minutes = divmod(abs(east) // 60, 60)
        name = f"UTC{'-' if east >= 0 else '+'}{hours:02d}:{minutes:02d}"
    return name


def connect(url: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as e:
        raise StoreError(
            _("{url}: cannot connect to the journal database: {reason}").format(
                url=redacted(url), reason=_first_line(e)
            )
        ) from e


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _event(row: tuple) -> Event:
    values = list(row)
    values[9] = json.loads(values[9])
    return Event(*values)


class PostgresReader:
    """Reads over one connection; inside a transaction they share its snapshot."""

    def __init__(self, conn: psycopg.Connection[Any]):
        self.conn = conn

    def item_events(self, item: str) -> list[Event]:
        rows = self.conn.execute(EVENTS_SQL + " WHERE item = %s ORDER BY seq", (item,)).fetchall()
        return [_event(r) for r in rows]

    def events(self) -> Iterator[Event]:
        if self.conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            return self._events_in_snapshot()
        return self._stream(EVENTS_SQL + " ORDER BY seq")

    def _stream(self, sql: str) -> Iterator[Event]:
        with self.conn.cursor(name="rectify_events") as cursor:
            cursor.itersize = FETCH_ROWS
            cursor.execute(sql)
            for row in cursor:
                yield _event(row)

    def _events_in_snapshot(self) -> Iterator[Event]:
        with self.conn.transaction():
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield from self._stream(EVENTS_SQL + " ORDER BY seq")

    def current(self, unit: Optional[str] = None) -> dict[str, CurrentState]:
        if unit is None:
            rows = self.conn.execute(CURRENT_SQL).fetchall()
        else:
            rows = self.conn.execute(CURRENT_SQL + " WHERE starts_with(item, %s)", (unit + "/",)).fetchall()
        return {row.item: row for row in map(CurrentState._make, rows)}

    def positions(self) -> dict[str, Position]:
        return {row[0]: row for row in self.conn.execute(POSITIONS_SQL).fetchall()}

    def states(self) -> dict[str, str]:
        return dict(self.conn.execute(f"SELECT item, state FROM {S}.current").fetchall())  # type: ignore[arg-type]

    def events_under(self, prefix: str) -> list[Event]:
        """Events whose item starts with ``prefix`` (``@notice/``, ``@round/``), oldest first."""
        rows = self.conn.execute(EVENTS_SQL + " WHERE starts_with(item, %s) ORDER BY seq", (prefix,)).fetchall()
        return [_event(r) for r in rows]

    def head(self) -> tuple[int, str]:
        row = self.conn.execute(f"SELECT seq, hash FROM {S}.events ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def append_only_guards(self) -> set[str]:
        """Names of the enabled triggers on the events table (a disabled one guards nothing)."""
        rows = self.conn.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND tgenabled <> 'D'", (f"{S}.events",)
        ).fetchall()
        return {r[0] for r in rows}

    def missing_triggers(self) -> list[str]:
        """The append-only triggers that are absent or disabled on the events table."""
        present = self.append_only_guards()
        return [name for name in pg_schema.TRIGGERS if name not in present]

    def open_file(self, sha256: str) -> BinaryIO:
        row = self.conn.execute(f"SELECT content FROM {S}.files WHERE sha256 = %s", (sha256,)).fetchone()
        if row is None:
            raise StoreError(
                _("evidence file {digest} is missing from {path}: {reason}").format(
                    digest=sha256, path=f"{S}.files", reason=_("not in the table")
                )
            )
        return io.BytesIO(row[0])

    def stored_files(self) -> Iterator[StoredFile]:
        rows = self.conn.execute(f"SELECT sha256, length(content) FROM {S}.files ORDER BY sha256").fetchall()
        return (StoredFile(sha256, size) for sha256, size in rows)

    def put_file(self, path: str | os.PathLike[str]) -> StoredFile:
        """Read a regular file, hashing what is read, and keep its bytes in the files table; the
        server computes the key again and must agree."""
        with os.fdopen(open_regular(path), "rb") as source:
            content = source.read()
        digest = hashlib.sha256(content).hexdigest()
        kept = self.conn.execute(f"SELECT {S}.rectify_keep_file(%s)", (content,)).fetchone()
        if not kept or kept[0] != digest:
            raise StoreError(
                _("{file}: the server kept the file under another digest than {digest}").format(
                    file=os.fspath(path), digest=digest
                )
            )
        return StoredFile(digest, len(content))

    def checklist_source(self, sha256: str) -> Optional[bytes]:
        row = self.conn.execute(f"SELECT source FROM {S}.checklists WHERE sha256 = %s", (sha256,)).fetchone()
        return bytes(row[0]) if row else None


class PostgresTransaction(PostgresReader):
    """The store as seen inside one write transaction (the advisory lock held)."""

    def __init__(self, conn: psycopg.Connection[Any], checklist: tuple[str, bytes] = ("", b""), kept: bool = False):
        super().__init__(conn)
        self.source_sha256, self.source = checklist  # the version in use: (sha256, bytes)
        self.kept = kept  # that version is stored (checked at the first event under it)

    def append(self, draft: Draft, row: Optional[ItemRow]) -> Event:
        refuse_nul(draft)
        if self.source and not self.kept and draft.checklist_sha256 == self.source_sha256:
            stored = self.conn.execute(f"SELECT 1 FROM {S}.checklists WHERE sha256 = %s", (self.source_sha256,))
            if stored.fetchone() is None:
                self.conn.execute(f"SELECT {S}.rectify_keep_checklist(%s)", (self.source,))
            self.kept = True
        account = os_user()
        params = (
            draft.item,
            draft.trigger,
            draft.from_state,
            draft.to_state,
            draft.actor,
            account,
            draft.note,
            data_text(draft.data),
            draft.checklist_sha256,
            row.state if row else None,
            row.returns if row else 0,
        )
        try:
            seq, recorded_at, prev_hash, server_hash = self.conn.execute(APPEND_SQL, params).fetchone()  # type: ignore[misc]
        except psycopg.errors.InsufficientPrivilege as e:
            raise Refused([_("the journal server refused the event: {reason}").format(reason=_first_line(e))]) from e
        except psycopg.errors.SerializationFailure as e:
            raise Refused([_first_line(e)]) from e
        event = seal(draft, seq, prev_hash, recorded_at, account)
        if event.hash != server_hash:
            raise StoreError(
                _(
                    "event {seq}: the server hashed it as {server}, this client as {client}; nothing was recorded"
                ).format(seq=seq, server=server_hash, client=event.hash)
            )
        return event


class PostgresStore(ReadOnce, PostgresReader):
    """A journal in a PostgreSQL database prepared by ``rectify db init``."""

    def __init__(
        self,
        url: str,
        checklist_id: str,
        create: bool = True,
        *,
        read_only: bool = False,
        checklist_source: bytes = b"",
        checklist_sha256: str = "",
    ):
        self.url = url
        self.location = redacted(url)
        self.read_only = read_only
        # The checklist version in use, hashed once (or its digest as given): (sha256, bytes), and
        # whether the journal keeps it.
        digest = checklist_sha256 or (hashlib.sha256(checklist_source).hexdigest() if checklist_source else "")
        self.checklist = (digest, checklist_source)
        self.checklist_kept = False
        super().__init__(connect(url))
        self.lock = True  # False only in the test that shows what the lock prevents
        try:
            self.login: Optional[str] = self._open(checklist_id)
        except psycopg.Error as e:
            self.conn.close()
            raise StoreError(
                _("{url}: cannot open the journal: {reason}").format(url=self.location, reason=_first_line(e))
            ) from e
        except StoreError:
            self.conn.close()
            raise

    def _open(self, checklist_id: str) -> str:
        """Set up the session and check the journal; the authenticated login."""
        read_only = self.read_only
        try:
            row = self.conn.execute(OPEN_SQL, (local_zone(), read_only)).fetchone()
        except psycopg.errors.InvalidParameterValue:  # a zone name the server does not know
            row = self.conn.execute(OPEN_SQL, ("UTC", read_only)).fetchone()
        assert row is not None
        login, has_journal, new_columns = row[2:]
        if not has_journal:
            raise StoreError(
                _(
                    "{url}: no rectify journal in this database; an administrator creates "
                    "it with: rectify -c CHECKLIST db init --db URL"
                ).format(url=self.location)
            )
        journal_id, self.checklist_kept = self.conn.execute(JOURNAL_SQL, (self.checklist[0],)).fetchone()  # type: ignore[misc]
        if journal_id is not None and journal_id != checklist_id:
            raise StoreError(
                _("{path} is the journal of checklist {other!r}, not {mine!r}").format(
                    path=self.location, other=journal_id, mine=checklist_id
                )
            )
        if new_columns != 2:
            raise StoreError(
                _(
                    "{url}: the journal was made by an older rectify; an administrator upgrades it with: "
                    "rectify -c CHECKLIST db init --db URL"
                ).format(url=self.location)
            )
        return login

    @contextmanager
    def transaction(self) -> Iterator[PostgresTransaction]:
        """One write transaction under the journal's advisory lock.

        The lock is held until the commit, so a commit that waited for its WAL flush would make
        every other clerk wait for that flush too. So the transaction commits without waiting
        (``synchronous_commit = off``: it is visible, the lock is free) and only then waits for
        the flush, through a transaction of its own that must be flushed to commit
        (it writes a WAL record, so its commit record comes after ours and is flushed). Clerks waiting at once
        share one flush, and the context exits only once the events are on disk: what is
        reported done survives a crash, and a crash before the flush loses a suffix of the
        chain that nobody was told about, never a hole in it. Two round trips besides the
        operation's own: BEGIN with the lock, COMMIT with the wait for the flush."""
        if self.read_only:
            raise StoreError(_("{path}: the journal was opened read-only").format(path=self.location))
        try:
            self.conn.execute(LOCKED_BEGIN_SQL if self.lock else BEGIN_SQL)
            try:
                tx = PostgresTransaction(self.conn, self.checklist, self.checklist_kept)
                yield tx
            except BaseException:
                self._rollback()
                raise
            self.conn.execute(COMMIT_SQL)  # waits for the flush
            self.checklist_kept = tx.kept
        except psycopg.Error as e:
            raise StoreError(
                _("{path}: the journal could not be written: {reason}").format(
                    path=self.location, reason=_first_line(e)
                )
            ) from e

    def _rollback(self) -> None:
        """End a failed transaction; a connection already broken has nothing left to undo."""
        if not self.conn.closed and self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            try:
                self.conn.execute("ROLLBACK")
            except psycopg.OperationalError:
                pass

    @contextmanager
    def snapshot(self) -> Iterator[PostgresReader]:
        """One consistent, read-only view of the whole journal."""
        try:
            with self.conn.transaction():
                self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield PostgresReader(self.conn)
        except psycopg.Error as e:
            raise StoreError(
                _("{path}: the journal could not be read: {reason}").format(path=self.location, reason=_first_line(e))
            ) from e

    def person_of_login(self) -> Optional[str]:
        row = self.conn.execute(f"SELECT person FROM {S}.people WHERE login = session_user").fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self.conn.close()

    def keep_checklist(self, source: bytes) -> None:
        """Keep a checklist version's bytes by their sha256 (db copy carries them over)."""
        try:
            self.conn.execute(f"SELECT {S}.rectify_keep_checklist(%s)", (source,))
        except psycopg.Error as e:
            raise StoreError(
                _("{path}: the journal could not be written: {reason}").format(
                    path=self.location, reason=_first_line(e)
                )
            ) from e

    def load(self, events: Iterable[Event], current: Iterable[CurrentState]) -> None:
        """Write verified events and current rows into an empty journal as they are (``db copy``).

        Needs a login that may write the tables (the administrator or ``rectify_owner``): staff
        append only through ``rectify_append``."""
        try:
            with self.conn.transaction():
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (pg_schema.LOCK_KEY,))
                if self.head() != (0, GENESIS):
                    raise StoreError(
                        _("{url}: the journal is not empty; db copy writes only into an empty one").format(
                            url=self.location
                        )
                    )
                with self.conn.cursor() as cursor:
                    with cursor.copy(f"COPY {S}.events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                        for event in events:
                            values = [getattr(event, c) for c in EVENT_COLUMNS]
                            values[EVENT_COLUMNS.index("data")] = data_text(event.data)
                            copy.write_row(values)
                    with cursor.copy(f"COPY {S}.current ({', '.join(CURRENT_COLUMNS)}) FROM STDIN") as copy:
                        for row in current:
                            copy.write_row(row[: len(CURRENT_COLUMNS)])
        except psycopg.Error as e:
            raise StoreError(
                _("{path}: the journal could not be written: {reason}").format(
                    path=self.location, reason=_first_line(e)
                )
            ) from e


def initialise(url: str, checklist_id: str, people: Iterable[tuple[str, str, bool]]) -> list[str]:
    """``rectify db init``: roles, schema, tables, triggers, the append function, grants, the
    checklist id and the login of each person. Run by an administrator; safe to run again (after
    the checklist's people change, it brings the logins up to date). Returns what it did."""
    conn = connect(url)
    done = []
    try:
        with conn.transaction():
            encoding = conn.execute("SELECT current_setting('server_encoding')").fetchone()[0]  # type: ignore[index]
            if encoding != "UTF8":
                raise StoreError(
                    _(
                        "{url}: the database's encoding is {encoding}; a journal needs UTF8 "
                        "(CREATE DATABASE … ENCODING 'UTF8')"
                    ).format(url=redacted(url), encoding=encoding)
                )
            conn.execute(pg_schema.ROLES)
            existing = conn.execute("SELECT to_regclass(%s)", (f"{S}.meta",)).fetchone()[0]  # type: ignore[index]
            if existing is not None:
                row = conn.execute(f"SELECT value FROM {S}.meta WHERE key = 'checklist_id'").fetchone()
                if row and row[0] != checklist_id:
                    raise StoreError(
                        _("{path} is the journal of checklist {other!r}, not {mine!r}").format(
                            path=redacted(url), other=row[0], mine=checklist_id
                        )
                    )
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {S} AUTHORIZATION {pg_schema.OWNER}")
            conn.execute(f"SET LOCAL ROLE {pg_schema.OWNER}")
            for statement in [
                *pg_schema.TABLES,
                pg_schema.APPEND_FUNCTION,
                pg_schema.KEEP_CHECKLIST_FUNCTION,
                pg_schema.KEEP_FILE_FUNCTION,
                *pg_schema.GRANTS,
            ]:
                conn.execute(statement)  # type: ignore[arg-type]
            conn.execute(f"INSERT INTO {S}.meta VALUES ('checklist_id', %s) ON CONFLICT DO NOTHING", (checklist_id,))
            done.append(_("journal of checklist {id} ready").format(id=checklist_id))
            done.extend(_sync_people(conn, list(people)))
    except psycopg.Error as e:
        raise StoreError(_("{url}: db init failed: {reason}").format(url=redacted(url), reason=_first_line(e))) from e
    finally:
        conn.close()
    return done


def _sync_people(conn: psycopg.Connection[Any], people: list[tuple[str, str, bool]]) -> list[str]:
    """The people table becomes the checklist's ``people[].login``: the append function reads it."""
    before = {r[0]: (r[1], r[2]) for r in conn.execute(f"SELECT person, login, may_import FROM {S}.people")}
    conn.execute(f"DELETE FROM {S}.people")
    with conn.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {S}.people VALUES (%s, %s, %s)", people)
    after = {person: (login, may_import) for person, login, may_import in people}
    changes = []
    for person in sorted(set(before) | set(after)):
        if before.get(person) != after.get(person):
            login = (after.get(person) or before[person])[0]
            changes.append(
                _("login {login} → person {person}").format(login=login, person=person)
                if person in after
                else _("login {login} removed").format(login=login)
            )
    return changes
