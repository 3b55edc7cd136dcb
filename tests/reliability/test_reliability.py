"""The journal's promises under load, crashes and tampering (DESIGN.md, "The journal").

- several clerks acting at the same moment: none is lost, none sees "database is locked";
- a writer killed at any moment: the file is intact and everything it reported done is there;
- an attacker with the file: any edit, removal or reordering is found at its position, and with
  a published head (--anchor) so is a cut-off tail.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ops

from cli import cli
from engine.checklist.load import load_checklist
from engine.journal.chain import event_hash
from engine.journal.sqlite import DEADLINE_IN_FORCE, NOTE_IN_FORCE, SQLiteStore
from engine.operations.audit import audit

REPO = Path(__file__).resolve().parents[2]
ACK = re.compile(r"^#(\d+) (\S+): ")

# --- a. concurrent clerks ------------------------------------------------------------------------

CLERKS = [
    ("dongshan", "lihua"),
    ("xihe", "huanglei"),
    ("nanling", "linfang"),
    ("beiping", "yangfan"),
    ("shiqiao", "luoqiang"),
    ("liuxi", "liangmin"),
    ("qingshan", "songtao"),
    ("baisha", "tangli"),
]
SUPERVISORS = ["wangming", "chenjing", "liuyang", "zhaoguoqiang"]
SHARED_START = "edu/wenti-zhenggai"  # every clerk tries to start it: exactly one may
SHARED_VERIFY = "finance/caizheng-zhenggai"  # made ready beforehand; every clerk tries to verify it
SHARED_RECORD = "matou/kongchuo-baoxue"  # everyone records values on it
CLERK_SCRIPT = textwrap.dedent("""
    import json, subprocess, sys, time
    plan = json.loads(open(sys.argv[1], encoding="utf-8").read())
    while time.time() < plan["start_at"]:
        time.sleep(0.001)
    results = []
    for command in plan["commands"]:
        done = subprocess.run(command["argv"], env=plan["env"], capture_output=True, text=True)
        results.append({**command, "rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr})
    open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(results, ensure_ascii=False))
""")


def clerk_plan(workspace, n: int, material: Path) -> list[dict]:
    """15 commands of clerk n: own item (must all succeed, bar the last), shared items (races)."""
    unit, reporter = CLERKS[n]
    supervisor = SUPERVISORS[n % len(SUPERVISORS)]
    own = f"{unit}/kongchuo-baoxue"

    def command(expect: str, actor: str, kind: str, item: str, *rest: str) -> dict:
        trigger = rest[0] if kind == "advance" else kind
        return {
            "argv": workspace.command(kind, item, *rest, actor=actor),
            "expect": expect,
            "actor": actor,
            "item": item,
            "trigger": trigger,
        }

    return [
        command("ok", reporter, "advance", own, "start"),
        command("race", supervisor, "advance", SHARED_START, "start"),
        command("ok", reporter, "attach", own, "zerenshu"),
        command("ok", reporter, "attach", own, "ruxue-tongzhi"),
        command("ok", supervisor, "record", SHARED_RECORD, f"chuoxue-lv={n}", f"quzheng-daowei={90 + n}"),
        command("ok", reporter, "attach", own, "quzheng-zhengming"),
        command("ok", reporter, "attach", own, "chuoxue-baogao", "--file", str(material)),
        command("ok", supervisor, "advance", SHARED_START, "return", "--note", f"clerk {n}: 台账不全"),
        command("ok", reporter, "record", own, "chuoxue-lv=0", "quzheng-daowei=100", "quzheng-youxiao=100"),
        command("race", supervisor, "advance", SHARED_VERIFY, "verify", "--note", f"clerk {n} 验收"),
        command("ok", supervisor, "attach", SHARED_START, "wenti-taizhang"),
        command("ok", supervisor, "advance", own, "verify", "--note", "同意销号"),
        command("refused", reporter, "record", own, "chuoxue-lv=1"),
        command("ok", supervisor, "record", SHARED_RECORD, f"quzheng-youxiao={n}"),
        command("ok", reporter, "attach", f"{unit}/quzheng", "quzheng-zhengming"),
    ]


def prepare_shared_verify(workspace) -> list[int]:
    """The finance item started and fully attached before the clerks begin: setup seqs."""
    steps = [
        ("advance", "start", "zhoujianhua"),
        ("attach", "zhenggai-fangan", "zhoujianhua"),
        ("attach", "fujiafei", "zhoujianhua"),
        ("attach", "huibao", "zhoujianhua"),
    ]
    seqs = []
    for kind, arg, actor in steps:
        done = workspace.run(kind, SHARED_VERIFY, arg, actor=actor)
        assert done.returncode == 0, done.stderr
        seqs.append(int(ACK.match(done.stdout).group(1)))
    return seqs


@pytest.mark.slow
def test_concurrent_clerks_lose_nothing(workspace):
    setup_seqs = prepare_shared_verify(workspace)
    material = workspace.dir / "辍学报告.pdf"
    material.write_bytes(b"report " * 1000)
    script = workspace.dir / "clerk.py"
    script.write_text(CLERK_SCRIPT, encoding="utf-8")
    start_at = time.time() + 2.0  # every clerk waits for the same moment
    clerks = []
    for n in range(len(CLERKS)):
        plan = workspace.dir / f"plan-{n}.json"
        plan.write_text(
            json.dumps({"start_at": start_at, "env": workspace.env, "commands": clerk_plan(workspace, n, material)}),
            encoding="utf-8",
        )
        out = workspace.dir / f"results-{n}.json"
        clerks.append((subprocess.Popen([sys.executable, str(script), str(plan), str(out)]), out))
    for process, _out in clerks:
        assert process.wait(timeout=240) == 0
    results = [r for _process, out in clerks for r in json.loads(out.read_text(encoding="utf-8"))]
    assert len(results) == 8 * 15

    for r in results:
        assert "locked" not in r["stderr"] and "internal error" not in r["stderr"], r
        assert r["rc"] in (0, 1), r
        if r["expect"] == "ok":
            assert r["rc"] == 0, r
        if r["expect"] == "refused":
            assert r["rc"] == 1 and "已销号" in r["stderr"], r
    won = {
        item: [r for r in results if r["item"] == item and r["expect"] == "race" and r["rc"] == 0]
        for item in (SHARED_START, SHARED_VERIFY)
    }
    assert len(won[SHARED_START]) == 1 and len(won[SHARED_VERIFY]) == 1

    acknowledged = {}
    for r in (r for r in results if r["rc"] == 0):
        match = ACK.match(r["stdout"])
        assert match and match.group(2) == r["item"], r
        seq = int(match.group(1))
        assert seq not in acknowledged, f"two commands were told they wrote #{seq}"
        acknowledged[seq] = r

    checklist = load_checklist(str(workspace.checklist))
    store = SQLiteStore(str(workspace.db), checklist.id)
    events = {e.seq: e for e in store.events()}
    store.close()
    assert sorted(events) == list(range(1, len(events) + 1)), "positions are not contiguous"
    assert set(events) == set(acknowledged) | set(setup_seqs), "an event was lost or appeared unasked"
    for seq, r in acknowledged.items():
        assert (events[seq].item, events[seq].actor, events[seq].trigger) == (r["item"], r["actor"], r["trigger"])
    head, _hash, done = workspace.audit()
    assert done.returncode == 0, done.stderr
    assert head == len(events) == len(acknowledged) + len(setup_seqs)
    print(
        f"{len(CLERKS)} clerks x {len(results) // len(CLERKS)} commands: {len(acknowledged)} acknowledged, "
        f"{len(results) - len(acknowledged)} refused, journal head {head}"
    )


# --- b. crash -------------------------------------------------------------------------------------

CRASH_ITEMS = [
    ("dongshan/kongchuo-baoxue", "lihua"),
    ("xihe/kongchuo-baoxue", "huanglei"),
    ("dudao/dudao-jiancha", "chenjing"),
]
WRITER_SCRIPT = textwrap.dedent("""
    import random, sys
    sys.path.insert(0, sys.argv[1])
    sys.path.insert(0, sys.argv[1] + "/tests")
    from helpers import ops
    from engine.checklist.cache import load_cached
    from engine.errors import Refused
    from engine.journal.sqlite import SQLiteStore
    checklist = load_cached(sys.argv[2])
    store = SQLiteStore(sys.argv[3], checklist.id, checklist_source=checklist.file_bytes)
    items = %r
    for item, actor in items:
        try:
            ops.advance(checklist, store, actor, item, "start")
        except Refused:
            pass
    print("ready", flush=True)
    rng = random.Random(int(sys.argv[4]))
    n = 0
    while True:
        n += 1
        item, actor = rng.choice(items)
        kind = rng.choice(["record", "attach", "return"])
        if kind == "record" and item.endswith("kongchuo-baoxue"):
            payload = n %% 101  # a rate: record accepts 0-100
            event = ops.record(checklist, store, actor, item, ["chuoxue-lv=%%d" %% payload])
        elif kind == "attach":
            evidence = checklist.item(item).duty.evidence[n %% 2].id
            event = ops.attach(checklist, store, actor, item, evidence)
            payload = evidence
        else:
            event = ops.advance(checklist, store, "wangming", item, "return", "return %%d" %% n)
            payload = event.note
        print("ACK", event.seq, event.item, event.trigger, payload, flush=True)
""") % (CRASH_ITEMS,)


def read_acks(path: Path) -> list[tuple[int, str, str, str]]:
    """Complete ACK lines only: a line cut by the kill was never acknowledged."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.split("\n")[:-1]
    return [(int(p[1]), p[2], p[3], p[4]) for p in (line.split(" ", 4) for line in lines) if p[0] == "ACK"]


def wait_for_ready(path: Path, process: subprocess.Popen, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists() and path.read_text(encoding="utf-8").startswith("ready\n"):
            return
        time.sleep(0.005)
    raise AssertionError(f"the writer never got ready: {path.read_text(encoding='utf-8') if path.exists() else ''}")


def check_after_crash(workspace, checklist, acknowledged: dict[int, tuple[str, str, str]]) -> int:
    conn = sqlite3.connect(str(workspace.db))
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    store = SQLiteStore(str(workspace.db), checklist.id)
    try:
        events = {e.seq: e for e in store.events()}
        for seq, (item, trigger, payload) in acknowledged.items():
            assert seq in events, f"#{seq} was reported done and is gone"
            event = events[seq]
            assert (event.item, event.trigger) == (item, trigger)
            if trigger == "record":
                assert event.data["values"] == {"chuoxue-lv": float(payload)}
            elif trigger == "attach":
                assert event.data["evidence"] == payload
            else:
                assert event.note == payload
        report = audit(store, checklist)
        assert report.ok, report.problems
        return len(events)
    finally:
        store.close()


@pytest.mark.slow
def test_a_killed_writer_loses_nothing_it_reported_done(workspace):
    rng = random.Random(20261216)
    checklist = load_checklist(str(workspace.checklist))
    script = workspace.dir / "writer.py"
    script.write_text(WRITER_SCRIPT, encoding="utf-8")
    acknowledged: dict[int, tuple[str, str, str]] = {}
    killed_while_writing, trials = 0, []
    for trial in range(24):
        out = workspace.dir / f"acks-{trial}.txt"
        with open(out, "w", encoding="utf-8") as stdout, open(f"{out}.err", "w") as stderr:
            process = subprocess.Popen(
                [sys.executable, str(script), str(REPO), str(workspace.checklist), str(workspace.db), str(trial)],
                stdout=stdout,
                stderr=stderr,
                env=workspace.env,
            )
        if trial % 6 == 5:  # now and then during start-up: opening or creating the journal
            delay = rng.uniform(0.0, 0.25)
        else:
            wait_for_ready(out, process)
            delay = rng.uniform(0.005, 0.3)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL, Path(f"{out}.err").read_text()
        acks = read_acks(out)
        killed_while_writing += bool(acks)
        for seq, item, trigger, payload in acks:
            assert acknowledged.setdefault(seq, (item, trigger, payload)) == (item, trigger, payload)
        events = 0
        if workspace.db.exists():
            events = check_after_crash(workspace, checklist, acknowledged)
            assert events >= len(acknowledged)
        else:
            assert not acknowledged
        trials.append(
            f"trial {trial}: killed {delay:.3f}s after {'start' if trial % 6 == 5 else 'ready'}, "
            f"{len(acks)} acknowledged, journal {events} events"
        )
    print("\n".join(trials))
    assert killed_while_writing >= 15
    assert len(acknowledged) > 100
    head, _hash, done = workspace.audit()
    assert done.returncode == 0, done.stderr
    assert head >= max(acknowledged)


# --- c. tamper -------------------------------------------------------------------------------------


def build_journal(workspace) -> str:
    """14 events on three items through the engine; returns the published head hash."""
    checklist = load_checklist(str(workspace.checklist))
    store = SQLiteStore(str(workspace.db), checklist.id, checklist_source=checklist.file_bytes)
    item, office = "dongshan/kongchuo-baoxue", "dudao/dudao-jiancha"
    ops.advance(checklist, store, "lihua", item, "start", "开始整改")  # 1
    for evidence in ("zerenshu", "ruxue-tongzhi", "quzheng-zhengming", "chuoxue-baogao"):  # 2-5
        ops.attach(checklist, store, "lihua", item, evidence)
    ops.record(checklist, store, "lihua", item, ["chuoxue-lv=0", "quzheng-daowei=99"])  # 6
    ops.advance(checklist, store, "wangming", item, "return", "取证到位率不足")  # 7
    ops.record(checklist, store, "lihua", item, ["quzheng-daowei=100", "quzheng-youxiao=100"])  # 8
    ops.advance(checklist, store, "wangming", item, "verify", "同意销号")  # 9
    ops.advance(checklist, store, "wangming", office, "start")  # 10
    ops.attach(checklist, store, "chenjing", office, "peixun")  # 11
    ops.attach(checklist, store, "chenjing", office, "ducha-jilu")  # 12
    ops.advance(checklist, store, "zhaoguoqiang", office, "verify", "区政府验收")  # 13
    ops.record(checklist, store, "huanglei", "xihe/kongchuo-baoxue", ["chuoxue-lv=2"])  # 14
    head = store.head()
    store.close()
    assert head[0] == 14
    return head[1]


class Attacker:
    """What anyone holding the file can do: drop the append-only triggers, edit, and put the
    triggers back on close (so only the chain and the replay can tell)."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(str(path), isolation_level=None)
        self.guards = [
            sql
            for (sql,) in self.conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
            )
        ]
        self.conn.execute("DROP TRIGGER events_no_update")
        self.conn.execute("DROP TRIGGER events_no_delete")

    def execute(self, sql: str, parameters: tuple = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters)

    def close(self) -> None:
        for sql in self.guards:
            self.conn.execute(sql)
        self.conn.close()


def attacker(workspace) -> Attacker:
    return Attacker(workspace.db)


def swap(conn: Attacker, a: int, b: int) -> None:
    """Two events trade places: every column moves with its event except the position it is stored at."""
    columns = [r[1] for r in conn.execute("PRAGMA table_info(events)") if r[1] != "seq"]
    rows = {
        seq: conn.execute(f"SELECT {', '.join(columns)} FROM events WHERE seq = ?", (seq,)).fetchone() for seq in (a, b)
    }
    assignments = ", ".join(f"{c} = ?" for c in columns)
    conn.execute(f"UPDATE events SET {assignments} WHERE seq = ?", (*rows[b], a))
    conn.execute(f"UPDATE events SET {assignments} WHERE seq = ?", (*rows[a], b))


def insert_forged(conn: Attacker, at: int, copy_of: int) -> None:
    """A forged event (a copy of event ``copy_of``) slipped in at position ``at``; later ones move up one."""
    rows = conn.execute("SELECT * FROM events WHERE seq >= ? ORDER BY seq", (at,)).fetchall()
    forged = conn.execute("SELECT * FROM events WHERE seq = ?", (copy_of,)).fetchone()
    conn.execute("DELETE FROM events WHERE seq >= ?", (at,))
    for row in [(at, *forged[1:])] + [(row[0] + 1, *row[1:]) for row in rows]:
        conn.execute(f"INSERT INTO events VALUES ({', '.join('?' * len(row))})", row)


def rewrite_current_from_events(conn: Attacker) -> None:
    """A careful attacker also makes the current-state table agree with what is left."""
    conn.execute("DELETE FROM current")
    conn.execute(
        "INSERT INTO current (item, state, seq, trigger, recorded_at, returns) "
        "SELECT item, to_state, seq, trigger, recorded_at, 0 FROM events e "
        "WHERE seq = (SELECT max(seq) FROM events WHERE item = e.item)"
    )
    conn.execute(
        "UPDATE current SET returns = (SELECT count(*) FROM events e WHERE e.item = current.item "
        "AND e.data LIKE '%\"returned\":true%')"
    )
    conn.execute(f"UPDATE current SET note = {NOTE_IN_FORCE}, deadline = {DEADLINE_IN_FORCE}")


TAMPERING = {
    "edited note": (7, lambda c: c.execute("UPDATE events SET note = '同意' WHERE seq = 7")),
    "edited value": (
        6,
        lambda c: c.execute(
            'UPDATE events SET data = \'{"values": {"chuoxue-lv": 0.0, "quzheng-daowei": 100.0}}\' WHERE seq = 6'
        ),
    ),
    "edited actor": (13, lambda c: c.execute("UPDATE events SET actor = 'wangming' WHERE seq = 13")),
    "edited hash": (4, lambda c: c.execute("UPDATE events SET hash = ? WHERE seq = 4", ("0f" * 32,))),
    "edited first event": (1, lambda c: c.execute("UPDATE events SET actor = 'wangming' WHERE seq = 1")),
    "edited last event": (14, lambda c: c.execute("UPDATE events SET note = 'x' WHERE seq = 14")),
    "deleted event": (5, lambda c: c.execute("DELETE FROM events WHERE seq = 5")),
    "deleted first event": (1, lambda c: c.execute("DELETE FROM events WHERE seq = 1")),
    "swapped neighbours": (8, lambda c: swap(c, 8, 9)),
    "swapped far apart": (3, lambda c: swap(c, 3, 11)),
    "inserted event": (10, lambda c: insert_forged(c, 10, copy_of=13)),
}


def first_bad_position(stderr: str) -> int:
    """The position named on the last line of a failed audit ('... first bad position ... N')."""
    last = stderr.splitlines()[-1]
    assert "first bad position" in last, stderr
    return int(re.findall(r"\d+", last)[-1])


def run_audit(workspace, *args: str):
    return CliRunner().invoke(
        cli, ["-c", str(workspace.checklist), "audit", *args], catch_exceptions=False, env=workspace.env
    )


def test_an_untouched_journal_passes_the_audit(workspace):
    head = build_journal(workspace)
    result = run_audit(workspace, "--anchor", head)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"head 14 {head}\n"


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_is_found_at_its_position(workspace, case):
    build_journal(workspace)
    position, tamper = TAMPERING[case]
    conn = attacker(workspace)
    tamper(conn)
    conn.close()
    result = run_audit(workspace)
    assert result.exit_code == 1, result.stdout
    assert result.stdout == ""
    assert f"position {position}:" in result.stderr
    assert first_bad_position(result.stderr) == position


def test_the_inserted_event_case_really_inserts_one(workspace):
    """The 'inserted event' tampering above: a copy of #13 at position 10, the rest moved up one."""
    build_journal(workspace)
    conn = attacker(workspace)
    before = conn.execute("SELECT hash FROM events ORDER BY seq").fetchall()
    TAMPERING["inserted event"][1](conn)
    after = conn.execute("SELECT hash FROM events ORDER BY seq").fetchall()
    conn.close()
    assert after == before[:9] + [before[12]] + before[9:]


def test_a_cut_off_tail_is_found_with_the_published_head(workspace):
    published = build_journal(workspace)
    conn = attacker(workspace)
    earlier = conn.execute("SELECT hash FROM events WHERE seq = 11").fetchone()[0]
    conn.execute("DELETE FROM events WHERE seq > 11")  # the office's own verify (#13) disappears
    rewrite_current_from_events(conn)
    conn.close()

    plain = run_audit(workspace)  # what is left is a valid chain: only the published head tells
    assert plain.exit_code == 0, plain.stderr
    assert plain.stdout == f"head 11 {earlier}\n"
    assert run_audit(workspace, "--anchor", earlier).exit_code == 0

    anchored = run_audit(workspace, "--anchor", published)
    assert anchored.exit_code == 1
    assert published in anchored.stderr
    assert first_bad_position(anchored.stderr) == 12


def test_a_rewritten_chain_is_found_with_the_published_head(workspace):
    """An attacker who edits #7 and recomputes every later hash passes the plain audit, not --anchor."""
    published = build_journal(workspace)
    conn = attacker(workspace)
    conn.execute("UPDATE events SET note = '同意' WHERE seq = 7")
    prev = conn.execute("SELECT hash FROM events WHERE seq = 6").fetchone()[0]
    checklist = load_checklist(str(workspace.checklist))
    store = SQLiteStore(str(workspace.db), checklist.id)
    for event in [e for e in store.events() if e.seq >= 7]:
        body = {**event.body(), "prev_hash": prev}
        prev = event_hash(body)
        conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (body["prev_hash"], prev, event.seq))
    store.close()
    conn.close()
    assert run_audit(workspace).exit_code == 0
    anchored = run_audit(workspace, "--anchor", published)
    assert anchored.exit_code == 1
    assert "not a head of this journal: cut off, or from another journal" in anchored.stderr


def test_a_changed_current_table_is_found(workspace):
    build_journal(workspace)
    conn = attacker(workspace)
    conn.execute("UPDATE current SET state = 'verified' WHERE item = 'xihe/kongchuo-baoxue'")
    conn.close()
    result = run_audit(workspace)
    assert result.exit_code == 1
    assert "xihe/kongchuo-baoxue" in result.stderr
    assert first_bad_position(result.stderr) == 14


def test_a_copy_of_the_journal_keeps_its_hashes(workspace, tmp_path):
    """The chain does not depend on where the file lives: a backup audits the same."""
    head = build_journal(workspace)
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(workspace.checklist, copy / workspace.checklist.name)
    shutil.copy(workspace.db, copy / workspace.db.name)
    result = CliRunner().invoke(
        cli,
        ["-c", str(copy / workspace.checklist.name), "audit", "--anchor", head],
        catch_exceptions=False,
        env=workspace.env,
    )
    assert result.exit_code == 0
    assert result.stdout == f"head 14 {head}\n"
