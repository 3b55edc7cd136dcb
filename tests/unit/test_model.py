"""engine.model: the one expansion of duties' owners into items, and the one item-id format."""

from __future__ import annotations

import pytest
from checklist_cases import FROZEN

from engine.checklist.load import load_checklist
from engine.model import item_id

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
