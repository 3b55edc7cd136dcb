"""Replay one item's events into :class:`Facts`: state, values, evidence, participants, returns.

Events come from the journal, a level beside this one, so they are read
through the small :class:`Recorded` protocol rather than the journal's type.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from engine.model import Transition, Workflow
from engine.workflow.rules import Facts


class Recorded(Protocol):
    @property
    def item(self) -> str: ...

    @property
    def to_state(self) -> str: ...

    @property
    def actor(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...


def facts_of(events: Iterable[Recorded], workflow: Workflow) -> Facts:
    """Replay one item's events, oldest first."""
    values: dict[str, float] = {}
    evidence: dict[str, dict] = {}
    actors: set[str] = set()
    returns = 0
    deadline = None
    last = None
    for event in events:
        values.update(event.data.get("values", {}))
        if "evidence" in event.data:
            evidence[event.data["evidence"]] = event.data
        actors.add(event.actor)
        returns += bool(event.data.get("returned"))
        deadline = event.data.get("deadline", deadline)
        last = event
    state = workflow.journal_state(last.to_state, last.item).id if last is not None else workflow.initial
    return Facts(state, values, evidence, frozenset(actors), returns, deadline)


def is_return(workflow: Workflow, transition: Transition, source: str) -> bool:
    """Does this step count as a return (退回次数, escalation)?

    DESIGN: the steps marked ``return: true``, nothing else. A workflow that marks none (written
    before the key existed) counts a step back to the same or an earlier state, except a step
    that only keeps the state to set a deadline (延期).
    """
    if any(t.is_return for t in workflow.transitions):
        return transition.is_return
    if transition.dest is None or transition.sets:
        return False
    order = [s.id for s in workflow.states]
    return order.index(transition.dest_from(source)) <= order.index(source)
