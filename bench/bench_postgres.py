"""The province journal on both stores: SQLite beside the checklist, and a PostgreSQL server.

One run: generate the province checklist (gen_province.py), fill its SQLite journal with
``--events`` events (fill_journal.py), start a PostgreSQL cluster with fsync on
(tools/pg-test-cluster.sh, in the work directory), ``db init`` it with a login per clerk and
``db copy`` the journal into it. Then, on each store, in fresh processes, interleaved, median of
``--repeats``:

  advance   `rectify advance ITEM start` on a pending item (as its reporter's login on PG)
  status    `rectify status --format json` (every item)
  summary   `rectify summary --format json`
  audit     `rectify audit` (the whole chain and the current table)

and the append throughput of 1 and 8 concurrent clerks, each on its own unit's items, for
``--seconds`` seconds: in-process (``engine.operations.items.record`` in a loop, one
transaction each) and through the CLI (one `rectify record` process after another). After
each throughput run the acknowledged events are checked against the journal: 0 lost, 0 forks
(every acknowledged position holds that clerk's event, positions contiguous), and both
journals must audit at the end.

    python bench/bench_postgres.py [--events 1000000] [--units 7000] [--repeats 3] [--seconds 10]
                                   [--workdir DIR [--reuse]]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH)]

from fill_journal import describe, fill  # noqa: E402
from gen_province import generate  # noqa: E402

from engine.checklist.load import load_checklist  # noqa: E402
from engine.model import Checklist  # noqa: E402

TODAY = "2026-12-01"
CLERKS = 8


def rectify(*args: str) -> list[str]:
    return [sys.executable, str(REPO / "cli.py"), *args]


def pg_url(base: str, **changes: str) -> str:
    from urllib.parse import quote

    from psycopg import conninfo

    params = {**conninfo.conninfo_to_dict(base), **changes}
    dbname = params.pop("dbname", "postgres")
    return f"postgresql:///{dbname}?" + "&".join(f"{k}={quote(str(v), safe='/')}" for k, v in params.items())


def start_cluster(folder: Path) -> str:
    env = {**os.environ, "RECTIFY_PG_FSYNC": "on"}
    out = subprocess.run(
        [str(REPO / "tools" / "pg-test-cluster.sh"), "start", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().split("'")[1]


def clerks_of(checklist: Checklist, states: dict[str, str]) -> list[tuple[str, list[str], list[str]]]:
    """(reporter, items to record on, pending items to start) of the first townships with both."""
    chosen = []
    for unit in checklist.units:
        if unit.kind != "township":
            continue
        items = [i for i in checklist.items if i.unit.id == unit.id]
        open_items = [i.id for i in items if states.get(i.id) != "verified" and i.duty.indicators]
        pending = [i.id for i in items if i.id not in states]
        if len(open_items) >= 3 and pending:
            chosen.append((f"{unit.id}-contact", open_items, pending))
        if len(chosen) == CLERKS * 2:
            break
    return chosen


def with_logins(text: str) -> str:
    """Every person gets a database login named as the person (people[].login)."""
    head, rest = text.split("\npeople:\n", 1)
    people, sep, tail = rest.partition("\n" + next(line for line in rest.splitlines() if line and line[0] != " "))
    people = re.sub(r"^  - id: (\S+)$", r"  - id: \1\n    login: \1", people, flags=re.M)
    return f"{head}\npeople:\n{people}{sep}{tail}"


def prepare(args: argparse.Namespace, work: Path) -> tuple[Checklist, str]:
    checklist_path, db = work / "province.yaml", work / "province.db"
    if not (args.reuse and db.exists()):
        checklist_path.write_text(with_logins(generate(args.units, args.seed)), encoding="utf-8")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        checklist = load_checklist(str(checklist_path))
        print(describe(fill(checklist, str(db), args.events, args.seed)), flush=True)
    else:
        checklist = load_checklist(str(checklist_path))
    server = start_cluster(work / "pg")
    return checklist, server


def load_into_postgres(
    checklist: Checklist, server: str, work: Path, env: dict[str, str], logins: list[str], reuse: bool = False
) -> str:
    import psycopg

    url = pg_url(server, dbname="province")
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'province'").fetchone()
        if exists and not reuse:
            conn.execute("DROP DATABASE province WITH (FORCE)")
        if not exists or not reuse:
            conn.execute("CREATE DATABASE province ENCODING 'UTF8' TEMPLATE template0")
    done = subprocess.run(
        rectify("-c", str(work / "province.yaml"), "--db", url, "db", "init"), env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    with psycopg.connect(url, autocommit=True) as conn:
        for login in logins:
            conn.execute(f"""DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}')
                             THEN CREATE ROLE "{login}" LOGIN; END IF; END $$""")
            conn.execute(f'GRANT rectify_staff TO "{login}"')
    if exists and reuse:
        print("reusing the PostgreSQL journal already loaded", flush=True)
        return url
    started = time.perf_counter()
    done = subprocess.run(
        rectify("-c", str(work / "province.yaml"), "db", "copy", "--from", str(work / "province.db"), "--to", url),
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE rectify.events")
        conn.execute("VACUUM ANALYZE rectify.current")
    print(f"db copy to PostgreSQL: {time.perf_counter() - started:.1f} s, {done.stdout.strip()}", flush=True)
    return url


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0,):
        raise SystemExit(f"{' '.join(argv[2:])}: exit {done.returncode}: {done.stderr}")
    return seconds


def commands(
    args: argparse.Namespace,
    work: Path,
    stores: dict[str, str],
    env: dict[str, str],
    pending: dict[str, list[tuple[str, str]]],
) -> dict[str, dict[str, float]]:
    """Median seconds of each command on each store, the stores interleaved run by run."""
    checklist = str(work / "province.yaml")
    times: dict[str, dict[str, list[float]]] = {}
    for url in stores.values():  # one untimed run each: the compiled checklist cache, the OS file cache
        timed(rectify("-c", checklist, "--db", url, "summary", "--format", "json"), env)
    for name, argv_tail in (
        ("status", ["status", "--format", "json"]),
        ("summary", ["summary", "--format", "json"]),
        ("advance", None),
        ("audit", ["audit"]),
    ):
        repeats = 1 if name == "audit" else args.repeats
        for _ in range(repeats):
            for store, url in stores.items():
                if argv_tail is None:
                    reporter, item = pending[store].pop()
                    argv = rectify(
                        "-c", checklist, "--db", login_url(url, reporter), "--as", reporter, "advance", item, "start"
                    )
                else:
                    argv = rectify("-c", checklist, "--db", url, *argv_tail)
                times.setdefault(name, {}).setdefault(store, []).append(timed(argv, env))
        print(name, {s: f"{statistics.median(v):.2f}s" for s, v in times[name].items()}, flush=True)
    return {name: {s: statistics.median(v) for s, v in by_store.items()} for name, by_store in times.items()}


def login_url(url: str, login: str) -> str:
    return pg_url(url, user=login) if url.startswith("postgresql:") else url


CLERK = """
import json, subprocess, sys, time
sys.path[:0] = [sys.argv[1]]
from engine.checklist.cache import load_cached
from engine.journal.store import open_store
from engine.operations import items
checklist_path, url, person, mode, seconds, start_at = sys.argv[2:8]
todo = json.loads(sys.argv[8])
checklist = load_cached(checklist_path)
store = open_store(url, checklist_path, checklist.id)
acks, errors, n = [], [], 0
while time.time() < float(start_at):
    time.sleep(0.001)
stop = float(start_at) + float(seconds)
while time.time() < stop:
    item = todo[n % len(todo)]
    indicator = checklist.item(item).duty.indicators[0].id
    n += 1
    if mode == "cli":
        done = subprocess.run([sys.executable, sys.argv[1] + "/cli.py", "-c", checklist_path, "--db", url,
                               "--as", person, "record", item, f"{indicator}={n % 100}"],
                              capture_output=True, text=True)
        if done.returncode:
            errors.append(done.stderr)
        else:
            acks.append([int(done.stdout.split()[0][1:]), item])
        continue
    try:
        with store.transaction() as tx:
            event = items.record(checklist, tx, person, item, [f"{indicator}={n % 100}"])
        acks.append([event.seq, item])
    except Exception as e:
        errors.append(str(e))
print(json.dumps({"acks": acks, "errors": errors, "person": person}))
"""


def throughput(
    work: Path,
    url: str,
    clerks: list[tuple[str, list[str], list[str]]],
    count: int,
    mode: str,
    seconds: float,
    env: dict[str, str],
) -> tuple[float, int, int]:
    """Events per second of ``count`` clerks at once; (rate, acknowledged, problems found)."""
    from engine.journal.store import open_store

    checklist_path = str(work / "province.yaml")
    checklist = load_checklist(checklist_path)
    store = open_store(url, checklist_path, checklist.id)
    before = store.head()[0]
    start_at = time.time() + 40.0  # every clerk loads the province's 92,700 items first
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CLERK,
                str(REPO),
                checklist_path,
                login_url(url, person),
                person,
                mode,
                str(seconds),
                str(start_at),
                json.dumps(items),
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for person, items, _pending in clerks[:count]
    ]
    results = [json.loads(p.communicate()[0]) for p in processes]
    acks = {seq: (r["person"], item) for r in results for seq, item in r["acks"]}
    problems = sum(len(r["errors"]) for r in results)
    problems += sum(len(r["acks"]) for r in results) - len(acks)  # two clerks told the same position
    after = store.head()[0]
    problems += (after - before) - len(acks)  # an event nobody was told about, or one lost
    for seq, (person, item) in acks.items():
        [event] = [e for e in store.item_events(item) if e.seq == seq] or [None]
        if event is None or event.actor != person:
            problems += 1
    store.close()
    return len(acks) / seconds, len(acks), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=7000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workdir")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--only-throughput", action="store_true", help="skip the timed commands")
    parser.add_argument(
        "--keep-server",
        action="store_true",
        help="leave the PostgreSQL cluster running (and reuse its journal with --reuse)",
    )
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="rectify-bench-pg-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RECTIFY_CACHE_DIR": str(work / "cache"), "RECTIFY_TODAY": TODAY, "RECTIFY_LANG": "en"}
    checklist, server = prepare(args, work)
    try:
        from engine.journal.sqlite import SQLiteStore

        sqlite = SQLiteStore(str(work / "province.db"), checklist.id)
        states = sqlite.states()
        sqlite.close()
        clerks = clerks_of(checklist, states)
        logins = [person for person, _items, _pending in clerks]
        url = load_into_postgres(checklist, server, work, env, logins, args.reuse and args.keep_server)
        stores = {"sqlite": str(work / "province.db"), "postgresql": url}
        pending = {
            store: [(person, item) for person, _items, todo in clerks for item in todo[:1]][i::2]
            for i, store in enumerate(stores)
        }
        medians = {} if args.only_throughput else commands(args, work, stores, env, pending)
        rates = {}
        for mode in ("process", "cli"):
            for count in (1, CLERKS):
                for store, store_url in stores.items():
                    offset = 0 if store == "sqlite" else CLERKS
                    group = clerks[offset : offset + CLERKS]
                    rate, acked, problems = throughput(work, store_url, group, count, mode, args.seconds, env)
                    rates[(mode, count, store)] = (rate, acked, problems)
                    print(
                        f"{mode} {count} clerk(s) on {store}: {rate:.0f} events/s ({acked} acknowledged, "
                        f"{problems} lost/forked/failed)",
                        flush=True,
                    )
        heads = (
            {}
            if args.only_throughput
            else {
                store: subprocess.run(
                    rectify("-c", str(work / "province.yaml"), "--db", u, "audit"),
                    env=env,
                    capture_output=True,
                    text=True,
                )
                for store, u in stores.items()
            }
        )
        for store, done in heads.items():
            print(f"final audit on {store}: exit {done.returncode} {done.stdout.strip()} {done.stderr.strip()}")
        report(medians, rates)
    finally:
        if not args.keep_server:
            subprocess.run([str(REPO / "tools" / "pg-test-cluster.sh"), "stop", str(work / "pg")], check=False)
    return 0


def report(medians: dict[str, dict[str, float]], rates: dict[tuple[str, int, str], tuple[float, int, int]]) -> None:
    print("\n| command | SQLite | PostgreSQL | PG / SQLite |\n|---|---|---|---|")
    for name, by_store in medians.items():
        print(
            f"| {name} | {by_store['sqlite']:.2f} s | {by_store['postgresql']:.2f} s | "
            f"{by_store['postgresql'] / by_store['sqlite']:.2f} |"
        )
    print("\n| appends | SQLite events/s | PostgreSQL events/s | lost, forked or failed |\n|---|---|---|---|")
    for mode in ("process", "cli"):
        for count in (1, CLERKS):
            s, p = rates[(mode, count, "sqlite")], rates[(mode, count, "postgresql")]
            print(
                f"| {count} clerk{'s' if count > 1 else ''}, {'in-process' if mode == 'process' else 'CLI'} | "
                f"{s[0]:.0f} | {p[0]:.0f} | {s[2]} / {p[2]} |"
            )


if __name__ == "__main__":
    sys.exit(main())
