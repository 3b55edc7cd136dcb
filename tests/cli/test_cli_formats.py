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


def test_every_listing_format_option_offers_the_registry() -> None:
    """A --format that offers any listing format offers exactly the registry's, in its order
    (``graph --format`` picks a diagram language: mermaid, dot, svg, none of them a listing's)."""
    choices = format_choices(cli)
    listings = {command: names for command, names in choices.items() if set(names) & set(FORMATS)}
    assert {"status", "summary", "board", "history"} <= set(listings)
    assert all(names == list(FORMATS) for names in listings.values()), listings


def test_reading_the_registry_imports_no_renderer() -> None:
    code = "import sys, cli; print(sorted(m for m in sys.modules if m.startswith('engine.formats')))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == "['engine.formats']"
