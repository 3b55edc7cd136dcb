"""Listings as Reports: report rows with translated column headers and page metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Optional

from engine.errors import Refused
from engine.formats.report import HIDDEN, Column, Report, StateStyle
from engine.i18n import N_, _
from engine.journal.chain import Event
from engine.journal.store import Reader
from engine.model import Checklist, Item
from engine.reports.duties import duty_rows
from engine.reports.rows import (
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
    status_words,
    summary_name_key,
    summary_rows,
)
from engine.workflow.rules import format_number

if TYPE_CHECKING:  # the readiness judge is imported by its report only (summary's start-up: importtime 3 ms)
    from engine.reports.readiness import Readiness

Spec = tuple[str, str, Optional[int]]  # field id, header msgid, priority in a table (HIDDEN: ids)


def _columns(specs: Sequence[tuple[str, str] | Spec]) -> list[Column]:
    return [Column(spec[0], _(spec[1]), SHOWN.get(spec[0]), priority=spec[2] if len(spec) > 2 else 5) for spec in specs]


# Priorities: 1 stays at any width; larger numbers are dropped first from a narrow terminal.
STATUS_COLUMNS: list[Spec] = [
    ("item", N_("Item"), 8),
    ("unit", N_("Unit id"), HIDDEN),
    ("unit_name", N_("Unit"), 1),
    ("duty", N_("Duty id"), HIDDEN),
    ("title", N_("Duty"), 1),
    ("ref", N_("Clause"), 7),
    ("state", N_("State id"), HIDDEN),
    ("state_label", N_("State"), 1),
    ("deadline", N_("Deadline"), 3),
    ("original_deadline", N_("Original deadline"), 8),
    ("days_left", N_("Days left"), 2),
    ("light", N_("Traffic light"), 2),
    ("overdue", N_("Overdue"), 6),
    ("veto", N_("Veto"), 4),
    ("level", N_("Level"), 5),
    ("returns", N_("Times returned"), 6),
    ("last_step", N_("Last step"), 7),
    ("last_at", N_("Last step at"), 9),
    ("last_note", N_("Last note"), 9),
    ("aims_unmet", N_("Aims not reached"), 9),
]
SHOWN = {
    "recorded_at": "recorded_local",
    "step": "step_shown",
}  # field id -> row key of its human text
HISTORY_COLUMNS: list[Spec] = [
    ("seq", N_("No."), 6),
    ("recorded_at", N_("Recorded at"), 1),
    ("trigger", N_("Trigger"), HIDDEN),
    ("step", N_("Step"), 1),
    ("from", N_("From"), HIDDEN),
    ("to", N_("To"), HIDDEN),
    ("from_label", N_("From state"), 5),
    ("to_label", N_("To state"), 3),
    ("actor", N_("Actor"), HIDDEN),
    ("actor_name", N_("Name"), 2),
    ("os_user", N_("OS user"), HIDDEN),
    ("note", N_("Note"), 2),
    ("data", N_("Data"), HIDDEN),
    ("details", N_("Details"), 4),
    ("checklist_sha256", N_("Checklist version"), HIDDEN),
    ("other_version", N_("Under another checklist version"), HIDDEN),
]


def page_meta(checklist: Checklist, today: dt.date) -> dict[str, str]:
    return {"checklist": checklist.title, "source": checklist.source or "", "date": today.isoformat()}


def check_filter(checklist: Checklist, keep: StatusFilter) -> StatusFilter:
    """The filter with ids for what the user named (ids or Chinese names); every unknown refused."""
    reasons: list[str] = []

    def named(text: Optional[str], resolve: Any) -> Optional[str]:
        if text is None:
            return None
        try:
            return str(resolve(text))
        except Refused as unknown:
            reasons.extend(unknown.reasons)
            return None

    resolved = replace(
        keep,
        unit=named(keep.unit, checklist.unit_id),
        duty=named(keep.duty, checklist.duty_id),
        state=named(keep.state, checklist.state_id),
        level=named(keep.level, checklist.level_id),
        finding=named(keep.finding, checklist.finding_id),
    )
    if reasons:
        raise Refused(reasons)
    return resolved


LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2}


def sort_rows(rows: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    """Sort by column keys, each optionally prefixed with '-' for descending (stable, last key first)."""
    known = [spec[0] for spec in STATUS_COLUMNS]
    unknown = [k for k in keys if k.lstrip("-") not in known]
    if unknown:
        raise Refused(
            [_("cannot sort by {keys}; columns: {known}").format(keys=", ".join(unknown), known=", ".join(known))]
        )
    for key in reversed(keys):
        name = key.lstrip("-")
        descending = key.startswith("-")
        rows.sort(
            key=lambda row: (
                (LIGHT_ORDER.get(row[name], 3),) if name == "light" else ((row[name] is None) != descending, row[name])
            ),  # blanks (a verified item's days) last
            reverse=descending,
        )
    return rows


def status_report(
    checklist: Checklist, store: Reader, today: dt.date, keep: StatusFilter = NO_FILTER, sort: tuple[str, ...] = ()
) -> Report:
    keep = check_filter(checklist, keep)
    rows = sort_rows(status_rows(checklist, store, today, keep), list(sort))
    words = status_words(checklist)
    return Report(
        _("Rectification status"),
        [replace(c, words=words.get(c.key)) for c in _columns(STATUS_COLUMNS)],
        rows,
        page_meta(checklist, today),
        light_key="light",
        landscape=True,
    )


def history_row(checklist: Checklist, item_id: str, event: Event) -> dict[str, Any]:
    item = checklist.item(item_id)
    workflow = checklist.workflow_of(item) if item is not None else None  # None: @round/…, @notice/…
    states = workflow.state_by_id if workflow is not None else {}
    person = checklist.person_by_id.get(event.actor)
    label = lambda state: states[state].label if state in states else state  # noqa: E731
    step = workflow.step_label(event.trigger) if workflow is not None else event.trigger
    return {
        "seq": event.seq,
        "recorded_at": event.recorded_at,
        "trigger": event.trigger,
        "recorded_local": local_minute(event.recorded_at),
        "step": step,
        "from": event.from_state,
        "to": event.to_state,
        "from_label": label(event.from_state),
        "to_label": label(event.to_state),
        "actor": event.actor,
        "actor_name": person.name if person else event.actor,
        "os_user": event.os_user,
        "note": event.note,
        "data": event.data,
        "details": event_details(item, event.data),
        "checklist_sha256": event.checklist_sha256,
        "other_version": event.checklist_sha256 != checklist.sha256,
        # human formats mark a step taken under another version of the checklist file
        "step_shown": step
        if event.checklist_sha256 == checklist.sha256
        else _("{step} (earlier checklist version)").format(step=step),
    }


def event_details(item: Optional[Item], data: dict[str, Any]) -> str:
    """An event's data as people read it: 义务教育阶段辍学率=1, 在外就读学生取证证明 (proof.pdf)."""
    if item is None:  # a journal-wide event (@round/…, @notice/…): its data speaks for itself
        return ""
    parts = []
    for indicator_id, value in data.get("values", {}).items():
        indicator = item.duty.indicator_by_id(indicator_id)
        shown = format_number(value) + (indicator.unit if indicator else "")
        parts.append(f"{indicator.name if indicator else indicator_id}={shown}")
    if "evidence" in data:
        evidence = item.duty.evidence_by_id(data["evidence"])
        name = evidence.name if evidence else data["evidence"]
        parts.append(f"{name} ({data['file']})" if data.get("file") else name)
    if "deadline" in data:
        parts.append(_("deadline {date}").format(date=data["deadline"]))
    return ", ".join(parts)


def local_minute(recorded_at: str) -> str:
    """A UTC ``recorded_at`` as people read it: local time, ``YYYY-MM-DD HH:MM``."""
    try:
        moment = dt.datetime.fromisoformat(recorded_at.replace("Z", "+00:00"))
    except ValueError:
        return recorded_at
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def history_report(checklist: Checklist, item_id: str, events: list[Event], today: dt.date) -> Report:
    return Report(
        _("History of {item}").format(item=item_id),
        _columns(HISTORY_COLUMNS),
        [history_row(checklist, item_id, e) for e in events],
        page_meta(checklist, today),
        landscape=True,
    )


CHART_LIMIT = 60  # bars in the html chart; a province's 7,000 units show their worst 60


def completion_chart(summary: list[dict[str, Any]]) -> list[tuple[str, float]]:
    return [(row["unit_name"], row["verified_pct"]) for row in summary[:CHART_LIMIT]]


def summary_report(checklist: Checklist, store: Reader, today: dt.date, by: str = "unit") -> Report:
    items: Iterable[ItemState] = item_states(checklist, store.positions(), today)
    if by != "unit":
        items = list(items)  # counted twice: by duty for the rows, by unit for the chart
    rows = summary_rows(checklist, items, by)
    key_header: Spec = ("unit", N_("Unit id"), HIDDEN) if by == "unit" else ("duty", N_("Duty id"), HIDDEN)
    name_header: Spec = (summary_name_key(by), N_("Unit") if by == "unit" else N_("Duty"), 1)
    columns = _columns([key_header, name_header, ("items", N_("Items"), 3)])
    columns += [Column(state_key(state), label, priority=4, state=state) for state, label in state_columns(checklist)]
    columns += [Column(level_key(rung.level), rung.label, priority=5) for rung in checklist.escalation]
    columns += _columns(
        [("verified_pct", N_("% verified"), 2), ("overdue", N_("Overdue"), 2), ("veto_open", N_("Open veto items"), 2)]
    )
    by_unit = rows if by == "unit" else summary_rows(checklist, items, "unit")
    return Report(
        _("Summary by unit") if by == "unit" else _("Summary by duty"),
        columns,
        rows,
        page_meta(checklist, today),
        chart=completion_chart(by_unit),
        states=state_styles(checklist),
        landscape=True,
    )


GLYPHS = "○◐◑◇△□◆▲■"  # non-final states in declared order; every final state is ●
FILLS = ("FFEB9C", "BDD7EE", "F8CBAD", "D9D2E9", "FFF2CC", "DDEBF7")
INITIAL_FILL, FINAL_FILL = "F2F2F2", "C6EFCE"


def state_styles(checklist: Checklist) -> dict[str, StateStyle]:
    """How each declared state shows in grids: the initial grey, final green, the rest by order."""
    initials = {w.initial for w in checklist.workflows}
    finals = {s.id for w in checklist.workflows for s in w.states if s.final}
    styles, n = {}, 0
    for state, label in state_columns(checklist):
        if state in finals:
            styles[state] = StateStyle(label, "●", FINAL_FILL, final=True)
        elif state in initials:
            styles[state] = StateStyle(label, "○", INITIAL_FILL)
        else:
            styles[state] = StateStyle(label, GLYPHS[1 + n % (len(GLYPHS) - 1)], FILLS[n % len(FILLS)])
            n += 1
    return styles


def board_report(checklist: Checklist, store: Reader, today: dt.date) -> Report:
    items = list(item_states(checklist, store.positions(), today))
    columns = _columns([("unit", N_("Unit id"), HIDDEN), ("unit_name", N_("Unit"), 1)])
    titles = [d.title for d in checklist.duties]
    columns += [
        Column(
            d.id,
            d.title if titles.count(d.title) == 1 else f"{d.title} ({d.id})",
            board_label_key(d.id),
            priority=3,
            short=str(n),
        )
        for n, d in enumerate(checklist.duties, start=1)
    ]
    legend = [f"{n} {d.title}" + (f" ({d.ref})" if d.ref else "") for n, d in enumerate(checklist.duties, start=1)]
    return Report(
        _("Responsibility board"),
        columns,
        board_rows(checklist, items),
        page_meta(checklist, today),
        chart=completion_chart(summary_rows(checklist, items, "unit")),
        states=state_styles(checklist),
        state_keys=frozenset(d.id for d in checklist.duties),
        legend=legend,
        landscape=True,
    )


READINESS_COLUMNS: list[Spec] = [
    ("item", N_("Item"), 8),
    ("unit_name", N_("Unit"), 1),
    ("title", N_("Duty"), 1),
    ("state_label", N_("State"), 3),
    ("indicator", N_("Indicator"), 4),
    ("reason", N_("Problem"), 1),
    ("kind", N_("Kind"), 5),
    ("blocks", N_("Blocks"), 6),
]
READINESS_SHOWN = {"indicator": "indicator_name", "kind": "kind_label"}


def readiness_verdict(result: Readiness) -> str:
    day = result.on.isoformat()
    if result.round is not None:
        day = _("{day} (round {round})").format(day=day, round=result.round.name)
    if result.ready:
        return _(
            "READY for the inspection on {day}: every veto item verified with its veto indicators met, nothing overdue"
        ).format(day=day)
    return _("NOT READY for the inspection on {day}: {items} item(s) block it").format(
        day=day, items=len(result.blocking_items)
    )


def readiness_report(checklist: Checklist, result: Readiness) -> Report:
    from engine.reports.readiness import KINDS

    lines = [readiness_verdict(result)]
    counts = {kind: result.count(kind) for kind in KINDS}
    if any(counts.values()):
        lines.append(
            _(
                "failures {failure}, under a plan {planned}, veto indicators without a target "
                "{no_target}, aims not reached {aim}"
            ).format(**counts)
        )
    columns = [
        Column(key, _(header), READINESS_SHOWN.get(key), priority=priority)
        for key, header, priority in READINESS_COLUMNS
    ]
    return Report(
        _("Readiness for the follow-up inspection"),
        columns,
        result.rows,
        page_meta(checklist, result.on),
        summary_lines=lines,
        verdict=result.ready,
        landscape=True,
    )


# field id, header, human text key, shown in print, print width (characters)
DUTIES_COLUMNS = [
    ("ref", N_("Clause"), None, True, 11),
    ("duty", N_("Duty id"), None, False, None),
    ("title", N_("Task"), None, True, 14),
    ("description", N_("Requirements"), None, True, 38),
    ("owners", N_("Lead units"), "owners_text", True, 14),
    ("support", N_("Supporting units"), "support_text", True, 14),
    # a group's heads (ten townships) flow several names to a line
    ("heads", N_("Responsible persons"), "heads_text", True, 16),
    ("deadline", N_("Deadline"), None, True, 14),
    ("evidence", N_("Materials"), "evidence_text", True, 24),
    ("findings", N_("Problems answered"), "findings_text", True, 18),
    ("verified", N_("Verified / items"), "progress_text", True, 10),
    ("items", N_("Items"), None, False, None),
]


# in a narrow terminal the long requirements text and the findings go first
DUTIES_PRIORITY = {
    "ref": 2,
    "title": 1,
    "owners": 2,
    "deadline": 3,
    "verified": 2,
    "heads": 4,
    "support": 5,
    "evidence": 5,
    "description": 6,
    "findings": 7,
}


def duties_report(checklist: Checklist, store: Reader, today: dt.date) -> Report:
    """The 整改责任表: one row per duty, printed on landscape A4."""
    columns = [
        Column(key, _(header), shown, human, width, priority=DUTIES_PRIORITY.get(key, 5))
        for key, header, shown, human, width in DUTIES_COLUMNS
    ]
    return Report(
        _("Rectification responsibility table"),
        columns,
        duty_rows(checklist, store.states()),
        page_meta(checklist, today),
        landscape=True,
    )
