"""Verify the hash chain of a journal, event by event, in one pass; parse published heads.

``--anchor`` takes a head published earlier: the bare hash (either case) or the pasted
``head N HASH`` line, blanks around it ignored. Each way it can fail has its own message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from engine.errors import UsageProblem
from engine.i18n import _
from engine.journal.chain import GENESIS, Event, event_hash

# The database triggers that refuse UPDATE and DELETE on events: every store creates these names.
APPEND_ONLY_GUARDS = ("events_no_delete", "events_no_update")
_HASH = re.compile(r"[0-9a-f]{64}")
_HEAD_LINE = re.compile(r"head\s+([0-9]+)\s+([0-9a-f]{64})")


class Anchor(NamedTuple):
    """A published head: its hash, and its position when the ``head N HASH`` line was pasted."""

    hash: str
    seq: Optional[int] = None


def parse_anchor(text: str) -> Anchor:
    """``HASH`` or ``head N HASH`` (any case, blanks around ignored) -> Anchor; else UsageProblem."""
    cleaned = text.strip().lower()
    if _HASH.fullmatch(cleaned):
        return Anchor(cleaned)
    line = _HEAD_LINE.fullmatch(cleaned)
    if line:
        return Anchor(line.group(2), int(line.group(1)))
    raise UsageProblem(
        _("--anchor {value!r}: expected a 64-hex head hash, or the line 'head N HASH' that audit printed").format(
            value=text
        )
    )


@dataclass
class AuditReport:
    """What an audit found: the head it reached, problems and warnings, where the chain broke."""

    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    first_bad: Optional[int] = None
    chain_broken: bool = False  # the chain itself failed: nothing after that position can be trusted

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, seq: Optional[int], message: str) -> None:
        if self.first_bad is None and seq is not None:
            self.first_bad = seq
        self.problems.append(message)


def missing_guards(present: set[str]) -> list[str]:
    return [name for name in APPEND_ONLY_GUARDS if name not in present]


def verify_chain(
    events: Iterable[Event],
    anchor: Optional[Anchor] = None,
    visit: Callable[[Event], None] = lambda event: None,
    report: Optional[AuditReport] = None,
) -> AuditReport:
    """Check every event in order, calling ``visit`` on each good one; with ``anchor``, also
    that this earlier head is still present. Stops at the first bad position."""
    report = report if report is not None else AuditReport()
    expected_seq, prev_hash = 1, GENESIS
    anchor_at: Optional[str] = None  # the hash found at the anchor's position, when it names one
    anchor_seen = anchor is None
    broken = False
    for event in events:
        broken = True
        if event.seq != expected_seq:
            report.fail(
                expected_seq,
                _("position {seq}: missing (the next event present is at position {found})").format(
                    seq=expected_seq, found=event.seq
                ),
            )
        elif event.prev_hash != prev_hash:
            report.fail(
                event.seq,
                _("position {seq}: does not follow its predecessor (prev_hash differs)").format(seq=event.seq),
            )
        elif event_hash(event.body()) != event.hash:
            report.fail(event.seq, _("position {seq}: content changed (hash differs)").format(seq=event.seq))
        else:
            broken = False
        if broken:
            report.chain_broken = True
            return report
        if anchor is not None:
            anchor_seen = anchor_seen or event.hash == anchor.hash
            if event.seq == anchor.seq:
                anchor_at = event.hash
        visit(event)
        expected_seq, prev_hash = event.seq + 1, event.hash
        report.head_seq, report.head_hash = event.seq, event.hash
    if anchor is not None:
        _judge_anchor(anchor, anchor_seen, anchor_at, report)
    return report


def _judge_anchor(anchor: Anchor, seen: bool, found_at: Optional[str], report: AuditReport) -> None:
    if anchor.seq is None:
        if not seen and anchor.hash != GENESIS:
            report.fail(
                report.head_seq + 1,
                _("anchor {anchor}: not a head of this journal: cut off, or from another journal").format(
                    anchor=anchor.hash
                ),
            )
    elif anchor.seq > report.head_seq:
        report.fail(
            report.head_seq + 1,
            _("anchor head {seq} {anchor}: the journal was cut off after {last}").format(
                seq=anchor.seq, anchor=anchor.hash, last=report.head_seq
            ),
        )
    elif (found_at or GENESIS) != anchor.hash:
        report.fail(
            anchor.seq,
            _("anchor head {seq} {anchor}: the journal was rewritten at or before {seq}").format(
                seq=anchor.seq, anchor=anchor.hash
            ),
        )
