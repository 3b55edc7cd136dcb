"""Time ``import`` of a 100,000-row sheet for the generated province against its floor.

One run: generate the province checklist (gen_province.py, ~93,000 items),
write a 100,000-row template-shaped xlsx (Chinese headers in row 1, field ids
in row 2): every item's 启动整改 with a note and a value of its duty's first
indicator, then note-only rows to make up 100,000. Then, each in a fresh
process on a fresh, empty journal:

  floor    openpyxl read-only read of the same sheet + one bare executemany of
           the rows into SQLite (WAL, synchronous=FULL, one transaction)
  import   engine.operations.imports.import_sheets: every row checked through
           the rules, then every event appended and hash-chained in one transaction

Aim: import at least 25% of the floor's rows per second; peak RSS under 500 MB.
Peak RSS is the child's own (resource.getrusage in the child).

    python bench/bench_import.py [--rows 100000] [--units 7000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Optional

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH)]

AIM_SHARE, PEAK_AIM_MB = 0.25, 500.0


def write_sheet(
    checklist_path: Path,
    sheet: Path,
    rows: int,
    states: Optional[Mapping[str, str]] = None,
    reporters: bool = False,
) -> tuple[int, str]:
    """A filled sheet of ``rows`` rows; returns (rows, the importing supervisor's id).

    ``states``: the journal's state of each item (``None``: a new journal, every item in its
    initial state). An item in its initial state gets a 启动整改 row with a value of its duty's
    first indicator, the first time it comes up; every other row is a note, on items not in a
    final state (where a note is refused). ``reporters``: a 填报人 column naming each item's
    unit's first person, so every event is recorded as that reporter, entered by the importer.
    """
    from openpyxl import Workbook

    from engine.checklist.load import load_checklist

    checklist = load_checklist(checklist_path)
    indicators = sorted({i.id for d in checklist.duties for i in d.indicators})
    reporter_of: dict[str, str] = {}
    for person in checklist.people:
        reporter_of.setdefault(person.unit, person.id)
    head, fields = ["任务编号", "办理步骤", "情况说明"], ["item", "trigger", "note"]
    if reporters:
        head, fields = head + ["填报人"], fields + ["reporter"]
    states = states or {}
    open_items, to_start = [], set()
    for item in checklist.items:
        workflow = checklist.workflow_of(item)
        state = states.get(item.id, workflow.initial)
        if state == workflow.initial:
            to_start.add(item.id)
        if not workflow.state_by_id[state].final:
            open_items.append(item)
    if not open_items:
        raise ValueError("every item is in a final state: no row of the sheet could be recorded")
    book = Workbook(write_only=True)
    out = book.create_sheet("全省")
    out.append(head + indicators)
    out.append(fields + [f"value:{i}" for i in indicators])
    for n in range(rows):
        item = open_items[n % len(open_items)]
        values: list[object] = [None] * len(indicators)
        if item.id in to_start:
            to_start.discard(item.id)
            cells: list[object] = [item.id, "启动整改", "已部署整改"]
            if item.duty.indicators:
                values[indicators.index(item.duty.indicators[0].id)] = 100
        else:
            cells = [item.id, None, f"第{n}行：补充说明"]
        out.append(cells + ([reporter_of[item.unit.id]] if reporters else []) + values)
    book.save(sheet)
    supervisor = next(p.id for p in checklist.people if "supervisor" in p.roles)
    return rows, supervisor


def run_floor(sheet: Path, db: Path) -> int:
    from openpyxl import load_workbook

    book = load_workbook(sheet, read_only=True, data_only=True)
    rows = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
    book.close()
    width = max(len(r) for r in rows)
    rows = [tuple(r) + (None,) * (width - len(r)) for r in rows]
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(f"CREATE TABLE sheet ({', '.join(f'c{i}' for i in range(width))})")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO sheet VALUES ({', '.join('?' * width)})", rows)
    conn.execute("COMMIT")
    conn.close()
    return len(rows)


def run_import(checklist_path: Path, sheet: Path, db: Path, importer: str) -> int:
    from engine.checklist.load import load_checklist
    from engine.journal.sqlite import SQLiteStore
    from engine.operations.imports import import_sheets

    checklist = load_checklist(checklist_path)
    SQLiteStore.init(str(db), checklist.id)[0].close()  # `rectify init`
    store = SQLiteStore(str(db), checklist.id, checklist_source=checklist.file_bytes)
    started = time.perf_counter()
    result = import_sheets(checklist, store, importer, [str(sheet)])
    print(
        json.dumps({"events": len(result.recorded), "import_seconds": time.perf_counter() - started}), file=sys.stderr
    )
    store.close()
    return sum(outcome.rows for outcome in result.files)


def child(args: argparse.Namespace) -> None:
    work = Path(args.workdir)
    started = time.perf_counter()
    if args.run == "floor":
        rows = run_floor(work / "sheet.xlsx", work / "floor.db")
    else:
        rows = run_import(work / "province.yaml", work / "sheet.xlsx", work / "province.db", args.importer)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak}))


def measure(kind: str, work: Path, importer: str) -> dict:
    for name in ("floor.db", "province.db"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work / name}{suffix}").unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, __file__, "--run", kind, "--workdir", str(work), "--importer", importer],
        capture_output=True,
        text=True,
        check=True,
    )
    if out.stderr.strip():
        print(f"  {kind}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=7000)
    parser.add_argument("--workdir")
    parser.add_argument("--run", choices=["floor", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--importer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        child(args)
        return 0
    from gen_province import generate

    work = Path(args.workdir or tempfile.mkdtemp(prefix="rectify-import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "province.yaml").write_text(generate(args.units, 1), encoding="utf-8")
    started = time.perf_counter()
    rows, importer = write_sheet(work / "province.yaml", work / "sheet.xlsx", args.rows)
    size = (work / "sheet.xlsx").stat().st_size
    print(f"sheet: {rows:,} rows, {size / 1e6:.1f} MB, written in {time.perf_counter() - started:.1f} s ({work})")
    floor = measure("floor", work, importer)
    ours = measure("import", work, importer)
    for name, run in (("floor", floor), ("import", ours)):
        print(
            f"{name:7} {run['rows'] / run['seconds']:9,.0f} rows/s  {run['seconds']:6.1f} s  "
            f"peak {run['peak_mb']:5.0f} MB"
        )
    share = (ours["rows"] / ours["seconds"]) / (floor["rows"] / floor["seconds"])
    print(
        f"import runs at {share:.0%} of the floor's rows/s (aim >= {AIM_SHARE:.0%}); "
        f"peak {ours['peak_mb']:.0f} MB (aim < {PEAK_AIM_MB:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
