"""Listings as Reports: report rows with translated column headers and page metadata."""
from __future__ import annotations

import datetime as dt
from typing import Any

from engine.errors import Refused
from engine.formats.report import Column, Report
from engine.i18n import N_, _
from engine.journal.chain import Event
from engine.journal.store import Reader
from engine.model import Checklist
from engine.reports.duties import duty_rows
from engine.reports.readiness import KINDS, Readiness
from engine.reports.rows import (
    AIMS_TEXT,
    LAST_STEP_LABEL,
    LEVEL_TEXT,
    NO_FILTER,
    ItemState,
    StatusFilter,
    board_label_key,
    board_rows,
    item_states,
    level_key,
    state_columns,
    state_key,
    status_rows,
    step_label,
    summary_name_key,
    summary_rows,
)


def _columns(pairs: list[tuple[str, str]]) -> list[Column]:
    return [Column(key, _(header), SHOWN.get(key)) for key, header in pairs]


STATUS_COLUMNS = [
    ("item", N_("Item")), ("unit", N_("Unit id")), ("unit_name", N_("Unit")), ("duty", N_("Duty id")),
    ("title", N_("Duty")), ("ref", N_("Clause")), ("state", N_("State id")), ("state_label", N_("State")),
    ("deadline", N_("Deadline")), ("original_deadline", N_("Original deadline")), ("days_left", N_("Days left")),
    ("light", N_("Traffic light")), ("overdue", N_("Overdue")), ("veto", N_("Veto")), ("level", N_("Level")),
    ("returns", N_("Times returned")), ("last_step", N_("Last step")), ("last_at", N_("Last step at")),
    ("last_note", N_("Last note")), ("aims_unmet", N_("Aims not reached")),
]
SHOWN = {"aims_unmet": AIMS_TEXT, "last_step": LAST_STEP_LABEL, "recorded_at": "recorded_local",
         "level": LEVEL_TEXT}  # field id -> row key of its human text
HISTORY_COLUMNS = [
    ("seq", N_("No.")), ("recorded_at", N_("Recorded at")), ("trigger", N_("Trigger")), ("step", N_("Step")),
    ("from", N_("From")), ("to", N_("To")), ("from_label", N_("From state")), ("to_label", N_("To state")),
    ("actor", N_("Actor")), ("actor_name", N_("Name")), ("os_user", N_("OS user")),
    ("note", N_("Note")), ("data", N_("Data")),
]


def page_meta(checklist: Checklist, today: dt.date) -> dict[str, str]:
    return {"checklist": checklist.title, "source": checklist.source or "", "date": today.isoformat()}


def check_filter(checklist: Checklist, keep: StatusFilter) -> None:
    reasons = []
    if keep.unit is not None and keep.unit not in checklist.unit_by_id:
        reasons.append(_("unknown unit {id!r}").format(id=keep.unit))
    if keep.duty is not None and keep.duty not in checklist.duty_by_id:
        reasons.append(_("unknown duty {id!r}").format(id=keep.duty))
    states = {s.id for w in checklist.workflows for s in w.states}
    if keep.state is not None and keep.state not in states:
        reasons.append(_("unknown state {id!r}; states: {known}").format(id=keep.state, known=", ".join(sorted(states))))
    levels = [level.level for level in checklist.escalation]
    if keep.level is not None and keep.level not in levels:
        reasons.append(_("unknown escalation level {id!r}; levels: {known}").format(
            id=keep.level, known=", ".join(levels) or _("none declared")))
    findings = [finding.id for finding in checklist.findings]
    if keep.finding is not None and keep.finding not in findings:
        reasons.append(_("unknown finding {id!r}; findings: {known}").format(
            id=keep.finding, known=", ".join(findings) or _("none declared")))
    if reasons:
        raise Refused(reasons)


LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2}


def sort_rows(rows: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    """Sort by column keys, each optionally prefixed with '-' for descending (stable, last key first)."""
    known = [key for key, _header in STATUS_COLUMNS]
    unknown = [k for k in keys if k.lstrip("-") not in known]
    if unknown:
        raise Refused([_("cannot sort by {keys}; columns: {known}").format(
            keys=", ".join(unknown), known=", ".join(known))])
    for key in reversed(keys):
        name = key.lstrip("-")
        rows.sort(key=lambda row: LIGHT_ORDER.get(row[name], 3) if name == "light" else row[name],
                  reverse=key.startswith("-"))
    return rows


def status_report(checklist: Checklist, store: Reader, today: dt.date,
                  keep: StatusFilter = NO_FILTER, sort: tuple[str, ...] = ()) -> Report:
    check_filter(checklist, keep)
    rows = sort_rows(status_rows(checklist, store, today, keep), list(sort))
    return Report(_("Rectification status"), _columns(STATUS_COLUMNS), rows, page_meta(checklist, today),
                  light_key="light")


def history_row(checklist: Checklist, item_id: str, event: Event) -> dict[str, Any]:
    item = checklist.item(item_id)
    states = checklist.workflow_of(item).state_by_id if item is not None else {}  # None: @round/…, @notice/…
    person = checklist.person_by_id.get(event.actor)
    label = lambda state: states[state].label if state in states else state  # noqa: E731
    step = step_label(checklist, item, event.trigger) if item is not None else event.trigger
    return {"seq": event.seq, "recorded_at": event.recorded_at, "trigger": event.trigger,
            "recorded_local": local_minute(event.recorded_at),
            "step": step, "from": event.from_state,
            "to": event.to_state, "from_label": label(event.from_state), "to_label": label(event.to_state), "actor": event.actor,
            "actor_name": person.name if person else event.actor, "os_user": event.os_user,
            "note": event.note, "data": event.data}


def local_minute(recorded_at: str) -> str:
    """A UTC ``recorded_at`` as people read it: local time, ``YYYY-MM-DD HH:MM``."""
    try:
        moment = dt.datetime.fromisoformat(recorded_at.replace("Z", "+00:00"))
    except ValueError:
        return recorded_at
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def history_report(checklist: Checklist, item_id: str, events: list[Event], today: dt.date) -> Report:
    return Report(_("History of {item}").format(item=item_id), _columns(HISTORY_COLUMNS),
                  [history_row(checklist, item_id, e) for e in events], page_meta(checklist, today))


CHART_LIMIT = 60  # bars in the html chart; a province's 7,000 units show their worst 60


def completion_chart(summary: list[dict[str, Any]]) -> list[tuple[str, float]]:
    return [(row["unit_name"], row["verified_pct"]) for row in summary[:CHART_LIMIT]]


def _items_with_levels(checklist: Checklist, store: Reader, today: dt.date) -> list[ItemState]:
    current = store.current()
    states = {item: now.state for item, now in current.items()}
    return list(item_states(checklist, states, today, current=current, deadlines=store.deadlines()))


def summary_report(checklist: Checklist, store: Reader, today: dt.date, by: str = "unit") -> Report:
    items = _items_with_levels(checklist, store, today)
    rows = summary_rows(checklist, items, by)
    key_header = ("unit", N_("Unit id")) if by == "unit" else ("duty", N_("Duty id"))
    name_header = (summary_name_key(by), N_("Unit") if by == "unit" else N_("Duty"))
    columns = _columns([key_header, name_header, ("items", N_("Items"))])
    columns += [Column(state_key(state), label) for state, label in state_columns(checklist)]
    columns += [Column(level_key(rung.level), rung.label) for rung in checklist.escalation]
    columns += _columns([("verified_pct", N_("% verified")), ("overdue", N_("Overdue")),
                         ("veto_open", N_("Open veto items"))])
    by_unit = rows if by == "unit" else summary_rows(checklist, items, "unit")
    return Report(_("Summary by unit") if by == "unit" else _("Summary by duty"), columns, rows,
                  page_meta(checklist, today), chart=completion_chart(by_unit))


def board_report(checklist: Checklist, store: Reader, today: dt.date) -> Report:
    items = _items_with_levels(checklist, store, today)
    columns = _columns([("unit", N_("Unit id")), ("unit_name", N_("Unit"))])
    titles = [d.title for d in checklist.duties]
    columns += [Column(d.id, d.title if titles.count(d.title) == 1 else f"{d.title} ({d.id})", board_label_key(d.id))
                for d in checklist.duties]
    return Report(_("Responsibility board (⚠ overdue, ★ veto)"), columns, board_rows(checklist, items),
                  page_meta(checklist, today), chart=completion_chart(summary_rows(checklist, items, "unit")))


READINESS_COLUMNS = [("item", N_("Item")), ("unit_name", N_("Unit")), ("title", N_("Duty")),
                     ("state_label", N_("State")), ("indicator", N_("Indicator")), ("reason", N_("Problem")),
                     ("kind", N_("Kind")), ("blocks", N_("Blocks"))]
READINESS_SHOWN = {"indicator": "indicator_name", "kind": "kind_label"}


def readiness_verdict(result: Readiness) -> str:
    day = result.on.isoformat()
    if result.round is not None:
        day = _("{day} (round {round})").format(day=day, round=result.round.name)
    if result.ready:
        return _("READY for the inspection on {day}: every veto item verified with its veto indicators "
                 "met, nothing overdue").format(day=day)
    return _("NOT READY for the inspection on {day}: {items} item(s) block it").format(
        day=day, items=len(result.blocking_items))


def readiness_report(checklist: Checklist, result: Readiness) -> Report:
    lines = [readiness_verdict(result)]
    counts = {kind: result.count(kind) for kind in KINDS}
    if any(counts.values()):
        lines.append(_("failures {failure}, under a plan {planned}, veto indicators without a target "
                       "{no_target}, aims not reached {aim}").format(**counts))
    columns = [Column(key, _(header), READINESS_SHOWN.get(key)) for key, header in READINESS_COLUMNS]
    return Report(_("Readiness for the follow-up inspection"), columns, result.rows,
                  page_meta(checklist, result.on), summary_lines=lines)


# field id, header, human text key, shown in print, print width (characters)
DUTIES_COLUMNS = [
    ("ref", N_("Clause"), None, True, 11), ("duty", N_("Duty id"), None, False, None),
    ("title", N_("Task"), None, True, 14), ("description", N_("Requirements"), None, True, 38),
    ("owners", N_("Lead units"), "owners_text", True, 14), ("support", N_("Supporting units"), "support_text", True, 14),
    # a group's heads (ten townships) flow several names to a line
    ("heads", N_("Responsible persons"), "heads_text", True, 16), ("deadline", N_("Deadline"), None, True, 14),
    ("evidence", N_("Materials"), "evidence_text", True, 24), ("findings", N_("Problems answered"), "findings_text", True, 18),
    ("verified", N_("Verified / items"), "progress_text", True, 10), ("items", N_("Items"), None, False, None),
]


def duties_report(checklist: Checklist, store: Reader, today: dt.date) -> Report:
    """The 整改责任表: one row per duty, printed on landscape A4."""
    columns = [Column(key, _(header), shown, human, width) for key, header, shown, human, width in DUTIES_COLUMNS]
    return Report(_("Rectification responsibility table"), columns, duty_rows(checklist, store.states()),
                  page_meta(checklist, today), landscape=True)
