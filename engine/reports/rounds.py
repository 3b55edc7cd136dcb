"""Rows of ``inspect ROUND`` (the round's items now) and ``inspect ROUND --report`` (its results)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Optional

from engine.formats.report import Column, Report
from engine.i18n import N_, _
from engine.journal.chain import Event
from engine.journal.store import Reader
from engine.model import Checklist, Inspection, Item
from engine.workflow.escalation import Standing, standing
from engine.workflow.facts import facts_of
from engine.workflow.rounds import Draw, draw_in_force, previous_round, resolve_round, round_item_id, round_items
from engine.workflow.rules import Facts, lacks_for_final

INSPECT_COLUMNS = [
    ("item", N_("Item")),
    ("unit_name", N_("Unit")),
    ("ref", N_("Clause")),
    ("title", N_("Duty")),
    ("state", N_("State id")),
    ("state_label", N_("State")),
    ("deadline", N_("Deadline")),
    ("overdue", N_("Overdue")),
    ("level", N_("Level id")),
    ("level_label", N_("Escalation")),
    ("lacks", N_("Still lacks")),
]
RESULT_COLUMNS = [
    ("item", N_("Item")),
    ("unit_name", N_("Unit")),
    ("title", N_("Duty")),
    ("checked", N_("Checked")),
    ("outcome", N_("Outcome")),
    ("state_label", N_("State")),
    ("notes", N_("Notes")),
    ("change", N_("Change id")),
    ("change_label", N_("Since the previous round")),
]
CHANGES = {
    "returned": N_("returned"),
    "newly_verified": N_("newly verified"),
    "newly_overdue": N_("newly overdue"),
    "still_open": N_("still open"),
    "verified": N_("still verified"),
    "reopened": N_("reopened"),
}


@dataclass
class RoundView:
    """A round as its listing shows it: the items it covers, its draw, rows and lines."""

    inspection: Inspection
    items: list[Item]
    draw: Optional[Draw]
    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # what the listing says above its rows


def _in_force(checklist: Checklist, reader: Reader, inspection: Inspection) -> tuple[list[Item], Optional[Draw]]:
    everything = round_items(checklist, inspection)
    drawn = draw_in_force(reader.item_events(round_item_id(inspection.id)))
    if drawn is None:
        return everything, None
    chosen = set(drawn.drawn)
    return [item for item in everything if item.id in chosen], drawn


def _standing(checklist: Checklist, item: Item, facts: Facts, today: dt.date) -> Standing:
    final = checklist.workflow_of(item).state_by_id[facts.state].final
    return standing(checklist, item.duty, final, facts.returns, facts.deadline, today)


def _describe(checklist: Checklist, inspection: Inspection, everything: int, drawn: Optional[Draw]) -> list[str]:
    lines = [
        _("{name} ({start} – {end}): {count} items").format(
            name=inspection.name, start=inspection.start.isoformat(), end=inspection.end.isoformat(), count=everything
        )
    ]
    if drawn is not None:
        lines.append(
            _("draw #{seq} in force: {k} of {n} items, seed {seed}").format(
                seq=drawn.seq, k=len(drawn.drawn), n=len(drawn.population), seed=drawn.seed
            )
        )
    elif inspection.sample is not None:
        lines.append(
            _("not drawn yet (sample {sample}): every item in scope is listed; draw with --draw --as PERSON").format(
                sample=inspection.sample
            )
        )
    return lines


def inspect_round(checklist: Checklist, reader: Reader, round_name: str, today: dt.date) -> RoundView:
    """The round's items (its draw in force, once drawn) with state, level and what each lacks."""
    inspection = resolve_round(checklist, round_name)
    items, drawn = _in_force(checklist, reader, inspection)
    view = RoundView(inspection, items, drawn, lines=_describe(checklist, inspection, len(items), drawn))
    for item in items:
        workflow = checklist.workflow_of(item)
        facts = facts_of(reader.item_events(item.id), workflow)
        state = workflow.state_by_id[facts.state]
        where = _standing(checklist, item, facts, today)
        view.rows.append(
            {
                "item": item.id,
                "unit_name": item.unit.name,
                "ref": item.duty.ref or "",
                "title": item.duty.title,
                "state": state.id,
                "state_label": state.label,
                "deadline": where.deadline.isoformat(),
                "overdue": where.overdue,
                "level": where.level.level if where.level else "",
                "level_label": where.level.label if where.level else "",
                "lacks": "; ".join(lacks_for_final(item, workflow, facts)),
            }
        )
    return view


def _day(event: Event) -> dt.date:
    return dt.date.fromisoformat(event.recorded_at[:10])


def _change(checklist: Checklist, item: Item, events: list[Event], baseline: dt.date, today: dt.date) -> str:
    """How the item moved between the baseline day (end of the previous round) and today."""
    workflow = checklist.workflow_of(item)
    before = [e for e in events if _day(e) <= baseline]
    after = [e for e in events if _day(e) > baseline]
    then, now = facts_of(before, workflow), facts_of(events, workflow)
    was_final = workflow.state_by_id[then.state].final
    is_final = workflow.state_by_id[now.state].final
    if any(e.data.get("returned") for e in after) and not is_final:
        return "returned" if not was_final else "reopened"
    if is_final:
        return "verified" if was_final else "newly_verified"
    late_then = standing(checklist, item.duty, was_final, then.returns, then.deadline, baseline).overdue
    late_now = standing(checklist, item.duty, is_final, now.returns, now.deadline, today).overdue
    return "newly_overdue" if late_now and not late_then else "still_open"


def round_results(checklist: Checklist, reader: Reader, round_name: str, today: dt.date) -> RoundView:
    """Per item of the round: checked or not, outcome, notes, and the change since the previous round."""
    inspection = resolve_round(checklist, round_name)
    items, drawn = _in_force(checklist, reader, inspection)
    previous = previous_round(checklist, inspection)
    baseline = previous.end if previous else inspection.start - dt.timedelta(days=1)
    view = RoundView(inspection, items, drawn, lines=_describe(checklist, inspection, len(items), drawn))
    view.lines.append(
        _("compared with {what} ({day})").format(
            what=previous.name if previous else _("the day before the round"), day=baseline.isoformat()
        )
    )
    for item in items:
        workflow = checklist.workflow_of(item)
        events = reader.item_events(item.id)
        tagged = [e for e in events if e.data.get("round") == inspection.id]
        state = workflow.state_by_id[facts_of(events, workflow).state]
        outcome = ""
        if tagged:
            last = tagged[-1]
            outcome = f"{workflow.step_label(last.trigger)} → {workflow.state_by_id[last.to_state].label}"
        change = _change(checklist, item, events, baseline, today)
        view.rows.append(
            {
                "item": item.id,
                "unit_name": item.unit.name,
                "title": item.duty.title,
                "checked": bool(tagged),
                "outcome": outcome,
                "state_label": state.label,
                "notes": "; ".join(e.note for e in tagged if e.note.strip()),
                "change": change,
                "change_label": _(CHANGES[change]),
            }
        )
    checked = sum(1 for row in view.rows if row["checked"])
    view.lines.append(_("checked {checked} of {count}").format(checked=checked, count=len(view.rows)))
    return view


def inspect_report(
    checklist: Checklist, reader: Reader, round_name: str, today: dt.date, results: bool = False
) -> Report:
    """``inspect ROUND`` (the items now) or, with ``results``, ``inspect ROUND --report``."""
    view = (round_results if results else inspect_round)(checklist, reader, round_name, today)
    pairs = RESULT_COLUMNS if results else INSPECT_COLUMNS
    title = (_("Results of {round}") if results else _("Inspection round {round}")).format(round=view.inspection.name)
    meta = {"checklist": checklist.title, "source": checklist.source or "", "date": today.isoformat()}
    return Report(
        title,
        [Column(key, _(header)) for key, header in pairs],
        view.rows,
        meta,
        summary_lines=view.lines,
        landscape=True,
    )
