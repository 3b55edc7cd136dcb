"""Rows for the listings: status (one row per item). No printing here."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional

from engine.i18n import _
from engine.journal import CurrentState, SQLiteStore
from engine.model import Checklist, Item

GREEN, YELLOW, RED = "green", "yellow", "red"


@dataclass(frozen=True)
class StatusFilter:
    unit: Optional[str] = None
    duty: Optional[str] = None
    state: Optional[str] = None
    overdue: bool = False
    veto: bool = False

    def keeps(self, row: dict[str, Any]) -> bool:
        return ((self.unit is None or row["unit"] == self.unit)
                and (self.duty is None or row["duty"] == self.duty)
                and (self.state is None or row["state"] == self.state)
                and (not self.overdue or row["overdue"])
                and (not self.veto or row["veto"]))


NO_FILTER = StatusFilter()


def days_left(checklist: Checklist, today: dt.date, deadline: dt.date) -> int:
    """Days until the deadline (negative past it): working days where a calendar is declared."""
    calendar = checklist.calendar
    if calendar is None:
        return (deadline - today).days
    start, end, sign = (today, deadline, 1) if deadline >= today else (deadline, today, -1)
    days = sum(1 for n in range(1, (end - start).days + 1)
               if calendar.is_working_day(start + dt.timedelta(days=n)))
    return sign * days


def traffic_light(final: bool, overdue: bool, left: int, warning_days: int) -> str:
    if final:
        return GREEN
    if overdue:
        return RED
    return YELLOW if left <= warning_days else GREEN


def step_label(checklist: Checklist, item: Item, trigger: str) -> str:
    if trigger == "record":
        return _("recorded values")
    if trigger == "attach":
        return _("attached evidence")
    workflow = checklist.workflow_of(item)
    return next((t.label for t in workflow.transitions if t.trigger == trigger), trigger)


def local_time(recorded_at: str) -> str:
    moment = dt.datetime.fromisoformat(recorded_at.replace("Z", "+00:00"))
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def status_row(checklist: Checklist, item: Item, current: Optional[CurrentState], today: dt.date) -> dict[str, Any]:
    workflow = checklist.workflow_of(item)
    state = workflow.state_by_id[current.state] if current else workflow.state_by_id[workflow.initial]
    overdue = today > item.deadline and not state.final
    left = days_left(checklist, today, item.deadline)
    return {
        "item": item.id, "unit": item.unit.id, "unit_name": item.unit.name,
        "duty": item.duty.id, "title": item.duty.title,
        "state": state.id, "state_label": state.label,
        "deadline": item.deadline.isoformat(), "days_left": left,
        "light": traffic_light(state.final, overdue, left, checklist.warning_days),
        "overdue": overdue, "veto": item.veto,
        "returns": current.returns if current else 0,
        "last_step": step_label(checklist, item, current.trigger) if current else "",
        "last_at": local_time(current.recorded_at) if current else "",
    }


def status_rows(checklist: Checklist, store: SQLiteStore, today: dt.date,
                keep: Optional[StatusFilter] = None) -> list[dict[str, Any]]:
    keep = keep or NO_FILTER
    current = store.current()
    rows = (status_row(checklist, item, current.get(item.id), today) for item in checklist.items)
    return [row for row in rows if keep.keeps(row)]


def state_columns(checklist: Checklist) -> list[tuple[str, str]]:
    """Every declared state (id, label), in declared order, across workflows."""
    seen: dict[str, str] = {}
    for workflow in checklist.workflows:
        for state in workflow.states:
            seen.setdefault(state.id, state.label)
    return list(seen.items())


def state_key(state: str) -> str:
    """The summary column of a state's count (prefixed: a state may be called 'items')."""
    return f"state_{state}"


def summary_rows(checklist: Checklist, status: list[dict[str, Any]], by: str = "unit") -> list[dict[str, Any]]:
    """Counts per unit (or duty): per state, % verified, overdue, veto not yet verified; worst first."""
    finals = {s.id for w in checklist.workflows for s in w.states if s.final}
    groups: dict[str, dict[str, Any]] = {}
    for row in status:
        key = row[by]
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                by: key, "name": row["unit_name"] if by == "unit" else row["title"], "items": 0,
                **{state_key(state): 0 for state, _label in state_columns(checklist)},
                "pct_verified": 0.0, "overdue": 0, "veto_open": 0}
        group["items"] += 1
        group[state_key(row["state"])] += 1
        group["overdue"] += row["overdue"]
        group["veto_open"] += row["veto"] and row["state"] not in finals
    for group in groups.values():
        done = sum(group[state_key(s)] for s in finals)
        group["pct_verified"] = round(100.0 * done / group["items"], 1)
    return sorted(groups.values(), key=lambda g: (-g["veto_open"], -g["overdue"], g["pct_verified"], g[by]))


def board_rows(checklist: Checklist, status: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 整改责任表: one row per unit, one cell per duty (state label, ⚠ overdue, ★ veto)."""
    rows: dict[str, dict[str, Any]] = {}
    for row in status:
        line = rows.setdefault(row["unit"], {"unit": row["unit"], "unit_name": row["unit_name"]})
        marks = ("⚠" if row["overdue"] else "") + ("★" if row["veto"] else "")
        line[row["duty"]] = row["state_label"] + (f" {marks}" if marks else "")
    return list(rows.values())
