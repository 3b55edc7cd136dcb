"""What only the PostgreSQL store does: authenticate the actor, keep staff out of the tables,
hash on the server exactly as chain.py does, and let ``db init`` be run again."""

from __future__ import annotations

import hashlib
import json

import psycopg
import pytest
from stores import admin, init_journal, with_params

from engine.errors import Refused, StoreError
from engine.journal import pg_schema
from engine.journal.chain import GENESIS, Draft, ItemRow
from engine.journal.postgres import PostgresStore, initialise, redacted

CHECKLIST_ID = "minimal-2026"
ITEM = "dongshan/kongchuo"


def draft(actor="li", trigger="record", data=None, from_state="in_progress", item=ITEM):
    return Draft(item, trigger, from_state, "in_progress", actor, "", "ab" * 32, data or {})


def append_as(url, login, d, state="in_progress"):
    store = PostgresStore(with_params(url, user=login), CHECKLIST_ID)
    try:
        with store.transaction() as tx:
            return tx.append(d, ItemRow(state, 0))
    finally:
        store.close()


def head_of(url):
    store = PostgresStore(url, CHECKLIST_ID)
    try:
        return store.head()
    finally:
        store.close()


@pytest.fixture
def journal(pg_url):
    init_journal(pg_url, CHECKLIST_ID, people=("li", "wang", "lihua"), importers=("wang",))
    return pg_url


def test_the_server_escapes_strings_exactly_as_python_json(pg_url):
    """The server builds the canonical body with to_json(text): it must match json.dumps over
    every code point PostgreSQL text can hold (all but NUL and surrogates)."""
    text = "".join(chr(c) for c in range(1, 0x110000) if not 0xD800 <= c <= 0xDFFF)
    with admin(pg_url) as conn:
        assert conn.execute("SELECT to_json(%s::text)::text", (text,)).fetchone()[0] == json.dumps(
            text, ensure_ascii=False
        )


def test_the_actor_is_the_login_s_person(journal):
    event = append_as(journal, "li", draft("li"))
    assert (event.seq, event.actor, event.prev_hash) == (1, "li", GENESIS)


def test_a_login_cannot_append_as_another_person(journal):
    with pytest.raises(Refused, match="login li is person li, who may not act as wang"):
        append_as(journal, "li", draft("wang"))
    assert head_of(journal) == (0, GENESIS)


def test_a_login_that_maps_to_no_person_is_refused(journal):
    with admin(journal) as conn:
        conn.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'stranger') THEN "
            "CREATE ROLE stranger LOGIN; END IF; END $$"
        )
        conn.execute("GRANT rectify_staff TO stranger")
    with pytest.raises(Refused, match="login stranger maps to no person"):
        append_as(journal, "stranger", draft("li"))


def test_an_importer_records_a_row_as_its_reporter_with_entered_by(journal):
    event = append_as(journal, "wang", draft("li", data={"entered_by": "wang"}))
    assert (event.actor, event.data["entered_by"]) == ("li", "wang")


@pytest.mark.parametrize(
    "login, data",
    [
        ("wang", {}),  # an importer must say it entered the row
        ("wang", {"entered_by": "lihua"}),  # ... and as itself
        ("li", {"entered_by": "li"}),  # li may not import
    ],
)
def test_entering_rows_for_others_needs_the_import_permission_and_entered_by(journal, login, data):
    with pytest.raises(Refused, match="may not act as"):
        append_as(journal, login, draft("lihua", data=data))


def test_staff_can_read_but_not_write_the_tables(journal):
    append_as(journal, "li", draft("li"))
    with psycopg.connect(with_params(journal, user="li"), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM rectify.events").fetchone()[0] == 1
        for statement in [
            "INSERT INTO rectify.events SELECT * FROM rectify.events",
            "UPDATE rectify.current SET state = 'verified'",
            "DELETE FROM rectify.current",
            "INSERT INTO rectify.people VALUES ('x', 'li2', true)",
            "UPDATE rectify.people SET may_import = true",
            "INSERT INTO rectify.meta VALUES ('k', 'v')",
            "ALTER TABLE rectify.events DISABLE TRIGGER events_no_update",
            "CREATE TABLE rectify.mine (x int)",
            "SET ROLE rectify_owner",
        ]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_a_step_from_a_state_the_item_has_left_is_refused_by_the_server(journal):
    append_as(journal, "li", draft("li", trigger="start", from_state="pending"))
    with pytest.raises(Refused, match="is in_progress now, not pending"):
        append_as(journal, "li", draft("li", trigger="start", from_state="pending"))


def test_the_client_refuses_an_event_the_server_hashed_differently(journal):
    """A server whose function hashes another body (here: a changed key order) is caught before
    commit: the client recomputes the hash and nothing is recorded."""
    broken = pg_schema.APPEND_FUNCTION.replace("'{{\"actor\":'", "'{{\"Actor\":'").replace(
        "'{\"actor\":'", "'{\"Actor\":'"
    )
    assert broken != pg_schema.APPEND_FUNCTION
    with admin(journal) as conn:
        conn.execute("SET ROLE rectify_owner")
        conn.execute(broken)
    with pytest.raises(StoreError, match="hashed it as"):
        append_as(journal, "li", draft("li"))
    assert head_of(journal) == (0, GENESIS)


def test_a_database_without_a_journal_names_db_init(pg_url):
    with pytest.raises(StoreError, match="db init"):
        PostgresStore(pg_url, CHECKLIST_ID)


def test_db_init_is_safe_to_run_again_and_brings_logins_up_to_date(journal):
    append_as(journal, "li", draft("li"))
    done = initialise(journal, CHECKLIST_ID, [("li", "li", False), ("wang", "wangwang", True)])
    assert any("wangwang" in line for line in done)
    store = PostgresStore(journal, CHECKLIST_ID)
    assert store.head()[0] == 1  # nothing lost
    rows = store.conn.execute("SELECT person, login, may_import FROM rectify.people ORDER BY person").fetchall()
    assert rows == [("li", "li", False), ("wang", "wangwang", True)]
    assert store.missing_triggers() == []
    store.close()


def test_db_init_refuses_another_checklist_s_journal(journal):
    with pytest.raises(StoreError, match="minimal-2026"):
        initialise(journal, "other-2027", [])


def test_missing_or_disabled_triggers_are_reported(journal):
    store = PostgresStore(journal, CHECKLIST_ID)
    with admin(journal) as conn:
        conn.execute("ALTER TABLE rectify.events DISABLE TRIGGER events_no_update")
        conn.execute("DROP TRIGGER events_no_truncate ON rectify.events")
    assert store.missing_triggers() == ["events_no_update", "events_no_truncate"]
    store.close()


def test_a_password_never_shows_in_messages():
    assert "s3cret" not in redacted("postgresql://clerk:s3cret@db.example/rectify")
    assert redacted("postgresql://clerk:s3cret@db.example/rectify") == "postgresql://clerk@db.example/rectify"


def test_an_unreachable_server_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="cannot connect"):
        PostgresStore(f"postgresql:///x?host={tmp_path}&connect_timeout=2", CHECKLIST_ID)


def test_the_checklist_in_force_is_kept_by_its_sha256_with_the_first_event(journal):
    source = "format: rectify/1\n# 清单\n".encode()
    sha256 = hashlib.sha256(source).hexdigest()
    store = PostgresStore(with_params(journal, user="li"), CHECKLIST_ID, checklist_source=source)
    assert store.checklist_source(sha256) is None
    with store.transaction() as tx:
        tx.append(Draft(ITEM, "record", "in_progress", "in_progress", "li", "", sha256, {}), ItemRow("in_progress", 0))
    with store.transaction() as tx:  # kept once
        tx.append(Draft(ITEM, "record", "in_progress", "in_progress", "li", "", sha256, {}), ItemRow("in_progress", 0))
    assert store.checklist_source(sha256) == source
    with admin(journal) as conn:
        assert conn.execute("SELECT count(*) FROM rectify.checklists").fetchone()[0] == 1
        with pytest.raises(psycopg.errors.CheckViolation):  # the key is the bytes' own digest
            conn.execute("INSERT INTO rectify.checklists VALUES (%s, %s)", ("00" * 32, b"x"))
    store.close()


def test_a_transaction_looks_for_the_checklist_version_once_and_never_reads_its_source_back(journal):
    # An import appends thousands of events in one transaction; the province's checklist is 1.4 MB.
    source = "format: rectify/1\n# 清单\n".encode()
    sha256 = hashlib.sha256(source).hexdigest()
    store = PostgresStore(with_params(journal, user="li"), CHECKLIST_ID, checklist_source=source)
    statements = counted(store)
    with store.transaction() as tx:
        for _ in range(3):
            tx.append(
                Draft(ITEM, "record", "in_progress", "in_progress", "li", "", sha256, {}), ItemRow("in_progress", 0)
            )
    about_versions = [s for s in statements if "checklist" in s]
    assert len(about_versions) == 2  # is it stored? then keep it
    assert not [s for s in statements if "SELECT source" in s]
    assert store.checklist_source(sha256) == source
    store.close()


def counted(store):
    """The statements ``store`` sends from now on, as a list that fills as it goes."""
    statements = []
    execute = store.conn.execute

    def counting(query, params=None, **kwargs):
        statements.append(str(query))
        return execute(query, params, **kwargs)

    store.conn.execute = counting  # type: ignore[method-assign]
    return statements


def test_once_a_commit_kept_the_version_the_store_asks_no_more(journal):
    source = "format: rectify/1\n# 清单\n".encode()
    sha256 = hashlib.sha256(source).hexdigest()
    store = PostgresStore(with_params(journal, user="li"), CHECKLIST_ID, checklist_source=source)
    with store.transaction() as tx:
        tx.append(Draft(ITEM, "record", "in_progress", "in_progress", "li", "", sha256, {}), ItemRow("in_progress", 0))
    statements = counted(store)
    with store.transaction() as tx:
        tx.append(Draft(ITEM, "record", "in_progress", "in_progress", "li", "", sha256, {}), ItemRow("in_progress", 0))
    assert not [s for s in statements if "checklist" in s]
    store.close()
    again = PostgresStore(with_params(journal, user="li"), CHECKLIST_ID, checklist_source=source)  # known at open
    statements = counted(again)
    with again.transaction() as tx:
        tx.append(Draft(ITEM, "record", "in_progress", "in_progress", "li", "", sha256, {}), ItemRow("in_progress", 0))
    assert not [s for s in statements if "checklist" in s]
    again.close()


def test_a_version_kept_by_a_transaction_that_rolled_back_is_kept_again(journal):
    source = "format: rectify/1\n# 清单\n".encode()
    sha256 = hashlib.sha256(source).hexdigest()
    store = PostgresStore(with_params(journal, user="li"), CHECKLIST_ID, checklist_source=source)
    with pytest.raises(Refused):
        with store.transaction() as tx:
            tx.append(
                Draft(ITEM, "record", "in_progress", "in_progress", "li", "", sha256, {}), ItemRow("in_progress", 0)
            )
            raise Refused(["a rule the operation checked after appending"])
    assert store.checklist_source(sha256) is None  # rolled back with the event
    with store.transaction() as tx:
        tx.append(Draft(ITEM, "record", "in_progress", "in_progress", "li", "", sha256, {}), ItemRow("in_progress", 0))
    assert store.checklist_source(sha256) == source
    store.close()


def test_a_write_transaction_costs_two_statements_besides_its_own(journal):
    """BEGIN goes with the lock, COMMIT with the wait for the flush: on two cores shared with the
    server every round trip of an append is a switch between the clerk and its backend."""
    store = PostgresStore(with_params(journal, user="li"), CHECKLIST_ID)
    statements = counted(store)
    with store.transaction() as tx:
        tx.append(draft("li"), ItemRow("in_progress", 0))
    assert len(statements) == 3  # begin and lock, the append, commit and flush
    assert statements[0].startswith("BEGIN;") and "pg_advisory_xact_lock" in statements[0]
    assert statements[2].startswith("COMMIT;") and "pg_logical_emit_message" in statements[2]
    store.close()


def test_an_unknown_local_zone_falls_back_to_utc(journal, monkeypatch):
    monkeypatch.setattr("engine.journal.postgres.local_zone", lambda: "Nowhere/Atlantis")
    store = PostgresStore(with_params(journal, user="li"), CHECKLIST_ID)
    assert store.conn.execute("SHOW TimeZone").fetchone()[0] == "UTC"
    store.close()


def test_a_read_only_store_refuses_to_write(journal):
    store = PostgresStore(with_params(journal, user="li"), CHECKLIST_ID, read_only=True)
    assert store.head() == (0, GENESIS)
    with pytest.raises(StoreError, match="read-only"):
        with store.transaction():
            pass
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        store.conn.execute("SELECT rectify.rectify_append('a','b','c','d','li','f','g','{}','i',NULL,0)")
    store.close()


def test_ci_starts_the_server_with_the_command_the_skip_message_names():
    """One script starts the test server: .ci/run uses it, and a skipped test names it."""
    from stores import REPO, START_COMMAND

    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "tools/pg-test-cluster.sh start" in START_COMMAND
    assert 'tools/pg-test-cluster.sh start "$RECTIFY_PG_DIR"' in ci and "export CI=true" in ci
    assert 'tools/pg-test-cluster.sh stop "$RECTIFY_PG_DIR"' in ci  # in the EXIT trap
