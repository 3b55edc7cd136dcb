"""Time rectify's journal commands on a province with a million events, against their floors.

One run: generate the province checklist (gen_province.py), fill its journal
with 1,000,000 events (fill_journal.py; the fill is proved by one `rectify
audit`), warm the compiled-checklist cache with one cold `rectify status
--unit U` (cache miss, reported apart), then time, each in a fresh process
and interleaved with its floor:

  advance   `rectify advance ITEM start` (a pending item each run)
            vs  python -c "import click, yaml, sqlite3"           aim <= 3
  status    `rectify status --format json` (every item)
            vs  bench/floor_status.py (SQL + JSON sidecar)         aim <= 2, peak < 500 MB
  summary   `rectify summary --format json`
            vs  bench/floor_summary.py (GROUP BY + JSON sidecar)   (when the command exists)

Wall time is measured around the spawn; peak RSS is that child's own, from
os.wait4(). Exit 0 whatever the ratios, 1 when a command fails.

    python bench/bench_journal.py [--events 1000000] [--repeats 7] [--workdir DIR [--reuse]]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shlex
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_validate import Command, CommandFailed
from fill_journal import cast_of, describe, fill, load_checklist
from gen_province import generate
from launcher import Launcher, Run

if TYPE_CHECKING:
    from engine.model import Checklist, Item

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TODAY = "2026-12-01"  # $RECTIFY_TODAY: mid-campaign, a few deadlines already past
ADVANCE_FLOOR = "import click, yaml, sqlite3"
STATUS_AIM, ADVANCE_AIM, PEAK_AIM_MB = 2.0, 3.0, 500.0


@dataclass(frozen=True)
class Work:
    """The files of one run, all in one directory."""

    root: Path

    @property
    def checklist(self) -> Path:
        return self.root / "province.yaml"

    @property
    def db(self) -> Path:
        return self.root / "province.db"  # the default store: the .db beside the checklist

    @property
    def sidecar(self) -> Path:
        return self.root / "province.floor.json"

    @property
    def cache(self) -> Path:
        return self.root / "cache"


@dataclass
class Pair:
    """A rectify command and its floor; ``next_argv`` gives the command a new argv each run."""

    name: str
    floor: Command
    command: Command
    aim: float | None = None
    next_argv: Callable[[], list[str]] | None = None

    def ratio(self) -> float:
        return self.command.median() / self.floor.median()


# -- setting up -------------------------------------------------------------------------


def prepare(args: argparse.Namespace, work: Work) -> Checklist:
    """Generate the checklist and fill its journal, or reuse both (--reuse)."""
    if not (args.reuse and work.checklist.exists() and work.db.exists()):
        work.checklist.write_text(generate(args.units, args.seed), encoding="utf-8")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work.db}{suffix}").unlink(missing_ok=True)
        checklist = timed_load(work.checklist)
        print(describe(fill(checklist, str(work.db), args.events, args.seed)))
        return checklist
    print(f"reusing {work.checklist} and {work.db} ({work.db.stat().st_size / 1e6:.1f} MB)")
    return timed_load(work.checklist)


def timed_load(path: Path) -> Checklist:
    started = time.perf_counter()
    checklist = load_checklist(path)
    print(
        f"checklist: {path} ({path.stat().st_size:,} bytes, {len(checklist.units):,} units,"
        f" {len(checklist.items):,} items), loaded in {time.perf_counter() - started:.1f} s"
    )
    return checklist


def write_sidecar(checklist: Checklist, path: Path) -> None:
    """What the floors read instead of the YAML: units, and duties with their owners."""
    workflows = {(w.initial, tuple(s.id for s in w.states)) for w in checklist.workflows}
    if len(workflows) != 1:
        raise ValueError("the floors assume one workflow (one initial state) for every duty")
    ((initial, states),) = workflows
    sidecar = {
        "initial": initial,
        "states": states,
        "final_states": sorted({s.id for w in checklist.workflows for s in w.states if s.final}),
        "units": [[unit.id, unit.name] for unit in checklist.units],
        "duties": [[d.id, d.title, d.deadline.isoformat(), d.is_veto, list(d.owners)] for d in checklist.duties],
    }
    path.write_text(json.dumps(sidecar, ensure_ascii=False), encoding="utf-8")


def pending_items(checklist: Checklist, db: Path, count: int) -> list[Item]:
    """``count`` items with no event yet (``start`` succeeds on each), spread over the checklist."""
    conn = sqlite3.connect(db)
    touched = {row[0] for row in conn.execute("SELECT item FROM current")}
    conn.close()
    pending = [item for item in checklist.items if item.id not in touched]
    if len(pending) < count:
        raise ValueError(f"{len(pending)} pending items left, {count} needed for `advance start`; refill")
    return pending[:: len(pending) // count][:count]


# -- running ----------------------------------------------------------------------------


def rectify_argv(use_installed: bool, checklist: Path) -> list[str]:
    if not use_installed:
        # The module `cli`, byte-compiled, as the console script runs it (pip compiles on
        # install): `python cli.py` compiles its 1,300 lines at every run (8 ms), and under
        # $PYTHONDONTWRITEBYTECODE every engine module too (~35 ms), work the floor never does.
        compileall.compile_dir(REPO / "engine", quiet=1)
        compileall.compile_file(REPO / "cli.py", quiet=1)
        return [sys.executable, "-m", "cli", "-c", str(checklist)]  # run from REPO (launcher)
    rectify = shutil.which("rectify")
    if rectify is None:
        raise FileNotFoundError("no `rectify` console script on PATH (pip install -e .)")
    return [rectify, "-c", str(checklist)]


def run_captured(launcher: Launcher, label: str, argv: list[str]) -> tuple[Run, bytes]:
    """One run that must succeed; its Run, and what it wrote on stdout."""
    with tempfile.TemporaryDirectory(prefix="rectify-bench-out-") as scratch:
        stdout = Path(scratch) / "stdout"
        run = launcher.run(argv, REPO, stdout)
        if run.returncode != 0:
            raise CommandFailed(Command(label, argv), run)
        return run, stdout.read_bytes()


def once(launcher: Launcher, label: str, argv: list[str]) -> Run:
    return run_captured(launcher, label, argv)[0]


def json_output(launcher: Launcher, label: str, argv: list[str]) -> Any:
    return json.loads(run_captured(launcher, label, argv)[1])


def warm_cache(launcher: Launcher, rectify: list[str], work: Work, unit: str) -> None:
    """The first command after a change of checklist compiles it; every later one reads the cache."""
    shutil.rmtree(work.cache, ignore_errors=True)
    argv = [*rectify, "status", "--unit", unit]
    cold = once(launcher, "rectify status --unit (cold)", argv)
    warm = once(launcher, "rectify status --unit (warm)", argv)
    compiled = len(list(work.cache.glob("*.pickle")))
    print(
        f"cache: status --unit {unit}: cold (cache miss) {cold.seconds:.2f} s, {cold.peak_mb:.0f} MB;"
        f" warm {warm.seconds:.2f} s, {warm.peak_mb:.0f} MB; {compiled} compiled checklist(s) in {work.cache}"
    )


def prove_fill(launcher: Launcher, rectify: list[str]) -> None:
    """`rectify audit` recomputes every hash and compares the current table: the fill is faithful."""
    run, stdout = run_captured(launcher, "rectify audit", [*rectify, "audit"])
    print(f"audit: passed, {stdout.decode().strip()} ({run.seconds:.1f} s, {run.peak_mb:.0f} MB; not in the table)")


def check_status(launcher: Launcher, rectify: list[str], floor: list[str], checklist: Checklist) -> None:
    """Both listings name every item once and agree on every item's state."""
    listing = json_output(launcher, "rectify status", [*rectify, "status", "--format", "json"])
    mine = {row["item"]: row["state"] for row in listing}
    bare = {row["item"]: row["state"] for row in json_output(launcher, "status floor", floor)}
    print(
        f"check: status rows {len(listing):,}, floor rows {len(bare):,}, items {len(checklist.items):,};"
        f" states {'agree' if mine == bare else 'DIFFER'}: {dict(Counter(mine.values()))}"
    )
    if mine != bare or len(listing) != len(checklist.items):
        raise ValueError("`status` and its floor disagree; the comparison would mean nothing")


def check_summary(launcher: Launcher, rectify: list[str], floor: list[str], states: list[str]) -> None:
    """Both give the same count of items per unit and state."""
    mine = json_output(launcher, "rectify summary", [*rectify, "summary", "--format", "json"])
    bare = json_output(launcher, "summary floor", floor)
    agree = {(row["unit"], state): row.get(f"state_{state}", 0) for row in mine for state in states} == {
        (row["unit"], state): row[state] for row in bare for state in states
    }
    print(
        f"check: summary rows {len(mine):,}, floor rows {len(bare):,};"
        f" counts per unit and state {'agree' if agree else 'DIFFER'}"
    )
    if not agree:
        raise ValueError("`summary` and its floor disagree; the comparison would mean nothing")


def summary_available(launcher: Launcher, rectify: list[str]) -> bool:
    """False when this rectify has no `summary` command yet (click exits 2: No such command)."""
    run = launcher.run([*rectify, "summary", "--help"], REPO)
    return not (run.returncode == 2 and "No such command" in run.stderr)


def measure(launcher: Launcher, pairs: list[Pair], repeats: int, warmup: int) -> None:
    """Each round runs every floor and command once, alternating, so noise hits both alike."""
    for round_number in range(warmup + repeats):
        for pair in pairs:
            if pair.next_argv is not None:
                pair.command.argv = pair.next_argv()
            for command in (pair.floor, pair.command):
                run = launcher.run(command.argv, REPO)
                if run.returncode != 0:
                    raise CommandFailed(command, run)
                if round_number >= warmup:
                    command.runs.append(run)


# -- the pairs and the report --------------------------------------------------------


def advance_pair(rectify: list[str], checklist: Checklist, work: Work, runs: int) -> Pair:
    reporters = cast_of(checklist).reporters
    items = iter(pending_items(checklist, work.db, runs + 1))  # +1: the argv shown before the runs

    def next_argv() -> list[str]:
        item = next(items)
        return [*rectify, "--as", reporters[item.unit.id][0], "advance", item.id, "start"]

    floor = Command("advance floor", [sys.executable, "-c", ADVANCE_FLOOR])
    return Pair("advance", floor, Command("rectify advance", next_argv()), ADVANCE_AIM, next_argv)


def floor_argv(script: str, work: Work) -> list[str]:
    return [sys.executable, str(BENCH / script), str(work.sidecar), str(work.db)]


def report(pairs: list[Pair]) -> None:
    print(f"{'command':<18} {'median s':>9} {'min s':>8} {'peak MB':>8} {'ratio':>6}")
    for pair in pairs:
        for command in (pair.floor, pair.command):
            print(
                f"{command.label:<18} {command.median():>9.3f} {command.fastest():>8.3f}"
                f" {command.peak_mb():>8.1f} {command.median() / pair.floor.median():>6.2f}"
            )
    for pair in pairs:
        aim = f" (aim <= {pair.aim:g})" if pair.aim else ""
        print(f"{pair.name}/floor ratio: {pair.ratio():.2f}{aim}")
        if pair.name == "status":
            print(f"status peak: {pair.command.peak_mb():.0f} MB (aim < {PEAK_AIM_MB:g})")


def child_env(args: argparse.Namespace, work: Work) -> dict[str, str]:
    """Every command: the cache in the work directory, a fixed today."""
    return {**os.environ, "RECTIFY_CACHE_DIR": str(work.cache), "RECTIFY_TODAY": args.today}


def bench(args: argparse.Namespace, work: Work, launcher: Launcher) -> int:
    print(f"workdir: {work.root}  (RECTIFY_CACHE_DIR={work.cache}, RECTIFY_TODAY={args.today})")
    rectify = rectify_argv(args.use_installed, work.checklist)
    checklist = prepare(args, work)
    write_sidecar(checklist, work.sidecar)
    warm_cache(launcher, rectify, work, checklist.items[0].unit.id)
    if not args.no_audit:
        prove_fill(launcher, rectify)
    status_floor = floor_argv("floor_status.py", work)
    check_status(launcher, rectify, status_floor, checklist)
    pairs = [
        advance_pair(rectify, checklist, work, args.warmup + args.repeats),
        Pair(
            "status",
            Command("status floor", status_floor),
            Command("rectify status", [*rectify, "status", "--format", "json"]),
            STATUS_AIM,
        ),
    ]
    if summary_available(launcher, rectify):
        summary_floor = floor_argv("floor_summary.py", work)
        check_summary(launcher, rectify, summary_floor, [s.id for s in checklist.workflows[0].states])
        pairs.append(
            Pair(
                "summary",
                Command("summary floor", summary_floor),
                Command("rectify summary", [*rectify, "summary", "--format", "json"]),
            )
        )
    else:
        print("summary: not available yet")
    print(f"runs: {args.repeats} timed + {args.warmup} warm-up each, fresh process each, interleaved")
    for pair in pairs:
        for command in (pair.floor, pair.command):
            print(f"  {command.label}: {shlex.join(command.argv)}")
    measure(launcher, pairs, args.repeats, args.warmup)
    report(pairs)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=7000, help="units to generate (default 7000)")
    parser.add_argument("--events", type=int, default=1_000_000, help="journal events (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of checklist and journal (default 1)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs each (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs each (default 1)")
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: a temporary directory)")
    parser.add_argument("--reuse", action="store_true", help="with --workdir: reuse its checklist and journal")
    parser.add_argument("--no-audit", action="store_true", help="skip the proof of the fill by `rectify audit`")
    parser.add_argument("--today", default=TODAY, help=f"$RECTIFY_TODAY for the listings (default {TODAY})")
    parser.add_argument("--use-installed", action="store_true", help="time the `rectify` console script")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0 or args.events < 1:
        parser.error("--repeats and --events must be at least 1, --warmup at least 0")
    if args.reuse and args.workdir is None:
        parser.error("--reuse needs --workdir")
    return args


def run(args: argparse.Namespace, root: Path) -> int:
    try:
        work = Work(root)
        with Launcher(child_env(args, work)) as launcher:
            return bench(args, work, launcher)
    except (OSError, ValueError, RuntimeError) as error:
        sys.stdout.flush()
        print(f"bench_journal: {error}", file=sys.stderr)
    except CommandFailed as failure:
        sys.stdout.flush()
        print(
            f"bench_journal: {failure.command.label} exited {failure.run.returncode}:"
            f" {shlex.join(failure.command.argv)}",
            file=sys.stderr,
        )
        sys.stderr.write(failure.run.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return run(args, args.workdir.resolve())
    with tempfile.TemporaryDirectory(prefix="rectify-bench-") as root:
        return run(args, Path(root))


if __name__ == "__main__":
    sys.exit(main())
