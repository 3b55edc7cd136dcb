"""Rows for the listings: status, summary and board. No printing here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional

from engine.formats.report import MARKS
from engine.i18n import _
from engine.journal.chain import CurrentState, Position
from engine.journal.store import Reader
from engine.model import Checklist, Duty, Indicator, State, Unit
from engine.workflow.escalation import Standing, days_between, standing
from engine.workflow.facts import facts_of
from engine.workflow.rules import format_number

GREEN, YELLOW, RED = "green", "yellow", "red"
AIMS_TEXT = "aims_unmet_text"  # status rows: the unmet aims in words, for the human formats


@dataclass(frozen=True)
class StatusFilter:
    """Which items a status listing keeps: every criterion given must hold."""

    unit: Optional[str] = None
    duty: Optional[str] = None
    state: Optional[str] = None
    overdue: bool = False
    veto: bool = False
    level: Optional[str] = None  # an escalation level id
    finding: Optional[str] = None  # a finding id: the items of the duties answering it

    def keeps(self, row: dict[str, Any]) -> bool:
        return (
            (self.unit is None or row["unit"] == self.unit)
            and (self.duty is None or row["duty"] == self.duty)
            and (self.state is None or row["state"] == self.state)
            and (not self.overdue or row["overdue"])
            and (not self.veto or row["veto"])
            and (self.level is None or row["level"] == self.level)
        )


NO_FILTER = StatusFilter()


def days_left(checklist: Checklist, today: dt.date, deadline: dt.date) -> int:
    """Days until the deadline (negative past it): working days where a calendar is declared."""
    return days_between(checklist.calendar, today, deadline)


def traffic_light(final: bool, overdue: bool, left: int, warning_days: int) -> Optional[str]:
    """Red past the deadline, yellow within ``warning_days``, else green; none once final (销号)."""
    if final:
        return None
    if overdue:
        return RED
    return YELLOW if left <= warning_days else GREEN


class ItemState(NamedTuple):
    """One item as the listings see it: its state and standing today, and its row."""

    unit: Unit
    duty: Duty
    state: State
    where: Standing  # deadline in force, days left, overdue, escalation level
    now: Any  # the item's row in the mapping item_states read (a CurrentState or a Position); None: no event yet
    id: str  # UNIT/DUTY

    @property
    def overdue(self) -> bool:
        return self.where.overdue

    @property
    def level(self) -> Optional[str]:
        """The escalation level id (督办), None below the first level."""
        return self.where.level.level if self.where.level else None


def item_states(
    checklist: Checklist,
    positions: Mapping[str, Position] | Mapping[str, CurrentState],
    today: dt.date,
    unit: Optional[str] = None,
    duty: Optional[str] = None,
) -> Iterator[ItemState]:
    """Every item (or those of one unit / duty) in the order of checklist.items, with its state.

    ``positions`` is ``store.positions()`` or ``store.current()`` (whose rows start with the
    position): an item absent from it is still in its workflow's initial state."""
    workflows = checklist.workflow_by_id
    # Items of one duty in one state with the same returns and deadline stand alike: a province's
    # 100,000 items fall into a few hundred such kinds, each judged once.
    judged: dict[tuple[str, str, int, Optional[str]], tuple[State, Standing]] = {}
    for u, d, key in checklist.assignments(unit, duty):
        now = positions.get(key)
        kind: tuple[str, str, int, Optional[str]] = (
            (d.id, workflows[d.workflow].initial, 0, None) if now is None else (d.id, now[1], now[2], now[3])
        )
        judgement = judged.get(kind)
        if judgement is None:
            state = workflows[d.workflow].journal_state(kind[1], key)
            judgement = judged[kind] = (state, standing(checklist, d, state.final, kind[2], kind[3], today))
        # _make from a tuple: half the keyword constructor's time (timeit: 180 ns against 330 ns)
        yield ItemState._make((u, d, *judgement, now, key))


def status_rows(
    checklist: Checklist, store: Reader, today: dt.date, keep: Optional[StatusFilter] = None
) -> list[dict[str, Any]]:
    """One row per item, keyed by exactly the status field ids (``status_words`` gives the
    words people read in place of some of them)."""
    keep = keep or NO_FILTER
    answering = {d.id for d in checklist.duties if keep.finding in d.answers}
    warning_days = checklist.warning_days
    veto = {d.id: d.is_veto for d in checklist.duties}
    rows: list[dict[str, Any]] = []
    for unit, duty, state, where, now, key in item_states(
        checklist, store.current(keep.unit), today, keep.unit, keep.duty
    ):
        if keep.finding is not None and duty.id not in answering:
            continue
        row: dict[str, Any] = {
            "item": key,
            "unit": unit.id,
            "unit_name": unit.name,
            "duty": duty.id,
            "title": duty.title,
            "ref": duty.ref,
            "state": state.id,
            "state_label": state.label,
            # dates, not text: xlsx writes date cells, json and csv ISO text
            "deadline": where.deadline,
            "original_deadline": where.original_deadline
            if where.deadline != where.original_deadline
            else None,  # set once extended (延期)
            "days_left": None if state.final else where.days_left,  # 销号: nothing left to count
            "light": traffic_light(state.final, where.overdue, where.days_left, warning_days),
            "overdue": where.overdue,
            "veto": veto[duty.id],
            "level": where.level.level if where.level else None,
            "returns": now.returns if now else 0,
            "last_step": now.trigger if now else "",  # the trigger id; people read its label
            "last_at": now.recorded_local if now else "",
            "last_note": (now.note or None) if now else None,
            "aims_unmet": [],
        }
        if keep is NO_FILTER or keep.keeps(row):
            rows.append(row)
    _add_aims_unmet(checklist, store, rows)
    return rows


def status_words(checklist: Checklist) -> dict[str, Callable[[dict[str, Any]], Any]]:
    """Field id -> the words people read in a status row instead of its id: the last step's
    label, the level's label, the unmet aims in words."""
    workflow_of = {d.id: checklist.workflow_by_id[d.workflow] for d in checklist.duties}
    levels = {rung.level: rung.label for rung in checklist.escalation}
    return {
        "last_step": lambda row: workflow_of[row["duty"]].step_label(row["last_step"]),
        "level": lambda row: levels.get(row["level"], row["level"]),
        "aims_unmet": lambda row: row.get(AIMS_TEXT, row["aims_unmet"]),
    }


def _add_aims_unmet(checklist: Checklist, store: Reader, rows: list[dict[str, Any]]) -> None:
    """Each row's indicators whose aim (力争) is not reached: ids, and their names for people.
    Only items of duties that declare an aim read their events."""
    aiming = {d.id for d in checklist.duties if any(i.aim for i in d.indicators)}
    for row in rows:
        values: Mapping[str, float] = {}
        missed: list[Indicator] = []
        if row["duty"] in aiming:
            duty = checklist.duty_by_id[row["duty"]]
            values = facts_of(store.item_events(row["item"]), checklist.workflow_by_id[duty.workflow]).values
            missed = aims_unmet(duty, values)
        row["aims_unmet"] = [i.id for i in missed]
        if missed:  # only then: rows of exactly the field ids keep json's fast path
            row[AIMS_TEXT] = "; ".join(aim_words(i, values.get(i.id)) for i in missed)


def aims_unmet(duty: Duty, values: Mapping[str, float]) -> list[Indicator]:
    """The duty's indicators whose aim is not reached: no value yet, or one that misses it."""
    return [i for i in duty.indicators if i.aim is not None and (i.id not in values or not i.aim.met_by(values[i.id]))]


def aim_words(indicator: Indicator, value: Optional[float]) -> str:
    shown = _("no value") if value is None else format_number(value) + indicator.unit
    return _("{name}: {value}, aim {aim}").format(name=indicator.name, value=shown, aim=indicator.aim)


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


def summary_rows(checklist: Checklist, items: Iterable[ItemState], by: str = "unit") -> list[dict[str, Any]]:
    """Counts per unit (or duty): per state and escalation level, % verified, overdue, veto not yet
    verified; worst first (红黑榜)."""
    finals = [state_key(s.id) for w in checklist.workflows for s in w.states if s.final]
    veto = {d.id: d.is_veto for d in checklist.duties}
    count_key = {state: state_key(state) for state, _label in state_columns(checklist)}
    level_keys = {rung.level: level_key(rung.level) for rung in checklist.escalation}
    zeros = dict.fromkeys([*count_key.values(), *level_keys.values()], 0)
    name = summary_name_key(by)
    groups: dict[str, dict[str, Any]] = {}
    for unit, duty, state, where, _row, _id in items:
        owner = unit if by == "unit" else duty
        group = groups.get(owner.id)
        if group is None:
            group = groups[owner.id] = {
                by: owner.id,
                name: unit.name if by == "unit" else duty.title,
                "items": 0,
                **zeros,
                "verified_pct": 0.0,
                "overdue": 0,
                "veto_open": 0,
            }
        group["items"] += 1
        group[count_key[state.id]] += 1
        if where.level is not None:
            group[level_keys[where.level.level]] += 1
        if where.overdue:
            group["overdue"] += 1
        if veto[duty.id] and not state.final:
            group["veto_open"] += 1
    for group in groups.values():
        done = sum(group[key] for key in finals)
        group["verified_pct"] = round(100.0 * done / group["items"], 1)
    return sorted(groups.values(), key=lambda g: (-g["veto_open"], -g["overdue"], g["verified_pct"], g[by]))


def summary_name_key(by: str) -> str:
    """The summary's name field: the unit's name, or the duty's title (as in status)."""
    return "unit_name" if by == "unit" else "title"


def level_key(level: str) -> str:
    """The summary column of an escalation level's count."""
    return f"level_{level}"


def board_rows(checklist: Checklist, items: Iterable[ItemState]) -> list[dict[str, Any]]:
    """The units × duties grid: one row per unit, one cell per duty holding the item's state id;
    people see the state's label (⚠ overdue, ★ veto) under ``board_label_key(duty)``, and the
    terminal a glyph with ``MARKS`` (``!`` overdue, ``*`` veto)."""
    rows: dict[str, dict[str, Any]] = {}
    labels = {level.level: level.label for level in checklist.escalation}
    for item in items:
        line = rows.setdefault(item.unit.id, {"unit": item.unit.id, "unit_name": item.unit.name, MARKS: {}})
        marks = ("⚠" if item.overdue else "") + ("★" if item.duty.is_veto else "")
        line[item.duty.id] = item.state.id
        level = f" [{labels[item.level]}]" if item.level else ""
        line[board_label_key(item.duty.id)] = item.state.label + (f" {marks}" if marks else "") + level
        glyph_marks = ("!" if item.overdue else "") + ("*" if item.duty.is_veto else "")
        if glyph_marks:
            line[MARKS][item.duty.id] = glyph_marks
    return list(rows.values())


def board_label_key(duty: str) -> str:
    """Row key of a board cell's human text (a duty id has no ':', so it cannot collide)."""
    return f"{duty}:label"


def undeclared_items(checklist: Checklist, reader: Reader, unit: Optional[str] = None) -> dict[str, int]:
    """Items with events that the checklist no longer declares (a duty or unit removed), and how
    many events each has: listings cannot show them, so they say so. With ``unit`` (an id),
    that unit's items only, from its own rows: a listing of one unit reads no other."""
    if unit is None:
        gone = reader.positions().keys() - checklist.item_ids
    else:
        gone = reader.current(unit).keys() - {key for _unit, _duty, key in checklist.assignments(unit)}
    return {item: len(reader.item_events(item)) for item in sorted(gone)}
