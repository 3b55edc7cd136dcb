"""The aims of issue 14 and the rule that says whether one is met; pure arithmetic, no processes.

An aim is a limit on one figure per run: a ratio of medians (rectify command
over its floor, both timed in that run), a peak RSS in MB, or an absolute
time in seconds. Over several runs:

* median — the median of the per-run figures;
* spread — the run-to-run spread, max − min of the per-run figures (0 with one run);
* met — median <= limit + spread (issue 14: "met when the median ratio over at
  least 3 runs of 7 is at most the aim plus the measured run-to-run spread").

The same rule is applied to the memory and the absolute-time aims. A verdict
from fewer than 3 runs of 7 repeats is computed the same way but marked
inconclusive. ``--check`` (bench_aims.py) fails exactly when a verdict is not
met, i.e. when a figure exceeds its aim by more than the spread.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MIN_RUNS, MIN_REPEATS = 3, 7  # the rule's "at least 3 runs of 7"


@dataclass(frozen=True)
class Aim:
    name: str
    unit: str  # "ratio", "MB" or "s"
    limit: float
    against: str  # the floor, or what the figure is

    def describe(self) -> str:
        return f"≤ {self.limit:g}" if self.unit == "ratio" else f"≤ {self.limit:g} {self.unit}"


VALIDATE = Aim("validate", "ratio", 1.5, "CSafeLoader load of the same file")
ADVANCE = Aim("advance", "ratio", 2.0, 'python -c "import click, yaml, sqlite3"')
STATUS = Aim("status", "ratio", 1.5, "bench/floor_status.py (bare SQL + JSON)")
SUMMARY = Aim("summary", "ratio", 1.5, "bench/floor_summary.py (GROUP BY + JSON)")
# The "< 250 MB" is read as <= 250: at the precision of a peak RSS the two are one.
STATUS_PEAK = Aim("status peak", "MB", 250.0, "peak RSS of `status --format json`")
COLD = Aim("cold first command", "s", 1.2, "`status --unit U`, empty compiled-checklist cache")
AIMS: tuple[Aim, ...] = (VALIDATE, ADVANCE, STATUS, SUMMARY, STATUS_PEAK, COLD)


@dataclass(frozen=True)
class Verdict:
    aim: Aim
    per_run: tuple[float, ...]
    repeats: int

    def __post_init__(self) -> None:
        if not self.per_run:
            raise ValueError(f"{self.aim.name}: no runs")

    @property
    def median(self) -> float:
        return statistics.median(self.per_run)

    @property
    def spread(self) -> float:
        return max(self.per_run) - min(self.per_run)

    @property
    def met(self) -> bool:
        return self.median <= self.aim.limit + self.spread

    @property
    def conclusive(self) -> bool:
        return len(self.per_run) >= MIN_RUNS and self.repeats >= MIN_REPEATS

    def word(self) -> str:
        word = "met" if self.met else "NOT met"
        return word if self.conclusive else f"{word} (inconclusive: {len(self.per_run)} runs of {self.repeats})"


def verdicts(figures: Mapping[str, Sequence[float]], repeats: int, aims: Iterable[Aim] = AIMS) -> list[Verdict]:
    """One verdict per aim that has figures (an aim without any, e.g. no `summary` yet, is left out)."""
    return [Verdict(aim, tuple(figures[aim.name]), repeats) for aim in aims if figures.get(aim.name)]


def failures(results: Iterable[Verdict]) -> list[Verdict]:
    """The verdicts whose median exceeds the aim by more than the run-to-run spread."""
    return [verdict for verdict in results if not verdict.met]


def check(results: Sequence[Verdict]) -> tuple[int, list[str]]:
    """``--check``: exit code 1 with one line per failed aim, else 0 and no lines."""
    lines = [
        f"check: {v.aim.name} not met: median {figure(v.aim, v.median)} > aim {figure(v.aim, v.aim.limit)}"
        f" + run-to-run spread {figure(v.aim, v.spread)}"
        for v in failures(results)
    ]
    return (1 if lines else 0), lines


def figure(aim: Aim, value: float) -> str:
    if aim.unit == "ratio":
        return f"{value:.2f}"
    if aim.unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.2f} s"


def markdown(results: Sequence[Verdict]) -> str:
    """The aims table: per-run figures, median, spread (max − min), aim, verdict."""
    lines = [
        "| aim | against | per run | median | spread | aim | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in results:
        runs = ", ".join(figure(v.aim, value) for value in v.per_run)
        lines.append(
            f"| {v.aim.name} | {v.aim.against} | {runs} | {figure(v.aim, v.median)}"
            f" | {figure(v.aim, v.spread)} | {v.aim.describe()} | {v.word()} |"
        )
    return "\n".join(lines)
