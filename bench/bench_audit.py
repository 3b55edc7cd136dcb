"""Time `audit` on a filled journal: the hash check alone, audit without the rule replay, full audit.

DESIGN's aim: the full audit (chain, append-only triggers, time, every step replayed through
the rules of its checklist version, every column of the current table) costs at most 2x the
hash check alone, in memory bounded by the number of items. Each measurement runs in a fresh
process started by launcher.py, so its peak RSS is its own; the three are interleaved.

    python bench/fill_journal.py /tmp/bj/province.yaml          # or bench_journal.py --workdir /tmp/bj
    python bench/bench_audit.py /tmp/bj/province.yaml [--repeats 3]

Hashing stored evidence files is not part of these figures (the journal's bench has none).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from launcher import Launcher

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

# Each mode in its own interpreter: load the checklist (cached), open the journal read-only, run.
SCRIPT = """
import sys
sys.path.insert(0, {repo!r})
import cli
cli.collect_rarely()  # the collector policy of `rectify`, for every mode alike
from engine.checklist.cache import load_cached
from engine.journal.store import open_store
from engine.journal.verify import verify_chain
from engine.operations.audit import audit
checklist = load_cached({checklist!r})
store = open_store(None, {checklist!r}, checklist.id, read_only=True)
mode = {mode!r}
if mode == "hash":
    with store.snapshot() as reader:
        report = verify_chain(reader.events())
else:
    report = audit(store, checklist, judge_rules=mode == "full")
assert report.ok, report.problems[:3]
print(report.head_seq, len(report.warnings))
"""
MODES = {"hash": "hash chain alone", "no-rules": "audit without rule replay", "full": "audit (rules replayed)"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checklist", type=Path, help="a checklist whose journal (.db beside it) is filled")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    checklist = str(args.checklist.resolve())
    env = {**os.environ, "RECTIFY_CACHE_DIR": str(args.checklist.resolve().parent / "cache")}
    seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
    peaks: dict[str, float] = dict.fromkeys(MODES, 0.0)
    with Launcher(env) as launcher:
        launcher.run(
            [sys.executable, "-c", SCRIPT.format(repo=str(REPO), checklist=checklist, mode="full")], REPO
        )  # warm the compiled-checklist cache and the page cache
        for _ in range(args.repeats):
            for mode in MODES:
                run = launcher.run(
                    [sys.executable, "-c", SCRIPT.format(repo=str(REPO), checklist=checklist, mode=mode)], REPO
                )
                if run.returncode != 0:
                    print(f"{MODES[mode]} failed:\n{run.stderr}", file=sys.stderr)
                    return 1
                seconds[mode].append(run.seconds)
                peaks[mode] = max(peaks[mode], run.peak_mb)
    base = statistics.median(seconds["hash"])
    print(f"{'':28} {'median s':>9} {'min s':>7} {'x hash':>7} {'peak MB':>8}")
    for mode, label in MODES.items():
        median = statistics.median(seconds[mode])
        print(f"{label:28} {median:9.2f} {min(seconds[mode]):7.2f} {median / base:7.2f} {peaks[mode]:8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
