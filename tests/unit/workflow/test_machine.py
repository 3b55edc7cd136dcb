"""engine.workflow.machine: one transitions.Machine per workflow, proxies bound only for one step."""

from __future__ import annotations

from dataclasses import replace

import pytest
from checklist_cases import FROZEN

from engine.checklist.load import load_checklist
from engine.errors import Refused
from engine.workflow.machine import CompiledWorkflow, compiled

CHECKLIST = FROZEN


@pytest.fixture(scope="module")
def workflow():
    return load_checklist(str(CHECKLIST)).workflow_by_id["default"]


def no_reasons(_transition):
    return []


def test_one_machine_per_workflow(workflow):
    assert compiled(workflow) is compiled(workflow)
    # an equal workflow loaded again shares the machine too; a different one gets its own
    assert compiled(load_checklist(str(CHECKLIST)).workflow_by_id["default"]) is compiled(workflow)
    other = replace(workflow, id="other")
    assert compiled(other) is not compiled(workflow)


def test_models_do_not_pile_up_after_many_steps(workflow):  # one proxy, reused for every step
    machine = compiled(workflow)
    for n in range(1000):
        source, trigger, dest = [
            ("pending", "start", "in_progress"),
            ("in_progress", "return", "in_progress"),
            ("in_progress", "verify", "verified"),
            ("verified", "reopen", "in_progress"),
        ][n % 4]
        assert machine.fire(source, trigger, no_reasons) == dest
    assert len(machine.machine.models) == 1


def test_a_refused_step_leaves_no_model_bound(workflow):
    machine = compiled(workflow)
    for _ in range(10):
        with pytest.raises(Refused):
            machine.fire("in_progress", "verify", lambda t: ["not yet"])
        with pytest.raises(Refused):
            machine.fire("pending", "verify", no_reasons)
    assert len(machine.machine.models) == 1


def test_auto_transitions_are_off(workflow):
    machine = compiled(workflow)
    assert machine.machine.auto_transitions is False
    assert not any(name.startswith("to_") for name in machine.machine.events)
    bound = []

    def look_at_the_proxy(_transition):
        bound.extend(machine.machine.models)
        return []

    machine.fire("in_progress", "verify", look_at_the_proxy)
    [proxy] = bound  # exactly one short-lived model while the step is taken
    assert hasattr(proxy, "verify")
    assert not hasattr(proxy, "to_verified")
    assert not hasattr(proxy, "to_in_progress")


def test_fire_checks_the_transition_being_taken(workflow):
    seen = []

    def check(transition):
        seen.append(transition)
        return []

    assert compiled(workflow).fire("in_progress", "verify", check) == "verified"
    [transition] = seen
    assert (transition.trigger, transition.dest, transition.label) == ("verify", "verified", "验收销号")


def test_failed_condition_refuses_with_every_reason(workflow):
    with pytest.raises(Refused) as refused:
        compiled(workflow).fire("in_progress", "verify", lambda t: ["first", "second", "third"])
    assert refused.value.reasons == ["first", "second", "third"]


@pytest.mark.parametrize(
    "state, trigger, allowed",
    [
        ("pending", "verify", "start"),
        ("pending", "reopen", "start"),
        ("in_progress", "start", "verify, return"),
        ("in_progress", "reopen", "verify, return"),
        ("verified", "verify", "reopen"),
        ("verified", "start", "reopen"),
    ],
)
def test_trigger_from_a_wrong_state_is_refused_listing_allowed_triggers(workflow, state, trigger, allowed):
    label = workflow.state_by_id[state].label
    steps = {t.trigger: t.label for t in workflow.transitions}  # the answer names steps by their labels
    with pytest.raises(Refused) as refused:
        compiled(workflow).fire(state, trigger, no_reasons)
    shown = ", ".join(steps[t] for t in allowed.split(", "))
    assert refused.value.reasons == [f"{steps[trigger]!r} is not allowed from state {label}; allowed here: {shown}"]
    with pytest.raises(Refused):
        compiled(workflow).candidate(state, trigger)


def test_final_state_without_way_out_says_nothing_is_allowed(workflow):
    dead_end = replace(
        workflow, id="no-reopen", transitions=tuple(t for t in workflow.transitions if t.trigger != "reopen")
    )
    with pytest.raises(Refused) as refused:
        CompiledWorkflow(dead_end).fire("verified", "verify", no_reasons)
    assert refused.value.reasons == ["'验收销号' is not allowed from state 已销号; allowed here: nothing (final state)"]


def test_unknown_trigger_is_refused_listing_the_workflows_triggers(workflow):
    with pytest.raises(Refused) as refused:
        compiled(workflow).fire("pending", "to_verified", no_reasons)
    assert refused.value.reasons == ["unknown trigger 'to_verified'; this workflow has: start, verify, return, reopen"]


def test_candidate_returns_the_declared_transition(workflow):
    transition = compiled(workflow).candidate("in_progress", "return")
    assert transition.dest == "in_progress"
    assert transition.requires.note is True
    assert transition.by == ("supervisor",)
