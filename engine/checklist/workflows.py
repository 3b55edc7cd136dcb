"""Load-time checks of one declared workflow (part of the loader).

The transitions library silently accepts an unknown ``initial`` or ``dest``
and only fails when a trigger fires; everything is checked here instead, so
that the Machine is built only from validated data.
"""

from __future__ import annotations

from engine.checklist.read import Mark, YMap, YSeq
from engine.errors import Problem
from engine.i18n import _
from engine.model import BUILTIN_ROLES, RESERVED_TRIGGERS, Requirements, State, Transition, Workflow


def _at(mark: Mark, message: str, warning: bool = False) -> Problem:
    return Problem(mark[0], mark[1], message, warning=warning)


def check_workflow(
    workflow_id: str, node: YMap, roles: set[str], roles_known: bool = True
) -> tuple[Workflow, list[Problem]]:
    """Build the Workflow record and list every problem of its declaration.

    ``roles_known`` is False when some person could not be read: a role nobody
    seems to hold is then not reported.
    """
    problems: list[Problem] = []
    states = _states(workflow_id, node["states"], problems)
    declared = {s.id for s in states}
    if node["initial"] not in declared:
        problems.append(
            _at(
                node.value_marks["initial"],
                _("workflow {wf!r}: initial state {state!r} is not declared").format(
                    wf=workflow_id, state=node["initial"]
                ),
            )
        )
    transitions = []
    seen: dict[tuple[str, str], Mark] = {}
    for entry, mark in zip(node["transitions"], node["transitions"].item_marks):
        transition = _transition(entry)
        _check_transition(workflow_id, entry, transition, declared, roles if roles_known else None, problems)
        for source in transition.sources:
            key = (transition.trigger, source)
            if key in seen:
                problems.append(
                    _at(
                        mark,
                        _(
                            "workflow {wf!r}: trigger {trigger!r} from state {state!r} is declared twice "
                            "(first at line {line})"
                        ).format(wf=workflow_id, trigger=transition.trigger, state=source, line=seen[key][0]),
                    )
                )
            seen.setdefault(key, mark)
        transitions.append(transition)
    workflow = Workflow(workflow_id, node["initial"], tuple(states), tuple(transitions))
    if node["initial"] in declared and all(t.dest is None or t.dest in declared for t in transitions):
        _check_reachable(workflow, node, problems)
        _check_can_finish(workflow, node, problems)
    return workflow, problems


def _states(workflow_id: str, entries: YSeq, problems: list[Problem]) -> list[State]:
    states: list[State] = []
    seen: dict[str, int] = {}
    for entry in entries:
        mark = entry.value_marks["id"]
        if entry["id"] in seen:
            problems.append(
                _at(
                    mark,
                    _("workflow {wf!r}: duplicate state id {id!r} (first at line {line})").format(
                        wf=workflow_id, id=entry["id"], line=seen[entry["id"]]
                    ),
                )
            )
            continue
        seen[entry["id"]] = mark[0]
        states.append(State(entry["id"], entry["label"], entry.get("final", False)))
    return states


def _transition(entry: YMap) -> Transition:
    sources = entry["from"]
    requires = entry.get("requires", {})
    return Transition(
        trigger=entry["trigger"],
        label=entry.get("label", entry["trigger"]),
        sources=(sources,) if isinstance(sources, str) else tuple(dict.fromkeys(sources)),
        dest=entry.get("to"),
        by=tuple(entry.get("by", ())),
        not_by=tuple(entry.get("not_by", ())),
        requires=Requirements(
            note=requires.get("note", False),
            evidence=_ids_or_word(requires.get("evidence")),
            indicators=_ids_or_word(requires.get("indicators")),
        ),
        is_return=entry.get("return", False),
        sets=tuple(entry.get("sets", ())),
    )


def _ids_or_word(value: object) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value
    return tuple(value)  # type: ignore[arg-type]


def _check_transition(
    workflow_id: str,
    entry: YMap,
    transition: Transition,
    declared: set[str],
    roles: set[str] | None,
    problems: list[Problem],
) -> None:
    where = _("workflow {wf!r}, trigger {trigger!r}").format(wf=workflow_id, trigger=transition.trigger)
    if transition.trigger in RESERVED_TRIGGERS:
        problems.append(
            _at(
                entry.value_marks["trigger"],
                _(
                    "{where}: {trigger!r} is a reserved name (a journal event or the engine's own); "
                    "choose another trigger name"
                ).format(where=where, trigger=transition.trigger),
            )
        )
    for state in transition.sources:
        if state not in declared:
            problems.append(
                _at(
                    entry.value_marks["from"],
                    _("{where}: from-state {state!r} is not declared").format(where=where, state=state),
                )
            )
    if transition.dest is not None and transition.dest not in declared:
        problems.append(
            _at(
                entry.value_marks["to"],
                _("{where}: transition to undeclared state {state!r}").format(where=where, state=transition.dest),
            )
        )
    for key in ("by", "not_by"):
        for role in entry.get(key, ()):
            if roles is not None and role not in BUILTIN_ROLES and role not in roles:
                problems.append(
                    _at(
                        entry.value_marks[key],
                        _(
                            "{where}: role {role!r} in {key} is neither built-in ({builtins}) nor held "
                            "by anyone under people"
                        ).format(where=where, role=role, key=key, builtins=", ".join(BUILTIN_ROLES)),
                    )
                )


def _reach(workflow: Workflow, start: str) -> set[str]:
    """Every state reachable from ``start`` (itself included)."""
    reached = {start}
    frontier = [start]
    while frontier:
        state = frontier.pop()
        for transition in workflow.transitions_from(state):
            dest = transition.dest_from(state)
            if dest not in reached:
                reached.add(dest)
                frontier.append(dest)
    return reached


def _check_reachable(workflow: Workflow, node: YMap, problems: list[Problem]) -> None:
    reached = _reach(workflow, workflow.initial)
    for entry, mark in zip(node["states"], node["states"].item_marks):
        if entry["id"] not in reached:
            problems.append(
                _at(
                    mark,
                    _("workflow {wf!r}: state {state!r} cannot be reached from {initial!r}").format(
                        wf=workflow.id, state=entry["id"], initial=workflow.initial
                    ),
                )
            )


def _check_can_finish(workflow: Workflow, node: YMap, problems: list[Problem]) -> None:
    """A warning for each non-final state from which no final state can be reached."""
    finals = {s.id for s in workflow.states if s.final}
    reachable = _reach(workflow, workflow.initial)  # an unreachable state is an error already
    for entry, mark in zip(node["states"], node["states"].item_marks):
        state = workflow.state_by_id.get(entry["id"])
        if state is None or state.final or state.id not in reachable or _reach(workflow, state.id) & finals:
            continue
        problems.append(
            _at(
                mark,
                _(
                    "workflow {wf!r}: no final state can be reached from state {state!r}; its items "
                    "could never be crossed off"
                ).format(wf=workflow.id, state=state.id),
                warning=True,
            )
        )
