"""``rollover``: next year's checklist from this year's items that are not verified.

Every item not in a final state becomes a duty of its unit in the new file,
with ``carried_from`` naming where it came from (a duty carried twice is
连续未销号) and the last note of its history as description. The result is
loaded with the same loader as ``validate`` before it is written, and an
existing file is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from typing import Optional

from engine.checklist.load import load_checklist_bytes
from engine.checklist.resources import read_bytes
from engine.checklist.write import CarriedDuty, NextChecklist, duty_comments, render_next, sections
from engine.errors import ChecklistError, RectifyError, Refused
from engine.i18n import _
from engine.journal.store import Reader
from engine.model import Checklist, Item, Person
from engine.workflow.facts import facts_of


@dataclass(frozen=True)
class Rollover:
    """Next year's checklist as written: its file, id and the duties carried into it."""

    path: str
    id: str
    duties: list[CarriedDuty]

    @property
    def open_two_years(self) -> list[CarriedDuty]:
        return [d for d in self.duties if d.open_two_years]


def next_id(checklist_id: str, given: Optional[str]) -> str:
    if given:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", given):
            raise Refused([_("--id {id!r}: an id is lowercase letters, digits, '_' and '-'").format(id=given)])
        return given
    years = list(re.finditer(r"(?<![0-9])(19|20)[0-9]{2}(?![0-9])", checklist_id))
    if not years:
        raise Refused([_("{id!r} has no year to count on: give --id").format(id=checklist_id)])
    year = years[-1]
    return checklist_id[: year.start()] + str(int(year.group()) + 1) + checklist_id[year.end() :]


def rollover(
    checklist: Checklist, reader: Reader, actor: Person, target: str, new_id: Optional[str] = None
) -> Rollover:
    allowed = checklist.permissions.get("rollover", ())
    if not any(role in actor.roles for role in allowed):
        raise Refused(
            [
                _("{person} may not roll the checklist over (the rollover permission: {roles})").format(
                    person=actor.name, roles=", ".join(checklist.role_labels.get(r, r) for r in allowed) or _("nobody")
                )
            ]
        )
    if os.path.lexists(target):
        raise Refused([_("{path} exists; rollover never overwrites a file").format(path=target)])
    identifier = next_id(checklist.id, new_id)
    source_text = read_bytes(checklist.path).decode("utf-8")
    comments = duty_comments(sections(source_text).get("duties", []))
    duties = _carried(checklist, reader, comments)
    if not duties:
        raise Refused([_("every item is verified: there is nothing to carry into next year")])
    meta = NextChecklist(
        identifier,
        checklist.title,
        _next_year(checklist.deadline).isoformat(),
        checklist.id,
        checklist.source,
        checklist.warning_days if checklist.warning_days != 3 else None,
    )
    header = [
        f"{checklist.title} — {identifier}",
        f"Rolled over from {checklist.id} ({os.path.basename(checklist.path)}) on {dt.date.today()}:",
        f"{len(duties)} item(s) not verified are carried as duties of their units.",
    ]
    text = render_next(source_text, header, meta, duties)
    try:
        load_checklist_bytes(target, text.encode("utf-8"))
    except ChecklistError as e:  # a bug here, not the user's: say what failed, write nothing
        raise RectifyError(
            _("the rolled-over checklist would not validate; nothing written:\n{problems}").format(problems=e)
        ) from e
    try:
        with open(target, "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise Refused([_("{path} exists; rollover never overwrites a file").format(path=target)]) from None
    except OSError as e:
        raise RectifyError(_("{path}: cannot write: {reason}").format(path=target, reason=e.strerror or e)) from e
    return Rollover(target, identifier, duties)


def _carried(checklist: Checklist, reader: Reader, comments: dict[str, tuple[str, ...]]) -> list[CarriedDuty]:
    taken: set[str] = set()
    duties = []
    for item in checklist.items:
        workflow = checklist.workflow_of(item)
        events = reader.item_events(item.id)
        state = workflow.state_by_id[facts_of(events, workflow).state]
        if state.final:
            continue
        duty_id = _unique(item.duty.id if len(item.duty.owners) == 1 else f"{item.duty.id}-{item.unit.id}", taken)
        last_note = next((e.note for e in reversed(events) if e.note.strip()), None)
        duties.append(
            _duty(
                checklist,
                item,
                duty_id,
                last_note or item.duty.description,
                comments.get(item.duty.id, ()),
                state.label,
            )
        )
    return duties


def _duty(
    checklist: Checklist,
    item: Item,
    duty_id: str,
    description: Optional[str],
    comments: tuple[str, ...],
    state_label: str,
) -> CarriedDuty:
    duty = item.duty
    return CarriedDuty(
        duty_id,
        duty.title,
        item.unit.id,
        duty.workflow,
        duty.carried_from + (f"{checklist.id}/{item.id}",),
        description,
        duty.ref,
        duty.veto,
        duty.evidence,
        duty.indicators,
        comments,
        support=duty.support,
        state_label=state_label,
    )


def _unique(duty_id: str, taken: set[str]) -> str:
    candidate, n = duty_id, 1
    while candidate in taken:
        n += 1
        candidate = f"{duty_id}-{n}"
    taken.add(candidate)
    return candidate


def _next_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
