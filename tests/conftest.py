"""Fixtures of the checklist tests: clean environment, the minimal checklist, edited copies."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import pytest

_TESTS = Path(__file__).resolve().parent
for _path in (str(_TESTS.parent), str(_TESTS)):  # plain `pytest` as well as `python -m pytest`
    if _path not in sys.path:
        sys.path.insert(0, _path)

from checklist_cases import edit, minimal_text  # noqa: E402

from engine import i18n  # noqa: E402


@pytest.fixture(autouse=True)
def _english_and_clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages in English, and no RECTIFY_* setting leaking in from the shell."""
    for name in ("RECTIFY_CHECKLIST", "RECTIFY_DB", "RECTIFY_ACTOR", "RECTIFY_TODAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECTIFY_LANG", "en")
    i18n.set_language("en")


@pytest.fixture
def minimal() -> str:
    """The text of tests/cases/valid/minimal.yaml."""
    return minimal_text()


@pytest.fixture
def write_checklist(tmp_path: Path) -> Callable[..., Path]:
    """Write the minimal checklist with ``(old, new)`` edits (or ``text=``, or raw ``data=``).

    Returns the path, ``tmp_path / name``.
    """

    def write(
        *edits: tuple[str, str], text: Optional[str] = None, data: Optional[bytes] = None, name: str = "checklist.yaml"
    ) -> Path:
        path = tmp_path / name
        if data is None:
            text = minimal_text() if text is None else text
            for old, new in edits:
                text = edit(text, old, new)
            data = text.encode("utf-8")
        path.write_bytes(data)
        return path

    return write


def _new_pg_database(request: pytest.FixtureRequest) -> str:
    from stores import create_database, drop_database, require_server

    server = require_server()
    url = create_database(server)
    request.addfinalizer(lambda: drop_database(server, url))
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a journal goes, once per store: a SQLite path, or a new PostgreSQL database (empty;
    ``stores.new_journal`` prepares and opens it). PostgreSQL skips without a server, unless CI=true."""
    if request.param == "sqlite":
        return str(tmp_path / "journal.db")
    return _new_pg_database(request)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    """A new, empty PostgreSQL database on the test server (skips without one, unless CI=true)."""
    return _new_pg_database(request)
