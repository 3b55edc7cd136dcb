"""``import``: apply filled sheets (xlsx or csv) through the rules of advance/record/attach/note.

Two phases, so a large file does not block other clerks: every row is first
checked against a read of the journal, through an overlay transaction that
keeps the planned events in memory (the same operations and rules as the
single commands); then, only if every row passed, one short write
transaction appends them. If someone wrote in between, the plan is made
again inside the write transaction, so no rule is checked against stale
facts. Each file's sha256 becomes an ``@import/SHA`` event: the same file a
second time records nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Optional

from engine.errors import Refused
from engine.formats.sheets import SheetFile, SheetRow, Table, read_sheet_file
from engine.i18n import _
from engine.journal.chain import Draft, Event, ItemRow
from engine.journal.evidence import StoredFile, display_name, open_regular, sha256_of
from engine.journal.store import Reader, Store
from engine.model import Checklist, Item, Person
from engine.operations import items

# Field ids of a sheet's hidden row 2 (and a csv's first row).
INPUT_FIELDS = ("item", "reporter", "trigger", "note", "deadline")
# Columns a template shows for reading only; import ignores what is in them.
INFO_FIELDS = ("ref", "title", "unit_name", "state", "due", "needs")
VALUE_PREFIX, EVIDENCE_PREFIX = "value:", "evidence:"
# Evidence without a file (paper copies handed in) is marked with one of these words.
HANDED_IN = ("已提交", "已报送", "submitted")
IMPORT_ITEM = "@import/{sha256}"
IMPORT_TRIGGER = "import"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Located:
    """A problem at a file, sheet, row and column."""

    file: str
    sheet: str
    row: int
    column: str  # letter
    field: str
    message: str

    def __str__(self) -> str:
        where = _("{file}, sheet {sheet}").format(file=self.file, sheet=self.sheet) if self.sheet else self.file
        return _("{where}, row {row}, column {column} ({field}): {message}").format(
            where=where, row=self.row, column=self.column, field=self.field, message=self.message
        )


@dataclass
class FileOutcome:
    """One imported file: its name, digest, rows, and its earlier import if any."""

    name: str
    sha256: str
    rows: int
    earlier: Optional[Event] = None  # the import event of the same bytes, if already imported


@dataclass
class ImportResult:
    """What an import did or would do: the files read, the events planned and recorded."""

    files: list[FileOutcome]
    planned: list[Draft]  # what is (or, with --dry-run, would be) recorded, in order
    notices: list[str] = field(default_factory=list)
    recorded: list[Event] = field(default_factory=list)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def strip_quote(value: Any) -> str:
    """A cell as text: blanks trimmed, one leading apostrophe (csv's formula guard) removed."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):  # a date cell (延期至) comes back as a datetime
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text


class PlannedTransaction:
    """A Transaction over a reader that keeps appended events in memory (the check phase).

    Each event gets ``entered_by``; files are stored for real only with ``keep_files``
    (an orphan blob, if the import is then refused, is harmless).
    """

    def __init__(self, base: Reader, store: Store, entered_by: str, keep_files: bool):
        self.base, self.store, self.entered_by, self.keep_files = base, store, entered_by, keep_files
        self.seq, self.head_hash = base.head()
        self.planned: list[tuple[Draft, Optional[ItemRow]]] = []
        self.pending: dict[str, list[Event]] = {}  # item -> its events, journal's and planned
        self.appended: list[Event] = []

    def item_events(self, item: str) -> list[Event]:
        if item not in self.pending:
            self.pending[item] = self.base.item_events(item)
        return self.pending[item]

    def append(self, draft: Draft, row: Optional[ItemRow]) -> Event:
        draft = Draft(
            draft.item,
            draft.trigger,
            draft.from_state,
            draft.to_state,
            draft.actor,
            draft.note,
            draft.checklist_sha256,
            {**draft.data, "entered_by": self.entered_by},
        )
        self.planned.append((draft, row))
        self.seq += 1
        event = Event(
            self.seq,
            draft.item,
            draft.trigger,
            draft.from_state,
            draft.to_state,
            draft.actor,
            "",
            "",
            draft.note,
            draft.data,
            draft.checklist_sha256,
            "",
            "",
        )
        self.item_events(draft.item).append(event)
        self.appended.append(event)
        return event

    def put_file(self, path: str | os.PathLike[str]) -> StoredFile:
        if self.keep_files:
            return self.store.put_file(path)
        with os.fdopen(open_regular(path), "rb") as f:
            return StoredFile(*sha256_of(f))

    def open_file(self, sha256: str) -> BinaryIO:
        return self.base.open_file(sha256)

    def stored_files(self) -> Iterator[StoredFile]:
        return self.base.stored_files()

    def events(self) -> Iterator[Event]:
        return self.base.events()

    def current(self, unit: Optional[str] = None) -> dict[str, Any]:
        return self.base.current(unit)

    def positions(self) -> dict[str, Any]:
        return self.base.positions()

    def states(self) -> dict[str, str]:
        return self.base.states()

    def head(self) -> tuple[int, str]:
        return self.base.head()

    def events_under(self, prefix: str) -> list[Event]:
        return self.base.events_under(prefix) + [e for e in self.appended if e.item.startswith(prefix)]

    def checklist_source(self, sha256: str) -> Optional[bytes]:
        return self.base.checklist_source(sha256)

    def append_only_guards(self) -> set[str]:
        return self.base.append_only_guards()


def import_sheets(
    checklist: Checklist,
    store: Store,
    importer_id: Optional[str],
    paths: list[str],
    files_dir: Optional[str] = None,
    dry_run: bool = False,
    progress: Optional[Progress] = None,
) -> ImportResult:
    """Check every row of every file, then record them all in one transaction (or nothing)."""
    importer = items.resolve_actor(checklist, importer_id)
    allowed = checklist.permissions.get("import", ())
    if not any(role in importer.roles for role in allowed):
        raise Refused(
            [
                _("{person} may not import sheets (the import permission: {roles})").format(
                    person=importer.name,
                    roles=", ".join(checklist.role_labels.get(r, r) for r in allowed) or _("nobody"),
                )
            ]
        )
    sheets = [_read(path) for path in paths]
    result = ImportResult([FileOutcome(s.name, s.sha256, s.row_count) for s in sheets], [])
    for sheet in sheets:
        result.notices.extend(sheet.notices)
    with store.snapshot() as reader:
        plan = _plan(checklist, reader, store, importer, sheets, result, files_dir, dry_run, progress)
    result.planned = [draft for draft, _row in plan.planned]
    if dry_run or not plan.planned:
        return result
    with store.transaction() as tx:
        if tx.head() != (plan.seq - len(plan.planned), plan.head_hash):
            plan = _plan(checklist, tx, store, importer, sheets, result, files_dir, False, None)
        result.recorded = [tx.append(draft, row) for draft, row in plan.planned]
    result.planned = [draft for draft, _row in plan.planned]
    return result


def _read(path: str) -> SheetFile:
    with os.fdopen(open_regular(path), "rb") as f:
        data = f.read()
    return read_sheet_file(path, data, display_name(path))


def _plan(
    checklist: Checklist,
    reader: Reader,
    store: Store,
    importer: Person,
    sheets: list[SheetFile],
    result: ImportResult,
    files_dir: Optional[str],
    dry_run: bool,
    progress: Optional[Progress],
) -> PlannedTransaction:
    tx = PlannedTransaction(reader, store, importer.id, keep_files=not dry_run)
    problems: list[Located] = []
    total, done = sum(s.row_count for s in sheets), 0
    for sheet, outcome in zip(sheets, result.files):
        earlier = reader.item_events(IMPORT_ITEM.format(sha256=sheet.sha256))
        outcome.earlier = earlier[0] if earlier else None
        if outcome.earlier is not None or any(
            o.sha256 == sheet.sha256 for o in result.files[: result.files.index(outcome)]
        ):
            done += sheet.row_count
            continue
        folder = files_dir or os.path.dirname(os.path.abspath(sheet.path))
        for table in sheet.tables:
            problems.extend(_check_columns(checklist, table))
        if problems:
            continue
        rows_before = len(tx.planned)
        for table in sheet.tables:
            for row in table.rows:
                problems.extend(_apply_row(checklist, tx, importer, table, row, folder))
                done += 1
                if progress is not None and done % 500 == 0:
                    progress(done, total)
        data = {"file": sheet.name, "rows": sheet.row_count, "events": len(tx.planned) - rows_before}
        tx.append(
            Draft(
                IMPORT_ITEM.format(sha256=sheet.sha256), IMPORT_TRIGGER, "", "", importer.id, "", checklist.sha256, data
            ),
            None,
        )
    if progress is not None:
        progress(total, total)
    if problems:
        raise Refused([str(p) for p in problems], _("nothing imported; {n} problem(s):").format(n=len(problems)))
    return tx


def _check_columns(checklist: Checklist, table: Table) -> list[Located]:
    problems = []
    indicators = {i.id for d in checklist.duties for i in d.indicators}
    evidence = {e.id for d in checklist.duties for e in d.evidence}
    first: dict[str, int] = {}
    for index, name in enumerate(table.fields):
        if name and name in first:  # two cells would compete for one field: which one meant?
            problems.append(
                Located(
                    table.file,
                    table.sheet,
                    table.header_row,
                    column_letter(index),
                    name,
                    _("column {name!r} appears twice (first in column {column})").format(
                        name=name, column=column_letter(first[name])
                    ),
                )
            )
            continue
        first.setdefault(name, index)
        if not name or name in INPUT_FIELDS or name in INFO_FIELDS:
            continue
        kind, _sep, key = name.partition(":")
        if (kind + ":" == VALUE_PREFIX and key in indicators) or (kind + ":" == EVIDENCE_PREFIX and key in evidence):
            continue
        problems.append(
            Located(
                table.file,
                table.sheet,
                table.header_row,
                column_letter(index),
                name,
                _("unknown column {name!r}; known: {known}, value:INDICATOR, evidence:EVIDENCE").format(
                    name=name, known=", ".join(INPUT_FIELDS + INFO_FIELDS)
                ),
            )
        )
    return problems


@dataclass
class _Row:
    """A spreadsheet row being checked, with its cells by field."""

    table: Table
    row: SheetRow
    cells: dict[str, str]

    def where(self, name: str, message: str) -> Located:
        index = self.table.fields.index(name) if name in self.table.fields else 0
        return Located(self.table.file, self.table.sheet, self.row.number, column_letter(index), name, message)


def _apply_row(
    checklist: Checklist, tx: PlannedTransaction, importer: Person, table: Table, sheet_row: SheetRow, folder: str
) -> list[Located]:
    cells = {
        name: strip_quote(sheet_row.cells[i] if i < len(sheet_row.cells) else None)
        for i, name in enumerate(table.fields)
        if name and name not in INFO_FIELDS
    }
    row = _Row(table, sheet_row, cells)
    beyond = [i for i in range(len(table.fields), len(sheet_row.cells)) if strip_quote(sheet_row.cells[i])]
    if beyond:  # data under no header would be silently dropped
        return [
            Located(
                table.file,
                table.sheet,
                sheet_row.number,
                column_letter(beyond[0]),
                "",
                _("a value in a column with no field id in the header row"),
            )
        ]
    values = {k[len(VALUE_PREFIX) :]: v for k, v in cells.items() if k.startswith(VALUE_PREFIX) and v}
    evidence = {k[len(EVIDENCE_PREFIX) :]: v for k, v in cells.items() if k.startswith(EVIDENCE_PREFIX) and v}
    step, note, deadline = cells.get("trigger", ""), cells.get("note", ""), cells.get("deadline", "")
    if not (values or evidence or step or note or deadline):
        return []  # a template row nobody filled in
    try:
        item = items.resolve_item(checklist, cells.get("item", ""))
    except Refused as e:
        return [row.where("item", "; ".join(e.reasons))]
    try:
        actor = _reporter(checklist, item, cells.get("reporter", ""), importer)
    except Refused as e:
        return [row.where("reporter", "; ".join(e.reasons))]
    problems: list[Located] = []
    bad_values = []
    for indicator_id, text in values.items():  # each value on its own first, to name its column
        before = len(problems)
        _try(
            problems,
            row,
            VALUE_PREFIX + indicator_id,
            functools.partial(items.parse_values, item, [f"{indicator_id}={text}"]),
        )
        if len(problems) > before:
            bad_values.append(indicator_id)
    if values and not bad_values:
        assignments = [f"{k}={v}" for k, v in values.items()]
        _try(
            problems,
            row,
            _first(cells, VALUE_PREFIX),
            lambda: items.record(checklist, tx, actor.id, item.id, assignments),
        )
    for evidence_id, text in evidence.items():
        _try(
            problems,
            row,
            EVIDENCE_PREFIX + evidence_id,
            functools.partial(_attach, checklist, tx, actor, item, evidence_id, text, folder),
        )
    if deadline and not step:
        problems.append(row.where("deadline", _("a new deadline needs the step that sets it")))
    if step:
        _try(
            problems,
            row,
            "trigger",
            lambda: items.advance(
                checklist, tx, actor.id, item.id, _trigger_id(checklist, item, step), note, deadline or None
            ),
        )
    elif note:
        _try(problems, row, "note", lambda: items.note(checklist, tx, actor.id, item.id, note))
    return problems


def _first(cells: dict[str, str], prefix: str) -> str:
    return next((k for k in cells if k.startswith(prefix)), prefix)


def _try(problems: list[Located], row: _Row, column: str, action: Callable[[], Any]) -> None:
    try:
        action()
    except Refused as e:
        problems.append(row.where(column, " ".join(([e.headline] if e.headline else []) + ["; ".join(e.reasons)])))


def _reporter(checklist: Checklist, item: Item, text: str, importer: Person) -> Person:
    if not text:
        return importer
    person = checklist.person_by_id.get(text) or next((p for p in checklist.people if p.name == text), None)
    if person is None:
        raise Refused([_("unknown person {person!r}: not declared under people").format(person=text)])
    if person.unit != item.unit.id:
        raise Refused(
            [
                _("{person} is not a person of {unit}; a reporter reports for their own unit").format(
                    person=person.name, unit=item.unit.name
                )
            ]
        )
    return person


def _trigger_id(checklist: Checklist, item: Item, text: str) -> str:
    workflow = checklist.workflow_of(item)
    if text in workflow.triggers():
        return text
    by_label = [t.trigger for t in workflow.transitions if t.label == text]
    return by_label[0] if by_label else text  # an unknown step is refused by advance, with the known ones


def _attach(
    checklist: Checklist, tx: PlannedTransaction, actor: Person, item: Item, evidence_id: str, text: str, folder: str
) -> None:
    evidence = item.duty.evidence_by_id(evidence_id)
    reasons = []
    for entry in (part.strip() for part in text.replace("；", ";").split(";")):
        if not entry:
            continue
        if entry in HANDED_IN and evidence is not None and not evidence.file:
            items.attach(checklist, tx, actor.id, item.id, evidence_id)
            continue
        name = entry.replace("\\", "/").rsplit("/", 1)[-1]  # base names only: no path leaves the folder
        path = Path(folder) / name
        if name in ("", ".", "..") or not path.is_file():
            reasons.append(_("file {name!r} not found in {folder}").format(name=entry, folder=folder))
            continue
        items.attach(checklist, tx, actor.id, item.id, evidence_id, str(path))
    if reasons:
        raise Refused(reasons)
