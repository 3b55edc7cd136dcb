"""Operations on items: advance, record, attach, explain, history.

Every check that decides whether an event may be appended (state, roles,
separation of duties, evidence, indicators) runs inside the store's write
transaction, so two clerks acting at the same moment cannot both slip past
a rule that only one of them may pass.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple, Optional

from engine.errors import Refused
from engine.i18n import _
from engine.journal.chain import Draft, Event, ItemRow
from engine.journal.evidence import display_name
from engine.journal.store import Reader, Transaction
from engine.model import Checklist, Item, Person, Transition, parse_date
from engine.workflow.facts import facts_of
from engine.workflow.rules import Attempt, Facts, ItemFacts, format_number, unmet, unmet_action

RECORD, ATTACH, NOTE = "record", "attach", "note"
REPORTING_TRIGGERS = frozenset({RECORD, ATTACH, NOTE})  # events that report without moving the item


MAX_EXTENSION_YEARS = 10  # a 延期 past that is a typing mistake (9999-12-31), not a plan


class Option(NamedTuple):
    """One step as ``explain`` shows it: what it needs that is still missing."""

    trigger: str
    label: str
    to_state: str
    reasons: tuple[str, ...]  # "not allowed from state ..." first when the step cannot start here


def _round_tag(checklist: Checklist, tx: Transaction, round_id: Optional[str], item: Item) -> dict[str, object]:
    """``{"round": ID}`` for a round's result (engine.operations.inspections.round_tag), else {}.
    Only a step given ``--round`` imports the rounds and their draws (3 ms of every ``advance``
    in ``-X importtime``)."""
    if round_id is None:
        return {}
    from engine.operations.inspections import round_tag

    return round_tag(checklist, tx, round_id, item)


def resolve_item(checklist: Checklist, item_text: str) -> Item:
    """The item a user named: ``UNIT/DUTY``, each part an id or a Chinese name."""
    return checklist.item_named(item_text)


def resolve_actor(checklist: Checklist, actor_text: Optional[str]) -> Person:
    if not actor_text:
        raise Refused([_("who is acting? give --as PERSON or set $RECTIFY_ACTOR")])
    return checklist.person_by_id[checklist.person_id(actor_text)]


def advance(
    checklist: Checklist,
    tx: Transaction,
    actor_id: Optional[str],
    item_id: str,
    trigger: str,
    note: str = "",
    deadline: Optional[str] = None,
    round_id: Optional[str] = None,
) -> Event:
    """Fire ``trigger``; ``deadline`` is the new one a ``sets: [deadline]`` step (延期) needs,
    ``round_id`` the inspection round whose result this step is."""
    from engine.workflow.machine import compiled  # transitions, ~5 ms to import: only steps that move

    item = resolve_item(checklist, item_id)
    actor = resolve_actor(checklist, actor_id)
    workflow = checklist.workflow_of(item)
    trigger = workflow.trigger_id(trigger)
    machine = compiled(workflow)
    facts = facts_of(tx.item_events(item.id), workflow)
    transition = machine.candidate(facts.state, trigger)
    data: dict[str, object] = _round_tag(checklist, tx, round_id, item)
    data.update(new_deadline(item, transition, facts, deadline))

    def check(candidate: Transition) -> list[str]:
        return unmet(Attempt(item, candidate, actor, note, facts, checklist.role_labels))

    try:  # the Machine's condition runs the rules once; a refusal carries every reason
        dest = machine.fire(facts.state, trigger, check)
    except Refused as refused:
        raise Refused(
            refused.reasons, _("{item}: step {step} refused:").format(item=item.id, step=transition.label)
        ) from None
    returned = transition.is_return  # ``return: true``: nothing else counts as a return
    if returned:
        data["returned"] = True
    draft = Draft(item.id, trigger, facts.state, dest, actor.id, note, checklist.sha256, data)
    return tx.append(draft, ItemRow(dest, facts.returns + returned))


def new_deadline(item: Item, transition: Transition, facts: Facts, deadline: Optional[str]) -> dict[str, str]:
    """The event data of an extension (延期): the new deadline, later than the one in force."""
    if "deadline" not in transition.sets:
        if deadline is not None:
            raise Refused(
                [_("step {step} does not change the deadline; drop --deadline").format(step=transition.label)]
            )
        return {}
    if deadline is None:
        raise Refused([_("step {step} sets a new deadline: give --deadline YYYY-MM-DD").format(step=transition.label)])
    try:
        day = parse_date(deadline)
    except ValueError:
        raise Refused([_("--deadline {value!r} is not a date YYYY-MM-DD").format(value=deadline)]) from None
    in_force = dt.date.fromisoformat(facts.deadline) if facts.deadline else item.duty.deadline
    if day <= in_force:
        raise Refused(
            [
                _("the new deadline {new} must be later than the one in force, {old}").format(
                    new=day.isoformat(), old=in_force.isoformat()
                )
            ]
        )
    if day.year > in_force.year + MAX_EXTENSION_YEARS:
        raise Refused(
            [
                _(
                    "the new deadline {new} is more than {years} years after the one in force, {old}: a typing mistake?"
                ).format(new=day.isoformat(), years=MAX_EXTENSION_YEARS, old=in_force.isoformat())
            ]
        )
    return {"deadline": day.isoformat(), "previous_deadline": in_force.isoformat()}


def permitted(checklist: Checklist, action: str) -> tuple[str, ...]:
    """The roles the checklist's ``permissions`` give ``action``; the schema's default when the
    checklist says nothing (the loader fills every action, a hand-built model may not)."""
    roles = checklist.permissions.get(action)
    if roles:
        return roles
    from engine.checklist.schema import permission_defaults  # jsonschema: only when needed

    return permission_defaults()[action]


def may_report(checklist: Checklist, item: Item, actor: Person, facts: ItemFacts, action: str) -> None:
    """The checklist's ``permissions`` for ``action`` (record, attach, note), in a non-final state."""
    workflow = checklist.workflow_of(item)
    reasons = unmet_action(item, action, permitted(checklist, action), actor, facts, checklist.role_labels)
    if workflow.state_by_id[facts.state].final:
        reasons.append(
            _("the item is already {state}; reopen it first").format(state=workflow.state_by_id[facts.state].label)
        )
    if reasons:
        raise Refused(reasons, _("{item}: refused:").format(item=item.id))


# A value as a clerk types it: ASCII digits, an optional sign, point and percent sign; not
# 1_000, full-width or Arabic-Indic digits, which float() would quietly accept.
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)%?", re.ASCII)


def parse_values(item: Item, assignments: list[str]) -> dict[str, float]:
    """``NAME=VALUE`` pairs (NAME an indicator id or name, exactly) -> {indicator id: number}."""
    duty, values, reasons = item.duty, {}, []
    for assignment in assignments:
        name, sep, text = assignment.partition("=")
        name, text = name.strip(" "), text.strip(" ")
        if not sep:
            known = ", ".join(f"{i.id} ({i.name})" for i in duty.indicators) or _("none")
            reasons.append(
                _("{text!r}: expected NAME=VALUE, NAME an indicator of this duty: {known}").format(
                    text=assignment, known=known
                )
            )
            continue
        try:
            indicator = duty.indicator_named(name)
        except Refused as unknown:
            reasons.extend(unknown.reasons)
            continue
        if not _NUMBER.fullmatch(text):
            reasons.append(_("{name}: {text!r} is not a number").format(name=indicator.name, text=text))
            continue
        number = float(text.rstrip("%"))
        if indicator.id in values:
            reasons.append(_("{name}: given twice").format(name=indicator.name))
            continue
        if not indicator.accepts(number):
            reasons.append(
                _("{name}: {value} is outside the values accepted ({low} to {high})").format(
                    name=indicator.name,
                    value=format_number(number),
                    low=_("any") if indicator.min is None else format_number(indicator.min),
                    high=_("any") if indicator.max is None else format_number(indicator.max),
                )
            )
            continue
        values[indicator.id] = number
    if not assignments:
        reasons.append(_("give at least one NAME=VALUE"))
    if reasons:
        raise Refused(reasons, _("{item}: nothing recorded:").format(item=item.id))
    return values


def record(
    checklist: Checklist,
    tx: Transaction,
    actor_id: Optional[str],
    item_id: str,
    assignments: list[str],
    note: str = "",
    round_id: Optional[str] = None,
) -> Event:
    item = resolve_item(checklist, item_id)
    actor = resolve_actor(checklist, actor_id)
    values = parse_values(item, assignments)
    tag = _round_tag(checklist, tx, round_id, item)
    workflow = checklist.workflow_of(item)
    facts = facts_of(tx.item_events(item.id), workflow)
    may_report(checklist, item, actor, facts, RECORD)
    return _append_report(checklist, tx, item, actor, facts, RECORD, {"values": values, **tag}, note)


def attach(
    checklist: Checklist,
    tx: Transaction,
    actor_id: Optional[str],
    item_id: str,
    evidence_id: str,
    file_path: Optional[str] = None,
    note: str = "",
) -> Event:
    item = resolve_item(checklist, item_id)
    actor = resolve_actor(checklist, actor_id)
    evidence = item.duty.evidence_named(evidence_id)
    data: dict[str, object] = {"evidence": evidence.id}
    workflow = checklist.workflow_of(item)
    facts = facts_of(tx.item_events(item.id), workflow)
    may_report(checklist, item, actor, facts, ATTACH)
    if file_path is not None:  # only now: nobody may make the command read a file it then refuses
        stored = tx.put_file(file_path)
        data.update(sha256=stored.sha256, size=stored.size, file=display_name(file_path))
    return _append_report(checklist, tx, item, actor, facts, ATTACH, data, note)


def note(
    checklist: Checklist,
    tx: Transaction,
    actor_id: Optional[str],
    item_id: str,
    text: str,
    round_id: Optional[str] = None,
) -> Event:
    """An observation on the item (督查意见): an event that changes nothing, tagged with its round."""
    item = resolve_item(checklist, item_id)
    actor = resolve_actor(checklist, actor_id)
    if not text.strip():
        raise Refused([_("a note needs some text")])
    tag = _round_tag(checklist, tx, round_id, item)
    facts = facts_of(tx.item_events(item.id), checklist.workflow_of(item))
    may_report(checklist, item, actor, facts, NOTE)
    return _append_report(checklist, tx, item, actor, facts, NOTE, tag, text)


def _append_report(
    checklist: Checklist,
    tx: Transaction,
    item: Item,
    actor: Person,
    facts: Facts,
    trigger: str,
    data: dict[str, object],
    text: str = "",
) -> Event:
    """Append an event that reports without moving the item (record, attach, note)."""
    draft = Draft(item.id, trigger, facts.state, facts.state, actor.id, text, checklist.sha256, data)
    return tx.append(draft, ItemRow(facts.state, facts.returns))


def explain(
    checklist: Checklist,
    store: Reader,
    item_id: str,
    trigger: Optional[str] = None,
    actor_id: Optional[str] = None,
    note: str = "",
) -> tuple[str, list[Option]]:
    """The item's state and, for each step (or the one named), what it still lacks."""
    item = resolve_item(checklist, item_id)
    actor = resolve_actor(checklist, actor_id) if actor_id else None
    workflow = checklist.workflow_of(item)
    facts = facts_of(store.item_events(item.id), workflow)
    if trigger is not None:
        trigger = workflow.trigger_id(trigger)
    named = [t for t in workflow.transitions if trigger in (None, t.trigger)]
    from_here = [t for t in named if facts.state in t.sources]
    # a named step that cannot be taken from here is still shown, with why not
    options = []
    for transition in from_here if from_here or trigger is None else named:
        here = transition in from_here
        reasons = unmet(Attempt(item, transition, actor, note, facts, checklist.role_labels))
        if not here:
            reasons.insert(0, _("not allowed from state {state}").format(state=workflow.state_by_id[facts.state].label))
        options.append(
            Option(
                transition.trigger,
                transition.label,
                workflow.state_by_id[transition.dest_from(facts.state)].label,
                tuple(reasons),
            )
        )
    return facts.state, options


JOURNAL_WIDE = ("@round/", "@notice/", "@import/")


def history(checklist: Checklist, store: Reader, item_id: str) -> list[Event]:
    """An item's events; a journal-wide item (``@round/ID``, ``@notice/N``, ``@import/SHA``) too."""
    if item_id.startswith(JOURNAL_WIDE):
        events = store.item_events(item_id)
        if not events:
            raise Refused([_("{item}: no such event in the journal").format(item=item_id)])
        return events
    return store.item_events(resolve_item(checklist, item_id).id)
