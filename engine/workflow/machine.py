"""Declared workflows compiled to ``transitions`` state machines.

One Machine per workflow, never one per item (a province has 100,000
items): an item is bound to its workflow's Machine through a short-lived
proxy model only while one step is taken. ``auto_transitions`` is off so
that no ``to_<state>()`` shortcut bypasses the requirements; the condition
of every transition is "the rules find no unmet requirement".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from transitions import Machine, MachineError

from engine.errors import Refused
from engine.i18n import _
from engine.model import Transition, Workflow

Check = Callable[[Transition], list[str]]


def _no_check(transition: Transition) -> list[str]:
    return []


class _Step:
    """The proxy model bound to the Machine for one step."""

    def __init__(self, check: Check):
        self.check = check
        self.reasons: list[str] = []


def require_known_trigger(workflow: Workflow, trigger: str) -> None:
    if trigger not in workflow.triggers():
        raise Refused(
            [
                _("unknown trigger {trigger!r}; this workflow has: {known}").format(
                    trigger=trigger, known=", ".join(workflow.triggers())
                )
            ]
        )


class CompiledWorkflow:
    def __init__(self, workflow: Workflow):
        self.workflow = workflow
        self.machine = Machine(
            model=None,
            states=[s.id for s in workflow.states],
            initial=workflow.initial,
            transitions=[self._spec(t) for t in workflow.transitions],
            auto_transitions=False,
            send_event=True,
        )
        # One proxy bound once and moved to each step's state: binding a model per step
        # (add_model/remove_model) was most of the cost of importing 100,000 rows.
        self._step = _Step(_no_check)
        self.machine.add_model(self._step, initial=workflow.initial)

    @staticmethod
    def _spec(transition: Transition) -> dict[str, Any]:
        def condition(event: Any) -> bool:
            step: _Step = event.model
            step.reasons = step.check(transition)
            return not step.reasons

        return {
            "trigger": transition.trigger,
            "source": list(transition.sources),
            "dest": transition.dest,
            "conditions": [condition],
        }

    def candidate(self, state: str, trigger: str) -> Transition:
        """The declared transition for ``trigger`` from ``state``, or Refused saying why not."""
        require_known_trigger(self.workflow, trigger)
        transition = self.workflow.step(state, trigger)
        if transition is not None:
            return transition
        # people named the step by its label (启动整改) as often as by its id: answer in labels
        allowed = dict.fromkeys(t.label for t in self.workflow.transitions_from(state))
        label = self.workflow.state_by_id[state].label
        named = next(t.label for t in self.workflow.transitions if t.trigger == trigger)
        raise Refused(
            [
                _("{trigger!r} is not allowed from state {state}; allowed here: {allowed}").format(
                    trigger=named, state=label, allowed=", ".join(allowed) or _("nothing (final state)")
                )
            ]
        )

    def fire(self, state: str, trigger: str, check: Check) -> str:
        """Take ``trigger`` from ``state``; return the new state or raise Refused with every reason."""
        self.candidate(state, trigger)
        step = self._step
        step.check, step.reasons = check, []
        self.machine.set_state(state, model=step)
        try:
            moved = getattr(step, trigger)()
        except MachineError as e:  # candidate() makes this unreachable; keep the message if not
            raise Refused([str(e)]) from e
        finally:
            step.check = _no_check
        if not moved:
            raise Refused(step.reasons)
        return step.state  # type: ignore[attr-defined, no-any-return]


@lru_cache(maxsize=32)
def compiled(workflow: Workflow) -> CompiledWorkflow:
    """The process-wide Machine of a workflow (built once per process)."""
    return CompiledWorkflow(workflow)
