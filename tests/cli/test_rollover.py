"""rollover: next year's checklist carries exactly the items not verified, validates, never overwrites."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from engine.checklist.load import load_checklist

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "tests" / "cases" / "valid" / "minimal.yaml"


class Office:
    def __init__(self, tmp_path: Path):
        self.dir = tmp_path
        self.checklist = tmp_path / "minimal.yaml"
        text = (
            MINIMAL.read_text(encoding="utf-8")
            .replace("  - id: kongchuo\n", "  # 四(一)2 控辍保学 — the notice's clause\n  - id: kongchuo\n")
            .replace("    owners: {unit: edu}\n", "    owners: {unit: edu}\n    support: {unit: dudao}\n")
        )
        self.checklist.write_text(text, encoding="utf-8")
        self.env = {"RECTIFY_CACHE_DIR": str(tmp_path / "cache"), "RECTIFY_LANG": "en"}
        assert self("init").exit_code == 0

    def __call__(self, *args: str, checklist: Path | None = None, actor: str = "wang"):
        return CliRunner().invoke(
            cli, ["-c", str(checklist or self.checklist), "--as", actor, *args], catch_exceptions=False, env=self.env
        )

    def ok(self, *args: str, **kwargs):
        result = self(*args, **kwargs)
        assert result.exit_code == 0, result.stderr
        return result


@pytest.fixture
def office(tmp_path: Path) -> Office:
    office = Office(tmp_path)
    office.ok("advance", "dongshan/kongchuo", "start", actor="li")
    office.ok("advance", "xihe/kongchuo", "start", "--note", "已部署")
    office.ok("record", "xihe/kongchuo", "proof_rate=100")
    office.ok("attach", "xihe/kongchuo", "proof")
    office.ok("attach", "xihe/kongchuo", "report")
    office.ok("advance", "xihe/kongchuo", "verify", "--note", "材料齐全，同意销号")
    return office


def test_rollover_carries_exactly_the_unverified_items(office):
    target = office.dir / "next.yaml"
    office.ok("rollover", "--to", str(target))
    carried = load_checklist(target)
    assert carried.id == "minimal-2027" and carried.previous == "minimal-2026"
    assert sorted((i.id, i.duty.carried_from) for i in carried.items) == [
        ("dongshan/kongchuo-dongshan", ("minimal-2026/dongshan/kongchuo",)),
        ("edu/zhenggai", ("minimal-2026/edu/zhenggai",)),
    ]
    assert [u.id for u in carried.units] == ["dudao", "edu", "dongshan", "xihe"]
    assert carried.duty_by_id["zhenggai"].support == ("dudao",)
    assert [p.id for p in carried.people] == ["wang", "li"]
    text = target.read_text(encoding="utf-8")
    assert "# 四(一)2 控辍保学 — the notice's clause" in text  # the source comment still applies
    assert office.ok("validate", str(target)).exit_code == 0


def test_the_last_note_becomes_the_description_and_a_second_year_is_flagged(office):
    office.ok("advance", "edu/zhenggai", "start", "--note", "正在梳理问题清单")
    first, second = office.dir / "2027.yaml", office.dir / "2028.yaml"
    office.ok("rollover", "--to", str(first))
    assert load_checklist(first).duty_by_id["zhenggai"].description == "正在梳理问题清单"
    office.ok("init", checklist=first)  # the new year's journal, as the office starts it
    result = office.ok("rollover", "--to", str(second), checklist=first)
    assert "连续未销号" in result.stdout
    carried = load_checklist(second)
    assert carried.duty_by_id["zhenggai"].carried_from == ("minimal-2026/edu/zhenggai", "minimal-2027/edu/zhenggai")
    assert "# 连续未销号: carried from minimal-2027/edu/zhenggai" in second.read_text(encoding="utf-8")


def test_rollover_never_overwrites_and_needs_the_permission(office):
    target = office.dir / "next.yaml"
    target.write_text("keep me", encoding="utf-8")
    result = office("rollover", "--to", str(target))
    assert result.exit_code == 1 and "never overwrites" in result.stderr
    assert target.read_text(encoding="utf-8") == "keep me"
    assert office("rollover", "--to", str(office.dir / "other.yaml"), actor="li").exit_code == 1
    assert not (office.dir / "other.yaml").exists()
