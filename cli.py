"""The rectify command line: parse, call the engine, print, exit code.

Exit codes: 0 done; 1 refused or invalid (nothing recorded); 2 malformed
command line; 3 internal error (traceback in a log file, never on screen).
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import traceback
from dataclasses import dataclass
from typing import Any, Optional

import click

from engine import i18n
from engine.errors import ChecklistError, RectifyError, Refused
from engine.formats import FORMAT_NAMES
from engine.i18n import _


@dataclass
class Session:
    """The global options, passed explicitly to each command's engine call."""

    checklist: Optional[str]
    db: Optional[str]
    actor: Optional[str]

    def checklist_path(self) -> str:
        if not self.checklist:
            raise click.UsageError(_("no checklist: give -c FILE or set $RECTIFY_CHECKLIST"))
        return self.checklist


def _report(error: RectifyError) -> None:
    if isinstance(error, Refused) and not error.headline and len(error.reasons) == 1:
        click.echo(error.reasons[0], err=True)
    elif isinstance(error, Refused):
        if error.headline:
            click.echo(error.headline, err=True)
        for reason in error.reasons:
            click.echo(f"  - {reason}", err=True)
    else:
        click.echo(str(error), err=True)


def _log_internal_error() -> str:
    fd, path = tempfile.mkstemp(prefix="rectify-crash-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(traceback.format_exc())
    return path


def _calendar_warnings() -> None:
    """Once per command, the years the working-day calendar did not know (if it was used)."""
    escalation = sys.modules.get("engine.workflow.escalation")
    if escalation is not None:
        for warning in escalation.calendar_warnings():
            click.echo(warning, err=True)


class RectifyGroup(click.Group):
    """Maps engine errors to exit codes once, for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return self._invoke_mapped(ctx)
        finally:
            _calendar_warnings()

    def _invoke_mapped(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except RectifyError as e:
            _report(e)
            ctx.exit(e.exit_code)
        except Exception:  # noqa: BLE001 - the last line of defence
            path = _log_internal_error()
            click.echo(_("internal error; the details are in {path}").format(path=path), err=True)
            ctx.exit(3)


@click.group(cls=RectifyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-c", "--checklist", envvar="RECTIFY_CHECKLIST", metavar="FILE",
              help="Checklist YAML (default $RECTIFY_CHECKLIST).")
@click.option("--db", envvar="RECTIFY_DB", metavar="URL",
              help="Journal store (default $RECTIFY_DB, else a SQLite file beside the checklist).")
@click.option("--as", "actor", envvar="RECTIFY_ACTOR", metavar="PERSON",
              help="Who is acting: a person id of the checklist (default $RECTIFY_ACTOR).")
@click.option("--lang", type=click.Choice(["zh", "zh_CN", "en"], case_sensitive=False),
              help="Message language (default $RECTIFY_LANG, else the locale).")
@click.version_option(package_name="rectify", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, checklist: Optional[str], db: Optional[str], actor: Optional[str],
        lang: Optional[str]) -> None:
    """rectify: 整改督查 checklist engine."""
    i18n.set_language(i18n.choose_language(lang))
    ctx.obj = Session(checklist, db, actor)


@cli.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@click.argument("files", nargs=-1)
@click.pass_obj
def validate(session: Session, strict: bool, files: tuple[str, ...]) -> None:
    """Check checklist files; print each problem as FILE:LINE:COL: message."""
    from engine.checklist.load import load_checklist

    failed = False
    for path in files or (session.checklist_path(),):
        try:
            checklist = load_checklist(path)
        except ChecklistError as e:
            failed = True
            click.echo(str(e), err=True)
            continue
        for warning in checklist.warnings:
            click.echo(str(warning), err=True)
        if strict and checklist.warnings:
            failed = True
            continue
        click.echo(_("{file}: ok — units {units}, people {people}, duties {duties}, items {items}, "
                     "workflows {workflows}").format(
            file=path, units=len(checklist.units), people=len(checklist.people),
            duties=len(checklist.duties), items=len(checklist.items),
            workflows=len(checklist.workflows)))
    if failed:
        sys.exit(1)




def format_options(func: Any) -> Any:
    func = click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
                        help="Write to FILE instead of stdout (needed for xlsx).")(func)
    return click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default="table",
                        show_default=True, help="Output format.")(func)


def emit(reports: list[Any], fmt: str, output: Optional[str]) -> None:
    """Render reports in ``fmt`` to ``output`` or stdout (binary formats never to a terminal)."""
    from engine.formats import BINARY_FORMATS, csv_bytes_for_file, render

    if fmt in BINARY_FORMATS and output is None:
        if sys.stdout.isatty():
            raise click.UsageError(_("{fmt} is a binary format: give -o FILE").format(fmt=fmt))
    rendered = render(fmt, reports, tty=output is None and sys.stdout.isatty())
    if output is None:
        if isinstance(rendered, bytes):
            sys.stdout.buffer.write(rendered)
        else:
            click.echo(rendered, nl=not rendered.endswith("\n"))
        return
    data = rendered if isinstance(rendered, bytes) else (
        csv_bytes_for_file(rendered) if fmt == "csv" else rendered.encode("utf-8"))
    try:
        with open(output, "wb") as f:
            f.write(data)
    except OSError as e:
        raise RectifyError(_("{path}: cannot write: {reason}").format(path=output, reason=e.strerror or e)) from e
    click.echo(_("written: {path}").format(path=output), err=True)


def open_journal(session: Session, create: bool = True) -> tuple[Any, Any]:
    """The checklist (through the compiled cache) and its journal store."""
    from engine.checklist.cache import load_cached
    from engine.journal.store import open_store
    from engine.operations.identity import acting_person

    path = session.checklist_path()
    checklist = load_cached(path)
    store = open_store(session.db, path, checklist.id, create=create)
    click.get_current_context().call_on_close(store.close)
    session.actor = acting_person(checklist, store.login, session.actor, required=create)
    return checklist, store


@cli.command()
@click.argument("item")
@click.argument("trigger")
@click.option("--note", default="", help="Why (required by some steps).")
@click.option("--deadline", metavar="YYYY-MM-DD", help="The new deadline a step that sets it (延期) needs.")
@click.option("--round", "round_id", metavar="ROUND", help="The inspection round this step is a result of.")
@click.pass_obj
def advance(session: Session, item: str, trigger: str, note: str, deadline: Optional[str],
            round_id: Optional[str]) -> None:
    """Fire a transition on ITEM (UNIT/DUTY), or refuse and say why."""
    from engine.operations import items

    checklist, store = open_journal(session)
    with store.transaction() as tx:
        event = items.advance(checklist, tx, session.actor, item, trigger, note, deadline, round_id)
    _echo_event(checklist, event)


@cli.command()
@click.argument("item")
@click.argument("assignments", nargs=-1, metavar="NAME=VALUE...")
@click.option("--round", "round_id", metavar="ROUND", help="The inspection round these values are a result of.")
@click.pass_obj
def record(session: Session, item: str, assignments: tuple[str, ...], round_id: Optional[str]) -> None:
    """Record indicator values of ITEM."""
    from engine.operations import items

    checklist, store = open_journal(session)
    with store.transaction() as tx:
        event = items.record(checklist, tx, session.actor, item, list(assignments), round_id=round_id)
    _echo_event(checklist, event)


@cli.command()
@click.argument("item")
@click.argument("evidence")
@click.option("--file", "file_path", type=click.Path(), help="The material's file (its sha256 is recorded).")
@click.pass_obj
def attach(session: Session, item: str, evidence: str, file_path: Optional[str]) -> None:
    """Register evidence of ITEM (with the sha256 of --file)."""
    from engine.operations import items

    checklist, store = open_journal(session)
    with store.transaction() as tx:
        event = items.attach(checklist, tx, session.actor, item, evidence, file_path)
    _echo_event(checklist, event)


def _echo_event(checklist: Any, event: Any) -> None:
    from engine.reports.rows import step_label

    item = checklist.item(event.item)
    states = checklist.workflow_of(item).state_by_id
    click.echo(_("#{seq} {item}: {step}, {before} → {after}").format(
        seq=event.seq, item=event.item, step=step_label(checklist, item, event.trigger),
        before=states[event.from_state].label, after=states[event.to_state].label))


@cli.command()
@click.argument("item")
@click.argument("trigger", required=False)
@click.option("--note", default="", help="Explain as if this note were given.")
@click.pass_obj
def explain(session: Session, item: str, trigger: Optional[str], note: str) -> None:
    """Which steps are possible on ITEM now, and what each lacks (for --as PERSON if given)."""
    from engine.operations import items

    checklist, store = open_journal(session, create=False)
    state, options = items.explain(checklist, store, item, trigger, session.actor, note)
    workflow = checklist.workflow_of(checklist.item(item))
    click.echo(_("{item}: {state}").format(item=item, state=workflow.state_by_id[state].label))
    for option in options:
        verdict = _("possible") if not option.reasons else _("not possible now")
        click.echo(f"  {option.trigger} ({option.label} → {option.to_state}): {verdict}")
        for reason in option.reasons:
            click.echo(f"    - {reason}")
    if not options:
        click.echo("  " + _("no step is possible from this state"))


@cli.command()
@click.argument("item")
@format_options
@click.pass_obj
def history(session: Session, item: str, fmt: str, output: Optional[str]) -> None:
    """The events of ITEM, oldest first."""
    from engine.operations import items
    from engine.reports.tables import history_report

    checklist, store = open_journal(session, create=False)
    events = items.history(checklist, store, item)
    emit([history_report(checklist, item, events, today())], fmt, output)


@cli.command()
@click.option("--anchor", metavar="HASH", help="A head hash published earlier that must still be in the chain.")
@click.option("--files", "check_stored", is_flag=True, help="Also hash every stored evidence file.")
@click.pass_obj
def audit(session: Session, anchor: Optional[str], check_stored: bool) -> None:
    """Recompute the hash chain; print 'head N HASH'."""
    from engine.operations.audit import audit as run_audit

    _checklist, store = open_journal(session, create=False)
    if check_stored:
        _audit_files(store)
    report = run_audit(store, anchor)
    for problem in report.problems:
        click.echo(problem, err=True)
    if not report.ok:
        click.echo(_("audit failed: the first bad position is {seq}").format(seq=report.first_bad), err=True)
        sys.exit(1)
    click.echo(f"head {report.head_seq} {report.head_hash}")


def _audit_files(store: Any) -> None:
    from engine.operations.evidence import check_files

    with store.snapshot() as reader:
        checked, problems = check_files(reader)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(_("audit failed: {n} evidence file problem(s)").format(n=len(problems)), err=True)
        sys.exit(1)
    click.echo(_("evidence files: {n} checked, all match their digests").format(n=checked), err=True)


@cli.command()
@click.option("--unit", help="Only this unit id.")
@click.option("--duty", help="Only this duty id.")
@click.option("--state", help="Only items in this state id.")
@click.option("--overdue", is_flag=True, help="Only overdue items.")
@click.option("--veto", is_flag=True, help="Only veto (一票否决) items.")
@click.option("--level", help="Only items at this escalation level id (e.g. red).")
@click.option("--finding", help="Only the items of the duties answering this finding id.")
@click.option("--sort", "sort", metavar="KEY[,KEY...]", default="",
              help="Sort by columns, '-' for descending, e.g. light,-days_left or unit,deadline.")
@format_options
@click.pass_obj
def status(session: Session, unit: Optional[str], duty: Optional[str], state: Optional[str],
           overdue: bool, veto: bool, level: Optional[str], finding: Optional[str], sort: str, fmt: str,
           output: Optional[str]) -> None:
    """One row per item: state, deadline, days left, traffic light, escalation level."""
    from engine.reports.rows import StatusFilter
    from engine.reports.tables import status_report

    checklist, store = open_journal(session, create=False)
    keep = StatusFilter(unit, duty, state, overdue, veto, level, finding)
    keys = tuple(k.strip() for k in sort.split(",") if k.strip())
    emit([status_report(checklist, store, today(), keep, keys)], fmt, output)


@cli.command()
@click.option("--by", type=click.Choice(["unit", "duty"]), default="unit", show_default=True)
@format_options
@click.pass_obj
def summary(session: Session, by: str, fmt: str, output: Optional[str]) -> None:
    """Counts per state, % verified, overdue and open veto items; worst first (红黑榜)."""
    from engine.reports.tables import summary_report

    checklist, store = open_journal(session, create=False)
    emit([summary_report(checklist, store, today(), by)], fmt, output)


@cli.command()
@format_options
@click.pass_obj
def board(session: Session, fmt: str, output: Optional[str]) -> None:
    """Units × duties grid of state labels (the 整改责任表 view)."""
    from engine.reports.tables import board_report

    checklist, store = open_journal(session, create=False)
    emit([board_report(checklist, store, today())], fmt, output)


@cli.command()
@click.option("--on", "on_day", type=click.DateTime(["%Y-%m-%d"]),
              help="Inspection day (default: the first day of the final inspection, else today).")
@click.option("--for", "round_name", metavar="ROUND", help="Judge only this inspection round's items, on its first day.")
@format_options
@click.pass_obj
def readiness(session: Session, on_day: Optional[dt.datetime], round_name: Optional[str], fmt: str,
              output: Optional[str]) -> None:
    """Would the checklist pass the follow-up inspection? Exit 0 ready, 1 not."""
    from engine.reports.readiness import default_day
    from engine.reports.readiness import readiness as judge
    from engine.reports.tables import readiness_report
    from engine.workflow.rounds import resolve_round

    if on_day and round_name:
        raise click.UsageError(_("give --on DATE or --for ROUND, not both"))
    checklist, store = open_journal(session, create=False)
    inspection = resolve_round(checklist, round_name) if round_name else None
    day = on_day.date() if on_day else inspection.start if inspection else default_day(checklist, today())
    result = judge(checklist, store, day, inspection)
    emit([readiness_report(checklist, result)], fmt, output)
    if not result.ready:
        sys.exit(1)


# -- the journal's life: init, db init|copy ---------------------------------------------------


@cli.group()
def db() -> None:
    """A shared PostgreSQL journal: prepare it, copy a journal between stores."""


@db.command("init")
@click.pass_obj
def db_init(session: Session) -> None:
    """Create the schema, roles and append function at --db URL (an administrator's login), and
    map each person's login; run again after people or logins change."""
    from engine.checklist.cache import load_cached
    from engine.operations.database import init_database

    for line in init_database(load_cached(session.checklist_path()), session.db):
        click.echo(line)


@db.command("copy")
@click.option("--from", "source", required=True, metavar="URL", help="The journal to copy (a path or URL).")
@click.option("--to", "target", required=True, metavar="URL", help="An empty journal (PostgreSQL: after db init).")
@click.pass_obj
def db_copy(session: Session, source: str, target: str) -> None:
    """Copy a journal between stores (SQLite ↔ PostgreSQL), byte for byte; print the head."""
    from engine.checklist.cache import load_cached
    from engine.journal.store import open_store
    from engine.operations.database import copy_journal

    path = session.checklist_path()
    checklist = load_cached(path)
    context = click.get_current_context()
    source_store = open_store(source, path, checklist.id, create=False)
    context.call_on_close(source_store.close)
    target_store = open_store(target, path, checklist.id, create=True)
    context.call_on_close(target_store.close)
    head = copy_journal(source_store, target_store)
    click.echo(f"head {head[0]} {head[1]}")


# -- the office's instruments: inspect, notice, remind ----------------------------------------


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.option("--draw", "do_draw", is_flag=True, help="Draw the round's sample and record the draw (needs --as).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the draw (default: from the OS).")
@click.option("--redraw", is_flag=True, help="Draw again a round already drawn (needs --note).")
@click.option("--note", default="", help="Why the round is drawn again.")
@click.option("--report", "results", is_flag=True, help="The round's results: checked, outcome, notes, change.")
@format_options
@click.pass_obj
def inspect(session: Session, round_name: str, do_draw: bool, seed: Optional[int], redraw: bool, note: str,
            results: bool, fmt: str, output: Optional[str]) -> None:
    """An inspection round's items (its draw in force); --draw draws it, --report shows its results."""
    from engine.operations.inspections import draw_round
    from engine.reports.rounds import inspect_report

    if (seed is not None or redraw) and not do_draw:
        raise click.UsageError(_("--seed and --redraw go with --draw"))
    if do_draw and results:
        raise click.UsageError(_("--draw and --report are separate steps"))
    checklist, store = open_journal(session, create=False)
    if do_draw:
        with store.transaction() as tx:
            drawn = draw_round(checklist, tx, session.actor, round_name, seed, redraw, note)
        for warning in drawn.warnings:
            click.echo(warning, err=True)
        click.echo(_("#{seq} {round}: drew {k} of {n} items with seed {seed}").format(
            seq=drawn.event.seq, round=drawn.draw.round, k=len(drawn.draw.drawn), n=len(drawn.draw.population),
            seed=drawn.draw.seed), err=True)
    emit([inspect_report(checklist, store, round_name, today(), results)], fmt, output)


@cli.command()
@click.argument("item")
@click.option("--level", help="Issue at this level even if the item is not (or not yet) at it.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="FILE.docx or FILE.html: the 督办单 to write.")
@click.pass_obj
def notice(session: Session, item: str, level: Optional[str], output: str) -> None:
    """Issue a numbered 督办单 for ITEM at its escalation level."""
    from engine.operations.notices import issue

    kind = os.path.splitext(output)[1].lower().lstrip(".")
    if kind not in ("docx", "html"):
        raise click.UsageError(_("-o must name a .docx or .html file, not {path!r}").format(path=output))
    checklist, store = open_journal(session, create=False)
    if os.path.realpath(output) in {os.path.realpath(checklist.path), os.path.realpath(store.location)}:
        raise RectifyError(_("{path}: -o would overwrite the checklist or the journal in use").format(path=output))
    with store.transaction() as tx:  # the number is only used if the document was written
        issued = issue(checklist, tx, session.actor, item, level, today(), kind)
        write_file(output, issued.document)
    click.echo(_("#{seq} {number}: {level} for {item}, deadline in force {deadline}; written: {path}").format(
        seq=issued.event.seq, number=issued.notice.number, level=issued.notice.level_label, item=issued.notice.item,
        deadline=issued.notice.deadline.isoformat(), path=output))


@cli.command()
@click.option("--within", type=int, metavar="DAYS", help="Due within DAYS (working) days (default warning_days).")
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default="table", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(), help="FILE, or DIR/ for one file per unit (xlsx or html).")
@click.pass_obj
def remind(session: Session, within: Optional[int], fmt: str, output: Optional[str]) -> None:
    """催办: per unit, the open items due within DAYS or overdue, with the unit's 责任人."""
    from engine.reports.reminders import remind_reports
    from engine.reports.tables import page_meta

    checklist, store = open_journal(session, create=False)
    per_unit = output is not None and (output.endswith(os.sep) or os.path.isdir(output))
    reports = remind_reports(checklist, store, today(), within, page_meta(checklist, today()), per_unit)
    if not per_unit:
        emit(reports, fmt, output)
        return
    if fmt not in ("xlsx", "html"):
        fmt = "xlsx" if fmt == "table" else fmt
        if fmt not in ("xlsx", "html"):
            raise click.UsageError(_("one file per unit is xlsx or html, not {fmt}").format(fmt=fmt))
    assert output is not None
    os.makedirs(output, exist_ok=True)
    for report in reports:
        emit([report], fmt, os.path.join(output, f"{report.meta['unit']}.{fmt}"))
    if not reports:
        click.echo(_("nothing to remind: no open item is due within the period or overdue"), err=True)


def write_file(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise RectifyError(_("{path}: cannot write: {reason}").format(path=path, reason=e.strerror or e)) from e


# -- the units' sheets and files: template, import, evidence, rollover, graph ------------------


@cli.command()
@click.option("--unit", help="Only this unit (id or name).")
@click.option("-o", "--output", required=True, metavar="FILE.xlsx|DIR/",
              help="One workbook with a sheet per unit, or a folder with UNIT.xlsx each.")
@click.pass_obj
def template(session: Session, unit: Optional[str], output: str) -> None:
    """Excel sheets for the units to fill in and send back (import)."""
    from engine.operations.templates import template_files

    one_per_unit = output.endswith(("/", os.sep)) or os.path.isdir(output)
    if not one_per_unit and not output.lower().endswith(".xlsx"):
        raise click.UsageError(_("-o must name a .xlsx file or a folder ending in /"))
    checklist, store = open_journal(session, create=False)
    with store.snapshot() as reader:
        files = template_files(checklist, reader, unit, one_per_unit)
    for stem, data in files:
        path = os.path.join(output, stem + ".xlsx") if one_per_unit else output
        _write_file(path, data, session)


def _write_file(path: str, data: bytes, session: Session) -> None:
    try:
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise RectifyError(_("{path}: cannot write: {reason}").format(path=path, reason=e.strerror or e)) from e
    click.echo(_("written: {path}").format(path=path), err=True)


@cli.command(name="import")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--files", "files_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Where the evidence files named in the sheets are (default: beside each sheet).")
@click.option("--dry-run", is_flag=True, help="Check every row and show what would be recorded; record nothing.")
@click.pass_obj
def import_(session: Session, files: tuple[str, ...], files_dir: Optional[str], dry_run: bool) -> None:
    """Apply filled sheets (xlsx or csv): every row or nothing."""
    from engine.operations.imports import import_sheets

    checklist, store = open_journal(session, create=False)
    with _progress_bar() as progress:
        result = import_sheets(checklist, store, session.actor, list(files), files_dir, dry_run, progress)
    for notice in result.notices:
        click.echo(notice, err=True)
    for outcome in result.files:
        if outcome.earlier is not None:
            click.echo(_("{file}: already imported as #{seq} on {when} by {who}; nothing recorded").format(
                file=outcome.name, seq=outcome.earlier.seq, when=outcome.earlier.recorded_at[:16].replace("T", " "),
                who=outcome.earlier.actor), err=True)
    for draft in result.planned:
        if draft.item.startswith("@"):
            continue
        detail = draft.data.get("values") or draft.data.get("file") or draft.data.get("evidence") or draft.note
        click.echo(f"{'(dry run) ' if dry_run else ''}{draft.item}: {draft.trigger} "
                   f"{draft.from_state} → {draft.to_state} [{draft.actor}] {detail or ''}".rstrip())
    count = sum(1 for d in result.planned if not d.item.startswith("@"))
    message = _("{n} event(s) would be recorded (dry run)") if dry_run else _("{n} event(s) recorded")
    click.echo(message.format(n=count), err=True)


class _progress_bar:
    """A progress bar on stderr for large files, only when stderr is a terminal."""

    def __enter__(self) -> Any:
        self.bar: Any = None
        return self.update if sys.stderr.isatty() else None

    def update(self, done: int, total: int) -> None:
        if total < 2000:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=_("checking rows"), file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@cli.command()
@click.argument("item")
@click.argument("evidence", required=False)
@click.option("--export", "export_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Copy the stored files out under their original names.")
@format_options
@click.pass_obj
def evidence(session: Session, item: str, evidence: Optional[str], export_dir: Optional[str], fmt: str,
             output: Optional[str]) -> None:
    """Stored evidence files of ITEM: name, size, sha256, who, when; or copy them out."""
    from engine.operations.evidence import export_evidence
    from engine.reports.evidence import evidence_report, stored_evidence

    checklist, store = open_journal(session, create=False)
    files = stored_evidence(checklist, store, item, evidence)
    if export_dir is not None:
        for path in export_evidence(store, [(f.sha256, f.file) for f in files], export_dir):
            click.echo(_("written: {path}").format(path=path), err=True)
        return
    emit([evidence_report(checklist, item, files, today())], fmt, output)


@cli.command()
@click.option("--to", "target", required=True, metavar="NEXT.yaml", help="The new checklist file (never overwritten).")
@click.option("--id", "new_id", metavar="ID", help="Its id (default: this id with the year counted up).")
@click.pass_obj
def rollover(session: Session, target: str, new_id: Optional[str]) -> None:
    """Next year's checklist: every item not verified, carried as a duty of its unit."""
    from engine.operations.items import resolve_actor
    from engine.operations.rollover import rollover as roll

    checklist, store = open_journal(session, create=False)
    with store.snapshot() as reader:
        result = roll(checklist, reader, resolve_actor(checklist, session.actor), target, new_id)
    click.echo(_("written: {path} ({id}): {n} item(s) carried, {m} open two years running (连续未销号)").format(
        path=result.path, id=result.id, n=len(result.duties), m=len(result.open_two_years)), err=True)
    for duty in result.duties:
        mark = " ⚠ 连续未销号" if duty.open_two_years else ""
        click.echo(f"{duty.carried_from[-1]} → {duty.owner}/{duty.id}{mark}")


GRAPH_SUFFIXES = {".mmd": "mermaid", ".md": "mermaid", ".dot": "dot", ".gv": "dot", ".svg": "svg"}


@cli.command()
@click.option("--workflow", metavar="W", help="Only this workflow (default: every one).")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]),
              help="Diagram format (default mermaid; with -o, the suffix picks it).")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (.mmd, .dot, .svg).")
@click.pass_obj
def graph(session: Session, workflow: Optional[str], fmt: Optional[str], output: Optional[str]) -> None:
    """The workflow diagram: states, steps and who may take them, in Chinese."""
    from engine.checklist.cache import load_cached
    from engine.workflow.diagram import diagram

    if fmt is None and output is not None:
        fmt = GRAPH_SUFFIXES.get(os.path.splitext(output)[1].lower())
        if fmt is None:
            raise click.UsageError(_("unknown suffix of {path}; give --format mermaid|dot|svg").format(path=output))
    fmt = fmt or "mermaid"
    checklist = load_cached(session.checklist_path())
    workflows = [w for w in checklist.workflows if workflow in (None, w.id)]
    if not workflows:
        raise RectifyError(_("unknown workflow {name!r}; this checklist has: {known}").format(
            name=workflow, known=", ".join(w.id for w in checklist.workflows)))
    if fmt == "svg" and len(workflows) > 1:
        raise click.UsageError(_("an SVG holds one workflow: give --workflow (one of {known})").format(
            known=", ".join(w.id for w in workflows)))
    drawn = [diagram(w, fmt, checklist.role_labels, f"{checklist.title} · {w.id}") for w in workflows]
    data = drawn[0] if isinstance(drawn[0], bytes) else "\n".join(str(d) for d in drawn)
    if output is not None:
        _write_file(output, data if isinstance(data, bytes) else data.encode("utf-8"), session)
    elif isinstance(data, bytes):
        if sys.stdout.isatty():
            raise click.UsageError(_("svg is a binary format: give -o FILE"))
        sys.stdout.buffer.write(data)
    else:
        click.echo(data, nl=False)


# -- the 整改责任表 and notes: duties, note ---------------------------------------------------


@cli.command()
@click.argument("item")
@click.argument("text")
@click.option("--round", "round_id", metavar="ROUND", help="The inspection round this observation belongs to.")
@click.pass_obj
def note(session: Session, item: str, text: str, round_id: Optional[str]) -> None:
    """An observation on ITEM (督查意见); it changes nothing else."""
    from engine.operations import items

    checklist, store = open_journal(session)
    with store.transaction() as tx:
        event = items.note(checklist, tx, session.actor, item, text, round_id)
    _echo_event(checklist, event)


@cli.command()
@format_options
@click.pass_obj
def duties(session: Session, fmt: str, output: Optional[str]) -> None:
    """The 整改责任表: one row per duty (clause, task, units, heads, deadline, materials, progress)."""
    from engine.reports.tables import duties_report

    checklist, store = open_journal(session, create=False)
    emit([duties_report(checklist, store, today())], fmt, output)


def today() -> dt.date:
    """``$RECTIFY_TODAY`` when set (tests), else the local date."""
    value = os.environ.get("RECTIFY_TODAY")
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.UsageError(_("$RECTIFY_TODAY must be a date YYYY-MM-DD, not {value!r}").format(
            value=value)) from None


def main() -> None:
    cli(prog_name="rectify")


if __name__ == "__main__":
    main()
