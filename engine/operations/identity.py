"""Who is acting: declared with ``--as`` on SQLite, authenticated on PostgreSQL.

On a shared (PostgreSQL) journal the actor is the person whose ``people[].login`` is the
database login the connection authenticated as; ``--as`` may name only that person. The append
function on the server checks the same thing again, so a modified client gains nothing.
"""

from __future__ import annotations

from typing import Optional

from engine.errors import Refused
from engine.i18n import _
from engine.model import Checklist, Person


def person_of_login(checklist: Checklist, login: str) -> Optional[Person]:
    return next((p for p in checklist.people if p.login == login), None)


def acting_person(
    checklist: Checklist, login: Optional[str], declared: Optional[str], required: bool = True
) -> Optional[str]:
    """The person id to act as: ``declared`` where the store trusts it (``login`` None), else the
    person of ``login``. Refused: a login that maps to no person (when an actor is ``required``,
    or one is declared), and ``--as`` naming anyone else."""
    if login is None:
        return declared
    person = person_of_login(checklist, login)
    if person is None:
        if required or declared:
            raise Refused(
                [
                    _(
                        "database login {login!r} is no person of this checklist: the office adds "
                        "login: {login} to that person under people, then runs rectify db init "
                        "again"
                    ).format(login=login)
                ]
            )
        return None
    if declared and declared not in (person.id, person.name):
        raise Refused(
            [
                _(
                    "--as {declared}: this journal authenticates you as login {login!r}, who is "
                    "{name} ({person}); on a shared journal you act only as yourself"
                ).format(declared=declared, login=login, name=person.name, person=person.id)
            ]
        )
    return person.id
