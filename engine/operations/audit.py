"""Audit a journal (DESIGN § The journal), reading one consistent snapshot:

- the hash chain (every changed, inserted, removed or reordered event) and ``--anchor``;
- the append-only triggers are present;
- ``recorded_at`` never runs backwards;
- every event is lawful under the checklist version it was taken under (kept in the journal by
  sha256): a declared item, person and step, from the state the replay says, to the declared
  state, by someone allowed, with every requirement met; events of a version the journal does
  not keep are counted as not judged (a warning);
- every column of the ``current`` table equals a replay of the events.

Memory is bounded by the number of items: one small record per item, never the event list.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from engine.checklist.cache import load_bytes_cached
from engine.errors import ChecklistError, Refused, StoreError
from engine.i18n import _
from engine.journal.chain import CorruptEvent, Event
from engine.journal.store import Reader, Store
from engine.journal.verify import Anchor, AuditReport, missing_guards, parse_anchor, verify_chain
from engine.model import Checklist, Item
from engine.operations.inspections import draw_problems
from engine.operations.items import REPORTING_TRIGGERS, may_report
from engine.operations.notices import numbering_problems
from engine.workflow.rules import Attempt, unmet


@dataclass(slots=True)
class Replayed:
    """One item as its events so far make it: the current row, and the facts its rules read
    (an ItemFacts, read in place before the item's next event changes it).
    Slots: a province journal keeps ~100,000 of them, each touched by about ten events."""

    state: str
    seq: int = 0
    trigger: str = ""
    recorded_at: str = ""
    returns: int = 0
    values: dict[str, float] = field(default_factory=dict)
    evidence: set[str] = field(default_factory=set)  # ids only: keeping each attachment's data cost ~1 s and ~95 MB
    files: set[str] = field(default_factory=set)
    participants: set[str] = field(default_factory=set)
    deadline: Optional[str] = None
    note: str = ""  # the last non-empty one
    declared: bool = True  # by the checklist in use
    # The item as the checklist version of its last judged event declares it, kept here rather
    # than in a dict beside: one lookup fewer per event in a table of ~100,000 items.
    version: str = ""
    item: Optional[Item] = None

    def row(self) -> tuple[str, int, str, str, int, str, Optional[str]]:
        return (self.state, self.seq, self.trigger, self.recorded_at, self.returns, self.note, self.deadline)


class Auditor:
    """Visits each event of the chain once, in order."""

    def __init__(self, reader: Reader, checklist: Optional[Checklist], report: AuditReport, judge_rules: bool = True):
        self.reader, self.checklist, self.report = reader, checklist, report
        self.judge_rules = judge_rules
        self.items: dict[str, Replayed] = {}
        self.journal_wide: list[Event] = []  # draws, notices, imports: few; checked at the end
        self.versions: dict[str, Optional[Checklist]] = (
            {checklist.sha256: checklist} if judge_rules and checklist is not None else {}
        )
        self.not_judged: Counter[str] = Counter()
        self.undeclared: Counter[str] = Counter()  # items the checklist in use no longer declares
        self.last_time = ""

    def visit(self, event: Event) -> None:
        if event.recorded_at < self.last_time:
            self.report.fail(
                event.seq,
                _("position {seq}: time runs backwards ({time} is before {previous})").format(
                    seq=event.seq, time=event.recorded_at, previous=self.last_time
                ),
            )
        else:
            self.last_time = event.recorded_at
        if event.item.startswith("@") or not event.to_state:  # journal-wide: no current row
            self.journal_wide.append(event)
            return
        replayed = self.items.get(event.item)
        if replayed is None:
            declared = self.checklist is None or event.item in self.checklist.item_ids
            replayed = self.items[event.item] = Replayed(event.from_state, declared=declared)
        if not replayed.declared:
            self.undeclared[event.item] += 1
        if self.judge_rules:
            self._judge(event, replayed)
        data = event.data
        if "values" in data:  # as workflow.facts.facts_of replays
            replayed.values.update(data["values"])
        if "evidence" in data:
            replayed.evidence.add(data["evidence"])
            if "sha256" in data:
                replayed.files.add(data["evidence"])
        replayed.participants.add(event.actor)
        if data.get("returned"):
            replayed.returns += 1
        if data.get("deadline") is not None:  # as the store keeps it: a deadline replaces, null does not
            replayed.deadline = data["deadline"]
        replayed.state, replayed.seq, replayed.trigger = event.to_state, event.seq, event.trigger
        replayed.recorded_at = event.recorded_at
        replayed.note = event.note or replayed.note

    def _version(self, sha256: str) -> Optional[Checklist]:
        if sha256 not in self.versions:
            data = self.reader.checklist_source(sha256)
            checklist = None
            if data is not None and hashlib.sha256(data).hexdigest() != sha256:
                self.report.fail(
                    None, _("checklist version {sha}: the stored bytes were changed").format(sha=sha256[:12])
                )
            elif data is not None:
                try:
                    checklist = load_bytes_cached(f"<journal:{sha256[:12]}>", data)
                except ChecklistError:
                    checklist = None  # a version this rectify cannot read: not judged
            self.versions[sha256] = checklist
        return self.versions[sha256]

    def _judge(self, event: Event, replayed: Replayed) -> None:
        sha256 = event.checklist_sha256
        checklist = self.versions[sha256] if sha256 in self.versions else self._version(sha256)
        if checklist is None:
            self.not_judged[event.checklist_sha256] += 1
            return
        reasons = self._unlawful(checklist, event, replayed)
        if reasons:
            self.report.fail(
                event.seq,
                _(
                    "position {seq}: {item} {trigger} by {actor} would have been refused "
                    "under its checklist version: {reasons}"
                ).format(
                    seq=event.seq, item=event.item, trigger=event.trigger, actor=event.actor, reasons="; ".join(reasons)
                ),
            )

    def _unlawful(self, checklist: Checklist, event: Event, replayed: Replayed) -> list[str]:
        if replayed.version != checklist.sha256:  # once per item and version (each item has ~10 events)
            replayed.version, replayed.item = checklist.sha256, checklist.item(event.item)
        item = replayed.item
        if item is None:
            return [_("the item is not declared")]
        actor = checklist.person_by_id.get(event.actor)
        if actor is None:
            return [_("{person!r} is not a declared person").format(person=event.actor)]
        workflow = checklist.workflow_of(item)
        state = replayed.state if replayed.seq else workflow.initial
        if event.from_state != state:
            return [
                _("it starts from {claimed!r}, but the item was in {state!r}").format(
                    claimed=event.from_state, state=state
                )
            ]
        facts = replayed
        if event.trigger in REPORTING_TRIGGERS:
            reasons = [] if event.to_state == state else [_("a report cannot change the state")]
            try:
                may_report(checklist, item, actor, facts, event.trigger)
            except Refused as refused:
                reasons += refused.reasons
            return reasons
        transition = workflow.step(state, event.trigger)
        if transition is None:
            return [
                _("no step {trigger!r} is declared from state {state!r}").format(trigger=event.trigger, state=state)
            ]
        reasons = unmet(Attempt(item, transition, actor, event.note, facts, checklist.role_labels))
        if transition.dest_from(state) != event.to_state:
            reasons.append(
                _("it goes to {claimed!r}, the step goes to {dest!r}").format(
                    claimed=event.to_state, dest=transition.dest_from(state)
                )
            )
        elif bool(event.data.get("returned")) != transition.is_return:
            reasons.append(_("it is wrongly counted as a return, or not counted"))
        return reasons

    def compare_current(self) -> None:
        current = {
            item: (c.state, c.seq, c.trigger, c.recorded_at, c.returns, c.note, c.deadline)
            for item, c in self.reader.current().items()
        }
        differing = [item for item, replayed in self.items.items() if current.get(item) != replayed.row()]
        differing += [item for item in current if item not in self.items]
        for item in sorted(differing):  # only those: sorting 92,700 ids took 0.11 s
            replayed = self.items[item].row() if item in self.items else None
            seq = (replayed or current.get(item) or ("", 0))[1]
            self.report.fail(
                seq,
                _("item {item}: the current-state table says {table}, the journal says {journal}").format(
                    item=item, table=current.get(item), journal=replayed
                ),
            )

    def warn(self) -> None:
        for sha256, count in sorted(self.not_judged.items()):
            self.report.warnings.append(
                _(
                    "warning: {count} events taken under checklist version {sha} were not judged: the journal "
                    "does not keep that version (a journal older than that rule)"
                ).format(count=count, sha=sha256[:12])
            )
        if self.undeclared:
            listed = ", ".join(f"{item} ({n})" for item, n in sorted(self.undeclared.items()))
            self.report.warnings.append(
                _("warning: {count} events belong to items the checklist no longer declares: {items}").format(
                    count=sum(self.undeclared.values()), items=listed
                )
            )


def audit(
    store: Store, checklist: Optional[Checklist] = None, anchor: Optional[str] = None, judge_rules: bool = True
) -> AuditReport:
    """Audit the journal in one snapshot; ``judge_rules=False`` checks chain, time, guards, the
    current table, draws and notice numbers only (bench/ measures the rule replay apart). Without
    ``checklist`` steps are judged by the versions the journal keeps."""
    published: Optional[Anchor] = parse_anchor(anchor) if anchor is not None else None
    report = AuditReport()
    with store.snapshot() as reader:
        auditor = Auditor(reader, checklist, report, judge_rules)
        try:
            missing = missing_guards(reader.append_only_guards())
            if missing:
                report.fail(
                    None,
                    _(
                        "the append-only triggers are missing: {names}; events could have been changed or deleted"
                    ).format(names=", ".join(missing)),
                )
            verify_chain(reader.events(), published, auditor.visit, report)
            if not report.chain_broken:
                auditor.compare_current()
                journal_wide = auditor.journal_wide
                for seq, problem in sorted(draw_problems(journal_wide) + numbering_problems(journal_wide)):
                    report.fail(seq, problem)
        except CorruptEvent as e:
            report.fail(e.seq, str(e))
        except StoreError as e:
            report.fail(None, str(e))
    auditor.warn()
    return report
