"""The one harness of the tests: engine operations each in their own transaction."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from engine.journal.store import Store
from engine.operations import items


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


def new_journal(path: Any, checklist: Any) -> Store:
    """``rectify init`` at ``path`` for ``checklist``, then the journal opened for writing (it keeps
    the checklist's bytes with the first event, as the CLI does)."""
    from engine.journal.store import init_store, open_store

    init_store(str(path), checklist.path, checklist.id)[0].close()
    return open_store(str(path), checklist.path, checklist.id, checklist_source=checklist.file_bytes)
