"""Random sequences of advance/record/attach by random people, checked after every step.

Each step goes through the engine (engine.operations.items on a SQLiteStore) and is compared with an
independent oracle written here from DESIGN.md; after every step the journal must replay to the
current-state table, every event must follow a declared transition, nobody may ever have closed
their own unit's item, and a refused call must have recorded nothing.
"""

from __future__ import annotations

import operator
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from checklist_cases import FROZEN
from helpers import ops
from hypothesis import event as note_event
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from engine import i18n
from engine.checklist.load import load_checklist
from engine.errors import Refused
from engine.journal.sqlite import SQLiteStore
from engine.operations.audit import audit
from engine.workflow.facts import facts_of

CHECKLIST = load_checklist(FROZEN)
ITEMS = [
    "dongshan/kongchuo-baoxue",  # township, veto, 4 evidence, 3 indicators (one without a target)
    "dudao/dudao-jiancha",  # the office's own duty: only a supervisor outside dudao may verify
    "dongshan/zuzhi-ruxue",  # indicators without targets
    "xihe/canji-pucha",
]  # another township's veto item
KEY_PEOPLE = ["lihua", "huanglei", "wangming", "chenjing", "liuyang", "zhaoguoqiang", "zhangwei", "sunli"]
PEOPLE = st.sampled_from(KEY_PEOPLE) | st.sampled_from([p.id for p in CHECKLIST.people])
TRIGGERS = st.sampled_from(CHECKLIST.workflow_by_id["default"].triggers() + ["bogus"])
NOTES = st.sampled_from(["", "   ", "ok", "材料齐全，同意销号"])
VALUES = st.sampled_from(["0", "50", "99.9", "100", "100%", "101", "-1", "abc", "nan", ""])
SUPERVISORS = ["wangming", "chenjing", "liuyang", "zhaoguoqiang"]
OWNER_OF = {"dongshan": "lihua", "xihe": "huanglei", "dudao": "chenjing"}
OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}


@dataclass
class Known:
    """What the oracle believes of one item."""

    state: str
    values: dict[str, float] = field(default_factory=dict)
    evidence: set[str] = field(default_factory=set)
    participants: set[str] = field(default_factory=set)


def number(text: str) -> float | None:
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def accepted(duty, indicator: str | None, value: float | None) -> bool:
    """DESIGN: min/max bound what record accepts; a '%' indicator accepts 0-100 unless told otherwise."""
    found = next((i for i in duty.indicators if i.id == indicator), None)
    if found is None or value is None:
        return False
    low = found.min if found.min is not None else (0 if found.unit == "%" else None)
    high = found.max if found.max is not None else (100 if found.unit == "%" else None)
    return (low is None or value >= low) and (high is None or value <= high)


def indicator_id(duty, name: str) -> str | None:
    return next((i.id for i in duty.indicators if name in (i.id, i.name)), None)


class JournalMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        i18n.set_language("en")
        self.dir = tempfile.mkdtemp(prefix="rectify-stateful-")
        path = str(Path(self.dir) / "journal.db")
        SQLiteStore.init(path, CHECKLIST.id)[0].close()  # `rectify init`
        self.store = SQLiteStore(path, CHECKLIST.id, checklist_source=CHECKLIST.file_bytes)
        self.known = {item: Known(CHECKLIST.workflow_of(CHECKLIST.item(item)).initial) for item in ITEMS}

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- the oracle -----------------------------------------------------------------------------

    def may_report(self, item_id: str, actor_id: str) -> bool:
        item, actor = CHECKLIST.item(item_id), CHECKLIST.person_by_id[actor_id]
        final = CHECKLIST.workflow_of(item).state_by_id[self.known[item_id].state].final
        return (actor.unit == item.unit.id or "supervisor" in actor.roles) and not final

    def may_advance(self, item_id: str, actor_id: str, trigger: str, note: str) -> bool:
        item, actor, known = CHECKLIST.item(item_id), CHECKLIST.person_by_id[actor_id], self.known[item_id]
        step = next(
            (t for t in CHECKLIST.workflow_of(item).transitions if t.trigger == trigger and known.state in t.sources),
            None,
        )
        if step is None:
            return False
        holds = set(actor.roles)
        if actor.unit == item.unit.id:
            holds.add("owner")
        if actor_id in known.participants:
            holds.add("participant")
        wants = step.requires
        evidence = [e.id for e in item.duty.evidence] if wants.evidence == "all" else list(wants.evidence or ())
        indicators = (
            item.duty.indicators
            if wants.indicators == "met"
            else [i for i in item.duty.indicators if i.id in (wants.indicators or ())]
        )
        return (
            (not step.by or bool(holds & set(step.by)))
            and not holds & set(step.not_by)
            and (not wants.note or bool(note.strip()))
            and all(e in known.evidence for e in evidence)
            and all(
                i.id in known.values and (i.target is None or OPS[i.target.op](known.values[i.id], i.target.value))
                for i in indicators
            )
        )

    # --- one step through the engine ------------------------------------------------------------

    def attempt(self, expected: bool, call) -> object | None:
        before = (self.store.head(), self.store.current())
        try:
            event = call()
        except Refused as refused:
            assert refused.reasons, "a refusal must say why"
            if any("separation of duties" in reason for reason in refused.reasons):
                note_event("refused: separation of duties")
            assert (self.store.head(), self.store.current()) == before, "a refused call recorded something"
            assert not expected, f"refused, though the rules allow it: {refused.reasons}"
            return None
        assert expected, f"allowed, though the rules forbid it: {event}"
        assert event.seq == before[0][0] + 1 and self.store.head() == (event.seq, event.hash)
        return event

    @rule(item=st.sampled_from(ITEMS), actor=PEOPLE, trigger=TRIGGERS, note=NOTES)
    def advance(self, item, actor, trigger, note):
        expected = self.may_advance(item, actor, trigger, note)
        event = self.attempt(expected, lambda: ops.advance(CHECKLIST, self.store, actor, item, trigger, note))
        if event is not None:
            note_event(f"{trigger} taken")
            self.known[item].state = event.to_state
            self.known[item].participants.add(actor)

    @rule(item=st.sampled_from(ITEMS), actor=PEOPLE, data=st.data())
    def record(self, item, actor, data):
        duty = CHECKLIST.item(item).duty
        names = st.sampled_from([i.id for i in duty.indicators] + [i.name for i in duty.indicators] + ["bogus"])
        pairs = data.draw(st.lists(st.tuples(names, VALUES), max_size=3))
        parsed = [(indicator_id(duty, name), number(value)) for name, value in pairs]
        named = [indicator for indicator, _value in parsed]
        expected = (
            bool(pairs)
            and all(accepted(duty, *pair) for pair in parsed)
            and len(set(named)) == len(named)  # the same indicator twice is refused, not guessed
            and self.may_report(item, actor)
        )
        assignments = [f"{name}={value}" for name, value in pairs]
        event = self.attempt(expected, lambda: ops.record(CHECKLIST, self.store, actor, item, assignments))
        if event is not None:
            self.known[item].values.update(parsed)
            self.known[item].participants.add(actor)

    @rule(item=st.sampled_from(ITEMS), actor=PEOPLE, data=st.data())
    def attach(self, item, actor, data):
        duty = CHECKLIST.item(item).duty
        evidence = data.draw(st.sampled_from([e.id for e in duty.evidence] + ["bogus"]))
        expected = evidence != "bogus" and self.may_report(item, actor)
        event = self.attempt(expected, lambda: ops.attach(CHECKLIST, self.store, actor, item, evidence))
        if event is not None:
            self.known[item].evidence.add(evidence)
            self.known[item].participants.add(actor)

    @rule(
        item=st.sampled_from(ITEMS),
        supervisor=st.sampled_from(SUPERVISORS),
        trigger=st.sampled_from(["verify", "return", "reopen"]),
        note=NOTES,
    )
    def supervisor_acts(self, item, supervisor, trigger, note):
        """Closing, returning, reopening are rare among random steps; try them often."""
        self.advance(item, supervisor, trigger, note)

    @rule(item=st.sampled_from(ITEMS))
    def diligent_owner(self, item):
        """The owner's reporter starts, hands in every material and every value at target."""
        duty, owner = CHECKLIST.item(item).duty, OWNER_OF[item.split("/")[0]]
        self.advance(item, owner, "start", "")
        for evidence in duty.evidence:
            self.attach(item, owner, _Fixed(evidence.id))
        if duty.indicators:
            self.record(item, owner, _Fixed([(i.id, "100") for i in duty.indicators]))

    @rule(item=st.sampled_from(ITEMS), supervisor=st.sampled_from(SUPERVISORS), note=NOTES)
    def owner_reports_then_supervisor_verifies(self, item, supervisor, note):
        self.diligent_owner(item)
        self.advance(item, supervisor, "verify", note)

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def replay_equals_current(self):
        current = self.store.current()
        for item_id in ITEMS:
            events = self.store.item_events(item_id)
            facts = facts_of(events, CHECKLIST.workflow_of(CHECKLIST.item(item_id)))
            assert facts.state == self.known[item_id].state
            if events:
                row = current[item_id]
                assert (row.state, row.seq, row.trigger, row.returns) == (
                    facts.state,
                    events[-1].seq,
                    events[-1].trigger,
                    facts.returns,
                )
            else:
                assert item_id not in current
        assert set(current) <= set(ITEMS)

    @invariant()
    def every_event_follows_the_workflow(self):
        state = {item: CHECKLIST.workflow_of(CHECKLIST.item(item)).initial for item in ITEMS}
        for position, event in enumerate(self.store.events(), start=1):
            assert event.seq == position
            item = CHECKLIST.item(event.item)
            workflow = CHECKLIST.workflow_of(item)
            assert event.from_state == state[event.item]
            if event.trigger in (ops.RECORD, ops.ATTACH):
                assert event.to_state == event.from_state
                assert not workflow.state_by_id[event.from_state].final
            else:
                assert any(
                    t.trigger == event.trigger and event.from_state in t.sources and t.dest == event.to_state
                    for t in workflow.transitions
                ), event
            state[event.item] = event.to_state

    @invariant()
    def nobody_closes_their_own_units_item(self):
        for event in self.store.events():
            item = CHECKLIST.item(event.item)
            actor = CHECKLIST.person_by_id[event.actor]
            step = next((t for t in CHECKLIST.workflow_of(item).transitions if t.trigger == event.trigger), None)
            if step is not None and "owner" in step.not_by:
                assert actor.unit != item.unit.id, (
                    f"{event.actor} took {event.trigger} on their own unit's {event.item}"
                )
            if step is not None and step.by:
                assert actor.unit == item.unit.id and "owner" in step.by or set(actor.roles) & set(step.by)

    @invariant()
    def the_chain_is_intact(self):
        assert audit(self.store, CHECKLIST).ok


class _Fixed:
    """Stands in for ``st.data()`` when a rule is called from another rule with chosen values."""

    def __init__(self, value):
        self.value = value

    def draw(self, _strategy):
        return self.value


JournalMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=30, deadline=None, database=None)
test_journal_state_machine = JournalMachine.TestCase
