"""engine.model: the one expansion of duties' owners into items, the one item-id format, and the
units and people a pickled checklist makes only when read."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest
from checklist_cases import FROZEN

from engine.checklist.load import load_checklist
from engine.model import Person, Records, Unit, item_id

CHECKLIST = load_checklist(FROZEN)


def test_an_item_id_is_unit_slash_duty():
    assert item_id("dongshan", "kongchuo-baoxue") == "dongshan/kongchuo-baoxue"
    assert all(item.id == item_id(item.unit.id, item.duty.id) for item in CHECKLIST.items)


def test_items_are_each_owner_of_each_duty_once_unit_order_first():
    expected = [(unit.id, duty.id) for unit in CHECKLIST.units for duty in CHECKLIST.duties if unit.id in duty.owners]
    assert [(i.unit.id, i.duty.id) for i in CHECKLIST.items] == expected
    assert len(CHECKLIST.items) == sum(len(duty.owners) for duty in CHECKLIST.duties)


@pytest.mark.parametrize(
    "unit, duty",
    [
        ("dongshan", None),
        (None, "kongchuo-baoxue"),
        ("dongshan", "kongchuo-baoxue"),
        ("edu", "kongchuo-baoxue"),
        ("nowhere", None),
        (None, None),
    ],
)
def test_items_of_a_unit_or_duty_keep_the_order_of_all_items(unit, duty):
    expected = [i for i in CHECKLIST.items if unit in (None, i.unit.id) and duty in (None, i.duty.id)]
    assert list(CHECKLIST.items_of(unit, duty)) == expected


def test_item_lookup_agrees_with_the_expansion():
    for item in CHECKLIST.items:
        assert CHECKLIST.item(item.id) == item
    owned = {item.id for item in CHECKLIST.items}
    for unit in CHECKLIST.units:
        for duty in CHECKLIST.duties:
            key = item_id(unit.id, duty.id)
            assert (CHECKLIST.item(key) is not None) == (key in owned), key
    assert CHECKLIST.item("dongshan") is None and CHECKLIST.item("/kongchuo-baoxue") is None


def unpickled():
    return pickle.loads(pickle.dumps(CHECKLIST, protocol=pickle.HIGHEST_PROTOCOL))


def made(records: Records) -> int:
    return sum(record is not None for record in records._made)


def test_a_pickled_checklist_makes_units_and_people_only_when_read():
    checklist = unpickled()
    assert isinstance(checklist.units, Records) and isinstance(checklist.people, Records)
    assert made(checklist.units) == made(checklist.people) == 0
    assert list(checklist.unit_by_id) == [u.id for u in CHECKLIST.units] and "dongshan" in checklist.unit_by_id
    assert made(checklist.units) == 0  # listing and looking up ids makes no unit
    unit = checklist.unit_by_id["dongshan"]
    person = checklist.person_by_id[CHECKLIST.people[-1].id]
    assert made(checklist.units) == made(checklist.people) == 1
    assert unit == CHECKLIST.unit_by_id["dongshan"] and person == CHECKLIST.people[-1]
    assert checklist.unit_by_id["dongshan"] is unit  # made once, then the same object
    assert list(checklist.units) == list(CHECKLIST.units) and made(checklist.units) == len(CHECKLIST.units)
    assert next(u for u in checklist.units if u.id == "dongshan") is unit


def test_records_read_like_the_tuple_they_were_made_from():
    checklist = unpickled()
    units = tuple(CHECKLIST.units)
    assert checklist.units == units and units == checklist.units and checklist.units == CHECKLIST.units
    assert len(checklist.units) == len(units) and checklist.units[-1] == units[-1]
    assert checklist.units[1:3] == units[1:3] and checklist.units[-2:] == units[-2:]
    assert units[0] in checklist.units and checklist.units.index(units[2]) == 2
    assert checklist.units != units[:-1] and checklist.units != list(units)
    assert list(checklist.unit_by_id) == [u.id for u in units] and len(checklist.person_by_id) == len(CHECKLIST.people)

    assert "nowhere" not in checklist.unit_by_id and checklist.unit_by_id.get("nowhere") is None
    with pytest.raises(KeyError):
        checklist.person_by_id[3]  # type: ignore[index]
    with pytest.raises(IndexError):
        checklist.units[len(units)]
    with pytest.raises(TypeError):
        hash(checklist.units)


def test_a_checklist_built_with_tuples_holds_records():
    """Hand-built checklists (tests, rollover) pass tuples: the lookups are the same code."""
    units = (Unit("a", "甲镇"), Unit("b", "乙镇", kind="township"))
    checklist = replace(CHECKLIST, units=units, people=(Person("p", "张三", "a"),))
    assert isinstance(checklist.units, Records) and checklist.units == units
    assert checklist.unit_by_id["b"] is units[1] and checklist.person_by_id["p"].unit == "a"
    assert unpickled_units(checklist) == units


def unpickled_units(checklist):
    return pickle.loads(pickle.dumps(checklist)).units
