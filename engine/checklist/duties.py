"""Duties, their evidence and indicators, and the findings they answer (part of the loader)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from engine.checklist.read import Mark, YMap, YSeq
from engine.checklist.references import References, _mark, _seq
from engine.checklist.schema import target_pattern
from engine.i18n import N_, _
from engine.model import Duty, Evidence, Finding, Indicator, Target, Workflow

PERCENT_BOUNDS = (0.0, 100.0)  # an indicator with unit '%' accepts 0-100 unless told otherwise


class DutyBuilder(References):
    """Builds findings and duties, and checks what a workflow's ``requires`` names."""

    def build_findings(self, entries: YSeq) -> tuple[Finding, ...]:
        return tuple(Finding(e["id"], e["text"]) for e in self.unique(entries, N_("finding")))

    def build_duties(
        self, entries: YSeq, deadline: dt.date, workflows: set[str], findings: set[str]
    ) -> tuple[Duty, ...]:
        duties = []
        for entry in self.unique(entries, N_("duty")):
            owners = self.select(entry, "owners")
            support = self.select(entry, "support") if "support" in entry else ()
            for unit in set(owners) & set(support):
                self.error(
                    _mark(entry, "support"),
                    _("duty {id!r}: unit {unit!r} is both an owner and a support unit").format(
                        id=entry["id"], unit=unit
                    ),
                )
            workflow = entry.get("workflow", "default")
            if workflow not in workflows and not self.damage.hides("workflows", workflow):
                self.error(
                    _mark(entry, "workflow") if "workflow" in entry else _mark(entry, "id"),
                    _("duty {id!r}: unknown workflow {name!r}").format(id=entry["id"], name=workflow),
                )
            answers = _seq(entry, "answers")
            for finding, mark in zip(answers, answers.item_marks):
                if finding not in findings and not self.damage.hides("findings", finding):
                    self.error(mark, _("duty {id!r}: unknown finding {name!r}").format(id=entry["id"], name=finding))
            duties.append(
                Duty(
                    id=entry["id"],
                    title=entry["title"],
                    owners=owners,
                    workflow=workflow,
                    deadline=self.date(entry, "deadline") or deadline,
                    veto=entry.get("veto", False),
                    description=entry.get("description"),
                    evidence=self.build_evidence(entry),
                    indicators=self.build_indicators(entry),
                    ref=entry.get("ref"),
                    support=support,
                    answers=tuple(answers),
                    carried_from=tuple(_seq(entry, "carried_from")),
                )
            )
        return tuple(duties)

    def build_evidence(self, duty: YMap) -> tuple[Evidence, ...]:
        return tuple(
            Evidence(
                e["id"],
                e["name"],
                int(e["copies"]) if "copies" in e else None,
                e.get("description"),
                e.get("file", False),
                e.get("optional", False),
            )
            for e in self.unique(_seq(duty, "evidence"), N_("evidence"))
        )

    def build_indicators(self, duty: YMap) -> tuple[Indicator, ...]:
        indicators = []
        for entry in self.unique(_seq(duty, "indicators"), N_("indicator")):
            low, high = PERCENT_BOUNDS if entry.get("unit") == "%" else (None, None)
            low = entry.get("min", low)
            high = entry.get("max", high)
            if low is not None and high is not None and low > high:
                self.error(
                    _mark(entry, "max" if "max" in entry else "min"),
                    _("indicator {id!r}: min {low:g} is above max {high:g}").format(id=entry["id"], low=low, high=high),
                )
            veto = entry.get("veto", False)
            if veto and entry.get("target") is None:
                self.warn(
                    _mark(entry, "veto"),
                    _(
                        "duty {duty!r}: veto indicator {id!r} has no target, so nothing can judge it: "
                        "declare the threshold the province sets (target: 'OP NUMBER')"
                    ).format(duty=duty["id"], id=entry["id"]),
                )
            indicators.append(
                Indicator(
                    entry["id"],
                    entry["name"],
                    entry.get("unit", ""),
                    _target(entry.get("target")),
                    veto,
                    _target(entry.get("aim")),
                    None if low is None else float(low),
                    None if high is None else float(high),
                )
            )
        return tuple(indicators)

    def check_requirements(self, nodes: YMap, workflows: tuple[Workflow, ...], duties: tuple[Duty, ...]) -> None:
        """An evidence or indicator id named in ``requires`` is declared by some duty using it."""
        if "duties" in self.damage.altered:
            return
        for workflow in workflows:
            users = [d for d in duties if d.workflow == workflow.id]
            for index, transition in enumerate(workflow.transitions):
                node = nodes[workflow.id]["transitions"][index]
                mark = node.value_marks.get("requires", node.mark)
                for kind, wanted in (
                    ("evidence", transition.requires.evidence),
                    ("indicators", transition.requires.indicators),
                ):
                    if isinstance(wanted, tuple):
                        self.check_declared(kind, wanted, users, transition.trigger, workflow.id, mark)

    def check_declared(
        self, kind: str, wanted: tuple[str, ...], users: list[Duty], trigger: str, workflow: str, mark: Mark
    ) -> None:
        declared = {x.id for d in users for x in (d.evidence if kind == "evidence" else d.indicators)}
        template = (
            _("transition {trigger!r} requires evidence {id!r}, which no duty using workflow {workflow!r} declares")
            if kind == "evidence"
            else _(
                "transition {trigger!r} requires indicator {id!r}, which no duty using workflow {workflow!r} declares"
            )
        )
        for missing in [w for w in wanted if w not in declared]:
            self.error(mark, template.format(trigger=trigger, id=missing, workflow=workflow))

    def check_answered(self, entries: YSeq, duties: tuple[Duty, ...]) -> None:
        if "duties" in self.damage.altered:
            return
        answered = {f for d in duties for f in d.answers}
        for entry in entries:
            if entry["id"] not in answered:
                self.warn(_mark(entry, "id"), _("finding {id!r} is answered by no duty").format(id=entry["id"]))


def _target(text: Any) -> Optional[Target]:
    if text is None:
        return None
    match = target_pattern().match(text)
    assert match is not None  # the schema checked the pattern
    return Target(match.group(1), float(match.group(2)))
