"""json is written in parts of a few thousand rows (a province's listing is never held whole):
the parts join to exactly the text one part would be."""

from __future__ import annotations

import datetime as dt
import json

from engine.formats import data, render, render_parts
from engine.formats.report import Column, Report


def report(n: int) -> Report:
    rows = [
        {"item": f"u{i}/d", "note": f"第{i}条 \u202e 注", "deadline": dt.date(2026, 12, 1), "ratio": i / 3}
        for i in range(n)
    ]
    rows[n // 2]["ratio"] = float("nan")  # one part takes the row-by-row way: null
    columns = [Column(key, key) for key in ("item", "note", "deadline", "ratio")]
    return Report("状态", columns, rows)


def test_parts_join_to_the_whole_text_whatever_the_part_size(monkeypatch):
    whole = render("json", [report(25)])
    monkeypatch.setattr(data, "ROWS_PER_PART", 4)
    parts = list(render_parts("json", [report(25)]))
    assert len(parts) > 7  # 25 rows in parts of 4, with the separators between them
    assert "".join(parts) == whole == render("json", [report(25)])
    rows = json.loads(whole)
    assert [row["item"] for row in rows] == [f"u{i}/d" for i in range(25)]
    assert rows[12]["ratio"] is None and rows[0]["deadline"] == "2026-12-01"
    assert "\u202e" not in whole and "\\u202e" in whole  # bidi controls escaped in every part
    assert whole.count("\n") == 1 + 25 + 1  # the bracket, a row per line, the bracket


def test_several_reports_in_parts(monkeypatch):
    monkeypatch.setattr(data, "ROWS_PER_PART", 3)
    text = "".join(render_parts("json", [report(7), report(2)]))
    assert text == render("json", [report(7), report(2)])
    assert [len(rows) for rows in json.loads(text).values()] == [7, 2]
