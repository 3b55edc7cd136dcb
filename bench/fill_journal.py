"""Fill a checklist's journal with many events, through the real operations.

Every event is taken by ``engine.operations.items`` (advance, record, attach)
inside one ``store.transaction()``, exactly as the CLI takes it, so the rules,
the hash chain and the ``current`` table are the engine's own and any later
change of them reaches the fill for free; `rectify audit` passes on the result.
A story the rules refuse stops the fill with the refusal: that is a bug here.

Each item follows the default workflow and its rules: a reporter of the
owner unit starts it, attaches evidence (with a file, mostly) and records
indicator values, round after round; a supervisor of another unit of the
same county returns it with a note, verifies it once every evidence is
attached and the last values meet their targets, and now and then reopens
it (回头看). The items' stories are interleaved in time, and the fill stops
at exactly ``events`` events, so it is a snapshot of a campaign in progress.
A small share of items is never touched (still pending).

While it fills, the store's clock and OS account are the campaign's rising
times and the fixed account ``bench``, so a seed gives the same file on every
machine.

    python bench/fill_journal.py CHECKLIST [--events 1000000] [--seed 1] [--db PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Optional

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import engine.journal.sqlite as sqlite_store  # noqa: E402
from engine.checklist.load import load_checklist  # noqa: E402
from engine.errors import RectifyError, Refused  # noqa: E402
from engine.journal.sqlite import SQLiteStore  # noqa: E402
from engine.journal.store import Transaction, default_db_path  # noqa: E402
from engine.model import Checklist, Indicator, Item, Person  # noqa: E402
from engine.operations import items  # noqa: E402

PENDING, IN_PROGRESS, VERIFIED = "pending", "in_progress", "verified"
NEEDED_TRIGGERS = {"start", "verify", "return", "reopen"}

UNTOUCHED_SHARE = 0.03  # items nobody has started
FIRST_ROUNDS = (3, 8)  # rounds of attach/record before the first verify
RETURN_RATE = 0.3  # chance of a 退回 after a round that is not the last
MET_EARLY_RATE = 0.4  # chance that a round's values already meet their targets
RESUBMIT_RATE = 0.5  # chance that evidence is attached again in a later round
FILE_RATE = 0.8  # share of attachments that come with a file
FILES_PER_EVIDENCE = 4  # distinct files per evidence id, reused across items

OS_USER = "bench"  # a fixed OS account keeps the file the same on every machine
CAMPAIGN_START = dt.datetime(2026, 10, 20, 0, 30, tzinfo=dt.timezone.utc)
CAMPAIGN_DAYS = 45
REOPEN_RATE = 0.1  # chance of 回头看重开 after a verify

RETURN_NOTES = ("佐证材料不全，请补充", "指标数据与台账不符，请核实", "取证证明缺少签章", "请按要求重新报送")
VERIFY_NOTES = ("资料齐全，验收合格", "实地核查通过，同意销号", "指标达标，准予销号")
REOPEN_NOTES = ("回头看发现问题反弹", "群众举报，重新整改", "复查不合格")


class Dice(random.Random):
    """Seeded draws, cheaper than randrange and choice (plenty uniform for test data)."""

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        return low + self.below(high - low + 1)

    def pick(self, options: tuple[str, ...]) -> str:
        return options[self.below(len(options))]


class Step(NamedTuple):
    """One operation of an item's story: ``advance`` (``what`` is the trigger), ``attach``
    (``what`` is the evidence id, ``file`` a path or None) or ``record`` (``values``)."""

    operation: str
    actor: str
    what: str = ""
    note: str = ""
    values: tuple[str, ...] = ()
    file: Optional[str] = None


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
        return float(rng.between(0, 100) if indicator.unit == "%" else rng.between(1, 500))
    step = float(rng.between(1, 5))
    if target.op == "==":
        value = target.value if met else target.value + step
    elif target.op in (">=", ">"):
        value = target.value + (step if target.op == ">" else 0.0) if met else target.value - step
    else:
        value = target.value - (step if target.op == "<" else 0.0) if met else target.value + step
    assert indicator.met_by(value) == met, (indicator, value, met)
    return value


def work_round(
    item: Item, reporter: Callable[[], str], files: Callable[[str], str], rng: Dice, first: bool, met: bool
) -> Iterator[Step]:
    """The owner unit's work of one round: attach evidence, then record the indicators."""
    duty = item.duty
    for evidence in duty.evidence:
        if first or rng.random() < RESUBMIT_RATE:
            path = files(evidence.id) if rng.random() < FILE_RATE else None
            yield Step("attach", reporter(), evidence.id, file=path)
    if duty.indicators:
        values = tuple(f"{i.id}={indicator_value(i, met, rng)!r}" for i in duty.indicators)
        yield Step("record", reporter(), values=values)


def story(item: Item, cast: Cast, files: Callable[[str], str], rng: Dice) -> Iterator[Step]:
    """Start, rounds of work (some returned), verify; reopened now and then."""
    reporters, supervisors = cast.reporters[item.unit.id], cast.supervisors[item.unit.id]

    def reporter() -> str:
        return rng.pick(reporters)

    def supervisor() -> str:
        return rng.pick(supervisors)

    yield Step("advance", reporter(), "start")
    rounds, first = rng.between(*FIRST_ROUNDS), True
    while True:
        for number in range(rounds):
            last = number == rounds - 1
            yield from work_round(item, reporter, files, rng, first, last or rng.random() < MET_EARLY_RATE)
            first = False
            if not last and rng.random() < RETURN_RATE:
                yield Step("advance", supervisor(), "return", rng.pick(RETURN_NOTES))
        yield Step("advance", supervisor(), "verify", rng.pick(VERIFY_NOTES))
        if rng.random() >= REOPEN_RATE:
            return
        yield Step("advance", supervisor(), "reopen", rng.pick(REOPEN_NOTES))
        rounds = rng.between(1, 2)


def interleave(
    checklist: Checklist, cast: Cast, files: Callable[[str], str], rng: Dice, events: int
) -> Iterator[tuple[str, Step]]:
    """Exactly ``events`` steps, taken from the items' stories in a random order."""
    pool = [(item.id, story(item, cast, files, rng)) for item in checklist.items if rng.random() >= UNTOUCHED_SHARE]
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


def evidence_files(checklist: Checklist, directory: Path, rng: Dice) -> Callable[[str], str]:
    """A few small files per evidence id in ``directory``; returns a picker of one of them."""
    paths: dict[str, tuple[str, ...]] = {}
    for evidence_id in sorted({e.id for duty in checklist.duties for e in duty.evidence}):
        names = []
        for number in range(FILES_PER_EVIDENCE):
            path = directory / f"{evidence_id}-{number}.pdf"
            path.write_bytes(b"%PDF-1.4\n" + rng.randbytes(rng.between(500, 4000)))
            names.append(str(path))
        paths[evidence_id] = tuple(names)
    return lambda evidence_id: rng.pick(paths[evidence_id])


# -- taking the steps -----------------------------------------------------------------


def take(checklist: Checklist, tx: Transaction, item_id: str, step: Step) -> None:
    """One step through the operation the CLI would call for it."""
    if step.operation == "advance":
        items.advance(checklist, tx, step.actor, item_id, step.what, note=step.note)
    elif step.operation == "attach":
        items.attach(checklist, tx, step.actor, item_id, step.what, step.file)
    else:
        items.record(checklist, tx, step.actor, item_id, list(step.values))


def timestamps(rng: Dice, events: int) -> Iterator[str]:
    """Rising UTC times over the campaign, in the format of the store's clock (chain.utc_now)."""
    mean_gap = CAMPAIGN_DAYS * 86_400_000_000 // events
    micros = 0
    while True:
        micros += rng.below(2 * mean_gap + 1)
        moment = CAMPAIGN_START + dt.timedelta(microseconds=micros)
        yield moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


@contextmanager
def campaign_clock(times: Iterator[str]) -> Iterator[None]:
    """The SQLite store stamps each event with ``utc_now()`` and ``os_user()``; during the fill
    they are the campaign's times and the fixed account, so the file is the same everywhere."""
    saved = sqlite_store.utc_now, sqlite_store.os_user
    sqlite_store.utc_now, sqlite_store.os_user = times.__next__, lambda: OS_USER
    try:
        yield
    finally:
        sqlite_store.utc_now, sqlite_store.os_user = saved


@contextmanager
def fsync_deferred() -> Iterator[None]:
    """The evidence store fsyncs each file it keeps, as a real attach must; a benchmark journal
    built from nothing needs no durability until it is finished (the SQLite writes are one
    transaction), so while it fills os.fsync does nothing. What is written is unchanged."""
    saved = os.fsync
    os.fsync = lambda fd: None
    try:
        yield
    finally:
        os.fsync = saved


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
    """Take ``events`` steps into a new journal at ``db_path``, all in one transaction."""
    check_workflow(checklist)
    if os.path.exists(db_path):
        raise FileExistsError(f"{db_path} exists; the fill starts a journal from its first event")
    cast, rng = cast_of(checklist), Dice(seed)
    started = time.perf_counter()
    SQLiteStore.init(db_path, checklist.id)[0].close()  # `rectify init`
    store = SQLiteStore(db_path, checklist.id, checklist_source=checklist.file_bytes)
    try:
        with tempfile.TemporaryDirectory(prefix="rectify-fill-") as scratch:
            files = evidence_files(checklist, Path(scratch), rng)
            steps = interleave(checklist, cast, files, rng, events)
            with gc_paused(), fsync_deferred(), campaign_clock(timestamps(rng, events)), store.transaction() as tx:
                for item_id, step in steps:
                    try:
                        take(checklist, tx, item_id, step)
                    except Refused as refused:
                        raise RuntimeError(
                            f"the rules refused a step of the story of {item_id} {step}: {refused}"
                        ) from None
        seconds = time.perf_counter() - started
        head_seq, _ = store.head()
        current = store.current()
        if store.item_events(next(iter(current)))[0].os_user != OS_USER:
            raise RuntimeError(
                "the store no longer stamps events with engine.journal.sqlite.os_user(); update campaign_clock()"
            )
    finally:
        store.close()
    states = Counter(row.state for row in current.values())
    states[checklist.workflows[0].initial] += len(checklist.items) - len(current)
    return FillResult(head_seq, seconds, os.path.getsize(db_path), states, sum(r.returns for r in current.values()))


# -- command line ---------------------------------------------------------------------


def describe(result: FillResult) -> str:
    states = ", ".join(f"{state} {count:,}" for state, count in sorted(result.states.items()))
    return (
        f"fill: {result.events:,} events in {result.seconds:.1f} s"
        f" ({result.events / result.seconds:,.0f}/s), db {result.db_bytes / 1e6:.1f} MB;"
        f" items: {states}; returns: {result.returns:,}"
    )


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
