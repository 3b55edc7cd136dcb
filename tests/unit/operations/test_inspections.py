"""engine.operations.inspections: the recorded, reproducible draw and results tagged with a round."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3

import pytest
from helpers import ops
from office_case import office_checklist

from engine.errors import Refused
from engine.journal.sqlite import SQLiteStore
from engine.operations.audit import audit
from engine.operations.inspections import draw_round
from engine.reports.rounds import inspect_round, round_results
from engine.workflow.rounds import rank, round_items, sample_size

D = dt.date


@pytest.fixture
def checklist():
    return office_checklist()


@pytest.fixture
def store(tmp_path, checklist):
    store = SQLiteStore.init(str(tmp_path / "journal.db"), checklist.id)[0]
    yield store
    store.close()


def draw(checklist, store, *args, **kwargs):
    with store.transaction() as tx:
        return draw_round(checklist, tx, *args, **kwargs)


@pytest.mark.parametrize(
    "sample, n, k", [(None, 7, 7), (2, 7, 2), (0.3, 7, 3), (0.01, 7, 1), (0.5, 4, 2), (9, 7, 9), (1, 7, 1)]
)
def test_sample_size(sample, n, k):
    assert sample_size(sample, n) == k


def test_the_ranking_is_sha256_of_seed_and_item_in_hex_order():
    items = [f"u{i}/d" for i in range(20)]
    expected = sorted(items, key=lambda item: hashlib.sha256(f"42:{item}".encode()).hexdigest())
    assert rank(42, items) == expected
    assert rank(42, items) != rank(43, items)


def test_a_draw_is_one_event_that_anyone_recomputes_from_its_seed(checklist, store, tmp_path):
    result = draw(checklist, store, "wang", "draw-all", seed=20261211)
    population = [i.id for i in round_items(checklist, checklist.inspections[-1])]
    assert population == ["edu/zhenggai", "dongshan/kongchuo", "xihe/kongchuo"]
    event = result.event
    assert (event.item, event.trigger, event.from_state, event.to_state) == ("@round/draw-all", "draw", "", "")
    assert event.data["seed"] == 20261211 and event.data["sample"] == 2
    # "another machine": only the recorded data, and the published algorithm written out again
    data = json.loads(
        sqlite3.connect(tmp_path / "journal.db")
        .execute("SELECT data FROM events WHERE item = '@round/draw-all'")
        .fetchone()[0]
    )
    again = sorted(data["population"], key=lambda i: hashlib.sha256(f"{data['seed']}:{i}".encode()).hexdigest())
    assert data["drawn"] == again[: data["sample"]]
    assert store.current() == {}  # no current row for a journal-wide event
    assert audit(store).ok


def test_a_second_draw_is_refused_unless_redrawn_with_a_note(checklist, store):
    first = draw(checklist, store, "wang", "draw-all", seed=1)
    with pytest.raises(Refused, match="already drawn"):
        draw(checklist, store, "wang", "draw-all", seed=2)
    with pytest.raises(Refused, match="note"):
        draw(checklist, store, "wang", "draw-all", seed=2, redraw=True)
    second = draw(checklist, store, "wang", "draw-all", seed=2, redraw=True, note="抽签时漏了单位")
    view = inspect_round(checklist, store, "draw-all", D(2026, 12, 11))
    assert [i.id for i in view.items] == sorted(second.draw.drawn, key=[i.id for i in checklist.items].index)
    assert view.draw is not None and view.draw.seq == second.event.seq != first.event.seq


def test_drawing_needs_the_draw_permission_and_a_sample(checklist, store):
    with pytest.raises(Refused, match="only supervisor may draw"):
        draw(checklist, store, "li", "draw-all")
    with pytest.raises(Refused, match="who is acting"):
        draw(checklist, store, None, "draw-all")
    with pytest.raises(Refused, match="declares no sample"):
        draw(checklist, store, "wang", "review")
    with pytest.raises(Refused, match="unknown inspection round"):
        draw(checklist, store, "wang", "nope")
    assert store.head()[0] == 0


def test_a_sample_not_smaller_than_the_round_takes_all_with_a_warning(checklist, store):
    from dataclasses import replace

    big = replace(
        checklist, inspections=tuple(r._replace(sample=5) if r.id == "draw-all" else r for r in checklist.inspections)
    )
    result = draw(big, store, "wang", "draw-all", seed=7)
    assert len(result.draw.drawn) == 3 and result.warnings


def test_a_seedless_draw_takes_its_seed_from_the_os(checklist, store):
    a = draw(checklist, store, "wang", "draw-all").draw
    b = draw(checklist, store, "wang", "draw-all", redraw=True, note="again").draw
    assert a.seed != b.seed


def test_results_are_refused_outside_the_round_and_outside_its_draw(checklist, store):
    ops.advance(checklist, store, "li", "dongshan/kongchuo", "start", round_id="review")
    with pytest.raises(Refused, match="outside round"):
        ops.advance(checklist, store, "wang", "edu/zhenggai", "start", round_id="review")
    drawn = draw(checklist, store, "wang", "draw-all", seed=3).draw
    outside = next(i for i in drawn.population if i not in drawn.drawn)
    with pytest.raises(Refused, match="not drawn"):
        ops.advance(checklist, store, "wang", outside, "start", round_id="draw-all")
    assert store.item_events("dongshan/kongchuo")[0].data == {"round": "review"}


def test_a_targets_round_lists_only_its_named_units_without_drawing(checklist, store):
    view = inspect_round(checklist, store, "december", D(2026, 12, 1))
    assert [i.id for i in view.items] == ["edu/zhenggai"] and view.draw is None


def test_audit_recomputes_every_draw_from_its_seed(checklist, store, tmp_path):
    draw(checklist, store, "wang", "draw-all", seed=11)
    assert audit(store).ok
    conn = sqlite3.connect(tmp_path / "journal.db")
    conn.execute("DROP TRIGGER events_no_update")
    (data,) = conn.execute("SELECT data FROM events WHERE seq = 1").fetchone()
    forged = json.loads(data)
    forged["drawn"] = [i for i in forged["population"] if i not in forged["drawn"]][:1] + forged["drawn"][1:]
    # re-seal the forged event so that the hash chain itself holds: only the draw check can see it
    from engine.journal.chain import EVENT_COLUMNS, data_text, event_hash

    row = dict(zip(EVENT_COLUMNS, conn.execute("SELECT * FROM events WHERE seq = 1").fetchone()))
    row["data"] = forged
    del row["hash"]
    conn.execute("UPDATE events SET data = ?, hash = ? WHERE seq = 1", (data_text(forged), event_hash(row)))
    conn.execute(
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "  # put back: only the check tells
        "BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END"
    )
    conn.commit()
    report = audit(store)
    assert not report.ok and report.first_bad == 1
    assert "not what its seed 11 gives" in report.problems[0]


def test_the_round_report_says_checked_outcome_notes_and_change(checklist, store):
    # before the November round: dongshan started, xihe not
    ops.advance(checklist, store, "li", "dongshan/kongchuo", "start")
    view = round_results(checklist, store, "review", D(2026, 11, 20))
    assert {r["item"]: r["checked"] for r in view.rows} == {"dongshan/kongchuo": False, "xihe/kongchuo": False}
    ops.advance(checklist, store, "wang", "dongshan/kongchuo", "return", note="取证不全", round_id="review")
    view = round_results(checklist, store, "review", D(2026, 11, 20))
    rows = {r["item"]: r for r in view.rows}
    assert rows["dongshan/kongchuo"]["checked"] and rows["dongshan/kongchuo"]["notes"] == "取证不全"
    assert rows["dongshan/kongchuo"]["outcome"] == "退回整改 → 整改中"
    assert rows["dongshan/kongchuo"]["change"] == "returned"
    assert rows["xihe/kongchuo"]["change"] == "still_open"
    # past the deadline (12-10) with nothing done: newly overdue since the previous round
    view = round_results(checklist, store, "draw-all", D(2026, 12, 12))
    rows = {r["item"]: r for r in view.rows}
    assert rows["xihe/kongchuo"]["change"] == "newly_overdue"
