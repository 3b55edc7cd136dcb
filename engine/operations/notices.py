"""Numbered 督办单: issue one at an item's escalation level, and audit the numbering.

The number is taken inside the append transaction (the store serialises
writers), so two clerks issuing at the same moment get different numbers;
it is ``notices.number`` with ``{year}`` the year of issue and ``{n}`` 1, 2,
… restarting each year. The event (``@notice/N``) keeps the item, the level
and the sha256 of the very document that was written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Optional

from engine import i18n
from engine.errors import Refused
from engine.formats.docx import notice_docx
from engine.formats.notice import Notice, notice_html
from engine.i18n import _
from engine.journal.chain import Draft, Event
from engine.journal.store import Transaction
from engine.model import Checklist, Item
from engine.operations.inspections import permitted_person
from engine.operations.items import resolve_item
from engine.workflow.escalation import level_by_id, standing
from engine.workflow.facts import facts_of
from engine.workflow.rules import lacks_for_final

NOTICE_PREFIX = "@notice/"
NOTICE = "notice"
RENDERERS = {"docx": notice_docx, "html": notice_html}


@dataclass(frozen=True)
class Issued:
    """An issued 督办单: its content, the document made, and the event recording it."""

    notice: Notice
    document: bytes
    event: Event


def next_number(tx: Transaction, year: int) -> int:
    taken = [e.data.get("n", 0) for e in tx.events_under(NOTICE_PREFIX) if e.data.get("year") == year]
    return max(taken, default=0) + 1


def _notice(
    checklist: Checklist, tx: Transaction, item: Item, level_id: Optional[str], today: dt.date, n: int
) -> Notice:
    workflow = checklist.workflow_of(item)
    facts = facts_of(tx.item_events(item.id), workflow)
    state = workflow.state_by_id[facts.state]
    where = standing(checklist, item.duty, state.final, facts.returns, facts.deadline, today)
    level = where.level
    if level_id is not None:
        level = level_by_id(checklist.escalation, level_id)
        if level is None:
            known = ", ".join(f"{x.level} ({x.label})" for x in checklist.escalation) or _("none declared")
            raise Refused([_("unknown escalation level {id!r}; levels: {known}").format(id=level_id, known=known)])
    elif level is None:
        raise Refused(
            [
                _(
                    "{item} has no escalation level (returned {returns} times, {days} days overdue); "
                    "give --level to issue a notice anyway"
                ).format(item=item.id, returns=facts.returns, days=where.overdue_days)
            ]
        )
    if state.final:
        raise Refused([_("{item} is already {state}: no notice").format(item=item.id, state=state.label)])
    rule = checklist.notices
    if rule is None:
        raise Refused([_("the checklist declares no notices section (its issuer and number pattern)")])
    return Notice(
        number=rule.number.format(year=today.year, n=n),
        year=today.year,
        n=n,
        item=item.id,
        unit_name=item.unit.name,
        duty_title=item.duty.title,
        ref=item.duty.ref or "",
        checklist_title=checklist.title,
        source=checklist.source or "",
        state_label=state.label,
        lacks=tuple(_in_chinese(lambda: lacks_for_final(item, workflow, facts))),
        deadline=where.deadline,
        original_deadline=where.original_deadline,
        returns=facts.returns,
        overdue_days=where.overdue_days,
        level=level.level,
        level_label=level.label,
        action=level.action,
        issuer=rule.issuer,
        issued_on=today,
    )


def _in_chinese(reasons: Callable[[], list[str]]) -> list[str]:
    """A 督办单 is a Chinese document whatever ``--lang`` the clerk runs with."""
    before = i18n.language()
    i18n.set_language("zh_CN")
    try:
        return reasons()
    finally:
        i18n.set_language(before)


def issue(
    checklist: Checklist,
    tx: Transaction,
    actor_id: Optional[str],
    item_id: str,
    level_id: Optional[str],
    today: dt.date,
    kind: str,
) -> Issued:
    """Number, render (``kind`` docx or html) and record a 督办单; the caller writes the document
    before the transaction commits, so a notice that could not be written takes no number."""
    item = resolve_item(checklist, item_id)
    actor = permitted_person(checklist, actor_id, "notice")
    n = next_number(tx, today.year)
    notice = _notice(checklist, tx, item, level_id, today, n)
    document = RENDERERS[kind](notice)
    # not "deadline": in an event's data that key means an extension (延期)
    data = {
        "item": item.id,
        "level": notice.level,
        "number": notice.number,
        "year": notice.year,
        "n": n,
        "deadline_in_force": notice.deadline.isoformat(),
        "sha256": hashlib.sha256(document).hexdigest(),
        "format": kind,
    }
    draft = Draft(f"{NOTICE_PREFIX}{n}", NOTICE, "", "", actor.id, "", checklist.sha256, data)
    return Issued(notice, document, tx.append(draft, None))


def numbering_problems(events: Iterable[Event]) -> list[tuple[int, str]]:
    """(seq, message) where notice numbers do not run 1, 2, … within a year (audit)."""
    last: dict[int, int] = {}
    problems = []
    for event in events:
        if event.trigger != NOTICE or not event.item.startswith(NOTICE_PREFIX):
            continue
        year, n = event.data.get("year"), event.data.get("n")
        expected = last.get(year, 0) + 1 if isinstance(year, int) else None
        if n != expected or event.item != f"{NOTICE_PREFIX}{n}":
            problems.append(
                (
                    event.seq,
                    _("position {seq}: notice number {n} of {year} out of sequence (expected {expected})").format(
                        seq=event.seq, n=n, year=year, expected=expected
                    ),
                )
            )
        if isinstance(year, int) and isinstance(n, int):
            last[year] = n
    return problems
