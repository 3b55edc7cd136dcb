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
from engine.journal import SQLiteStore
from engine.model import Checklist, Item
from engine.reports import status_rows
from engine.rules import Attempt, check_evidence, check_indicators, format_number
from engine.tracker import facts_of


@dataclass
class Readiness:
    on: dt.date
    blockers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blockers


def _lacks_for_final(checklist: Checklist, item: Item, store: SQLiteStore) -> list[str]:
    """Evidence and indicators still missing for the step(s) that end the item's workflow."""
    workflow = checklist.workflow_of(item)
    facts = facts_of(store.item_events(item.id), workflow)
    reasons: list[str] = []
    for transition in workflow.transitions:
        if workflow.state_by_id[transition.dest].final:
            attempt = Attempt(item, transition, None, "", facts)
            reasons += [r for r in check_evidence(attempt) + check_indicators(attempt) if r not in reasons]
    return reasons


def _veto_indicators_unmet(item: Item, store: SQLiteStore, checklist: Checklist) -> list[str]:
    facts = facts_of(store.item_events(item.id), checklist.workflow_of(item))
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


def readiness(checklist: Checklist, store: SQLiteStore, on: dt.date) -> Readiness:
    result = Readiness(on)
    for row in status_rows(checklist, store, on):
        item = checklist.item(row["item"])
        assert item is not None
        final = checklist.workflow_of(item).state_by_id[row["state"]].final
        problems = []
        if row["veto"] and not final:
            problems.append(_("veto item not verified (still {state})").format(state=row["state_label"]))
            problems += _lacks_for_final(checklist, item, store)
        elif row["veto"]:
            problems += _veto_indicators_unmet(item, store, checklist)
        if row["overdue"]:
            problems.append(_("overdue since {deadline}").format(deadline=row["deadline"]))
        if problems:
            result.blockers.append({"item": row["item"], "unit": row["unit"], "unit_name": row["unit_name"],
                                    "title": row["title"], "state_label": row["state_label"],
                                    "veto": row["veto"], "overdue": row["overdue"], "lacks": "; ".join(problems)})
    return result
