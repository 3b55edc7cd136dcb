"""Workflow diagrams: Mermaid with ASCII ids and Chinese labels, Graphviz with a CJK font, SVG."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from engine.checklist.load import load_checklist
from engine.workflow.diagram import diagram

REPO = Path(__file__).resolve().parents[3]
MINIMAL = REPO / "tests" / "cases" / "valid" / "minimal.yaml"


@pytest.fixture(scope="module")
def workflow():
    return load_checklist(MINIMAL).workflows[0]


def test_mermaid_uses_ascii_ids_and_shows_labels_and_who(workflow):
    text = diagram(workflow, "mermaid", {"supervisor": "督学"}, "最小整改清单")
    assert isinstance(text, str)
    assert 'state "待整改" as s1' in text and 'state "已销号" as s3' in text
    assert "s1 --> s2: 启动整改（本单位、督学）" in text
    assert "s2 --> s3: 验收销号（督学；非本单位）" in text
    assert "[*] --> s1" in text and "s3 --> [*]" in text
    for line in text.splitlines():  # every state id Mermaid parses is plain ASCII
        for state_id in re.findall(r"\bas (\S+)$|^\s*(\S+) -->", line):
            assert all(part.isascii() for part in state_id)


def test_dot_names_a_cjk_font(workflow):
    source = diagram(workflow, "dot", {}, "t")
    assert "WenQuanYi Micro Hei" in source and 's2 -> s3 [label="验收销号（supervisor；非本单位）"]' in source


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (.ci/run installs it)")
def test_svg_holds_the_chinese_labels(workflow):
    svg = diagram(workflow, "svg", {}, "t")
    assert svg.startswith(b"<?xml") and "回头看重开".encode() not in svg  # minimal's reopen has no label
    assert "验收销号".encode() in svg and "待整改".encode() in svg


def test_without_graphviz_the_command_says_so_and_suggests_mermaid(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["-c", str(MINIMAL), "graph", "-o", str(tmp_path / "g.svg")],
        env={"PATH": str(tmp_path), "RECTIFY_CACHE_DIR": str(tmp_path / "c")},
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert "Graphviz" in result.stderr and "--format mermaid" in result.stderr
    assert not (tmp_path / "g.svg").exists()


def test_the_suffix_picks_the_format(tmp_path):
    env = {"RECTIFY_CACHE_DIR": str(tmp_path / "c")}
    result = CliRunner().invoke(cli, ["-c", str(MINIMAL), "graph", "-o", str(tmp_path / "g.mmd")], env=env)
    assert result.exit_code == 0 and (tmp_path / "g.mmd").read_text(encoding="utf-8").startswith("---")
    result = CliRunner().invoke(cli, ["-c", str(MINIMAL), "graph", "-o", str(tmp_path / "g.png")], env=env)
    assert result.exit_code == 2


def test_the_diagram_never_overwrites_the_checklist(tmp_path):
    checklist = tmp_path / "minimal.yaml"
    shutil.copy(MINIMAL, checklist)
    before = checklist.read_bytes()
    result = CliRunner().invoke(
        cli,
        ["-c", str(checklist), "graph", "--format", "mermaid", "-o", str(checklist)],
        env={"RECTIFY_CACHE_DIR": str(tmp_path / "c")},
    )
    assert result.exit_code == 1 and "the checklist or the journal in use" in result.stderr
    assert checklist.read_bytes() == before
