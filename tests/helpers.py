"""The one harness of the tests: engine operations in a transaction each, and the CLI on a checklist copy."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Optional

from checklist_cases import FROZEN
from click.testing import CliRunner, Result

from cli import cli
from engine.journal.chain import Draft, ItemRow
from engine.journal.store import Store
from engine.operations import items

HEAD = re.compile(r"^head (\d+) ([0-9a-f]{64})$")


def _in_transaction(operation: Any) -> Any:
    def run(checklist: Any, store: Store, *args: Any, **kwargs: Any) -> Any:
        with store.transaction() as tx:
            return operation(checklist, tx, *args, **kwargs)

    run.__name__ = operation.__name__
    return run


# ops.advance(checklist, store, actor, item, trigger, note): as the CLI runs one command
ops = SimpleNamespace(
    advance=_in_transaction(items.advance),
    record=_in_transaction(items.record),
    attach=_in_transaction(items.attach),
    explain=items.explain,
    history=items.history,
    RECORD=items.RECORD,
    ATTACH=items.ATTACH,
)


class Rectify:
    """Runs the CLI in-process on a private copy of a checklist (``source``, the frozen fixture by
    default, or ``text``); its journal lands beside it. ``today`` fixes RECTIFY_TODAY."""

    def __init__(
        self,
        directory: Path,
        text: Optional[str] = None,
        name: Optional[str] = None,
        today: Optional[str] = None,
        source: Path = FROZEN,
    ):
        self.dir = directory
        self.checklist = directory / (name or source.name)
        if text is None:
            shutil.copy(source, self.checklist)
        else:
            self.checklist.write_text(text, encoding="utf-8")
        self.env: dict[str, Optional[str]] = {
            "RECTIFY_CACHE_DIR": str(directory / "cache"),
            "RECTIFY_LANG": "en",
            "RECTIFY_TODAY": today,
            "RECTIFY_CHECKLIST": None,
            "RECTIFY_DB": None,
            "RECTIFY_ACTOR": None,
        }
        self.runner = CliRunner()
        self("init")  # as a user would; an invalid checklist makes none, and its commands say so

    @property
    def db(self) -> Path:
        """The default journal: beside the checklist, same name, ``.db``."""
        return self.checklist.with_suffix(".db")

    def __call__(
        self,
        *args: str,
        actor: Optional[str] = None,
        lang: Optional[str] = None,
        today: Optional[str] = None,
        **env: str,
    ) -> Result:
        prefix = ["-c", str(self.checklist)] + (["--as", actor] if actor else []) + (["--lang", lang] if lang else [])
        env = {**env, "RECTIFY_TODAY": today} if today else env
        return self.runner.invoke(cli, prefix + list(args), catch_exceptions=False, env={**self.env, **env})

    def ok(self, *args: str, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result

    def refused(self, *args: str, **kwargs: Any) -> Result:
        """Exit 1, a message on stderr, nothing on stdout, nothing recorded."""
        before = self.head()
        result = self(*args, **kwargs)
        assert result.exit_code == 1, (result.stdout, result.stderr)
        assert result.stdout == ""
        assert result.stderr.strip()
        assert "Traceback" not in result.stderr
        assert self.head() == before
        return result

    def json(self, *args: str, code: int = 0, **kwargs: Any) -> Any:
        """The ``--format json`` output of a listing that must exit ``code``."""
        result = self(*args, "--format", "json", **kwargs)
        assert result.exit_code == code, result.stderr
        return json.loads(result.stdout)

    def head(self) -> tuple[int, str]:
        """The journal's head, as ``audit`` prints it."""
        result = self.ok("audit")
        match = HEAD.match(result.stdout.strip())
        assert match, result.stdout
        return int(match.group(1)), match.group(2)

    def seq(self, result: Result) -> int:
        """The event number of a step's confirmation line (``#N ...``)."""
        match = re.match(r"^#(\d+) ", result.stdout)
        assert match, result.stdout
        return int(match.group(1))

    def history(self, item: str) -> list[dict[str, Any]]:
        return json.loads(self.ok("history", item, "--format", "json").stdout)

    def status(self, *args: str, **env: str) -> dict[str, dict[str, Any]]:
        rows = json.loads(self.ok("status", "--format", "json", *args, **env).stdout)
        return {row["item"]: row for row in rows}


def append_draft(
    tx: Any,
    trigger: str = "record",
    from_state: str = "in_progress",
    to_state: str = "in_progress",
    note: str = "",
    data: dict[str, Any] | None = None,
    item: str = "dongshan/kongchuo-baoxue",
    actor: str = "lihua",
    returns: int = 0,
) -> Any:
    """Append one plain event straight to a store's transaction (the store tests' shorthand)."""
    draft = Draft(item, trigger, from_state, to_state, actor, note, "ab" * 32, data if data is not None else {})
    return tx.append(draft, ItemRow(to_state, returns))
