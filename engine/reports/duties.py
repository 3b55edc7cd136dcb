"""Rows of the 整改责任表: one row per duty, as the office prints it for the units.

Each row holds ids for the data formats (``owners``, ``support``, ``heads``,
``evidence``, ``findings`` are lists of ids) and, under ``*_text`` keys, the
words people read: unit names (a whole group by its name), the heads' names,
the materials with their paper copies (一式六份), the feedback's problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.i18n import _, count_words
from engine.model import Checklist, Duty, Evidence


def material_words(evidence: Evidence) -> str:
    """A material as the notice names it: 书面汇报材料一式六份 (in English: (6 paper copies))."""
    text = evidence.name
    if evidence.copies:
        text = _("{name}, {copies} paper copies").format(name=text, copies=count_words(evidence.copies))
    if evidence.optional:
        text += _(" (if needed)")
    return text


def units_words(checklist: Checklist, unit_ids: tuple[str, ...]) -> str:
    """Unit names; a set of units that is exactly a declared group goes by the group's name."""
    if not unit_ids:
        return ""
    wanted = set(unit_ids)
    group = next((g for g in checklist.groups if set(g.members) == wanted and len(wanted) > 1), None)
    if group is not None:
        return group.name
    return _(", ").join(checklist.unit_by_id[u].name for u in unit_ids)


def heads_of(checklist: Checklist, unit_ids: tuple[str, ...]) -> list[str]:
    """The 责任人 (``head``) of each unit that names one, in unit order, once each."""
    heads = (checklist.unit_by_id[u].head for u in unit_ids)
    return list(dict.fromkeys(h for h in heads if h))


def duty_row(checklist: Checklist, duty: Duty, verified: int) -> dict[str, Any]:
    heads = heads_of(checklist, duty.owners)
    findings = {f.id: f.text for f in checklist.findings}
    people = checklist.person_by_id
    return {
        "ref": duty.ref,
        "duty": duty.id,
        "title": duty.title,
        "description": duty.description,
        "owners": list(duty.owners),
        "support": list(duty.support),
        "heads": heads,
        "deadline": duty.deadline,
        "evidence": [e.id for e in duty.evidence],
        "findings": list(duty.answers),
        "verified": verified,
        "items": len(duty.owners),
        "owners_text": units_words(checklist, duty.owners),
        "support_text": units_words(checklist, duty.support),
        "heads_text": _(", ").join(people[h].name if h in people else h for h in heads),
        "evidence_text": "\n".join(material_words(e) for e in duty.evidence),
        "findings_text": "\n".join(findings.get(f, f) for f in duty.answers),
        "progress_text": f"{verified}/{len(duty.owners)}",
    }


def duty_rows(checklist: Checklist, states: Mapping[str, str]) -> list[dict[str, Any]]:
    """One row per duty, in the checklist's order; ``states`` maps item ids to state ids."""
    finals = {w.id: {s.id for s in w.states if s.final} for w in checklist.workflows}
    rows = []
    for duty in checklist.duties:
        done = finals[duty.workflow]
        verified = sum(1 for unit in duty.owners if states.get(f"{unit}/{duty.id}") in done)
        rows.append(duty_row(checklist, duty, verified))
    return rows
