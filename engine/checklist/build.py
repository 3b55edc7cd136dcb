"""The model builder: every section of a schema-valid tree to the frozen Checklist.

Shared lookups and the damage record are in engine.checklist.references, duties
in engine.checklist.duties; this module adds units, groups, people, roles,
permissions, workflows, inspections, the calendar, escalation and notices.
"""

from __future__ import annotations

import datetime as dt
import string
from typing import Optional

from engine.checklist.duties import DutyBuilder
from engine.checklist.read import Mark, YMap, YSeq
from engine.checklist.references import _EMPTY_MAP, Damage, _mark, _seq
from engine.checklist.schema import permission_defaults
from engine.checklist.workflows import check_workflow
from engine.i18n import N_, _
from engine.model import (
    BUILTIN_ROLES,
    Calendar,
    Checklist,
    EscalationLevel,
    Group,
    Inspection,
    NoticeRule,
    Person,
    Unit,
    Workflow,
)

__all__ = ["Damage", "ModelBuilder"]


class ModelBuilder(DutyBuilder):
    """Cross-reference checks and construction of the frozen model."""

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
        duties = self.build_duties(_seq(root, "duties"), deadline, {w.id for w in workflows}, {f.id for f in findings})
        self.check_requirements(root.get("workflows", _EMPTY_MAP), workflows, duties)
        self.check_answered(_seq(root, "findings"), duties)
        return Checklist(
            id=meta.get("id", ""),
            title=meta.get("title", ""),
            deadline=deadline,
            units=units,
            groups=groups,
            people=people,
            workflows=workflows,
            duties=duties,
            inspections=self.build_inspections(_seq(root, "inspections")),
            source=meta.get("source"),
            issued=self.date(meta, "issued"),
            previous=meta.get("previous"),
            next=meta.get("next"),
            description=meta.get("description"),
            warning_days=meta.get("warning_days", 3),
            calendar=self.build_calendar(root.get("calendar")),
            findings=findings,
            escalation=self.build_escalation(_seq(root, "escalation")),
            notices=self.build_notices(root.get("notices")),
            role_labels=role_labels,
            permissions=self.build_permissions(root.get("permissions", _EMPTY_MAP)),
        )

    # -- units, groups, people, roles ---------------------------------------

    def build_units(self, entries: YSeq) -> tuple[Unit, ...]:
        for entry in self.unique(entries, N_("unit")):
            self.units[entry["id"]] = Unit(
                self.one(entry["id"]), entry["name"], self.one(entry.get("kind")), self.one(entry.get("head"))
            )
        return tuple(self.units.values())

    def check_heads(self, entries: YSeq) -> None:
        for entry in entries:
            head = entry.get("head")
            if head is not None and head not in self.people and not self.damage.hides("people", head):
                self.error(
                    _mark(entry, "head"),
                    _("unit {id!r}: head {person!r} is not a person declared under people").format(
                        id=entry["id"], person=head
                    ),
                )

    def build_groups(self, entries: YMap) -> tuple[Group, ...]:
        for group_id, entry in entries.items():
            mark = entries.value_marks[group_id]
            if ("members" in entry) == ("kind" in entry):
                self.error(mark, _("group {id!r}: give exactly one of members or kind").format(id=group_id))
            if group_id in self.units:
                self.error(entries.key_marks[group_id], _("group {id!r} has the id of a unit").format(id=group_id))
            members = self.group_members(entry, group_id)
            self.groups[group_id] = Group(group_id, entry["name"], members)
        return tuple(self.groups.values())

    def group_members(self, entry: YMap, group_id: str) -> tuple[str, ...]:
        if "members" not in entry and "kind" not in entry:
            return ()  # reported by build_groups
        if "kind" in entry:
            found = self.units_of_kind(entry["kind"])
            if not found and "units" not in self.damage.altered:
                self.error(
                    _mark(entry, "kind"),
                    _("group {id!r}: no unit has kind {kind!r}").format(id=group_id, kind=entry["kind"]),
                )
            return found
        members: YSeq = entry["members"]
        for member, mark in zip(members, members.item_marks):
            if member not in self.units and not self.damage.hides("units", member):
                self.error(mark, _("group {id!r}: unknown unit {name!r}").format(id=group_id, name=member))
        return tuple(dict.fromkeys(self.one(m) for m in members if m in self.units))

    def build_people(self, entries: YSeq) -> tuple[Person, ...]:
        logins: dict[str, Mark] = {}
        for entry in self.unique(entries, N_("person")):
            if entry["unit"] not in self.units and not self.damage.hides("units", entry["unit"]):
                self.error(
                    _mark(entry, "unit"),
                    _("person {id!r}: unknown unit {name!r}").format(id=entry["id"], name=entry["unit"]),
                )
            roles = tuple(entry.get("roles", ()))
            for role, mark in zip(roles, entry.get("roles", YSeq((0, 0))).item_marks):
                if role in BUILTIN_ROLES:
                    self.error(
                        mark,
                        _("person {id!r}: {role!r} is a built-in role and cannot be given").format(
                            id=entry["id"], role=role
                        ),
                    )
            login = entry.get("login")
            if login is not None and login in logins:
                self.error(
                    _mark(entry, "login"),
                    _("person {id!r}: login {login!r} is already another person's (line {line})").format(
                        id=entry["id"], login=login, line=logins[login][0]
                    ),
                )
            elif login is not None:
                logins[login] = _mark(entry, "login")
            self.roles.update(roles)
            self.people[entry["id"]] = Person(
                self.one(entry["id"]),
                entry["name"],
                self.one(entry["unit"]),
                self.one(roles),
                self.one(entry.get("title")),
                login,
            )
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
            workflow, problems = check_workflow(
                workflow_id, entry, self.roles, roles_known="people" not in self.damage.altered
            )
            self.problems.extend(p for p in problems if not p.warning)
            self.warnings.extend(p for p in problems if p.warning)
            workflows.append(workflow)
        return tuple(workflows)

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
                self.error(
                    _mark(entry, "sample"),
                    _("inspection {id!r}: sample is a fraction up to 1 or a whole count, not {value}").format(
                        id=entry["id"], value=sample
                    ),
                )
            scope = self.select(entry, "scope")
            targets = self.build_targets(entry, scope)
            if entry.get("final", False):
                if final_at is not None:
                    self.error(
                        _mark(entry, "final"),
                        _("inspection {id!r}: only one inspection may be final (first at line {line})").format(
                            id=entry["id"], line=final_at[0]
                        ),
                    )
                final_at = final_at or _mark(entry, "final")
            inspections.append(
                Inspection(
                    entry["id"],
                    entry["name"],
                    start or dt.date.min,
                    end or dt.date.min,
                    scope,
                    sample,
                    targets,
                    entry.get("final", False),
                )
            )
        return tuple(inspections)

    def build_targets(self, entry: YMap, scope: tuple[str, ...]) -> tuple[str, ...]:
        if "targets" not in entry:
            return ()
        targets = self.select(entry, "targets")
        for unit in targets:
            if unit not in scope:
                self.error(
                    _mark(entry, "targets"),
                    _("inspection {id!r}: target unit {unit!r} is outside the round's scope").format(
                        id=entry["id"], unit=unit
                    ),
                )
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
        return tuple(
            EscalationLevel(
                e["level"], e["label"], e["when"].get("returns"), e["when"].get("overdue_days"), e.get("action")
            )
            for e in self.unique(entries, N_("escalation level"), key="level")
        )

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
            self.error(
                _mark(node, "number"),
                _(
                    "notices.number: {pattern!r} may hold only {{year}} and {{n}} (write a brace as {{{{ or }}}})"
                ).format(pattern=pattern),
            )
        return NoticeRule(node["issuer"], pattern)
