"""Inspection rounds: which items a round covers, and the reproducible draw.

A draw is reproducible anywhere from its recorded seed: rank the round's
item ids by ``sha256(f"{seed}:{item}")`` (hex, ascending) and take the
first k. Nothing here reads the journal; draw events come in through the
small :class:`Recorded` protocol of engine.workflow.facts.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from engine.errors import Refused
from engine.i18n import _
from engine.model import Checklist, Inspection, Item

ROUND_PREFIX = "@round/"
DRAW = "draw"


def round_item_id(inspection_id: str) -> str:
    """The journal item of a round's draw events."""
    return ROUND_PREFIX + inspection_id


def resolve_round(checklist: Checklist, name: str) -> Inspection:
    """A round by id, else by its exact name; unknown: Refused naming the rounds."""
    for inspection in checklist.inspections:
        if inspection.id == name:
            return inspection
    for inspection in checklist.inspections:
        if inspection.name == name:
            return inspection
    known = ", ".join(f"{r.id} ({r.name})" for r in checklist.inspections) or _("none declared")
    raise Refused([_("unknown inspection round {name!r}; rounds: {known}").format(name=name, known=known)])


def round_units(inspection: Inspection) -> tuple[str, ...]:
    """The scope, narrowed to the named targets of a 重点抽查."""
    if not inspection.targets:
        return inspection.scope
    return tuple(u for u in inspection.scope if u in inspection.targets)


def round_items(checklist: Checklist, inspection: Inspection) -> list[Item]:
    """Every item of the round's units, in the order of checklist.items."""
    units = set(round_units(inspection))
    return [item for item in checklist.items if item.unit.id in units]


def sample_size(sample: Optional[float], n: int) -> int:
    """k for ``sample``: an integer is a count, 0 < x < 1 a fraction (ceil(x·n), at least 1)."""
    if sample is None or n == 0:
        return n
    if 0 < sample < 1:
        return max(1, math.ceil(sample * n))
    return int(sample)


def rank(seed: int, item_ids: Iterable[str]) -> list[str]:
    return sorted(item_ids, key=lambda item: hashlib.sha256(f"{seed}:{item}".encode()).hexdigest())


def draw(seed: int, item_ids: Sequence[str], k: int) -> list[str]:
    """The first k item ids by the seed's ranking (all of them when k >= n)."""
    return rank(seed, item_ids)[:k]


@dataclass(frozen=True)
class Draw:
    """A recorded draw: what anyone can recompute from the seed."""

    round: str
    seed: int
    sample: int
    population: tuple[str, ...]
    drawn: tuple[str, ...]
    seq: int = 0
    note: str = ""

    def data(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "seed": self.seed,
            "sample": self.sample,
            "population": list(self.population),
            "drawn": list(self.drawn),
        }

    @classmethod
    def from_event(cls, event: Any) -> Draw:
        data = event.data
        return cls(
            data["round"],
            data["seed"],
            data["sample"],
            tuple(data["population"]),
            tuple(data["drawn"]),
            event.seq,
            event.note,
        )

    def recomputed(self) -> list[str]:
        return draw(self.seed, self.population, self.sample)


def draw_in_force(events: Iterable[Any]) -> Optional[Draw]:
    """The last draw among a round's events (a redraw replaces the earlier one)."""
    last = None
    for event in events:
        if event.trigger == DRAW:
            last = event
    return Draw.from_event(last) if last is not None else None


def previous_round(checklist: Checklist, inspection: Inspection) -> Optional[Inspection]:
    """The latest round whose ``to`` is before this round's ``from``."""
    earlier = [r for r in checklist.inspections if r.end < inspection.start]
    return max(earlier, key=lambda r: (r.end, r.start), default=None)
