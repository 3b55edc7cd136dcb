"""What every journal store offers, and ``open_store(url)`` to pick one.

The operations see only these protocols: a :class:`Store` hands out
:class:`Transaction` s, and everything read and appended inside one
transaction commits or rolls back together (an import, a round's draw).
Nothing outside ``engine/journal/`` writes SQL.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Optional, Protocol

from engine.journal.chain import CurrentState, Draft, Event, ItemRow


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


class Transaction(Reader, Protocol):
    def append(self, draft: Draft, row: Optional[ItemRow]) -> Event:
        """Seal ``draft`` at the head of the chain; ``row`` becomes the item's current row
        (None for journal-wide events such as a round's draw)."""
        ...


class Store(Reader, Protocol):
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
