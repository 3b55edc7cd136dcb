"""Where the shipped data files live, installed or in a source checkout.

An installed package carries ``schemas/`` and ``checklists/`` as
``engine/schemas`` and ``engine/checklists`` (see setup.cfg package_dir);
a source checkout has them at the top of the tree. Nothing depends on the
current directory.
"""
from __future__ import annotations

from pathlib import Path

_ENGINE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The directory ``schemas`` or ``checklists`` of this installation."""
    for candidate in (_ENGINE / name, _ENGINE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"rectify is installed without its {name}/ directory")
