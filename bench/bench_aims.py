"""Issue 14's aims table: every pair timed in several runs, each aim judged by the issue's rule.

Setting up is bench_journal's (generate the province and fill its journal, or
reuse them; warm the compiled-checklist cache; prove the fill with `rectify
audit` and the floors against the commands). Then ``--runs`` runs, each of
``--warmup`` untimed and ``--repeats`` timed rounds; a round runs, each in a
fresh process and in this order:

  yaml floor   CSafeLoader load of province.yaml (bench_validate's floor)
  validate     `rectify validate province.yaml`                  ratio to the yaml floor   aim <= 1.5
  cold         `rectify status --unit U`, compiled-checklist cache emptied just before
                                                                   median seconds           aim <= 1.2 s
  advance      `rectify advance ITEM start` vs `import click, yaml, sqlite3`              aim <= 2
  status       `rectify status --format json` vs floor_status.py  ratio; and its peak RSS aim <= 1.5, <= 250 MB
  summary      `rectify summary --format json` vs floor_summary.py                          aim <= 1.5

Each run gives one figure per aim (the ratio of the run's medians, the
status command's largest peak RSS in the run, the cold command's median);
aims.py turns the runs' figures into median, spread (max − min) and verdict.
Exit 0 whatever the figures, unless ``--check``: then exit 1 when an aim is
not met (its median exceeds the aim by more than the spread), naming it.

    python bench/bench_aims.py --workdir DIR [--reuse] [--runs 3] [--repeats 7] [--check] [--json FILE]
    python bench/bench_aims.py --judge FILE [--check]     # judge figures saved by --json again
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import aims
from bench_journal import (
    REPO,
    Province,
    Work,
    argument_parser,
    check_args,
    journal_pairs,
    run_in_workdir,
    set_up,
    show_commands,
)
from bench_validate import validate_pair
from launcher import Launcher
from timing import Command, Pair, measure, table

YAML_FLOOR = "yaml floor s"  # per-run median of the CSafeLoader load, recorded beside the cold first command


def cold_pair(province: Province, work: Work, floor: Command) -> Pair:
    """The first command with an empty compiled-checklist cache (its own cache directory), beside the yaml floor."""
    cold_cache = work.root / "cold-cache"
    unit = province.checklist.items[0].unit.id
    command = Command(
        "rectify status (cold)",
        [*province.rectify, "status", "--unit", unit],
        env={"RECTIFY_CACHE_DIR": str(cold_cache)},
    )
    return Pair("cold", floor, command, before=lambda: shutil.rmtree(cold_cache, ignore_errors=True))


def run_pairs(province: Province, work: Work, executions: int, use_installed: bool) -> list[Pair]:
    """Fresh Commands for one run: validate, cold (sharing validate's yaml floor), then the journal pairs."""
    validate = validate_pair(use_installed, work.checklist)
    return [validate, cold_pair(province, work, validate.floor), *journal_pairs(province, work, executions)]


def figures_of(pairs: list[Pair]) -> dict[str, float]:
    """One run's figure for each aim that has its pair."""
    by_name = {pair.name: pair for pair in pairs}
    figures = {
        aims.VALIDATE.name: by_name["validate"].ratio(),
        aims.COLD.name: by_name["cold"].command.median(),
        YAML_FLOOR: by_name["cold"].floor.median(),  # not an aim: shown beside the cold first command
        aims.ADVANCE.name: by_name["advance"].ratio(),
        aims.STATUS.name: by_name["status"].ratio(),
        aims.STATUS_PEAK.name: by_name["status"].command.peak_mb(),
    }
    if "summary" in by_name:
        figures[aims.SUMMARY.name] = by_name["summary"].ratio()
    return figures


def judge(figures: dict[str, list[float]], repeats: int, check: bool) -> int:
    results = aims.verdicts(figures, repeats)
    if not results:
        print("bench_aims: no figure for any aim", file=sys.stderr)
        return 1
    runs = max(len(verdict.per_run) for verdict in results)
    print(f"spread = max - min of the {runs} per-run figures; met = median <= aim + spread")
    print(aims.markdown(results))
    if figures.get(YAML_FLOOR):
        floors = ", ".join(f"{seconds:.2f}" for seconds in figures[YAML_FLOOR])
        print(f"beside the cold first command: CSafeLoader load of the same file, per run {floors} s")
    if any(not verdict.conclusive for verdict in results):
        print(f"note: issue 14's rule needs at least {aims.MIN_RUNS} runs of {aims.MIN_REPEATS} timed repeats")
    if not check:
        return 0
    code, lines = aims.check(results)
    for line in lines:
        print(line)
    print("check: every aim met" if code == 0 else f"check: {len(lines)} aim(s) not met")
    return code


def bench(args: argparse.Namespace, work: Work, launcher: Launcher) -> int:
    province = set_up(args, work, launcher)
    executions = args.warmup + args.repeats
    figures: dict[str, list[float]] = {}
    for number in range(1, args.runs + 1):
        pairs = run_pairs(province, work, executions, args.use_installed)
        print(f"run {number} of {args.runs}")
        if number == 1:
            show_commands(pairs, args.repeats, args.warmup)
        measure(launcher, pairs, args.repeats, args.warmup, REPO)
        print(table(pairs))
        for name, value in figures_of(pairs).items():
            figures.setdefault(name, []).append(value)
    if args.json is not None:
        saved = {"runs": args.runs, "repeats": args.repeats, "figures": figures}
        args.json.write_text(json.dumps(saved, indent=1) + "\n", encoding="utf-8")
        print(f"figures saved in {args.json}")
    return judge(figures, args.repeats, args.check)


def load_figures(path: Path) -> tuple[dict[str, list[float]], int]:
    saved: Any = json.loads(path.read_text(encoding="utf-8"))
    figures = saved["figures"]
    if not isinstance(figures, dict) or not all(
        isinstance(values, list) and all(isinstance(value, (int, float)) for value in values)
        for values in figures.values()
    ):
        raise ValueError(f"{path}: 'figures' is not a mapping of aim names to lists of numbers")
    return figures, int(saved["repeats"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argument_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of --repeats timed executions, each against its own floor (default 3)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when an aim is not met (a regression guard)")
    parser.add_argument("--json", type=Path, help="also write the per-run figures to this file")
    parser.add_argument("--judge", type=Path, help="judge figures written by --json; run nothing")
    args = check_args(parser, parser.parse_args(argv))
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.judge is not None:
        try:
            figures, repeats = load_figures(args.judge)
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"bench_aims: cannot read figures: {error}", file=sys.stderr)
            return 1
        return judge(figures, repeats, args.check)
    return run_in_workdir(args, bench, "bench_aims")


if __name__ == "__main__":
    sys.exit(main())
