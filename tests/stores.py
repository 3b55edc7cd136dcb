"""Both journal stores for the tests: a SQLite file, or a fresh database on a PostgreSQL server.

The PostgreSQL tests need a server: ``RECTIFY_TEST_PG`` (an administrator's URL), else the
socket ``tools/pg-test-cluster.sh start`` makes. Without one they skip, naming that command;
with ``CI=true`` they fail instead, so a CI run cannot pass without having run them.

Appends on PostgreSQL are authenticated: each person of the test checklists has a login of the
same name. In-process tests open the journal as the administrator and, for each append, become
the actor's login with ``SET LOCAL SESSION AUTHORIZATION`` (only a superuser may), so the server
function judges a real ``session_user``; the identity tests use the logins' own connections.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import psycopg
import pytest
from psycopg import conninfo

from engine.journal.postgres import PostgresStore, PostgresTransaction, initialise
from engine.journal.sqlite import SQLiteStore

REPO = Path(__file__).resolve().parents[1]
START_COMMAND = 'eval "$(tools/pg-test-cluster.sh start)"'
# Every person the tests act as, in the bundled checklist, the minimal one and the journal tests.
TEST_PEOPLE = (
    "zhaoguoqiang",
    "wangming",
    "chenjing",
    "liuyang",
    "zhangwei",
    "sunli",
    "zhoujianhua",
    "wuxiuying",
    "zhenghaitao",
    "fengzhigang",
    "heliping",
    "xuwenbo",
    "dengxiaoyan",
    "lihua",
    "huanglei",
    "linfang",
    "yangfan",
    "luoqiang",
    "liangmin",
    "songtao",
    "tangli",
    "hanbing",
    "caoyang",
    "xieguoping",
    "panhong",
    "dujuan",
    "jiangjun",
    "yuanyuan",
    "wang",
    "li",
)


def server_url() -> Optional[str]:
    """The administrator's URL of the test server, if there is one."""
    url = os.environ.get("RECTIFY_TEST_PG")
    if url:
        return url
    folder = os.environ.get("RECTIFY_PG_DIR") or os.path.join(os.environ.get("TMPDIR", "/tmp"), "rectify-pg-test")
    if os.path.exists(os.path.join(folder, ".s.PGSQL.5432")):
        return f"postgresql:///postgres?host={folder}&user=postgres"
    return None


def require_server() -> str:
    url = server_url()
    if url is None:
        message = f"no PostgreSQL server for the tests: start one with  {START_COMMAND}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "  (CI=true: these tests may not be skipped)")
        pytest.skip(message)
    return url


def with_params(url: str, **changes: str) -> str:
    """The URL with another database or user (and the same host, port, password)."""
    from urllib.parse import quote

    params = {**conninfo.conninfo_to_dict(url), **changes}
    dbname = params.pop("dbname", "postgres")
    query = "&".join(f"{k}={quote(str(v), safe='/')}" for k, v in params.items() if v is not None)
    return f"postgresql:///{dbname}?{query}"


def admin(url: str) -> Any:
    return psycopg.connect(url, autocommit=True)


def create_database(server: str) -> str:
    name = f"rectify_test_{uuid.uuid4().hex[:12]}"
    with admin(server) as conn:
        conn.execute(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")
    return with_params(server, dbname=name)


def drop_database(server: str, url: str) -> None:
    name = conninfo.conninfo_to_dict(url)["dbname"]
    with admin(server) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def ensure_logins(url: str, logins: tuple[str, ...] = TEST_PEOPLE) -> None:
    """A login role per name (the cluster's roles are shared by every test database), each a
    member of rectify_staff."""
    with admin(url) as conn:
        for login in logins:
            conn.execute(f"""DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}') THEN
                    CREATE ROLE "{login}" LOGIN;
                END IF; END $$""")
        conn.execute(f"GRANT rectify_staff TO {', '.join(f'{chr(34)}{login}{chr(34)}' for login in logins)}")


def init_journal(
    url: str, checklist_id: str, people: tuple[str, ...] = TEST_PEOPLE, importers: tuple[str, ...] = ()
) -> None:
    """``db init`` with each person's login named as the person."""
    initialise(url, checklist_id, [(p, p, p in importers) for p in people])
    ensure_logins(url, people)


def open_store(url: str, checklist_id: str, create: bool = True, checklist_source: bytes = b"") -> Any:
    """The journal at ``url`` (a SQLite path, or a PostgreSQL URL prepared by init_journal);
    ``create``: a SQLite journal is first made by ``init`` if missing."""
    if url.startswith("postgresql:"):
        return ActingStore(url, checklist_id, create, checklist_source=checklist_source)
    if create:
        SQLiteStore.init(url, checklist_id)[0].close()
    return SQLiteStore(url, checklist_id, checklist_source=checklist_source)


class ActingTransaction(PostgresTransaction):
    def append(self, draft: Any, row: Any) -> Any:
        if draft.actor in TEST_PEOPLE:
            self.conn.execute(f'SET LOCAL SESSION AUTHORIZATION "{draft.actor}"')
        return super().append(draft, row)


class ActingStore(PostgresStore):
    """The administrator's connection, appending each event as its actor's login."""

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with super().transaction() as tx:
            yield ActingTransaction(tx.conn, (tx.source_sha256, tx.source), tx.kept)


def raw_rows(url: str, sql: str) -> list[tuple]:
    """Rows as stored, read past the engine."""
    if url.startswith("postgresql:"):
        with admin(url) as conn:
            return conn.execute(
                sql.replace("FROM events", "FROM rectify.events").replace("FROM current", "FROM rectify.current")
            ).fetchall()
    conn = sqlite3.connect(url)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def new_journal(url: str, checklist_id: str, checklist_source: bytes = b"") -> Any:
    """A new, empty journal at ``url``, open (PostgreSQL: after db init, with the test logins;
    SQLite: after ``rectify init``). With ``checklist_source`` it keeps those bytes, as the CLI does."""
    if url.startswith("postgresql:"):
        init_journal(url, checklist_id)
    return open_store(url, checklist_id, checklist_source=checklist_source)
