"""Time `rectify validate` on a province-scale checklist against a bare YAML load.

The floor is what any loader must pay: start Python, import PyYAML and parse
the file with the C safe loader. `rectify validate` also checks the schema,
the cross references and expands every item; the ratio of the two medians is
the number to watch (aim: at most 1.5, issue 14; bench_aims.py judges it over
several runs).

Every run is a fresh process, started by launcher.py; its wall time is
measured around the spawn and its peak RSS is read from os.wait4(), the
rusage of that one child.

    python bench/bench_validate.py [--units 7000] [--repeats 5] [--file F]
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from aims import VALIDATE
from gen_province import generate
from launcher import Launcher
from timing import Command, CommandFailed, Pair, measure, table

REPO = Path(__file__).resolve().parent.parent
FLOOR_CODE = 'import sys, yaml; yaml.load(open(sys.argv[1], "rb"), Loader=yaml.CSafeLoader)'


def floor_command(checklist: Path) -> Command:
    """The yaml floor: start Python, import PyYAML, parse ``checklist`` with the C safe loader."""
    return Command("yaml floor", [sys.executable, "-c", FLOOR_CODE, str(checklist)])


def validate_argv(use_installed: bool, checklist: Path) -> list[str]:
    if not use_installed:
        return [sys.executable, str(REPO / "cli.py"), "validate", str(checklist)]
    rectify = shutil.which("rectify")
    if rectify is None:
        raise FileNotFoundError("no `rectify` console script on PATH (pip install -e .)")
    return [rectify, "validate", str(checklist)]


def validate_pair(use_installed: bool, checklist: Path) -> Pair:
    return Pair(
        "validate", floor_command(checklist), Command("rectify validate", validate_argv(use_installed, checklist))
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="checklist to time (default: generate one)")
    parser.add_argument("--units", type=int, default=7000, help="units to generate (default 7000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs each (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs each (default 1)")
    parser.add_argument("--use-installed", action="store_true", help="time the `rectify` console script")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be at least 1 and --warmup at least 0")
    return args


def bench(args: argparse.Namespace, workdir: Path) -> int:
    checklist = args.file.resolve() if args.file else None  # the commands run in workdir
    if checklist is None:
        checklist = workdir / "province.yaml"
        checklist.write_text(generate(args.units, args.seed), encoding="utf-8")
    pair = validate_pair(args.use_installed, checklist)
    print(f"file: {checklist} ({checklist.stat().st_size:,} bytes)")
    print(f"runs: {args.repeats} timed + {args.warmup} warm-up each, fresh process each")
    for command in (pair.floor, pair.command):
        print(f"  {command.label}: {shlex.join(command.argv)}")
    with Launcher() as launcher:
        measure(launcher, [pair], args.repeats, args.warmup, workdir)
    print(table([pair]))
    print(f"validate/floor ratio: {pair.ratio():.2f} (aim {VALIDATE.describe()}; bench_aims.py judges it over runs)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rectify-bench-") as workdir:
        try:
            return bench(args, Path(workdir))
        except (FileNotFoundError, RuntimeError) as error:
            print(f"bench_validate: {error}", file=sys.stderr)
        except CommandFailed as failure:
            print(
                f"bench_validate: {failure.command.label} exited {failure.run.returncode}:"
                f" {shlex.join(failure.command.argv)}",
                file=sys.stderr,
            )
            sys.stderr.write(failure.run.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
