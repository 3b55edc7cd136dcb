"""Fill a checklist's journal with many events, fast but faithful to Writer.append.

The store is created by engine.journal.SQLiteStore, so the schema and the
append-only triggers are the real ones. The events are then inserted in one
write transaction with executemany; each event's body, hash and stored data
JSON are made exactly as Writer.append makes them, and the ``current`` table
ends as Writer.append would leave it, so `rectify audit` passes on the result.

Each item follows the default workflow and its rules: a reporter of the
owner unit starts it, attaches evidence (with a file digest, mostly) and
records indicator values, round after round; a supervisor of another unit
of the same county returns it with a note, verifies it once every evidence
is attached and the last values meet their targets, and now and then
reopens it (回头看). The items' stories are interleaved in time, and the
fill stops at exactly ``events`` events, so it is a snapshot of a campaign
in progress. A small share of items is never touched (still pending).

    python bench/fill_journal.py CHECKLIST [--events 1000000] [--seed 1] [--db PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from engine.checklist.load import load_checklist  # noqa: E402
from engine.errors import RectifyError  # noqa: E402
from engine.journal.chain import EVENT_COLUMNS, GENESIS, event_hash  # noqa: E402
from engine.journal.sqlite import SQLiteStore  # noqa: E402
from engine.journal.store import default_db_path  # noqa: E402
from engine.model import Checklist, Indicator, Item, Person  # noqa: E402

PENDING, IN_PROGRESS, VERIFIED = "pending", "in_progress", "verified"
NEEDED_TRIGGERS = {"start", "verify", "return", "reopen"}

UNTOUCHED_SHARE = 0.03  # items nobody has started
FIRST_ROUNDS = (3, 8)  # rounds of attach/record before the first verify
RETURN_RATE = 0.3  # chance of a 退回 after a round that is not the last
MET_EARLY_RATE = 0.4  # chance that a round's values already meet their targets
RESUBMIT_RATE = 0.5  # chance that evidence is attached again in a later round
DIGEST_RATE = 0.8  # share of attachments that carry a file digest
REOPEN_RATE = 0.1  # chance of 回头看重开 after a verify

OS_USER = "bench"  # a fixed OS account keeps the file the same on every machine
CAMPAIGN_START = dt.datetime(2026, 10, 20, 0, 30, tzinfo=dt.timezone.utc)
CAMPAIGN_DAYS = 45

RETURN_NOTES = ("佐证材料不全，请补充", "指标数据与台账不符，请核实", "取证证明缺少签章", "请按要求重新报送")
VERIFY_NOTES = ("资料齐全，验收合格", "实地核查通过，同意销号", "指标达标，准予销号")
REOPEN_NOTES = ("回头看发现问题反弹", "群众举报，重新整改", "复查不合格")
INSERT_EVENT = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
INSERT_CURRENT = "INSERT INTO current (item, state, seq, trigger, recorded_at, returns) VALUES (?, ?, ?, ?, ?, ?)"
CHUNK = 5_000  # rows per message to the writer process
# Writer.append stores json.dumps(data, sort_keys=True, ensure_ascii=False); json.dumps
# builds exactly this encoder on every call, so one built once gives the same text, faster.
DATA_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


class Dice(random.Random):
    """Seeded draws, cheaper than randrange and choice (plenty uniform for test data)."""

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        return low + self.below(high - low + 1)

    def pick(self, options: tuple[str, ...]) -> str:
        return options[self.below(len(options))]


class Step(NamedTuple):
    """One event of an item's story, before it gets its place in the journal."""

    trigger: str
    from_state: str
    to_state: str
    actor: str
    note: str
    data: dict[str, Any]
    is_return: bool = False


@dataclass(frozen=True)
class Cast:
    """Who may act on each unit's items: its reporters, and supervisors from elsewhere."""

    reporters: dict[str, tuple[str, ...]]
    supervisors: dict[str, tuple[str, ...]]


@dataclass
class FillResult:
    events: int
    seconds: float
    db_bytes: int
    states: Counter = field(default_factory=Counter)
    returns: int = 0


# -- who acts ---------------------------------------------------------------------


def county_of(unit_id: str) -> str:
    """gen_province names units COUNTY-SUFFIX; any other checklist is one county."""
    return unit_id.partition("-")[0]


def cast_of(checklist: Checklist) -> Cast:
    supervisors = [p for p in checklist.people if "supervisor" in p.roles]
    if not supervisors:
        raise ValueError("the checklist declares no supervisor, so nothing could be verified")
    by_county: dict[str, list[Person]] = {}
    for person in supervisors:
        by_county.setdefault(county_of(person.unit), []).append(person)
    staff: dict[str, list[str]] = {}
    for person in checklist.people:
        if "supervisor" not in person.roles:
            staff.setdefault(person.unit, []).append(person.id)
    reporters, verifiers = {}, {}
    for unit in checklist.units:
        others = [p.id for p in by_county.get(county_of(unit.id), supervisors) if p.unit != unit.id]
        verifiers[unit.id] = tuple(others or (p.id for p in supervisors if p.unit != unit.id))
        reporters[unit.id] = tuple(staff.get(unit.id) or verifiers[unit.id])
    return Cast(reporters, verifiers)


def check_workflow(checklist: Checklist) -> None:
    """The stories follow the default workflow of DESIGN.md; refuse any other."""
    for workflow in checklist.workflows:
        states = {state.id for state in workflow.states}
        triggers = {t.trigger for t in workflow.transitions}
        if workflow.initial != PENDING or not {IN_PROGRESS, VERIFIED} <= states or not NEEDED_TRIGGERS <= triggers:
            raise ValueError(f"workflow {workflow.id!r} is not the default pending/in_progress/verified one")


# -- one item's story ---------------------------------------------------------------


def indicator_value(indicator: Indicator, met: bool, rng: Dice) -> float:
    """A value that meets the indicator's target, or one that misses it."""
    target = indicator.target
    if target is None:
        return float(rng.between(1, 500))
    step = float(rng.between(1, 5))
    if target.op == "==":
        value = target.value if met else target.value + step
    elif target.op in (">=", ">"):
        value = target.value + (step if target.op == ">" else 0.0) if met else target.value - step
    else:
        value = target.value - (step if target.op == "<" else 0.0) if met else target.value + step
    assert indicator.met_by(value) == met, (indicator, value, met)
    return value


def attach_data(evidence_id: str, name: str, rng: Dice) -> dict[str, Any]:
    """What tracker.attach stores: the evidence id, and the file's digest when one was given."""
    data: dict[str, Any] = {"evidence": evidence_id}
    if rng.random() < DIGEST_RATE:
        data.update(sha256=f"{rng.getrandbits(256):064x}", size=rng.between(20_000, 8_000_000), file=f"{name}.pdf")
    return data


def work_round(item: Item, reporter: Callable[[], str], rng: Dice, first: bool, met: bool) -> Iterator[Step]:
    """The owner unit's work of one round: attach evidence, then record the indicators."""
    duty = item.duty
    for evidence in duty.evidence:
        if first or rng.random() < RESUBMIT_RATE:
            yield Step("attach", IN_PROGRESS, IN_PROGRESS, reporter(), "", attach_data(evidence.id, evidence.name, rng))
    if duty.indicators:
        values = {i.id: indicator_value(i, met, rng) for i in duty.indicators}
        yield Step("record", IN_PROGRESS, IN_PROGRESS, reporter(), "", {"values": values})


def story(item: Item, cast: Cast, rng: Dice) -> Iterator[Step]:
    """Start, rounds of work (some returned), verify; reopened now and then."""
    reporters, supervisors = cast.reporters[item.unit.id], cast.supervisors[item.unit.id]

    def reporter() -> str:
        return rng.pick(reporters)

    def supervisor() -> str:
        return rng.pick(supervisors)

    yield Step("start", PENDING, IN_PROGRESS, reporter(), "", {})
    rounds, first = rng.between(*FIRST_ROUNDS), True
    while True:
        for number in range(rounds):
            last = number == rounds - 1
            yield from work_round(item, reporter, rng, first, last or rng.random() < MET_EARLY_RATE)
            first = False
            if not last and rng.random() < RETURN_RATE:
                yield Step("return", IN_PROGRESS, IN_PROGRESS, supervisor(), rng.pick(RETURN_NOTES),
                           {"returned": True}, True)
        yield Step("verify", IN_PROGRESS, VERIFIED, supervisor(), rng.pick(VERIFY_NOTES), {})
        if rng.random() >= REOPEN_RATE:
            return
        yield Step("reopen", VERIFIED, IN_PROGRESS, supervisor(), rng.pick(REOPEN_NOTES), {"returned": True}, True)
        rounds = rng.between(1, 2)


def interleave(checklist: Checklist, cast: Cast, rng: Dice, events: int) -> Iterator[tuple[str, Step]]:
    """Exactly ``events`` steps, taken from the items' stories in a random order."""
    pool = [(item.id, story(item, cast, rng)) for item in checklist.items if rng.random() >= UNTOUCHED_SHARE]
    produced = 0
    while produced < events:
        if not pool:
            raise ValueError(f"every story ended after {produced:,} events; use fewer --events or more units")
        index = rng.below(len(pool))
        item_id, steps = pool[index]
        step = next(steps, None)
        if step is None:
            pool[index] = pool[-1]
            pool.pop()
            continue
        produced += 1
        yield item_id, step


# -- the journal rows ---------------------------------------------------------------


def timestamps(rng: Dice, events: int) -> Iterator[str]:
    """Rising UTC times over the campaign, in the format of journal.utc_now()."""
    mean_gap = CAMPAIGN_DAYS * 86_400_000_000 // events
    micros = 0
    while True:
        micros += rng.below(2 * mean_gap + 1)
        moment = CAMPAIGN_START + dt.timedelta(microseconds=micros)
        yield moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def chained(steps: Iterator[tuple[str, Step]], times: Iterator[str], checklist_sha256: str,
            current: dict[str, tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Each step with its seq, time and hash, the body hashed as Writer.append hashes it.

    Yields (seq, item, trigger, from_state, to_state, actor, recorded_at, note, data,
    prev_hash, hash); ``current`` ends holding the rows Writer.append would have left.
    """
    prev_hash = GENESIS
    for seq, ((item_id, step), recorded_at) in enumerate(zip(steps, times), start=1):
        body = {"seq": seq, "item": item_id, "trigger": step.trigger, "from_state": step.from_state,
                "to_state": step.to_state, "actor": step.actor, "os_user": OS_USER, "recorded_at": recorded_at,
                "note": step.note, "data": step.data, "checklist_sha256": checklist_sha256, "prev_hash": prev_hash}
        digest = event_hash(body)
        yield (seq, item_id, step.trigger, step.from_state, step.to_state, step.actor, recorded_at, step.note,
               step.data, prev_hash, digest)
        returns = current[item_id][5] if item_id in current else 0
        current[item_id] = (item_id, step.to_state, seq, step.trigger, recorded_at, returns + int(step.is_return))
        prev_hash = digest


def event_row(event: tuple[Any, ...], checklist_sha256: str) -> tuple[Any, ...]:
    """The row Writer.append inserts, in EVENT_COLUMNS order, data as the JSON text it stores."""
    seq, item, trigger, from_state, to_state, actor, recorded_at, note, data, prev_hash, digest = event
    return (seq, item, trigger, from_state, to_state, actor, OS_USER, recorded_at, note, DATA_JSON(data),
            checklist_sha256, prev_hash, digest)


ROW_COLUMNS = ("seq", "item", "trigger", "from_state", "to_state", "actor", "os_user", "recorded_at", "note",
               "data", "checklist_sha256", "prev_hash", "hash")
if EVENT_COLUMNS != ROW_COLUMNS:
    raise ImportError(f"engine.journal.EVENT_COLUMNS changed to {EVENT_COLUMNS}; update event_row()")


# -- the store ---------------------------------------------------------------------


def write_store(db_path: str, checklist_id: str, checklist_sha256: str, inbox: Connection) -> None:
    """In the writer process: every chunk of events, then the current rows, in one transaction."""
    store = SQLiteStore(db_path, checklist_id)  # the real schema, triggers and pragmas
    # A file built from nothing needs no rollback journal and no fsync while it is built;
    # it goes back to WAL at the end, the mode every SQLiteStore finds it in.
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -262144"):
        store.conn.execute(f"PRAGMA {pragma}")
    try:
        with store.transaction() as tx:
            while (events := inbox.recv()) is not None:
                tx.conn.executemany(INSERT_EVENT, (event_row(event, checklist_sha256) for event in events))
            tx.conn.executemany(INSERT_CURRENT, inbox.recv())
        store.conn.execute("PRAGMA journal_mode = WAL")
    finally:
        store.close()


@contextmanager
def store_writer(db_path: str, checklist: Checklist) -> Iterator[Connection]:
    """A child process that stores what is sent to it, so SQLite works while Python hashes."""
    if os.path.exists(db_path):
        raise FileExistsError(f"{db_path} exists; the fill starts a journal from its first event")
    context = multiprocessing.get_context("fork")
    outbox, inbox = context.Pipe()
    process = context.Process(target=write_store, args=(db_path, checklist.id, checklist.sha256, inbox), daemon=True)
    process.start()
    inbox.close()
    broken = False
    try:
        yield outbox
    except BrokenPipeError:
        broken = True  # the writer died; its traceback is on stderr
    except BaseException:
        process.kill()
        raise
    finally:
        outbox.close()
        process.join()
    if broken or process.exitcode != 0:
        raise RuntimeError(f"the journal writer process failed (exit code {process.exitcode})")


def chunked(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def gc_paused() -> Iterator[None]:
    """Millions of short-lived containers make the cyclic GC rescan the model; none form cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def fill(checklist: Checklist, db_path: str, events: int = 1_000_000, seed: int = 1) -> FillResult:
    """Write ``events`` events into a new journal at ``db_path``; the same file for the same seed."""
    check_workflow(checklist)
    cast = cast_of(checklist)
    rng = Dice(seed)
    started = time.perf_counter()
    current: dict[str, tuple[Any, ...]] = {}
    hashed = chained(interleave(checklist, cast, rng, events), timestamps(rng, events), checklist.sha256, current)
    with gc_paused(), store_writer(db_path, checklist) as writer:
        for chunk in chunked(hashed, CHUNK):
            writer.send(chunk)
        writer.send(None)
        writer.send(list(current.values()))
    seconds = time.perf_counter() - started
    store = SQLiteStore(db_path, checklist.id, create=False)
    head_seq, _ = store.head()
    store.close()
    states = Counter(row[1] for row in current.values())
    states[PENDING] += len(checklist.items) - len(current)
    return FillResult(head_seq, seconds, os.path.getsize(db_path), states, sum(r[5] for r in current.values()))


# -- command line ---------------------------------------------------------------------


def describe(result: FillResult) -> str:
    states = ", ".join(f"{state} {count:,}" for state, count in sorted(result.states.items()))
    return (f"fill: {result.events:,} events in {result.seconds:.1f} s"
            f" ({result.events / result.seconds:,.0f}/s), db {result.db_bytes / 1e6:.1f} MB;"
            f" items: {states}; returns: {result.returns:,}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checklist", type=Path, help="checklist YAML (e.g. from gen_province.py)")
    parser.add_argument("--events", type=int, default=1_000_000, help="events to write (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--db", help="journal file to create (default: the .db beside the checklist)")
    args = parser.parse_args(argv)
    if args.events < 1:
        parser.error("--events must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        checklist = load_checklist(args.checklist)
        result = fill(checklist, args.db or default_db_path(str(args.checklist)), args.events, args.seed)
    except (OSError, ValueError, RuntimeError, RectifyError) as error:
        print(f"fill_journal: {error}", file=sys.stderr)
        return 1
    print(describe(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
