"""Events and the hash chain: canonical JSON and hashing, no storage.

Every event's ``hash`` is sha256(prev_hash + canonical JSON of its body); the
body holds its position (``seq``), so a changed, removed, inserted or swapped
event breaks the chain at the first bad position, and a cut-off tail is found
by checking that a head published earlier (``--anchor``) is still there.
Every store (SQLite, PostgreSQL) seals events here, so all keep the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import pwd
from typing import Any, NamedTuple, Optional

from engine.errors import Refused, StoreError
from engine.i18n import _

GENESIS = "0" * 64
EVENT_COLUMNS = (
    "seq",
    "item",
    "trigger",
    "from_state",
    "to_state",
    "actor",
    "os_user",
    "recorded_at",
    "note",
    "data",
    "checklist_sha256",
    "prev_hash",
    "hash",
)
BODY_COLUMNS = EVENT_COLUMNS[:-1]


class CorruptEvent(StoreError):
    """A stored row that no rectify wrote (a BLOB note, data that is not JSON): names its position."""

    def __init__(self, seq: int, message: str):
        self.seq = seq
        super().__init__(message)


class Draft(NamedTuple):
    """An event as an operation asks for it, before the store gives it a place in the chain."""

    item: str
    trigger: str
    from_state: str
    to_state: str
    actor: str
    note: str
    checklist_sha256: str
    data: dict[str, Any]


class Event(NamedTuple):
    """One event of the journal as stored: its body, its place in the chain, its hash."""

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
        """Every column but ``hash`` (built directly: ``asdict``'s deep copy was most of audit's time)."""
        return {name: getattr(self, name) for name in BODY_COLUMNS}


class ItemRow(NamedTuple):
    """An item's new row in the current table, as the operation that appends computes it."""

    state: str
    returns: int


class CurrentState(NamedTuple):  # a tuple: a province's journal has 100,000 of them per listing
    """An item's row in the current table. The store derives every column but ``state`` and
    ``returns`` (the operation's :class:`ItemRow`) from the event it appends: a listing reads
    what it shows of an item here, never by scanning the events. Its first four fields are the
    item's :data:`Position`."""

    item: str
    state: str
    returns: int
    deadline: Optional[str]  # ISO: the one its last extension (延期, data.deadline) set; None: never extended
    seq: int
    trigger: str
    recorded_at: str
    note: str  # the last non-empty note of the item's events ('' when none has one)
    recorded_local: str  # 'YYYY-MM-DD HH:MM' in the machine's time zone (not stored: read with the row)


#: What an item's standing depends on (``Reader.positions()``, the start of a CurrentState):
#: (item, state, returns, extended deadline or None).
Position = tuple[str, str, int, Optional[str]]


class ReadOnce:
    """A store opened read-only (for one listing) reads the current table once: the listing's
    rows and the warning of items the checklist no longer declares read the same rows (the
    positions are the start of the current rows, when those were read)."""

    read_only: bool = False
    _current: Optional[dict[str, CurrentState]] = None
    _positions: Optional[dict[str, Position]] = None

    def current(self, unit: Optional[str] = None) -> dict[str, CurrentState]:
        if not self.read_only or unit is not None:
            return super().current(unit)  # type: ignore[misc,no-any-return]
        if self._current is None:
            self._current = super().current()  # type: ignore[misc]
        return self._current

    def positions(self) -> dict[str, Position]:
        if not self.read_only:
            return super().positions()  # type: ignore[misc,no-any-return]
        if self._positions is None:
            read: Any = self._current if self._current is not None else super().positions()  # type: ignore[misc]
            self._positions = read  # a CurrentState starts with its item's position
        return self._positions


#: The stored columns of the current table, in the order CurrentState holds them.
CURRENT_COLUMNS = ("item", "state", "returns", "deadline", "seq", "trigger", "recorded_at", "note")


# One encoder: json.dumps() with options builds a new one per call (an audit makes a million).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical(body: dict[str, Any]) -> bytes:
    """The hashed form of an event body: sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(body).encode("utf-8")


def data_text(data: dict[str, Any]) -> str:
    """An event's ``data`` as stored: the exact text it has inside the hashed body."""
    return canonical(data).decode("utf-8")


def event_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(body["prev_hash"].encode("ascii") + canonical(body)).hexdigest()


def seal(draft: Draft, seq: int, prev_hash: str, recorded_at: str, os_account: str) -> Event:
    """The event ``draft`` becomes at position ``seq`` after ``prev_hash``."""
    body: dict[str, Any] = {
        "seq": seq,
        "item": draft.item,
        "trigger": draft.trigger,
        "from_state": draft.from_state,
        "to_state": draft.to_state,
        "actor": draft.actor,
        "os_user": os_account,
        "recorded_at": recorded_at,
        "note": draft.note,
        "data": draft.data,
        "checklist_sha256": draft.checklist_sha256,
        "prev_hash": prev_hash,
    }
    return Event(**body, hash=event_hash(body))


def refuse_nul(draft: Draft) -> None:
    """A NUL character is refused by every store alike (PostgreSQL text cannot hold one), naming
    the field, before anything is written."""

    def has_nul(value: Any) -> bool:
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, dict):
            return any(has_nul(k) or has_nul(v) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return any(has_nul(v) for v in value)
        return False

    fields = ("item", "trigger", "from_state", "to_state", "actor", "note", "checklist_sha256", "data")
    bad = [name for name in fields if has_nul(getattr(draft, name))]
    if bad:
        raise Refused([_("a NUL character cannot be recorded (in {fields})").format(fields=", ".join(bad))])


@functools.lru_cache(maxsize=1)
def os_user() -> str:
    """The OS account (not $USER, which anyone can set); asked once per process (an import appends
    100,000 events)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


def utc_now() -> str:
    return format_time(dt.datetime.now(dt.timezone.utc))


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def not_before(previous: str | None, now: str) -> str:
    """``recorded_at`` never runs backwards: the later of now and the previous event's time.

    Both are ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, so text order is time order.
    """
    return previous if previous is not None and previous > now else now
