"""Would the checklist pass the follow-up inspection on a given day?

Ready means: every veto item (一票否决) is in a final state with its veto
indicators met, and no item is overdue on that day. Each blocker names its
item, its unit and what it still lacks.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from engine.i18n import _
from engine.journal.store import Reader
from engine.model import Checklist, Item, State
from engine.reports.rows import item_states
from engine.workflow.facts import facts_of
from engine.workflow.rules import Facts, format_number, lacks_for_final


@dataclass
class Readiness:
    on: dt.date
    blockers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blockers


def _veto_indicators_unmet(item: Item, facts: Facts) -> list[str]:
    reasons = []
    for indicator in item.duty.indicators:
        if not indicator.veto:
            continue
        value = facts.values.get(indicator.id)
        if not indicator.met_by(value):
            shown = _("no value") if value is None else format_number(value) + indicator.unit
            reasons.append(_("veto indicator {name}: {value}, target {target}").format(
                name=indicator.name, value=shown, target=indicator.target or _("any value")))
    return reasons


def _problems(item: Item, state: State, overdue: bool, checklist: Checklist, store: Reader) -> list[str]:
    problems = []
    if item.veto:
        workflow = checklist.workflow_of(item)
        facts = facts_of(store.item_events(item.id), workflow)
        if not state.final:
            problems.append(_("veto item not verified (still {state})").format(state=state.label))
            problems += lacks_for_final(item, workflow, facts)
        else:
            problems += _veto_indicators_unmet(item, facts)
    if overdue:
        problems.append(_("overdue since {deadline}").format(deadline=item.deadline.isoformat()))
    return problems


def readiness(checklist: Checklist, store: Reader, on: dt.date) -> Readiness:
    result = Readiness(on)
    for entry in item_states(checklist, store.states(), on, deadlines=store.deadlines()):
        item = Item(entry.unit, entry.duty)
        problems = _problems(item, entry.state, entry.overdue, checklist, store)
        if problems:
            result.blockers.append({"item": item.id, "unit": item.unit.id, "unit_name": item.unit.name,
                                    "title": item.duty.title, "state_label": entry.state.label,
                                    "veto": item.veto, "overdue": entry.overdue, "lacks": "; ".join(problems)})
    return result
