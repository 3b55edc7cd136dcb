"""Verify the hash chain of a journal, event by event, in one pass."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Optional

from engine.i18n import _
from engine.journal.chain import GENESIS, Event, event_hash


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


def verify_chain(events: Iterable[Event], anchor: Optional[str] = None,
                 visit: Callable[[Event], None] = lambda event: None) -> AuditReport:
    """Check every event in order, calling ``visit`` on each good one; with ``anchor``, also
    that this earlier head is still present. Stops at the first bad position."""
    report = AuditReport()
    expected_seq, prev_hash = 1, GENESIS
    anchor_seen = anchor is None
    for event in events:
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
        visit(event)
        expected_seq, prev_hash = event.seq + 1, event.hash
        report.head_seq, report.head_hash = event.seq, event.hash
    if report.ok and not anchor_seen:
        report.fail(report.head_seq + 1, _(
            "anchor {anchor} is not in the journal: it was cut off or rewritten after that head "
            "was published").format(anchor=anchor))
    return report
