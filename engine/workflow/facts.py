"""Replay one item's events into :class:`Facts`: state, values, evidence, participants, returns.

Events come from the journal, a level beside this one, so they are read
through the small :class:`Recorded` protocol rather than the journal's type.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from engine.model import Workflow
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
    evidence: set[str] = set()
    files: set[str] = set()
    actors: set[str] = set()
    returns = 0
    deadline = None
    last = None
    for event in events:
        values.update(event.data.get("values", {}))
        if "evidence" in event.data:
            evidence.add(event.data["evidence"])
            if "sha256" in event.data:  # evidence counts from any earlier event, a file included
                files.add(event.data["evidence"])
        actors.add(event.actor)
        returns += bool(event.data.get("returned"))
        if event.data.get("deadline") is not None:  # as the current table keeps it: null does not replace
            deadline = event.data["deadline"]
        last = event
    state = workflow.journal_state(last.to_state, last.item).id if last is not None else workflow.initial
    return Facts(state, values, frozenset(evidence), frozenset(actors), returns, frozenset(files), deadline)
