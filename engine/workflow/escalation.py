"""Working days and escalation levels (督办).

Days are counted in working days when the checklist declares a calendar:
``source: china`` asks the ``chinese-calendar`` package (statutory holidays
and 调休); the checklist's own ``holidays`` and ``workdays`` win over it,
because the package needs a yearly upgrade and the office may know better.
A year the package does not know falls back to weekends, and says so once.

An item's level is the highest rung of the ladder any of whose conditions
holds (``returns`` >= N, or ``overdue_days`` >= N); final items have none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from engine.i18n import _
from engine.model import Calendar, Checklist, Duty, EscalationLevel

_unknown_years: set[int] = set()  # years the package did not know, said once per process
_said: set[int] = set()


def calendar_warnings() -> list[str]:
    """At most one line for the years the calendar package did not know and that were not said
    yet (the CLI prints it after a command): ``2027`` or ``2027–2031``."""
    new = sorted(year for year in _unknown_years if year not in _said)
    _said.update(new)
    if not new:
        return []
    years = str(new[0]) if len(new) == 1 else f"{new[0]}–{new[-1]}"
    return [
        _(
            "warning: the chinese-calendar package does not know {year}; counting Monday to Friday "
            "as working days (upgrade it, or list holidays and workdays in the checklist)"
        ).format(year=years)
    ]


def _china_working_day(day: dt.date) -> Optional[bool]:
    """The package's answer, or None for a year it does not know."""
    if day.year in _unknown_years:
        return None
    import chinese_calendar  # ~15 ms: only when a calendar asks for it

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _unknown_years.add(day.year)
        return None


def is_working_day(calendar: Calendar, day: dt.date) -> bool:
    if day in calendar.workdays:
        return True
    if day in calendar.holidays:
        return False
    if calendar.source == "china":
        known = _china_working_day(day)
        if known is not None:
            return known
    return day.weekday() < 5


@lru_cache(maxsize=4096)  # a listing asks for the same few deadlines 100,000 times
def days_between(calendar: Optional[Calendar], start: dt.date, end: dt.date) -> int:
    """Days from ``start`` to ``end`` (negative when ``end`` is earlier): the days in
    (start, end] that count — every day without a calendar, working days with one."""
    if calendar is None:
        return (end - start).days
    low, high, sign = (start, end, 1) if end >= start else (end, start, -1)
    return sign * sum(
        1 for n in range(1, (high - low).days + 1) if is_working_day(calendar, low + dt.timedelta(days=n))
    )


def overdue_days(calendar: Optional[Calendar], deadline: dt.date, today: dt.date) -> int:
    """How many (working) days past the deadline today is; 0 when not past it."""
    return max(0, days_between(calendar, deadline, today))


def level_of(ladder: Sequence[EscalationLevel], final: bool, returns: int, late_days: int) -> Optional[EscalationLevel]:
    """The highest level of the ladder whose condition holds, or None (final items: None)."""
    if final:
        return None
    for level in reversed(ladder):
        if level.returns is not None and returns >= level.returns:
            return level
        if level.overdue_days is not None and late_days > 0 and late_days >= level.overdue_days:
            return level
    return None


def level_by_id(ladder: Sequence[EscalationLevel], level_id: str) -> Optional[EscalationLevel]:
    return next((level for level in ladder if level.level == level_id or level.label == level_id), None)


@dataclass(frozen=True)
class Standing:
    """Where an item stands today: its deadline in force, lateness and level."""

    deadline: dt.date  # in force: the last extension's, else the duty's
    original_deadline: dt.date
    overdue: bool  # today is past the deadline and the state is not final
    days_left: int  # negative past the deadline
    overdue_days: int
    level: Optional[EscalationLevel]


def standing(
    checklist: Checklist, duty: Duty, final: bool, returns: int, extended: Optional[str], today: dt.date
) -> Standing:
    """Where an item of ``duty`` stands; ``extended``: the ISO deadline of its last extension, if any."""
    return _standing(checklist.calendar, checklist.escalation, duty.deadline, final, returns, extended, today)


@lru_cache(maxsize=4096)  # a province's 100,000 items share a handful of (deadline, returns) pairs
def _standing(
    calendar: Optional[Calendar],
    ladder: tuple[EscalationLevel, ...],
    original: dt.date,
    final: bool,
    returns: int,
    extended: Optional[str],
    today: dt.date,
) -> Standing:
    deadline = dt.date.fromisoformat(extended) if extended else original
    overdue = today > deadline and not final
    late = overdue_days(calendar, deadline, today) if overdue else 0
    left = days_between(calendar, today, deadline)
    return Standing(deadline, original, overdue, left, late, level_of(ladder, final, returns, late))
