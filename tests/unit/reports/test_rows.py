"""engine.reports.rows and engine.listings.sort_rows: the rows behind status, summary and board.

The frozen copy of the bundled checklist (tests/fixtures/shuanggao-frozen.yaml) is driven through
engine.operations.items on a SQLite journal in tmp_path and on a PostgreSQL one; every deadline of
it is 2026-12-15 and its calendar makes 2026-10-01..07 holidays and Saturday 2026-10-10 a working day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from checklist_cases import FROZEN
from helpers import ops
from stores import new_journal

from engine.checklist.load import load_checklist
from engine.errors import ChecklistError, Refused
from engine.formats.report import MARKS
from engine.journal.sqlite import SQLiteStore
from engine.reports.rows import (
    GREEN,
    RED,
    YELLOW,
    StatusFilter,
    board_rows,
    days_left,
    item_states,
    status_rows,
    status_words,
    summary_rows,
    traffic_light,
)
from engine.reports.tables import sort_rows

D = dt.date
ITEM = "dongshan/kongchuo-baoxue"
OFFICE_ITEM = "dudao/dudao-jiancha"
DEADLINE = D(2026, 12, 15)
BEFORE = D(2026, 11, 20)  # far from every deadline
AFTER = D(2026, 12, 16)  # the day of the provincial follow-up: everything open is overdue
TOWNSHIPS = ["dongshan", "xihe", "nanling", "beiping", "shiqiao", "liuxi", "qingshan", "baisha", "longquan", "matou"]
TOWNSHIP_DUTIES = [
    "zuzhi-ruxue",
    "kongchuo-baoxue",
    "canji-pucha",
    "you-chengjiao",
    "wenhua-hukou",
    "quzheng",
    "yingjian-cailiao",
    "ziping-jihua",
]


@pytest.fixture(scope="module")
def checklist():
    return load_checklist(FROZEN)


@pytest.fixture
def store(store_url, checklist):
    """The journal on each store: the listings read the current table (and local times) from either."""
    store = new_journal(store_url, checklist.id)
    yield store
    store.close()


def verify_kongchuo(checklist, store, item=ITEM, reporter="lihua", supervisor="wangming"):
    """The whole path of a township's 抓控辍保学 to 已销号."""
    ops.advance(checklist, store, reporter, item, "start")
    for evidence in ("zerenshu", "ruxue-tongzhi", "quzheng-zhengming", "chuoxue-baogao"):
        ops.attach(checklist, store, reporter, item, evidence)
    ops.record(checklist, store, reporter, item, ["chuoxue-lv=0", "quzheng-daowei=100", "quzheng-youxiao=100"])
    return ops.advance(checklist, store, supervisor, item, "verify", "材料齐全")


def verify_office(checklist, store):
    """督导室's own duty, verified by the district leader (not by its own supervisors)."""
    ops.advance(checklist, store, "wangming", OFFICE_ITEM, "start")
    ops.attach(checklist, store, "wangming", OFFICE_ITEM, "peixun")
    ops.attach(checklist, store, "chenjing", OFFICE_ITEM, "ducha-jilu")
    ops.advance(checklist, store, "zhaoguoqiang", OFFICE_ITEM, "verify", "验收合格")


def rows_by_item(checklist, store, today, keep=None):
    return {row["item"]: row for row in status_rows(checklist, store, today, keep)}


# -- status_rows -------------------------------------------------------------


def test_status_rows_one_per_item_in_unit_order(checklist, store):
    rows = status_rows(checklist, store, BEFORE)
    assert [r["item"] for r in rows] == [i.id for i in checklist.items]
    assert len(rows) == len(checklist.items) == 10 * 8 + 7 + 2 + 1 + 2 + 5 * 2 + 5 * 3
    assert [r["duty"] for r in rows if r["unit"] == "dongshan"] == TOWNSHIP_DUTIES
    assert "district" not in {r["unit"] for r in rows}  # 区人民政府 owns no duty


def test_status_row_fields_of_a_fresh_item(checklist, store):
    row = rows_by_item(checklist, store, BEFORE)[ITEM]
    assert row == {
        "item": ITEM,
        "unit": "dongshan",
        "unit_name": "东山镇人民政府",
        "duty": "kongchuo-baoxue",
        "title": "抓控辍保学",
        "state": "pending",
        "state_label": "待整改",
        "deadline": D(2026, 12, 15),
        "days_left": 17,  # working days from Fri 2026-11-20 to Tue 2026-12-15
        "light": GREEN,
        "overdue": False,
        "veto": True,
        "returns": 0,
        "last_step": "",
        "last_at": "",
        # filled by their own features: the clause, an extension, escalation, notes
        "ref": None,
        "original_deadline": None,
        "level": None,
        "last_note": None,
        "aims_unmet": [],
    }  # this checklist's indicators are targets, none an aim


def step_words(checklist, row):
    """The last step as people read it (the row holds its trigger id)."""
    return status_words(checklist)["last_step"](row)


def test_status_row_after_steps(checklist, store):
    event = ops.advance(checklist, store, "lihua", ITEM, "start", "开始")
    row = rows_by_item(checklist, store, BEFORE)[ITEM]
    assert (row["state"], row["state_label"], row["last_step"], step_words(checklist, row)) == (
        "in_progress",
        "整改中",
        "start",
        "启动整改",
    )  # the trigger for scripts, its label for people
    moment = dt.datetime.fromisoformat(event.recorded_at.replace("Z", "+00:00")).astimezone()
    assert row["last_at"] == moment.strftime("%Y-%m-%d %H:%M")

    ops.record(checklist, store, "lihua", ITEM, ["chuoxue-lv=0"])
    row = rows_by_item(checklist, store, BEFORE)[ITEM]
    assert (row["last_step"], step_words(checklist, row)) == ("record", "recorded values")
    ops.attach(checklist, store, "lihua", ITEM, "zerenshu")
    row = rows_by_item(checklist, store, BEFORE)[ITEM]
    assert (row["state"], row["last_step"], step_words(checklist, row)) == (
        "in_progress",
        "attach",
        "attached evidence",
    )
    # the other items of the unit are untouched
    assert rows_by_item(checklist, store, BEFORE)["dongshan/quzheng"]["last_step"] == ""
    assert step_words(checklist, rows_by_item(checklist, store, BEFORE)["dongshan/quzheng"]) == ""


def test_veto_through_the_duty_or_an_indicator(checklist, store):
    rows = rows_by_item(checklist, store, BEFORE)
    assert rows["dongshan/canji-pucha"]["veto"] is True  # veto: true on the duty
    assert rows["dongshan/kongchuo-baoxue"]["veto"] is True  # duty and indicator
    assert rows["dongshan/quzheng"]["veto"] is False
    assert rows["edu/ruxue-kongchuo"]["veto"] is True
    expected = {i.id for i in checklist.items if i.duty.veto or any(x.veto for x in i.duty.indicators)}
    assert {item for item, row in rows.items() if row["veto"]} == expected
    assert len(expected) == 10 * 2 + 1 + 1 + 5


def test_returns_count_return_steps_only_not_reopen(checklist, store):
    ops.advance(checklist, store, "lihua", ITEM, "start")
    assert rows_by_item(checklist, store, BEFORE)[ITEM]["returns"] == 0
    ops.advance(checklist, store, "chenjing", ITEM, "return", "取证不全")
    row = rows_by_item(checklist, store, BEFORE)[ITEM]
    assert (row["returns"], step_words(checklist, row), row["state"]) == (1, "退回整改", "in_progress")
    for evidence in ("zerenshu", "ruxue-tongzhi", "quzheng-zhengming", "chuoxue-baogao"):
        ops.attach(checklist, store, "lihua", ITEM, evidence)
    ops.record(checklist, store, "lihua", ITEM, ["chuoxue-lv=0", "quzheng-daowei=100", "quzheng-youxiao=100"])
    assert rows_by_item(checklist, store, BEFORE)[ITEM]["returns"] == 1  # records are no return
    ops.advance(checklist, store, "wangming", ITEM, "verify", "ok")
    assert rows_by_item(checklist, store, BEFORE)[ITEM]["returns"] == 1  # verify is a step forward
    ops.advance(checklist, store, "wangming", ITEM, "reopen", "回头看发现问题")
    row = rows_by_item(checklist, store, BEFORE)[ITEM]
    # reopen (回头看) is no return: only steps declared ``return: true`` count (DESIGN)
    assert (row["returns"], row["last_step"], row["state_label"]) == (1, "reopen", "整改中")


# -- filters -----------------------------------------------------------------


def test_filter_by_unit_duty_and_state(checklist, store):
    ops.advance(checklist, store, "lihua", ITEM, "start")
    ops.advance(checklist, store, "huanglei", "xihe/quzheng", "start")
    dongshan = status_rows(checklist, store, BEFORE, StatusFilter(unit="dongshan"))
    assert [r["duty"] for r in dongshan] == TOWNSHIP_DUTIES
    by_duty = status_rows(checklist, store, BEFORE, StatusFilter(duty="kongchuo-baoxue"))
    assert [r["unit"] for r in by_duty] == TOWNSHIPS
    started = status_rows(checklist, store, BEFORE, StatusFilter(state="in_progress"))
    assert [r["item"] for r in started] == [ITEM, "xihe/quzheng"]
    both = status_rows(checklist, store, BEFORE, StatusFilter(unit="xihe", state="in_progress"))
    assert [r["item"] for r in both] == ["xihe/quzheng"]
    assert status_rows(checklist, store, BEFORE, StatusFilter(unit="edu", duty="kongchuo-baoxue")) == []
    pending = status_rows(checklist, store, BEFORE, StatusFilter(state="pending"))
    assert len(pending) == len(checklist.items) - 2


def test_filter_overdue_and_veto(checklist, store):
    verify_kongchuo(checklist, store)
    assert status_rows(checklist, store, DEADLINE, StatusFilter(overdue=True)) == []  # the last day is not late
    overdue = rows_by_item(checklist, store, AFTER, StatusFilter(overdue=True))
    assert set(overdue) == {i.id for i in checklist.items} - {ITEM}
    veto = rows_by_item(checklist, store, BEFORE, StatusFilter(veto=True))
    assert all(row["veto"] for row in veto.values()) and ITEM in veto and len(veto) == 27
    both = rows_by_item(checklist, store, AFTER, StatusFilter(overdue=True, veto=True))
    assert set(both) == set(veto) - {ITEM}
    one = status_rows(checklist, store, AFTER, StatusFilter(unit="dongshan", veto=True, overdue=True))
    assert [r["item"] for r in one] == ["dongshan/canji-pucha"]


@pytest.mark.parametrize(
    "today, overdue",
    [(D(2026, 12, 14), False), (D(2026, 12, 15), False), (D(2026, 12, 16), True), (D(2027, 3, 1), True)],
)
def test_overdue_is_past_the_deadline_and_not_final(checklist, store, today, overdue):
    verify_office(checklist, store)
    rows = rows_by_item(checklist, store, today)
    assert rows[ITEM]["overdue"] is overdue
    assert rows[OFFICE_ITEM]["overdue"] is False  # verified: never overdue


# -- days left and the traffic light ----------------------------------------


@pytest.mark.parametrize(
    "today, deadline, calendar_days, working_days",
    [
        (D(2026, 9, 30), D(2026, 10, 12), 12, 4),  # 10-01..07 holidays; 10-08, 10-09, Sat 10-10, 10-12
        (D(2026, 10, 12), D(2026, 9, 30), -12, -4),  # past the deadline: negative
        (D(2026, 10, 9), D(2026, 10, 10), 1, 1),  # the make-up Saturday is a working day
        (D(2026, 10, 10), D(2026, 10, 12), 2, 1),  # Sunday 10-11 is not
        (D(2026, 10, 1), D(2026, 10, 7), 6, 0),  # all holidays
        (D(2026, 12, 15), D(2026, 12, 15), 0, 0),
        (D(2026, 12, 11), D(2026, 12, 15), 4, 2),  # Fri -> Tue: Mon, Tue
        (D(2026, 12, 19), D(2026, 12, 18), -1, 0),  # Saturday after a Friday deadline
    ],
)
def test_days_left_in_working_days_with_a_calendar(checklist, today, deadline, calendar_days, working_days):
    assert checklist.calendar is not None
    assert days_left(checklist, today, deadline) == working_days
    plain = dataclasses.replace(checklist, calendar=None)
    assert days_left(plain, today, deadline) == calendar_days


def test_days_left_in_status_rows_follows_the_calendar(checklist, store):
    plain = dataclasses.replace(checklist, calendar=None)
    today = D(2026, 12, 10)  # Thursday: 5 calendar days, 3 working days (11, 14, 15) to the deadline
    assert rows_by_item(checklist, store, today)[ITEM]["days_left"] == 3
    assert rows_by_item(plain, store, today)[ITEM]["days_left"] == 5
    assert rows_by_item(checklist, store, D(2026, 12, 17))[ITEM]["days_left"] == -2
    assert rows_by_item(plain, store, D(2026, 12, 17))[ITEM]["days_left"] == -2


def test_traffic_light_rules():
    assert traffic_light(final=False, overdue=True, left=-1, warning_days=3) == RED
    assert traffic_light(final=False, overdue=False, left=0, warning_days=3) == YELLOW
    assert traffic_light(final=False, overdue=False, left=3, warning_days=3) == YELLOW
    assert traffic_light(final=False, overdue=False, left=4, warning_days=3) == GREEN
    assert traffic_light(final=True, overdue=False, left=-30, warning_days=3) is None  # 销号: no light
    assert traffic_light(final=True, overdue=False, left=1, warning_days=3) is None


def test_traffic_lights_in_status_rows(checklist, store):
    verify_kongchuo(checklist, store)
    plain = dataclasses.replace(checklist, calendar=None)
    assert checklist.warning_days == 3
    # far from the deadline
    assert {r["light"] for r in status_rows(checklist, store, BEFORE)} == {GREEN, None}  # None: verified
    # Thu 12-10: 3 working days left -> yellow; without the calendar 5 days -> green
    thursday = rows_by_item(checklist, store, D(2026, 12, 10))
    assert thursday["dongshan/quzheng"]["light"] == YELLOW
    assert rows_by_item(plain, store, D(2026, 12, 10))["dongshan/quzheng"]["light"] == GREEN
    assert thursday[ITEM]["light"] is None  # verified
    # Wed 12-09: 4 working days -> green
    assert rows_by_item(checklist, store, D(2026, 12, 9))["dongshan/quzheng"]["light"] == GREEN
    # the deadline itself: yellow, not yet red
    assert rows_by_item(checklist, store, DEADLINE)["dongshan/quzheng"]["light"] == YELLOW
    # past it: red, except the verified item: no light, not overdue, no days counted down
    after = rows_by_item(checklist, store, AFTER)
    assert after["dongshan/quzheng"]["light"] == RED
    assert (after[ITEM]["light"], after[ITEM]["overdue"], after[ITEM]["days_left"]) == (None, False, None)
    assert {r["light"] for r in after.values()} == {RED, None}


# -- summary -----------------------------------------------------------------


def test_summary_counts_per_state(checklist, store):
    verify_kongchuo(checklist, store)
    ops.advance(checklist, store, "lihua", "dongshan/quzheng", "start")
    summary = {g["unit"]: g for g in summary_rows(checklist, item_states(checklist, store.current(), AFTER))}
    assert set(summary) == {i.unit.id for i in checklist.items}
    assert summary["dongshan"] == {
        "unit": "dongshan",
        "unit_name": "东山镇人民政府",
        "items": 8,
        "state_pending": 6,
        "state_in_progress": 1,
        "state_verified": 1,
        "verified_pct": 12.5,
        "overdue": 7,
        "veto_open": 1,
    }
    assert summary["xihe"] == {
        "unit": "xihe",
        "unit_name": "西河乡人民政府",
        "items": 8,
        "state_pending": 8,
        "state_in_progress": 0,
        "state_verified": 0,
        "verified_pct": 0.0,
        "overdue": 8,
        "veto_open": 2,
    }
    assert summary["dudao"]["items"] == 1 and summary["dudao"]["veto_open"] == 0
    assert sum(g["items"] for g in summary.values()) == len(checklist.items)


def test_summary_pct_verified_rounds_to_one_decimal(checklist, store):
    # 区残联 owns 2 items: one verified is 50 %; a school owns 3: one verified is 33.3 %
    ops.advance(checklist, store, "wuxiuying", "canlian/canji-jianding", "start")
    for evidence in ("pucha-huizong", "yixue-jianding"):
        ops.attach(checklist, store, "wuxiuying", "canlian/canji-jianding", evidence)
    ops.advance(checklist, store, "wangming", "canlian/canji-jianding", "verify", "ok")
    ops.advance(checklist, store, "dujuan", "shiyan-xiaoxue/xuexiao-kongchuo", "start")
    ops.attach(checklist, store, "dujuan", "shiyan-xiaoxue/xuexiao-kongchuo", "fanxiao-jilu")
    ops.advance(checklist, store, "chenjing", "shiyan-xiaoxue/xuexiao-kongchuo", "verify", "ok")
    summary = {g["unit"]: g for g in summary_rows(checklist, item_states(checklist, store.current(), BEFORE))}
    assert summary["canlian"]["verified_pct"] == 50.0
    assert summary["shiyan-xiaoxue"]["verified_pct"] == 33.3
    assert (summary["canlian"]["veto_open"], summary["shiyan-xiaoxue"]["veto_open"]) == (0, 0)


def test_summary_worst_first(checklist, store):
    verify_kongchuo(checklist, store)
    verify_office(checklist, store)
    for today in (BEFORE, AFTER):
        summary = summary_rows(checklist, item_states(checklist, store.current(), today))
        order = [g["unit"] for g in summary]
        # the 9 townships with two open veto items lead; dongshan, with one left, follows them
        assert set(order[:9]) == set(TOWNSHIPS) - {"dongshan"}
        assert all(g["veto_open"] == 2 for g in summary[:9])
        assert summary[9]["veto_open"] == 1
        # worst first: open veto items, then overdue, then % verified (ascending)
        keys = [(-g["veto_open"], -g["overdue"], g["verified_pct"]) for g in summary]
        assert keys == sorted(keys)
        # the fully verified office comes last
        assert order[-1] == "dudao" and summary[-1]["verified_pct"] == 100.0
    # among units with one open veto item, dongshan has 12.5 % verified, the others 0 %: it is last of them
    ones = [
        g["unit"]
        for g in summary_rows(checklist, item_states(checklist, store.current(), BEFORE))
        if g["veto_open"] == 1
    ]
    assert ones[-1] == "dongshan"


def test_summary_overdue_ranks_before_progress(checklist, store):
    # among units without veto items, the one with nothing overdue (the verified office) is last
    verify_office(checklist, store)
    ops.advance(checklist, store, "zhoujianhua", "finance/caizheng-zhenggai", "start")
    summary = summary_rows(checklist, item_states(checklist, store.current(), AFTER))
    no_veto = [g for g in summary if g["veto_open"] == 0]
    assert [g["unit"] for g in no_veto][-1] == "dudao"  # overdue 0 ranks after every overdue unit
    assert all(g["overdue"] > 0 for g in no_veto[:-1])


def test_summary_by_duty(checklist, store):
    verify_kongchuo(checklist, store)
    summary = {g["duty"]: g for g in summary_rows(checklist, item_states(checklist, store.current(), AFTER), by="duty")}
    assert set(summary) == {d.id for d in checklist.duties}
    kongchuo = summary["kongchuo-baoxue"]
    assert kongchuo == {
        "duty": "kongchuo-baoxue",
        "title": "抓控辍保学",
        "items": 10,
        "state_pending": 9,
        "state_in_progress": 0,
        "state_verified": 1,
        "verified_pct": 10.0,
        "overdue": 9,
        "veto_open": 9,
    }
    assert summary["ziping-jihua"]["items"] == 18 and summary["ziping-jihua"]["veto_open"] == 0
    assert summary["xuexiao-kongchuo"]["items"] == 5 and summary["xuexiao-kongchuo"]["veto_open"] == 5
    first = summary_rows(checklist, item_states(checklist, store.current(), AFTER), by="duty")[0]
    assert first["duty"] == "canji-pucha"  # 10 open veto items: the worst duty


def test_summary_counts_survive_a_state_named_like_a_summary_column(write_checklist, minimal):
    """A state id is a free name; one spelled like a fixed summary key must not corrupt the counts
    (or the loader must refuse it)."""
    path = write_checklist(text=minimal.replace("in_progress", "items"))
    try:
        small = load_checklist(path)
    except ChecklistError:
        return  # refused at load time: fine too
    store = SQLiteStore.init(str(tmp_db := path.with_suffix(".db")), small.id)[0]
    try:
        ops.advance(small, store, "li", "dongshan/kongchuo", "start")
        summary = {g["unit"]: g for g in summary_rows(small, item_states(small, store.current(), BEFORE))}
    finally:
        store.close()
    assert tmp_db.exists()
    assert summary["dongshan"]["items"] == 1  # dongshan owns one item, now in state 'items'


# -- board -------------------------------------------------------------------


def test_board_one_row_per_unit_with_its_duties_only(checklist, store):
    board = board_rows(checklist, item_states(checklist, store.current(), BEFORE))
    owning = list(dict.fromkeys(i.unit.id for i in checklist.items))
    assert [row["unit"] for row in board] == owning
    assert len(board) == 24
    by_unit = {row["unit"]: row for row in board}
    assert set(by_unit["dongshan"]) == {
        "unit",
        "unit_name",
        MARKS,
        *TOWNSHIP_DUTIES,
        *(f"{d}:label" for d in TOWNSHIP_DUTIES),
    }
    assert by_unit["dongshan"]["unit_name"] == "东山镇人民政府"
    assert "wenti-zhenggai" not in by_unit["dongshan"]
    assert set(by_unit["dudao"]) == {"unit", "unit_name", MARKS, "dudao-jiancha", "dudao-jiancha:label"}
    assert by_unit["dongshan"]["quzheng"] == "pending"  # the state id (csv, json) ...
    assert by_unit["dongshan"]["quzheng:label"] == "待整改"  # ... and what people read
    assert by_unit["dongshan"]["kongchuo-baoxue:label"] == "待整改 ★"
    assert by_unit["dongshan"][MARKS] == {"kongchuo-baoxue": "*", "canji-pucha": "*"}  # the terminal's glyph marks


def test_board_marks_overdue_and_veto(checklist, store):
    verify_kongchuo(checklist, store)
    ops.advance(checklist, store, "lihua", "dongshan/quzheng", "start")
    before = {row["unit"]: row for row in board_rows(checklist, item_states(checklist, store.current(), BEFORE))}
    assert (before["dongshan"]["kongchuo-baoxue"], before["dongshan"][MARKS]["kongchuo-baoxue"]) == ("verified", "*")
    assert before["dongshan"]["quzheng"] == "in_progress" and "quzheng" not in before["dongshan"][MARKS]
    after = {row["unit"]: row for row in board_rows(checklist, item_states(checklist, store.current(), AFTER))}
    marks = {unit: row[MARKS] for unit, row in after.items()}
    assert marks["dongshan"]["kongchuo-baoxue"] == "*"  # verified: never overdue
    assert marks["dongshan"]["quzheng"] == "!"
    assert marks["dongshan"]["canji-pucha"] == "!*"
    assert marks["xihe"]["kongchuo-baoxue"] == "!*"
    assert marks["edu"]["wenti-zhenggai"] == "!"
    assert before["dongshan"]["kongchuo-baoxue:label"] == "已销号 ★"
    assert before["dongshan"]["quzheng:label"] == "整改中"
    assert after["dongshan"]["kongchuo-baoxue:label"] == "已销号 ★"  # verified: never overdue
    assert after["dongshan"]["quzheng:label"] == "整改中 ⚠"
    assert after["dongshan"]["canji-pucha:label"] == "待整改 ⚠★"
    assert after["xihe"]["kongchuo-baoxue:label"] == "待整改 ⚠★"
    assert after["edu"]["wenti-zhenggai:label"] == "待整改 ⚠"


# -- sort_rows ----------------------------------------------------------------


def test_sort_rows_by_light_then_days_left_descending(checklist, store):
    verify_kongchuo(checklist, store)
    rows = status_rows(checklist, store, D(2026, 12, 10), StatusFilter(unit="dongshan"))
    assert {r["light"] for r in rows} == {YELLOW, None}  # None: the verified item
    rows += [
        dict(rows[2], item="late-a", light=RED, days_left=-9),
        dict(rows[3], item="late-b", light=RED, days_left=-2),
        dict(rows[4], item="far", light=GREEN, days_left=40),
    ]
    ordered = sort_rows(list(rows), ["light", "-days_left"])
    assert [r["item"] for r in ordered[:2]] == ["late-b", "late-a"]
    assert [r["light"] for r in ordered] == [RED] * 2 + [YELLOW] * 7 + [GREEN, None]
    assert [r["item"] for r in ordered[-2:]] == ["far", ITEM]


def test_sort_rows_several_keys_and_descending(checklist, store):
    rows = status_rows(checklist, store, BEFORE, StatusFilter(duty="kongchuo-baoxue"))
    assert [r["unit"] for r in sort_rows(list(rows), ["unit"])] == sorted(TOWNSHIPS)
    assert [r["unit"] for r in sort_rows(list(rows), ["-unit"])] == sorted(TOWNSHIPS, reverse=True)
    both = status_rows(checklist, store, BEFORE, StatusFilter(unit="dongshan")) + rows[1:3]  # + xihe, nanling
    ordered = sort_rows(list(both), ["-veto", "unit", "duty"])
    plain_duties = sorted(set(TOWNSHIP_DUTIES) - {"kongchuo-baoxue", "canji-pucha"})
    assert [r["item"] for r in ordered] == [
        "dongshan/canji-pucha",
        "dongshan/kongchuo-baoxue",
        "nanling/kongchuo-baoxue",
        "xihe/kongchuo-baoxue",
        *[f"dongshan/{d}" for d in plain_duties],
    ]
    assert sort_rows(list(both), []) == both  # no key: order kept


def test_sort_rows_light_descending_puts_green_first():
    rows = [{"item": str(n), "light": light} for n, light in enumerate([GREEN, RED, YELLOW, RED])]
    assert [r["item"] for r in sort_rows(list(rows), ["light"])] == ["1", "3", "2", "0"]  # stable
    assert [r["light"] for r in sort_rows(list(rows), ["-light"])] == [GREEN, YELLOW, RED, RED]


def test_sort_rows_refuses_an_unknown_key():
    with pytest.raises(Refused) as refused:
        sort_rows([{"item": "a"}], ["-colour", "item", "bogus"])
    (reason,) = refused.value.reasons
    assert "-colour" in reason and "bogus" in reason and "days_left" in reason
