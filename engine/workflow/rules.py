"""Declarative requirements of a transition -> the list of unmet reasons.

Each requirement kind maps to one handler in ``RULES``; a handler returns
reasons in the user's words and has no side effects (the explainer and the
transitions condition both call it). A transition may be taken when the
list is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple, Optional, Protocol, TypeVar, Union

from engine.i18n import N_, _, count_words
from engine.model import Evidence, Indicator, Item, Person, Transition, Workflow


class Facts(NamedTuple):
    """What the journal knows of one item: its state and everything recorded so far.

    Immutable like a frozen dataclass, and a tuple because audit builds one per event of
    the journal (a million): a frozen dataclass's ``__init__`` cost ~0.9 us, a tuple's ~0.3.
    """

    state: str
    values: Mapping[str, float] = MappingProxyType({})  # indicator id -> last value
    evidence: AbstractSet[str] = frozenset()  # evidence ids attached at least once (a file or paper)
    participants: AbstractSet[str] = frozenset()  # person ids with any event on the item
    returns: int = 0
    files: AbstractSet[str] = frozenset()  # evidence ids attached with a file (a sha256) at least once
    deadline: Optional[str] = None  # ISO date set by an extension (延期); None: the duty's own


class ItemFacts(Protocol):
    """What the rules read of an item's facts: a :class:`Facts`, or audit's replay of the item
    as it stands (read in place: building a Facts per event was ~0.6 us of each of a million)."""

    @property
    def state(self) -> str: ...

    @property
    def values(self) -> Mapping[str, float]: ...

    @property
    def evidence(self) -> AbstractSet[str]: ...

    @property
    def participants(self) -> AbstractSet[str]: ...

    @property
    def returns(self) -> int: ...

    @property
    def files(self) -> AbstractSet[str]: ...

    @property
    def deadline(self) -> Optional[str]: ...


class Attempt(NamedTuple):
    """Who wants to take which step on which item, with what note (a tuple, as Facts: audit
    judges one per event)."""

    item: Item
    transition: Transition
    actor: Optional[Person]  # None when explaining without an actor
    note: str
    facts: ItemFacts
    role_labels: Mapping[str, str] = MappingProxyType({})  # 督学 for supervisor, from ``roles:``


def holds_any(person: Person, roles: tuple[str, ...], attempt: Attempt) -> bool:
    for role in roles:  # a loop, not any(generator): audit asks this once per event of the journal
        if holds_role(person, role, attempt):
            return True
    return False


def holds_role(person: Person, role: str, attempt: Attempt) -> bool:
    if role == "owner":
        return person.unit == attempt.item.unit.id
    if role == "support":
        return person.unit in attempt.item.duty.support
    if role == "participant":
        return person.id in attempt.facts.participants
    return role in person.roles


def role_words(roles: tuple[str, ...], labels: Mapping[str, str]) -> str:
    """Roles as people say them: built-ins in words, declared roles by their label (督学)."""
    names = {
        "owner": _("a person of the item's own unit"),
        "support": _("a person of a support unit"),
        "participant": _("someone who took an earlier step on this item"),
    }
    return _(" or ").join(names.get(r) or labels.get(r) or r for r in roles)


def check_by(attempt: Attempt) -> list[str]:
    allowed = attempt.transition.by
    if not allowed:
        return []
    if attempt.actor is not None and holds_any(attempt.actor, allowed, attempt):
        return []
    roles = role_words(allowed, attempt.role_labels)  # only for the refusal: the words cost (audit)
    if attempt.actor is None:
        return [_("step {step} may be taken only by: {roles}").format(roles=roles, step=attempt.transition.label)]
    return [
        _("step {step} may be taken only by: {roles}; {person} is not one of them").format(
            person=attempt.actor.name, roles=roles, step=attempt.transition.label
        )
    ]


def check_not_by(attempt: Attempt) -> list[str]:
    if attempt.actor is None:
        return []
    actor = attempt.actor
    return [
        _("separation of duties: {person} is {role} and may not take step {step}").format(
            person=actor.name, role=role_words((role,), attempt.role_labels), step=attempt.transition.label
        )
        for role in attempt.transition.not_by
        if holds_role(actor, role, attempt)
    ]


def check_note(attempt: Attempt) -> list[str]:
    if attempt.transition.requires.note and not attempt.note.strip():
        return [_("a note is required (--note)")]
    return []


Declared = TypeVar("Declared", Evidence, Indicator)


def _required(wanted: Union[str, tuple[str, ...], None], declared: tuple[Declared, ...], every: str) -> list[Declared]:
    """The declared records a requirement names: every one (``all``/``met``; optional evidence
    left out) or those listed that the duty declares (``undeclared`` reports the others)."""
    if wanted is None:
        return []
    if wanted == every:
        return [record for record in declared if not getattr(record, "optional", False)]
    by_id = {record.id: record for record in declared}
    return [by_id[record_id] for record_id in wanted if record_id in by_id]


def _undeclared(
    attempt: Attempt, kind: str, wanted: Union[str, tuple[str, ...], None], declared: tuple[Declared, ...]
) -> list[str]:
    """A step naming an id this duty lacks is unavailable for its items: say which."""
    if not isinstance(wanted, tuple):
        return []
    ids = {record.id for record in declared}
    template = (
        _("step {step} is unavailable for duty {duty}: it needs evidence {id!r}, which this duty does not declare")
        if kind == "evidence"
        else _(
            "step {step} is unavailable for duty {duty}: it needs indicator {id!r}, which this duty does not declare"
        )
    )
    return [
        template.format(step=attempt.transition.label, duty=attempt.item.duty.title, id=record_id)
        for record_id in wanted
        if record_id not in ids
    ]


def check_evidence(attempt: Attempt) -> list[str]:
    wanted, declared = attempt.transition.requires.evidence, attempt.item.duty.evidence
    reasons = _undeclared(attempt, "evidence", wanted, declared)
    for evidence in _required(wanted, declared, "all"):
        if evidence.file and evidence.id in attempt.facts.evidence and evidence.id not in attempt.facts.files:
            reasons.append(
                _("missing evidence: {name} counts only when attached with a file (attach --file)").format(
                    name=evidence.name
                )
            )
        elif evidence.id in attempt.facts.evidence:
            continue
        elif evidence.copies:
            reasons.append(
                _("missing evidence: {name} ({copies} paper copies due)").format(
                    name=evidence.name, copies=count_words(evidence.copies)
                )
            )  # 一式六份 under zh
        else:
            reasons.append(_("missing evidence: {name}").format(name=evidence.name))
    return reasons


def check_indicators(attempt: Attempt) -> list[str]:
    wanted, declared = attempt.transition.requires.indicators, attempt.item.duty.indicators
    reasons = _undeclared(attempt, "indicators", wanted, declared)
    for indicator in _required(wanted, declared, "met"):
        value = attempt.facts.values.get(indicator.id)
        if indicator.met_by(value):
            continue  # an aim alone (力争) never blocks
        target = str(indicator.target) if indicator.target else _("any value")
        if value is None:
            reasons.append(
                _("indicator {name}: no value recorded (target {target})").format(name=indicator.name, target=target)
            )
        else:
            reasons.append(
                _("indicator {name}: {value}{unit} does not meet the target {target}").format(
                    name=indicator.name, value=format_number(value), unit=indicator.unit, target=target
                )
            )
    return reasons


def format_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


RULES: dict[str, Callable[[Attempt], list[str]]] = {
    "by": check_by,
    "not_by": check_not_by,
    "note": check_note,
    "evidence": check_evidence,
    "indicators": check_indicators,
}


def unmet(attempt: Attempt) -> list[str]:
    """Every unmet requirement of the attempt, in the order of RULES."""
    return [reason for rule in RULES.values() for reason in rule(attempt)]


def lacks_for_final(item: Item, workflow: Workflow, facts: Facts) -> list[str]:
    """Evidence and indicators still missing for the step(s) that end the item's workflow
    (销号): what readiness, inspect, remind and a 督办单 say the item lacks."""
    reasons: list[str] = []
    for transition in workflow.transitions:
        if transition.dest is not None and workflow.state_by_id[transition.dest].final:
            attempt = Attempt(item, transition, None, "", facts)
            reasons += [r for r in check_evidence(attempt) + check_indicators(attempt) if r not in reasons]
    return reasons


def check_permission(attempt: Attempt) -> list[str]:
    """An action that is not a transition (record, attach, note), its roles in ``by``."""
    roles, actor = attempt.transition.by, attempt.actor
    if actor is None or holds_any(actor, roles, attempt):
        return []
    return [
        _("only {roles} may {action} on this item; {person} is not").format(
            roles=role_words(roles, attempt.role_labels) or _("nobody"),
            action=_(ACTION_WORDS.get(attempt.transition.trigger, attempt.transition.trigger)),
            person=actor.name,
        )
    ]


#: The rules of the actions that are not transitions; their roles come from the checklist's
#: ``permissions`` (defaults in the schema), so no role id is written here.
ACTION_RULES: dict[str, Callable[[Attempt], list[str]]] = {
    "permission": check_permission,
}

ACTION_WORDS = {"record": N_("record values"), "attach": N_("attach evidence"), "note": N_("add a note")}


def unmet_action(
    item: Item, action: str, roles: tuple[str, ...], actor: Person, facts: ItemFacts, role_labels: Mapping[str, str]
) -> list[str]:
    """Every unmet rule of ``actor`` taking ``action`` on ``item``, ``roles`` being the
    checklist's ``permissions`` for it."""
    attempt = Attempt(item, _action(action, roles), actor, "", facts, role_labels)
    return [reason for rule in ACTION_RULES.values() for reason in rule(attempt)]


@lru_cache(maxsize=64)
def _action(action: str, roles: tuple[str, ...]) -> Transition:
    """An action as the rules see it: a step that moves nothing, open to ``roles``."""
    return Transition(action, action, (), None, by=roles)
