"""A PostgreSQL server killed while clerks append: nothing reported done is lost.

The append transaction commits without waiting for the WAL flush (so the advisory lock is not
held through it) and the store then waits for the flush before it returns. This test kills a
private cluster (``pg_ctl stop -m immediate``) in the middle of appends, restarts it, and
checks that every acknowledged event is there and the chain verifies.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest
from stores import REPO, TEST_PEOPLE, create_database, init_journal, require_server, with_params

from engine.journal.postgres import PostgresStore
from engine.operations.audit import audit

SCRIPT = REPO / "tools" / "pg-test-cluster.sh"
WRITER = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, sys.argv[1])
    from engine.errors import RectifyError
    from engine.journal.chain import Draft, ItemRow
    from engine.journal.postgres import PostgresStore
    store = PostgresStore(sys.argv[2], "c1")
    person, n = sys.argv[3], 0
    print("ready", flush=True)
    while True:
        try:
            with store.transaction() as tx:
                event = tx.append(Draft(f"u-{person}/d", "record", "a", "a", person, "", "ab" * 32, {"n": n}),
                                  ItemRow("a", 0))
        except RectifyError:
            break
        print(json.dumps([event.seq, person, n]), flush=True)
        n += 1
""")


def cluster(action: str, folder) -> str:
    return subprocess.run(
        [str(SCRIPT), action, str(folder)], capture_output=True, text=True, check=True, timeout=120
    ).stdout


@pytest.mark.slow
def test_a_killed_server_loses_no_acknowledged_event():
    require_server()  # a server can be had here (and under CI this may not skip)
    # not in tmp_path: the cluster's owner (postgres, when run as root) must reach the folder,
    # and a socket path must stay short
    folder = tempfile.mkdtemp(prefix="rectify-pgkill-")
    server = cluster("start", folder).strip().split("'")[1]
    try:
        url = create_database(server)
        init_journal(url, "c1")
        acked: dict[int, tuple[str, int]] = {}
        for trial in range(3):
            writers = [
                subprocess.Popen(
                    [sys.executable, "-c", WRITER, str(REPO), with_params(url, user=person), person],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for person in TEST_PEOPLE[:4]
            ]
            for writer in writers:
                assert writer.stdout.readline() == "ready\n", writer.stderr.read()
            time.sleep(0.5 + 0.4 * trial)
            cluster("crash", folder)
            for writer in writers:
                # not communicate(): it reads the pipe itself and loses what readline() above
                # already buffered, which cut acknowledgements in half
                out = writer.stdout.read()
                err = writer.stderr.read()
                writer.stdout.close()
                writer.stderr.close()
                assert writer.wait(timeout=60) == 0, err
                for line in out.splitlines():
                    seq, person, n = json.loads(line)
                    assert acked.setdefault(seq, (person, n)) == (person, n), f"#{seq} acknowledged twice"
            cluster("start", folder)
            store = PostgresStore(url, "c1")
            events = {e.seq: e for e in store.events()}
            for seq, (person, n) in acked.items():
                assert seq in events, f"#{seq} was reported done and is gone after the crash"
                assert (events[seq].actor, events[seq].data["n"]) == (person, n)
            report = audit(store)
            assert report.ok, report.problems
            store.close()
        assert len(acked) > 20
    finally:
        cluster("stop", folder)
