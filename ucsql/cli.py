"""The ``ucsql`` command: run SQL against a metastore file, or open an interactive shell.

    $ ucsql models.duckdb -c "CREATE CATALOG prod; SHOW CATALOGS"
    $ ucsql models.duckdb -f setup.sql -F csv
    $ ucsql models.duckdb < setup.sql
    $ ucsql models.duckdb
    alice@models.duckdb> SHOW CATALOGS;

Every way in (``-c``, ``-f``, a piped script, the shell in ``ucsql.shell``) runs through
:func:`run_script`, so they print results (as table, csv, json or markdown) and errors the same
way.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import click
from sqlglot.errors import TokenError
from sqlglot.tokens import TokenType

from . import __version__, dialect
from .api import Catalog, connect, default_principal
from .errors import UcsqlError
from .format import FORMATS, render
from .progress import terminal_progress
from .result import Result

QUIT_COMMANDS = {"\\q", ".quit", ".exit", "exit", "quit"}


@dataclass
class Settings:
    """How results print: the format, the table width (None: the terminal's, if stdout is one),
    and whether each statement's time is shown. The shell's \\format and \\timing change them."""

    format: str = "table"
    width: int | None = None
    timing: bool = False


def results(catalog: Catalog, script: str, progress=None) -> Iterator[Result]:
    """Run a ``;``-separated script statement by statement, yielding each statement's result."""
    yield from catalog.run(script, progress=progress)


def report(error: Exception, source: str | None = None) -> int:
    """Print an error to stderr as ``Error: ...`` (``Error: FILE:LINE: ...`` for a script file);
    return the exit status it calls for."""
    if isinstance(error, UcsqlError):
        where = f"{source}:{error.line}: " if source and error.line else ""
        click.echo(f"Error: {where}{error.message}", err=True)
        return 1
    first_line = (str(error).strip().splitlines() or [""])[0]
    click.echo(f"Error: internal error ({type(error).__name__}): {first_line}", err=True)
    return 2


def show(result: Result, settings: Settings) -> None:
    """Print one result. In csv and json the rows alone go to stdout (a message such as "Created
    catalog prod." goes to stderr), so that the output stays machine-readable."""
    text = render(result, settings.format, terminal_width(settings.width))
    if text:  # (JSON lines of no rows are nothing at all)
        message_only = not result.table.num_columns
        click.echo(text, err=message_only and settings.format in ("csv", "json"))


def run_script(catalog: Catalog, script: str, settings: Settings | None = None,
               source: str | None = None) -> int:
    """Run a script, printing each result as it comes; stop at the first error.

    ``source`` names the script file for errors. Returns the exit status: 0, 1 for a ucsql
    error, 2 for an unexpected one. A progress bar shows long work when stderr is a terminal.
    """
    settings = settings or Settings()
    bar = terminal_progress(sys.stderr)
    try:
        started = time.perf_counter()
        for result in results(catalog, script, bar):
            if bar:
                bar.close()
            show(result, settings)
            if settings.timing:
                click.echo(f"Time: {time.perf_counter() - started:.3f} s", err=True)
            started = time.perf_counter()
    except Exception as error:  # noqa: BLE001 -- one line on stderr, never a traceback
        return report(error, source)
    finally:
        if bar:
            bar.close()
    return 0


def is_complete(text: str) -> bool:
    """Whether Enter in the shell should run ``text``: a quit or backslash/dot command, an empty
    line, or SQL whose last token is ``;`` (not one inside a string, a `name` or a comment)."""
    stripped = text.strip()
    if not stripped or stripped.rstrip(";").strip() in QUIT_COMMANDS:
        return True
    if stripped[0] in "\\." and "\n" not in stripped:
        return True
    try:
        tokens = dialect.Ucsql().tokenize(stripped)
    except TokenError:  # an unterminated string, name or comment: keep reading
        return False
    return bool(tokens) and tokens[-1].token_type == TokenType.SEMICOLON


def terminal_width(width: int | None) -> int | None:
    """The width tables wrap to: --width, else the terminal's when stdout is one, else none
    (a pipe gets whole lines)."""
    if width:
        return width
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


def collect_garbage(metastore: str, principal: str | None) -> int:
    """``ucsql gc METASTORE``: remove leftover model files; print what went."""
    try:
        with connect(metastore, principal or default_principal()) as catalog:
            removed = catalog.engine.metastore.collect_garbage()
    except Exception as error:  # noqa: BLE001 -- one line on stderr, never a traceback
        return report(error)
    for path in removed:
        click.echo(f"removed {path}")
    click.echo(f"{len(removed)} leftover folder{'s' if len(removed) != 1 else ''} removed.")
    return 0


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("metastore")
@click.argument("gc_target", required=False, metavar="")
@click.option("-c", "--command", "scripts", multiple=True, metavar="SQL",
              help="SQL to run (';'-separated statements), then exit. Repeat to run several.")
@click.option("-f", "--file", "script_file", type=click.Path(dir_okay=False, allow_dash=True),
              metavar="FILE", help="Run the SQL script FILE ('-': stdin), stopping at the first "
              "error, which names the file and line.")
@click.option("-F", "--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="How results print: an aligned table, CSV, JSON lines "
              "(one object per row) or a markdown table.")
@click.option("--width", type=click.IntRange(20), metavar="N",
              help="Wrap tables to N columns. Default: the terminal's width (no wrapping when "
              "output is not a terminal).")
@click.option("--principal", envvar="UCSQL_PRINCIPAL", metavar="NAME",
              help="Who you are. Default: $UCSQL_PRINCIPAL, else your login name.")
@click.version_option(__version__, prog_name="ucsql")
def main(metastore: str, gc_target: str | None, scripts: tuple[str, ...],
         script_file: str | None, fmt: str, width: int | None, principal: str | None) -> None:
    """Run SQL against the METASTORE file (created if missing; ':memory:' for a throwaway one).

    With -c or -f, run that SQL and exit. Otherwise run the script piped on standard input, or,
    at a terminal, open an interactive shell (\\? there lists its commands, \\h GRANT shows a
    statement's syntax). Each statement that returns rows prints them; each change prints what
    it did. An error prints to stderr and exits with status 1.

    `ucsql gc METASTORE` removes model files that no version needs (left by a crash).

    Example: ucsql models.duckdb -c "CREATE CATALOG prod; SHOW CATALOGS"
    """
    if metastore == "gc" and gc_target:
        sys.exit(collect_garbage(gc_target, principal))
    if gc_target:
        raise click.UsageError(f"Unexpected argument {gc_target!r}; did you mean -c?")
    script = None
    if script_file:  # read it before opening the metastore: a bad file changes nothing
        try:
            with click.open_file(script_file, encoding="utf-8") as f:
                script = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise click.BadParameter(f"cannot read {script_file}: {e}", param_hint="-f") from None
    settings = Settings(fmt, width)
    try:
        catalog = connect(metastore, principal or default_principal())
    except Exception as error:  # noqa: BLE001 -- one line on stderr, never a traceback
        sys.exit(report(error))
    with catalog:
        try:
            status = _run(catalog, metastore, settings, scripts, script, script_file)
        except KeyboardInterrupt:
            click.echo("Cancelled.", err=True)
            status = 130
    sys.exit(status)


def _run(catalog: Catalog, metastore: str, settings: Settings, scripts: tuple[str, ...],
         script: str | None, script_file: str | None) -> int:
    """-c scripts in order, then the -f file; else stdin, or the shell at a terminal."""
    if not scripts and script is None:
        if sys.stdin.isatty():
            from .shell import shell  # prompt_toolkit is only needed here
            return shell(catalog, metastore, settings)
        return run_script(catalog, sys.stdin.read(), settings)
    for sql in scripts:
        status = run_script(catalog, sql, settings)
        if status:
            return status
    if script is not None:
        source = "<stdin>" if script_file == "-" else script_file
        return run_script(catalog, script, settings, source)
    return 0
