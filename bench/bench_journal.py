"""Time rectify's journal commands on a province with a million events, against their floors.

One run: generate the province checklist (gen_province.py), fill its journal
with 1,000,000 events (fill_journal.py; the fill is proved by one `rectify
audit`), warm the compiled-checklist cache with one cold `rectify status
--unit U` (cache miss, reported apart), then time, each in a fresh process
and interleaved with its floor:

  advance   `rectify advance ITEM start` (a pending item each run)
            vs  python -c "import click, yaml, sqlite3"           aim <= 2
  status    `rectify status --format json` (every item)
            vs  bench/floor_status.py (SQL + JSON sidecar)         aim <= 1.5, peak <= 250 MB
  summary   `rectify summary --format json`
            vs  bench/floor_summary.py (GROUP BY + JSON sidecar)   aim <= 1.5 (when the command exists)

Wall time is measured around the spawn; peak RSS is that child's own, from
os.wait4(). Exit 0 whatever the ratios, 1 when a command fails. One run of
these pairs is a sample; bench_aims.py runs them (and validate, and the cold
first command) several times and judges each aim by issue 14's rule.

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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aims import ADVANCE, STATUS, STATUS_PEAK, SUMMARY
from fill_journal import cast_of, describe, fill, load_checklist
from gen_province import generate
from launcher import Launcher, Run
from timing import Command, CommandFailed, Pair, measure, table

if TYPE_CHECKING:
    from engine.model import Checklist, Item

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TODAY = "2026-12-01"  # $RECTIFY_TODAY: mid-campaign, a few deadlines already past
ADVANCE_FLOOR = "import click, yaml, sqlite3"


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


# -- setting up -------------------------------------------------------------------------


def prepare(work: Work, units: int, events: int, seed: int, reuse: bool) -> Checklist:
    """Generate the checklist and fill its journal, or reuse both (--reuse) when they are there."""
    if not (reuse and work.checklist.exists() and work.db.exists()):
        work.checklist.write_text(generate(units, seed), encoding="utf-8")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work.db}{suffix}").unlink(missing_ok=True)
        checklist = timed_load(work.checklist)
        print(describe(fill(checklist, str(work.db), events, seed)))
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
    """What the floors read instead of the YAML: units, duties with their owners, the workflow's
    states, the warning days and the escalation ladder."""
    workflows = {(w.initial, tuple(s.id for s in w.states)) for w in checklist.workflows}
    if len(workflows) != 1:
        raise ValueError("the floors assume one workflow (one initial state) for every duty")
    if checklist.calendar is not None or any(i.aim for d in checklist.duties for i in d.indicators):
        raise ValueError("the floors count calendar days and no aims: a checklist with neither")
    ((initial, states),) = workflows
    sidecar = {
        "initial": initial,
        "states": states,
        "state_labels": {s.id: s.label for w in checklist.workflows for s in w.states},
        "final_states": sorted({s.id for w in checklist.workflows for s in w.states if s.final}),
        "warning_days": checklist.warning_days,
        "escalation": [[r.level, r.label, r.returns, r.overdue_days] for r in checklist.escalation],
        "units": [[unit.id, unit.name] for unit in checklist.units],
        "duties": [
            {
                "id": d.id,
                "title": d.title,
                "ref": d.ref,
                "deadline": d.deadline.isoformat(),
                "veto": d.is_veto,
                "owners": list(d.owners),
            }
            for d in checklist.duties
        ],
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


def warm_cache(launcher: Launcher, rectify: list[str], work: Work, unit: str) -> Run:
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
    return cold


def prove_fill(launcher: Launcher, rectify: list[str]) -> None:
    """`rectify audit` recomputes every hash and compares the current table: the fill is faithful."""
    run, stdout = run_captured(launcher, "rectify audit", [*rectify, "audit"])
    print(f"audit: passed, {stdout.decode().strip()} ({run.seconds:.1f} s, {run.peak_mb:.0f} MB; not in the table)")


def check_same_output(launcher: Launcher, name: str, mine: list[str], floor: list[str]) -> None:
    """The command and its floor give the same bytes: the ratio is then rectify's own cost."""
    run, ours = run_captured(launcher, f"rectify {name}", mine)
    _run, theirs = run_captured(launcher, f"{name} floor", floor)
    rows = len(json.loads(ours))
    print(
        f"check: {name} --format json and its floor: {rows:,} rows, {'the same bytes' if ours == theirs else 'DIFFER'}"
    )
    if ours != theirs:
        raise ValueError(f"`{name}` and its floor disagree; the comparison would mean nothing")


def summary_available(launcher: Launcher, rectify: list[str]) -> bool:
    """False when this rectify has no `summary` command yet (click exits 2: No such command)."""
    run = launcher.run([*rectify, "summary", "--help"], REPO)
    return not (run.returncode == 2 and "No such command" in run.stderr)


# -- the pairs and the report --------------------------------------------------------


def advance_pair(rectify: list[str], checklist: Checklist, work: Work, runs: int) -> Pair:
    reporters = cast_of(checklist).reporters
    items = iter(pending_items(checklist, work.db, runs + 1))  # +1: the argv shown before the runs

    def next_argv() -> list[str]:
        item = next(items)
        return [*rectify, "--as", reporters[item.unit.id][0], "advance", item.id, "start"]

    floor = Command("advance floor", [sys.executable, "-c", ADVANCE_FLOOR])
    return Pair("advance", floor, Command("rectify advance", next_argv()), next_argv)


def floor_argv(script: str, work: Work) -> list[str]:
    return [sys.executable, str(BENCH / script), str(work.sidecar), str(work.db)]


def report(pairs: list[Pair]) -> None:
    print(table(pairs))
    aim_of = {"advance": ADVANCE, "status": STATUS, "summary": SUMMARY}
    for pair in pairs:
        print(f"{pair.name}/floor ratio: {pair.ratio():.2f} (aim {aim_of[pair.name].describe()})")
        if pair.name == "status":
            print(f"status peak: {pair.command.peak_mb():.0f} MB (aim {STATUS_PEAK.describe()})")


def child_env(args: argparse.Namespace, work: Work) -> dict[str, str]:
    """Every command: the cache in the work directory, a fixed today."""
    return {**os.environ, "RECTIFY_CACHE_DIR": str(work.cache), "RECTIFY_TODAY": args.today}


@dataclass(frozen=True)
class Province:
    """A checked province: its checklist, the rectify argv prefix, and the floors' argvs."""

    checklist: Checklist
    rectify: list[str]
    status_floor: list[str]
    summary_floor: list[str] | None  # None: this rectify has no `summary` yet


def set_up(args: argparse.Namespace, work: Work, launcher: Launcher) -> Province:
    """Generate and fill (or reuse), write the sidecar, warm the cache, prove the fill and the floors."""
    print(f"workdir: {work.root}  (RECTIFY_CACHE_DIR={work.cache}, RECTIFY_TODAY={args.today})")
    rectify = rectify_argv(args.use_installed, work.checklist)
    checklist = prepare(work, args.units, args.events, args.seed, args.reuse)
    write_sidecar(checklist, work.sidecar)
    warm_cache(launcher, rectify, work, checklist.items[0].unit.id)
    if not args.no_audit:
        prove_fill(launcher, rectify)
    status_floor = floor_argv("floor_status.py", work)
    check_same_output(launcher, "status", [*rectify, "status", "--format", "json"], status_floor)
    summary_floor = None
    if summary_available(launcher, rectify):
        summary_floor = floor_argv("floor_summary.py", work)
        check_same_output(launcher, "summary", [*rectify, "summary", "--format", "json"], summary_floor)
    else:
        print("summary: not available yet")
    return Province(checklist, rectify, status_floor, summary_floor)


def journal_pairs(province: Province, work: Work, executions: int) -> list[Pair]:
    """advance, status and (when it exists) summary, each with its floor; fresh Commands each call.

    ``executions``: how many times the pairs will run (warm-up included): one pending item each.
    """
    rectify = province.rectify
    pairs = [
        advance_pair(rectify, province.checklist, work, executions),
        Pair(
            "status",
            Command("status floor", province.status_floor),
            Command("rectify status", [*rectify, "status", "--format", "json"]),
        ),
    ]
    if province.summary_floor is not None:
        pairs.append(
            Pair(
                "summary",
                Command("summary floor", province.summary_floor),
                Command("rectify summary", [*rectify, "summary", "--format", "json"]),
            )
        )
    return pairs


def show_commands(pairs: list[Pair], repeats: int, warmup: int) -> None:
    print(f"runs: {repeats} timed + {warmup} warm-up each, fresh process each, interleaved")
    shown: set[int] = set()
    for pair in pairs:
        for command in (pair.floor, pair.command):
            if id(command) not in shown:
                shown.add(id(command))
                env = "".join(f"{name}={shlex.quote(value)} " for name, value in (command.env or {}).items())
                print(f"  {command.label}: {env}{shlex.join(command.argv)}")


def bench(args: argparse.Namespace, work: Work, launcher: Launcher) -> int:
    province = set_up(args, work, launcher)
    pairs = journal_pairs(province, work, args.warmup + args.repeats)
    show_commands(pairs, args.repeats, args.warmup)
    measure(launcher, pairs, args.repeats, args.warmup, REPO)
    report(pairs)
    return 0


def argument_parser(description: str) -> argparse.ArgumentParser:
    """The options of a bench on the province journal (bench_aims.py adds its own)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--units", type=int, default=7000, help="units to generate (default 7000)")
    parser.add_argument("--events", type=int, default=1_000_000, help="journal events (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of checklist and journal (default 1)")
    parser.add_argument("--repeats", type=int, default=7, help="timed executions of each command (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed executions of each command first (default 1)")
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: a temporary directory)")
    parser.add_argument("--reuse", action="store_true", help="with --workdir: reuse its checklist and journal")
    parser.add_argument("--no-audit", action="store_true", help="skip the proof of the fill by `rectify audit`")
    parser.add_argument("--today", default=TODAY, help=f"$RECTIFY_TODAY for the listings (default {TODAY})")
    parser.add_argument("--use-installed", action="store_true", help="time the `rectify` console script")
    return parser


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    if args.repeats < 1 or args.warmup < 0 or args.events < 1:
        parser.error("--repeats and --events must be at least 1, --warmup at least 0")
    if args.reuse and args.workdir is None:
        parser.error("--reuse needs --workdir")
    return args


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argument_parser(__doc__.splitlines()[0])
    return check_args(parser, parser.parse_args(argv))


Bench = Callable[[argparse.Namespace, Work, Launcher], int]


def run(args: argparse.Namespace, root: Path, bench: Bench, name: str) -> int:
    """``bench`` in ``root`` with a launcher; a failure is one message (and the command's stderr), exit 1."""
    try:
        work = Work(root)
        with Launcher(child_env(args, work)) as launcher:
            return bench(args, work, launcher)
    except (OSError, ValueError, RuntimeError) as error:
        sys.stdout.flush()
        print(f"{name}: {error}", file=sys.stderr)
    except CommandFailed as failure:
        sys.stdout.flush()
        print(
            f"{name}: {failure.command.label} exited {failure.run.returncode}: {shlex.join(failure.command.argv)}",
            file=sys.stderr,
        )
        sys.stderr.write(failure.run.stderr)
    return 1


def run_in_workdir(args: argparse.Namespace, bench: Bench, name: str) -> int:
    """In ``--workdir`` (kept), else in a temporary directory removed afterwards."""
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return run(args, args.workdir.resolve(), bench, name)
    with tempfile.TemporaryDirectory(prefix="rectify-bench-") as root:
        return run(args, Path(root), bench, name)


def main(argv: list[str] | None = None) -> int:
    return run_in_workdir(parse_args(argv), bench, "bench_journal")


if __name__ == "__main__":
    sys.exit(main())
