"""bench_scaling's pure parts: how many units make a size, and the growth table."""

from __future__ import annotations

import bench_scaling
import pytest
from gen_province import build_province, expected_items


def test_units_for_a_size_give_about_that_many_items() -> None:
    for size in (1_000, 10_000):
        items = expected_items(build_province(bench_scaling.units_for(size), 1))
        assert abs(items - size) / size < 0.02


def result(items: int, events: int, seconds: float) -> dict:
    figures = {"seconds": seconds, "peak_mb": 40.0 + items / 1000, "floor_seconds": seconds / 2}
    return {
        "items": items,
        "units": items // 13,
        "events": events,
        "db_mb": events / 1000,
        "cold": dict(figures),
        **{name: dict(figures) for name in bench_scaling.COMMANDS},
    }


def test_the_table_shows_each_size_and_the_growth_of_each_step() -> None:
    results = [result(10_000, 1_000, 0.5), result(100_000, 10_000, 2.0)]
    results[1]["status"]["seconds"] = 5.0  # ×10 from 0.5: linear
    table = bench_scaling.markdown(results).splitlines()
    assert table[2] == (
        "| 10,000 | 769 | 1,000 | 1.0 | 0.50 s, 50 MB (×2.00) | 0.50 s, 50 MB (×2.00)"
        " | 0.50 s, 50 MB (×2.00) | 0.50 s, 50 MB |"
    )
    assert table[-1] == (
        "| 10,000 → 100,000 | ×10.0 | ×10.0 | ×4.0 (floor ×4.0) | ×10.0 (floor ×4.0) | ×4.0 (floor ×4.0) | ×4.0 |"
    )


def test_sizes_default_full_and_given() -> None:
    args = ["--workdir", "/tmp/x"]
    assert bench_scaling.parse_args(args).size_list == [10_000, 100_000]
    assert bench_scaling.parse_args([*args, "--full"]).size_list == [10_000, 100_000, 1_000_000]
    assert bench_scaling.parse_args([*args, "--sizes", "2000,20000"]).size_list == [2_000, 20_000]
    with pytest.raises(SystemExit):
        bench_scaling.parse_args([*args, "--sizes", "ten"])
