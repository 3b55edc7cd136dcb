"""Rows of ``remind`` (催办): per unit, the open items due soon or overdue, and who answers for them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from engine.errors import Refused
from engine.formats.report import Column, Report
from engine.i18n import N_, _
from engine.journal.store import Reader
from engine.model import Checklist, Item
from engine.workflow.escalation import standing
from engine.workflow.facts import facts_of
from engine.workflow.rules import lacks_for_final

REMIND_COLUMNS = [
    ("unit", N_("Unit id")),
    ("unit_name", N_("Unit")),
    ("head", N_("Responsible person")),
    ("item", N_("Item")),
    ("ref", N_("Clause")),
    ("title", N_("Duty")),
    ("state_label", N_("State")),
    ("deadline", N_("Deadline")),
    ("days_left", N_("Days left")),
    ("overdue", N_("Overdue")),
    ("level_label", N_("Escalation")),
    ("lacks", N_("Still lacks")),
]


def _head(checklist: Checklist, item: Item) -> str:
    person = checklist.person_by_id.get(item.unit.head or "")
    if person is None:
        return ""
    return f"{person.name}({person.title})" if person.title else person.name


def remind_rows(
    checklist: Checklist, reader: Reader, today: dt.date, within: Optional[int] = None
) -> list[dict[str, Any]]:
    """Open items due within ``within`` (working) days — default ``warning_days`` — or overdue."""
    if within is None:
        within = checklist.warning_days
    if within < 0:
        raise Refused([_("--within must be 0 or more days, not {days}").format(days=within)])
    current = reader.current()
    rows = []
    for item in checklist.items:
        workflow = checklist.workflow_of(item)
        now = current.get(item.id)
        state = workflow.journal_state(now.state, item.id) if now else workflow.state_by_id[workflow.initial]
        if state.final:
            continue
        where = standing(checklist, item.duty, False, now.returns if now else 0, now.deadline if now else None, today)
        if where.days_left > within:  # overdue items are at 0 days or below: always listed
            continue
        facts = facts_of(reader.item_events(item.id), workflow)
        rows.append(
            {
                "unit": item.unit.id,
                "unit_name": item.unit.name,
                "head": _head(checklist, item),
                "item": item.id,
                "ref": item.duty.ref or "",
                "title": item.duty.title,
                "state_label": state.label,
                "deadline": where.deadline.isoformat(),
                "days_left": where.days_left,
                "overdue": where.overdue,
                "level_label": where.level.label if where.level else "",
                "lacks": "; ".join(lacks_for_final(item, workflow, facts)),
            }
        )
    return rows


def remind_reports(
    checklist: Checklist, reader: Reader, today: dt.date, within: Optional[int], meta: dict[str, str], per_unit: bool
) -> list[Report]:
    """One report of every unit's reminders, or (``per_unit``) one report per unit to send."""
    columns = [Column(key, _(header)) for key, header in REMIND_COLUMNS]
    rows = remind_rows(checklist, reader, today, within)
    days = checklist.warning_days if within is None else within
    unit_days = _("working days") if checklist.calendar is not None else _("days")
    line = _("open items due within {days} {unit} or overdue, as of {today}").format(
        days=days, unit=unit_days, today=today.isoformat()
    )
    if not per_unit:
        return [Report(_("Reminders (催办)"), columns, rows, meta, summary_lines=[line], landscape=True)]
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_unit.setdefault(row["unit"], []).append(row)
    return [
        Report(
            _("Reminder to {unit}").format(unit=unit_rows[0]["unit_name"]),
            columns,
            unit_rows,
            {**meta, "unit": unit_id},
            summary_lines=[line],
            landscape=True,
        )
        for unit_id, unit_rows in by_unit.items()
    ]
