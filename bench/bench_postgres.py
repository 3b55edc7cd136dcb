"""The province journal on both stores: SQLite beside the checklist, and a PostgreSQL server.

One run: generate the province checklist (gen_province.py), fill its SQLite journal with
``--events`` events (fill_journal.py), start a PostgreSQL cluster with fsync on
(tools/pg-test-cluster.sh, in the work directory), ``db init`` it with a login per clerk and
one for the importing supervisor, and ``db copy`` the journal into it. Both journals now hold
the same events: each is kept as the base of the imports (``import-base.db``, the database
``province_import_base``). Then, on each store, in fresh processes (launcher.py), interleaved,
median of ``--repeats``:

  advance   `rectify advance ITEM start` on a pending item (as its reporter's login on PG)
  status    `rectify status --format json` (every item)
  summary   `rectify summary --format json`
  audit     `rectify audit` (the whole chain and the current table), once
  import    `rectify import SHEET` of a filled sheet of ``--import-rows`` rows (bench_import's
            sheet, written for the base's states, a 填报人 column naming each item's reporter),
            as a supervisor (on PG, a login holding the import permission), once, each into a
            fresh copy of its store's base (SQLite: the file, by the backup API; PostgreSQL:
            CREATE DATABASE ... TEMPLATE); seconds, rows/s, peak RSS, events recorded

and the append throughput of 1 and 8 concurrent clerks, each on its own unit's items, for
``--seconds`` seconds from a common start once every clerk has loaded the province (in
``--slices`` turns, the two stores alternating, so a load that comes and goes on the machine
falls on both):
in-process (``engine.operations.items.record`` in a loop, one transaction each) and through
the CLI (one `rectify record` process after another). After
each throughput run the acknowledged events are checked against the journal: 0 lost, 0 forks
(every acknowledged position holds that clerk's event, positions contiguous), and both
journals must audit at the end. Last, the tables of every command (SQLite, PostgreSQL, PG /
SQLite), of the appends (events per second, and CPU per event: the clerks' with their
`rectify` processes, and on PostgreSQL the server's), and issue 13's aims with this run's verdicts (pg_aims.py).

    python bench/bench_postgres.py [--events 1000000] [--units 7000] [--repeats 3] [--seconds 10] [--slices 2]
                                   [--import-rows 100000] [--workdir DIR [--reuse [--keep-server]]]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH)]

from bench_import import write_sheet  # noqa: E402
from fill_journal import describe, fill  # noqa: E402
from gen_province import generate  # noqa: E402
from launcher import Launcher  # noqa: E402
from pg_aims import CLERKS, Import, Rate, command_table, cpu_table, joined, rate_table, verdict_table, verdicts  # noqa: E402

from engine.checklist.load import load_checklist  # noqa: E402
from engine.model import Checklist  # noqa: E402

TODAY = "2026-12-01"
IMPORT_BASE, IMPORT_COPY = "province_import_base", "province_import"  # PostgreSQL databases


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


def load_into_postgres(server: str, work: Path, env: dict[str, str], reuse: bool = False) -> tuple[str, bool]:
    """The PostgreSQL journal, ``db init`` and ``db copy`` from the SQLite one; (url, whether it was loaded now)."""
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
    if exists and reuse:
        print("reusing the PostgreSQL journal already loaded", flush=True)
        return url, False
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
    return url, True


def grant_logins(url: str, logins: list[str]) -> None:
    """One login per person who acts in the bench, each granted rectify_staff (README: setting up an office)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for login in logins:
            conn.execute(f"""DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}')
                             THEN CREATE ROLE "{login}" LOGIN; END IF; END $$""")
            conn.execute(f'GRANT rectify_staff TO "{login}"')


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite journal (the backup API: committed WAL frames included)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def copy_postgres(server: str, source: str, target: str) -> None:
    """A new database ``target`` made from ``source`` as a template (nobody may be connected to it)."""
    import psycopg

    drop_database(server, target)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def import_bases(work: Path, checklist_id: str, server: str, url: str, loaded: bool) -> dict[str, str]:
    """The journals each import starts from a fresh copy of, kept while both stores hold the same events.

    Taken right after ``db copy`` (``loaded``), before any command appends; kept from an earlier
    run when the PostgreSQL journal is reused. The two must have the same head, else the imports
    would not be comparable.
    """
    import psycopg

    sqlite_base = work / "import-base.db"
    with psycopg.connect(server, autocommit=True) as conn:
        have_pg = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (IMPORT_BASE,)).fetchone()
    if loaded or not (have_pg and sqlite_base.exists()):
        copy_sqlite(work / "province.db", sqlite_base)
        copy_postgres(server, "province", IMPORT_BASE)
    bases = {"sqlite": str(sqlite_base), "postgresql": pg_url(url, dbname=IMPORT_BASE)}
    checklist_path = str(work / "province.yaml")
    heads = {store: journal_head(checklist_path, checklist_id, where) for store, where in bases.items()}
    if heads["sqlite"] != heads["postgresql"]:
        raise SystemExit(
            f"the import bases differ (SQLite head {heads['sqlite'][0]}, PostgreSQL {heads['postgresql'][0]}): "
            "run once without --reuse, or with --reuse but not --keep-server"
        )
    return bases


def journal_head(checklist_path: str, checklist_id: str, where: str) -> tuple[int, str]:
    from engine.journal.store import open_store

    store = open_store(where, checklist_path, checklist_id, read_only=True)
    try:
        return store.head()
    finally:
        store.close()


def timed(launcher: Launcher, argv: list[str], cwd: Path) -> float:
    """Seconds of one command in a fresh process; a failure stops the bench with its stderr."""
    run = launcher.run(argv, cwd)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(argv[2:])}: exit {run.returncode}: {run.stderr}")
    return run.seconds


def commands(
    args: argparse.Namespace,
    work: Path,
    stores: dict[str, str],
    launcher: Launcher,
    pending: dict[str, list[tuple[str, str]]],
) -> dict[str, dict[str, float]]:
    """Median seconds of each command on each store, the stores interleaved run by run."""
    checklist = str(work / "province.yaml")
    times: dict[str, dict[str, list[float]]] = {}
    for url in stores.values():  # one untimed run each: the compiled checklist cache, the OS file cache
        timed(launcher, rectify("-c", checklist, "--db", url, "summary", "--format", "json"), work)
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
                times.setdefault(name, {}).setdefault(store, []).append(timed(launcher, argv, work))
        print(name, {s: f"{statistics.median(v):.2f}s" for s, v in times[name].items()}, flush=True)
    return {name: {s: statistics.median(v) for s, v in by_store.items()} for name, by_store in times.items()}


def imports(
    args: argparse.Namespace,
    work: Path,
    checklist: Checklist,
    server: str,
    bases: dict[str, str],
    launcher: Launcher,
) -> dict[str, Import]:
    """`rectify import` of one sheet into a fresh copy of each store's base, SQLite first."""
    from engine.journal.store import open_store

    base = open_store(bases["sqlite"], str(work / "province.yaml"), checklist.id, read_only=True)
    states = base.states()
    base.close()
    started = time.perf_counter()
    sheet = work / "import.xlsx"
    rows, importer = write_sheet(work / "province.yaml", sheet, args.import_rows, states, reporters=True)
    print(f"import sheet: {rows:,} rows, {sheet.stat().st_size / 1e6:.2f} MB, {time.perf_counter() - started:.1f} s")
    grant_logins(bases["postgresql"], [importer])  # a supervisor: the import permission's default role
    copies = {"sqlite": str(work / "import.db"), "postgresql": pg_url(bases["postgresql"], dbname=IMPORT_COPY)}
    checklist_path = str(work / "province.yaml")
    results = {}
    for store, where in copies.items():
        if store == "sqlite":
            copy_sqlite(Path(bases["sqlite"]), Path(where))
        else:
            copy_postgres(server, IMPORT_BASE, IMPORT_COPY)
        before = journal_head(checklist_path, checklist.id, where)[0]
        argv = rectify("-c", checklist_path, "--db", login_url(where, importer), "--as", importer, "import", str(sheet))
        run = launcher.run(argv, work)
        if run.returncode != 0:
            raise SystemExit(f"import on {store}: exit {run.returncode}: {run.stderr[-2000:]}")
        events = journal_head(checklist_path, checklist.id, where)[0] - before
        results[store] = Import(rows, events, run.seconds, run.peak_mb)
        print(
            f"import on {store}: {run.seconds:.1f} s, {rows / run.seconds:,.0f} rows/s, peak {run.peak_mb:.0f} MB, "
            f"{events:,} events",
            flush=True,
        )
    if results["sqlite"].events != results["postgresql"].events:
        raise SystemExit(f"the imports recorded different numbers of events: {results}")
    for suffix in ("", "-wal", "-shm"):  # the copies take as much room as the journals
        Path(f"{copies['sqlite']}{suffix}").unlink(missing_ok=True)
    drop_database(server, IMPORT_COPY)
    return results


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def login_url(url: str, login: str) -> str:
    return pg_url(url, user=login) if url.startswith("postgresql:") else url


CLERK = """
import json, resource, subprocess, sys, time
sys.path[:0] = [sys.argv[1]]
from engine.checklist.cache import load_cached
from engine.journal.store import open_store
from engine.operations import items
checklist_path, url, person, mode, seconds = sys.argv[2:7]
todo = json.loads(sys.argv[7])
checklist = load_cached(checklist_path)
store = open_store(url, checklist_path, checklist.id)
acks, errors, n = [], [], 0
print("ready", flush=True)
start_at = sys.stdin.readline()
while time.time() < float(start_at):
    time.sleep(0.001)
stop = float(start_at) + float(seconds)
def cpu():  # user + sys seconds of this clerk and of the rectify processes it ran
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))
began = cpu()
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
print(json.dumps({"acks": acks, "errors": errors, "person": person, "cpu": cpu() - began}))
"""


def server_cpu(data_dir: Path) -> float:
    """CPU seconds (user + sys) the PostgreSQL cluster in ``data_dir`` has used: its postmaster's,
    its backends' that have ended (the postmaster's children's), and those of its live processes.
    Linux (/proc); 0 where it cannot be read."""
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return 0.0
    ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            child = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile: counted in the postmaster's cutime from now on
            continue
        if int(child[1]) == postmaster:
            ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def throughput(
    work: Path,
    url: str,
    clerks: list[tuple[str, list[str], list[str]]],
    count: int,
    mode: str,
    seconds: float,
    env: dict[str, str],
) -> Rate:
    """Events per second of ``count`` clerks at once, and what failed, was lost or forked."""
    from engine.journal.store import open_store

    checklist_path = str(work / "province.yaml")
    checklist = load_checklist(checklist_path)
    store = open_store(url, checklist_path, checklist.id)
    before = store.head()[0]
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
                json.dumps(items),
            ],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for person, items, _pending in clerks[:count]
    ]
    for process in processes:  # every clerk has loaded the province and opened the journal
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise SystemExit(f"a clerk ended before it was ready (exit {process.wait()})")
    server_before = server_cpu(work / "pg" / "data") if url.startswith("postgresql:") else 0.0
    start_at = f"{time.time() + 0.5}\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(start_at)
        process.stdin.flush()
    results = [json.loads(p.communicate()[0]) for p in processes]
    server = server_cpu(work / "pg" / "data") - server_before if url.startswith("postgresql:") else 0.0
    acks = {seq: (r["person"], item) for r in results for seq, item in r["acks"]}
    failed = sum(len(r["errors"]) for r in results)
    broken = sum(len(r["acks"]) for r in results) - len(acks)  # two clerks told the same position
    after = store.head()[0]
    broken += abs((after - before) - len(acks))  # an event nobody was told about, or one lost
    for seq, (person, item) in acks.items():
        [event] = [e for e in store.item_events(item) if e.seq == seq] or [None]
        if event is None or event.actor != person:
            broken += 1
    store.close()
    client = sum(r["cpu"] for r in results)
    return Rate(len(acks) / seconds, len(acks), failed, broken, client, server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=7000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--slices",
        type=int,
        default=2,
        help="each append run's seconds in this many turns, the stores alternating (a busy machine's load shared)",
    )
    parser.add_argument("--import-rows", type=int, default=100_000, help="rows of the imported sheet (0: no import)")
    parser.add_argument("--workdir")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--only-throughput", action="store_true", help="skip the timed commands and the import")
    parser.add_argument(
        "--keep-server",
        action="store_true",
        help="leave the PostgreSQL cluster running (and reuse its journal with --reuse)",
    )
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="rectify-bench-pg-"))
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)  # the cluster in work/pg belongs to the postgres user, who must reach it
    env = {**os.environ, "RECTIFY_CACHE_DIR": str(work / "cache"), "RECTIFY_TODAY": TODAY, "RECTIFY_LANG": "en"}
    checklist, server = prepare(args, work)
    try:
        with Launcher(env) as launcher:
            run(args, work, checklist, server, env, launcher)
    finally:
        if not args.keep_server:
            subprocess.run([str(REPO / "tools" / "pg-test-cluster.sh"), "stop", str(work / "pg")], check=False)
    return 0


def run(
    args: argparse.Namespace, work: Path, checklist: Checklist, server: str, env: dict[str, str], launcher: Launcher
) -> None:
    from engine.journal.store import open_store

    url, loaded = load_into_postgres(server, work, env, args.reuse and args.keep_server)
    stores = {"sqlite": str(work / "province.db"), "postgresql": url}
    bases = (
        import_bases(work, checklist.id, server, url, loaded) if args.import_rows and not args.only_throughput else {}
    )
    states: dict[str, str] = {}
    for where in reversed(stores.values()):  # an item counts as pending only when it is on both stores
        store = open_store(where, str(work / "province.yaml"), checklist.id, read_only=True)
        states.update(store.states())
        store.close()
    clerks = clerks_of(checklist, states)
    grant_logins(url, [person for person, _items, _pending in clerks])
    pending = {
        store: [(person, item) for person, _items, todo in clerks for item in todo[:1]][i::2]
        for i, store in enumerate(stores)
    }
    medians = {} if args.only_throughput else commands(args, work, stores, launcher, pending)
    imported = imports(args, work, checklist, server, bases, launcher) if bases else {}
    rates = {}
    for mode in ("process", "cli"):
        for count in (1, CLERKS):
            runs: dict[str, list[Rate]] = {store: [] for store in stores}
            for part in range(args.slices):  # the stores take turns, each starting every other slice
                for store in list(stores)[:: 1 if part % 2 == 0 else -1]:
                    offset = 0 if store == "sqlite" else CLERKS
                    group = clerks[offset : offset + CLERKS]
                    runs[store].append(
                        throughput(work, stores[store], group, count, mode, args.seconds / args.slices, env)
                    )
            for store, parts in runs.items():
                rate = rates[(mode, count, store)] = joined(parts)
                client_ms, server_ms = rate.cpu_ms()
                print(
                    f"{mode} {count} clerk(s) on {store}: {rate.events_per_s:.1f} events/s ({rate.acknowledged} "
                    f"acknowledged, {rate.failed} failed, {rate.broken} lost or forked; CPU per event "
                    f"{client_ms:.1f} ms client, {server_ms:.1f} ms server)",
                    flush=True,
                )
    if not args.only_throughput:
        for store, where in stores.items():
            out = work / f"audit-{store}.txt"
            done = launcher.run(rectify("-c", str(work / "province.yaml"), "--db", where, "audit"), work, out)
            print(f"final audit on {store}: exit {done.returncode} {out.read_text().strip()} {done.stderr.strip()}")
            if done.returncode:
                raise SystemExit(f"the {store} journal does not audit after the run")
    print()
    print(command_table(medians, imported))
    print()
    print(rate_table(rates))
    print()
    print(cpu_table(rates))
    print()
    print(verdict_table(verdicts(medians, rates)))


if __name__ == "__main__":
    sys.exit(main())
