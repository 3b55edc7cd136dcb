"""Cross-reference checks of a schema-valid tree, and construction of the frozen model.

The tree may have been pruned of the parts the schema refused (see
engine.checklist.load); ``Damage`` says what was cut, so that a reference
into a cut part is not reported as dangling: every other problem still is,
in the same run.
"""
from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Optional

from engine.checklist.read import Mark, YMap, YSeq
from engine.checklist.schema import permission_defaults, target_pattern
from engine.checklist.workflows import check_workflow
from engine.errors import Problem
from engine.i18n import N_, _
from engine.model import (
    BUILTIN_ROLES,
    Calendar,
    Checklist,
    Duty,
    EscalationLevel,
    Evidence,
    Finding,
    Group,
    Indicator,
    Inspection,
    NoticeRule,
    Person,
    Target,
    Unit,
    Workflow,
)

_EMPTY_SEQ = YSeq((1, 1))
_EMPTY_MAP = YMap((1, 1))
PERCENT_BOUNDS = (0.0, 100.0)  # an indicator with unit '%' accepts 0-100 unless told otherwise


@dataclass
class Damage:
    """What the schema check cut from the tree before the cross-reference checks."""

    altered: set[str] = field(default_factory=set)  # sections with anything cut
    whole: set[str] = field(default_factory=set)  # sections whose ids are all unknown
    ids: dict[str, set[str]] = field(default_factory=dict)  # section -> ids of cut records

    def hides(self, section: str, name: str) -> bool:
        """Could ``name`` have been declared in a cut part of ``section``?"""
        return section in self.whole or name in self.ids.get(section, set())


def _mark(node: YMap, key: str) -> Mark:
    return node.value_marks.get(key, node.mark)


def _seq(node: YMap, key: str) -> YSeq:
    value = node.get(key)
    return value if isinstance(value, YSeq) else _EMPTY_SEQ


class ModelBuilder:
    """Cross-reference checks and construction of the frozen model."""

    def __init__(self, root: YMap, damage: Optional[Damage] = None):
        self.root = root
        self.damage = damage or Damage()
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.units: dict[str, Unit] = {}
        self.groups: dict[str, Group] = {}
        self.people: dict[str, Person] = {}
        self.roles: set[str] = set()

    def error(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(mark[0], mark[1], message))

    def warn(self, mark: Mark, message: str) -> None:
        self.warnings.append(Problem(mark[0], mark[1], message, warning=True))

    def build(self) -> Checklist:
        root = self.root
        meta: YMap = root.get("checklist", _EMPTY_MAP)
        deadline = self.date(meta, "deadline") or dt.date.min
        units = self.build_units(_seq(root, "units"))
        groups = self.build_groups(root.get("groups", _EMPTY_MAP))
        people = self.build_people(_seq(root, "people"))
        self.check_heads(_seq(root, "units"))
        role_labels = self.build_role_labels(root.get("roles", _EMPTY_MAP))
        workflows = self.build_workflows(root.get("workflows", _EMPTY_MAP))
        findings = self.build_findings(_seq(root, "findings"))
        duties = self.build_duties(_seq(root, "duties"), deadline, {w.id for w in workflows},
                                   {f.id for f in findings})
        self.check_requirements(root.get("workflows", _EMPTY_MAP), workflows, duties)
        self.check_answered(_seq(root, "findings"), duties)
        return Checklist(
            id=meta.get("id", ""), title=meta.get("title", ""), deadline=deadline, units=units,
            groups=groups, people=people, workflows=workflows, duties=duties,
            inspections=self.build_inspections(_seq(root, "inspections")), source=meta.get("source"),
            issued=self.date(meta, "issued"), previous=meta.get("previous"),
            next=meta.get("next"), description=meta.get("description"),
            warning_days=meta.get("warning_days", 3),
            calendar=self.build_calendar(root.get("calendar")), findings=findings,
            escalation=self.build_escalation(_seq(root, "escalation")),
            notices=self.build_notices(root.get("notices")), role_labels=role_labels,
            permissions=self.build_permissions(root.get("permissions", _EMPTY_MAP)))

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

    def unique(self, entries: Iterable[YMap], what: str, key: str = "id") -> list[YMap]:
        """Entries whose id is seen for the first time; a repeat is an error."""
        seen: dict[str, Mark] = {}
        kept = []
        for entry in entries:
            mark = _mark(entry, key)
            if entry[key] in seen:
                self.error(mark, _("duplicate {what} id {id!r} (first at line {line})").format(
                    what=_(what), id=entry[key], line=seen[entry[key]][0]))
                continue
            seen[entry[key]] = mark
            kept.append(entry)
        return kept

    def units_of_kind(self, kind: str) -> tuple[str, ...]:
        return tuple(u.id for u in self.units.values() if u.kind == kind)

    def select(self, node: YMap, key: str) -> tuple[str, ...]:
        """Resolve a selector (owners, support, scope, targets) to unit ids."""
        selector: YMap = node[key]
        (how, value), = selector.items()
        mark = _mark(selector, how)
        if how == "unit" or how == "units":
            names = [value] if how == "unit" else value
            for name in names:
                if name not in self.units and not self.damage.hides("units", name):
                    self.error(mark, _("{key}: unknown unit {name!r}").format(key=key, name=name))
            return tuple(dict.fromkeys(n for n in names if n in self.units))
        if how == "group":
            if value not in self.groups:
                if not self.damage.hides("groups", value):
                    self.error(mark, _("{key}: unknown group {name!r}").format(key=key, name=value))
                return ()
            return self.groups[value].members
        found = self.units_of_kind(value)
        if not found and "units" not in self.damage.altered:
            self.error(mark, _("{key}: no unit has kind {kind!r}").format(key=key, kind=value))
        return found

    def check_role(self, role: str, mark: Mark, where: str) -> None:
        if role in BUILTIN_ROLES or role in self.roles or "people" in self.damage.altered:
            return
        self.error(mark, _("{where}: role {role!r} is neither built-in ({builtins}) nor held by anyone "
                           "under people").format(where=where, role=role, builtins=", ".join(BUILTIN_ROLES)))

    # -- units, groups, people, roles ---------------------------------------

    def build_units(self, entries: YSeq) -> tuple[Unit, ...]:
        for entry in self.unique(entries, N_("unit")):
            self.units[entry["id"]] = Unit(entry["id"], entry["name"], entry.get("kind"), entry.get("head"))
        return tuple(self.units.values())

    def check_heads(self, entries: YSeq) -> None:
        for entry in entries:
            head = entry.get("head")
            if head is not None and head not in self.people and not self.damage.hides("people", head):
                self.error(_mark(entry, "head"), _(
                    "unit {id!r}: head {person!r} is not a person declared under people").format(
                    id=entry["id"], person=head))

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
            if not found and "units" not in self.damage.altered:
                self.error(_mark(entry, "kind"), _("group {id!r}: no unit has kind {kind!r}").format(
                    id=group_id, kind=entry["kind"]))
            return found
        members: YSeq = entry["members"]
        for member, mark in zip(members, members.item_marks):
            if member not in self.units and not self.damage.hides("units", member):
                self.error(mark, _("group {id!r}: unknown unit {name!r}").format(id=group_id, name=member))
        return tuple(dict.fromkeys(m for m in members if m in self.units))

    def build_people(self, entries: YSeq) -> tuple[Person, ...]:
        logins: dict[str, Mark] = {}
        for entry in self.unique(entries, N_("person")):
            if entry["unit"] not in self.units and not self.damage.hides("units", entry["unit"]):
                self.error(_mark(entry, "unit"), _("person {id!r}: unknown unit {name!r}").format(
                    id=entry["id"], name=entry["unit"]))
            roles = tuple(entry.get("roles", ()))
            for role, mark in zip(roles, entry.get("roles", YSeq((0, 0))).item_marks):
                if role in BUILTIN_ROLES:
                    self.error(mark, _("person {id!r}: {role!r} is a built-in role and cannot be "
                                       "given").format(id=entry["id"], role=role))
            login = entry.get("login")
            if login is not None and login in logins:
                self.error(_mark(entry, "login"), _(
                    "person {id!r}: login {login!r} is already another person's (line {line})").format(
                    id=entry["id"], login=login, line=logins[login][0]))
            elif login is not None:
                logins[login] = _mark(entry, "login")
            self.roles.update(roles)
            self.people[entry["id"]] = Person(entry["id"], entry["name"], entry["unit"], roles,
                                              entry.get("title"), login)
        return tuple(self.people.values())

    def build_role_labels(self, entries: YMap) -> dict[str, str]:
        for role in entries:
            self.check_role(role, entries.key_marks[role], "roles")
        return {role: entry["label"] for role, entry in entries.items()}

    def build_permissions(self, node: YMap) -> dict[str, tuple[str, ...]]:
        permissions = permission_defaults()
        for action, roles in node.items():
            for role, mark in zip(roles, roles.item_marks):
                self.check_role(role, mark, f"permissions.{action}")
            permissions[action] = tuple(dict.fromkeys(roles))
        return permissions

    # -- workflows, findings, duties ----------------------------------------

    def build_workflows(self, entries: YMap) -> tuple[Workflow, ...]:
        workflows = []
        for workflow_id, entry in entries.items():
            workflow, problems = check_workflow(workflow_id, entry, self.roles,
                                                roles_known="people" not in self.damage.altered)
            self.problems.extend(p for p in problems if not p.warning)
            self.warnings.extend(p for p in problems if p.warning)
            workflows.append(workflow)
        return tuple(workflows)

    def build_findings(self, entries: YSeq) -> tuple[Finding, ...]:
        return tuple(Finding(e["id"], e["text"]) for e in self.unique(entries, N_("finding")))

    def build_duties(self, entries: YSeq, deadline: dt.date, workflows: set[str],
                     findings: set[str]) -> tuple[Duty, ...]:
        duties = []
        for entry in self.unique(entries, N_("duty")):
            owners = self.select(entry, "owners")
            support = self.select(entry, "support") if "support" in entry else ()
            for unit in set(owners) & set(support):
                self.error(_mark(entry, "support"), _(
                    "duty {id!r}: unit {unit!r} is both an owner and a support unit").format(
                    id=entry["id"], unit=unit))
            workflow = entry.get("workflow", "default")
            if workflow not in workflows and not self.damage.hides("workflows", workflow):
                self.error(_mark(entry, "workflow") if "workflow" in entry else _mark(entry, "id"),
                           _("duty {id!r}: unknown workflow {name!r}").format(id=entry["id"], name=workflow))
            answers = _seq(entry, "answers")
            for finding, mark in zip(answers, answers.item_marks):
                if finding not in findings and not self.damage.hides("findings", finding):
                    self.error(mark, _("duty {id!r}: unknown finding {name!r}").format(
                        id=entry["id"], name=finding))
            duties.append(Duty(
                id=entry["id"], title=entry["title"], owners=owners, workflow=workflow,
                deadline=self.date(entry, "deadline") or deadline, veto=entry.get("veto", False),
                description=entry.get("description"),
                evidence=self.build_evidence(entry), indicators=self.build_indicators(entry),
                ref=entry.get("ref"), support=support, answers=tuple(answers),
                carried_from=tuple(_seq(entry, "carried_from"))))
        return tuple(duties)

    def build_evidence(self, duty: YMap) -> tuple[Evidence, ...]:
        return tuple(Evidence(e["id"], e["name"], int(e["copies"]) if "copies" in e else None,
                              e.get("description"), e.get("file", False), e.get("optional", False))
                     for e in self.unique(_seq(duty, "evidence"), N_("evidence")))

    def build_indicators(self, duty: YMap) -> tuple[Indicator, ...]:
        indicators = []
        for entry in self.unique(_seq(duty, "indicators"), N_("indicator")):
            low, high = PERCENT_BOUNDS if entry.get("unit") == "%" else (None, None)
            low = entry.get("min", low)
            high = entry.get("max", high)
            if low is not None and high is not None and low > high:
                self.error(_mark(entry, "max" if "max" in entry else "min"), _(
                    "indicator {id!r}: min {low:g} is above max {high:g}").format(id=entry["id"], low=low, high=high))
            veto = entry.get("veto", False)
            if veto and entry.get("target") is None:
                self.warn(_mark(entry, "veto"), _(
                    "duty {duty!r}: veto indicator {id!r} has no target, so nothing can judge it: "
                    "declare the threshold the province sets (target: 'OP NUMBER')").format(duty=duty["id"], id=entry["id"]))
            indicators.append(Indicator(entry["id"], entry["name"], entry.get("unit", ""),
                                        _target(entry.get("target")), veto, _target(entry.get("aim")),
                                        None if low is None else float(low),
                                        None if high is None else float(high)))
        return tuple(indicators)

    def check_requirements(self, nodes: YMap, workflows: tuple[Workflow, ...],
                           duties: tuple[Duty, ...]) -> None:
        """An evidence or indicator id named in ``requires`` is declared by some duty using it."""
        if "duties" in self.damage.altered:
            return
        for workflow in workflows:
            users = [d for d in duties if d.workflow == workflow.id]
            for index, transition in enumerate(workflow.transitions):
                node = nodes[workflow.id]["transitions"][index]
                mark = node.value_marks.get("requires", node.mark)
                for kind, wanted in (("evidence", transition.requires.evidence),
                                     ("indicators", transition.requires.indicators)):
                    if isinstance(wanted, tuple):
                        self.check_declared(kind, wanted, users, transition.trigger, workflow.id, mark)

    def check_declared(self, kind: str, wanted: tuple[str, ...], users: list[Duty], trigger: str,
                       workflow: str, mark: Mark) -> None:
        declared = {x.id for d in users for x in (d.evidence if kind == "evidence" else d.indicators)}
        template = (_("transition {trigger!r} requires evidence {id!r}, which no duty using workflow "
                      "{workflow!r} declares") if kind == "evidence" else
                    _("transition {trigger!r} requires indicator {id!r}, which no duty using workflow "
                      "{workflow!r} declares"))
        for missing in [w for w in wanted if w not in declared]:
            self.error(mark, template.format(trigger=trigger, id=missing, workflow=workflow))

    def check_answered(self, entries: YSeq, duties: tuple[Duty, ...]) -> None:
        if "duties" in self.damage.altered:
            return
        answered = {f for d in duties for f in d.answers}
        for entry in entries:
            if entry["id"] not in answered:
                self.warn(_mark(entry, "id"), _("finding {id!r} is answered by no duty").format(id=entry["id"]))

    # -- inspections, calendar, escalation, notices --------------------------

    def build_inspections(self, entries: YSeq) -> tuple[Inspection, ...]:
        inspections = []
        final_at: Optional[Mark] = None
        for entry in self.unique(entries, N_("inspection")):
            start, end = self.date(entry, "from"), self.date(entry, "to")
            if start and end and start > end:
                self.error(_mark(entry, "to"), _("inspection {id!r} ends before it starts").format(id=entry["id"]))
            sample = entry.get("sample")
            if sample is not None and sample > 1 and sample != int(sample):
                self.error(_mark(entry, "sample"), _(
                    "inspection {id!r}: sample is a fraction up to 1 or a whole count, not {value}").format(
                    id=entry["id"], value=sample))
            scope = self.select(entry, "scope")
            targets = self.build_targets(entry, scope)
            if entry.get("final", False):
                if final_at is not None:
                    self.error(_mark(entry, "final"), _(
                        "inspection {id!r}: only one inspection may be final (first at line {line})").format(
                        id=entry["id"], line=final_at[0]))
                final_at = final_at or _mark(entry, "final")
            inspections.append(Inspection(entry["id"], entry["name"], start or dt.date.min,
                                          end or dt.date.min, scope, sample, targets,
                                          entry.get("final", False)))
        return tuple(inspections)

    def build_targets(self, entry: YMap, scope: tuple[str, ...]) -> tuple[str, ...]:
        if "targets" not in entry:
            return ()
        targets = self.select(entry, "targets")
        for unit in targets:
            if unit not in scope:
                self.error(_mark(entry, "targets"), _(
                    "inspection {id!r}: target unit {unit!r} is outside the round's scope").format(
                    id=entry["id"], unit=unit))
        return tuple(u for u in targets if u in scope)

    def build_calendar(self, node: Optional[YMap]) -> Optional[Calendar]:
        if node is None:
            return None
        days = {}
        for key in ("holidays", "workdays"):
            values = _seq(node, key)
            parsed = set()
            for value, mark in zip(values, values.item_marks):
                try:
                    parsed.add(dt.date.fromisoformat(value))
                except ValueError:
                    self.error(mark, _("{key}: {value!r} is not a real calendar date").format(key=key, value=value))
            days[key] = frozenset(parsed)
        return Calendar(days["holidays"], days["workdays"], node.get("source"))

    def build_escalation(self, entries: YSeq) -> tuple[EscalationLevel, ...]:
        return tuple(EscalationLevel(e["level"], e["label"], e["when"].get("returns"),
                                     e["when"].get("overdue_days"), e.get("action"))
                     for e in self.unique(entries, N_("escalation level"), key="level"))

    def build_notices(self, node: Optional[YMap]) -> Optional[NoticeRule]:
        if node is None:
            return None
        pattern = node["number"]
        try:
            fields = {name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name is not None}
        except ValueError:
            fields = {"{"}
        unknown = sorted(fields - {"year", "n"})
        if unknown:
            self.error(_mark(node, "number"), _(
                "notices.number: {pattern!r} may hold only {{year}} and {{n}} (write a brace as {{{{ or }}}})")
                .format(pattern=pattern))
        return NoticeRule(node["issuer"], pattern)


def _target(text: Any) -> Optional[Target]:
    if text is None:
        return None
    match = target_pattern().match(text)
    assert match is not None  # the schema checked the pattern
    return Target(match.group(1), float(match.group(2)))
