"""What every journal store offers, and ``open_store(url)`` to pick one.

The operations see only these protocols: a :class:`Store` hands out
:class:`Transaction` s, and everything read and appended inside one
transaction commits or rolls back together (an import, a round's draw).
Nothing outside ``engine/journal/`` writes SQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import BinaryIO, Optional, Protocol

from engine.errors import StoreError
from engine.i18n import _
from engine.journal.chain import CurrentState, Draft, Event, ItemRow, Position
from engine.journal.evidence import StoredFile


class Reader(Protocol):
    """Reads of the journal; inside a transaction they see one consistent snapshot."""

    def item_events(self, item: str) -> list[Event]: ...

    def events(self) -> Iterator[Event]: ...

    def current(self, unit: Optional[str] = None) -> dict[str, CurrentState]:
        """Item -> its current row (state, last step, returns, last note, extended deadline); with
        ``unit``, of that unit's items only."""
        ...

    def positions(self) -> dict[str, Position]:
        """Item -> its position: (item, state, returns, extended deadline), what its standing
        depends on (the start of its current row, read without the rest)."""
        ...

    def states(self) -> dict[str, str]: ...

    def head(self) -> tuple[int, str]: ...

    def checklist_source(self, sha256: str) -> Optional[bytes]:
        """The bytes of the checklist version ``sha256`` as the journal keeps them (stored with the
        first event appended under that version), or None when that version was never stored."""
        ...

    def append_only_guards(self) -> set[str]:
        """Names of the database triggers on ``events`` present now; audit requires
        ``events_no_update`` and ``events_no_delete`` (same names on every store)."""
        ...

    def events_under(self, prefix: str) -> list[Event]:
        """Events whose item starts with ``prefix`` (journal-wide kinds: ``@notice/``, ``@round/``)."""
        ...

    def open_file(self, sha256: str) -> BinaryIO:
        """The stored bytes of an evidence file, for reading; StoreError if the store lacks it."""
        ...

    def stored_files(self) -> Iterator[StoredFile]:
        """Every file in the evidence store, in digest order, with its size as stored."""
        ...


class FileKeeper(Protocol):
    def put_file(self, path: str | os.PathLike[str]) -> StoredFile:
        """Copy a regular file into the evidence store, hashing the bytes as they are copied.

        Returns the stored bytes' sha256 and size; storing the same bytes twice keeps one copy.
        Refused (nothing read) for anything but a regular file, checked on the opened
        descriptor. A blob may outlive a transaction that rolls back: it is then an orphan
        that no event names.
        """
        ...


class Transaction(Reader, FileKeeper, Protocol):
    def append(self, draft: Draft, row: Optional[ItemRow]) -> Event:
        """Seal ``draft`` at the head of the chain; ``row`` becomes the item's current row
        (None for journal-wide events such as a round's draw)."""
        ...


class Store(Reader, FileKeeper, Protocol):
    """An existing journal, opened by :func:`open_store` (created only by :func:`init_store`).

    Opened with ``read_only`` it refuses ``transaction()``. Opened with ``checklist_source``
    (the checklist file's bytes), its appends keep those bytes by sha256 (see
    ``Reader.checklist_source``) when the event's ``checklist_sha256`` is theirs."""

    location: str
    # The authenticated login (PostgreSQL: session_user), or None where the actor is declared
    # with --as (SQLite: one trust domain).
    login: Optional[str]

    def transaction(self) -> AbstractContextManager[Transaction]:
        """One write transaction: everything appended inside commits, or nothing does."""
        ...

    def snapshot(self) -> AbstractContextManager[Reader]:
        """One consistent read of the whole journal (audit)."""
        ...

    def keep_checklist(self, source: bytes) -> None:
        """Keep a checklist version's bytes by their sha256 (db copy carries them over)."""
        ...

    def load(self, events: Iterable[Event], current: Iterable[CurrentState]) -> None:
        """Write verified events and current rows, as they are, into this empty journal (db copy)."""
        ...

    def close(self) -> None: ...


def default_db_path(checklist_path: str) -> str:
    """``shuanggao-2026.yaml`` -> ``shuanggao-2026.db`` beside its real path (a symlink shares it)."""
    return os.path.splitext(os.path.realpath(checklist_path))[0] + ".db"


def journal_path(url: Optional[str], checklist_path: str) -> str:
    """The file a SQLite journal lives in: ``--db`` (a path or ``sqlite:///path``), else beside the
    checklist. ``:memory:`` and an empty path are refused: a journal nobody can read back loses
    every event it acknowledges."""
    if not url:
        return default_db_path(checklist_path)
    path = url.removeprefix("sqlite:").removeprefix("//") if url.startswith("sqlite:") else url
    if not path.strip() or path.strip() == ":memory:" or "mode=memory" in path:
        raise StoreError(
            _(
                "{url!r} is not a journal file: a journal in memory would lose every event it records; give a file path"
            ).format(url=url)
        )
    return path


def protected_paths(url: Optional[str], checklist_path: str) -> set[str]:
    """Real paths no output may overwrite: the checklist and the journal's files."""
    paths = {os.path.realpath(checklist_path)}
    if not _is_postgres(url):
        try:
            journal = os.path.realpath(journal_path(url, checklist_path))
        except StoreError:
            return paths
        paths |= {journal, journal + "-wal", journal + "-shm", journal + "-journal"}
    return paths


def is_protected(target: str, url: Optional[str], checklist_path: str) -> bool:
    """Would writing ``target`` overwrite the checklist or the journal in use? By real path, and
    by file identity, so neither a symbolic nor a hard link to them gets through."""
    protected = protected_paths(url, checklist_path)
    if os.path.realpath(target) in protected:
        return True
    try:
        return any(os.path.exists(path) and os.path.samefile(target, path) for path in protected)
    except OSError:  # target does not exist (yet): no file to share
        return False


def _is_postgres(url: Optional[str]) -> bool:
    return bool(url) and url.startswith(("postgresql:", "postgres:"))  # type: ignore[union-attr]


def open_store(
    url: Optional[str],
    checklist_path: str,
    checklist_id: str,
    *,
    read_only: bool = False,
    checklist_source: bytes = b"",
    checklist_sha256: str = "",
) -> Store:
    """Open the existing journal named by ``--db``, else the one beside the checklist.

    A missing journal is refused (``rectify init`` creates it), so a mistyped ``--db`` never
    shows an empty journal. ``read_only`` opens it for listings and audit without writing
    anything, even on a read-only file. ``checklist_source`` is the checklist's bytes: the store
    keeps them, by sha256, the first time an event is appended under that version;
    ``checklist_sha256`` their digest when the caller has it (a compiled checklist does), so
    that a command does not hash the file twice."""
    if _is_postgres(url):
        from engine.journal.postgres import PostgresStore

        return PostgresStore(
            str(url),
            checklist_id,
            False,
            read_only=read_only,
            checklist_source=checklist_source,
            checklist_sha256=checklist_sha256,
        )
    from engine.journal.sqlite import SQLiteStore  # each store's driver only when it is the one used

    return SQLiteStore(
        journal_path(url, checklist_path),
        checklist_id,
        read_only=read_only,
        checklist_source=checklist_source,
        checklist_sha256=checklist_sha256,
    )


def init_store(url: Optional[str], checklist_path: str, checklist_id: str) -> tuple[Store, bool]:
    """Create the journal and record the checklist's id; (store, True) when it was created,
    (store, False) when it already held the same id. A journal of another checklist is refused,
    naming both ids. (PostgreSQL: ``rectify db init`` creates the schema; init then checks it.)"""
    from engine.journal.sqlite import SQLiteStore

    if _is_postgres(url):
        from engine.journal.postgres import PostgresStore

        return PostgresStore(str(url), checklist_id, False), False
    return SQLiteStore.init(journal_path(url, checklist_path), checklist_id)
