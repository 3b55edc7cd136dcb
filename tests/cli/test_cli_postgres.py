"""The shared journal as a new user meets it, through the CLI (issue: "Done when").

An administrator runs ``db init``; two logins, a township reporter and a supervisor, act on one
item; ``--as`` naming someone else is refused, and so is a login that is no person; the journal
goes to SQLite and back with equal audit heads; tampering on the server is found by audit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from stores import admin, ensure_logins, with_params

from cli import cli

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "tests" / "cases" / "valid" / "minimal.yaml"
HEAD = re.compile(r"^head (\d+) ([0-9a-f]{64})\n$", re.M)
ITEM = "dongshan/kongchuo"


@pytest.fixture
def office(tmp_path, pg_url):
    """The minimal checklist with logins for 王明 (wang) and 李华 (li), and a prepared journal."""
    text = MINIMAL.read_text(encoding="utf-8")
    text = text.replace("roles: [supervisor]}", "roles: [supervisor], login: wang}").replace(
        "roles: [reporter]}", "roles: [reporter], login: li}"
    )
    checklist = tmp_path / "office.yaml"
    checklist.write_text(text, encoding="utf-8")
    env = {
        "RECTIFY_CACHE_DIR": str(tmp_path / "cache"),
        "RECTIFY_LANG": "en",
        "RECTIFY_CHECKLIST": str(checklist),
        "RECTIFY_DB": None,
        "RECTIFY_ACTOR": None,
        "RECTIFY_TODAY": "2026-11-20",
    }

    def rectify(*args: str, login: str | None = None, db: str | None = None):
        url = db or (with_params(pg_url, user=login) if login else pg_url)
        return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False, env=env)

    done = rectify("db", "init")
    assert done.exit_code == 0, done.stderr
    assert "login li → person li" in done.stdout and "login wang → person wang" in done.stdout
    ensure_logins(pg_url, ("li", "wang", "stranger"))
    return rectify


def test_two_logins_one_verifies_the_other_s_item(office):
    for args in (
        ["advance", ITEM, "start"],
        ["attach", ITEM, "proof"],
        ["attach", ITEM, "report"],
        ["record", ITEM, "proof_rate=100"],
    ):
        result = office(*args, login="li")
        assert result.exit_code == 0, result.stderr
    result = office("advance", ITEM, "verify", "--note", "材料齐全，同意销号", login="wang")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("#5 dongshan/kongchuo:")
    history = office("history", ITEM, "--format", "json", login="li")
    assert '"actor": "wang"' in history.stdout and '"actor": "li"' in history.stdout
    assert HEAD.match(office("audit", login="li").stdout)


def test_as_naming_anyone_else_is_refused_and_nothing_is_recorded(office):
    assert office("advance", ITEM, "start", login="li").exit_code == 0
    for args in (
        ["--as", "wang", "advance", ITEM, "verify", "--note", "x"],
        ["--as", "王明", "record", ITEM, "proof_rate=1"],
    ):
        result = office(*args, login="li")
        assert result.exit_code == 1
        assert "authenticates you as login 'li'" in result.stderr and "act only as yourself" in result.stderr
    assert office("--as", "li", "record", ITEM, "proof_rate=50", login="li").exit_code == 0  # naming oneself is fine
    assert HEAD.match(office("audit").stdout).group(1) == "2"


def test_a_login_that_is_no_person_may_read_but_not_act(office):
    result = office("advance", ITEM, "start", login="stranger")
    assert result.exit_code == 1
    assert "login 'stranger' is no person of this checklist" in result.stderr
    assert office("status", "--format", "csv", login="stranger").exit_code == 0
    assert HEAD.match(office("audit", login="stranger").stdout).group(1) == "0"


def test_copy_to_sqlite_and_back_keeps_the_audit_head(office, tmp_path, pg_url):
    for args, login in (
        (["advance", ITEM, "start"], "li"),
        (["record", ITEM, "proof_rate=90"], "li"),
        (["advance", "edu/zhenggai", "start"], "wang"),
    ):
        assert office(*args, login=login).exit_code == 0
    head = office("audit").stdout
    copy = tmp_path / "copy.db"
    result = office("db", "copy", "--from", pg_url, "--to", str(copy))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == head
    copied = office("audit", db=str(copy))
    assert copied.stdout == head
    assert "judged" not in copied.stderr, copied.stderr  # the checklist version came along
    back = with_params(pg_url, dbname=f"{re.search(r'///([^?]+)', pg_url).group(1)}_back")
    with admin(pg_url) as conn:
        conn.execute(f"CREATE DATABASE {back.split('///')[1].split('?')[0]} TEMPLATE template0 ENCODING 'UTF8'")
    try:
        assert office("db", "init", db=back).exit_code == 0
        result = office("db", "copy", "--from", str(copy), "--to", back)
        assert result.exit_code == 0, result.stderr
        assert office("audit", db=with_params(back, user="li")).stdout == head
        again = office("db", "copy", "--from", str(copy), "--to", back)
        assert again.exit_code == 1 and "not empty" in again.stderr
    finally:
        with admin(pg_url) as conn:
            conn.execute(f"DROP DATABASE {back.split('///')[1].split('?')[0]} WITH (FORCE)")


def test_db_init_wants_a_postgresql_url(office, tmp_path):
    result = office("db", "init", db=str(tmp_path / "j.db"))
    assert result.exit_code == 1
    assert "postgresql://" in result.stderr


@pytest.mark.parametrize(
    "tamper, position",
    [
        ("UPDATE rectify.events SET note = '同意' WHERE seq = 2", 2),
        ("DELETE FROM rectify.events WHERE seq = 1", 1),
        ("UPDATE rectify.events SET actor = 'wang' WHERE seq = 3", 3),
    ],
)
def test_tampering_on_the_server_is_found_by_audit(office, pg_url, tamper, position):
    for args in (["advance", ITEM, "start"], ["record", ITEM, "proof_rate=90"], ["attach", ITEM, "proof"]):
        assert office(*args, login="li").exit_code == 0
    with admin(pg_url) as conn:  # the database owner can switch the triggers off: audit still tells
        conn.execute("ALTER TABLE rectify.events DISABLE TRIGGER USER")
        conn.execute(tamper)
        conn.execute("ALTER TABLE rectify.events ENABLE TRIGGER USER")
    result = office("audit", login="wang")
    assert result.exit_code == 1
    assert f"first bad position is {position}" in result.stderr


def test_an_attached_file_is_kept_on_the_server_and_travels_with_db_copy(office, tmp_path, pg_url):
    material = tmp_path / "取证证明.pdf"
    material.write_bytes(b"scan" * 100)
    assert office("advance", ITEM, "start", login="li").exit_code == 0
    result = office("attach", ITEM, "proof", "--file", str(material), login="li")
    assert result.exit_code == 0, result.stderr
    checked = office("audit", "--files", login="wang")
    assert checked.exit_code == 0 and "1 checked" in checked.stdout + checked.stderr
    copy = tmp_path / "copy.db"
    assert office("db", "copy", "--from", pg_url, "--to", str(copy)).exit_code == 0
    again = office("audit", "--files", db=str(copy))
    assert again.exit_code == 0 and "1 checked" in again.stdout + again.stderr
    assert HEAD.search(again.stdout).group(0) == office("audit").stdout
