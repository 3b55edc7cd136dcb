"""The pure parts of the issue-14 bench: the met rule, --check's exit code, the interleaved rounds."""

from __future__ import annotations

import json
from pathlib import Path

import aims
import bench_aims
import pytest
from launcher import Run
from timing import Command, Pair, measure


def verdict(aim: aims.Aim, *per_run: float, repeats: int = 7) -> aims.Verdict:
    return aims.Verdict(aim, per_run, repeats)


# -- median, spread, met ----------------------------------------------------------------


def test_median_and_spread_are_over_the_runs() -> None:
    result = verdict(aims.STATUS, 1.9, 1.4, 1.6)
    assert result.median == 1.6
    assert result.spread == pytest.approx(0.5)  # max - min of the per-run figures


def test_met_when_the_median_is_within_the_aim_plus_the_spread() -> None:
    assert verdict(aims.STATUS, 1.4, 1.6, 1.7).met  # 1.6 <= 1.5 + 0.3
    assert verdict(aims.STATUS, 1.5, 1.5, 1.5).met  # exactly at the aim, no spread
    assert verdict(aims.ADVANCE, 2.0, 2.5, 3.0).met  # 2.5 <= 2 + 1.0: a noisy run cannot fail


def test_not_met_when_the_median_exceeds_the_aim_by_more_than_the_spread() -> None:
    result = verdict(aims.STATUS, 1.9, 2.0, 2.05)
    assert not result.met  # 2.0 > 1.5 + 0.15
    assert not verdict(aims.ADVANCE, 2.01, 2.01, 2.01).met


def test_the_rule_holds_for_memory_and_seconds_too() -> None:
    assert verdict(aims.STATUS_PEAK, 240, 260, 255).met  # 255 <= 250 + 20
    assert not verdict(aims.STATUS_PEAK, 315, 316, 315).met
    assert not verdict(aims.COLD, 1.93, 1.90, 1.95).met
    assert verdict(aims.COLD, 1.1, 1.0, 1.3).met


def test_fewer_than_three_runs_of_seven_is_inconclusive() -> None:
    assert verdict(aims.STATUS, 1.4, 1.4, 1.4).conclusive
    assert not verdict(aims.STATUS, 1.4, 1.4).conclusive
    assert not verdict(aims.STATUS, 1.4, 1.4, 1.4, repeats=2).conclusive
    assert "inconclusive" in verdict(aims.STATUS, 1.0).word()
    assert verdict(aims.STATUS, 1.0).spread == 0


def test_the_aims_are_issue_14s() -> None:
    limits = {aim.name: (aim.unit, aim.limit) for aim in aims.AIMS}
    assert limits == {
        "validate": ("ratio", 1.5),
        "advance": ("ratio", 2.0),
        "status": ("ratio", 1.5),
        "summary": ("ratio", 1.5),
        "status peak": ("MB", 250.0),
        "cold first command": ("s", 1.2),
    }


def test_verdicts_leave_out_aims_without_figures_and_figures_without_aims() -> None:
    results = aims.verdicts({"status": [1.0, 1.1, 1.2], "yaml floor s": [0.7], "summary": []}, 7)
    assert [v.aim.name for v in results] == ["status"]


# -- --check ------------------------------------------------------------------------------


def test_check_is_zero_when_every_aim_is_met() -> None:
    assert aims.check([verdict(aims.STATUS, 1.4, 1.6, 1.7), verdict(aims.COLD, 1.0, 1.1, 1.2)]) == (0, [])


def test_check_is_one_and_names_each_failed_aim() -> None:
    code, lines = aims.check(
        [verdict(aims.STATUS, 1.9, 2.0, 2.05), verdict(aims.ADVANCE, 1.8, 1.9, 2.0), verdict(aims.COLD, 2.0, 2.0, 2.0)]
    )
    assert code == 1
    assert len(lines) == 2
    assert "status not met: median 2.00 > aim 1.50 + run-to-run spread 0.15" in lines[0]
    assert lines[1].startswith("check: cold first command not met: median 2.00 s > aim 1.20 s")


def saved(tmp_path: Path, figures: dict[str, list[float]], repeats: int = 7) -> Path:
    path = tmp_path / "figures.json"
    path.write_text(json.dumps({"runs": 3, "repeats": repeats, "figures": figures}), encoding="utf-8")
    return path


def test_judge_check_exit_code_on_given_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = {"validate": [1.4, 1.5, 1.45], "status peak": [200, 201, 200], "yaml floor s": [0.7, 0.7, 0.8]}
    assert bench_aims.main(["--judge", str(saved(tmp_path, good)), "--check"]) == 0
    assert "check: every aim met" in capsys.readouterr().out

    bad = {**good, "advance": [2.45, 2.76, 2.6]}
    assert bench_aims.main(["--judge", str(saved(tmp_path, bad)), "--check"]) == 1
    out = capsys.readouterr().out
    assert "check: advance not met" in out
    assert "validate not met" not in out

    assert bench_aims.main(["--judge", str(saved(tmp_path, bad))]) == 0  # without --check: a report


def test_judge_refuses_a_file_that_is_not_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "figures.json"
    path.write_text('{"repeats": 7, "figures": {"status": ["fast"]}}', encoding="utf-8")
    assert bench_aims.main(["--judge", str(path), "--check"]) == 1
    assert "cannot read figures" in capsys.readouterr().err


# -- the rounds ---------------------------------------------------------------------------


class FakeLauncher:
    """Records the order of the commands; each 'takes' the seconds named in its argv."""

    def __init__(self) -> None:
        self.order: list[str] = []

    def run(self, argv: list[str], cwd: Path, stdout: Path | None = None, env: dict[str, str] | None = None) -> Run:
        self.order.append(argv[0])
        return Run(float(argv[1]), 10.0 * float(argv[1]), 0, "")


def test_rounds_interleave_floor_and_command_and_run_a_shared_floor_once() -> None:
    floor = Command("yaml floor", ["floor", "1.0"])
    befores: list[str] = []
    pairs = [
        Pair("validate", floor, Command("validate", ["validate", "1.5"])),
        Pair("cold", floor, Command("cold", ["cold", "2.0"]), before=lambda: befores.append("emptied")),
    ]
    launcher = FakeLauncher()
    measure(launcher, pairs, repeats=3, warmup=1, cwd=Path("."))  # type: ignore[arg-type]
    assert launcher.order == ["floor", "validate", "cold"] * 4
    assert befores == ["emptied"] * 4
    assert [len(c.runs) for c in (floor, pairs[0].command, pairs[1].command)] == [3, 3, 3]  # warm-up not kept
    figures = bench_aims.figures_of(
        [*pairs, Pair("advance", floor, pairs[0].command), Pair("status", floor, pairs[1].command)]
    )
    assert figures == {
        "validate": 1.5,
        "cold first command": 2.0,
        "yaml floor s": 1.0,
        "advance": 1.5,
        "status": 2.0,
        "status peak": 20.0,
    }
