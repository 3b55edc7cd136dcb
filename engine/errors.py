"""The exception tree every user-facing failure goes through.

The CLI catches :class:`RectifyError` once and maps it to an exit code;
anything else is an internal error (exit 3).
"""

from __future__ import annotations

from typing import NamedTuple


class RectifyError(Exception):
    """Base of every error a user is meant to read."""

    exit_code = 1


class Problem(NamedTuple):
    """One located problem in a checklist file (lines and columns from 1); problems sort by
    line, column, message."""

    line: int
    col: int
    message: str
    file: str = ""
    warning: bool = False  # reported, but the file still loads (``validate --strict`` refuses it)

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}:{self.col}: {kind}{self.message}"


class ChecklistError(RectifyError):
    """A checklist file is invalid; carries every problem found, by line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.line, p.col, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


class Refused(RectifyError):
    """An operation was refused; ``reasons`` lists every unmet requirement."""

    def __init__(self, reasons: list[str], headline: str = ""):
        self.reasons = list(reasons)
        self.headline = headline
        super().__init__("; ".join(([headline] if headline else []) + self.reasons))


class StoreError(RectifyError):
    """The journal cannot be opened, read or written."""


class UsageProblem(RectifyError):
    """A command-line value the engine cannot read (an --anchor that is no head): exit 2."""

    exit_code = 2
