"""Timed commands and their floors, run interleaved in fresh processes: the pieces every bench shares.

A ``Command`` is one argv and the ``Run`` of each of its timed executions; a
``Pair`` is a rectify command and its floor (the least work for the same
answer). ``measure()`` runs rounds of every pair, floor then command, each a
fresh process started by the launcher (launcher.py), so that drift in the
machine's load hits both alike and each peak RSS is the child's own.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from launcher import Launcher, Run


@dataclass
class Command:
    label: str
    argv: list[str]
    runs: list[Run] = field(default_factory=list)
    env: dict[str, str] | None = None  # variables set for this command only

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


@dataclass
class Pair:
    """A rectify command and its floor.

    ``next_argv`` gives the command a new argv before each execution (e.g. another pending
    item); ``before`` runs untimed just before the pair's floor and command (e.g. empty a
    cache). Two pairs may share one floor ``Command``: it then runs once per round.
    """

    name: str
    floor: Command
    command: Command
    next_argv: Callable[[], list[str]] | None = None
    before: Callable[[], None] | None = None

    def ratio(self) -> float:
        return self.command.median() / self.floor.median()


def measure(launcher: Launcher, pairs: list[Pair], repeats: int, warmup: int, cwd: Path) -> None:
    """``warmup`` untimed then ``repeats`` timed rounds; each round runs every pair, floor then command.

    A floor shared by several pairs runs once a round, at its first pair.
    """
    for round_number in range(warmup + repeats):
        done: set[int] = set()
        for pair in pairs:
            if pair.before is not None:
                pair.before()
            if pair.next_argv is not None:
                pair.command.argv = pair.next_argv()
            for command in (pair.floor, pair.command):
                if id(command) in done:
                    continue
                done.add(id(command))
                run = launcher.run(command.argv, cwd, env=command.env)
                if run.returncode != 0:
                    raise CommandFailed(command, run)
                if round_number >= warmup:
                    command.runs.append(run)


def table(pairs: list[Pair]) -> str:
    """Median, fastest and peak of each floor and command, and its ratio to the pair's floor."""
    lines = [f"{'command':<22} {'median s':>9} {'min s':>8} {'peak MB':>8} {'ratio':>6}"]
    shown: set[int] = set()
    for pair in pairs:
        for command in (pair.floor, pair.command):
            if id(command) in shown:
                continue
            shown.add(id(command))
            lines.append(
                f"{command.label:<22} {command.median():>9.3f} {command.fastest():>8.3f}"
                f" {command.peak_mb():>8.1f} {command.median() / pair.floor.median():>6.2f}"
            )
    return "\n".join(lines)
