"""The pure parts of bench_postgres (issue 13): the aims' verdicts and the final tables."""

from __future__ import annotations

import pytest
from pg_aims import Import, Rate, command_table, cpu_table, joined, rate_table, ratio, verdict_table, verdicts


def rates(
    sqlite8: float = 150.0, pg8: float = 170.0, broken: int = 0, failed: int = 0
) -> dict[tuple[str, int, str], Rate]:
    """Every append run of one bench: in-process and CLI, 1 and 8 clerks, both stores."""
    return {
        ("process", 1, "sqlite"): Rate(40.0, 400, 0, 0),
        ("process", 1, "postgresql"): Rate(120.0, 1200, 0, 0),
        ("process", 8, "sqlite"): Rate(sqlite8, 1500, failed, 0),
        ("process", 8, "postgresql"): Rate(pg8, 1700, 0, broken),
        ("cli", 1, "sqlite"): Rate(2.2, 22, 0, 0),
        ("cli", 1, "postgresql"): Rate(0.8, 8, 0, 0),
        ("cli", 8, "sqlite"): Rate(1.2, 12, 0, 0),
        ("cli", 8, "postgresql"): Rate(1.4, 14, 0, 0),
    }


MEDIANS = {
    "status": {"sqlite": 6.0, "postgresql": 5.4},
    "summary": {"sqlite": 2.0, "postgresql": 3.2},
    "advance": {"sqlite": 0.8, "postgresql": 1.3},
    "audit": {"sqlite": 176.0, "postgresql": 211.0},
}


def by_aim(medians: dict[str, dict[str, float]], run_rates: dict[tuple[str, int, str], Rate]) -> dict[str, bool]:
    return {v.aim: v.met for v in verdicts(medians, run_rates)}


def test_ratio_is_postgresqls_over_sqlites() -> None:
    assert ratio({"sqlite": 2.0, "postgresql": 3.0}) == 1.5


def test_status_and_summary_are_met_within_one_and_a_half_times_sqlites_time() -> None:
    results = by_aim(MEDIANS, {})
    assert results == {"status: PG / SQLite ≤ 1.5": True, "summary: PG / SQLite ≤ 1.5": False}  # 0.9; 1.6


def test_a_ratio_exactly_at_the_limit_is_met() -> None:
    medians = {"status": {"sqlite": 2.0, "postgresql": 3.0}, "summary": {"sqlite": 2.0, "postgresql": 3.0001}}
    assert by_aim(medians, {}) == {"status: PG / SQLite ≤ 1.5": True, "summary: PG / SQLite ≤ 1.5": False}


def test_advance_and_audit_have_no_aim() -> None:
    assert not [v for v in verdicts(MEDIANS, {}) if v.aim.startswith(("advance", "audit"))]


def test_eight_clerks_on_postgresql_must_at_least_match_sqlite_in_each_mode() -> None:
    results = by_aim({}, rates())
    assert results["8 clerks, in-process: PG events/s ≥ SQLite's"]  # 170 >= 150
    assert results["8 clerks, CLI: PG events/s ≥ SQLite's"]  # 1.4 >= 1.2
    assert by_aim({}, rates(sqlite8=170.0, pg8=170.0))["8 clerks, in-process: PG events/s ≥ SQLite's"]
    assert not by_aim({}, rates(sqlite8=171.0, pg8=170.0))["8 clerks, in-process: PG events/s ≥ SQLite's"]


def test_one_clerk_is_reported_but_not_judged() -> None:
    # PostgreSQL's 1-clerk CLI rate (0.8) is below SQLite's (2.2): no aim names it.
    assert [v.aim for v in verdicts({}, rates())] == [
        "8 clerks, in-process: PG events/s ≥ SQLite's",
        "8 clerks, CLI: PG events/s ≥ SQLite's",
        "0 lost, 0 forked",
    ]


def test_one_event_lost_or_forked_in_any_run_fails_the_integrity_aim_but_a_failed_append_does_not() -> None:
    assert by_aim({}, rates())["0 lost, 0 forked"]
    assert by_aim({}, rates(failed=3))["0 lost, 0 forked"]  # the clerk was told: nothing lost
    [integrity] = [v for v in verdicts({}, rates(broken=1)) if v.aim == "0 lost, 0 forked"]
    assert not integrity.met
    assert integrity.figure == "1 lost or forked of 4,856 acknowledged in 8 runs"


def test_no_figures_no_verdicts() -> None:
    assert verdicts({}, {}) == []
    partial = {k: v for k, v in rates().items() if k != ("cli", 8, "postgresql")}
    assert [v.aim for v in verdicts({}, partial)] == [
        "8 clerks, in-process: PG events/s ≥ SQLite's",
        "0 lost, 0 forked",
    ]


def test_command_table_has_every_command_and_the_import() -> None:
    imports = {"sqlite": Import(100_000, 100_001, 50.0, 310.4), "postgresql": Import(100_000, 100_001, 80.0, 330.0)}
    lines = command_table(MEDIANS, imports).splitlines()
    assert lines[0] == "| command | SQLite | PostgreSQL | PG / SQLite |"
    assert lines[2] == "| status | 6.00 s | 5.40 s | 0.90 |"
    assert [line.split(" | ")[0] for line in lines[2:]] == [
        "| status",
        "| summary",
        "| advance",
        "| audit",
        "| import (100,000 rows)",
    ]
    assert lines[-1] == (
        "| import (100,000 rows) | 50.0 s, 2,000 rows/s, peak 310 MB | 80.0 s, 1,250 rows/s, peak 330 MB | 1.60 |"
    )
    assert "import" not in command_table(MEDIANS, {})


def test_rate_table_has_every_run_with_failures_and_losses_per_store() -> None:
    lines = rate_table(rates(failed=2, broken=1)).splitlines()
    assert len(lines) == 2 + 4
    assert lines[3] == "| 8 clerks, in-process | 150.0 | 170.0 | 1.13 | 2 / 0 | 0 / 1 |"
    assert lines[5] == "| 8 clerks, CLI | 1.2 | 1.4 | 1.17 | 0 / 0 | 0 / 0 |"


def test_a_store_that_acknowledged_nothing_has_no_ratio() -> None:
    run_rates = {("cli", 1, "sqlite"): Rate(0.0, 0, 5, 0), ("cli", 1, "postgresql"): Rate(0.5, 5, 0, 0)}
    assert rate_table(run_rates).splitlines()[2] == "| 1 clerk, CLI | 0.0 | 0.5 | – | 5 / 0 | 0 / 0 |"


def test_cpu_per_event_is_the_runs_cpu_over_the_events_it_acknowledged() -> None:
    assert Rate(10.0, 100, 0, 0, client_cpu=2.0, server_cpu=0.5).cpu_ms() == pytest.approx((20.0, 5.0))
    assert Rate(0.0, 0, 3, 0, client_cpu=1.0).cpu_ms() == (0.0, 0.0)


def test_cpu_table_adds_the_servers_cpu_to_postgresqls_clients() -> None:
    run_rates = {
        ("cli", 8, "sqlite"): Rate(12.0, 120, 0, 0, client_cpu=18.0),
        ("cli", 8, "postgresql"): Rate(6.0, 60, 0, 0, client_cpu=13.8, server_cpu=0.6),
        ("process", 1, "sqlite"): Rate(0.0, 0, 4, 0, client_cpu=1.0),  # nothing acknowledged: no row
        ("process", 1, "postgresql"): Rate(5.0, 50, 0, 0, client_cpu=1.0),
    }
    lines = cpu_table(run_rates).splitlines()
    assert lines[2:] == ["| 8 clerks, CLI | 150.0 | 240.0 (230.0 + 10.0) | 1.60 |"]


def test_runs_taken_in_turns_join_into_one() -> None:
    run = joined([Rate(10.0, 50, 1, 0, 2.0, 0.5), Rate(20.0, 100, 0, 2, 3.0, 1.0)])
    assert run == Rate(15.0, 150, 1, 2, 5.0, 1.5)


def test_verdict_table_words() -> None:
    table = verdict_table(verdicts(MEDIANS, rates(broken=2)))
    assert "| status: PG / SQLite ≤ 1.5 | 0.90 | met |" in table
    assert "| summary: PG / SQLite ≤ 1.5 | 1.60 | NOT met |" in table
    assert "| 0 lost, 0 forked | 2 lost or forked of 4,856 acknowledged in 8 runs | NOT met |" in table


def test_import_rows_per_second() -> None:
    assert Import(1000, 1001, 4.0, 1.0).rows_per_s == pytest.approx(250.0)
