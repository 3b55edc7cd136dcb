"""Floor for `rectify status --format json`: one JSON object per item, and nothing more.

What any status listing must do at the least: start Python, read the item
list from a compiled form (a plain JSON sidecar that bench_journal.py writes
from the checklist: units, and duties with their owner units), read the
``current`` table of the journal with one SQL query, join the two so that
items without events show their initial state, and dump the rows as JSON.

It does not derive what rectify adds per row (state label, days left, traffic
light, overdue, last step label, local time of the last step), and it writes
compact JSON where rectify indents; so it is a lower bound, not a rival.

    python bench/floor_status.py SIDECAR.json JOURNAL.db > rows.json
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from typing import Any

CURRENT_SQL = "SELECT item, state, seq, trigger, recorded_at, returns FROM current"


def items(sidecar: dict[str, Any]) -> Iterator[tuple[str, str, str, list[Any]]]:
    """(item id, unit id, unit name, duty) in the checklist's order: units first, then duties."""
    duties_of: dict[str, list[list[Any]]] = {}
    for duty in sidecar["duties"]:
        for unit_id in duty[4]:
            duties_of.setdefault(unit_id, []).append(duty)
    for unit_id, unit_name in sidecar["units"]:
        for duty in duties_of.get(unit_id, ()):
            yield f"{unit_id}/{duty[0]}", unit_id, unit_name, duty


def status_rows(sidecar: dict[str, Any], db_path: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db_path)
    current = {row[0]: row for row in conn.execute(CURRENT_SQL)}
    conn.close()
    initial = sidecar["initial"]
    rows = []
    for item_id, unit_id, unit_name, (duty_id, title, deadline, veto, _owners) in items(sidecar):
        _item, state, seq, trigger, recorded_at, returns = current.get(item_id) or (item_id, initial, 0, "", "", 0)
        rows.append(
            {
                "item": item_id,
                "unit": unit_id,
                "unit_name": unit_name,
                "duty": duty_id,
                "title": title,
                "deadline": deadline,
                "veto": veto,
                "state": state,
                "seq": seq,
                "trigger": trigger,
                "recorded_at": recorded_at,
                "returns": returns,
            }
        )
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        sidecar = json.load(f)
    sys.stdout.write(json.dumps(status_rows(sidecar, argv[2]), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
