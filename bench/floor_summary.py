"""Floor for `rectify summary --format json`: item counts per unit and state, in SQL.

What a per-unit summary must do at the least: start Python, count the
``current`` rows per unit and state with one GROUP BY, read the units and
how many items each owns from the JSON sidecar bench_journal.py writes (the
items without events are in their duty's initial state), and dump one JSON
object per unit with its counts and % verified.

It does not count overdue or open veto items (rectify does, from each item's
deadline and veto mark), nor sort worst first; so it is a lower bound.

    python bench/floor_summary.py SIDECAR.json JOURNAL.db > summary.json
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections import Counter
from typing import Any

COUNT_SQL = "SELECT substr(item, 1, instr(item, '/') - 1) AS unit, state, count(*) FROM current GROUP BY unit, state"


def owned(sidecar: dict[str, Any]) -> dict[str, Counter]:
    """Per unit: its items, all in the initial state as long as nothing has happened."""
    counts: dict[str, Counter] = {}
    for _duty_id, _title, _deadline, _veto, owners in sidecar["duties"]:
        for unit_id in owners:
            counts.setdefault(unit_id, Counter())[sidecar["initial"]] += 1
    return counts


def summary_rows(sidecar: dict[str, Any], db_path: str) -> list[dict[str, Any]]:
    counts, initial = owned(sidecar), sidecar["initial"]
    conn = sqlite3.connect(db_path)
    for unit_id, state, number in conn.execute(COUNT_SQL):
        counts[unit_id][initial] -= number  # items with events: counted by their current state
        counts[unit_id][state] += number
    conn.close()
    final = set(sidecar["final_states"])
    rows = []
    for unit_id, name in sidecar["units"]:
        if unit_id in counts:
            states = counts[unit_id]
            items = sum(states.values())
            done = sum(n for state, n in states.items() if state in final)
            rows.append(
                {
                    "unit": unit_id,
                    "name": name,
                    "items": items,
                    **{state: states[state] for state in sidecar["states"]},
                    "pct_verified": round(100.0 * done / items, 1),
                }
            )
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        sidecar = json.load(f)
    sys.stdout.write(json.dumps(summary_rows(sidecar, argv[2]), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
