"""``rectify db init`` and ``db copy``: prepare a shared journal, move a journal between stores."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from typing import Optional

from engine.errors import Refused, StoreError
from engine.i18n import _
from engine.journal.chain import GENESIS, Event, event_hash
from engine.journal.postgres import initialise, is_postgres_url
from engine.journal.store import Store
from engine.model import BUILTIN_ROLES, Checklist, Person


def may_import(checklist: Checklist, person: Person) -> bool:
    """Whether the server lets this person's login record rows as their reporters (DESIGN § Import).
    A built-in role in the permission (``owner``) depends on the item: the import operation judges
    each row, the server only that the login may import at all."""
    roles = checklist.permissions.get("import", ())  # the loader fills in the schema's default
    return any(role in BUILTIN_ROLES or role in person.roles for role in roles)


def login_map(checklist: Checklist) -> list[tuple[str, str, bool]]:
    """(person, login, may import) for every person with a login; two people with one login refused."""
    seen: dict[str, str] = {}
    problems = []
    for person in checklist.people:
        if person.login is None:
            continue
        if person.login in seen:
            problems.append(
                _("login {login!r} is given to both {first} and {second}").format(
                    login=person.login, first=seen[person.login], second=person.id
                )
            )
        seen[person.login] = person.id
    if problems:
        raise Refused(problems, _("one login per person:"))
    return [(p.id, p.login, may_import(checklist, p)) for p in checklist.people if p.login is not None]


def init_database(checklist: Checklist, url: Optional[str]) -> list[str]:
    """Create (or bring up to date) the shared journal at ``url`` for this checklist."""
    if not is_postgres_url(url):
        raise Refused(
            [_("db init prepares a PostgreSQL journal: give --db postgresql://…; a SQLite journal needs no preparing")]
        )
    people = login_map(checklist)
    done = initialise(str(url), checklist.id, people)
    if not people:
        done.append(_("warning: no person has a login; nobody can append until people[].login is set"))
    return done


def copy_journal(source: Store, target: Store) -> tuple[int, str]:
    """Copy every event and current row of ``source`` into the empty ``target``, byte for byte,
    verifying the chain as it goes: a broken source is refused and nothing is written."""
    versions: set[str] = set()
    with source.snapshot() as reader:
        target.load(_verified(reader.events(), source.location, versions), reader.current().values())
        for sha256 in sorted(versions):  # the checklist versions the events were taken under
            kept = reader.checklist_source(sha256)
            if kept is not None:
                target.keep_checklist(kept)
    _copy_files(source, target)
    return target.head()


def _copy_files(source: Store, target: Store) -> None:
    """The evidence files, each by way of a temporary file (the stores take files, not bytes)."""
    with tempfile.TemporaryDirectory(prefix="rectify-copy-") as folder:
        for stored in source.stored_files():
            path = os.path.join(folder, stored.sha256)
            with source.open_file(stored.sha256) as blob, open(path, "wb") as out:
                shutil.copyfileobj(blob, out)
            if target.put_file(path).sha256 != stored.sha256:
                raise StoreError(
                    _("evidence file {digest}: its bytes do not match its digest in {path}").format(
                        digest=stored.sha256, path=source.location
                    )
                )
            os.unlink(path)


def _verified(events: Iterable[Event], location: str, versions: set[str]) -> Iterator[Event]:
    """The events, each checked against its predecessor before it is passed on."""
    expected_seq, prev_hash = 1, GENESIS
    for event in events:
        if event.seq != expected_seq or event.prev_hash != prev_hash or event_hash(event.body()) != event.hash:
            raise StoreError(
                _("{path}: not copied: the journal does not verify at position {seq} (run rectify audit on it)").format(
                    path=location, seq=expected_seq
                )
            )
        versions.add(event.checklist_sha256)
        yield event
        expected_seq, prev_hash = event.seq + 1, event.hash
