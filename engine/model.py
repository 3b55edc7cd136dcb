"""Frozen records of a loaded checklist. Nothing past the loader sees raw YAML."""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import Any, Generic, NamedTuple, Optional, TypeVar, Union, overload

from engine.errors import Problem, Refused, StoreError
from engine.i18n import _

# Reserved names: the loader, the rules and the operations all read them from here.
BUILTIN_ROLES = ("owner", "support", "participant")
# Journal events that are not transitions; a workflow may not name a trigger after one.
EVENT_KINDS = ("record", "attach", "note", "draw", "notice", "import")
# Keys of a transition's ``requires``; each has a handler in engine.workflow.rules.RULES.
REQUIREMENT_KINDS = ("note", "evidence", "indicators")
# Actions that are not transitions, governed by the checklist's ``permissions`` (defaults in
# the schema, so no role id is written in Python).
PERMISSIONS = ("record", "attach", "note", "draw", "notice", "import", "rollover")
# Attributes of the proxy model a step is bound to, and the transitions library's own names:
# a trigger named so would shadow them.
MODEL_ATTRIBUTES = ("state", "check", "reasons", "trigger", "machine", "model")
RESERVED_TRIGGERS = frozenset(EVENT_KINDS + MODEL_ATTRIBUTES)


def item_id(unit_id: str, duty_id: str) -> str:
    """The id of a duty of a unit: ``UNIT/DUTY`` (``dongshan/kongchuo-baoxue``)."""
    return f"{unit_id}/{duty_id}"


OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def parse_date(text: str) -> dt.date:
    """A date written exactly ``YYYY-MM-DD``; ValueError otherwise (``fromisoformat`` alone also
    takes 20261231 and 2026-W53-4, which a clerk never means)."""
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(text)
    return dt.date.fromisoformat(text)


class Target(NamedTuple):
    """A comparison an indicator value is held to: ``>= 95``."""

    op: str
    value: float

    def met_by(self, value: float) -> bool:
        return OPERATORS[self.op](value, self.value)

    def __str__(self) -> str:
        number = int(self.value) if self.value == int(self.value) else self.value
        return f"{self.op} {number}"


class Unit(NamedTuple):
    """A body that owns duties: a township, a bureau, the supervision office."""

    id: str
    name: str
    kind: Optional[str] = None
    head: Optional[str] = None  # person id of its 责任人


class Group(NamedTuple):
    """A named set of units (``townships``) that a duty may name as its owners."""

    id: str
    name: str
    members: tuple[str, ...]


class Person(NamedTuple):
    """Someone who acts on items: their unit, their roles, and their PostgreSQL login if any."""

    id: str
    name: str
    unit: str
    roles: tuple[str, ...] = ()
    title: Optional[str] = None
    login: Optional[str] = None  # PostgreSQL login that authenticates as this person


R = TypeVar("R", Unit, Person)


class Records(Sequence[R], Generic[R]):
    """A checklist's units or its people: an immutable sequence of records, each kept as the row
    of its field values until it is read, and looked up by id with :meth:`by_id`.

    A compiled checklist is pickled as rows, and a command about one item reads one unit and a
    person or two of a province's 14,200. Unpickling them all as records was half of
    ``load_cached`` (15 of 30 ms of ``advance`` in a profile of its phases, when they were
    dataclasses; as NamedTuples still twice the rows' time); a record is made once, when first
    read, then kept, so it stays the same object. Iterating makes them all.
    """

    __slots__ = ("_kind", "_rows", "_made", "_all_made", "_index")

    def __init__(self, kind: type[R], rows: Sequence[tuple[Any, ...]]):
        self._kind: type[R] = kind
        self._rows = rows
        self._made: list[Optional[R]] = [None] * len(rows)
        self._all_made = not rows
        self._index: Optional[dict[str, int]] = None

    @classmethod
    def of(cls, kind: type[R], records: Iterable[R]) -> Records[R]:
        """Records already made (the loader's, a hand-built checklist's)."""
        made: list[Optional[R]] = list(records)
        new = cls(kind, tuple(map(tuple, made)))  # type: ignore[arg-type]  # a record is a tuple of its fields
        new._made, new._all_made = made, True
        return new

    def __reduce__(self) -> tuple[Any, ...]:
        return (Records, (self._kind, self._rows))

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[R]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[R, Sequence[R]]:
        if isinstance(index, slice):
            return tuple(self)[index]
        made = self._made[index]
        if made is None:
            made = self._made[index] = self._kind(*self._rows[index])
        return made

    def __iter__(self) -> Iterator[R]:
        if not self._all_made:
            kind = self._kind
            self._made = [kind(*row) if made is None else made for made, row in zip(self._made, self._rows)]
            self._all_made = True
        return iter(self._made)  # type: ignore[arg-type]  # every one made

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Records, tuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Records({self._kind.__name__}, {len(self)})"

    def by_id(self) -> Mapping[str, R]:
        """The records by id, each made only when looked up."""
        return _ById(self)

    def ids(self) -> Iterator[str]:
        """Every record's id, in order, without making the records."""
        return map(itemgetter(0), self._rows)

    def _position(self, record_id: str) -> Optional[int]:
        if self._index is None:  # in C: a comprehension over a province's rows took 1.5 ms
            self._index = dict(zip(map(itemgetter(0), self._rows), range(len(self._rows))))
        return self._index.get(record_id)


class _ById(Mapping[str, R]):
    """``unit_by_id`` and ``person_by_id``: a read-only view of a :class:`Records` by id."""

    __slots__ = ("_records",)

    def __init__(self, records: Records[R]):
        self._records: Records[R] = records

    def __getitem__(self, record_id: str) -> R:
        position = self._records._position(record_id) if isinstance(record_id, str) else None
        if position is None:
            raise KeyError(record_id)
        return self._records[position]

    def __contains__(self, record_id: object) -> bool:
        return isinstance(record_id, str) and self._records._position(record_id) is not None

    def __iter__(self) -> Iterator[str]:
        return self._records.ids()

    def __len__(self) -> int:
        return len(self._records)


class State(NamedTuple):
    """A state of a workflow; a final one ends the work on the item."""

    id: str
    label: str
    final: bool = False


class Requirements(NamedTuple):
    """What a step needs before it may be taken: a note, evidence, indicator values."""

    note: bool = False
    evidence: Union[str, tuple[str, ...], None] = None  # "all" or ids
    indicators: Union[str, tuple[str, ...], None] = None  # "met" or ids


class Transition(NamedTuple):
    """A step of a workflow: from which states, to which, who may take it and what it needs."""

    trigger: str
    label: str
    sources: tuple[str, ...]
    dest: Optional[str]  # None: the step keeps the state (批准延期)
    by: tuple[str, ...] = ()
    not_by: tuple[str, ...] = ()
    requires: Requirements = Requirements()
    is_return: bool = False  # ``return: true``: counts as a return (退回次数, escalation)
    sets: tuple[str, ...] = ()  # ``sets: [deadline]``: advance needs --deadline DATE

    def dest_from(self, source: str) -> str:
        return source if self.dest is None else self.dest


@dataclass(frozen=True)
class Workflow:
    """The states an item moves through and the steps between them."""

    id: str
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]

    @cached_property
    def state_by_id(self) -> dict[str, State]:
        return {s.id: s for s in self.states}

    def journal_state(self, state_id: str, item_id: str) -> State:
        """The declared state an item's journal says it is in, or StoreError when the checklist
        was edited since and no longer declares it."""
        state = self.state_by_id.get(state_id)
        if state is None:
            raise StoreError(
                _(
                    "{item}: the journal says state {state!r}, which workflow {workflow!r} no longer "
                    "declares; restore that state in the checklist"
                ).format(item=item_id, state=state_id, workflow=self.id)
            )
        return state

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def step(self, state: str, trigger: str) -> Optional[Transition]:
        """The transition ``trigger`` takes from ``state`` (the first declared), or None."""
        return self._step_by_source.get((state, trigger))

    @cached_property
    def _step_by_source(self) -> dict[tuple[str, str], Transition]:
        """(state, trigger) -> transition: audit asks once per event of the journal, and scanning
        every transition for it cost 0.8 us each time, the lookup 0.13."""
        steps: dict[tuple[str, str], Transition] = {}
        for transition in self.transitions:
            for source in transition.sources:
                steps.setdefault((source, transition.trigger), transition)
        return steps

    def triggers(self) -> list[str]:
        return list(dict.fromkeys(t.trigger for t in self.transitions))

    def step_label(self, trigger: str) -> str:
        """What messages call a journal step: its transition's label, or what a report did."""
        if trigger == "record":
            return _("recorded values")
        if trigger == "attach":
            return _("attached evidence")
        if trigger == "note":
            return _("added a note")
        return next((t.label for t in self.transitions if t.trigger == trigger), trigger)

    def trigger_id(self, text: str) -> str:
        """The trigger ``text`` names: its id or its label (启动整改)."""
        return pick(_("step"), text, [(t.trigger, t.label) for t in self.transitions])

    def state_id(self, text: str) -> str:
        return pick(_("state"), text, [(s.id, s.label) for s in self.states])


class Evidence(NamedTuple):
    """A piece of material (佐证材料) a duty asks for."""

    id: str
    name: str
    copies: Optional[int] = None
    description: Optional[str] = None
    file: bool = False  # counts only when attached with a file
    optional: bool = False  # not part of ``evidence: all``


class Indicator(NamedTuple):
    """A measured value of a duty: its target, aim and the values ``record`` accepts."""

    id: str
    name: str
    unit: str = ""
    target: Optional[Target] = None
    veto: bool = False
    aim: Optional[Target] = None  # 力争: advisory, never blocks
    min: Optional[float] = None  # bounds of the values ``record`` accepts
    max: Optional[float] = None

    def met_by(self, value: Optional[float]) -> bool:
        """Does ``value`` pass the gate? Only a ``target`` gates: an aim alone never blocks,
        recorded or not; with neither, any recorded value passes."""
        if self.target is None and self.aim is not None:
            return True
        if value is None:
            return False
        return self.target is None or self.target.met_by(value)

    def aim_reached(self, value: Optional[float]) -> Optional[bool]:
        """Whether the aim (力争) is reached; None when there is no aim."""
        if self.aim is None:
            return None
        return value is not None and self.aim.met_by(value)

    def accepts(self, value: float) -> bool:
        """Within the bounds ``record`` accepts (min/max; 0-100 for '%' unless told)."""
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class Duty:
    """A rectification duty (整改任务): each of its owner units has one item of it."""

    id: str
    title: str
    owners: tuple[str, ...]
    workflow: str
    deadline: dt.date
    veto: bool = False
    description: Optional[str] = None
    evidence: tuple[Evidence, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    ref: Optional[str] = None  # the clause of the source document, shown as 序号
    support: tuple[str, ...] = ()  # 配合单位: unit ids, no items of their own
    answers: tuple[str, ...] = ()  # finding ids
    carried_from: tuple[str, ...] = ()  # CHECKLIST/ITEM of earlier years

    @cached_property
    def owner_ids(self) -> frozenset[str]:
        """The owners as a set, for lookups: a province's duty has thousands."""
        return frozenset(self.owners)

    @property
    def is_veto(self) -> bool:
        """A duty is a veto duty (一票否决) itself or through one of its indicators."""
        return self.veto or any(i.veto for i in self.indicators)

    def evidence_by_id(self, evidence_id: str) -> Optional[Evidence]:
        return next((e for e in self.evidence if e.id == evidence_id), None)

    def indicator_by_id(self, indicator_id: str) -> Optional[Indicator]:
        return next((i for i in self.indicators if i.id == indicator_id), None)

    def evidence_named(self, text: str) -> Evidence:
        """The evidence ``text`` names (id or name), or Refused with the nearest."""
        found = self.evidence_by_id(pick(_("evidence"), text, [(e.id, e.name) for e in self.evidence]))
        assert found is not None
        return found

    def indicator_named(self, text: str) -> Indicator:
        found = self.indicator_by_id(pick(_("indicator"), text, [(i.id, i.name) for i in self.indicators]))
        assert found is not None
        return found


class Item(NamedTuple):
    """One duty of one unit: the thing that moves through a workflow."""

    unit: Unit
    duty: Duty

    @property
    def id(self) -> str:
        return item_id(self.unit.id, self.duty.id)

    @property
    def deadline(self) -> dt.date:
        return self.duty.deadline

    @property
    def veto(self) -> bool:
        return self.duty.is_veto


class Inspection(NamedTuple):
    """An inspection round (督查轮次): its dates, the units in scope, its sample."""

    id: str
    name: str
    start: dt.date
    end: dt.date
    scope: tuple[str, ...]  # unit ids
    sample: Optional[float] = None
    targets: tuple[str, ...] = ()  # unit ids inside the scope (重点抽查); empty: the whole scope
    final: bool = False  # the follow-up inspection readiness judges by default


class Finding(NamedTuple):
    """A problem of the feedback document (整改责任表) that duties answer."""

    id: str
    text: str


class EscalationLevel(NamedTuple):
    """One rung of the escalation ladder: reached when any of its conditions holds."""

    level: str
    label: str
    returns: Optional[int] = None
    overdue_days: Optional[int] = None
    action: Optional[str] = None  # e.g. 约谈


class NoticeRule(NamedTuple):
    """How 督办单 are issued: by whom, and the number pattern with {year} and {n}."""

    issuer: str
    number: str


class Calendar(NamedTuple):
    """Which days are working days, when deadlines count working days."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    source: Optional[str] = None  # "china": the chinese-calendar package, lists above win

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


@dataclass(frozen=True)
class Checklist:
    """A loaded checklist: everything its YAML declares, checked and frozen."""

    id: str
    title: str
    deadline: dt.date
    units: Sequence[Unit]  # Records: each unit made when first read (see Records)
    groups: tuple[Group, ...]
    people: Sequence[Person]  # Records too
    workflows: tuple[Workflow, ...]
    duties: tuple[Duty, ...]
    inspections: tuple[Inspection, ...] = ()
    source: Optional[str] = None
    issued: Optional[dt.date] = None
    previous: Optional[str] = None
    next: Optional[str] = None
    description: Optional[str] = None
    warning_days: int = 3
    calendar: Optional[Calendar] = None
    findings: tuple[Finding, ...] = ()
    escalation: tuple[EscalationLevel, ...] = ()  # lowest level first
    notices: Optional[NoticeRule] = None
    role_labels: dict[str, str] = field(default_factory=dict)  # role id -> label (督学)
    permissions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # action -> roles
    path: str = ""
    sha256: str = ""
    warnings: tuple[Problem, ...] = ()  # located warnings of the file (validate shows them)
    file_bytes: bytes = b""  # the YAML as read: the journal keeps each version by its sha256

    def __post_init__(self) -> None:
        for name, kind in (("units", Unit), ("people", Person)):
            if not isinstance(getattr(self, name), Records):
                object.__setattr__(self, name, Records.of(kind, getattr(self, name)))

    @cached_property
    def unit_by_id(self) -> Mapping[str, Unit]:
        assert isinstance(self.units, Records)  # made so by __post_init__
        return self.units.by_id()

    @cached_property
    def person_by_id(self) -> Mapping[str, Person]:
        assert isinstance(self.people, Records)
        return self.people.by_id()

    @cached_property
    def workflow_by_id(self) -> dict[str, Workflow]:
        return {w.id: w for w in self.workflows}

    @cached_property
    def duty_by_id(self) -> dict[str, Duty]:
        return {d.id: d for d in self.duties}

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """Every item, unit order first (the order of the 整改责任表 rows)."""
        return tuple(Item(u, d) for u, d, _id in self.assignments())

    @cached_property
    def item_ids(self) -> frozenset[str]:
        """Every item's id (``UNIT/DUTY``): which items of a journal the checklist declares."""
        return frozenset(map(itemgetter(2), self.assignments()))

    def items_of(self, unit: Optional[str] = None, duty: Optional[str] = None) -> Iterator[Item]:
        """The items of one unit and/or one duty (all with neither), in the order of :attr:`items`."""
        if unit is None and duty is None:
            return iter(self.items)
        return (Item(u, d) for u, d, _id in self.assignments(unit, duty))

    def assignments(self, unit: Optional[str] = None, duty: Optional[str] = None) -> Sequence[tuple[Unit, Duty, str]]:
        """The (unit, duty, item id) of each item (or those of one unit and/or duty), each unit in
        declared order, its duties in theirs. Listings that need only ids and states iterate these
        rather than build an Item per row (a province has 100,000)."""
        if unit is None and duty is None:
            return self._assignments
        return [a for a in self._assignments if (unit is None or a[0].id == unit) and (duty is None or a[1].id == duty)]

    @cached_property
    def _assignments(self) -> tuple[tuple[Unit, Duty, str], ...]:
        """The one place where owners become items."""
        duties_of: dict[str, list[Duty]] = {}
        for d in self.duties:
            for owner in d.owners:
                duties_of.setdefault(owner, []).append(d)
        return tuple((u, d, item_id(u.id, d.id)) for u in self.units for d in duties_of.get(u.id, ()))

    def item(self, item_id: str) -> Optional[Item]:
        """The item ``UNIT/DUTY`` or None, without expanding every item."""
        unit_id, _, duty_id = item_id.partition("/")
        unit = self.unit_by_id.get(unit_id)
        duty = self.duty_by_id.get(duty_id)
        if unit is None or duty is None or unit_id not in duty.owner_ids:
            return None
        return Item(unit, duty)

    def workflow_of(self, item: Item) -> Workflow:
        return self.workflow_by_id[item.duty.workflow]

    def role_label(self, role: str) -> str:
        """What messages call a role: its label from ``roles:`` (督学), else its id."""
        return self.role_labels.get(role, role)

    # Names: each takes what a user typed (an id or the Chinese name) and returns the id, or
    # raises Refused: ambiguous names list their ids, unknown ones the nearest candidates.
    # An exact id is answered from the id index, without listing every name (a province has
    # 7,000 units and people, and an import or the benchmark fill resolves them once per step).

    def unit_id(self, text: str) -> str:
        if text in self.unit_by_id:
            return text
        return pick(_("unit"), text, [(u.id, u.name) for u in self.units])

    def person_id(self, text: str) -> str:
        if text in self.person_by_id:
            return text
        return pick(_("person"), text, [(p.id, p.name) for p in self.people])

    def duty_id(self, text: str) -> str:
        if text in self.duty_by_id:
            return text
        return pick(_("duty"), text, [(d.id, d.title) for d in self.duties])

    def state_id(self, text: str) -> str:
        """A state of any workflow, by id or label."""
        return pick(_("state"), text, [(s.id, s.label) for w in self.workflows for s in w.states])

    def level_id(self, text: str) -> str:
        """An escalation level by id (yellow) or label (黄色督办)."""
        return pick(_("escalation level"), text, [(e.level, e.label) for e in self.escalation])

    def finding_id(self, text: str) -> str:
        return pick(_("finding"), text, [(f.id, f.text) for f in self.findings])

    def inspection_id(self, text: str) -> str:
        return pick(_("round"), text, [(i.id, i.name) for i in self.inspections])

    def item_named(self, text: str) -> Item:
        """The item ``UNIT/DUTY``, each part an id or a name (东山镇人民政府/抓控辍保学)."""
        found = self.item(text)
        if found is not None:
            return found
        unit_text, slash, duty_text = text.partition("/")
        if not slash:
            near = _nearest(text, [(i.id, f"{i.unit.name}/{i.duty.title}") for i in self.items])
            raise Refused(
                [
                    _("unknown item {item!r}: an item is UNIT/DUTY, e.g. {example}").format(
                        item=text,
                        example=", ".join(near) if near else (self.items[0].id if self.items else "unit/duty"),
                    )
                ]
            )
        unit = self.unit_by_id[self.unit_id(unit_text)]
        duty = self.duty_by_id[self.duty_id(duty_text)]
        if unit.id not in duty.owners:
            theirs = [d.id for d in self.duties if unit.id in d.owners]
            raise Refused(
                [
                    _("{unit} has no item of duty {duty}; its duties: {known}").format(
                        unit=unit.name, duty=duty.title, known=", ".join(theirs) or _("none")
                    )
                ]
            )
        return Item(unit, duty)


# -- names: a user may type an id or the Chinese name (label) of anything ----------------------

NEAREST = 5  # candidates a refusal offers


def _nearest(text: str, choices: list[tuple[str, str]]) -> list[str]:
    """The choices most like ``text`` (containing it, then by difflib), shown as ``id (name)``."""
    import difflib  # only when a name is wrong

    shown = {key: f"{key} ({name})" if name and name != key else key for key, name in choices}
    words: dict[str, str] = {}
    for key, name in choices:
        words.setdefault(key, key)
        if name:
            words.setdefault(name, key)
    folded = text.casefold()
    hits = [key for key, name in choices if folded and (folded in key.casefold() or folded in name.casefold())]
    hits += [words[w] for w in difflib.get_close_matches(text, list(words), n=NEAREST, cutoff=0.6)]
    return [shown[key] for key in dict.fromkeys(hits)][:NEAREST]


def pick(kind: str, text: str, choices: list[tuple[str, str]]) -> str:
    """The id that ``text`` names among ``(id, name)`` pairs: an exact id first, then an exact name.

    ``kind`` is the translated noun (单位, 人员, ...). A name two ids share is refused listing
    them; an unknown one is refused with the nearest candidates.
    """
    if any(key == text for key, _name in choices):
        return text
    named = list(dict.fromkeys(key for key, name in choices if name == text))
    if len(named) == 1:
        return named[0]
    if named:
        raise Refused(
            [
                _("{kind} {text!r} is ambiguous: it is the name of {candidates}; give the id").format(
                    kind=kind, text=text, candidates=", ".join(named)
                )
            ]
        )
    near = _nearest(text, choices)
    if near:
        raise Refused(
            [
                _("unknown {kind} {text!r}; did you mean: {candidates}").format(
                    kind=kind, text=text, candidates=", ".join(near)
                )
            ]
        )
    known = [f"{key} ({name})" if name and name != key else key for key, name in choices[: NEAREST * 2]]
    raise Refused(
        [_("unknown {kind} {text!r}; known: {known}").format(kind=kind, text=text, known=", ".join(known) or _("none"))]
    )
