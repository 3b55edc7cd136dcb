"""The README's walk-through shows real outputs.

Every ``$ rectify ...`` line between ``<!-- walkthrough -->`` markers is run, in order, in a
scratch directory on the frozen copy of the bundled checklist, with the README's settings; the
output printed under it in the README must be what the command prints, clock times and hashes
aside. ``RECTIFY_README_UPDATE=1`` rewrites the README's outputs instead of comparing.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

from click.testing import CliRunner

from cli import cli

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
FROZEN = REPO / "tests" / "fixtures" / "shuanggao-frozen.yaml"
BLOCK = re.compile(r"(<!-- walkthrough -->\n```console\n)(.*?)(```\n<!-- /walkthrough -->)", re.S)
ENV = {
    "RECTIFY_CHECKLIST": "shuanggao-2026.yaml",
    "RECTIFY_LANG": "zh",
    "COLUMNS": "80",
    "RECTIFY_TODAY": "2026-12-01",
    "RECTIFY_DB": None,
    "RECTIFY_ACTOR": None,
    "NO_COLOR": None,
}
MASKS = [(re.compile(r"\b[0-9a-f]{64}\b"), "<HASH>"), (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"), "<TIME>")]


def masked(text: str) -> str:
    for pattern, mark in MASKS:
        text = pattern.sub(mark, text)
    return text


def commands(block: str) -> list[tuple[str, str]]:
    """(command line, output shown under it) for each ``$ `` line of the block."""
    pairs: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            assert pairs, f"output before any command: {line!r}"
            pairs[-1][1].append(line)
    return [(command, "\n".join(lines)) for command, lines in pairs]


def run_walkthrough(tmp_path: Path, monkeypatch, lines: list[str]) -> list[str]:
    shutil.copy(FROZEN, tmp_path / "shuanggao-2026.yaml")
    (tmp_path / "取证证明.pdf").write_text("扫描件\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    runner, outputs = CliRunner(), []
    env = {**ENV, "RECTIFY_CACHE_DIR": str(tmp_path / "cache")}
    assert runner.invoke(cli, ["init"], env=env).exit_code == 0  # the set-up block's `rectify init`
    for line in lines:
        program, *args = shlex.split(line)
        assert program == "rectify", line
        result = runner.invoke(cli, args, env=env, catch_exceptions=False)
        assert result.exit_code in (0, 1), (line, result.stderr)
        outputs.append((result.stdout + result.stderr).rstrip("\n"))
    return outputs


def test_the_walkthrough_outputs_are_the_real_ones(tmp_path, monkeypatch):
    text = README.read_text(encoding="utf-8")
    match = BLOCK.search(text)
    assert match, "README.md has no <!-- walkthrough --> console block"
    pairs = commands(match.group(2))
    assert len(pairs) >= 8
    outputs = run_walkthrough(tmp_path, monkeypatch, [command for command, _shown in pairs])
    if os.environ.get("RECTIFY_README_UPDATE"):
        block = "".join(
            f"$ {command}\n" + (f"{output}\n" if output else "") for (command, _shown), output in zip(pairs, outputs)
        )
        README.write_text(text[: match.start(2)] + block + text[match.end(2) :], encoding="utf-8")
        return
    for (command, shown), output in zip(pairs, outputs):
        assert masked(shown) == masked(output), f"README output of `{command}` drifted:\n{output}"


def test_the_readme_stands_on_its_own():
    text = README.read_text(encoding="utf-8")
    assert "../shared" not in text  # a clone has no ../shared
    for anchor in re.findall(r"\]\(#([a-z0-9-]+)\)", text):  # every link to a section finds it
        headings = {
            re.sub(r"[^a-z0-9 -]", "", h.lower()).strip().replace(" ", "-")
            for h in re.findall(r"^#+ (.*)$", text, re.M)
        }
        assert anchor in headings, anchor
