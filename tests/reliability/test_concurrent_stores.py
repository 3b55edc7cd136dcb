"""N processes × M appends at the same moment, on each store: one unbroken chain, nothing lost.

On PostgreSQL each process is a real login appending through ``rectify_append``. The control
run takes the advisory lock away (from the client and from the function): then at least one
append must fail or fork the chain, which shows the first test could fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest
from stores import REPO, TEST_PEOPLE, admin, init_journal, new_journal, open_store, with_params

from engine.journal import pg_schema
from engine.operations.audit import audit

CHECKLIST_ID = "shuanggao-2026"
PROCESSES, APPENDS = 8, 25
WRITER = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, sys.argv[1])
    from engine.errors import RectifyError
    from engine.journal.chain import Draft, ItemRow
    from engine.journal.store import open_store
    url, person, appends, start_at, lock = sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
    store = open_store(url, "unused.yaml", "shuanggao-2026")
    store.lock = lock == "lock"
    item = f"unit-{person}/duty"
    while time.time() < start_at:
        time.sleep(0.001)
    for n in range(appends):
        try:
            with store.transaction() as tx:
                event = tx.append(Draft(item, "record", "in_progress", "in_progress", person, "", "ab" * 32,
                                        {"n": n}), ItemRow("in_progress", 0))
            print(json.dumps({"seq": event.seq, "hash": event.hash, "item": item, "n": n}), flush=True)
        except RectifyError as e:
            print(json.dumps({"error": str(e), "item": item, "n": n}), flush=True)
""")


def run_writers(tmp_path, url_of, lock: bool = True) -> list[dict]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    start_at = time.time() + 3.0
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(REPO),
                url_of(person),
                person,
                str(APPENDS),
                str(start_at),
                "lock" if lock else "nolock",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for person in TEST_PEOPLE[:PROCESSES]
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err
        results.extend(json.loads(line) for line in out.splitlines())
    assert len(results) == PROCESSES * APPENDS
    return results


@pytest.mark.slow
def test_concurrent_appends_make_one_unbroken_chain(store_url, tmp_path):
    store = new_journal(store_url, CHECKLIST_ID)
    on_server = store_url.startswith("postgresql:")
    results = run_writers(tmp_path, lambda person: with_params(store_url, user=person) if on_server else store_url)
    errors = [r for r in results if "error" in r]
    assert errors == []
    acknowledged = {r["seq"]: r for r in results}
    assert len(acknowledged) == PROCESSES * APPENDS, "two appends were told they wrote the same position"
    events = {e.seq: e for e in store.events()}
    assert sorted(events) == list(range(1, PROCESSES * APPENDS + 1))
    for seq, r in acknowledged.items():
        assert (events[seq].item, events[seq].data["n"], events[seq].hash) == (r["item"], r["n"], r["hash"])
    report = audit(store)
    assert report.ok, report.problems
    assert report.head_seq == PROCESSES * APPENDS
    store.close()


@pytest.mark.slow
def test_control_without_the_advisory_lock_appends_fail_or_fork(pg_url, tmp_path):
    init_journal(pg_url, CHECKLIST_ID)
    unlocked = pg_schema.APPEND_FUNCTION.replace(f"PERFORM pg_advisory_xact_lock({pg_schema.LOCK_KEY});", "")
    assert unlocked != pg_schema.APPEND_FUNCTION
    with admin(pg_url) as conn:
        conn.execute("SET ROLE rectify_owner")
        conn.execute(unlocked)
    results = run_writers(tmp_path, lambda person: with_params(pg_url, user=person), lock=False)
    failed = [r for r in results if "error" in r]
    seqs = [r["seq"] for r in results if "seq" in r]
    forked = len(seqs) - len(set(seqs))
    store = open_store(pg_url, CHECKLIST_ID)
    prev_hashes = [e.prev_hash for e in store.events()]
    store.close()
    forked += len(prev_hashes) - len(set(prev_hashes))
    print(f"without the lock: {len(failed)} of {len(results)} appends failed, {forked} forked")
    assert failed or forked, "without the lock every append still succeeded: the test cannot tell"
