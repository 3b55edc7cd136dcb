"""engine.workflow.escalation: working days (chinese-calendar, explicit lists win) and levels."""

from __future__ import annotations

import datetime as dt

import pytest
from office_case import LADDER

from engine.model import Calendar
from engine.workflow import escalation
from engine.workflow.escalation import days_between, is_working_day, level_of, overdue_days

D = dt.date
CHINA = Calendar(source="china")


def test_china_knows_the_national_day_holiday_and_its_make_up_day():
    assert not is_working_day(CHINA, D(2026, 10, 1))  # 国庆节, a Thursday
    assert not is_working_day(CHINA, D(2026, 10, 7))  # a Wednesday inside the holiday
    assert is_working_day(CHINA, D(2026, 10, 10))  # 调休: Saturday worked
    assert not is_working_day(CHINA, D(2026, 10, 11))  # a plain Sunday


def test_explicit_lists_win_over_the_package():
    calendar = Calendar(holidays=frozenset({D(2026, 12, 1)}), workdays=frozenset({D(2026, 10, 1)}), source="china")
    assert is_working_day(calendar, D(2026, 10, 1))
    assert not is_working_day(calendar, D(2026, 12, 1))


def test_a_year_the_package_does_not_know_warns_once_and_counts_weekdays(monkeypatch):
    monkeypatch.setattr(escalation, "_unknown_years", set())
    monkeypatch.setattr(escalation, "_said", set())
    days_between.cache_clear()
    assert is_working_day(CHINA, D(2099, 1, 1))  # a Thursday: no holiday data for 2099
    assert not is_working_day(CHINA, D(2099, 1, 3))  # Saturday
    assert days_between(CHINA, D(2099, 1, 1), D(2099, 1, 8)) == 5
    warnings = escalation.calendar_warnings()
    assert len(warnings) == 1 and "2099" in warnings[0]


def test_days_count_working_days_only_with_a_calendar():
    # Fri 2026-10-09 -> Mon 2026-10-12: Sat 10 is 调休 (worked), Sun 11 is not, Mon 12 is
    assert days_between(CHINA, D(2026, 10, 9), D(2026, 10, 12)) == 2
    assert days_between(None, D(2026, 10, 9), D(2026, 10, 12)) == 3
    assert days_between(CHINA, D(2026, 10, 12), D(2026, 10, 9)) == -2
    # 10-01..10-08: the holiday week counts only Thursday 8th
    assert overdue_days(CHINA, D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert overdue_days(None, D(2026, 9, 30), D(2026, 10, 8)) == 8
    assert overdue_days(CHINA, D(2026, 10, 8), D(2026, 9, 30)) == 0


@pytest.mark.parametrize(
    "final, returns, late, expected",
    [
        (False, 0, 0, None),
        (False, 1, 0, "blue"),
        (False, 2, 0, "yellow"),
        (False, 0, 1, "yellow"),
        (False, 1, 9, "yellow"),
        (False, 0, 10, "red"),
        (False, 3, 0, "red"),
        (False, 7, 30, "red"),
        (True, 5, 30, None),  # final items have no level
    ],
)
def test_level_is_the_highest_rung_any_condition_reaches(final, returns, late, expected):
    level = level_of(LADDER, final, returns, late)
    assert (level.level if level else None) == expected


def test_many_unknown_years_make_one_warning_line(monkeypatch):
    """A far deadline (9999-12-31) once printed one warning per year: thousands of lines."""
    monkeypatch.setattr(escalation, "_unknown_years", set())
    monkeypatch.setattr(escalation, "_said", set())
    days_between.cache_clear()
    days_between(CHINA, D(2098, 12, 30), D(2101, 1, 2))
    assert escalation.calendar_warnings() == [
        escalation.calendar_warnings.__globals__["_"](
            "warning: the chinese-calendar package does not know {year}; counting Monday to Friday "
            "as working days (upgrade it, or list holidays and workdays in the checklist)"
        ).format(year="2098–2101")
    ]
    assert escalation.calendar_warnings() == []  # said once
