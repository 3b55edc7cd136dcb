"""Recompute the journal's hash chain and compare the current-state table."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from engine.i18n import _
from engine.journal import GENESIS, SQLiteStore, event_hash


@dataclass
class AuditReport:
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)
    first_bad: Optional[int] = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, seq: int, message: str) -> None:
        if self.first_bad is None:
            self.first_bad = seq
        self.problems.append(message)


def audit(store: SQLiteStore, anchor: Optional[str] = None) -> AuditReport:
    """Check every event in order; with ``anchor``, also that this earlier head is still present."""
    report = AuditReport()
    expected_seq, prev_hash = 1, GENESIS
    anchor_seen = anchor is None
    replayed: dict[str, tuple[str, int]] = {}
    for event in store.events():
        if event.seq != expected_seq:
            report.fail(expected_seq, _("position {seq}: missing (the next event present is at position {found})").format(
                seq=expected_seq, found=event.seq))
        elif event.prev_hash != prev_hash:
            report.fail(event.seq, _("position {seq}: does not follow its predecessor "
                                     "(prev_hash differs)").format(seq=event.seq))
        elif event_hash(event.body()) != event.hash:
            report.fail(event.seq, _("position {seq}: content changed (hash differs)").format(seq=event.seq))
        if report.problems:
            break
        anchor_seen = anchor_seen or event.hash == anchor
        replayed[event.item] = (event.to_state, event.seq)
        expected_seq, prev_hash = event.seq + 1, event.hash
        report.head_seq, report.head_hash = event.seq, event.hash
    if report.ok and not anchor_seen:
        report.fail(report.head_seq + 1, _(
            "anchor {anchor} is not in the journal: it was cut off or rewritten after that head "
            "was published").format(anchor=anchor))
    if report.ok:
        _compare_current(store, replayed, report)
    return report


def _compare_current(store: SQLiteStore, replayed: dict[str, tuple[str, int]], report: AuditReport) -> None:
    current = {item: (c.state, c.seq) for item, c in store.current().items()}
    for item in sorted(set(current) | set(replayed)):
        if current.get(item) != replayed.get(item):
            seq = (replayed.get(item) or current.get(item) or ("", 0))[1]
            report.fail(seq, _("item {item}: the current-state table says {table}, the journal says "
                               "{journal}").format(item=item, table=current.get(item), journal=replayed.get(item)))
