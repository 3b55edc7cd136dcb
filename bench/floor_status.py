"""Floor for `rectify status --format json`: the same answer, the same bytes, with nothing else.

What any status listing must do at the least: start Python, read the item list from a compiled
form (a plain JSON sidecar that bench_journal.py writes from the checklist), read the
``current`` table of the journal with one SQL query, join the two so that items without events
show their initial state, derive what each row shows (state label, deadline in force, days
left, traffic light, overdue, escalation level), and dump the rows as JSON, one per line, with
the control and bidi characters escaped. bench_journal.py checks that its output and
rectify's are the same bytes, so the ratio between them is rectify's own cost: reading and
checking the checklist, the rules, and the engine's general code paths.

It covers only what the benchmark's province uses: no working-day calendar (days are calendar
days) and no indicator aims (``aims_unmet`` is empty); the sidecar writer refuses other
checklists.

    python bench/floor_status.py SIDECAR.json JOURNAL.db > rows.json
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from typing import Any

CURRENT_SQL = (
    "SELECT item, state, returns, deadline, trigger, note, "
    "strftime('%Y-%m-%d %H:%M', recorded_at, 'localtime') FROM current"
)
UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def items(sidecar: dict[str, Any]) -> Iterator[tuple[str, list[Any], dict[str, Any]]]:
    """(item id, unit, duty) in the checklist's order: units first, then their duties."""
    duties_of: dict[str, list[dict[str, Any]]] = {}
    for duty in sidecar["duties"]:
        for unit_id in duty["owners"]:
            duties_of.setdefault(unit_id, []).append(duty)
    for unit in sidecar["units"]:
        for duty in duties_of.get(unit[0], ()):
            yield f"{unit[0]}/{duty['id']}", unit, duty


def level(ladder: list[list[Any]], final: bool, returns: int, late: int) -> Any:
    """The highest rung whose condition holds: [id, label, returns, overdue days]."""
    if final:
        return None
    for rung in reversed(ladder):
        if (rung[2] is not None and returns >= rung[2]) or (rung[3] is not None and late > 0 and late >= rung[3]):
            return rung[0]
    return None


def status_rows(sidecar: dict[str, Any], db_path: str, today: dt.date) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db_path)
    current = {row[0]: row for row in conn.execute(CURRENT_SQL)}
    conn.close()
    labels, finals, warning = sidecar["state_labels"], set(sidecar["final_states"]), sidecar["warning_days"]
    derived: dict[tuple[str, str, int], tuple[Any, ...]] = {}  # what a row derives, once per kind
    rows = []
    for item_id, (unit_id, unit_name), duty in items(sidecar):
        _item, state, returns, extended, trigger, note, local = current.get(item_id) or (
            item_id,
            sidecar["initial"],
            0,
            None,
            "",
            "",
            "",
        )
        deadline = extended or duty["deadline"]
        kind = (state, deadline, returns)
        if kind not in derived:
            final, left = state in finals, (dt.date.fromisoformat(deadline) - today).days
            overdue = left < 0 and not final
            light = None if final else ("red" if overdue else ("yellow" if left <= warning else "green"))
            rung = level(sidecar["escalation"], final, returns, -left if overdue else 0)
            derived[kind] = (None if final else left, light, overdue, rung)
        left, light, overdue, rung = derived[kind]
        rows.append(
            {
                "item": item_id,
                "unit": unit_id,
                "unit_name": unit_name,
                "duty": duty["id"],
                "title": duty["title"],
                "ref": duty["ref"],
                "state": state,
                "state_label": labels[state],
                "deadline": deadline,
                "original_deadline": duty["deadline"] if extended else None,
                "days_left": left,
                "light": light,
                "overdue": overdue,
                "veto": duty["veto"],
                "level": rung,
                "returns": returns,
                "last_step": trigger,
                "last_at": local,
                "last_note": note or None,
                "aims_unmet": [],
            }
        )
    return rows


def dump(rows: list[dict[str, Any]], first_key: str = "item") -> str:
    """rectify's json layout: one row per line, control and bidi characters as \\uXXXX."""
    if not rows:
        return "[]\n"
    boundary = "}, {" + json.dumps(first_key) + ": "
    text = json.dumps(rows, ensure_ascii=False)[1:-1].replace(boundary, "},\n  {" + json.dumps(first_key) + ": ")
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", "[\n  " + text + "\n]\n")


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    gc.disable()  # a short process that keeps every row it makes: no collection finds garbage
    with open(argv[1], encoding="utf-8") as f:
        sidecar = json.load(f)
    today = dt.date.fromisoformat(os.environ.get("RECTIFY_TODAY") or dt.date.today().isoformat())
    sys.stdout.write(dump(status_rows(sidecar, argv[2], today)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
