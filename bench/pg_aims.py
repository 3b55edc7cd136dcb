"""Issue 13's aims for the two stores, and bench_postgres's final tables; arithmetic only, no processes.

One run of bench_postgres gives each command's median seconds on each store, one import
per store (seconds, rows, peak RSS) and each append run's events per second, events
acknowledged, appends that failed (the clerk was told so) and events lost or forked
(acknowledged but not in the journal at that position as that clerk's, told to two
clerks, or in the journal but acknowledged to nobody). The aims of issue 13:

* status and summary: PostgreSQL within 1.5× of SQLite's time (PG / SQLite ≤ 1.5);
* 8 concurrent clerks, in-process and through the CLI: PostgreSQL's events per second
  at least SQLite's (PG / SQLite ≥ 1);
* every append run: 0 lost, 0 forked.

A figure exactly at its limit meets the aim. One run gives one figure per aim: the
verdicts are that run's, not a rule over several runs (compare bench/aims.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

STORES = ("sqlite", "postgresql")
RATIO_LIMIT = 1.5
RATIO_COMMANDS = ("status", "summary")
MODES = {"process": "in-process", "cli": "CLI"}
CLERKS = 8


@dataclass(frozen=True)
class Rate:
    """One append run: ``count`` clerks at once on one store for a few seconds."""

    events_per_s: float
    acknowledged: int
    failed: int  # appends the clerk was told had failed
    broken: int  # events lost or forked
    client_cpu: float = 0.0  # CPU seconds (user + sys) of the clerks' appends, with their `rectify` processes
    server_cpu: float = 0.0  # CPU seconds of the database server's processes over the run (none for SQLite)

    def cpu_ms(self) -> tuple[float, float]:
        """CPU milliseconds per acknowledged event: (client, server)."""
        if not self.acknowledged:
            return (0.0, 0.0)
        return (1000 * self.client_cpu / self.acknowledged, 1000 * self.server_cpu / self.acknowledged)


def joined(runs: Sequence[Rate]) -> Rate:
    """Runs of equal length as one: the mean events per second, everything else summed."""
    return Rate(
        sum(run.events_per_s for run in runs) / len(runs),
        sum(run.acknowledged for run in runs),
        sum(run.failed for run in runs),
        sum(run.broken for run in runs),
        sum(run.client_cpu for run in runs),
        sum(run.server_cpu for run in runs),
    )


@dataclass(frozen=True)
class Import:
    """One ``rectify import`` of the sheet into a fresh copy of a store's journal."""

    rows: int
    events: int  # the events it recorded (the head moved by this much)
    seconds: float
    peak_mb: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


@dataclass(frozen=True)
class Verdict:
    aim: str
    figure: str
    met: bool

    def word(self) -> str:
        return "met" if self.met else "NOT met"


def ratio(by_store: Mapping[str, float]) -> float:
    """PostgreSQL's figure over SQLite's."""
    return by_store["postgresql"] / by_store["sqlite"]


def verdicts(
    medians: Mapping[str, Mapping[str, float]], rates: Mapping[tuple[str, int, str], Rate], clerks: int = CLERKS
) -> list[Verdict]:
    """One verdict per aim that has its figures in this run (none, say, with --only-throughput's commands)."""
    results = []
    for name in RATIO_COMMANDS:
        if name in medians:
            figure = ratio(medians[name])
            results.append(Verdict(f"{name}: PG / SQLite ≤ {RATIO_LIMIT:g}", f"{figure:.2f}", figure <= RATIO_LIMIT))
    for mode, label in MODES.items():
        sqlite, postgresql = rates.get((mode, clerks, "sqlite")), rates.get((mode, clerks, "postgresql"))
        if sqlite is None or postgresql is None:
            continue
        results.append(
            Verdict(
                f"{clerks} clerks, {label}: PG events/s ≥ SQLite's",
                f"{postgresql.events_per_s:.1f} vs {sqlite.events_per_s:.1f}",
                postgresql.events_per_s >= sqlite.events_per_s,
            )
        )
    if rates:
        broken = sum(rate.broken for rate in rates.values())
        acknowledged = sum(rate.acknowledged for rate in rates.values())
        results.append(
            Verdict(
                "0 lost, 0 forked",
                f"{broken} lost or forked of {acknowledged:,} acknowledged in {len(rates)} runs",
                broken == 0,
            )
        )
    return results


def command_table(medians: Mapping[str, Mapping[str, float]], imports: Mapping[str, Import]) -> str:
    """Every command's median seconds on each store and the ratio; the import's with its rows/s and peak."""
    lines = ["| command | SQLite | PostgreSQL | PG / SQLite |", "|---|---|---|---|"]
    for name, by_store in medians.items():
        lines.append(
            f"| {name} | {by_store['sqlite']:.2f} s | {by_store['postgresql']:.2f} s | {ratio(by_store):.2f} |"
        )
    if imports:
        sqlite, postgresql = imports["sqlite"], imports["postgresql"]
        lines.append(
            f"| import ({sqlite.rows:,} rows) | {cell(sqlite)} | {cell(postgresql)} "
            f"| {postgresql.seconds / sqlite.seconds:.2f} |"
        )
    return "\n".join(lines)


def cell(run: Import) -> str:
    return f"{run.seconds:.1f} s, {run.rows_per_s:,.0f} rows/s, peak {run.peak_mb:.0f} MB"


def run_pairs(rates: Mapping[tuple[str, int, str], Rate], counts: Sequence[int]) -> Iterator[tuple[str, Rate, Rate]]:
    """(row label, SQLite's run, PostgreSQL's run) of each append run measured on both stores."""
    for mode, label in MODES.items():
        for count in counts:
            sqlite, postgresql = rates.get((mode, count, "sqlite")), rates.get((mode, count, "postgresql"))
            if sqlite is not None and postgresql is not None:
                yield f"{count} clerk{'s' if count > 1 else ''}, {label}", sqlite, postgresql


def rate_table(rates: Mapping[tuple[str, int, str], Rate], counts: Sequence[int] = (1, CLERKS)) -> str:
    """Events per second of each append run, PG's over SQLite's, and what failed or broke on each store."""
    lines = [
        "| appends | SQLite events/s | PostgreSQL events/s | PG / SQLite | failed (SQLite / PG) | lost or forked |",
        "|---|---|---|---|---|---|",
    ]
    for row, sqlite, postgresql in run_pairs(rates, counts):
        share = f"{postgresql.events_per_s / sqlite.events_per_s:.2f}" if sqlite.events_per_s else "–"
        lines.append(
            f"| {row} | {sqlite.events_per_s:.1f} | {postgresql.events_per_s:.1f} | {share} "
            f"| {sqlite.failed} / {postgresql.failed} | {sqlite.broken} / {postgresql.broken} |"
        )
    return "\n".join(lines)


def cpu_table(rates: Mapping[tuple[str, int, str], Rate], counts: Sequence[int] = (1, CLERKS)) -> str:
    """CPU per acknowledged event of each append run on each store, the clerks' and the server's: on a
    machine whose cores are all busy, events per second are bounded by it."""
    lines = [
        "| appends | SQLite CPU ms/event | PostgreSQL CPU ms/event (client + server) | PG / SQLite |",
        "|---|---|---|---|",
    ]
    for row, sqlite, postgresql in run_pairs(rates, counts):
        if not (sqlite.acknowledged and postgresql.acknowledged):
            continue
        lite, (client, server) = sum(sqlite.cpu_ms()), postgresql.cpu_ms()
        share = f"{(client + server) / lite:.2f}" if lite else "–"
        lines.append(f"| {row} | {lite:.1f} | {client + server:.1f} ({client:.1f} + {server:.1f}) | {share} |")
    return "\n".join(lines)


def verdict_table(results: Sequence[Verdict]) -> str:
    lines = ["| aim (issue 13) | this run | verdict |", "|---|---|---|"]
    lines.extend(f"| {v.aim} | {v.figure} | {v.word()} |" for v in results)
    return "\n".join(lines)
