"""Would the checklist pass the follow-up inspection on a given day?

Ready means: every veto item (一票否决) is in a final state with its veto
indicators meeting their targets, no veto indicator lacks a target (nothing
could judge it), and no item is overdue on that day. Items in continuing
rectification (持续整改) under a filed plan are listed apart: they block only
if they are veto items. Aims (力争) not reached are listed too, and never block.

Each row is one finding about one item: ``kind`` says which (``failure``,
``planned``, ``no_target``, ``aim``) and ``blocks`` whether it stands in the way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

from engine.i18n import _
from engine.journal.store import Reader
from engine.model import Checklist, Duty, Indicator, Inspection, Item, Requirements, State, Transition, Workflow
from engine.reports.rows import ItemState, aim_words, aims_unmet, item_states
from engine.workflow.facts import facts_of
from engine.workflow.rounds import draw_in_force, round_item_id, round_units
from engine.workflow.rules import Attempt, Facts, check_evidence, check_indicators, format_number

FAILURE, PLANNED, NO_TARGET, AIM = "failure", "planned", "no_target", "aim"
KINDS = (FAILURE, PLANNED, NO_TARGET, AIM)


@dataclass
class Readiness:
    """Whether the checklist is ready for an inspection on a day: one row per thing judged."""

    on: dt.date
    round: Optional[Inspection] = None  # ``--for ROUND``: only that round's items were judged
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not any(row["blocks"] for row in self.rows)

    def count(self, kind: str) -> int:
        return sum(1 for row in self.rows if row["kind"] == kind)

    @property
    def blocking_items(self) -> list[str]:
        return list(dict.fromkeys(row["item"] for row in self.rows if row["blocks"]))


def kind_label(kind: str) -> str:
    labels = {
        FAILURE: _("failure"),
        PLANNED: _("continuing under a plan"),
        NO_TARGET: _("no target"),
        AIM: _("aim not reached"),
    }
    return labels[kind]


# -- which day, which items ------------------------------------------------------


def default_day(checklist: Checklist, today: dt.date) -> dt.date:
    """The first day of the ``final`` inspection (the follow-up readiness is for), else today."""
    final = [r for r in checklist.inspections if r.final]
    return min(r.start for r in final) if final else today


# -- judging one item --------------------------------------------------------------


def _row(
    entry: ItemState, kind: str, reason: str, blocks: bool, indicator: Optional[Indicator] = None
) -> dict[str, Any]:
    return {
        "item": entry.id,
        "unit_name": entry.unit.name,
        "title": entry.duty.title,
        "state_label": entry.state.label,
        "indicator": indicator.id if indicator else None,
        "reason": reason,
        "kind": kind,
        "blocks": blocks,
        "indicator_name": indicator.name if indicator else None,
        "kind_label": kind_label(kind),
    }


def _final_steps(workflow: Workflow) -> Iterator[Transition]:
    for transition in workflow.transitions:
        if transition.dest is not None and workflow.state_by_id[transition.dest].final:
            yield transition


def _lacks_for_final(item: Item, workflow: Workflow, facts: Facts) -> list[tuple[Optional[Indicator], str]]:
    """Evidence and indicators still missing for the step(s) that end the item's workflow, each
    with the indicator it is about (None for evidence)."""
    lacks: dict[str, Optional[Indicator]] = {}
    for step in _final_steps(workflow):
        attempt = Attempt(item, step, None, "", facts)
        for reason in check_evidence(attempt):
            lacks.setdefault(reason, None)
        for indicator in _indicators_required(step, item.duty):
            alone = step._replace(requires=Requirements(indicators=(indicator.id,)))
            for reason in check_indicators(attempt._replace(transition=alone)):
                lacks.setdefault(reason, indicator)
    return [(indicator, reason) for reason, indicator in lacks.items()]


def _indicators_required(step: Transition, duty: Duty) -> list[Indicator]:
    wanted = step.requires.indicators
    if wanted is None:
        return []
    # an aim without a target never blocks, recorded or not (DESIGN): it is listed as an aim instead
    return [
        i
        for i in duty.indicators
        if (wanted == "met" or i.id in wanted) and not (i.target is None and i.aim is not None)
    ]


def _plan_states(workflow: Workflow) -> set[str]:
    """States entered by a step that names its evidence (a plan): their items need their facts."""
    return {t.dest for t in workflow.transitions if t.dest is not None and isinstance(t.requires.evidence, tuple)}


def _plan_filed(item: Item, workflow: Workflow, state: State, facts: Facts) -> list[str]:
    """The names of the plan evidence filed for the item's state, if it is one entered on a plan
    (持续整改: a step into it names optional evidence, and that evidence is on file); else []."""
    plan_ids: list[str] = []
    for step in workflow.transitions:
        if step.dest == state.id and isinstance(step.requires.evidence, tuple):
            plan_ids += [
                e for e in step.requires.evidence if (ev := item.duty.evidence_by_id(e)) is not None and ev.optional
            ]
    if not plan_ids or not all(e in facts.evidence for e in plan_ids):
        return []
    return [item.duty.evidence_by_id(e).name for e in dict.fromkeys(plan_ids)]  # type: ignore[union-attr]


def _veto_indicator_rows(entry: ItemState, facts: Facts) -> list[dict[str, Any]]:
    rows = []
    for indicator in entry.duty.indicators:
        if not indicator.veto:
            continue
        value = facts.values.get(indicator.id)
        shown = _("no value") if value is None else format_number(value) + indicator.unit
        if indicator.target is None:
            rows.append(
                _row(
                    entry,
                    NO_TARGET,
                    _(
                        "veto indicator {name} ({value}) has no target: nothing can judge it (declare the "
                        "threshold the province sets)"
                    ).format(name=indicator.name, value=shown),
                    True,
                    indicator,
                )
            )
        elif entry.state.final and not indicator.met_by(value):
            rows.append(
                _row(
                    entry,
                    FAILURE,
                    _("veto indicator {name}: {value}, target {target}").format(
                        name=indicator.name, value=shown, target=indicator.target
                    ),
                    True,
                    indicator,
                )
            )
    return rows


def judge_item(checklist: Checklist, store: Reader, entry: ItemState) -> list[dict[str, Any]]:
    item, state = Item(entry.unit, entry.duty), entry.state
    workflow = checklist.workflow_of(item)
    needs_facts = (
        item.veto or entry.overdue or any(i.aim for i in item.duty.indicators) or state.id in _plan_states(workflow)
    )
    facts = facts_of(store.item_events(item.id), workflow) if needs_facts else Facts(state.id)
    rows: list[dict[str, Any]] = []
    plan = [] if state.final else _plan_filed(item, workflow, state, facts)
    if plan:
        reason = _("continuing rectification ({state}) under a filed plan: {plan}").format(
            state=state.label, plan=_(", ").join(plan)
        )
        if entry.overdue:
            reason += "; " + _("past its deadline {deadline}").format(deadline=item.deadline.isoformat())
        rows.append(_row(entry, PLANNED, reason, item.veto))
    elif item.veto and not state.final:
        rows.append(_row(entry, FAILURE, _("veto item not verified (still {state})").format(state=state.label), True))
        rows += [
            _row(entry, FAILURE, reason, True, indicator)
            for indicator, reason in _lacks_for_final(item, workflow, facts)
        ]
    if item.veto:
        rows += _veto_indicator_rows(entry, facts)
    if entry.overdue and not plan:
        rows.append(
            _row(entry, FAILURE, _("overdue since {deadline}").format(deadline=item.deadline.isoformat()), True)
        )
    rows += [
        _row(entry, AIM, aim_words(indicator, facts.values.get(indicator.id)), False, indicator)
        for indicator in aims_unmet(item.duty, facts.values)
    ]
    return rows


def readiness(checklist: Checklist, store: Reader, on: dt.date, inspection: Optional[Inspection] = None) -> Readiness:
    """Judge every item (or the items of one inspection round) as on day ``on``."""
    result = Readiness(on, inspection)
    units = set(round_units(inspection)) if inspection is not None else None
    drawn = _drawn(store, inspection)
    for entry in item_states(checklist, store.positions(), on):
        if (units is None or entry.unit.id in units) and (drawn is None or entry.id in drawn):
            result.rows += judge_item(checklist, store, entry)
    return result


def _drawn(store: Reader, inspection: Optional[Inspection]) -> Optional[set[str]]:
    """A drawn round's items are its draw in force; None: no round, or one not drawn (its scope)."""
    if inspection is None:
        return None
    in_force = draw_in_force(store.item_events(round_item_id(inspection.id)))
    return set(in_force.drawn) if in_force is not None else None
