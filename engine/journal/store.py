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
from pathlib import Path
from typing import BinaryIO, Optional, Protocol

from engine.journal.chain import CurrentState, Draft, Event, ItemRow
from engine.journal.evidence import StoredFile


class Reader(Protocol):
    """Reads of the journal; inside a transaction they see one consistent snapshot."""

    def item_events(self, item: str) -> list[Event]: ...

    def events(self) -> Iterator[Event]: ...

    def current(self) -> dict[str, CurrentState]: ...

    def states(self) -> dict[str, str]: ...

    def last_notes(self) -> dict[str, str]:
        """Item -> the note of its latest event that has one."""
        ...

    def head(self) -> tuple[int, str]: ...

    def events_under(self, prefix: str) -> list[Event]:
        """Events whose item starts with ``prefix`` (journal-wide kinds: ``@notice/``, ``@round/``)."""
        ...

    def deadlines(self) -> dict[str, str]:
        """Item -> the deadline (ISO) set by its last extension; unextended items are absent."""
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

    def load(self, events: Iterable[Event], current: Iterable[CurrentState]) -> None:
        """Write verified events and current rows, as they are, into this empty journal (db copy)."""
        ...

    def close(self) -> None: ...


def default_db_path(checklist_path: str) -> str:
    """``shuanggao-2026.yaml`` -> ``shuanggao-2026.db`` beside it."""
    return str(Path(checklist_path).with_suffix(".db"))


def open_store(url: Optional[str], checklist_path: str, checklist_id: str, create: bool = True) -> Store:
    """Open the journal named by ``--db`` (a path or sqlite:///path), else the one beside the checklist."""
    from engine.journal.sqlite import SQLiteStore

    if not url:
        return SQLiteStore(default_db_path(checklist_path), checklist_id, create)
    if url.startswith(("postgresql:", "postgres:")):
        from engine.journal.postgres import PostgresStore

        return PostgresStore(url, checklist_id, create)
    if url.startswith("sqlite:"):
        url = url.removeprefix("sqlite:").removeprefix("//")
    return SQLiteStore(url, checklist_id, create)
