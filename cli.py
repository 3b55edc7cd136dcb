"""The rectify command line: parse, call the engine, print, exit code.

Exit codes: 0 done; 1 refused or invalid (nothing recorded); 2 malformed
command line; 3 internal error (traceback in a log file, never on screen).
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import os
import sys
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional

import click

from engine import i18n
from engine.errors import ChecklistError, RectifyError, Refused
from engine.formats import FORMAT_NAMES
from engine.i18n import N_, _


@dataclass
class Session:
    """The global options, passed explicitly to each command's engine call."""

    checklist: Optional[str]
    db: Optional[str]
    actor: Optional[str]
    color: str = "auto"

    def checklist_path(self) -> str:
        if not self.checklist:
            raise click.UsageError(_("no checklist: give -c FILE or set $RECTIFY_CHECKLIST"))
        return self.checklist


def say(message: str, err: bool = False) -> None:
    """Every message and line the CLI prints: user text (labels, notes, file names, argv) is shown
    with control and bidi characters as visible escapes, never as terminal control."""
    from engine.formats.safe import visible

    click.echo(visible(message), err=err)


def confirm(message: str) -> None:
    """The confirmation of a committed step. If stdout cannot take it (a full disk, a closed
    pipe), the step still stands and the exit code stays 0, so a retry does not repeat it."""
    try:
        say(message)
        sys.stdout.flush()
    except OSError:
        _silence_stdout()


def _silence_stdout() -> None:
    """Drop what is buffered for a stdout that cannot take it, or the interpreter fails again
    flushing it at exit."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _visible(text: str) -> str:
    from engine.formats.safe import visible

    return visible(text)


def _check_argument(number: int, arg: str) -> None:
    """A NUL, or bytes that are not UTF-8 (Python keeps them as surrogates), are refused (exit 1)
    unless the argument names an existing file: a GBK-named file from a Windows share is fine."""
    if "\x00" in arg:
        raise click.ClickException(_("argument {n}: a NUL character is not allowed").format(n=number))
    if any("\udc80" <= c <= "\udcff" for c in arg) and not os.path.exists(arg):
        shown = os.fsencode(arg).decode("utf-8", "backslashreplace")
        raise click.ClickException(
            _("argument {n} ({arg}): bytes that are not UTF-8 text; use UTF-8").format(n=number, arg=shown)
        )


def _safe_click_error(error: click.ClickException) -> click.ClickException:
    """The same error, exit code and usage hint, with argv's control characters made visible."""
    message = _visible(error.format_message())
    if isinstance(error, click.UsageError):
        return click.UsageError(message, error.ctx)
    return click.ClickException(message)


def _report(error: RectifyError) -> None:
    if isinstance(error, Refused) and not error.headline and len(error.reasons) == 1:
        say(error.reasons[0], err=True)
    elif isinstance(error, Refused):
        if error.headline:
            say(error.headline, err=True)
        for reason in error.reasons:
            say(f"  - {reason}", err=True)
    else:
        say(str(error), err=True)


def _log_internal_error() -> str:
    import tempfile  # with traceback, ~10 ms at every start: only when something broke
    import traceback

    fd, path = tempfile.mkstemp(prefix="rectify-crash-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(traceback.format_exc())
    return path


# -- speaking the user's language: help texts are English msgids translated when shown ----------


def _speak_click_in_our_language() -> None:
    """Route click's own messages (Usage:, Error:, Try ... for help) through our catalog.

    click calls ``gettext.gettext`` bound at import in each of its modules, with its English
    strings as msgids; the zh_CN catalog translates them like ours.
    """
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.shell_completion
    import click.termui
    import click.types
    import click.utils

    for module in (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.shell_completion,
        click.termui,
        click.types,
        click.utils,
    ):
        if hasattr(module, "_"):
            module._ = i18n._  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = i18n.ngettext  # type: ignore[attr-defined]


_speak_click_in_our_language()
# click translates these through gettext from a variable, so no extraction from click finds them
CLICK_WORDS = (N_("required"),)


def _language_option(value: Optional[str], from_environment: bool = False) -> str:
    try:
        return i18n.choose_language(None if from_environment else value)
    except ValueError as e:
        setting = "$RECTIFY_LANG" if from_environment or not value else "--lang"
        raise click.UsageError(
            _("{setting}: unknown language {value!r}; use zh or en").format(setting=setting, value=str(e))
        ) from None


def _args_language(args: list[str]) -> Optional[str]:
    """``--lang X`` among the group's options, read before click builds any help text."""
    for n, arg in enumerate(args):
        if arg == "--lang" and n + 1 < len(args):
            return args[n + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if not arg.startswith("-"):
            break
    return None


class Translated:
    """Help texts are English msgids (marked ``N_``) translated when help is shown."""

    help: Optional[str]
    short_help: Optional[str]

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated([self]):
            super().format_help_text(ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated([self]):
            return super().get_short_help_str(limit)  # type: ignore[misc, no-any-return]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self.get_params(ctx)):  # type: ignore[attr-defined]
            super().format_options(ctx, formatter)  # type: ignore[misc]

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated([self], "epilog"):
            super().format_epilog(ctx, formatter)  # type: ignore[misc]


class _translated:
    """Swap the help texts of ``things`` for their translations while one help is drawn."""

    def __init__(self, things: Any, *attributes: str):
        self.things = list(things)
        self.attributes = attributes or ("help", "short_help")
        self.saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> None:
        for thing in self.things:
            for attribute in self.attributes:
                text = getattr(thing, attribute, None)
                if isinstance(text, str) and text:
                    self.saved.append((thing, attribute, text))
                    setattr(thing, attribute, _(text))

    def __exit__(self, *exc: object) -> None:
        for thing, attribute, text in self.saved:
            setattr(thing, attribute, text)


def _wrap_help(text: str, width: int) -> list[str]:
    """Help text in lines of at most ``width`` terminal columns (a CJK character counts two)."""
    from engine.formats.layout import wrap

    return [line for paragraph in text.split("\n\n") for line in wrap(" ".join(paragraph.split()), width)]


class HelpFormatter(click.HelpFormatter):
    """click's formatter measures characters; Chinese help needs display columns."""

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for line in _wrap_help(text, max(self.width - self.current_indent, 20)):
            self.write(f"{indent}{line}\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        from engine.formats.report import display_width

        rows = list(rows)
        first_col = min(max((display_width(first) for first, _second in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = _wrap_help(second, max(self.width - first_col - self.current_indent - 2, 10))
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class RectifyContext(click.Context):
    formatter_class = HelpFormatter


class RectifyCommand(Translated, click.Command):
    context_class = RectifyContext


def _calendar_warnings() -> None:
    """Once per command, the years the working-day calendar did not know (if it was used)."""
    escalation = sys.modules.get("engine.workflow.escalation")
    if escalation is not None:
        for warning in escalation.calendar_warnings():
            say(warning, err=True)


class RectifyGroup(Translated, click.Group):
    """Maps engine errors to exit codes once, for every command; chooses the language first."""

    command_class = RectifyCommand
    context_class = RectifyContext
    group_class = type  # subgroups (db) translate, wrap and map errors the same way

    def make_context(
        self, info_name: Optional[str], args: list[str], parent: Optional[click.Context] = None, **extra: Any
    ) -> click.Context:
        for number, arg in enumerate(args, start=1):
            _check_argument(number, arg)
        if parent is None:  # a subgroup: the language was chosen with the top-level options
            # before --help is handled: eager options run before the group's callback
            try:
                i18n.set_language(i18n.choose_language(_args_language(args)))
            except ValueError:
                i18n.set_language(i18n.choose_language(None) if not os.environ.get("RECTIFY_LANG") else "en")
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as e:
            raise _safe_click_error(e) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return self._invoke_mapped(ctx)
        finally:
            _calendar_warnings()

    def _invoke_mapped(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as e:
            raise _safe_click_error(e) from None  # click quotes argv in its messages
        except (click.exceptions.Exit, click.Abort):
            raise
        except RectifyError as e:
            _report(e)
            ctx.exit(e.exit_code)
        except Exception:  # noqa: BLE001 - the last line of defence
            path = _log_internal_error()
            say(_("internal error; the details are in {path}").format(path=path), err=True)
            ctx.exit(3)


def _set_language(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[str]:
    source = ctx.get_parameter_source(param.name) if param.name else None
    i18n.set_language(_language_option(value, source == click.core.ParameterSource.ENVIRONMENT))
    return value


# -- completion: ids from the checklist named so far (-c or $RECTIFY_CHECKLIST) -----------------


def _checklist_for_completion(ctx: click.Context) -> Any:
    from engine.checklist.cache import load_cached

    path = ctx.find_root().params.get("checklist") or os.environ.get("RECTIFY_CHECKLIST")
    try:
        return load_cached(path) if path else None
    except Exception:  # noqa: BLE001 - completion never fails loudly
        return None


def _completer(pairs: Any) -> Any:
    """A shell_complete callback offering ``pairs(checklist, ctx)`` -> (value, help) that start with
    what was typed (the id, or the Chinese name)."""
    from click.shell_completion import CompletionItem

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        checklist = _checklist_for_completion(ctx)
        if checklist is None:
            return []
        try:
            offered = list(pairs(checklist, ctx))
        except RectifyError:
            return []
        return [
            CompletionItem(value, help=help_text)
            for value, help_text in offered
            if value.startswith(incomplete) or (help_text or "").startswith(incomplete)
        ]

    return complete


def _item_of(checklist: Any, ctx: click.Context) -> Any:
    return checklist.item_named(ctx.params.get("item") or "")


complete_items = _completer(lambda c, ctx: ((i.id, f"{i.unit.name}/{i.duty.title}") for i in c.items))
complete_people = _completer(lambda c, ctx: ((p.id, p.name) for p in c.people))
complete_units = _completer(lambda c, ctx: ((u.id, u.name) for u in c.units))
complete_duties = _completer(lambda c, ctx: ((d.id, d.title) for d in c.duties))
complete_states = _completer(lambda c, ctx: {(s.id, s.label): None for w in c.workflows for s in w.states})
complete_triggers = _completer(
    lambda c, ctx: {(t.trigger, t.label): None for t in c.workflow_of(_item_of(c, ctx)).transitions}
)
complete_evidence = _completer(lambda c, ctx: ((e.id, e.name) for e in _item_of(c, ctx).duty.evidence))
complete_rounds = _completer(lambda c, ctx: ((i.id, i.name) for i in c.inspections))
complete_values = _completer(lambda c, ctx: ((f"{i.id}=", i.name) for i in _item_of(c, ctx).duty.indicators))


@click.group(
    cls=RectifyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_("rectify: the checklist engine of rectification supervision (整改督查)."),
)
@click.option(
    "-c",
    "--checklist",
    envvar="RECTIFY_CHECKLIST",
    metavar="FILE",
    help=N_("Checklist YAML (default $RECTIFY_CHECKLIST)."),
)
@click.option(
    "--db",
    envvar="RECTIFY_DB",
    metavar="URL",
    help=N_("Journal store (default $RECTIFY_DB, else a SQLite file beside the checklist)."),
)
@click.option(
    "--as",
    "actor",
    envvar="RECTIFY_ACTOR",
    metavar="PERSON",
    shell_complete=complete_people,
    help=N_("Who is acting: a person of the checklist, by id or name (default $RECTIFY_ACTOR)."),
)
@click.option(
    "--lang",
    envvar="RECTIFY_LANG",
    metavar="zh|en",
    is_eager=True,
    callback=_set_language,
    help=N_("Message language: zh or en (default $RECTIFY_LANG, else the locale)."),
)
@click.option(
    "--color",
    "--colour",
    "color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help=N_("Colour in tables: auto (a terminal, unless NO_COLOR or TERM=dumb)."),
)
@click.version_option(package_name="rectify", message="%(prog)s %(version)s", help=N_("Show the version and exit."))
@click.pass_context
def cli(
    ctx: click.Context,
    checklist: Optional[str],
    db: Optional[str],
    actor: Optional[str],
    lang: Optional[str],
    color: str,
) -> None:
    ctx.obj = Session(checklist, db, actor, color)


@cli.command(help=N_("Check checklist files; print each problem as FILE:LINE:COL: message."))
@click.option("--strict", is_flag=True, help=N_("Treat warnings as errors (exit 1)."))
@click.argument("files", nargs=-1)
@click.pass_obj
def validate(session: Session, strict: bool, files: tuple[str, ...]) -> None:
    from engine.checklist.load import load_checklist

    failed = False
    for path in files or (session.checklist_path(),):
        try:
            checklist = load_checklist(path)
        except ChecklistError as e:
            failed = True
            say(str(e), err=True)
            continue
        for warning in checklist.warnings:
            say(str(warning), err=True)
        if strict and checklist.warnings:
            failed = True
            continue
        say(
            _(
                "{file}: ok — units {units}, people {people}, duties {duties}, items {items}, workflows {workflows}"
            ).format(
                file=path,
                units=len(checklist.units),
                people=len(checklist.people),
                duties=len(checklist.duties),
                items=sum(1 for _ in checklist.assignments()),  # counted, not built: 0.1 s on a province
                workflows=len(checklist.workflows),
            )
        )
    if failed:
        sys.exit(1)


class Output(NamedTuple):
    """Where and how a listing goes: format, file, columns picked, every column."""

    fmt: Optional[str]
    path: Optional[str]
    columns: str
    wide: bool


def safe_output(ctx: click.Context, _param: Any, value: Optional[str]) -> Optional[str]:
    """``-o FILE``: ``-`` is stdout; never the checklist or the journal in use (by real path)."""
    if value is None or value == "-":
        return None
    session = ctx.find_object(Session)
    if session is not None and session.checklist:
        refuse_protected(value, session)
    return value


def refuse_protected(path: str, session: Session) -> None:
    """Refuse to write ``path`` when it is (or links to) the checklist or the journal in use."""
    from engine.journal.store import is_protected

    if is_protected(path, session.db, session.checklist_path()):
        raise RectifyError(
            _("-o {path}: that is the checklist or the journal in use; choose another file").format(path=path)
        )


def format_options(func: Any) -> Any:
    """--format, -o, --columns, --wide: folded into one ``out`` argument."""
    func = click.option("--wide", is_flag=True, help=N_("Show every column at full width."))(func)
    func = click.option(
        "--columns", metavar="C,..", default="", help=N_("Only these columns, in this order (field ids or headers).")
    )(func)
    func = click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False),
        callback=safe_output,
        help=N_("Write to FILE (- is stdout); its suffix (.xlsx .csv .json .html .md) picks the format."),
    )(func)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMAT_NAMES),
        default=None,
        help=N_("Output format (default: table, or the suffix of -o FILE)."),
    )(func)


def output_of(fmt: Optional[str], output: Optional[str], columns: str, wide: bool) -> Output:
    return Output(fmt, output, columns, wide)


def table_width() -> Optional[int]:
    """$COLUMNS when set, else the terminal's width when stdout is one, else no limit."""
    value = os.environ.get("COLUMNS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    if sys.stdout.isatty():
        import shutil  # ~4 ms (bz2, lzma, fnmatch): not for a listing sent down a pipe

        return shutil.get_terminal_size().columns
    return None


def use_colour(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def emit(session: Session, reports: list[Any], out: Output) -> None:
    """Render reports in the chosen format to a file or stdout (binary formats never to a terminal)."""
    from engine.formats import BINARY_FORMATS, csv_bytes_for_file, format_for_path, render_parts
    from engine.formats.report import with_columns

    fmt = out.fmt
    if fmt is None and out.path is not None:
        fmt = format_for_path(out.path)
        if fmt is None:
            raise click.UsageError(
                _(
                    "cannot tell the format of {path} from its suffix (.xlsx .csv .json .html .md): give --format"
                ).format(path=out.path)
            )
    fmt = fmt or "table"
    if fmt in BINARY_FORMATS and out.path is None and sys.stdout.isatty():
        raise click.UsageError(_("{fmt} is a binary format: give -o FILE").format(fmt=fmt))
    keys = [k.strip() for k in out.columns.split(",") if k.strip()]
    reports = [with_columns(r, keys, out.wide) for r in reports]
    on_screen = out.path is None
    colour = on_screen and use_colour(session.color)
    terminal = on_screen and sys.stdout.isatty()
    parts = render_parts(
        fmt, reports, tty=colour, width=table_width() if on_screen else None, wide=out.wide, terminal=terminal
    )
    if out.path is None:
        ends_line = True
        try:
            for part in parts:
                if isinstance(part, bytes):
                    sys.stdout.buffer.write(part)
                elif fmt == "csv" and not terminal:  # a pipe gets the very bytes -o would write
                    sys.stdout.buffer.write(csv_bytes_for_file(part))
                elif colour:  # the table's colour codes, as click writes them (and strips them where it must)
                    click.echo(part, nl=False, color=True)
                else:  # no colour codes in it: the text as it is (user text is already made visible)
                    sys.stdout.write(part)
                ends_line = part.endswith(b"\n") if isinstance(part, bytes) else part.endswith("\n")
            if not ends_line and fmt not in BINARY_FORMATS:  # as click.echo did: text ends with a newline
                sys.stdout.write("\n")
            sys.stdout.flush()
        except OSError as e:  # a full disk or a closed pipe: the user's output, not our fault
            _silence_stdout()
            raise RectifyError(
                _("cannot write the listing to standard output: {reason}").format(reason=e.strerror or e)
            ) from None
        return
    try:
        with open(out.path, "wb") as f:
            for part in parts:
                if isinstance(part, str):
                    part = csv_bytes_for_file(part) if fmt == "csv" else part.encode("utf-8")
                f.write(part)
    except OSError as e:
        raise RectifyError(_("{path}: cannot write: {reason}").format(path=out.path, reason=e.strerror or e)) from e
    say(_("written: {path}").format(path=out.path), err=True)


def open_journal(
    session: Session, create: bool = True, warn: bool = True, unit: Optional[str] = None
) -> tuple[Any, Any]:
    """The checklist (through the compiled cache) and its existing journal store: for writing
    (``create``, the name kept from when it made the journal), else read-only. Reading, it
    warns on stderr how many events belong to items the checklist no longer declares (of
    ``unit`` only, for a listing of that unit: an id or name as the user gave it)."""
    from engine.checklist.cache import load_cached
    from engine.journal.store import open_store
    from engine.operations.identity import acting_person

    path = session.checklist_path()
    checklist = load_cached(path)
    store = open_store(
        session.db,
        path,
        checklist.id,
        read_only=not create,
        checklist_source=checklist.file_bytes,
        checklist_sha256=checklist.sha256,
    )
    click.get_current_context().call_on_close(store.close)
    session.actor = acting_person(checklist, store.login, session.actor, required=create)
    if not create and warn:  # after the listing, from the rows it read (a read-only store reads them once)
        click.get_current_context().call_on_close(lambda: warn_undeclared(checklist, store, unit))
    return checklist, store


def warn_undeclared(checklist: Any, store: Any, unit: Optional[str] = None) -> None:
    from engine.reports.rows import undeclared_items

    try:
        gone = undeclared_items(checklist, store, None if unit is None else checklist.unit_id(unit))
    except RectifyError:  # the journal failed the command itself, which said so
        return
    if gone:
        say(
            _(
                "warning: {count} events belong to items the checklist no longer declares ({items}); they are not shown"
            ).format(count=sum(gone.values()), items=", ".join(gone)),
            err=True,
        )


ITEM_HELP = N_("ITEM is UNIT/DUTY, each part an id or a Chinese name (东山镇人民政府/抓控辍保学).")


@cli.command(help=N_("Fire a transition (by trigger id or label) on ITEM, or refuse and say why."), epilog=ITEM_HELP)
@click.argument("item", shell_complete=complete_items)
@click.argument("trigger", shell_complete=complete_triggers)
@click.option("--note", default="", help=N_("Why (required by some steps)."))
@click.option("--deadline", metavar="YYYY-MM-DD", help=N_("The new deadline a step that sets it (延期) needs."))
@click.option(
    "--round",
    "round_id",
    metavar="ROUND",
    shell_complete=complete_rounds,
    help=N_("The inspection round this step is a result of."),
)
@click.pass_obj
def advance(
    session: Session, item: str, trigger: str, note: str, deadline: Optional[str], round_id: Optional[str]
) -> None:
    from engine.operations import items

    checklist, store = open_journal(session)
    with store.transaction() as tx:
        event = items.advance(checklist, tx, session.actor, item, trigger, note, deadline, round_id)
    _echo_event(checklist, event)


@cli.command(help=N_("Record indicator values of ITEM (NAME an indicator id or name)."), epilog=ITEM_HELP)
@click.argument("item", shell_complete=complete_items)
@click.argument("assignments", nargs=-1, metavar="NAME=VALUE...", shell_complete=complete_values)
@click.option("--note", default="", help=N_("A note kept with the values."))
@click.option(
    "--round",
    "round_id",
    metavar="ROUND",
    shell_complete=complete_rounds,
    help=N_("The inspection round these values are a result of."),
)
@click.pass_obj
def record(session: Session, item: str, assignments: tuple[str, ...], note: str, round_id: Optional[str]) -> None:
    from engine.operations import items

    checklist, store = open_journal(session)
    with store.transaction() as tx:
        event = items.record(checklist, tx, session.actor, item, list(assignments), note, round_id=round_id)
    _echo_event(checklist, event)


@cli.command(help=N_("Register evidence of ITEM (by id or name), with the sha256 of --file."), epilog=ITEM_HELP)
@click.argument("item", shell_complete=complete_items)
@click.argument("evidence", shell_complete=complete_evidence)
@click.option("--file", "file_path", type=click.Path(), help=N_("The material's file (its sha256 is recorded)."))
@click.option("--note", default="", help=N_("A note kept with the evidence."))
@click.pass_obj
def attach(session: Session, item: str, evidence: str, file_path: Optional[str], note: str) -> None:
    from engine.operations import items

    checklist, store = open_journal(session)
    with store.transaction() as tx:
        event = items.attach(checklist, tx, session.actor, item, evidence, file_path, note)
    _echo_event(checklist, event)


def _echo_event(checklist: Any, event: Any) -> None:
    workflow = checklist.workflow_of(checklist.item(event.item))
    states = workflow.state_by_id
    confirm(
        _("#{seq} {item}: {step}, {before} → {after}").format(
            seq=event.seq,
            item=event.item,
            step=workflow.step_label(event.trigger),
            before=states[event.from_state].label,
            after=states[event.to_state].label,
        )
    )


@cli.command(
    help=N_("Which steps are possible on ITEM now, and what each lacks (for --as PERSON if given)."), epilog=ITEM_HELP
)
@click.argument("item", shell_complete=complete_items)
@click.argument("trigger", required=False, shell_complete=complete_triggers)
@click.option("--note", default="", help=N_("Explain as if this note were given."))
@click.pass_obj
def explain(session: Session, item: str, trigger: Optional[str], note: str) -> None:
    from engine.operations import items

    checklist, store = open_journal(session, create=False, warn=False)  # one item: no listing to warn about
    state, options = items.explain(checklist, store, item, trigger, session.actor, note)
    workflow = checklist.workflow_of(checklist.item_named(item))
    say(_("{item}: {state}").format(item=checklist.item_named(item).id, state=workflow.state_by_id[state].label))
    for option in options:
        verdict = _("possible") if not option.reasons else _("not possible now")
        say(f"  {option.label} ({option.trigger} → {option.to_state}): {verdict}")
        for reason in option.reasons:
            say(f"    - {reason}")
    if not options:
        say("  " + _("no step is possible from this state"))


@cli.command(help=N_("The events of ITEM, oldest first."), epilog=ITEM_HELP)
@click.argument("item", shell_complete=complete_items)
@format_options
@click.pass_obj
def history(session: Session, item: str, fmt: Optional[str], output: Optional[str], columns: str, wide: bool) -> None:
    from engine.operations import items
    from engine.reports.tables import history_report

    checklist, store = open_journal(session, create=False, warn=False)  # one item: no listing to warn about
    events = items.history(checklist, store, item)
    found = events[0].item if events else checklist.item_named(item).id
    emit(session, [history_report(checklist, found, events, today())], output_of(fmt, output, columns, wide))


@cli.command(
    help=N_(
        "Verify the journal: the hash chain, the append-only triggers, time, every step's rules "
        "under its checklist version, the current table; print 'head N HASH'."
    )
)
@click.option(
    "--anchor",
    metavar="HASH",
    help=N_("A head published earlier (HASH, or the line 'head N HASH') that must still be in the chain."),
)
@click.option("--files", "check_stored", is_flag=True, help=N_("Also hash every stored evidence file."))
@click.pass_obj
def audit(session: Session, anchor: Optional[str], check_stored: bool) -> None:
    from engine.operations.audit import audit as run_audit

    checklist, store = open_journal(session, create=False, warn=False)  # audit lists them itself
    if check_stored:
        _audit_files(store)
    report = run_audit(store, checklist, anchor)
    for line in report.problems + report.warnings:
        say(line, err=True)
    if not report.ok:
        if report.first_bad is not None:
            say(_("audit failed: the first bad position is {seq}").format(seq=report.first_bad), err=True)
        else:
            say(_("audit failed"), err=True)
        sys.exit(1)
    say(f"head {report.head_seq} {report.head_hash}")


def _audit_files(store: Any) -> None:
    from engine.operations.evidence import check_files

    with store.snapshot() as reader:
        checked, problems = check_files(reader)
    for problem in problems:
        say(problem, err=True)
    if problems:
        say(_("audit failed: {n} evidence file problem(s)").format(n=len(problems)), err=True)
        sys.exit(1)
    say(_("evidence files: {n} checked, all match their digests").format(n=checked), err=True)


@cli.command(help=N_("One row per item: state, deadline, days left, traffic light, escalation level."))
@click.option("--unit", metavar="UNIT", shell_complete=complete_units, help=N_("Only this unit (id or name)."))
@click.option("--duty", metavar="DUTY", shell_complete=complete_duties, help=N_("Only this duty (id or title)."))
@click.option(
    "--state", metavar="STATE", shell_complete=complete_states, help=N_("Only items in this state (id or label).")
)
@click.option("--overdue", is_flag=True, help=N_("Only overdue items."))
@click.option("--veto", is_flag=True, help=N_("Only veto (一票否决) items."))
@click.option("--level", metavar="LEVEL", help=N_("Only items at this escalation level (id or label, e.g. red)."))
@click.option(
    "--finding", metavar="FINDING", help=N_("Only the items of the duties answering this finding (id or its text).")
)
@click.option(
    "--sort",
    "sort",
    metavar="KEY[,KEY...]",
    default="",
    help=N_("Sort by columns, '-' for descending, e.g. light,-days_left or unit,deadline."),
)
@format_options
@click.pass_obj
def status(
    session: Session,
    unit: Optional[str],
    duty: Optional[str],
    state: Optional[str],
    overdue: bool,
    veto: bool,
    level: Optional[str],
    finding: Optional[str],
    sort: str,
    fmt: Optional[str],
    output: Optional[str],
    columns: str,
    wide: bool,
) -> None:
    from engine.reports.rows import StatusFilter
    from engine.reports.tables import status_report

    checklist, store = open_journal(session, create=False, unit=unit)
    keep = StatusFilter(unit, duty, state, overdue, veto, level, finding)
    keys = tuple(k.strip() for k in sort.split(",") if k.strip())
    emit(session, [status_report(checklist, store, today(), keep, keys)], output_of(fmt, output, columns, wide))


@cli.command(help=N_("Counts per state, % verified, overdue and open veto items; worst first (红黑榜)."))
@click.option(
    "--by",
    type=click.Choice(["unit", "duty"]),
    default="unit",
    show_default=True,
    help=N_("One row per unit or per duty."),
)
@format_options
@click.pass_obj
def summary(session: Session, by: str, fmt: Optional[str], output: Optional[str], columns: str, wide: bool) -> None:
    from engine.reports.tables import summary_report

    checklist, store = open_journal(session, create=False)
    emit(session, [summary_report(checklist, store, today(), by)], output_of(fmt, output, columns, wide))


@cli.command(help=N_("Units × duties grid of states (the 整改责任表 view)."))
@format_options
@click.pass_obj
def board(session: Session, fmt: Optional[str], output: Optional[str], columns: str, wide: bool) -> None:
    from engine.reports.tables import board_report

    checklist, store = open_journal(session, create=False)
    emit(session, [board_report(checklist, store, today())], output_of(fmt, output, columns, wide))


@cli.command(help=N_("Would the checklist pass the follow-up inspection? Exit 0 ready, 1 not."))
@click.option(
    "--on",
    "on_day",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help=N_("Inspection day (default: the first day of the final inspection, else today)."),
)
@click.option(
    "--for", "round_name", metavar="ROUND", help=N_("Judge only this inspection round's items, on its first day.")
)
@format_options
@click.pass_obj
def readiness(
    session: Session,
    on_day: Optional[dt.datetime],
    round_name: Optional[str],
    fmt: Optional[str],
    output: Optional[str],
    columns: str,
    wide: bool,
) -> None:
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
    emit(session, [readiness_report(checklist, result)], output_of(fmt, output, columns, wide))
    if not result.ready:
        sys.exit(1)


# -- the journal's life: init, db init|copy ---------------------------------------------------


@cli.command(help=N_("Create the journal of the checklist (exit 0 if it already holds the same checklist id)."))
@click.pass_obj
def init(session: Session) -> None:
    from engine.checklist.cache import load_cached
    from engine.journal.store import init_store

    path = session.checklist_path()
    checklist = load_cached(path)
    store, created = init_store(session.db, path, checklist.id)
    message = (
        _("{path}: journal created for checklist {id}")
        if created
        else _("{path}: already the journal of checklist {id}")
    )
    say(message.format(path=store.location, id=checklist.id), err=True)
    store.close()


@cli.group(help=N_("A shared PostgreSQL journal: prepare it, copy a journal between stores."))
def db() -> None:
    pass


@db.command(
    "init",
    help=N_(
        "Create the schema, roles and append function at --db URL (an administrator's "
        "login), and map each person's login; run again after people or logins change."
    ),
)
@click.pass_obj
def db_init(session: Session) -> None:
    from engine.checklist.cache import load_cached
    from engine.operations.database import init_database

    for line in init_database(load_cached(session.checklist_path()), session.db):
        say(line)


@db.command("copy", help=N_("Copy a journal between stores (SQLite ↔ PostgreSQL), byte for byte; print the head."))
@click.option("--from", "source", required=True, metavar="URL", help=N_("The journal to copy (a path or URL)."))
@click.option("--to", "target", required=True, metavar="URL", help=N_("An empty journal (PostgreSQL: after db init)."))
@click.pass_obj
def db_copy(session: Session, source: str, target: str) -> None:
    from engine.checklist.cache import load_cached
    from engine.journal.store import init_store, open_store
    from engine.operations.database import copy_journal

    path = session.checklist_path()
    checklist = load_cached(path)
    context = click.get_current_context()
    source_store = open_store(source, path, checklist.id, read_only=True)
    context.call_on_close(source_store.close)
    target_store, _created = init_store(target, path, checklist.id)
    context.call_on_close(target_store.close)
    head = copy_journal(source_store, target_store)
    say(f"head {head[0]} {head[1]}")


# -- the office's instruments: inspect, notice, remind ----------------------------------------


@cli.command(help=N_("An inspection round's items (its draw in force); --draw draws it, --report shows its results."))
@click.argument("round_name", metavar="ROUND", shell_complete=complete_rounds)
@click.option("--draw", "do_draw", is_flag=True, help=N_("Draw the round's sample and record the draw (needs --as)."))
@click.option("--seed", type=click.IntRange(min=0), help=N_("Seed of the draw (default: from the OS)."))
@click.option("--redraw", is_flag=True, help=N_("Draw again a round already drawn (needs --note)."))
@click.option("--note", default="", help=N_("Why the round is drawn again."))
@click.option("--report", "results", is_flag=True, help=N_("The round's results: checked, outcome, notes, change."))
@format_options
@click.pass_obj
def inspect(
    session: Session,
    round_name: str,
    do_draw: bool,
    seed: Optional[int],
    redraw: bool,
    note: str,
    results: bool,
    fmt: Optional[str],
    output: Optional[str],
    columns: str,
    wide: bool,
) -> None:
    from engine.operations.inspections import draw_round
    from engine.reports.rounds import inspect_report

    if (seed is not None or redraw) and not do_draw:
        raise click.UsageError(_("--seed and --redraw go with --draw"))
    if do_draw and results:
        raise click.UsageError(_("--draw and --report are separate steps"))
    checklist, store = open_journal(session, create=do_draw)  # a draw is recorded: like advance
    if do_draw:
        with store.transaction() as tx:
            drawn = draw_round(checklist, tx, session.actor, round_name, seed, redraw, note)
        for warning in drawn.warnings:
            say(warning, err=True)
        say(
            _("#{seq} {round}: drew {k} of {n} items with seed {seed}").format(
                seq=drawn.event.seq,
                round=drawn.draw.round,
                k=len(drawn.draw.drawn),
                n=len(drawn.draw.population),
                seed=drawn.draw.seed,
            ),
            err=True,
        )
    emit(
        session, [inspect_report(checklist, store, round_name, today(), results)], output_of(fmt, output, columns, wide)
    )


@cli.command(help=N_("Issue a numbered 督办单 for ITEM at its escalation level."), epilog=ITEM_HELP)
@click.argument("item", shell_complete=complete_items)
@click.option("--level", help=N_("Issue at this level even if the item is not (or not yet) at it."))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help=N_("FILE.docx or FILE.html: the 督办单 to write."),
)
@click.pass_obj
def notice(session: Session, item: str, level: Optional[str], output: str) -> None:
    from engine.operations.notices import issue

    kind = os.path.splitext(output)[1].lower().lstrip(".")
    if kind not in ("docx", "html"):
        raise click.UsageError(_("-o must name a .docx or .html file, not {path!r}").format(path=output))
    refuse_protected(output, session)
    checklist, store = open_journal(session)  # a notice is recorded: like advance
    with store.transaction() as tx:  # the number is only used if the document was written
        issued = issue(checklist, tx, session.actor, item, level, today(), kind)
        write_file(output, issued.document)
    say(
        _("#{seq} {number}: {level} for {item}, deadline in force {deadline}; written: {path}").format(
            seq=issued.event.seq,
            number=issued.notice.number,
            level=issued.notice.level_label,
            item=issued.notice.item,
            deadline=issued.notice.deadline.isoformat(),
            path=output,
        )
    )


@cli.command(help=N_("催办: per unit, the open items due within DAYS or overdue, with the unit's 责任人."))
@click.option("--within", type=int, metavar="DAYS", help=N_("Due within DAYS (working) days (default warning_days)."))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    default=None,
    help=N_("Output format (default: table, or the suffix of -o FILE)."),
)
@click.option("-o", "--output", type=click.Path(), help=N_("FILE, or DIR/ for one file per unit (xlsx or html)."))
@click.option(
    "--columns", metavar="C,..", default="", help=N_("Only these columns, in this order (field ids or headers).")
)
@click.option("--wide", is_flag=True, help=N_("Show every column at full width."))
@click.pass_obj
def remind(
    session: Session, within: Optional[int], fmt: Optional[str], output: Optional[str], columns: str, wide: bool
) -> None:
    from engine.reports.reminders import remind_reports
    from engine.reports.tables import page_meta

    checklist, store = open_journal(session, create=False)
    per_unit = output is not None and (output.endswith(os.sep) or os.path.isdir(output))
    reports = remind_reports(checklist, store, today(), within, page_meta(checklist, today()), per_unit)
    if not per_unit:
        emit(session, reports, output_of(fmt, output, columns, wide))
        return
    if fmt not in ("xlsx", "html"):
        fmt = "xlsx" if fmt in (None, "table") else fmt
        if fmt not in ("xlsx", "html"):
            raise click.UsageError(_("one file per unit is xlsx or html, not {fmt}").format(fmt=fmt))
    assert output is not None
    os.makedirs(output, exist_ok=True)
    for report in reports:
        emit(session, [report], output_of(fmt, os.path.join(output, f"{report.meta['unit']}.{fmt}"), columns, wide))
    if not reports:
        say(_("nothing to remind: no open item is due within the period or overdue"), err=True)


def write_file(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise RectifyError(_("{path}: cannot write: {reason}").format(path=path, reason=e.strerror or e)) from e


# -- the units' sheets and files: template, import, evidence, rollover, graph ------------------


@cli.command(help=N_("Excel sheets for the units to fill in and send back (import)."))
@click.option("--unit", help=N_("Only this unit (id or name)."))
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE.xlsx|DIR/",
    help=N_("One workbook with a sheet per unit, or a folder with UNIT.xlsx each."),
)
@click.pass_obj
def template(session: Session, unit: Optional[str], output: str) -> None:
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
    """Write ``path``, never onto the checklist or the journal in use."""
    refuse_protected(path, session)
    try:
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise RectifyError(_("{path}: cannot write: {reason}").format(path=path, reason=e.strerror or e)) from e
    say(_("written: {path}").format(path=path), err=True)


@cli.command(name="import", help=N_("Apply filled sheets (xlsx or csv): every row or nothing."))
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--files",
    "files_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help=N_("Where the evidence files named in the sheets are (default: beside each sheet)."),
)
@click.option("--dry-run", is_flag=True, help=N_("Check every row and show what would be recorded; record nothing."))
@click.pass_obj
def import_(session: Session, files: tuple[str, ...], files_dir: Optional[str], dry_run: bool) -> None:
    from engine.operations.imports import import_sheets

    checklist, store = open_journal(session, create=not dry_run)
    with _progress_bar() as progress:
        result = import_sheets(checklist, store, session.actor, list(files), files_dir, dry_run, progress)
    for notice in result.notices:
        say(notice, err=True)
    for outcome in result.files:
        if outcome.earlier is not None:
            say(
                _("{file}: already imported as #{seq} on {when} by {who}; nothing recorded").format(
                    file=outcome.name,
                    seq=outcome.earlier.seq,
                    when=outcome.earlier.recorded_at[:16].replace("T", " "),
                    who=outcome.earlier.actor,
                ),
                err=True,
            )
    for draft in result.planned:
        if draft.item.startswith("@"):
            continue
        detail = draft.data.get("values") or draft.data.get("file") or draft.data.get("evidence") or draft.note
        say(
            f"{'(dry run) ' if dry_run else ''}{draft.item}: {draft.trigger} "
            f"{draft.from_state} → {draft.to_state} [{draft.actor}] {detail or ''}".rstrip()
        )
    count = sum(1 for d in result.planned if not d.item.startswith("@"))
    message = _("{n} event(s) would be recorded (dry run)") if dry_run else _("{n} event(s) recorded")
    say(message.format(n=count), err=True)


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


@cli.command(help=N_("Stored evidence files of ITEM: name, size, sha256, who, when; or copy them out."))
@click.argument("item")
@click.argument("evidence", required=False)
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help=N_("Copy the stored files out under their original names."),
)
@format_options
@click.pass_obj
def evidence(
    session: Session,
    item: str,
    evidence: Optional[str],
    export_dir: Optional[str],
    fmt: Optional[str],
    output: Optional[str],
    columns: str,
    wide: bool,
) -> None:
    from engine.operations.evidence import export_evidence
    from engine.reports.evidence import evidence_report, stored_evidence

    checklist, store = open_journal(session, create=False)
    files = stored_evidence(checklist, store, item, evidence)
    if export_dir is not None:
        for path in export_evidence(store, [(f.sha256, f.file) for f in files], export_dir):
            say(_("written: {path}").format(path=path), err=True)
        return
    emit(session, [evidence_report(checklist, item, files, today())], output_of(fmt, output, columns, wide))


@cli.command(help=N_("Next year's checklist: every item not verified, carried as a duty of its unit."))
@click.option(
    "--to", "target", required=True, metavar="NEXT.yaml", help=N_("The new checklist file (never overwritten).")
)
@click.option("--id", "new_id", metavar="ID", help=N_("Its id (default: this id with the year counted up)."))
@click.pass_obj
def rollover(session: Session, target: str, new_id: Optional[str]) -> None:
    from engine.operations.items import resolve_actor
    from engine.operations.rollover import rollover as roll

    checklist, store = open_journal(session, create=False)
    with store.snapshot() as reader:
        result = roll(checklist, reader, resolve_actor(checklist, session.actor), target, new_id)
    say(
        _("written: {path} ({id}): {n} item(s) carried, {m} open two years running (连续未销号)").format(
            path=result.path, id=result.id, n=len(result.duties), m=len(result.open_two_years)
        ),
        err=True,
    )
    for duty in result.duties:
        mark = " ⚠ 连续未销号" if duty.open_two_years else ""
        say(f"{duty.carried_from[-1]} → {duty.owner}/{duty.id}{mark}")


GRAPH_SUFFIXES = {".mmd": "mermaid", ".md": "mermaid", ".dot": "dot", ".gv": "dot", ".svg": "svg"}


@cli.command(help=N_("The workflow diagram: states, steps and who may take them, in Chinese."))
@click.option("--workflow", metavar="W", help=N_("Only this workflow (default: every one)."))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "svg"]),
    help=N_("Diagram format (default mermaid; with -o, the suffix picks it)."),
)
@click.option("-o", "--output", metavar="FILE", help=N_("Write to FILE (.mmd, .dot, .svg)."))
@click.pass_obj
def graph(session: Session, workflow: Optional[str], fmt: Optional[str], output: Optional[str]) -> None:
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
        raise RectifyError(
            _("unknown workflow {name!r}; this checklist has: {known}").format(
                name=workflow, known=", ".join(w.id for w in checklist.workflows)
            )
        )
    if fmt == "svg" and len(workflows) > 1:
        raise click.UsageError(
            _("an SVG holds one workflow: give --workflow (one of {known})").format(
                known=", ".join(w.id for w in workflows)
            )
        )
    drawn = [diagram(w, fmt, checklist.role_labels, f"{checklist.title} · {w.id}") for w in workflows]
    data = drawn[0] if isinstance(drawn[0], bytes) else "\n".join(str(d) for d in drawn)
    if output is not None:
        _write_file(output, data if isinstance(data, bytes) else data.encode("utf-8"), session)
    elif isinstance(data, bytes):
        if sys.stdout.isatty():
            raise click.UsageError(_("svg is a binary format: give -o FILE"))
        sys.stdout.buffer.write(data)
    else:
        click.echo(_visible(data) if sys.stdout.isatty() else data, nl=False)  # labels are user text


# -- the 整改责任表 and notes: duties, note ---------------------------------------------------


@cli.command(help=N_("Record an observation on ITEM (督查意见): no change of state."), epilog=ITEM_HELP)
@click.argument("item", shell_complete=complete_items)
@click.argument("text")
@click.option(
    "--round",
    "round_id",
    metavar="ROUND",
    shell_complete=complete_rounds,
    help=N_("The inspection round this observation belongs to."),
)
@click.pass_obj
def note(session: Session, item: str, text: str, round_id: Optional[str]) -> None:
    from engine.operations import items

    checklist, store = open_journal(session)
    with store.transaction() as tx:
        event = items.note(checklist, tx, session.actor, item, text, round_id)
    _echo_event(checklist, event)


@cli.command(help=N_("The 整改责任表: one row per duty (clause, task, units, heads, deadline, materials, progress)."))
@format_options
@click.pass_obj
def duties(session: Session, fmt: Optional[str], output: Optional[str], columns: str, wide: bool) -> None:
    from engine.reports.tables import duties_report

    checklist, store = open_journal(session, create=False)
    emit(session, [duties_report(checklist, store, today())], output_of(fmt, output, columns, wide))


def today() -> dt.date:
    """``$RECTIFY_TODAY`` when set (tests), else the local date."""
    value = os.environ.get("RECTIFY_TODAY")
    if not value:
        return dt.date.today()
    from engine.model import parse_date

    try:
        return parse_date(value)
    except ValueError:
        raise click.UsageError(
            _("$RECTIFY_TODAY must be a date YYYY-MM-DD, not {value!r}").format(value=value)
        ) from None


def collect_rarely() -> None:
    """The collector policy of every command (and of bench/ scripts that time engine calls).

    A command is one short process that builds a province's 100,000 rows and keeps them to the
    end: the collector's passes over them find nothing to free. With the default threshold they
    were a third of `status` (cProfile of status_rows); at 100,000 still 4 passes, 80 ms of status
    and 15 ms of summary, and an audit of 1,000,000 events made 9 passes that freed nothing
    (gc.callbacks). After a million new containers a pass runs: none in a listing, and a long
    command that did leave cycles is still cleaned."""
    gc.set_threshold(1_000_000, 50, 1000)


def main() -> None:
    """The console script: one command per process."""
    collect_rarely()
    cli(prog_name="rectify")


if __name__ == "__main__":
    main()
