"""summary's field ids: unit|duty, unit_name|title, items, state_<id>…, level_<id>…, verified_pct,
overdue, veto_open."""

from __future__ import annotations

from dataclasses import replace

from reports_model import BEFORE, CHECKLIST

from engine.journal.chain import CurrentState
from engine.model import EscalationLevel
from engine.reports.rows import item_states, summary_rows

LADDER = (EscalationLevel("blue", "蓝色督办", returns=1), EscalationLevel("red", "红色督办", returns=3))


def row(item: str, state: str, returns: int = 0) -> CurrentState:
    return CurrentState(item, state, returns, None, 1, "start", "2026-12-01T00:00:00Z", "", "2026-12-01 08:00")


def test_one_count_per_escalation_level_of_the_items_at_it():
    checklist = replace(CHECKLIST, escalation=LADDER)
    current = {  # returns set the levels: xihe/kongchuo red (3), dongshan/canji blue (1)
        "dongshan/kongchuo": row("dongshan/kongchuo", "verified"),
        "xihe/kongchuo": row("xihe/kongchuo", "in_progress", returns=3),
        "dongshan/canji": row("dongshan/canji", "in_progress", returns=1),
    }
    items = list(item_states(checklist, current, BEFORE))
    assert {item.id: item.level for item in items if item.level} == {"xihe/kongchuo": "red", "dongshan/canji": "blue"}
    rows = {row["unit"]: row for row in summary_rows(checklist, items)}
    assert list(rows["dongshan"]) == [
        "unit",
        "unit_name",
        "items",
        "state_pending",
        "state_in_progress",
        "state_planned",
        "state_verified",
        "level_blue",
        "level_red",
        "verified_pct",
        "overdue",
        "veto_open",
    ]
    assert [(u, r["level_blue"], r["level_red"], r["verified_pct"], r["veto_open"]) for u, r in rows.items()] == [
        ("xihe", 0, 1, 0.0, 1),
        ("dongshan", 1, 0, 50.0, 1),
        ("edu", 0, 0, 0.0, 0),
    ]  # worst first
    by_duty = summary_rows(checklist, items, "duty")
    assert [(r["duty"], r["title"], r["items"]) for r in by_duty][0] == ("canji", "抓残疾少儿普查", 1)
    assert "unit_name" not in by_duty[0]


def test_without_a_ladder_there_are_no_level_columns():
    rows = summary_rows(CHECKLIST, item_states(CHECKLIST, {}, BEFORE))
    assert not [key for key in rows[0] if key.startswith("level_")]
