"""Inspection rounds: the recorded draw, and results tagged with their round.

A round's draw is one journal event (``@round/ID``, trigger ``draw``) that
holds the seed, the population and the drawn items, so anyone can recompute
it; a second draw is refused unless it is an explicit redraw with a note.
Results of a round are ordinary events carrying ``round`` in their data, and
are refused for an item outside the round (outside its draw, once drawn).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Optional

from engine.errors import Refused
from engine.i18n import _
from engine.journal.chain import Draft, Event
from engine.journal.store import Reader, Transaction
from engine.model import Checklist, Item, Person
from engine.workflow.rounds import (
    DRAW,
    ROUND_PREFIX,
    Draw,
    draw_in_force,
    rank,
    resolve_round,
    round_item_id,
    round_items,
    sample_size,
)


def permitted_person(checklist: Checklist, actor_id: Optional[str], action: str) -> Person:
    """The person acting, who must hold a role the ``permissions`` give ``action``."""
    if not actor_id:
        raise Refused([_("who is acting? give --as PERSON or set $RECTIFY_ACTOR")])
    person = checklist.person_by_id.get(actor_id)
    if person is None:
        raise Refused([_("unknown person {person!r}: not declared under people").format(person=actor_id)])
    allowed = checklist.permissions.get(action, ())
    if not any(role in person.roles for role in allowed):
        raise Refused(
            [
                _("only {roles} may {action}; {person} is not").format(
                    roles=", ".join(checklist.role_labels.get(r, r) for r in allowed) or _("nobody"),
                    action=action,
                    person=person.name,
                )
            ]
        )
    return person


def round_tag(checklist: Checklist, reader: Reader, round_id: Optional[str], item: Item) -> dict[str, Any]:
    """``{"round": ID}`` for an event taken as a round's result; Refused if the item is outside it."""
    if round_id is None:
        return {}
    inspection = resolve_round(checklist, round_id)
    in_force = draw_in_force(reader.item_events(round_item_id(inspection.id)))
    if in_force is not None:
        if item.id not in in_force.drawn:
            raise Refused(
                [
                    _("{item} was not drawn for round {round} (draw #{seq}); drawn: {drawn}").format(
                        item=item.id, round=inspection.name, seq=in_force.seq, drawn=", ".join(in_force.drawn)
                    )
                ]
            )
    elif item.id not in {i.id for i in round_items(checklist, inspection)}:
        raise Refused(
            [
                _("{item} is outside round {round}: its unit is not in the round's scope").format(
                    item=item.id, round=inspection.name
                )
            ]
        )
    return {"round": inspection.id}


@dataclass(frozen=True)
class DrawResult:
    """A recorded draw: its event, the draw itself, and warnings about the sample."""

    event: Event
    draw: Draw
    warnings: list[str] = field(default_factory=list)


def draw_round(
    checklist: Checklist,
    tx: Transaction,
    actor_id: Optional[str],
    round_id: str,
    seed: Optional[int] = None,
    redraw: bool = False,
    note: str = "",
) -> DrawResult:
    """Draw the round's sample and record it as one event (``@round/ID``, trigger ``draw``)."""
    inspection = resolve_round(checklist, round_id)
    actor = permitted_person(checklist, actor_id, "draw")
    if inspection.sample is None:
        raise Refused(
            [
                _("round {round} declares no sample: all of its items are in scope, nothing is drawn").format(
                    round=inspection.name
                )
            ]
        )
    earlier = draw_in_force(tx.item_events(round_item_id(inspection.id)))
    if earlier is not None and not redraw:
        raise Refused(
            [
                _(
                    "round {round} was already drawn (#{seq}, seed {seed}); to draw again give --redraw --note WHY"
                ).format(round=inspection.name, seq=earlier.seq, seed=earlier.seed)
            ]
        )
    if redraw and not note.strip():
        raise Refused([_("a redraw needs a note saying why (--note)")])
    population = tuple(item.id for item in round_items(checklist, inspection))
    k = sample_size(inspection.sample, len(population))
    warnings = []
    if k >= len(population):
        warnings.append(
            _("warning: the sample ({k}) is not smaller than the round's {n} items: all are taken").format(
                k=k, n=len(population)
            )
        )
        k = len(population)
    if seed is None:
        import secrets  # ~2 ms (random, base64) of every item command's start if imported above

        seed = secrets.randbits(63)
    drawn = Draw(inspection.id, seed, k, population, tuple(rank(seed, population)[:k]))
    draft = Draft(round_item_id(inspection.id), DRAW, "", "", actor.id, note, checklist.sha256, drawn.data())
    event = tx.append(draft, None)
    return DrawResult(event, Draw.from_event(event), warnings)


def draw_problems(events: Iterable[Event]) -> list[tuple[int, str]]:
    """(seq, message) for every recorded draw that its seed does not reproduce (audit)."""
    problems = []
    for event in events:
        if event.trigger != DRAW or not event.item.startswith(ROUND_PREFIX):
            continue
        try:
            recorded = Draw.from_event(event)
            again = recorded.recomputed()
        except (KeyError, TypeError, ValueError):
            problems.append(
                (event.seq, _("position {seq}: the draw of {item} is malformed").format(seq=event.seq, item=event.item))
            )
            continue
        if list(recorded.drawn) != again:
            problems.append(
                (
                    event.seq,
                    _(
                        "position {seq}: the draw of {item} is not what its seed {seed} gives "
                        "(recorded {recorded}; the seed gives {again})"
                    ).format(
                        seq=event.seq,
                        item=event.item,
                        seed=recorded.seed,
                        recorded=", ".join(recorded.drawn),
                        again=", ".join(again),
                    ),
                )
            )
    return problems
