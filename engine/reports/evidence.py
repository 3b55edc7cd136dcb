"""``evidence ITEM [EVIDENCE]``: the files stored for an item, from its attach events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from engine.errors import Refused
from engine.formats.report import Column, Report
from engine.i18n import N_, _
from engine.journal.store import Reader
from engine.model import Checklist

# (field id, header, row key of the human text or None)
EVIDENCE_COLUMNS = [
    ("evidence", N_("Evidence"), "name"),
    ("file", N_("File"), None),
    ("size", N_("Size (bytes)"), None),
    ("sha256", N_("sha256"), None),
    ("actor", N_("Submitted by"), "actor_name"),
    ("recorded_at", N_("Recorded at"), "recorded_local"),
    ("seq", N_("No."), None),
]


@dataclass(frozen=True)
class StoredEvidence:
    """A file attached as evidence, as the journal recorded it."""

    seq: int
    evidence: str
    name: str
    file: str
    size: int
    sha256: str
    actor: str
    recorded_at: str


def stored_evidence(
    checklist: Checklist, reader: Reader, item_id: str, evidence: Optional[str] = None
) -> list[StoredEvidence]:
    """Every file attached to the item (or to one of its evidence), oldest first."""
    item = checklist.item(item_id)
    if item is None:
        raise Refused([_("unknown item {item!r}: an item is UNIT/DUTY").format(item=item_id)])
    wanted = None
    if evidence is not None:
        found = item.duty.evidence_by_id(evidence) or next((e for e in item.duty.evidence if e.name == evidence), None)
        if found is None:
            known = ", ".join(f"{e.id} ({e.name})" for e in item.duty.evidence) or _("none")
            raise Refused([_("unknown evidence {id!r}; this duty has: {known}").format(id=evidence, known=known)])
        wanted = found.id
    names = {e.id: e.name for e in item.duty.evidence}
    return [
        StoredEvidence(
            e.seq,
            e.data["evidence"],
            names.get(e.data["evidence"], e.data["evidence"]),
            str(e.data.get("file", "")),
            int(e.data.get("size", 0)),
            e.data["sha256"],
            e.actor,
            e.recorded_at,
        )
        for e in reader.item_events(item.id)
        if "sha256" in e.data and "evidence" in e.data and wanted in (None, e.data["evidence"])
    ]


def evidence_report(checklist: Checklist, item_id: str, files: list[StoredEvidence], today: dt.date) -> Report:
    people = checklist.person_by_id
    rows = [
        {
            "evidence": f.evidence,
            "name": f.name,
            "file": f.file,
            "size": f.size,
            "sha256": f.sha256,
            "actor": f.actor,
            "actor_name": people[f.actor].name if f.actor in people else f.actor,
            "recorded_at": f.recorded_at,
            "recorded_local": _local(f.recorded_at),
            "seq": f.seq,
        }
        for f in files
    ]
    return Report(
        _("Evidence files of {item}").format(item=item_id),
        [Column(key, _(header), shown=shown) for key, header, shown in EVIDENCE_COLUMNS],
        rows,
    )


def _local(recorded_at: str) -> str:
    """``YYYY-MM-DD HH:MM`` in the machine's time zone, as human formats show times."""
    try:
        moment = dt.datetime.fromisoformat(recorded_at.replace("Z", "+00:00"))
    except ValueError:
        return recorded_at
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
