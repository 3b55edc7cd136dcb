"""The random-steps model test of test_reliability_stateful.py, on a PostgreSQL journal.

Every step goes through the engine and ``rectify_append`` as the actor's own login; the oracle,
the invariants and the rules are the same, so the two stores must agree step for step.
"""

from __future__ import annotations

from hypothesis import settings
from stores import create_database, drop_database, new_journal, require_server
from test_reliability_stateful import CHECKLIST, JournalMachine

from engine import i18n


class PostgresJournalMachine(JournalMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store.close()  # the SQLite journal the base class opened is not used
        i18n.set_language("en")
        self.server = require_server()
        self.url = create_database(self.server)
        self.store = new_journal(self.url, CHECKLIST.id)

    def teardown(self) -> None:
        super().teardown()
        drop_database(self.server, self.url)


# fewer examples than on SQLite: each needs a database of its own
PostgresJournalMachine.TestCase.settings = settings(
    max_examples=15, stateful_step_count=30, deadline=None, database=None
)
test_postgres_journal_state_machine = PostgresJournalMachine.TestCase
