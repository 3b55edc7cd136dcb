"""Two versions of rectify's code, like for like: the same province, the same journal, the same floors.

Issue 7 asked that the restructure leave validate, advance, status and summary
no slower than the README's figures; the bench changed since (a new journal,
floors that print the commands' bytes), so its ratios today do not compare
with the old ones. This script times the two CODE versions side by side
instead, in one run, interleaved, each command a fresh process:

  validate  `rectify validate PROVINCE`             floor: CSafeLoader load of the same file
  advance   `rectify --as R advance ITEM start`     floor: python -c "import click, yaml, sqlite3"
  status    `rectify status --format json`          floors: each tree's bench/floor_status.py
  summary   `rectify summary --format json`         floors: each tree's bench/floor_summary.py

Each tree runs as `python -m cli` with PYTHONPATH=TREE, from a directory
with no cli.py, byte-compiled first, with a compiled-checklist cache of its
own (warmed by the untimed first round). Each tree gets the province its own
bench/gen_province.py writes (they differ only where the checklist format
changed) and its own copy of the journal, so both `advance` the same pending
items, one per round; the floors read a third copy no command writes. The
old floors read a sidecar written by the old tree's bench_journal.py, the new
ones the new tree's. Per command: median, min and max CPU seconds (user+sys
of the child, from os.wait4) and wall seconds, peak RSS; then new/old and the
ratios against every floor. The old and new commands swap places every round.

    git -C REPO archive COMMIT | tar -x -C /tmp/rev7/old     # each tree, once
    python bench/compare_code.py --old /tmp/rev7/old --new /tmp/rev7/new \\
        --journal /tmp/aims14/province.db --work /tmp/rev7/work --repeats 9

The journal given is only read (copied with SQLite's backup API). Exit 1 when
a command fails or a check between a command and its floor fails.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

TODAY = "2026-12-01"
YAML_FLOOR = 'import sys, yaml; yaml.load(open(sys.argv[1], "rb"), Loader=yaml.CSafeLoader)'
IMPORT_FLOOR = "import click, yaml, sqlite3"

# Run inside each tree (PYTHONPATH=TREE:TREE/bench): the sidecar its floors read, and the
# pending items with a reporter of each, as that tree's bench_journal.py would pick them.
PREPARE = """
import json, sys
from pathlib import Path
from bench_journal import pending_items, write_sidecar
from fill_journal import cast_of, load_checklist
yaml_path, db, sidecar, count = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
checklist = load_checklist(Path(yaml_path))
write_sidecar(checklist, sidecar)
reporters = cast_of(checklist).reporters
print(json.dumps([[item.id, reporters[item.unit.id][0]] for item in pending_items(checklist, db, count)]))
"""


@dataclass
class Command:
    label: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    peak_mb: float = 0.0


def run(command: Command, cwd: Path, record: bool) -> None:
    """One fresh process, stdout to /dev/null; its own CPU time and peak RSS from wait4."""
    env = {**os.environ, **command.env}
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.execvpe(command.argv[0], command.argv, env)
        finally:
            os._exit(127)
    _pid, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed (exit {os.waitstatus_to_exitcode(status)}): {command.label}: {command.argv}")
    if record:
        command.cpu.append(usage.ru_utime + usage.ru_stime)
        command.wall.append(wall)
        command.peak_mb = max(command.peak_mb, usage.ru_maxrss / 1024)


def output(argv: list[str], env: dict[str, str], cwd: Path) -> bytes:
    done = subprocess.run(argv, env={**os.environ, **env}, cwd=cwd, capture_output=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"failed (exit {done.returncode}): {argv}\n{done.stderr.decode(errors='replace')}")
    return done.stdout


def copy_journal(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    src.backup(dst)
    dst.close()
    src.close()


@dataclass
class Tree:
    """One version of the code and its files in the work directory."""

    name: str
    root: Path
    work: Path
    bench: Path  # the tree whose bench/ makes the province, sidecar and floors (normally root)

    @property
    def checklist(self) -> Path:
        return self.work / f"{self.name}.yaml"

    @property
    def db(self) -> Path:
        return self.work / f"{self.name}.db"

    @property
    def sidecar(self) -> Path:
        return self.work / f"{self.name}.floor.json"

    def env(self) -> dict[str, str]:
        return {
            "PYTHONPATH": str(self.root),
            "RECTIFY_CACHE_DIR": str(self.work / f"cache-{self.name}"),
            "RECTIFY_TODAY": TODAY,
        }

    def rectify(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "cli", "-c", str(self.checklist), "--db", str(self.db), *args]

    def floor(self, script: str, db: Path) -> list[str]:
        return [sys.executable, str(self.bench / "bench" / script), str(self.sidecar), str(db)]


def prepare(trees: list[Tree], journal: Path, floor_db: Path, count: int, cwd: Path) -> list[list[str]]:
    """Provinces, journal copies, sidecars; the pending items both trees will advance."""
    copy_journal(journal, floor_db)
    picks = []
    for tree in trees:
        compileall.compile_dir(str(tree.root), quiet=1)
        subprocess.run(
            [sys.executable, str(tree.bench / "bench" / "gen_province.py"), "-o", str(tree.checklist)],
            env={**os.environ, "PYTHONPATH": str(tree.bench)},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        copy_journal(journal, tree.db)
        env = {"PYTHONPATH": f"{tree.bench}:{tree.bench / 'bench'}"}
        picked = output(
            [sys.executable, "-c", PREPARE, str(tree.checklist), str(tree.db), str(tree.sidecar), str(count)], env, cwd
        )
        picks.append(json.loads(picked))
    if any(p != picks[0] for p in picks):
        raise SystemExit("the trees pick different pending items; the advance comparison would be unfair")
    return picks[0]


def check(trees: list[Tree], floor_db: Path, cwd: Path) -> None:
    """Each status/summary against its floors (states, counts), and what differs between old and new."""
    status = {t.name: json.loads(output(t.rectify("status", "--format", "json"), t.env(), cwd)) for t in trees}
    summary = {t.name: json.loads(output(t.rectify("summary", "--format", "json"), t.env(), cwd)) for t in trees}
    # what each command and its floor must agree on: (command, its rows, floor script, key, value, words)
    agreements = [
        ("status", status, "floor_status.py", "item", "state", "states"),
        ("summary", summary, "floor_summary.py", "unit", "items", "items per unit"),
    ]
    for tree in trees:
        for name, rows, script, key, value, words in agreements:
            mine = {row[key]: row[value] for row in rows[tree.name]}
            bare = {row[key]: row[value] for row in json.loads(output(tree.floor(script, floor_db), {}, cwd))}
            print(
                f"check {tree.name}: {name} {len(mine):,} rows, its floor {len(bare):,},"
                f" {words} {'agree' if mine == bare else 'DIFFER'}"
            )
            if mine != bare:
                raise SystemExit(1)
    old, new = trees
    for what, rows in (("status", status), ("summary", summary)):
        a, b = rows[old.name], rows[new.name]
        only_old = [k for k in a[0] if k not in b[0]]
        only_new = [k for k in b[0] if k not in a[0]]
        differ: dict[str, int] = {}
        for x, y in zip(a, b):
            for key in set(x) & set(y):
                if x[key] != y[key]:
                    differ[key] = differ.get(key, 0) + 1
        print(
            f"{what}: {old.name} fields {len(a[0])}, {new.name} fields {len(b[0])};"
            f" only {old.name}: {only_old}; only {new.name}: {only_new};"
            f" shared fields that differ (rows): {differ or 'none'}"
        )


def describe(values: list[float]) -> str:
    return f"{statistics.median(values):7.3f} {min(values):7.3f} {max(values):7.3f}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", type=Path, required=True, help="the older tree (git archive of a commit)")
    parser.add_argument("--new", type=Path, required=True, help="the newer tree")
    parser.add_argument("--journal", type=Path, required=True, help="a filled journal; only read")
    parser.add_argument("--work", type=Path, required=True, help="where provinces, copies and caches go")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--new-bench",
        type=Path,
        help="take the new tree's bench/ scripts from this tree instead (a commit whose own bench is broken)",
    )
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    args.work.mkdir(parents=True, exist_ok=True)
    cwd = args.work / "cwd"  # no cli.py here: `python -m cli` takes the tree from PYTHONPATH
    cwd.mkdir(exist_ok=True)
    old = Tree("old", args.old.resolve(), args.work, args.old.resolve())
    new = Tree("new", args.new.resolve(), args.work, (args.new_bench or args.new).resolve())
    trees = [old, new]
    floor_db = args.work / "floor.db"
    rounds = 1 + args.repeats
    plan = args.work / "items.json"
    if args.prepare_only:
        plan.write_text(json.dumps(prepare(trees, args.journal, floor_db, rounds, cwd)), encoding="utf-8")
        check(trees, floor_db, cwd)
        return 0
    # Preparing reads the listings (hundreds of MB); in a process of its own, so that this one
    # stays small: a forked child's ru_maxrss starts at its parent's size.
    subprocess.run([sys.executable, __file__, *argv, "--prepare-only"], check=True)
    items = json.loads(plan.read_text(encoding="utf-8"))

    floors = {
        "yaml floor": Command(
            "yaml floor (CSafeLoader, new province)", [sys.executable, "-c", YAML_FLOOR, str(new.checklist)]
        ),
        "import floor": Command("import floor", [sys.executable, "-c", IMPORT_FLOOR]),
    }
    for tree in trees:
        for name in ("status", "summary"):
            floors[f"{name} floor {tree.name}"] = Command(
                f"{tree.name} floor_{name}.py", tree.floor(f"floor_{name}.py", floor_db)
            )
    commands = {
        (cmd, t.name): Command(f"{t.name} {cmd}", [], t.env())
        for cmd in ("validate", "advance", "status", "summary")
        for t in trees
    }
    for t in trees:
        commands["validate", t.name].argv = [sys.executable, "-m", "cli", "validate", str(t.checklist)]
        commands["status", t.name].argv = t.rectify("status", "--format", "json")
        commands["summary", t.name].argv = t.rectify("summary", "--format", "json")

    loads = []
    print(f"uptime before: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    for number in range(rounds):
        item, actor = items[number]
        order = trees if number % 2 == 0 else trees[::-1]
        for t in trees:
            commands["advance", t.name].argv = t.rectify("--as", actor, "advance", item, "start")
        sequence = [
            floors["yaml floor"],
            *(commands["validate", t.name] for t in order),
            floors["import floor"],
            *(commands["advance", t.name] for t in order),
            *(floors[f"status floor {t.name}"] for t in order),
            *(commands["status", t.name] for t in order),
            *(floors[f"summary floor {t.name}"] for t in order),
            *(commands["summary", t.name] for t in order),
        ]
        for command in sequence:
            run(command, cwd, record=number > 0)
        loads.append(os.getloadavg()[0])
        print(f"round {number} {'(warm-up, untimed)' if number == 0 else ''} done, load {loads[-1]:.2f}", flush=True)
    print(f"uptime after: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    print(f"1-min load average after each round: {', '.join(f'{x:.2f}' for x in loads)}")

    print(f"\n{args.repeats} timed runs each, seconds: median min max")
    print(f"{'command':42} {'CPU (user+sys)':>23}   {'wall':>23}  peak MB")
    for command in [*floors.values(), *commands.values()]:
        print(f"{command.label:42} {describe(command.cpu)}   {describe(command.wall)}  {command.peak_mb:7.1f}")

    def med(command: Command, kind: str) -> float:
        return statistics.median(getattr(command, kind))

    floor_of = {
        "validate": ["yaml floor"],
        "advance": ["import floor"],
        "status": ["status floor old", "status floor new"],
        "summary": ["summary floor old", "summary floor new"],
    }
    for kind in ("cpu", "wall"):
        print(f"\nratios of medians ({'CPU' if kind == 'cpu' else 'wall'}); new/old per round: median [min, max]")
        print(f"{'command':10} {'new/old':>8} {'per round':>20}  {'floor':18} {'old/floor':>9} {'new/floor':>9}")
        for cmd, floor_names in floor_of.items():
            o, n = commands[cmd, "old"], commands[cmd, "new"]
            paired = [b / a for a, b in zip(getattr(o, kind), getattr(n, kind))]
            spread = f"{statistics.median(paired):.2f} [{min(paired):.2f}, {max(paired):.2f}]"
            for floor_name in floor_names:
                f = med(floors[floor_name], kind)
                print(
                    f"{cmd:10} {med(n, kind) / med(o, kind):8.2f} {spread:>20}  {floor_name:18}"
                    f" {med(o, kind) / f:9.2f} {med(n, kind) / f:9.2f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
