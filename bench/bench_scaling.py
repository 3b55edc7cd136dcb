"""How validate, status and advance grow with the province: 10k, 100k (and 1M) items, journal filled at each size.

For each size (a target number of items), in its own directory under the
work directory and in a fresh process of its own (so one size's memory does
not reach the next): generate a province of round(items × 7000 / 92700) units
(gen_province.py makes 14 × townships + bureaus items, ~13.2 per unit: 755
units give 9,987 items, 7,551 give ~100,000, 75,512 give ~1,000,000), fill
its journal through the real operations (fill_journal.py) with
round(size × --events-per-item) events, time one cold first command (empty
compiled-checklist cache), then time, interleaved with their floors, each in
a fresh process, ``--warmup`` untimed and ``--repeats`` timed rounds of:

  validate   `rectify validate province.yaml`          vs  CSafeLoader load
  status     `rectify status --format json`            vs  floor_status.py
  advance    `rectify advance ITEM start` (pending)    vs  import click, yaml, sqlite3

Each size's figures go to DIR/items-N/scaling.json; at the end a markdown
table gives median seconds and peak RSS per command and size, and the growth
of each command's time from one size to the next (linear = the items factor,
×10 between the default sizes).

Full stories fill at 1,000-5,000 events/s on the 2-core machine (every step
replays its item and runs its rules), so the default is 0.1 event per item
(100,000 events at 1M items); most touched items then hold one `start`, and
those fill at ~8,000/s (12 s at 1M items). `--events-per-item 10.8` gives
the density of the 1M-event province, at the cost of a proportionally longer fill.

    python bench/bench_scaling.py --workdir DIR [--full] [--events-per-item 0.1] [--repeats 3] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench_journal import (
    REPO,
    TODAY,
    Work,
    advance_pair,
    floor_argv,
    prepare,
    rectify_argv,
    run,
    show_commands,
    warm_cache,
    write_sidecar,
)
from bench_validate import validate_pair
from launcher import Launcher
from timing import Command, Pair, measure, table

SIZES = (10_000, 100_000)
FULL = (*SIZES, 1_000_000)
UNITS_PER_ITEM = 7000 / 92700  # gen_province's ratio on the province
COMMANDS = ("validate", "status", "advance")
RESULT = "scaling.json"


def units_for(items: int) -> int:
    return round(items * UNITS_PER_ITEM)


def size_dir(root: Path, size: int) -> Path:
    return root / f"items-{size}"


# -- one size, in its own process ------------------------------------------------------------


def measure_size(args: argparse.Namespace, work: Work, launcher: Launcher) -> int:
    size = args.one_size
    events = max(1, round(size * args.events_per_item))
    print(f"== {size:,} items: {work.root}")
    checklist = prepare(work, units_for(size), events, args.seed, args.reuse)
    write_sidecar(checklist, work.sidecar)
    rectify = rectify_argv(args.use_installed, work.checklist)
    cold = warm_cache(launcher, rectify, work, checklist.items[0].unit.id)
    pairs = [
        validate_pair(args.use_installed, work.checklist),
        Pair(
            "status",
            Command("status floor", floor_argv("floor_status.py", work)),
            Command("rectify status", [*rectify, "status", "--format", "json"]),
        ),
        advance_pair(rectify, checklist, work, args.warmup + args.repeats),
    ]
    show_commands(pairs, args.repeats, args.warmup)
    measure(launcher, pairs, args.repeats, args.warmup, REPO)
    print(table(pairs))
    result = {
        "size": size,
        "items": len(checklist.items),
        "units": len(checklist.units),
        "events": events,
        "yaml_mb": work.checklist.stat().st_size / 1e6,
        "db_mb": work.db.stat().st_size / 1e6,
        "repeats": args.repeats,
        "cold": {"seconds": cold.seconds, "peak_mb": cold.peak_mb},
        **{
            pair.name: {
                "seconds": pair.command.median(),
                "peak_mb": pair.command.peak_mb(),
                "floor_seconds": pair.floor.median(),
            }
            for pair in pairs
        },
    }
    (work.root / RESULT).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


# -- the table ------------------------------------------------------------------------------


def cell(figures: dict[str, float]) -> str:
    return f"{figures['seconds']:.2f} s, {figures['peak_mb']:.0f} MB"


def ratio_cell(figures: dict[str, float]) -> str:
    return f"{cell(figures)} (×{figures['seconds'] / figures['floor_seconds']:.2f})"


def growth(small: dict[str, float], large: dict[str, float], key: str) -> str:
    """How much a command's time grew from one size to the next, and its floor's beside it."""
    return f"×{large[key] / small[key]:.1f} (floor ×{large['floor_seconds'] / small['floor_seconds']:.1f})"


def markdown(results: list[dict[str, Any]]) -> str:
    """Per size: median time and peak RSS of each command (× its floor); then the growth per step
    of each command's time, with its floor's growth beside it (a floor growing as fast means the
    work itself, not rectify, grows so)."""
    lines = [
        "| items | units | events | db MB | validate | status --format json | advance | cold first command |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['items']:,} | {r['units']:,} | {r['events']:,} | {r['db_mb']:.1f}"
            f" | {' | '.join(ratio_cell(r[name]) for name in COMMANDS)} | {cell(r['cold'])} |"
        )
    if len(results) > 1:
        lines += [
            "",
            "| growth | items | events | validate | status | advance | cold first command |",
            "|---|---|---|---|---|---|---|",
        ]
        for small, large in zip(results, results[1:]):
            cells = [growth(small[name], large[name], "seconds") for name in COMMANDS]
            cells.append(f"×{large['cold']['seconds'] / small['cold']['seconds']:.1f}")  # no floor
            lines.append(
                f"| {small['items']:,} → {large['items']:,} | ×{large['items'] / small['items']:.1f}"
                f" | ×{large['events'] / small['events']:.1f} | {' | '.join(cells)} |"
            )
    return "\n".join(lines)


# -- command line ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True, help="one directory per size is kept here")
    parser.add_argument("--sizes", help="comma-separated item counts (default 10000,100000)")
    parser.add_argument("--full", action="store_true", help="sizes 10000,100000,1000000 (the 1M size takes ~10 min)")
    parser.add_argument("--events-per-item", type=float, default=0.1, help="journal events per item (default 0.1)")
    parser.add_argument("--seed", type=int, default=1, help="seed of checklist and journal (default 1)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs each (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs each (default 1)")
    parser.add_argument("--reuse", action="store_true", help="reuse each size's checklist and journal when there")
    parser.add_argument("--today", default=TODAY, help=f"$RECTIFY_TODAY for the listings (default {TODAY})")
    parser.add_argument("--use-installed", action="store_true", help="time the `rectify` console script")
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)  # the per-size child process
    args = parser.parse_args(argv)
    if args.sizes and args.full:
        parser.error("--sizes and --full exclude each other")
    try:
        args.size_list = (
            [int(size) for size in args.sizes.split(",")] if args.sizes else list(FULL if args.full else SIZES)
        )
    except ValueError:
        parser.error("--sizes takes item counts separated by commas, e.g. 10000,100000")
    if any(units_for(size) < 5 for size in args.size_list) or args.events_per_item <= 0:
        parser.error("each size must be at least 66 items (5 units), --events-per-item above 0")
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be at least 1, --warmup at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    root = args.workdir.resolve()
    if args.one_size is not None:
        directory = size_dir(root, args.one_size)
        directory.mkdir(parents=True, exist_ok=True)
        return run(args, directory, measure_size, "bench_scaling")
    results = []
    for size in args.size_list:
        (size_dir(root, size) / RESULT).unlink(missing_ok=True)
        child = subprocess.run([sys.executable, str(Path(__file__).resolve()), *argv, "--one-size", str(size)])
        if child.returncode != 0:
            return child.returncode
        results.append(json.loads((size_dir(root, size) / RESULT).read_text(encoding="utf-8")))
    print(
        f"\nmedian of {args.repeats} timed runs (after {args.warmup} warm-up), fresh process each;"
        f" (×r) = ratio to the command's floor in the same rounds; cold first command: one run;"
        f" {args.events_per_item:g} event per item"
    )
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
