"""Levels, extensions and reminders in the listings: status, summary, board, remind, history."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import ops
from office_case import office_checklist

from engine.errors import Refused
from engine.journal.sqlite import SQLiteStore
from engine.model import Calendar
from engine.reports.reminders import remind_reports, remind_rows
from engine.reports.rows import StatusFilter, board_label_key, status_rows, status_words
from engine.reports.tables import board_report, status_report, summary_report

D = dt.date
ITEM = "dongshan/kongchuo"  # deadline 2026-12-10


@pytest.fixture
def checklist():
    return office_checklist()


@pytest.fixture
def store(tmp_path, checklist):
    store = SQLiteStore.init(str(tmp_path / "journal.db"), checklist.id)[0]
    yield store
    store.close()


def row(checklist, store, today, item=ITEM):
    return next(r for r in status_rows(checklist, store, today) if r["item"] == item)


def test_an_extension_moves_the_light_the_overdue_flag_and_the_level(checklist, store):
    ops.advance(checklist, store, "li", ITEM, "start")
    late = row(checklist, store, D(2026, 12, 12))
    assert (late["overdue"], late["light"], late["level"], late["deadline"]) == (
        True,
        "red",
        "yellow",
        dt.date(2026, 12, 10),
    )
    with pytest.raises(Refused, match="--deadline"):
        ops.advance(checklist, store, "wang", ITEM, "extend", note="申请延期")
    with pytest.raises(Refused, match="later than the one in force, 2026-12-10"):
        ops.advance(checklist, store, "wang", ITEM, "extend", note="申请延期", deadline="2026-12-10")
    with pytest.raises(Refused, match="not a date"):
        ops.advance(checklist, store, "wang", ITEM, "extend", note="申请延期", deadline="12/20")
    with pytest.raises(Refused, match="drop --deadline"):
        ops.advance(checklist, store, "wang", ITEM, "return", note="x", deadline="2026-12-30")
    event = ops.advance(checklist, store, "wang", ITEM, "extend", note="申请延期", deadline="2026-12-31")
    assert event.data == {"deadline": "2026-12-31", "previous_deadline": "2026-12-10"}
    assert event.from_state == event.to_state == "in_progress"
    now = row(checklist, store, D(2026, 12, 12))
    assert (now["overdue"], now["light"], now["level"]) == (False, "green", None)
    assert (now["deadline"], now["original_deadline"], now["days_left"]) == (
        dt.date(2026, 12, 31),
        dt.date(2026, 12, 10),
        19,
    )
    # a second extension must beat the first, and history keeps both
    with pytest.raises(Refused, match="2026-12-31"):
        ops.advance(checklist, store, "wang", ITEM, "extend", note="再延", deadline="2026-12-20")
    history = ops.history(checklist, store, ITEM)
    assert [e.data.get("previous_deadline") for e in history if e.trigger == "extend"] == ["2026-12-10"]


def test_levels_in_status_filter_summary_and_board(checklist, store):
    ops.advance(checklist, store, "li", ITEM, "start")
    ops.advance(checklist, store, "wang", ITEM, "return", note="一")
    assert row(checklist, store, D(2026, 12, 1))["level"] == "blue"
    ops.advance(checklist, store, "wang", ITEM, "return", note="二")
    status = row(checklist, store, D(2026, 12, 1))
    level_words = status_words(checklist)["level"]
    assert (status["level"], level_words(status), status["returns"]) == ("yellow", "黄色督办", 2)
    assert level_words(row(checklist, store, D(2026, 12, 1), item="xihe/kongchuo")) is None  # no level: blank
    report = status_report(checklist, store, D(2026, 12, 1), StatusFilter(level="yellow"))
    assert [r["item"] for r in report.rows] == [ITEM]
    with pytest.raises(Refused, match="unknown escalation level"):
        status_report(checklist, store, D(2026, 12, 1), StatusFilter(level="green"))
    summary = {r["unit"]: r for r in summary_report(checklist, store, D(2026, 12, 1)).rows}
    assert summary["dongshan"]["level_yellow"] == 1 and summary["xihe"]["level_yellow"] == 0
    assert "level_red" in {c.key for c in summary_report(checklist, store, D(2026, 12, 1)).columns}
    board = {r["unit"]: r for r in board_report(checklist, store, D(2026, 12, 1)).rows}
    assert board["dongshan"]["kongchuo"] == "in_progress"
    assert "黄色督办" in board["dongshan"][board_label_key("kongchuo")]


def test_working_days_count_days_left_with_a_calendar(store):
    checklist = office_checklist(Calendar(source="china"))
    # Tue 12-01 -> Thu 12-10: 7 working days (two weekends out); 9 calendar days
    assert row(checklist, store, D(2026, 12, 1))["days_left"] == 7
    assert row(office_checklist(), store, D(2026, 12, 1))["days_left"] == 9
    # 12-22 is 12 calendar days past the deadline (red) but 8 working days (yellow)
    assert row(checklist, store, D(2026, 12, 22))["level"] == "yellow"
    assert row(office_checklist(), store, D(2026, 12, 22))["level"] == "red"
    assert row(checklist, store, D(2026, 12, 24))["level"] == "red"


def test_status_by_finding(checklist, store):
    rows = status_report(checklist, store, D(2026, 12, 1), StatusFilter(finding="f1")).rows
    assert [r["item"] for r in rows] == ["dongshan/kongchuo", "xihe/kongchuo"]
    with pytest.raises(Refused, match="unknown finding"):
        status_report(checklist, store, D(2026, 12, 1), StatusFilter(finding="f9"))


def test_remind_lists_due_and_overdue_items_per_unit_with_the_head(checklist, store):
    assert remind_rows(checklist, store, D(2026, 12, 1)) == []  # 9 days left > 3
    rows = remind_rows(checklist, store, D(2026, 12, 8))  # 2 days left
    assert [r["item"] for r in rows] == ["dongshan/kongchuo", "xihe/kongchuo"]
    assert rows[0]["head"] == "李华" and rows[1]["head"] == ""
    assert "在外就读学生取证证明" in rows[0]["lacks"]
    assert [r["item"] for r in remind_rows(checklist, store, D(2026, 12, 1), within=9)] == [
        "dongshan/kongchuo",
        "xihe/kongchuo",
    ]
    # after the deadline the bureau's item (12-15) is due too, and the townships' are overdue
    rows = remind_rows(checklist, store, D(2026, 12, 12))
    assert [(r["item"], r["overdue"]) for r in rows] == [
        ("edu/zhenggai", False),
        ("dongshan/kongchuo", True),
        ("xihe/kongchuo", True),
    ]
    per_unit = remind_reports(checklist, store, D(2026, 12, 12), None, {}, per_unit=True)
    assert [r.meta["unit"] for r in per_unit] == ["edu", "dongshan", "xihe"]
    with pytest.raises(Refused):
        remind_rows(checklist, store, D(2026, 12, 1), within=-1)
    # a verified item is never reminded, even past its deadline
    ops.advance(checklist, store, "li", ITEM, "start")
    ops.attach(checklist, store, "li", ITEM, "proof")
    ops.attach(checklist, store, "li", ITEM, "report")
    ops.record(checklist, store, "li", ITEM, ["proof_rate=100"])
    ops.advance(checklist, store, "wang", ITEM, "verify", note="材料齐全")
    assert ITEM not in {r["item"] for r in remind_rows(checklist, store, D(2026, 12, 12))}


def test_the_summary_by_duty_charts_the_units_as_the_summary_by_unit_does(checklist, store):
    ops.advance(checklist, store, "li", ITEM, "start")
    by_unit = summary_report(checklist, store, D(2026, 12, 1))
    by_duty = summary_report(checklist, store, D(2026, 12, 1), by="duty")
    assert {r["duty"] for r in by_duty.rows} == {d.id for d in checklist.duties}
    assert len(by_unit.chart) == len(by_unit.rows) > 1
    assert by_duty.chart == by_unit.chart
