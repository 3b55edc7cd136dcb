"""The html report in a real browser: it renders, prints, and shows Chinese.

Needs Debian's ``chromium`` and a CJK font (``fonts-wqy-microhei``); CI
installs both. Skipped, with the reason, where chromium is missing.
"""

from __future__ import annotations

import datetime
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from engine.formats import render
from engine.formats.report import Column, Report

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (apt-get install chromium fonts-wqy-microhei)"
)

UNITS = ["东山镇", "西湖乡", "区政府教育督导室"]
RED_FILL = (0xFF, 0xC7, 0xCE)
BAR_FILL = (0x44, 0x72, 0xC4)


def status_report() -> Report:
    lights = ["red", "yellow", "green"]
    return Report(
        title="整改进度表",
        columns=[
            Column("unit_name", "单位"),
            Column("title", "整改事项"),
            Column("light", "进度灯"),
            Column("overdue", "逾期"),
            Column("deadline", "期限"),
        ],
        rows=[
            {
                "unit_name": unit,
                "title": "抓控辍保学",
                "light": light,
                "overdue": light == "red",
                "deadline": datetime.date(2026, 12, 15),
            }
            for unit, light in zip(UNITS, lights)
        ],
        meta={"checklist": "双高普九跟踪督查整改", "source": "政教督[2025]17号", "date": "2026-11-29"},
        light_key="light",
        chart=[(unit, share) for unit, share in zip(UNITS, (40.0, 75.0, 100.0))],
        summary_lines=["未就绪：东山镇 抓控辍保学 未销号"],
    )


def summary_report() -> Report:
    return Report(
        title="整改汇总表",
        columns=[Column("unit_name", "单位"), Column("verified", "已销号")],
        rows=[{"unit_name": unit, "verified": n} for n, unit in enumerate(UNITS)],
    )


def chromium(tmp_path: Path, page: Path, *args: str) -> bytes:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--force-device-scale-factor=1",
        "--hide-scrollbars",
        *args,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout


def write_page(tmp_path: Path, reports: list[Report], name: str = "report.html") -> Path:
    page = tmp_path / name
    page.write_text(render("html", reports), encoding="utf-8")
    return page


def screenshot(tmp_path: Path, page: Path, size: str = "1200,900") -> list[tuple[int, ...]]:
    shot = tmp_path / f"{page.stem}.png"
    chromium(tmp_path, page, f"--screenshot={shot}", f"--window-size={size}")
    return png_pixels(shot.read_bytes())


def png_pixels(data: bytes) -> list[tuple[int, ...]]:
    """Decode an 8-bit, non-interlaced RGB/RGBA PNG into RGB pixels (no PIL needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, compressed = 8, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    assert depth == 8 and interlace == 0 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    rows = unfilter(zlib.decompress(compressed), width * channels, channels)
    return [tuple(row[i : i + 3]) for row in rows for i in range(0, len(row), channels)]


def unfilter(raw: bytes, stride: int, bpp: int) -> list[bytearray]:
    rows, previous = [], bytearray(stride)
    for start in range(0, len(raw), stride + 1):
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], (previous[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + paeth(left, up, corner)) & 0xFF
        rows.append(line)
        previous = line
    return rows


def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], slack: int = 3) -> bool:
    return all(abs(p - c) <= slack for p, c in zip(pixel, colour))


def test_report_paints_text_lights_and_bars(tmp_path):
    pixels = screenshot(tmp_path, write_page(tmp_path, [status_report()]))
    assert len(pixels) == 1200 * 900
    assert len(set(pixels)) > 50  # text is anti-aliased: a blank page has one colour
    assert sum(1 for p in pixels if p != (255, 255, 255)) > 0.01 * len(pixels)
    assert sum(1 for p in pixels if near(p, RED_FILL)) > 500  # the red traffic-light cell
    assert sum(1 for p in pixels if near(p, BAR_FILL)) > 2000  # the completion bars


def test_dom_holds_every_unit_title_and_source(tmp_path):
    dom = chromium(tmp_path, write_page(tmp_path, [status_report()]), "--dump-dom").decode("utf-8")
    text = re.sub(r"<[^>]+>", "", dom)
    for expected in [*UNITS, "整改进度表", "政教督[2025]17号", "2026-11-29", "Completion by unit"]:
        assert expected in text


def test_each_report_starts_a_printed_page(tmp_path):
    page = write_page(tmp_path, [status_report(), summary_report()])
    pdf = tmp_path / "report.pdf"
    chromium(tmp_path, page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes())
    assert len(pages) == 2


def test_chinese_glyphs_are_drawn_not_tofu(tmp_path):
    """Missing glyphs all draw the same box, so two different words would look alike."""

    def word_page(name: str, word: str) -> Path:
        report = Report(title=word, columns=[Column("unit_name", word)], rows=[])
        return write_page(tmp_path, [report], f"{name}.html")

    first = screenshot(tmp_path, word_page("first", "东山镇"), "400,120")
    second = screenshot(tmp_path, word_page("second", "督导室"), "400,120")
    assert first != second
