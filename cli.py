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
from engine.errors import ChecklistError, Refused, RectifyError
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
    if isinstance(error, Refused):
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


class RectifyGroup(click.Group):
    """Maps engine errors to exit codes once, for every command."""

    def invoke(self, ctx: click.Context) -> Any:
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
@click.argument("files", nargs=-1)
@click.pass_obj
def validate(session: Session, files: tuple[str, ...]) -> None:
    """Check checklist files; print each problem as FILE:LINE:COL: message."""
    from engine.loader import load_checklist

    failed = False
    for path in files or (session.checklist_path(),):
        try:
            checklist = load_checklist(path)
        except ChecklistError as e:
            failed = True
            click.echo(str(e), err=True)
            continue
        click.echo(_("{file}: ok — {units} units, {people} people, {duties} duties, {items} items, "
                     "{workflows} workflows").format(
            file=path, units=len(checklist.units), people=len(checklist.people),
            duties=len(checklist.duties), items=len(checklist.items),
            workflows=len(checklist.workflows)))
    if failed:
        sys.exit(1)


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
