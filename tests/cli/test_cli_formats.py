"""Every --format of the CLI offers exactly the formats of the one registry, engine.formats.FORMATS."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from cli import cli
from engine.formats import FORMATS


def format_choices(group: click.Group) -> dict[str, list[str]]:
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update({f"{name} {sub}": choices for sub, choices in format_choices(command).items()})
        for param in command.params:
            if param.name == "fmt" and isinstance(param.type, click.Choice):
                found[name] = list(param.type.choices)
    return found


def test_every_format_option_offers_the_registry() -> None:
    choices = format_choices(cli)
    diagram = choices.pop("graph")  # a diagram, not a listing: its formats are mermaid, dot and svg
    assert diagram == ["mermaid", "dot", "svg"]
    assert {"status", "summary", "board", "history"} <= set(choices)
    assert all(names == list(FORMATS) for names in choices.values()), choices


def test_reading_the_registry_imports_no_renderer() -> None:
    code = "import sys, cli; print(sorted(m for m in sys.modules if m.startswith('engine.formats')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == "['engine.formats']"
