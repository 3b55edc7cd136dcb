"""status's ``aims_unmet``: the indicators whose aim (力争) is not reached, advisory only."""

from __future__ import annotations

import pytest
from helpers import ops
from reports_model import BEFORE, CHECKLIST

from engine.formats import render
from engine.journal.sqlite import SQLiteStore
from engine.reports.rows import status_rows
from engine.reports.tables import status_report


@pytest.fixture
def store(tmp_path):
    store = SQLiteStore.init(str(tmp_path / "journal.db"), CHECKLIST.id)[0]
    yield store
    store.close()


def by_item(store):
    return {row["item"]: row for row in status_rows(CHECKLIST, store, BEFORE)}


def test_an_aim_is_unmet_until_a_value_reaches_it(store):
    rows = by_item(store)
    assert rows["dongshan/kongchuo"]["aims_unmet"] == ["proof_rate"]  # nothing recorded yet
    assert rows["dongshan/canji"]["aims_unmet"] == []  # its duty declares no aim
    ops.advance(CHECKLIST, store, "li", "dongshan/kongchuo", "start")
    ops.record(CHECKLIST, store, "li", "dongshan/kongchuo", ["proof_rate=95", "dropout=0"])
    row = by_item(store)["dongshan/kongchuo"]
    assert row["aims_unmet"] == ["proof_rate"] and row["aims_unmet_text"] == "取证到位率: 95%, aim >= 100"
    # 95 is no obstacle: verify checks targets, and 取证到位率 has only an aim
    for evidence in ("proof", "report"):
        ops.attach(CHECKLIST, store, "li", "dongshan/kongchuo", evidence)
    ops.advance(CHECKLIST, store, "wang", "dongshan/kongchuo", "verify", "材料齐全")
    assert by_item(store)["dongshan/kongchuo"]["state"] == "verified"
    assert by_item(store)["xihe/kongchuo"]["aims_unmet"] == ["proof_rate"]


def test_reached_aims_leave_the_field_empty_and_the_formats_show_ids_or_words(store):
    ops.advance(CHECKLIST, store, "li", "dongshan/kongchuo", "start")
    ops.record(CHECKLIST, store, "li", "dongshan/kongchuo", ["proof_rate=100"])
    assert by_item(store)["dongshan/kongchuo"]["aims_unmet"] == []
    report = status_report(CHECKLIST, store, BEFORE)
    csv_lines = render("csv", [report]).splitlines()
    assert csv_lines[0].endswith(",last_note,aims_unmet")
    assert csv_lines[1].endswith(",")  # dongshan/kongchuo: nothing unmet
    assert any(line.endswith(",proof_rate") for line in csv_lines[2:])  # xihe/kongchuo: the id
    assert "取证到位率: no value, aim \\>= 100" in render("markdown", [report])  # words; Markdown escapes >
