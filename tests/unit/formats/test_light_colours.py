"""The traffic light's colours are defined once (engine.formats.report.LIGHT_COLOURS): html and xlsx
paint every light with exactly those."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from engine.formats import render
from engine.formats.report import LIGHT_COLOURS, LIGHTS, Column, Report


def lights_report() -> Report:
    return Report(
        title="整改进度表",
        columns=[Column("unit_name", "单位"), Column("light", "预警灯")],
        rows=[{"unit_name": f"单位{n}", "light": light} for n, light in enumerate(LIGHTS)],
        light_key="light",
    )


def test_every_light_has_a_background_and_a_text_colour() -> None:
    assert set(LIGHTS) == {"green", "yellow", "red"}
    for fill, text in LIGHT_COLOURS.values():
        assert re.fullmatch(r"[0-9A-F]{6}", fill) and re.fullmatch(r"[0-9A-F]{6}", text)


@pytest.mark.parametrize("light", LIGHTS)
def test_html_paints_each_light_with_its_colours(light: str) -> None:
    page = render("html", [lights_report()])
    assert isinstance(page, str)
    fill, text = LIGHT_COLOURS[light]
    rules = re.findall(rf"td\.light-{light}\b[^{{]*\{{([^}}]*)\}}", page)
    assert len(rules) == 1, rules  # one rule per light, nothing overriding it
    assert f"background: #{fill}" in rules[0] and f"color: #{text}" in rules[0]
    assert f'class="light-{light}"' in page or f"light-{light}" in page.split("<body", 1)[1]


def test_xlsx_paints_each_light_with_its_colours() -> None:
    data = render("xlsx", [lights_report()])
    assert isinstance(data, bytes)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    painted = {}
    for row in sheet.iter_rows():
        for cell in row:
            if (
                cell.fill is not None
                and cell.fill.fill_type == "solid"
                and cell.fill.start_color.rgb[-6:] in {fill for fill, _text in LIGHT_COLOURS.values()}
            ):
                painted[cell.fill.start_color.rgb[-6:]] = cell.font.color.rgb[-6:]
    assert painted == dict(LIGHT_COLOURS.values())
