"""A private copy of the frozen fixture checklist with its journal beside it, and ways to run rectify on it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FROZEN = REPO / "tests" / "fixtures" / "shuanggao-frozen.yaml"
HEAD_LINE = re.compile(r"^head (\d+) ([0-9a-f]{64})$")


@dataclass
class Workspace:
    dir: Path
    checklist: Path
    env: dict[str, str]

    @property
    def db(self) -> Path:
        return self.checklist.with_suffix(".db")

    def command(self, *args: str, actor: str | None = None) -> list[str]:
        """The argv of one ``rectify`` run in its own process."""
        return [
            sys.executable,
            str(REPO / "cli.py"),
            "-c",
            str(self.checklist),
            *(["--as", actor] if actor else []),
            *args,
        ]

    def run(self, *args: str, actor: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args, actor=actor), env=self.env, capture_output=True, text=True, timeout=120
        )

    def audit(self, *args: str) -> tuple[int, str, subprocess.CompletedProcess[str]]:
        """``rectify audit``; returns (head position, head hash, the finished process)."""
        result = self.run("audit", *args)
        match = HEAD_LINE.match(result.stdout.strip())
        return (int(match.group(1)), match.group(2), result) if match else (-1, "", result)


@pytest.fixture
def bare_workspace(tmp_path: Path) -> Workspace:
    """The checklist copy with no journal yet (``rectify init`` not run)."""
    checklist = tmp_path / FROZEN.name
    shutil.copy(FROZEN, checklist)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFY_")}
    env.update(RECTIFY_CACHE_DIR=str(tmp_path / "cache"), RECTIFY_LANG="en", PYTHONDONTWRITEBYTECODE="1")
    return Workspace(tmp_path, checklist, env)


@pytest.fixture
def workspace(bare_workspace: Workspace) -> Workspace:
    """The checklist copy and its journal, created by ``rectify init`` as a user would."""
    created = bare_workspace.run("init")
    assert created.returncode == 0, created.stderr
    return bare_workspace
