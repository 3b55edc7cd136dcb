"""Floor for `rectify summary --format json`: the same answer, the same bytes, with nothing else.

What a per-unit summary must do at the least: start Python, read the units and the duties
each owns from a compiled form (the JSON sidecar bench_journal.py writes), read what each
item's standing depends on from the ``current`` table (state, returns, extended deadline) with
one query, count per unit the items in each state and at each escalation level, the overdue
ones and the open veto items, give % verified, sort worst first (红黑榜), and dump one JSON
object per unit, one per line. bench_journal.py checks that its output and rectify's are the
same bytes.

Like floor_status.py it covers what the benchmark's province uses: calendar days, no aims.

    python bench/floor_summary.py SIDECAR.json JOURNAL.db > summary.json
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import sqlite3
import sys
from typing import Any

from floor_status import dump, items, level

POSITIONS_SQL = "SELECT item, state, returns, deadline FROM current"


def summary_rows(sidecar: dict[str, Any], db_path: str, today: dt.date) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db_path)
    positions = {row[0]: row for row in conn.execute(POSITIONS_SQL)}
    conn.close()
    finals, ladder = set(sidecar["final_states"]), sidecar["escalation"]
    zeros = {**{f"state_{s}": 0 for s in sidecar["states"]}, **{f"level_{rung[0]}": 0 for rung in ladder}}
    groups: dict[str, dict[str, Any]] = {}
    derived: dict[tuple[str, str, int, bool], tuple[Any, ...]] = {}  # what an item adds, once per kind
    for item_id, (unit_id, unit_name), duty in items(sidecar):
        _item, state, returns, extended = positions.get(item_id) or (item_id, sidecar["initial"], 0, None)
        group = groups.get(unit_id)
        if group is None:
            group = groups[unit_id] = {
                "unit": unit_id,
                "unit_name": unit_name,
                "items": 0,
                **zeros,
                "verified_pct": 0.0,
                "overdue": 0,
                "veto_open": 0,
            }
        kind = (state, extended or duty["deadline"], returns, duty["veto"])
        if kind not in derived:
            final = state in finals
            late = (today - dt.date.fromisoformat(kind[1])).days
            overdue = late > 0 and not final
            rung = level(ladder, final, returns, late if overdue else 0)
            derived[kind] = (f"state_{state}", f"level_{rung}" if rung else None, overdue, duty["veto"] and not final)
        count, rung_key, overdue, veto_open = derived[kind]
        group["items"] += 1
        group[count] += 1
        if rung_key is not None:
            group[rung_key] += 1
        group["overdue"] += overdue
        group["veto_open"] += veto_open
    for group in groups.values():
        done = sum(group[f"state_{s}"] for s in finals)
        group["verified_pct"] = round(100.0 * done / group["items"], 1)
    return sorted(groups.values(), key=lambda g: (-g["veto_open"], -g["overdue"], g["verified_pct"], g["unit"]))


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    gc.disable()  # a short process that keeps every row it makes: no collection finds garbage
    with open(argv[1], encoding="utf-8") as f:
        sidecar = json.load(f)
    today = dt.date.fromisoformat(os.environ.get("RECTIFY_TODAY") or dt.date.today().isoformat())
    sys.stdout.write(dump(summary_rows(sidecar, argv[2], today), first_key="unit"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
