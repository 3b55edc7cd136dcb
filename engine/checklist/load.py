"""The one loader: checklist file -> frozen Checklist, or every problem found.

Strict YAML (engine.checklist.read) -> JSON Schema (engine.checklist.schema) -> cross
references and model construction (here), in one call.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Optional

from engine.checklist.read import Mark, YMap, YSeq, read_yaml
from engine.checklist.resources import read_bytes
from engine.checklist.schema import schema_problems
from engine.checklist.workflows import check_workflow
from engine.errors import ChecklistError, Problem
from engine.i18n import N_, _
from engine.model import (
    BUILTIN_ROLES,
    Calendar,
    Checklist,
    Duty,
    Evidence,
    Group,
    Indicator,
    Inspection,
    Person,
    Target,
    Unit,
    Workflow,
)

_TARGET = re.compile(r"\s*(>=|<=|==|>|<)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*\Z")


def load_checklist(path: str | os.PathLike[str]) -> Checklist:
    """Load and check one checklist file; raise ChecklistError with every problem."""
    name = os.fspath(path)
    return load_checklist_bytes(name, read_bytes(name))


def load_checklist_bytes(name: str, data: bytes) -> Checklist:
    """Load a checklist from bytes already read from ``name``."""
    root, problems = check_bytes(data)
    checklist = None
    if not problems:
        builder = _ModelBuilder(root)
        checklist = builder.build()
        problems = builder.problems
    if problems:
        raise ChecklistError([replace(p, file=name) for p in problems])
    assert checklist is not None
    return replace(checklist, path=name, sha256=hashlib.sha256(data).hexdigest())


def check_bytes(data: bytes) -> tuple[Any, list[Problem]]:
    """The YAML tree of a checklist's bytes and its YAML and schema problems."""
    root, problems = read_yaml(data)
    if root is None and problems:  # fatal: nothing trustworthy was read
        return root, problems
    return root, problems + _structure_problems(root)


def _structure_problems(root: Any) -> list[Problem]:
    if not isinstance(root, YMap):
        return [Problem(1, 1, _(
            "expected a mapping at the top level (format: rectify/1, checklist: ...), "
            "found {kind}").format(kind=_type_word(root)))]
    if "format" not in root:
        return [Problem(root.mark[0], root.mark[1], _(
            "missing 'format: rectify/1' at the top level; is this a rectify checklist?"))]
    if root["format"] != "rectify/1":
        mark = root.value_marks["format"]
        return [Problem(mark[0], mark[1], _(
            "unsupported format {value!r}; this version of rectify reads rectify/1").format(
            value=root["format"]))]
    return schema_problems(root)


def _type_word(value: Any) -> str:
    if isinstance(value, list):
        return _("a list")
    return _("a text value") if isinstance(value, str) else _("nothing")


def _mark(node: YMap, key: str) -> Mark:
    return node.value_marks.get(key, node.mark)


class _ModelBuilder:
    """Cross-reference checks and construction of the frozen model."""

    def __init__(self, root: YMap):
        self.root = root
        self.problems: list[Problem] = []
        self.units: dict[str, Unit] = {}
        self.groups: dict[str, Group] = {}
        self.roles: set[str] = set()

    def error(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(mark[0], mark[1], message))

    def build(self) -> Checklist:
        root = self.root
        meta = root["checklist"]
        deadline = self.date(meta, "deadline") or dt.date.min
        units = self.build_units(root["units"])
        groups = self.build_groups(root.get("groups", YMap((1, 1))))
        people = self.build_people(root.get("people", YSeq((1, 1))))
        workflows = self.build_workflows(root["workflows"])
        duties = self.build_duties(root["duties"], deadline, {w.id for w in workflows})
        self.check_requirements(root["workflows"], workflows, duties)
        inspections = self.build_inspections(root.get("inspections", YSeq((1, 1))))
        return Checklist(
            id=meta["id"], title=meta["title"], deadline=deadline, units=units,
            groups=groups, people=people, workflows=workflows, duties=duties,
            inspections=inspections, source=meta.get("source"),
            issued=self.date(meta, "issued"), previous=meta.get("previous"),
            next=meta.get("next"), description=meta.get("description"),
            warning_days=meta.get("warning_days", 3),
            calendar=self.build_calendar(root.get("calendar")))

    # -- small helpers -------------------------------------------------------

    def date(self, node: YMap, key: str) -> Optional[dt.date]:
        if node.get(key) is None:
            return None
        try:
            return dt.date.fromisoformat(node[key])
        except ValueError:
            self.error(_mark(node, key), _("{key}: {value!r} is not a real calendar date").format(
                key=key, value=node[key]))
            return None

    def unique(self, entries: Iterable[YMap], what: str) -> list[YMap]:
        """Entries whose id is seen for the first time; a repeat is an error."""
        seen: dict[str, Mark] = {}
        kept = []
        for entry in entries:
            mark = _mark(entry, "id")
            if entry["id"] in seen:
                self.error(mark, _("duplicate {what} id {id!r} (first at line {line})").format(
                    what=_(what), id=entry["id"], line=seen[entry["id"]][0]))
                continue
            seen[entry["id"]] = mark
            kept.append(entry)
        return kept

    def units_of_kind(self, kind: str) -> tuple[str, ...]:
        return tuple(u.id for u in self.units.values() if u.kind == kind)

    def select(self, node: YMap, key: str) -> tuple[str, ...]:
        """Resolve an owners/scope selector to unit ids (errors for dangling names)."""
        selector: YMap = node[key]
        (how, value), = selector.items()
        mark = _mark(selector, how)
        if how == "unit" or how == "units":
            names = [value] if how == "unit" else value
            unknown = [n for n in names if n not in self.units]
            for name in unknown:
                self.error(mark, _("{key}: unknown unit {name!r}").format(key=key, name=name))
            return tuple(dict.fromkeys(n for n in names if n in self.units))
        if how == "group":
            if value not in self.groups:
                self.error(mark, _("{key}: unknown group {name!r}").format(key=key, name=value))
                return ()
            return self.groups[value].members
        found = self.units_of_kind(value)
        if not found:
            self.error(mark, _("{key}: no unit has kind {kind!r}").format(key=key, kind=value))
        return found

    # -- sections ------------------------------------------------------------

    def build_units(self, entries: YSeq) -> tuple[Unit, ...]:
        for entry in self.unique(entries, N_("unit")):
            self.units[entry["id"]] = Unit(entry["id"], entry["name"], entry.get("kind"))
        return tuple(self.units.values())

    def build_groups(self, entries: YMap) -> tuple[Group, ...]:
        for group_id, entry in entries.items():
            mark = entries.value_marks[group_id]
            if ("members" in entry) == ("kind" in entry):
                self.error(mark, _("group {id!r}: give exactly one of members or kind").format(id=group_id))
            if group_id in self.units:
                self.error(entries.key_marks[group_id], _(
                    "group {id!r} has the id of a unit").format(id=group_id))
            members = self.group_members(entry, group_id)
            self.groups[group_id] = Group(group_id, entry["name"], members)
        return tuple(self.groups.values())

    def group_members(self, entry: YMap, group_id: str) -> tuple[str, ...]:
        if "members" not in entry and "kind" not in entry:
            return ()  # reported by build_groups
        if "kind" in entry:
            found = self.units_of_kind(entry["kind"])
            if not found:
                self.error(_mark(entry, "kind"), _("group {id!r}: no unit has kind {kind!r}").format(
                    id=group_id, kind=entry["kind"]))
            return found
        members: YSeq = entry["members"]
        for member, mark in zip(members, members.item_marks):
            if member not in self.units:
                self.error(mark, _("group {id!r}: unknown unit {name!r}").format(id=group_id, name=member))
        return tuple(dict.fromkeys(m for m in members if m in self.units))

    def build_people(self, entries: YSeq) -> tuple[Person, ...]:
        people = []
        for entry in self.unique(entries, N_("person")):
            if entry["unit"] not in self.units:
                self.error(_mark(entry, "unit"), _("person {id!r}: unknown unit {name!r}").format(
                    id=entry["id"], name=entry["unit"]))
            roles = tuple(entry.get("roles", ()))
            for role, mark in zip(roles, entry.get("roles", YSeq((0, 0))).item_marks):
                if role in BUILTIN_ROLES:
                    self.error(mark, _("person {id!r}: {role!r} is a built-in role and cannot be "
                                       "given").format(id=entry["id"], role=role))
            self.roles.update(roles)
            people.append(Person(entry["id"], entry["name"], entry["unit"], roles, entry.get("title")))
        return tuple(people)

    def build_workflows(self, entries: YMap) -> tuple[Workflow, ...]:
        workflows = []
        for workflow_id, entry in entries.items():
            workflow, problems = check_workflow(workflow_id, entry, self.roles)
            self.problems.extend(problems)
            workflows.append(workflow)
        return tuple(workflows)

    def build_duties(self, entries: YSeq, deadline: dt.date, workflows: set[str]) -> tuple[Duty, ...]:
        duties = []
        for entry in self.unique(entries, N_("duty")):
            owners = self.select(entry, "owners")
            workflow = entry.get("workflow", "default")
            if workflow not in workflows:
                self.error(_mark(entry, "workflow") if "workflow" in entry else _mark(entry, "id"),
                           _("duty {id!r}: unknown workflow {name!r}").format(id=entry["id"], name=workflow))
            duties.append(Duty(
                id=entry["id"], title=entry["title"], owners=owners, workflow=workflow,
                deadline=self.date(entry, "deadline") or deadline, veto=entry.get("veto", False),
                description=entry.get("description"),
                evidence=self.build_evidence(entry), indicators=self.build_indicators(entry),
                carried_from=tuple(entry.get("carried_from", ()))))
        return tuple(duties)

    def build_evidence(self, duty: YMap) -> tuple[Evidence, ...]:
        return tuple(Evidence(e["id"], e["name"], int(e["copies"]) if "copies" in e else None, e.get("description"))
                     for e in self.unique(duty.get("evidence", ()), N_("evidence")))

    def build_indicators(self, duty: YMap) -> tuple[Indicator, ...]:
        indicators = []
        for entry in self.unique(duty.get("indicators", ()), N_("indicator")):
            target = None
            if entry.get("target") is not None:
                op, number = _TARGET.match(entry["target"]).groups()  # type: ignore[union-attr]
                target = Target(op, float(number))
            indicators.append(Indicator(entry["id"], entry["name"], entry.get("unit", ""),
                                        target, entry.get("veto", False)))
        return tuple(indicators)

    def check_requirements(self, nodes: YMap, workflows: tuple[Workflow, ...],
                           duties: tuple[Duty, ...]) -> None:
        """Evidence and indicator ids named in ``requires`` exist on every duty using them."""
        for workflow in workflows:
            users = [d for d in duties if d.workflow == workflow.id]
            for index, transition in enumerate(workflow.transitions):
                node = nodes[workflow.id]["transitions"][index]
                mark = node.value_marks.get("requires", node.mark)
                for kind, wanted in (("evidence", transition.requires.evidence),
                                     ("indicators", transition.requires.indicators)):
                    if not isinstance(wanted, tuple):
                        continue
                    for duty in users:
                        declared = {x.id for x in (duty.evidence if kind == "evidence" else duty.indicators)}
                        template = (_("transition {trigger!r} requires evidence {id!r}, which duty {duty!r} "
                                      "does not declare") if kind == "evidence" else
                                    _("transition {trigger!r} requires indicator {id!r}, which duty {duty!r} "
                                      "does not declare"))
                        for missing in [w for w in wanted if w not in declared]:
                            self.error(mark, template.format(trigger=transition.trigger, id=missing, duty=duty.id))

    def build_inspections(self, entries: YSeq) -> tuple[Inspection, ...]:
        inspections = []
        for entry in self.unique(entries, N_("inspection")):
            start, end = self.date(entry, "from"), self.date(entry, "to")
            if start and end and start > end:
                self.error(_mark(entry, "to"), _("inspection {id!r} ends before it starts").format(id=entry["id"]))
            sample = entry.get("sample")
            if sample is not None and sample > 1 and sample != int(sample):
                self.error(_mark(entry, "sample"), _(
                    "inspection {id!r}: sample is a fraction up to 1 or a whole count, not {value}").format(
                    id=entry["id"], value=sample))
            inspections.append(Inspection(entry["id"], entry["name"], start or dt.date.min,
                                          end or dt.date.min, self.select(entry, "scope"), sample))
        return tuple(inspections)

    def build_calendar(self, node: Optional[YMap]) -> Optional[Calendar]:
        if node is None:
            return None
        days = {}
        for key in ("holidays", "workdays"):
            values = node.get(key, YSeq((0, 0)))
            parsed = set()
            for value, mark in zip(values, values.item_marks):
                try:
                    parsed.add(dt.date.fromisoformat(value))
                except ValueError:
                    self.error(mark, _("{key}: {value!r} is not a real calendar date").format(key=key, value=value))
            days[key] = frozenset(parsed)
        return Calendar(days["holidays"], days["workdays"])
