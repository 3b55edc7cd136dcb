"""Time `rectify validate` on a province-scale checklist against a bare YAML load.

The floor is what any loader must pay: start Python, import PyYAML and parse
the file with the C safe loader. `rectify validate` also checks the schema,
the cross references and expands every item; the ratio of the two medians is
the number to watch (aim: at most 4).

Every run is a fresh process; its wall time is measured around the spawn and
its peak RSS is read from os.wait4(), the rusage of that one child.

    python bench/bench_validate.py [--units 7000] [--repeats 5] [--file F]
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from gen_province import generate
from launcher import Run, run_request

REPO = Path(__file__).resolve().parent.parent
FLOOR_CODE = 'import sys, yaml; yaml.load(open(sys.argv[1], "rb"), Loader=yaml.CSafeLoader)'
AIM = 4.0


@dataclass
class Command:
    label: str
    argv: list[str]
    runs: list[Run] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    def fastest(self) -> float:
        return min(run.seconds for run in self.runs)

    def peak_mb(self) -> float:
        return max(run.peak_mb for run in self.runs)


class CommandFailed(Exception):
    def __init__(self, command: Command, run: Run) -> None:
        super().__init__(command.label)
        self.command = command
        self.run = run


def run_once(argv: list[str], cwd: Path) -> Run:
    """Run argv once; wall time around the spawn, peak RSS of that child only."""
    return run_request(argv, str(cwd), None)


def measure(commands: list[Command], repeats: int, warmup: int, cwd: Path) -> None:
    """Interleave the commands so that drift in machine load hits them alike."""
    for round_number in range(warmup + repeats):
        for command in commands:
            run = run_once(command.argv, cwd)
            if run.returncode != 0:
                raise CommandFailed(command, run)
            if round_number >= warmup:
                command.runs.append(run)


def validate_argv(use_installed: bool, checklist: Path) -> list[str]:
    if not use_installed:
        return [sys.executable, str(REPO / "cli.py"), "validate", str(checklist)]
    rectify = shutil.which("rectify")
    if rectify is None:
        raise FileNotFoundError("no `rectify` console script on PATH (pip install -e .)")
    return [rectify, "validate", str(checklist)]


def report(floor: Command, validate: Command) -> None:
    print(f"{'command':<18} {'median s':>9} {'min s':>8} {'peak MB':>8} {'ratio':>6}")
    for command in (floor, validate):
        ratio = command.median() / floor.median()
        print(
            f"{command.label:<18} {command.median():>9.3f} {command.fastest():>8.3f}"
            f" {command.peak_mb():>8.1f} {ratio:>6.2f}"
        )
    print(f"validate/floor ratio: {validate.median() / floor.median():.2f} (aim <= {AIM:g})")


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
    floor = Command("yaml floor", [sys.executable, "-c", FLOOR_CODE, str(checklist)])
    validate = Command("rectify validate", validate_argv(args.use_installed, checklist))
    print(f"file: {checklist} ({checklist.stat().st_size:,} bytes)")
    print(f"runs: {args.repeats} timed + {args.warmup} warm-up each, fresh process each")
    for command in (floor, validate):
        print(f"  {command.label}: {shlex.join(command.argv)}")
    measure([floor, validate], args.repeats, args.warmup, workdir)
    report(floor, validate)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rectify-bench-") as workdir:
        try:
            return bench(args, Path(workdir))
        except FileNotFoundError as error:
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
