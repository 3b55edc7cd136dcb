"""Audit a journal: the hash chain, then the current-state table against a replay."""
from __future__ import annotations

from typing import Optional

from engine.i18n import _
from engine.journal.chain import Event
from engine.journal.store import Reader, Store
from engine.journal.verify import AuditReport, verify_chain
from engine.operations.inspections import draw_problems
from engine.operations.notices import numbering_problems


def audit(store: Store, anchor: Optional[str] = None) -> AuditReport:
    """Verify the chain and the current table, both read in one snapshot."""
    with store.snapshot() as reader:
        replayed: dict[str, tuple[str, int]] = {}
        journal_wide: list[Event] = []

        def replay(event: Event) -> None:
            if event.to_state:
                replayed[event.item] = (event.to_state, event.seq)
            else:  # journal-wide events (a draw, a notice) have no current row
                journal_wide.append(event)

        report = verify_chain(reader.events(), anchor, replay)
        if report.ok:
            _compare_current(reader, replayed, report)
            for seq, problem in sorted(draw_problems(journal_wide) + numbering_problems(journal_wide)):
                report.fail(seq, problem)
    return report


def _compare_current(reader: Reader, replayed: dict[str, tuple[str, int]], report: AuditReport) -> None:
    current = {item: (c.state, c.seq) for item, c in reader.current().items()}
    for item in sorted(set(current) | set(replayed)):
        if current.get(item) != replayed.get(item):
            seq = (replayed.get(item) or current.get(item) or ("", 0))[1]
            report.fail(seq, _("item {item}: the current-state table says {table}, the journal says "
                               "{journal}").format(item=item, table=current.get(item), journal=replayed.get(item)))
