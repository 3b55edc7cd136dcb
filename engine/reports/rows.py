"""Rows for the listings: status, summary and board. No printing here."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional

from engine.i18n import _
from engine.journal.store import Reader
from engine.model import Checklist, Duty, Item, State, Unit
from engine.workflow.escalation import days_between, standing

GREEN, YELLOW, RED = "green", "yellow", "red"


@dataclass(frozen=True)
class StatusFilter:
    unit: Optional[str] = None
    duty: Optional[str] = None
    state: Optional[str] = None
    overdue: bool = False
    veto: bool = False
    level: Optional[str] = None  # an escalation level id
    finding: Optional[str] = None  # a finding id: the items of the duties answering it

    def keeps(self, row: dict[str, Any]) -> bool:
        return ((self.unit is None or row["unit"] == self.unit)
                and (self.duty is None or row["duty"] == self.duty)
                and (self.state is None or row["state"] == self.state)
                and (not self.overdue or row["overdue"])
                and (not self.veto or row["veto"])
                and (self.level is None or row["level"] == self.level))


NO_FILTER = StatusFilter()


def days_left(checklist: Checklist, today: dt.date, deadline: dt.date) -> int:
    """Days until the deadline (negative past it): working days where a calendar is declared."""
    return days_between(checklist.calendar, today, deadline)


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


class ItemState(NamedTuple):
    """One item as the listings see it: its state now, and whether it is late."""

    unit: Unit
    duty: Duty
    state: State
    overdue: bool
    level: Optional[str] = None  # escalation level id, when the caller asked for levels

    @property
    def id(self) -> str:
        return f"{self.unit.id}/{self.duty.id}"


def item_states(checklist: Checklist, states: Mapping[str, str], today: dt.date, unit: Optional[str] = None,
                duty: Optional[str] = None, current: Optional[Mapping[str, Any]] = None,
                deadlines: Optional[Mapping[str, str]] = None) -> Iterator[ItemState]:
    """Every item (or those of one unit / duty) in the order of checklist.items, with its state.

    ``states`` maps item ids to state ids (``store.states()``); an item absent from it is still in
    its workflow's initial state. ``deadlines`` (``store.deadlines()``) holds extended deadlines;
    with ``current`` (``store.current()``, for the returns) each item also gets its level.
    """
    duties_of: dict[str, list[Duty]] = {}
    for d in checklist.duties:
        if duty is None or d.id == duty:
            for owner in d.owners:
                duties_of.setdefault(owner, []).append(d)
    deadlines = deadlines or {}
    for u in checklist.units:
        if unit is not None and u.id != unit:
            continue
        for d in duties_of.get(u.id, ()):
            workflow = checklist.workflow_by_id[d.workflow]
            item_id = f"{u.id}/{d.id}"
            state = workflow.journal_state(states.get(item_id, workflow.initial), item_id)
            extended = deadlines.get(item_id)
            if current is None and extended is None:
                yield ItemState(u, d, state, today > d.deadline and not state.final)
                continue
            now = current.get(item_id) if current is not None else None
            where = standing(checklist, Item(u, d), state.final, now.returns if now else 0, extended, today)
            yield ItemState(u, d, state, where.overdue, where.level.level if where.level else None)


def status_rows(checklist: Checklist, store: Reader, today: dt.date,
                keep: Optional[StatusFilter] = None) -> list[dict[str, Any]]:
    keep = keep or NO_FILTER
    labels = {w.id: {t.trigger: t.label for t in w.transitions} for w in checklist.workflows}
    labels_fixed = {"record": _("recorded values"), "attach": _("attached evidence")}
    veto = {d.id: d.is_veto for d in checklist.duties}
    answering = {d.id for d in checklist.duties if keep.finding in d.answers}
    current = store.current()
    deadlines = store.deadlines()
    states = {item: now.state for item, now in current.items()}
    rows = []
    for item in item_states(checklist, states, today, keep.unit, keep.duty):
        duty, state, item_id = item.duty, item.state, item.id
        if keep.finding is not None and duty.id not in answering:
            continue
        now = current.get(item_id)
        returns = now.returns if now else 0
        where = standing(checklist, Item(item.unit, duty), state.final, returns, deadlines.get(item_id), today)
        row = {
            "item": item_id, "unit": item.unit.id, "unit_name": item.unit.name,
            "duty": duty.id, "title": duty.title, "ref": duty.ref or "", "state": state.id,
            "state_label": state.label, "deadline": where.deadline.isoformat(),
            "original_deadline": where.original_deadline.isoformat(), "days_left": where.days_left,
            "light": traffic_light(state.final, where.overdue, where.days_left, checklist.warning_days),
            "overdue": where.overdue, "veto": veto[duty.id],
            "level": where.level.level if where.level else "",
            "level_label": where.level.label if where.level else "",
            "returns": returns,
            "last_step": (labels_fixed.get(now.trigger) or labels[duty.workflow].get(now.trigger, now.trigger))
            if now else "",
            "last_at": now.recorded_local if now else "",
        }
        if keep.keeps(row):
            rows.append(row)
    return rows


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


def level_key(level: str) -> str:
    """The summary column of an escalation level's count."""
    return f"level_{level}"


def summary_rows(checklist: Checklist, items: Iterable[ItemState], by: str = "unit") -> list[dict[str, Any]]:
    """Counts per unit (or duty): per state, % verified, overdue, veto not yet verified; worst first."""
    finals = [state_key(s.id) for w in checklist.workflows for s in w.states if s.final]
    veto = {d.id: d.is_veto for d in checklist.duties}
    count_key = {state: state_key(state) for state, _label in state_columns(checklist)}
    level_keys = {level.level: level_key(level.level) for level in checklist.escalation}
    zeros = dict.fromkeys([*count_key.values(), *level_keys.values()], 0)
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        owner = item.unit if by == "unit" else item.duty
        group = groups.get(owner.id)
        if group is None:
            group = groups[owner.id] = {
                by: owner.id, "name": item.unit.name if by == "unit" else item.duty.title, "items": 0,
                **zeros, "pct_verified": 0.0, "overdue": 0, "veto_open": 0}
        group["items"] += 1
        group[count_key[item.state.id]] += 1
        if item.level is not None:
            group[level_keys[item.level]] += 1
        group["overdue"] += item.overdue
        group["veto_open"] += veto[item.duty.id] and not item.state.final
    for group in groups.values():
        done = sum(group[key] for key in finals)
        group["pct_verified"] = round(100.0 * done / group["items"], 1)
    return sorted(groups.values(), key=lambda g: (-g["veto_open"], -g["overdue"], g["pct_verified"], g[by]))


def board_rows(checklist: Checklist, items: Iterable[ItemState]) -> list[dict[str, Any]]:
    """The 整改责任表: one row per unit, one cell per duty (state label, ⚠ overdue, ★ veto)."""
    rows: dict[str, dict[str, Any]] = {}
    labels = {level.level: level.label for level in checklist.escalation}
    for item in items:
        line = rows.setdefault(item.unit.id, {"unit": item.unit.id, "unit_name": item.unit.name})
        marks = ("⚠" if item.overdue else "") + ("★" if item.duty.is_veto else "")
        level = f" [{labels[item.level]}]" if item.level else ""
        line[item.duty.id] = item.state.label + (f" {marks}" if marks else "") + level
    return list(rows.values())
